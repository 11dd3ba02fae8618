/* Late packets and lost starts in simulated time, through the real sender
 * and receiver media code:
 * - a file output waits for late packets: a burst 300 ms late loses
 *   nothing and the output keeps its exact length;
 * - a live output grows its delay at a spike of 400 ms and brings it back
 *   within seconds, playing only quiet frames faster (speech is never
 *   played at more than +-0.5 %, so no sample discontinuity is added);
 * - a stream whose first packets are lost starts at its first frame, from
 *   the copies a later packet carries or from the start the control
 *   channel announced (RTP-Info).
 * The runs are the simulated-time harness's (sim/sim.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/clip.h"
#include "sim/sim.h"

#define MS         1000000LL
#define FRAME      960 /* 20 ms */
#define FRAME_NS   (20 * MS)
#define CLIP       450 /* frames of speech encoded: 9 s */
#define FIRST_SEQ  65000
#define FIRST_TS   0xfffff000u
#define MAX_SAMPLE 5760
#define OPUS_DELAY 312

static sim_stream stream;     /* the clip's packets (encode) */
static double level_db[CLIP]; /* each source frame's level */
static double peak_db;        /* the clip's loudest frame */
static sim_clip clip;
static float *speech; /* its samples */

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (sim_clip_init(&clip, (long)FRAME * CLIP) != 0 ||
        sim_clip_append_file(&clip, AL_TEST_DATA, "ljspeech_LJ001-0001_F.flac", err, sizeof err) !=
            0 ||
        clip.len < (long)FRAME * CLIP)
        return -1;
    speech = clip.samples;
    peak_db = -200;
    for (int i = 0; i < CLIP; i++) {
        /* the source of decoded frame i: Opus delays by its 6.5 ms
         * look-ahead (312 samples) */
        double e = 0;
        for (int j = i * FRAME - OPUS_DELAY; j < (i + 1) * FRAME - OPUS_DELAY; j++)
            e += j < 0 ? 0 : (double)speech[j] * speech[j];
        level_db[i] = 10 * log10(e / FRAME + 1e-12);
        if (level_db[i] > peak_db)
            peak_db = level_db[i];
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_clip_free(&clip);
    sim_stream_free(&stream);
    return 0;
}

/* Encodes the clip with REDUNDANCY copies per packet. Beyond the clip
 * the harness repeats it with sequence numbers and timestamps moved on
 * (sim_stream_packet: copies' offsets are relative, so they stay right). */
static void encode(int redundancy)
{
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = redundancy;
    /* copies of the adjacent frames, so that packet 2 carries frames 0 and 1 */
    for (int i = 0; i < redundancy; i++)
        cfg.copy_offsets[i] = i + 1;
    cfg.ssrc = 0x5eed;
    cfg.first_sequence = FIRST_SEQ;
    cfg.first_timestamp = FIRST_TS;
    char err[256];
    sim_stream_free(&stream);
    assert_int_equal(sim_encode(&cfg, speech, CLIP, &stream, err, sizeof err), 0);
    for (int i = 0; i < CLIP; i++)
        assert_true(stream.packets[i].len > 12);
}

/* The receiver as receiver/rx_options.c sets it up for a file. */
static rx_config file_receiver(void)
{
    rx_config cfg;
    rx_config_defaults(&cfg);
    cfg.channels = 1;
    cfg.adaptive_rate = false; /* as receiver/rx_options.c sets up a file */
    cfg.late_hold_ns = RX_FILE_LATE_HOLD_NS;
    return cfg;
}

typedef struct played {
    long samples;
    int frames;
    int64_t first_ts, last_ts;
    rx_origin first_origin;
} played;

static void take(void *user, const float *pcm, int samples, const rx_frame_info *info,
                 int64_t now_ns)
{
    played *p = user;
    if (p->frames == 0) {
        p->first_ts = info->ts;
        p->first_origin = info->origin;
    }
    p->last_ts = info->ts;
    p->frames++;
    p->samples += samples;
}

/* The link of run_file: packets before SKIP lost, those in [LATE_FROM,
 * LATE_TO) LATE_NS late. */
typedef struct file_link {
    int skip, late_from, late_to;
    int64_t late_ns;
} file_link;

static sim_fate file_fate(void *user, uint64_t k)
{
    const file_link *l = user;
    sim_fate f = {.drop = k < (uint64_t)l->skip, .delay_ns = 0};
    if (k >= (uint64_t)l->late_from && k < (uint64_t)l->late_to)
        f.delay_ns = l->late_ns;
    return f;
}

/* Sends packets 0..N-1 one frame apart, the ones in [LATE_FROM, LATE_TO)
 * LATE_NS late (the link keeps their order: the packets behind them queue
 * up), none of those before SKIP, to a receiver of RC (the start announced
 * as ANNOUNCED_TS when ANNOUNCE); plays as receiver/rx_output.c does for a file:
 * what is due before each arrival, then everything held at the end. The
 * receiver's counters go to *STATS. */
static played run_file(rx_config rc, int n, int skip, int late_from, int late_to, int64_t late_ns,
                       bool announce, uint32_t announced_ts, rx_stats *stats)
{
    played p = {0};
    file_link link = {skip, late_from, late_to, late_ns};
    sim_config sc;
    sim_config_defaults(&sc);
    sc.rx = rc;
    sc.stream = &stream;
    sc.slots = (uint64_t)n;
    sc.start_ns = 1000 * MS;
    sc.fate = file_fate;
    sc.fate_user = &link;
    sc.keep_order = true;
    sc.clock = SIM_CLOCK_ARRIVALS;
    sc.drain = true; /* the stream's end (TEARDOWN) */
    sc.announce_start = announce;
    sc.announced_sequence = FIRST_SEQ;
    sc.announced_timestamp = announced_ts;
    sc.on_frame = take;
    sc.hook_user = &p;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.by_result[RX_PACKET_ACCEPTED], n - skip);
    assert_int_equal(r.arrived, n - skip);
    *stats = r.stats;
    return p;
}

static void test_file_waits_for_late_burst(void **state)
{
    (void)state;
    encode(2);
    /* 15 packets (300 ms) held up 300 ms, as a stalled machine or link does */
    rx_stats s;
    played p = run_file(file_receiver(), 300, 0, 100, 115, 300 * MS, false, 0, &s);
    printf("file, burst 300 ms late: %llu late, %llu concealed, %ld samples\n",
           (unsigned long long)s.packets_late, (unsigned long long)s.frames_plc, p.samples);
    assert_int_equal(s.packets_late, 0);
    assert_int_equal(s.packets_lost, 0);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.frames_primary, 300);
    assert_int_equal(p.samples, 300L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 299L * FRAME);

    /* the same burst decided at its due time (a live output) is concealed:
     * the case above is not trivially passing */
    rx_config cfg;
    rx_config_defaults(&cfg);
    cfg.channels = 1;
    cfg.adaptive_rate = false;
    p = run_file(cfg, 300, 0, 100, 115, 300 * MS, false, 0, &s);
    assert_true(s.packets_late > 0 && s.frames_plc > 0);

    /* later than the hold: concealed, and still the exact length */
    p = run_file(file_receiver(), 300, 0, 100, 102, 700 * MS, false, 0, &s);
    assert_true(s.packets_late >= 1);
    assert_int_equal(p.samples, 300L * FRAME);
}

static void test_first_packets_lost_copies(void **state)
{
    (void)state;
    encode(2);
    /* packets 0 and 1 lost; packet 2 carries copies of frames 0 and 1 */
    rx_stats s;
    played p = run_file(file_receiver(), 100, 2, 0, 0, 0, false, 0, &s);
    assert_int_equal(p.samples, 100L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 99L * FRAME);
    assert_int_equal(p.first_origin, RX_FRAME_RED);
    assert_int_equal(s.frames_red, 2);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.packets_lost, 2);
}

static void test_first_packets_lost_announced_start(void **state)
{
    (void)state;
    encode(0);
    /* no copies: only the control channel's RTP-Info tells where the
     * stream starts; the two frames are concealed */
    rx_stats s;
    played p = run_file(file_receiver(), 100, 2, 0, 0, 0, true, FIRST_TS, &s);
    assert_int_equal(p.samples, 100L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 99L * FRAME);
    assert_int_equal(p.first_origin, RX_FRAME_PLC);
    assert_int_equal(s.frames_plc, 2);
    assert_int_equal(s.packets_lost, 2);

    /* without it the stream starts at the first packet that came */
    p = run_file(file_receiver(), 100, 2, 0, 0, 0, false, 0, &s);
    assert_int_equal(p.samples, 98L * FRAME);

    /* an announcement far from the packets is not believed */
    p = run_file(file_receiver(), 100, 2, 0, 0, 0, true, FIRST_TS - 10 * 48000, &s);
    assert_int_equal(p.samples, 98L * FRAME);
}

/* Live: 60 s of packets, those sent in [20 s, 21 s) SPIKE_NS late (the
 * packets behind them queue up, as on a link that stalls), played on the
 * receiver's schedule. Prints the delay once a second. */
#define SPIKE_AT_S    20
#define SPIKE_NS      (400 * MS)
#define RETURN_S      6 /* N: the delay is back within this after the spike's end */
#define RUN_S         60
#define DELAY_SLOP_MS 3.0

/* The link of the live test: what is sent in the spike's second arrives
 * SPIKE_NS late. */
static sim_fate spike_fate(void *user, uint64_t k)
{
    const int64_t *t0 = user;
    int64_t sent = *t0 + (int64_t)k * FRAME_NS;
    sim_fate f = {.drop = false, .delay_ns = 0};
    if (sent >= *t0 + SPIKE_AT_S * 1000 * MS && sent < *t0 + (SPIKE_AT_S + 1) * 1000 * MS)
        f.delay_ns = SPIKE_NS;
    return f;
}

typedef struct live_watch {
    int64_t t0;
    uint64_t jumps_after, plc_after, fast_speech, speech_frames;
} live_watch;

static void live_frame(void *user, const float *pcm, int samples, const rx_frame_info *info,
                       int64_t now_ns)
{
    live_watch *w = user;
    /* the source frame this one decodes (the clip loops) */
    uint64_t frame = (uint64_t)(info->ts - (((int64_t)1 << 32) + FIRST_TS)) / FRAME;
    if (level_db[frame % CLIP] > peak_db - 25) {
        w->speech_frames++;
        if (fabs(info->rate - 1.0) > 0.005 + 1e-9)
            w->fast_speech++;
    }
}

static void live_arrival(void *user, const sim_arrival *a, rx_stream *rx)
{
    live_watch *w = user;
    assert_int_equal(a->result, RX_PACKET_ACCEPTED);
    if (a->arrival_ns > w->t0 + (SPIKE_AT_S + 2) * 1000 * MS && w->jumps_after == 0) {
        rx_stats s = rx_stream_stats(rx);
        w->jumps_after = s.delay_jumps, w->plc_after = s.frames_plc;
    }
}

static void test_live_spike_returns(void **state)
{
    (void)state;
    encode(0);
    live_watch w = {.t0 = 1000 * MS};
    sim_config sc;
    sim_config_defaults(&sc);
    sc.stream = &stream;
    sc.slots = (uint64_t)RUN_S * 50;
    sc.start_ns = w.t0;
    sc.fate = spike_fate;
    sc.fate_user = &w.t0;
    sc.keep_order = true;
    sc.clock = SIM_CLOCK_DUE;
    sc.trace_every_ns = 1000 * MS; /* the delay once a second */
    sc.on_frame = live_frame;
    sc.on_arrival = live_arrival;
    sc.hook_user = &w;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.empty_due_pulls, 0); /* every due frame came */
    double before = 0;                      /* the delay just before the spike */
    double delay_at[RUN_S + 1] = {0}, target_at[RUN_S + 1] = {0};
    for (size_t i = 0; i < r.trace_len; i++) {
        int sec = (int)((r.trace[i].t_ns - w.t0) / (1000 * MS));
        if (sec <= RUN_S)
            delay_at[sec] = r.trace[i].delay_ms, target_at[sec] = r.trace[i].target_delay_ms;
        if (sec == SPIKE_AT_S - 1)
            before = r.trace[i].delay_ms;
    }
    rx_stats s = r.stats;
    sim_result_free(&r);
    printf("live spike %lld ms:", (long long)(SPIKE_NS / MS));
    for (int i = SPIKE_AT_S - 2; i <= SPIKE_AT_S + 12; i++)
        printf(" %d s %.1f/%.1f", i, delay_at[i], target_at[i]);
    printf("\n  %llu late, %llu concealed, %llu pauses, %llu quiet frames played faster, "
           "%llu of %llu speech frames off 1 by more than 0.5 %%\n",
           (unsigned long long)s.packets_late, (unsigned long long)s.frames_plc,
           (unsigned long long)s.delay_jumps, (unsigned long long)s.frames_quickened,
           (unsigned long long)w.fast_speech, (unsigned long long)w.speech_frames);
    /* the delay grew at once (it held the late packets' frames) ... */
    assert_true(delay_at[SPIKE_AT_S + 1] > before + 200);
    /* ... and is back within N s of the spike's end, and stays */
    for (int i = SPIKE_AT_S + 1 + RETURN_S; i <= RUN_S - 1; i++)
        assert_true(delay_at[i] <= before + DELAY_SLOP_MS);
    /* no pause and no concealment once the spike is over */
    assert_int_equal(s.delay_jumps, w.jumps_after);
    assert_int_equal(s.frames_plc, w.plc_after);
    /* speech was never played faster than the ordinary steering */
    assert_int_equal(w.fast_speech, 0);
    assert_true(w.speech_frames > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_waits_for_late_burst),
        cmocka_unit_test(test_first_packets_lost_copies),
        cmocka_unit_test(test_first_packets_lost_announced_start),
        cmocka_unit_test(test_live_spike_returns),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
