/* The radix-2 FFT (see fft.h). Plain and small on purpose: the measures
 * need a few transforms per second of audio. */
#include "analysis/fft.h"

#include <math.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

fft_cpx *fft_twiddles(size_t n)
{
    fft_cpx *tw = malloc(n / 2 * sizeof *tw);
    if (tw == NULL)
        return NULL;
    for (size_t k = 0; k < n / 2; k++) {
        double a = -2.0 * M_PI * (double)k / (double)n;
        tw[k].re = cos(a);
        tw[k].im = sin(a);
    }
    return tw;
}

void fft_run(fft_cpx *x, size_t n, const fft_cpx *tw, int inverse)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            fft_cpx t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
    double sign = inverse ? -1.0 : 1.0;
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t half = len / 2, step = n / len;
        for (size_t s = 0; s < n; s += len) {
            for (size_t k = 0; k < half; k++) {
                double wr = tw[k * step].re, wi = sign * tw[k * step].im;
                fft_cpx *a = &x[s + k], *b = &x[s + k + half];
                double tr = b->re * wr - b->im * wi;
                double ti = b->re * wi + b->im * wr;
                b->re = a->re - tr;
                b->im = a->im - ti;
                a->re += tr;
                a->im += ti;
            }
        }
    }
}
