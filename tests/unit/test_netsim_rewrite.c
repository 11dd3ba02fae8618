/* Unit tests for netsim's SETUP reply rewrite (tools/netsim/rtsp_rewrite.h):
 * only the server_port (and source) values change, every other byte stays,
 * and anything that is not a reply with a UDP server_port is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proto/rtsp.h"
#include "tools/netsim/rtsp_rewrite.h"

/* Parsers are 25 KiB: static, one for the input and one for checking output. */
static rtsp_parser in_parser, out_parser;
static char out[8192];

static void parse(rtsp_parser *p, const char *raw, size_t len, rtsp_message *msg)
{
    size_t used;
    rtsp_parser_reset(p);
    assert_int_equal(rtsp_parser_feed(p, raw, len, &used, msg), RTSP_MESSAGE);
    assert_int_equal(used, len);
}

/* Rewrites RAW to ports 40000-40001 (and SOURCE); returns the result. */
static int rewrite(const char *raw, const char *source, size_t *len, rtsp_port_range *announced)
{
    rtsp_message msg;
    parse(&in_parser, raw, strlen(raw), &msg);
    struct netsim_rewrite_target t = {40000, 40001, source};
    memset(out, 0, sizeof out);
    return netsim_rewrite_setup_reply(&msg, raw, strlen(raw), &t, out, sizeof out - 1, len,
                                      announced);
}

static void expect_none(const char *raw)
{
    size_t len = 0;
    rtsp_port_range a;
    assert_int_equal(rewrite(raw, "10.0.0.1", &len, &a), NETSIM_REWRITE_NONE);
    assert_string_equal(out, ""); /* out untouched */
}

static void expect_exact(const char *raw, const char *source, const char *want, uint16_t rtp,
                         uint16_t rtcp)
{
    size_t len = 0;
    rtsp_port_range a = {0, 0};
    assert_int_equal(rewrite(raw, source, &len, &a), NETSIM_REWRITE_DONE);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    assert_int_equal(a.rtp, rtp);
    assert_int_equal(a.rtcp, rtcp);
}

static void test_ffmpeg_reply(void **state)
{
    (void)state;
    /* The STANDARDS.md capture (ffmpeg's server), with a body after it. */
    expect_exact("RTSP/1.0 200 OK\r\n"
                 "CSeq: 3\r\n"
                 "Content-Length: 4\r\n"
                 "Transport: RTP/AVP/UDP;unicast;mode=receive;source=127.0.0.1;"
                 "client_port=17250-17251;server_port=5000-5001\r\n"
                 "Session: 3040141163\r\n"
                 "\r\n"
                 "abcd",
                 NULL,
                 "RTSP/1.0 200 OK\r\n"
                 "CSeq: 3\r\n"
                 "Content-Length: 4\r\n"
                 "Transport: RTP/AVP/UDP;unicast;mode=receive;source=127.0.0.1;"
                 "client_port=17250-17251;server_port=40000-40001\r\n"
                 "Session: 3040141163\r\n"
                 "\r\n"
                 "abcd",
                 5000, 5001);
}

static void test_source_replaced(void **state)
{
    (void)state;
    expect_exact("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;source=192.0.2.7;"
                 "server_port=6000-6001;mode=record\r\n\r\n",
                 "10.0.0.1",
                 "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;source=10.0.0.1;"
                 "server_port=40000-40001;mode=record\r\n\r\n",
                 6000, 6001);
}

static void test_lenient_spellings(void **state)
{
    (void)state;
    /* Bare LF, header name in another case with a blank before the colon,
     * parameter name in capitals, spaces, a quoted single port (P means
     * P and P+1), empty lines before the status line. */
    expect_exact("\r\n\nRTSP/1.0 200 OK\nCSeq: 3\ntransport :  RTP/AVP ; unicast ; "
                 "SERVER_PORT = \"7000\" ; mode=\"RECORD\"\n\n",
                 NULL,
                 "\r\n\nRTSP/1.0 200 OK\nCSeq: 3\ntransport :  RTP/AVP ; unicast ; "
                 "SERVER_PORT = 40000-40001 ; mode=\"RECORD\"\n\n",
                 7000, 7001);
}

static void test_folded_header(void **state)
{
    (void)state;
    /* Obsolete folding between parameters: the fold stays as it was. */
    expect_exact("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;\r\n"
                 "\tserver_port=5002-5003;\r\n mode=record\r\nSession: 1\r\n\r\n",
                 NULL,
                 "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;\r\n"
                 "\tserver_port=40000-40001;\r\n mode=record\r\nSession: 1\r\n\r\n",
                 5002, 5003);
}

static void test_every_spec(void **state)
{
    (void)state;
    /* Only the first spec's port is announced, but none may leak. */
    expect_exact("RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
                 "Transport: RTP/AVP;server_port=5000-5001,RTP/AVP;server_port=6000-6001\r\n\r\n",
                 NULL,
                 "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
                 "Transport: RTP/AVP;server_port=40000-40001,RTP/AVP;server_port=40000-40001"
                 "\r\n\r\n",
                 5000, 5001);
}

static void test_left_alone(void **state)
{
    (void)state;
    /* A request (the client's SETUP) */
    expect_none("SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\n"
                "Transport: RTP/AVP;unicast;client_port=4000-4001;server_port=1-2\r\n\r\n");
    /* Replies without Transport, without server_port, interleaved, refused */
    expect_none("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, SETUP\r\n\r\n");
    expect_none("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=4000-4001"
                "\r\n\r\n");
    expect_none("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n");
    expect_none("RTSP/1.0 453 Not Enough Bandwidth\r\nCSeq: 3\r\n\r\n");
    /* A Transport the project's parser rejects: passed on as it is */
    expect_none("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RAW/RAW/UDP;server_port=1-2\r\n\r\n");
    expect_none("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;server_port=0-1\r\n\r\n");
}

static void test_fallback_rewrites_whole(void **state)
{
    (void)state;
    /* More server_port parameters than edits planned: the message is written
     * anew, and must still carry the status, headers, CSeq and body. */
    char raw[2048];
    int n = snprintf(raw, sizeof raw, "RTSP/1.0 200 OK\r\nCSeq: 9\r\nX-A: 1\r\nTransport: RTP/AVP");
    for (int i = 0; i < 20; i++)
        n += snprintf(raw + n, sizeof raw - (size_t)n, ";server_port=5000-5001");
    snprintf(raw + n, sizeof raw - (size_t)n,
             ";mode=receive\r\nContent-Length: 3\r\nSession: 7\r\n\r\nxyz");
    size_t len;
    rtsp_port_range a;
    assert_int_equal(rewrite(raw, NULL, &len, &a), NETSIM_REWRITE_DONE);
    assert_int_equal(a.rtp, 5000);

    rtsp_message msg;
    parse(&out_parser, out, len, &msg);
    assert_true(msg.is_response);
    assert_int_equal(msg.status_code, 200);
    assert_int_equal(msg.cseq, 9);
    assert_string_equal(rtsp_header(&msg, "X-A"), "1");
    assert_string_equal(rtsp_header(&msg, "Session"), "7");
    assert_int_equal(msg.body_len, 3);
    assert_memory_equal(msg.body, "xyz", 3);
    rtsp_transport t;
    assert_int_equal(rtsp_parse_transport(rtsp_header(&msg, "Transport"), &t, NULL), RTSP_OK);
    assert_true(t.has_server_port);
    assert_int_equal(t.server_port.rtp, 40000);
    assert_int_equal(t.server_port.rtcp, 40001);
    assert_int_equal(t.mode, RTSP_MODE_RECORD);
}

static void test_single_port_and_small_buffer(void **state)
{
    (void)state;
    const char *raw =
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;server_port=5000-5001\r\n\r\n";
    rtsp_message msg;
    parse(&in_parser, raw, strlen(raw), &msg);
    rtsp_port_range a;
    size_t len;
    /* netsim on port 65535 has no RTCP port: the single-port form. */
    struct netsim_rewrite_target t = {65535, 0, NULL};
    char buf[256];
    assert_int_equal(
        netsim_rewrite_setup_reply(&msg, raw, strlen(raw), &t, buf, sizeof buf, &len, &a),
        NETSIM_REWRITE_DONE);
    const char *want = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;server_port=65535\r\n\r\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
    /* Too small for the result: an error, not a truncated message. */
    assert_int_equal(
        netsim_rewrite_setup_reply(&msg, raw, strlen(raw), &t, buf, strlen(want) - 1, &len, &a),
        NETSIM_REWRITE_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffmpeg_reply),
        cmocka_unit_test(test_source_replaced),
        cmocka_unit_test(test_lenient_spellings),
        cmocka_unit_test(test_folded_header),
        cmocka_unit_test(test_every_spec),
        cmocka_unit_test(test_left_alone),
        cmocka_unit_test(test_fallback_rewrites_whole),
        cmocka_unit_test(test_single_port_and_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
