#include "tools/netsim/sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Connections waiting for accept(): the relay takes a handful at a time. */
#define LISTEN_BACKLOG 16

int netsim_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A socket bound to addr; -1 with errno on failure. */
static int bound_socket(int family, int socktype, const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(family, socktype | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (family == AF_INET6) {
        /* Explicit, whatever net.ipv6.bindv6only says: an IPv6 wildcard also
         * takes IPv4 clients; a specific IPv6 address is unaffected. */
        int off = 0;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (socktype == SOCK_STREAM) {
        /* A restarted netsim must not find its port blocked by the TIME_WAIT
         * of the previous run's connections. (Not for UDP, where it would let
         * two processes share the port.) */
        int on = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    if (bind(fd, addr, len) < 0 || (socktype == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0) ||
        netsim_set_nonblocking(fd) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static int bind_error(const char *what, int saved, char *err, size_t errlen)
{
    if (saved == EADDRINUSE) {
        snprintf(err, errlen, "cannot listen on %s: port in use", what);
        return NETSIM_EXIT_USAGE;
    }
    snprintf(err, errlen, "cannot listen on %s: %s", what, strerror(saved));
    return saved == EADDRNOTAVAIL || saved == EACCES ? NETSIM_EXIT_USAGE : NETSIM_EXIT_RUNTIME;
}

int netsim_listen_socket(const struct netsim_endpoint *ep, int socktype, int *exit_code, char *err,
                         size_t errlen)
{
    const char *proto = socktype == SOCK_STREAM ? "tcp" : "udp";
    char what[NETSIM_ADDR_NAME_MAX + 8];
    snprintf(what, sizeof what,
             ep->host[0] ? (strchr(ep->host, ':') ? "%s [%s]:%s" : "%s %s:%s") : "%s %s*:%s", proto,
             ep->host, ep->port);

    int fd = -1;
    if (!ep->host[0]) {
        /* Any address: the IPv6 wildcard serves IPv4 too; fall back to IPv4
         * only where the kernel has no IPv6. */
        uint16_t port = (uint16_t)atoi(ep->port);
        struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        fd = bound_socket(AF_INET6, socktype, (struct sockaddr *)&any6, sizeof any6);
        if (fd < 0 && errno == EAFNOSUPPORT) {
            struct sockaddr_in any4 = {.sin_family = AF_INET, .sin_port = htons(port)};
            fd = bound_socket(AF_INET, socktype, (struct sockaddr *)&any4, sizeof any4);
        }
        if (fd < 0)
            *exit_code = bind_error(what, errno, err, errlen);
        return fd;
    }

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = socktype, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *list;
    int rc = getaddrinfo(ep->host, ep->port, &hints, &list);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve '%s': %s", ep->host, gai_strerror(rc));
        *exit_code = NETSIM_EXIT_USAGE;
        return -1;
    }
    int saved = EADDRNOTAVAIL;
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = bound_socket(ai->ai_family, socktype, ai->ai_addr, ai->ai_addrlen);
        if (fd < 0)
            saved = errno;
    }
    freeaddrinfo(list);
    if (fd < 0)
        *exit_code = bind_error(what, saved, err, errlen);
    return fd;
}

uint16_t netsim_local_port(int fd)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
        return 0;
    return netsim_get_port(&local);
}

void netsim_set_port(struct sockaddr_storage *sa, uint16_t port)
{
    if (sa->ss_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons(port);
    else if (sa->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

uint16_t netsim_get_port(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}
