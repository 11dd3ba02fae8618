/* UDP sockets for media. */
#include "net/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/bind.h"
#include "net/fd.h"

/* A kernel arrival stamp older than this is not believed (a stepped wall
 * clock); no datagram waits in the socket that long. */
#define MAX_STAMP_AGE_NS (2 * 1000000000LL)

int udp_open_bound(const net_endpoint *ep, char *err, size_t err_size)
{
    net_bound bound;
    char why[256];
    int fd = net_bind(ep, SOCK_DGRAM, &bound, why, sizeof why);
    if (fd < 0) {
        if (bound.failure == NET_BIND_IN_USE)
            snprintf(err, err_size, "UDP port %d is in use", ep->port);
        else
            snprintf(err, err_size, "%s", why);
        return -1;
    }
    /* A deep receive buffer rides out a scheduling hiccup on the codec thread
     * without the kernel dropping packets that did arrive. */
    int rcvbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    /* The kernel's own arrival time on each datagram (udp_recv_stamped):
     * best effort, without it the time of reading is used. */
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    return fd;
}

int udp_open_for(const struct sockaddr *dest, char *err, size_t err_size)
{
    int fd = socket(dest->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create UDP socket: %s", strerror(errno));
        return -1;
    }
    net_set_nonblocking(fd);
    return fd;
}

ssize_t udp_recv_stamped(int fd, void *buf, size_t len, struct sockaddr_storage *src,
                         socklen_t *src_len, int64_t *age_ns, bool *truncated)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union {
        char space[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_name = src,
        .msg_namelen = *src_len,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.space,
        .msg_controllen = sizeof control.space,
    };
    ssize_t n = recvmsg(fd, &msg, 0);
    *age_ns = 0;
    if (truncated)
        *truncated = false;
    if (n < 0)
        return n;
    if (truncated)
        *truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    *src_len = msg.msg_namelen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        struct timespec stamp, real;
        memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        clock_gettime(CLOCK_REALTIME, &real);
        /* The stamp is on the wall clock: its age, taken on the wall
         * clock, moved to the monotonic one. A wall clock that was stepped
         * in between gives a nonsense age: then "now" it is. */
        int64_t age =
            ((int64_t)real.tv_sec - stamp.tv_sec) * 1000000000LL + (real.tv_nsec - stamp.tv_nsec);
        if (age >= 0 && age < MAX_STAMP_AGE_NS)
            *age_ns = age;
    }
    return n;
}

/* ---- for the sender application (txapp): a media socket of our own ---- */

int udp_open_any_port(int family, char *err, size_t err_size)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create UDP socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_storage any = {0};
    socklen_t len;
    if (family == AF_INET6) {
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&any;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        len = sizeof *in6;
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&any;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_ANY);
        len = sizeof *in;
    }
    if (bind(fd, (struct sockaddr *)&any, len) != 0) {
        snprintf(err, err_size, "cannot bind a UDP port: %s", strerror(errno));
        close(fd);
        return -1;
    }
    net_set_nonblocking(fd);
    return fd;
}

int udp_send_to(int fd, const void *data, size_t len, const struct sockaddr *dest,
                socklen_t dest_len)
{
    return sendto(fd, data, len, 0, dest, dest_len) < 0 ? errno : 0;
}
