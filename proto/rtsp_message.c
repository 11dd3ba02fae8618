/* RTSP/1.0 message parser, method names and writers (RFC 2326 4, 6, 7). */
#include "proto/rtsp_message.h"

#include "proto/rtsp_headers.h"
#include "proto/rtsp_util.h"

enum { ST_HEAD = 0, ST_BODY, ST_FRAME, ST_SKIP };

/* A status line starts with the version, a request line never does. */
#define VERSION_PREFIX     "RTSP/"
#define VERSION_PREFIX_LEN (sizeof VERSION_PREFIX - 1)

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

/* ---- Names ---- */

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
    if (strncmp(s, VERSION_PREFIX, VERSION_PREFIX_LEN) == 0 ||
        strncmp(s, "rtsp/", VERSION_PREFIX_LEN) == 0) {
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

static int write_tail(text_out *o, long cseq, const rtsp_header_field *headers, size_t n_headers,
                      const void *body, size_t body_len)
{
    if ((n_headers && !headers) || (body_len && !body))
        return RTSP_ERR_ARG;
    for (size_t i = 0; i < n_headers; i++) {
        if (!valid_header(&headers[i]))
            return RTSP_ERR_ARG;
    }
    if (cseq >= 0) {
        text_put_str(o, "CSeq: ");
        text_put_ulong(o, (unsigned long)cseq);
        text_put_str(o, "\r\n");
    }
    for (size_t i = 0; i < n_headers; i++) {
        text_put_str(o, headers[i].name);
        text_put_str(o, ": ");
        text_put_str(o, headers[i].value);
        text_put_str(o, "\r\n");
    }
    if (body_len) {
        text_put_str(o, "Content-Length: ");
        text_put_ulong(o, (unsigned long)body_len);
        text_put_str(o, "\r\n");
    }
    text_put_str(o, "\r\n");
    text_put_mem(o, body, body_len);
    return text_out_finish(o);
}

int rtsp_write_request(char *buf, size_t cap, enum rtsp_method method, const char *uri, long cseq,
                       const rtsp_header_field *headers, size_t n_headers, const void *body,
                       size_t body_len)
{
    const char *name = rtsp_method_name(method);
    if (!buf || !name || !uri || !*uri || cseq < 0 || cseq > INT32_MAX)
        return RTSP_ERR_ARG;
    if (!text_is_word(uri, ""))
        return RTSP_ERR_ARG;
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    text_out o = {buf, cap, 0, false};
    text_put_str(&o, name);
    text_put_str(&o, " ");
    text_put_str(&o, uri);
    text_put_str(&o, " RTSP/1.0\r\n");
    return write_tail(&o, cseq, headers, n_headers, body, body_len);
}

int rtsp_write_response(char *buf, size_t cap, int code, const char *reason, long cseq,
                        const rtsp_header_field *headers, size_t n_headers, const void *body,
                        size_t body_len)
{
    if (!buf || code < RTSP_STATUS_MIN || code > RTSP_STATUS_MAX || cseq > INT32_MAX)
        return RTSP_ERR_ARG;
    if (!reason)
        reason = rtsp_status_reason(code);
    if (strpbrk(reason, "\r\n"))
        return RTSP_ERR_ARG;
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    text_out o = {buf, cap, 0, false};
    text_put_str(&o, "RTSP/1.0 ");
    text_put_ulong(&o, (unsigned long)code);
    text_put_str(&o, " ");
    text_put_str(&o, reason);
    text_put_str(&o, "\r\n");
    return write_tail(&o, cseq, headers, n_headers, body, body_len);
}
