/* Jitter buffer scenarios in the manner of pjmedia's jbuf test: a script of
 * puts and gets, each checked, in timestamp order with no clock at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "receiver/jitbuf.h"

#define FRAME 960

static jitbuf jb;

/* Puts frame K (timestamp BASE + K frames) whose one byte of data is K. */
static enum jb_put_result put(uint32_t base, int k, jb_source src)
{
    uint8_t data[2] = {(uint8_t)k, (uint8_t)src};
    return jb_put(&jb, base + (uint32_t)(k * FRAME), data, sizeof data, FRAME, src);
}

/* Runs SCRIPT: "p3" put primary 3, "r3" put RED copy of 3, "g3" get expects
 * frame 3 held (source checked by "g3r"), "g-" expects a missing frame,
 * "D"/"L"/"U"/"F" after a put expects duplicate / late / upgraded / too far. */
static void run(uint32_t base, const char *script)
{
    const char *s = script;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        char op = *s++;
        if (op == 'p' || op == 'r') {
            int k = (int)strtol(s, (char **)&s, 10);
            enum jb_put_result want = JB_PUT_STORED;
            if (*s == 'D')
                want = JB_PUT_DUPLICATE;
            else if (*s == 'L')
                want = JB_PUT_LATE;
            else if (*s == 'U')
                want = JB_PUT_UPGRADED;
            else if (*s == 'F')
                want = JB_PUT_TOO_FAR;
            if (want != JB_PUT_STORED)
                s++;
            enum jb_put_result got = put(base, k, op == 'p' ? JB_SOURCE_PRIMARY : JB_SOURCE_RED);
            if (got != want)
                fail_msg("script '%s' at '%c%d': put gave %d, wanted %d", script, op, k, got, want);
        } else if (op == 'g') {
            jb_frame f;
            if (*s == '-') {
                s++;
                if (jb_pull(&jb, FRAME, &f))
                    fail_msg("script '%s': expected a missing frame, got %d", script, f.data[0]);
                assert_int_equal(f.duration, FRAME);
            } else {
                int k = (int)strtol(s, (char **)&s, 10);
                if (!jb_pull(&jb, FRAME, &f))
                    fail_msg("script '%s': expected frame %d, it is missing", script, k);
                if (f.data[0] != (uint8_t)k)
                    fail_msg("script '%s': expected frame %d, got %d", script, k, f.data[0]);
                jb_source want = JB_SOURCE_PRIMARY;
                if (*s == 'r') {
                    want = JB_SOURCE_RED;
                    s++;
                }
                if (f.source != want)
                    fail_msg("script '%s': frame %d from the wrong source", script, k);
            }
        } else {
            fail_msg("bad script op '%c'", op);
        }
    }
}

static int setup(void **state)
{
    (void)state;
    jb_init(&jb);
    return 0;
}

static void test_in_order(void **state)
{
    (void)state;
    run(1000, "p0 g0 p1 g1 p2 p3 g2 g3");
    assert_false(jb_has_frames(&jb));
}

static void test_loss_then_concealment(void **state)
{
    (void)state;
    run(1000, "p0 p2 g0 g- g2 g-");
}

static void test_reordering(void **state)
{
    (void)state;
    run(5, "p0 p2 p1 p4 p3 g0 g1 g2 g3 g4");
    jb_init(&jb);
    /* the first packets arrive out of order: the head moves back, once */
    run(5, "p2 p1 p0 g0 g1 g2 p3 g3");
}

static void test_duplicates(void **state)
{
    (void)state;
    run(5, "p0 p0D p1 r1D g0 g1 p1L p0L");
}

static void test_red_fills_hole_and_primary_upgrades(void **state)
{
    (void)state;
    /* frame 1 lost: the copy in packet 2 fills it; frame 3's copy arrives
     * first, then its late-but-in-time primary replaces it */
    run(77, "p0 p2 r1 g0 g1r g2 r3 p3U r3D g3");
}

static void test_late_after_concealment(void **state)
{
    (void)state;
    run(0, "p0 g0 g- p1L r1L p2 g2");
}

static void test_timestamp_wrap(void **state)
{
    (void)state;
    /* frames straddle 2^32 */
    uint32_t base = 0xffffffffu - 3 * FRAME + 1;
    run(base, "p0 p1 p2 p3 p4 g0 g1 g2 g3 g4 p6 g- g6");
}

static void test_too_far_and_misaligned(void **state)
{
    (void)state;
    run(0, "p0 g0");
    uint8_t d[1] = {0};
    assert_int_equal(jb_put(&jb, (uint32_t)JB_WINDOW + FRAME * 2, d, 1, FRAME, JB_SOURCE_PRIMARY),
                     JB_PUT_TOO_FAR);
    assert_int_equal(jb_put(&jb, FRAME + 7, d, 1, FRAME, JB_SOURCE_PRIMARY), JB_PUT_MISALIGNED);
    assert_int_equal(jb_put(&jb, FRAME, d, 0, FRAME, JB_SOURCE_PRIMARY), JB_PUT_INVALID);
    assert_int_equal(jb_put(&jb, FRAME, d, 1, 100, JB_SOURCE_PRIMARY), JB_PUT_INVALID);
    assert_int_equal(jb_put(&jb, FRAME, d, 1, 5760 + 120, JB_SOURCE_PRIMARY), JB_PUT_INVALID);
}

/* A frame a window or more behind the head: a backward jump (or a packet
 * very late), told apart from the ordinary late frame (issue: a -10 s jump
 * was taken as 10 s of late frames). */
static void test_too_old(void **state)
{
    (void)state;
    uint32_t base = 10u * (uint32_t)JB_WINDOW;
    run(base, "p0 g0 p1 g1");
    uint8_t d[1] = {0};
    /* within the window behind: late */
    assert_int_equal(
        jb_put(&jb, base + 2 * FRAME - (uint32_t)JB_WINDOW, d, 1, FRAME, JB_SOURCE_PRIMARY),
        JB_PUT_LATE);
    /* beyond it: too old, whatever the distance */
    assert_int_equal(
        jb_put(&jb, base + 2 * FRAME - (uint32_t)JB_WINDOW - FRAME, d, 1, FRAME, JB_SOURCE_PRIMARY),
        JB_PUT_TOO_OLD);
    assert_int_equal(jb_put(&jb, base - 480000u, d, 1, FRAME, JB_SOURCE_PRIMARY), JB_PUT_TOO_OLD);
}

static void test_long_stream_laps_the_ring(void **state)
{
    (void)state;
    /* 10000 frames (many laps of the slot ring), every 5th lost, copies of
     * the previous frame in each packet: every hole is filled. */
    uint8_t data[1];
    int filled = 0, primaries = 0;
    for (int k = 0; k < 10000; k++) {
        data[0] = (uint8_t)k;
        if (k % 5 != 2)
            assert_int_equal(jb_put(&jb, (uint32_t)(k * FRAME), data, 1, FRAME, JB_SOURCE_PRIMARY),
                             JB_PUT_STORED);
        data[0] = (uint8_t)(k - 1);
        if (k > 0 && k % 5 != 2) {
            enum jb_put_result r =
                jb_put(&jb, (uint32_t)((k - 1) * FRAME), data, 1, FRAME, JB_SOURCE_RED);
            assert_true(r == JB_PUT_STORED || r == JB_PUT_DUPLICATE);
        }
        if (k > 0) {
            jb_frame f;
            assert_true(jb_pull(&jb, FRAME, &f));
            assert_int_equal(f.data[0], (uint8_t)(k - 1));
            if (f.source == JB_SOURCE_RED)
                filled++;
            else
                primaries++;
        }
    }
    assert_int_equal(filled, 2000);
    assert_int_equal(primaries, 9999 - 2000);
}

static void test_mixed_durations(void **state)
{
    (void)state;
    uint8_t d[1] = {1};
    /* a 10 ms frame, then a hole: concealment stops where the next frame starts */
    assert_int_equal(jb_put(&jb, 0, d, 1, 480, JB_SOURCE_PRIMARY), JB_PUT_STORED);
    assert_int_equal(jb_put(&jb, 480 + 240, d, 1, 480, JB_SOURCE_PRIMARY), JB_PUT_STORED);
    jb_frame f;
    assert_true(jb_pull(&jb, 480, &f));
    assert_int_equal(f.duration, 480);
    assert_false(jb_pull(&jb, 480, &f));
    assert_int_equal(f.duration, 240);
    assert_true(jb_pull(&jb, 480, &f));
    assert_true(f.ts == ((int64_t)1 << 32) + 720);
    assert_int_equal(jb_span(&jb), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_in_order, setup),
        cmocka_unit_test_setup(test_loss_then_concealment, setup),
        cmocka_unit_test_setup(test_reordering, setup),
        cmocka_unit_test_setup(test_duplicates, setup),
        cmocka_unit_test_setup(test_red_fills_hole_and_primary_upgrades, setup),
        cmocka_unit_test_setup(test_late_after_concealment, setup),
        cmocka_unit_test_setup(test_timestamp_wrap, setup),
        cmocka_unit_test_setup(test_too_far_and_misaligned, setup),
        cmocka_unit_test_setup(test_too_old, setup),
        cmocka_unit_test_setup(test_long_stream_laps_the_ring, setup),
        cmocka_unit_test_setup(test_mixed_durations, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
