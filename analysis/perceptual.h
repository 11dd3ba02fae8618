/* A perceptual speech quality score meant to rank like wideband PESQ
 * (ITU-T P.862.2 MOS-LQO). docs/perceptual.md describes the method, the
 * papers it follows (ViSQOL's patch alignment and NSIM; PESQ's asymmetric
 * disturbance and its Lp aggregation over time) and how its mapping was fitted
 * and validated.
 *
 * Pure computation (no I/O, no global state), like metrics.h: mono float
 * arrays at 48 kHz, full scale = 1.0, already aligned to within a few tens of
 * milliseconds (audiocmp passes the overlap metrics_align() found; each patch
 * then refines its own lag by up to PERCEPTUAL_SEARCH_FRAMES frames).
 *
 * Sentinels: perceptual_score() returns a negative PERCEPTUAL_ERR_* code and
 * sets every field of the result to NAN (patches/active_frames to 0) when
 * there is nothing to score: a NULL pointer, a signal shorter than one frame,
 * a reference with no active speech or a test signal that is silent
 * everywhere (a dead link: other measures say so; a MOS would only say "1").
 * NAN compares false with everything: test isnan() first.
 */
#ifndef AL_ANALYSIS_PERCEPTUAL_H
#define AL_ANALYSIS_PERCEPTUAL_H

#include <stddef.h>

#define PERCEPTUAL_RATE          48000 /**< the rate every array is assumed to be at */
#define PERCEPTUAL_FRAME         1536  /**< 32 ms Hann analysis frame, as in PESQ */
#define PERCEPTUAL_HOP           768   /**< 16 ms: 50 % overlap */
#define PERCEPTUAL_BANDS         32    /**< gammatone-shaped bands, ERB-spaced 50 Hz .. 8 kHz */
#define PERCEPTUAL_PATCH         30    /**< frames per alignment patch (about 0.5 s) */
#define PERCEPTUAL_SEARCH_FRAMES 3     /**< each patch may move +-3 frames (+-48 ms) */
/** Frames whose mean square is below this never count as speech, and a test
 *  signal below it everywhere is "silent". 0 dBFS = mean square 1.0. */
#define PERCEPTUAL_SILENCE_DBFS -60.0
/** Reference frames more than this below the loudest reference frame are
 *  pauses: they are aligned with the rest but not scored. */
#define PERCEPTUAL_ACTIVE_RANGE_DB 35.0
/** The spectrogram floor, this far below the reference's loudest band
 *  value: what is quieter than that is treated as inaudible in both. */
#define PERCEPTUAL_FLOOR_RANGE_DB 80.0
#define PERCEPTUAL_MOS_MAX        4.644 /**< the score of an exact copy */

#define PERCEPTUAL_OK         0
#define PERCEPTUAL_ERR_ARG    -1 /**< NULL pointer */
#define PERCEPTUAL_ERR_EMPTY  -2 /**< a signal is shorter than one frame */
#define PERCEPTUAL_ERR_SILENT -3 /**< no active speech in REF, or TEST silent throughout */
#define PERCEPTUAL_ERR_NOMEM  -4

typedef struct perceptual_result {
    /** MOS-like score, 0.999 (bad) .. PERCEPTUAL_MOS_MAX (identical), on the
     *  scale of P.862.2 MOS-LQO (docs/perceptual.md: the fitted mapping). */
    double mos;
    /** Mean NSIM (neurogram similarity, ViSQOL) of the active reference
     *  frames with their aligned test frames: 1 identical, lower worse. */
    double nsim;
    /** Symmetric disturbance, dB: per frame the RMS over bands of the level
     *  difference beyond a 2 dB dead zone, aggregated over time as PESQ
     *  does (L6 within 20-frame windows, L2 over the windows), so that a few
     *  per cent of damaged frames weigh. 0 identical. */
    double disturbance;
    /** Asymmetric (added-energy) disturbance, dB: the same aggregation of
     *  the mean over bands of how far the test is LOUDER than the
     *  reference beyond the dead zone; missing energy does not count.
     *  Rebuilt frames that come out too loud show here. 0 identical. */
    double added;
    /** Gain applied to TEST before comparing (dB): the level of active
     *  speech is matched, as PESQ does, so a gain change is not a defect. */
    double gain_db;
    size_t active_frames; /**< reference frames scored */
    size_t patches;       /**< patches aligned */
} perceptual_result;

/** Scores TEST (REF_LEN and TEST_LEN need not match) against REF, both at
 *  48 kHz. Costs about 2 ms of CPU per second of audio. Returns
 *  PERCEPTUAL_OK, or a PERCEPTUAL_ERR_* code with every double in *OUT set
 *  to NAN (nothing written when OUT is NULL). */
int perceptual_score(const float *ref, size_t ref_len, const float *test, size_t test_len,
                     perceptual_result *out);

/** The MOS mapping alone: RAW = 4.5 - a D - b A - c (1 - NSIM) (PESQ's raw
 *  scale, 4.5 for an identical pair) through P.862.2's logistic to MOS.
 *  Exposed for tests and for refitting; NAN in, NAN out. */
double perceptual_mos(double nsim, double disturbance, double added);

#endif
