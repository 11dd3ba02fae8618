/* Late packets and lost starts in simulated time, through the real sender
 * and receiver media code:
 * - a file output waits for late packets: a burst 300 ms late loses
 *   nothing and the output keeps its exact length;
 * - a live output grows its delay at a spike of 400 ms and brings it back
 *   within seconds, playing only quiet frames faster (speech is never
 *   played at more than +-0.5 %, so no sample discontinuity is added);
 * - a stream whose first packets are lost starts at its first frame, from
 *   the copies a later packet carries or from the start the control
 *   channel announced (RTP-Info). */
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
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"

#define MS         1000000LL
#define FRAME      960 /* 20 ms */
#define FRAME_NS   (20 * MS)
#define CLIP       450 /* frames of speech encoded: 9 s */
#define FIRST_SEQ  65000
#define FIRST_TS   0xfffff000u
#define MAX_SAMPLE 5760
#define OPUS_DELAY 312

typedef struct packet {
    uint8_t data[1200];
    int len;
} packet;

static packet packets[CLIP];
static double level_db[CLIP]; /* each source frame's level */
static double peak_db;        /* the clip's loudest frame */
static float *speech;

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    soundfile_reader *r =
        soundfile_reader_open(AL_TEST_DATA "/ljspeech_LJ001-0001_F.flac", 1, err, sizeof err);
    if (!r)
        return -1;
    speech = calloc((size_t)FRAME * CLIP, sizeof(float));
    long got = soundfile_reader_read(r, speech, (long)FRAME * CLIP);
    soundfile_reader_close(r);
    if (got < (long)FRAME * CLIP)
        return -1;
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
    free(speech);
    return 0;
}

/* Encodes the clip with REDUNDANCY copies per packet. */
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
    tx_stream *tx = tx_stream_create(&cfg, err, sizeof err);
    assert_non_null(tx);
    for (int i = 0; i < CLIP; i++) {
        packets[i].len =
            tx_stream_encode(tx, speech + (long)i * FRAME, packets[i].data, sizeof packets[i].data);
        assert_true(packets[i].len > 12);
    }
    tx_stream_destroy(tx);
}

/* Packet K of an endless stream: the clip's packet K % CLIP with sequence
 * number and timestamp moved on (a packet carries copies' offsets relative
 * to its own timestamp, so they stay right). */
static void packet_k(uint64_t k, uint8_t *out, int *len)
{
    const packet *p = &packets[k % CLIP];
    memcpy(out, p->data, (size_t)p->len);
    *len = p->len;
    uint16_t seq = (uint16_t)(FIRST_SEQ + k);
    uint32_t ts = (uint32_t)(FIRST_TS + k * FRAME);
    out[2] = (uint8_t)(seq >> 8);
    out[3] = (uint8_t)seq;
    out[4] = (uint8_t)(ts >> 24);
    out[5] = (uint8_t)(ts >> 16);
    out[6] = (uint8_t)(ts >> 8);
    out[7] = (uint8_t)ts;
}

static rx_stream *file_receiver(void)
{
    rx_config cfg;
    rx_config_defaults(&cfg);
    cfg.channels = 1;
    cfg.adaptive_rate = false; /* as receiver/rx_options.c sets up a file */
    cfg.late_hold_ns = RX_FILE_LATE_HOLD_NS;
    char err[128];
    rx_stream *rx = rx_stream_create(&cfg, err, sizeof err);
    assert_non_null(rx);
    return rx;
}

typedef struct played {
    long samples;
    int frames;
    int64_t first_ts, last_ts;
    rx_origin first_origin;
} played;

static void take(played *p, int samples, const rx_frame_info *info)
{
    if (p->frames == 0) {
        p->first_ts = info->ts;
        p->first_origin = info->origin;
    }
    p->last_ts = info->ts;
    p->frames++;
    p->samples += samples;
}

/* Sends packets 0..N-1 one frame apart, the ones in [LATE_FROM, LATE_TO)
 * LATE_NS late (the link keeps their order: the packets behind them queue
 * up), none of those before SKIP; plays as receiver/rx_output.c does for a file:
 * what is due before each arrival, then everything held at the end. */
static played run_file(rx_stream *rx, int n, int skip, int late_from, int late_to, int64_t late_ns)
{
    static float pcm[MAX_SAMPLE];
    rx_frame_info info;
    played p = {0};
    int64_t last = 0;
    uint8_t buf[1200];
    int len;
    for (int k = skip; k < n; k++) {
        int64_t t = 1000 * MS + (int64_t)k * FRAME_NS;
        if (k >= late_from && k < late_to)
            t += late_ns;
        if (t < last)
            t = last;
        last = t;
        int s;
        while (rx_stream_next_due(rx) <= t && (s = rx_stream_pull(rx, t, false, pcm, &info)) > 0)
            take(&p, s, &info);
        packet_k((uint64_t)k, buf, &len);
        assert_int_equal(rx_stream_packet(rx, buf, (size_t)len, t), RX_PACKET_ACCEPTED);
    }
    /* the stream's end (TEARDOWN): drain */
    int s;
    while ((s = rx_stream_pull(rx, last, true, pcm, &info)) > 0)
        take(&p, s, &info);
    return p;
}

static void test_file_waits_for_late_burst(void **state)
{
    (void)state;
    encode(2);
    /* 15 packets (300 ms) held up 300 ms, as a stalled machine or link does */
    rx_stream *rx = file_receiver();
    played p = run_file(rx, 300, 0, 100, 115, 300 * MS);
    rx_stats s = rx_stream_stats(rx);
    printf("file, burst 300 ms late: %llu late, %llu concealed, %ld samples\n",
           (unsigned long long)s.packets_late, (unsigned long long)s.frames_plc, p.samples);
    assert_int_equal(s.packets_late, 0);
    assert_int_equal(s.packets_lost, 0);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.frames_primary, 300);
    assert_int_equal(p.samples, 300L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 299L * FRAME);
    rx_stream_destroy(rx);

    /* the same burst decided at its due time (a live output) is concealed:
     * the case above is not trivially passing */
    rx_config cfg;
    rx_config_defaults(&cfg);
    cfg.channels = 1;
    cfg.adaptive_rate = false;
    char err[128];
    rx = rx_stream_create(&cfg, err, sizeof err);
    p = run_file(rx, 300, 0, 100, 115, 300 * MS);
    s = rx_stream_stats(rx);
    assert_true(s.packets_late > 0 && s.frames_plc > 0);
    rx_stream_destroy(rx);

    /* later than the hold: concealed, and still the exact length */
    rx = file_receiver();
    p = run_file(rx, 300, 0, 100, 102, 700 * MS);
    s = rx_stream_stats(rx);
    assert_true(s.packets_late >= 1);
    assert_int_equal(p.samples, 300L * FRAME);
    rx_stream_destroy(rx);
}

static void test_first_packets_lost_copies(void **state)
{
    (void)state;
    encode(2);
    rx_stream *rx = file_receiver();
    /* packets 0 and 1 lost; packet 2 carries copies of frames 0 and 1 */
    played p = run_file(rx, 100, 2, 0, 0, 0);
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(p.samples, 100L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 99L * FRAME);
    assert_int_equal(p.first_origin, RX_FRAME_RED);
    assert_int_equal(s.frames_red, 2);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.packets_lost, 2);
    rx_stream_destroy(rx);
}

static void test_first_packets_lost_announced_start(void **state)
{
    (void)state;
    encode(0);
    /* no copies: only the control channel's RTP-Info tells where the
     * stream starts; the two frames are concealed */
    rx_stream *rx = file_receiver();
    rx_stream_set_start(rx, FIRST_SEQ, FIRST_TS);
    played p = run_file(rx, 100, 2, 0, 0, 0);
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(p.samples, 100L * FRAME);
    assert_int_equal(p.last_ts - p.first_ts, 99L * FRAME);
    assert_int_equal(p.first_origin, RX_FRAME_PLC);
    assert_int_equal(s.frames_plc, 2);
    assert_int_equal(s.packets_lost, 2);
    rx_stream_destroy(rx);

    /* without it the stream starts at the first packet that came */
    rx = file_receiver();
    p = run_file(rx, 100, 2, 0, 0, 0);
    assert_int_equal(p.samples, 98L * FRAME);
    rx_stream_destroy(rx);

    /* an announcement far from the packets is not believed */
    rx = file_receiver();
    rx_stream_set_start(rx, FIRST_SEQ, FIRST_TS - 10 * 48000);
    p = run_file(rx, 100, 2, 0, 0, 0);
    assert_int_equal(p.samples, 98L * FRAME);
    rx_stream_destroy(rx);
}

/* Live: 60 s of packets, those sent in [20 s, 21 s) SPIKE_NS late (the
 * packets behind them queue up, as on a link that stalls), played on the
 * receiver's schedule. Prints the delay once a second. */
#define SPIKE_AT_S    20
#define SPIKE_NS      (400 * MS)
#define RETURN_S      6 /* N: the delay is back within this after the spike's end */
#define RUN_S         60
#define DELAY_SLOP_MS 3.0

static void test_live_spike_returns(void **state)
{
    (void)state;
    encode(0);
    rx_config cfg;
    rx_config_defaults(&cfg);
    cfg.channels = 1;
    char err[128];
    rx_stream *rx = rx_stream_create(&cfg, err, sizeof err);
    assert_non_null(rx);
    static float pcm[MAX_SAMPLE];
    rx_frame_info info;
    uint8_t buf[1200];
    int len;
    const int64_t t0 = 1000 * MS;
    int64_t last = 0, next_print = t0 + 1000 * MS;
    double before = 0; /* the delay just before the spike */
    double delay_at[RUN_S + 1] = {0}, target_at[RUN_S + 1] = {0};
    uint64_t jumps_after = 0, plc_after = 0, fast_speech = 0, speech_frames = 0;
    const uint64_t n = (uint64_t)RUN_S * 50;
    for (uint64_t k = 0; k < n; k++) {
        int64_t sent = t0 + (int64_t)k * FRAME_NS;
        int64_t t = sent;
        if (sent >= t0 + SPIKE_AT_S * 1000 * MS && sent < t0 + (SPIKE_AT_S + 1) * 1000 * MS)
            t += SPIKE_NS;
        if (t < last)
            t = last;
        last = t;
        while (rx_stream_next_due(rx) <= t) {
            int64_t due = rx_stream_next_due(rx);
            assert_true(rx_stream_pull(rx, due, false, pcm, &info) > 0);
            /* the source frame this one decodes (the clip loops) */
            uint64_t frame = (uint64_t)(info.ts - (((int64_t)1 << 32) + FIRST_TS)) / FRAME;
            if (level_db[frame % CLIP] > peak_db - 25) {
                speech_frames++;
                if (fabs(info.rate - 1.0) > 0.005 + 1e-9)
                    fast_speech++;
            }
        }
        packet_k(k, buf, &len);
        assert_int_equal(rx_stream_packet(rx, buf, (size_t)len, t), RX_PACKET_ACCEPTED);
        rx_stats s = rx_stream_stats(rx);
        if (t >= next_print) {
            int sec = (int)((t - t0) / (1000 * MS));
            if (sec <= RUN_S)
                delay_at[sec] = s.delay_ms, target_at[sec] = s.target_delay_ms;
            if (sec == SPIKE_AT_S - 1)
                before = s.delay_ms;
            next_print += 1000 * MS;
        }
        if (t > t0 + (SPIKE_AT_S + 2) * 1000 * MS) {
            if (jumps_after == 0)
                jumps_after = s.delay_jumps, plc_after = s.frames_plc;
        }
    }
    rx_stats s = rx_stream_stats(rx);
    printf("live spike %lld ms:", (long long)(SPIKE_NS / MS));
    for (int i = SPIKE_AT_S - 2; i <= SPIKE_AT_S + 12; i++)
        printf(" %d s %.1f/%.1f", i, delay_at[i], target_at[i]);
    printf("\n  %llu late, %llu concealed, %llu pauses, %llu quiet frames played faster, "
           "%llu of %llu speech frames off 1 by more than 0.5 %%\n",
           (unsigned long long)s.packets_late, (unsigned long long)s.frames_plc,
           (unsigned long long)s.delay_jumps, (unsigned long long)s.frames_quickened,
           (unsigned long long)fast_speech, (unsigned long long)speech_frames);
    /* the delay grew at once (it held the late packets' frames) ... */
    assert_true(delay_at[SPIKE_AT_S + 1] > before + 200);
    /* ... and is back within N s of the spike's end, and stays */
    for (int i = SPIKE_AT_S + 1 + RETURN_S; i <= RUN_S - 1; i++)
        assert_true(delay_at[i] <= before + DELAY_SLOP_MS);
    /* no pause and no concealment once the spike is over */
    assert_int_equal(s.delay_jumps, jumps_after);
    assert_int_equal(s.frames_plc, plc_after);
    /* speech was never played faster than the ordinary steering */
    assert_int_equal(fast_speech, 0);
    assert_true(speech_frames > 1000);
    rx_stream_destroy(rx);
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
