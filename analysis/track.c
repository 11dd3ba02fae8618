/* Lags piece by piece; see track.h. */
#include "analysis/track.h"

#include <math.h>
#include <stdlib.h>

int track_lags(const float *ref, size_t ref_len, const float *test, size_t test_len, size_t piece,
               int max_lag, track_point **points, size_t *count)
{
    *points = NULL;
    *count = 0;
    if (piece == 0 || ref_len < piece)
        return 0;
    track_point *out = malloc(sizeof *out * (ref_len / piece));
    if (!out)
        return -1;
    const double quiet = pow(10.0, TRACK_QUIET_DBFS / 10.0);
    size_t n = 0;
    for (size_t start = 0; start + piece <= ref_len; start += piece) {
        const float *r = ref + start;
        double energy = 0, peak = 0;
        for (size_t i = 0; i < piece; i++) {
            energy += (double)r[i] * r[i];
            peak = fmax(peak, fabs(r[i]));
        }
        if (energy / (double)piece < quiet)
            continue;
        /* the loud part: from the first to the last sample above 1 % of the peak */
        size_t lo = 0, hi = piece;
        while (fabs(r[lo]) < 0.01 * peak)
            lo++;
        while (fabs(r[hi - 1]) < 0.01 * peak)
            hi--;
        size_t len = hi - lo;
        double ref_energy = 0;
        for (size_t i = lo; i < hi; i++)
            ref_energy += (double)r[i] * r[i];
        int best = -1;
        double best_corr = 0;
        for (int lag = 0; lag <= max_lag; lag++) {
            size_t at = start + lo + (size_t)lag;
            if (at + len > test_len)
                break;
            double dot = 0, test_energy = 0;
            for (size_t i = 0; i < len; i++) {
                dot += (double)r[lo + i] * test[at + i];
                test_energy += (double)test[at + i] * test[at + i];
            }
            double corr = test_energy > 0 ? dot / sqrt(ref_energy * test_energy) : 0;
            if (corr > best_corr) {
                best_corr = corr;
                best = lag;
            }
        }
        if (best < 0)
            continue;
        out[n++] = (track_point){.start = start, .lag = best, .corr = best_corr};
    }
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *points = out;
    *count = n;
    return 0;
}
