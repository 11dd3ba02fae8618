#define _GNU_SOURCE /* accept4(): non-blocking and close-on-exec atomically */

#include "tools/netsim/tcp_relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/bind.h"
#include "net/tcp.h"
#include "tools/netsim/rtsp_rewrite.h"

/* Bytes read from one side and not yet written to the other beyond which
 * that side is not read: TCP's own flow control then slows the writer down
 * rather than netsim's memory growing. */
#define HIGH_WATER (64 * 1024)

/* Per read() and reads per side per wake-up: bounded work, so the UDP relay
 * in the same loop is served again soon whatever the TCP traffic. */
#define READ_CHUNK     16384
#define READS_PER_WAKE 4

/* A message the parser is still assembling is held back (it may need the
 * rewrite); the parser refuses heads and bodies beyond its limits, so only
 * empty lines before a start line could pile up further. */
#define MSG_LIMIT (RTSP_MAX_HEAD + RTSP_MAX_BODY + 4096)

enum side { SIDE_CLIENT, SIDE_SERVER, SIDES };

struct bytebuf {
    unsigned char *data;
    size_t off, len, cap;
};

/* Bytes read from one side, on their way to the other. */
struct tcp_half {
    struct bytebuf out;
    bool eof;       /* the source sent FIN */
    bool shut;      /* FIN passed on: shutdown(destination, SHUT_WR) */
    uint64_t bytes; /* written to the destination */
};

struct tcp_conn {
    unsigned id;
    int fd[SIDES];
    int slot[SIDES];             /* pollfd index in the last tcp_relay_pollfds(), -1 */
    bool connecting;             /* connect() to the receiver in progress */
    bool failed;                 /* a socket error: reset both, don't wait for FINs */
    bool unreachable;            /* the failure was the connect() to the receiver */
    struct tcp_half half[SIDES]; /* indexed by source side */
    /* The receiver's stream as RTSP. */
    rtsp_parser parser;
    struct bytebuf msg;                /* raw bytes of the message being parsed */
    size_t skip;                       /* interleaved payload bytes still to pass */
    bool transparent;                  /* stopped parsing: bytes go straight through */
    char local_host[INET6_ADDRSTRLEN]; /* netsim's address as this client reached it */
    char client_name[NET_ADDR_STR_MAX];
};

static int buf_append(struct bytebuf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (b->off + b->len + n > b->cap && b->off) {
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->off + b->len, p, n);
    b->len += n;
    return 0;
}

static void buf_consume(struct bytebuf *b, size_t n)
{
    b->off += n;
    b->len -= n;
    if (b->len == 0)
        b->off = 0;
}

static void buf_free(struct bytebuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void set_nodelay(int fd)
{
    /* RTSP is request/response in small messages: Nagle would hold a reply's
     * last segment for an ACK and add latency the real path doesn't have. */
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static void set_reset_on_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* The numeric local address of an accepted socket, as the client dialled it
 * (an IPv4 client of the IPv6 wildcard written a.b.c.d, not ::ffff:a.b.c.d,
 * so that it can go into source=); "" when unknown. */
static void local_host(int fd, char *buf, size_t size)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    buf[0] = '\0';
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
        net_host_str((const struct sockaddr *)&local, buf, size);
}

int tcp_relay_open(struct tcp_relay *r, const struct tcp_relay_config *cfg, char *err,
                   size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->listen_slot = -1;
    memcpy(&r->to, cfg->to, cfg->to_len);
    r->to_len = cfg->to_len;
    r->media_rtp = cfg->media_rtp;
    r->media_rtcp = cfg->media_rtcp;
    r->on_setup = cfg->on_setup;
    r->user = cfg->user;
    r->verbose = cfg->verbose;
    net_bound bound;
    r->listen_fd = net_bind(&cfg->listen, SOCK_STREAM, &bound, err, errlen);
    if (r->listen_fd < 0)
        return netsim_exit_for_bind(bound.failure);
    net_addr_str((const struct sockaddr *)&bound.addr, r->listen_name, sizeof r->listen_name);
    net_addr_str((const struct sockaddr *)&r->to, r->to_name, sizeof r->to_name);
    return 0;
}

static bool can_read(const struct tcp_conn *c, int side)
{
    return !c->failed && !c->half[side].eof && c->half[side].out.len < HIGH_WATER &&
           !(side == SIDE_SERVER && c->connecting);
}

int tcp_relay_pollfds(struct tcp_relay *r, struct pollfd *fds, int max)
{
    int n = 0, open = tcp_relay_open_connections(r);
    r->listen_slot = -1;
    if (open < TCP_RELAY_MAX_CONNS && !r->accept_paused && n < max) {
        r->listen_slot = n;
        fds[n++] = (struct pollfd){.fd = r->listen_fd, .events = POLLIN};
    }
    for (int i = 0; i < TCP_RELAY_MAX_CONNS; i++) {
        struct tcp_conn *c = r->conn[i];
        if (!c)
            continue;
        for (int s = 0; s < SIDES; s++) {
            short events = 0;
            if (s == SIDE_SERVER && c->connecting) {
                events = POLLOUT;
            } else {
                if (can_read(c, s))
                    events |= POLLIN;
                if (c->half[!s].out.len > 0)
                    events |= POLLOUT;
            }
            /* A side we want nothing from is not polled at all: a socket whose
             * peer is gone reports POLLHUP even with no events asked for, and
             * would wake the loop until the other side drains. */
            c->slot[s] = -1;
            if (events && n < max) {
                c->slot[s] = n;
                fds[n++] = (struct pollfd){.fd = c->fd[s], .events = events};
            }
        }
    }
    return n;
}

static void conn_log(const struct tcp_relay *r, const struct tcp_conn *c, const char *fmt,
                     const char *arg)
{
    if (!r->verbose)
        return;
    fprintf(stderr, "netsim: tcp #%u: ", c->id);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

static void fail(struct tcp_relay *r, struct tcp_conn *c, const char *what, int err)
{
    if (c->failed)
        return;
    c->failed = true;
    if (r->verbose)
        fprintf(stderr, "netsim: tcp #%u: %s: %s\n", c->id, what, strerror(err));
}

/* The receiver could not be reached: the client is reset, as it would be
 * without netsim in between. */
static void unreachable(struct tcp_relay *r, struct tcp_conn *c, const char *what, int err)
{
    r->stats.connect_failed++;
    c->unreachable = true;
    fail(r, c, what, err);
}

/* The bytes held for the message being parsed, as they arrived. */
static int pass_held(struct tcp_conn *c)
{
    int rc = buf_append(&c->half[SIDE_SERVER].out, c->msg.data + c->msg.off, c->msg.len);
    buf_consume(&c->msg, c->msg.len);
    return rc;
}

/* A complete message from the receiver: rewritten if it announces
 * server_port, otherwise passed on exactly as it came. */
static int deliver(struct tcp_relay *r, struct tcp_conn *c, const rtsp_message *msg)
{
    /* Only a response with Transport can qualify: skip the copy otherwise. */
    if (!msg->is_response || !rtsp_header(msg, "Transport"))
        return pass_held(c);
    size_t cap = NETSIM_REWRITE_CAP(c->msg.len), len;
    char *out = malloc(cap);
    if (!out)
        return -1;
    struct netsim_rewrite_target target = {r->media_rtp, r->media_rtcp,
                                           c->local_host[0] ? c->local_host : NULL};
    rtsp_port_range announced;
    int rc = netsim_rewrite_setup_reply(msg, c->msg.data + c->msg.off, c->msg.len, &target, out,
                                        cap, &len, &announced);
    if (rc == NETSIM_REWRITE_DONE) {
        r->stats.rewrites++;
        rc = buf_append(&c->half[SIDE_SERVER].out, out, len);
        buf_consume(&c->msg, c->msg.len);
        if (r->on_setup)
            r->on_setup(r->user, c->id, &announced);
    } else {
        if (rc == NETSIM_REWRITE_ERROR) {
            r->stats.rewrite_errors++;
            conn_log(r, c, "%s", "cannot rewrite a SETUP reply: passed on unchanged");
        }
        rc = pass_held(c);
    }
    free(out);
    return rc;
}

/* Bytes read from the receiver, through the RTSP parser. Returns -1 when out
 * of memory. */
static int from_server(struct tcp_relay *r, struct tcp_conn *c, const unsigned char *data, size_t n)
{
    struct bytebuf *out = &c->half[SIDE_SERVER].out;
    while (n > 0) {
        if (c->transparent)
            return buf_append(out, data, n);
        rtsp_message msg;
        size_t used;
        if (c->skip) {
            /* Interleaved payload: the parser skips exactly these bytes itself
             * (it must see them to stay in step); they go on at once. */
            size_t k = n < c->skip ? n : c->skip;
            (void)rtsp_parser_feed(&c->parser, data, k, &used, &msg);
            if (buf_append(out, data, k) < 0)
                return -1;
            c->skip -= k;
            data += k;
            n -= k;
            continue;
        }
        int rc = rtsp_parser_feed(&c->parser, data, n, &used, &msg);
        if (buf_append(&c->msg, data, used) < 0)
            return -1;
        data += used;
        n -= used;
        if (rc == RTSP_MESSAGE) {
            if (deliver(r, c, &msg) < 0)
                return -1;
        } else if (rc == RTSP_INTERLEAVED) {
            if (pass_held(c) < 0)
                return -1;
            c->skip = msg.frame_len;
        } else if (rc < 0 || c->msg.len > MSG_LIMIT) {
            r->stats.not_rtsp++;
            conn_log(r, c, "receiver stream is not RTSP (%s): relaying it unparsed",
                     rc < 0 ? rtsp_strerror(rc) : "endless empty lines");
            c->transparent = true;
            if (pass_held(c) < 0)
                return -1;
        }
    }
    return 0;
}

static void read_side(struct tcp_relay *r, struct tcp_conn *c, int side)
{
    static unsigned char buf[READ_CHUNK];
    struct tcp_half *h = &c->half[side];
    for (int i = 0; i < READS_PER_WAKE && can_read(c, side); i++) {
        ssize_t n = recv(c->fd[side], buf, sizeof buf, 0);
        if (n > 0) {
            int rc = side == SIDE_SERVER ? from_server(r, c, buf, (size_t)n)
                                         : buf_append(&h->out, buf, (size_t)n);
            if (rc < 0)
                fail(r, c, "buffer", ENOMEM);
            continue;
        }
        if (n == 0) {
            h->eof = true;
            /* A message cut short by the FIN still goes on, as it came. */
            if (side == SIDE_SERVER && pass_held(c) < 0)
                fail(r, c, "buffer", ENOMEM);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            fail(r, c, side == SIDE_SERVER ? "receiver" : "client", errno);
        return;
    }
}

/* Writes what side SRC sent to the other side; passes its FIN on once all
 * of it is written. */
static void flush_half(struct tcp_relay *r, struct tcp_conn *c, int src)
{
    struct tcp_half *h = &c->half[src];
    int dst = !src;
    if (c->failed || (dst == SIDE_SERVER && c->connecting))
        return;
    while (h->out.len) {
        ssize_t n = send(c->fd[dst], h->out.data + h->out.off, h->out.len, MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&h->out, (size_t)n);
            h->bytes += (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        fail(r, c, dst == SIDE_SERVER ? "receiver" : "client", n < 0 ? errno : EIO);
        return;
    }
    if (h->eof && !h->shut) {
        (void)shutdown(c->fd[dst], SHUT_WR);
        h->shut = true;
    }
}

static int socket_error(int fd)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
        return errno;
    return e;
}

static void service_conn(struct tcp_relay *r, struct tcp_conn *c, const short revents[SIDES])
{
    if (c->connecting && (revents[SIDE_SERVER] & (POLLOUT | POLLERR | POLLHUP))) {
        int e = socket_error(c->fd[SIDE_SERVER]);
        if (e) {
            unreachable(r, c, "cannot connect to the receiver", e);
            return;
        }
        c->connecting = false;
        conn_log(r, c, "connected to %s", r->to_name);
    }
    for (int s = 0; s < SIDES; s++) {
        if (revents[s] & POLLERR) {
            int e = socket_error(c->fd[s]);
            if (e) {
                fail(r, c, s == SIDE_SERVER ? "receiver" : "client", e);
                return;
            }
        }
        if ((revents[s] & (POLLIN | POLLHUP)) && can_read(c, s))
            read_side(r, c, s);
    }
    /* Written right away rather than on the next POLLOUT: one hop less of
     * latency, and usually the socket buffer has room. */
    flush_half(r, c, SIDE_CLIENT);
    flush_half(r, c, SIDE_SERVER);
}

static void close_conn(struct tcp_relay *r, int i)
{
    struct tcp_conn *c = r->conn[i];
    if (c->failed && !c->unreachable)
        r->stats.aborted++;
    if (r->verbose)
        fprintf(stderr,
                "netsim: tcp #%u: closed%s (%llu bytes to the receiver, %llu to the client)\n",
                c->id, c->failed ? " by reset" : "", (unsigned long long)c->half[SIDE_CLIENT].bytes,
                (unsigned long long)c->half[SIDE_SERVER].bytes);
    r->stats.bytes_to_server += c->half[SIDE_CLIENT].bytes;
    r->stats.bytes_to_client += c->half[SIDE_SERVER].bytes;
    for (int s = 0; s < SIDES; s++) {
        buf_free(&c->half[s].out);
        if (c->fd[s] < 0)
            continue;
        /* An error on one side reaches the other as what it was, a reset,
         * not as a clean end of the stream. */
        if (c->failed)
            set_reset_on_close(c->fd[s]);
        close(c->fd[s]);
    }
    buf_free(&c->msg);
    free(c);
    r->conn[i] = NULL;
    r->accept_paused = false; /* a descriptor is free again */
}

static void open_conn(struct tcp_relay *r, int i, int fd, const struct sockaddr_storage *peer,
                      socklen_t peer_len)
{
    struct tcp_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    r->conn[i] = c;
    r->stats.accepted++;
    c->id = ++r->next_id;
    c->fd[SIDE_CLIENT] = fd;
    c->fd[SIDE_SERVER] = -1;
    c->slot[SIDE_CLIENT] = c->slot[SIDE_SERVER] = -1;
    rtsp_parser_reset(&c->parser);
    local_host(fd, c->local_host, sizeof c->local_host);
    net_addr_str((const struct sockaddr *)peer, c->client_name, sizeof c->client_name);
    conn_log(r, c, "client %s", c->client_name);
    set_nodelay(fd);

    int s = socket(r->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        unreachable(r, c, "socket", errno);
        return;
    }
    c->fd[SIDE_SERVER] = s;
    set_nodelay(s);
    if (connect(s, (const struct sockaddr *)&r->to, r->to_len) == 0) {
        conn_log(r, c, "connected to %s", r->to_name);
    } else if (errno == EINPROGRESS) {
        c->connecting = true;
    } else {
        unreachable(r, c, "cannot connect to the receiver", errno);
    }
}

static void accept_all(struct tcp_relay *r)
{
    for (;;) {
        int i = 0;
        while (i < TCP_RELAY_MAX_CONNS && r->conn[i])
            i++;
        if (i == TCP_RELAY_MAX_CONNS)
            return;
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        int fd = accept4(r->listen_fd, (struct sockaddr *)&peer, &peer_len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            open_conn(r, i, fd, &peer, peer_len);
            /* Refused at once (nothing listens at --to): the client must hear
             * it now, not when some other event next wakes the loop. */
            if (r->conn[i] && r->conn[i]->failed)
                close_conn(r, i);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* The pending connection stays readable: polling it now would spin. */
            r->accept_paused = true;
            if (r->verbose)
                fprintf(stderr, "netsim: tcp: accept: %s (waiting for a connection to end)\n",
                        strerror(errno));
        }
        return; /* EAGAIN: none left */
    }
}

void tcp_relay_service(struct tcp_relay *r, const struct pollfd *fds, int nfds)
{
    for (int i = 0; i < TCP_RELAY_MAX_CONNS; i++) {
        struct tcp_conn *c = r->conn[i];
        if (!c)
            continue;
        short revents[SIDES] = {0, 0};
        for (int s = 0; s < SIDES; s++) {
            if (c->slot[s] >= 0 && c->slot[s] < nfds && fds[c->slot[s]].fd == c->fd[s])
                revents[s] = fds[c->slot[s]].revents;
        }
        if (!c->failed)
            service_conn(r, c, revents);
        if (c->failed || (c->half[SIDE_CLIENT].shut && c->half[SIDE_SERVER].shut))
            close_conn(r, i);
    }
    /* Last, so that a new connection cannot reuse a descriptor number that
     * an fds entry above still refers to. */
    if (r->listen_slot >= 0 && r->listen_slot < nfds && (fds[r->listen_slot].revents & POLLIN))
        accept_all(r);
}

int tcp_relay_open_connections(const struct tcp_relay *r)
{
    int n = 0;
    for (int i = 0; i < TCP_RELAY_MAX_CONNS; i++)
        n += r->conn[i] != NULL;
    return n;
}

void tcp_relay_close(struct tcp_relay *r)
{
    for (int i = 0; i < TCP_RELAY_MAX_CONNS; i++) {
        if (r->conn[i])
            close_conn(r, i);
    }
    if (r->listen_fd >= 0)
        close(r->listen_fd);
    r->listen_fd = -1;
}
