/* The UDP half of netsim: two sockets, a loss model per direction and a timer
 * queue of delayed datagrams.
 *
 * The relay does not own the event loop. It hands out its pollfds, handles
 * their events, and reports its next deadline, so that main.c can poll it
 * together with other relays: the TCP/RTSP relay (tcp_relay.h) rewrites
 * server_port= in SETUP replies to point at a udp_relay, and retargets it with
 * udp_relay_set_to_port() at the receiver's real media port.
 *
 *   client --> listen socket --[forward model]--> upstream socket --> --to
 *   client <-- listen socket <--[reverse model]-- upstream socket <-- --to
 *
 * Every datagram reaching the listen socket is forwarded, and its source
 * becomes the client that replies go back to (the latest one wins, so a
 * restarted sender is followed). The upstream socket is not connect()ed:
 * a connected UDP socket turns an ICMP "port unreachable" (receiver not
 * started yet) into a failed next send, an extra loss the model did not
 * decide. */
#ifndef AL_TOOLS_NETSIM_UDP_RELAY_H
#define AL_TOOLS_NETSIM_UDP_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "sim/lossmodel.h"
#include "tools/netsim/exit_codes.h"
#include "tools/netsim/pktqueue.h"

enum relay_dir { RELAY_FORWARD, RELAY_REVERSE, RELAY_DIRS };

/** What the relay did in one direction, beyond the model's own counters. */
struct relay_stats {
    uint64_t sent;        /**< datagrams handed to the kernel (duplicates included) */
    uint64_t send_errors; /**< sendto() failures (buffer full, unreachable) */
    uint64_t overflow;    /**< delivered by the model but the timer queue was full */
    uint64_t pending;     /**< still queued when the relay closed */
    uint64_t unroutable;  /**< reverse datagrams before any client was seen */
};

struct udp_relay_config {
    net_endpoint listen; /**< port 0: the kernel picks one */
    net_endpoint to;
    struct lossmodel_config model[RELAY_DIRS];
    FILE *drop_log[RELAY_DIRS]; /**< NULL: no log; not closed by the relay */
    bool verbose;               /**< report a change of client on stderr */
};

struct udp_relay {
    int listen_fd;
    int upstream_fd;
    struct sockaddr_storage to;
    socklen_t to_len;
    struct sockaddr_storage client;
    socklen_t client_len; /* 0 until the first datagram */
    struct lossmodel model[RELAY_DIRS];
    struct relay_stats stats[RELAY_DIRS];
    FILE *drop_log[RELAY_DIRS];
    struct pktqueue queue;
    int64_t t0_ns; /* clock origin, so model times stay small doubles */
    bool verbose;
    uint16_t listen_port; /* as bound (--listen 0 lets the kernel pick) */
    char listen_name[NET_ADDR_STR_MAX];
    char to_name[NET_ADDR_STR_MAX];
};

/** Resolves, binds and sets up the models; now_ns is the caller's monotonic
 *  clock. Returns 0, or an exit code (NETSIM_EXIT_*) with the reason in err. */
int udp_relay_open(struct udp_relay *r, const struct udp_relay_config *cfg, int64_t now_ns,
                   char *err, size_t errlen);

/** Sends the forward direction to the same host at PORT from now on
 *  (datagrams still queued included). */
void udp_relay_set_to_port(struct udp_relay *r, uint16_t port);

/** Fills up to max pollfds; returns how many. */
int udp_relay_pollfds(const struct udp_relay *r, struct pollfd *fds, int max);

/** Reads what is ready on fds (as filled by udp_relay_pollfds and polled),
 *  decides each datagram's fate and queues or drops it; then sends what is
 *  due. clock() gives the monotonic time in ns. Returns 0 or -1 on a fatal
 *  socket error (errno set). */
int udp_relay_service(struct udp_relay *r, const struct pollfd *fds, int nfds,
                      int64_t (*clock)(void));

/** Sends every queued datagram due at or before now_ns. */
void udp_relay_flush(struct udp_relay *r, int64_t now_ns);

/** Earliest queued due time; false if nothing is queued. */
bool udp_relay_next_due(const struct udp_relay *r, int64_t *due_ns);

/** Closes sockets and frees queued datagrams (counted as pending). */
void udp_relay_close(struct udp_relay *r);

#endif
