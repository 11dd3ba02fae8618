/* The TCP half of netsim: relays RTSP control connections to the receiver so
 * that our own sessions (RTSP/1.0 record mode over TCP, media over UDP) can be
 * carried through the impaired UDP path.
 *
 *   sender --TCP--> listen socket ==[bytes as they are]==> receiver (--to)
 *   sender <--TCP-- listen socket <==[SETUP replies edited]== receiver
 *
 * Each accepted connection gets its own connection to the receiver; bytes go
 * both ways unchanged, half-closes (FIN) are passed on once everything before
 * them was delivered, and a reset on one side resets the other. The one edit:
 * the receiver's stream is parsed as RTSP (proto/rtsp.h, incrementally, so a
 * message may arrive in any number of segments), and a reply announcing
 * server_port=P-Q is rewritten to announce netsim's UDP ports instead
 * (rtsp_rewrite.h); the callback then tells main.c where the receiver really
 * wants the media. Interleaved '$' frames pass straight through; anything
 * that stops parsing as RTSP turns the connection into a plain byte pipe.
 *
 * Like udp_relay, it does not own the event loop: main.c polls its fds next to
 * the UDP relay's. Nothing here blocks: sockets are non-blocking, a side is
 * not read while HIGH_WATER bytes of it wait for the other, and each wake-up
 * reads a bounded amount, so a busy connection cannot delay the media. */
#ifndef AL_TOOLS_NETSIM_TCP_RELAY_H
#define AL_TOOLS_NETSIM_TCP_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "proto/rtsp.h"
#include "tools/netsim/exit_codes.h"

/* Enough for a session plus a second sender (whose 453 refusal must reach
 * it) and a few probes; more wait in the listen backlog. */
#define TCP_RELAY_MAX_CONNS 8
#define TCP_RELAY_MAX_FDS   (1 + 2 * TCP_RELAY_MAX_CONNS)

struct tcp_relay_stats {
    uint64_t accepted;        /**< connections accepted */
    uint64_t connect_failed;  /**< the receiver could not be reached: client reset */
    uint64_t aborted;         /**< relayed, then ended by a reset or error, not FINs */
    uint64_t rewrites;        /**< replies whose server_port was rewritten */
    uint64_t rewrite_errors;  /**< replies that should have been, passed on unchanged */
    uint64_t not_rtsp;        /**< receiver streams that stopped parsing as RTSP */
    uint64_t bytes_to_server; /**< bytes written to the receiver */
    uint64_t bytes_to_client; /**< bytes written to clients */
};

/** Called after a reply announcing server_port ANNOUNCED (the receiver's
 *  real media ports) was rewritten on connection CONN_ID. */
typedef void (*tcp_relay_setup_cb)(void *user, unsigned conn_id, const rtsp_port_range *announced);

struct tcp_relay_config {
    net_endpoint listen;               /**< where senders connect */
    const struct sockaddr_storage *to; /**< the receiver's RTSP address */
    socklen_t to_len;
    uint16_t media_rtp;  /**< netsim's UDP port announced as server_port */
    uint16_t media_rtcp; /**< the second port of the pair */
    tcp_relay_setup_cb on_setup;
    void *user;
    bool verbose; /**< report connections and rewrites on stderr */
};

struct tcp_conn; /* private to tcp_relay.c */

struct tcp_relay {
    int listen_fd;
    int listen_slot;    /* index in the last pollfds, -1 if not polled */
    bool accept_paused; /* out of descriptors: wait for a connection to end */
    struct sockaddr_storage to;
    socklen_t to_len;
    uint16_t media_rtp, media_rtcp;
    tcp_relay_setup_cb on_setup;
    void *user;
    bool verbose;
    unsigned next_id;
    struct tcp_conn *conn[TCP_RELAY_MAX_CONNS];
    struct tcp_relay_stats stats;
    char listen_name[NET_ADDR_STR_MAX];
    char to_name[NET_ADDR_STR_MAX];
};

/** Binds and listens. Returns 0, or an exit code (NETSIM_EXIT_*) with the
 *  reason in err. */
int tcp_relay_open(struct tcp_relay *r, const struct tcp_relay_config *cfg, char *err,
                   size_t errlen);

/** Fills up to max pollfds (TCP_RELAY_MAX_FDS is always enough) and
 *  remembers which is which for tcp_relay_service(); returns how many. */
int tcp_relay_pollfds(struct tcp_relay *r, struct pollfd *fds, int max);

/** Handles the events of the fds that tcp_relay_pollfds() filled (nfds 0 after
 *  a timeout). Errors end the connection concerned, never the relay. */
void tcp_relay_service(struct tcp_relay *r, const struct pollfd *fds, int nfds);

/** Connections open now. */
int tcp_relay_open_connections(const struct tcp_relay *r);

/** Closes every connection (counting them) and the listening socket. */
void tcp_relay_close(struct tcp_relay *r);

#endif
