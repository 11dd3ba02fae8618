/* UDP sockets for media. */
#include "net/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int udp_open_bound(const net_endpoint *ep, char *err, size_t err_size)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (net_resolve(ep, SOCK_DGRAM, true, &addr, &len, err, err_size) != 0)
        return -1;
    int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create UDP socket: %s", strerror(errno));
        return -1;
    }
    if (addr.ss_family == AF_INET6) {
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    /* A deep receive buffer rides out a scheduling hiccup on the codec thread
     * without the kernel dropping packets that did arrive. */
    int rcvbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&addr, len) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            snprintf(err, err_size, "UDP port %d is in use", ep->port);
        else
            snprintf(err, err_size, "cannot bind UDP port %d: %s", ep->port, strerror(e));
        return -1;
    }
    set_nonblocking(fd);
    return fd;
}

int udp_open_for(const struct sockaddr *dest, char *err, size_t err_size)
{
    int fd = socket(dest->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create UDP socket: %s", strerror(errno));
        return -1;
    }
    set_nonblocking(fd);
    return fd;
}
