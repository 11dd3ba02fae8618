/* The RTSP connection table: the listening socket, every accepted TCP
 * connection, and their bytes to and from receiver/rtsp_server (the
 * protocol, which owns no socket).
 *
 * A connection the server lets go is first shut down for writing and
 * drained, so that our last reply is not destroyed by a reset (closing a
 * socket with unread input sends RST); a peer that does not close within
 * AL_RX_CLOSE_LINGER_NS is cut off. Work per wake-up is bounded
 * (AL_RX_ACCEPTS_PER_WAKE, AL_RX_READS_PER_WAKE): a flood of connections
 * or bytes never starves the media. The session's start and end go to the
 * caller's callback; notices are printed. */
#ifndef AL_RECEIVER_RX_CONNS_H
#define AL_RECEIVER_RX_CONNS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "receiver/rtsp_server.h"

/** Called for RTSP_SERVER_EV_SESSION_START and _END at NOW; it may call
 *  back into the server (end the session) and into rx_conns_server(). */
typedef void (*rx_session_fn)(void *ctx, int64_t now, const rtsp_server_event *ev);

typedef struct rx_conns rx_conns;

/** Takes LISTEN_FD (a listening TCP socket, closed by rx_conns_destroy)
 *  and serves RTSP on it as CFG says. VERBOSE < 0 prints no notices.
 *  Returns NULL when out of memory (LISTEN_FD is then not taken). */
rx_conns *rx_conns_create(int listen_fd, const rtsp_server_config *cfg, int verbose,
                          rx_session_fn on_session, void *ctx);

/** Closes every socket and frees T. */
void rx_conns_destroy(rx_conns *t);

/** Most poll entries rx_conns_prepare() fills. */
#define RX_CONNS_FDS (1 + RTSP_SERVER_MAX_CONNS)

/** Fills FDS (at most MAX, RX_CONNS_FDS suffice) with what T waits on at
 *  NOW and lowers *DEADLINE to its next timer. Returns the count. */
int rx_conns_prepare(rx_conns *t, int64_t now, struct pollfd *fds, int max, int64_t *deadline);

/** Handles FDS[0..COUNT) as rx_conns_prepare() filled them, then the
 *  server's timers and the output due at NOW. */
void rx_conns_dispatch(rx_conns *t, int64_t now, const struct pollfd *fds, int count);

/** The protocol state machine. */
rtsp_server *rx_conns_server(rx_conns *t);

/** True when SRC is the host of the session's connection. */
bool rx_conns_from_session_peer(const rx_conns *t, const struct sockaddr *src);

/** "host:port" of connection C into BUF ("?" when C is not open). */
const char *rx_conns_name(const rx_conns *t, int c, char *buf, size_t size);

/** Handles the server's queued events at NOW (after a call into it from
 *  outside rx_conns_dispatch). */
void rx_conns_handle_events(rx_conns *t, int64_t now);

/** The receiver is exiting: last replies (TEARDOWN's 200) are written as
 *  far as the sockets take them, then every connection is closed. */
void rx_conns_close_all(rx_conns *t, int64_t now);

#endif
