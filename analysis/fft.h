/* The radix-2 FFT the measures share (metrics.c: alignment and LSD;
 * perceptual.c: the spectrogram). Pure: no I/O, no global state. */
#ifndef AL_ANALYSIS_FFT_H
#define AL_ANALYSIS_FFT_H

#include <stddef.h>

typedef struct fft_cpx {
    double re, im;
} fft_cpx;

/** exp(-2 pi i k / N) for k < N / 2 (N a power of two >= 2), in a new
 *  array the caller frees; NULL when out of memory. Each k is computed
 *  with cos/sin, because a recurrence would accumulate rounding error over
 *  2^21 steps and blur neighbouring lags of long signals. */
fft_cpx *fft_twiddles(size_t n);

/** In-place iterative radix-2 FFT of N (a power of two >= 2) points with
 *  the twiddles of fft_twiddles(N); INVERSE nonzero for the inverse,
 *  unscaled. */
void fft_run(fft_cpx *x, size_t n, const fft_cpx *tw, int inverse);

#endif
