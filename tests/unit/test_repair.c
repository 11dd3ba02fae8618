/* The repair stage on its own: real Opus packets filed in a jitter buffer
 * by hand, frames pulled, each checked for where its audio came from, and
 * the concealment of a long gap for its fade to silence and back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <opus.h>

#include "common/defaults.h"
#include "proto/opus_toc.h"
#include "proto/rtp.h"
#include "receiver/jitbuf.h"
#include "receiver/repair.h"

#define FRAME   960 /* 20 ms */
#define NPACKET 40
#define BASE    48000u

static uint8_t packets[NPACKET][AL_MAX_OPUS_FRAME];
static int lens[NPACKET];
static jitbuf jb;
static repair rp;
static float pcm[AL_MAX_FRAME_SAMPLES];

/* A 300 Hz tone at -12 dBFS, coded as speech (SILK, so that every packet
 * after the first carries LBRR for the frame before it). */
static int group_setup(void **state)
{
    (void)state;
    int err;
    OpusEncoder *enc = opus_encoder_create(AL_RATE, 1, OPUS_APPLICATION_VOIP, &err);
    if (!enc)
        return -1;
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(24000));
    opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND));
    opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(20));
    float in[FRAME];
    for (int k = 0; k < NPACKET; k++) {
        for (int i = 0; i < FRAME; i++)
            in[i] = 0.25f * sinf(2.0f * (float)M_PI * 300.0f * (float)(k * FRAME + i) / AL_RATE);
        lens[k] = opus_encode_float(enc, in, FRAME, packets[k], AL_MAX_OPUS_FRAME);
        if (lens[k] <= 0)
            return -1;
    }
    opus_encoder_destroy(enc);
    return 0;
}

static void open_repair(rx_copy_decoding mode)
{
    jb_init(&jb);
    repair_init(&rp, mode);
    assert_int_equal(repair_open(&rp, 1), 0);
    repair_restart(&rp);
    rp.last_duration = FRAME;
}

static int teardown(void **state)
{
    (void)state;
    repair_close(&rp);
    return 0;
}

static void put(int k, jb_source source)
{
    enum jb_put_result r =
        jb_put(&jb, BASE + (uint32_t)(k * FRAME), packets[k], (size_t)lens[k], FRAME, source);
    assert_true(r == JB_PUT_STORED || r == JB_PUT_UPGRADED);
}

/* Pulls the frame at the head, expecting frame K from ORIGIN. */
static void pull(int k, rx_origin origin, bool speculative)
{
    rx_frame_info info;
    int n = repair_frame(&rp, &jb, pcm, &info);
    assert_int_equal(n, FRAME);
    assert_int_equal((uint32_t)info.ts, BASE + (uint32_t)(k * FRAME)); /* extended: low 32 bits */
    assert_string_equal(rx_origin_name(info.origin), rx_origin_name(origin));
    assert_int_equal(info.speculative, speculative);
}

static double energy(const float *x, int n)
{
    double e = 0;
    for (int i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

static void test_the_ladder(void **state)
{
    (void)state;
    open_repair(RX_COPY_MAIN_DECODER);
    assert_true(opus_toc_has_lbrr(packets[4], (size_t)lens[4]));
    for (int k = 0; k <= 2; k++)
        put(k, JB_SOURCE_PRIMARY);
    /* 3 lost: its LBRR comes in 4 */
    put(4, JB_SOURCE_PRIMARY);
    put(5, JB_SOURCE_PRIMARY);
    put(6, JB_SOURCE_RED); /* 6 lost, a copy of it came */
    put(7, JB_SOURCE_PRIMARY);
    for (int k = 0; k <= 2; k++)
        pull(k, RX_FRAME_PRIMARY, false);
    pull(3, RX_FRAME_FEC, false);
    pull(4, RX_FRAME_PRIMARY, false);
    pull(5, RX_FRAME_PRIMARY, false);
    pull(6, RX_FRAME_RED, false);
    pull(7, RX_FRAME_PRIMARY, false);
    /* 8: nothing held, nothing after it: concealed, maybe the end */
    pull(8, RX_FRAME_PLC, true);
    rx_stats s;
    memset(&s, 0, sizeof s);
    repair_stats(&rp, &s);
    assert_int_equal(s.frames_total, 9);
    assert_int_equal(s.frames_primary, 6);
    assert_int_equal(s.frames_fec, 1);
    assert_int_equal(s.frames_red, 1);
    assert_int_equal(s.frames_plc, 1);
    assert_int_equal(s.copies_used, 1);
    /* Trailing concealment can be un-counted, never more than there was. */
    repair_discard_trailing(&rp, 5);
    repair_stats(&rp, &s);
    assert_int_equal(s.frames_plc, 0);
    assert_int_equal(s.frames_total, 8);
}

/* Each way of decoding a copy produces the copied frame as RED. */
static void copy_decoded(rx_copy_decoding mode)
{
    open_repair(mode);
    for (int k = 0; k <= 3; k++)
        put(k, JB_SOURCE_PRIMARY);
    for (int k = 4; k <= 5; k++) {
        put(k, JB_SOURCE_RED);
        repair_copy_arrived(&rp, rtp_ts_extend(jb.head, BASE + (uint32_t)(k * FRAME)), packets[k],
                            (size_t)lens[k]);
    }
    put(6, JB_SOURCE_PRIMARY);
    for (int k = 0; k <= 3; k++)
        pull(k, RX_FRAME_PRIMARY, false);
    pull(4, RX_FRAME_RED, false);
    assert_true(energy(pcm, FRAME) > 0.01 * FRAME * 0.03);
    pull(5, RX_FRAME_RED, false);
    pull(6, RX_FRAME_PRIMARY, false);
    assert_int_equal(rp.copies_used, 2);
}

static void test_copy_in_main_decoder(void **state)
{
    (void)state;
    copy_decoded(RX_COPY_MAIN_DECODER);
}

static void test_copy_in_own_decoder(void **state)
{
    (void)state;
    copy_decoded(RX_COPY_OWN_DECODER);
    assert_non_null(rp.copy_decoder);
}

static void test_copy_from_copy_stream(void **state)
{
    (void)state;
    copy_decoded(RX_COPY_STREAM_DECODER);
    assert_non_null(rp.copy_stream);
}

/* A gap of 20 frames (400 ms): concealment is left alone for
 * REPAIR_PLC_HOLD_SAMPLES, fades over REPAIR_PLC_FADE_SAMPLES, is silent
 * after; the frame after the gap fades in over REPAIR_PLC_RESUME_SAMPLES. */
static void test_long_gap_fades_to_silence_and_back(void **state)
{
    (void)state;
    open_repair(RX_COPY_MAIN_DECODER);
    for (int k = 0; k <= 4; k++)
        put(k, JB_SOURCE_PRIMARY);
    put(25, JB_SOURCE_RED); /* a copy: no LBRR to rebuild 24 from */
    put(26, JB_SOURCE_PRIMARY);
    for (int k = 0; k <= 4; k++)
        pull(k, RX_FRAME_PRIMARY, false);
    double level = energy(pcm, FRAME);
    assert_true(level > 0.01 * FRAME * 0.03); /* the tone is there */
    for (int k = 5; k < 25; k++) {
        pull(k, RX_FRAME_PLC, false);
        int64_t run_end = (int64_t)(k - 4) * FRAME; /* concealed samples after this frame */
        if (run_end <= REPAIR_PLC_HOLD_SAMPLES)
            assert_true(energy(pcm, FRAME) > 0.01 * level); /* still the signal */
        if (run_end - FRAME >= REPAIR_PLC_HOLD_SAMPLES + REPAIR_PLC_FADE_SAMPLES)
            assert_true(energy(pcm, FRAME) == 0.0); /* silence */
    }
    /* What frame 25 decodes to without the fade: the same packet in a
     * copy of the decoder's state (an OpusDecoder is one flat block). */
    static float plain[AL_MAX_FRAME_SAMPLES];
    static _Alignas(16) uint8_t copy[65536];
    assert_true((size_t)opus_decoder_get_size(1) <= sizeof copy);
    memcpy(copy, rp.decoder, (size_t)opus_decoder_get_size(1));
    assert_int_equal(opus_decode_float((OpusDecoder *)(void *)copy, packets[25],
                                       (opus_int32)lens[25], plain, AL_MAX_FRAME_SAMPLES, 0),
                     FRAME);
    pull(25, RX_FRAME_RED, false);
    /* It rises from the gap's silence over the first RESUME samples, then
     * plays as decoded. */
    double after = energy(plain + REPAIR_PLC_RESUME_SAMPLES, FRAME - REPAIR_PLC_RESUME_SAMPLES);
    assert_true(after > 0.01 * level);
    for (int i = 0; i < FRAME; i++) {
        float g = i < REPAIR_PLC_RESUME_SAMPLES ? (float)(i + 1) / REPAIR_PLC_RESUME_SAMPLES : 1.0f;
        assert_float_equal(pcm[i], g * plain[i], 1e-6);
    }
    /* The next frame is not touched. */
    memcpy(copy, rp.decoder, (size_t)opus_decoder_get_size(1));
    assert_int_equal(opus_decode_float((OpusDecoder *)(void *)copy, packets[26],
                                       (opus_int32)lens[26], plain, AL_MAX_FRAME_SAMPLES, 0),
                     FRAME);
    pull(26, RX_FRAME_PRIMARY, false);
    assert_memory_equal(pcm, plain, sizeof(float) * FRAME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_the_ladder, teardown),
        cmocka_unit_test_teardown(test_copy_in_main_decoder, teardown),
        cmocka_unit_test_teardown(test_copy_in_own_decoder, teardown),
        cmocka_unit_test_teardown(test_copy_from_copy_stream, teardown),
        cmocka_unit_test_teardown(test_long_gap_fades_to_silence_and_back, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
