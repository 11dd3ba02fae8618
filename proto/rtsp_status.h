/* RTSP/1.0 results and errors, and the status codes of RFC 2326 section
 * 7.1.1: the reason phrase of a code, and the reply a server gives to a
 * parse error. */
#ifndef AL_PROTO_RTSP_STATUS_H
#define AL_PROTO_RTSP_STATUS_H

#include "common/status.h"

#define RTSP_STATUS_MIN 100 /**< status codes have three digits (RFC 2326 7.1.1) */
#define RTSP_STATUS_MAX 999

/* An RTSP detail code (common/status.h). */
#define RTSP_DETAIL(class, n) AL_STATUS_DETAIL(AL_MODULE_RTSP, class, n)

/** Results and status codes (common/status.h). rtsp_parser_feed() alone
 *  returns the positive results; everything else returns RTSP_OK, a length,
 *  or a negative code. Parse errors that a server answers are mapped to a
 *  status code and reason by rtsp_error_status(). */
enum rtsp_status {
    RTSP_OK = AL_OK,                     /**< helpers: success */
    RTSP_NEED_MORE = AL_NEED_MORE,       /**< feed: every byte consumed, no complete message yet */
    RTSP_MESSAGE = AL_NEED_MORE + 1,     /**< feed: a complete request or response is in *msg */
    RTSP_INTERLEAVED = AL_NEED_MORE + 2, /**< feed: a '$' interleaved frame header (10.12) */

    RTSP_ERR_ARG = AL_ERR_ARG,       /**< invalid argument (NULL pointer, bad value) */
    RTSP_ERR_BUFFER = AL_ERR_BUFFER, /**< writer: output buffer too small */
    /** start line longer than RTSP_MAX_LINE (414) */
    RTSP_ERR_URI_TOO_LONG = RTSP_DETAIL(AL_ERR_TOO_LARGE, 1),
    /** header line longer than RTSP_MAX_LINE (400) */
    RTSP_ERR_LINE_TOO_LONG = RTSP_DETAIL(AL_ERR_TOO_LARGE, 2),
    /** more than RTSP_MAX_HEADERS header lines (400) */
    RTSP_ERR_TOO_MANY_HEADERS = RTSP_DETAIL(AL_ERR_TOO_LARGE, 3),
    /** head longer than RTSP_MAX_HEAD (400) */
    RTSP_ERR_HEAD_TOO_LARGE = RTSP_DETAIL(AL_ERR_TOO_LARGE, 4),
    /** Content-Length above RTSP_MAX_BODY (413) */
    RTSP_ERR_BODY_TOO_LARGE = RTSP_DETAIL(AL_ERR_TOO_LARGE, 5),
    /** Content-Length not a decimal number, or two differ */
    RTSP_ERR_CONTENT_LENGTH = RTSP_DETAIL(AL_ERR_MALFORMED, 1),
    /** malformed request or status line (400) */
    RTSP_ERR_START_LINE = RTSP_DETAIL(AL_ERR_MALFORMED, 2),
    /** header line without a name or colon, or a NUL byte */
    RTSP_ERR_HEADER = RTSP_DETAIL(AL_ERR_MALFORMED, 3),
    /** Transport value malformed or not RTP */
    RTSP_ERR_TRANSPORT = RTSP_DETAIL(AL_ERR_MALFORMED, 4),
    /** Session value malformed or id too long */
    RTSP_ERR_SESSION = RTSP_DETAIL(AL_ERR_MALFORMED, 5),
    /** not rtsp://host[:port][/path], or too long */
    RTSP_ERR_URL = RTSP_DETAIL(AL_ERR_MALFORMED, 6),
    /** RTP-Info seq or rtptime not a number in range */
    RTSP_ERR_RTP_INFO = RTSP_DETAIL(AL_ERR_MALFORMED, 7),
    /** a protocol version other than RTSP/1.0 (505) */
    RTSP_ERR_VERSION = RTSP_DETAIL(AL_ERR_UNSUPPORTED, 1),
};

/** The RFC 2326 section 7.1.1 reason phrase for CODE ("OK", "Session Not Found",
 *  ...); for an unknown code a generic phrase of its class. Never NULL. */
const char *rtsp_status_reason(int code);

/** The status code a server answers to parse error ERR, and (if REASON is not
 *  NULL) the reason phrase to send: 414 for a long start line, 413 for a long
 *  body, 505 for a version, 400 "Request Header Fields Too Large" for header
 *  limits (RTSP has no 431), 400 "Bad Request" otherwise. */
int rtsp_error_status(int err, const char **reason);

/** A static description of STATUS (an enum rtsp_status or any status
 *  code); never NULL. */
const char *rtsp_strerror(int status);

#endif
