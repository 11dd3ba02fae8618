/* RTSP/1.0 Transport, Session and RTP-Info headers (RFC 2326 12.39, 12.37, 12.33). */
#include "proto/rtsp_transport.h"

#include "proto/rtsp_headers.h"
#include "proto/rtsp_util.h"

/* ---- Transport ---- */

/* "a-b" or "a" with each port in 1..RTSP_MAX_PORT. */
static bool parse_port_range(const char *s, const char *e, rtsp_port_range *out)
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    int64_t a = parse_decimal(s, (size_t)((dash ? dash : e) - s), RTSP_MAX_PORT);
    if (a < 1 || a > RTSP_MAX_PORT)
        return false;
    int64_t b = a < RTSP_MAX_PORT ? a + 1 : 0;
    if (dash) {
        b = parse_decimal(dash + 1, (size_t)(e - dash - 1), RTSP_MAX_PORT);
        if (b < 1 || b > RTSP_MAX_PORT)
            return false;
    }
    out->rtp = (uint16_t)a;
    out->rtcp = (uint16_t)b;
    return true;
}

static bool parse_channels(const char *s, const char *e, uint8_t out[2])
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    int64_t a = parse_decimal(s, (size_t)((dash ? dash : e) - s), RTSP_MAX_CHANNEL);
    int64_t b = a + 1;
    if (dash)
        b = parse_decimal(dash + 1, (size_t)(e - dash - 1), RTSP_MAX_CHANNEL);
    if (a < 0 || a > RTSP_MAX_CHANNEL || b < 0 || b > RTSP_MAX_CHANNEL)
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
        /* RTSP_MAX_SSRC_HEX hex digits per RFC 2326; fewer are accepted. */
        if (ve == vs || ve - vs > RTSP_MAX_SSRC_HEX)
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

/* source= and destination= values: one word, without the separators. */
static bool valid_address_value(const char *s)
{
    return text_is_word(s, ";,\"");
}

static void put_range(text_out *o, const char *name, unsigned a, unsigned b)
{
    text_put_str(o, name);
    text_put_ulong(o, a);
    if (b) {
        text_put_str(o, "-");
        text_put_ulong(o, b);
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
    text_out o = {buf, cap, 0, false};
    text_put_str(&o, profiles[t->profile]);
    text_put_str(&o, t->lower == RTSP_LOWER_TCP ? "/TCP" : "/UDP");
    if (t->cast == RTSP_CAST_UNICAST)
        text_put_str(&o, ";unicast");
    else if (t->cast == RTSP_CAST_MULTICAST)
        text_put_str(&o, ";multicast");
    if (t->source[0]) {
        text_put_str(&o, ";source=");
        text_put_str(&o, t->source);
    }
    if (t->destination[0]) {
        text_put_str(&o, ";destination=");
        text_put_str(&o, t->destination);
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
        text_put_str(&o, ";ssrc=");
        text_put_str(&o, hex);
    }
    if (t->mode == RTSP_MODE_RECORD)
        text_put_str(&o, ";mode=record");
    else if (t->mode == RTSP_MODE_PLAY)
        text_put_str(&o, ";mode=play");
    return text_out_finish(&o);
}

/* ---- Session ---- */

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
        if ((unsigned char)*c < ' ' || *c == TEXT_DEL)
            return RTSP_ERR_SESSION;
    }

    const char *ns, *ne, *vs, *ve;
    while (rtsp_next_param(&e, "", &ns, &ne, &vs, &ve)) {
        if (ns && text_span_is(ns, (size_t)(ne - ns), "timeout")) {
            int64_t t = parse_decimal(vs, (size_t)(ve - vs), RTSP_MAX_SESSION_TIMEOUT);
            if (t < 0 || t > RTSP_MAX_SESSION_TIMEOUT)
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
    while (rtsp_next_param(&e, ",", &ns, &ne, &vs, &ve)) {
        if (!ns)
            continue;
        if (text_span_is(ns, (size_t)(ne - ns), "seq")) {
            int64_t v = parse_decimal(vs, (size_t)(ve - vs), (int64_t)UINT16_MAX);
            if (v < 0 || v > (int64_t)UINT16_MAX)
                return RTSP_ERR_RTP_INFO;
            out->seq = (uint16_t)v;
            out->has_seq = true;
        } else if (text_span_is(ns, (size_t)(ne - ns), "rtptime")) {
            int64_t v = parse_decimal(vs, (size_t)(ve - vs), (int64_t)UINT32_MAX);
            if (v < 0 || v > (int64_t)UINT32_MAX)
                return RTSP_ERR_RTP_INFO;
            out->rtptime = (uint32_t)v;
            out->has_rtptime = true;
        }
    }
    return RTSP_OK;
}
