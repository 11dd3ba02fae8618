/* SDP for Opus (+RED): the writer's exact text, writer -> parser round trips
 * (mono/stereo, with and without RED, 2.5 ms), ffmpeg's ANNOUNCE body,
 * unsupported offers with their reasons, lenient parsing of junk, order and
 * line ends, and truncated or garbage input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/sdp.h"

/* ffmpeg's ANNOUNCE body for mono Opus (Lavf59), and its stereo variant. */
#define FF_SDP_HEAD                                                                                \
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"              \
    "a=tool:libavformat 59.27.100\r\nm=audio 0 RTP/AVP 96\r\nb=AS:64\r\n"                          \
    "a=rtpmap:96 opus/48000/2\r\n"
#define FF_SDP_MONO   FF_SDP_HEAD "a=control:streamid=0\r\n"
#define FF_SDP_STEREO FF_SDP_HEAD "a=fmtp:96 sprop-stereo=1\r\na=control:streamid=0\r\n"

static sdp_desc desc; /* ~13 KiB: static, not on the test's stack */

/* Parses a copy of TEXT in an exact-size heap block so ASan sees over-reads. */
static int parse_exact(const char *text, size_t len, sdp_desc *out)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, text, len);
    int st = sdp_parse(copy, len, out);
    free(copy);
    return st;
}

static int parse_str(const char *text)
{
    return parse_exact(text, strlen(text), &desc);
}

static void test_ffmpeg_mono(void **state)
{
    (void)state;
    assert_int_equal(parse_str(FF_SDP_MONO), SDP_OK);
    assert_int_equal(desc.origin_type, SDP_ADDR_IP4);
    assert_string_equal(desc.origin_addr, "127.0.0.1");
    assert_int_equal(desc.conn_type, SDP_ADDR_IP4);
    assert_string_equal(desc.conn_addr, "127.0.0.1");
    assert_int_equal(desc.audio_sections, 1);
    assert_int_equal(desc.port, 0);
    assert_string_equal(desc.proto, "RTP/AVP");
    assert_int_equal(desc.payload_count, 1);
    assert_int_equal(desc.payloads[0].pt, 96);
    assert_true(desc.payloads[0].has_rtpmap);
    assert_string_equal(desc.payloads[0].encoding, "opus");
    assert_int_equal(desc.payloads[0].clock_rate, 48000);
    assert_int_equal(desc.payloads[0].channels, 2);
    assert_int_equal(desc.bandwidth_kbps, 64);
    assert_string_equal(desc.control, "streamid=0");
    assert_int_equal(desc.direction, SDP_SENDRECV);
    assert_false(desc.redundancy.present);
    assert_int_equal(sdp_find_codec(&desc, "opus"), 96);
    assert_int_equal(sdp_find_codec(&desc, "OPUS"), 96);
    assert_int_equal(sdp_find_codec(&desc, "red"), SDP_NO_PT);
    int red = 0, carried = 0;
    assert_false(sdp_has_red(&desc, &red, &carried));
    assert_int_equal(red, SDP_NO_PT);
    assert_int_equal(carried, SDP_NO_PT);

    sdp_opus_stream s;
    char why[128] = "stale";
    assert_int_equal(sdp_select_opus(&desc, &s, why, sizeof why), SDP_OK);
    assert_string_equal(why, "");
    assert_int_equal(s.opus_pt, 96);
    assert_int_equal(s.red_pt, SDP_NO_PT);
    assert_int_equal(s.red_depth, 0);
    assert_int_equal(s.channels, 1);
    assert_int_equal(s.port, 0);
    assert_int_equal(s.ptime_us, 0);
    assert_false(s.useinbandfec);
    assert_int_equal(s.maxplaybackrate, 48000);
}

static void test_ffmpeg_stereo(void **state)
{
    (void)state;
    assert_int_equal(parse_str(FF_SDP_STEREO), SDP_OK);
    assert_string_equal(desc.payloads[0].fmtp, "sprop-stereo=1");
    assert_int_equal(desc.payloads[0].opus.sprop_stereo, 1);
    assert_int_equal(desc.payloads[0].opus.stereo, -1);
    assert_int_equal(desc.payloads[0].opus.useinbandfec, -1);
    sdp_opus_stream s;
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.channels, 2);
}

static void test_write_exact(void **state)
{
    (void)state;
    sdp_stream s;
    sdp_stream_init(&s);
    s.origin_addr = "127.0.0.1";
    s.control = "streamid=0";
    s.useinbandfec = true;
    char buf[1024];
    static const char mono[] = "v=0\r\n"
                               "o=- 0 0 IN IP4 127.0.0.1\r\n"
                               "s=audiolink\r\n"
                               "c=IN IP4 127.0.0.1\r\n"
                               "t=0 0\r\n"
                               "m=audio 0 RTP/AVP 111\r\n"
                               "a=rtpmap:111 opus/48000/2\r\n"
                               "a=fmtp:111 maxplaybackrate=48000;stereo=0;sprop-stereo=0;"
                               "useinbandfec=1\r\n"
                               "a=ptime:20\r\n"
                               "a=control:streamid=0\r\n";
    assert_int_equal(sdp_write(&s, buf, sizeof buf), (int)strlen(mono));
    assert_string_equal(buf, mono);

    sdp_stream_init(&s);
    s.origin_addr = "::1";
    s.session_id = 42;
    s.session_version = 7;
    s.port = 5004;
    s.channels = 2;
    s.frame_us = 2500;
    s.red_depth = 2;
    s.red_bitrate = 12000;
    s.sendonly = true;
    static const char red[] = "v=0\r\n"
                              "o=- 42 7 IN IP6 ::1\r\n"
                              "s=audiolink\r\n"
                              "c=IN IP6 ::1\r\n"
                              "t=0 0\r\n"
                              "m=audio 5004 RTP/AVP 63 111\r\n"
                              "a=rtpmap:63 red/48000/2\r\n"
                              "a=fmtp:63 111/111/111\r\n"
                              "a=rtpmap:111 opus/48000/2\r\n"
                              "a=fmtp:111 maxplaybackrate=48000;stereo=1;sprop-stereo=1;"
                              "useinbandfec=0\r\n"
                              "a=ptime:3\r\n"
                              "a=sendonly\r\n"
                              "a=x-audiolink-redundancy:depth=2;bitrate=12000\r\n";
    int n = sdp_write(&s, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(red));
    assert_string_equal(buf, red);

    /* Every smaller buffer is refused; exactly n + 1 (the NUL) fits. */
    for (size_t cap = 0; cap <= (size_t)n; cap++)
        assert_int_equal(sdp_write(&s, buf, cap), SDP_ERR_BUFFER);
    assert_int_equal(sdp_write(&s, buf, (size_t)n + 1), n);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const uint32_t frames[] = {2500, 5000, 10000, 20000, 40000, 60000};
    for (unsigned ch = 1; ch <= 2; ch++) {
        for (unsigned depth = 0; depth <= 3; depth++) {
            for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
                sdp_stream s;
                sdp_stream_init(&s);
                s.origin_addr = depth % 2 ? "2001:db8::1" : "192.0.2.1";
                s.conn_addr = "192.0.2.99";
                s.port = (uint16_t)(5004 + 2 * depth);
                s.channels = ch;
                s.frame_us = frames[f];
                s.red_depth = depth;
                s.red_bitrate = depth ? 8000 * depth : 0;
                s.useinbandfec = depth == 1;
                s.maxplaybackrate = ch == 1 ? 16000 : 48000;
                s.control = "streamid=0";
                char buf[1024];
                int n = sdp_write(&s, buf, sizeof buf);
                assert_true(n > 0);

                assert_int_equal(parse_exact(buf, (size_t)n, &desc), SDP_OK);
                assert_int_equal(desc.origin_type, depth % 2 ? SDP_ADDR_IP6 : SDP_ADDR_IP4);
                assert_string_equal(desc.origin_addr, s.origin_addr);
                assert_string_equal(desc.conn_addr, "192.0.2.99");
                assert_string_equal(desc.control, "streamid=0");
                assert_int_equal(desc.payload_count, depth ? 2 : 1);
                /* RED first on the m= line when used. */
                assert_int_equal(desc.payloads[0].pt, depth ? 63 : 111);

                sdp_opus_stream o;
                char why[128];
                assert_int_equal(sdp_select_opus(&desc, &o, why, sizeof why), SDP_OK);
                assert_int_equal(o.port, s.port);
                assert_int_equal(o.opus_pt, 111);
                assert_int_equal(o.red_pt, depth ? 63 : SDP_NO_PT);
                assert_int_equal(o.red_depth, depth);
                assert_int_equal(o.red_bitrate, s.red_bitrate);
                assert_int_equal(o.channels, ch);
                /* a=ptime is whole milliseconds, rounded up (RFC 7587). */
                assert_int_equal(o.ptime_us, (frames[f] + 999) / 1000 * 1000);
                assert_int_equal(o.useinbandfec, s.useinbandfec);
                assert_int_equal(o.maxplaybackrate, s.maxplaybackrate);
                assert_int_equal(desc.redundancy.present, depth > 0);
                assert_int_equal(desc.redundancy.depth, depth);
            }
        }
    }
}

static void test_ptime_values(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        uint32_t us;
    } cases[] = {
        {"2.5", 2500}, {"20", 20000}, {"2.50", 2500}, {"0.125", 125}, {"120", 120000},
        {"abc", 0},    {"2.", 0},     {"-5", 0},      {"", 0},        {"1.2345", 1234},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "v=0\nm=audio 5004 RTP/AVP 111\na=rtpmap:111 opus/48000/2\na=ptime:%s\n"
                 "a=fmtp:111 ptime=%s; maxptime=60\n",
                 cases[i].value, cases[i].value);
        assert_int_equal(parse_str(text), SDP_OK);
        assert_int_equal(desc.ptime_us, cases[i].us);
        assert_int_equal(desc.payloads[0].opus.ptime_us, cases[i].us);
        assert_int_equal(desc.payloads[0].opus.maxptime_us, 60000);
    }
}

static void test_unsupported_offers(void **state)
{
    (void)state;
    static const struct {
        const char *sdp;
        int status;
        const char *why; /* a substring the reason must contain */
    } cases[] = {
        {"v=0\r\nm=audio 5004 RTP/AVP 0\r\n", SDP_ERR_CODEC, "payload 0 is PCMU/8000/1"},
        {"v=0\r\nm=audio 5004 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n", SDP_ERR_CODEC, "PCMU"},
        {"v=0\r\nm=audio 5004 RTP/AVP 11\r\n", SDP_ERR_CODEC, "L16/44100/1"},
        {"v=0\r\nm=audio 5004 RTP/AVP 97\r\na=rtpmap:97 L16/48000/2\r\n", SDP_ERR_CODEC,
         "payload 97 is L16/48000/2"},
        {"v=0\r\nm=audio 5004 RTP/AVP 96\r\n", SDP_ERR_CODEC, "payload 96 has no rtpmap"},
        {"v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/44100/2\r\n", SDP_ERR_CLOCK_RATE,
         "clock rate 44100"},
        {"v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/48000/6\r\n", SDP_ERR_CHANNELS,
         "6 channels"},
        {"v=0\r\nm=audio 5004 RTP/SAVP 96\r\na=rtpmap:96 opus/48000/2\r\n", SDP_ERR_PROFILE,
         "RTP/SAVP"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse_str(cases[i].sdp), SDP_OK);
        sdp_opus_stream s;
        memset(&s, 0xab, sizeof s);
        char why[128];
        assert_int_equal(sdp_select_opus(&desc, &s, why, sizeof why), cases[i].status);
        if (!strstr(why, cases[i].why))
            fail_msg("reason \"%s\" lacks \"%s\"", why, cases[i].why);
        assert_int_equal(s.opus_pt, 0); /* zeroed on failure */
        /* A tiny reason buffer is truncated, not overrun. */
        char tiny[4];
        assert_int_equal(sdp_select_opus(&desc, &s, tiny, sizeof tiny), cases[i].status);
        assert_int_equal(strlen(tiny), 3);
    }

    /* No audio at all. */
    assert_int_equal(parse_str("v=0\r\nm=video 5006 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"),
                     SDP_ERR_NO_AUDIO);
    sdp_opus_stream s;
    char why[128];
    assert_int_equal(sdp_select_opus(&desc, &s, why, sizeof why), SDP_ERR_NO_AUDIO);
    assert_int_equal(parse_str(""), SDP_ERR_NO_AUDIO);

    /* Tolerated: opus/48000 without a count, OPUS in capitals. */
    assert_int_equal(parse_str("v=0\nm=audio 1 RTP/AVP 100\na=rtpmap:100 opus/48000\n"), SDP_OK);
    assert_int_equal(sdp_select_opus(&desc, &s, why, sizeof why), SDP_OK);
    assert_int_equal(desc.payloads[0].channels, 1);
    assert_int_equal(parse_str("v=0\nm=audio 1 RTP/AVPF 100\na=rtpmap:100 OPUS/48000/2\n"), SDP_OK);
    assert_int_equal(sdp_select_opus(&desc, &s, why, sizeof why), SDP_OK);
    assert_int_equal(s.opus_pt, 100);
}

static void test_opus_not_first(void **state)
{
    (void)state;
    /* A PCMU-first offer with Opus later: take Opus, wherever it is. */
    assert_int_equal(parse_str("v=0\r\nm=audio 5004 RTP/AVP 0 8 111 101\r\n"
                               "a=rtpmap:111 opus/48000/2\r\n"
                               "a=rtpmap:101 telephone-event/8000\r\n"),
                     SDP_OK);
    assert_int_equal(desc.payload_count, 4);
    assert_string_equal(desc.payloads[1].encoding, "PCMA");
    assert_false(desc.payloads[1].has_rtpmap);
    assert_int_equal(sdp_find_codec(&desc, "telephone-event"), 101);
    sdp_opus_stream s;
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.opus_pt, 111);
}

static void test_red_variants(void **state)
{
    (void)state;
    int red, carried;
    sdp_opus_stream s;

    /* GStreamer-style PTs, RED listed after Opus. */
    assert_int_equal(parse_str("v=0\nm=audio 5004 RTP/AVP 96 100\na=rtpmap:100 red/48000/2\n"
                               "a=fmtp:100 96/96\na=rtpmap:96 opus/48000/2\n"),
                     SDP_OK);
    assert_true(sdp_has_red(&desc, &red, &carried));
    assert_int_equal(red, 100);
    assert_int_equal(carried, 96);
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.red_pt, 100);
    assert_int_equal(s.red_depth, 1);
    assert_int_equal(s.red_bitrate, 0);

    /* RED carrying another codec: Opus is fine, RED is not for us. */
    assert_int_equal(parse_str("v=0\nm=audio 5004 RTP/AVP 63 111 0\na=rtpmap:63 red/48000/2\n"
                               "a=fmtp:63 0/0\na=rtpmap:111 opus/48000/2\n"),
                     SDP_OK);
    assert_true(sdp_has_red(&desc, &red, &carried));
    assert_int_equal(carried, 0);
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.red_pt, SDP_NO_PT);
    assert_int_equal(s.red_depth, 0);

    static const char *const unusable[] = {
        "a=fmtp:63 111/0\n",    /* mixed encodings */
        "",                     /* no fmtp */
        "a=fmtp:63 111/x\n",    /* garbage */
        "a=fmtp:63 111//111\n", /* empty entry */
        "a=fmtp:63 111/111/111/111/111/111/111/111/111/111/111/111/111/111/111/111/111\n",
    };
    for (size_t i = 0; i < sizeof unusable / sizeof unusable[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "v=0\nm=audio 5004 RTP/AVP 63 111\na=rtpmap:63 red/48000/2\n%s"
                 "a=rtpmap:111 opus/48000/2\n",
                 unusable[i]);
        assert_int_equal(parse_str(text), SDP_OK);
        assert_false(sdp_has_red(&desc, NULL, NULL));
        assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
        assert_int_equal(s.red_pt, SDP_NO_PT);
    }
    /* 16 entries (depth 15) is the most accepted. */
    assert_int_equal(parse_str("v=0\nm=audio 5004 RTP/AVP 63 111\na=rtpmap:63 red/48000/2\n"
                               "a=fmtp:63 111/111/111/111/111/111/111/111/111/111/111/111/111/111/"
                               "111/111\na=rtpmap:111 opus/48000/2\n"),
                     SDP_OK);
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.red_depth, 15);
}

static void test_lenient_parsing(void **state)
{
    (void)state;
    /* LF only, junk lines, a video section first, attributes before the
     * rtpmap they refine, a media-level c=, unknown attributes, a second
     * audio section whose attributes must not leak into the first. */
    static const char text[] =
        "garbage without equals\n"
        "v=0\n"
        "o=alice 2890844526 2890842807 IN IP4 10.47.16.5\n"
        "s=\n"
        "c=IN IP4 224.2.17.12/127\n"
        "a=recvonly\n"
        "t=0 0\n"
        "x\n"
        "\n"
        "=\n"
        "m=video 51372 RTP/AVP 99\n"
        "a=rtpmap:99 h263-1998/90000\n"
        "a=control:video\n"
        "m=audio 49170/2 RTP/AVP 111 63\r\n"
        "a=fmtp:111 useinbandfec=1; usedtx=1;cbr=1 ; maxplaybackrate=24000;"
        "sprop-maxcapturerate=16000;maxaveragebitrate=20000;stereo=1;minptime=10;junk\n"
        "a=fmtp:63 111/111\n"
        "a=x-unknown:whatever\n"
        "a=ptime:40\n"
        "a=maxptime:120\n"
        "b=AS:48\n"
        "c=IN IP6 2001:db8::7\n"
        "a=rtpmap:63 RED/48000/2\n"
        "a=rtpmap:111 opus/48000/2\n"
        "a=rtpmap:77 opus/48000/2\n" /* not on the m= line: ignored */
        "a=control:rtsp://example.com/a/streamid=0\n"
        "a=x-audiolink-redundancy: depth=1 ; bitrate=9000\n"
        "a=inactive\n"
        "m=audio 6000 RTP/AVP 0\n"
        "a=ptime:10\n"
        "a=control:second\n"
        "a=sendonly\n";
    assert_int_equal(parse_str(text), SDP_OK);
    assert_int_equal(desc.audio_sections, 2);
    assert_string_equal(desc.origin_addr, "10.47.16.5");
    assert_int_equal(desc.port, 49170);
    assert_int_equal(desc.payload_count, 2);
    assert_int_equal(desc.conn_type, SDP_ADDR_IP6);
    assert_string_equal(desc.conn_addr, "2001:db8::7");
    assert_int_equal(desc.ptime_us, 40000);
    assert_int_equal(desc.maxptime_us, 120000);
    assert_int_equal(desc.bandwidth_kbps, 48);
    assert_int_equal(desc.direction, SDP_INACTIVE);
    assert_string_equal(desc.control, "rtsp://example.com/a/streamid=0");
    assert_true(desc.redundancy.present);
    assert_int_equal(desc.redundancy.depth, 1);
    assert_int_equal(desc.redundancy.bitrate, 9000);
    const sdp_payload *p = sdp_find_payload(&desc, "opus");
    assert_non_null(p);
    assert_int_equal(p->opus.useinbandfec, 1);
    assert_int_equal(p->opus.usedtx, 1);
    assert_int_equal(p->opus.cbr, 1);
    assert_int_equal(p->opus.stereo, 1);
    assert_int_equal(p->opus.sprop_stereo, -1);
    assert_int_equal(p->opus.maxplaybackrate, 24000);
    assert_int_equal(p->opus.sprop_maxcapturerate, 16000);
    assert_int_equal(p->opus.maxaveragebitrate, 20000);
    assert_int_equal(p->opus.minptime_us, 10000);

    sdp_opus_stream s;
    assert_int_equal(sdp_select_opus(&desc, &s, NULL, 0), SDP_OK);
    assert_int_equal(s.red_pt, 63);
    assert_int_equal(s.red_depth, 1);
    assert_int_equal(s.red_bitrate, 9000);
    assert_int_equal(s.channels, 2); /* stereo=1 without sprop-stereo */
    assert_true(s.useinbandfec);
    assert_int_equal(s.maxplaybackrate, 24000);

    char v[16];
    assert_true(sdp_fmtp_param(p->fmtp, "MAXPLAYBACKRATE", v, sizeof v));
    assert_string_equal(v, "24000");
    assert_true(sdp_fmtp_param(p->fmtp, "cbr", v, sizeof v));
    assert_string_equal(v, "1");
    assert_false(sdp_fmtp_param(p->fmtp, "junk", v, sizeof v));
    assert_false(sdp_fmtp_param(p->fmtp, "sprop-maxcapturerate", v, 3)); /* too small */

    /* Session-level direction applies when the media says none. */
    assert_int_equal(parse_str("v=0\nc=IN IP4 1.2.3.4\na=sendonly\nm=audio 1 RTP/AVP 96\n"),
                     SDP_OK);
    assert_int_equal(desc.direction, SDP_SENDONLY);
    assert_string_equal(desc.conn_addr, "1.2.3.4");
}

/* Fixed-size fields: a value that fits exactly is kept, one byte more and
 * the attribute is dropped rather than cut into a different value. */
static void test_field_limits(void **state)
{
    (void)state;
    static char text[2048];
    for (int extra = 0; extra <= 1; extra++) {
        size_t clen = SDP_MAX_CONTROL - 1 + (size_t)extra;
        size_t elen = SDP_MAX_ENCODING - 1 + (size_t)extra;
        size_t n = (size_t)sprintf(text, "m=audio 5 RTP/AVP 96\na=control:");
        memset(text + n, 'c', clen);
        n += clen;
        n += (size_t)sprintf(text + n, "\na=rtpmap:96 ");
        memset(text + n, 'e', elen);
        n += elen;
        sprintf(text + n, "/48000/2\n");
        assert_int_equal(parse_str(text), SDP_OK);
        assert_int_equal(strlen(desc.control), extra ? 0 : clen);
        assert_int_equal(strlen(desc.payloads[0].encoding), extra ? 0 : elen);
        assert_int_equal(desc.payloads[0].has_rtpmap, !extra);
    }
}

static void test_malformed_media(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "m=audio\n",
        "m=audio x RTP/AVP 96\n",
        "m=audio 70000 RTP/AVP 96\n",
        "m=audio 5004 RTP/AVP\n",
        "m=audio 5004 RTP/AVP 96 abc\n",
        "m=audio 5004 RTP/AVP 128\n",
        "m=audio 5004 RTP/AVP-this-protocol-name-is-far-too-long 96\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse_str(bad[i]), SDP_ERR_MEDIA);
    /* A malformed later audio section does not matter. */
    assert_int_equal(parse_str("m=audio 5 RTP/AVP 96\na=rtpmap:96 opus/48000/2\nm=audio x\n"),
                     SDP_OK);
    /* More PTs than we keep: the first SDP_MAX_PAYLOADS, duplicates once. */
    char text[512] = "m=audio 5 RTP/AVP 96 96";
    for (int pt = 0; pt < 40; pt++)
        sprintf(text + strlen(text), " %d", pt);
    strcat(text, "\n");
    assert_int_equal(parse_str(text), SDP_OK);
    assert_int_equal(desc.payload_count, SDP_MAX_PAYLOADS);
    assert_int_equal(desc.payloads[0].pt, 96);
    assert_int_equal(desc.payloads[1].pt, 0);
}

/* Every prefix of a full description, and seeded garbage, parse without
 * crashing or reading past the end; a prefix that has not reached the m=
 * line reports no audio. */
static void test_truncated_and_garbage(void **state)
{
    (void)state;
    sdp_stream w;
    sdp_stream_init(&w);
    w.origin_addr = "192.0.2.1";
    w.red_depth = 2;
    w.control = "streamid=0";
    char full[1024];
    int n = sdp_write(&w, full, sizeof full);
    assert_true(n > 0);
    const char *m_line = strstr(full, "m=audio");
    assert_non_null(m_line);
    for (size_t len = 0; len <= (size_t)n; len++) {
        int st = parse_exact(full, len, &desc);
        if (len < (size_t)(m_line - full) + 2)
            assert_int_equal(st, SDP_ERR_NO_AUDIO);
        else
            assert_true(st == SDP_OK || st == SDP_ERR_MEDIA || st == SDP_ERR_NO_AUDIO);
        sdp_opus_stream s;
        char why[64];
        sdp_select_opus(&desc, &s, why, sizeof why);
    }

    uint32_t x = 12345;
    char junk[600];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % (int)sizeof junk);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* Mostly SDP-ish bytes so the parser gets past the first checks. */
            static const char alphabet[] = "am=c:/ 0123456789\r\n;opusredtpfx.";
            junk[i] = (x >> 8) % 4 ? alphabet[x % (sizeof alphabet - 1)] : (char)x;
        }
        parse_exact(junk, len, &desc);
        sdp_opus_stream s;
        sdp_select_opus(&desc, &s, NULL, 0);
        assert_true(desc.payload_count <= SDP_MAX_PAYLOADS);
    }
}

static void test_writer_errors(void **state)
{
    (void)state;
    char buf[1024];
    sdp_stream s;
    sdp_stream_init(&s);
    assert_int_equal(sdp_write(&s, buf, sizeof buf), SDP_ERR_ARG); /* no origin */
    s.origin_addr = "10.0.0.1";
    assert_true(sdp_write(&s, buf, sizeof buf) > 0);

    sdp_stream bad = s;
    bad.channels = 3;
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad = s;
    bad.red_depth = 1;
    bad.red_pt = 111;
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad = s;
    bad.red_depth = SDP_MAX_RED_DEPTH + 1;
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad.red_depth = SDP_MAX_RED_DEPTH;
    assert_true(sdp_write(&bad, buf, sizeof buf) > 0);
    bad = s;
    bad.opus_pt = 128;
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad = s;
    bad.maxplaybackrate = 7999;
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad.maxplaybackrate = 0;
    assert_true(sdp_write(&bad, buf, sizeof buf) > 0);
    assert_null(strstr(buf, "maxplaybackrate"));
    bad = s;
    bad.control = "a b";
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad = s;
    bad.session_name = "two\r\nlines";
    assert_int_equal(sdp_write(&bad, buf, sizeof buf), SDP_ERR_ARG);
    bad = s;
    bad.frame_us = 0;
    assert_true(sdp_write(&bad, buf, sizeof buf) > 0);
    assert_null(strstr(buf, "a=ptime"));
    assert_int_equal(sdp_write(NULL, buf, sizeof buf), SDP_ERR_ARG);
    assert_int_equal(sdp_parse(NULL, 3, &desc), SDP_ERR_ARG);
    assert_int_equal(sdp_parse(NULL, 0, &desc), SDP_ERR_NO_AUDIO);
}

static void test_strerror(void **state)
{
    (void)state;
    const char *unknown = sdp_strerror(12345);
    static const int codes[] = {SDP_OK,        SDP_ERR_ARG,        SDP_ERR_BUFFER,
                                SDP_ERR_MEDIA, SDP_ERR_NO_AUDIO,   SDP_ERR_PROFILE,
                                SDP_ERR_CODEC, SDP_ERR_CLOCK_RATE, SDP_ERR_CHANNELS};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = sdp_strerror(codes[i]);
        assert_non_null(text);
        assert_string_not_equal(text, unknown);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(text, sdp_strerror(codes[j]));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffmpeg_mono),     cmocka_unit_test(test_ffmpeg_stereo),
        cmocka_unit_test(test_write_exact),     cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ptime_values),    cmocka_unit_test(test_unsupported_offers),
        cmocka_unit_test(test_opus_not_first),  cmocka_unit_test(test_red_variants),
        cmocka_unit_test(test_lenient_parsing), cmocka_unit_test(test_field_limits),
        cmocka_unit_test(test_malformed_media), cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_writer_errors),   cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("sdp", tests, NULL, NULL);
}
