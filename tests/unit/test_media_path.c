/* The real sender and receiver media code in simulated time: frames through
 * tx_stream, packets dropped, reordered or duplicated by a script, into
 * rx_stream, with every frame counted by how it was produced. The scripted
 * runs go through the harness (sim/sim.h); the tests of what one packet
 * does to the receiver (strays, a new source, garbage) hand packets to
 * rx_stream themselves. */
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
#include "sim/sim.h"

#define MAX_PACKETS 1000
#define MS          1000000LL
/* source_gate.h (SOURCE_GATE_MIN_SEQUENTIAL): packets a timeline jump needs to be believed */
#define MIN_SEQUENTIAL_EXPECTED 3

static sim_stream stream; /* the packets of the latest encode() */
static sim_clip speech_clip;
static float *speech; /* what encode() encodes: the speech clip's samples, or others */
static long speech_len;

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (sim_clip_init(&speech_clip, 48000 * 10) != 0 ||
        sim_clip_append_file(&speech_clip, AL_TEST_DATA, "ljspeech_LJ001-0001_F.flac", err,
                             sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    speech = speech_clip.samples;
    speech_len = speech_clip.len;
    return speech_len > 48000 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_clip_free(&speech_clip);
    sim_stream_free(&stream);
    return 0;
}

/* Encodes N frames of speech with CFG into stream.packets[] (frame i from
 * speech[i * frame % (speech_len - 6000)]: a long run goes round the clip). */
static void encode(tx_config *cfg, int n)
{
    cfg->ssrc = 0x11223344;
    cfg->first_sequence = 65500; /* wraps during the test */
    cfg->first_timestamp = 0xffff0000u;
    assert_true(n <= MAX_PACKETS);
    const int fs = cfg->frame_samples;
    float *pcm = malloc(sizeof(float) * (size_t)n * (size_t)fs);
    for (int i = 0; i < n; i++)
        memcpy(pcm + (long)i * fs, speech + (long)i * fs % (speech_len - 6000),
               sizeof(float) * (size_t)fs);
    sim_stream_free(&stream);
    char err[256];
    assert_int_equal(sim_encode(cfg, pcm, n, &stream, err, sizeof err), 0);
    for (int i = 0; i < n; i++)
        assert_true(stream.packets[i].len > 12);
    free(pcm);
}

/* The RED blocks of stream.packets[K] (oldest copy first, the primary last);
 * returns how many. */
static size_t red_blocks_of(int k, red_block *blocks)
{
    rtp_header h;
    assert_int_equal(rtp_parse(stream.packets[k].data, (size_t)stream.packets[k].len, &h), RTP_OK);
    size_t count;
    assert_int_equal(red_parse(h.payload, h.payload_len, blocks, RED_MAX_BLOCKS, &count), RED_OK);
    return count;
}

typedef struct outcome {
    rx_stats stats;
    long samples;
    int64_t pause_ns; /* pauses the playout made (rx_stream_take_pause_ns) */
} outcome;

static rx_copy_decoding copy_decoding = RX_COPY_MAIN_DECODER;

static void pause_taken_once(void *user, rx_stream *rx)
{
    (void)user;
    assert_int_equal(rx_stream_take_pause_ns(rx), 0); /* the harness took it */
}

/* Delivers packets in the order ORDER (indices, -1 = nothing) one slot of
 * SLOT_SAMPLES apart in simulated time and plays out on the receiver's
 * schedule, polled at each slot, until everything held is played. */
static outcome deliver(const int *order, int n, int slot_samples, int latency_ms)
{
    sim_config sc;
    sim_config_defaults(&sc);
    sc.rx.copy_decoding = copy_decoding;
    /* repair is checked sample-exact: no clock steering here (see
     * test_playout.c for that) */
    sc.rx.adaptive_rate = false;
    sc.rx.latency_ms = latency_ms;
    sc.stream = &stream;
    sc.slots = (uint64_t)n;
    sc.order = order;
    sc.start_ns = 1000 * MS;
    sc.slot_samples = slot_samples;
    /* keep the clock running until everything is played */
    sc.tail_slots = 1000;
    sc.tail_until_idle = true;
    sc.on_end = pause_taken_once;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.by_result[RX_PACKET_DROPPED], 0);
    assert_int_equal(r.by_result[RX_PACKET_NEW_SOURCE], 0);
    outcome out = {.stats = r.stats, .samples = (long)r.samples, .pause_ns = r.pause_ns};
    return out;
}

static void identity(int *order, int n)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
}

static void test_clean_depth0(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    encode(&cfg, 200);
    int order[200];
    identity(order, 200);
    outcome o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.frames_total, 200);
    assert_int_equal(o.stats.frames_primary, 200);
    assert_int_equal(o.stats.packets_lost, 0);
    assert_int_equal(o.stats.packets_late, 0);
    assert_int_equal(o.samples, 200 * 960);
    /* no loss, depth 0: the playout delay is one frame */
    assert_true(o.stats.delay_ms <= 20.0 + 1e-9);
}

static void test_red_depth2_single_losses(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    encode(&cfg, 200);
    int order[200];
    identity(order, 200);
    int dropped = 0;
    for (int i = 10; i < 190; i += 4, dropped++)
        order[i] = -1;
    outcome o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.packets_lost, dropped);
    /* the first loss is concealed (it is what shows copies are needed);
     * every later one is rebuilt */
    assert_int_equal(o.stats.frames_red, dropped - 1);
    assert_int_equal(o.stats.frames_plc, 1);
    assert_int_equal(o.stats.frames_total, 200);
    assert_int_equal(o.stats.redundancy_depth, 2);
    assert_int_equal(o.samples, 200 * 960);
}

static void test_copies_waited_for_only_after_loss(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    encode(&cfg, 100);
    int order[100];
    identity(order, 100);
    /* a clean link: no wait for copies, the delay is the one-frame floor */
    outcome o = deliver(order, 100, 960, 0);
    assert_int_equal(o.stats.frames_primary, 100);
    assert_true(o.stats.target_delay_ms <= 20.0 + 1e-9);
    /* after one loss: the oldest copy (the default copies are of frames 1
     * and 4 back: four frames) and the margin */
    order[30] = -1;
    o = deliver(order, 100, 960, 0);
    assert_int_equal(o.stats.frames_plc, 1);
    assert_int_equal(o.stats.copy_distance, 4);
    assert_true(o.stats.target_delay_ms >= 80.0 && o.stats.target_delay_ms <= 85.0);
}

static void test_copy_stream_decoder(void **state)
{
    (void)state;
    /* the same losses rebuilt by the decoder that follows the copy stream */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    encode(&cfg, 200);
    int order[200];
    identity(order, 200);
    int dropped = 0;
    for (int i = 10; i < 190; i += 7, dropped++) {
        order[i] = -1;
        if (i % 2) {
            order[++i] = -1; /* some bursts of two: the copy comes at distance 2 */
            dropped++;
        }
    }
    copy_decoding = RX_COPY_STREAM_DECODER;
    outcome o = deliver(order, 200, 960, 0);
    copy_decoding = RX_COPY_MAIN_DECODER;
    assert_int_equal(o.stats.frames_red, dropped - 1); /* the first loss is concealed */
    assert_int_equal(o.stats.frames_plc, 1);
    assert_int_equal(o.samples, 200 * 960);
}

static void test_spread_offsets(void **state)
{
    (void)state;
    /* copies of frames 1 and 3 back: a burst of two loses nothing */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    cfg.copy_offsets[0] = 1;
    cfg.copy_offsets[1] = 3;
    encode(&cfg, 200);
    int order[200];
    identity(order, 200);
    order[10] = -1; /* a first single loss: from now on copies are waited for */
    int dropped = 1;
    for (int i = 30; i < 190; i += 10, dropped += 2)
        order[i] = order[i + 1] = -1;
    outcome o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.copy_distance, 3);
    assert_int_equal(o.stats.frames_red, dropped - 1); /* the first loss is concealed */
    assert_int_equal(o.stats.frames_plc, 1);
    /* three frames and the arrival margin */
    assert_true(o.stats.delay_ms >= 60.0 && o.stats.delay_ms <= 65.0);

    /* the same pattern with adjacent copies (1, 2) loses nothing either,
     * but a burst of three does: frame k's copies are in k+1 and k+2 */
    cfg.copy_offsets[1] = 2;
    encode(&cfg, 200);
    identity(order, 200);
    order[10] = -1;
    order[50] = order[51] = order[52] = -1;
    o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.copy_distance, 2);
    /* 10 concealed (the first loss), 50 concealed (its copies were in 51
     * and 52), 51 and 52 rebuilt from 53 */
    assert_int_equal(o.stats.frames_red, 2);
    assert_int_equal(o.stats.frames_plc, 2);
}

static void test_graded_copies(void **state)
{
    (void)state;
    /* a richer copy of frame n-1 than of frame n-3: each offset keeps its
     * own bitrate, and both still rebuild what they cover */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    cfg.copy_offsets[0] = 1;
    cfg.copy_offsets[1] = 3;
    cfg.copy_bitrates[0] = 20000;
    cfg.copy_bitrates[1] = 8000;
    encode(&cfg, 200);
    size_t near_bytes = 0, far_bytes = 0;
    for (int i = 3; i < 200; i++) {
        red_block blocks[RED_MAX_BLOCKS];
        assert_int_equal(red_blocks_of(i, blocks), 3);
        /* oldest first: 3 frames back, then 1 */
        assert_int_equal(blocks[0].ts_offset, 3 * 960);
        assert_int_equal(blocks[1].ts_offset, 960);
        far_bytes += blocks[0].len;
        near_bytes += blocks[1].len;
    }
    /* about 20 and 8 kbps: 50 and 20 bytes a frame */
    double near_kbps = near_bytes * 8.0 / (197 * 0.02) / 1000;
    double far_kbps = far_bytes * 8.0 / (197 * 0.02) / 1000;
    assert_true(near_kbps > 15 && near_kbps < 25);
    assert_true(far_kbps > 5 && far_kbps < 11);

    int order[200];
    identity(order, 200);
    order[10] = -1;             /* the first loss, concealed */
    order[40] = order[41] = -1; /* 40 from 43's far copy, 41 from 42 */
    order[80] = -1;             /* from 81 */
    outcome o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.frames_red, 3);
    assert_int_equal(o.stats.frames_plc, 1);
}

static void test_copies_from_primary_state(void **state)
{
    (void)state;
    /* the study's variant: copies coded by a byte copy of the primary
     * encoder; they must be real, decodable copies that rebuild frames */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.copy_primary_state = true;
    encode(&cfg, 200);
    red_block blocks[RED_MAX_BLOCKS];
    assert_int_equal(red_blocks_of(100, blocks), 3);
    /* 16 and 12 kbps: neither is the 32 kbps primary of its frame */
    assert_true(blocks[0].len < blocks[2].len && blocks[1].len < blocks[2].len);
    int order[200];
    identity(order, 200);
    order[10] = -1;
    order[50] = -1;
    order[90] = order[91] = -1;
    outcome o = deliver(order, 200, 960, 0);
    assert_int_equal(o.stats.frames_red, 3);
    assert_int_equal(o.stats.frames_plc, 1);
}

static void test_low_delay_full_copies(void **state)
{
    (void)state;
    /* 2.5 ms frames: the copies are the earlier primaries, byte for byte */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.frame_samples = 120;
    cfg.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    assert_int_equal(tx_copy_bitrate(&cfg, 0), cfg.bitrate);
    assert_int_equal(tx_copy_bitrate(&cfg, 1), cfg.bitrate);
    /* short frames spread their copies like long ones (1 and 4 back);
     * the figures below are for the adjacent ones */
    assert_int_equal(tx_copy_offset(&cfg, 0), 1);
    assert_int_equal(tx_copy_offset(&cfg, 1), 4);
    cfg.copy_offsets[0] = 1;
    cfg.copy_offsets[1] = 2;
    encode(&cfg, 50);
    for (int k = 2; k < 50; k++) {
        red_block now[RED_MAX_BLOCKS], before[RED_MAX_BLOCKS];
        size_t n_before = red_blocks_of(k - 1, before);
        assert_int_equal(red_blocks_of(k, now), 3);
        /* the newest copy (second to last) is the previous packet's primary */
        assert_int_equal(now[1].ts_offset, 120);
        assert_int_equal(now[1].len, before[n_before - 1].len);
        assert_memory_equal(now[1].data, before[n_before - 1].data, now[1].len);
    }
    int order[50];
    identity(order, 50);
    /* a single loss first: until loss has been seen the receiver waits only
     * for the next packet, so a burst of two as the very first loss would
     * lose its first frame */
    order[10] = -1;
    order[20] = order[21] = -1;
    outcome o = deliver(order, 50, 120, 0);
    assert_int_equal(o.stats.frames_red, 3);
    assert_int_equal(o.stats.frames_plc, 0);
    /* without loss seen the wait is the 5 ms floor; with depth 2 it grows to
     * two frames, the 2 ms arrival margin and the jitter histogram's 0.25 ms
     * resolution */
    assert_true(o.stats.delay_ms <= 7.25 + 1e-9);
}

static void test_late_packets_are_not_loss(void **state)
{
    (void)state;
    /* A delay spike: from packet 30 on everything arrives two frames later.
     * The frames due meanwhile are concealed and packet 30 comes late, but
     * nothing was lost: the receiver must not start waiting for copies
     * (they ride in later packets still). The delay grows by the spike. */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    encode(&cfg, 100);
    int order[102];
    for (int i = 0; i < 102; i++)
        order[i] = i < 30 ? i : i < 32 ? -1 : i - 2;
    outcome o = deliver(order, 102, 960, 0);
    assert_int_equal(o.stats.packets_lost, 0);
    assert_true(o.stats.packets_late >= 1);
    assert_true(o.stats.frames_plc >= 1);
    /* the spike's 40 ms, the histogram's 0.25 ms: no copies' 40 ms on top */
    assert_true(o.stats.target_delay_ms <= 41.0);
    /* the spike is bridged by concealment and then a pause (which a device
     * fills with silence): together about the spike's 40 ms */
    assert_true(o.stats.delay_jumps >= 1);
    int64_t bridged = o.pause_ns + (int64_t)o.stats.frames_plc * 20 * MS;
    assert_true(o.pause_ns > 0 && bridged >= 40 * MS && bridged <= 62 * MS);
}

static void test_red_depth2_burst_of_three(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 2;
    encode(&cfg, 100);
    int order[100];
    identity(order, 100);
    order[50] = order[51] = order[52] = -1; /* packet 53 carries copies of 51 and 52 */
    /* the first loss of the stream: no copies were waited for, and the
     * gap shows only when 53 arrives, after all three were due */
    outcome o = deliver(order, 100, 960, 0);
    assert_int_equal(o.stats.frames_red, 0);
    assert_int_equal(o.stats.frames_plc, 3);
    assert_int_equal(o.stats.frames_total, 100);
    /* the same burst after an earlier loss: test_spread_offsets */
}

static void test_inband_fec(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    cfg.application = OPUS_APPLICATION_VOIP;
    cfg.bitrate = 24000;
    cfg.fec = true;
    cfg.loss_percent = 20;
    encode(&cfg, 300);
    int order[300];
    identity(order, 300);
    int dropped = 0;
    for (int i = 20; i < 290; i += 5, dropped++)
        order[i] = -1;
    outcome o = deliver(order, 300, 960, 0);
    /* LBRR is only sent for frames the encoder judged worth it (speech, not
     * silence), so most but not every hole is rebuilt from it. */
    assert_int_equal(o.stats.frames_fec + o.stats.frames_plc, dropped);
    assert_true(o.stats.frames_fec >= (uint64_t)dropped * 6 / 10);
    assert_int_equal(o.stats.frames_red, 0);
}

static void test_reordering_and_duplicates(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    encode(&cfg, 100);
    int order[200];
    int n = 0;
    for (int i = 0; i < 100; i += 2) {
        /* pairs swapped, and every packet sent twice */
        order[n++] = i + 1;
        order[n++] = i;
    }
    int dup[200];
    int m = 0;
    for (int i = 0; i < n; i++) {
        dup[m++] = order[i];
    }
    outcome o = deliver(dup, m, 960, 40);
    assert_int_equal(o.stats.frames_primary, 100);
    assert_int_equal(o.stats.frames_plc, 0);
    assert_int_equal(o.stats.packets_lost, 0);
}

static void test_duplicates_counted(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.frame_samples = 480;
    encode(&cfg, 100);
    /* the receiver sees each packet twice, 5 ms apart (deliver spaces them a
     * frame apart, so use half-frame spacing by doubling the list) */
    int order[200];
    for (int i = 0; i < 100; i++)
        order[2 * i] = order[2 * i + 1] = i;
    outcome o = deliver(order, 200, 240, 60);
    assert_int_equal(o.stats.packets_duplicate, 100);
    assert_int_equal(o.stats.frames_primary, 100);
    assert_int_equal(o.stats.packets_lost, 0);
}

static void test_foreign_and_garbage_dropped(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    encode(&cfg, 20);
    rx_config rc;
    rx_config_defaults(&rc);
    rc.channels = 1;
    char err[128];
    rx_stream *rx = rx_stream_create(&rc, err, sizeof err);
    assert_int_equal(rx_stream_packet(rx, stream.packets[0].data, (size_t)stream.packets[0].len, 0),
                     RX_PACKET_ACCEPTED);
    /* another SSRC while ours is live */
    sim_packet p = stream.packets[1];
    p.data[8] ^= 0xff;
    assert_int_equal(rx_stream_packet(rx, p.data, (size_t)p.len, 5 * MS), RX_PACKET_DROPPED);
    /* another payload type */
    p = stream.packets[1];
    p.data[1] = (uint8_t)((p.data[1] & 0x80) | 0);
    assert_int_equal(rx_stream_packet(rx, p.data, (size_t)p.len, 6 * MS), RX_PACKET_DROPPED);
    /* not RTP at all */
    const uint8_t junk[] = "GET / HTTP/1.0\r\n";
    assert_int_equal(rx_stream_packet(rx, junk, sizeof junk, 7 * MS), RX_PACKET_DROPPED);
    /* an RTP header with a payload that is no Opus packet (code 3, 0 frames) */
    p = stream.packets[1];
    p.data[12] = 0x03;
    p.data[13] = 0x00;
    p.len = 14;
    assert_int_equal(rx_stream_packet(rx, p.data, (size_t)p.len, 8 * MS), RX_PACKET_DROPPED);
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(s.packets_foreign, 2);
    assert_int_equal(s.packets_invalid, 2);
    assert_int_equal(s.packets_received, 1);
    /* the stream goes on unharmed */
    assert_int_equal(
        rx_stream_packet(rx, stream.packets[1].data, (size_t)stream.packets[1].len, 20 * MS),
        RX_PACKET_ACCEPTED);
    /* after a silence a new SSRC takes over */
    p = stream.packets[2];
    p.data[8] ^= 0xff;
    assert_int_equal(rx_stream_packet(rx, p.data, (size_t)p.len, 600 * MS), RX_PACKET_NEW_SOURCE);
    rx_stream_restart(rx);
    assert_int_equal(rx_stream_packet(rx, p.data, (size_t)p.len, 600 * MS), RX_PACKET_ACCEPTED);
    rx_stream_destroy(rx);
}

static void test_first_packet_off_grid(void **state)
{
    (void)state;
    /* GStreamer's opusenc: the first packet's timestamp is 312 samples
     * (the pre-skip) before the grid of all that follow. The stream starts
     * over on the second packet instead of refusing the rest. */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    encode(&cfg, 50);
    for (int i = 0; i < 50; i++) {
        uint32_t ts = 100000u + (i == 0 ? 0u : 648u + (uint32_t)(i - 1) * 960u);
        stream.packets[i].data[4] = (uint8_t)(ts >> 24);
        stream.packets[i].data[5] = (uint8_t)(ts >> 16);
        stream.packets[i].data[6] = (uint8_t)(ts >> 8);
        stream.packets[i].data[7] = (uint8_t)ts;
    }
    rx_config rc;
    rx_config_defaults(&rc);
    rc.channels = 1;
    rc.adaptive_rate = false;
    char err[128];
    rx_stream *rx = rx_stream_create(&rc, err, sizeof err);
    static float pcm[5760];
    rx_frame_info info;
    int restarts = 0;
    int64_t t = 0;
    for (int i = 0; i < 50; i++, t += 20 * MS) {
        while (rx_stream_pull(rx, t, false, pcm, &info) > 0)
            ;
        enum rx_packet_result r =
            rx_stream_packet(rx, stream.packets[i].data, (size_t)stream.packets[i].len, t);
        if (r == RX_PACKET_NEW_SOURCE) {
            while (rx_stream_pull(rx, t, true, pcm, &info) > 0)
                ;
            rx_stream_restart(rx);
            restarts++;
            r = rx_stream_packet(rx, stream.packets[i].data, (size_t)stream.packets[i].len, t);
        }
        assert_int_equal(r, RX_PACKET_ACCEPTED);
    }
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(restarts, 1);
    assert_int_equal(s.packets_invalid, 0);
    assert_int_equal(s.packets_received, 50);
    rx_stream_destroy(rx);
}

static void set_ts(sim_packet *p, uint32_t ts)
{
    p->data[4] = (uint8_t)(ts >> 24);
    p->data[5] = (uint8_t)(ts >> 16);
    p->data[6] = (uint8_t)(ts >> 8);
    p->data[7] = (uint8_t)ts;
}

static uint32_t get_ts(const sim_packet *p)
{
    return (uint32_t)p->data[4] << 24 | (uint32_t)p->data[5] << 16 | (uint32_t)p->data[6] << 8 |
           p->data[7];
}

typedef struct timeline_outcome {
    rx_stats stats;
    int new_sources; /* RX_PACKET_NEW_SOURCE seen (each followed by a restart) */
} timeline_outcome;

/* Plays stream.packets[0..N) 20 ms apart, with STRAYS packets of our SSRC before
 * each from packet STRAYS_FROM on (a legitimate payload, random sequence
 * number and timestamp),
 * restarting on RX_PACKET_NEW_SOURCE as the receiver does. */
static timeline_outcome play_timeline(int n, int strays, int strays_from)
{
    rx_config rc;
    rx_config_defaults(&rc);
    rc.channels = 1;
    rc.adaptive_rate = false;
    char err[128];
    rx_stream *rx = rx_stream_create(&rc, err, sizeof err);
    assert_non_null(rx);
    static float pcm[5760];
    rx_frame_info info;
    timeline_outcome out = {0};
    uint32_t rng = 12345;
    int64_t t = 0;
    for (int i = 0; i < n; i++, t += 20 * MS) {
        for (int j = 0; i >= strays_from && j < strays; j++) {
            sim_packet p = stream.packets[(i + j) % n];
            rng = rng * 1664525u + 1013904223u;
            p.data[2] = (uint8_t)(rng >> 24);
            p.data[3] = (uint8_t)(rng >> 16);
            rng = rng * 1664525u + 1013904223u;
            set_ts(&p, rng);
            enum rx_packet_result r = rx_stream_packet(rx, p.data, (size_t)p.len, t);
            assert_int_not_equal(r, RX_PACKET_NEW_SOURCE);
        }
        while (rx_stream_pull(rx, t, false, pcm, &info) > 0)
            ;
        enum rx_packet_result r =
            rx_stream_packet(rx, stream.packets[i].data, (size_t)stream.packets[i].len, t);
        if (r == RX_PACKET_NEW_SOURCE) {
            while (rx_stream_pull(rx, t, true, pcm, &info) > 0)
                ;
            rx_stream_restart(rx);
            out.new_sources++;
            r = rx_stream_packet(rx, stream.packets[i].data, (size_t)stream.packets[i].len, t);
        }
        assert_int_not_equal(r, RX_PACKET_NEW_SOURCE);
    }
    for (int guard = 0; guard < 100 && rx_stream_has_pending(rx); guard++, t += 20 * MS)
        while (rx_stream_pull(rx, t, false, pcm, &info) > 0)
            ;
    out.stats = rx_stream_stats(rx);
    rx_stream_destroy(rx);
    return out;
}

/* The sender's timestamps jump by SHIFT ticks at packet 50 of 100 (its
 * sequence numbers run on): the stream starts over after probation, and
 * only the frames of the packets on probation may be concealed. */
static void timeline_jump(int32_t shift)
{
    tx_config cfg;
    tx_config_defaults(&cfg);
    encode(&cfg, 100);
    for (int i = 50; i < 100; i++)
        set_ts(&stream.packets[i], get_ts(&stream.packets[i]) + (uint32_t)shift);
    timeline_outcome o = play_timeline(100, 0, 0);
    printf("jump %+d ticks: %llu frames, %llu primary, %llu red, %llu concealed, %llu late, "
           "%llu invalid, %llu restarts\n",
           (int)shift, (unsigned long long)o.stats.frames_total,
           (unsigned long long)o.stats.frames_primary, (unsigned long long)o.stats.frames_red,
           (unsigned long long)o.stats.frames_plc, (unsigned long long)o.stats.packets_late,
           (unsigned long long)o.stats.packets_invalid, (unsigned long long)o.stats.restarts);
    assert_int_equal(o.new_sources, 1);
    assert_int_equal(o.stats.restarts, 1);
    assert_int_equal(o.stats.packets_late, 0);
    /* the two packets on probation are dropped; at most their frames are
     * concealed (copies rebuild what they reach), nothing else */
    assert_int_equal(o.stats.packets_invalid, MIN_SEQUENTIAL_EXPECTED - 1);
    assert_true(o.stats.frames_plc <= MIN_SEQUENTIAL_EXPECTED - 1);
    assert_true(o.stats.frames_primary >= 100 - (MIN_SEQUENTIAL_EXPECTED - 1));
}

/* Issue: a -10 s jump lost 10 s of audio as "late"; -0.2 s concealed 11
 * frames. Forward jumps restart too, now after the same probation. */
static void test_backward_jump_10s(void **state)
{
    (void)state;
    timeline_jump(-10 * 48000);
}

static void test_backward_jump_200ms(void **state)
{
    (void)state;
    timeline_jump(-9600);
}

static void test_forward_jump_10s(void **state)
{
    (void)state;
    timeline_jump(10 * 48000);
}

/* Issue: packets of our SSRC with a valid TOC and random sequence numbers
 * and timestamps restarted the stream (16.7 s became 481.9 s). Now ten of
 * them around each real packet are dropped and counted, and the stream
 * plays on undisturbed. */
static void test_stray_packets_ignored(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    encode(&cfg, 100);
    timeline_outcome o = play_timeline(100, 10, MIN_SEQUENTIAL_EXPECTED);
    printf("strays: %llu frames, %llu primary, %llu concealed, %llu invalid, %llu late, "
           "%llu restarts\n",
           (unsigned long long)o.stats.frames_total, (unsigned long long)o.stats.frames_primary,
           (unsigned long long)o.stats.frames_plc, (unsigned long long)o.stats.packets_invalid,
           (unsigned long long)o.stats.packets_late, (unsigned long long)o.stats.restarts);
    assert_int_equal(o.new_sources, 0);
    assert_int_equal(o.stats.restarts, 0);
    assert_int_equal(o.stats.frames_primary, 100);
    assert_int_equal(o.stats.frames_total, 100);
    assert_int_equal(o.stats.packets_received, 100);
    /* a stray can land in the window by chance (sequence number near ours,
     * timestamp on the grid near the head): late or duplicate then */
    assert_true(o.stats.packets_invalid + o.stats.packets_late + o.stats.packets_duplicate ==
                97 * 10);
    assert_true(o.stats.packets_invalid >= 97 * 10 - 5);
}

/* The output in order of play, into a buffer of CAP samples. */
typedef struct sequence {
    float *out;
    long written, cap;
} sequence;

static void append_frame(void *user, const float *pcm, int samples, const rx_frame_info *info,
                         int64_t now_ns)
{
    sequence *q = user;
    assert_true(q->written + samples <= q->cap);
    memcpy(q->out + q->written, pcm, sizeof(float) * (size_t)samples);
    q->written += samples;
}

typedef struct lost_frames {
    const int *frames;
    int n;
} lost_frames;

static bool is_lost(const lost_frames *l, int i)
{
    bool missing = false;
    for (int j = 0; j < l->n; j++)
        missing = missing || l->frames[j] == i;
    return missing;
}

static sim_fate lose_listed(void *user, uint64_t k)
{
    sim_fate f = {.drop = is_lost(user, (int)k), .delay_ns = 0};
    return f;
}

/* Plays stream.packets[0..N) one frame apart with the frames in LOST[0..NLOST)
 * missing (no redundancy, no LBRR: every missing frame is concealed) and
 * writes the output into OUT (N * 960 samples); REF gets what a plain Opus
 * decoder makes of the same packets, concealing every missing frame. */
static void play_with_gaps(int n, const int *lost, int nlost, float *out, float *ref)
{
    lost_frames l = {lost, nlost};
    int status;
    OpusDecoder *dec = opus_decoder_create(48000, 1, &status);
    assert_non_null(dec);
    for (int i = 0; i < n; i++) {
        if (is_lost(&l, i)) {
            assert_int_equal(opus_decode_float(dec, NULL, 0, ref + (long)i * 960, 960, 0), 960);
            continue;
        }
        assert_int_equal(opus_decode_float(dec, stream.packets[i].data + 12,
                                           stream.packets[i].len - 12, ref + (long)i * 960, 960, 0),
                         960);
    }
    opus_decoder_destroy(dec);

    sequence q = {out, 0, (long)n * 960};
    sim_config sc;
    sim_config_defaults(&sc);
    sc.rx.adaptive_rate = false;
    sc.stream = &stream;
    sc.slots = (uint64_t)n;
    sc.fate = lose_listed;
    sc.fate_user = &l;
    sc.tail_slots = 100;
    sc.tail_until_idle = true;
    sc.on_frame = append_frame;
    sc.hook_user = &q;
    sim_result r;
    char err[256];
    assert_int_equal(sim_run(&sc, &r, err, sizeof err), 0);
    assert_int_equal(r.by_result[RX_PACKET_ACCEPTED], n - nlost);
    assert_int_equal(q.written, (long)n * 960);
}

static double rms_db(const float *x, long n)
{
    double e = 0;
    for (long i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return 10.0 * log10(e / (double)n + 1e-20);
}

static void encode_plain(int n)
{
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    cfg.fec = false;
    encode(&cfg, n);
}

/* Issue: a 10 s outage came out as 10 s of concealment murmur. Now the
 * concealment is left alone for 60 ms, fades out over 100 ms and is
 * silent after; the frames after the gap are the decoder's own, the first
 * faded in over 5 ms. */
/* The same from the second packet on, before the timeline is established:
 * only a packet right after the newest may move a young timeline. */
static void test_stray_packets_young_stream(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    encode(&cfg, 100);
    timeline_outcome o = play_timeline(100, 50, 1);
    assert_int_equal(o.new_sources, 0);
    assert_int_equal(o.stats.restarts, 0);
    assert_int_equal(o.stats.frames_primary, 100);
    assert_int_equal(o.stats.frames_total, 100);
}

static void test_long_gap_fades_to_silence(void **state)
{
    (void)state;
    enum { N = 600, FIRST = 50, GAP = 500 };
    /* music, as in the issue: its concealment murmurs on far louder than
     * speech's */
    char err[256];
    sim_clip music;
    assert_int_equal(sim_clip_init(&music, 48000 * 10), 0);
    assert_int_equal(sim_clip_append_file(&music, AL_TEST_DATA,
                                          "music_brahms_hungarian_dance5_excerpt.flac", err,
                                          sizeof err),
                     0);
    assert_true(music.len > 48000 * 2);
    speech = music.samples;
    speech_len = music.len;
    encode_plain(N);
    speech = speech_clip.samples;
    speech_len = speech_clip.len;
    sim_clip_free(&music);
    static int lost[GAP];
    for (int i = 0; i < GAP; i++)
        lost[i] = FIRST + i;
    float *out = calloc((size_t)N * 960, sizeof(float));
    float *ref = calloc((size_t)N * 960, sizeof(float));
    play_with_gaps(N, lost, GAP, out, ref);
    long gap_start = FIRST * 960L, gap_end = (FIRST + GAP) * 960L;
    long silent_from = gap_start + 2880 + 4800;
    printf("10 s gap: plain concealment %.1f dB in its last second, ours %.1f dB\n",
           rms_db(ref + gap_end - 48000, 48000), rms_db(out + gap_end - 48000, 48000));
    assert_true(rms_db(ref + gap_end - 48000, 48000) > -60.0); /* the murmur was there */
    /* before the gap and its first 60 ms: untouched */
    for (long k = 0; k < gap_start + 2880; k++)
        assert_true(out[k] == ref[k]);
    /* the fade only ever lowers the level */
    for (long k = gap_start + 2880; k < silent_from; k++)
        assert_true(fabsf(out[k]) <= fabsf(ref[k]));
    /* silent from 160 ms into the gap to its end */
    for (long k = silent_from; k < gap_end; k++)
        assert_true(out[k] == 0.0f);
    /* the first frame after it fades in, the rest is the decoder's own */
    for (long k = gap_end; k < gap_end + 240; k++)
        assert_true(fabsf(out[k]) <= fabsf(ref[k]));
    for (long k = gap_end + 240; k < (long)N * 960; k++)
        assert_true(out[k] == ref[k]);
    free(out);
    free(ref);
}

/* Single losses and bursts of two and three frames are concealed exactly
 * as Opus conceals them: the fade never reaches them. */
static void test_short_gaps_unaffected(void **state)
{
    (void)state;
    enum { N = 400 };
    encode_plain(N);
    const int lost[] = {100, 200, 201, 300, 301, 302};
    float *out = calloc((size_t)N * 960, sizeof(float));
    float *ref = calloc((size_t)N * 960, sizeof(float));
    play_with_gaps(N, lost, (int)(sizeof lost / sizeof lost[0]), out, ref);
    for (long k = 0; k < (long)N * 960; k++)
        assert_true(out[k] == ref[k]);
    free(out);
    free(ref);
}

static void test_speculative_tail(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.redundancy = 0;
    encode(&cfg, 10);
    rx_config rc;
    rx_config_defaults(&rc);
    rc.channels = 1;
    char err[128];
    rx_stream *rx = rx_stream_create(&rc, err, sizeof err);
    static float pcm[5760];
    rx_frame_info info;
    int64_t t = 0;
    for (int i = 0; i < 10; i++, t += 20 * MS) {
        while (rx_stream_pull(rx, t, false, pcm, &info) > 0)
            ;
        rx_stream_packet(rx, stream.packets[i].data, (size_t)stream.packets[i].len, t);
    }
    /* the stream stops: frames after the last one are concealed, marked as
     * speculative, and can be taken back */
    int speculative = 0;
    for (int i = 0; i < 10; i++, t += 20 * MS)
        while (rx_stream_pull(rx, t, false, pcm, &info) > 0)
            if (info.origin == RX_FRAME_PLC) {
                assert_true(info.speculative);
                speculative++;
            }
    assert_true(speculative >= 8);
    rx_stream_discard_trailing(rx, (uint64_t)speculative);
    rx_stats s = rx_stream_stats(rx);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.frames_total, 10);
    rx_stream_destroy(rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_depth0),
        cmocka_unit_test(test_red_depth2_single_losses),
        cmocka_unit_test(test_copies_waited_for_only_after_loss),
        cmocka_unit_test(test_late_packets_are_not_loss),
        cmocka_unit_test(test_red_depth2_burst_of_three),
        cmocka_unit_test(test_copy_stream_decoder),
        cmocka_unit_test(test_low_delay_full_copies),
        cmocka_unit_test(test_spread_offsets),
        cmocka_unit_test(test_graded_copies),
        cmocka_unit_test(test_copies_from_primary_state),
        cmocka_unit_test(test_inband_fec),
        cmocka_unit_test(test_reordering_and_duplicates),
        cmocka_unit_test(test_duplicates_counted),
        cmocka_unit_test(test_foreign_and_garbage_dropped),
        cmocka_unit_test(test_first_packet_off_grid),
        cmocka_unit_test(test_speculative_tail),
        cmocka_unit_test(test_backward_jump_10s),
        cmocka_unit_test(test_backward_jump_200ms),
        cmocka_unit_test(test_forward_jump_10s),
        cmocka_unit_test(test_stray_packets_ignored),
        cmocka_unit_test(test_stray_packets_young_stream),
        cmocka_unit_test(test_long_gap_fades_to_silence),
        cmocka_unit_test(test_short_gaps_unaffected),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
