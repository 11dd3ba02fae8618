#include "proto/text.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool text_span_is(const char *s, size_t n, const char *word)
{
    if (n != strlen(word))
        return false;
    for (size_t i = 0; i < n; i++)
        if (text_lower((unsigned char)s[i]) != text_lower((unsigned char)word[i]))
            return false;
    return true;
}

bool text_equal_nocase(const char *a, const char *b)
{
    return text_span_is(a, strlen(a), b);
}

void text_trim_span(const char **s, const char **e)
{
    while (*s < *e && text_is_blank(**s))
        (*s)++;
    while (*e > *s && text_is_blank((*e)[-1]))
        (*e)--;
}

bool text_copy_span(char *dst, size_t cap, const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    if (n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

bool text_is_word(const char *s, const char *also_bad)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == TEXT_DEL || strchr(also_bad, *s))
            return false;
    }
    return true;
}

const char *text_escape(char *dst, size_t cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!dst || cap == 0)
        return dst;
    size_t o = 0;
    for (size_t i = 0; s && i < n && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = c >= 0x20 && c <= 0x7e && c != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need >= cap)
            break;
        if (plain) {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    dst[o] = '\0';
    return dst;
}

void text_put_mem(text_out *o, const void *p, size_t n)
{
    if (o->overflow)
        return;
    if (n >= o->cap - o->len) {
        o->overflow = true;
        return;
    }
    if (n)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void text_put_str(text_out *o, const char *s)
{
    text_put_mem(o, s, strlen(s));
}

void text_put_ulong(text_out *o, unsigned long v)
{
    text_put_fmt(o, "%lu", v);
}

void text_put_fmt(text_out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->overflow = true;
        o->buf[o->len] = '\0';
        return;
    }
    o->len += (size_t)n;
}

int text_out_finish(text_out *o)
{
    if (o->overflow || o->len > INT_MAX)
        return AL_ERR_BUFFER;
    o->buf[o->len] = '\0';
    return (int)o->len;
}
