/* The latency stage on its own: arrivals and frames handed in by hand, in
 * simulated time, the schedule, pauses, rate and trim checked. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/defaults.h"
#include "receiver/jitbuf.h"
#include "receiver/latency.h"

#define FRAME 960 /* 20 ms */
#define MS    1000000LL
#define HEAD  ((int64_t)1 << 32) /* an extended timestamp */

static latency lat;
static jitbuf jb; /* 31 MB: not on the stack */
static float in[AL_MAX_FRAME_SAMPLES];
static float out[AL_MAX_FRAME_SAMPLES];

static int teardown(void **state)
{
    (void)state;
    latency_close(&lat);
    return 0;
}

static void open_latency(int latency_ms, bool adaptive, int64_t late_hold_ns)
{
    latency_init(&lat, latency_ms, adaptive, late_hold_ns);
    assert_int_equal(latency_open(&lat, 1), 0);
    latency_restart(&lat);
}

static void test_nothing_before_the_first_frame(void **state)
{
    (void)state;
    open_latency(40, false, 0);
    jb_init(&jb);
    assert_true(latency_next_due(&lat, &jb, 0) == INT64_MAX);
    latency_steer(&lat, HEAD, FRAME, 0, false);
    assert_false(lat.playing);
    assert_int_equal(lat.target_ns, 0);
}

/* A fixed delay: the first frame is due that long after it arrived; a
 * delay that falls short is restored at once, a pause counted only once
 * output has begun, and handed out once. */
static void test_fixed_delay_and_pauses(void **state)
{
    (void)state;
    open_latency(40, false, 0);
    latency_begin(&lat, 0, HEAD, FRAME);
    latency_steer(&lat, HEAD, FRAME, 0, false);
    assert_int_equal(lat.target_ns, 40 * MS);
    assert_int_equal(lat.due_ns, 40 * MS);
    assert_int_equal(latency_take_pause_ns(&lat), 0); /* nothing played yet */
    assert_int_equal(lat.delay_jumps, 0);
    /* Without a resampler frames are decoded straight into the output. */
    assert_ptr_equal(latency_frame_buffer(&lat, out), out);
    double rate;
    assert_int_equal(latency_play(&lat, out, FRAME, HEAD, 40 * MS, false, out, &rate), FRAME);
    assert_true(rate == 1.0);
    assert_int_equal(lat.due_ns, 60 * MS);
    latency_steer(&lat, HEAD + FRAME, FRAME, 0, true);
    assert_int_equal(lat.due_ns, 60 * MS); /* on target: unchanged */
    /* The head is ten frames on (frames skipped): its frame would arrive at
     * 200 ms at the fastest, so it is due at 240 ms, a pause of 180 ms. */
    latency_steer(&lat, HEAD + 10 * FRAME, FRAME, 0, true);
    assert_int_equal(lat.due_ns, 240 * MS);
    assert_int_equal(lat.delay_jumps, 1);
    assert_int_equal(latency_take_pause_ns(&lat), 180 * MS);
    assert_int_equal(latency_take_pause_ns(&lat), 0);
    /* A restart forgets the schedule, keeps the counters. */
    latency_restart(&lat);
    assert_false(lat.playing);
    assert_int_equal(lat.delay_jumps, 1);
}

/* Measured delay without steering (a file): one frame (at least
 * MIN_FIXED_DELAY) on a clean link; waiting for copies adds their
 * distance. */
static void test_protection_adds_its_wait(void **state)
{
    (void)state;
    open_latency(0, false, 0);
    latency_begin(&lat, 0, HEAD, FRAME);
    latency_steer(&lat, HEAD, FRAME, 0, false);
    int64_t clean = lat.target_ns;
    assert_int_equal(clean, 20 * MS);
    latency_steer(&lat, HEAD, FRAME, 2, false);
    assert_true(lat.target_ns >= 2 * 20 * MS);
    assert_true(lat.target_ns <= 2 * 20 * MS + 5 * MS);
}

static void test_output_trim_is_bounded(void **state)
{
    (void)state;
    open_latency(0, true, 0);
    latency_set_output_trim(&lat, 0.01);
    assert_true(lat.output_trim == LATENCY_MAX_RATE_DEVIATION);
    latency_set_output_trim(&lat, -1.0);
    assert_true(lat.output_trim == -LATENCY_MAX_RATE_DEVIATION);
    latency_set_output_trim(&lat, 0.0003);
    assert_true(lat.output_trim == 0.0003);
}

/* A delay far too long (the head's frame arrived 400 ms before it is due):
 * steering engages at its limit; a quiet frame plays RX_MAX_QUIET_RATE
 * times faster, a loud one only at the steering rate. */
static void test_quiet_frames_shed_an_excess(void **state)
{
    (void)state;
    open_latency(0, true, 0);
    assert_ptr_equal(latency_frame_buffer(&lat, out), lat.decoded);
    latency_begin(&lat, 0, HEAD, FRAME);
    latency_steer(&lat, HEAD - 20 * FRAME, FRAME, 0, false);
    assert_true(lat.delay_now_ns - lat.target_ns >= 370 * MS); /* 400 less the target */
    assert_true(lat.steering);
    assert_true(lat.rate == 1.0 + LATENCY_MAX_RATE_DEVIATION);
    double rate;
    memset(in, 0, sizeof in); /* silence */
    int64_t due = lat.due_ns;
    int n = latency_play(&lat, in, FRAME, HEAD - 20 * FRAME, 0, false, out, &rate);
    assert_true(rate == RX_MAX_QUIET_RATE);
    assert_int_equal(lat.frames_quickened, 1);
    assert_int_equal(lat.due_ns - due, 5 * MS); /* 20 ms of stream in 5 */
    assert_true(n <= FRAME / 4 + 1);
    for (int i = 0; i < FRAME; i++)
        in[i] = 0.5f * sinf(2.0f * (float)M_PI * 440.0f * (float)i / AL_RATE);
    latency_play(&lat, in, FRAME, HEAD - 19 * FRAME, 0, false, out, &rate);
    assert_true(rate == 1.0 + LATENCY_MAX_RATE_DEVIATION);
    assert_int_equal(lat.frames_quickened, 1);
}

/* A file output (late_hold_ns, no resampler): a primary at the head is
 * produced as soon as the last packet came, a missing frame only once even
 * a packet late_hold_ns late could not bring it. */
static void test_file_output_holds_for_late_packets(void **state)
{
    (void)state;
    open_latency(0, false, 500 * MS);
    assert_true(latency_holding(&lat));
    jb_init(&jb);
    const uint8_t toc[2] = {31 << 3, 0};
    assert_int_equal(jb_put(&jb, 0, toc, sizeof toc, FRAME, JB_SOURCE_PRIMARY), JB_PUT_STORED);
    latency_begin(&lat, 0, jb.head, FRAME);
    latency_steer(&lat, jb.head, FRAME, 0, false);
    assert_int_equal(latency_next_due(&lat, &jb, 7 * MS), 7 * MS);
    jb_frame f;
    assert_true(jb_pull(&jb, FRAME, &f));
    /* Frame 1 missing: given up at its fastest arrival (20 ms) + 500 ms. */
    assert_int_equal(latency_next_due(&lat, &jb, 7 * MS), 520 * MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_nothing_before_the_first_frame, teardown),
        cmocka_unit_test_teardown(test_fixed_delay_and_pauses, teardown),
        cmocka_unit_test_teardown(test_protection_adds_its_wait, teardown),
        cmocka_unit_test_teardown(test_output_trim_is_bounded, teardown),
        cmocka_unit_test_teardown(test_quiet_frames_shed_an_excess, teardown),
        cmocka_unit_test_teardown(test_file_output_holds_for_late_packets, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
