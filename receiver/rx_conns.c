/* The RTSP connection table (see rx_conns.h). */
#include "receiver/rx_conns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/defaults.h"
#include "net/tcp.h"

typedef struct conn_slot {
    int fd; /* -1 when free */
    struct sockaddr_storage peer;
    bool closing; /* output flushed, then shut down and drained */
    bool shut;    /* shutdown(SHUT_WR) done */
    int64_t close_deadline;
} conn_slot;

struct rx_conns {
    int listen_fd;
    rtsp_server *srv;
    int verbose;
    rx_session_fn on_session;
    void *ctx;
    conn_slot conns[RTSP_SERVER_MAX_CONNS];
};

rx_conns *rx_conns_create(int listen_fd, const rtsp_server_config *cfg, int verbose,
                          rx_session_fn on_session, void *ctx)
{
    rx_conns *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->srv = rtsp_server_create(cfg);
    if (!t->srv) {
        free(t);
        return NULL;
    }
    t->listen_fd = listen_fd;
    t->verbose = verbose;
    t->on_session = on_session;
    t->ctx = ctx;
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
        t->conns[c].fd = -1;
    return t;
}

void rx_conns_destroy(rx_conns *t)
{
    if (!t)
        return;
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
        if (t->conns[c].fd >= 0)
            close(t->conns[c].fd);
    if (t->listen_fd >= 0)
        close(t->listen_fd);
    rtsp_server_destroy(t->srv);
    free(t);
}

rtsp_server *rx_conns_server(rx_conns *t)
{
    return t->srv;
}

const char *rx_conns_name(const rx_conns *t, int c, char *buf, size_t size)
{
    if (c < 0 || c >= RTSP_SERVER_MAX_CONNS || t->conns[c].fd < 0)
        return "?";
    const struct sockaddr *a = (const struct sockaddr *)&t->conns[c].peer;
    char host[INET6_ADDRSTRLEN];
    net_host_str(a, host, sizeof host);
    int port = a->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port)
                                        : ntohs(((const struct sockaddr_in *)a)->sin_port);
    snprintf(buf, size, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    return buf;
}

bool rx_conns_from_session_peer(const rx_conns *t, const struct sockaddr *src)
{
    int c = rtsp_server_get_session(t->srv)->conn;
    return c >= 0 && t->conns[c].fd >= 0 &&
           net_same_host(src, (const struct sockaddr *)&t->conns[c].peer);
}

void rx_conns_handle_events(rx_conns *t, int64_t now)
{
    rtsp_server_event ev;
    char peer[128];
    while (rtsp_server_next_event(t->srv, &ev)) {
        switch (ev.type) {
        case RTSP_SERVER_EV_SESSION_START:
        case RTSP_SERVER_EV_SESSION_END:
            t->on_session(t->ctx, now, &ev);
            break;
        case RTSP_SERVER_EV_CLOSE:
            if (ev.conn >= 0 && t->conns[ev.conn].fd >= 0 && !t->conns[ev.conn].closing) {
                t->conns[ev.conn].closing = true;
                t->conns[ev.conn].close_deadline = now + AL_RX_CLOSE_LINGER_NS;
            }
            break;
        case RTSP_SERVER_EV_NOTICE:
            if (t->verbose < 0)
                break;
            if (ev.conn < 0)
                fprintf(stderr, "receiver: %s\n", ev.text);
            else
                fprintf(stderr, "receiver: %s: %s\n", rx_conns_name(t, ev.conn, peer, sizeof peer),
                        ev.text);
            break;
        }
    }
}

static void close_slot(rx_conns *t, int c, int64_t now, const char *why)
{
    if (t->conns[c].fd >= 0)
        close(t->conns[c].fd);
    t->conns[c].fd = -1;
    t->conns[c].closing = false;
    t->conns[c].shut = false;
    rtsp_server_closed(t->srv, c, now, why);
}

static void accept_connections(rx_conns *t, int64_t now)
{
    for (int n = 0; n < AL_RX_ACCEPTS_PER_WAKE; n++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = tcp_accept(t->listen_fd, &peer, &len);
        if (fd < 0)
            return;
        char host[INET6_ADDRSTRLEN];
        net_host_str((const struct sockaddr *)&peer, host, sizeof host);
        int evicted;
        int c = rtsp_server_accept(t->srv, now, host, &evicted);
        if (evicted >= 0 && t->conns[evicted].fd >= 0) {
            /* Made room for the newcomer: nothing is owed to it. */
            close(t->conns[evicted].fd);
            t->conns[evicted].fd = -1;
        }
        if (c < 0) {
            /* Every slot is the session's or on its way out: a newcomer is
             * turned away at once rather than queued. */
            close(fd);
            continue;
        }
        t->conns[c].fd = fd;
        t->conns[c].peer = peer;
        t->conns[c].closing = false;
        t->conns[c].shut = false;
        rx_conns_handle_events(t, now);
    }
}

static void read_conn(rx_conns *t, int c, int64_t now)
{
    uint8_t buf[4096];
    conn_slot *k = &t->conns[c];
    for (int rounds = 0; k->fd >= 0 && rounds < AL_RX_READS_PER_WAKE; rounds++) {
        ssize_t n = recv(k->fd, buf, sizeof buf, 0);
        if (n > 0) {
            /* A closing connection's input is read only to be dropped. */
            if (!k->closing) {
                rtsp_server_received(t->srv, c, now, buf, (size_t)n);
                rx_conns_handle_events(t, now);
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        close_slot(t, c, now, n == 0 ? "peer closed the connection" : strerror(errno));
        rx_conns_handle_events(t, now);
        return;
    }
}

static void write_conn(rx_conns *t, int c, int64_t now)
{
    conn_slot *k = &t->conns[c];
    const uint8_t *data;
    size_t len;
    while (k->fd >= 0 && (len = rtsp_server_output(t->srv, c, &data)) > 0) {
        ssize_t n = send(k->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            rtsp_server_output_sent(t->srv, c, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        close_slot(t, c, now, strerror(errno));
        rx_conns_handle_events(t, now);
        return;
    }
    if (k->fd >= 0 && k->closing && !k->shut) {
        shutdown(k->fd, SHUT_WR);
        k->shut = true;
    }
    if (k->fd >= 0 && k->closing && now >= k->close_deadline)
        close_slot(t, c, now, "closed");
}

int rx_conns_prepare(rx_conns *t, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    (void)now;
    int n = 0;
    if (n < max)
        fds[n++] = (struct pollfd){.fd = t->listen_fd, .events = POLLIN};
    int64_t timer = rtsp_server_next_timer(t->srv);
    if (timer < *deadline)
        *deadline = timer;
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS && n < max; c++) {
        conn_slot *k = &t->conns[c];
        if (k->fd < 0)
            continue;
        const uint8_t *data;
        short events = POLLIN;
        if (rtsp_server_output(t->srv, c, &data) > 0)
            events |= POLLOUT;
        if (k->closing && k->close_deadline < *deadline)
            *deadline = k->close_deadline;
        fds[n++] = (struct pollfd){.fd = k->fd, .events = events};
    }
    return n;
}

void rx_conns_dispatch(rx_conns *t, int64_t now, const struct pollfd *fds, int count)
{
    for (int i = 0; i < count; i++) {
        if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        if (fds[i].fd == t->listen_fd) {
            accept_connections(t, now);
            continue;
        }
        /* The slot still holding this descriptor (accepting may have
         * evicted it, and a new connection may have its number). */
        for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
            if (t->conns[c].fd == fds[i].fd) {
                read_conn(t, c, now);
                break;
            }
    }
    rtsp_server_tick(t->srv, now);
    rx_conns_handle_events(t, now);
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
        if (t->conns[c].fd >= 0)
            write_conn(t, c, now);
}

void rx_conns_close_all(rx_conns *t, int64_t now)
{
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
        if (t->conns[c].fd < 0)
            continue;
        write_conn(t, c, now);
        if (t->conns[c].fd >= 0)
            close_slot(t, c, now, "receiver exiting");
    }
    rx_conns_handle_events(t, now);
}
