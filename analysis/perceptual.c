/* Perceptual speech quality score; see perceptual.h and docs/perceptual.md. */
#include "analysis/perceptual.h"

#include "analysis/fft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NFFT      2048 /* the 32 ms frame zero-padded: 23.4 Hz bins */
#define NBINS     (NFFT / 2 + 1)
#define F_LO      50.0   /* Hz: the wideband voice band, P.862.2 / ViSQOL */
#define F_HI      8000.0 /* Hz */
#define FINE_LAG  480    /* samples: 10 ms each way */
#define FINE_WIN  24000  /* samples: 0.5 s of the loudest speech */
#define LOUD_EXP  0.023  /* loudness ~ power^0.23 (Zwicker), per dB: 0.23 / 10 */
#define MASK      0.25   /* PESQ: this share of the smaller loudness is masked */
#define ASYM_C    10.0   /* power offset (10 dB above the floor) in the asymmetry ratio */
#define EQ_MIN    0.01   /* frequency compensation bounded to -20 .. */
#define EQ_MAX    100.0  /* .. +20 dB */
#define GROUP     20     /* frames per PESQ "split second" window (320 ms) */
#define GROUP_HOP 10
#define P_GROUP   6.0 /* Lp within a window: its worst frames dominate */
#define P_TIME    2.0 /* Lp over windows */

/* The fitted mapping (docs/perceptual.md): weights on PESQ's raw scale,
 * least squares on two of the four clips (232 pairs), checked on the other
 * two. The added-energy disturbance got a weight of about 0 (-0.005): the
 * symmetric one already carries too-loud frames, so it is reported but
 * does not enter the MOS. */
#define W_DIST  0.338
#define W_ADDED 0.0
#define W_NSIM  9.98

typedef fft_cpx cpx;

static double erb_rate(double f)
{
    return 21.4 * log10(1.0 + 0.00437 * f);
}

static double erb_rate_to_hz(double e)
{
    return (pow(10.0, e / 21.4) - 1.0) / 0.00437;
}

/* Power weights of each band over the FFT bins: the magnitude response of a
 * 4th-order gammatone filter, |H(f)| = (1 + ((f - fc) / b)^2)^-2 with
 * b = 1.019 ERB(fc) (Patterson et al.; Glasberg and Moore's ERB), squared,
 * cut to 50 Hz .. 8 kHz as a 16 kHz signal would be, normalised to sum 1.
 * Centres are equally spaced on the ERB-rate scale. */
static void make_filterbank(double *w)
{
    const double bin_hz = (double)PERCEPTUAL_RATE / NFFT;
    double e_lo = erb_rate(F_LO), e_hi = erb_rate(F_HI);
    for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
        double fc = erb_rate_to_hz(e_lo + (e_hi - e_lo) * b / (PERCEPTUAL_BANDS - 1));
        double bw = 1.019 * 24.7 * (1.0 + 0.00437 * fc);
        double sum = 0;
        for (int k = 0; k < NBINS; k++) {
            double f = k * bin_hz, v = 0;
            if (f >= F_LO && f <= F_HI) {
                double x = (f - fc) / bw, m = 1.0 / ((1.0 + x * x) * (1.0 + x * x));
                v = m * m;
            }
            w[b * NBINS + k] = v;
            sum += v;
        }
        for (int k = 0; k < NBINS; k++)
            w[b * NBINS + k] /= sum;
    }
}

/* Band powers of frame T of X (zeros past its end) and of Y, both at once:
 * X in the real and Y in the imaginary part of one transform. */
static void frame_bands(const float *x, size_t xlen, const float *y, size_t ylen, long ylag,
                        size_t t, const double *win, const double *fb, const cpx *tw, cpx *buf,
                        double *px, double *py, double *bx, double *by)
{
    size_t at = t * PERCEPTUAL_HOP;
    for (size_t i = 0; i < NFFT; i++) {
        double w = i < PERCEPTUAL_FRAME ? win[i] : 0;
        long j = (long)(at + i) + ylag;
        buf[i].re = at + i < xlen && i < PERCEPTUAL_FRAME ? w * x[at + i] : 0;
        buf[i].im = j >= 0 && (size_t)j < ylen && i < PERCEPTUAL_FRAME ? w * y[j] : 0;
    }
    fft_run(buf, NFFT, tw, 0);
    for (size_t k = 0; k < NBINS; k++) {
        size_t m = (NFFT - k) % NFFT;
        double ar = buf[k].re, ai = buf[k].im, br = buf[m].re, bi = -buf[m].im;
        double xr = 0.5 * (ar + br), xi = 0.5 * (ai + bi);
        double yr = 0.5 * (ai - bi), yi = -0.5 * (ar - br);
        px[k] = xr * xr + xi * xi;
        py[k] = yr * yr + yi * yi;
    }
    for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
        double sx = 0, sy = 0;
        const double *w = fb + (size_t)b * NBINS;
        for (size_t k = 0; k < NBINS; k++) {
            sx += w[k] * px[k];
            sy += w[k] * py[k];
        }
        bx[b] = sx;
        if (by)
            by[b] = sy;
    }
}

static size_t frames_of(size_t len)
{
    return len < PERCEPTUAL_FRAME ? 0 : 1 + (len - PERCEPTUAL_FRAME) / PERCEPTUAL_HOP;
}

/* NSIM of REF frames [T0, T0 + N) against TEST frames shifted by OFF
 * (spectrograms in dB above the floor, BANDS values per frame): the SSIM
 * map of Wang et al. with its intensity and structure terms only, as
 * ViSQOL defines it, over a 3x3 Gaussian window (renormalised at the
 * patch's edges). Writes each frame's mean over bands into COL (may be
 * NULL) and returns the patch's mean. */
static double nsim_patch(const double *ref, const double *test, size_t t0, size_t n, long off,
                         double *col)
{
    static const double g[3] = {0.27901, 0.44198, 0.27901}; /* sigma 0.5, sums to 1 */
    const double L = PERCEPTUAL_FLOOR_RANGE_DB;
    const double c1 = (0.01 * L) * (0.01 * L), c2 = (0.03 * L) * (0.03 * L) / 2;
    double total = 0;
    for (size_t j = 0; j < n; j++) {
        double colsum = 0;
        for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
            double wsum = 0, mr = 0, mt = 0, rr = 0, tt = 0, rt = 0;
            for (int dj = -1; dj <= 1; dj++) {
                if ((long)j + dj < 0 || j + (size_t)(dj + 1) > n)
                    continue;
                size_t tr = t0 + j + (size_t)dj;
                size_t tt_ = (size_t)((long)tr + off);
                for (int db = -1; db <= 1; db++) {
                    int bb = b + db;
                    if (bb < 0 || bb >= PERCEPTUAL_BANDS)
                        continue;
                    double w = g[dj + 1] * g[db + 1];
                    double r = ref[tr * PERCEPTUAL_BANDS + (size_t)bb];
                    double t = test[tt_ * PERCEPTUAL_BANDS + (size_t)bb];
                    wsum += w;
                    mr += w * r;
                    mt += w * t;
                    rr += w * r * r;
                    tt += w * t * t;
                    rt += w * r * t;
                }
            }
            mr /= wsum;
            mt /= wsum;
            double vr = fmax(rr / wsum - mr * mr, 0), vt = fmax(tt / wsum - mt * mt, 0);
            double cov = rt / wsum - mr * mt;
            double intensity = (2 * mr * mt + c1) / (mr * mr + mt * mt + c1);
            double structure = (cov + c2) / (sqrt(vr * vt) + c2);
            colsum += intensity * structure;
        }
        colsum /= PERCEPTUAL_BANDS;
        if (col)
            col[j] = colsum;
        total += colsum;
    }
    return total / (double)n;
}

/* PESQ's aggregation of per-frame values V (N of them): the L6 norm within
 * each GROUP-frame window (hop GROUP_HOP), then the L2 norm over windows. */
static double lp_aggregate(const double *v, size_t n)
{
    if (n == 0)
        return 0;
    size_t group = n < GROUP ? n : GROUP;
    double sum = 0;
    size_t windows = 0;
    for (size_t s = 0;; s += GROUP_HOP) {
        if (s + group > n)
            s = n - group; /* the last window ends with the signal */
        double acc = 0;
        for (size_t i = s; i < s + group; i++)
            acc += pow(v[i], P_GROUP);
        double w = pow(acc / (double)group, 1.0 / P_GROUP);
        sum += pow(w, P_TIME);
        windows++;
        if (s + group >= n)
            break;
    }
    return pow(sum / (double)windows, 1.0 / P_TIME);
}

/* The lag (|lag| <= FINE_LAG samples) at which TEST[i + lag] best matches
 * REF[i], by normalised cross-correlation over the loudest FINE_WIN samples
 * of the reference. Frames are 16 ms apart, so a delay of a few ms would
 * otherwise show as spectral change; this makes the score indifferent to
 * it whether or not the caller aligned to the sample. */
static long fine_lag(const float *ref, size_t ref_len, const float *test, size_t test_len)
{
    if (ref_len < FINE_WIN + 2 * FINE_LAG || test_len < FINE_WIN + 2 * FINE_LAG)
        return 0;
    /* the loudest window, in steps of a tenth of it */
    size_t best_at = FINE_LAG;
    double best_e = -1;
    for (size_t at = FINE_LAG; at + FINE_WIN + FINE_LAG <= ref_len; at += FINE_WIN / 10) {
        double e = 0;
        for (size_t i = 0; i < FINE_WIN; i += 4)
            e += (double)ref[at + i] * ref[at + i];
        if (e > best_e) {
            best_e = e;
            best_at = at;
        }
    }
    if (best_at + FINE_WIN + FINE_LAG > test_len)
        return 0;
    long best = 0;
    double best_c = 0;
    for (long lag = -FINE_LAG; lag <= FINE_LAG; lag++) {
        double dot = 0, et = 0;
        for (size_t i = 0; i < FINE_WIN; i++) {
            double t = test[(size_t)((long)(best_at + i) + lag)];
            dot += ref[best_at + i] * t;
            et += t * t;
        }
        double c = et > 0 ? dot / sqrt(et) : 0;
        if (c > best_c * (1 + 1e-9)) {
            best_c = c;
            best = lag;
        }
    }
    return best;
}

double perceptual_mos(double nsim, double disturbance, double added)
{
    if (isnan(nsim) || isnan(disturbance) || isnan(added))
        return NAN;
    double raw = 4.5 - W_DIST * disturbance - W_ADDED * added - W_NSIM * (1.0 - nsim);
    /* ITU-T P.862.2's mapping of the raw PESQ score to MOS-LQO */
    return 0.999 + (4.999 - 0.999) / (1.0 + exp(-1.3669 * raw + 3.8224));
}

static void set_nan(perceptual_result *out)
{
    out->mos = out->nsim = out->disturbance = out->added = out->gain_db = NAN;
    out->active_frames = out->patches = 0;
}

int perceptual_score(const float *ref, size_t ref_len, const float *test, size_t test_len,
                     perceptual_result *out)
{
    if (out == NULL)
        return PERCEPTUAL_ERR_ARG;
    set_nan(out);
    if ((ref == NULL && ref_len > 0) || (test == NULL && test_len > 0))
        return PERCEPTUAL_ERR_ARG;
    size_t nr = frames_of(ref_len), nt = frames_of(test_len);
    if (nr == 0 || nt == 0)
        return PERCEPTUAL_ERR_EMPTY;
    /* A test shorter than the reference is scored as if it went on
     * silent: what is missing counts as missing. */
    size_t nmax = nr > nt ? nr : nt;
    long lag = fine_lag(ref, ref_len, test, test_len);

    int rc = PERCEPTUAL_ERR_NOMEM;
    double *fb = malloc(sizeof *fb * PERCEPTUAL_BANDS * NBINS);
    double *win = malloc(sizeof *win * PERCEPTUAL_FRAME);
    cpx *tw = fft_twiddles(NFFT), *buf = malloc(sizeof *buf * NFFT);
    double *px = malloc(sizeof *px * NBINS * 2);
    double *sr = malloc(sizeof *sr * PERCEPTUAL_BANDS * nmax);
    double *st = malloc(sizeof *st * PERCEPTUAL_BANDS * nmax);
    double *fr = calloc(nmax, sizeof *fr), *ft = calloc(nmax, sizeof *ft);
    double *col = malloc(sizeof *col * PERCEPTUAL_PATCH);
    double *vs = malloc(sizeof *vs * nr * 2); /* per frame: disturbance, added */
    if (!fb || !win || !tw || !buf || !px || !sr || !st || !fr || !ft || !col || !vs)
        goto done;

    make_filterbank(fb);
    for (size_t i = 0; i < PERCEPTUAL_FRAME; i++)
        win[i] = 0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / PERCEPTUAL_FRAME);
    /* Window energy, so a band power reads as the mean square it came from
     * (a frame's in-band power then compares with dBFS). */
    double wnorm = 0;
    for (size_t i = 0; i < PERCEPTUAL_FRAME; i++)
        wnorm += win[i] * win[i];
    wnorm *= NFFT / 2.0;
    for (size_t t = 0; t < nmax; t++) {
        double *br = sr + t * PERCEPTUAL_BANDS, *bt = st + t * PERCEPTUAL_BANDS;
        frame_bands(ref, ref_len, test, test_len, lag, t, win, fb, tw, buf, px, px + NBINS, br, bt);
        for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
            br[b] /= wnorm;
            bt[b] /= wnorm;
            fr[t] += br[b];
            ft[t] += bt[b];
        }
    }

    /* Which reference frames are speech. */
    const double silence = pow(10.0, PERCEPTUAL_SILENCE_DBFS / 10.0);
    double fr_max = 0, ft_max = 0;
    for (size_t t = 0; t < nmax; t++) {
        fr_max = fmax(fr_max, t < nr ? fr[t] : 0);
        ft_max = fmax(ft_max, t < nt ? ft[t] : 0);
    }
    double active_min = fmax(silence, fr_max * pow(10.0, -PERCEPTUAL_ACTIVE_RANGE_DB / 10.0));
    double er = 0, et = 0;
    size_t nactive = 0;
    for (size_t t = 0; t < nr; t++)
        if (fr[t] >= active_min) {
            nactive++;
            er += fr[t];
            et += ft[t];
        }
    rc = PERCEPTUAL_ERR_SILENT;
    if (nactive == 0 || ft_max < silence || et <= 0)
        goto done;

    /* Level alignment over the active frames (PESQ's global gain). */
    double gain = er / et;
    for (size_t i = 0; i < nmax * PERCEPTUAL_BANDS; i++)
        st[i] *= gain;
    /* PESQ's frequency-response compensation: the reference is filtered by
     * the ratio of the two long-term spectra of speech, bounded to +-20 dB,
     * so that a linear filtering (a band limit) costs little and does not
     * swamp the short damage that matters. */
    double peak = 0;
    for (size_t i = 0; i < nr * PERCEPTUAL_BANDS; i++)
        peak = fmax(peak, sr[i]);
    const double floor_pow = peak * pow(10.0, -PERCEPTUAL_FLOOR_RANGE_DB / 10.0);
    for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
        double mr = 0, mt = 0;
        for (size_t t = 0; t < nr; t++)
            if (fr[t] >= active_min) {
                mr += sr[t * PERCEPTUAL_BANDS + (size_t)b];
                mt += st[t * PERCEPTUAL_BANDS + (size_t)b];
            }
        double eq = (mt + floor_pow * (double)nactive) / (mr + floor_pow * (double)nactive);
        eq = fmin(fmax(eq, EQ_MIN), EQ_MAX);
        for (size_t t = 0; t < nr; t++)
            sr[t * PERCEPTUAL_BANDS + (size_t)b] *= eq;
    }
    /* dB above the floor (shared by both) */
    const double floor_db = 10 * log10(floor_pow);
    for (size_t i = 0; i < nmax * PERCEPTUAL_BANDS; i++) {
        sr[i] = fmax(10 * log10(sr[i] + 1e-30) - floor_db, 0);
        st[i] = fmax(10 * log10(st[i] + 1e-30) - floor_db, 0);
    }

    /* Patches tile the reference; each with speech in it is aligned on its
     * own by NSIM. Speech frames give NSIM; every frame gives disturbance
     * (noise in a pause is heard, and PESQ counts it). */
    size_t plen = PERCEPTUAL_PATCH;
    if (plen > nr)
        plen = nr;

    size_t nv = 0, na = 0, npatch = 0;
    double nsim = 0;
    for (size_t p0 = 0; p0 < nr; p0 += plen) {
        size_t n = p0 + plen <= nr ? plen : nr - p0;
        size_t act = 0;
        for (size_t j = 0; j < n; j++)
            act += fr[p0 + j] >= active_min;
        long best_off = 0;
        double best = -INFINITY;
        for (long off = -PERCEPTUAL_SEARCH_FRAMES; act > 0 && off <= PERCEPTUAL_SEARCH_FRAMES;
             off++) {
            if ((long)p0 + off < 0 || (long)(p0 + n) + off > (long)nmax)
                continue;
            double sim = nsim_patch(sr, st, p0, n, off, NULL);
            /* near-ties go to the smaller shift */
            if (sim > best + 1e-9 * (off != 0)) {
                best = sim;
                best_off = off;
            }
        }
        nsim_patch(sr, st, p0, n, best_off, col);
        npatch += act > 0;
        for (size_t j = 0; j < n; j++) {
            size_t t = p0 + j;
            if (fr[t] >= active_min) {
                nsim += col[j];
                na++;
            }
            const double *r = sr + t * PERCEPTUAL_BANDS;
            const double *d = st + (size_t)((long)t + best_off) * PERCEPTUAL_BANDS;
            double sym = 0, add = 0;
            for (int b = 0; b < PERCEPTUAL_BANDS; b++) {
                /* Zwicker's loudness law, relative to the floor (a proxy
                 * for the hearing threshold): sone-like, 0 at the floor */
                double lr = pow(10.0, LOUD_EXP * r[b]) - 1, ld = pow(10.0, LOUD_EXP * d[b]) - 1;
                /* PESQ's masking: a quarter of the smaller loudness is not
                 * heard as a difference */
                double e = fmax(fabs(ld - lr) - MASK * fmin(lr, ld), 0);
                sym += e * e;
                /* PESQ's asymmetry: energy the test adds (ratio of powers,
                 * offset so that the floor region does not divide by ~0)
                 * is worse than energy it lacks; below a ratio of 3 it is
                 * not counted, above 12 it is capped */
                double h =
                    pow((pow(10.0, d[b] / 10) + ASYM_C) / (pow(10.0, r[b] / 10) + ASYM_C), 1.2);
                h = h < 3 ? 0 : fmin(h, 12);
                add += e * h;
            }
            vs[nv * 2] = sqrt(sym / PERCEPTUAL_BANDS);
            vs[nv * 2 + 1] = add / PERCEPTUAL_BANDS;
            nv++;
        }
    }
    if (na == 0)
        goto done;
    nsim /= (double)na;
    double *tmp = malloc(sizeof *tmp * nv);
    if (!tmp) {
        rc = PERCEPTUAL_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < nv; i++)
        tmp[i] = vs[i * 2];
    double dist = lp_aggregate(tmp, nv);
    for (size_t i = 0; i < nv; i++)
        tmp[i] = vs[i * 2 + 1];
    double added = lp_aggregate(tmp, nv);
    free(tmp);

    out->nsim = nsim;
    out->disturbance = dist;
    out->added = added;
    out->gain_db = 10 * log10(gain);
    out->active_frames = na;
    out->patches = npatch;
    out->mos = perceptual_mos(nsim, dist, added);
    rc = PERCEPTUAL_OK;
done:
    free(fb);
    free(win);
    free(tw);
    free(buf);
    free(px);
    free(sr);
    free(st);
    free(fr);
    free(ft);
    free(col);
    free(vs);
    return rc;
}
