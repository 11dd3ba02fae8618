/* Signal comparison measures; see metrics.h for the definitions. */
#include "analysis/metrics.h"

#include "analysis/fft.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Beyond this the buffers (16 bytes a point plus half that in twiddles)
 * would pass 24 GiB: no sensible comparison needs it, so refuse it up front
 * rather than let size arithmetic get near overflow. */
#define MAX_FFT_POINTS ((size_t)1 << 30)

typedef fft_cpx cpx;

/* Given Z = FFT(r + i t) for real r and t, the spectra of r and t at bin k
 * (M = (N - k) mod N is its mirror): R = (Z[k] + conj Z[m]) / 2 and
 * T = (Z[k] - conj Z[m]) / 2i. Packing two real signals into one complex
 * transform halves both the work and the memory. */
static void unpack(const cpx *z, size_t k, size_t m, cpx *r, cpx *t)
{
    double ar = z[k].re, ai = z[k].im, br = z[m].re, bi = -z[m].im;
    r->re = 0.5 * (ar + br);
    r->im = 0.5 * (ai + bi);
    t->re = 0.5 * (ai - bi);
    t->im = -0.5 * (ar - br);
}

static double energy(const float *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

/* True when the mean square of N samples is below METRICS_SILENCE_DBFS. */
static int is_silent(double sum_squares, size_t n)
{
    return sum_squares < (double)n * pow(10.0, METRICS_SILENCE_DBFS / 10.0);
}

static size_t size_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t size_max(size_t a, size_t b)
{
    return a > b ? a : b;
}

int metrics_align(const float *ref, size_t ref_len, const float *test, size_t test_len, int max_lag,
                  int *lag, double *peak_corr)
{
    if (lag == NULL || peak_corr == NULL)
        return METRICS_ERR_ARG;
    *lag = 0;
    *peak_corr = 0;
    if (max_lag < 0 || (ref_len > 0 && ref == NULL) || (test_len > 0 && test == NULL))
        return METRICS_ERR_ARG;
    if (ref_len == 0 || test_len == 0)
        return METRICS_ERR_EMPTY;
    double eref = energy(ref, ref_len), etest = energy(test, test_len);
    if (eref == 0 || etest == 0)
        return METRICS_ERR_SILENT;

    /* Lags outside [-(ref_len - 1), test_len - 1] leave no overlap at all. */
    size_t neg = size_min((size_t)max_lag, ref_len - 1);
    size_t pos = size_min((size_t)max_lag, test_len - 1);
    /* The circular correlation of N points folds linear lag l onto l mod N.
     * Linear lags run from -(ref_len - 1) to test_len - 1, so with
     * N >= max(ref_len, test_len) + max searched |lag| nothing folds onto a
     * searched lag: no need for the full ref_len + test_len - 1 points. */
    size_t longest = size_max(ref_len, test_len);
    size_t reach = size_max(neg, pos);
    if (longest > MAX_FFT_POINTS || reach > MAX_FFT_POINTS - longest)
        return METRICS_ERR_TOO_BIG;
    size_t n = 2;
    while (n < longest + reach)
        n <<= 1;

    cpx *z = calloc(n, sizeof *z);
    cpx *tw = fft_twiddles(n);
    if (z == NULL || tw == NULL) {
        free(z);
        free(tw);
        return METRICS_ERR_NOMEM;
    }
    for (size_t i = 0; i < ref_len; i++)
        z[i].re = ref[i];
    for (size_t i = 0; i < test_len; i++)
        z[i].im = test[i];
    fft_run(z, n, tw, 0);

    /* sum_i ref[i] test[i + l] is the inverse transform of conj(R) T. The
     * product at the mirror bin is its conjugate (the result is real), so
     * each pair is read once and both bins are written from it. */
    for (size_t k = 0; k <= n / 2; k++) {
        size_t m = (n - k) & (n - 1);
        cpx r, t;
        unpack(z, k, m, &r, &t);
        double pr = r.re * t.re + r.im * t.im;
        double pi = r.re * t.im - r.im * t.re;
        z[k].re = pr;
        z[k].im = pi;
        z[m].re = pr;
        z[m].im = -pi;
    }
    fft_run(z, n, tw, 1);
    free(tw);

    /* Whole-signal normalisation (see metrics.h); 1/n undoes the unscaled
     * inverse. Walking outwards from lag 0 with a strict ">" gives ties to
     * the smallest |lag|. */
    double scale = 1.0 / ((double)n * sqrt(eref * etest));
    double best = z[0].re * scale;
    long long best_lag = 0;
    for (size_t d = 1; d <= reach; d++) {
        if (d <= pos) {
            double s = z[d].re * scale;
            if (fabs(s) > fabs(best)) {
                best = s;
                best_lag = (long long)d;
            }
        }
        if (d <= neg) {
            double s = z[n - d].re * scale;
            if (fabs(s) > fabs(best)) {
                best = s;
                best_lag = -(long long)d;
            }
        }
    }
    free(z);
    *lag = (int)best_lag; /* |best_lag| <= max_lag, so it fits */
    *peak_corr = fmax(-1.0, fmin(1.0, best));
    return METRICS_OK;
}

size_t metrics_overlap(size_t ref_len, size_t test_len, int lag, size_t *ref_start,
                       size_t *test_start)
{
    size_t rs = 0, ts = 0;
    if (lag >= 0)
        ts = (size_t)lag;
    else
        rs = (size_t)(-(long long)lag); /* via long long: -INT_MIN overflows int */
    size_t n = 0;
    if (rs < ref_len && ts < test_len)
        n = size_min(ref_len - rs, test_len - ts);
    else
        rs = ts = 0;
    if (ref_start != NULL)
        *ref_start = rs;
    if (test_start != NULL)
        *test_start = ts;
    return n;
}

double metrics_correlation(const float *ref, const float *test, size_t n)
{
    if (n == 0 || ref == NULL || test == NULL)
        return NAN;
    /* Two passes (means first) rather than the one-pass sum formula, which
     * cancels catastrophically for signals with a DC offset. */
    double mr = 0, mt = 0;
    for (size_t i = 0; i < n; i++) {
        mr += ref[i];
        mt += test[i];
    }
    mr /= (double)n;
    mt /= (double)n;
    double srt = 0, srr = 0, stt = 0;
    for (size_t i = 0; i < n; i++) {
        double a = ref[i] - mr, b = test[i] - mt;
        srt += a * b;
        srr += a * a;
        stt += b * b;
    }
    if (srr <= 0 || stt <= 0)
        return NAN;
    return fmax(-1.0, fmin(1.0, srt / sqrt(srr * stt)));
}

double metrics_snr_db(const float *ref, const float *test, size_t n)
{
    if (n == 0 || ref == NULL || test == NULL)
        return NAN;
    double es = 0, en = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)ref[i] - test[i];
        es += (double)ref[i] * ref[i];
        en += d * d;
    }
    if (es == 0)
        return NAN;
    if (en == 0)
        return METRICS_SNR_MAX_DB;
    return fmin(METRICS_SNR_MAX_DB, 10.0 * log10(es / en));
}

double metrics_segmental_snr_db(const float *ref, const float *test, size_t n, size_t seg_len,
                                double lo_clamp, double hi_clamp)
{
    if (ref == NULL || test == NULL || seg_len == 0 || !(lo_clamp <= hi_clamp))
        return NAN;
    double sum = 0;
    size_t used = 0;
    for (size_t s = 0; s + seg_len <= n; s += seg_len) {
        double es = 0, en = 0;
        for (size_t i = s; i < s + seg_len; i++) {
            double d = (double)ref[i] - test[i];
            es += (double)ref[i] * ref[i];
            en += d * d;
        }
        if (is_silent(es, seg_len))
            continue;
        double snr = en == 0 ? hi_clamp : 10.0 * log10(es / en);
        sum += fmax(lo_clamp, fmin(hi_clamp, snr));
        used++;
    }
    return used > 0 ? sum / (double)used : NAN;
}

double metrics_log_spectral_distance_db(const float *ref, const float *test, size_t n, size_t frame)
{
    if (ref == NULL || test == NULL || frame < 2 || frame > ((size_t)1 << 16) || n < frame)
        return NAN;
    size_t nfft = 2;
    while (nfft < frame)
        nfft <<= 1;
    size_t hop = frame / 2;
    cpx *z = malloc(nfft * sizeof *z);
    cpx *tw = fft_twiddles(nfft);
    double *win = malloc(frame * sizeof *win);
    if (z == NULL || tw == NULL || win == NULL) {
        free(z);
        free(tw);
        free(win);
        return NAN;
    }
    /* Periodic Hann: at hop frame/2 the windows sum to a constant, so every
     * sample weighs the same in the mean. */
    double wsum2 = 0;
    for (size_t i = 0; i < frame; i++) {
        win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)frame);
        wsum2 += win[i] * win[i];
    }

    double sum = 0;
    size_t used = 0;
    for (size_t s = 0; s + frame <= n; s += hop) {
        if (is_silent(energy(ref + s, frame), frame))
            continue;
        for (size_t i = 0; i < frame; i++) {
            z[i].re = win[i] * ref[s + i];
            z[i].im = win[i] * test[s + i];
        }
        for (size_t i = frame; i < nfft; i++)
            z[i].re = z[i].im = 0;
        fft_run(z, nfft, tw, 0);
        double acc = 0;
        for (size_t k = 0; k <= nfft / 2; k++) {
            cpx r, t;
            unpack(z, k, (nfft - k) & (nfft - 1), &r, &t);
            double pr = (r.re * r.re + r.im * r.im) / wsum2;
            double pt = (t.re * t.re + t.im * t.im) / wsum2;
            double d = 10.0 * log10((pr + METRICS_LSD_FLOOR) / (pt + METRICS_LSD_FLOOR));
            acc += d * d;
        }
        sum += sqrt(acc / (double)(nfft / 2 + 1));
        used++;
    }
    free(z);
    free(tw);
    free(win);
    return used > 0 ? sum / (double)used : NAN;
}
