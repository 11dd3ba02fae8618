/* The whole comparison of a received recording against its reference, as
 * audiocmp prints it: align, take the aligned overlap (minus a start-up
 * skip), and compute every measure of metrics.h and perceptual.h on it.
 *
 * Pure computation, like the measures: mono float at 48 kHz, full scale
 * 1.0; nothing is kept after the call. */
#ifndef AL_ANALYSIS_COMPARE_H
#define AL_ANALYSIS_COMPARE_H

#include <stddef.h>

#include "analysis/metrics.h"
#include "analysis/perceptual.h"

typedef struct compare_result {
    int align_status; /**< METRICS_OK, or why nothing could be aligned
                           (METRICS_ERR_EMPTY / _SILENT): then compared at lag 0 */
    int lag;          /**< samples; > 0: TEST is late (test[i + lag] matches ref[i]) */
    double peak_corr; /**< metrics_align's score of LAG */
    size_t overlap;   /**< samples measured: the aligned overlap less SKIP */
    size_t skip;      /**< samples left out at the overlap's start (at most its length) */
    double correlation, snr_db, segsnr_db, lsd_db; /**< NAN when undefined */
    perceptual_result perceptual;                  /**< NAN fields when undefined */
} compare_result;

/** Aligns TEST with REF within +-MAX_LAG samples and measures the overlap
 *  after its first SKIP samples into *OUT. Returns METRICS_OK (also when
 *  nothing could be aligned: see align_status) or the METRICS_ERR_NOMEM,
 *  _TOO_BIG or _ARG that made the comparison impossible. */
int compare_signals(const float *ref, size_t ref_len, const float *test, size_t test_len,
                    int max_lag, size_t skip, compare_result *out);

/** A short text for a METRICS_ERR_* code ("a file is all zeros"). */
const char *compare_strerror(int status);

#endif
