/* The simulated-time media harness itself (sim/sim.h): over a clean link
 * its output is what a plain Opus decoder makes of the packets, sample for
 * sample at the input's place; over a known loss pattern the frames come
 * back by the means the pattern implies; a seeded run is a function of its
 * seed; delays reorder and the delay trace follows them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <opus.h>

#include "proto/red.h"
#include "proto/rtp.h"
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/clip.h"
#include "sim/lossmodel.h"
#include "sim/sim.h"

#define FRAME  960
#define FRAMES 300 /* 6 s */
#define MS     1000000LL

static sim_clip speech;

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (sim_clip_init(&speech, (long)FRAME * FRAMES) != 0 ||
        sim_clip_append_file(&speech, AL_TEST_DATA, "ljspeech_LJ001-0001_F.flac", err,
                             sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return speech.len == (long)FRAME * FRAMES ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_clip_free(&speech);
    return 0;
}

/* The clip encoded with REDUNDANCY copies of the adjacent frames. */
static sim_stream encode(int redundancy)
{
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = redundancy;
    for (int i = 0; i < redundancy; i++)
        cfg.copy_offsets[i] = i + 1;
    cfg.ssrc = 0x5eed;
    cfg.first_sequence = 65500;        /* wraps */
    cfg.first_timestamp = 0xffff0000u; /* wraps */
    sim_stream s;
    char err[256];
    assert_int_equal(sim_encode(&cfg, speech.samples, FRAMES, &s, err, sizeof err), 0);
    assert_int_equal(s.count, FRAMES);
    assert_true(s.payload_kbps > 20 && s.payload_kbps < 120);
    return s;
}

/* What a plain Opus decoder makes of the primaries of S, frame by frame. */
static float *direct_decode(const sim_stream *s)
{
    int status;
    OpusDecoder *dec = opus_decoder_create(48000, 1, &status);
    assert_non_null(dec);
    float *ref = calloc((size_t)s->count * FRAME, sizeof(float));
    for (int k = 0; k < s->count; k++) {
        rtp_header h;
        assert_int_equal(rtp_parse(s->packets[k].data, (size_t)s->packets[k].len, &h), RTP_OK);
        const uint8_t *opus = h.payload;
        size_t len = h.payload_len;
        if (h.payload_type == AL_RED_PT) {
            red_block blocks[RED_MAX_BLOCKS];
            size_t n;
            assert_int_equal(red_parse(h.payload, h.payload_len, blocks, RED_MAX_BLOCKS, &n),
                             RED_OK);
            opus = blocks[n - 1].data; /* the primary is the last block */
            len = blocks[n - 1].len;
        }
        assert_int_equal(
            opus_decode_float(dec, opus, (opus_int32)len, ref + (long)k * FRAME, FRAME, 0), FRAME);
    }
    opus_decoder_destroy(dec);
    return ref;
}

/* A file-like run: the clock ticks at the sender's pace, output 1:1, and
 * runs on after the last packet only while frames are held (not into
 * concealment of a stream that ended). */
static void file_run(sim_config *sc, const sim_stream *s, float *out)
{
    sim_config_defaults(sc);
    sc->rx.adaptive_rate = false;
    sc->stream = s;
    sc->slots = (uint64_t)s->count;
    sc->tail_slots = 50;
    sc->tail_until_idle = true;
    sc->out = out;
    sc->out_samples = (long)s->count * FRAME;
}

static void test_clean_link_is_a_direct_decode(void **state)
{
    (void)state;
    for (int depth = 0; depth <= 2; depth += 2) {
        sim_stream s = encode(depth);
        float *ref = direct_decode(&s);
        float *out = calloc((size_t)FRAMES * FRAME, sizeof(float));
        sim_config sc;
        file_run(&sc, &s, out);
        sim_result r;
        char err[256];
        assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
        assert_int_equal(r.sent, FRAMES);
        assert_int_equal(r.dropped, 0);
        assert_int_equal(r.arrived, FRAMES);
        assert_int_equal(r.by_result[RX_PACKET_ACCEPTED], FRAMES);
        assert_int_equal(r.frames_by_origin[RX_FRAME_PRIMARY], FRAMES);
        assert_int_equal(r.samples, (uint64_t)FRAMES * FRAME);
        assert_int_equal(r.stats.frames_primary, FRAMES);
        /* placed by timestamp, the output is the decoder's, sample for sample */
        long differ = 0;
        for (long i = 0; i < (long)FRAMES * FRAME; i++)
            differ += out[i] != ref[i];
        assert_int_equal(differ, 0);
        /* and it is not trivially so: the decoded speech is not silence */
        double e = 0;
        for (long i = 0; i < (long)FRAMES * FRAME; i++)
            e += (double)out[i] * out[i];
        assert_true(e > 1.0);
        free(out);
        free(ref);
        sim_stream_free(&s);
    }
}

/* The per-packet fate hook: a fixed list of lost slots. */
typedef struct lost_list {
    const int *slots;
    int n;
    int asked;
} lost_list;

static sim_fate lose_listed(void *user, uint64_t k)
{
    lost_list *l = user;
    l->asked++;
    sim_fate f = {0};
    for (int i = 0; i < l->n; i++)
        f.drop = f.drop || (uint64_t)l->slots[i] == k;
    return f;
}

static void test_known_pattern_counts(void **state)
{
    (void)state;
    sim_stream s = encode(2); /* copies of frames 1 and 2 back */
    /* 10: the stream's first loss, concealed by design (copies are waited
     * for only once loss is seen); 30, 50: single, rebuilt; 70-71: both
     * rebuilt from 72; 100-102: 100's copies rode in 101 and 102, lost with
     * it: concealed; 101 and 102 rebuilt from 103 */
    static const int lost[] = {10, 30, 50, 70, 71, 100, 101, 102};
    const int nlost = (int)(sizeof lost / sizeof lost[0]);
    lost_list l = {lost, nlost, 0};
    sim_config sc;
    file_run(&sc, &s, NULL);
    sc.fate = lose_listed;
    sc.fate_user = &l;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(l.asked, FRAMES); /* once per slot */
    assert_int_equal(r.dropped, nlost);
    assert_int_equal(r.arrived, FRAMES - nlost);
    assert_int_equal(r.stats.packets_lost, nlost);
    assert_int_equal(r.stats.frames_red, 6);
    assert_int_equal(r.stats.frames_plc, 2);
    assert_int_equal(r.stats.frames_primary, FRAMES - nlost);
    /* the harness's own counts agree with the receiver's */
    assert_int_equal(r.frames_by_origin[RX_FRAME_RED], 6);
    assert_int_equal(r.frames_by_origin[RX_FRAME_PLC], 2);
    assert_int_equal(r.frames_by_origin[RX_FRAME_PRIMARY], FRAMES - nlost);
    assert_int_equal(r.samples, (uint64_t)FRAMES * FRAME);

    /* the pattern's ideal: every lost frame but 100 has a copy that came;
     * the receiver rebuilds all of them but the first loss */
    bool pattern[FRAMES] = {0};
    for (int i = 0; i < nlost; i++)
        pattern[lost[i]] = true;
    static const int offsets[] = {1, 2};
    assert_int_equal(sim_pattern_repairable(pattern, FRAMES, offsets, 2), 7);
    assert_int_equal(sim_pattern_repairable(pattern, FRAMES, offsets, 1), 5);

    /* the same pattern through sim_fate_pattern gives the same run */
    sim_result r2;
    sc.fate = sim_fate_pattern;
    sc.fate_user = pattern;
    assert_int_equal(sim_run(&sc, &r2, err, sizeof err), 0);
    assert_int_equal(r2.stats.frames_red, 6);
    assert_int_equal(r2.stats.frames_plc, 2);
    sim_stream_free(&s);
}

/* One seeded Gilbert-Elliott run: its output and counts. */
static sim_result seeded_run(const sim_stream *s, uint64_t seed, float *out)
{
    struct lossmodel_config mc;
    lossmodel_config_default(&mc);
    mc.loss = LOSSMODEL_LOSS_GE;
    mc.loss_rate = 0.2;
    mc.burst_len = 3;
    mc.seed = seed;
    struct lossmodel m;
    assert_int_equal(lossmodel_init(&m, &mc), LOSSMODEL_OK);
    memset(out, 0, sizeof(float) * FRAMES * FRAME);
    sim_config sc;
    file_run(&sc, s, out);
    sc.fate = sim_fate_lossmodel;
    sc.fate_user = &m;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    /* the pattern helper agrees with the model the run used */
    bool *pattern = sim_loss_pattern(&mc, FRAMES);
    assert_non_null(pattern);
    uint64_t lost = 0;
    for (int k = 0; k < FRAMES; k++)
        lost += pattern[k];
    assert_int_equal(lost, r.dropped);
    free(pattern);
    return r;
}

static void test_deterministic_with_seed(void **state)
{
    (void)state;
    sim_stream s = encode(2);
    float *a = malloc(sizeof(float) * FRAMES * FRAME);
    float *b = malloc(sizeof(float) * FRAMES * FRAME);
    sim_result ra = seeded_run(&s, 7, a);
    sim_result rb = seeded_run(&s, 7, b);
    assert_true(ra.dropped > 20); /* 20 % of 300 */
    assert_int_equal(ra.dropped, rb.dropped);
    assert_int_equal(ra.stats.frames_red, rb.stats.frames_red);
    assert_int_equal(ra.stats.frames_plc, rb.stats.frames_plc);
    assert_memory_equal(a, b, sizeof(float) * FRAMES * FRAME);
    /* another seed, another pattern, another output */
    sim_result rc = seeded_run(&s, 8, b);
    assert_true(rc.dropped != ra.dropped || rc.stats.frames_red != ra.stats.frames_red ||
                memcmp(a, b, sizeof(float) * FRAMES * FRAME) != 0);
    free(a);
    free(b);
    sim_stream_free(&s);
}

/* Slot 20's packet 30 ms late: it arrives after 21's. */
static sim_fate late_20(void *user, uint64_t k)
{
    (void)user;
    sim_fate f = {.drop = false, .delay_ns = k == 20 ? 30 * MS : 0};
    return f;
}

typedef struct arrivals {
    uint64_t packets[FRAMES];
    int n;
} arrivals;

static void record_arrival(void *user, const sim_arrival *a, rx_stream *rx)
{
    arrivals *log = user;
    assert_non_null(rx);
    assert_true(a->arrival_ns >= a->sent_ns);
    log->packets[log->n++] = a->packet;
}

static void test_delay_reorders(void **state)
{
    (void)state;
    sim_stream s = encode(0);
    arrivals log = {.n = 0};
    sim_config sc;
    file_run(&sc, &s, NULL);
    sc.rx.latency_ms = 60; /* long enough to wait for it */
    sc.fate = late_20;
    sc.on_arrival = record_arrival;
    sc.hook_user = &log;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(log.n, FRAMES);
    assert_int_equal(log.packets[20], 21);
    assert_int_equal(log.packets[21], 20);
    assert_int_equal(r.stats.packets_late, 0);
    assert_int_equal(r.stats.frames_primary, FRAMES);

    /* keep_order: the late packet holds up the one behind it instead */
    log.n = 0;
    sc.keep_order = true;
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(log.packets[20], 20);
    assert_int_equal(log.packets[21], 21);
    sim_stream_free(&s);
}

static void test_endless_stream_and_trace(void **state)
{
    (void)state;
    sim_stream s = encode(0);
    /* packet k beyond the encoding: the same payload, k packets on */
    uint8_t p[AL_MAX_PACKET];
    int len = sim_stream_packet(&s, FRAMES + 5, p);
    assert_int_equal(len, s.packets[5].len);
    rtp_header h, h5;
    assert_int_equal(rtp_parse(p, (size_t)len, &h), RTP_OK);
    assert_int_equal(rtp_parse(s.packets[5].data, (size_t)len, &h5), RTP_OK);
    assert_int_equal(h.sequence, (uint16_t)(65500 + FRAMES + 5));
    assert_int_equal(h.timestamp, (uint32_t)(0xffff0000u + (FRAMES + 5) * FRAME));
    assert_memory_equal(h.payload, h5.payload, h5.payload_len);

    /* a minute on a sound card's clock, traced once a second */
    sim_config sc;
    sim_config_defaults(&sc);
    sc.stream = &s;
    sc.slots = 3000;
    sc.start_ns = 1000 * MS;
    sc.clock = SIM_CLOCK_DUE;
    sc.trace_every_ns = 1000 * MS;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.by_result[RX_PACKET_ACCEPTED], 3000);
    assert_int_equal(r.empty_due_pulls, 0);
    assert_true(r.stats.frames_total >= 2990);
    assert_int_equal(r.stats.frames_plc, 0);
    assert_true(r.trace_len >= 59 && r.trace_len <= 60);
    for (size_t i = 1; i < r.trace_len; i++)
        assert_true(r.trace[i].t_ns - r.trace[i - 1].t_ns >= 980 * MS);
    assert_true(r.trace[r.trace_len - 1].target_delay_ms > 0);
    sim_result_free(&r);
    assert_null(r.trace);
    sim_stream_free(&s);
}

static void test_bad_config(void **state)
{
    (void)state;
    sim_config sc;
    sim_config_defaults(&sc);
    sim_result r;
    char err[256] = "";
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), -1);
    assert_true(strstr(err, "stream") != NULL);
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.frame_samples = 1000; /* not an Opus frame size */
    sim_stream s;
    assert_int_equal(sim_encode(&cfg, speech.samples, 10, &s, err, sizeof err), -1);
    assert_null(s.packets);
}

/* The sender's timestamps jump 10 s at packet 150: after probation the
 * receiver reports a new stream, which the harness restarts on as the
 * receiver does (restart_on_new_source), or hands back as it was. */
static void test_restart_on_new_source(void **state)
{
    (void)state;
    sim_stream s = encode(0);
    for (int k = 150; k < FRAMES; k++) {
        uint8_t *d = s.packets[k].data;
        uint32_t ts = ((uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7]) +
                      10u * 48000u;
        d[4] = (uint8_t)(ts >> 24);
        d[5] = (uint8_t)(ts >> 16);
        d[6] = (uint8_t)(ts >> 8);
        d[7] = (uint8_t)ts;
    }
    sim_config sc;
    file_run(&sc, &s, NULL);
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    /* handed back, not restarted: the receiver keeps saying so */
    assert_true(r.by_result[RX_PACKET_NEW_SOURCE] >= 1);
    assert_int_equal(r.stats.restarts, 0);
    sc.restart_on_new_source = true;
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.by_result[RX_PACKET_NEW_SOURCE], 0);
    assert_int_equal(r.stats.restarts, 1);
    /* both streams played: all but the packets on probation (2) */
    assert_true(r.stats.frames_primary >= FRAMES - 2);
    sim_stream_free(&s);
}

/* clip.h: a synthesised tone where it was asked for, parts recorded, the
 * last partial frame padded with silence, trimming to whole frames. */
static void test_clip(void **state)
{
    (void)state;
    sim_clip c;
    assert_int_equal(sim_clip_init(&c, 1500), 0);
    sim_clip_append_sine(&c, 1000.0, 0.5, 1000);
    sim_clip_append_sine(&c, 500.0, 0.25, 1000); /* only 500 fit */
    assert_int_equal(c.len, 1500);
    assert_int_equal(c.parts, 2);
    assert_int_equal(c.part[1].start, 1000);
    assert_int_equal(c.part[1].len, 500);
    /* 1 kHz at 48 kHz: a quarter period is 12 samples */
    assert_true(fabs(c.samples[12] - 0.5) < 1e-6);
    assert_true(fabs(c.samples[1000 + 24] - 0.25) < 1e-6);
    assert_int_equal(sim_clip_frames(&c, 960), 2);
    assert_int_equal(sim_clip_pad_to_frames(&c, 960), 0);
    assert_int_equal(c.len, 1500); /* padded, not lengthened */
    for (long i = 1500; i < 1920; i++)
        assert_true(c.samples[i] == 0.0f);
    sim_clip_trim_to_frames(&c, 960);
    assert_int_equal(c.len, 960);
    assert_int_equal(c.part[0].len, 960);
    assert_int_equal(c.part[1].start, 960);
    assert_int_equal(c.part[1].len, 0);
    char err[256];
    assert_int_equal(sim_clip_append_file(&c, AL_TEST_DATA, "no-such-clip.flac", err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);
    sim_clip_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_link_is_a_direct_decode),
        cmocka_unit_test(test_known_pattern_counts),
        cmocka_unit_test(test_deterministic_with_seed),
        cmocka_unit_test(test_delay_reorders),
        cmocka_unit_test(test_endless_stream_and_trace),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_restart_on_new_source),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
