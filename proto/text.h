/* ASCII text helpers for the text protocols (RTSP, SDP): never the locale,
 * spans as [start, end) pointers. */
#ifndef AL_PROTO_TEXT_H
#define AL_PROTO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

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

/** True when no byte of the string S is a space, a control byte (below
 *  0x20) or DEL, and none is in ALSO_BAD (may be ""): a word that a text
 *  protocol can carry between separators. Bytes above 0x7f pass (UTF-8 in
 *  a path). True for "". */
bool text_is_word(const char *s, const char *also_bad);

/** Room text_escape needs for N bytes: each may become four ("\xHH"). */
#define TEXT_ESCAPED_SIZE(n) (4 * (n) + 1)

/** Copies the N bytes at S (up to a NUL) into DST (CAP bytes, always
 *  NUL-terminated) with every byte outside printable ASCII (0x20..0x7e) and
 *  the backslash itself written as \xHH, so that text from a peer (an SDP
 *  field, a reason phrase) can be printed or echoed without its control
 *  bytes reaching a terminal or a log. Stops before an escape that would
 *  not fit whole. Returns DST. */
const char *text_escape(char *dst, size_t cap, const char *s, size_t n);

/** A text output builder over the caller's BUF (CAP bytes, not owned). It
 *  never writes past CAP and always leaves room for a NUL, so that a writer
 *  can put everything and learn about overflow once, from
 *  text_out_finish(). Start it as {buf, cap, 0, false} with CAP > 0. */
typedef struct text_out {
    char *buf;
    size_t cap;    /**< bytes */
    size_t len;    /**< bytes written so far, without the NUL */
    bool overflow; /**< something did not fit: later puts do nothing */
} text_out;

/** Appends the N bytes at P. */
void text_put_mem(text_out *o, const void *p, size_t n);

/** Appends the string S. */
void text_put_str(text_out *o, const char *s);

/** Appends V in decimal. */
void text_put_ulong(text_out *o, unsigned long v);

/** Appends printf(FMT, ...). */
void text_put_fmt(text_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** NUL-terminates the text and returns its length in bytes, or
 *  AL_ERR_BUFFER when something did not fit (or it would not fit an int). */
int text_out_finish(text_out *o);

#endif
