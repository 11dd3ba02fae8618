/* The receiver's RTSP server state machine in simulated time: the record
 * dialogue (ours and ffmpeg's), CSeq echoed, 454 for a missing or wrong
 * Session, 455 out of order, 453 for a second sender while the first is
 * undisturbed, 415 with a reason for an SDP we cannot receive (PCMU,
 * 44.1 kHz), 461 for other transports, 501 for other methods, session and
 * request timeouts, parse errors answered and closed, and the media gate
 * (peer host, SSRC, recording); a claim without media released at its
 * deadline, the per-host connection cap, and a restarted sender taking over
 * its own silent session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/defaults.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"
#include "receiver/rtsp_server.h"

#define SEC  1000000000LL
#define MSEC 1000000LL
#define URL  "rtsp://127.0.0.1:5004/audio"

static rtsp_server *srv;
static rtsp_parser parser;
static rtsp_message rsp;

static int setup_server(void **state)
{
    (void)state;
    rtsp_server_config cfg = {.rtp_port = 5004,
                              .session_timeout_s = 60,
                              .request_timeout_ns = 10 * SEC,
                              .red = true,
                              .seed = 42};
    srv = rtsp_server_create(&cfg);
    return srv ? 0 : -1;
}

static int teardown_server(void **state)
{
    (void)state;
    rtsp_server_destroy(srv);
    srv = NULL;
    return 0;
}

static void send_text(int c, int64_t now, const char *text)
{
    rtsp_server_received(srv, c, now, text, strlen(text));
}

static void sendf(int c, int64_t now, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sendf(int c, int64_t now, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    send_text(c, now, text);
}

/* Takes C's output as exactly one response with CODE and CSEQ. */
static void expect_reply(int c, int code, long cseq)
{
    const uint8_t *data;
    size_t len = rtsp_server_output(srv, c, &data);
    if (len == 0)
        fail_msg("no reply on connection %d, wanted %d", c, code);
    rtsp_parser_reset(&parser);
    size_t used = 0;
    assert_int_equal(rtsp_parser_feed(&parser, data, len, &used, &rsp), RTSP_MESSAGE);
    assert_int_equal(used, len);
    rtsp_server_output_sent(srv, c, len);
    assert_true(rsp.is_response);
    if (rsp.status_code != code)
        fail_msg("status %d '%s', wanted %d", rsp.status_code, rsp.reason, code);
    assert_int_equal(rsp.cseq, cseq);
}

static char event_log[4096];
static const char *events(void)
{
    static const char *names[] = {"START", "END", "CLOSE", "NOTICE"};
    event_log[0] = '\0';
    rtsp_server_event ev;
    while (rtsp_server_next_event(srv, &ev)) {
        size_t n = strlen(event_log);
        if (ev.type == RTSP_SERVER_EV_NOTICE)
            snprintf(event_log + n, sizeof event_log - n, "NOTICE%d;", ev.conn);
        else if (ev.text[0])
            snprintf(event_log + n, sizeof event_log - n, "%s%d[%s];", names[ev.type], ev.conn,
                     ev.text);
        else
            snprintf(event_log + n, sizeof event_log - n, "%s%d;", names[ev.type], ev.conn);
    }
    return event_log;
}

static void expect_events(const char *want)
{
    const char *got = events();
    if (strcmp(got, want) != 0)
        fail_msg("events: got '%s', want '%s'", got, want);
}

/* Our sender's SDP: mono 20 ms Opus, RED depth 2 unless DEPTH says 0. */
static int our_sdp(char *buf, size_t cap, unsigned depth)
{
    sdp_stream s;
    sdp_stream_init(&s);
    s.origin_addr = "127.0.0.1";
    s.red_depth = depth;
    s.red_bitrate = depth ? 7500 : 0;
    s.control = "streamid=0";
    return sdp_write(&s, buf, cap);
}

static void announce(int c, int64_t now, long cseq, const char *sdp)
{
    sendf(c, now,
          "ANNOUNCE " URL " RTSP/1.0\r\nCSeq: %ld\r\nContent-Type: application/sdp\r\n"
          "Content-Length: %zu\r\n\r\n%s",
          cseq, strlen(sdp), sdp);
}

#define OUR_TRANSPORT "RTP/AVP/UDP;unicast;client_port=40000-40001;ssrc=0000ABCD;mode=record"

/* OPTIONS, ANNOUNCE, SETUP, RECORD on C at NOW; leaves the session id in
 * SESSION. CSeq 1..4. */
static char session[RTSP_MAX_SESSION_ID + 1];
static void record_session(int c, int64_t now)
{
    sendf(c, now, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: audiolink/test\r\n\r\n");
    expect_reply(c, 200, 1);
    assert_string_equal(rtsp_header(&rsp, "Public"), RTSP_SERVER_PUBLIC);
    assert_string_equal(rtsp_header(&rsp, "Supported"), AL_RTSP_RED_OPTION);

    char sdp[1024];
    assert_true(our_sdp(sdp, sizeof sdp, 2) > 0);
    announce(c, now, 2, sdp);
    expect_reply(c, 200, 2);

    sendf(c, now,
          "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: " OUR_TRANSPORT "\r\n\r\n");
    expect_reply(c, 200, 3);
    rtsp_transport t;
    assert_int_equal(rtsp_parse_transport(rtsp_header(&rsp, "Transport"), &t, NULL), RTSP_OK);
    assert_int_equal(t.client_port.rtp, 40000);
    assert_int_equal(t.client_port.rtcp, 40001);
    assert_true(t.has_server_port);
    assert_int_equal(t.server_port.rtp, 5004);
    assert_int_equal(t.server_port.rtcp, 5005);
    assert_int_equal(t.mode, RTSP_MODE_RECORD);
    assert_int_equal(t.lower, RTSP_LOWER_UDP);
    rtsp_session sess;
    assert_int_equal(rtsp_parse_session(rtsp_header(&rsp, "Session"), &sess), RTSP_OK);
    assert_true(sess.has_timeout);
    assert_int_equal(sess.timeout, 60);
    assert_true(strlen(sess.id) >= 8);
    assert_true(strspn(sess.id, "0123456789ABCDEF") == strlen(sess.id));
    snprintf(session, sizeof session, "%s", sess.id);
    expect_events("");

    sendf(c, now, "RECORD " URL " RTSP/1.0\r\nCSeq: 4\r\nSession: %s\r\nRange: npt=0.000-\r\n\r\n",
          session);
    expect_reply(c, 200, 4);
    assert_string_equal(rtsp_header(&rsp, "Session"), session);
    char want[32];
    snprintf(want, sizeof want, "START%d;", c);
    expect_events(want);
}

/* A minimal RTP packet (PT 111, 20 ms Opus TOC) of SSRC. */
static const uint8_t *rtp(uint32_t ssrc, size_t *len)
{
    static uint8_t p[16];
    memset(p, 0, sizeof p);
    p[0] = 0x80;
    p[1] = AL_OPUS_PT;
    p[8] = (uint8_t)(ssrc >> 24);
    p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8);
    p[11] = (uint8_t)ssrc;
    p[12] = 0x08;
    *len = 16;
    return p;
}

static void test_happy_path(void **state)
{
    (void)state;
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    assert_int_equal(c, 0);
    /* No media before RECORD. */
    assert_int_equal(rtsp_server_media(srv, 0, true, pkt, len), RTSP_MEDIA_NO_SESSION);
    record_session(c, 0);
    const rtsp_server_session *s = rtsp_server_get_session(srv);
    assert_int_equal(s->conn, c);
    assert_true(s->recording);
    assert_int_equal(s->stream.opus_pt, AL_OPUS_PT);
    assert_int_equal(s->stream.red_pt, AL_RED_PT);
    assert_int_equal(s->stream.red_depth, 2);
    assert_int_equal(s->stream.channels, 1);
    assert_int_equal(s->stream.ptime_us, 20000);
    assert_int_equal(s->client_port, 40000);
    assert_true(s->has_ssrc);
    assert_int_equal(s->ssrc, 0xABCD);

    /* The media gate: the session's host and SSRC only. */
    assert_int_equal(rtsp_server_media(srv, 1 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    assert_int_equal(rtsp_server_media(srv, 1 * SEC, false, pkt, len), RTSP_MEDIA_FOREIGN);
    const uint8_t *other = rtp(0x5555, &len);
    assert_int_equal(rtsp_server_media(srv, 1 * SEC, true, other, len), RTSP_MEDIA_FOREIGN);

    /* Keep-alives: GET_PARAMETER and OPTIONS with the Session. */
    sendf(c, 20 * SEC, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", session);
    expect_reply(c, 200, 5);
    sendf(c, 40 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 6\r\nSession: %s\r\n\r\n", session);
    expect_reply(c, 200, 6);

    sendf(c, 50 * SEC, "TEARDOWN " URL " RTSP/1.0\r\nCSeq: 7\r\nSession: %s\r\n\r\n", session);
    expect_reply(c, 200, 7);
    expect_events("END0[teardown];");
    assert_int_equal(rtsp_server_get_session(srv)->conn, -1);
    pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 51 * SEC, true, pkt, len), RTSP_MEDIA_NO_SESSION);

    /* The connection stays usable, and a new session can start on it. */
    sendf(c, 52 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 8\r\n\r\n");
    expect_reply(c, 200, 8);
    rtsp_server_closed(srv, c, 53 * SEC, "peer closed the connection");
    expect_events(""); /* no session: nothing ends */
}

/* ffmpeg as a pusher: PT 96, no ssrc in Transport (the first packet
 * decides), the SDP body in a separate segment. */
static void test_ffmpeg_dialogue(void **state)
{
    (void)state;
    static const char sdp[] =
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "a=tool:libavformat 59.27.100\r\nm=audio 0 RTP/AVP 96\r\nb=AS:64\r\n"
        "a=rtpmap:96 opus/48000/2\r\na=control:streamid=0\r\n";
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    send_text(c, 0,
              "OPTIONS rtsp://127.0.0.1:5004/live RTSP/1.0\r\nCSeq: 1\r\n"
              "User-Agent: Lavf59.27.100\r\n\r\n");
    expect_reply(c, 200, 1);
    sendf(c, 0,
          "ANNOUNCE rtsp://127.0.0.1:5004/live RTSP/1.0\r\nContent-Type: application/sdp\r\n"
          "CSeq: 2\r\nUser-Agent: Lavf59.27.100\r\nContent-Length: %zu\r\n\r\n",
          strlen(sdp));
    const uint8_t *data;
    assert_int_equal(rtsp_server_output(srv, c, &data), 0); /* waits for the body */
    send_text(c, 0, sdp);
    expect_reply(c, 200, 2);
    send_text(c, 0,
              "SETUP rtsp://127.0.0.1:5004/live/streamid=0 RTSP/1.0\r\n"
              "Transport: RTP/AVP/UDP;unicast;client_port=17250-17251;mode=record\r\nCSeq: 3\r\n"
              "User-Agent: Lavf59.27.100\r\n\r\n");
    expect_reply(c, 200, 3);
    rtsp_session sess;
    assert_int_equal(rtsp_parse_session(rtsp_header(&rsp, "Session"), &sess), RTSP_OK);
    sendf(c, 0,
          "RECORD rtsp://127.0.0.1:5004/live RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\n"
          "User-Agent: Lavf59.27.100\r\nSession: %s\r\n\r\n",
          sess.id);
    expect_reply(c, 200, 4);
    expect_events("START0;");
    const rtsp_server_session *s = rtsp_server_get_session(srv);
    assert_int_equal(s->stream.opus_pt, 96);
    assert_int_equal(s->stream.red_pt, SDP_NO_PT);
    assert_false(s->has_ssrc);
    size_t len;
    const uint8_t *pkt = rtp(0x1111, &len);
    assert_int_equal(rtsp_server_media(srv, 0, true, pkt, len), RTSP_MEDIA_ACCEPT);
    assert_true(s->has_ssrc);
    assert_int_equal(s->ssrc, 0x1111);
    pkt = rtp(0x2222, &len);
    assert_int_equal(rtsp_server_media(srv, 0, true, pkt, len), RTSP_MEDIA_FOREIGN);
    /* ffmpeg ends with TEARDOWN and closes. */
    sendf(c, 0, "TEARDOWN rtsp://127.0.0.1:5004/live RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n",
          sess.id);
    expect_reply(c, 200, 5);
    expect_events("END0[teardown];");
}

static void test_session_checks(void **state)
{
    (void)state;
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    record_session(c, 0);
    send_text(c, 0, "RECORD " URL " RTSP/1.0\r\nCSeq: 5\r\n\r\n");
    expect_reply(c, 454, 5);
    send_text(c, 0, "RECORD " URL " RTSP/1.0\r\nCSeq: 6\r\nSession: 0000000000000000\r\n\r\n");
    expect_reply(c, 454, 6);
    send_text(c, 0, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 7\r\nSession: nope\r\n\r\n");
    expect_reply(c, 454, 7);
    send_text(c, 0, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 8\r\n\r\n");
    expect_reply(c, 454, 8);
    send_text(c, 0, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 9\r\nSession: nope\r\n\r\n");
    expect_reply(c, 454, 9);
    send_text(c, 0, "TEARDOWN " URL " RTSP/1.0\r\nCSeq: 10\r\nSession: nope\r\n\r\n");
    expect_reply(c, 454, 10);
    send_text(c, 0, "TEARDOWN " URL " RTSP/1.0\r\nCSeq: 11\r\n\r\n");
    expect_reply(c, 454, 11);
    /* none of that ended the session; the session id with ;timeout is fine */
    expect_events("");
    sendf(c, 0, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 12\r\nSession: %s;timeout=60\r\n\r\n",
          session);
    expect_reply(c, 200, 12);
    /* no CSeq: 400 without one, and closed */
    send_text(c, 0, "GET_PARAMETER " URL " RTSP/1.0\r\n\r\n");
    expect_reply(c, 400, -1);
    expect_events("CLOSE0;");
    rtsp_server_closed(srv, c, 0, "closed");
    expect_events("END0[closed];");
}

static void test_out_of_order(void **state)
{
    (void)state;
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: " OUR_TRANSPORT
              "\r\n\r\n");
    expect_reply(c, 455, 1);
    send_text(c, 0, "RECORD " URL " RTSP/1.0\r\nCSeq: 2\r\nSession: 1234\r\n\r\n");
    expect_reply(c, 455, 2);
    send_text(c, 0, "TEARDOWN " URL " RTSP/1.0\r\nCSeq: 3\r\n\r\n");
    expect_reply(c, 455, 3);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 0);
    announce(c, 0, 4, sdp);
    expect_reply(c, 200, 4);
    send_text(c, 0, "RECORD " URL " RTSP/1.0\r\nCSeq: 5\r\n\r\n");
    expect_reply(c, 455, 5);
    assert_int_equal(rtsp_server_get_session(srv)->stream.red_pt, SDP_NO_PT);
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 6\r\nTransport: " OUR_TRANSPORT
              "\r\n\r\n");
    expect_reply(c, 200, 6);
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 7\r\nTransport: " OUR_TRANSPORT
              "\r\n\r\n");
    expect_reply(c, 455, 7);
    announce(c, 0, 8, sdp);
    expect_reply(c, 455, 8);
    expect_events("");
}

/* A second sender gets 453 to whatever it asks and is closed; the first
 * goes on as if nothing happened. */
static void test_second_sender_busy(void **state)
{
    (void)state;
    int a = rtsp_server_accept(srv, 0, NULL, NULL);
    record_session(a, 0);
    int b = rtsp_server_accept(srv, 1 * SEC, NULL, NULL);
    assert_int_equal(b, 1);
    send_text(b, 1 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(b, 453, 1);
    assert_non_null(strstr(rsp.reason, "Not Enough Bandwidth"));
    assert_non_null(strstr(rsp.reason, "busy"));
    expect_events("NOTICE1;CLOSE1;");
    assert_false(rtsp_server_conn_open(srv, b));
    /* anything more from it is ignored until the caller closes it */
    send_text(b, 1 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    const uint8_t *data;
    assert_int_equal(rtsp_server_output(srv, b, &data), 0);
    rtsp_server_closed(srv, b, 1 * SEC, "closed");
    expect_events("");

    /* the same for a second sender that starts with ANNOUNCE */
    int c = rtsp_server_accept(srv, 2 * SEC, NULL, NULL);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 2);
    announce(c, 2 * SEC, 1, sdp);
    expect_reply(c, 453, 1);
    expect_events("NOTICE1;CLOSE1;");
    rtsp_server_closed(srv, c, 2 * SEC, "closed");

    /* the first session is intact */
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 3 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    sendf(a, 3 * SEC, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", session);
    expect_reply(a, 200, 5);
    assert_true(rtsp_server_get_session(srv)->recording);
    expect_events("");

    /* An ANNOUNCE alone claims the receiver too. */
    rtsp_server_closed(srv, a, 4 * SEC, "peer closed the connection");
    expect_events("END0[peer closed the connection];");
    a = rtsp_server_accept(srv, 5 * SEC, NULL, NULL);
    announce(a, 5 * SEC, 1, sdp);
    expect_reply(a, 200, 1);
    b = rtsp_server_accept(srv, 5 * SEC, NULL, NULL);
    send_text(b, 5 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(b, 453, 1);
}

static void test_unsupported_sdp(void **state)
{
    (void)state;
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    announce(c, 0, 1,
             "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
    expect_reply(c, 415, 1);
    assert_non_null(strstr(rsp.reason, "Unsupported Media Type"));
    assert_non_null(strstr(rsp.reason, "PCMU"));
    expect_events("NOTICE0;");
    announce(c, 0, 2,
             "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             "m=audio 0 RTP/AVP 96\r\na=rtpmap:96 opus/44100/2\r\n");
    expect_reply(c, 415, 2);
    assert_non_null(strstr(rsp.reason, "44100"));
    events();
    send_text(c, 0,
              "ANNOUNCE " URL " RTSP/1.0\r\nCSeq: 3\r\nContent-Type: text/plain\r\n"
              "Content-Length: 2\r\n\r\nhi");
    expect_reply(c, 415, 3);
    assert_non_null(strstr(rsp.reason, "application/sdp"));
    send_text(c, 0,
              "ANNOUNCE " URL " RTSP/1.0\r\nCSeq: 4\r\nContent-Type: application/sdp\r\n"
              "Content-Length: 4\r\n\r\nv=0\n");
    expect_reply(c, 400, 4);
    assert_non_null(strstr(rsp.reason, "SDP"));
    /* refusals claim nothing: another sender may go ahead */
    assert_int_equal(rtsp_server_get_session(srv)->conn, -1);
    int d = rtsp_server_accept(srv, 0, NULL, NULL);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 1);
    announce(d, 0, 1, sdp);
    expect_reply(d, 200, 1);
}

static void test_transports_and_methods(void **state)
{
    (void)state;
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 2);
    announce(c, 0, 1, sdp);
    expect_reply(c, 200, 1);
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 2\r\n"
              "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n");
    expect_reply(c, 461, 2);
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001;mode=play\r\n\r\n");
    expect_reply(c, 461, 3);
    send_text(c, 0, "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 4\r\n\r\n");
    expect_reply(c, 461, 4);
    /* the second alternative is one we take; RFC 2326's quoted mode too */
    send_text(c, 0,
              "SETUP " URL "/streamid=0 RTSP/1.0\r\nCSeq: 5\r\n"
              "Transport: RTP/AVP/TCP;interleaved=0-1,RTP/AVP;unicast;client_port=5000-5001;"
              "mode=\"RECORD\"\r\n\r\n");
    expect_reply(c, 200, 5);
    send_text(c, 0, "PLAY " URL " RTSP/1.0\r\nCSeq: 6\r\n\r\n");
    expect_reply(c, 501, 6);
    assert_string_equal(rtsp_header(&rsp, "Public"), RTSP_SERVER_PUBLIC);
    send_text(c, 0, "FROB " URL " RTSP/1.0\r\nCSeq: 7\r\n\r\n");
    expect_reply(c, 501, 7);
    send_text(c, 0, "SET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 8\r\n\r\n");
    expect_reply(c, 501, 8);
    expect_events("");
}

static void test_session_timeout(void **state)
{
    (void)state;
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    record_session(c, 0);
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 0, true, pkt, len), RTSP_MEDIA_ACCEPT);
    assert_int_equal(rtsp_server_next_timer(srv), 60 * SEC);
    /* a keep-alive at 30 s and a packet at 70 s each push the end back */
    sendf(c, 30 * SEC, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", session);
    expect_reply(c, 200, 5);
    rtsp_server_tick(srv, 60 * SEC);
    expect_events("");
    assert_int_equal(rtsp_server_next_timer(srv), 90 * SEC);
    pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 70 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    /* foreign media does not keep it alive */
    const uint8_t *other = rtp(0x9999, &len);
    assert_int_equal(rtsp_server_media(srv, 80 * SEC, true, other, len), RTSP_MEDIA_FOREIGN);
    assert_int_equal(rtsp_server_next_timer(srv), 130 * SEC);
    rtsp_server_tick(srv, 130 * SEC - 1);
    expect_events("");
    rtsp_server_tick(srv, 130 * SEC);
    expect_events("NOTICE0;END0[timeout (no keep-alive or media for 60 s)];CLOSE0;");
    assert_int_equal(rtsp_server_get_session(srv)->conn, -1);
    rtsp_server_closed(srv, c, 130 * SEC, "closed");
    expect_events("");
}

/* A request begun and never finished, and a connection that says nothing,
 * are answered 408 and closed after the request timeout, while the session
 * on another connection plays on. */
static void test_request_timeout(void **state)
{
    (void)state;
    int a = rtsp_server_accept(srv, 0, NULL, NULL);
    record_session(a, 0);
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 0, true, pkt, len), RTSP_MEDIA_ACCEPT);
    int b = rtsp_server_accept(srv, 1 * SEC, NULL, NULL);
    int c = rtsp_server_accept(srv, 1 * SEC, NULL, NULL);
    send_text(b, 1 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n");
    rtsp_server_received(srv, c, 2 * SEC, "\r\n", 2); /* blank lines start nothing */
    assert_int_equal(rtsp_server_next_timer(srv), 11 * SEC);
    rtsp_server_tick(srv, 11 * SEC - 1);
    expect_events("");
    rtsp_server_tick(srv, 11 * SEC);
    expect_reply(b, 408, -1);
    expect_reply(c, 408, -1);
    expect_events("NOTICE1;CLOSE1;NOTICE2;CLOSE2;");
    rtsp_server_closed(srv, b, 11 * SEC, "closed");
    rtsp_server_closed(srv, c, 11 * SEC, "closed");
    expect_events("");
    assert_true(rtsp_server_get_session(srv)->recording);
    /* with no session, an idle connection that did talk is let go after
     * AL_RX_IDLE_CONN_NS (10 s), much sooner than the session timeout */
    rtsp_server_end_session(srv, 12 * SEC, "interrupted");
    expect_events("END0[interrupted];CLOSE0;");
    rtsp_server_closed(srv, a, 12 * SEC, "closed");
    int d = rtsp_server_accept(srv, 12 * SEC, NULL, NULL);
    send_text(d, 12 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(d, 200, 1);
    assert_int_equal(rtsp_server_next_timer(srv), 12 * SEC + AL_RX_IDLE_CONN_NS);
    rtsp_server_tick(srv, 12 * SEC + AL_RX_IDLE_CONN_NS - 1);
    expect_events("");
    rtsp_server_tick(srv, 12 * SEC + AL_RX_IDLE_CONN_NS);
    char want[16];
    snprintf(want, sizeof want, "CLOSE%d;", d);
    expect_events(want);
}

/* Parse errors: answered with the limit's status and closed. */
static void test_parse_errors(void **state)
{
    (void)state;
    int a = rtsp_server_accept(srv, 0, NULL, NULL);
    record_session(a, 0);

    int b = rtsp_server_accept(srv, 0, NULL, NULL);
    static const uint8_t garbage[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, '\n'};
    rtsp_server_received(srv, b, 0, garbage, sizeof garbage);
    expect_reply(b, 400, -1);
    expect_events("NOTICE1;CLOSE1;");
    rtsp_server_closed(srv, b, 0, "closed");

    char *big = malloc(10001);
    assert_non_null(big);
    int c = rtsp_server_accept(srv, 0, NULL, NULL);
    send_text(c, 0, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\nX-Big: ");
    memset(big, 'a', 10000);
    big[10000] = '\0';
    send_text(c, 0, big);
    expect_reply(c, 400, -1);
    assert_string_equal(rsp.reason, "Request Header Fields Too Large");
    expect_events("NOTICE1;CLOSE1;");
    rtsp_server_closed(srv, c, 0, "closed");

    int d = rtsp_server_accept(srv, 0, NULL, NULL);
    send_text(d, 0, "OPTIONS rtsp://x/");
    send_text(d, 0, big);
    expect_reply(d, 414, -1);
    events();
    rtsp_server_closed(srv, d, 0, "closed");
    free(big);

    int e = rtsp_server_accept(srv, 0, NULL, NULL);
    send_text(e, 0, "OPTIONS " URL " RTSP/2.0\r\nCSeq: 3\r\n\r\n");
    expect_reply(e, 505, 3);
    events();
    rtsp_server_closed(srv, e, 0, "closed");

    /* the session never noticed */
    assert_true(rtsp_server_get_session(srv)->recording);
    sendf(a, 1 * SEC, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", session);
    expect_reply(a, 200, 5);
    expect_events("");
}

static void test_slots_and_end_session(void **state)
{
    (void)state;
    for (int i = 0; i < RTSP_SERVER_MAX_CONNS; i++)
        assert_int_equal(rtsp_server_accept(srv, i, NULL, NULL), i);
    rtsp_server_closed(srv, 3, 0, "closed");
    assert_int_equal(rtsp_server_accept(srv, 10, NULL, NULL), 3);
    record_session(3, 10);
    /* Every slot taken: the least active connection without the session
     * (slot 0, silent since it opened) gives way to a newcomer; the
     * session's own never does. */
    int evicted;
    assert_int_equal(rtsp_server_accept(srv, 20, NULL, &evicted), 0);
    assert_int_equal(evicted, 0);
    expect_events("NOTICE-1;");
    for (int i = 0; i < RTSP_SERVER_MAX_CONNS; i++)
        if (i != 3)
            rtsp_server_closed(srv, i, 20, "closed");
    for (int i = 0; i < RTSP_SERVER_MAX_CONNS - 1; i++)
        assert_true(rtsp_server_accept(srv, 30, NULL, &evicted) >= 0);
    assert_int_equal(rtsp_server_accept(srv, 30, NULL, &evicted), 0);
    assert_int_equal(evicted, 0);
    events();
    rtsp_server_end_session(srv, 1 * SEC, "interrupted");
    expect_events("END3[interrupted];CLOSE3;");
    /* bad slots are ignored */
    rtsp_server_received(srv, -1, 0, "x", 1);
    rtsp_server_received(srv, 99, 0, "x", 1);
    rtsp_server_closed(srv, 99, 0, "x");
}

/* Issue 11 row 4: a claim that never sends media is released at the claim
 * deadline (announcing again does not renew it), and a real sender then
 * gets in; with media the same session lives on. */
static void test_claim_without_media_expires(void **state)
{
    (void)state;
    int a = rtsp_server_accept(srv, 0, "192.0.2.66", NULL);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 2);
    announce(a, 0, 1, sdp);
    expect_reply(a, 200, 1);
    assert_int_equal(rtsp_server_next_timer(srv), AL_RX_CLAIM_DEADLINE_NS);
    /* keep-alives and a second ANNOUNCE hold nothing longer */
    send_text(a, 2 * SEC, "GET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    expect_reply(a, 200, 2);
    announce(a, 4 * SEC, 3, sdp);
    expect_reply(a, 200, 3);
    int b = rtsp_server_accept(srv, 4 * SEC, "192.0.2.7", NULL);
    send_text(b, 4 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(b, 453, 1);
    events();
    rtsp_server_closed(srv, b, 4 * SEC, "closed");
    rtsp_server_tick(srv, AL_RX_CLAIM_DEADLINE_NS - 1);
    expect_events("");
    rtsp_server_tick(srv, AL_RX_CLAIM_DEADLINE_NS);
    char want[64];
    snprintf(want, sizeof want, "NOTICE%d;CLOSE%d;", a, a);
    expect_events(want);
    assert_int_equal(rtsp_server_get_session(srv)->conn, -1);
    rtsp_server_closed(srv, a, AL_RX_CLAIM_DEADLINE_NS, "closed");

    /* a sender that does send media keeps its session past the deadline */
    int c = rtsp_server_accept(srv, 6 * SEC, "192.0.2.7", NULL);
    record_session(c, 6 * SEC);
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 7 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    rtsp_server_tick(srv, 6 * SEC + 2 * AL_RX_CLAIM_DEADLINE_NS);
    expect_events("");
    assert_true(rtsp_server_get_session(srv)->recording);
}

/* A host holds at most AL_RX_CONNS_PER_HOST connections: one more evicts
 * its least active, never the session's, and other hosts are untouched. */
static void test_per_host_cap(void **state)
{
    (void)state;
    int owner = rtsp_server_accept(srv, 0, "192.0.2.66", NULL);
    record_session(owner, 0);
    int other = rtsp_server_accept(srv, 0, "192.0.2.7", NULL);
    int held[AL_RX_CONNS_PER_HOST];
    int evicted;
    for (int i = 0; i < AL_RX_CONNS_PER_HOST - 1; i++) {
        held[i] = rtsp_server_accept(srv, (i + 1) * SEC, "192.0.2.66", &evicted);
        assert_true(held[i] >= 0);
        assert_int_equal(evicted, -1);
    }
    /* held[0] talks, so held[1] is now the least active (the session has
     * media: no takeover) */
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 5 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    send_text(held[0], 5 * SEC, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(held[0], 453, 1);
    events();
    rtsp_server_closed(srv, held[0], 5 * SEC, "closed");
    held[0] = rtsp_server_accept(srv, 6 * SEC, "192.0.2.66", &evicted);
    assert_int_equal(evicted, -1);
    int newest = rtsp_server_accept(srv, 7 * SEC, "192.0.2.66", &evicted);
    assert_true(newest >= 0);
    assert_int_equal(evicted, held[1]);
    assert_false(rtsp_server_conn_open(srv, held[1]));
    expect_events("NOTICE-1;");
    assert_true(rtsp_server_conn_open(srv, owner));
    assert_true(rtsp_server_conn_open(srv, other));
    assert_true(rtsp_server_get_session(srv)->recording);
    /* another host is not capped by this one */
    int more = rtsp_server_accept(srv, 8 * SEC, "192.0.2.8", &evicted);
    assert_true(more >= 0);
    assert_int_equal(evicted, -1);
}

/* Issue 11 row 10: the owner's host starts a new session over one whose
 * media stopped AL_RX_TAKEOVER_SILENCE_NS ago; before that, and from any
 * other host, it is refused. */
static void test_takeover_by_same_host(void **state)
{
    (void)state;
    int a = rtsp_server_accept(srv, 0, "192.0.2.66", NULL);
    record_session(a, 0);
    size_t len;
    const uint8_t *pkt = rtp(0xABCD, &len);
    assert_int_equal(rtsp_server_media(srv, 1 * SEC, true, pkt, len), RTSP_MEDIA_ACCEPT);
    char sdp[1024];
    our_sdp(sdp, sizeof sdp, 2);
    /* still streaming: refused */
    int64_t t = 1 * SEC + AL_RX_TAKEOVER_SILENCE_NS - 1;
    int b = rtsp_server_accept(srv, t, "192.0.2.66", NULL);
    send_text(b, t, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(b, 453, 1);
    events();
    rtsp_server_closed(srv, b, t, "closed");
    /* silent long enough, but another host: refused */
    t = 1 * SEC + AL_RX_TAKEOVER_SILENCE_NS;
    b = rtsp_server_accept(srv, t, "192.0.2.7", NULL);
    announce(b, t, 1, sdp);
    expect_reply(b, 453, 1);
    events();
    rtsp_server_closed(srv, b, t, "closed");
    /* the same host: OPTIONS answered, ANNOUNCE takes over */
    b = rtsp_server_accept(srv, t, "192.0.2.66", NULL);
    send_text(b, t, "OPTIONS " URL " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    expect_reply(b, 200, 1);
    expect_events("");
    announce(b, t, 2, sdp);
    expect_reply(b, 200, 2);
    char want[128];
    snprintf(want, sizeof want,
             "NOTICE%d;END%d[taken over by a new session from the same host];CLOSE%d;", b, a, a);
    expect_events(want);
    assert_int_equal(rtsp_server_get_session(srv)->conn, b);
    assert_false(rtsp_server_conn_open(srv, a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_happy_path, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_ffmpeg_dialogue, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_session_checks, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_out_of_order, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_second_sender_busy, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_unsupported_sdp, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_transports_and_methods, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_session_timeout, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_request_timeout, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_slots_and_end_session, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_claim_without_media_expires, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(test_per_host_cap, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_takeover_by_same_host, setup_server, teardown_server),
    };
    return cmocka_run_group_tests_name("rtsp_server", tests, NULL, NULL);
}
