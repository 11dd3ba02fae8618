/* RTSP/1.0 record mode: ffmpeg's real dialogue as it arrives over TCP (the
 * ANNOUNCE body in a later segment), chunking independence, pipelining, bare
 * LF, every limit and its status code, bad versions, '$' frames, Transport,
 * Session and URL variants, and the writers' exact bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/rtsp.h"
#include "proto/sdp.h"

/* ffmpeg (Lavf59) as an RTSP pusher: the request layout of its rtsp.c,
 * "METHOD URL RTSP/1.0", the method's own headers, CSeq, User-Agent, Session
 * once known, Content-Length, and the body written separately. */
#define FF_URL "rtsp://127.0.0.1:8554/live"
#define FF_UA  "User-Agent: Lavf59.27.100\r\n"
#define FF_SDP                                                                                     \
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"              \
    "a=tool:libavformat 59.27.100\r\nm=audio 0 RTP/AVP 96\r\nb=AS:64\r\n"                          \
    "a=rtpmap:96 opus/48000/2\r\na=control:streamid=0\r\n"
#define FF_OPTIONS "OPTIONS " FF_URL " RTSP/1.0\r\nCSeq: 1\r\n" FF_UA "\r\n"
#define FF_ANNOUNCE_HEAD                                                                           \
    "ANNOUNCE " FF_URL " RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\n" FF_UA           \
    "Content-Length: 178\r\n\r\n"
#define FF_SETUP                                                                                   \
    "SETUP " FF_URL "/streamid=0 RTSP/1.0\r\n"                                                     \
    "Transport: RTP/AVP/UDP;unicast;client_port=17250-17251;mode=record\r\nCSeq: 3\r\n" FF_UA      \
    "\r\n"
#define FF_RECORD                                                                                  \
    "RECORD " FF_URL " RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\n" FF_UA                         \
    "Session: 3040141163\r\n\r\n"
#define FF_TEARDOWN                                                                                \
    "TEARDOWN " FF_URL " RTSP/1.0\r\nCSeq: 5\r\n" FF_UA "Session: 3040141163\r\n\r\n"
/* ffmpeg's listener answering that SETUP (PEERS.md). */
#define FF_SETUP_REPLY                                                                             \
    "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/UDP;unicast;mode=receive;"                   \
    "source=127.0.0.1;client_port=17250-17251;server_port=5000-5001\r\nSession: 3040141163\r\n"    \
    "\r\n"

static rtsp_parser parser; /* 25 KiB: static, not on the test's stack */

/* Feeds TEXT[0..LEN) from an exact-size heap copy, so ASan catches any read
 * past what the parser was given. */
static int feed_exact(rtsp_parser *p, const void *text, size_t len, size_t *used, rtsp_message *m)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, text, len);
    int st = rtsp_parser_feed(p, copy, len, used, m);
    /* The message may point into the parser, never into our copy. */
    free(copy);
    return st;
}

/* Appends a canonical text form of one parse event to LOG. */
static void log_event(char *log, size_t cap, int st, const rtsp_message *m)
{
    size_t n = strlen(log);
    n += (size_t)snprintf(log + n, cap - n, "[%d]", st);
    if (st == RTSP_INTERLEAVED)
        n += (size_t)snprintf(log + n, cap - n, " ch=%u len=%u", m->channel, m->frame_len);
    if (st == RTSP_MESSAGE || st < 0) {
        n += (size_t)snprintf(log + n, cap - n, " %d %s %s %d %s cseq=%ld", m->is_response,
                              m->method_name, m->uri, m->status_code, m->reason, m->cseq);
        for (size_t i = 0; i < m->header_count; i++)
            n += (size_t)snprintf(log + n, cap - n, " |%s=%s", m->headers[i].name,
                                  m->headers[i].value);
        n += (size_t)snprintf(log + n, cap - n, " body(%zu)=", m->body_len);
        if (m->body_len < cap - n) {
            memcpy(log + n, m->body, m->body_len);
            n += m->body_len;
            log[n] = '\0';
        }
    }
    snprintf(log + n, cap - n, "\n");
}

/* Feeds DATA the way a TCP reader would, in chunks of CHUNK bytes (0: all at
 * once): after each message the rest of the chunk is offered again. Logs
 * every event; returns the number of events, stopping at the first error. */
static int run_chunked(const char *data, size_t len, size_t chunk, char *log, size_t cap)
{
    rtsp_parser_reset(&parser);
    log[0] = '\0';
    int events = 0;
    for (size_t off = 0; off < len;) {
        size_t n = chunk && chunk < len - off ? chunk : len - off;
        size_t pos = 0;
        for (;;) {
            rtsp_message m;
            size_t used;
            int st = feed_exact(&parser, data + off + pos, n - pos, &used, &m);
            assert_true(used <= n - pos);
            pos += used;
            if (st == RTSP_NEED_MORE) {
                assert_int_equal(pos, n); /* NEED_MORE means all consumed */
                break;
            }
            log_event(log, cap, st, &m);
            events++;
            if (st < 0)
                return events;
        }
        off += n;
    }
    return events;
}

static void test_ffmpeg_dialogue(void **state)
{
    (void)state;
    assert_int_equal(strlen(FF_SDP), 178); /* the Content-Length in FF_ANNOUNCE_HEAD */
    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;

    assert_int_equal(feed_exact(&parser, FF_OPTIONS, strlen(FF_OPTIONS), &used, &m), RTSP_MESSAGE);
    assert_int_equal(used, strlen(FF_OPTIONS));
    assert_false(m.is_response);
    assert_int_equal(m.method, RTSP_METHOD_OPTIONS);
    assert_string_equal(m.uri, FF_URL);
    assert_int_equal(m.cseq, 1);
    assert_string_equal(rtsp_header(&m, "user-agent"), "Lavf59.27.100");
    assert_int_equal(m.body_len, 0);

    /* ANNOUNCE: the head in one segment, the SDP in the next. */
    const char *head = FF_ANNOUNCE_HEAD;
    assert_int_equal(feed_exact(&parser, head, strlen(head), &used, &m), RTSP_NEED_MORE);
    assert_int_equal(used, strlen(head));
    assert_int_equal(feed_exact(&parser, FF_SDP, 100, &used, &m), RTSP_NEED_MORE);
    assert_int_equal(used, 100);
    assert_int_equal(feed_exact(&parser, &FF_SDP[100], strlen(FF_SDP) - 100, &used, &m),
                     RTSP_MESSAGE);
    assert_int_equal(used, strlen(FF_SDP) - 100);
    assert_int_equal(m.method, RTSP_METHOD_ANNOUNCE);
    assert_int_equal(m.cseq, 2);
    assert_string_equal(rtsp_header(&m, "Content-Type"), "application/sdp");
    assert_int_equal(m.body_len, strlen(FF_SDP));
    assert_memory_equal(m.body, FF_SDP, strlen(FF_SDP));
    assert_int_equal(m.body[m.body_len], '\0');
    static sdp_desc desc;
    assert_int_equal(sdp_parse(m.body, m.body_len, &desc), SDP_OK);
    assert_int_equal(sdp_find_codec(&desc, "opus"), 96);

    assert_int_equal(feed_exact(&parser, FF_SETUP, strlen(FF_SETUP), &used, &m), RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_SETUP);
    assert_string_equal(m.uri, FF_URL "/streamid=0");
    assert_int_equal(m.cseq, 3);
    rtsp_transport t;
    assert_int_equal(rtsp_parse_transport(rtsp_header(&m, "transport"), &t, NULL), RTSP_OK);
    assert_int_equal(t.lower, RTSP_LOWER_UDP);
    assert_int_equal(t.profile, RTSP_PROFILE_AVP);
    assert_int_equal(t.cast, RTSP_CAST_UNICAST);
    assert_int_equal(t.mode, RTSP_MODE_RECORD);
    assert_true(t.has_client_port);
    assert_int_equal(t.client_port.rtp, 17250);
    assert_int_equal(t.client_port.rtcp, 17251);
    assert_false(t.has_server_port);

    assert_int_equal(feed_exact(&parser, FF_RECORD, strlen(FF_RECORD), &used, &m), RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_RECORD);
    assert_string_equal(rtsp_header(&m, "range"), "npt=0.000-");
    rtsp_session s;
    assert_int_equal(rtsp_parse_session(rtsp_header(&m, "Session"), &s), RTSP_OK);
    assert_string_equal(s.id, "3040141163");
    assert_false(s.has_timeout);
    assert_int_equal(s.timeout, RTSP_DEFAULT_SESSION_TIMEOUT);

    assert_int_equal(feed_exact(&parser, FF_TEARDOWN, strlen(FF_TEARDOWN), &used, &m),
                     RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_TEARDOWN);
    assert_int_equal(m.cseq, 5);

    /* The same parser reads the other direction's replies too. */
    assert_int_equal(feed_exact(&parser, FF_SETUP_REPLY, strlen(FF_SETUP_REPLY), &used, &m),
                     RTSP_MESSAGE);
    assert_true(m.is_response);
    assert_int_equal(m.status_code, 200);
    assert_string_equal(m.reason, "OK");
    assert_int_equal(m.cseq, 3);
    assert_int_equal(rtsp_parse_transport(rtsp_header(&m, "Transport"), &t, NULL), RTSP_OK);
    assert_int_equal(t.mode, RTSP_MODE_RECORD); /* "receive" */
    assert_string_equal(t.source, "127.0.0.1");
    assert_int_equal(t.server_port.rtp, 5000);
    assert_int_equal(t.server_port.rtcp, 5001);
    assert_int_equal(t.client_port.rtp, 17250);
}

/* The whole conversation plus a '$' frame: every chunk size gives the same
 * events as all at once. */
static void test_chunking_independent(void **state)
{
    (void)state;
    static const char stream[] = FF_OPTIONS FF_ANNOUNCE_HEAD FF_SDP FF_SETUP
        "$\001\000\005RTCP!" FF_RECORD FF_SETUP_REPLY "$\000\000\000" FF_TEARDOWN;
    static char whole[16384], chunked[16384];
    int events = run_chunked(stream, sizeof stream - 1, 0, whole, sizeof whole);
    assert_int_equal(events, 8);
    assert_non_null(strstr(whole, "[3] ch=1 len=5"));
    assert_non_null(strstr(whole, "[3] ch=0 len=0"));
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 64, 171, 500};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        assert_int_equal(run_chunked(stream, sizeof stream - 1, chunks[i], chunked, sizeof chunked),
                         events);
        assert_string_equal(chunked, whole);
    }
}

static void test_pipelined(void **state)
{
    (void)state;
    static const char two[] = FF_SETUP FF_RECORD;
    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;
    assert_int_equal(feed_exact(&parser, two, sizeof two - 1, &used, &m), RTSP_MESSAGE);
    assert_int_equal(used, strlen(FF_SETUP));
    assert_int_equal(m.method, RTSP_METHOD_SETUP);
    size_t rest = sizeof two - 1 - used;
    assert_int_equal(feed_exact(&parser, two + used, rest, &used, &m), RTSP_MESSAGE);
    assert_int_equal(used, rest);
    assert_int_equal(m.method, RTSP_METHOD_RECORD);
    assert_int_equal(m.cseq, 4);
    assert_int_equal(feed_exact(&parser, "", 0, &used, &m), RTSP_NEED_MORE);
    assert_int_equal(used, 0);
}

static void test_bare_lf_and_leading_blank_lines(void **state)
{
    (void)state;
    static const char lf[] = "\r\n\nOPTIONS rtsp://h/a RTSP/1.0\nCSeq: 7\r\nX-A:b\n\n";
    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;
    assert_int_equal(feed_exact(&parser, lf, sizeof lf - 1, &used, &m), RTSP_MESSAGE);
    assert_int_equal(used, sizeof lf - 1);
    assert_int_equal(m.cseq, 7);
    assert_string_equal(m.uri, "rtsp://h/a");
    assert_string_equal(rtsp_header(&m, "x-a"), "b");
    assert_int_equal(m.header_count, 2);
}

static void test_header_names_and_values(void **state)
{
    (void)state;
    static const char msg[] = "SET_PARAMETER rtsp://h/ RTSP/1.0\r\n"
                              "cseq:   12 \t\r\n"
                              "CONTENT-length: 5\r\n"
                              "X-Folded: first\r\n"
                              "   second  \r\n"
                              "\tthird\r\n"
                              "X-Empty:\r\n"
                              "\r\n"
                              "hello";
    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;
    assert_int_equal(feed_exact(&parser, msg, sizeof msg - 1, &used, &m), RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_SET_PARAMETER);
    assert_int_equal(m.cseq, 12);
    assert_string_equal(rtsp_header(&m, "CSEQ"), "12");
    assert_string_equal(m.headers[0].name, "cseq"); /* case kept as sent */
    assert_string_equal(rtsp_header(&m, "x-folded"), "first second third");
    assert_string_equal(rtsp_header(&m, "X-EMPTY"), "");
    assert_null(rtsp_header(&m, "Session"));
    assert_int_equal(m.header_count, 4);
    assert_int_equal(m.body_len, 5);
    assert_string_equal(m.body, "hello");
}

static void test_missing_or_bad_cseq(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "OPTIONS * RTSP/1.0\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: -3\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 2147483648\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq:\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        rtsp_parser_reset(&parser);
        rtsp_message m;
        size_t used;
        assert_int_equal(feed_exact(&parser, msgs[i], strlen(msgs[i]), &used, &m), RTSP_MESSAGE);
        assert_int_equal(m.cseq, -1);
    }
    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;
    const char *max = "OPTIONS * RTSP/1.0\r\nCSeq: 2147483647\r\n\r\n";
    assert_int_equal(feed_exact(&parser, max, strlen(max), &used, &m), RTSP_MESSAGE);
    assert_int_equal(m.cseq, 2147483647L);
}

/* Builds "OPTIONS <uri of URI_LEN bytes> RTSP/1.0\r\nCSeq: 1\r\n" + EXTRA. */
static char *request_with_uri(size_t line_len, const char *extra)
{
    static const char pre[] = "OPTIONS rtsp://h/", post[] = " RTSP/1.0";
    size_t fill = line_len - (sizeof pre - 1) - (sizeof post - 1);
    char *buf = malloc(line_len + 64 + strlen(extra));
    assert_non_null(buf);
    strcpy(buf, pre);
    memset(buf + sizeof pre - 1, 'a', fill);
    strcpy(buf + sizeof pre - 1 + fill, post);
    strcat(buf, "\r\nCSeq: 1\r\n");
    strcat(buf, extra);
    return buf;
}

static int parse_one(const char *text, size_t len, rtsp_message *m)
{
    rtsp_parser_reset(&parser);
    size_t used;
    return feed_exact(&parser, text, len, &used, m);
}

static void test_limit_line_length(void **state)
{
    (void)state;
    rtsp_message m;
    const char *reason;
    /* A start line of exactly RTSP_MAX_LINE bytes passes, one more does not,
     * with CRLF and with bare LF. */
    char *ok = request_with_uri(RTSP_MAX_LINE, "\r\n");
    assert_int_equal(parse_one(ok, strlen(ok), &m), RTSP_MESSAGE);
    assert_int_equal(strlen(m.uri), RTSP_MAX_LINE - strlen("OPTIONS  RTSP/1.0"));
    free(ok);
    char *bad = request_with_uri(RTSP_MAX_LINE + 1, "\r\n");
    assert_int_equal(parse_one(bad, strlen(bad), &m), RTSP_ERR_URI_TOO_LONG);
    assert_int_equal(rtsp_error_status(RTSP_ERR_URI_TOO_LONG, &reason), 414);
    free(bad);

    /* Detected without waiting for the line end: 5000 bytes and no LF. */
    char *flood = malloc(5000);
    assert_non_null(flood);
    memset(flood, 'A', 5000);
    assert_int_equal(parse_one(flood, 5000, &m), RTSP_ERR_URI_TOO_LONG);
    /* ... and the error is sticky until reset. */
    size_t used;
    assert_int_equal(feed_exact(&parser, FF_OPTIONS, strlen(FF_OPTIONS), &used, &m),
                     RTSP_ERR_URI_TOO_LONG);
    assert_int_equal(used, 0);
    rtsp_parser_reset(&parser);
    assert_int_equal(feed_exact(&parser, FF_OPTIONS, strlen(FF_OPTIONS), &used, &m), RTSP_MESSAGE);

    /* Header line: X-Long: + value, exactly at and one past the limit. */
    for (int extra = 0; extra <= 1; extra++) {
        size_t value_len = RTSP_MAX_LINE - strlen("X-Long: ") + (size_t)extra;
        char *msg = malloc(value_len + 64);
        assert_non_null(msg);
        strcpy(msg, "OPTIONS * RTSP/1.0\r\nX-Long: ");
        memset(msg + strlen(msg), 'v', value_len);
        strcpy(msg + strlen("OPTIONS * RTSP/1.0\r\nX-Long: ") + value_len, "\n\n");
        assert_int_equal(parse_one(msg, strlen(msg), &m),
                         extra ? RTSP_ERR_LINE_TOO_LONG : RTSP_MESSAGE);
        free(msg);
    }
    memset(flood, 'B', 5000);
    memcpy(flood, "OPTIONS * RTSP/1.0\r\n", 20);
    assert_int_equal(parse_one(flood, 5000, &m), RTSP_ERR_LINE_TOO_LONG);
    assert_int_equal(rtsp_error_status(RTSP_ERR_LINE_TOO_LONG, &reason), 400);
    assert_string_equal(reason, "Request Header Fields Too Large");
    free(flood);
}

static void test_limit_header_count_and_head_size(void **state)
{
    (void)state;
    static char msg[RTSP_MAX_HEAD * 2];
    rtsp_message m;
    const char *reason;
    for (int n = RTSP_MAX_HEADERS; n <= RTSP_MAX_HEADERS + 1; n++) {
        strcpy(msg, "OPTIONS * RTSP/1.0\r\n");
        for (int i = 0; i < n; i++)
            sprintf(msg + strlen(msg), "H%d: %d\r\n", i, i);
        strcat(msg, "\r\n");
        int st = parse_one(msg, strlen(msg), &m);
        if (n == RTSP_MAX_HEADERS) {
            assert_int_equal(st, RTSP_MESSAGE);
            assert_int_equal(m.header_count, RTSP_MAX_HEADERS);
            assert_string_equal(rtsp_header(&m, "h63"), "63");
        } else {
            assert_int_equal(st, RTSP_ERR_TOO_MANY_HEADERS);
        }
    }
    assert_int_equal(rtsp_error_status(RTSP_ERR_TOO_MANY_HEADERS, &reason), 400);
    assert_string_equal(reason, "Request Header Fields Too Large");

    /* 40 lines of 250 bytes: each line and the count are fine, the total not. */
    strcpy(msg, "OPTIONS * RTSP/1.0\r\n");
    for (int i = 0; i < 40; i++) {
        char line[300];
        snprintf(line, sizeof line, "X-%02d: %0240d\r\n", i, 0);
        strcat(msg, line);
    }
    strcat(msg, "\r\n");
    assert_int_equal(parse_one(msg, strlen(msg), &m), RTSP_ERR_HEAD_TOO_LARGE);
    assert_int_equal(rtsp_error_status(RTSP_ERR_HEAD_TOO_LARGE, NULL), 400);
}

static void test_limit_content_length(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int status;
    } cases[] = {
        {"16385", RTSP_ERR_BODY_TOO_LARGE},
        {"99999999999999999999999999", RTSP_ERR_BODY_TOO_LARGE},
        {"-1", RTSP_ERR_CONTENT_LENGTH},
        {"abc", RTSP_ERR_CONTENT_LENGTH},
        {"12abc", RTSP_ERR_CONTENT_LENGTH},
        {"+5", RTSP_ERR_CONTENT_LENGTH},
        {"1 2", RTSP_ERR_CONTENT_LENGTH},
        {"", RTSP_ERR_CONTENT_LENGTH},
        {"0", RTSP_MESSAGE},
        {"  0  ", RTSP_MESSAGE},
    };
    rtsp_message m;
    char msg[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(msg, sizeof msg,
                 "ANNOUNCE rtsp://h/ RTSP/1.0\r\nCSeq: 9\r\nContent-Length: %s\r\n\r\n",
                 cases[i].value);
        assert_int_equal(parse_one(msg, strlen(msg), &m), cases[i].status);
        /* The head was complete: the error reply can echo the CSeq. */
        assert_int_equal(m.cseq, 9);
    }
    const char *reason;
    assert_int_equal(rtsp_error_status(RTSP_ERR_BODY_TOO_LARGE, &reason), 413);
    assert_string_equal(reason, "Request Entity Too Large");
    assert_int_equal(rtsp_error_status(RTSP_ERR_CONTENT_LENGTH, &reason), 400);
    assert_string_equal(reason, "Bad Request");

    /* Two Content-Length headers: the same value is fine, two values are not. */
    const char *same = "ANNOUNCE * RTSP/1.0\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab";
    assert_int_equal(parse_one(same, strlen(same), &m), RTSP_MESSAGE);
    assert_string_equal(m.body, "ab");
    const char *differ = "ANNOUNCE * RTSP/1.0\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc";
    assert_int_equal(parse_one(differ, strlen(differ), &m), RTSP_ERR_CONTENT_LENGTH);

    /* The largest body accepted arrives intact. */
    size_t head_len = (size_t)snprintf(
        msg, sizeof msg, "ANNOUNCE * RTSP/1.0\r\nContent-Length: %d\r\n\r\n", RTSP_MAX_BODY);
    char *big = malloc(head_len + RTSP_MAX_BODY);
    assert_non_null(big);
    memcpy(big, msg, head_len);
    for (size_t i = 0; i < RTSP_MAX_BODY; i++)
        big[head_len + i] = (char)('a' + i % 26);
    assert_int_equal(parse_one(big, head_len + RTSP_MAX_BODY, &m), RTSP_MESSAGE);
    assert_int_equal(m.body_len, RTSP_MAX_BODY);
    assert_memory_equal(m.body, big + head_len, RTSP_MAX_BODY);
    free(big);
}

static void test_bad_start_lines(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int status;
        int code;
    } cases[] = {
        {"OPTIONS rtsp://h/ RTSP/2.0\r\nCSeq: 4\r\n\r\n", RTSP_ERR_VERSION, 505},
        {"GET / HTTP/1.1\r\nCSeq: 4\r\n\r\n", RTSP_ERR_VERSION, 505},
        {"RTSP/2.0 200 OK\r\nCSeq: 4\r\n\r\n", RTSP_ERR_VERSION, 505},
        {"HELLO\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"OPTIONS rtsp://h/\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"OPTIONS rtsp://h/ x RTSP/1.0\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"OPTIONS rtsp://h/ RTSP/1.x\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"OPT(IONS rtsp://h/ RTSP/1.0\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"RTSP/1.0 2x0 OK\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"RTSP/1.0 20 OK\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"RTSP/1.0 2000 OK\r\nCSeq: 4\r\n\r\n", RTSP_ERR_START_LINE, 400},
        {"OPTIONS * RTSP/1.0\r\nCSeq: 4\r\nNo colon here\r\n\r\n", RTSP_ERR_HEADER, 400},
        {"OPTIONS * RTSP/1.0\r\nCSeq: 4\r\n: no name\r\n\r\n", RTSP_ERR_HEADER, 400},
        {"OPTIONS * RTSP/1.0\r\n folded first\r\nCSeq: 4\r\n\r\n", RTSP_ERR_HEADER, 400},
    };
    rtsp_message m;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse_one(cases[i].text, strlen(cases[i].text), &m), cases[i].status);
        assert_int_equal(m.cseq, 4);
        assert_int_equal(rtsp_error_status(cases[i].status, NULL), cases[i].code);
    }
    /* A NUL byte in the head is refused at once. */
    static const char nul[] = "OPTIONS * RTSP/1.0\r\nX: a\0b\r\n\r\n";
    assert_int_equal(parse_one(nul, sizeof nul - 1, &m), RTSP_ERR_HEADER);
    assert_int_equal(parse_one("OPT\0", 4, &m), RTSP_ERR_START_LINE);
    /* An unknown method is still a message; its name is kept. */
    const char *unknown = "REDIRECT rtsp://h/ RTSP/1.0\r\nCSeq: 4\r\n\r\n";
    assert_int_equal(parse_one(unknown, strlen(unknown), &m), RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_UNKNOWN);
    assert_string_equal(m.method_name, "REDIRECT");
    /* A status line without a reason phrase. */
    const char *bare = "RTSP/1.0 454\r\nCSeq: 4\r\n\r\n";
    assert_int_equal(parse_one(bare, strlen(bare), &m), RTSP_MESSAGE);
    assert_int_equal(m.status_code, 454);
    assert_string_equal(m.reason, "");
}

static void test_interleaved(void **state)
{
    (void)state;
    static const char data[] = "$\002\001\000"; /* channel 2, 256 bytes follow */
    static char stream[4 + 256 + sizeof FF_OPTIONS];
    memcpy(stream, data, 4);
    memset(stream + 4, 'R', 256);
    memcpy(stream + 260, FF_OPTIONS, strlen(FF_OPTIONS));
    size_t total = 260 + strlen(FF_OPTIONS);

    rtsp_parser_reset(&parser);
    rtsp_message m;
    size_t used;
    assert_int_equal(feed_exact(&parser, stream, total, &used, &m), RTSP_INTERLEAVED);
    assert_int_equal(used, 4);
    assert_int_equal(m.channel, 2);
    assert_int_equal(m.frame_len, 256);
    /* The payload is skipped by the parser, in pieces, then OPTIONS follows. */
    assert_int_equal(feed_exact(&parser, stream + 4, 100, &used, &m), RTSP_NEED_MORE);
    assert_int_equal(used, 100);
    assert_int_equal(feed_exact(&parser, stream + 104, total - 104, &used, &m), RTSP_MESSAGE);
    assert_int_equal(used, total - 104);
    assert_int_equal(m.method, RTSP_METHOD_OPTIONS);

    /* '$' only counts at a message boundary: inside a body it is data. */
    const char *body = "SET_PARAMETER * RTSP/1.0\r\nContent-Length: 4\r\n\r\n$\001\002\003";
    assert_int_equal(parse_one(body, strlen(body), &m), RTSP_MESSAGE);
    assert_int_equal(m.body_len, 4);
    assert_int_equal(m.body[0], '$');
}

static void test_transport_variants(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        enum rtsp_lower_transport lower;
        enum rtsp_mode mode;
        enum rtsp_cast cast;
        unsigned client_rtp, client_rtcp;
    } cases[] = {
        {"RTP/AVP;unicast;client_port=17250-17251;mode=record", RTSP_LOWER_UDP, RTSP_MODE_RECORD,
         RTSP_CAST_UNICAST, 17250, 17251},
        {"RTP/AVP/UDP;unicast;client_port=17250-17251;mode=record", RTSP_LOWER_UDP,
         RTSP_MODE_RECORD, RTSP_CAST_UNICAST, 17250, 17251},
        {"rtp/avp/udp;UNICAST;Client_Port=5004-5005;MODE=\"RECORD\"", RTSP_LOWER_UDP,
         RTSP_MODE_RECORD, RTSP_CAST_UNICAST, 5004, 5005},
        {"RTP/AVP;unicast;client_port=5004;mode=\"PLAY,RECORD\"", RTSP_LOWER_UDP, RTSP_MODE_RECORD,
         RTSP_CAST_UNICAST, 5004, 5005},
        {" RTP/AVP ; unicast ; client_port = 6000-6001 ; mode = receive ", RTSP_LOWER_UDP,
         RTSP_MODE_RECORD, RTSP_CAST_UNICAST, 6000, 6001},
        {"RTP/AVP;multicast;client_port=7000-7001", RTSP_LOWER_UDP, RTSP_MODE_UNSPECIFIED,
         RTSP_CAST_MULTICAST, 7000, 7001},
        {"RTP/AVP;client_port=7000-7001;mode=play", RTSP_LOWER_UDP, RTSP_MODE_PLAY,
         RTSP_CAST_UNSPECIFIED, 7000, 7001},
        {"RTP/AVP;unicast;client_port=7000-7001;mode=teleport;ttl=4;append;x-new=1", RTSP_LOWER_UDP,
         RTSP_MODE_OTHER, RTSP_CAST_UNICAST, 7000, 7001},
        {"RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", RTSP_LOWER_TCP, RTSP_MODE_RECORD,
         RTSP_CAST_UNICAST, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rtsp_transport t;
        assert_int_equal(rtsp_parse_transport(cases[i].value, &t, NULL), RTSP_OK);
        assert_int_equal(t.lower, cases[i].lower);
        assert_int_equal(t.mode, cases[i].mode);
        assert_int_equal(t.cast, cases[i].cast);
        assert_int_equal(t.has_client_port, cases[i].client_rtp != 0);
        assert_int_equal(t.client_port.rtp, cases[i].client_rtp);
        assert_int_equal(t.client_port.rtcp, cases[i].client_rtcp);
    }

    rtsp_transport t;
    assert_int_equal(rtsp_parse_transport("RTP/AVP/TCP;interleaved=4-5", &t, NULL), RTSP_OK);
    assert_true(t.has_interleaved);
    assert_int_equal(t.interleaved[0], 4);
    assert_int_equal(t.interleaved[1], 5);
    assert_int_equal(rtsp_parse_transport("RTP/SAVP;unicast;ssrc=0a1B2c3D;"
                                          "destination=192.0.2.1;source=\"10.0.0.1\"",
                                          &t, NULL),
                     RTSP_OK);
    assert_int_equal(t.profile, RTSP_PROFILE_SAVP);
    assert_true(t.has_ssrc);
    assert_int_equal(t.ssrc, 0x0a1b2c3d);
    assert_string_equal(t.destination, "192.0.2.1");
    assert_string_equal(t.source, "10.0.0.1");

    /* Alternatives: the caller walks them with NEXT. */
    const char *next;
    assert_int_equal(rtsp_parse_transport("RTP/AVP/TCP;interleaved=0-1;mode=\"PLAY,RECORD\", "
                                          "RTP/AVP;unicast;client_port=9000-9001",
                                          &t, &next),
                     RTSP_OK);
    assert_int_equal(t.lower, RTSP_LOWER_TCP);
    assert_int_equal(t.mode, RTSP_MODE_RECORD);
    assert_non_null(next);
    assert_int_equal(rtsp_parse_transport(next, &t, &next), RTSP_OK);
    assert_int_equal(t.lower, RTSP_LOWER_UDP);
    assert_int_equal(t.client_port.rtp, 9000);
    assert_null(next);

    static const char *const bad[] = {
        "",
        "RTP",
        "RAW/RAW/UDP;unicast",
        "RTP/AVP/SCTP;unicast",
        "RTP/XYZ;unicast",
        "RTP/AVP;client_port=0-1",
        "RTP/AVP;client_port=65536-65537",
        "RTP/AVP;client_port=abc",
        "RTP/AVP;client_port=5000-",
        "RTP/AVP;server_port=-5000",
        "RTP/AVP/TCP;interleaved=0-256",
        "RTP/AVP;ssrc=123456789",
        "RTP/AVP;ssrc=xyz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rtsp_parse_transport(bad[i], &t, NULL), RTSP_ERR_TRANSPORT);
    assert_int_equal(rtsp_parse_transport(NULL, &t, NULL), RTSP_ERR_ARG);
}

static void test_transport_write(void **state)
{
    (void)state;
    rtsp_transport t;
    memset(&t, 0, sizeof t);
    t.cast = RTSP_CAST_UNICAST;
    t.mode = RTSP_MODE_RECORD;
    t.has_client_port = t.has_server_port = true;
    t.client_port = (rtsp_port_range){17250, 17251};
    t.server_port = (rtsp_port_range){5004, 5005};
    char buf[256];
    const char *want = "RTP/AVP/UDP;unicast;client_port=17250-17251;server_port=5004-5005;"
                       "mode=record";
    assert_int_equal(rtsp_write_transport(buf, sizeof buf, &t), (int)strlen(want));
    assert_string_equal(buf, want);
    /* Every smaller buffer is refused without overrun; exact + NUL fits. */
    for (size_t cap = 0; cap <= strlen(want); cap++)
        assert_int_equal(rtsp_write_transport(buf, cap, &t), RTSP_ERR_BUFFER);
    assert_int_equal(rtsp_write_transport(buf, strlen(want) + 1, &t), (int)strlen(want));

    /* Round trip of a fuller one. */
    strcpy(t.source, "192.0.2.7");
    t.has_ssrc = true;
    t.ssrc = 0xdeadbeef;
    assert_true(rtsp_write_transport(buf, sizeof buf, &t) > 0);
    assert_string_equal(buf, "RTP/AVP/UDP;unicast;source=192.0.2.7;client_port=17250-17251;"
                             "server_port=5004-5005;ssrc=DEADBEEF;mode=record");
    rtsp_transport back;
    assert_int_equal(rtsp_parse_transport(buf, &back, NULL), RTSP_OK);
    assert_int_equal(back.ssrc, 0xdeadbeef);
    assert_int_equal(back.server_port.rtp, 5004);
    assert_string_equal(back.source, "192.0.2.7");
    assert_int_equal(back.mode, RTSP_MODE_RECORD);

    memset(&t, 0, sizeof t);
    t.lower = RTSP_LOWER_TCP;
    t.cast = RTSP_CAST_UNICAST;
    t.has_interleaved = true;
    t.interleaved[0] = 0;
    t.interleaved[1] = 1;
    t.mode = RTSP_MODE_RECORD;
    assert_true(rtsp_write_transport(buf, sizeof buf, &t) > 0);
    assert_string_equal(buf, "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");

    t.mode = RTSP_MODE_OTHER;
    assert_int_equal(rtsp_write_transport(buf, sizeof buf, &t), RTSP_ERR_ARG);
    t.mode = RTSP_MODE_RECORD;
    strcpy(t.destination, "a;b");
    assert_int_equal(rtsp_write_transport(buf, sizeof buf, &t), RTSP_ERR_ARG);
}

/* proto/rtsp_headers: the ;name=value walker Session and RTP-Info share. */
static void test_param_walker(void **state)
{
    (void)state;
    const char *at = " ; a = 1 ;flag;;b=\t2\t, c=3", *ns, *ne, *vs, *ve;
    assert_true(rtsp_next_param(&at, ",", &ns, &ne, &vs, &ve));
    assert_non_null(ns);
    assert_int_equal(ne - ns, 1);
    assert_memory_equal(ns, "a", 1);
    assert_int_equal(ve - vs, 1);
    assert_memory_equal(vs, "1", 1);
    /* A parameter without '=' comes back with a NULL name. */
    assert_true(rtsp_next_param(&at, ",", &ns, &ne, &vs, &ve));
    assert_null(ns);
    assert_true(rtsp_next_param(&at, ",", &ns, &ne, &vs, &ve));
    assert_memory_equal(ns, "b", 1);
    assert_int_equal(ve - vs, 1);
    assert_memory_equal(vs, "2", 1);
    /* The stop character ends the walk and stays where it is. */
    const char *before = at;
    assert_false(rtsp_next_param(&at, ",", &ns, &ne, &vs, &ve));
    assert_ptr_equal(at, before);
    assert_int_equal(*at, ',');
    /* Without stop characters the next stream's parameters are reached. */
    assert_true(rtsp_next_param(&at, "", &ns, &ne, &vs, &ve));
    assert_non_null(ns); /* ',' is then part of the name */
    assert_int_equal(ne - ns, 3);
    assert_memory_equal(ns, ", c", 3);
    assert_memory_equal(vs, "3", 1);
    assert_false(rtsp_next_param(&at, "", &ns, &ne, &vs, &ve));
    const char *empty = "";
    assert_false(rtsp_next_param(&empty, "", &ns, &ne, &vs, &ve));
    const char *blanks = " ;; \t;";
    assert_false(rtsp_next_param(&blanks, "", &ns, &ne, &vs, &ve));
}

static void test_rtp_info(void **state)
{
    (void)state;
    rtsp_rtp_info info;
    assert_int_equal(rtsp_parse_rtp_info(
                         "url=rtsp://h:5004/audio/streamid=0;seq=65535;rtptime=4294967295", &info),
                     RTSP_OK);
    assert_true(info.has_seq && info.has_rtptime);
    assert_int_equal(info.seq, 65535);
    assert_int_equal(info.rtptime, 4294967295u);
    /* only the first stream; spaces; either may be missing */
    assert_int_equal(rtsp_parse_rtp_info("url=a ; seq = 7 ,url=b;seq=9;rtptime=1", &info), RTSP_OK);
    assert_true(info.has_seq && !info.has_rtptime);
    assert_int_equal(info.seq, 7);
    assert_int_equal(rtsp_parse_rtp_info("", &info), RTSP_OK);
    assert_false(info.has_seq || info.has_rtptime);
    /* A bad number is the peer's: malformed, not an invalid argument. */
    assert_int_equal(rtsp_parse_rtp_info("url=a;seq=65536", &info), RTSP_ERR_RTP_INFO);
    assert_int_equal(rtsp_parse_rtp_info("url=a;rtptime=4294967296", &info), RTSP_ERR_RTP_INFO);
    assert_int_equal(rtsp_parse_rtp_info("seq=-1", &info), RTSP_ERR_RTP_INFO);
    assert_int_equal(rtsp_parse_rtp_info(NULL, &info), RTSP_ERR_ARG);
    assert_int_equal(rtsp_parse_rtp_info(";;;", &info), RTSP_OK);
}

static void test_session(void **state)
{
    (void)state;
    rtsp_session s;
    assert_int_equal(rtsp_parse_session("12345678;timeout=60", &s), RTSP_OK);
    assert_string_equal(s.id, "12345678");
    assert_true(s.has_timeout);
    assert_int_equal(s.timeout, 60);
    assert_int_equal(rtsp_parse_session("  A3eqwsafq3rFASqew ; Timeout = 30 ", &s), RTSP_OK);
    assert_string_equal(s.id, "A3eqwsafq3rFASqew");
    assert_int_equal(s.timeout, 30);
    assert_int_equal(rtsp_parse_session("abc;foo=bar;timeout=5", &s), RTSP_OK);
    assert_int_equal(s.timeout, 5);
    assert_int_equal(rtsp_parse_session("3040141163", &s), RTSP_OK);
    assert_false(s.has_timeout);
    assert_int_equal(s.timeout, RTSP_DEFAULT_SESSION_TIMEOUT);

    char long_id[RTSP_MAX_SESSION_ID + 2];
    memset(long_id, '7', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(rtsp_parse_session(long_id, &s), RTSP_ERR_SESSION);
    long_id[RTSP_MAX_SESSION_ID] = '\0';
    assert_int_equal(rtsp_parse_session(long_id, &s), RTSP_OK);
    assert_int_equal(rtsp_parse_session("", &s), RTSP_ERR_SESSION);
    assert_int_equal(rtsp_parse_session(";timeout=5", &s), RTSP_ERR_SESSION);
    assert_int_equal(rtsp_parse_session("abc;timeout=x", &s), RTSP_ERR_SESSION);
    assert_int_equal(rtsp_parse_session("abc;timeout=-1", &s), RTSP_ERR_SESSION);
}

static void test_url(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *host;
        unsigned port;
        const char *path;
    } cases[] = {
        {"rtsp://127.0.0.1:8554/live", "127.0.0.1", 8554, "/live"},
        {"rtsp://example.org/a/b/streamid=0", "example.org", 554, "/a/b/streamid=0"},
        {"RTSP://Host", "Host", 554, ""},
        {"rtsp://[::1]:5004/audio", "::1", 5004, "/audio"},
        {"rtsp://[fe80::1%eth0]/x", "fe80::1%eth0", 554, "/x"},
        {"rtsp://[2001:db8::2]", "2001:db8::2", 554, ""},
        {"rtsp://user:pw@10.0.0.1:1554/s?x=1", "10.0.0.1", 1554, "/s?x=1"},
        {"rtsp://h:/p", "h", 554, "/p"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rtsp_url u;
        assert_int_equal(rtsp_parse_url(cases[i].url, &u), RTSP_OK);
        assert_string_equal(u.host, cases[i].host);
        assert_int_equal(u.port, cases[i].port);
        assert_string_equal(u.path, cases[i].path);
    }
    static const char *const bad[] = {
        "http://h/",   "rtsp:/h",         "rtsp://",        "rtsp:///path",
        "rtsp://h:0/", "rtsp://h:65536/", "rtsp://h:12ab/", "rtsp://[::1/",
        "rtsp://[]/",  "rtsp://[::1]x/",  "rtsp://h /",     "rtsp://a[b]/",
    };
    rtsp_url u;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rtsp_parse_url(bad[i], &u), RTSP_ERR_URL);

    char buf[128];
    assert_int_equal(rtsp_write_url(buf, sizeof buf, "::1", 5004, "/audio"), 23);
    assert_string_equal(buf, "rtsp://[::1]:5004/audio");
    assert_true(rtsp_write_url(buf, sizeof buf, "127.0.0.1", 8554, "live") > 0);
    assert_string_equal(buf, "rtsp://127.0.0.1:8554/live");
    assert_true(rtsp_write_url(buf, sizeof buf, "h", 554, "") > 0);
    assert_string_equal(buf, "rtsp://h:554");
    assert_int_equal(rtsp_write_url(buf, sizeof buf, "a b", 554, ""), RTSP_ERR_ARG);
    assert_int_equal(rtsp_write_url(buf, 10, "host", 554, "/x"), RTSP_ERR_BUFFER);
    /* What the writer makes the parser reads back. */
    assert_true(rtsp_write_url(buf, sizeof buf, "2001:db8::5", 8554, "/live/streamid=0") > 0);
    assert_int_equal(rtsp_parse_url(buf, &u), RTSP_OK);
    assert_string_equal(u.host, "2001:db8::5");
    assert_int_equal(u.port, 8554);
    assert_string_equal(u.path, "/live/streamid=0");
}

static void test_write_request(void **state)
{
    (void)state;
    /* Our ANNOUNCE: byte for byte. */
    const rtsp_header_field h[] = {{"Content-Type", "application/sdp"},
                                   {"User-Agent", "audiolink"}};
    char buf[1024];
    int n = rtsp_write_request(buf, sizeof buf, RTSP_METHOD_ANNOUNCE, FF_URL, 2, h, 2, FF_SDP,
                               strlen(FF_SDP));
    const char *want =
        "ANNOUNCE " FF_URL " RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
        "User-Agent: audiolink\r\nContent-Length: 178\r\n\r\n" FF_SDP;
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
    /* It parses back to itself. */
    rtsp_message m;
    assert_int_equal(parse_one(buf, (size_t)n, &m), RTSP_MESSAGE);
    assert_int_equal(m.method, RTSP_METHOD_ANNOUNCE);
    assert_int_equal(m.cseq, 2);
    assert_int_equal(m.body_len, 178);
    assert_memory_equal(m.body, FF_SDP, 178);

    /* No body: no Content-Length. */
    n = rtsp_write_request(buf, sizeof buf, RTSP_METHOD_GET_PARAMETER, FF_URL, 6, NULL, 0, NULL, 0);
    assert_string_equal(buf, "GET_PARAMETER " FF_URL " RTSP/1.0\r\nCSeq: 6\r\n\r\n");
    assert_int_equal(n, (int)strlen(buf));
    for (size_t cap = 0; cap <= (size_t)n; cap++)
        assert_int_equal(
            rtsp_write_request(buf, cap, RTSP_METHOD_GET_PARAMETER, FF_URL, 6, NULL, 0, NULL, 0),
            RTSP_ERR_BUFFER);

    const rtsp_header_field inject[] = {{"X", "a\r\nCSeq: 9"}};
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_OPTIONS, "*", 1, inject, 1, NULL, 0),
        RTSP_ERR_ARG);
    const rtsp_header_field dup[] = {{"cseq", "3"}};
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_OPTIONS, "*", 1, dup, 1, NULL, 0),
        RTSP_ERR_ARG);
    const rtsp_header_field badname[] = {{"Bad Name", "x"}};
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_OPTIONS, "*", 1, badname, 1, NULL, 0),
        RTSP_ERR_ARG);
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_UNKNOWN, "*", 1, NULL, 0, NULL, 0),
        RTSP_ERR_ARG);
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_OPTIONS, "a b", 1, NULL, 0, NULL, 0),
        RTSP_ERR_ARG);
    assert_int_equal(
        rtsp_write_request(buf, sizeof buf, RTSP_METHOD_OPTIONS, "*", -1, NULL, 0, NULL, 0),
        RTSP_ERR_ARG);
}

static void test_write_response(void **state)
{
    (void)state;
    const rtsp_header_field h[] = {
        {"Transport", "RTP/AVP/UDP;unicast;client_port=17250-17251;server_port=5004-5005;"
                      "mode=record"},
        {"Session", "3f2a91c0;timeout=60"}};
    char buf[512];
    int n = rtsp_write_response(buf, sizeof buf, 200, NULL, 3, h, 2, NULL, 0);
    const char *want = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/UDP;unicast;"
                       "client_port=17250-17251;server_port=5004-5005;mode=record\r\n"
                       "Session: 3f2a91c0;timeout=60\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);

    /* A limit error: 400 with the 431 phrase, no CSeq known. */
    const char *reason;
    int code = rtsp_error_status(RTSP_ERR_TOO_MANY_HEADERS, &reason);
    n = rtsp_write_response(buf, sizeof buf, code, reason, -1, NULL, 0, NULL, 0);
    assert_string_equal(buf, "RTSP/1.0 400 Request Header Fields Too Large\r\n\r\n");
    assert_int_equal(n, (int)strlen(buf));

    /* A body gets its Content-Length. */
    n = rtsp_write_response(buf, sizeof buf, 200, NULL, 8, NULL, 0, "x", 1);
    assert_string_equal(buf, "RTSP/1.0 200 OK\r\nCSeq: 8\r\nContent-Length: 1\r\n\r\nx");

    n = rtsp_write_response(buf, sizeof buf, 461, NULL, 3, NULL, 0, NULL, 0);
    assert_string_equal(buf, "RTSP/1.0 461 Unsupported Transport\r\nCSeq: 3\r\n\r\n");
    assert_int_equal(rtsp_write_response(buf, sizeof buf, 99, NULL, 1, NULL, 0, NULL, 0),
                     RTSP_ERR_ARG);
    assert_int_equal(rtsp_write_response(buf, sizeof buf, 200, "O\nK", 1, NULL, 0, NULL, 0),
                     RTSP_ERR_ARG);
    assert_int_equal(rtsp_write_response(buf, 10, 200, NULL, 1, NULL, 0, NULL, 0), RTSP_ERR_BUFFER);
}

static void test_status_reasons(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *reason;
    } cases[] = {
        {200, "OK"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {413, "Request Entity Too Large"},
        {414, "Request-URI Too Large"},
        {453, "Not Enough Bandwidth"},
        {454, "Session Not Found"},
        {455, "Method Not Valid in This State"},
        {459, "Aggregate Operation Not Allowed"},
        {461, "Unsupported Transport"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {505, "RTSP Version Not Supported"},
        {299, "Success"},
        {499, "Client Error"},
        {999, "Unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(rtsp_status_reason(cases[i].code), cases[i].reason);
}

static void test_methods_and_strerror(void **state)
{
    (void)state;
    for (int m = RTSP_METHOD_OPTIONS; m <= RTSP_METHOD_SET_PARAMETER; m++) {
        const char *name = rtsp_method_name((enum rtsp_method)m);
        assert_non_null(name);
        assert_int_equal(rtsp_method_from_name(name), m);
    }
    assert_null(rtsp_method_name(RTSP_METHOD_UNKNOWN));
    assert_int_equal(rtsp_method_from_name("options"), RTSP_METHOD_UNKNOWN);

    const char *unknown = rtsp_strerror(12345);
    static const int codes[] = {
        RTSP_OK,
        RTSP_NEED_MORE,
        RTSP_MESSAGE,
        RTSP_INTERLEAVED,
        RTSP_ERR_ARG,
        RTSP_ERR_BUFFER,
        RTSP_ERR_URI_TOO_LONG,
        RTSP_ERR_LINE_TOO_LONG,
        RTSP_ERR_TOO_MANY_HEADERS,
        RTSP_ERR_HEAD_TOO_LARGE,
        RTSP_ERR_BODY_TOO_LARGE,
        RTSP_ERR_CONTENT_LENGTH,
        RTSP_ERR_START_LINE,
        RTSP_ERR_HEADER,
        RTSP_ERR_TRANSPORT,
        RTSP_ERR_SESSION,
        RTSP_ERR_URL,
        RTSP_ERR_RTP_INFO,
        RTSP_ERR_VERSION,
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = rtsp_strerror(codes[i]);
        assert_non_null(text);
        assert_string_not_equal(text, unknown);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(text, rtsp_strerror(codes[j]));
        }
    }
    /* The results are never negative, the errors always are, and each
     * error is of the class its limit or syntax says (common/status.h). */
    assert_true(RTSP_NEED_MORE > 0 && RTSP_MESSAGE > 0 && RTSP_INTERLEAVED > 0);
    assert_int_equal(al_status_class(RTSP_ERR_URI_TOO_LONG), AL_ERR_TOO_LARGE);
    assert_int_equal(al_status_class(RTSP_ERR_BODY_TOO_LARGE), AL_ERR_TOO_LARGE);
    assert_int_equal(al_status_class(RTSP_ERR_START_LINE), AL_ERR_MALFORMED);
    assert_int_equal(al_status_class(RTSP_ERR_RTP_INFO), AL_ERR_MALFORMED);
    assert_int_equal(al_status_class(RTSP_ERR_VERSION), AL_ERR_UNSUPPORTED);
    assert_int_equal(al_status_module(RTSP_ERR_URL), AL_MODULE_RTSP);
    size_t used = 99;
    rtsp_message m;
    assert_int_equal(rtsp_parser_feed(NULL, "x", 1, &used, &m), RTSP_ERR_ARG);
    assert_int_equal(used, 0);
    rtsp_parser_reset(&parser);
    assert_int_equal(rtsp_parser_feed(&parser, NULL, 1, &used, &m), RTSP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffmpeg_dialogue),
        cmocka_unit_test(test_chunking_independent),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_bare_lf_and_leading_blank_lines),
        cmocka_unit_test(test_header_names_and_values),
        cmocka_unit_test(test_missing_or_bad_cseq),
        cmocka_unit_test(test_limit_line_length),
        cmocka_unit_test(test_limit_header_count_and_head_size),
        cmocka_unit_test(test_limit_content_length),
        cmocka_unit_test(test_bad_start_lines),
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_transport_variants),
        cmocka_unit_test(test_transport_write),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_rtp_info),
        cmocka_unit_test(test_param_walker),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_write_request),
        cmocka_unit_test(test_write_response),
        cmocka_unit_test(test_status_reasons),
        cmocka_unit_test(test_methods_and_strerror),
    };
    return cmocka_run_group_tests_name("rtsp", tests, NULL, NULL);
}
