/* net/connector: every address of a destination tried in turn, real
 * sockets on loopback, time passed in (the attempt delay in simulated
 * time, the kernel's connects for real). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/connector.h"

#define MS 1000000LL

/* A listening TCP socket on 127.0.0.1 with BACKLOG, its port in *PORT. */
static int listener(int backlog, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, backlog), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port on 127.0.0.1 where nothing listens (bound, never listening: no
 * one else takes it meanwhile). Its holder in *HOLDER. */
static int refused_port(int *holder)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *holder = fd;
    return ntohs(a.sin_port);
}

/* A listener that answers no new connection: backlog 0 and one connection
 * already queued, so the kernel drops further SYNs (the connect hangs, as
 * to a host that has gone). */
static int black_hole(int *port, int *queued)
{
    int fd = listener(0, port);
    *queued = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)*port)};
    assert_int_equal(connect(*queued, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void add_v4(net_addr_list *l, int port)
{
    struct sockaddr_in *a = (struct sockaddr_in *)&l->addr[l->count];
    memset(&l->addr[l->count], 0, sizeof l->addr[0]);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->sin_port = htons((uint16_t)port);
    l->len[l->count++] = sizeof *a;
}

static void add_v6_loopback(net_addr_list *l, int port)
{
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l->addr[l->count];
    memset(&l->addr[l->count], 0, sizeof l->addr[0]);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    a->sin6_port = htons((uint16_t)port);
    l->len[l->count++] = sizeof *a;
}

/* One round as an event loop does it at simulated time NOW: poll what the
 * connector lists (waiting up to WAIT_MS for the kernel), then dispatch. */
static net_connector_result step(net_connector *c, int64_t now, int wait_ms, int *fd, int *index,
                                 int64_t *deadline)
{
    struct pollfd fds[NET_ADDR_MAX];
    *deadline = INT64_MAX;
    int n = net_connector_prepare(c, fds, NET_ADDR_MAX, deadline);
    poll(fds, (nfds_t)n, wait_ms);
    return net_connector_dispatch(c, now, fds, n, fd, index);
}

static bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static void test_one_address_refused(void **state)
{
    (void)state;
    int holder, port = refused_port(&holder);
    net_addr_list l = {0};
    add_v4(&l, port);
    net_connector c;
    net_connector_init(&c);
    net_connector_result r = net_connector_start(&c, &l, 0);
    int fd = -1, index = -1;
    int64_t deadline;
    for (int i = 0; i < 50 && r == NET_CONNECTOR_PENDING; i++)
        r = step(&c, 0, 100, &fd, &index, &deadline);
    assert_int_equal(r, NET_CONNECTOR_FAILED);
    /* one address: the reason alone, the caller names the destination */
    assert_string_equal(net_connector_error(&c), strerror(ECONNREFUSED));
    assert_false(net_connector_active(&c));
    close(holder);
}

/* "localhost" as ::1 then 127.0.0.1 with the server on 127.0.0.1 only:
 * the refusal of the first moves on to the second at once (no waiting
 * for the attempt delay). */
static void test_refused_first_moves_on(void **state)
{
    (void)state;
    int port, lfd = listener(4, &port);
    net_addr_list l = {0};
    add_v6_loopback(&l, port); /* nothing there on ::1 */
    add_v4(&l, port);
    net_connector c;
    net_connector_init(&c);
    net_connector_result r = net_connector_start(&c, &l, 0);
    int fd = -1, index = -1;
    int64_t deadline;
    for (int i = 0; i < 50 && r == NET_CONNECTOR_PENDING; i++)
        r = step(&c, 0, 100, &fd, &index, &deadline); /* simulated time stands still */
    assert_int_equal(r, NET_CONNECTOR_CONNECTED);
    assert_int_equal(index, 1);
    assert_true(fd >= 0);
    assert_false(net_connector_active(&c));
    int peer = accept(lfd, NULL, NULL);
    assert_true(peer >= 0);
    assert_int_equal(send(fd, "x", 1, 0), 1);
    char b;
    assert_int_equal(recv(peer, &b, 1, 0), 1);
    close(peer);
    close(fd);
    close(lfd);
}

/* A first address that never answers: the second starts after the attempt
 * delay, not before, and wins; the hanging attempt is closed. */
static void test_silent_first_after_delay(void **state)
{
    (void)state;
    int hole_port, queued, hole = black_hole(&hole_port, &queued);
    int port, lfd = listener(4, &port);
    net_addr_list l = {0};
    add_v4(&l, hole_port);
    add_v4(&l, port);
    net_connector c;
    net_connector_init(&c);
    assert_int_equal(net_connector_start(&c, &l, 1000 * MS), NET_CONNECTOR_PENDING);
    int fd = -1, index = -1;
    int64_t deadline;
    assert_int_equal(step(&c, 1000 * MS, 50, &fd, &index, &deadline), NET_CONNECTOR_PENDING);
    assert_int_equal(deadline, 1000 * MS + NET_CONNECTOR_ATTEMPT_DELAY_NS);
    int first = c.fds[0];
    assert_true(first >= 0);
    /* just before the delay: still one attempt */
    assert_int_equal(
        step(&c, 1000 * MS + NET_CONNECTOR_ATTEMPT_DELAY_NS - 1, 50, &fd, &index, &deadline),
        NET_CONNECTOR_PENDING);
    assert_int_equal(c.started, 1);
    /* at the delay the second starts, and connects */
    net_connector_result r =
        step(&c, 1000 * MS + NET_CONNECTOR_ATTEMPT_DELAY_NS, 0, &fd, &index, &deadline);
    assert_int_equal(c.started, 2);
    for (int i = 0; i < 50 && r == NET_CONNECTOR_PENDING; i++)
        r = step(&c, 1000 * MS + NET_CONNECTOR_ATTEMPT_DELAY_NS, 100, &fd, &index, &deadline);
    assert_int_equal(r, NET_CONNECTOR_CONNECTED);
    assert_int_equal(index, 1);
    assert_false(fd_open(first) && first != fd); /* the hanging attempt was closed */
    close(fd);
    close(lfd);
    close(queued);
    close(hole);
}

/* Every address refused: FAILED, each one's reason named. */
static void test_all_fail(void **state)
{
    (void)state;
    int h1, h2, p1 = refused_port(&h1), p2 = refused_port(&h2);
    net_addr_list l = {0};
    add_v4(&l, p1);
    add_v4(&l, p2);
    net_connector c;
    net_connector_init(&c);
    net_connector_result r = net_connector_start(&c, &l, 0);
    int fd, index;
    int64_t deadline;
    for (int i = 0; i < 50 && r == NET_CONNECTOR_PENDING; i++)
        r = step(&c, 0, 100, &fd, &index, &deadline);
    assert_int_equal(r, NET_CONNECTOR_FAILED);
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d: %s", p1, strerror(ECONNREFUSED));
    assert_non_null(strstr(net_connector_error(&c), want));
    snprintf(want, sizeof want, "127.0.0.1:%d: %s", p2, strerror(ECONNREFUSED));
    assert_non_null(strstr(net_connector_error(&c), want));
    close(h1);
    close(h2);
}

/* RFC 8305 section 4: families alternate from the first one's. */
static void test_families_interleaved(void **state)
{
    (void)state;
    net_addr_list l = {0};
    add_v6_loopback(&l, 1001);
    add_v6_loopback(&l, 1002);
    add_v6_loopback(&l, 1003);
    add_v4(&l, 2001);
    add_v4(&l, 2002);
    net_connector c;
    net_connector_init(&c);
    net_connector_start(&c, &l, 0);
    const int want[] = {1001, 2001, 1002, 2002, 1003};
    assert_int_equal(c.addrs.count, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(net_addr_port((const struct sockaddr *)&c.addrs.addr[i]), want[i]);
    net_connector_cancel(&c);
}

static void test_empty_and_cancel(void **state)
{
    (void)state;
    net_addr_list none = {0};
    net_connector c;
    net_connector_init(&c);
    assert_int_equal(net_connector_start(&c, &none, 0), NET_CONNECTOR_FAILED);
    int64_t deadline = INT64_MAX;
    struct pollfd fds[NET_ADDR_MAX];
    assert_int_equal(net_connector_prepare(&c, fds, NET_ADDR_MAX, &deadline), 0);
    assert_int_equal(deadline, INT64_MAX);

    int hole_port, queued, hole = black_hole(&hole_port, &queued);
    net_addr_list l = {0};
    add_v4(&l, hole_port);
    assert_int_equal(net_connector_start(&c, &l, 0), NET_CONNECTOR_PENDING);
    int fd = c.fds[0];
    assert_true(fd_open(fd));
    net_connector_cancel(&c);
    assert_false(fd_open(fd));
    assert_false(net_connector_active(&c));
    close(queued);
    close(hole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_address_refused),
        cmocka_unit_test(test_refused_first_moves_on),
        cmocka_unit_test(test_silent_first_after_delay),
        cmocka_unit_test(test_all_fail),
        cmocka_unit_test(test_families_interleaved),
        cmocka_unit_test(test_empty_and_cancel),
    };
    return cmocka_run_group_tests_name("connector", tests, NULL, NULL);
}
