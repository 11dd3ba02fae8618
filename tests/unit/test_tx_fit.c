/* Unit tests for sender/tx_stream's fitting of the copies into a packet:
 * at rates where the primary and its copies do not fit AL_MAX_PACKET
 * (--bitrate 510k), every packet still carries every copy, the rates are
 * lowered by one factor, and the stats say so; at ordinary rates nothing
 * changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "common/defaults.h"
#include "proto/red.h"
#include "proto/rtp.h"
#include "sender/tx_stream.h"

/* Encodes FRAMES frames of loud noise and a tone (the largest VBR frames)
 * and checks every packet: within AL_MAX_PACKET, and once enough frames
 * have gone by, carrying all its copies. */
static tx_stats run(const tx_config *cfg, int frames)
{
    char err[128];
    tx_stream *tx = tx_stream_create(cfg, err, sizeof err);
    if (!tx)
        fail_msg("%s", err);
    int n = cfg->frame_samples * cfg->channels;
    float *pcm = malloc(sizeof *pcm * (size_t)n);
    assert_non_null(pcm);
    uint32_t x = 7;
    int oldest = 0;
    for (int i = 0; i < cfg->redundancy; i++) {
        int back = tx_copy_offset(cfg, i);
        oldest = back > oldest ? back : oldest;
    }
    for (int f = 0; f < frames; f++) {
        for (int i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            pcm[i] = 0.5f * ((float)(x >> 8) / (float)(1u << 24) - 0.5f) +
                     0.4f * sinf(0.05f * (float)(f * n + i));
        }
        uint8_t pkt[AL_MAX_PACKET];
        int len = tx_stream_encode(tx, pcm, pkt, sizeof pkt);
        assert_true(len > 0 && len <= AL_MAX_PACKET);
        rtp_header h;
        assert_int_equal(rtp_parse(pkt, (size_t)len, &h), RTP_OK);
        if (cfg->redundancy == 0 || f < oldest)
            continue;
        red_block blocks[RED_MAX_BLOCKS];
        size_t nb = 0;
        assert_int_equal(red_parse(h.payload, h.payload_len, blocks, RED_MAX_BLOCKS, &nb), RED_OK);
        if ((int)nb != cfg->redundancy + 1)
            fail_msg("packet %d carries %d of %d copies", f, (int)nb - 1, cfg->redundancy);
    }
    tx_stats s = tx_stream_stats(tx);
    tx_stream_destroy(tx);
    free(pcm);
    return s;
}

static void test_510k_keeps_every_copy(void **state)
{
    (void)state;
    static const int frames_ms10[] = {100, 200, 400, 600}; /* 10, 20, 40, 60 ms */
    for (size_t k = 0; k < sizeof frames_ms10 / sizeof frames_ms10[0]; k++) {
        tx_config cfg;
        tx_config_defaults(&cfg);
        cfg.bitrate = 510000;
        cfg.channels = 2;
        cfg.frame_samples = 48 * frames_ms10[k] / 10;
        tx_fit fit;
        assert_true(tx_fit_rates(&cfg, &fit));
        /* one factor for all, the primary still the richest */
        assert_true(fit.bitrate < cfg.bitrate);
        assert_true(fit.copy_bitrates[0] < fit.bitrate &&
                    fit.copy_bitrates[1] < fit.copy_bitrates[0]);
        double scale = (double)fit.bitrate / cfg.bitrate;
        assert_true(fabs(fit.copy_bitrates[0] - tx_copy_bitrate(&cfg, 0) * scale) < 2);
        assert_true(fit.primary_cap + fit.copy_caps[0] + fit.copy_caps[1] <=
                    AL_MAX_PACKET - 12 - 1 - 2 * 4);
        tx_stats s = run(&cfg, 60);
        print_message(
            "%d ms: primary %d kbps, copies %d + %d kbps; %llu copies sent, %llu dropped\n",
            frames_ms10[k] / 10, fit.bitrate / 1000, fit.copy_bitrates[0] / 1000,
            fit.copy_bitrates[1] / 1000, (unsigned long long)s.copies_sent,
            (unsigned long long)s.copies_dropped);
        assert_int_equal(s.copies_dropped, 0);
        assert_int_equal(s.packets_lowered, s.packets);
    }
}

static void test_three_full_rate_copies(void **state)
{
    (void)state;
    /* copies that are the primary itself: all four the same size */
    tx_config cfg;
    tx_config_defaults(&cfg);
    cfg.bitrate = 400000;
    cfg.redundancy = 3;
    cfg.redundancy_bitrate = 400000;
    tx_fit fit;
    assert_true(tx_fit_rates(&cfg, &fit));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fit.copy_bitrates[i], fit.bitrate);
        assert_int_equal(fit.copy_caps[i], fit.primary_cap);
    }
    tx_stats s = run(&cfg, 40);
    assert_int_equal(s.copies_dropped, 0);
}

static void test_ordinary_rates_unchanged(void **state)
{
    (void)state;
    tx_config cfg;
    tx_config_defaults(&cfg);
    tx_fit fit;
    assert_false(tx_fit_rates(&cfg, &fit));
    assert_int_equal(fit.bitrate, 32000);
    assert_int_equal(fit.copy_bitrates[0], 16000);
    assert_int_equal(fit.copy_bitrates[1], 12000);
    tx_stats s = run(&cfg, 40);
    assert_int_equal(s.packets_lowered, 0);
    assert_int_equal(s.copies_dropped, 0);
    /* 2.5 ms frames at 510k: three copies of 159 bytes fit */
    cfg.frame_samples = 120;
    cfg.bitrate = 510000;
    assert_false(tx_fit_rates(&cfg, &fit));
    /* no copies: nothing to fit */
    cfg.frame_samples = 960;
    cfg.redundancy = 0;
    assert_false(tx_fit_rates(&cfg, &fit));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_510k_keeps_every_copy),
        cmocka_unit_test(test_three_full_rate_copies),
        cmocka_unit_test(test_ordinary_rates_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
