/* RTSP/1.0 (RFC 2326) as the control channel of a record-mode (push) session.
 *
 * The sender is the RTSP client: OPTIONS, ANNOUNCE (SDP body), SETUP
 * (Transport: ...;client_port=A-B;mode=record), RECORD, GET_PARAMETER or
 * OPTIONS as keep-alive, TEARDOWN. The receiver is the server and answers.
 *
 * Pure functions over byte buffers: no sockets, clocks or allocation. The
 * incremental parser keeps its own fixed buffers (see rtsp_parser), so the
 * caller may hand it whatever TCP delivered and keep only the bytes it did not
 * consume. Every parser is lenient in what it accepts (CRLF or bare LF, any
 * case in header names and Transport parameters, surrounding whitespace) and
 * strict in what the writers produce (CRLF, canonical order and spelling).
 *
 * Units: sizes and lengths are bytes; ports are UDP port numbers; timeouts are
 * seconds. */
#ifndef AL_PROTO_RTSP_H
#define AL_PROTO_RTSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTSP_DEFAULT_PORT            554   /**< RFC 2326 section 3.2 */
#define RTSP_MAX_LINE                4096  /**< longest line, bytes, without CRLF */
#define RTSP_MAX_HEAD                8192  /**< longest head (all lines), bytes */
#define RTSP_MAX_HEADERS             64    /**< most header lines in one message */
#define RTSP_MAX_BODY                16384 /**< largest Content-Length accepted, bytes */
#define RTSP_DEFAULT_SESSION_TIMEOUT 60    /**< s, Session without timeout= */
#define RTSP_MAX_SESSION_ID          64    /**< longest session id, bytes */
#define RTSP_MAX_HOST                256   /**< host buffer, bytes, with the NUL */
#define RTSP_MAX_PATH                1024  /**< path buffer, bytes, with the NUL */

/** Results and errors. Parse errors that a server answers are mapped to a
 *  status code and reason by rtsp_error_status(). */
enum rtsp_status {
    RTSP_OK = 0,          /**< helpers and writers: success */
    RTSP_NEED_MORE = 1,   /**< feed: every byte consumed, no complete message yet */
    RTSP_MESSAGE = 2,     /**< feed: a complete request or response is in *msg */
    RTSP_INTERLEAVED = 3, /**< feed: a '$' interleaved frame header (RFC 2326 10.12) */

    RTSP_ERR_ARG = -1,              /**< invalid argument (NULL pointer, bad value) */
    RTSP_ERR_URI_TOO_LONG = -2,     /**< start line longer than RTSP_MAX_LINE (414) */
    RTSP_ERR_LINE_TOO_LONG = -3,    /**< header line longer than RTSP_MAX_LINE (400) */
    RTSP_ERR_TOO_MANY_HEADERS = -4, /**< more than RTSP_MAX_HEADERS header lines (400) */
    RTSP_ERR_HEAD_TOO_LARGE = -5,   /**< head longer than RTSP_MAX_HEAD (400) */
    RTSP_ERR_BODY_TOO_LARGE = -6,   /**< Content-Length above RTSP_MAX_BODY (413) */
    RTSP_ERR_CONTENT_LENGTH = -7,   /**< Content-Length not a decimal number, or two differ */
    RTSP_ERR_START_LINE = -8,       /**< malformed request or status line (400) */
    RTSP_ERR_VERSION = -9,          /**< a protocol version other than RTSP/1.0 (505) */
    RTSP_ERR_HEADER = -10,          /**< header line without a name or colon, or a NUL byte */
    RTSP_ERR_BUFFER = -11,          /**< writer: output buffer too small */
    RTSP_ERR_TRANSPORT = -12,       /**< Transport value malformed or not RTP */
    RTSP_ERR_SESSION = -13,         /**< Session value malformed or id too long */
    RTSP_ERR_URL = -14,             /**< not rtsp://host[:port][/path], or too long */
};

/** Request methods of RFC 2326 section 10. Parsing is case-sensitive, as the
 *  RFC requires; anything else is RTSP_METHOD_UNKNOWN with its name kept. */
enum rtsp_method {
    RTSP_METHOD_UNKNOWN = 0,
    RTSP_METHOD_OPTIONS,
    RTSP_METHOD_DESCRIBE,
    RTSP_METHOD_ANNOUNCE,
    RTSP_METHOD_SETUP,
    RTSP_METHOD_PLAY,
    RTSP_METHOD_RECORD,
    RTSP_METHOD_PAUSE,
    RTSP_METHOD_TEARDOWN,
    RTSP_METHOD_GET_PARAMETER,
    RTSP_METHOD_SET_PARAMETER,
};

/** One header line; both strings are NUL-terminated. */
typedef struct rtsp_header_field {
    const char *name;  /**< as received (case kept); compare with rtsp_header() */
    const char *value; /**< leading and trailing spaces and tabs removed */
} rtsp_header_field;

/** A parsed message. Every pointer points into the rtsp_parser that produced
 *  it and stays valid until the next rtsp_parser_feed() or rtsp_parser_reset()
 *  on that parser. */
typedef struct rtsp_message {
    bool is_response;
    /* Requests */
    enum rtsp_method method;
    const char *method_name; /**< as sent, e.g. "ANNOUNCE"; "" for a response */
    const char *uri;         /**< Request-URI as sent; "" for a response */
    /* Responses */
    int status_code;    /**< 100..999; 0 for a request */
    const char *reason; /**< reason phrase, may be ""; "" for a request */
    /* Both */
    long cseq; /**< CSeq value (0..2^31-1), or -1 when absent or not a decimal number:
                    the parser still delivers the message and the caller decides */
    size_t header_count;
    rtsp_header_field headers[RTSP_MAX_HEADERS]; /**< in wire order; folded lines joined */
    const char *body; /**< body bytes followed by a NUL (not counted); "" without body */
    size_t body_len;  /**< Content-Length, bytes */
    /* Interleaved frame (RTSP_INTERLEAVED only) */
    uint8_t channel;    /**< channel byte after '$' */
    uint16_t frame_len; /**< payload length, bytes; the parser discards the payload */
} rtsp_message;

/** Incremental parser state. About 25 KiB: embed it in a connection, don't
 *  put it on a small stack. Fields are private. */
typedef struct rtsp_parser {
    int state;
    int error;           /* sticky: every feed after an error returns it */
    bool delivered;      /* a message was returned: start afresh on the next feed */
    size_t head_len;     /* bytes in head[] */
    size_t line_start;   /* offset in head[] of the line being received */
    size_t header_lines; /* header lines completed in this message */
    size_t body_have;    /* body bytes received */
    size_t skip;         /* interleaved payload bytes still to discard */
    uint8_t frame[4];    /* '$', channel, length (big-endian) */
    size_t frame_have;
    rtsp_message msg; /* the message being assembled */
    char head[RTSP_MAX_HEAD + 1];
    char body[RTSP_MAX_BODY + 1];
} rtsp_parser;

/** Prepares P for the first byte of a connection (also after an error). */
void rtsp_parser_reset(rtsp_parser *p);

/** Feeds DATA[0..LEN) to P. Consumes bytes until a message or interleaved
 *  frame header is complete, an error occurs, or the input ends, and sets
 *  *CONSUMED to the bytes used: the caller keeps DATA[*CONSUMED..LEN) and
 *  feeds it again (several pipelined messages in one chunk come out one per
 *  call). Splitting the input differently never changes the results: feeding
 *  byte by byte yields the same messages and errors as feeding all at once.
 *
 *  Accepts CRLF or bare LF, ignores empty lines before a start line, joins
 *  folded header lines (leading space or tab) with one space, and reads a body
 *  of exactly Content-Length bytes (none when absent, as RFC 2326 4.3 says).
 *
 *  Returns:
 *   - RTSP_MESSAGE: *MSG holds a request or response (pointers into P, valid
 *     until the next feed or reset);
 *   - RTSP_INTERLEAVED: a '$' frame header at a message boundary; MSG->channel
 *     and MSG->frame_len are set and P discards the next frame_len bytes
 *     itself (counted in *CONSUMED of the following feeds) — this project
 *     carries media over UDP only;
 *   - RTSP_NEED_MORE: all of DATA consumed;
 *   - a negative enum rtsp_status. The error is sticky until
 *     rtsp_parser_reset(); answer rtsp_error_status() and close. For errors
 *     found once the head is complete (start line, version, header syntax,
 *     Content-Length) *MSG is filled as far as it parsed, so MSG->cseq can be
 *     echoed in the reply; otherwise MSG->cseq is -1. */
int rtsp_parser_feed(rtsp_parser *p, const void *data, size_t len, size_t *consumed,
                     rtsp_message *msg);

/** The value of the first header named NAME (ASCII case-insensitive), or NULL. */
const char *rtsp_header(const rtsp_message *msg, const char *name);

/** "OPTIONS", ... for a known method; NULL for RTSP_METHOD_UNKNOWN. */
const char *rtsp_method_name(enum rtsp_method m);

/** The method named NAME (case-sensitive), or RTSP_METHOD_UNKNOWN. */
enum rtsp_method rtsp_method_from_name(const char *name);

/** The RFC 2326 section 7.1.1 reason phrase for CODE ("OK", "Session Not Found",
 *  ...); for an unknown code a generic phrase of its class. Never NULL. */
const char *rtsp_status_reason(int code);

/** The status code a server answers to parse error ERR, and (if REASON is not
 *  NULL) the reason phrase to send: 414 for a long start line, 413 for a long
 *  body, 505 for a version, 400 "Request Header Fields Too Large" for header
 *  limits (RTSP has no 431), 400 "Bad Request" otherwise. */
int rtsp_error_status(int err, const char **reason);

const char *rtsp_strerror(int status);

/** Writes a request: "METHOD URI RTSP/1.0", "CSeq: CSEQ", the N_HEADERS
 *  HEADERS in order, "Content-Length" when BODY_LEN > 0, an empty line and
 *  the body, all with CRLF, followed by a NUL (not counted) into BUF (CAP
 *  bytes). HEADERS must not hold CSeq or Content-Length (the writer owns
 *  them), nor CR, LF or NUL in a name or value; CSEQ must be >= 0.
 *  Returns the length in bytes, or RTSP_ERR_ARG / RTSP_ERR_BUFFER. */
int rtsp_write_request(char *buf, size_t cap, enum rtsp_method method, const char *uri, long cseq,
                       const rtsp_header_field *headers, size_t n_headers, const void *body,
                       size_t body_len);

/** Writes a response "RTSP/1.0 CODE REASON" (REASON NULL: rtsp_status_reason())
 *  with "CSeq: CSEQ" (omitted when CSEQ < 0, for a request without a valid
 *  CSeq), HEADERS, Content-Length and BODY as rtsp_write_request() does.
 *  CODE must be 100..999. Returns the length in bytes or a negative status. */
int rtsp_write_response(char *buf, size_t cap, int code, const char *reason, long cseq,
                        const rtsp_header_field *headers, size_t n_headers, const void *body,
                        size_t body_len);

/* ---- Transport (RFC 2326 section 12.39) ---- */

enum rtsp_lower_transport {
    RTSP_LOWER_UDP = 0, /**< RTP/AVP or RTP/AVP/UDP */
    RTSP_LOWER_TCP,     /**< RTP/AVP/TCP: media interleaved on the RTSP connection */
};

enum rtsp_profile {
    RTSP_PROFILE_AVP = 0, /**< RTP/AVP */
    RTSP_PROFILE_AVPF,    /**< RTP/AVPF */
    RTSP_PROFILE_SAVP,    /**< RTP/SAVP (SRTP) */
    RTSP_PROFILE_SAVPF,   /**< RTP/SAVPF */
};

enum rtsp_cast {
    RTSP_CAST_UNSPECIFIED = 0, /**< neither given (the RFC's default is multicast) */
    RTSP_CAST_UNICAST,
    RTSP_CAST_MULTICAST,
};

enum rtsp_mode {
    RTSP_MODE_UNSPECIFIED = 0, /**< no mode= (the RFC's default is PLAY) */
    RTSP_MODE_PLAY,
    RTSP_MODE_RECORD, /**< record, "RECORD", or receive (ffmpeg's server says that) */
    RTSP_MODE_OTHER,  /**< a mode we don't know */
};

/** A port pair. A single port "p" in the header means p and p + 1. */
typedef struct rtsp_port_range {
    uint16_t rtp;  /**< 1..65535 */
    uint16_t rtcp; /**< usually rtp + 1; 0 when a single port 65535 was given */
} rtsp_port_range;

typedef struct rtsp_transport {
    enum rtsp_profile profile;
    enum rtsp_lower_transport lower;
    enum rtsp_cast cast;
    enum rtsp_mode mode;
    bool has_client_port, has_server_port, has_interleaved, has_ssrc;
    rtsp_port_range client_port;
    rtsp_port_range server_port;
    uint8_t interleaved[2];          /**< channels for RTP and RTCP (TCP) */
    uint32_t ssrc;                   /**< ssrc= (hexadecimal on the wire) */
    char source[RTSP_MAX_HOST];      /**< source=, "" when absent */
    char destination[RTSP_MAX_HOST]; /**< destination=, "" when absent */
} rtsp_transport;

/** Parses the first transport spec of a Transport header VALUE (specs are
 *  comma-separated alternatives). Profile and parameter names are compared
 *  case-insensitively; mode may be quoted; unknown parameters are ignored. If
 *  NEXT is not NULL it receives the start of the following spec, or NULL when
 *  this was the last, so the caller can loop over alternatives.
 *  Returns RTSP_OK, or RTSP_ERR_TRANSPORT (not RTP/AVP[F]|SAVP[F] over UDP or
 *  TCP, a port of 0 or above 65535, a malformed range, an address too long). */
int rtsp_parse_transport(const char *value, rtsp_transport *out, const char **next);

/** Writes T as a Transport value (no header name, no CRLF), parameters in RFC
 *  2326 order: "RTP/AVP/UDP;unicast;source=S;destination=D;interleaved=a-b;
 *  client_port=A-B;server_port=C-D;ssrc=XXXXXXXX;mode=record", each only when
 *  set. The lower transport is always spelt out, mode always lowercase and
 *  unquoted (ffmpeg and GStreamer compare case-insensitively; GStreamer rejects
 *  "receive", so RECORD is written "record"). Returns the length in bytes (a
 *  NUL follows), or RTSP_ERR_ARG / RTSP_ERR_BUFFER. */
int rtsp_write_transport(char *buf, size_t cap, const rtsp_transport *t);

/* ---- Session (RFC 2326 section 12.37) ---- */

typedef struct rtsp_session {
    char id[RTSP_MAX_SESSION_ID + 1];
    unsigned timeout; /**< seconds; RTSP_DEFAULT_SESSION_TIMEOUT when not given */
    bool has_timeout;
} rtsp_session;

/** Parses "12345678;timeout=60" (spaces allowed around ';' and '='). Returns
 *  RTSP_OK, or RTSP_ERR_SESSION for an empty or too long id, or a timeout that
 *  is not a number. Unknown parameters are ignored. */
int rtsp_parse_session(const char *value, rtsp_session *out);

/* ---- RTP-Info (RFC 2326 section 12.33) ---- */

typedef struct rtsp_rtp_info {
    bool has_seq;
    uint16_t seq; /**< the first packet's sequence number */
    bool has_rtptime;
    uint32_t rtptime; /**< the first packet's RTP timestamp */
} rtsp_rtp_info;

/** Parses the first stream of "url=...;seq=N;rtptime=T[,url=...]" (one
 *  stream is all we send; the url is not checked). Returns RTSP_OK with
 *  what was given (either may be absent), or RTSP_ERR_ARG for a seq or
 *  rtptime that is not a number in range. Unknown parameters are ignored. */
int rtsp_parse_rtp_info(const char *value, rtsp_rtp_info *out);

/* ---- URL (RFC 2326 section 3.2) ---- */

typedef struct rtsp_url {
    char host[RTSP_MAX_HOST]; /**< name or address; an IPv6 address without brackets */
    uint16_t port;            /**< RTSP_DEFAULT_PORT when not given */
    char path[RTSP_MAX_PATH]; /**< from the first '/' (query included), "" when absent */
} rtsp_url;

/** Parses rtsp://[user[:pass]@]host[:port][/path], host a name, IPv4, or
 *  [IPv6]. The scheme is case-insensitive; user information is skipped.
 *  Returns RTSP_OK or RTSP_ERR_URL. */
int rtsp_parse_url(const char *url, rtsp_url *out);

/** Writes "rtsp://HOST:PORT/PATH" (HOST in brackets when it holds a ':';
 *  PATH may be "" or start with '/'; a missing '/' is added). Returns the
 *  length in bytes (a NUL follows), or RTSP_ERR_ARG / RTSP_ERR_BUFFER. */
int rtsp_write_url(char *buf, size_t cap, const char *host, uint16_t port, const char *path);

#endif
