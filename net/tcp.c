/* TCP sockets for the control channel (see tcp.h). */
#include "net/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/bind.h"
#include "net/fd.h"

int tcp_listen(const net_endpoint *ep, char *err, size_t err_size)
{
    /* net_bind sets SO_REUSEADDR on stream sockets and listens. */
    net_bound bound;
    char why[256];
    int fd = net_bind(ep, SOCK_STREAM, &bound, why, sizeof why);
    if (fd < 0) {
        if (bound.failure == NET_BIND_IN_USE)
            snprintf(err, err_size, "TCP port %d is in use", ep->port);
        else
            snprintf(err, err_size, "%s", why);
    }
    return fd;
}

int tcp_accept(int listen_fd, struct sockaddr_storage *peer, socklen_t *peer_len)
{
    *peer_len = sizeof *peer;
    int fd = accept(listen_fd, (struct sockaddr *)peer, peer_len);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    net_set_nonblocking(fd);
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return fd;
}

int tcp_connect_start(const struct sockaddr *dest, socklen_t dest_len, char *err, size_t err_size)
{
    int fd = socket(dest->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create TCP socket: %s", strerror(errno));
        return -1;
    }
    net_set_nonblocking(fd);
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (connect(fd, dest, dest_len) != 0 && errno != EINPROGRESS) {
        snprintf(err, err_size, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int tcp_connect_result(int fd)
{
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
        return errno;
    return so_error;
}

/* Points *ADDR at the 4 address bytes of an IPv4 or IPv4-mapped address. */
static bool ipv4_bytes(const struct sockaddr *a, const unsigned char **addr)
{
    if (a->sa_family == AF_INET) {
        *addr = (const unsigned char *)&((const struct sockaddr_in *)a)->sin_addr;
        return true;
    }
    if (a->sa_family == AF_INET6) {
        const struct in6_addr *in6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(in6)) {
            *addr = in6->s6_addr + 12;
            return true;
        }
    }
    return false;
}

bool net_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
    const unsigned char *a4, *b4;
    bool a_is4 = ipv4_bytes(a, &a4), b_is4 = ipv4_bytes(b, &b4);
    if (a_is4 || b_is4)
        return a_is4 && b_is4 && memcmp(a4, b4, 4) == 0;
    if (a->sa_family != AF_INET6 || b->sa_family != AF_INET6)
        return false;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

const char *net_host_str(const struct sockaddr *a, char *buf, size_t size)
{
    const unsigned char *a4;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (ipv4_bytes(a, &a4))
        inet_ntop(AF_INET, a4, buf, (socklen_t)size);
    else if (a->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, buf, (socklen_t)size);
    else
        snprintf(buf, size, "?");
    return buf;
}

int net_local_address_for(const struct sockaddr *dest, socklen_t dest_len,
                          struct sockaddr_storage *out)
{
    int fd = socket(dest->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    socklen_t len = sizeof *out;
    int rc = connect(fd, dest, dest_len) == 0 && getsockname(fd, (struct sockaddr *)out, &len) == 0
                 ? 0
                 : -1;
    close(fd);
    return rc;
}

/* ---- for the sender application (txapp): reading and writing ---- */

long tcp_recv_some(int fd, void *buf, size_t len, const char **why)
{
    ssize_t n = recv(fd, buf, len, 0);
    if (n > 0)
        return (long)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    *why = n == 0 ? NULL : strerror(errno);
    return -1;
}

long tcp_send_some(int fd, const void *data, size_t len, const char **why)
{
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n >= 0)
        return (long)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    *why = strerror(errno);
    return -1;
}

void tcp_endpoints(int fd, char *local, size_t local_size, char *peer, size_t peer_size,
                   struct sockaddr_storage *peer_addr)
{
    struct sockaddr_storage l, p;
    socklen_t ll = sizeof l, pl = sizeof p;
    local[0] = peer[0] = '\0';
    if (getsockname(fd, (struct sockaddr *)&l, &ll) == 0)
        net_host_str((struct sockaddr *)&l, local, local_size);
    if (getpeername(fd, (struct sockaddr *)&p, &pl) == 0) {
        net_host_str((struct sockaddr *)&p, peer, peer_size);
        if (peer_addr)
            *peer_addr = p;
    } else if (peer_addr) {
        memset(peer_addr, 0, sizeof *peer_addr);
    }
}
