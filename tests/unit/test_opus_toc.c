/* proto/opus_toc: the duration of every TOC configuration and frame-count
 * code (RFC 6716 3.1, 3.2), code 3 packets with padding and VBR lengths,
 * why a packet is refused (truncated, malformed, over 120 ms, too large),
 * agreement with libopus on what is valid, and the LBRR flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <opus.h>

#include "common/defaults.h"
#include "proto/opus_toc.h"

/* A TOC byte: configuration (0..31), stereo flag, frame-count code (0..3). */
static uint8_t toc(int config, int stereo, int code)
{
    return (uint8_t)(config << 3 | stereo << 2 | code);
}

/* Samples of one frame of CONFIG at 48 kHz (RFC 6716 table 2). */
static int config_frame_samples(int config)
{
    static const int silk[] = {480, 960, 1920, 2880}; /* 10, 20, 40, 60 ms */
    static const int hybrid[] = {480, 960};           /* 10, 20 ms */
    static const int celt[] = {120, 240, 480, 960};   /* 2.5, 5, 10, 20 ms */
    if (config < 12)
        return silk[config % 4];
    if (config < 16)
        return hybrid[config % 2];
    return celt[config % 4];
}

static int samples_of(const uint8_t *p, size_t n)
{
    /* An exact-size heap copy, so that ASan sees any read past N. */
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    int s = opus_toc_samples(copy, n);
    free(copy);
    return s;
}

static void test_every_config_code0(void **state)
{
    (void)state;
    for (int config = 0; config < 32; config++) {
        for (int stereo = 0; stereo < 2; stereo++) {
            uint8_t p[4] = {toc(config, stereo, 0), 1, 2, 3};
            assert_int_equal(samples_of(p, sizeof p), config_frame_samples(config));
            /* A TOC alone is a frame of 0 bytes (DTX): still its duration. */
            assert_int_equal(samples_of(p, 1), config_frame_samples(config));
        }
    }
}

static void test_code1_and_code2(void **state)
{
    (void)state;
    for (int config = 0; config < 32; config++) {
        /* Code 1: two frames of equal size. */
        uint8_t c1[7] = {toc(config, 0, 1), 1, 2, 3, 4, 5, 6};
        assert_int_equal(samples_of(c1, 7), 2 * config_frame_samples(config));
        assert_int_equal(samples_of(c1, 1), 2 * config_frame_samples(config)); /* two empty */
        assert_int_equal(samples_of(c1, 6), OPUS_TOC_ERR_MALFORMED);           /* 5 bytes */
        /* Code 2: the first frame's length, then both frames. */
        uint8_t c2[6] = {toc(config, 1, 2), 3, 1, 2, 3, 9};
        assert_int_equal(samples_of(c2, 6), 2 * config_frame_samples(config));
        assert_int_equal(samples_of(c2, 5), 2 * config_frame_samples(config)); /* 2nd empty */
        assert_int_equal(samples_of(c2, 4), OPUS_TOC_ERR_TRUNCATED);           /* 1st cut short */
        assert_int_equal(samples_of(c2, 1), OPUS_TOC_ERR_TRUNCATED);           /* no length byte */
    }
    /* A two-byte length (first byte 252..255): 252 + 4 * 1 = 256 bytes. */
    static uint8_t two[2 + 1 + 256 + 10];
    two[0] = toc(1, 0, 2);
    two[1] = 252;
    two[2] = 1;
    assert_int_equal(samples_of(two, sizeof two), 2 * 960);
    assert_int_equal(samples_of(two, 2), OPUS_TOC_ERR_TRUNCATED); /* second byte missing */
    assert_int_equal(samples_of(two, 3 + 255), OPUS_TOC_ERR_TRUNCATED);
    assert_int_equal(samples_of(two, 3 + 256), 2 * 960);
}

static void test_code3_cbr_vbr_padding(void **state)
{
    (void)state;
    /* CBR: M frames share the bytes equally. CELT 20 ms (config 31). */
    uint8_t cbr[2 + 3 * 4] = {toc(31, 0, 3), 3};
    assert_int_equal(samples_of(cbr, sizeof cbr), 3 * 960);
    assert_int_equal(samples_of(cbr, sizeof cbr - 1), OPUS_TOC_ERR_MALFORMED); /* 11 / 3 */
    /* Count 0 is not a packet. */
    uint8_t zero[3] = {toc(31, 0, 3), 0, 0};
    assert_int_equal(samples_of(zero, sizeof zero), OPUS_TOC_ERR_MALFORMED);
    /* No count byte. */
    assert_int_equal(samples_of(cbr, 1), OPUS_TOC_ERR_TRUNCATED);

    /* VBR (0x80): M - 1 lengths, the last frame takes the rest. */
    uint8_t vbr[] = {toc(31, 0, 3), 0x80 | 3, 2, 1, 'a', 'a', 'b', 'c', 'c', 'c'};
    assert_int_equal(samples_of(vbr, sizeof vbr), 3 * 960);
    assert_int_equal(samples_of(vbr, 3), OPUS_TOC_ERR_TRUNCATED); /* second length missing */
    assert_int_equal(samples_of(vbr, 4), OPUS_TOC_ERR_TRUNCATED); /* frames missing */
    uint8_t vbr_short[] = {toc(31, 0, 3), 0x80 | 3, 5, 5, 'a', 'a'};
    assert_int_equal(samples_of(vbr_short, sizeof vbr_short), OPUS_TOC_ERR_TRUNCATED);

    /* Padding (0x40): its length bytes, 255 meaning 254 more and another. */
    uint8_t pad[] = {toc(31, 0, 3), 0x40 | 2, 3, 'a', 'a', 'b', 'b', 0, 0, 0};
    assert_int_equal(samples_of(pad, sizeof pad), 2 * 960);
    assert_int_equal(samples_of(pad, 2), OPUS_TOC_ERR_TRUNCATED); /* padding length missing */
    assert_int_equal(samples_of(pad, 5), OPUS_TOC_ERR_TRUNCATED); /* padding runs past */
    static uint8_t long_pad[3 + 1 + 254 + 10 + 4];
    long_pad[0] = toc(31, 0, 3);
    long_pad[1] = 0x40 | 2;
    long_pad[2] = 255; /* 254 bytes ... */
    long_pad[3] = 10;  /* ... and 10 more */
    assert_int_equal(samples_of(long_pad, sizeof long_pad), 2 * 960);
    assert_int_equal(samples_of(long_pad, 3), OPUS_TOC_ERR_TRUNCATED); /* continuation missing */
    assert_int_equal(samples_of(long_pad, 4 + 263), OPUS_TOC_ERR_TRUNCATED);
    /* Padding and VBR together. */
    uint8_t both[] = {toc(31, 1, 3), 0xc0 | 2, 1, 1, 'a', 'b', 'b', 0};
    assert_int_equal(samples_of(both, sizeof both), 2 * 960);
}

static void test_120_ms_limit(void **state)
{
    (void)state;
    /* 48 frames of 2.5 ms is 120 ms, the most a packet may hold. */
    uint8_t p[2 + 49] = {toc(16, 0, 3), 48};
    assert_int_equal(samples_of(p, 2 + 48), AL_MAX_FRAME_SAMPLES);
    p[1] = 49;
    assert_int_equal(samples_of(p, 2 + 49), OPUS_TOC_ERR_TOO_LONG);
    /* 2 x 60 ms (SILK, code 1) is exactly 120 ms; 3 x 60 ms is too long. */
    uint8_t two60[3] = {toc(3, 0, 1), 0, 0};
    assert_int_equal(samples_of(two60, 3), AL_MAX_FRAME_SAMPLES);
    uint8_t three60[5] = {toc(3, 0, 3), 3, 0, 0, 0};
    assert_int_equal(samples_of(three60, 5), OPUS_TOC_ERR_TOO_LONG);
    /* The largest frame is 1275 bytes (RFC 6716 R2). */
    static uint8_t big[2 + AL_MAX_OPUS_FRAME];
    big[0] = toc(31, 0, 0);
    assert_int_equal(samples_of(big, 1 + AL_MAX_OPUS_FRAME), 960);
    assert_int_equal(samples_of(big, 2 + AL_MAX_OPUS_FRAME), OPUS_TOC_ERR_MALFORMED);
}

static void test_empty_null_and_too_large(void **state)
{
    (void)state;
    uint8_t p[1] = {toc(1, 0, 0)};
    assert_int_equal(opus_toc_samples(p, 0), OPUS_TOC_ERR_EMPTY);
    assert_int_equal(opus_toc_samples(NULL, 0), OPUS_TOC_ERR_EMPTY);
    assert_int_equal(opus_toc_samples(NULL, 5), AL_ERR_ARG);
    static uint8_t huge[AL_MAX_OPUS_PACKET + 1];
    assert_int_equal(opus_toc_samples(huge, sizeof huge), OPUS_TOC_ERR_TOO_LARGE);
    assert_int_equal(al_status_class(OPUS_TOC_ERR_EMPTY), AL_ERR_TRUNCATED);
    assert_int_equal(al_status_class(OPUS_TOC_ERR_TRUNCATED), AL_ERR_TRUNCATED);
    assert_int_equal(al_status_class(OPUS_TOC_ERR_MALFORMED), AL_ERR_MALFORMED);
    assert_int_equal(al_status_class(OPUS_TOC_ERR_TOO_LONG), AL_ERR_TOO_LARGE);
    assert_int_equal(al_status_class(OPUS_TOC_ERR_TOO_LARGE), AL_ERR_TOO_LARGE);
    const int codes[] = {OPUS_TOC_ERR_EMPTY, OPUS_TOC_ERR_TRUNCATED, OPUS_TOC_ERR_MALFORMED,
                         OPUS_TOC_ERR_TOO_LONG, OPUS_TOC_ERR_TOO_LARGE};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(opus_toc_strerror(codes[i]), opus_toc_strerror(codes[j]));
}

/* Short random packets, biased towards code 3 headers: whatever we say
 * about them, libopus agrees on valid or not, and a refusal is truncated,
 * malformed or too long, never anything else. */
static void test_agrees_with_libopus(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    uint8_t p[64];
    int valid = 0, truncated = 0, malformed = 0, too_long = 0;
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = 1 + (size_t)(seed % 40);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = (uint8_t)(seed >> 16);
        }
        if (iter % 2)
            p[0] |= 3;
        if (n > 1 && iter % 4 == 1)
            p[1] &= 0xc7; /* small counts: more packets get as far as the lengths */
        const unsigned char *frames[48];
        opus_int16 sizes[48];
        int lib = opus_packet_parse(p, (opus_int32)n, NULL, frames, sizes, NULL);
        int ours = samples_of(p, n);
        assert_int_equal(ours > 0, lib > 0);
        if (ours > 0) {
            assert_int_equal(ours, opus_packet_get_nb_samples(p, (opus_int32)n, AL_RATE));
            valid++;
        } else if (ours == OPUS_TOC_ERR_TRUNCATED) {
            truncated++;
        } else if (ours == OPUS_TOC_ERR_MALFORMED) {
            malformed++;
        } else {
            assert_int_equal(ours, OPUS_TOC_ERR_TOO_LONG);
            too_long++;
        }
    }
    /* Every outcome was reached, so the loop tested each of them. */
    assert_true(valid > 0 && truncated > 0 && malformed > 0 && too_long > 0);
}

static void test_lbrr_flag(void **state)
{
    (void)state;
    /* SILK NB 20 ms (config 1), mono: the first byte's top bit is the VAD
     * flag of the one SILK frame, the next the LBRR flag. */
    uint8_t p[3] = {toc(1, 0, 0), 0x40, 0};
    assert_true(opus_toc_has_lbrr(p, 3));
    p[1] = 0x80;
    assert_false(opus_toc_has_lbrr(p, 3));
    /* 40 ms (config 2): two VAD flags, then LBRR in the third bit. */
    p[0] = toc(2, 0, 0);
    p[1] = 0x20;
    assert_true(opus_toc_has_lbrr(p, 3));
    p[1] = 0xc0;
    assert_false(opus_toc_has_lbrr(p, 3));
    /* Stereo: the side channel's LBRR flag counts too. */
    p[0] = toc(1, 1, 0);
    p[1] = 0x10; /* mid VAD, mid LBRR, side VAD = 0, side LBRR = 1 */
    assert_true(opus_toc_has_lbrr(p, 3));
    /* CELT-only never carries LBRR; an empty frame or an invalid packet neither. */
    p[0] = toc(31, 0, 0);
    p[1] = 0xff;
    assert_false(opus_toc_has_lbrr(p, 3));
    p[0] = toc(1, 0, 0);
    assert_false(opus_toc_has_lbrr(p, 1));
    uint8_t bad[2] = {toc(1, 0, 1), 0x40}; /* code 1 with one byte: malformed */
    assert_false(opus_toc_has_lbrr(bad, 2));
    assert_false(opus_toc_has_lbrr(NULL, 0));
}

/* A real encoder with in-band FEC on and expected loss sets LBRR on some
 * SILK packets once it has had speech-like input for a while. */
static void test_lbrr_from_encoder(void **state)
{
    (void)state;
    int err;
    OpusEncoder *enc = opus_encoder_create(AL_RATE, 1, OPUS_APPLICATION_VOIP, &err);
    assert_int_equal(err, OPUS_OK);
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
    opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(20));
    opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_int16 pcm[960];
    uint8_t pkt[1500];
    uint32_t seed = 1;
    int lbrr = 0, silk = 0;
    for (int f = 0; f < 100; f++) {
        for (int i = 0; i < 960; i++) {
            seed = seed * 1103515245u + 12345u;
            /* a 200 Hz buzz with noise, loud enough to be voiced */
            int buzz = (i + f * 960) % 240 < 120 ? 6000 : -6000;
            pcm[i] = (opus_int16)(buzz + (int)((seed >> 16) % 2000) - 1000);
        }
        int n = opus_encode(enc, pcm, 960, pkt, sizeof pkt);
        assert_true(n > 0);
        assert_int_equal(opus_toc_samples(pkt, (size_t)n), 960);
        if ((pkt[0] >> 3) < 16)
            silk++;
        lbrr += opus_toc_has_lbrr(pkt, (size_t)n);
    }
    opus_encoder_destroy(enc);
    assert_true(silk > 0);
    assert_true(lbrr > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_config_code0),
        cmocka_unit_test(test_code1_and_code2),
        cmocka_unit_test(test_code3_cbr_vbr_padding),
        cmocka_unit_test(test_120_ms_limit),
        cmocka_unit_test(test_empty_null_and_too_large),
        cmocka_unit_test(test_agrees_with_libopus),
        cmocka_unit_test(test_lbrr_flag),
        cmocka_unit_test(test_lbrr_from_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
