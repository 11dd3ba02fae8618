/* Unit tests for analysis/metrics: alignment recovers known lags
 * exactly (speech and noise, both signs, 0, 1 and 12345 samples, polarity
 * inversion, the search limit, 2^22-point transforms), and each measure
 * matches a value known in advance (not one computed the same way), plus
 * every sentinel for empty, silent and bad input. */
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

#include "analysis/compare.h"
#include "analysis/metrics.h"
#include "analysis/track.h"
#include "audio/soundfile.h"

#ifndef AL_TEST_DATA
#error "AL_TEST_DATA must name the directory holding the shipped clips"
#endif

#define CLIP_PATH AL_TEST_DATA "/ljspeech_LJ001-0001_F.flac"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* cmocka 1.1 only compares floats, which cannot tell 1 from 1 - 1e-9; this
 * prints both values and fails at the caller's line (NAN always fails). */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), #a, __FILE__, __LINE__)

static void assert_near_(double a, double b, double eps, const char *expr, const char *file,
                         int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%s = %.12g, expected %.12g +- %g\n", expr, a, b, eps);
        _fail(file, line);
    }
}

static float *g_clip; /* the speech clip, mono 48 kHz */
static size_t g_clip_len;

/* Seeded so that a failure reproduces; xorshift64* is plenty for noise. */
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
    double u = uniform01();
    while (u <= 0)
        u = uniform01();
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * uniform01());
}

static float *noise(size_t n, double sigma)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(sigma * gaussian());
    return x;
}

static float *sine(size_t n, double amp, double hz)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2.0 * M_PI * hz * (double)i / METRICS_RATE));
    return x;
}

static float *copy_of(const float *src, size_t n)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    memcpy(x, src, n * sizeof *x);
    return x;
}

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    soundfile_reader *r = soundfile_reader_open(CLIP_PATH, 1, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    size_t cap = (size_t)METRICS_RATE * 30;
    g_clip = malloc(cap * sizeof *g_clip);
    long got;
    while (g_clip != NULL && g_clip_len < cap &&
           (got = soundfile_reader_read(r, g_clip + g_clip_len, (long)(cap - g_clip_len))) > 0)
        g_clip_len += (size_t)got;
    soundfile_reader_close(r);
    /* The lags below need several seconds of real speech around them. */
    return g_clip != NULL && g_clip_len > (size_t)METRICS_RATE * 5 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g_clip);
    return 0;
}

static const int k_lags[] = {0, 1, -1, 2, 480, -777, 12345, -12345};

/* Two different windows of the same speech, the second starting LAG samples
 * earlier (so test[i + lag] == ref[i]), different lengths and a little
 * independent noise: alignment must find LAG exactly, not a neighbour. */
static void test_align_speech_lags(void **state)
{
    (void)state;
    const size_t start = 20000, ref_len = 3 * METRICS_RATE, test_len = ref_len + 5000;
    for (size_t k = 0; k < sizeof k_lags / sizeof k_lags[0]; k++) {
        int want = k_lags[k];
        size_t tstart = (size_t)((long)start - want);
        assert_true(tstart + test_len <= g_clip_len);
        float *test = copy_of(g_clip + tstart, test_len);
        for (size_t i = 0; i < test_len; i++)
            test[i] += (float)(1e-3 * gaussian());
        int lag = 99;
        double peak = 0;
        assert_int_equal(metrics_align(g_clip + start, ref_len, test, test_len, 24000, &lag, &peak),
                         METRICS_OK);
        assert_int_equal(lag, want);
        assert_true(peak > 0.8 && peak <= 1.0);
        free(test);
    }
}

/* A noise burst delayed by zero padding: the exact copy scores 1. */
static void test_align_noise_lags(void **state)
{
    (void)state;
    const size_t ref_len = 48000, pad = 13000, test_len = ref_len + 2 * pad;
    float *ref = noise(ref_len, 0.3);
    float *test = malloc(test_len * sizeof *test);
    assert_non_null(test);
    for (size_t k = 0; k < sizeof k_lags / sizeof k_lags[0]; k++) {
        int want = k_lags[k];
        memset(test, 0, test_len * sizeof *test);
        /* test[pad + want + i] = ref[i], so the lag is pad + want. */
        memcpy(test + pad + want, ref, ref_len * sizeof *ref);
        int lag;
        double peak;
        assert_int_equal(metrics_align(ref, ref_len, test, test_len, 30000, &lag, &peak),
                         METRICS_OK);
        assert_int_equal(lag, (int)pad + want);
        assert_near(peak, 1.0, 1e-9);
    }
    /* Negative lags proper: the test starts in the middle of the reference. */
    int lag;
    double peak;
    /* And lags exactly at the search limit, on both sides. */
    assert_int_equal(metrics_align(ref, ref_len, ref + 12345, ref_len - 12345, 12345, &lag, &peak),
                     METRICS_OK);
    assert_int_equal(lag, -12345);
    assert_int_equal(metrics_align(ref + 1, ref_len - 1, ref, ref_len, 1, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, 1);
    assert_int_equal(metrics_align(ref + 1, ref_len - 1, ref, ref_len, 0, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, 0);
    free(ref);
    free(test);
}

static void test_align_polarity_and_limit(void **state)
{
    (void)state;
    const size_t n = 20000;
    float *ref = noise(n, 0.2);
    float *test = calloc(n + 1000, sizeof *test);
    assert_non_null(test);
    for (size_t i = 0; i < n; i++)
        test[i + 700] = -ref[i];
    int lag;
    double peak;
    assert_int_equal(metrics_align(ref, n, test, n + 1000, 1000, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, 700);
    assert_near(peak, -1.0, 1e-9);

    /* The true lag is out of reach: whatever is found stays within it. */
    assert_int_equal(metrics_align(ref, n, test, n + 1000, 500, &lag, &peak), METRICS_OK);
    assert_true(lag >= -500 && lag <= 500);
    assert_true(fabs(peak) < 0.1);
    assert_int_equal(metrics_align(ref, n, test, n + 1000, 0, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, 0);

    /* One sample each, and a lag limit far beyond both lengths. */
    float one = 0.5f;
    assert_int_equal(metrics_align(&one, 1, &one, 1, 1 << 30, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, 0);
    assert_near(peak, 1.0, 1e-12);
    free(ref);
    free(test);
}

/* A rotated copy: linear lag D overlaps (L - D) / L of the energy, and
 * lag D - L the rest. A transform too short for the lag range folds the two
 * together and reports a perfect score; the right one reports the overlap
 * fraction (the whole-signal normalisation of metrics.h). */
static void test_align_no_wraparound(void **state)
{
    (void)state;
    const size_t len = (size_t)1 << 15, d = 8192;
    float *ref = noise(len, 0.2), *test = malloc(len * sizeof *test);
    assert_non_null(test);
    memcpy(test + d, ref, (len - d) * sizeof *ref);
    memcpy(test, ref + (len - d), d * sizeof *ref);
    int lag;
    double peak;
    assert_int_equal(metrics_align(ref, len, test, len, 10000, &lag, &peak), METRICS_OK);
    assert_int_equal(lag, (int)d);
    assert_near(peak, 0.75, 0.02);
    free(ref);
    free(test);
}

static void test_align_errors(void **state)
{
    (void)state;
    float x[100] = {0}, y[100];
    for (int i = 0; i < 100; i++)
        y[i] = (float)sin(i * 0.3);
    int lag = 77;
    double peak = 77;
    assert_int_equal(metrics_align(y, 100, y, 0, 10, &lag, &peak), METRICS_ERR_EMPTY);
    assert_int_equal(lag, 0);
    assert_near(peak, 0, 0);
    lag = 77;
    assert_int_equal(metrics_align(NULL, 0, y, 100, 10, &lag, &peak), METRICS_ERR_EMPTY);
    assert_int_equal(lag, 0);
    assert_int_equal(metrics_align(x, 100, y, 100, 10, &lag, &peak), METRICS_ERR_SILENT);
    assert_int_equal(metrics_align(y, 100, x, 100, 10, &lag, &peak), METRICS_ERR_SILENT);
    assert_int_equal(metrics_align(y, 100, y, 100, -1, &lag, &peak), METRICS_ERR_ARG);
    assert_int_equal(metrics_align(NULL, 100, y, 100, 10, &lag, &peak), METRICS_ERR_ARG);
    assert_int_equal(metrics_align(y, 100, y, 100, 10, NULL, &peak), METRICS_ERR_ARG);
    assert_int_equal(metrics_align(y, 100, y, 100, 10, &lag, NULL), METRICS_ERR_ARG);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* 20 s at +-500 ms (2^20 points) and a lag range that needs 2^22 points.
 * The time bound is loose (sanitizers, busy CI) but catches a quadratic
 * search, which would take minutes. */
static void test_align_long(void **state)
{
    (void)state;
    const size_t ref_len = 20 * METRICS_RATE, test_len = ref_len + METRICS_RATE;
    float *ref = noise(ref_len, 0.1);
    float *test = noise(test_len, 0.05); /* different content before and after */
    for (size_t i = 0; i < ref_len; i++)
        test[i + 12345] = ref[i] + 0.05f * test[i + 12345];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int lag;
    double peak;
    assert_int_equal(metrics_align(ref, ref_len, test, test_len, 24000, &lag, &peak), METRICS_OK);
    double t_20s = seconds_since(&t0);
    assert_int_equal(lag, 12345);
    assert_true(peak > 0.8);

    /* max(len) + reach = 2^21 + 2^21 - 1: just within 2^22 points. */
    const size_t big = (size_t)1 << 21;
    float *a = noise(big, 0.1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(metrics_align(a, big, a + 1000, big - 1000, INT32_MAX, &lag, &peak),
                     METRICS_OK);
    double t_big = seconds_since(&t0);
    assert_int_equal(lag, -1000);
    print_message("align: 20 s at +-500 ms in %.3f s; 2^22 points in %.3f s\n", t_20s, t_big);
    assert_true(t_20s < 5.0);
    assert_true(t_big < 20.0);
    free(a);
    free(ref);
    free(test);
}

static void test_overlap(void **state)
{
    (void)state;
    size_t rs = 9, ts = 9;
    assert_int_equal(metrics_overlap(100, 150, 20, &rs, &ts), 100);
    assert_int_equal(rs, 0);
    assert_int_equal(ts, 20);
    assert_int_equal(metrics_overlap(100, 100, 20, &rs, &ts), 80);
    assert_int_equal(metrics_overlap(100, 100, -30, &rs, &ts), 70);
    assert_int_equal(rs, 30);
    assert_int_equal(ts, 0);
    assert_int_equal(metrics_overlap(100, 10, -30, &rs, &ts), 10);
    assert_int_equal(metrics_overlap(100, 100, 100, &rs, &ts), 0);
    assert_int_equal(rs + ts, 0);
    assert_int_equal(metrics_overlap(100, 100, -100, &rs, &ts), 0);
    assert_int_equal(metrics_overlap(0, 100, 0, NULL, NULL), 0);
    assert_int_equal(metrics_overlap(100, 100, INT32_MIN, &rs, &ts), 0);
}

static void test_correlation(void **state)
{
    (void)state;
    const size_t n = 48000;
    float *a = noise(n, 0.2), *b = noise(n, 0.2), *c = copy_of(a, n);
    assert_near(metrics_correlation(a, a, n), 1.0, 1e-9);
    for (size_t i = 0; i < n; i++)
        c[i] = -0.3f * a[i];
    assert_near(metrics_correlation(a, c, n), -1.0, 1e-6);
    for (size_t i = 0; i < n; i++)
        c[i] = 2.0f * a[i] + 0.25f; /* gain and DC offset do not matter */
    assert_near(metrics_correlation(a, c, n), 1.0, 1e-6);
    /* Independent: the standard deviation of the estimate is 1/sqrt(n). */
    assert_true(fabs(metrics_correlation(a, b, n)) < 5.0 / sqrt((double)n));
    /* Known partial correlation: b' = a + b (equal powers) gives 1/sqrt(2). */
    for (size_t i = 0; i < n; i++)
        c[i] = a[i] + b[i];
    assert_near(metrics_correlation(a, c, n), sqrt(0.5), 0.02);

    float k[10];
    for (int i = 0; i < 10; i++)
        k[i] = 0.5f;
    assert_true(isnan(metrics_correlation(a, k, 10)));
    assert_true(isnan(metrics_correlation(a, a, 0)));
    assert_true(isnan(metrics_correlation(NULL, a, 10)));
    free(a);
    free(b);
    free(c);
}

static void test_snr(void **state)
{
    (void)state;
    const size_t n = 10 * METRICS_RATE;
    /* Sine power A^2/2 = 0.125, noise power 0.0025: 10 log10(50) dB. */
    float *ref = sine(n, 0.5, 440.0), *nz = noise(n, 0.05), *test = copy_of(ref, n);
    for (size_t i = 0; i < n; i++)
        test[i] += nz[i];
    double want = 10.0 * log10(50.0);
    assert_near(metrics_snr_db(ref, test, n), want, 0.5);
    /* Stationary, so every segment sits near the same value. */
    assert_near(metrics_segmental_snr_db(ref, test, n, METRICS_SEG_LEN, METRICS_SSNR_LO_DB,
                                         METRICS_SSNR_HI_DB),
                want, 0.5);

    assert_near(metrics_snr_db(ref, ref, n), METRICS_SNR_MAX_DB, 0);
    memset(test, 0, n * sizeof *test);
    assert_near(metrics_snr_db(ref, test, n), 0.0, 1e-9);
    assert_true(isnan(metrics_snr_db(test, ref, n))); /* silent reference */
    assert_true(isnan(metrics_snr_db(ref, ref, 0)));
    free(ref);
    free(nz);
    free(test);
}

static void test_segmental_snr(void **state)
{
    (void)state;
    const size_t seg = METRICS_SEG_LEN, n = 100 * seg;
    float *ref = noise(n, 0.1), *test = copy_of(ref, n), *nz = noise(n, 1.0);
    assert_near(metrics_segmental_snr_db(ref, test, n, seg, -10, 35), 35.0, 0);
    assert_near(metrics_segmental_snr_db(ref, test, n, seg, 0, 20), 20.0, 0);
    /* Noise 20 dB above the signal: every segment clamps to the bottom. */
    for (size_t i = 0; i < n; i++)
        test[i] = ref[i] + nz[i];
    assert_near(metrics_segmental_snr_db(ref, test, n, seg, -10, 35), -10.0, 0);

    /* Reference silent (and -60 dBFS is silent too) in the first half, where
     * the test is pure noise: those segments are skipped, not averaged in. */
    for (size_t i = 0; i < n; i++) {
        ref[i] = i < n / 2 ? (float)(1e-3 * nz[i]) : ref[i];
        test[i] = i < n / 2 ? nz[i] : ref[i];
    }
    assert_near(metrics_segmental_snr_db(ref, test, n, seg, -10, 35), 35.0, 0);
    /* A trailing partial segment is ignored: a bad tail changes nothing. */
    for (size_t i = n - seg / 2; i < n; i++)
        test[i] = 0;
    assert_near(metrics_segmental_snr_db(ref, test, n - seg / 2, seg, -10, 35), 35.0, 0);

    assert_true(isnan(metrics_segmental_snr_db(ref, test, n / 2, seg, -10, 35))); /* all silent */
    assert_true(isnan(metrics_segmental_snr_db(ref, test, seg - 1, seg, -10, 35)));
    assert_true(isnan(metrics_segmental_snr_db(ref, test, n, 0, -10, 35)));
    assert_true(isnan(metrics_segmental_snr_db(ref, test, n, seg, 35, -10)));
    assert_true(isnan(metrics_segmental_snr_db(NULL, test, n, seg, -10, 35)));
    free(ref);
    free(test);
    free(nz);
}

static void test_lsd(void **state)
{
    (void)state;
    const size_t n = 2 * METRICS_RATE;
    float *ref = noise(n, 0.1), *test = copy_of(ref, n);
    assert_near(metrics_log_spectral_distance_db(ref, test, n, METRICS_SEG_LEN), 0.0, 1e-6);
    /* Half the amplitude is 6.02 dB down in every bin (white noise keeps
     * every bin far above the floor). */
    for (size_t i = 0; i < n; i++)
        test[i] = 0.5f * ref[i];
    assert_near(metrics_log_spectral_distance_db(ref, test, n, METRICS_SEG_LEN), 20.0 * log10(2.0),
                0.01);

    /* Real speech through a one-pole low-pass: clearly nonzero, and the
     * same filter harder is further away. */
    const float *sp = g_clip + 20000;
    float *lp1 = copy_of(sp, n), *lp2 = copy_of(sp, n);
    for (size_t i = 1; i < n; i++) {
        lp1[i] = 0.5f * lp1[i - 1] + 0.5f * sp[i];
        lp2[i] = 0.9f * lp2[i - 1] + 0.1f * sp[i];
    }
    double self = metrics_log_spectral_distance_db(sp, sp, n, METRICS_SEG_LEN);
    double d1 = metrics_log_spectral_distance_db(sp, lp1, n, METRICS_SEG_LEN);
    double d2 = metrics_log_spectral_distance_db(sp, lp2, n, METRICS_SEG_LEN);
    print_message("lsd speech: self %.4f, lowpass 0.5 %.2f dB, lowpass 0.9 %.2f dB\n", self, d1,
                  d2);
    assert_true(self < 1e-6);
    assert_true(d1 > 1.0);
    assert_true(d2 > d1);

    memset(test, 0, n * sizeof *test);
    assert_true(isnan(metrics_log_spectral_distance_db(test, ref, n, METRICS_SEG_LEN)));
    assert_true(isnan(metrics_log_spectral_distance_db(ref, ref, METRICS_SEG_LEN - 1, 960)));
    assert_true(isnan(metrics_log_spectral_distance_db(ref, ref, n, 1)));
    assert_true(isnan(metrics_log_spectral_distance_db(ref, NULL, n, 960)));
    /* A frame that is already a power of two needs no padding. */
    assert_near(metrics_log_spectral_distance_db(ref, ref, n, 1024), 0.0, 1e-6);
    free(ref);
    free(test);
    free(lp1);
    free(lp2);
}

/* compare.h: the whole comparison of a delayed, quieter copy finds the
 * delay, skips what it is told to and measures a near-perfect match; a
 * silent recording is compared at lag 0 and says so. */
static void test_compare_signals(void **state)
{
    (void)state;
    const size_t n = 48000 * 2, delay = 480;
    float *test = calloc(n + delay, sizeof(float));
    for (size_t i = 0; i < n; i++)
        test[i + delay] = 0.5f * g_clip[i];
    compare_result c;
    assert_int_equal(compare_signals(g_clip, n, test, n + delay, 4800, 960, &c), METRICS_OK);
    assert_int_equal(c.align_status, METRICS_OK);
    assert_int_equal(c.lag, (int)delay);
    assert_int_equal(c.skip, 960);
    assert_int_equal(c.overlap, n - 960);
    assert_near(c.correlation, 1.0, 1e-6);
    assert_true(c.perceptual.mos > 4.0);
    memset(test, 0, sizeof(float) * (n + delay));
    assert_int_equal(compare_signals(g_clip, n, test, n + delay, 4800, 0, &c), METRICS_OK);
    assert_int_equal(c.align_status, METRICS_ERR_SILENT);
    assert_int_equal(c.lag, 0);
    assert_true(isnan(c.correlation));
    assert_int_equal(compare_signals(g_clip, n, test, n, -1, 0, &c), METRICS_ERR_ARG);
    assert_string_equal(compare_strerror(METRICS_ERR_SILENT), "a file is all zeros");
    free(test);
}

/* track.h: clicks 100 ms apart, the recording's delay moving from 10 to
 * 30 ms half way: each click's own lag is found; silent pieces are left out. */
static void test_track_lags(void **state)
{
    (void)state;
    const size_t piece = 4800, n = piece * 10;
    float *ref = calloc(n, sizeof(float)), *test = calloc(n + 4800, sizeof(float));
    for (size_t k = 0; k < 10; k++) {
        if (k == 3)
            continue; /* a silent piece */
        size_t at = k * piece + 1000, lag = k < 5 ? 480 : 1440;
        for (size_t i = 0; i < 200; i++) {
            float v = (float)(0.8 * sin(2 * M_PI * (double)i / 40.0) * (1.0 - (double)i / 200));
            ref[at + i] = v;
            test[at + lag + i] = v;
        }
    }
    track_point *p;
    size_t count;
    assert_int_equal(track_lags(ref, n, test, n + 4800, piece, 2400, &p, &count), 0);
    assert_int_equal(count, 9);
    for (size_t i = 0; i < count; i++) {
        size_t k = p[i].start / piece;
        assert_true(k != 3);
        assert_int_equal(p[i].lag, k < 5 ? 480 : 1440);
        assert_near(p[i].corr, 1.0, 1e-6);
    }
    free(p);
    /* nothing to track: no points, no array */
    assert_int_equal(track_lags(ref, 100, test, n, piece, 2400, &p, &count), 0);
    assert_int_equal(count, 0);
    assert_null(p);
    free(ref);
    free(test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_align_speech_lags),
        cmocka_unit_test(test_align_noise_lags),
        cmocka_unit_test(test_align_polarity_and_limit),
        cmocka_unit_test(test_align_no_wraparound),
        cmocka_unit_test(test_align_errors),
        cmocka_unit_test(test_align_long),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_correlation),
        cmocka_unit_test(test_snr),
        cmocka_unit_test(test_segmental_snr),
        cmocka_unit_test(test_lsd),
        cmocka_unit_test(test_compare_signals),
        cmocka_unit_test(test_track_lags),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
