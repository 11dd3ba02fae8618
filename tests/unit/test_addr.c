/* Addresses: parsing "host:port" under the flags, resolving, ports of socket
 * addresses, and net_bind (port 0 included) on real loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/bind.h"
#include "net/fd.h"

static void expect_parse(const char *text, unsigned flags, const char *host, int port)
{
    net_endpoint ep;
    char err[256] = "";
    if (net_endpoint_parse(text, flags, &ep, err, sizeof err) != 0)
        fail_msg("'%s' (flags %u) refused: %s", text, flags, err);
    assert_string_equal(ep.host, host);
    assert_int_equal(ep.port, port);
}

/* Refused, with a message that quotes the input and says WANT. */
static void expect_refused(const char *text, unsigned flags, const char *want)
{
    net_endpoint ep;
    char err[512] = "";
    if (net_endpoint_parse(text, flags, &ep, err, sizeof err) == 0)
        fail_msg("'%s' (flags %u) accepted as host '%s' port %d", text, flags, ep.host, ep.port);
    if (strstr(err, want) == NULL)
        fail_msg("'%s': message '%s' does not say '%s'", text, err, want);
}

static void test_parse_forms(void **state)
{
    (void)state;
    expect_parse("127.0.0.1:5004", 0, "127.0.0.1", 5004);
    expect_parse("example.org:1", NET_HOST_REQUIRED, "example.org", 1);
    expect_parse("localhost:65535", 0, "localhost", 65535);
    expect_parse("[::1]:5004", NET_HOST_REQUIRED, "::1", 5004);
    expect_parse("[::]:5004", 0, "::", 5004);
    expect_parse("[fe80::1%lo]:9", 0, "fe80::1%lo", 9);
    /* a bare port: every address, unless a host is required */
    expect_parse("5004", 0, "", 5004);
    expect_refused("5004", NET_HOST_REQUIRED, "expected HOST:PORT");
}

static void test_parse_port_zero(void **state)
{
    (void)state;
    expect_refused("127.0.0.1:0", 0, "port must be a number from 1 to 65535");
    expect_refused("0", 0, "from 1 to 65535");
    expect_refused("[::1]:0", NET_HOST_REQUIRED, "from 1 to 65535");
    expect_parse("127.0.0.1:0", NET_PORT_ZERO_OK, "127.0.0.1", 0);
    expect_parse("0", NET_PORT_ZERO_OK, "", 0);
    expect_parse("[::1]:0", NET_PORT_ZERO_OK | NET_HOST_REQUIRED, "::1", 0);
    expect_refused("0", NET_PORT_ZERO_OK | NET_HOST_REQUIRED, "expected HOST:PORT");
    expect_refused("h:65536", NET_PORT_ZERO_OK, "from 0 to 65535");
}

static void test_parse_bad_ports(void **state)
{
    (void)state;
    const char *bad[] = {
        "h:65536", "h:-1",    "h:+5004", "h: 5004", "h:5004 ", "h:50a4", "h:0x10",
        "h:",      "h:5004:", "-0",      "h:1e3",   "h:5.0",   "h:+0",   "h:99999999999999999999",
        "h:\t80",  "h:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        net_endpoint ep;
        char err[256] = "";
        if (net_endpoint_parse(bad[i], NET_PORT_ZERO_OK, &ep, err, sizeof err) == 0)
            fail_msg("'%s' accepted as host '%s' port %d", bad[i], ep.host, ep.port);
        assert_true(err[0] != '\0');
    }
}

static void test_parse_bad_hosts_and_garbage(void **state)
{
    (void)state;
    expect_refused("", 0, "port must be a number");
    expect_refused("", NET_HOST_REQUIRED, "expected HOST:PORT");
    expect_refused(":5004", 0, "bad host");
    expect_refused("::1:5004", 0, "write IPv6 addresses as [ADDR]:PORT");
    expect_refused("[::1]", 0, "expected [IPv6]:PORT");
    expect_refused("[::1]5004", 0, "expected [IPv6]:PORT");
    expect_refused("[::1:5004", 0, "expected [IPv6]:PORT");
    expect_refused("[]:5004", 0, "bad IPv6 address");
    expect_refused("%%%", 0, "port must be a number");
    expect_refused("\x01\x02\xff:\xfe", 0, "port must be a number");

    /* Overlong hosts are refused, not cut: the longest that fits is kept. */
    char text[ADDR_HOST_MAX + 64], host[ADDR_HOST_MAX + 1];
    memset(host, 'a', ADDR_HOST_MAX);
    host[ADDR_HOST_MAX] = '\0';
    snprintf(text, sizeof text, "%s:5004", host);
    expect_refused(text, 0, "bad host");
    snprintf(text, sizeof text, "[%s]:5004", host);
    expect_refused(text, 0, "bad IPv6 address");
    host[ADDR_HOST_MAX - 1] = '\0';
    snprintf(text, sizeof text, "%s:5004", host);
    expect_parse(text, 0, host, 5004);

    /* No input at all, and a message buffer too small for the message: no
     * crash, no overflow. */
    net_endpoint ep;
    char err[256] = "";
    assert_int_equal(net_endpoint_parse(NULL, 0, &ep, err, sizeof err), -1);
    char tiny[4] = "xyz";
    assert_int_equal(net_endpoint_parse("garbage", 0, &ep, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), 3);
    assert_int_equal(net_endpoint_parse("garbage", 0, &ep, NULL, 0), -1);
}

static bool is_loopback(const struct sockaddr *a)
{
    if (a->sa_family == AF_INET)
        return ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24 == 127;
    return a->sa_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* "localhost": every address getaddrinfo gives, in its order, each once,
 * each with the port. */
static void test_resolve_all_localhost(void **state)
{
    (void)state;
    net_endpoint ep = {.host = "localhost", .port = 5004};
    net_addr_list list;
    char err[256] = "";
    if (net_resolve_all(&ep, SOCK_DGRAM, false, &list, err, sizeof err) != 0)
        fail_msg("localhost: %s", err);
    assert_true(list.count >= 1 && list.count <= NET_ADDR_MAX);
    for (int i = 0; i < list.count; i++) {
        const struct sockaddr *a = (const struct sockaddr *)&list.addr[i];
        assert_true(is_loopback(a));
        assert_int_equal(net_addr_port(a), 5004);
        assert_int_equal(list.len[i], a->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                              : sizeof(struct sockaddr_in6));
        for (int j = 0; j < i; j++)
            assert_false(net_addr_equal(a, (const struct sockaddr *)&list.addr[j]));
    }
    /* the resolver's own order, duplicates dropped (same flags as net/addr.c) */
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_ADDRCONFIG},
                    *res;
    int rc = getaddrinfo("localhost", "5004", &hints, &res);
    if (rc != 0) {
        hints.ai_flags = 0;
        rc = getaddrinfo("localhost", "5004", &hints, &res);
    }
    assert_int_equal(rc, 0);
    int k = 0;
    for (const struct addrinfo *ai = res; ai && k < list.count; ai = ai->ai_next) {
        bool earlier = false;
        for (int j = 0; j < k; j++)
            earlier = earlier || net_addr_equal(ai->ai_addr, (struct sockaddr *)&list.addr[j]);
        if (earlier)
            continue;
        assert_true(net_addr_equal(ai->ai_addr, (const struct sockaddr *)&list.addr[k]));
        k++;
    }
    freeaddrinfo(res);
    assert_int_equal(k, list.count);
}

static void test_resolve_literals_and_failures(void **state)
{
    (void)state;
    net_addr_list list;
    char err[256] = "", text[NET_ADDR_STR_MAX];
    net_endpoint v4 = {.host = "127.0.0.1", .port = 9};
    assert_int_equal(net_resolve_all(&v4, SOCK_STREAM, false, &list, err, sizeof err), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(net_addr_str((struct sockaddr *)&list.addr[0], text, sizeof text),
                        "127.0.0.1:9");
    net_endpoint v6 = {.host = "::1", .port = 65535};
    assert_int_equal(net_resolve_all(&v6, SOCK_DGRAM, false, &list, err, sizeof err), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(net_addr_str((struct sockaddr *)&list.addr[0], text, sizeof text),
                        "[::1]:65535");
    /* passive with no host: one wildcard, IPv6 (dual-stack) where there is IPv6 */
    net_endpoint any = {.host = "", .port = 0};
    assert_int_equal(net_resolve_all(&any, SOCK_DGRAM, true, &list, err, sizeof err), 0);
    assert_int_equal(list.count, 1);
    int port = net_addr_port((struct sockaddr *)&list.addr[0]);
    assert_int_equal(port, 0);

    net_endpoint none = {.host = "no-such-host.invalid", .port = 9};
    assert_int_equal(net_resolve_all(&none, SOCK_DGRAM, false, &list, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot resolve 'no-such-host.invalid'"));
}

static void test_addr_ports(void **state)
{
    (void)state;
    struct sockaddr_storage a4 = {0}, a6 = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&a4;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a6;
    in4->sin_family = AF_INET;
    in4->sin_port = htons(80);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(443);
    assert_int_equal(net_addr_port((struct sockaddr *)&a4), 80);
    assert_int_equal(net_addr_port((struct sockaddr *)&a6), 443);
    net_addr_set_port(&a4, 65535);
    net_addr_set_port(&a6, 0);
    assert_int_equal(ntohs(in4->sin_port), 65535);
    assert_int_equal(ntohs(in6->sin6_port), 0);
    assert_int_equal(net_addr_port((struct sockaddr *)&a4), 65535);
    /* another family: no port, and nothing written */
    struct sockaddr_storage su = {0};
    struct sockaddr_un *un = (struct sockaddr_un *)&su;
    un->sun_family = AF_UNIX;
    strcpy(un->sun_path, "/x");
    assert_int_equal(net_addr_port((struct sockaddr *)&su), 0);
    net_addr_set_port(&su, 5);
    assert_string_equal(un->sun_path, "/x");

    /* the longest address text fits NET_ADDR_STR_MAX whole */
    memset(&in6->sin6_addr, 0xff, sizeof in6->sin6_addr);
    in6->sin6_port = htons(65535);
    char text[NET_ADDR_STR_MAX];
    net_addr_str((struct sockaddr *)&a6, text, sizeof text);
    assert_string_equal(text, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void expect_nonblocking_cloexec(int fd)
{
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* UDP on port 0: the kernel's port is reported, and a datagram sent to it
 * arrives; binding the same port again is "in use". */
static void test_bind_udp_port_zero(void **state)
{
    (void)state;
    net_endpoint ep = {.host = "127.0.0.1", .port = 0};
    net_bound b;
    char err[256] = "";
    int fd = net_bind(&ep, SOCK_DGRAM, &b, err, sizeof err);
    if (fd < 0)
        fail_msg("%s", err);
    assert_int_equal(b.failure, NET_BIND_OK);
    int port = net_addr_port((struct sockaddr *)&b.addr);
    assert_true(port > 0 && port <= 65535);
    assert_int_equal(net_bound_port(fd), port);
    assert_int_equal(b.len, sizeof(struct sockaddr_in));
    expect_nonblocking_cloexec(fd);

    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(sendto(tx, "hi", 2, 0, (struct sockaddr *)&b.addr, b.len), 2);
    char buf[8];
    ssize_t n = -1;
    for (int i = 0; i < 1000 && n < 0; i++) { /* non-blocking: wait a little */
        n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            usleep(1000);
    }
    assert_int_equal(n, 2);

    net_endpoint same = {.host = "127.0.0.1", .port = port};
    net_bound again;
    assert_int_equal(net_bind(&same, SOCK_DGRAM, &again, err, sizeof err), -1);
    assert_int_equal(again.failure, NET_BIND_IN_USE);
    char want[64];
    snprintf(want, sizeof want, "cannot bind udp 127.0.0.1:%d: port in use", port);
    assert_string_equal(err, want);
    close(tx);
    close(fd);
}

/* TCP on port 0 listens: a client connects to the reported port. */
static void test_bind_tcp_port_zero_listens(void **state)
{
    (void)state;
    net_endpoint ep = {.host = "::1", .port = 0};
    net_bound b;
    char err[256] = "";
    int fd = net_bind(&ep, SOCK_STREAM, &b, err, sizeof err);
    if (fd < 0) {
        ep = (net_endpoint){.host = "127.0.0.1", .port = 0}; /* no IPv6 here */
        fd = net_bind(&ep, SOCK_STREAM, &b, err, sizeof err);
    }
    if (fd < 0)
        fail_msg("%s", err);
    expect_nonblocking_cloexec(fd);
    int port = net_addr_port((struct sockaddr *)&b.addr);
    assert_true(port > 0);
    int c = socket(b.addr.ss_family, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&b.addr, b.len), 0);
    int a = -1;
    for (int i = 0; i < 1000 && a < 0; i++) {
        a = accept(fd, NULL, NULL);
        if (a < 0)
            usleep(1000);
    }
    assert_true(a >= 0);

    net_endpoint same = ep;
    same.port = port;
    net_bound again;
    assert_int_equal(net_bind(&same, SOCK_STREAM, &again, err, sizeof err), -1);
    assert_int_equal(again.failure, NET_BIND_IN_USE);
    assert_non_null(strstr(err, "cannot listen on tcp "));
    assert_non_null(strstr(err, ": port in use"));
    close(a);
    close(c);
    close(fd);
}

/* No host: the wildcard, which takes IPv4 datagrams even when it is IPv6. */
static void test_bind_wildcard_takes_ipv4(void **state)
{
    (void)state;
    net_endpoint ep = {.host = "", .port = 0};
    net_bound b;
    char err[256] = "";
    int fd = net_bind(&ep, SOCK_DGRAM, &b, err, sizeof err);
    if (fd < 0)
        fail_msg("%s", err);
    int port = net_addr_port((struct sockaddr *)&b.addr);
    assert_true(port > 0);
    char text[NET_ADDR_STR_MAX];
    net_addr_str((struct sockaddr *)&b.addr, text, sizeof text);
    char want6[32], want4[32];
    snprintf(want6, sizeof want6, "[::]:%d", port);
    snprintf(want4, sizeof want4, "0.0.0.0:%d", port);
    if (strcmp(text, want6) != 0 && strcmp(text, want4) != 0)
        fail_msg("wildcard bound as %s", text);

    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(sendto(tx, "v4", 2, 0, (struct sockaddr *)&to, sizeof to), 2);
    char buf[8];
    ssize_t n = -1;
    for (int i = 0; i < 1000 && n < 0; i++) {
        n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            usleep(1000);
    }
    assert_int_equal(n, 2);
    close(tx);
    close(fd);
}

static void test_bind_failures(void **state)
{
    (void)state;
    net_bound b;
    char err[256] = "";
    /* 192.0.2.1 (TEST-NET-1) is no address of this machine */
    net_endpoint foreign = {.host = "192.0.2.1", .port = 0};
    assert_int_equal(net_bind(&foreign, SOCK_DGRAM, &b, err, sizeof err), -1);
    assert_int_equal(b.failure, NET_BIND_NOT_LOCAL);
    assert_non_null(strstr(err, "cannot bind udp 192.0.2.1:0: "));

    net_endpoint unknown = {.host = "no-such-host.invalid", .port = 5004};
    assert_int_equal(net_bind(&unknown, SOCK_STREAM, &b, err, sizeof err), -1);
    assert_int_equal(b.failure, NET_BIND_UNRESOLVED);
    assert_non_null(strstr(err, "cannot resolve 'no-such-host.invalid'"));

    net_endpoint ok = {.host = "127.0.0.1", .port = 0};
    assert_int_equal(net_bind(&ok, SOCK_RAW, &b, err, sizeof err), -1);
    assert_int_equal(b.failure, NET_BIND_SYSTEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_port_zero),
        cmocka_unit_test(test_parse_bad_ports),
        cmocka_unit_test(test_parse_bad_hosts_and_garbage),
        cmocka_unit_test(test_resolve_all_localhost),
        cmocka_unit_test(test_resolve_literals_and_failures),
        cmocka_unit_test(test_addr_ports),
        cmocka_unit_test(test_bind_udp_port_zero),
        cmocka_unit_test(test_bind_tcp_port_zero_listens),
        cmocka_unit_test(test_bind_wildcard_takes_ipv4),
        cmocka_unit_test(test_bind_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
