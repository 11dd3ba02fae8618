/* rtsp:// URLs (RFC 2326 section 3.2): parsing one into host, port and
 * path, and writing one.
 *
 * Pure functions over strings. Units: ports are TCP port numbers; sizes
 * are bytes. */
#ifndef AL_PROTO_RTSP_URL_H
#define AL_PROTO_RTSP_URL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/rtsp_status.h"

#define RTSP_DEFAULT_PORT 554  /**< RFC 2326 section 3.2 */
#define RTSP_MAX_HOST     256  /**< host buffer, bytes, with the NUL */
#define RTSP_MAX_PATH     1024 /**< path buffer, bytes, with the NUL */

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
