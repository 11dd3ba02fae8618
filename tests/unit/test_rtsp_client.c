/* The sender's RTSP client state machine in simulated time: the whole record
 * dialogue byte for byte (CSeq 1, 2, 3 ... on each connection, Session on
 * every request after SETUP), RED offered only to a receiver that lists
 * org.audiolink.red (LBRR instead otherwise), keep-alive timing from the
 * session timeout, and every way a receiver can fail us: refused, busy,
 * garbage, 5xx, silence, hang-up, each with its retry backoff or exit
 * status. */
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
#include "sender/rtsp_client.h"

#define SEC  1000000000LL
#define MSEC 1000000LL
#define URL  "rtsp://127.0.0.1:5004/audio"

static rtsp_client client; /* 40 KiB: static, not on the test's stack */
static rtsp_parser parser;
static sdp_desc desc;

/* Our receiver's OPTIONS answer, and ffmpeg's (no RED, no GET_PARAMETER). */
#define OUR_PUBLIC    "Public: OPTIONS, ANNOUNCE, SETUP, RECORD, GET_PARAMETER, TEARDOWN\r\n"
#define OUR_SUPPORTED "Supported: org.audiolink.red\r\n"
#define FF_PUBLIC     "Public: ANNOUNCE, PAUSE, SETUP, TEARDOWN, RECORD\r\n"

static void init_client(unsigned red_depth, bool fec, bool retry_busy)
{
    rtsp_client_config cfg = {
        .url = URL,
        .user_agent = "audiolink/test",
        .client_port = 40000,
        .ssrc = 0x12345678,
        .channels = 1,
        .frame_us = 20000,
        .red_depth = red_depth,
        .red_bitrate = 7500,
        .fec = fec,
        .retry_busy = retry_busy,
    };
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), 0);
}

/* Appends each pending event as "TYPE(exit)[text]" to LOG and returns LOG;
 * the status of the last FINISHED goes to finished_status. */
static char event_log[4096];
static int finished_status = 12345;
static const char *events(void)
{
    static const char *names[] = {"CONNECT", "START", "STOP", "CLOSE", "NOTICE", "FINISHED"};
    event_log[0] = '\0';
    rtsp_client_event ev;
    while (rtsp_client_next_event(&client, &ev)) {
        size_t n = strlen(event_log);
        if (ev.type == RTSP_CLIENT_EV_FINISHED)
            finished_status = ev.status;
        else
            assert_int_equal(ev.status, AL_OK);
        if (ev.type == RTSP_CLIENT_EV_FINISHED)
            snprintf(event_log + n, sizeof event_log - n, "%s(%d)[%s];", names[ev.type],
                     al_exit_status(ev.status), ev.text);
        else if (ev.text[0])
            snprintf(event_log + n, sizeof event_log - n, "%s[%s];", names[ev.type], ev.text);
        else
            snprintf(event_log + n, sizeof event_log - n, "%s;", names[ev.type]);
    }
    return event_log;
}

static void expect_events(const char *want)
{
    const char *got = events();
    if (strcmp(got, want) != 0)
        fail_msg("events: got '%s', want '%s'", got, want);
}

/* Takes the queued output and parses it as exactly one request. */
static rtsp_message req;
static void take_request(enum rtsp_method method, long cseq)
{
    const uint8_t *data;
    size_t len = rtsp_client_output(&client, &data);
    assert_true(len > 0);
    rtsp_parser_reset(&parser);
    size_t used = 0;
    int st = rtsp_parser_feed(&parser, data, len, &used, &req);
    assert_int_equal(st, RTSP_MESSAGE);
    assert_int_equal(used, len); /* one request, nothing after it */
    rtsp_client_output_sent(&client, len);
    assert_false(req.is_response);
    assert_int_equal(req.method, method);
    assert_int_equal(req.cseq, cseq);
    assert_string_equal(rtsp_header(&req, "User-Agent"), "audiolink/test");
}

static void expect_no_output(void)
{
    const uint8_t *data;
    assert_int_equal(rtsp_client_output(&client, &data), 0);
}

static void reply(int64_t now, const char *text)
{
    rtsp_client_received(&client, now, text, strlen(text));
}

static void replyf(int64_t now, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void replyf(int64_t now, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    reply(now, text);
}

/* Runs the dialogue up to RECORDING against a server that answers OPTIONS
 * with OPTIONS_HEADERS and SETUP with SESSION; returns the ANNOUNCE's SDP in
 * desc. */
static void set_up(int64_t now, const char *options_headers, const char *session)
{
    expect_events("CONNECT;");
    rtsp_client_connected(&client, now, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    assert_string_equal(req.uri, URL);
    assert_null(rtsp_header(&req, "Session"));
    replyf(now, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n%s\r\n", options_headers);

    take_request(RTSP_METHOD_ANNOUNCE, 2);
    assert_string_equal(req.uri, URL);
    assert_string_equal(rtsp_header(&req, "Content-Type"), "application/sdp");
    assert_int_equal(sdp_parse(req.body, req.body_len, &desc), SDP_OK);
    reply(now, "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n");

    take_request(RTSP_METHOD_SETUP, 3);
    assert_string_equal(req.uri, URL "/streamid=0");
    rtsp_transport t;
    assert_int_equal(rtsp_parse_transport(rtsp_header(&req, "Transport"), &t, NULL), RTSP_OK);
    assert_int_equal(t.lower, RTSP_LOWER_UDP);
    assert_int_equal(t.cast, RTSP_CAST_UNICAST);
    assert_int_equal(t.mode, RTSP_MODE_RECORD);
    assert_true(t.has_client_port);
    assert_int_equal(t.client_port.rtp, 40000);
    assert_int_equal(t.client_port.rtcp, 40001);
    assert_true(t.has_ssrc);
    assert_int_equal(t.ssrc, 0x12345678);
    replyf(now,
           "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/UDP;unicast;client_port=40000-40001;"
           "server_port=5004-5005;mode=record\r\nSession: %s\r\n\r\n",
           session);

    take_request(RTSP_METHOD_RECORD, 4);
    assert_string_equal(rtsp_header(&req, "Range"), "npt=0.000-");
    assert_non_null(rtsp_header(&req, "Session"));
    assert_false(rtsp_client_recording(&client)); /* no media before RECORD's 200 */
    expect_events("");
    reply(now, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 1234ABCD\r\n\r\n");
    expect_events("START;");
    assert_true(rtsp_client_recording(&client));
}

static void test_happy_path_with_red(void **state)
{
    (void)state;
    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "1234ABCD;timeout=30");
    assert_string_equal(rtsp_header(&req, "Session"), "1234ABCD");

    /* The SDP: RED PT 63 first, carrying 111 three times (depth 2). */
    int red_pt, carried;
    assert_true(sdp_has_red(&desc, &red_pt, &carried));
    assert_int_equal(red_pt, AL_RED_PT);
    assert_int_equal(carried, AL_OPUS_PT);
    assert_int_equal(desc.payloads[0].pt, AL_RED_PT);
    sdp_opus_stream st;
    char why[128];
    assert_int_equal(sdp_select_opus(&desc, &st, why, sizeof why), SDP_OK);
    assert_int_equal(st.opus_pt, AL_OPUS_PT);
    assert_int_equal(st.red_depth, 2);
    assert_int_equal(st.channels, 1);
    assert_int_equal(st.ptime_us, 20000);
    assert_false(st.useinbandfec);
    assert_string_equal(desc.control, "streamid=0");
    assert_int_equal(desc.port, 0);

    const rtsp_client_stream *s = rtsp_client_get_stream(&client);
    assert_true(s->red);
    assert_int_equal(s->red_depth, 2);
    assert_false(s->fec);
    assert_int_equal(s->server_port, 5004);
    assert_int_equal(s->timeout_s, 30);
    assert_true(s->keepalive_get_parameter);

    /* Keep-alive every timeout / 3 = 10 s, GET_PARAMETER with Session. */
    assert_int_equal(rtsp_client_next_timer(&client), 10 * SEC);
    rtsp_client_tick(&client, 10 * SEC - 1);
    expect_no_output();
    rtsp_client_tick(&client, 10 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 5);
    assert_string_equal(rtsp_header(&req, "Session"), "1234ABCD");
    /* while it is outstanding, only its reply deadline is a timer: as long
     * as the receiver keeps the session, timeout - interval = 20 s */
    assert_int_equal(rtsp_client_next_timer(&client), 30 * SEC);
    reply(10 * SEC + 5 * MSEC, "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 1234ABCD\r\n\r\n");
    assert_int_equal(rtsp_client_next_timer(&client), 20 * SEC);
    rtsp_client_tick(&client, 20 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 6);
    reply(20 * SEC, "RTSP/1.0 200 OK\r\nCSeq: 6\r\n\r\n");
    expect_events("");

    /* End of input: STOP, TEARDOWN with Session, then CLOSE and exit 0. */
    rtsp_client_stop(&client, 25 * SEC, "end of input", false);
    expect_events("STOP[end of input];");
    assert_false(rtsp_client_recording(&client));
    take_request(RTSP_METHOD_TEARDOWN, 7);
    assert_string_equal(rtsp_header(&req, "Session"), "1234ABCD");
    reply(25 * SEC, "RTSP/1.0 200 OK\r\nCSeq: 7\r\n\r\n");
    expect_events("CLOSE;FINISHED(0)[];");
    assert_int_equal(finished_status, AL_OK);
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_FINISHED);
    assert_int_equal(rtsp_client_next_timer(&client), INT64_MAX);
}

/* ffmpeg's listener: no Supported (so no RED: LBRR instead), no
 * GET_PARAMETER in Public (so OPTIONS keeps the session alive), a Session
 * without timeout (60 s), and its replies fed one byte at a time. */
static void test_no_red_peer_gets_fec_and_options_keepalive(void **state)
{
    (void)state;
    init_client(2, false, false);
    set_up(0, FF_PUBLIC, "3040141163");
    int red_pt;
    assert_false(sdp_has_red(&desc, &red_pt, NULL));
    assert_int_equal(desc.payload_count, 1);
    assert_int_equal(desc.payloads[0].pt, AL_OPUS_PT);
    sdp_opus_stream st;
    assert_int_equal(sdp_select_opus(&desc, &st, NULL, 0), SDP_OK);
    assert_true(st.useinbandfec);
    const rtsp_client_stream *s = rtsp_client_get_stream(&client);
    assert_false(s->red);
    assert_true(s->fec);
    assert_true(s->fec_instead_of_red);
    assert_int_equal(s->timeout_s, 60);
    assert_false(s->keepalive_get_parameter);

    assert_int_equal(rtsp_client_next_timer(&client), 20 * SEC);
    rtsp_client_tick(&client, 20 * SEC);
    take_request(RTSP_METHOD_OPTIONS, 5);
    assert_string_equal(rtsp_header(&req, "Session"), "3040141163");
    const char *r = "RTSP/1.0 200 OK\r\nCSeq: 5\r\nServer: Lavf59\r\n" FF_PUBLIC "\r\n";
    for (size_t i = 0; r[i]; i++)
        rtsp_client_received(&client, 20 * SEC, r + i, 1);
    expect_events("");
    assert_int_equal(rtsp_client_next_timer(&client), 40 * SEC);

    /* Ctrl-C: TEARDOWN; the receiver never answers: gone after 2 s. */
    rtsp_client_stop(&client, 30 * SEC, "interrupted", true);
    expect_events("STOP[interrupted];");
    take_request(RTSP_METHOD_TEARDOWN, 6);
    assert_int_equal(rtsp_client_next_timer(&client), 32 * SEC);
    rtsp_client_tick(&client, 32 * SEC);
    expect_events("CLOSE;FINISHED(0)[];");
}

/* Without copies asked for, no LBRR is forced on, RED or not. */
static void test_no_redundancy_no_forced_fec(void **state)
{
    (void)state;
    init_client(0, false, false);
    set_up(0, FF_PUBLIC, "1234ABCD");
    assert_false(rtsp_client_get_stream(&client)->fec);
    assert_false(rtsp_client_get_stream(&client)->fec_instead_of_red);
    init_client(0, true, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "1234ABCD");
    assert_true(rtsp_client_get_stream(&client)->fec);
    assert_false(rtsp_client_get_stream(&client)->red);
}

/* Connection refused again and again: said once, retried after 0.25, 0.5,
 * 1, 2, 4, 4 s; then the receiver is up and the stream starts. */
static void test_refused_backoff(void **state)
{
    (void)state;
    init_client(2, false, false);
    expect_events("CONNECT;");
    int64_t now = 0;
    const int64_t waits[] = {250 * MSEC, 500 * MSEC, 1 * SEC, 2 * SEC, 4 * SEC, 4 * SEC};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        rtsp_client_connect_failed(&client, now, "Connection refused");
        const char *ev = events();
        if (i == 0)
            assert_non_null(strstr(ev, "NOTICE[cannot connect to the receiver at " URL
                                       " (Connection refused); retrying"));
        else
            assert_string_equal(ev, ""); /* the same problem is not said again */
        assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_WAIT_RETRY);
        assert_int_equal(rtsp_client_next_timer(&client), now + waits[i]);
        rtsp_client_tick(&client, now + waits[i] - 1);
        expect_events("");
        now += waits[i];
        rtsp_client_tick(&client, now);
        expect_events("CONNECT;");
    }
    /* A connect that hangs: given up after the response timeout. */
    rtsp_client_tick(&client, now + RTSP_CLIENT_RESPONSE_TIMEOUT_NS);
    assert_non_null(strstr(events(), "CLOSE;NOTICE[no connection to the receiver"));
    now += RTSP_CLIENT_RESPONSE_TIMEOUT_NS + 4 * SEC;
    rtsp_client_tick(&client, now);
    set_up(now, OUR_PUBLIC OUR_SUPPORTED, "1234ABCD");
}

/* A 5xx to RECORD, then garbage, then a wrong CSeq, then silence: each
 * closes the connection and retries with a growing wait; CSeq starts at 1
 * on every connection; success resets the backoff. */
static void test_server_errors_retry(void **state)
{
    (void)state;
    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" OUR_SUPPORTED "\r\n");
    take_request(RTSP_METHOD_ANNOUNCE, 2);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n");
    take_request(RTSP_METHOD_SETUP, 3);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 77\r\n\r\n");
    take_request(RTSP_METHOD_RECORD, 4);
    reply(0, "RTSP/1.0 503 Service Unavailable\r\nCSeq: 4\r\n\r\n");
    expect_events("CLOSE;NOTICE[the receiver answered RECORD with 503 Service Unavailable; "
                  "retrying in 0.25 s (backoff doubling up to 4 s)];");
    assert_int_equal(rtsp_client_next_timer(&client), 250 * MSEC);

    rtsp_client_tick(&client, 250 * MSEC);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 300 * MSEC, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1); /* a new connection starts at 1 */
    reply(300 * MSEC, "HTTP/1.1 400 Bad Request\r\n\r\n");
    assert_non_null(strstr(events(), "CLOSE;NOTICE[the receiver sent something that is not RTSP"));
    assert_int_equal(rtsp_client_next_timer(&client), 800 * MSEC);

    rtsp_client_tick(&client, 800 * MSEC);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 800 * MSEC, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(800 * MSEC, "RTSP/1.0 200 OK\r\nCSeq: 9\r\n\r\n");
    expect_events("CLOSE;NOTICE[the receiver answered CSeq 9, expected 1; retrying in 1 s "
                  "(backoff doubling up to 4 s)];");
    assert_int_equal(rtsp_client_next_timer(&client), 1800 * MSEC);

    rtsp_client_tick(&client, 1800 * MSEC);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 1800 * MSEC, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    rtsp_client_tick(&client, 1800 * MSEC + RTSP_CLIENT_RESPONSE_TIMEOUT_NS);
    assert_non_null(strstr(events(), "CLOSE;NOTICE[the receiver did not answer OPTIONS within"));
    int64_t now = 1800 * MSEC + RTSP_CLIENT_RESPONSE_TIMEOUT_NS;
    assert_int_equal(rtsp_client_next_timer(&client), now + 2 * SEC);

    rtsp_client_tick(&client, now + 2 * SEC);
    set_up(now + 2 * SEC, OUR_SUPPORTED, "88");
    /* Success resets the backoff: the next failure waits 0.25 s again. */
    rtsp_client_closed(&client, now + 3 * SEC, "Connection reset by peer");
    expect_events("STOP[Connection reset by peer];NOTICE[lost the receiver "
                  "(Connection reset by peer); retrying in 0.25 s (backoff doubling up to 4 s)];");
    assert_false(rtsp_client_recording(&client));
    assert_int_equal(rtsp_client_next_timer(&client), now + 3 * SEC + 250 * MSEC);
}

static void test_busy(void **state)
{
    (void)state;
    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "RTSP/1.0 453 Not Enough Bandwidth (receiver busy)\r\nCSeq: 1\r\n\r\n");
    expect_events("CLOSE;FINISHED(1)[receiver is busy (another sender is streaming)];");
    assert_int_equal(finished_status, AL_ERR_BUSY);

    /* --retry-busy: the same answer is a reason to wait and try again. */
    init_client(2, false, true);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "RTSP/1.0 453 Not Enough Bandwidth\r\nCSeq: 1\r\n\r\n");
    expect_events("CLOSE;NOTICE[receiver is busy (another sender is streaming); retrying "
                  "in 0.25 s (backoff doubling up to 4 s)];");
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_WAIT_RETRY);
}

static void test_refused_stream_exits(void **state)
{
    (void)state;
    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
    take_request(RTSP_METHOD_ANNOUNCE, 2);
    reply(0, "RTSP/1.0 415 Unsupported Media Type (payload 0 is PCMU)\r\nCSeq: 2\r\n\r\n");
    expect_events("CLOSE;FINISHED(1)[the receiver refused ANNOUNCE: 415 Unsupported Media Type "
                  "(payload 0 is PCMU)];");
    assert_int_equal(finished_status, AL_ERR_REFUSED);
    /* Nothing happens after the end. */
    rtsp_client_tick(&client, 100 * SEC);
    reply(100 * SEC, "RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n");
    expect_events("");
}

/* A keep-alive answered 454 means the receiver forgot us: start over. A
 * keep-alive not answered at all means it is gone. */
static void test_keepalive_failures(void **state)
{
    (void)state;
    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "AB;timeout=6");
    assert_int_equal(rtsp_client_next_timer(&client), 2 * SEC);
    rtsp_client_tick(&client, 2 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 5);
    reply(2 * SEC, "RTSP/1.0 454 Session Not Found\r\nCSeq: 5\r\n\r\n");
    expect_events("STOP[the receiver forgot the session];CLOSE;"
                  "NOTICE[the receiver no longer knows our session (454 Session Not Found); "
                  "retrying in 0.25 s (backoff doubling up to 4 s)];");

    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "AB;timeout=3");
    /* the interval never drops below 1 s */
    assert_int_equal(rtsp_client_next_timer(&client), 1 * SEC);
    rtsp_client_tick(&client, 1 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 5);
    rtsp_client_tick(&client, 1 * SEC + RTSP_CLIENT_RESPONSE_TIMEOUT_NS);
    assert_non_null(strstr(events(), "STOP[the receiver did not answer a keep-alive"));
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_WAIT_RETRY);

    /* An unanswered keep-alive is waited for as long as the receiver keeps
     * the session (timeout 60 s, keep-alive every 20 s: 40 s), not just the
     * 10 s reply timeout: an outage of 30 s does not end the session. */
    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "AB;timeout=60");
    rtsp_client_tick(&client, 20 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 5);
    rtsp_client_tick(&client, 50 * SEC);
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_RECORDING);
    assert_null(strstr(events(), "STOP"));
    reply(50 * SEC, "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n");
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_RECORDING);
    /* ... and given up once that is over */
    rtsp_client_tick(&client, 70 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 6);
    rtsp_client_tick(&client, 110 * SEC - 1);
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_RECORDING);
    rtsp_client_tick(&client, 110 * SEC);
    assert_non_null(strstr(events(), "STOP[the receiver did not answer a keep-alive within 40 s"));

    /* GET_PARAMETER listed but refused (501): OPTIONS from then on. */
    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "AB;timeout=30");
    rtsp_client_tick(&client, 10 * SEC);
    take_request(RTSP_METHOD_GET_PARAMETER, 5);
    reply(10 * SEC, "RTSP/1.0 501 Not Implemented\r\nCSeq: 5\r\n\r\n");
    expect_events("");
    rtsp_client_tick(&client, 20 * SEC);
    take_request(RTSP_METHOD_OPTIONS, 6);
}

/* The end of the input while no receiver takes the stream: exit 1, because
 * nobody heard the end; Ctrl-C then is a plain stop (0). */
static void test_stop_while_disconnected(void **state)
{
    (void)state;
    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_connect_failed(&client, 0, "Connection refused");
    events();
    rtsp_client_stop(&client, 1 * SEC, "end of input", false);
    expect_events("FINISHED(1)[end of input while no receiver was taking the stream];");
    assert_int_equal(finished_status, AL_ERR_NO_PEER);

    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_stop(&client, 1 * SEC, "interrupted", true); /* socket still connecting */
    expect_events("CLOSE;FINISHED(0)[];");

    /* Stopped while RECORD is outstanding: TEARDOWN follows at once and
     * the RECORD's late reply is not mistaken for the TEARDOWN's. */
    init_client(2, false, false);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
    take_request(RTSP_METHOD_ANNOUNCE, 2);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n");
    take_request(RTSP_METHOD_SETUP, 3);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 5\r\n\r\n");
    take_request(RTSP_METHOD_RECORD, 4);
    rtsp_client_stop(&client, 0, "interrupted", true);
    take_request(RTSP_METHOD_TEARDOWN, 5);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n");
    expect_events("");
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n");
    expect_events("CLOSE;FINISHED(0)[];");
}

/* The receiver hangs up while setting up, and a request from the server is
 * answered 501 without disturbing anything. */
static void test_hangup_and_server_request(void **state)
{
    (void)state;
    init_client(1, false, false);
    expect_events("CONNECT;");
    rtsp_client_connected(&client, 0, "::1", "::1");
    take_request(RTSP_METHOD_OPTIONS, 1);
    reply(0, "SET_PARAMETER " URL " RTSP/1.0\r\nCSeq: 77\r\n\r\n");
    const uint8_t *data;
    size_t len = rtsp_client_output(&client, &data);
    assert_true(len > 0);
    assert_memory_equal(data, "RTSP/1.0 501 Not Implemented\r\nCSeq: 77\r\n\r\n", len);
    rtsp_client_output_sent(&client, len);
    reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" OUR_SUPPORTED "\r\n");
    take_request(RTSP_METHOD_ANNOUNCE, 2);
    /* IPv6 addresses in the SDP */
    assert_int_equal(sdp_parse(req.body, req.body_len, &desc), SDP_OK);
    assert_int_equal(desc.origin_type, SDP_ADDR_IP6);
    assert_string_equal(desc.conn_addr, "::1");
    rtsp_client_closed(&client, 1 * SEC, "connection closed by the receiver");
    expect_events("NOTICE[the receiver hung up during ANNOUNCE (connection closed by the "
                  "receiver); retrying in 0.25 s (backoff doubling up to 4 s)];");
}

/* A receiver that sends requests and reads nothing: our 501 answers fill
 * the output until one does not fit. That ends the connection at once with
 * a notice saying why, and retries like any other failure: dropping the
 * replies would leave the receiver waiting for them (and, before, left the
 * client waiting for nothing, until the fuzzer found it). */
static void flood_unread(void)
{
    for (int i = 0; i < 1000 && rtsp_client_get_state(&client) != RTSP_CLIENT_WAIT_RETRY; i++)
        reply(0, "A * RTSP/1.0\r\n\r\n");
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_WAIT_RETRY);
    const char *log = events();
    if (!strstr(log, "CLOSE;NOTICE[the receiver sends requests but does not read our replies (") ||
        !strstr(log, " bytes unread): ending the connection; retrying in 0.25 s (backoff doubling "
                     "up to 4 s)];"))
        fail_msg("events: got '%s'", log);
    expect_no_output();
    assert_int_equal(rtsp_client_next_timer(&client), 250 * MSEC);
}

static void test_output_full_retries(void **state)
{
    (void)state;
    /* while OPTIONS, ANNOUNCE and SETUP wait for their replies */
    for (int step = 0; step < 3; step++) {
        init_client(2, false, false);
        expect_events("CONNECT;");
        rtsp_client_connected(&client, 0, "127.0.0.1", "127.0.0.1");
        take_request(RTSP_METHOD_OPTIONS, 1);
        if (step > 0) {
            reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" OUR_SUPPORTED "\r\n");
            take_request(RTSP_METHOD_ANNOUNCE, 2);
        }
        if (step > 1) {
            reply(0, "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n");
            take_request(RTSP_METHOD_SETUP, 3);
        }
        flood_unread();
        /* the late reply of the dead connection changes nothing */
        reply(0, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
        expect_events("");
        expect_no_output();
    }
    /* while recording: the media stops too */
    init_client(2, false, false);
    set_up(0, OUR_PUBLIC OUR_SUPPORTED, "1234ABCD");
    events();
    for (int i = 0; i < 1000 && rtsp_client_get_state(&client) != RTSP_CLIENT_WAIT_RETRY; i++)
        reply(0, "A * RTSP/1.0\r\n\r\n");
    assert_int_equal(rtsp_client_get_state(&client), RTSP_CLIENT_WAIT_RETRY);
    const char *log = events();
    if (strncmp(log, "STOP[", 5) != 0 || !strstr(log, "does not read our replies"))
        fail_msg("events: got '%s'", log);
}

static void test_bad_config(void **state)
{
    (void)state;
    rtsp_client_config cfg = {
        .url = "http://x/", .user_agent = "a", .client_port = 1, .channels = 1};
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), RTSP_ERR_URL);
    cfg.url = URL;
    cfg.channels = 3;
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), AL_ERR_ARG);
    cfg.channels = 2;
    cfg.client_port = 0;
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), AL_ERR_ARG);
    cfg.client_port = 9;
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), 0);
    /* a URL ending in '/' gets no double slash before streamid=0 */
    cfg.url = "rtsp://[::1]:5004/";
    assert_int_equal(rtsp_client_init(&client, &cfg, 0), 0);
    assert_string_equal(client.setup_url, "rtsp://[::1]:5004/streamid=0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path_with_red),
        cmocka_unit_test(test_no_red_peer_gets_fec_and_options_keepalive),
        cmocka_unit_test(test_no_redundancy_no_forced_fec),
        cmocka_unit_test(test_refused_backoff),
        cmocka_unit_test(test_server_errors_retry),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_refused_stream_exits),
        cmocka_unit_test(test_keepalive_failures),
        cmocka_unit_test(test_stop_while_disconnected),
        cmocka_unit_test(test_hangup_and_server_request),
        cmocka_unit_test(test_output_full_retries),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests_name("rtsp_client", tests, NULL, NULL);
}
