/* receiver/rx_conns over real loopback TCP sockets, driven with chosen
 * times: replies reach the client, a fifth connection from one host evicts
 * that host's least active one (closed at once), an idle connection is
 * shut down for writing after AL_RX_IDLE_CONN_NS (the client reads our
 * reply, then EOF) and cut off after the linger, and accepting stops at
 * AL_RX_ACCEPTS_PER_WAKE per wake-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "common/defaults.h"
#include "net/addr.h"
#include "net/clock.h"
#include "net/fd.h"
#include "net/tcp.h"
#include "receiver/rx_conns.h"

static int sessions_seen;
static void on_session(void *ctx, int64_t now, const rtsp_server_event *ev)
{
    (void)ctx;
    (void)now;
    (void)ev;
    sessions_seen++;
}

static rx_conns *conns;
static int port;

static int setup(void **state)
{
    (void)state;
    net_endpoint ep = {.host = "127.0.0.1", .port = 0};
    char err[256];
    int fd = tcp_listen(&ep, err, sizeof err);
    if (fd < 0)
        return -1;
    port = net_bound_port(fd);
    rtsp_server_config cfg = {.rtp_port = 5004, .session_timeout_s = 60, .seed = 1};
    conns = rx_conns_create(fd, &cfg, -1, on_session, NULL);
    return conns ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rx_conns_destroy(conns);
    conns = NULL;
    return 0;
}

/* One wake-up at NOW: prepare, poll without waiting, dispatch. Returns
 * how many descriptors were ready. */
static int wake(int64_t now)
{
    struct pollfd fds[RX_CONNS_FDS];
    int64_t deadline = INT64_MAX;
    int n = rx_conns_prepare(conns, now, fds, RX_CONNS_FDS, &deadline);
    int ready = poll(fds, (nfds_t)n, 0);
    assert_true(ready >= 0);
    rx_conns_dispatch(conns, now, fds, n);
    return ready;
}

/* Wake-ups at NOW until nothing is ready (at most 50). */
static void settle(int64_t now)
{
    for (int i = 0; i < 50 && wake(now) > 0; i++)
        usleep(1000);
}

/* A client connected from SRC (a loopback address), non-blocking. */
static int client(const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
    net_set_nonblocking(fd);
    return fd;
}

/* What the client can read now: bytes (>0), 0 for EOF, -1 for nothing yet. */
static ssize_t client_read(int fd, char *buf, size_t size)
{
    usleep(2000);
    ssize_t n = recv(fd, buf, size - 1, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -1;
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static int open_slots(void)
{
    int n = 0;
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
        n += rtsp_server_conn_open(rx_conns_server(conns), c);
    return n;
}

static void test_reply_idle_close_and_linger(void **state)
{
    (void)state;
    int fd = client("127.0.0.3");
    settle(0);
    const char req[] = "OPTIONS rtsp://x/audio RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    settle(1 * NS_PER_SEC);
    char buf[2048];
    assert_true(client_read(fd, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "RTSP/1.0 200 OK"));
    assert_int_equal(open_slots(), 1);
    /* idle: not yet */
    settle(1 * NS_PER_SEC + AL_RX_IDLE_CONN_NS - 1);
    assert_int_equal(client_read(fd, buf, sizeof buf), -1);
    assert_int_equal(open_slots(), 1);
    /* idle long enough: shut down for writing (the client sees EOF) */
    int64_t closed = 1 * NS_PER_SEC + AL_RX_IDLE_CONN_NS;
    settle(closed);
    assert_int_equal(client_read(fd, buf, sizeof buf), 0);
    assert_int_equal(open_slots(), 0);
    /* the client does not close: cut off after the linger, not before */
    struct pollfd pfd[RX_CONNS_FDS];
    int64_t deadline = INT64_MAX;
    int n = rx_conns_prepare(conns, closed, pfd, RX_CONNS_FDS, &deadline);
    assert_int_equal(n, 2); /* the listener and the lingering connection */
    assert_int_equal(deadline, closed + AL_RX_CLOSE_LINGER_NS);
    settle(closed + AL_RX_CLOSE_LINGER_NS);
    deadline = INT64_MAX;
    assert_int_equal(rx_conns_prepare(conns, closed, pfd, RX_CONNS_FDS, &deadline), 1);
    close(fd);
    assert_int_equal(sessions_seen, 0);
}

static void test_per_host_eviction(void **state)
{
    (void)state;
    int fds[AL_RX_CONNS_PER_HOST + 1];
    for (int i = 0; i < AL_RX_CONNS_PER_HOST; i++) {
        fds[i] = client("127.0.0.2");
        settle((int64_t)i * NS_PER_SEC);
    }
    int other = client("127.0.0.4");
    settle(5 * NS_PER_SEC);
    assert_int_equal(open_slots(), AL_RX_CONNS_PER_HOST + 1);
    fds[AL_RX_CONNS_PER_HOST] = client("127.0.0.2");
    settle(6 * NS_PER_SEC);
    char buf[64];
    /* the oldest of that host is gone at once, the rest stay */
    assert_int_equal(client_read(fds[0], buf, sizeof buf), 0);
    for (int i = 1; i <= AL_RX_CONNS_PER_HOST; i++)
        assert_int_equal(client_read(fds[i], buf, sizeof buf), -1);
    assert_int_equal(client_read(other, buf, sizeof buf), -1);
    assert_int_equal(open_slots(), AL_RX_CONNS_PER_HOST + 1);
    for (int i = 0; i <= AL_RX_CONNS_PER_HOST; i++)
        close(fds[i]);
    close(other);
}

/* A burst of connections is accepted AL_RX_ACCEPTS_PER_WAKE at a time. */
static void test_accept_budget(void **state)
{
    (void)state;
    enum { BURST = RTSP_SERVER_MAX_CONNS };
    int fds[BURST];
    char src[32];
    for (int i = 0; i < BURST; i++) {
        snprintf(src, sizeof src, "127.0.1.%d", i + 1);
        fds[i] = client(src);
    }
    usleep(5000);
    wake(0);
    assert_true(AL_RX_ACCEPTS_PER_WAKE < BURST); /* else this tests nothing */
    assert_int_equal(open_slots(), AL_RX_ACCEPTS_PER_WAKE);
    settle(0);
    assert_int_equal(open_slots(), BURST);
    for (int i = 0; i < BURST; i++)
        close(fds[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reply_idle_close_and_linger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_host_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_budget, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
