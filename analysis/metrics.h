/* Objective comparison of a received/decoded signal against its reference.
 *
 * Pure computation (no I/O, no global state): mono float arrays at 48 kHz,
 * full scale = 1.0. Used by audiocmp, the end-to-end tests, the demo and the
 * loss benchmark, so every function accepts empty, silent or mismatched input
 * without crashing and says so through a documented sentinel:
 *
 *  - metrics_align() returns a negative METRICS_ERR_* code and sets *lag = 0,
 *    *peak_corr = 0 when there is nothing to align;
 *  - the measures return NAN when they are undefined (nothing to measure, or a
 *    reference that is silent everywhere). Every comparison with NAN is
 *    false, so "if (snr < 20) fail" passes it silently: test isnan() first.
 *
 * "Silent" means a mean square below METRICS_SILENCE_DBFS, where 0 dBFS is a
 * mean square of 1.0 (a full-scale square wave; a full-scale sine is -3 dBFS).
 *
 * All measures are computed at 48 kHz on the full band. (docs BASELINES
 * computes segmental SNR at 16 kHz; values here are comparable in spirit,
 * not to the decimal.)
 */
#ifndef AL_ANALYSIS_METRICS_H
#define AL_ANALYSIS_METRICS_H

#include <stddef.h>

#define METRICS_RATE         48000 /**< the rate every array is assumed to be at */
#define METRICS_SEG_LEN      960   /**< 20 ms: segmental SNR segment, LSD frame */
#define METRICS_SILENCE_DBFS -50.0 /**< segments/frames quieter than this are skipped */
#define METRICS_SSNR_LO_DB   -10.0 /**< usual segmental SNR clamps */
#define METRICS_SSNR_HI_DB   35.0
#define METRICS_SNR_MAX_DB   100.0 /**< metrics_snr_db() of an exact copy */
#define METRICS_LSD_FLOOR    1e-10 /**< power floor (-100 dB) added before log */

#define METRICS_OK          0
#define METRICS_ERR_ARG     -1 /**< NULL pointer, negative max_lag */
#define METRICS_ERR_EMPTY   -2 /**< a signal has no samples */
#define METRICS_ERR_SILENT  -3 /**< a signal is all zeros: every lag fits equally */
#define METRICS_ERR_NOMEM   -4 /**< the FFT buffers could not be allocated */
#define METRICS_ERR_TOO_BIG -5 /**< the FFT would exceed 2^30 points */

/** Finds LAG such that test[i + LAG] best matches ref[i] (LAG > 0: the test
 *  signal is late), searching |LAG| <= MAX_LAG (clamped to the lags at which
 *  the signals overlap at all).
 *
 *  The score of a lag is the cross-correlation sum_i ref[i] * test[i + lag]
 *  divided by sqrt(sum ref^2 * sum test^2) over the WHOLE signals, so it lies
 *  in [-1, 1] and a lag with a tiny overlap cannot win by chance, as it can
 *  when each lag is normalised by its own overlap. The lag with the largest
 *  |score| wins (a polarity-inverted copy is still aligned, and then shows as
 *  correlation -1 rather than as noise); ties go to the smallest |lag|.
 *  *PEAK_CORR receives the signed score of that lag.
 *
 *  Computed in O(N log N) with one complex FFT of both signals packed as
 *  real and imaginary parts and one inverse FFT, N the power of two
 *  >= max(ref_len, test_len) + max lag (about 2^20 for 20 s at +-500 ms).
 *  Returns METRICS_OK or a METRICS_ERR_* code (then *LAG = 0, *PEAK_CORR = 0). */
int metrics_align(const float *ref, size_t ref_len, const float *test, size_t test_len, int max_lag,
                  int *lag, double *peak_corr);

/** The part of both signals that overlaps when test[i + LAG] matches ref[i]:
 *  ref[*REF_START ..] and test[*TEST_START ..] for the returned number of
 *  samples (0 when they do not overlap; the starts are then 0). */
size_t metrics_overlap(size_t ref_len, size_t test_len, int lag, size_t *ref_start,
                       size_t *test_start);

/** Pearson correlation (means removed) of the N aligned samples: 1 for a
 *  copy at any gain, -1 for a negated copy, about 0 for unrelated signals.
 *  NAN when N == 0 or either signal is constant (no variance). */
double metrics_correlation(const float *ref, const float *test, size_t n);

/** 10 log10(sum ref^2 / sum (ref - test)^2) over N aligned samples, capped
 *  at METRICS_SNR_MAX_DB (an exact copy). NAN when N == 0 or the reference
 *  is all zeros. */
double metrics_snr_db(const float *ref, const float *test, size_t n);

/** Mean over consecutive SEG_LEN-sample segments (a trailing partial segment
 *  is ignored) of each segment's SNR in dB, clamped to [LO_CLAMP, HI_CLAMP]
 *  (an exact segment counts as HI_CLAMP). Segments whose reference is silent
 *  (below METRICS_SILENCE_DBFS) are skipped: their SNR says nothing about
 *  speech quality and would drag the mean to LO_CLAMP. NAN when no segment
 *  remains, SEG_LEN == 0 or LO_CLAMP > HI_CLAMP.
 *  Usual call: (ref, test, n, METRICS_SEG_LEN, METRICS_SSNR_LO_DB, METRICS_SSNR_HI_DB). */
double metrics_segmental_snr_db(const float *ref, const float *test, size_t n, size_t seg_len,
                                double lo_clamp, double hi_clamp);

/** Log-spectral distance in dB: the mean over FRAME-sample frames (hop
 *  FRAME / 2, Hann window, zero-padded to the next power of two) of
 *  sqrt(mean over bins 0..Nyquist of (10 log10(Pref + F) - 10 log10(Ptest + F))^2),
 *  with P the power spectrum normalised so white noise of variance s^2 reads
 *  s^2 per bin and F = METRICS_LSD_FLOOR (keeps empty bands finite). Frames
 *  whose reference is silent (below METRICS_SILENCE_DBFS) are skipped. 0 for
 *  identical signals, |20 log10 g| for a copy scaled by g. NAN when no frame
 *  remains, FRAME < 2, FRAME > 2^16 or the scratch memory cannot be had.
 *  Usual call: (ref, test, n, METRICS_SEG_LEN). */
double metrics_log_spectral_distance_db(const float *ref, const float *test, size_t n,
                                        size_t frame);

#endif
