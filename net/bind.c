/* Binding an endpoint, port 0 included (see bind.h). */
#include "net/bind.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/fd.h"

/* A socket of FAMILY bound to ADDR (and listening, for a stream); -1 with
 * errno on failure. */
static int bound_socket(int family, int socktype, const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(family, socktype | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (family == AF_INET6) {
        /* Explicit, whatever net.ipv6.bindv6only says: the IPv6 wildcard
         * also takes IPv4 clients; a specific IPv6 address is unaffected. */
        int off = 0;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (socktype == SOCK_STREAM) {
        int on = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    if (bind(fd, addr, len) != 0 ||
        (socktype == SOCK_STREAM && listen(fd, NET_LISTEN_BACKLOG) != 0) ||
        net_set_nonblocking(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static net_bind_failure failure_of(int e)
{
    if (e == EADDRINUSE)
        return NET_BIND_IN_USE;
    if (e == EADDRNOTAVAIL || e == EACCES)
        return NET_BIND_NOT_LOCAL;
    return NET_BIND_SYSTEM;
}

/* "udp 127.0.0.1:5004", "tcp [::1]:0", "udp *:5004": what was asked, for
 * messages. */
static void describe(const net_endpoint *ep, int socktype, char *buf, size_t size)
{
    const char *proto = socktype == SOCK_STREAM ? "tcp" : "udp";
    if (ep->host[0] == '\0')
        snprintf(buf, size, "%s *:%d", proto, ep->port);
    else if (strchr(ep->host, ':') != NULL)
        snprintf(buf, size, "%s [%s]:%d", proto, ep->host, ep->port);
    else
        snprintf(buf, size, "%s %s:%d", proto, ep->host, ep->port);
}

/* Every address EP names for binding: the two wildcards for an empty host
 * (IPv4 only tried when the kernel has no IPv6), else what it resolves to. */
static int candidates(const net_endpoint *ep, int socktype, net_addr_list *list, char *err,
                      size_t err_size)
{
    if (ep->host[0] != '\0')
        return net_resolve_all(ep, socktype, true, list, err, err_size);
    memset(list, 0, sizeof *list);
    struct sockaddr_in6 *any6 = (struct sockaddr_in6 *)&list->addr[0];
    any6->sin6_family = AF_INET6;
    any6->sin6_addr = in6addr_any;
    list->len[0] = sizeof *any6;
    struct sockaddr_in *any4 = (struct sockaddr_in *)&list->addr[1];
    any4->sin_family = AF_INET;
    any4->sin_addr.s_addr = htonl(INADDR_ANY);
    list->len[1] = sizeof *any4;
    list->count = 2;
    for (int i = 0; i < list->count; i++)
        net_addr_set_port(&list->addr[i], ep->port);
    return 0;
}

int net_bind(const net_endpoint *ep, int socktype, net_bound *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (socktype != SOCK_DGRAM && socktype != SOCK_STREAM) {
        out->failure = NET_BIND_SYSTEM;
        snprintf(err, err_size, "net_bind: socket type %d is neither UDP nor TCP", socktype);
        return -1;
    }
    net_addr_list list;
    if (candidates(ep, socktype, &list, err, err_size) != 0) {
        out->failure = NET_BIND_UNRESOLVED;
        return -1;
    }
    int fd = -1, saved = EADDRNOTAVAIL;
    for (int i = 0; i < list.count && fd < 0; i++) {
        /* The IPv4 wildcard only stands in for a kernel without IPv6. */
        if (ep->host[0] == '\0' && i > 0 && saved != EAFNOSUPPORT)
            break;
        const struct sockaddr *a = (const struct sockaddr *)&list.addr[i];
        fd = bound_socket(a->sa_family, socktype, a, list.len[i]);
        if (fd < 0)
            saved = errno;
    }
    if (fd < 0) {
        char what[ADDR_HOST_MAX + 32];
        describe(ep, socktype, what, sizeof what);
        out->failure = failure_of(saved);
        snprintf(err, err_size, "cannot %s %s: %s", socktype == SOCK_STREAM ? "listen on" : "bind",
                 what, saved == EADDRINUSE ? "port in use" : strerror(saved));
        return -1;
    }
    out->len = sizeof out->addr;
    if (getsockname(fd, (struct sockaddr *)&out->addr, &out->len) != 0) {
        int e = errno;
        close(fd);
        out->failure = NET_BIND_SYSTEM;
        snprintf(err, err_size, "getsockname: %s", strerror(e));
        return -1;
    }
    return fd;
}
