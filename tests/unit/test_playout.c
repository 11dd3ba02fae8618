/* The receiver's clock in simulated time: a sender whose clock runs
 * 300 ppm fast or slow for 30 minutes, and a path with 20 ms of random
 * jitter, against the bounds issue 5 sets. The real sender and receiver
 * media code; packets are encoded once and replayed with fresh sequence
 * numbers and timestamps, so a long run costs only decoding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audio/soundfile.h"
#include "receiver/latency.h"
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/clip.h"
#include "sim/lossmodel.h"
#include "sim/sim.h"

#define LOOP_PACKETS 100
#define MS           1000000LL

static sim_stream loop;

/* Encodes LOOP_PACKETS frames of speech of FRAME samples, no redundancy;
 * the harness repeats them as an endless stream (sim_stream_packet). */
static void encode_loop(int frame)
{
    char err[256];
    sim_clip clip;
    assert_int_equal(sim_clip_init(&clip, (long)frame * LOOP_PACKETS), 0);
    assert_int_equal(
        sim_clip_append_file(&clip, AL_TEST_DATA, "ljspeech_LJ001-0001_F.flac", err, sizeof err),
        0);
    assert_int_equal(clip.len, (long)frame * LOOP_PACKETS);
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    cfg.frame_samples = frame;
    cfg.first_sequence = 40000;
    cfg.first_timestamp = 0xfff00000u; /* both wrap during long runs */
    sim_stream_free(&loop);
    assert_int_equal(sim_encode(&cfg, clip.samples, LOOP_PACKETS, &loop, err, sizeof err), 0);
    for (int i = 0; i < LOOP_PACKETS; i++)
        assert_true(loop.packets[i].len > 12);
    sim_clip_free(&clip);
}

typedef struct run_result {
    rx_stats stats;
    double max_delay_error_ms; /* |delay - target| after the first minute */
    double max_delay_ms;       /* after the first minute */
    /* the playout rate of the frames played after the first minute
     * (rx_frame_info.rate, stream seconds per second): what the clock
     * steering did, over the frames it set (within +-0.5 %); quiet frames
     * played up to RX_MAX_QUIET_RATE faster to shed a spike are apart */
    double rate_sum;
    uint64_t rate_frames, quickened_frames;
    double min_rate, max_rate;
} run_result;

typedef struct watch {
    run_result *res;
    bool started;
    int64_t settled; /* the steady state begins: a minute after the first arrival */
} watch;

static void watch_arrival(void *user, const sim_arrival *a, rx_stream *rx)
{
    watch *w = user;
    assert_int_equal(a->result, RX_PACKET_ACCEPTED);
    if (!w->started) {
        w->started = true;
        w->settled = a->arrival_ns + 60000 * MS;
    }
    if (a->arrival_ns <= w->settled)
        return;
    rx_stats s = rx_stream_stats(rx);
    double error = s.delay_ms - s.target_delay_ms;
    if (error < 0)
        error = -error;
    if (error > w->res->max_delay_error_ms)
        w->res->max_delay_error_ms = error;
    if (s.delay_ms > w->res->max_delay_ms)
        w->res->max_delay_ms = s.delay_ms;
}

static void watch_frame(void *user, const float *pcm, int samples, const rx_frame_info *info,
                        int64_t now_ns)
{
    watch *w = user;
    if (!w->started || now_ns <= w->settled)
        return;
    run_result *r = w->res;
    if (fabs(info->rate - 1.0) > LATENCY_MAX_RATE_DEVIATION + 1e-9) {
        r->quickened_frames++;
        return;
    }
    if (r->rate_frames == 0 || info->rate < r->min_rate)
        r->min_rate = info->rate;
    if (r->rate_frames == 0 || info->rate > r->max_rate)
        r->max_rate = info->rate;
    r->rate_sum += info->rate;
    r->rate_frames++;
}

/* Sends N packets of FRAME samples whose sender clock runs DRIFT_PPM fast,
 * each delayed by JITTER (lossmodel, reordering allowed), and plays them
 * on the receiver's clock (each frame at its due time). */
static run_result run(uint64_t n, int frame, double drift_ppm, const struct lossmodel_config *net)
{
    struct lossmodel model;
    assert_int_equal(lossmodel_init(&model, net), LOSSMODEL_OK);
    run_result res = {0};
    const int64_t start = 1000 * MS;
    /* The start-up delay (a frame) shrinks to the measured need at 0.5 %,
     * which takes up to ~15 s; judge the steady state after a minute. */
    watch w = {.res = &res};
    sim_config sc;
    sim_config_defaults(&sc);
    sc.stream = &loop;
    sc.slots = n;
    sc.start_ns = start;
    sc.sender_clock_ppm = drift_ppm;
    sc.fate = sim_fate_lossmodel;
    sc.fate_user = &model;
    sc.clock = SIM_CLOCK_DUE;
    sc.on_arrival = watch_arrival;
    sc.on_frame = watch_frame;
    sc.hook_user = &w;
    sim_result sr;
    char err[256];
    assert_int_equal(sim_run(&sc, &sr, err, sizeof err), 0);
    /* every due frame came when asked, every packet was taken */
    assert_int_equal(sr.empty_due_pulls, 0);
    assert_int_equal(sr.arrived, n);
    res.stats = sr.stats;
    sim_result_free(&sr);
    return res;
}

static void drift(double ppm)
{
    encode_loop(2880); /* 60 ms frames: the clock logic is the same, 30 min costs less */
    struct lossmodel_config net;
    lossmodel_config_default(&net);
    uint64_t n = 30ull * 60 * 1000 / 60; /* 30 minutes */
    run_result r = run(n, 2880, ppm, &net);
    printf("drift %+.0f ppm: %llu frames, %llu concealed, %llu late, %llu jumps, rate %+.0f ppm, "
           "delay %.1f ms (target %.1f), max error %.2f ms\n",
           ppm, (unsigned long long)r.stats.frames_total, (unsigned long long)r.stats.frames_plc,
           (unsigned long long)r.stats.packets_late, (unsigned long long)r.stats.delay_jumps,
           r.stats.rate_ppm, r.stats.delay_ms, r.stats.target_delay_ms, r.max_delay_error_ms);
    /* the steering found the clock difference: a fast sender's packets
     * pile up, so the playout runs faster than our clock, a slow one's
     * slower, by about the drift on average (the rate moves in steps and
     * within +-0.5 %); a playout that never steered plays those frames at
     * exactly 1 (the quiet frames played faster would hide that in a mean
     * over all frames: they are left out) */
    double mean_ppm = (r.rate_sum / (double)r.rate_frames - 1.0) * 1e6;
    printf("  steady state: %llu frames steered, mean rate %+.1f ppm (%+.0f .. %+.0f), %llu "
           "quiet frames quickened\n",
           (unsigned long long)r.rate_frames, mean_ppm, (r.min_rate - 1) * 1e6,
           (r.max_rate - 1) * 1e6, (unsigned long long)r.quickened_frames);
    assert_true(r.rate_frames > 25000);
    assert_true(mean_ppm * ppm > 0);
    assert_true(fabs(mean_ppm - ppm) < 0.25 * fabs(ppm));
    assert_true(r.stats.rate_ppm * ppm > 0);
    /* no underrun: every frame was there when due; no overflow: the delay
     * never ran away from its target; no audible jump: no pause */
    assert_int_equal(r.stats.frames_plc, 0);
    assert_int_equal(r.stats.packets_late, 0);
    assert_int_equal(r.stats.delay_jumps, 0);
    assert_true(r.max_delay_error_ms < 5.0);
}

static void test_drift_fast_sender(void **state)
{
    (void)state;
    drift(300);
}

static void test_drift_slow_sender(void **state)
{
    (void)state;
    drift(-300);
}

static void test_jitter_20ms(void **state)
{
    (void)state;
    encode_loop(960);
    struct lossmodel_config net;
    lossmodel_config_default(&net);
    net.seed = 3;
    net.delay_ms = 10;
    net.jitter_ms = 10; /* uniform in [0, 20] ms: 20 ms of random jitter */
    net.jitter_reorders = true;
    uint64_t n = 2 * 60 * 50; /* 2 minutes */
    run_result r = run(n, 960, 0, &net);
    /* the jitter's 95th percentile, beyond the fastest packet: 19 ms */
    double p95 = 19.0;
    printf("jitter 20 ms: %llu late of %llu (%.2f %%), delay %.1f ms (max %.1f after 1 min), "
           "target %.1f, jumps %llu\n",
           (unsigned long long)r.stats.packets_late, (unsigned long long)n,
           100.0 * (double)r.stats.packets_late / (double)n, r.stats.delay_ms, r.max_delay_ms,
           r.stats.target_delay_ms, (unsigned long long)r.stats.delay_jumps);
    assert_true(r.stats.packets_late * 100 <= n);
    assert_true(r.max_delay_ms <= 1.5 * p95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drift_fast_sender),
        cmocka_unit_test(test_drift_slow_sender),
        cmocka_unit_test(test_jitter_20ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
