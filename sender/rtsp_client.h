/* The sender's side of the control channel: an RTSP/1.0 record-mode client
 * (RFC 2326) as a pure state machine.
 *
 * It never touches a socket or a clock. The caller (sender/tx_app.c) feeds it
 * what happened — the TCP connection is up or failed, bytes arrived, the
 * peer closed, time passed, the input ended — each with the time NOW, and
 * then carries out what it asks for: the bytes in rtsp_client_output() go to
 * the TCP connection, and events (connect, start or stop media, close, a
 * line for the user, finished) come out of rtsp_client_next_event().
 *
 * The dialogue (docs/protocol.md): OPTIONS (does the receiver decode RED?),
 * ANNOUNCE with our SDP, SETUP streamid=0 with our UDP port, RECORD; media
 * flows only after RECORD's 200. Keep-alive every timeout/3 seconds
 * (GET_PARAMETER when the receiver lists it in Public, else OPTIONS, which
 * ffmpeg's listener understands), TEARDOWN at the end. CSeq starts at 1 and
 * rises by exactly 1 per request; one request is outstanding at a time.
 *
 * A receiver that is not there yet, goes away, answers garbage or a 5xx is
 * retried with exponential backoff (0.25 s doubling to 4 s); 453 (busy) ends
 * the client with AL_ERR_BUSY unless retry_busy; another 4xx to ANNOUNCE,
 * SETUP or RECORD ends it with AL_ERR_REFUSED (the receiver will not take
 * this stream). Statuses follow common/status.h; the program turns the
 * FINISHED status into its exit status with al_exit_status().
 *
 * A receiver that sends requests (we answer each with 501) but never reads
 * our replies fills RTSP_CLIENT_OUT_MAX: the connection is then ended with
 * a notice saying so (and retried as any failure), never left to drop
 * replies silently. */
#ifndef AL_SENDER_RTSP_CLIENT_H
#define AL_SENDER_RTSP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "proto/rtsp.h"

#define RTSP_CLIENT_BACKOFF_MIN_NS      (250 * 1000000LL)   /**< first retry after this */
#define RTSP_CLIENT_BACKOFF_MAX_NS      (4 * 1000000000LL)  /**< retries never wait longer */
#define RTSP_CLIENT_RESPONSE_TIMEOUT_NS (10 * 1000000000LL) /**< connect or reply overdue */
#define RTSP_CLIENT_TEARDOWN_TIMEOUT_NS (2 * 1000000000LL)  /**< Ctrl-C must not hang */
#define RTSP_CLIENT_OUT_MAX             8192                /**< bytes queued for TCP */
#define RTSP_CLIENT_TEXT_MAX            320                 /**< event text, bytes with NUL */
#define RTSP_CLIENT_MAX_EVENTS          16
#define RTSP_CLIENT_MIN_KEEPALIVE_NS    (1000000000LL) /**< however short the timeout */

typedef struct rtsp_client_config {
    const char *url;             /**< rtsp://host:port/path: ANNOUNCE, RECORD, keep-alive, TEARDOWN;
                                      SETUP goes to URL/streamid=0 (ffmpeg's listener wants that) */
    const char *user_agent;      /**< e.g. "audiolink/0.1.0" */
    uint16_t client_port;        /**< our UDP media port (bound before); RTCP would be +1 */
    uint32_t ssrc;               /**< named in SETUP's Transport; the receiver holds us to it */
    unsigned channels;           /**< 1 or 2 */
    uint32_t frame_us;           /**< frame duration, us (a=ptime) */
    unsigned red_depth;          /**< copies per packet wanted, 0..3; used only if the receiver
                                      lists AL_RTSP_RED_OPTION in Supported */
    uint32_t red_bitrate;        /**< the copies' bitrate, bits/s (SDP information only) */
    bool fec;                    /**< Opus in-band FEC asked for by the user */
    bool retry_busy;             /**< a 453 answer is retried instead of ending the client */
    int64_t response_timeout_ns; /**< 0: RTSP_CLIENT_RESPONSE_TIMEOUT_NS */
} rtsp_client_config;

/** What was agreed, valid from the START event until the next STOP. */
typedef struct rtsp_client_stream {
    bool red;                     /**< RED with red_depth copies */
    unsigned red_depth;           /**< 0 without RED */
    bool fec;                     /**< Opus LBRR on */
    bool fec_instead_of_red;      /**< copies were wanted, the receiver can't decode RED */
    uint16_t server_port;         /**< the receiver's RTP port (its address is the TCP peer's) */
    unsigned timeout_s;           /**< session timeout the receiver gave */
    bool keepalive_get_parameter; /**< GET_PARAMETER, else OPTIONS */
    char session[RTSP_MAX_SESSION_ID + 1];
} rtsp_client_stream;

typedef enum rtsp_client_event_type {
    RTSP_CLIENT_EV_CONNECT,  /**< open the TCP connection now, then call _connected() or
                                  _connect_failed() */
    RTSP_CLIENT_EV_START,    /**< RECORD accepted: send media (see rtsp_client_get_stream) */
    RTSP_CLIENT_EV_STOP,     /**< stop sending media; text says why */
    RTSP_CLIENT_EV_CLOSE,    /**< close the TCP connection; queued output is dropped */
    RTSP_CLIENT_EV_NOTICE,   /**< a line for the user (a change of state) */
    RTSP_CLIENT_EV_FINISHED, /**< nothing more to do: the session's outcome is in status */
} rtsp_client_event_type;

typedef struct rtsp_client_event {
    rtsp_client_event_type type;
    /** FINISHED: AL_OK done (or interrupted); AL_ERR_BUSY the receiver answered 453;
     *  AL_ERR_REFUSED it refused the stream (another 4xx); AL_ERR_NO_PEER the input
     *  ended while no receiver was taking the stream; a writer's negative status
     *  if our own request could not be written (a bug). AL_OK for other events. */
    int status;
    char text[RTSP_CLIENT_TEXT_MAX];
} rtsp_client_event;

/** States, in the order a session goes through them. */
typedef enum rtsp_client_state {
    RTSP_CLIENT_WAIT_RETRY, /**< not connected; CONNECT at retry_at */
    RTSP_CLIENT_CONNECTING, /**< CONNECT issued, waiting for _connected() */
    RTSP_CLIENT_OPTIONS,    /**< request sent, waiting for its reply ... */
    RTSP_CLIENT_ANNOUNCE,
    RTSP_CLIENT_SETUP,
    RTSP_CLIENT_RECORD,
    RTSP_CLIENT_RECORDING, /**< media flows; keep-alives */
    RTSP_CLIENT_TEARDOWN,  /**< TEARDOWN sent, waiting for its reply */
    RTSP_CLIENT_FINISHED,
} rtsp_client_state;

/** All state; about 40 KiB (the parser): make it static or allocate it. */
typedef struct rtsp_client {
    rtsp_client_config cfg; /* strings point into the buffers below */
    char url[RTSP_MAX_HOST + RTSP_MAX_PATH + 32];
    char setup_url[RTSP_MAX_HOST + RTSP_MAX_PATH + 48];
    char user_agent[64];
    uint16_t url_port;

    rtsp_client_state state;
    int64_t deadline;   /* reply (or connect) overdue at this time; INT64_MAX none */
    int64_t retry_at;   /* WAIT_RETRY: when to connect again */
    int64_t backoff_ns; /* the wait after the next failure */
    long cseq;          /* CSeq of the last request sent; 0 before the first */
    long waiting_cseq;  /* reply awaited for this CSeq, 0 when none */
    bool keepalive_pending;
    long teardown_cseq;
    int64_t next_keepalive;
    bool socket_open; /* the caller holds a socket: from CONNECT until CLOSE or a report */
    bool stopping;    /* stop() was called: finish instead of retrying */
    int stop_status;  /* the FINISHED status once stopped */
    char stop_reason[128];
    char last_problem[RTSP_CLIENT_TEXT_MAX]; /* the notice last given, not repeated */
    bool ever_recorded;
    bool has_rtp_start; /* RTP-Info on RECORD: the first packet's sequence and timestamp */
    uint16_t rtp_seq;
    uint32_t rtp_time;

    bool server_red; /* Supported lists AL_RTSP_RED_OPTION */
    bool server_get_parameter;
    char local_addr[RTSP_MAX_HOST];
    char peer_addr[RTSP_MAX_HOST];
    rtsp_client_stream stream;

    uint8_t out[RTSP_CLIENT_OUT_MAX];
    size_t out_len;
    rtsp_client_event events[RTSP_CLIENT_MAX_EVENTS];
    size_t ev_head, ev_count;
    rtsp_parser parser;
} rtsp_client;

/** The sequence number and RTP timestamp the first media packet of the
 *  next session will carry, announced in RECORD's RTP-Info header (RFC 2326
 *  12.33) so that the receiver knows where the stream starts even if its
 *  first packets are lost. Call before each RECORD (after init, and with
 *  new values after a STOP). */
void rtsp_client_set_rtp_start(rtsp_client *c, uint16_t seq, uint32_t rtptime);

/** Sets C up and asks for the first connection (a CONNECT event). Returns
 *  AL_OK, rtsp_parse_url()'s status for a URL it refuses, or AL_ERR_ARG when
 *  CFG is otherwise unusable (channels not 1|2, a missing user agent, port 0,
 *  a URL or user agent too long). */
int rtsp_client_init(rtsp_client *c, const rtsp_client_config *cfg, int64_t now);

/** The TCP connection is up. LOCAL and PEER are the numeric addresses of its
 *  two ends (no port): they go into the SDP's o= and c= lines. */
void rtsp_client_connected(rtsp_client *c, int64_t now, const char *local, const char *peer);

/** The connect failed: WHY is a short reason ("Connection refused"). */
void rtsp_client_connect_failed(rtsp_client *c, int64_t now, const char *why);

/** Bytes arrived on the TCP connection. */
void rtsp_client_received(rtsp_client *c, int64_t now, const void *data, size_t len);

/** The TCP connection ended (WHY: "connection closed by the receiver",
 *  "Connection reset by peer", ...). The caller has closed its socket. */
void rtsp_client_closed(rtsp_client *c, int64_t now, const char *why);

/** Ends the client: TEARDOWN when a session exists, then FINISHED.
 *  INTERRUPTED (Ctrl-C, SIGTERM) finishes with AL_OK whatever the state;
 *  otherwise (the input ended) with AL_ERR_NO_PEER when no session was
 *  recording then, as the end of the input never reached a receiver. */
void rtsp_client_stop(rtsp_client *c, int64_t now, const char *why, bool interrupted);

/** Runs the timers due at NOW (retry, reply overdue, keep-alive). */
void rtsp_client_tick(rtsp_client *c, int64_t now);

/** When rtsp_client_tick() next has something to do; INT64_MAX for never. */
int64_t rtsp_client_next_timer(const rtsp_client *c);

/** Bytes to write to the TCP connection: *DATA, returns the count. */
size_t rtsp_client_output(const rtsp_client *c, const uint8_t **data);

/** N bytes of the output were written. */
void rtsp_client_output_sent(rtsp_client *c, size_t n);

/** Takes the oldest event into EV. Returns false when there is none. */
bool rtsp_client_next_event(rtsp_client *c, rtsp_client_event *ev);

/** True while media may flow (after RECORD's 200, until STOP). */
bool rtsp_client_recording(const rtsp_client *c);

/** The agreed stream (meaningful while recording). */
const rtsp_client_stream *rtsp_client_get_stream(const rtsp_client *c);

rtsp_client_state rtsp_client_get_state(const rtsp_client *c);

/** Name of a state, for logs and tests. */
const char *rtsp_client_state_name(rtsp_client_state s);

#endif
