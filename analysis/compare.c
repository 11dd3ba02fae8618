/* The whole comparison; see compare.h. */
#include "analysis/compare.h"

int compare_signals(const float *ref, size_t ref_len, const float *test, size_t test_len,
                    int max_lag, size_t skip, compare_result *out)
{
    int rc = metrics_align(ref, ref_len, test, test_len, max_lag, &out->lag, &out->peak_corr);
    if (rc == METRICS_ERR_NOMEM || rc == METRICS_ERR_TOO_BIG || rc == METRICS_ERR_ARG)
        return rc;
    /* Empty or silent input: nothing to align on, so compare as the files
     * stand (lag 0); the measures then say NAN where they are undefined. */
    out->align_status = rc;
    size_t rs, ts;
    size_t n = metrics_overlap(ref_len, test_len, out->lag, &rs, &ts);
    skip = skip < n ? skip : n;
    rs += skip;
    ts += skip;
    n -= skip;
    out->overlap = n;
    out->skip = skip;
    /* With n == 0 the pointers may be one past the end (or NULL for an
     * empty signal): the measures never dereference them then. */
    const float *r = ref ? ref + rs : NULL;
    const float *t = test ? test + ts : NULL;
    out->correlation = metrics_correlation(r, t, n);
    out->snr_db = metrics_snr_db(r, t, n);
    out->segsnr_db =
        metrics_segmental_snr_db(r, t, n, METRICS_SEG_LEN, METRICS_SSNR_LO_DB, METRICS_SSNR_HI_DB);
    out->lsd_db = metrics_log_spectral_distance_db(r, t, n, METRICS_SEG_LEN);
    perceptual_score(r, n, t, n, &out->perceptual);
    return METRICS_OK;
}

const char *compare_strerror(int status)
{
    switch (status) {
    case METRICS_ERR_EMPTY:
        return "a file has no samples";
    case METRICS_ERR_SILENT:
        return "a file is all zeros";
    case METRICS_ERR_NOMEM:
        return "out of memory";
    case METRICS_ERR_TOO_BIG:
        return "files too long";
    default:
        return "bad arguments";
    }
}
