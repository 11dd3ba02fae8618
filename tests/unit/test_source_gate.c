/* The source gate on its own: headers in, verdicts out, no payload, no
 * clock. Then once through rx_stream, to see the verdicts counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/defaults.h"
#include "proto/rtp.h"
#include "receiver/rx_stream.h"
#include "receiver/source_gate.h"

#define FRAME 960 /* 20 ms */
#define MS    1000000LL
#define SSRC  0x1234u
#define HOLD  (250 * MS)
#define BASE  1000000u /* first timestamp */
#define SEQ0  100

static source_gate g;
static bool last_gap;

static int setup(void **state)
{
    (void)state;
    source_gate_init(&g, AL_OPUS_PT, AL_RED_PT, HOLD);
    last_gap = false;
    return 0;
}

/* Offers the packet of payload type PT as the receiver would: admitted,
 * placed on the timeline (the jitter buffer's head at BASE: nothing played
 * yet), and taken when it passes. */
static source_gate_verdict offer_pt(int pt, uint32_t ssrc, uint16_t seq, uint32_t ts, int64_t now)
{
    rtp_header h;
    memset(&h, 0, sizeof h);
    h.payload_type = (uint8_t)pt;
    h.ssrc = ssrc;
    h.sequence = seq;
    h.timestamp = ts;
    bool is_red;
    source_gate_verdict v = source_gate_admit(&g, &h, now, &is_red);
    if (v != SOURCE_GATE_PASS)
        return v;
    assert_int_equal(is_red, pt == AL_RED_PT);
    int64_t extended;
    enum rtp_seq_verdict seq_verdict;
    v = source_gate_place(&g, &h, FRAME, BASE, &extended, &seq_verdict);
    if (v == SOURCE_GATE_PASS)
        last_gap = source_gate_take(&g, &h, seq_verdict, extended, now);
    return v;
}

static source_gate_verdict offer(uint16_t seq, uint32_t ts, int64_t now)
{
    return offer_pt(AL_OPUS_PT, SSRC, seq, ts, now);
}

/* Packet K of an orderly stream: sequence SEQ0 + K, timestamp K frames on,
 * sent every 20 ms. */
static source_gate_verdict frame(int k)
{
    return offer((uint16_t)(SEQ0 + k), BASE + (uint32_t)(k * FRAME), k * 20 * MS);
}

static void test_foreign_payload_type_and_ssrc(void **state)
{
    (void)state;
    assert_int_equal(offer_pt(0, SSRC, SEQ0, BASE, 0), SOURCE_GATE_FOREIGN);
    assert_false(g.has_source); /* a foreign packet claims nothing */
    assert_int_equal(offer_pt(AL_RED_PT, SSRC, SEQ0, BASE, 0), SOURCE_GATE_PASS);
    assert_true(g.has_source);
    assert_int_equal(frame(1), SOURCE_GATE_PASS);
    /* Another SSRC while ours plays: kept out, however well it fits. */
    assert_int_equal(offer_pt(AL_OPUS_PT, SSRC + 1, SEQ0 + 2, BASE + 2 * FRAME, 30 * MS),
                     SOURCE_GATE_FOREIGN);
    assert_int_equal(offer_pt(AL_OPUS_PT, SSRC + 1, SEQ0 + 2, BASE + 2 * FRAME, 20 * MS + HOLD - 1),
                     SOURCE_GATE_FOREIGN);
    /* ... until ours has been silent for the hold. */
    assert_int_equal(offer_pt(AL_OPUS_PT, SSRC + 1, SEQ0 + 2, BASE + 2 * FRAME, 20 * MS + HOLD),
                     SOURCE_GATE_NEW_SOURCE);
}

static void test_no_red_payload_type(void **state)
{
    (void)state;
    source_gate_init(&g, AL_OPUS_PT, -1, HOLD);
    assert_int_equal(offer_pt(AL_RED_PT, SSRC, SEQ0, BASE, 0), SOURCE_GATE_FOREIGN);
}

static void test_in_order_and_loss(void **state)
{
    (void)state;
    for (int k = 0; k < 5; k++) {
        assert_int_equal(frame(k), SOURCE_GATE_PASS);
        assert_false(last_gap);
    }
    assert_int_equal(frame(7), SOURCE_GATE_PASS); /* 5 and 6 lost */
    assert_true(last_gap);
    assert_int_equal(source_gate_lost(&g), 2);
    assert_int_equal(frame(6), SOURCE_GATE_PASS); /* 6 only late */
    assert_false(last_gap);
    assert_int_equal(source_gate_lost(&g), 1);
    /* A duplicate is received but not counted as such. */
    assert_int_equal(frame(6), SOURCE_GATE_PASS);
    source_gate_duplicate(&g);
    assert_int_equal(source_gate_lost(&g), 1);
    /* Steady 20 ms spacing: no jitter. */
    assert_true(source_gate_jitter_ms(&g) < 0.001);
}

/* A jump of TICKS on an established timeline (the sequence numbers go on):
 * the first MIN_SEQUENTIAL - 1 packets of the run are held back, the next
 * one restarts the stream. */
static void jump(int64_t ticks)
{
    for (int k = 0; k < 10; k++)
        assert_int_equal(frame(k), SOURCE_GATE_PASS);
    for (int i = 0; i < SOURCE_GATE_MIN_SEQUENTIAL; i++) {
        int k = 10 + i;
        source_gate_verdict v =
            offer((uint16_t)(SEQ0 + k), (uint32_t)(BASE + (int64_t)k * FRAME + ticks), k * 20 * MS);
        assert_int_equal(v, i + 1 < SOURCE_GATE_MIN_SEQUENTIAL ? SOURCE_GATE_INVALID
                                                               : SOURCE_GATE_NEW_SOURCE);
    }
    source_gate_restart(&g);
    assert_int_equal(g.restarts, 1);
    assert_false(g.has_source);
}

static void test_forward_jump_restarts_after_probation(void **state)
{
    (void)state;
    jump(10 * 48000); /* 10 s ahead: beyond the jitter buffer's window */
}

static void test_backward_jump_restarts_after_probation(void **state)
{
    (void)state;
    jump(-10 * 48000); /* 10 s back: not 10 s of "late" packets */
}

static void test_short_backward_jump_restarts(void **state)
{
    (void)state;
    jump(-48000 / 5); /* -0.2 s with later sequence numbers: the clock went back */
}

/* Strays with random-looking sequence numbers and timestamps never follow
 * each other, so they never pass probation; the stream plays on. */
static void test_strays_never_restart(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++)
        assert_int_equal(frame(k), SOURCE_GATE_PASS);
    uint32_t x = 12345;
    for (int i = 0; i < 1000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t seq = (uint16_t)(x >> 16);
        x = x * 1103515245u + 12345u;
        uint32_t ts = x * 120u; /* on the 2.5 ms grid, so only the timeline tells */
        source_gate_verdict v = offer(seq, ts, 200 * MS);
        assert_true(v == SOURCE_GATE_INVALID || v == SOURCE_GATE_PASS);
    }
    assert_int_equal(frame(10), SOURCE_GATE_PASS);
    assert_int_equal(g.restarts, 0);
}

/* A run broken by a stray starts over: the jump needs MIN_SEQUENTIAL in a
 * row. */
static void test_broken_run_starts_over(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++)
        assert_int_equal(frame(k), SOURCE_GATE_PASS);
    const uint32_t far = BASE + 100 * 48000;
    assert_int_equal(offer(SEQ0 + 10, far, 0), SOURCE_GATE_INVALID);
    assert_int_equal(offer(SEQ0 + 11, far + FRAME, 0), SOURCE_GATE_INVALID);
    assert_int_equal(offer(5000, 7u * 48000, 0), SOURCE_GATE_INVALID); /* a stray */
    assert_int_equal(offer(SEQ0 + 12, far + 2 * FRAME, 0), SOURCE_GATE_INVALID);
    assert_int_equal(offer(SEQ0 + 13, far + 3 * FRAME, 0), SOURCE_GATE_INVALID);
    assert_int_equal(offer(SEQ0 + 14, far + 4 * FRAME, 0), SOURCE_GATE_NEW_SOURCE);
}

/* A timeline of fewer than MIN_SEQUENTIAL in-order packets takes a jump at
 * once from the packet right after its newest (a sender whose first packet
 * is off the grid); any other jump waits. */
static void test_young_timeline_jumps_at_once(void **state)
{
    (void)state;
    assert_int_equal(frame(0), SOURCE_GATE_PASS);
    assert_int_equal(offer(SEQ0 + 1, BASE + FRAME + 312, 20 * MS), SOURCE_GATE_NEW_SOURCE);
    source_gate_restart(&g);
    assert_int_equal(frame(0), SOURCE_GATE_PASS);
    assert_int_equal(offer(SEQ0 + 2, BASE + FRAME + 312, 20 * MS), SOURCE_GATE_INVALID);
}

static void test_restart_keeps_losses(void **state)
{
    (void)state;
    assert_int_equal(frame(0), SOURCE_GATE_PASS);
    assert_int_equal(frame(3), SOURCE_GATE_PASS);
    assert_int_equal(source_gate_lost(&g), 2);
    source_gate_restart(&g);
    assert_int_equal(source_gate_lost(&g), 2);
    source_gate_restart(&g); /* no source since: nothing more counted */
    assert_int_equal(g.restarts, 1);
    assert_int_equal(offer(7, 5, 0), SOURCE_GATE_PASS);
    assert_int_equal(source_gate_lost(&g), 2);
}

/* The first packet as the receiver handles it when a start was announced:
 * placed, asked whether the announcement holds, then taken. */
static bool first_after_announcement(uint16_t seq, uint32_t ts, uint32_t *start)
{
    rtp_header h;
    memset(&h, 0, sizeof h);
    h.payload_type = AL_OPUS_PT;
    h.ssrc = SSRC;
    h.sequence = seq;
    h.timestamp = ts;
    int64_t extended;
    enum rtp_seq_verdict seq_verdict;
    assert_int_equal(source_gate_place(&g, &h, FRAME, BASE, &extended, &seq_verdict),
                     SOURCE_GATE_PASS);
    bool holds = source_gate_announced_start(&g, &h, start);
    source_gate_take(&g, &h, seq_verdict, extended, 0);
    return holds;
}

static void test_announced_start(void **state)
{
    (void)state;
    uint32_t start = 0;
    /* The three packets before the first to arrive were lost. */
    source_gate_set_start(&g, SEQ0, BASE);
    assert_true(first_after_announcement(SEQ0 + 3, BASE + 3 * FRAME, &start));
    assert_int_equal(start, BASE);
    assert_int_equal(source_gate_lost(&g), 3);

    /* An announcement over a second before the first packet is stale. */
    setup(NULL);
    source_gate_set_start(&g, SEQ0, BASE);
    assert_false(first_after_announcement(SEQ0 + 60, BASE + 60 * FRAME, &start));
    assert_int_equal(source_gate_lost(&g), 0);
    /* So is one after it. */
    setup(NULL);
    source_gate_set_start(&g, SEQ0, BASE + FRAME);
    assert_false(first_after_announcement(SEQ0 + 1, BASE, &start));
    /* And a restart forgets it. */
    setup(NULL);
    source_gate_set_start(&g, SEQ0, BASE);
    source_gate_restart(&g);
    assert_false(first_after_announcement(SEQ0 + 1, BASE + FRAME, &start));
    assert_int_equal(source_gate_lost(&g), 0);
}

/* Through rx_stream: the verdicts show in the counters. Packets are Opus
 * TOC bytes with a little payload: the gate looks at headers only, and
 * what the decoder makes of the payload does not matter here. */
static size_t opus_packet(uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t *out)
{
    rtp_header h;
    memset(&h, 0, sizeof h);
    h.payload_type = pt;
    h.ssrc = ssrc;
    h.sequence = seq;
    h.timestamp = ts;
    /* config 31 (CELT fullband, 20 ms), mono, one frame */
    const uint8_t payload[4] = {31 << 3, 0x55, 0xaa, 0x55};
    int n = rtp_write(&h, payload, sizeof payload, out, 64);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_rx_stream_counts_verdicts(void **state)
{
    (void)state;
    rx_config cfg;
    rx_config_defaults(&cfg);
    char err[128];
    rx_stream *rx = rx_stream_create(&cfg, err, sizeof err);
    assert_non_null(rx);
    uint8_t buf[64];
    size_t n;
    for (int k = 0; k < 10; k++) {
        n = opus_packet(AL_OPUS_PT, SSRC, (uint16_t)(SEQ0 + k), BASE + (uint32_t)(k * FRAME), buf);
        assert_int_equal(rx_stream_packet(rx, buf, n, k * 20 * MS), RX_PACKET_ACCEPTED);
    }
    /* A foreign SSRC while ours plays: dropped and counted. */
    n = opus_packet(AL_OPUS_PT, SSRC + 1, SEQ0 + 10, BASE + 10 * FRAME, buf);
    assert_int_equal(rx_stream_packet(rx, buf, n, 200 * MS), RX_PACKET_DROPPED);
    /* A foreign payload type: the same. */
    n = opus_packet(0, SSRC, SEQ0 + 10, BASE + 10 * FRAME, buf);
    assert_int_equal(rx_stream_packet(rx, buf, n, 200 * MS), RX_PACKET_DROPPED);
    /* A jump on probation: dropped and counted invalid. */
    n = opus_packet(AL_OPUS_PT, SSRC, SEQ0 + 10, BASE + 10 * FRAME + 48000 * 10, buf);
    assert_int_equal(rx_stream_packet(rx, buf, n, 200 * MS), RX_PACKET_DROPPED);
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(s.packets_received, 10);
    assert_int_equal(s.packets_foreign, 2);
    assert_int_equal(s.packets_invalid, 1);
    assert_int_equal(s.restarts, 0);
    /* After the hold, the other SSRC is a new source. */
    n = opus_packet(AL_OPUS_PT, SSRC + 1, 7, 5 * FRAME, buf);
    assert_int_equal(rx_stream_packet(rx, buf, n, 180 * MS + HOLD), RX_PACKET_NEW_SOURCE);
    rx_stream_restart(rx);
    assert_int_equal(rx_stream_packet(rx, buf, n, 180 * MS + HOLD), RX_PACKET_ACCEPTED);
    s = rx_stream_stats(rx);
    assert_int_equal(s.restarts, 1);
    assert_int_equal(s.packets_received, 11);
    rx_stream_destroy(rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_foreign_payload_type_and_ssrc, setup),
        cmocka_unit_test_setup(test_no_red_payload_type, setup),
        cmocka_unit_test_setup(test_in_order_and_loss, setup),
        cmocka_unit_test_setup(test_forward_jump_restarts_after_probation, setup),
        cmocka_unit_test_setup(test_backward_jump_restarts_after_probation, setup),
        cmocka_unit_test_setup(test_short_backward_jump_restarts, setup),
        cmocka_unit_test_setup(test_strays_never_restart, setup),
        cmocka_unit_test_setup(test_broken_run_starts_over, setup),
        cmocka_unit_test_setup(test_young_timeline_jumps_at_once, setup),
        cmocka_unit_test_setup(test_restart_keeps_losses, setup),
        cmocka_unit_test_setup(test_announced_start, setup),
        cmocka_unit_test(test_rx_stream_counts_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
