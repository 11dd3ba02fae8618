/* Helpers shared by the proto/rtsp_*.c files only: not part of the API, and
 * not included by proto/rtsp.h. ASCII only, so the locale never matters.
 * Writers build their text with proto/text.h's text_out. */
#ifndef AL_PROTO_RTSP_UTIL_H
#define AL_PROTO_RTSP_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/rtsp_status.h"
#include "proto/text.h"

#define RTSP_MAX_PORT     65535 /**< largest UDP port number */
#define RTSP_MAX_CHANNEL  255   /**< largest interleaved channel (one byte) */
#define RTSP_MAX_SSRC_HEX 8     /**< ssrc= digits: 32 bits in hexadecimal */

static inline bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int hex_value(int c)
{
    if (text_is_digit(c))
        return c - '0';
    c = text_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2616 token characters (RFC 2326 15.1 borrows them). */
static inline bool is_token_char(int c)
{
    if (c <= 32 || c >= 127)
        return false;
    return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* Decimal digits only (no sign, no spaces) from [S, S+N). Returns -1 when not
 * a number; a value above LIMIT comes back as LIMIT + 1 so that huge inputs
 * never overflow and are still told apart from garbage. */
static inline int64_t parse_decimal(const char *s, size_t n, int64_t limit)
{
    if (n == 0)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!text_is_digit((unsigned char)s[i]))
            return -1;
        if (v <= limit)
            v = v * 10 + (s[i] - '0');
    }
    return v > limit ? limit + 1 : v;
}

#endif
