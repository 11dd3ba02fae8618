/* RTP header writing/parsing and sequence/timestamp arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/rtp.h"

static void test_round_trip(void **state)
{
    (void)state;
    rtp_header h = {0};
    h.marker = true;
    h.payload_type = 111;
    h.sequence = 0xfffe;
    h.timestamp = 0xfffffc40;
    h.ssrc = 0xdeadbeef;
    h.csrc_count = 2;
    h.csrc[0] = 1;
    h.csrc[1] = 0x01020304;
    const uint8_t payload[] = {0xf8, 0xff, 0xfe};
    uint8_t buf[64];
    int len = rtp_write(&h, payload, sizeof payload, buf, sizeof buf);
    assert_int_equal(len, 12 + 8 + 3);
    assert_int_equal(buf[0], 0x82); /* V=2, CC=2 */
    assert_int_equal(buf[1], 0x80 | 111);

    rtp_header p;
    assert_int_equal(rtp_parse(buf, (size_t)len, &p), RTP_OK);
    assert_true(p.marker);
    assert_int_equal(p.payload_type, 111);
    assert_int_equal(p.sequence, 0xfffe);
    assert_int_equal(p.timestamp, 0xfffffc40);
    assert_int_equal(p.ssrc, 0xdeadbeef);
    assert_int_equal(p.csrc_count, 2);
    assert_int_equal(p.csrc[1], 0x01020304);
    assert_int_equal(p.payload_len, 3);
    assert_memory_equal(p.payload, payload, 3);
}

static void test_extension_and_padding(void **state)
{
    (void)state;
    /* V=2 P=1 X=1 CC=0, PT 96, one extension word, 2 payload bytes, 2 padding */
    const uint8_t pkt[] = {0xb0, 96,   0, 1, 0, 0, 0, 2, 0,    0,    0, 3,
                           0xbe, 0xde, 0, 1, 1, 2, 3, 4, 0xaa, 0xbb, 0, 2};
    rtp_header p;
    assert_int_equal(rtp_parse(pkt, sizeof pkt, &p), RTP_OK);
    assert_true(p.extension);
    assert_true(p.padding);
    assert_int_equal(p.ext_profile, 0xbede);
    assert_int_equal(p.ext_len, 4);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.payload[0], 0xaa);

    /* the writer reproduces the extension */
    uint8_t buf[64];
    rtp_header w = p;
    w.padding = false;
    int len = rtp_write(&w, p.payload, p.payload_len, buf, sizeof buf);
    assert_int_equal(len, 22);
    assert_memory_equal(buf + 12, pkt + 12, 8);
}

static void test_malformed(void **state)
{
    (void)state;
    rtp_header p;
    uint8_t pkt[32] = {0x80, 111};
    assert_int_equal(rtp_parse(pkt, 11, &p), RTP_ERR_TOO_SHORT);
    assert_int_equal(rtp_parse(pkt, 0, &p), RTP_ERR_TOO_SHORT);
    assert_int_equal(rtp_parse(NULL, 20, &p), RTP_ERR_TOO_SHORT);
    assert_int_equal(rtp_parse(pkt, 12, &p), RTP_OK); /* empty payload is legal */
    assert_int_equal(p.payload_len, 0);

    pkt[0] = 0x40; /* version 1 */
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_VERSION);
    pkt[0] = 0x00;
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_VERSION);

    pkt[0] = 0x8f; /* 15 CSRCs = 60 bytes, only 20 given */
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_CSRC_TRUNCATED);

    pkt[0] = 0x90; /* extension header missing */
    assert_int_equal(rtp_parse(pkt, 14, &p), RTP_ERR_EXT_TRUNCATED);
    pkt[12] = 0;
    pkt[13] = 0;
    pkt[14] = 0;
    pkt[15] = 5; /* 20 bytes of extension, only 4 left */
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_EXT_TRUNCATED);

    pkt[0] = 0xa0; /* padding count 0 */
    pkt[19] = 0;
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_PADDING);
    pkt[19] = 9; /* more padding than payload (8) */
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_ERR_PADDING);
    pkt[19] = 8; /* exactly the payload */
    assert_int_equal(rtp_parse(pkt, 20, &p), RTP_OK);
    assert_int_equal(p.payload_len, 0);

    assert_string_not_equal(rtp_strerror(RTP_ERR_PADDING), rtp_strerror(RTP_ERR_VERSION));
}

static void test_writer_limits(void **state)
{
    (void)state;
    rtp_header h = {0};
    uint8_t buf[16];
    uint8_t payload[8] = {0};
    h.payload_type = 128;
    assert_int_equal(rtp_write(&h, payload, 4, buf, sizeof buf), RTP_ERR_ARG);
    h.payload_type = 111;
    assert_int_equal(rtp_write(&h, payload, 5, buf, sizeof buf), RTP_ERR_BUFFER);
    assert_int_equal(rtp_write(&h, payload, 4, buf, sizeof buf), 16);
    h.extension = true;
    h.ext_len = 3; /* not a multiple of 4 */
    assert_int_equal(rtp_write(&h, payload, 0, buf, sizeof buf), RTP_ERR_ARG);
}

static void test_wrap_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(rtp_seq_diff(0, 65535), 1);
    assert_int_equal(rtp_seq_diff(65535, 0), -1);
    assert_int_equal(rtp_seq_diff(100, 50), 50);
    assert_int_equal(rtp_seq_diff(5, 65530), 11);
    assert_true(rtp_ts_diff(0, 0xffffffc0u) == 64);
    assert_true(rtp_ts_diff(0xffffffc0u, 0) == -64);
    assert_true(rtp_ts_diff(960, 0) == 960);

    int64_t ext = 65530;
    ext = rtp_seq_extend(ext, 3); /* wrapped forwards */
    assert_true(ext == 65536 + 3);
    ext = rtp_seq_extend(ext, 65534); /* a little back across the wrap */
    assert_true(ext == 65534);

    int64_t ts = 0xfffffc40u;
    ts = rtp_ts_extend(ts, 0x40);
    assert_true(ts == 0x100000040LL);
}

static void test_seq_tracker(void **state)
{
    (void)state;
    rtp_seq_tracker t;
    rtp_seq_init(&t);
    int64_t e0, e;
    assert_int_equal(rtp_seq_update(&t, 65534, &e0), RTP_SEQ_IN_ORDER);
    assert_int_equal(rtp_seq_update(&t, 65535, &e), RTP_SEQ_IN_ORDER);
    assert_true(e == e0 + 1);
    assert_int_equal(rtp_seq_update(&t, 1, &e), RTP_SEQ_IN_ORDER); /* 0 lost across wrap */
    assert_true(e == e0 + 3);
    assert_int_equal(rtp_seq_update(&t, 0, &e), RTP_SEQ_LATE); /* reordered */
    assert_true(e == e0 + 2);
    assert_true(rtp_seq_expected(&t) == 4);
    assert_true(t.received == 4);

    /* a wild jump is dropped unless the next packet follows it */
    assert_int_equal(rtp_seq_update(&t, 30000, &e), RTP_SEQ_BAD);
    assert_int_equal(rtp_seq_update(&t, 2, &e), RTP_SEQ_IN_ORDER);
    assert_true(e == e0 + 4);
    assert_int_equal(rtp_seq_update(&t, 40000, &e), RTP_SEQ_BAD);
    assert_int_equal(rtp_seq_update(&t, 40001, &e), RTP_SEQ_RESTART);
    assert_true(rtp_seq_expected(&t) == 1);
    assert_int_equal(rtp_seq_update(&t, 40002, &e), RTP_SEQ_IN_ORDER);
}

static void test_many_wraps(void **state)
{
    (void)state;
    /* 200000 packets with every 7th lost: counts stay exact over 3 wraps */
    rtp_seq_tracker t;
    rtp_seq_init(&t);
    uint16_t seq = 60000;
    int64_t e, first = 0;
    uint64_t sent = 0;
    for (int i = 0; i < 200000; i++, seq++) {
        if (i % 7 == 3)
            continue;
        assert_int_not_equal(rtp_seq_update(&t, seq, &e), RTP_SEQ_BAD);
        if (sent++ == 0)
            first = e;
    }
    assert_true(e - first == 199999);
    assert_true(rtp_seq_expected(&t) == 200000);
    assert_true(t.received == 200000 - 200000 / 7 - (200000 % 7 > 3 ? 1 : 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_extension_and_padding),
        cmocka_unit_test(test_malformed),       cmocka_unit_test(test_writer_limits),
        cmocka_unit_test(test_wrap_arithmetic), cmocka_unit_test(test_seq_tracker),
        cmocka_unit_test(test_many_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
