/* Unit tests for analysis/perceptual: an identical pair scores the top,
 * the score falls monotonically with added noise and with more dropped
 * 20 ms frames, small delays and gain changes barely move it, too-loud
 * frames cost, and empty, silent, short and mismatched input gives the
 * documented sentinels without crashing. On the shipped speech clip and on
 * a synthesized speech-like signal (harmonics under a moving formant, with
 * pauses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/perceptual.h"
#include "audio/soundfile.h"

#ifndef AL_TEST_DATA
#error "AL_TEST_DATA must name the directory holding the shipped clips"
#endif

#define CLIP_PATH AL_TEST_DATA "/ljspeech_LJ001-0001_F.flac"
#define RATE      PERCEPTUAL_RATE
#define FRAME20   960 /* 20 ms: what a lost packet takes away */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* How far a few ms of delay or +-6 dB of gain may move the score: well
 * under the 0.3-1.5 MOS that separates the loss cases the score ranks. */
#define DELAY_BOUND 0.15
#define GAIN_BOUND  0.05

static float *g_clip;
static size_t g_clip_len;
static float *g_synth;
static size_t g_synth_len;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static double uniform01(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return ((g_rng * 0x2545f4914f6cdd1dull) >> 11) * (1.0 / 9007199254740992.0);
}

static double gaussian(void)
{
    double u = uniform01(), v = uniform01();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static double mean_square(const float *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e / (double)n;
}

/* A speech-like test signal: a 110-150 Hz glottal pulse train's first 40
 * harmonics shaped by two formants that glide, in 300-700 ms syllables
 * separated by 150-300 ms pauses. */
static float *synth_speech(size_t n)
{
    float *x = calloc(n, sizeof *x);
    size_t i = 0;
    double phase = 0;
    while (i < n) {
        size_t syl = (size_t)((0.3 + 0.4 * uniform01()) * RATE);
        size_t pause = (size_t)((0.15 + 0.15 * uniform01()) * RATE);
        double f1a = 300 + 500 * uniform01(), f1b = 300 + 500 * uniform01();
        double f2a = 900 + 1600 * uniform01(), f2b = 900 + 1600 * uniform01();
        for (size_t j = 0; j < syl && i < n; j++, i++) {
            double u = (double)j / (double)syl;
            double f0 = 110 + 40 * sin(M_PI * u);
            double f1 = f1a + (f1b - f1a) * u, f2 = f2a + (f2b - f2a) * u;
            double env = sin(M_PI * u);
            phase += 2 * M_PI * f0 / RATE;
            double s = 0;
            for (int h = 1; h <= 40; h++) {
                double f = h * f0;
                if (f > 7500)
                    break;
                double a1 = 1 / (1 + pow((f - f1) / 80, 2)),
                       a2 = 0.5 / (1 + pow((f - f2) / 120, 2));
                s += (a1 + a2 + 0.01) * sin(h * phase);
            }
            x[i] = (float)(0.1 * env * s);
        }
        i += pause;
    }
    return x;
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    soundfile_reader *r = soundfile_reader_open(CLIP_PATH, 1, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    size_t cap = (size_t)RATE * 30;
    g_clip = malloc(cap * sizeof *g_clip);
    long got;
    while ((got = soundfile_reader_read(r, g_clip + g_clip_len, 4800)) > 0 &&
           g_clip_len + 4800 < cap)
        g_clip_len += (size_t)got;
    soundfile_reader_close(r);
    /* 5 s are plenty of speech and keep the sanitizer build's run short */
    if (g_clip_len > (size_t)RATE * 5)
        g_clip_len = (size_t)RATE * 5;
    g_synth_len = (size_t)RATE * 4;
    g_synth = synth_speech(g_synth_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_clip);
    free(g_synth);
    return 0;
}

static perceptual_result score(const float *ref, size_t ref_len, const float *test, size_t test_len)
{
    perceptual_result r;
    assert_int_equal(perceptual_score(ref, ref_len, test, test_len, &r), PERCEPTUAL_OK);
    assert_false(isnan(r.mos));
    return r;
}

static void test_identical(void **state)
{
    (void)state;
    const float *sig[2] = {g_clip, g_synth};
    size_t len[2] = {g_clip_len, g_synth_len};
    for (int k = 0; k < 2; k++) {
        perceptual_result r = score(sig[k], len[k], sig[k], len[k]);
        assert_true(fabs(r.mos - PERCEPTUAL_MOS_MAX) < 0.001);
        assert_true(fabs(r.nsim - 1) < 1e-9);
        assert_true(r.disturbance == 0 && r.added == 0);
        assert_true(fabs(r.gain_db) < 1e-9);
        assert_true(r.active_frames > 0 && r.patches > 0);
    }
}

/* White noise at a given SNR over the whole signal. */
static void test_noise_monotonic(void **state)
{
    (void)state;
    static const double snrs[] = {40, 30, 20, 12, 6, 0};
    const float *sig[2] = {g_clip, g_synth};
    size_t len[2] = {g_clip_len, g_synth_len};
    for (int k = 0; k < 2; k++) {
        float *deg = malloc(len[k] * sizeof *deg);
        double rms = sqrt(mean_square(sig[k], len[k])), prev = PERCEPTUAL_MOS_MAX;
        for (size_t s = 0; s < sizeof snrs / sizeof snrs[0]; s++) {
            double sd = rms * pow(10, -snrs[s] / 20);
            for (size_t i = 0; i < len[k]; i++)
                deg[i] = sig[k][i] + (float)(sd * gaussian());
            perceptual_result r = score(sig[k], len[k], deg, len[k]);
            print_message("signal %d  SNR %4.0f dB  mos %.3f  nsim %.4f  dist %.3f\n", k, snrs[s],
                          r.mos, r.nsim, r.disturbance);
            assert_true(r.mos < prev);
            prev = r.mos;
        }
        assert_true(prev < 2.0); /* 0 dB SNR is bad */
        free(deg);
    }
}

/* 20 ms frames set to zero; each step drops the previous step's frames
 * and more (a prefix of one shuffled list), so the damage only grows. */
static void test_drops_monotonic(void **state)
{
    (void)state;
    static const int percent[] = {1, 3, 5, 10, 20, 30};
    size_t nf = g_clip_len / FRAME20;
    size_t *order = malloc(nf * sizeof *order);
    for (size_t i = 0; i < nf; i++)
        order[i] = i;
    for (size_t i = nf - 1; i > 0; i--) {
        size_t j = (size_t)(uniform01() * (double)(i + 1)) % (i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    float *deg = malloc(g_clip_len * sizeof *deg);
    double prev = PERCEPTUAL_MOS_MAX;
    for (size_t p = 0; p < sizeof percent / sizeof percent[0]; p++) {
        memcpy(deg, g_clip, g_clip_len * sizeof *deg);
        for (size_t i = 0; i < nf * (size_t)percent[p] / 100; i++)
            memset(deg + order[i] * FRAME20, 0, FRAME20 * sizeof *deg);
        perceptual_result r = score(g_clip, g_clip_len, deg, g_clip_len);
        print_message("dropped %2d %%  mos %.3f  nsim %.4f  dist %.3f\n", percent[p], r.mos, r.nsim,
                      r.disturbance);
        assert_true(r.mos < prev);
        prev = r.mos;
    }
    free(deg);
    free(order);
}

/* Some 20 ms frames 10 dB too loud (a rebuilt frame gone wrong) cost, and
 * more of them cost more; the added-energy sub-score sees them. */
static void test_loud_frames(void **state)
{
    (void)state;
    size_t nf = g_clip_len / FRAME20;
    float *deg = malloc(g_clip_len * sizeof *deg);
    double prev = PERCEPTUAL_MOS_MAX;
    for (int every = 30; every >= 10; every -= 10) {
        memcpy(deg, g_clip, g_clip_len * sizeof *deg);
        for (size_t f = 7; f < nf; f += (size_t)every)
            for (size_t i = f * FRAME20; i < (f + 1) * FRAME20; i++)
                deg[i] *= 3.16f;
        perceptual_result r = score(g_clip, g_clip_len, deg, g_clip_len);
        print_message("1 frame in %d +10 dB  mos %.3f  added %.3f\n", every, r.mos, r.added);
        assert_true(r.mos < prev - 0.05);
        assert_true(r.added > 0);
        prev = r.mos;
    }
    free(deg);
}

/* The test late by 1-5 ms, with no realignment by the caller. */
static void test_small_delay(void **state)
{
    (void)state;
    static const int delay_ms[] = {1, 2, 3, 5};
    float *deg = calloc(g_clip_len, sizeof *deg);
    for (size_t d = 0; d < sizeof delay_ms / sizeof delay_ms[0]; d++) {
        size_t lag = (size_t)delay_ms[d] * RATE / 1000;
        memset(deg, 0, g_clip_len * sizeof *deg);
        memcpy(deg + lag, g_clip, (g_clip_len - lag) * sizeof *deg);
        perceptual_result r = score(g_clip, g_clip_len, deg, g_clip_len);
        print_message("delay %d ms  mos %.3f\n", delay_ms[d], r.mos);
        assert_true(r.mos > PERCEPTUAL_MOS_MAX - DELAY_BOUND);
    }
    free(deg);
}

static void test_gain(void **state)
{
    (void)state;
    static const double gains_db[] = {-6, -3, 3, 6};
    float *deg = malloc(g_clip_len * sizeof *deg);
    for (size_t k = 0; k < sizeof gains_db / sizeof gains_db[0]; k++) {
        float g = (float)pow(10, gains_db[k] / 20);
        for (size_t i = 0; i < g_clip_len; i++)
            deg[i] = g * g_clip[i];
        perceptual_result r = score(g_clip, g_clip_len, deg, g_clip_len);
        print_message("gain %+.0f dB  mos %.4f  gain_db %.2f\n", gains_db[k], r.mos, r.gain_db);
        assert_true(r.mos > PERCEPTUAL_MOS_MAX - GAIN_BOUND);
        assert_true(fabs(r.gain_db + gains_db[k]) < 0.01);
    }
    free(deg);
}

static void assert_sentinel(int rc, int expected, const perceptual_result *r)
{
    assert_int_equal(rc, expected);
    assert_true(isnan(r->mos) && isnan(r->nsim) && isnan(r->disturbance) && isnan(r->added) &&
                isnan(r->gain_db));
    assert_true(r->active_frames == 0 && r->patches == 0);
}

static void test_sentinels(void **state)
{
    (void)state;
    perceptual_result r;
    size_t n = (size_t)RATE * 2;
    float *zeros = calloc(n, sizeof *zeros);
    assert_sentinel(perceptual_score(NULL, 0, NULL, 0, &r), PERCEPTUAL_ERR_EMPTY, &r);
    assert_sentinel(perceptual_score(g_clip, 0, g_clip, g_clip_len, &r), PERCEPTUAL_ERR_EMPTY, &r);
    assert_sentinel(perceptual_score(g_clip, g_clip_len, g_clip, 0, &r), PERCEPTUAL_ERR_EMPTY, &r);
    assert_sentinel(perceptual_score(NULL, 10, g_clip, g_clip_len, &r), PERCEPTUAL_ERR_ARG, &r);
    assert_sentinel(perceptual_score(g_clip, g_clip_len, NULL, 10, &r), PERCEPTUAL_ERR_ARG, &r);
    assert_int_equal(perceptual_score(g_clip, g_clip_len, g_clip, g_clip_len, NULL),
                     PERCEPTUAL_ERR_ARG);
    /* shorter than one frame */
    assert_sentinel(perceptual_score(g_clip, PERCEPTUAL_FRAME - 1, g_clip, g_clip_len, &r),
                    PERCEPTUAL_ERR_EMPTY, &r);
    /* silent reference, silent test, both */
    assert_sentinel(perceptual_score(zeros, n, g_clip, g_clip_len, &r), PERCEPTUAL_ERR_SILENT, &r);
    assert_sentinel(perceptual_score(g_clip, g_clip_len, zeros, n, &r), PERCEPTUAL_ERR_SILENT, &r);
    assert_sentinel(perceptual_score(zeros, n, zeros, n, &r), PERCEPTUAL_ERR_SILENT, &r);
    /* below the silence threshold is silent too */
    for (size_t i = 0; i < n; i++)
        zeros[i] = (float)(1e-5 * gaussian());
    assert_sentinel(perceptual_score(zeros, n, g_clip, g_clip_len, &r), PERCEPTUAL_ERR_SILENT, &r);
    assert_true(isnan(perceptual_mos(NAN, 0, 0)));
    free(zeros);
}

/* Lengths that differ (a test cut short, or longer) score without crashing:
 * a test with the second half missing scores well below the full one. */
static void test_mismatched(void **state)
{
    (void)state;
    perceptual_result r = score(g_clip, g_clip_len, g_clip, g_clip_len / 2);
    assert_true(r.mos < PERCEPTUAL_MOS_MAX - 0.5);
    r = score(g_clip, g_clip_len / 2, g_clip, g_clip_len);
    assert_true(r.mos > PERCEPTUAL_MOS_MAX - 0.01);
    r = score(g_clip, g_clip_len, g_clip, PERCEPTUAL_FRAME);
    assert_true(r.mos >= 0.999 && r.mos < 2.0); /* nearly all of it missing */
}

/* Well under a second for a 10 s pair: 5 s here in under 2.5 s of CPU, a
 * bound loose enough for the sanitizer build (about 10 times slower than a
 * release build, where 10 s take about 0.05 s). */
static void test_speed(void **state)
{
    (void)state;
    size_t n = g_clip_len;
    float *deg = malloc(n * sizeof *deg);
    for (size_t i = 0; i < n; i++)
        deg[i] = g_clip[i] + (float)(0.003 * gaussian());
    clock_t t0 = clock();
    score(g_clip, n, deg, n);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("%.1f s pair scored in %.3f s CPU\n", (double)n / RATE, s);
    assert_true(s < 2.5);
    free(deg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),       cmocka_unit_test(test_noise_monotonic),
        cmocka_unit_test(test_drops_monotonic), cmocka_unit_test(test_loud_frames),
        cmocka_unit_test(test_small_delay),     cmocka_unit_test(test_gain),
        cmocka_unit_test(test_sentinels),       cmocka_unit_test(test_mismatched),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
