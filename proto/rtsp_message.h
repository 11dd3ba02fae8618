/* RTSP/1.0 messages (RFC 2326 sections 4, 6, 7): the incremental parser of
 * requests, responses and '$' interleaved frame headers as TCP delivers
 * them, the method names, and the writers of requests and responses.
 *
 * Pure functions over byte buffers: no sockets, clocks or allocation. The
 * parser keeps its own fixed buffers (see rtsp_parser), so the caller may
 * hand it whatever TCP delivered and keep only the bytes it did not consume.
 * Lenient in what it accepts (CRLF or bare LF, any case in header names,
 * surrounding whitespace), strict in what the writers produce (CRLF,
 * canonical spelling).
 *
 * Units: sizes and lengths are bytes. */
#ifndef AL_PROTO_RTSP_MESSAGE_H
#define AL_PROTO_RTSP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/rtsp_status.h"

#define RTSP_MAX_LINE    4096  /**< longest line, bytes, without CRLF */
#define RTSP_MAX_HEAD    8192  /**< longest head (all lines), bytes */
#define RTSP_MAX_HEADERS 64    /**< most header lines in one message */
#define RTSP_MAX_BODY    16384 /**< largest Content-Length accepted, bytes */

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

/** "OPTIONS", ... for a known method; NULL for RTSP_METHOD_UNKNOWN. */
const char *rtsp_method_name(enum rtsp_method m);

/** The method named NAME (case-sensitive), or RTSP_METHOD_UNKNOWN. */
enum rtsp_method rtsp_method_from_name(const char *name);

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

#endif
