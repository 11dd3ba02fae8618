/* The receiver's side of the control channel: an RTSP/1.0 record-mode server
 * (RFC 2326) as a pure state machine, one session at a time.
 *
 * No sockets and no clock. The caller (receiver/rx_conns.c) accepts TCP
 * connections and hands each one's bytes in with the time NOW; the server
 * answers into a per-connection output buffer and reports what the program
 * must do as events: a session starts recording (with the stream its SDP
 * described), a session ends (and why), a connection is to be closed. Media
 * packets are admitted through rtsp_server_media(), which keeps the
 * session's liveness and its SSRC.
 *
 * Methods: OPTIONS, ANNOUNCE (an SDP that sdp_select_opus() accepts),
 * SETUP (UDP unicast, mode=record), RECORD, GET_PARAMETER and OPTIONS as
 * keep-alive, TEARDOWN. Answers (docs/protocol.md): 453 to any request of a
 * second connection while a session is claimed (it is then closed), 454 for
 * a missing or wrong Session, 455 for a request out of order, 415 for an
 * SDP we cannot receive, 461 for a transport we don't offer, 501 for the
 * rest; a parse error gets rtsp_error_status() and a close; a request begun
 * and not finished within the request timeout gets 408 and a close.
 *
 * Nobody can hold the receiver against real senders (issue 11 rows 4, 10):
 *   - a claim (ANNOUNCE, SETUP, RECORD) whose first media packet has not
 *     come within claim_deadline_ns of the ANNOUNCE is released;
 *   - a connection without a session that sends no request for
 *     idle_conn_ns is closed;
 *   - one host holds at most conns_per_host connections: a new one evicts
 *     that host's least active (never the session's); when every slot is
 *     taken, the least active connection without the session gives way;
 *   - an ANNOUNCE from the session owner's host takes over a session whose
 *     media stopped takeover_silence_ns ago (the sender was killed or its
 *     host lost the network, and it has restarted), and OPTIONS from that
 *     host is answered rather than refused, so the restart gets that far. */
#ifndef AL_RECEIVER_RTSP_SERVER_H
#define AL_RECEIVER_RTSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"

#define RTSP_SERVER_MAX_CONNS               8    /**< connections held at once (one session) */
#define RTSP_SERVER_OUT_MAX                 8192 /**< queued reply bytes per connection */
#define RTSP_SERVER_TEXT_MAX                320  /**< event text, bytes with the NUL */
#define RTSP_SERVER_MAX_EVENTS              32
#define RTSP_SERVER_DEFAULT_REQUEST_TIMEOUT (10 * 1000000000LL) /**< ns */

/** Public: what we answer to OPTIONS and with 501. */
#define RTSP_SERVER_PUBLIC "OPTIONS, ANNOUNCE, SETUP, RECORD, GET_PARAMETER, TEARDOWN"

typedef struct rtsp_server_config {
    uint16_t rtp_port;           /**< our UDP RTP port (server_port=P-(P+1) in SETUP) */
    unsigned session_timeout_s;  /**< Session: ...;timeout=; 0: RTSP_DEFAULT_SESSION_TIMEOUT */
    int64_t request_timeout_ns;  /**< a connection with a request begun (or nothing sent since it
                                      opened) this long is answered 408 and closed; 0: default */
    bool red;                    /**< we decode RED: Supported: AL_RTSP_RED_OPTION */
    uint64_t seed;               /**< for session ids (the caller's randomness) */
    int64_t claim_deadline_ns;   /**< ANNOUNCE to first media packet; 0: AL_RX_CLAIM_DEADLINE_NS */
    int64_t idle_conn_ns;        /**< a connection without the session and without a request this
                                      long is closed; 0: AL_RX_IDLE_CONN_NS */
    int conns_per_host;          /**< connections one host may hold; 0: AL_RX_CONNS_PER_HOST */
    int64_t takeover_silence_ns; /**< media silence after which the owner's host may start a new
                                      session over it; 0: AL_RX_TAKEOVER_SILENCE_NS */
} rtsp_server_config;

typedef enum rtsp_server_event_type {
    RTSP_SERVER_EV_SESSION_START, /**< RECORD accepted on CONN: media flows (see session info) */
    RTSP_SERVER_EV_SESSION_END,   /**< the recording session ended; text says why */
    RTSP_SERVER_EV_CLOSE,         /**< close CONN once its output is written, then call
                                       rtsp_server_closed() */
    RTSP_SERVER_EV_NOTICE,        /**< a line for the user about CONN */
} rtsp_server_event_type;

typedef struct rtsp_server_event {
    rtsp_server_event_type type;
    int conn;
    char text[RTSP_SERVER_TEXT_MAX];
} rtsp_server_event;

/** The recording session, as its SDP and SETUP described it. */
typedef struct rtsp_server_session {
    int conn;                         /**< connection that owns it, -1 for none */
    bool recording;                   /**< after RECORD's 200 */
    char id[RTSP_MAX_SESSION_ID + 1]; /**< 16 hex digits */
    sdp_opus_stream stream;           /**< PTs, channels, ptime, RED depth ... */
    uint16_t client_port;             /**< the sender's RTP port (information: relays
                                           rewrite source ports, so it is not checked) */
    bool has_ssrc;                    /**< SSRC known: from SETUP, else the first packet */
    uint32_t ssrc;
    bool has_rtp_start; /**< RECORD's RTP-Info gave the first packet's */
    uint16_t rtp_seq;   /**< ... sequence number */
    uint32_t rtp_time;  /**< ... and RTP timestamp (48 kHz) */
} rtsp_server_session;

/** Verdict on a media datagram. */
typedef enum rtsp_media_verdict {
    RTSP_MEDIA_ACCEPT = 0,     /**< hand it to the media path */
    RTSP_MEDIA_NO_SESSION = 1, /**< no session is recording: drop and count */
    RTSP_MEDIA_FOREIGN = 2,    /**< another host or another SSRC: drop and count */
} rtsp_media_verdict;

typedef struct rtsp_server rtsp_server;

/** Returns NULL when out of memory. About 220 KiB (a parser per slot). */
rtsp_server *rtsp_server_create(const rtsp_server_config *cfg);
void rtsp_server_destroy(rtsp_server *s);

/** Longest host text rtsp_server_accept() keeps, bytes with the NUL (an
 *  IPv6 address in text). */
#define RTSP_SERVER_HOST_MAX 64

/** A connection from HOST (its address as text, no port: net_host_str())
 *  was accepted at NOW. To make room it may evict another connection: then
 *  *EVICTED (when not NULL) is that slot, already freed, whose socket the
 *  caller closes at once and before it uses the returned slot (which may be
 *  the same number); else -1. Returns the new connection's slot (0 ..
 *  RTSP_SERVER_MAX_CONNS-1), or AL_ERR_BUSY (negative, common/status.h)
 *  when all are taken by the session (close it at once). */
int rtsp_server_accept(rtsp_server *s, int64_t now, const char *host, int *evicted);

/** Bytes arrived on CONN. */
void rtsp_server_received(rtsp_server *s, int conn, int64_t now, const void *data, size_t len);

/** CONN's socket is gone: the peer closed it or reset it (WHY says so), or
 *  the caller closed it after a CLOSE event. Frees the slot; ends the
 *  session if CONN owned one. */
void rtsp_server_closed(rtsp_server *s, int conn, int64_t now, const char *why);

/** Ends the session (if any) with WHY and asks for its connection to be
 *  closed, e.g. when the program is interrupted. */
void rtsp_server_end_session(rtsp_server *s, int64_t now, const char *why);

/** Runs the timers due at NOW (session timeout, claim deadline, request
 *  timeout, idle connections). */
void rtsp_server_tick(rtsp_server *s, int64_t now);

/** When rtsp_server_tick() next has something to do; INT64_MAX for never. */
int64_t rtsp_server_next_timer(const rtsp_server *s);

/** A datagram PKT[0..LEN) arrived at NOW; FROM_PEER is true when its source
 *  host is the session's TCP peer (any port: relays rewrite them). Admits
 *  RTP of the session's SSRC (latching the first SSRC when SETUP named
 *  none) and counts it as activity. */
rtsp_media_verdict rtsp_server_media(rtsp_server *s, int64_t now, bool from_peer,
                                     const uint8_t *pkt, size_t len);

/** Bytes to write to CONN: *DATA, returns the count. */
size_t rtsp_server_output(const rtsp_server *s, int conn, const uint8_t **data);

/** N bytes of CONN's output were written. */
void rtsp_server_output_sent(rtsp_server *s, int conn, size_t n);

/** Takes the oldest event into EV. Returns false when there is none. */
bool rtsp_server_next_event(rtsp_server *s, rtsp_server_event *ev);

/** The session (conn -1 when there is none). */
const rtsp_server_session *rtsp_server_get_session(const rtsp_server *s);

/** True while CONN is an open slot (accepted and not yet closed). */
bool rtsp_server_conn_open(const rtsp_server *s, int conn);

#endif
