/* The RTSP record-mode server as a pure state machine (see rtsp_server.h). */
#include "receiver/rtsp_server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/defaults.h"
#include "proto/rtp.h"

enum conn_state { CONN_FREE = 0, CONN_OPEN, CONN_CLOSING };

/* How far the owner's session has come. */
enum stage { STAGE_NONE = 0, STAGE_ANNOUNCED, STAGE_READY, STAGE_RECORDING };

typedef struct conn {
    enum conn_state state;
    int64_t opened_at;
    int64_t last_request;  /* time of the last complete request */
    bool any_request;      /* a complete request has arrived */
    int64_t partial_since; /* an incomplete request has been pending since; INT64_MAX none */
    uint8_t out[RTSP_SERVER_OUT_MAX];
    size_t out_len;
    rtsp_parser parser;
    char host[RTSP_SERVER_HOST_MAX]; /* the peer's address: the per-host cap, takeover */
} conn;

struct rtsp_server {
    rtsp_server_config cfg;
    uint64_t rng;
    conn conns[RTSP_SERVER_MAX_CONNS];
    rtsp_server_session session;
    enum stage stage;
    int64_t last_activity; /* owner's last request or admitted packet */
    int64_t claimed_at;    /* the owner's ANNOUNCE */
    bool had_media;        /* a packet was admitted since the claim */
    int64_t last_media;    /* the last admitted packet; the claim's time before the first */
    sdp_desc desc;         /* scratch for ANNOUNCE: 13 KiB, kept off the stack */
    rtsp_server_event events[RTSP_SERVER_MAX_EVENTS];
    size_t ev_head, ev_count;
};

/* ---- helpers ---- */

static void push_event(rtsp_server *s, rtsp_server_event_type type, int c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void push_event(rtsp_server *s, rtsp_server_event_type type, int c, const char *fmt, ...)
{
    if (s->ev_count == RTSP_SERVER_MAX_EVENTS) {
        /* The caller drains after every call; should a flood of notices
         * ever fill the queue, the oldest gives way. */
        s->ev_head = (s->ev_head + 1) % RTSP_SERVER_MAX_EVENTS;
        s->ev_count--;
    }
    rtsp_server_event *ev = &s->events[(s->ev_head + s->ev_count) % RTSP_SERVER_MAX_EVENTS];
    ev->type = type;
    ev->conn = c;
    ev->text[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ev->text, sizeof ev->text, fmt, ap);
        va_end(ap);
    }
    s->ev_count++;
}

static uint64_t next_random(rtsp_server *s)
{
    /* splitmix64: the seed is the caller's randomness, this only spreads it */
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t request_timeout(const rtsp_server *s)
{
    return s->cfg.request_timeout_ns > 0 ? s->cfg.request_timeout_ns
                                         : RTSP_SERVER_DEFAULT_REQUEST_TIMEOUT;
}

static int64_t session_timeout_ns(const rtsp_server *s)
{
    return (int64_t)s->cfg.session_timeout_s * 1000000000LL;
}

static int64_t idle_conn_ns(const rtsp_server *s)
{
    return s->cfg.idle_conn_ns > 0 ? s->cfg.idle_conn_ns : AL_RX_IDLE_CONN_NS;
}

static int64_t claim_deadline_ns(const rtsp_server *s)
{
    return s->cfg.claim_deadline_ns > 0 ? s->cfg.claim_deadline_ns : AL_RX_CLAIM_DEADLINE_NS;
}

static int64_t takeover_silence_ns(const rtsp_server *s)
{
    return s->cfg.takeover_silence_ns > 0 ? s->cfg.takeover_silence_ns : AL_RX_TAKEOVER_SILENCE_NS;
}

static bool valid_conn(const rtsp_server *s, int c)
{
    return c >= 0 && c < RTSP_SERVER_MAX_CONNS && s->conns[c].state != CONN_FREE;
}

static void close_conn(rtsp_server *s, int c)
{
    if (s->conns[c].state != CONN_OPEN)
        return;
    s->conns[c].state = CONN_CLOSING;
    push_event(s, RTSP_SERVER_EV_CLOSE, c, NULL);
}

/* Forgets the session; SESSION_END with WHY if it was recording. */
static void release_session(rtsp_server *s, const char *why)
{
    if (s->session.conn < 0)
        return;
    if (s->stage == STAGE_RECORDING)
        push_event(s, RTSP_SERVER_EV_SESSION_END, s->session.conn, "%s", why);
    memset(&s->session, 0, sizeof s->session);
    s->session.conn = -1;
    s->stage = STAGE_NONE;
}

/* Queues a reply on C. A reply that does not fit means the peer sends
 * faster than it reads: it is closed. */
static void reply(rtsp_server *s, int c, int code, const char *reason, long cseq,
                  const rtsp_header_field *headers, size_t n)
{
    conn *k = &s->conns[c];
    int len = rtsp_write_response((char *)k->out + k->out_len, sizeof k->out - k->out_len, code,
                                  reason, cseq, headers, n, NULL, 0);
    if (len < 0) {
        push_event(s, RTSP_SERVER_EV_NOTICE, c, "replies pile up unread: closing");
        close_conn(s, c);
        return;
    }
    k->out_len += (size_t)len;
}

static void replyf(rtsp_server *s, int c, int code, long cseq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void replyf(rtsp_server *s, int c, int code, long cseq, const char *fmt, ...)
{
    char reason[RTSP_SERVER_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    /* A reason phrase is one line of text (RFC 2326 7.1.1). */
    for (char *p = reason; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    reply(s, c, code, reason, cseq, NULL, 0);
}

/* True when M carries Session: <our id>; otherwise answers 454 and returns
 * false. */
static bool check_session(rtsp_server *s, int c, const rtsp_message *m)
{
    const char *v = rtsp_header(m, "Session");
    rtsp_session sess;
    if (!v) {
        replyf(s, c, 454, m->cseq, "Session Not Found (%s needs the Session header)",
               m->method_name);
        return false;
    }
    if (rtsp_parse_session(v, &sess) != RTSP_OK || strcmp(sess.id, s->session.id) != 0) {
        replyf(s, c, 454, m->cseq, "Session Not Found");
        return false;
    }
    return true;
}

/* ---- methods ---- */

static void on_options(rtsp_server *s, int c, const rtsp_message *m)
{
    bool owner = s->session.conn == c;
    if (owner && s->stage >= STAGE_READY && rtsp_header(m, "Session") && !check_session(s, c, m))
        return;
    rtsp_header_field h[2] = {{"Public", RTSP_SERVER_PUBLIC}, {"Supported", AL_RTSP_RED_OPTION}};
    reply(s, c, 200, NULL, m->cseq, h, s->cfg.red ? 2 : 1);
}

/* "application/sdp", any case, parameters after ';' allowed. */
static bool is_sdp_content_type(const char *v)
{
    static const char want[] = "application/sdp";
    if (!v || strncasecmp(v, want, sizeof want - 1) != 0)
        return false;
    const char *rest = v + sizeof want - 1;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

static void on_announce(rtsp_server *s, int c, int64_t now, const rtsp_message *m)
{
    if (s->session.conn == c && s->stage >= STAGE_READY) {
        replyf(s, c, 455, m->cseq, "Method Not Valid in This State (already set up)");
        return;
    }
    if (!is_sdp_content_type(rtsp_header(m, "Content-Type"))) {
        replyf(s, c, 415, m->cseq, "Unsupported Media Type (the body must be application/sdp)");
        return;
    }
    int rc = sdp_parse(m->body, m->body_len, &s->desc);
    if (rc != SDP_OK) {
        replyf(s, c, 400, m->cseq, "Bad Request (SDP: %s)", sdp_strerror(rc));
        return;
    }
    sdp_opus_stream stream;
    char why[200];
    rc = sdp_select_opus(&s->desc, &stream, why, sizeof why);
    if (rc != SDP_OK) {
        replyf(s, c, 415, m->cseq, "Unsupported Media Type (%s)", why);
        push_event(s, RTSP_SERVER_EV_NOTICE, c, "refused a stream: %s", why);
        return;
    }
    if (!s->cfg.red) {
        stream.red_pt = SDP_NO_PT;
        stream.red_depth = 0;
    }
    /* A second ANNOUNCE of the same owner replaces the stream but not the
     * claim's deadline: announcing again and again holds nothing longer. */
    if (s->session.conn != c) {
        s->claimed_at = now;
        s->had_media = false;
        s->last_media = now;
    }
    memset(&s->session, 0, sizeof s->session);
    s->session.conn = c;
    s->session.stream = stream;
    s->stage = STAGE_ANNOUNCED;
    s->last_activity = now;
    reply(s, c, 200, NULL, m->cseq, NULL, 0);
}

/* The first transport alternative we can serve, or false. */
static bool pick_transport(const char *value, rtsp_transport *out)
{
    const char *next = value;
    while (next) {
        const char *spec = next;
        if (rtsp_parse_transport(spec, out, &next) != RTSP_OK)
            continue;
        /* Only unicast UDP into our port; the mode may be left out (we only
         * record), but PLAY is not what this server does. */
        if (out->lower == RTSP_LOWER_UDP && out->cast != RTSP_CAST_MULTICAST &&
            out->has_client_port &&
            (out->mode == RTSP_MODE_RECORD || out->mode == RTSP_MODE_UNSPECIFIED) &&
            (out->profile == RTSP_PROFILE_AVP || out->profile == RTSP_PROFILE_AVPF))
            return true;
    }
    return false;
}

static void on_setup(rtsp_server *s, int c, int64_t now, const rtsp_message *m)
{
    if (s->session.conn != c || s->stage == STAGE_NONE) {
        replyf(s, c, 455, m->cseq, "Method Not Valid in This State (ANNOUNCE first)");
        return;
    }
    if (s->stage >= STAGE_READY) {
        replyf(s, c, 455, m->cseq, "Method Not Valid in This State (already set up)");
        return;
    }
    const char *tv = rtsp_header(m, "Transport");
    rtsp_transport t;
    if (!tv || !pick_transport(tv, &t)) {
        replyf(s, c, 461, m->cseq,
               "Unsupported Transport (use RTP/AVP/UDP;unicast;client_port=A-B;"
               "mode=record)");
        return;
    }
    snprintf(s->session.id, sizeof s->session.id, "%016" PRIX64, next_random(s));
    s->session.client_port = t.client_port.rtp;
    s->session.has_ssrc = t.has_ssrc;
    s->session.ssrc = t.ssrc;
    s->stage = STAGE_READY;
    s->last_activity = now;

    rtsp_transport answer = {0};
    answer.profile = t.profile;
    answer.lower = RTSP_LOWER_UDP;
    answer.cast = RTSP_CAST_UNICAST;
    answer.mode = RTSP_MODE_RECORD;
    answer.has_client_port = true;
    answer.client_port = t.client_port;
    answer.has_server_port = true;
    answer.server_port.rtp = s->cfg.rtp_port;
    answer.server_port.rtcp = s->cfg.rtp_port < 65535 ? (uint16_t)(s->cfg.rtp_port + 1) : 0;
    answer.has_ssrc = t.has_ssrc;
    answer.ssrc = t.ssrc;
    char transport[512], session[RTSP_MAX_SESSION_ID + 32];
    rtsp_write_transport(transport, sizeof transport, &answer);
    snprintf(session, sizeof session, "%s;timeout=%u", s->session.id, s->cfg.session_timeout_s);
    rtsp_header_field h[] = {{"Transport", transport}, {"Session", session}};
    reply(s, c, 200, NULL, m->cseq, h, 2);
}

static void on_record(rtsp_server *s, int c, int64_t now, const rtsp_message *m)
{
    if (s->session.conn != c || s->stage < STAGE_READY) {
        replyf(s, c, 455, m->cseq, "Method Not Valid in This State (SETUP first)");
        return;
    }
    if (!check_session(s, c, m))
        return;
    rtsp_header_field h[] = {{"Session", s->session.id}};
    reply(s, c, 200, NULL, m->cseq, h, 1);
    s->last_activity = now;
    if (s->stage != STAGE_RECORDING) {
        /* Our sender announces where its stream starts (a RECORD
         * extension of RFC 2326 12.33), so that lost first packets still
         * count; ffmpeg does not, and a bad value is only not believed. */
        rtsp_rtp_info info;
        const char *value = rtsp_header(m, "RTP-Info");
        s->session.has_rtp_start = value && rtsp_parse_rtp_info(value, &info) == RTSP_OK &&
                                   info.has_seq && info.has_rtptime;
        if (s->session.has_rtp_start) {
            s->session.rtp_seq = info.seq;
            s->session.rtp_time = info.rtptime;
        }
        s->stage = STAGE_RECORDING;
        s->session.recording = true;
        push_event(s, RTSP_SERVER_EV_SESSION_START, c, NULL);
    }
}

static void on_get_parameter(rtsp_server *s, int c, const rtsp_message *m)
{
    bool in_session = s->session.conn == c && s->stage >= STAGE_READY;
    if (in_session ? !check_session(s, c, m) : rtsp_header(m, "Session") != NULL) {
        if (!in_session)
            replyf(s, c, 454, m->cseq, "Session Not Found");
        return;
    }
    rtsp_header_field h[] = {{"Session", s->session.id}};
    reply(s, c, 200, NULL, m->cseq, h, in_session ? 1 : 0);
}

static void on_teardown(rtsp_server *s, int c, const rtsp_message *m)
{
    if (s->session.conn != c || s->stage < STAGE_READY) {
        if (rtsp_header(m, "Session"))
            replyf(s, c, 454, m->cseq, "Session Not Found");
        else
            replyf(s, c, 455, m->cseq, "Method Not Valid in This State (no session)");
        return;
    }
    if (!check_session(s, c, m))
        return;
    rtsp_header_field h[] = {{"Session", s->session.id}};
    reply(s, c, 200, NULL, m->cseq, h, 1);
    release_session(s, "teardown");
}

static void on_request(rtsp_server *s, int c, int64_t now, const rtsp_message *m)
{
    if (m->cseq < 0) {
        replyf(s, c, 400, -1, "Bad Request (no valid CSeq)");
        close_conn(s, c);
        return;
    }
    int owner = s->session.conn;
    if (owner >= 0 && owner != c && s->conns[c].host[0] &&
        strcmp(s->conns[owner].host, s->conns[c].host) == 0 &&
        now - s->last_media >= takeover_silence_ns(s)) {
        /* The owner's host again, and the session's media has stopped: its
         * sender vanished without closing (killed, or its host lost the
         * network) and has restarted. It is let in instead of locked out
         * for the whole session timeout. */
        if (m->method == RTSP_METHOD_OPTIONS) {
            on_options(s, c, m);
            return;
        }
        if (m->method == RTSP_METHOD_ANNOUNCE) {
            push_event(s, RTSP_SERVER_EV_NOTICE, c,
                       "a new session from %s takes over session %s (no media for %.1f s)",
                       s->conns[c].host, s->session.id[0] ? s->session.id : "(not set up)",
                       (double)(now - s->last_media) / 1e9);
            rtsp_server_end_session(s, now, "taken over by a new session from the same host");
            owner = -1;
        }
    }
    if (owner >= 0 && owner != c) {
        /* One session at a time; whoever comes second is told why and let
         * go, and the session in progress never notices. */
        replyf(s, c, 453, m->cseq,
               "Not Enough Bandwidth (receiver busy: another sender is "
               "streaming)");
        push_event(s, RTSP_SERVER_EV_NOTICE, c, "refused a second sender (busy)");
        close_conn(s, c);
        return;
    }
    if (owner == c)
        s->last_activity = now;
    switch (m->method) {
    case RTSP_METHOD_OPTIONS:
        on_options(s, c, m);
        break;
    case RTSP_METHOD_ANNOUNCE:
        on_announce(s, c, now, m);
        break;
    case RTSP_METHOD_SETUP:
        on_setup(s, c, now, m);
        break;
    case RTSP_METHOD_RECORD:
        on_record(s, c, now, m);
        break;
    case RTSP_METHOD_GET_PARAMETER:
        on_get_parameter(s, c, m);
        break;
    case RTSP_METHOD_TEARDOWN:
        on_teardown(s, c, m);
        break;
    default: {
        rtsp_header_field h[] = {{"Public", RTSP_SERVER_PUBLIC}};
        reply(s, c, 501, NULL, m->cseq, h, 1);
        break;
    }
    }
}

/* ---- the interface ---- */

rtsp_server *rtsp_server_create(const rtsp_server_config *cfg)
{
    rtsp_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (s->cfg.session_timeout_s == 0)
        s->cfg.session_timeout_s = RTSP_DEFAULT_SESSION_TIMEOUT;
    s->rng = cfg->seed;
    s->session.conn = -1;
    return s;
}

void rtsp_server_destroy(rtsp_server *s)
{
    free(s);
}

/* The connection to give way to a newcomer from HOST, or -1: that host's
 * least active one when it holds its cap, else, when every slot is taken,
 * the least active of all. Never the session's; closing ones are already
 * on their way out. *FREE_SLOT gets a free slot, or -1. */
static int pick_eviction(const rtsp_server *s, const char *host, int *free_slot, bool *host_full)
{
    int cap = s->cfg.conns_per_host > 0 ? s->cfg.conns_per_host : AL_RX_CONNS_PER_HOST;
    int same = 0, of_host = -1, of_all = -1;
    *free_slot = -1;
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
        const conn *k = &s->conns[c];
        if (k->state == CONN_FREE) {
            if (*free_slot < 0)
                *free_slot = c;
            continue;
        }
        if (k->state != CONN_OPEN || c == s->session.conn)
            continue;
        if (host[0] && strcmp(k->host, host) == 0) {
            same++;
            if (of_host < 0 || k->last_request < s->conns[of_host].last_request)
                of_host = c;
        }
        if (of_all < 0 || k->last_request < s->conns[of_all].last_request)
            of_all = c;
    }
    /* The session's own connection counts towards its host's cap too. */
    int owner = s->session.conn;
    if (owner >= 0 && host[0] && strcmp(s->conns[owner].host, host) == 0)
        same++;
    *host_full = same >= cap && of_host >= 0;
    if (*host_full)
        return of_host;
    return *free_slot < 0 ? of_all : -1;
}

int rtsp_server_accept(rtsp_server *s, int64_t now, const char *host, int *evicted)
{
    if (evicted)
        *evicted = -1;
    if (!host)
        host = "";
    int free_slot;
    bool host_full;
    int victim = pick_eviction(s, host, &free_slot, &host_full);
    if (victim >= 0) {
        push_event(s, RTSP_SERVER_EV_NOTICE, -1,
                   "%s: dropped its least active connection to make room for a new one",
                   host_full ? s->conns[victim].host : "every connection slot taken");
        s->conns[victim].state = CONN_FREE;
        s->conns[victim].out_len = 0;
        if (evicted)
            *evicted = victim;
        if (free_slot < 0)
            free_slot = victim;
    }
    if (free_slot >= 0) {
        int c = free_slot;
        conn *k = &s->conns[c];
        snprintf(k->host, sizeof k->host, "%s", host);
        k->state = CONN_OPEN;
        k->opened_at = now;
        k->last_request = now;
        k->any_request = false;
        k->partial_since = INT64_MAX;
        k->out_len = 0;
        rtsp_parser_reset(&k->parser);
        return c;
    }
    return AL_ERR_BUSY;
}

static bool only_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

void rtsp_server_received(rtsp_server *s, int c, int64_t now, const void *data, size_t len)
{
    if (!valid_conn(s, c))
        return;
    conn *k = &s->conns[c];
    const uint8_t *p = data;
    while (len > 0 && k->state == CONN_OPEN) {
        size_t used = 0;
        rtsp_message msg;
        int st = rtsp_parser_feed(&k->parser, p, len, &used, &msg);
        const uint8_t *chunk = p;
        p += used;
        len -= used;
        if (st == RTSP_NEED_MORE) {
            /* Blank lines between requests are allowed; anything else
             * starts a request that must be finished in time. */
            if (k->partial_since == INT64_MAX && !only_blank(chunk, used))
                k->partial_since = now;
            break;
        }
        if (st < 0) {
            const char *reason;
            int code = rtsp_error_status(st, &reason);
            push_event(s, RTSP_SERVER_EV_NOTICE, c, "bad request (%s): %d, closing",
                       rtsp_strerror(st), code);
            reply(s, c, code, reason, msg.cseq, NULL, 0);
            close_conn(s, c);
            return;
        }
        k->partial_since = INT64_MAX;
        if (st == RTSP_INTERLEAVED)
            continue; /* media over TCP is not offered; the parser skips it */
        k->any_request = true;
        k->last_request = now;
        if (msg.is_response)
            continue; /* we send no requests, so no reply is expected */
        on_request(s, c, now, &msg);
    }
}

void rtsp_server_closed(rtsp_server *s, int c, int64_t now, const char *why)
{
    (void)now;
    if (!valid_conn(s, c))
        return;
    if (s->session.conn == c)
        release_session(s, why ? why : "connection closed");
    s->conns[c].state = CONN_FREE;
    s->conns[c].out_len = 0;
}

void rtsp_server_end_session(rtsp_server *s, int64_t now, const char *why)
{
    (void)now;
    int c = s->session.conn;
    if (c < 0)
        return;
    release_session(s, why);
    close_conn(s, c);
}

void rtsp_server_tick(rtsp_server *s, int64_t now)
{
    int owner = s->session.conn;
    if (owner >= 0 && now - s->last_activity >= session_timeout_ns(s)) {
        char why[96];
        snprintf(why, sizeof why, "timeout (no keep-alive or media for %u s)",
                 s->cfg.session_timeout_s);
        push_event(s, RTSP_SERVER_EV_NOTICE, owner, "session %s", why);
        rtsp_server_end_session(s, now, why);
    }
    owner = s->session.conn;
    if (owner >= 0 && !s->had_media && now - s->claimed_at >= claim_deadline_ns(s)) {
        /* Claimed and never used: whoever did so holds no more than this. */
        char why[96];
        snprintf(why, sizeof why, "no media within %.0f s of its ANNOUNCE",
                 (double)claim_deadline_ns(s) / 1e9);
        push_event(s, RTSP_SERVER_EV_NOTICE, owner, "claim released: %s", why);
        rtsp_server_end_session(s, now, why);
    }
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
        conn *k = &s->conns[c];
        if (k->state != CONN_OPEN)
            continue;
        bool stalled =
            k->partial_since != INT64_MAX && now - k->partial_since >= request_timeout(s);
        bool silent = !k->any_request && now - k->opened_at >= request_timeout(s);
        if (stalled || silent) {
            push_event(s, RTSP_SERVER_EV_NOTICE, c, "%s within %.0f s: 408, closing",
                       stalled ? "request not completed" : "no request",
                       (double)request_timeout(s) / 1e9);
            replyf(s, c, 408, -1, "Request Time-out");
            if (s->session.conn == c)
                rtsp_server_end_session(s, now, "the sender stalled mid-request");
            close_conn(s, c);
        } else if (s->session.conn != c && now - k->last_request >= idle_conn_ns(s)) {
            /* An idle connection without a session only holds a slot. */
            close_conn(s, c);
        }
    }
}

int64_t rtsp_server_next_timer(const rtsp_server *s)
{
    int64_t t = INT64_MAX;
    if (s->session.conn >= 0)
        t = s->last_activity + session_timeout_ns(s);
    if (s->session.conn >= 0 && !s->had_media && s->claimed_at + claim_deadline_ns(s) < t)
        t = s->claimed_at + claim_deadline_ns(s);
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
        const conn *k = &s->conns[c];
        if (k->state != CONN_OPEN)
            continue;
        int64_t due = INT64_MAX;
        if (k->partial_since != INT64_MAX)
            due = k->partial_since + request_timeout(s);
        else if (!k->any_request)
            due = k->opened_at + request_timeout(s);
        else if (s->session.conn != c)
            due = k->last_request + idle_conn_ns(s);
        if (due < t)
            t = due;
    }
    return t;
}

rtsp_media_verdict rtsp_server_media(rtsp_server *s, int64_t now, bool from_peer,
                                     const uint8_t *pkt, size_t len)
{
    if (s->stage != STAGE_RECORDING)
        return RTSP_MEDIA_NO_SESSION;
    if (!from_peer)
        return RTSP_MEDIA_FOREIGN;
    rtp_header h;
    if (rtp_parse(pkt, len, &h) != RTP_OK)
        return RTSP_MEDIA_ACCEPT; /* the media path counts it as invalid */
    if (s->session.has_ssrc && h.ssrc != s->session.ssrc)
        return RTSP_MEDIA_FOREIGN;
    if (!s->session.has_ssrc) {
        /* SETUP named no SSRC (ffmpeg names none): the first packet of
         * the peer after RECORD decides. */
        s->session.has_ssrc = true;
        s->session.ssrc = h.ssrc;
    }
    s->last_activity = now;
    s->had_media = true;
    s->last_media = now;
    return RTSP_MEDIA_ACCEPT;
}

size_t rtsp_server_output(const rtsp_server *s, int c, const uint8_t **data)
{
    if (!valid_conn(s, c)) {
        *data = NULL;
        return 0;
    }
    *data = s->conns[c].out;
    return s->conns[c].out_len;
}

void rtsp_server_output_sent(rtsp_server *s, int c, size_t n)
{
    if (!valid_conn(s, c))
        return;
    conn *k = &s->conns[c];
    if (n >= k->out_len) {
        k->out_len = 0;
        return;
    }
    memmove(k->out, k->out + n, k->out_len - n);
    k->out_len -= n;
}

bool rtsp_server_next_event(rtsp_server *s, rtsp_server_event *ev)
{
    if (s->ev_count == 0)
        return false;
    *ev = s->events[s->ev_head];
    s->ev_head = (s->ev_head + 1) % RTSP_SERVER_MAX_EVENTS;
    s->ev_count--;
    return true;
}

const rtsp_server_session *rtsp_server_get_session(const rtsp_server *s)
{
    return &s->session;
}

bool rtsp_server_conn_open(const rtsp_server *s, int c)
{
    return valid_conn(s, c) && s->conns[c].state == CONN_OPEN;
}
