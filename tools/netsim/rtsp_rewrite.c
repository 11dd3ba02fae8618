#include "tools/netsim/rtsp_rewrite.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Parameters of one Transport header that get a new value. */
#define MAX_EDITS 16

struct edit {
    size_t at, len;    /* span of the old value in raw */
    const char *value; /* new value */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Blanks, and the CR LF of a folded line, around a name or value. */
static bool is_space(char c)
{
    return is_blank(c) || c == '\r' || c == '\n';
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

static bool span_is(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* End of the line starting at p (the LF, or end), and of its content
 * (before CR LF or LF). */
static const char *line_end(const char *p, const char *end, const char **content_end)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    const char *le = lf ? lf : end;
    *content_end = le > p && le[-1] == '\r' ? le - 1 : le;
    return le;
}

/* Finds the value of the first Transport header in the raw head, with the
 * lines that fold into it: [*vs, *ve). False if there is none (then the
 * parser saw it some other way, and the fallback handles it). */
static bool find_transport(const char *raw, size_t raw_len, const char **vs, const char **ve)
{
    const char *p = raw, *end = raw + raw_len, *ce, *le;
    /* Empty lines before the start line, as the parser tolerates. */
    for (;;) {
        le = line_end(p, end, &ce);
        if (ce != p || le == end)
            break;
        p = le + 1;
    }
    p = le < end ? le + 1 : end; /* past the status line */
    while (p < end) {
        le = line_end(p, end, &ce);
        if (ce == p)
            return false; /* the empty line: end of the head */
        const char *colon = is_blank(*p) ? NULL : memchr(p, ':', (size_t)(ce - p));
        const char *ns = p, *ne = colon;
        if (colon)
            trim(&ns, &ne);
        if (colon && span_is(ns, ne, "transport")) {
            *vs = colon + 1;
            *ve = ce;
            /* Folded continuation lines belong to the value. */
            while (le < end) {
                const char *next = le + 1, *nce;
                const char *nle = line_end(next, end, &nce);
                if (next == end || !is_blank(*next))
                    break;
                *ve = nce;
                le = nle;
            }
            return true;
        }
        p = le < end ? le + 1 : end;
    }
    return false;
}

/* Lists the edits in [vs, ve): server_port (and source) values of every spec.
 * Returns the count, 0 when no server_port value can be replaced in place. */
static size_t plan_edits(const char *raw, const char *vs, const char *ve, const char *ports,
                         const char *source, struct edit *edits)
{
    size_t n = 0;
    bool have_port = false;
    const char *s = vs;
    while (s < ve) {
        /* A parameter ends at ';' or at ',' (next spec), outside quotes. */
        const char *e = s;
        bool quoted = false;
        for (; e < ve; e++) {
            if (*e == '"')
                quoted = !quoted;
            else if (!quoted && (*e == ';' || *e == ','))
                break;
        }
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq) {
            const char *ns = s, *ne = eq, *xs = eq + 1, *xe = e;
            trim(&ns, &ne);
            trim(&xs, &xe);
            const char *value = NULL;
            if (span_is(ns, ne, "server_port"))
                value = ports;
            else if (source && span_is(ns, ne, "source"))
                value = source;
            if (value) {
                /* A fold inside the value: leave it to the fallback. */
                if (memchr(xs, '\n', (size_t)(xe - xs)) || n == MAX_EDITS)
                    return 0;
                edits[n++] = (struct edit){(size_t)(xs - raw), (size_t)(xe - xs), value};
                have_port = have_port || value == ports;
            }
        }
        s = e < ve ? e + 1 : ve;
    }
    return have_port ? n : 0;
}

static int splice(const char *raw, size_t raw_len, const struct edit *edits, size_t n, char *out,
                  size_t cap, size_t *out_len)
{
    size_t o = 0, from = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t to = i < n ? edits[i].at : raw_len;
        size_t vlen = i < n ? strlen(edits[i].value) : 0;
        if (cap - o < to - from + vlen)
            return NETSIM_REWRITE_ERROR;
        memcpy(out + o, raw + from, to - from);
        o += to - from;
        if (i < n) {
            memcpy(out + o, edits[i].value, vlen);
            o += vlen;
            from = edits[i].at + edits[i].len;
        }
    }
    *out_len = o;
    return NETSIM_REWRITE_DONE;
}

/* The whole message anew: same status line, headers (in order) and body;
 * Transport is the first spec written canonically with the new values. */
static int rewrite_whole(const rtsp_message *msg, const rtsp_transport *parsed,
                         const struct netsim_rewrite_target *target, char *out, size_t cap,
                         size_t *out_len)
{
    rtsp_transport t = *parsed;
    t.server_port.rtp = target->rtp;
    t.server_port.rtcp = target->rtcp;
    if (target->source && t.source[0])
        snprintf(t.source, sizeof t.source, "%s", target->source);
    if (t.mode == RTSP_MODE_OTHER)
        t.mode = RTSP_MODE_UNSPECIFIED; /* the writer cannot spell an unknown mode */
    char value[1024];
    if (rtsp_write_transport(value, sizeof value, &t) < 0)
        return NETSIM_REWRITE_ERROR;

    rtsp_header_field headers[RTSP_MAX_HEADERS];
    size_t n = 0;
    bool replaced = false;
    for (size_t i = 0; i < msg->header_count; i++) {
        const rtsp_header_field *h = &msg->headers[i];
        /* The writer adds CSeq and Content-Length itself. */
        if (span_is(h->name, h->name + strlen(h->name), "cseq") ||
            span_is(h->name, h->name + strlen(h->name), "content-length"))
            continue;
        headers[n] = *h;
        if (!replaced && span_is(h->name, h->name + strlen(h->name), "transport")) {
            headers[n].value = value;
            replaced = true;
        }
        n++;
    }
    int len = rtsp_write_response(out, cap, msg->status_code, msg->reason, msg->cseq, headers, n,
                                  msg->body, msg->body_len);
    if (len < 0)
        return NETSIM_REWRITE_ERROR;
    *out_len = (size_t)len;
    return NETSIM_REWRITE_DONE;
}

int netsim_rewrite_setup_reply(const rtsp_message *msg, const void *raw, size_t raw_len,
                               const struct netsim_rewrite_target *target, char *out, size_t cap,
                               size_t *out_len, rtsp_port_range *announced)
{
    if (!msg || !msg->is_response || !raw || !target || target->rtp == 0)
        return NETSIM_REWRITE_NONE;
    const char *value = rtsp_header(msg, "Transport");
    rtsp_transport t;
    if (!value || rtsp_parse_transport(value, &t, NULL) != RTSP_OK || t.lower != RTSP_LOWER_UDP ||
        !t.has_server_port)
        return NETSIM_REWRITE_NONE;
    *announced = t.server_port;

    char ports[16];
    if (target->rtcp)
        snprintf(ports, sizeof ports, "%u-%u", (unsigned)target->rtp, (unsigned)target->rtcp);
    else
        snprintf(ports, sizeof ports, "%u", (unsigned)target->rtp);

    const char *vs, *ve;
    struct edit edits[MAX_EDITS];
    size_t n = 0;
    if (find_transport(raw, raw_len, &vs, &ve))
        n = plan_edits(raw, vs, ve, ports, target->source, edits);
    if (n > 0)
        return splice(raw, raw_len, edits, n, out, cap, out_len);
    return rewrite_whole(msg, &t, target, out, cap, out_len);
}
