/* RTSP/1.0 message parser and writers, Transport, Session and URL (RFC 2326). */
#include "proto/rtsp.h"
#include "proto/text.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

enum { ST_HEAD = 0, ST_BODY, ST_FRAME, ST_SKIP };

/* ---- Character helpers: ASCII only, so the locale never matters ---- */

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(int c)
{
    if (text_is_digit(c))
        return c - '0';
    c = text_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2616 token characters (RFC 2326 15.1 borrows them). */
static bool is_token_char(int c)
{
    if (c <= 32 || c >= 127)
        return false;
    return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* In-place trim of a NUL-terminated string; returns the new start. */
static char *trim_inplace(char *s)
{
    while (text_is_blank(*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && text_is_blank(e[-1]))
        e--;
    *e = '\0';
    return s;
}

/* Decimal digits only (no sign, no spaces) from [S, S+N). Returns -1 when not
 * a number; a value above LIMIT comes back as LIMIT + 1 so that huge inputs
 * never overflow and are still told apart from garbage. */
static int64_t parse_decimal(const char *s, size_t n, int64_t limit)
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

/* ---- Output builder: never writes past CAP and always leaves room for the NUL ---- */

typedef struct out_buf {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
} out_buf;

static void put_mem(out_buf *o, const void *p, size_t n)
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

static void put_str(out_buf *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

static void put_ulong(out_buf *o, unsigned long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lu", v);
    put_mem(o, tmp, (size_t)n);
}

static int out_finish(out_buf *o)
{
    if (o->overflow || o->len > INT_MAX)
        return RTSP_ERR_BUFFER;
    o->buf[o->len] = '\0';
    return (int)o->len;
}

/* ---- Names and reasons ---- */

static const char *const method_names[] = {
    [RTSP_METHOD_OPTIONS] = "OPTIONS",
    [RTSP_METHOD_DESCRIBE] = "DESCRIBE",
    [RTSP_METHOD_ANNOUNCE] = "ANNOUNCE",
    [RTSP_METHOD_SETUP] = "SETUP",
    [RTSP_METHOD_PLAY] = "PLAY",
    [RTSP_METHOD_RECORD] = "RECORD",
    [RTSP_METHOD_PAUSE] = "PAUSE",
    [RTSP_METHOD_TEARDOWN] = "TEARDOWN",
    [RTSP_METHOD_GET_PARAMETER] = "GET_PARAMETER",
    [RTSP_METHOD_SET_PARAMETER] = "SET_PARAMETER",
};

const char *rtsp_method_name(enum rtsp_method m)
{
    if ((int)m <= RTSP_METHOD_UNKNOWN || (int)m > RTSP_METHOD_SET_PARAMETER)
        return NULL;
    return method_names[m];
}

enum rtsp_method rtsp_method_from_name(const char *name)
{
    if (!name)
        return RTSP_METHOD_UNKNOWN;
    for (int m = RTSP_METHOD_OPTIONS; m <= RTSP_METHOD_SET_PARAMETER; m++) {
        if (strcmp(name, method_names[m]) == 0)
            return (enum rtsp_method)m;
    }
    return RTSP_METHOD_UNKNOWN;
}

const char *rtsp_status_reason(int code)
{
    switch (code) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 250:
        return "Low on Storage Space";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Moved Temporarily";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 305:
        return "Use Proxy";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Time-out";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request-URI Too Large";
    case 415:
        return "Unsupported Media Type";
    case 451:
        return "Parameter Not Understood";
    case 452:
        return "Conference Not Found";
    case 453:
        return "Not Enough Bandwidth";
    case 454:
        return "Session Not Found";
    case 455:
        return "Method Not Valid in This State";
    case 456:
        return "Header Field Not Valid for Resource";
    case 457:
        return "Invalid Range";
    case 458:
        return "Parameter Is Read-Only";
    case 459:
        return "Aggregate Operation Not Allowed";
    case 460:
        return "Only Aggregate Operation Allowed";
    case 461:
        return "Unsupported Transport";
    case 462:
        return "Destination Unreachable";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Time-out";
    case 505:
        return "RTSP Version Not Supported";
    case 551:
        return "Option Not Supported";
    default:
        break;
    }
    /* RFC 2326 7.1.1: an unknown code is understood by its class. */
    switch (code / 100) {
    case 1:
        return "Informational";
    case 2:
        return "Success";
    case 3:
        return "Redirection";
    case 4:
        return "Client Error";
    case 5:
        return "Server Error";
    default:
        return "Unknown";
    }
}

int rtsp_error_status(int err, const char **reason)
{
    int code = 400;
    const char *why = "Bad Request";
    switch (err) {
    case RTSP_ERR_URI_TOO_LONG:
        code = 414;
        why = rtsp_status_reason(414);
        break;
    case RTSP_ERR_BODY_TOO_LARGE:
        code = 413;
        why = rtsp_status_reason(413);
        break;
    case RTSP_ERR_VERSION:
        code = 505;
        why = rtsp_status_reason(505);
        break;
    case RTSP_ERR_LINE_TOO_LONG:
    case RTSP_ERR_TOO_MANY_HEADERS:
    case RTSP_ERR_HEAD_TOO_LARGE:
        /* HTTP's 431 has no RTSP/1.0 counterpart: 400 with its phrase. */
        why = "Request Header Fields Too Large";
        break;
    default:
        break;
    }
    if (reason)
        *reason = why;
    return code;
}

const char *rtsp_strerror(int status)
{
    switch (status) {
    case RTSP_OK:
        return "ok";
    case RTSP_NEED_MORE:
        return "incomplete message";
    case RTSP_MESSAGE:
        return "message";
    case RTSP_INTERLEAVED:
        return "interleaved binary frame";
    case RTSP_ERR_ARG:
        return "invalid argument";
    case RTSP_ERR_URI_TOO_LONG:
        return "request line too long";
    case RTSP_ERR_LINE_TOO_LONG:
        return "header line too long";
    case RTSP_ERR_TOO_MANY_HEADERS:
        return "too many header lines";
    case RTSP_ERR_HEAD_TOO_LARGE:
        return "message head too large";
    case RTSP_ERR_BODY_TOO_LARGE:
        return "Content-Length too large";
    case RTSP_ERR_CONTENT_LENGTH:
        return "invalid Content-Length";
    case RTSP_ERR_START_LINE:
        return "malformed request or status line";
    case RTSP_ERR_VERSION:
        return "unsupported RTSP version";
    case RTSP_ERR_HEADER:
        return "malformed header line";
    case RTSP_ERR_BUFFER:
        return "output buffer too small";
    case RTSP_ERR_TRANSPORT:
        return "malformed or unsupported Transport";
    case RTSP_ERR_SESSION:
        return "malformed Session";
    case RTSP_ERR_URL:
        return "malformed rtsp:// URL";
    default:
        return "unknown RTSP error";
    }
}

/* ---- Incremental parser ---- */

static void clear_message(rtsp_message *m)
{
    memset(m, 0, sizeof *m);
    m->method_name = "";
    m->uri = "";
    m->reason = "";
    m->body = "";
    m->cseq = -1;
}

/* Forgets the previous message; keeps state and skip, which may carry an
 * interleaved frame's payload across the boundary. */
static void begin_message(rtsp_parser *p)
{
    p->delivered = false;
    p->head_len = 0;
    p->line_start = 0;
    p->header_lines = 0;
    p->body_have = 0;
    p->frame_have = 0;
    clear_message(&p->msg);
}

void rtsp_parser_reset(rtsp_parser *p)
{
    if (!p)
        return;
    p->state = ST_HEAD;
    p->error = 0;
    p->skip = 0;
    begin_message(p);
}

const char *rtsp_header(const rtsp_message *msg, const char *name)
{
    if (!msg || !name)
        return NULL;
    for (size_t i = 0; i < msg->header_count; i++) {
        if (text_equal_nocase(msg->headers[i].name, name))
            return msg->headers[i].value;
    }
    return NULL;
}

/* A protocol version token is NAME/DIGITS.DIGITS. RTSP/1.0 (any case) is ours;
 * another well-formed version is answered 505, anything else is a bad line. */
static int check_version(const char *v)
{
    if (text_equal_nocase(v, "RTSP/1.0"))
        return RTSP_OK;
    const char *s = v;
    while (is_alpha((unsigned char)*s))
        s++;
    if (s == v || *s++ != '/' || !text_is_digit((unsigned char)*s))
        return RTSP_ERR_START_LINE;
    while (text_is_digit((unsigned char)*s))
        s++;
    if (*s++ != '.' || !text_is_digit((unsigned char)*s))
        return RTSP_ERR_START_LINE;
    while (text_is_digit((unsigned char)*s))
        s++;
    return *s ? RTSP_ERR_START_LINE : RTSP_ERR_VERSION;
}

/* Cuts the next blank-separated token out of *S in place. */
static char *next_token(char **s)
{
    char *p = *s;
    while (text_is_blank(*p))
        p++;
    if (!*p)
        return NULL;
    char *tok = p;
    while (*p && !text_is_blank(*p))
        p++;
    if (*p)
        *p++ = '\0';
    *s = p;
    return tok;
}

static int parse_start_line(rtsp_message *m, char *line)
{
    char *s = line;
    while (text_is_blank(*s))
        s++;
    if (strncmp(s, "RTSP/", 5) == 0 || strncmp(s, "rtsp/", 5) == 0) {
        /* Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase */
        char *version = next_token(&s);
        int st = check_version(version);
        if (st != RTSP_OK)
            return st;
        while (text_is_blank(*s))
            s++;
        if (!text_is_digit((unsigned char)s[0]) || !text_is_digit((unsigned char)s[1]) ||
            !text_is_digit((unsigned char)s[2]) || (s[3] && !text_is_blank(s[3])))
            return RTSP_ERR_START_LINE;
        if (s[0] == '0')
            return RTSP_ERR_START_LINE;
        m->is_response = true;
        m->status_code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
        m->reason = trim_inplace(s + 3);
        return RTSP_OK;
    }
    /* Request-Line = Method SP Request-URI SP RTSP-Version */
    char *method = next_token(&s);
    char *uri = next_token(&s);
    char *version = next_token(&s);
    if (!method || !uri || !version || next_token(&s))
        return RTSP_ERR_START_LINE;
    for (const char *c = method; *c; c++) {
        if (!is_token_char((unsigned char)*c))
            return RTSP_ERR_START_LINE;
    }
    int st = check_version(version);
    if (st != RTSP_OK)
        return st;
    m->method_name = method;
    m->method = rtsp_method_from_name(method);
    m->uri = uri;
    return RTSP_OK;
}

/* Parses the complete head in p->head[0..line_start) in place: lines are
 * NUL-terminated where their LF (and CR) were, header names and values are
 * cut at the colon and trimmed, folded lines are moved up behind the value
 * they continue. Always parses every header, even after a bad start line, so
 * that an error reply can still carry the CSeq. */
static int end_of_head(rtsp_parser *p)
{
    rtsp_message *m = &p->msg;
    char *end = p->head + p->line_start;
    *end = '\0';

    char *line = p->head;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    *nl = '\0';
    if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
    int start_status = parse_start_line(m, line);

    int header_status = RTSP_OK;
    rtsp_header_field *last = NULL;
    for (line = nl + 1; line < end; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(end - line));
        *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        if (text_is_blank(*line)) {
            /* Obsolete folding (RFC 2616 2.2): the value continues. */
            if (!last) {
                header_status = header_status ? header_status : RTSP_ERR_HEADER;
                continue;
            }
            char *text = trim_inplace(line);
            size_t tlen = strlen(text);
            if (tlen == 0)
                continue;
            char *vend = (char *)last->value + strlen(last->value);
            if (vend != last->value)
                *vend++ = ' ';
            memmove(vend, text, tlen + 1);
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon) {
            header_status = header_status ? header_status : RTSP_ERR_HEADER;
            last = NULL;
            continue;
        }
        *colon = '\0';
        char *name = trim_inplace(line);
        bool name_ok = *name != '\0';
        for (const char *c = name; *c; c++)
            name_ok = name_ok && is_token_char((unsigned char)*c);
        if (!name_ok) {
            header_status = header_status ? header_status : RTSP_ERR_HEADER;
            last = NULL;
            continue;
        }
        /* header_lines <= RTSP_MAX_HEADERS bounds this. */
        last = &m->headers[m->header_count++];
        last->name = name;
        last->value = trim_inplace(colon + 1);
    }

    const char *cseq = rtsp_header(m, "CSeq");
    if (cseq) {
        int64_t v = parse_decimal(cseq, strlen(cseq), INT32_MAX);
        m->cseq = v >= 0 && v <= INT32_MAX ? (long)v : -1;
    }

    /* Every Content-Length must agree: two different ones are a classic
     * request-smuggling trick and leave the message boundary ambiguous. */
    int64_t length = 0;
    int length_status = RTSP_OK;
    bool seen = false;
    for (size_t i = 0; i < m->header_count; i++) {
        if (!text_equal_nocase(m->headers[i].name, "Content-Length"))
            continue;
        const char *v = m->headers[i].value;
        int64_t n = parse_decimal(v, strlen(v), RTSP_MAX_BODY);
        if (n < 0 || (seen && n != length)) {
            length_status = RTSP_ERR_CONTENT_LENGTH;
            break;
        }
        seen = true;
        length = n;
    }
    if (length_status == RTSP_OK && length > RTSP_MAX_BODY)
        length_status = RTSP_ERR_BODY_TOO_LARGE;

    if (start_status != RTSP_OK)
        return start_status;
    if (header_status != RTSP_OK)
        return header_status;
    if (length_status != RTSP_OK)
        return length_status;

    m->body_len = (size_t)length;
    p->body_have = 0;
    p->body[0] = '\0';
    m->body = p->body;
    if (length == 0) {
        p->state = ST_HEAD;
        return RTSP_MESSAGE;
    }
    p->state = ST_BODY;
    return RTSP_NEED_MORE;
}

static int end_of_line(rtsp_parser *p)
{
    size_t line_len = p->head_len - p->line_start;
    size_t content = line_len;
    if (content > 0 && p->head[p->head_len - 1] == '\r')
        content--;
    if (p->line_start == 0) {
        if (content == 0) {
            /* Empty lines before a start line are tolerated (RFC 2616 4.1). */
            p->head_len = 0;
            return RTSP_NEED_MORE;
        }
    } else if (content == 0) {
        return end_of_head(p);
    } else if (++p->header_lines > RTSP_MAX_HEADERS) {
        return RTSP_ERR_TOO_MANY_HEADERS;
    }
    if (p->head_len >= RTSP_MAX_HEAD)
        return RTSP_ERR_HEAD_TOO_LARGE;
    p->head[p->head_len++] = '\n';
    p->line_start = p->head_len;
    return RTSP_NEED_MORE;
}

/* One head byte. The checks depend only on the bytes so far, never on how
 * they were split into chunks, which is what makes chunked parsing equal to
 * all-at-once parsing. */
static int head_byte(rtsp_parser *p, uint8_t c)
{
    if (p->head_len == 0 && c == '$') {
        p->frame[0] = c;
        p->frame_have = 1;
        p->state = ST_FRAME;
        return RTSP_NEED_MORE;
    }
    if (c == '\n')
        return end_of_line(p);
    bool start_line = p->line_start == 0;
    if (c == '\0')
        return start_line ? RTSP_ERR_START_LINE : RTSP_ERR_HEADER;
    /* Up to RTSP_MAX_LINE bytes of content, plus a CR that must be the last. */
    size_t line_len = p->head_len - p->line_start;
    if (line_len > RTSP_MAX_LINE || (line_len == RTSP_MAX_LINE && c != '\r'))
        return start_line ? RTSP_ERR_URI_TOO_LONG : RTSP_ERR_LINE_TOO_LONG;
    if (p->head_len >= RTSP_MAX_HEAD)
        return RTSP_ERR_HEAD_TOO_LARGE;
    p->head[p->head_len++] = (char)c;
    return RTSP_NEED_MORE;
}

int rtsp_parser_feed(rtsp_parser *p, const void *data, size_t len, size_t *consumed,
                     rtsp_message *msg)
{
    if (consumed)
        *consumed = 0;
    if (msg)
        clear_message(msg);
    if (!p || !consumed || !msg || (!data && len > 0))
        return RTSP_ERR_ARG;
    if (p->error)
        return p->error;
    if (p->delivered)
        begin_message(p);

    const uint8_t *in = data;
    size_t pos = 0;
    int result = RTSP_NEED_MORE;
    while (pos < len && result == RTSP_NEED_MORE) {
        switch (p->state) {
        case ST_SKIP: {
            size_t n = len - pos < p->skip ? len - pos : p->skip;
            pos += n;
            p->skip -= n;
            if (p->skip == 0)
                p->state = ST_HEAD;
            break;
        }
        case ST_FRAME:
            p->frame[p->frame_have++] = in[pos++];
            if (p->frame_have == sizeof p->frame) {
                p->msg.channel = p->frame[1];
                p->msg.frame_len = (uint16_t)(p->frame[2] << 8 | p->frame[3]);
                p->skip = p->msg.frame_len;
                p->state = p->skip ? ST_SKIP : ST_HEAD;
                result = RTSP_INTERLEAVED;
            }
            break;
        case ST_BODY: {
            size_t want = p->msg.body_len - p->body_have;
            size_t n = len - pos < want ? len - pos : want;
            memcpy(p->body + p->body_have, in + pos, n);
            p->body_have += n;
            pos += n;
            if (p->body_have == p->msg.body_len) {
                p->body[p->body_have] = '\0';
                p->state = ST_HEAD;
                result = RTSP_MESSAGE;
            }
            break;
        }
        default:
            result = head_byte(p, in[pos++]);
            break;
        }
    }
    *consumed = pos;
    if (result < 0)
        p->error = result;
    else if (result != RTSP_NEED_MORE)
        p->delivered = true;
    if (result != RTSP_NEED_MORE)
        *msg = p->msg;
    return result;
}

/* ---- Writers ---- */

static bool valid_header(const rtsp_header_field *h)
{
    if (!h->name || !h->value || !*h->name)
        return false;
    for (const char *c = h->name; *c; c++) {
        if (!is_token_char((unsigned char)*c))
            return false;
    }
    if (strpbrk(h->value, "\r\n"))
        return false;
    /* The writer adds these itself; a second copy would contradict it. */
    return !text_equal_nocase(h->name, "CSeq") && !text_equal_nocase(h->name, "Content-Length");
}

static int write_tail(out_buf *o, long cseq, const rtsp_header_field *headers, size_t n_headers,
                      const void *body, size_t body_len)
{
    if ((n_headers && !headers) || (body_len && !body))
        return RTSP_ERR_ARG;
    for (size_t i = 0; i < n_headers; i++) {
        if (!valid_header(&headers[i]))
            return RTSP_ERR_ARG;
    }
    if (cseq >= 0) {
        put_str(o, "CSeq: ");
        put_ulong(o, (unsigned long)cseq);
        put_str(o, "\r\n");
    }
    for (size_t i = 0; i < n_headers; i++) {
        put_str(o, headers[i].name);
        put_str(o, ": ");
        put_str(o, headers[i].value);
        put_str(o, "\r\n");
    }
    if (body_len) {
        put_str(o, "Content-Length: ");
        put_ulong(o, (unsigned long)body_len);
        put_str(o, "\r\n");
    }
    put_str(o, "\r\n");
    put_mem(o, body, body_len);
    return out_finish(o);
}

int rtsp_write_request(char *buf, size_t cap, enum rtsp_method method, const char *uri, long cseq,
                       const rtsp_header_field *headers, size_t n_headers, const void *body,
                       size_t body_len)
{
    const char *name = rtsp_method_name(method);
    if (!buf || !name || !uri || !*uri || cseq < 0 || cseq > INT32_MAX)
        return RTSP_ERR_ARG;
    for (const char *c = uri; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 127)
            return RTSP_ERR_ARG;
    }
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    out_buf o = {buf, cap, 0, false};
    put_str(&o, name);
    put_str(&o, " ");
    put_str(&o, uri);
    put_str(&o, " RTSP/1.0\r\n");
    return write_tail(&o, cseq, headers, n_headers, body, body_len);
}

int rtsp_write_response(char *buf, size_t cap, int code, const char *reason, long cseq,
                        const rtsp_header_field *headers, size_t n_headers, const void *body,
                        size_t body_len)
{
    if (!buf || code < 100 || code > 999 || cseq > INT32_MAX)
        return RTSP_ERR_ARG;
    if (!reason)
        reason = rtsp_status_reason(code);
    if (strpbrk(reason, "\r\n"))
        return RTSP_ERR_ARG;
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    out_buf o = {buf, cap, 0, false};
    put_str(&o, "RTSP/1.0 ");
    put_ulong(&o, (unsigned long)code);
    put_str(&o, " ");
    put_str(&o, reason);
    put_str(&o, "\r\n");
    return write_tail(&o, cseq, headers, n_headers, body, body_len);
}

/* ---- Transport ---- */

/* "a-b" or "a" with each port in 1..65535. */
static bool parse_port_range(const char *s, const char *e, rtsp_port_range *out)
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    int64_t a = parse_decimal(s, (size_t)((dash ? dash : e) - s), 65535);
    if (a < 1 || a > 65535)
        return false;
    int64_t b = a < 65535 ? a + 1 : 0;
    if (dash) {
        b = parse_decimal(dash + 1, (size_t)(e - dash - 1), 65535);
        if (b < 1 || b > 65535)
            return false;
    }
    out->rtp = (uint16_t)a;
    out->rtcp = (uint16_t)b;
    return true;
}

static bool parse_channels(const char *s, const char *e, uint8_t out[2])
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    int64_t a = parse_decimal(s, (size_t)((dash ? dash : e) - s), 255);
    int64_t b = a + 1;
    if (dash)
        b = parse_decimal(dash + 1, (size_t)(e - dash - 1), 255);
    if (a < 0 || a > 255 || b < 0 || b > 255)
        return false;
    out[0] = (uint8_t)a;
    out[1] = (uint8_t)b;
    return true;
}

/* mode= holds one method or a quoted, comma-separated list of them. ffmpeg's
 * server says "receive" for record; we treat it as RECORD. */
static enum rtsp_mode parse_mode(const char *s, const char *e)
{
    enum rtsp_mode mode = RTSP_MODE_OTHER;
    while (s < e) {
        const char *t = s;
        while (t < e && *t != ',')
            t++;
        const char *ws = s, *we = t;
        text_trim_span(&ws, &we);
        if (text_span_is(ws, (size_t)(we - ws), "record") ||
            text_span_is(ws, (size_t)(we - ws), "receive"))
            mode = RTSP_MODE_RECORD;
        else if (text_span_is(ws, (size_t)(we - ws), "play") && mode != RTSP_MODE_RECORD)
            mode = RTSP_MODE_PLAY;
        s = t < e ? t + 1 : e;
    }
    return mode;
}

static bool parse_profile(const char *s, const char *e, rtsp_transport *out)
{
    /* RTP/<profile>[/<lower>] */
    const char *slash = memchr(s, '/', (size_t)(e - s));
    if (!slash || !text_span_is(s, (size_t)(slash - s), "RTP"))
        return false;
    const char *p = slash + 1;
    const char *slash2 = memchr(p, '/', (size_t)(e - p));
    const char *pe = slash2 ? slash2 : e;
    size_t pn = (size_t)(pe - p);
    if (text_span_is(p, pn, "AVP"))
        out->profile = RTSP_PROFILE_AVP;
    else if (text_span_is(p, pn, "AVPF"))
        out->profile = RTSP_PROFILE_AVPF;
    else if (text_span_is(p, pn, "SAVP"))
        out->profile = RTSP_PROFILE_SAVP;
    else if (text_span_is(p, pn, "SAVPF"))
        out->profile = RTSP_PROFILE_SAVPF;
    else
        return false;
    out->lower = RTSP_LOWER_UDP;
    if (slash2) {
        const char *l = slash2 + 1;
        if (text_span_is(l, (size_t)(e - l), "UDP"))
            out->lower = RTSP_LOWER_UDP;
        else if (text_span_is(l, (size_t)(e - l), "TCP"))
            out->lower = RTSP_LOWER_TCP;
        else
            return false;
    }
    return true;
}

static bool parse_transport_param(const char *s, const char *e, rtsp_transport *out)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ns = s, *ne = eq ? eq : e;
    text_trim_span(&ns, &ne);
    size_t nn = (size_t)(ne - ns);
    const char *vs = eq ? eq + 1 : e, *ve = e;
    text_trim_span(&vs, &ve);
    if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
        vs++;
        ve--;
    }
    if (text_span_is(ns, nn, "unicast")) {
        out->cast = RTSP_CAST_UNICAST;
    } else if (text_span_is(ns, nn, "multicast")) {
        out->cast = RTSP_CAST_MULTICAST;
    } else if (!eq) {
        /* append, a bare destination, or something new: nothing we need. */
    } else if (text_span_is(ns, nn, "client_port")) {
        if (!parse_port_range(vs, ve, &out->client_port))
            return false;
        out->has_client_port = true;
    } else if (text_span_is(ns, nn, "server_port")) {
        if (!parse_port_range(vs, ve, &out->server_port))
            return false;
        out->has_server_port = true;
    } else if (text_span_is(ns, nn, "interleaved")) {
        if (!parse_channels(vs, ve, out->interleaved))
            return false;
        out->has_interleaved = true;
    } else if (text_span_is(ns, nn, "source")) {
        return text_copy_span(out->source, sizeof out->source, vs, ve);
    } else if (text_span_is(ns, nn, "destination")) {
        return text_copy_span(out->destination, sizeof out->destination, vs, ve);
    } else if (text_span_is(ns, nn, "ssrc")) {
        /* 8 hex digits per RFC 2326; fewer are accepted. */
        if (ve == vs || ve - vs > 8)
            return false;
        uint32_t v = 0;
        for (const char *c = vs; c < ve; c++) {
            int h = hex_value((unsigned char)*c);
            if (h < 0)
                return false;
            v = v << 4 | (uint32_t)h;
        }
        out->ssrc = v;
        out->has_ssrc = true;
    } else if (text_span_is(ns, nn, "mode")) {
        out->mode = parse_mode(vs, ve);
    }
    return true;
}

int rtsp_parse_transport(const char *value, rtsp_transport *out, const char **next)
{
    if (next)
        *next = NULL;
    if (!value || !out)
        return RTSP_ERR_ARG;
    memset(out, 0, sizeof *out);

    /* This spec ends at the first comma outside quotes (mode="PLAY,RECORD"). */
    const char *end = value;
    bool quoted = false;
    for (; *end; end++) {
        if (*end == '"')
            quoted = !quoted;
        else if (*end == ',' && !quoted)
            break;
    }
    if (*end == ',' && next)
        *next = end + 1;

    const char *s = value;
    for (bool first = true;; first = false) {
        const char *e = memchr(s, ';', (size_t)(end - s));
        if (!e)
            e = end;
        const char *ts = s, *te = e;
        text_trim_span(&ts, &te);
        if (first) {
            if (!parse_profile(ts, te, out))
                return RTSP_ERR_TRANSPORT;
        } else if (ts < te && !parse_transport_param(ts, te, out)) {
            return RTSP_ERR_TRANSPORT;
        }
        if (e == end)
            break;
        s = e + 1;
    }
    return RTSP_OK;
}

static bool valid_address_value(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == 127 || strchr(";,\"", *s))
            return false;
    }
    return true;
}

static void put_range(out_buf *o, const char *name, unsigned a, unsigned b)
{
    put_str(o, name);
    put_ulong(o, a);
    if (b) {
        put_str(o, "-");
        put_ulong(o, b);
    }
}

int rtsp_write_transport(char *buf, size_t cap, const rtsp_transport *t)
{
    static const char *const profiles[] = {"RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF"};
    if (!buf || !t || (unsigned)t->profile > RTSP_PROFILE_SAVPF ||
        (unsigned)t->lower > RTSP_LOWER_TCP || t->mode == RTSP_MODE_OTHER ||
        (unsigned)t->mode > RTSP_MODE_OTHER || (unsigned)t->cast > RTSP_CAST_MULTICAST)
        return RTSP_ERR_ARG;
    if ((t->has_client_port && t->client_port.rtp == 0) ||
        (t->has_server_port && t->server_port.rtp == 0))
        return RTSP_ERR_ARG;
    if (!valid_address_value(t->source) || !valid_address_value(t->destination))
        return RTSP_ERR_ARG;
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    out_buf o = {buf, cap, 0, false};
    put_str(&o, profiles[t->profile]);
    put_str(&o, t->lower == RTSP_LOWER_TCP ? "/TCP" : "/UDP");
    if (t->cast == RTSP_CAST_UNICAST)
        put_str(&o, ";unicast");
    else if (t->cast == RTSP_CAST_MULTICAST)
        put_str(&o, ";multicast");
    if (t->source[0]) {
        put_str(&o, ";source=");
        put_str(&o, t->source);
    }
    if (t->destination[0]) {
        put_str(&o, ";destination=");
        put_str(&o, t->destination);
    }
    if (t->has_interleaved) {
        put_range(&o, ";interleaved=", t->interleaved[0], 0);
        put_range(&o, "-", t->interleaved[1], 0);
    }
    if (t->has_client_port)
        put_range(&o, ";client_port=", t->client_port.rtp, t->client_port.rtcp);
    if (t->has_server_port)
        put_range(&o, ";server_port=", t->server_port.rtp, t->server_port.rtcp);
    if (t->has_ssrc) {
        char hex[9];
        snprintf(hex, sizeof hex, "%08X", (unsigned)t->ssrc);
        put_str(&o, ";ssrc=");
        put_str(&o, hex);
    }
    if (t->mode == RTSP_MODE_RECORD)
        put_str(&o, ";mode=record");
    else if (t->mode == RTSP_MODE_PLAY)
        put_str(&o, ";mode=play");
    return out_finish(&o);
}

/* ---- Session ---- */

/* The next ";name=value" parameter of a header value, from *AT up to the
 * end or a character of STOPS: *NS..*NE the name and *VS..*VE the value,
 * both trimmed, or *NS = NULL for a parameter without '='. Advances *AT
 * past it; false when no parameter is left. (Session and RTP-Info.) */
static bool next_param(const char **at, const char *stops, const char **ns, const char **ne,
                       const char **vs, const char **ve)
{
    const char *ps = *at;
    while (*ps == ';' || text_is_blank(*ps))
        ps++;
    if (!*ps || strchr(stops, *ps))
        return false;
    const char *pe = ps;
    while (*pe && *pe != ';' && !strchr(stops, *pe))
        pe++;
    *at = pe;
    const char *eq = memchr(ps, '=', (size_t)(pe - ps));
    *ns = NULL;
    if (!eq)
        return true;
    *ns = ps, *ne = eq, *vs = eq + 1, *ve = pe;
    text_trim_span(ns, ne);
    text_trim_span(vs, ve);
    return true;
}

int rtsp_parse_session(const char *value, rtsp_session *out)
{
    if (!value || !out)
        return RTSP_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->timeout = RTSP_DEFAULT_SESSION_TIMEOUT;

    const char *s = value;
    while (text_is_blank(*s))
        s++;
    const char *e = s;
    while (*e && *e != ';' && !text_is_blank(*e))
        e++;
    if (e == s || !text_copy_span(out->id, sizeof out->id, s, e))
        return RTSP_ERR_SESSION;
    for (const char *c = s; c < e; c++) {
        if ((unsigned char)*c < ' ' || *c == 127)
            return RTSP_ERR_SESSION;
    }

    const char *ns, *ne, *vs, *ve;
    while (next_param(&e, "", &ns, &ne, &vs, &ve)) {
        if (ns && text_span_is(ns, (size_t)(ne - ns), "timeout")) {
            int64_t t = parse_decimal(vs, (size_t)(ve - vs), 86400L * 366);
            if (t < 0 || t > 86400L * 366)
                return RTSP_ERR_SESSION;
            out->timeout = (unsigned)t;
            out->has_timeout = true;
        }
    }
    return RTSP_OK;
}

/* ---- RTP-Info ---- */

int rtsp_parse_rtp_info(const char *value, rtsp_rtp_info *out)
{
    if (!value || !out)
        return RTSP_ERR_ARG;
    memset(out, 0, sizeof *out);
    /* The url may itself hold ';' only in theory (we and ffmpeg never put
     * one there); parameters are split at ';' up to the first ','. */
    const char *e = value, *ns, *ne, *vs, *ve;
    while (next_param(&e, ",", &ns, &ne, &vs, &ve)) {
        if (!ns)
            continue;
        if (text_span_is(ns, (size_t)(ne - ns), "seq")) {
            int64_t v = parse_decimal(vs, (size_t)(ve - vs), 65535);
            if (v < 0 || v > 65535)
                return RTSP_ERR_ARG;
            out->seq = (uint16_t)v;
            out->has_seq = true;
        } else if (text_span_is(ns, (size_t)(ne - ns), "rtptime")) {
            int64_t v = parse_decimal(vs, (size_t)(ve - vs), 4294967295LL);
            if (v < 0 || v > 4294967295LL)
                return RTSP_ERR_ARG;
            out->rtptime = (uint32_t)v;
            out->has_rtptime = true;
        }
    }
    return RTSP_OK;
}

/* ---- URL ---- */

int rtsp_parse_url(const char *url, rtsp_url *out)
{
    if (!url || !out)
        return RTSP_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->port = RTSP_DEFAULT_PORT;
    if (strlen(url) < 7 || !text_span_is(url, 7, "rtsp://"))
        return RTSP_ERR_URL;
    for (const char *c = url; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 127)
            return RTSP_ERR_URL;
    }
    const char *auth = url + 7;
    const char *auth_end = auth + strcspn(auth, "/?#");
    /* user:password@ is allowed in the authority (ffmpeg accepts it); skip it. */
    for (const char *c = auth; c < auth_end; c++) {
        if (*c == '@')
            auth = c + 1;
    }

    const char *host = auth, *host_end, *after;
    if (*auth == '[') {
        host = auth + 1;
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end || host_end == host)
            return RTSP_ERR_URL;
        for (const char *c = host; c < host_end; c++) {
            /* An IPv6 address, maybe with a zone id (fe80::1%eth0). */
            if (!strchr(":.%", *c) && !is_alpha((unsigned char)*c) &&
                !text_is_digit((unsigned char)*c))
                return RTSP_ERR_URL;
        }
        after = host_end + 1;
    } else {
        host_end = memchr(auth, ':', (size_t)(auth_end - auth));
        if (!host_end)
            host_end = auth_end;
        if (host_end == host || memchr(host, '[', (size_t)(host_end - host)) ||
            memchr(host, ']', (size_t)(host_end - host)))
            return RTSP_ERR_URL;
        after = host_end;
    }
    if (after < auth_end) {
        if (*after != ':')
            return RTSP_ERR_URL;
        after++;
        if (after < auth_end) {
            int64_t port = parse_decimal(after, (size_t)(auth_end - after), 65535);
            if (port < 1 || port > 65535)
                return RTSP_ERR_URL;
            out->port = (uint16_t)port;
        }
    }
    if (!text_copy_span(out->host, sizeof out->host, host, host_end))
        return RTSP_ERR_URL;
    if (!text_copy_span(out->path, sizeof out->path, auth_end, auth_end + strlen(auth_end)))
        return RTSP_ERR_URL;
    return RTSP_OK;
}

int rtsp_write_url(char *buf, size_t cap, const char *host, uint16_t port, const char *path)
{
    if (!buf || !host || !*host || port == 0)
        return RTSP_ERR_ARG;
    if (!path)
        path = "";
    for (const char *c = host; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 127 || strchr("/[]@?#", *c))
            return RTSP_ERR_ARG;
    }
    for (const char *c = path; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 127)
            return RTSP_ERR_ARG;
    }
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    out_buf o = {buf, cap, 0, false};
    bool v6 = strchr(host, ':') != NULL;
    put_str(&o, v6 ? "rtsp://[" : "rtsp://");
    put_str(&o, host);
    put_str(&o, v6 ? "]:" : ":");
    put_ulong(&o, port);
    if (*path && *path != '/')
        put_str(&o, "/");
    put_str(&o, path);
    return out_finish(&o);
}
