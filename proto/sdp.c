/* SDP writer and lenient parser for one Opus (+RED) audio stream. */
#include "proto/sdp.h"
#include "proto/text.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/defaults.h"

/* RFC 7587: the RTP clock of Opus is 48 kHz, whatever it codes. */
#define OPUS_RATE AL_RATE

#define MAX_PT              127   /* 7-bit RTP payload type */
#define MIN_MAXPLAYBACKRATE 8000  /* Hz: Opus narrowband, the lowest it codes */
#define DEFAULT_FRAME_US    20000 /* a=ptime when unset: 20 ms, Opus's default frame */
#define US_PER_MS           1000

/* Durations above this are nonsense for audio packets and are ignored. */
#define MAX_DURATION_US 10000000u

/* ---- Numbers ---- */

/* Decimal digits only in [S, E); -1 when not a number or above LIMIT. */
static int64_t parse_uint(const char *s, const char *e, int64_t limit)
{
    if (s == e)
        return -1;
    int64_t v = 0;
    for (; s < e; s++) {
        if (!text_is_digit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
        if (v > limit)
            return -1;
    }
    return v;
}

/* Milliseconds with optional decimals ("20", "2.5") to microseconds; digits
 * beyond the third decimal are ignored. -1 when malformed or out of range. */
static int64_t parse_ms_as_us(const char *s, const char *e)
{
    const char *dot = memchr(s, '.', (size_t)(e - s));
    int64_t ms = parse_uint(s, dot ? dot : e, MAX_DURATION_US / US_PER_MS);
    if (ms < 0)
        return -1;
    int64_t us = ms * US_PER_MS;
    if (dot) {
        const char *f = dot + 1;
        if (f == e)
            return -1;
        int64_t scale = US_PER_MS / 10; /* the first decimal is tenths of a ms */
        for (; f < e; f++) {
            if (!text_is_digit((unsigned char)*f))
                return -1;
            us += (*f - '0') * scale;
            scale /= 10;
        }
    }
    return us > MAX_DURATION_US ? -1 : us;
}

/* Splits the next blank-separated word off [*S, E). */
static bool next_word(const char **s, const char *e, const char **ws, const char **we)
{
    const char *p = *s;
    while (p < e && text_is_blank(*p))
        p++;
    if (p == e)
        return false;
    *ws = p;
    while (p < e && !text_is_blank(*p))
        p++;
    *we = p;
    *s = p;
    return true;
}

/* ---- Writer ---- */

void sdp_stream_init(sdp_stream *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    s->opus_pt = AL_OPUS_PT;
    s->red_pt = AL_RED_PT;
    s->channels = 1;
    s->frame_us = DEFAULT_FRAME_US;
    s->maxplaybackrate = OPUS_RATE;
}

/* Addresses and a=control values are single SDP words. */
static bool valid_word(const char *s)
{
    return s && *s && text_is_word(s, "");
}

static bool valid_text(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n')
            return false;
    }
    return true;
}

static const char *addrtype_of(const char *addr)
{
    return strchr(addr, ':') ? "IP6" : "IP4";
}

int sdp_write(const sdp_stream *s, char *buf, size_t cap)
{
    if (!s || !buf)
        return SDP_ERR_ARG;
    const char *conn = s->conn_addr ? s->conn_addr : s->origin_addr;
    const char *name = s->session_name ? s->session_name : "audiolink";
    bool red = s->red_depth > 0;
    if (!valid_word(s->origin_addr) || !valid_word(conn) || !valid_text(name) ||
        (s->control && !valid_word(s->control)))
        return SDP_ERR_ARG;
    if (s->opus_pt > MAX_PT || (red && (s->red_pt > MAX_PT || s->red_pt == s->opus_pt)) ||
        (s->channels != 1 && s->channels != 2) || s->red_depth > SDP_MAX_RED_DEPTH ||
        (s->maxplaybackrate &&
         (s->maxplaybackrate < MIN_MAXPLAYBACKRATE || s->maxplaybackrate > OPUS_RATE)) ||
        s->frame_us > MAX_DURATION_US)
        return SDP_ERR_ARG;
    if (cap == 0)
        return SDP_ERR_BUFFER;

    text_out o = {buf, cap, 0, false};
    text_put_fmt(&o, "v=0\r\n");
    text_put_fmt(&o, "o=- %llu %llu IN %s %s\r\n", (unsigned long long)s->session_id,
                 (unsigned long long)s->session_version, addrtype_of(s->origin_addr),
                 s->origin_addr);
    text_put_fmt(&o, "s=%s\r\n", name);
    text_put_fmt(&o, "c=IN %s %s\r\n", addrtype_of(conn), conn);
    text_put_fmt(&o, "t=0 0\r\n");
    /* RED first: the m= line is in preference order, and a receiver that
     * understands RED should get the redundant stream. */
    if (red)
        text_put_fmt(&o, "m=audio %u RTP/AVP %u %u\r\n", s->port, s->red_pt, s->opus_pt);
    else
        text_put_fmt(&o, "m=audio %u RTP/AVP %u\r\n", s->port, s->opus_pt);
    if (red) {
        text_put_fmt(&o, "a=rtpmap:%u red/%u/2\r\n", s->red_pt, OPUS_RATE);
        text_put_fmt(&o, "a=fmtp:%u %u", s->red_pt, s->opus_pt);
        for (unsigned i = 0; i < s->red_depth; i++)
            text_put_fmt(&o, "/%u", s->opus_pt);
        text_put_fmt(&o, "\r\n");
    }
    /* RFC 7587: always /2; mono or stereo is said by (sprop-)stereo. */
    text_put_fmt(&o, "a=rtpmap:%u opus/%u/2\r\n", s->opus_pt, OPUS_RATE);
    text_put_fmt(&o, "a=fmtp:%u ", s->opus_pt);
    if (s->maxplaybackrate)
        text_put_fmt(&o, "maxplaybackrate=%u;", (unsigned)s->maxplaybackrate);
    int st = s->channels == 2;
    text_put_fmt(&o, "stereo=%d;sprop-stereo=%d;useinbandfec=%d\r\n", st, st,
                 s->useinbandfec ? 1 : 0);
    if (s->frame_us)
        text_put_fmt(&o, "a=ptime:%u\r\n", (unsigned)((s->frame_us + US_PER_MS - 1) / US_PER_MS));
    if (s->sendonly)
        text_put_fmt(&o, "a=sendonly\r\n");
    if (s->control)
        text_put_fmt(&o, "a=control:%s\r\n", s->control);
    if (red) {
        text_put_fmt(&o, "a=" SDP_REDUNDANCY_ATTR ":depth=%u", s->red_depth);
        if (s->red_bitrate)
            text_put_fmt(&o, ";bitrate=%u", (unsigned)s->red_bitrate);
        text_put_fmt(&o, "\r\n");
    }
    return text_out_finish(&o); /* SDP_ERR_BUFFER is AL_ERR_BUFFER */
}

/* ---- Parser ---- */

/* RFC 3551 table 4: static audio payload types, for m= lines without rtpmap. */
static const struct {
    uint8_t pt;
    const char *name;
    uint32_t rate;
    uint8_t channels;
} static_pts[] = {
    {0, "PCMU", 8000, 1},  {3, "GSM", 8000, 1},   {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1}, {7, "LPC", 8000, 1},   {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
    {10, "L16", 44100, 2}, {11, "L16", 44100, 1}, {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1}, {15, "G728", 8000, 1}, {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},
};

static sdp_payload *find_pt(sdp_desc *d, long pt)
{
    for (size_t i = 0; i < d->payload_count; i++) {
        if (d->payloads[i].pt == pt)
            return &d->payloads[i];
    }
    return NULL;
}

static enum sdp_addrtype addrtype(const char *s, const char *e)
{
    if (text_span_is(s, (size_t)(e - s), "IP4"))
        return SDP_ADDR_IP4;
    if (text_span_is(s, (size_t)(e - s), "IP6"))
        return SDP_ADDR_IP6;
    return SDP_ADDR_OTHER;
}

/* "IN IP4 <addr>[/ttl[/count]]" of c= (and the tail of o=). */
static bool parse_address(const char *s, const char *e, enum sdp_addrtype *type, char *addr,
                          size_t cap)
{
    const char *ns, *ne, *ts, *te, *as, *ae;
    if (!next_word(&s, e, &ns, &ne) || !next_word(&s, e, &ts, &te) || !next_word(&s, e, &as, &ae))
        return false;
    const char *slash = memchr(as, '/', (size_t)(ae - as));
    if (slash)
        ae = slash;
    if (as == ae || !text_copy_span(addr, cap, as, ae))
        return false;
    *type = addrtype(ts, te);
    return true;
}

static void parse_origin(const char *s, const char *e, sdp_desc *d)
{
    /* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
    const char *ws, *we;
    for (int i = 0; i < 3; i++) {
        if (!next_word(&s, e, &ws, &we))
            return;
    }
    parse_address(s, e, &d->origin_type, d->origin_addr, sizeof d->origin_addr);
}

/* m=audio <port>[/<count>] <proto> <fmt>... */
static int parse_media(const char *s, const char *e, sdp_desc *d)
{
    const char *ws, *we;
    if (!next_word(&s, e, &ws, &we)) /* "audio" */
        return SDP_ERR_MEDIA;
    if (!next_word(&s, e, &ws, &we))
        return SDP_ERR_MEDIA;
    const char *slash = memchr(ws, '/', (size_t)(we - ws));
    int64_t port = parse_uint(ws, slash ? slash : we, 65535);
    if (port < 0)
        return SDP_ERR_MEDIA;
    d->port = (uint16_t)port;
    if (!next_word(&s, e, &ws, &we) || !text_copy_span(d->proto, sizeof d->proto, ws, we))
        return SDP_ERR_MEDIA;
    while (next_word(&s, e, &ws, &we)) {
        int64_t pt = parse_uint(ws, we, MAX_PT);
        if (pt < 0)
            return SDP_ERR_MEDIA;
        if (find_pt(d, (long)pt) || d->payload_count == SDP_MAX_PAYLOADS)
            continue;
        sdp_payload *p = &d->payloads[d->payload_count++];
        p->pt = (uint8_t)pt;
        p->channels = 1;
    }
    return d->payload_count ? SDP_OK : SDP_ERR_MEDIA;
}

/* "<pt> <rest>": the payload the attribute is about, and its value. */
static sdp_payload *attr_payload(sdp_desc *d, const char **s, const char *e)
{
    const char *ws, *we;
    if (!next_word(s, e, &ws, &we))
        return NULL;
    int64_t pt = parse_uint(ws, we, MAX_PT);
    return pt < 0 ? NULL : find_pt(d, (long)pt);
}

static void parse_rtpmap(sdp_desc *d, const char *s, const char *e)
{
    /* a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>] */
    sdp_payload *p = attr_payload(d, &s, e);
    if (!p)
        return;
    text_trim_span(&s, &e);
    const char *s1 = memchr(s, '/', (size_t)(e - s));
    if (!s1 || s1 == s)
        return;
    const char *s2 = memchr(s1 + 1, '/', (size_t)(e - s1 - 1));
    int64_t rate = parse_uint(s1 + 1, s2 ? s2 : e, UINT32_MAX);
    int64_t ch = s2 ? parse_uint(s2 + 1, e, 255) : 1;
    if (rate <= 0 || ch <= 0)
        return;
    sdp_payload tmp = *p;
    if (!text_copy_span(tmp.encoding, sizeof tmp.encoding, s, s1))
        return;
    tmp.clock_rate = (uint32_t)rate;
    tmp.channels = (uint8_t)ch;
    tmp.has_rtpmap = true;
    *p = tmp;
}

static void parse_fmtp(sdp_desc *d, const char *s, const char *e)
{
    sdp_payload *p = attr_payload(d, &s, e);
    if (!p)
        return;
    text_trim_span(&s, &e);
    text_copy_span(p->fmtp, sizeof p->fmtp, s, e);
}

/* key=value;key=value with spaces tolerated; calls FN for each pair. */
static void for_each_param(const char *s, const char *e,
                           void (*fn)(void *ctx, const char *ks, const char *ke, const char *vs,
                                      const char *ve),
                           void *ctx)
{
    while (s < e) {
        const char *pe = memchr(s, ';', (size_t)(e - s));
        if (!pe)
            pe = e;
        const char *eq = memchr(s, '=', (size_t)(pe - s));
        if (eq) {
            const char *ks = s, *ke = eq, *vs = eq + 1, *ve = pe;
            text_trim_span(&ks, &ke);
            text_trim_span(&vs, &ve);
            fn(ctx, ks, ke, vs, ve);
        }
        s = pe < e ? pe + 1 : e;
    }
}

static void redundancy_param(void *ctx, const char *ks, const char *ke, const char *vs,
                             const char *ve)
{
    sdp_redundancy *r = ctx;
    if (text_span_is(ks, (size_t)(ke - ks), "depth")) {
        int64_t v = parse_uint(vs, ve, SDP_MAX_RED_DEPTH);
        if (v >= 0)
            r->depth = (unsigned)v;
    } else if (text_span_is(ks, (size_t)(ke - ks), "bitrate")) {
        int64_t v = parse_uint(vs, ve, UINT32_MAX);
        if (v >= 0)
            r->bitrate = (uint32_t)v;
    }
}

static void opus_param(void *ctx, const char *ks, const char *ke, const char *vs, const char *ve)
{
    sdp_opus_fmtp *f = ctx;
    size_t kn = (size_t)(ke - ks);
    static const char *const flag_names[] = {"stereo", "sprop-stereo", "useinbandfec", "usedtx",
                                             "cbr"};
    int8_t *flags[] = {&f->stereo, &f->sprop_stereo, &f->useinbandfec, &f->usedtx, &f->cbr};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (text_span_is(ks, kn, flag_names[i])) {
            int64_t v = parse_uint(vs, ve, 1);
            if (v >= 0)
                *flags[i] = (int8_t)v;
            return;
        }
    }
    static const char *const rate_names[] = {"maxplaybackrate", "sprop-maxcapturerate",
                                             "maxaveragebitrate"};
    uint32_t *rates[] = {&f->maxplaybackrate, &f->sprop_maxcapturerate, &f->maxaveragebitrate};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        if (text_span_is(ks, kn, rate_names[i])) {
            int64_t v = parse_uint(vs, ve, UINT32_MAX);
            if (v >= 0)
                *rates[i] = (uint32_t)v;
            return;
        }
    }
    static const char *const time_names[] = {"ptime", "maxptime", "minptime"};
    uint32_t *times[] = {&f->ptime_us, &f->maxptime_us, &f->minptime_us};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        if (text_span_is(ks, kn, time_names[i])) {
            int64_t v = parse_ms_as_us(vs, ve);
            if (v >= 0)
                *times[i] = (uint32_t)v;
            return;
        }
    }
}

/* RFC 2198: "<pt>/<pt>[/...]", one PT per block, the primary first. */
static void parse_red_fmtp(sdp_payload *p)
{
    const char *s = p->fmtp, *e = p->fmtp + strlen(p->fmtp);
    size_t n = 0;
    while (s <= e) {
        const char *t = memchr(s, '/', (size_t)(e - s));
        if (!t)
            t = e;
        const char *ws = s, *we = t;
        text_trim_span(&ws, &we);
        int64_t pt = parse_uint(ws, we, MAX_PT);
        if (pt < 0 || n == SDP_MAX_RED_ENTRIES) {
            p->red_count = 0;
            return;
        }
        p->red[n++] = (uint8_t)pt;
        if (t == e)
            break;
        s = t + 1;
    }
    p->red_count = n;
}

static bool parse_direction(const char *name, size_t n, enum sdp_direction *dir)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int i = 0; i < 4; i++) {
        if (text_span_is(name, n, names[i])) {
            *dir = (enum sdp_direction)i;
            return true;
        }
    }
    return false;
}

/* Per-parse state that does not belong in the result. */
typedef struct parse_ctx {
    enum sdp_addrtype session_conn_type, media_conn_type;
    char session_conn[SDP_MAX_ADDR], media_conn[SDP_MAX_ADDR];
    bool media_direction;
    enum sdp_direction session_dir;
    uint32_t session_bw;
} parse_ctx;

static void parse_attribute(sdp_desc *d, parse_ctx *c, bool media, const char *s, const char *e)
{
    const char *colon = memchr(s, ':', (size_t)(e - s));
    const char *ns = s, *ne = colon ? colon : e;
    text_trim_span(&ns, &ne);
    const char *vs = colon ? colon + 1 : e, *ve = e;
    text_trim_span(&vs, &ve);
    size_t nn = (size_t)(ne - ns);

    if (text_span_is(ns, nn, SDP_REDUNDANCY_ATTR) && colon) {
        sdp_redundancy r = {true, 0, 0};
        for_each_param(vs, ve, redundancy_param, &r);
        d->redundancy = r;
        return;
    }
    if (!media) {
        parse_direction(ns, nn, &c->session_dir);
        return;
    }
    if (!colon) {
        if (parse_direction(ns, nn, &d->direction))
            c->media_direction = true;
    } else if (text_span_is(ns, nn, "rtpmap")) {
        parse_rtpmap(d, vs, ve);
    } else if (text_span_is(ns, nn, "fmtp")) {
        parse_fmtp(d, vs, ve);
    } else if (text_span_is(ns, nn, "ptime")) {
        int64_t us = parse_ms_as_us(vs, ve);
        if (us >= 0)
            d->ptime_us = (uint32_t)us;
    } else if (text_span_is(ns, nn, "maxptime")) {
        int64_t us = parse_ms_as_us(vs, ve);
        if (us >= 0)
            d->maxptime_us = (uint32_t)us;
    } else if (text_span_is(ns, nn, "control")) {
        text_copy_span(d->control, sizeof d->control, vs, ve);
    }
}

/* b=AS:<kbps> */
static bool parse_bandwidth(const char *s, const char *e, uint32_t *kbps)
{
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (!colon || !text_span_is(s, (size_t)(colon - s), "AS"))
        return false;
    const char *vs = colon + 1, *ve = e;
    text_trim_span(&vs, &ve);
    int64_t v = parse_uint(vs, ve, UINT32_MAX);
    if (v < 0)
        return false;
    *kbps = (uint32_t)v;
    return true;
}

static void finish_payloads(sdp_desc *d)
{
    for (size_t i = 0; i < d->payload_count; i++) {
        sdp_payload *p = &d->payloads[i];
        if (!p->has_rtpmap) {
            for (size_t k = 0; k < sizeof static_pts / sizeof static_pts[0]; k++) {
                if (static_pts[k].pt == p->pt) {
                    snprintf(p->encoding, sizeof p->encoding, "%s", static_pts[k].name);
                    p->clock_rate = static_pts[k].rate;
                    p->channels = static_pts[k].channels;
                }
            }
        }
        memset(&p->opus, 0, sizeof p->opus);
        p->opus.stereo = p->opus.sprop_stereo = p->opus.useinbandfec = -1;
        p->opus.usedtx = p->opus.cbr = -1;
        if (text_equal_nocase(p->encoding, "opus"))
            for_each_param(p->fmtp, p->fmtp + strlen(p->fmtp), opus_param, &p->opus);
        else if (text_equal_nocase(p->encoding, "red") && p->fmtp[0])
            parse_red_fmtp(p);
    }
}

int sdp_parse(const char *text, size_t len, sdp_desc *out)
{
    if (!out)
        return SDP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!text && len)
        return SDP_ERR_ARG;
    if (!text)
        text = ""; /* NULL + 0 is undefined */

    parse_ctx c;
    memset(&c, 0, sizeof c);
    enum { SESSION, AUDIO, OTHER } section = SESSION;
    int media_status = SDP_OK;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ls = p, *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        if (le > ls && le[-1] == '\r')
            le--;
        /* <type>=<value>; anything else is junk and is skipped. */
        if (le - ls < 2 || ls[1] != '=')
            continue;
        const char *vs = ls + 2, *ve = le;
        switch (ls[0]) {
        case 'o':
            if (section == SESSION)
                parse_origin(vs, ve, out);
            break;
        case 'c':
            if (section == SESSION)
                parse_address(vs, ve, &c.session_conn_type, c.session_conn, sizeof c.session_conn);
            else if (section == AUDIO)
                parse_address(vs, ve, &c.media_conn_type, c.media_conn, sizeof c.media_conn);
            break;
        case 'b':
            if (section == SESSION)
                parse_bandwidth(vs, ve, &c.session_bw);
            else if (section == AUDIO)
                parse_bandwidth(vs, ve, &out->bandwidth_kbps);
            break;
        case 'm': {
            const char *ws, *we, *s = vs;
            bool audio =
                next_word(&s, ve, &ws, &we) && text_span_is(ws, (size_t)(we - ws), "audio");
            section = OTHER;
            if (audio && out->audio_sections++ == 0) {
                section = AUDIO;
                media_status = parse_media(vs, ve, out);
            }
            break;
        }
        case 'a':
            if (section != OTHER)
                parse_attribute(out, &c, section == AUDIO, vs, ve);
            break;
        default:
            break;
        }
    }

    /* Media-level c=, b= and direction override the session-level ones. */
    if (c.media_conn_type != SDP_ADDR_NONE) {
        out->conn_type = c.media_conn_type;
        memcpy(out->conn_addr, c.media_conn, sizeof out->conn_addr);
    } else {
        out->conn_type = c.session_conn_type;
        memcpy(out->conn_addr, c.session_conn, sizeof out->conn_addr);
    }
    if (!out->bandwidth_kbps)
        out->bandwidth_kbps = c.session_bw;
    if (!c.media_direction)
        out->direction = c.session_dir;
    finish_payloads(out);

    if (out->audio_sections == 0)
        return SDP_ERR_NO_AUDIO;
    return media_status;
}

const sdp_payload *sdp_find_payload(const sdp_desc *d, const char *encoding)
{
    if (!d || !encoding)
        return NULL;
    for (size_t i = 0; i < d->payload_count && i < SDP_MAX_PAYLOADS; i++) {
        if (text_equal_nocase(d->payloads[i].encoding, encoding))
            return &d->payloads[i];
    }
    return NULL;
}

int sdp_find_codec(const sdp_desc *d, const char *encoding)
{
    const sdp_payload *p = sdp_find_payload(d, encoding);
    return p ? p->pt : SDP_NO_PT;
}

/* The first RED payload whose blocks all use one PT. */
static const sdp_payload *usable_red(const sdp_desc *d)
{
    for (size_t i = 0; i < d->payload_count && i < SDP_MAX_PAYLOADS; i++) {
        const sdp_payload *p = &d->payloads[i];
        if (!text_equal_nocase(p->encoding, "red") || p->red_count == 0)
            continue;
        bool same = true;
        for (size_t k = 1; k < p->red_count; k++)
            same = same && p->red[k] == p->red[0];
        if (same)
            return p;
    }
    return NULL;
}

bool sdp_has_red(const sdp_desc *d, int *red_pt, int *carried_pt)
{
    const sdp_payload *p = d ? usable_red(d) : NULL;
    if (red_pt)
        *red_pt = p ? p->pt : SDP_NO_PT;
    if (carried_pt)
        *carried_pt = p ? p->red[0] : SDP_NO_PT;
    return p != NULL;
}

static int fail(int status, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int status, char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return status;
}

int sdp_select_opus(const sdp_desc *d, sdp_opus_stream *out, char *why, size_t why_cap)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (why && why_cap)
        why[0] = '\0';
    if (!d || !out)
        return SDP_ERR_ARG;
    if (d->audio_sections == 0 || d->payload_count == 0)
        return fail(SDP_ERR_NO_AUDIO, why, why_cap, "no audio stream offered");
    if (!text_equal_nocase(d->proto, "RTP/AVP") && !text_equal_nocase(d->proto, "RTP/AVPF")) {
        /* Peer text goes into WHY, which is printed and echoed: escaped. */
        char proto[TEXT_ESCAPED_SIZE(SDP_MAX_PROTO)];
        text_escape(proto, sizeof proto, d->proto, sizeof d->proto);
        return fail(SDP_ERR_PROFILE, why, why_cap, "transport %s is not RTP/AVP", proto);
    }

    const sdp_payload *opus = sdp_find_payload(d, "opus");
    if (!opus) {
        const sdp_payload *first = &d->payloads[0];
        if (!first->encoding[0])
            return fail(SDP_ERR_CODEC, why, why_cap,
                        "payload %u has no rtpmap; opus/48000/2 is required", first->pt);
        char encoding[TEXT_ESCAPED_SIZE(SDP_MAX_ENCODING)];
        text_escape(encoding, sizeof encoding, first->encoding, sizeof first->encoding);
        return fail(SDP_ERR_CODEC, why, why_cap, "payload %u is %s/%u/%u, not opus/48000/2",
                    first->pt, encoding, (unsigned)first->clock_rate, first->channels);
    }
    if (opus->clock_rate != OPUS_RATE)
        return fail(SDP_ERR_CLOCK_RATE, why, why_cap,
                    "opus payload %u has clock rate %u, not 48000 (RFC 7587)", opus->pt,
                    (unsigned)opus->clock_rate);
    if (opus->channels != 1 && opus->channels != 2)
        return fail(SDP_ERR_CHANNELS, why, why_cap,
                    "opus payload %u has %u channels; RFC 7587 requires opus/48000/2", opus->pt,
                    opus->channels);

    out->port = d->port;
    out->opus_pt = opus->pt;
    out->red_pt = SDP_NO_PT;
    const sdp_payload *red = usable_red(d);
    if (red && red->red[0] == opus->pt) {
        out->red_pt = red->pt;
        out->red_depth = (unsigned)red->red_count - 1;
        out->red_bitrate = d->redundancy.present ? d->redundancy.bitrate : 0;
    }
    const sdp_opus_fmtp *f = &opus->opus;
    bool stereo = f->sprop_stereo == 1 || (f->sprop_stereo < 0 && f->stereo == 1);
    out->channels = stereo ? 2 : 1;
    out->ptime_us = d->ptime_us ? d->ptime_us : f->ptime_us;
    out->useinbandfec = f->useinbandfec == 1;
    out->maxplaybackrate = f->maxplaybackrate ? f->maxplaybackrate : OPUS_RATE;
    return SDP_OK;
}

typedef struct lookup_ctx {
    const char *key;
    char *value;
    size_t cap;
    bool found;
} lookup_ctx;

static void lookup_param(void *ctx, const char *ks, const char *ke, const char *vs, const char *ve)
{
    lookup_ctx *l = ctx;
    if (!l->found && text_span_is(ks, (size_t)(ke - ks), l->key))
        l->found = text_copy_span(l->value, l->cap, vs, ve);
}

bool sdp_fmtp_param(const char *fmtp, const char *key, char *value, size_t cap)
{
    if (!fmtp || !key || !value || cap == 0)
        return false;
    lookup_ctx l = {key, value, cap, false};
    for_each_param(fmtp, fmtp + strlen(fmtp), lookup_param, &l);
    return l.found;
}

const char *sdp_strerror(int status)
{
    switch (status) {
    case SDP_ERR_NO_AUDIO:
        return "no audio stream in the SDP";
    case SDP_ERR_MEDIA:
        return "malformed m=audio line";
    case SDP_ERR_PROFILE:
        return "audio transport is not RTP/AVP";
    case SDP_ERR_CODEC:
        return "no Opus payload type offered";
    case SDP_ERR_CLOCK_RATE:
        return "Opus clock rate is not 48000";
    case SDP_ERR_CHANNELS:
        return "Opus channel count is not 2 (RFC 7587)";
    default:
        return al_strerror(status);
    }
}
