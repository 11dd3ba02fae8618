/* A delay that moves over time: for each piece of a reference, the lag at
 * which a recording matches it best, found piece by piece (audiocmp
 * --track-ms; with a click track, one sharp lag per click).
 *
 * Pure computation: mono float at 48 kHz, full scale 1.0. */
#ifndef AL_ANALYSIS_TRACK_H
#define AL_ANALYSIS_TRACK_H

#include <stddef.h>

/* Pieces of the reference quieter than this (mean square, dBFS) have
 * nothing to align on and are skipped. */
#define TRACK_QUIET_DBFS -50

typedef struct track_point {
    size_t start; /**< the piece's first sample in the reference */
    int lag;      /**< samples, 0..max_lag: test[start + lag] matches ref[start] */
    double corr;  /**< normalised correlation at LAG over the piece's loud part */
} track_point;

/** Finds, for each PIECE-sample piece of REF loud enough, the lag in
 *  0..MAX_LAG at which TEST matches it best (normalised correlation over
 *  the piece's loud part: from its first to its last sample above 1 % of
 *  its peak, computed directly, a click being a few hundred samples).
 *  Searching from 0 only, and independently of the whole file's lag,
 *  keeps a playout whose delay moves (and which no single lag fits)
 *  measurable. Pieces with no positive correlation are left out.
 *  Writes the points into a new array *POINTS (the caller frees; NULL when
 *  there are none) and their number into *COUNT. 0, or -1 when out of
 *  memory. */
int track_lags(const float *ref, size_t ref_len, const float *test, size_t test_len, size_t piece,
               int max_lag, track_point **points, size_t *count);

#endif
