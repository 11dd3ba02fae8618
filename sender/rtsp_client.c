/* The RTSP record-mode client as a pure state machine (see rtsp_client.h). */
#include "sender/rtsp_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/defaults.h"
#include "proto/sdp.h"
#include "proto/text.h"

/* Room for a receiver's reason phrase once escaped (proto/text.h): a long
 * one is cut, it only goes into a one-line message. */
#define REASON_MAX 160

/* ---- small helpers ---- */

static void push_event(rtsp_client *c, rtsp_client_event_type type, int status, const char *text)
{
    if (c->ev_count == RTSP_CLIENT_MAX_EVENTS) {
        /* The caller drains events after every call, so this never happens;
         * if it did, the oldest (a notice at worst) gives way. */
        c->ev_head = (c->ev_head + 1) % RTSP_CLIENT_MAX_EVENTS;
        c->ev_count--;
    }
    rtsp_client_event *ev = &c->events[(c->ev_head + c->ev_count) % RTSP_CLIENT_MAX_EVENTS];
    ev->type = type;
    ev->status = status;
    snprintf(ev->text, sizeof ev->text, "%s", text ? text : "");
    c->ev_count++;
}

static int64_t response_timeout(const rtsp_client *c)
{
    return c->cfg.response_timeout_ns > 0 ? c->cfg.response_timeout_ns
                                          : RTSP_CLIENT_RESPONSE_TIMEOUT_NS;
}

static int64_t keepalive_interval(const rtsp_client *c)
{
    int64_t ns = (int64_t)c->stream.timeout_s * 1000000000LL / 3;
    return ns < RTSP_CLIENT_MIN_KEEPALIVE_NS ? RTSP_CLIENT_MIN_KEEPALIVE_NS : ns;
}

/* True when the comma-separated list VALUE holds TOKEN (ASCII case
 * insensitive, spaces around items ignored): Public and Supported headers. */
static bool list_has_token(const char *value, const char *token)
{
    if (!value)
        return false;
    size_t n = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == n && strncasecmp(start, token, n) == 0)
            return true;
    }
    return false;
}

/* Queues a request and waits for its reply. Returns false if it did not fit:
 * our 501 answers to a receiver that sends requests and reads nothing can
 * fill the buffer. The callers then drop the connection and retry. */
static bool send_request(rtsp_client *c, int64_t now, enum rtsp_method method, const char *uri,
                         const rtsp_header_field *headers, size_t n_headers, const char *body,
                         size_t body_len)
{
    long cseq = c->cseq + 1;
    int len = rtsp_write_request((char *)c->out + c->out_len, sizeof c->out - c->out_len, method,
                                 uri, cseq, headers, n_headers, body, body_len);
    if (len < 0)
        return false;
    c->out_len += (size_t)len;
    c->cseq = cseq;
    c->waiting_cseq = cseq;
    c->deadline = now + (method == RTSP_METHOD_TEARDOWN ? RTSP_CLIENT_TEARDOWN_TIMEOUT_NS
                                                        : response_timeout(c));
    return true;
}

/* Ends the client for good with STATUS (common/status.h). */
static void finish(rtsp_client *c, int status, const char *text)
{
    if (c->state == RTSP_CLIENT_RECORDING)
        push_event(c, RTSP_CLIENT_EV_STOP, AL_OK, c->stopping ? c->stop_reason : text);
    if (c->socket_open) {
        push_event(c, RTSP_CLIENT_EV_CLOSE, AL_OK, NULL);
        c->socket_open = false;
    }
    c->out_len = 0;
    c->state = RTSP_CLIENT_FINISHED;
    c->deadline = INT64_MAX;
    push_event(c, RTSP_CLIENT_EV_FINISHED, status, text);
}

/* Drops the connection and tries again after the backoff; PROBLEM is said
 * once (the same problem again, e.g. connection refused every retry, is not
 * repeated). While stopping there is nothing to retry for: finish. */
static void fail_and_retry_why(rtsp_client *c, int64_t now, const char *problem,
                               const char *stop_reason)
{
    if (c->stopping) {
        finish(c, c->stop_status, NULL);
        return;
    }
    if (c->state == RTSP_CLIENT_RECORDING)
        push_event(c, RTSP_CLIENT_EV_STOP, AL_OK, stop_reason ? stop_reason : problem);
    if (c->socket_open) {
        push_event(c, RTSP_CLIENT_EV_CLOSE, AL_OK, NULL);
        c->socket_open = false;
    }
    c->out_len = 0;
    if (strcmp(problem, c->last_problem) != 0) {
        char text[RTSP_CLIENT_TEXT_MAX];
        /* A problem too long for the notice is cut short (the notice is
         * for a person); the precision bounds it so that the rest always
         * fits, which gcc -O3 checks. */
        snprintf(text, sizeof text, "%.*s; retrying in %.2g s (backoff doubling up to %d s)",
                 (int)sizeof text - 72, problem, (double)c->backoff_ns / 1e9,
                 (int)(RTSP_CLIENT_BACKOFF_MAX_NS / 1000000000));
        push_event(c, RTSP_CLIENT_EV_NOTICE, AL_OK, text);
        snprintf(c->last_problem, sizeof c->last_problem, "%s", problem);
    }
    c->state = RTSP_CLIENT_WAIT_RETRY;
    c->retry_at = now + c->backoff_ns;
    c->backoff_ns *= 2;
    if (c->backoff_ns > RTSP_CLIENT_BACKOFF_MAX_NS)
        c->backoff_ns = RTSP_CLIENT_BACKOFF_MAX_NS;
    c->deadline = INT64_MAX;
    c->waiting_cseq = 0;
    c->keepalive_pending = false;
    c->teardown_cseq = 0;
}

static void fail_and_retry(rtsp_client *c, int64_t now, const char *problem)
{
    fail_and_retry_why(c, now, problem, NULL);
}

static void failf(rtsp_client *c, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failf(rtsp_client *c, int64_t now, const char *fmt, ...)
{
    char text[RTSP_CLIENT_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fail_and_retry(c, now, text);
}

static void start_connect(rtsp_client *c, int64_t now)
{
    c->state = RTSP_CLIENT_CONNECTING;
    c->deadline = now + response_timeout(c);
    c->socket_open = true;
    push_event(c, RTSP_CLIENT_EV_CONNECT, AL_OK, NULL);
}

/* ---- requests ---- */

static void send_options(rtsp_client *c, int64_t now)
{
    rtsp_header_field h[] = {{"User-Agent", c->user_agent}};
    if (!send_request(c, now, RTSP_METHOD_OPTIONS, c->url, h, 1, NULL, 0)) {
        failf(c, now, "cannot write OPTIONS");
        return;
    }
    c->state = RTSP_CLIENT_OPTIONS;
}

static void send_announce(rtsp_client *c, int64_t now)
{
    sdp_stream s;
    sdp_stream_init(&s);
    s.origin_addr = c->local_addr[0] ? c->local_addr : "0.0.0.0";
    s.conn_addr = c->peer_addr[0] ? c->peer_addr : NULL;
    s.session_id = c->cfg.ssrc;
    s.session_version = 1;
    s.port = 0; /* the port comes with SETUP */
    s.opus_pt = AL_OPUS_PT;
    s.red_pt = AL_RED_PT;
    s.channels = c->cfg.channels;
    s.frame_us = c->cfg.frame_us;
    s.useinbandfec = c->stream.fec;
    s.red_depth = c->stream.red ? c->stream.red_depth : 0;
    s.red_bitrate = c->stream.red ? c->cfg.red_bitrate : 0;
    s.control = "streamid=0";
    char sdp[2048];
    int len = sdp_write(&s, sdp, sizeof sdp);
    rtsp_header_field h[] = {{"Content-Type", "application/sdp"}, {"User-Agent", c->user_agent}};
    if (len < 0) {
        finish(c, len, "cannot describe the stream in SDP");
        return;
    }
    if (!send_request(c, now, RTSP_METHOD_ANNOUNCE, c->url, h, 2, sdp, (size_t)len)) {
        failf(c, now, "cannot write ANNOUNCE");
        return;
    }
    c->state = RTSP_CLIENT_ANNOUNCE;
}

static void send_setup(rtsp_client *c, int64_t now)
{
    rtsp_transport t = {0};
    t.profile = RTSP_PROFILE_AVP;
    t.lower = RTSP_LOWER_UDP;
    t.cast = RTSP_CAST_UNICAST;
    t.mode = RTSP_MODE_RECORD;
    t.has_client_port = true;
    t.client_port.rtp = c->cfg.client_port;
    t.client_port.rtcp = c->cfg.client_port < 65535 ? (uint16_t)(c->cfg.client_port + 1) : 0;
    t.has_ssrc = true;
    t.ssrc = c->cfg.ssrc;
    char transport[512];
    int st = rtsp_write_transport(transport, sizeof transport, &t);
    if (st < 0) {
        finish(c, st, "cannot write the Transport header");
        return;
    }
    rtsp_header_field h[] = {{"Transport", transport}, {"User-Agent", c->user_agent}};
    if (!send_request(c, now, RTSP_METHOD_SETUP, c->setup_url, h, 2, NULL, 0)) {
        failf(c, now, "cannot write SETUP");
        return;
    }
    c->state = RTSP_CLIENT_SETUP;
}

static void send_record(rtsp_client *c, int64_t now)
{
    /* RTP-Info names the stream by its SETUP URL, as a PLAY response does
     * (RFC 2326 12.33); a peer that does not know it in a request ignores
     * it (ffmpeg's listener matches the URL to its stream). */
    char rtp_info[sizeof c->setup_url + 48];
    snprintf(rtp_info, sizeof rtp_info, "url=%s;seq=%u;rtptime=%lu", c->setup_url,
             (unsigned)c->rtp_seq, (unsigned long)c->rtp_time);
    rtsp_header_field h[] = {{"Range", "npt=0.000-"},
                             {"Session", c->stream.session},
                             {"User-Agent", c->user_agent},
                             {"RTP-Info", rtp_info}};
    if (!send_request(c, now, RTSP_METHOD_RECORD, c->url, h, c->has_rtp_start ? 4 : 3, NULL, 0)) {
        failf(c, now, "cannot write RECORD");
        return;
    }
    c->state = RTSP_CLIENT_RECORD;
}

void rtsp_client_set_rtp_start(rtsp_client *c, uint16_t seq, uint32_t rtptime)
{
    c->has_rtp_start = true;
    c->rtp_seq = seq;
    c->rtp_time = rtptime;
}

/* How long a keep-alive may go unanswered: as long as the receiver keeps
 * the session without hearing from us. It counts the session timeout from
 * the last request (or media) it received, at the latest the previous
 * keep-alive, one interval ago; so an outage that swallows this keep-alive
 * and its reply is waited out for timeout - interval, as the receiver
 * would, instead of ending the session at the 10 s reply timeout. */
static int64_t keepalive_patience(const rtsp_client *c)
{
    int64_t ns = (int64_t)c->stream.timeout_s * 1000000000LL - keepalive_interval(c);
    return ns > response_timeout(c) ? ns : response_timeout(c);
}

static void send_keepalive(rtsp_client *c, int64_t now)
{
    rtsp_header_field h[] = {{"Session", c->stream.session}, {"User-Agent", c->user_agent}};
    enum rtsp_method m =
        c->stream.keepalive_get_parameter ? RTSP_METHOD_GET_PARAMETER : RTSP_METHOD_OPTIONS;
    if (!send_request(c, now, m, c->url, h, 2, NULL, 0)) {
        failf(c, now, "cannot write a keep-alive");
        return;
    }
    c->keepalive_pending = true;
    c->deadline = now + keepalive_patience(c);
    c->next_keepalive = now + keepalive_interval(c);
}

static void send_teardown(rtsp_client *c, int64_t now)
{
    rtsp_header_field h[] = {{"Session", c->stream.session}, {"User-Agent", c->user_agent}};
    if (!send_request(c, now, RTSP_METHOD_TEARDOWN, c->url, h, 2, NULL, 0)) {
        finish(c, c->stop_status, NULL);
        return;
    }
    c->teardown_cseq = c->cseq;
    c->state = RTSP_CLIENT_TEARDOWN;
}

/* ---- replies ---- */

/* A non-2xx answer to a request that sets the session up. Returns true when
 * it was one (and has been dealt with). */
static bool refused(rtsp_client *c, int64_t now, const char *method, const rtsp_message *m)
{
    int code = m->status_code;
    if (code >= 200 && code < 300)
        return false;
    /* The reason phrase is the peer's text, printed: escaped. */
    char reason[REASON_MAX];
    text_escape(reason, sizeof reason, m->reason, strlen(m->reason));
    if (code == 453) {
        if (c->cfg.retry_busy)
            fail_and_retry(c, now, "receiver is busy (another sender is streaming)");
        else
            finish(c, AL_ERR_BUSY, "receiver is busy (another sender is streaming)");
    } else if (code >= 500) {
        failf(c, now, "the receiver answered %s with %d %s", method, code, reason);
    } else {
        char text[RTSP_CLIENT_TEXT_MAX];
        snprintf(text, sizeof text, "the receiver refused %s: %d %s", method, code, reason);
        finish(c, AL_ERR_REFUSED, text);
    }
    return true;
}

static void on_options_reply(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    int code = m->status_code;
    /* OPTIONS is optional in RFC 2326: a server that refuses it (501, 405)
     * gets the stream anyway, without RED. Busy and server errors count. */
    if (code == 453 || code >= 500) {
        refused(c, now, "OPTIONS", m);
        return;
    }
    bool ok = code >= 200 && code < 300;
    c->server_red = ok && list_has_token(rtsp_header(m, "Supported"), AL_RTSP_RED_OPTION);
    c->server_get_parameter = ok && list_has_token(rtsp_header(m, "Public"), "GET_PARAMETER");

    rtsp_client_stream *s = &c->stream;
    memset(s, 0, sizeof *s);
    s->red = c->server_red && c->cfg.red_depth > 0;
    s->red_depth = s->red ? c->cfg.red_depth : 0;
    s->fec_instead_of_red = c->cfg.red_depth > 0 && !c->server_red;
    s->fec = c->cfg.fec || s->fec_instead_of_red;
    s->keepalive_get_parameter = c->server_get_parameter;
    send_announce(c, now);
}

static void on_setup_reply(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    if (refused(c, now, "SETUP", m))
        return;
    rtsp_session session;
    const char *sv = rtsp_header(m, "Session");
    if (!sv || rtsp_parse_session(sv, &session) != RTSP_OK) {
        failf(c, now, "the receiver's SETUP reply has no valid Session header");
        return;
    }
    snprintf(c->stream.session, sizeof c->stream.session, "%s", session.id);
    c->stream.timeout_s = session.timeout > 0 ? session.timeout : RTSP_DEFAULT_SESSION_TIMEOUT;
    /* Our convention is one port number for everything, so without a
     * server_port the media goes to the port of the URL. */
    c->stream.server_port = c->url_port;
    rtsp_transport t;
    const char *tv = rtsp_header(m, "Transport");
    if (tv && rtsp_parse_transport(tv, &t, NULL) == RTSP_OK && t.has_server_port)
        c->stream.server_port = t.server_port.rtp;
    send_record(c, now);
}

static void on_record_reply(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    if (refused(c, now, "RECORD", m))
        return;
    c->state = RTSP_CLIENT_RECORDING;
    c->ever_recorded = true;
    c->backoff_ns = RTSP_CLIENT_BACKOFF_MIN_NS;
    c->last_problem[0] = '\0';
    c->next_keepalive = now + keepalive_interval(c);
    push_event(c, RTSP_CLIENT_EV_START, AL_OK, NULL);
}

static void on_keepalive_reply(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    c->keepalive_pending = false;
    int code = m->status_code;
    if (code == 454) {
        char text[RTSP_CLIENT_TEXT_MAX], reason[REASON_MAX];
        text_escape(reason, sizeof reason, m->reason, strlen(m->reason));
        snprintf(text, sizeof text, "the receiver no longer knows our session (454 %s)", reason);
        fail_and_retry_why(c, now, text, "the receiver forgot the session");
    } else if ((code == 501 || code == 405) && c->stream.keepalive_get_parameter) {
        /* It listed GET_PARAMETER but does not take it: OPTIONS from now on. */
        c->stream.keepalive_get_parameter = false;
    }
    /* Any other answer still shows the receiver is there. */
}

/* Answers a request the server sent us: we offer no methods. A reply that
 * no longer fits means the receiver keeps sending requests but does not
 * read our replies (RTSP_CLIENT_OUT_MAX bytes wait for it): dropping
 * replies would leave it waiting for them, and the requests would go on
 * costing us work, so the connection ends here. Returns false then. */
static bool answer_server_request(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    int len = rtsp_write_response((char *)c->out + c->out_len, sizeof c->out - c->out_len, 501,
                                  NULL, m->cseq, NULL, 0, NULL, 0);
    if (len > 0) {
        c->out_len += (size_t)len;
        return true;
    }
    failf(c, now,
          "the receiver sends requests but does not read our replies (%zu bytes unread): "
          "ending the connection",
          c->out_len);
    return false;
}

static void on_message(rtsp_client *c, int64_t now, const rtsp_message *m)
{
    if (!m->is_response) {
        answer_server_request(c, now, m);
        return;
    }
    if (c->waiting_cseq == 0)
        return; /* nothing asked: a stray reply changes nothing */
    if (m->status_code < 200)
        return; /* provisional (1xx): the final reply follows */
    if (m->cseq >= 0 && m->cseq != c->waiting_cseq) {
        /* Requests sent before TEARDOWN may still be answered first. */
        if (c->state == RTSP_CLIENT_TEARDOWN && m->cseq < c->teardown_cseq)
            return;
        failf(c, now, "the receiver answered CSeq %ld, expected %ld", m->cseq, c->waiting_cseq);
        return;
    }
    c->waiting_cseq = 0;
    c->deadline = INT64_MAX;
    switch (c->state) {
    case RTSP_CLIENT_OPTIONS:
        on_options_reply(c, now, m);
        break;
    case RTSP_CLIENT_ANNOUNCE:
        if (!refused(c, now, "ANNOUNCE", m))
            send_setup(c, now);
        break;
    case RTSP_CLIENT_SETUP:
        on_setup_reply(c, now, m);
        break;
    case RTSP_CLIENT_RECORD:
        on_record_reply(c, now, m);
        break;
    case RTSP_CLIENT_RECORDING:
        on_keepalive_reply(c, now, m);
        break;
    case RTSP_CLIENT_TEARDOWN:
        finish(c, c->stop_status, NULL);
        break;
    default:
        break;
    }
}

/* ---- the interface ---- */

int rtsp_client_init(rtsp_client *c, const rtsp_client_config *cfg, int64_t now)
{
    memset(c, 0, sizeof *c);
    rtsp_url url;
    if (!cfg || !cfg->url || !cfg->user_agent || cfg->client_port == 0 ||
        (cfg->channels != 1 && cfg->channels != 2))
        return AL_ERR_ARG;
    int st = rtsp_parse_url(cfg->url, &url);
    if (st != RTSP_OK)
        return st;
    if (strlen(cfg->url) >= sizeof c->url || strlen(cfg->user_agent) >= sizeof c->user_agent)
        return AL_ERR_ARG;
    c->cfg = *cfg;
    snprintf(c->url, sizeof c->url, "%s", cfg->url);
    size_t n = strlen(c->url);
    snprintf(c->setup_url, sizeof c->setup_url, "%s%sstreamid=0", c->url,
             n > 0 && c->url[n - 1] == '/' ? "" : "/");
    snprintf(c->user_agent, sizeof c->user_agent, "%s", cfg->user_agent);
    c->cfg.url = c->url;
    c->cfg.user_agent = c->user_agent;
    c->url_port = url.port;
    c->backoff_ns = RTSP_CLIENT_BACKOFF_MIN_NS;
    c->deadline = INT64_MAX;
    c->retry_at = INT64_MAX;
    rtsp_parser_reset(&c->parser);
    start_connect(c, now);
    return AL_OK;
}

void rtsp_client_connected(rtsp_client *c, int64_t now, const char *local, const char *peer)
{
    if (c->state != RTSP_CLIENT_CONNECTING)
        return;
    snprintf(c->local_addr, sizeof c->local_addr, "%s", local ? local : "");
    snprintf(c->peer_addr, sizeof c->peer_addr, "%s", peer ? peer : "");
    rtsp_parser_reset(&c->parser);
    c->out_len = 0;
    /* A new connection is a new dialogue: CSeq starts at 1 again. */
    c->cseq = 0;
    c->waiting_cseq = 0;
    c->keepalive_pending = false;
    c->teardown_cseq = 0;
    if (c->stopping) {
        finish(c, c->stop_status, NULL);
        return;
    }
    send_options(c, now);
}

void rtsp_client_connect_failed(rtsp_client *c, int64_t now, const char *why)
{
    if (c->state != RTSP_CLIENT_CONNECTING)
        return;
    c->socket_open = false; /* the caller closed the failed socket */
    failf(c, now, "cannot connect to the receiver at %s (%s)", c->url, why ? why : "failed");
}

void rtsp_client_received(rtsp_client *c, int64_t now, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0 && c->socket_open && c->state != RTSP_CLIENT_CONNECTING &&
           c->state != RTSP_CLIENT_FINISHED) {
        size_t used = 0;
        rtsp_message msg;
        int st = rtsp_parser_feed(&c->parser, p, len, &used, &msg);
        p += used;
        len -= used;
        if (st == RTSP_NEED_MORE)
            break;
        if (st < 0) {
            failf(c, now, "the receiver sent something that is not RTSP (%s)", rtsp_strerror(st));
            return;
        }
        if (st == RTSP_MESSAGE)
            on_message(c, now, &msg);
        /* RTSP_INTERLEAVED: media on TCP is not ours to read; the parser
         * skips the frame itself. */
    }
}

void rtsp_client_closed(rtsp_client *c, int64_t now, const char *why)
{
    bool was_open = c->socket_open;
    c->socket_open = false;
    if (!was_open || c->state == RTSP_CLIENT_FINISHED || c->state == RTSP_CLIENT_WAIT_RETRY)
        return;
    if (c->state == RTSP_CLIENT_TEARDOWN) {
        finish(c, c->stop_status, NULL);
        return;
    }
    if (c->state == RTSP_CLIENT_RECORDING) {
        char text[RTSP_CLIENT_TEXT_MAX];
        snprintf(text, sizeof text, "lost the receiver (%s)", why ? why : "connection closed");
        fail_and_retry_why(c, now, text, why ? why : "connection closed");
    } else
        failf(c, now, "the receiver hung up during %s (%s)", rtsp_client_state_name(c->state),
              why ? why : "connection closed");
}

void rtsp_client_stop(rtsp_client *c, int64_t now, const char *why, bool interrupted)
{
    if (c->state == RTSP_CLIENT_FINISHED || c->stopping)
        return;
    c->stopping = true;
    snprintf(c->stop_reason, sizeof c->stop_reason, "%s", why ? why : "stopped");
    c->stop_status = interrupted || c->state == RTSP_CLIENT_RECORDING ? AL_OK : AL_ERR_NO_PEER;
    bool has_session = c->state == RTSP_CLIENT_RECORD || c->state == RTSP_CLIENT_RECORDING;
    if (has_session && c->socket_open) {
        if (c->state == RTSP_CLIENT_RECORDING)
            push_event(c, RTSP_CLIENT_EV_STOP, AL_OK, c->stop_reason);
        send_teardown(c, now);
        return;
    }
    char text[RTSP_CLIENT_TEXT_MAX] = "";
    if (c->stop_status != AL_OK)
        snprintf(text, sizeof text, "%s while no receiver was taking the stream", c->stop_reason);
    finish(c, c->stop_status, text);
}

void rtsp_client_tick(rtsp_client *c, int64_t now)
{
    switch (c->state) {
    case RTSP_CLIENT_FINISHED:
        return;
    case RTSP_CLIENT_WAIT_RETRY:
        if (now >= c->retry_at)
            start_connect(c, now);
        return;
    default:
        break;
    }
    if (now >= c->deadline) {
        if (c->state == RTSP_CLIENT_TEARDOWN) {
            finish(c, c->stop_status, NULL);
        } else if (c->state == RTSP_CLIENT_CONNECTING) {
            failf(c, now, "no connection to the receiver at %s after %.0f s", c->url,
                  (double)response_timeout(c) / 1e9);
        } else if (c->state == RTSP_CLIENT_RECORDING) {
            failf(c, now, "the receiver did not answer a keep-alive within %.0f s",
                  (double)(c->keepalive_pending ? keepalive_patience(c) : response_timeout(c)) /
                      1e9);
        } else {
            failf(c, now, "the receiver did not answer %s within %.0f s",
                  rtsp_client_state_name(c->state), (double)response_timeout(c) / 1e9);
        }
        return;
    }
    if (c->state == RTSP_CLIENT_RECORDING && !c->keepalive_pending && now >= c->next_keepalive)
        send_keepalive(c, now);
}

int64_t rtsp_client_next_timer(const rtsp_client *c)
{
    int64_t t = INT64_MAX;
    switch (c->state) {
    case RTSP_CLIENT_FINISHED:
        return INT64_MAX;
    case RTSP_CLIENT_WAIT_RETRY:
        return c->retry_at;
    case RTSP_CLIENT_RECORDING:
        if (!c->keepalive_pending)
            t = c->next_keepalive;
        break;
    default:
        break;
    }
    return c->deadline < t ? c->deadline : t;
}

size_t rtsp_client_output(const rtsp_client *c, const uint8_t **data)
{
    *data = c->out;
    return c->out_len;
}

void rtsp_client_output_sent(rtsp_client *c, size_t n)
{
    if (n >= c->out_len) {
        c->out_len = 0;
        return;
    }
    memmove(c->out, c->out + n, c->out_len - n);
    c->out_len -= n;
}

bool rtsp_client_next_event(rtsp_client *c, rtsp_client_event *ev)
{
    if (c->ev_count == 0)
        return false;
    *ev = c->events[c->ev_head];
    c->ev_head = (c->ev_head + 1) % RTSP_CLIENT_MAX_EVENTS;
    c->ev_count--;
    return true;
}

bool rtsp_client_recording(const rtsp_client *c)
{
    return c->state == RTSP_CLIENT_RECORDING;
}

const rtsp_client_stream *rtsp_client_get_stream(const rtsp_client *c)
{
    return &c->stream;
}

rtsp_client_state rtsp_client_get_state(const rtsp_client *c)
{
    return c->state;
}

const char *rtsp_client_state_name(rtsp_client_state s)
{
    switch (s) {
    case RTSP_CLIENT_WAIT_RETRY:
        return "WAIT_RETRY";
    case RTSP_CLIENT_CONNECTING:
        return "CONNECTING";
    case RTSP_CLIENT_OPTIONS:
        return "OPTIONS";
    case RTSP_CLIENT_ANNOUNCE:
        return "ANNOUNCE";
    case RTSP_CLIENT_SETUP:
        return "SETUP";
    case RTSP_CLIENT_RECORD:
        return "RECORD";
    case RTSP_CLIENT_RECORDING:
        return "RECORDING";
    case RTSP_CLIENT_TEARDOWN:
        return "TEARDOWN";
    case RTSP_CLIENT_FINISHED:
        return "FINISHED";
    }
    return "?";
}
