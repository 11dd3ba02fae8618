#include "tools/netsim/udp_relay.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/bind.h"
#include "net/udp.h"

/* Datagrams read per socket per wake-up: enough to drain a burst cheaply,
 * few enough that one busy direction cannot starve the other or the timers. */
#define READ_BATCH 64

/* Larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6). */
#define MAX_DATAGRAM 65536

/* Socket buffers asked for (the kernel caps them at [rw]mem_max). A relay
 * that drops in its own socket buffers would add losses the model did not
 * decide, so it asks for room for a few hundred ms of a fast stream. */
#define SOCKET_BUFFER_BYTES (4 << 20)

static void enlarge_buffers(int fd)
{
    int size = SOCKET_BUFFER_BYTES;
    /* Best effort: a smaller buffer still works, it only risks overruns. */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
               x->sin6_scope_id == y->sin6_scope_id;
    }
    return false;
}

/* A socket towards the first address of EP that the kernel can open one
 * for (a name may give ::1 first on a machine without IPv6). */
static int open_upstream(struct udp_relay *r, const net_endpoint *ep, char *err, size_t errlen)
{
    net_addr_list list;
    if (net_resolve_all(ep, SOCK_DGRAM, false, &list, err, errlen) != 0)
        return NETSIM_EXIT_USAGE;
    for (int i = 0; i < list.count && r->upstream_fd < 0; i++) {
        r->upstream_fd = udp_open_for((const struct sockaddr *)&list.addr[i], err, errlen);
        if (r->upstream_fd >= 0) {
            r->to = list.addr[i];
            r->to_len = list.len[i];
        }
    }
    if (r->upstream_fd < 0)
        return NETSIM_EXIT_RUNTIME; /* err: "cannot create UDP socket: ..." */
    return 0;
}

int udp_relay_open(struct udp_relay *r, const struct udp_relay_config *cfg, int64_t now_ns,
                   char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->listen_fd = -1;
    r->upstream_fd = -1;
    r->t0_ns = now_ns;
    r->verbose = cfg->verbose;
    pktqueue_init(&r->queue);
    for (int d = 0; d < RELAY_DIRS; d++) {
        if (lossmodel_init(&r->model[d], &cfg->model[d]) != LOSSMODEL_OK) {
            snprintf(err, errlen, "%s model: %s", d == RELAY_FORWARD ? "forward" : "reverse",
                     lossmodel_strerror(LOSSMODEL_EINVAL));
            return NETSIM_EXIT_USAGE;
        }
        r->drop_log[d] = cfg->drop_log[d];
    }

    /* Resolve the destination first: a typo there is the likelier mistake,
     * and it should not leave a port bound meanwhile. */
    int rc = open_upstream(r, &cfg->to, err, errlen);
    net_bound bound;
    if (rc == 0) {
        r->listen_fd = net_bind(&cfg->listen, SOCK_DGRAM, &bound, err, errlen);
        if (r->listen_fd < 0)
            rc = netsim_exit_for_bind(bound.failure);
    }
    if (rc != 0) {
        udp_relay_close(r);
        return rc;
    }
    enlarge_buffers(r->listen_fd);
    enlarge_buffers(r->upstream_fd);

    net_addr_str((const struct sockaddr *)&bound.addr, r->listen_name, sizeof r->listen_name);
    r->listen_port = (uint16_t)net_addr_port((const struct sockaddr *)&bound.addr);
    net_addr_str((const struct sockaddr *)&r->to, r->to_name, sizeof r->to_name);
    return 0;
}

void udp_relay_set_to_port(struct udp_relay *r, uint16_t port)
{
    net_addr_set_port(&r->to, port);
    net_addr_str((const struct sockaddr *)&r->to, r->to_name, sizeof r->to_name);
}

int udp_relay_pollfds(const struct udp_relay *r, struct pollfd *fds, int max)
{
    if (max < 2)
        return 0;
    fds[0] = (struct pollfd){.fd = r->listen_fd, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = r->upstream_fd, .events = POLLIN};
    return 2;
}

/* RTP version 2, and not an RTCP packet multiplexed on the same port
 * (RFC 5761: second byte 192..223 is an RTCP packet type). */
static bool looks_like_rtp(const unsigned char *p, size_t len)
{
    return len >= 12 && (p[0] >> 6) == 2 && !(p[1] >= 192 && p[1] <= 223);
}

static void log_drop(FILE *f, uint64_t k, const unsigned char *p, size_t len)
{
    if (!f)
        return;
    if (looks_like_rtp(p, len))
        fprintf(f, "%llu %u\n", (unsigned long long)k, (unsigned)(p[2] << 8 | p[3]));
    else
        fprintf(f, "%llu\n", (unsigned long long)k);
}

static void relay_datagram(struct udp_relay *r, int dir, const unsigned char *p, size_t len,
                           int64_t now_ns)
{
    struct lossmodel *m = &r->model[dir];
    uint64_t k = m->next_k;
    struct lossmodel_fate fate = lossmodel_next(m);
    if (fate.drop) {
        log_drop(r->drop_log[dir], k, p, len);
        return;
    }
    double release_ms = lossmodel_release_ms(m, &fate, (double)(now_ns - r->t0_ns) / 1e6);
    int64_t due_ns = r->t0_ns + (int64_t)llround(release_ms * 1e6);
    for (int c = 0; c < fate.copies; c++) {
        if (pktqueue_push(&r->queue, due_ns, dir, p, len) < 0)
            r->stats[dir].overflow++;
    }
}

static void note_client(struct udp_relay *r, const struct sockaddr_storage *src, socklen_t len)
{
    if (r->client_len && same_address(&r->client, src))
        return;
    if (r->verbose) {
        char name[NET_ADDR_STR_MAX];
        net_addr_str((const struct sockaddr *)src, name, sizeof name);
        fprintf(stderr, "netsim: %s client %s\n", r->client_len ? "new" : "first", name);
    }
    memcpy(&r->client, src, len);
    r->client_len = len;
}

static int drain_socket(struct udp_relay *r, int dir, int64_t (*clock)(void))
{
    static unsigned char buf[MAX_DATAGRAM];
    int fd = dir == RELAY_FORWARD ? r->listen_fd : r->upstream_fd;
    for (int i = 0; i < READ_BATCH; i++) {
        struct sockaddr_storage src;
        socklen_t src_len = sizeof src;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&src, &src_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EBADF || errno == ENOTSOCK || errno == EFAULT || errno == EINVAL)
                return -1;
            /* EAGAIN: drained. Anything else (an ICMP error surfacing) concerns
             * one earlier datagram, not the relay: carry on. */
            return 0;
        }
        int64_t now = clock();
        if (dir == RELAY_FORWARD) {
            note_client(r, &src, src_len);
        } else if (!r->client_len) {
            r->stats[dir].unroutable++;
            continue;
        }
        relay_datagram(r, dir, buf, (size_t)n, now);
    }
    return 0;
}

int udp_relay_service(struct udp_relay *r, const struct pollfd *fds, int nfds,
                      int64_t (*clock)(void))
{
    for (int i = 0; i < nfds; i++) {
        if (!(fds[i].revents & (POLLIN | POLLERR)))
            continue;
        int dir;
        if (fds[i].fd == r->listen_fd)
            dir = RELAY_FORWARD;
        else if (fds[i].fd == r->upstream_fd)
            dir = RELAY_REVERSE;
        else
            continue;
        if (drain_socket(r, dir, clock) < 0)
            return -1;
    }
    udp_relay_flush(r, clock());
    return 0;
}

void udp_relay_flush(struct udp_relay *r, int64_t now_ns)
{
    int64_t due;
    while (pktqueue_peek_due(&r->queue, &due) && due <= now_ns) {
        struct pkt p;
        pktqueue_pop(&r->queue, &p);
        ssize_t n;
        do {
            if (p.dir == RELAY_FORWARD)
                n = sendto(r->upstream_fd, p.data, p.len, 0, (struct sockaddr *)&r->to, r->to_len);
            else
                n = sendto(r->listen_fd, p.data, p.len, 0, (struct sockaddr *)&r->client,
                           r->client_len);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            r->stats[p.dir].send_errors++;
        else
            r->stats[p.dir].sent++;
        free(p.data);
    }
}

bool udp_relay_next_due(const struct udp_relay *r, int64_t *due_ns)
{
    return pktqueue_peek_due(&r->queue, due_ns);
}

void udp_relay_close(struct udp_relay *r)
{
    uint64_t pending[RELAY_DIRS] = {0};
    pktqueue_clear(&r->queue, pending, RELAY_DIRS);
    for (int d = 0; d < RELAY_DIRS; d++)
        r->stats[d].pending += pending[d];
    if (r->listen_fd >= 0)
        close(r->listen_fd);
    if (r->upstream_fd >= 0)
        close(r->upstream_fd);
    r->listen_fd = -1;
    r->upstream_fd = -1;
}
