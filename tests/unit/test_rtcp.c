/* RTCP (RFC 3550, RFC 3611, our ALrx APP): known-bytes vectors written out
 * by hand from the RFC layouts, round trips of every packet and block type,
 * each RFC 3550 A.2 rule broken once, Loss RLE over random patterns and
 * runs longer than a chunk, RTT across the wrap of the NTP middle word,
 * every truncation of a compound and of each packet, and the writer's
 * order and buffer checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/defaults.h"
#include "proto/rtcp.h"

#define OUR_SSRC  0x11223344u
#define PEER_SSRC 0xaabbccddu
#define NS_PER_S  1000000000LL

/* ---- The known-bytes vectors, each field written from the RFC's figure ---- */

/* RR (RFC 3550 6.4.2), one report block (6.4.1). */
static const uint8_t RR_BYTES[] = {
    0x81, 0xc9, 0x00, 0x07, /* V=2 P=0 RC=1 | PT=201 | length 7 words + 1 */
    0x11, 0x22, 0x33, 0x44, /* SSRC of the reporter */
    0xaa, 0xbb, 0xcc, 0xdd, /* SSRC_1, the source reported on */
    0x40, 0xff, 0xff, 0xff, /* fraction lost 64/256 | cumulative lost -1 (24-bit) */
    0x00, 0x01, 0x02, 0x03, /* extended highest sequence: 1 cycle, seq 0x0203 */
    0x00, 0x00, 0x00, 0x10, /* jitter 16 ticks */
    0x12, 0x34, 0x56, 0x78, /* LSR */
    0x00, 0x01, 0x80, 0x00, /* DLSR 1.5 s in 1/65536 s */
};

/* SDES (6.5) with one chunk: CNAME "ab@c", the end item, a zero pad. */
static const uint8_t SDES_BYTES[] = {
    0x81, 0xca, 0x00, 0x03, /* V=2 SC=1 | PT=202 | length 3 */
    0x11, 0x22, 0x33, 0x44, /* SSRC */
    0x01, 0x04, 'a',  'b',  /* CNAME, 4 bytes */
    '@',  'c',  0x00, 0x00, /* end item, pad to the word */
};

/* SR (6.4.1) without report blocks. */
static const uint8_t SR_BYTES[] = {
    0x80, 0xc8, 0x00, 0x06, /* V=2 RC=0 | PT=200 | length 6 */
    0x11, 0x22, 0x33, 0x44, /* SSRC of the sender */
    0x83, 0xaa, 0x7e, 0x80, /* NTP seconds */
    0x80, 0x00, 0x00, 0x00, /* NTP fraction: .5 s */
    0x00, 0x00, 0x09, 0x60, /* RTP timestamp 2400 */
    0x00, 0x00, 0x00, 0x64, /* 100 packets */
    0x00, 0x00, 0x10, 0x00, /* 4096 octets */
};

/* XR (RFC 3611 2): RRTR (4.4), DLRR (4.5), Loss RLE (4.1) of 40 packets from
 * sequence 0xfff0 (so end_seq wraps to 0x0018): 20 received (a run), then
 * 0 1 1 1 1 0 1 1 1 1 1 1 1 1 1 (a bit vector), then 5 received (a run of
 * the tail), padded with a null chunk. */
static const uint8_t XR_BYTES[] = {
    0x80, 0xcf, 0x00, 0x0d, /* V=2 | PT=207 | length 13 */
    0x11, 0x22, 0x33, 0x44, /* SSRC of the sender of the XR */
    0x04, 0x00, 0x00, 0x02, /* BT=4 RRTR | 0 | 2 words */
    0x83, 0xaa, 0x7e, 0x81, /* NTP seconds */
    0x40, 0x00, 0x00, 0x00, /* NTP fraction: .25 s */
    0x05, 0x00, 0x00, 0x03, /* BT=5 DLRR | 0 | 3 words */
    0xaa, 0xbb, 0xcc, 0xdd, /* SSRC of the receiver */
    0x7e, 0x81, 0x40, 0x00, /* LRR */
    0x00, 0x00, 0x40, 0x00, /* DLRR .25 s */
    0x01, 0x00, 0x00, 0x04, /* BT=1 Loss RLE | rsvd, T=0 | 4 words */
    0xaa, 0xbb, 0xcc, 0xdd, /* SSRC of the source */
    0xff, 0xf0, 0x00, 0x18, /* begin_seq | end_seq */
    0x40, 0x14, 0xbd, 0xff, /* run of 20 received | bit vector 0 1111 0 111111111 */
    0x40, 0x05, 0x00, 0x00, /* run of 5 received | null chunk */
};
static const bool XR_PATTERN[40] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Our APP (RFC 3550 6.7), ALrx version 1 (docs/protocol.md). */
static const uint8_t APP_BYTES[] = {
    0x80, 0xcc, 0x00, 0x0a, /* V=2 subtype 0 | PT=204 | length 10 */
    0x11, 0x22, 0x33, 0x44, /* SSRC of the receiver */
    'A',  'L',  'r',  'x',  /* name */
    0x01, 0x00, 0x00, 0x07, /* version 1 | reserved | 7 words follow */
    0xaa, 0xbb, 0xcc, 0xdd, /* media SSRC */
    0x00, 0x00, 0x03, 0xe8, /* frames_primary 1000 */
    0x00, 0x00, 0x00, 0x14, /* frames_red 20 */
    0x00, 0x00, 0x00, 0x03, /* frames_fec 3 */
    0x00, 0x00, 0x00, 0x02, /* frames_concealed 2 */
    0x00, 0x00, 0x00, 0x01, /* packets_late 1 */
    0x00, 0x00, 0x9c, 0x40, /* playout delay 40000 us */
};

/* BYE (6.6) with a reason. */
static const uint8_t BYE_BYTES[] = {
    0x81, 0xcb, 0x00, 0x02, /* V=2 SC=1 | PT=203 | length 2 */
    0x11, 0x22, 0x33, 0x44, /* SSRC leaving */
    0x03, 'e',  'n',  'd',  /* reason "end" */
};

static const rtcp_report_block RR_BLOCK = {
    .ssrc = PEER_SSRC,
    .fraction_lost = 64,
    .cumulative_lost = -1,
    .highest_seq = 0x00010203,
    .jitter = 16,
    .lsr = 0x12345678,
    .dlsr = 0x00018000,
};

static const rtcp_alrx APP_ALRX = {
    .media_ssrc = PEER_SSRC,
    .frames_primary = 1000,
    .frames_red = 20,
    .frames_fec = 3,
    .frames_concealed = 2,
    .packets_late = 1,
    .playout_delay_us = 40000,
};

static const uint64_t RRTR_NTP = 0x83aa7e8140000000ull;
static const rtcp_dlrr_item DLRR_ITEM = {PEER_SSRC, 0x7e814000, 0x00004000};

/* The five packets above as one compound, as the receiver sends it. */
static size_t compound_bytes(uint8_t *out)
{
    size_t len = 0;
    memcpy(out + len, RR_BYTES, sizeof RR_BYTES), len += sizeof RR_BYTES;
    memcpy(out + len, SDES_BYTES, sizeof SDES_BYTES), len += sizeof SDES_BYTES;
    memcpy(out + len, XR_BYTES, sizeof XR_BYTES), len += sizeof XR_BYTES;
    memcpy(out + len, APP_BYTES, sizeof APP_BYTES), len += sizeof APP_BYTES;
    memcpy(out + len, BYE_BYTES, sizeof BYE_BYTES), len += sizeof BYE_BYTES;
    return len;
}

/* The same compound from the writer. */
static int write_compound(uint8_t *buf, size_t cap)
{
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_rr(&w, OUR_SSRC, &RR_BLOCK, 1);
    rtcp_write_sdes_cname(&w, OUR_SSRC, "ab@c");
    rtcp_xr_begin(&w, OUR_SSRC);
    rtcp_xr_add_rrtr(&w, RRTR_NTP);
    rtcp_xr_add_dlrr(&w, &DLRR_ITEM, 1);
    rtcp_xr_add_loss_rle(&w, PEER_SSRC, 0xfff0, XR_PATTERN, 40);
    rtcp_xr_end(&w);
    rtcp_write_alrx(&w, OUR_SSRC, &APP_ALRX);
    const uint32_t leaving = OUR_SSRC;
    rtcp_write_bye(&w, &leaving, 1, "end");
    return rtcp_writer_finish(&w);
}

/* A packet of the compound BUF by index, through the walker. */
static rtcp_packet packet_at(const uint8_t *buf, size_t len, int index)
{
    rtcp_walker walk;
    assert_int_equal(rtcp_walk_init(&walk, buf, len), RTCP_OK);
    rtcp_packet p;
    for (int i = 0; i <= index; i++)
        assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    return p;
}

static void assert_block_equal(const rtcp_report_block *a, const rtcp_report_block *b)
{
    assert_int_equal(a->ssrc, b->ssrc);
    assert_int_equal(a->fraction_lost, b->fraction_lost);
    assert_int_equal(a->cumulative_lost, b->cumulative_lost);
    assert_int_equal(a->highest_seq, b->highest_seq);
    assert_int_equal(a->jitter, b->jitter);
    assert_int_equal(a->lsr, b->lsr);
    assert_int_equal(a->dlsr, b->dlsr);
}

static void test_writer_matches_known_bytes(void **state)
{
    (void)state;
    uint8_t expected[512], built[512];
    size_t len = compound_bytes(expected);
    assert_int_equal(write_compound(built, sizeof built), (int)len);
    assert_memory_equal(built, expected, len);

    /* SR on its own. */
    rtcp_sr sr = {.ssrc = OUR_SSRC,
                  .ntp = 0x83aa7e8080000000ull,
                  .rtp_ts = 2400,
                  .packet_count = 100,
                  .octet_count = 4096};
    rtcp_writer w;
    rtcp_writer_init(&w, built, sizeof built);
    assert_int_equal(rtcp_write_sr(&w, &sr), RTCP_OK);
    assert_int_equal(rtcp_writer_finish(&w), (int)sizeof SR_BYTES);
    assert_memory_equal(built, SR_BYTES, sizeof SR_BYTES);
}

static void test_parse_known_bytes(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = compound_bytes(buf);
    assert_int_equal(rtcp_validate(buf, len), 5);
    rtcp_walker walk;
    assert_int_equal(rtcp_walk_init(&walk, buf, len), RTCP_OK);
    rtcp_packet p;

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    assert_int_equal(p.type, RTCP_PT_RR);
    rtcp_rr rr;
    assert_int_equal(rtcp_parse_rr(&p, &rr), RTCP_OK);
    assert_int_equal(rr.ssrc, OUR_SSRC);
    assert_int_equal(rr.report_count, 1);
    assert_block_equal(&rr.reports[0], &RR_BLOCK);

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    assert_int_equal(p.type, RTCP_PT_SDES);
    rtcp_sdes_item items[4];
    size_t count = 0;
    assert_int_equal(rtcp_parse_sdes(&p, items, 4, &count), RTCP_OK);
    assert_int_equal(count, 1);
    assert_int_equal(items[0].ssrc, OUR_SSRC);
    assert_int_equal(items[0].type, RTCP_SDES_CNAME);
    assert_int_equal(items[0].len, 4);
    assert_memory_equal(items[0].text, "ab@c", 4);

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    assert_int_equal(p.type, RTCP_PT_XR);
    rtcp_xr xr;
    assert_int_equal(rtcp_parse_xr(&p, &xr), RTCP_OK);
    assert_int_equal(xr.ssrc, OUR_SSRC);
    rtcp_xr_block b;
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    uint64_t ntp = 0;
    assert_int_equal(rtcp_parse_rrtr(&b, &ntp), RTCP_OK);
    assert_true(ntp == RRTR_NTP);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    rtcp_dlrr_item dlrr[2];
    assert_int_equal(rtcp_parse_dlrr(&b, dlrr, 2, &count), RTCP_OK);
    assert_int_equal(count, 1);
    assert_int_equal(dlrr[0].ssrc, DLRR_ITEM.ssrc);
    assert_int_equal(dlrr[0].lrr, DLRR_ITEM.lrr);
    assert_int_equal(dlrr[0].dlrr, DLRR_ITEM.dlrr);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    rtcp_loss_rle rle;
    assert_int_equal(rtcp_parse_loss_rle(&b, &rle), RTCP_OK);
    assert_int_equal(rle.ssrc, PEER_SSRC);
    assert_int_equal(rle.thinning, 0);
    assert_int_equal(rle.begin_seq, 0xfff0);
    assert_int_equal(rle.end_seq, 0x0018);
    assert_int_equal(rle.chunk_count, 4);
    bool got[64];
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_OK);
    assert_int_equal(count, 40);
    assert_memory_equal(got, XR_PATTERN, sizeof XR_PATTERN);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_OK);

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    assert_int_equal(p.type, RTCP_PT_APP);
    rtcp_app app;
    assert_int_equal(rtcp_parse_app(&p, &app), RTCP_OK);
    assert_string_equal(app.name, "ALrx");
    assert_int_equal(app.ssrc, OUR_SSRC);
    rtcp_alrx a;
    assert_int_equal(rtcp_parse_alrx(&app, &a), RTCP_OK);
    assert_memory_equal(&a, &APP_ALRX, sizeof a);

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_NEXT);
    assert_int_equal(p.type, RTCP_PT_BYE);
    rtcp_bye bye;
    assert_int_equal(rtcp_parse_bye(&p, &bye), RTCP_OK);
    assert_int_equal(bye.source_count, 1);
    assert_int_equal(bye.sources[0], OUR_SSRC);
    assert_int_equal(bye.reason_len, 3);
    assert_memory_equal(bye.reason, "end", 3);

    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_OK);
    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_OK);

    /* The SR vector. */
    p = packet_at(SR_BYTES, sizeof SR_BYTES, 0);
    rtcp_sr sr;
    assert_int_equal(rtcp_parse_sr(&p, &sr), RTCP_OK);
    assert_int_equal(sr.ssrc, OUR_SSRC);
    assert_true(sr.ntp == 0x83aa7e8080000000ull);
    assert_int_equal(sr.rtp_ts, 2400);
    assert_int_equal(sr.packet_count, 100);
    assert_int_equal(sr.octet_count, 4096);
    assert_int_equal(sr.report_count, 0);
}

static void test_round_trip_sr_rr(void **state)
{
    (void)state;
    rtcp_sr sr = {.ssrc = 0xdeadbeef,
                  .ntp = 0xfedcba9876543210ull,
                  .rtp_ts = 0xffffffff,
                  .packet_count = 7,
                  .octet_count = 0x80000000u,
                  .report_count = RTCP_MAX_REPORT_BLOCKS};
    for (size_t i = 0; i < RTCP_MAX_REPORT_BLOCKS; i++) {
        rtcp_report_block *b = &sr.reports[i];
        b->ssrc = (uint32_t)(0x1000 + i);
        b->fraction_lost = (uint8_t)(i * 8);
        /* Both ends of the 24-bit range, zero and values in between. */
        const int32_t lost[] = {RTCP_CUMULATIVE_LOST_MIN, RTCP_CUMULATIVE_LOST_MAX, 0, -5, 12345};
        b->cumulative_lost = lost[i % 5];
        b->highest_seq = (uint32_t)(0xffff0000u + i);
        b->jitter = (uint32_t)(i * 1000);
        b->lsr = (uint32_t)(0x80000000u ^ i);
        b->dlsr = (uint32_t)(i << 16);
    }
    uint8_t buf[1500];
    rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_sr(&w, &sr), RTCP_OK);
    assert_int_equal(rtcp_write_rr(&w, 0x5555, sr.reports, 3), RTCP_OK);
    assert_int_equal(rtcp_write_rr(&w, 0x6666, NULL, 0), RTCP_OK);
    int len = rtcp_writer_finish(&w);
    assert_int_equal(len, 28 + 31 * 24 + 8 + 3 * 24 + 8);

    rtcp_packet p = packet_at(buf, (size_t)len, 0);
    rtcp_sr back;
    assert_int_equal(rtcp_parse_sr(&p, &back), RTCP_OK);
    assert_int_equal(back.ssrc, sr.ssrc);
    assert_true(back.ntp == sr.ntp);
    assert_int_equal(back.rtp_ts, sr.rtp_ts);
    assert_int_equal(back.packet_count, sr.packet_count);
    assert_int_equal(back.octet_count, sr.octet_count);
    assert_int_equal(back.report_count, 31);
    for (size_t i = 0; i < 31; i++)
        assert_block_equal(&back.reports[i], &sr.reports[i]);

    rtcp_rr rr;
    p = packet_at(buf, (size_t)len, 1);
    assert_int_equal(rtcp_parse_rr(&p, &rr), RTCP_OK);
    assert_int_equal(rr.ssrc, 0x5555);
    assert_int_equal(rr.report_count, 3);
    for (size_t i = 0; i < 3; i++)
        assert_block_equal(&rr.reports[i], &sr.reports[i]);
    p = packet_at(buf, (size_t)len, 2);
    assert_int_equal(rtcp_parse_rr(&p, &rr), RTCP_OK);
    assert_int_equal(rr.ssrc, 0x6666);
    assert_int_equal(rr.report_count, 0);
    /* A typed parser refuses a packet of another type. */
    assert_int_equal(rtcp_parse_sr(&p, &back), RTCP_ERR_ARG);

    /* A cumulative loss beyond 24 bits is clamped on the wire. */
    rtcp_report_block big = RR_BLOCK;
    big.cumulative_lost = 0x7fffffff;
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, &big, 1);
    len = rtcp_writer_finish(&w);
    p = packet_at(buf, (size_t)len, 0);
    assert_int_equal(rtcp_parse_rr(&p, &rr), RTCP_OK);
    assert_int_equal(rr.reports[0].cumulative_lost, RTCP_CUMULATIVE_LOST_MAX);
}

/* SDES CNAMEs of every length pad to the word; BYE with and without a
 * reason; any APP; ALrx. */
static void test_round_trip_sdes_bye_app(void **state)
{
    (void)state;
    char cname[RTCP_MAX_SDES_TEXT + 1];
    for (size_t n = 1; n <= RTCP_MAX_SDES_TEXT; n++) {
        memset(cname, 'a' + (int)(n % 26), n);
        cname[n] = '\0';
        uint8_t buf[600];
        rtcp_writer w;
        rtcp_writer_init(&w, buf, sizeof buf);
        rtcp_write_rr(&w, OUR_SSRC, NULL, 0);
        assert_int_equal(rtcp_write_sdes_cname(&w, OUR_SSRC, cname), RTCP_OK);
        uint32_t sources[3] = {1, 2, 3};
        /* A reason of every length too, and none when n is even. */
        char reason[RTCP_MAX_BYE_REASON + 1];
        memset(reason, 'r', n);
        reason[n] = '\0';
        assert_int_equal(rtcp_write_bye(&w, sources, n % 4, n % 2 ? reason : NULL), RTCP_OK);
        int len = rtcp_writer_finish(&w);
        assert_true(len > 0);
        assert_int_equal(len % 4, 0);

        rtcp_packet p = packet_at(buf, (size_t)len, 1);
        rtcp_sdes_item item;
        size_t count = 0;
        assert_int_equal(rtcp_parse_sdes(&p, &item, 1, &count), RTCP_OK);
        assert_int_equal(count, 1);
        assert_int_equal(item.len, n);
        assert_memory_equal(item.text, cname, n);
        /* No room for the item. */
        assert_int_equal(rtcp_parse_sdes(&p, NULL, 0, &count), RTCP_ERR_TOO_MANY);

        p = packet_at(buf, (size_t)len, 2);
        rtcp_bye bye;
        assert_int_equal(rtcp_parse_bye(&p, &bye), RTCP_OK);
        assert_int_equal(bye.source_count, n % 4);
        for (size_t i = 0; i < n % 4; i++)
            assert_int_equal(bye.sources[i], sources[i]);
        if (n % 2) {
            assert_int_equal(bye.reason_len, n);
            assert_memory_equal(bye.reason, reason, n);
        } else {
            assert_null(bye.reason);
        }
    }

    uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    uint8_t buf[200];
    rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, OUR_SSRC, NULL, 0);
    assert_int_equal(rtcp_write_app(&w, 31, 0x99, "abcd", data, sizeof data), RTCP_OK);
    assert_int_equal(rtcp_write_app(&w, 0, 0x98, "none", NULL, 0), RTCP_OK);
    int len = rtcp_writer_finish(&w);
    rtcp_app app;
    rtcp_packet p = packet_at(buf, (size_t)len, 1);
    assert_int_equal(rtcp_parse_app(&p, &app), RTCP_OK);
    assert_int_equal(app.subtype, 31);
    assert_int_equal(app.ssrc, 0x99);
    assert_string_equal(app.name, "abcd");
    assert_int_equal(app.data_len, sizeof data);
    assert_memory_equal(app.data, data, sizeof data);
    rtcp_alrx a;
    assert_int_equal(rtcp_parse_alrx(&app, &a), RTCP_ERR_NOT_ALRX);
    p = packet_at(buf, (size_t)len, 2);
    assert_int_equal(rtcp_parse_app(&p, &app), RTCP_OK);
    assert_int_equal(app.data_len, 0);
}

static void test_alrx_versions(void **state)
{
    (void)state;
    rtcp_alrx in = {0xffffffff, 0xfffffffe, 1, 2, 3, 4, 0x80000000u};
    uint8_t buf[100];
    rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, OUR_SSRC, NULL, 0);
    assert_int_equal(rtcp_write_alrx(&w, OUR_SSRC, &in), RTCP_OK);
    int len = rtcp_writer_finish(&w);
    assert_int_equal(len, 8 + 12 + RTCP_ALRX_SIZE);
    rtcp_packet p = packet_at(buf, (size_t)len, 1);
    rtcp_app app;
    rtcp_alrx out;
    assert_int_equal(rtcp_parse_app(&p, &app), RTCP_OK);
    assert_int_equal(rtcp_parse_alrx(&app, &out), RTCP_OK);
    assert_memory_equal(&out, &in, sizeof in);

    /* A later revision of version 1 with a word appended: the known words
     * are read, the new one skipped. */
    uint8_t data[RTCP_ALRX_SIZE + 4];
    memcpy(data, app.data, RTCP_ALRX_SIZE);
    data[3] = RTCP_ALRX_V1_WORDS + 1;
    memset(data + RTCP_ALRX_SIZE, 0x77, 4);
    rtcp_app longer = app;
    longer.data = data;
    longer.data_len = sizeof data;
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_OK);
    assert_memory_equal(&out, &in, sizeof in);
    /* A words field larger than the data. */
    data[3] = RTCP_ALRX_V1_WORDS + 2;
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_ERR_BODY_TRUNCATED);
    /* Fewer words than version 1 has. */
    data[3] = RTCP_ALRX_V1_WORDS - 1;
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_ERR_BODY_TRUNCATED);
    /* Another version, another subtype, another name. */
    data[3] = RTCP_ALRX_V1_WORDS;
    data[0] = 2;
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_ERR_ALRX_VERSION);
    data[0] = 1;
    longer.subtype = 1;
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_ERR_NOT_ALRX);
    longer.subtype = 0;
    longer.name[3] = 'X';
    assert_int_equal(rtcp_parse_alrx(&longer, &out), RTCP_ERR_NOT_ALRX);
}

static void test_round_trip_xr(void **state)
{
    (void)state;
    rtcp_dlrr_item items[5];
    for (size_t i = 0; i < 5; i++)
        items[i] =
            (rtcp_dlrr_item){(uint32_t)(i + 1), (uint32_t)(0xfffffff0u + i), (uint32_t)(i * 65536)};
    bool pattern[100];
    for (size_t i = 0; i < 100; i++)
        pattern[i] = i % 7 != 3;
    uint8_t buf[1000];
    rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, OUR_SSRC, NULL, 0);
    assert_int_equal(rtcp_xr_begin(&w, 0x42), RTCP_OK);
    assert_int_equal(rtcp_xr_add_dlrr(&w, items, 5), RTCP_OK);
    assert_int_equal(rtcp_xr_add_rrtr(&w, 0x0123456789abcdefull), RTCP_OK);
    assert_int_equal(rtcp_xr_add_loss_rle(&w, 0x43, 65500, pattern, 100), RTCP_OK);
    assert_int_equal(rtcp_xr_end(&w), RTCP_OK);
    /* An empty XR (no blocks) is legal too. */
    assert_int_equal(rtcp_xr_begin(&w, 0x44), RTCP_OK);
    assert_int_equal(rtcp_xr_end(&w), RTCP_OK);
    int len = rtcp_writer_finish(&w);
    assert_true(len > 0);

    rtcp_packet p = packet_at(buf, (size_t)len, 1);
    rtcp_xr xr;
    assert_int_equal(rtcp_parse_xr(&p, &xr), RTCP_OK);
    assert_int_equal(xr.ssrc, 0x42);
    rtcp_xr_block b;
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    rtcp_dlrr_item back[5];
    size_t count = 0;
    assert_int_equal(rtcp_parse_dlrr(&b, back, 4, &count), RTCP_ERR_TOO_MANY);
    assert_int_equal(rtcp_parse_dlrr(&b, back, 5, &count), RTCP_OK);
    assert_int_equal(count, 5);
    assert_memory_equal(back, items, sizeof items);
    uint64_t ntp;
    assert_int_equal(rtcp_parse_rrtr(&b, &ntp), RTCP_ERR_ARG); /* a DLRR block */
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    assert_int_equal(rtcp_parse_rrtr(&b, &ntp), RTCP_OK);
    assert_true(ntp == 0x0123456789abcdefull);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    rtcp_loss_rle rle;
    assert_int_equal(rtcp_parse_loss_rle(&b, &rle), RTCP_OK);
    assert_int_equal(rle.begin_seq, 65500);
    assert_int_equal(rle.end_seq, (uint16_t)(65500 + 100));
    bool got[100];
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 99, &count), RTCP_ERR_TOO_MANY);
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 100, &count), RTCP_OK);
    assert_memory_equal(got, pattern, sizeof pattern);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_OK);

    p = packet_at(buf, (size_t)len, 2);
    assert_int_equal(rtcp_parse_xr(&p, &xr), RTCP_OK);
    assert_int_equal(xr.ssrc, 0x44);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_OK);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Writes PATTERN[0..N) as a Loss RLE block, checks the block size helper,
 * decodes it and compares. */
static void loss_rle_round_trip(const bool *pattern, size_t n, uint16_t begin)
{
    size_t block = rtcp_loss_rle_block_size(pattern, n);
    size_t cap = 8 + 8 + block + 16;
    uint8_t *buf = malloc(cap);
    bool *got = malloc(n);
    assert_non_null(buf);
    assert_non_null(got);
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_rr(&w, OUR_SSRC, NULL, 0);
    rtcp_xr_begin(&w, OUR_SSRC);
    assert_int_equal(rtcp_xr_add_loss_rle(&w, PEER_SSRC, begin, pattern, n), RTCP_OK);
    rtcp_xr_end(&w);
    int len = rtcp_writer_finish(&w);
    assert_int_equal(len, 8 + 8 + (int)block);

    rtcp_packet p = packet_at(buf, (size_t)len, 1);
    rtcp_xr xr;
    rtcp_xr_block b;
    rtcp_loss_rle rle;
    size_t count = 0;
    assert_int_equal(rtcp_parse_xr(&p, &xr), RTCP_OK);
    assert_int_equal(rtcp_xr_next(&xr, &b), RTCP_NEXT);
    assert_int_equal(rtcp_parse_loss_rle(&b, &rle), RTCP_OK);
    assert_int_equal(rle.begin_seq, begin);
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, n, &count), RTCP_OK);
    assert_int_equal(count, n);
    assert_memory_equal(got, pattern, n);
    free(got);
    free(buf);
}

static void test_loss_rle_random(void **state)
{
    (void)state;
    /* Loss rates from none to all, burst lengths from single packets to
     * runs past a chunk's 16383, lengths from 1 to the largest span. */
    const size_t lengths[] = {1, 2, 14, 15, 16, 29, 30, 31, 100, 1000, 16383, 16384, 40000, 65535};
    const uint32_t loss_per_mille[] = {0, 1, 50, 300, 500, 900, 1000};
    const uint32_t mean_burst[] = {1, 3, 20, 20000};
    bool *pattern = malloc(RTCP_XR_LOSS_RLE_MAX_SPAN);
    assert_non_null(pattern);
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        for (size_t pi = 0; pi < sizeof loss_per_mille / sizeof loss_per_mille[0]; pi++) {
            for (size_t bi = 0; bi < sizeof mean_burst / sizeof mean_burst[0]; bi++) {
                size_t n = lengths[li];
                /* A two-state chain: a state lasts mean_burst packets on
                 * average, lost with the given share of the time. */
                bool lost = next_random() % 1000 < loss_per_mille[pi];
                for (size_t i = 0; i < n; i++) {
                    if (next_random() % mean_burst[bi] == 0)
                        lost = next_random() % 1000 < loss_per_mille[pi];
                    pattern[i] = !lost;
                }
                loss_rle_round_trip(pattern, n, (uint16_t)next_random());
            }
        }
    }
    /* A run longer than one chunk, of either kind, is split into chunks. */
    memset(pattern, 1, RTCP_XR_LOSS_RLE_MAX_SPAN);
    loss_rle_round_trip(pattern, RTCP_XR_LOSS_RLE_MAX_SPAN, 0);
    /* 65535 = 4 * 16383 + 3: four full runs and a tail run, one null chunk. */
    assert_int_equal(rtcp_loss_rle_block_size(pattern, RTCP_XR_LOSS_RLE_MAX_SPAN), 4 + 8 + 6 * 2);
    memset(pattern, 0, 40000);
    loss_rle_round_trip(pattern, 40000, 7);

    /* The worst case for the block size, a loss every other packet: bit
     * vectors all through, within what defaults.h promises. */
    for (size_t i = 0; i < AL_RTCP_LOSS_RLE_MAX_PACKETS; i++)
        pattern[i] = i % 2;
    size_t worst = rtcp_loss_rle_block_size(pattern, AL_RTCP_LOSS_RLE_MAX_PACKETS);
    assert_int_equal(worst, 4 + 8 + AL_RTCP_LOSS_RLE_MAX_PACKETS / 15 * 2);
    assert_true(worst <= 416);
    loss_rle_round_trip(pattern, AL_RTCP_LOSS_RLE_MAX_PACKETS, 0xffff);
    free(pattern);
}

/* Hand-made chunks that break the rules decode to an error. */
static void test_loss_rle_decode_errors(void **state)
{
    (void)state;
    bool got[64];
    size_t count = 99;
    uint8_t chunks[8];
    rtcp_loss_rle rle = {.ssrc = 1, .begin_seq = 10, .end_seq = 30, .chunks = chunks};

    /* A run of 20: right. */
    chunks[0] = 0x40, chunks[1] = 20, chunks[2] = 0, chunks[3] = 0;
    rle.chunk_count = 2;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_OK);
    assert_int_equal(count, 20);
    /* A run of 19: fewer packets than the range. */
    chunks[1] = 19;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_LOSS_RLE);
    assert_int_equal(count, 0);
    /* A run of 21: more. */
    chunks[1] = 21;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_LOSS_RLE);
    /* A chunk after the null chunk. */
    chunks[0] = 0, chunks[1] = 0, chunks[2] = 0x40, chunks[3] = 20;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_LOSS_RLE);
    /* A run of zero received packets. */
    chunks[0] = 0x40, chunks[1] = 0, chunks[2] = 0x40, chunks[3] = 20;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_LOSS_RLE);
    /* Two bit vectors (30 packets) for 20: the second ends past end_seq,
     * fine; a third lies wholly past it. */
    chunks[0] = 0xff, chunks[1] = 0xff, chunks[2] = 0x80, chunks[3] = 0x01;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_OK);
    chunks[4] = 0xff, chunks[5] = 0xff, chunks[6] = 0, chunks[7] = 0;
    rle.chunk_count = 4;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_LOSS_RLE);
    /* Thinning other than 0. */
    rle.chunk_count = 2;
    rle.thinning = 1;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 64, &count), RTCP_ERR_THINNING);
    /* An empty range with no chunks is no packets. */
    rle.thinning = 0;
    rle.end_seq = rle.begin_seq;
    rle.chunk_count = 0;
    assert_int_equal(rtcp_loss_rle_decode(&rle, got, 0, &count), RTCP_OK);
    assert_int_equal(count, 0);
}

/* Each A.2 rule broken once, on an otherwise valid compound. */
static void test_validity_rules(void **state)
{
    (void)state;
    uint8_t good[512];
    size_t len = compound_bytes(good);
    uint8_t buf[520];
    const size_t sdes = sizeof RR_BYTES; /* offset of the second packet */
    const size_t bye = len - sizeof BYE_BYTES;
    rtcp_walker walk;

    /* Version other than 2, in the first packet and in a later one. */
    memcpy(buf, good, len);
    buf[0] = (uint8_t)(1 << 6 | (buf[0] & 0x3f));
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_VERSION);
    memcpy(buf, good, len);
    buf[sdes] = (uint8_t)(3 << 6 | (buf[sdes] & 0x3f));
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_VERSION);
    /* The walker refuses the whole compound: nothing is handed out. */
    assert_int_equal(rtcp_walk_init(&walk, buf, len), RTCP_ERR_VERSION);
    rtcp_packet p;
    assert_int_equal(rtcp_walk_next(&walk, &p), RTCP_OK);

    /* The first packet neither SR nor RR: the compound without its RR. */
    assert_int_equal(rtcp_validate(good + sdes, len - sdes), RTCP_ERR_FIRST_TYPE);

    /* Padding on a packet other than the last (the SDES), and on the
     * first. */
    memcpy(buf, good, len);
    buf[sdes] |= 0x20;
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_PADDING);
    memcpy(buf, good, len);
    buf[0] |= 0x20;
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_PADDING);
    /* ... and on the APP with a count that would be right for it (4), so
     * that only "not the last packet" is broken. */
    const size_t app = bye - sizeof APP_BYTES;
    memcpy(buf, good, len);
    buf[app] |= 0x20;
    buf[bye - 1] = 4;
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_PADDING);
    assert_int_equal(rtcp_validate(buf, bye), 4); /* the same APP last: fine */

    /* Padding on the last packet: 4 bytes appended, the length grown, the
     * count in the last byte. Valid, and the body excludes them. */
    memcpy(buf, good, len);
    memset(buf + len, 0, 4);
    buf[len + 3] = 4;
    buf[bye] |= 0x20;
    buf[bye + 3] += 1;
    assert_int_equal(rtcp_validate(buf, len + 4), 5);
    p = packet_at(buf, len + 4, 4);
    assert_int_equal(p.body_len, sizeof BYE_BYTES - 4);
    rtcp_bye b;
    assert_int_equal(rtcp_parse_bye(&p, &b), RTCP_OK);
    assert_memory_equal(b.reason, "end", 3);
    /* ... with a count of 0, or more than the packet's body. */
    buf[len + 3] = 0;
    assert_int_equal(rtcp_validate(buf, len + 4), RTCP_ERR_PADDING);
    buf[len + 3] = (uint8_t)(sizeof BYE_BYTES + 4 - 4 + 1);
    assert_int_equal(rtcp_validate(buf, len + 4), RTCP_ERR_PADDING);
    buf[len + 3] = (uint8_t)(sizeof BYE_BYTES + 4 - 4); /* the whole body: legal */
    assert_int_equal(rtcp_validate(buf, len + 4), 5);

    /* Lengths that do not sum to the datagram: a length past the end, a
     * length short of it (the rest read as a header), and extra bytes. */
    memcpy(buf, good, len);
    buf[bye + 3] += 1;
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_LENGTH);
    memcpy(buf, good, len);
    buf[bye + 3] -= 1;
    assert_int_equal(rtcp_validate(buf, len), RTCP_ERR_VERSION); /* 'e' 'n' 'd' as a header */
    memcpy(buf, good, len);
    memset(buf + len, 0, 4);
    assert_int_equal(rtcp_validate(buf, len + 2), RTCP_ERR_HEADER_TRUNCATED);
    assert_int_equal(rtcp_validate(buf, len + 4), RTCP_ERR_VERSION);

    /* Nothing at all. */
    assert_int_equal(rtcp_validate(buf, 0), RTCP_ERR_HEADER_TRUNCATED);
    assert_int_equal(rtcp_validate(NULL, 8), RTCP_ERR_HEADER_TRUNCATED);
    assert_int_equal(rtcp_validate(good, len), 5);
}

/* Every prefix of the compound: an exact-size copy (ASan sees any read past
 * its end) is either invalid, or ends on a packet boundary and holds the
 * packets before it, each of which parses as before. */
static void test_truncated_compound(void **state)
{
    (void)state;
    uint8_t good[512];
    size_t len = compound_bytes(good);
    const size_t boundaries[] = {
        sizeof RR_BYTES,
        sizeof RR_BYTES + sizeof SDES_BYTES,
        sizeof RR_BYTES + sizeof SDES_BYTES + sizeof XR_BYTES,
        len - sizeof BYE_BYTES,
    };
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, good, cut);
        int packets = 0;
        for (size_t i = 0; i < 4; i++) {
            if (cut == boundaries[i])
                packets = (int)i + 1;
        }
        int status = rtcp_validate(copy, cut);
        if (packets) {
            assert_int_equal(status, packets);
        } else {
            assert_int_equal(al_status_class(status), AL_ERR_TRUNCATED);
        }
        free(copy);
    }
}

/* Every body shorter than a packet's own: the typed parser refuses it,
 * except where the shorter body is itself a valid packet of the type (an XR
 * cut between blocks, a BYE cut before its reason, an APP's data). */
static void test_truncated_packets(void **state)
{
    (void)state;
    uint8_t good[512];
    size_t len = compound_bytes(good);
    for (int index = 0; index < 5; index++) {
        rtcp_packet full = packet_at(good, len, index);
        for (size_t body = 0; body < full.body_len; body++) {
            uint8_t *copy = malloc(body ? body : 1);
            assert_non_null(copy);
            memcpy(copy, full.body, body);
            rtcp_packet p = full;
            p.body = copy;
            p.body_len = body;
            int status;
            switch (p.type) {
            case RTCP_PT_RR: {
                rtcp_rr rr;
                status = rtcp_parse_rr(&p, &rr);
                assert_int_equal(status, RTCP_ERR_BODY_TRUNCATED);
                break;
            }
            case RTCP_PT_SDES: {
                rtcp_sdes_item items[4];
                size_t count;
                status = rtcp_parse_sdes(&p, items, 4, &count);
                assert_true(status < 0);
                break;
            }
            case RTCP_PT_XR: {
                rtcp_xr xr;
                status = rtcp_parse_xr(&p, &xr);
                /* Blocks end at 4 (SSRC), 16, 32 and 52 bytes of body. */
                if (body == 4 || body == 16 || body == 32)
                    assert_int_equal(status, RTCP_OK);
                else
                    assert_true(status < 0);
                break;
            }
            case RTCP_PT_APP: {
                rtcp_app app;
                rtcp_alrx a;
                status = rtcp_parse_app(&p, &app);
                if (body < 8)
                    assert_int_equal(status, RTCP_ERR_BODY_TRUNCATED);
                else
                    assert_int_not_equal(rtcp_parse_alrx(&app, &a), RTCP_OK);
                break;
            }
            case RTCP_PT_BYE: {
                rtcp_bye bye;
                status = rtcp_parse_bye(&p, &bye);
                if (body == 4)
                    assert_int_equal(status, RTCP_OK); /* no reason */
                else
                    assert_true(status < 0);
                break;
            }
            default:
                fail();
            }
            free(copy);
        }
    }

    /* An SR short of its report blocks. */
    rtcp_sr sr = {.ssrc = 1, .report_count = 2};
    uint8_t buf[200];
    rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_sr(&w, &sr);
    int n = rtcp_writer_finish(&w);
    rtcp_packet p = packet_at(buf, (size_t)n, 0);
    rtcp_sr back;
    for (size_t body = 0; body < p.body_len; body++) {
        rtcp_packet q = p;
        q.body_len = body;
        assert_int_equal(rtcp_parse_sr(&q, &back), RTCP_ERR_BODY_TRUNCATED);
    }
    assert_int_equal(rtcp_parse_sr(&p, &back), RTCP_OK);
    /* Bytes after the report blocks (a profile-specific extension) are
     * ignored: the SR's body read with 8 more bytes behind it. */
    uint8_t longer[128];
    memcpy(longer, p.body, p.body_len);
    memset(longer + p.body_len, 0xee, 8);
    p.body = longer;
    p.body_len += 8;
    assert_int_equal(rtcp_parse_sr(&p, &back), RTCP_OK);
    assert_int_equal(back.report_count, 2);
}

/* Malformed bodies that are not truncations. */
static void test_malformed_bodies(void **state)
{
    (void)state;
    /* SDES: two chunks where SC says one; a chunk without its end item. */
    uint8_t sdes[] = {0x11, 0x22, 0x33, 0x44, 0x01, 0x01, 'x',  0x00,
                      0x11, 0x22, 0x33, 0x45, 0x00, 0x00, 0x00, 0x00};
    rtcp_packet p = {.type = RTCP_PT_SDES, .count = 1, .body = sdes, .body_len = sizeof sdes};
    rtcp_sdes_item items[4];
    size_t count;
    assert_int_equal(rtcp_parse_sdes(&p, items, 4, &count), RTCP_ERR_SDES);
    p.count = 2;
    assert_int_equal(rtcp_parse_sdes(&p, items, 4, &count), RTCP_OK);
    assert_int_equal(count, 1); /* the second chunk has no items */
    sdes[7] = 0x02;             /* the end item becomes a type with no room for its length */
    p.count = 1;
    p.body_len = 8;
    assert_int_equal(rtcp_parse_sdes(&p, items, 4, &count), RTCP_ERR_ITEM_TRUNCATED);
    uint8_t no_end[] = {0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 'x', 'y'};
    p.body = no_end;
    p.body_len = sizeof no_end;
    assert_int_equal(rtcp_parse_sdes(&p, items, 4, &count), RTCP_ERR_SDES);

    /* XR blocks whose length does not fit their type. */
    uint8_t body[16] = {0};
    rtcp_xr_block b = {.type = RTCP_XR_RRTR, .body = body, .body_len = 12};
    uint64_t ntp;
    assert_int_equal(rtcp_parse_rrtr(&b, &ntp), RTCP_ERR_XR_BLOCK);
    b.type = RTCP_XR_DLRR;
    b.body_len = 8;
    rtcp_dlrr_item d;
    assert_int_equal(rtcp_parse_dlrr(&b, &d, 1, &count), RTCP_ERR_XR_BLOCK);
    b.type = RTCP_XR_LOSS_RLE;
    b.body_len = 4;
    rtcp_loss_rle rle;
    assert_int_equal(rtcp_parse_loss_rle(&b, &rle), RTCP_ERR_XR_BLOCK);
}

static void test_writer_rules(void **state)
{
    (void)state;
    uint8_t buf[512];
    rtcp_writer w;
    bool one = true;
    uint32_t ssrc = 1;

    /* SR or RR first. */
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_sdes_cname(&w, 1, "a"), RTCP_ERR_ORDER);
    /* The first error sticks. */
    assert_int_equal(rtcp_write_rr(&w, 1, NULL, 0), RTCP_ERR_ORDER);
    assert_int_equal(rtcp_writer_finish(&w), RTCP_ERR_ORDER);
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_xr_begin(&w, 1), RTCP_ERR_ORDER);
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_writer_finish(&w), RTCP_ERR_ORDER); /* nothing written */

    /* XR blocks only inside an XR; no other packet while one is open. */
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_xr_add_rrtr(&w, 5), RTCP_ERR_ORDER);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    rtcp_xr_begin(&w, 1);
    assert_int_equal(rtcp_write_bye(&w, &ssrc, 1, NULL), RTCP_ERR_ORDER);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    rtcp_xr_begin(&w, 1);
    assert_int_equal(rtcp_writer_finish(&w), RTCP_ERR_ORDER);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_xr_end(&w), RTCP_ERR_ORDER);

    /* Arguments out of range. */
    char long_text[RTCP_MAX_SDES_TEXT + 2];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    rtcp_report_block blocks[RTCP_MAX_REPORT_BLOCKS + 1] = {{0}};
    rtcp_sr sr = {.report_count = RTCP_MAX_REPORT_BLOCKS + 1};
    uint8_t data[3] = {0};
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_rr(&w, 1, blocks, RTCP_MAX_REPORT_BLOCKS + 1), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_sr(&w, &sr), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_write_sdes_cname(&w, 1, long_text), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_write_sdes_cname(&w, 1, ""), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_write_bye(&w, &ssrc, 1, long_text), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_write_app(&w, 0, 1, "ALrx", data, 3), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    assert_int_equal(rtcp_write_app(&w, 32, 1, "ALrx", NULL, 0), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    rtcp_xr_begin(&w, 1);
    assert_int_equal(rtcp_xr_add_loss_rle(&w, 1, 0, &one, 0), RTCP_ERR_ARG);
    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_write_rr(&w, 1, NULL, 0);
    rtcp_xr_begin(&w, 1);
    assert_int_equal(rtcp_xr_add_dlrr(&w, NULL, 1), RTCP_ERR_ARG);
    rtcp_writer_init(&w, NULL, 10);
    assert_int_equal(rtcp_write_rr(&w, 1, NULL, 0), RTCP_ERR_ARG);

    /* Every buffer smaller than the compound: RTCP_ERR_BUFFER, never a
     * byte past the end (the rest of the buffer is a canary). */
    uint8_t expected[512];
    size_t len = compound_bytes(expected);
    for (size_t cap = 0; cap < len; cap++) {
        memset(buf, 0xa5, sizeof buf);
        assert_int_equal(write_compound(buf, cap), RTCP_ERR_BUFFER);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xa5);
    }
    assert_int_equal(write_compound(buf, len), (int)len);
}

static void test_ntp_and_rtt(void **state)
{
    (void)state;
    /* NTP from ns: whole seconds, half a second, and back to the same ns. */
    assert_true(rtcp_ntp_from_ns(0) == 0);
    assert_true(rtcp_ntp_from_ns(-5) == 0);
    assert_true(rtcp_ntp_from_ns(NS_PER_S) == 1ull << 32);
    assert_true(rtcp_ntp_from_ns(NS_PER_S / 2) == 0x80000000ull);
    assert_true(rtcp_ntp_from_ns(3 * NS_PER_S + NS_PER_S / 4) == (3ull << 32 | 0x40000000ull));
    for (int i = 0; i < 100000; i++) {
        int64_t ns = ((int64_t)next_random() << 31 | next_random()) % (4294967295LL * NS_PER_S);
        assert_true(rtcp_ntp_to_ns(rtcp_ntp_from_ns(ns)) == ns);
    }
    /* A Unix time of 2026-01-01 in NTP seconds. */
    int64_t unix_ns = 1767225600LL * NS_PER_S;
    uint64_t ntp = rtcp_ntp_from_ns(unix_ns + RTCP_NTP_UNIX_OFFSET_S * NS_PER_S);
    assert_int_equal(ntp >> 32, 1767225600LL + RTCP_NTP_UNIX_OFFSET_S);
    /* The middle word: the low 16 bits of the seconds, the high 16 of the
     * fraction. */
    assert_int_equal(rtcp_ntp_middle(0x83aa7e8180000000ull), 0x7e818000);

    /* Short times. */
    assert_int_equal(rtcp_short_from_ns(NS_PER_S), 65536);
    assert_int_equal(rtcp_short_from_ns(-1), 0);
    assert_int_equal(rtcp_short_from_ns(65536 * NS_PER_S), UINT32_MAX);
    assert_int_equal(rtcp_short_from_ns(1500 * 1000000LL), 0x18000);
    assert_true(rtcp_short_to_ns(0x18000) == 1500 * 1000000LL);

    /* RFC 3550 6.4.1's example: A = 0xb710:8000 (46864.5 s), LSR =
     * 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.25 s): RTT 6.125 s. */
    int64_t rtt = -1;
    assert_true(rtcp_rtt(0xb7108000u, 0xb7052000u, 0x00054000u, &rtt));
    assert_true(rtt == 6125 * 1000000LL);

    /* Across the wrap of the middle word: the SR at 0xffff:c000 (0.25 s
     * before the wrap), answered 0.5 s later, arriving 0.375 s after the
     * wrap: RTT 0.125 s. Also every offset of the same pattern around the
     * wrap. */
    assert_true(rtcp_rtt(0x00006000u, 0xffffc000u, 0x00008000u, &rtt));
    assert_true(rtt == 125 * 1000000LL);
    for (uint32_t k = 0; k < 1000; k++) {
        uint32_t lsr = 0xfff00000u + k * 0x1111; /* passes 0 on the way */
        if (lsr == 0)
            continue;
        int64_t want_ns = 20 * 1000000LL; /* 20 ms */
        uint32_t dlsr = rtcp_short_from_ns(300 * 1000000LL);
        uint32_t a = lsr + dlsr + rtcp_short_from_ns(want_ns);
        assert_true(rtcp_rtt(a, lsr, dlsr, &rtt));
        assert_true(llabs(rtt - want_ns) <= 2 * 15259); /* 2 units of 1/65536 s */
    }
    /* No SR seen yet (LSR 0), and an answer that comes before its report. */
    rtt = 42;
    assert_false(rtcp_rtt(0x1000, 0, 0, &rtt));
    assert_false(rtcp_rtt(0x1000, 0x1000, 0x10, &rtt));
    assert_true(rtt == 42);
    /* Zero RTT is an RTT. */
    assert_true(rtcp_rtt(0x1010, 0x1000, 0x10, &rtt));
    assert_true(rtt == 0);
}

static void test_loss_fields(void **state)
{
    (void)state;
    /* RFC 3550 A.3: lost << 8 / expected, 0 when nothing was expected or
     * duplicates outnumber the losses. */
    assert_int_equal(rtcp_fraction_lost(100, 75), 64);
    assert_int_equal(rtcp_fraction_lost(100, 100), 0);
    assert_int_equal(rtcp_fraction_lost(100, 110), 0);
    assert_int_equal(rtcp_fraction_lost(0, 0), 0);
    assert_int_equal(rtcp_fraction_lost(-3, 0), 0);
    assert_int_equal(rtcp_fraction_lost(100, 0), 255);
    assert_int_equal(rtcp_fraction_lost(3, 2), 85);
    assert_int_equal(rtcp_cumulative_lost(5), 5);
    assert_int_equal(rtcp_cumulative_lost(-7), -7);
    assert_int_equal(rtcp_cumulative_lost(1LL << 40), RTCP_CUMULATIVE_LOST_MAX);
    assert_int_equal(rtcp_cumulative_lost(-(1LL << 40)), RTCP_CUMULATIVE_LOST_MIN);
}

static void test_status_codes(void **state)
{
    (void)state;
    const int codes[] = {
        RTCP_ERR_HEADER_TRUNCATED,
        RTCP_ERR_LENGTH,
        RTCP_ERR_BODY_TRUNCATED,
        RTCP_ERR_ITEM_TRUNCATED,
        RTCP_ERR_XR_BLOCK_TRUNCATED,
        RTCP_ERR_FIRST_TYPE,
        RTCP_ERR_PADDING,
        RTCP_ERR_SDES,
        RTCP_ERR_XR_BLOCK,
        RTCP_ERR_LOSS_RLE,
        RTCP_ERR_VERSION,
        RTCP_ERR_NOT_ALRX,
        RTCP_ERR_ALRX_VERSION,
        RTCP_ERR_THINNING,
        RTCP_ERR_TOO_MANY,
        RTCP_ERR_ORDER,
    };
    const int classes[] = {
        AL_ERR_TRUNCATED,   AL_ERR_TRUNCATED,   AL_ERR_TRUNCATED,   AL_ERR_TRUNCATED,
        AL_ERR_TRUNCATED,   AL_ERR_MALFORMED,   AL_ERR_MALFORMED,   AL_ERR_MALFORMED,
        AL_ERR_MALFORMED,   AL_ERR_MALFORMED,   AL_ERR_UNSUPPORTED, AL_ERR_UNSUPPORTED,
        AL_ERR_UNSUPPORTED, AL_ERR_UNSUPPORTED, AL_ERR_TOO_LARGE,   AL_ERR_ARG,
    };
    const char *unknown = al_strerror(-99);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_true(codes[i] < 0);
        assert_int_equal(al_status_module(codes[i]), AL_MODULE_RTCP);
        assert_int_equal(al_status_class(codes[i]), classes[i]);
        const char *s = rtcp_strerror(codes[i]);
        assert_non_null(s);
        assert_string_not_equal(s, unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, rtcp_strerror(codes[j]));
    }
    assert_string_equal(rtcp_strerror(RTCP_ERR_BUFFER), al_strerror(AL_ERR_BUFFER));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_known_bytes),
        cmocka_unit_test(test_parse_known_bytes),
        cmocka_unit_test(test_round_trip_sr_rr),
        cmocka_unit_test(test_round_trip_sdes_bye_app),
        cmocka_unit_test(test_alrx_versions),
        cmocka_unit_test(test_round_trip_xr),
        cmocka_unit_test(test_loss_rle_random),
        cmocka_unit_test(test_loss_rle_decode_errors),
        cmocka_unit_test(test_validity_rules),
        cmocka_unit_test(test_truncated_compound),
        cmocka_unit_test(test_truncated_packets),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_writer_rules),
        cmocka_unit_test(test_ntp_and_rtt),
        cmocka_unit_test(test_loss_fields),
        cmocka_unit_test(test_status_codes),
    };
    return cmocka_run_group_tests_name("rtcp", tests, NULL, NULL);
}
