/* ASCII text helpers for the text protocols (RTSP, SDP): never the locale,
 * spans as [start, end) pointers. */
#ifndef AL_PROTO_TEXT_H
#define AL_PROTO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define TEXT_DEL 127 /**< ASCII DEL: a control character above the printable range */

static inline int text_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}
static inline bool text_is_blank(int c)
{
    return c == ' ' || c == '\t';
}
static inline bool text_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/** True when [S, S+N) equals WORD, ignoring ASCII case. */
bool text_span_is(const char *s, size_t n, const char *word);

/** True when A equals B, ignoring ASCII case. */
bool text_equal_nocase(const char *a, const char *b);

/** Narrows [*S, *E) to drop spaces and tabs on both sides. */
void text_trim_span(const char **s, const char **e);

/** Copies [S, E) into DST (CAP bytes) with a NUL; false when it does not fit. */
bool text_copy_span(char *dst, size_t cap, const char *s, const char *e);

/** Room text_escape needs for N bytes: each may become four ("\xHH"). */
#define TEXT_ESCAPED_SIZE(n) (4 * (n) + 1)

/** Copies the N bytes at S (up to a NUL) into DST (CAP bytes, always
 *  NUL-terminated) with every byte outside printable ASCII (0x20..0x7e) and
 *  the backslash itself written as \xHH, so that text from a peer (an SDP
 *  field, a reason phrase) can be printed or echoed without its control
 *  bytes reaching a terminal or a log. Stops before an escape that would
 *  not fit whole. Returns DST. */
const char *text_escape(char *dst, size_t cap, const char *s, size_t n);

#endif
