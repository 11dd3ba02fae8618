/* audiocmp: aligns a received/decoded recording with its reference and
 * prints objective measures, for the end-to-end tests, the demo and the
 * benchmarks. A command line over the analysis library: options, files and
 * printing here; the comparison in analysis/compare.h and track.h. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/metrics.h"
#include "analysis/perceptual.h"
#include "analysis/track.h"
#include "audio/soundfile.h"
#include "common/cli.h"

#ifndef AL_VERSION
#define AL_VERSION "dev"
#endif

#define PROGRAM            "audiocmp"
#define DEFAULT_MAX_LAG_US 500000
/* Lags are ints in the library; a minute is far more than any real path
 * delays a stream and keeps the FFT within a few hundred MB. */
#define MAX_LAG_US_LIMIT 60000000
#define READ_CHUNK       4800 /* frames per read: 100 ms */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: audiocmp REF TEST [options]\n"
            "Aligns TEST (a received or decoded recording) with REF (what was sent) and\n"
            "prints the lag and objective measures on one line. Files are anything\n"
            "libsndfile reads, resampled to 48 kHz and mixed down to mono.\n"
            "\n"
            "  --max-lag-ms MS   search lags up to +-MS (default %d; \"0.5s\" also works)\n"
            "  --skip-ms MS      leave the first MS of the aligned overlap out of the\n"
            "                    measures (e.g. decoder start-up); alignment still uses\n"
            "                    everything (default 0)\n"
            "  --min-corr X      exit 1 unless the correlation is at least X (-1..1)\n"
            "  --track-ms MS     also find each MS-long piece of REF in TEST on its own, at\n"
            "                    a lag of 0..--max-lag-ms, and print each piece's lag: a\n"
            "                    delay that changes over time. A click track (one click per\n"
            "                    piece, clicks further apart than the largest lag) gives one\n"
            "                    sharp lag per click. Pieces below %d dBFS are skipped\n"
            "  --json            one JSON object instead of the human line\n"
            "  --mos             only the perceptual score, a number on a line (for scripts\n"
            "                    that average it: tools/copystudy/study.sh)\n"
            "  -h, --help        this text\n"
            "  -V, --version     version\n"
            "\n"
            "lag > 0 means TEST is late: TEST[i + lag] matches REF[i]. Measures, on the\n"
            "aligned overlap: corr (Pearson), snr and segsnr (20 ms segments, clamped to\n"
            "%g..%g dB, reference segments below %g dBFS skipped) and lsd (log-spectral\n"
            "distance, 20 ms Hann frames), and mos: a perceptual score on the scale of\n"
            "wideband PESQ (P.862.2 MOS-LQO), 1..%.2f for an identical copy, that weighs\n"
            "a few per cent of damaged frames as PESQ does (docs/perceptual.md). JSON adds\n"
            "its parts: nsim (0..1, 1 identical), disturbance and added (0 identical;\n"
            "added counts only energy TEST adds) and perceptual_gain_db (the level match\n"
            "applied to TEST). n/a (null in JSON) marks an undefined measure, e.g. a\n"
            "silent reference or test.\n"
            "\n"
            "Exit status: 0, or 1 when --min-corr is not met (or the correlation is\n"
            "undefined), or 2 on bad usage or an unreadable file.\n",
            DEFAULT_MAX_LAG_US / 1000, TRACK_QUIET_DBFS, METRICS_SSNR_LO_DB, METRICS_SSNR_HI_DB,
            METRICS_SILENCE_DBFS, PERCEPTUAL_MOS_MAX);
}

struct options {
    const char *ref_path, *test_path;
    int64_t max_lag_us, skip_us, track_us;
    bool have_min_corr, json, mos_only;
    double min_corr;
};

enum { OPT_MAX_LAG = 256, OPT_SKIP, OPT_MIN_CORR, OPT_JSON, OPT_TRACK, OPT_MOS };

/* Returns -1 to go on, or an exit status (0 after --help/--version). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"max-lag-ms", required_argument, NULL, OPT_MAX_LAG},
        {"skip-ms", required_argument, NULL, OPT_SKIP},
        {"min-corr", required_argument, NULL, OPT_MIN_CORR},
        {"json", no_argument, NULL, OPT_JSON},
        {"mos", no_argument, NULL, OPT_MOS},
        {"track-ms", required_argument, NULL, OPT_TRACK},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof *o);
    o->max_lag_us = DEFAULT_MAX_LAG_US;
    opterr = 0; /* our own messages, with the exit status 2 */
    while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_MAX_LAG:
            if (cli_parse_duration_us(optarg, &o->max_lag_us) < 0 ||
                o->max_lag_us > MAX_LAG_US_LIMIT)
                return cli_usage_error(PROGRAM, "--max-lag-ms '%s': expected 0..%d ms", optarg,
                                       MAX_LAG_US_LIMIT / 1000);
            break;
        case OPT_SKIP:
            if (cli_parse_duration_us(optarg, &o->skip_us) < 0)
                return cli_usage_error(PROGRAM, "--skip-ms '%s': expected milliseconds >= 0",
                                       optarg);
            break;
        case OPT_MIN_CORR: {
            char *end;
            errno = 0;
            o->min_corr = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(o->min_corr >= -1.0 && o->min_corr <= 1.0))
                return cli_usage_error(PROGRAM, "--min-corr '%s': expected a number in -1..1",
                                       optarg);
            o->have_min_corr = true;
            break;
        }
        case OPT_MOS:
            o->mos_only = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_TRACK:
            if (cli_parse_duration_us(optarg, &o->track_us) < 0 || o->track_us < 10000 ||
                o->track_us > 60000000)
                return cli_usage_error(PROGRAM, "--track-ms '%s': expected 10..60000 ms", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("audiocmp %s\n", AL_VERSION);
            return 0;
        case ':':
            return cli_usage_error(PROGRAM, "%s: missing argument", argv[optind - 1]);
        default:
            return cli_usage_error(PROGRAM, "%s: unknown option", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(PROGRAM, "expected two files, REF and TEST");
    o->ref_path = argv[optind];
    o->test_path = argv[optind + 1];
    return -1;
}

/* Reads all of PATH as mono 48 kHz into a malloc'ed *OUT (NULL when empty).
 * Returns 0, or -1 after printing why. */
static int read_all(const char *path, float **out, size_t *len)
{
    char err[512];
    *out = NULL;
    *len = 0;
    soundfile_reader *r = soundfile_reader_open(path, 1, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return -1;
    }
    float *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < READ_CHUNK) {
            /* Doubling keeps a 20-minute file to a few dozen reallocs. */
            size_t ncap = cap ? cap * 2 : (size_t)SOUNDFILE_RATE * 10;
            float *nbuf = realloc(buf, ncap * sizeof *nbuf);
            if (nbuf == NULL) {
                fprintf(stderr, PROGRAM ": %s: out of memory\n", path);
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
        long got = soundfile_reader_read(r, buf + n, READ_CHUNK);
        if (got < 0) {
            fprintf(stderr, PROGRAM ": %s: read error\n", path);
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    soundfile_reader_close(r);
    if (n == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    *len = n;
    return 0;
fail:
    soundfile_reader_close(r);
    free(buf);
    return -1;
}

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* JSON has no NaN: an undefined measure is null. */
static void json_number(const char *key, double v, const char *fmt)
{
    printf(",\"%s\":", key);
    if (isnan(v))
        printf("null");
    else
        printf(fmt, v);
}

static void human_number(const char *label, double v, const char *fmt, const char *unit)
{
    printf("  %s ", label);
    if (isnan(v)) {
        printf("n/a");
    } else {
        printf(fmt, v);
        printf("%s", unit);
    }
}

/* --track-ms: the lag of each piece of REF in TEST (track.h), one line or
 * JSON object each. Returns -1 when out of memory. */
static int print_track(const float *ref, size_t ref_len, const float *test, size_t test_len,
                       size_t piece, int max_lag, bool json)
{
    track_point *points;
    size_t count;
    if (track_lags(ref, ref_len, test, test_len, piece, max_lag, &points, &count) != 0)
        return -1;
    if (json)
        printf(",\"track\":[");
    for (size_t i = 0; i < count; i++) {
        double t_s = (double)points[i].start / SOUNDFILE_RATE;
        double lag_ms = points[i].lag * 1000.0 / SOUNDFILE_RATE;
        if (json)
            printf("%s{\"t_s\":%.3f,\"lag_ms\":%.3f,\"corr\":%.4f}", i ? "," : "", t_s, lag_ms,
                   points[i].corr);
        else
            printf("track %.3f s  lag %+.3f ms  corr %.4f\n", t_s, lag_ms, points[i].corr);
    }
    if (json)
        printf("]");
    free(points);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;

    float *ref = NULL, *test = NULL;
    size_t ref_len, test_len;
    if (read_all(o.ref_path, &ref, &ref_len) < 0 || read_all(o.test_path, &test, &test_len) < 0) {
        free(ref);
        return 2;
    }

    int max_lag = (int)(o.max_lag_us * SOUNDFILE_RATE / 1000000);
    size_t skip = (size_t)(o.skip_us * SOUNDFILE_RATE / 1000000);
    compare_result c;
    int rc = compare_signals(ref, ref_len, test, test_len, max_lag, skip, &c);
    if (rc != METRICS_OK) {
        fprintf(stderr, PROGRAM ": cannot align: %s\n", compare_strerror(rc));
        free(ref);
        free(test);
        return 2;
    }
    if (c.align_status != METRICS_OK && !o.json)
        fprintf(stderr, PROGRAM ": not aligned (%s); comparing at lag 0\n",
                compare_strerror(c.align_status));
    double lag_ms = c.lag * 1000.0 / SOUNDFILE_RATE;
    const perceptual_result pq = c.perceptual;
    const size_t piece = (size_t)(o.track_us * SOUNDFILE_RATE / 1000000);
    int track_rc = 0;

    if (o.mos_only) {
        if (isnan(pq.mos))
            printf("n/a\n");
        else
            printf("%.3f\n", pq.mos);
    } else if (o.json) {
        printf("{\"ref\":");
        json_string(o.ref_path);
        printf(",\"test\":");
        json_string(o.test_path);
        printf(",\"rate\":%d,\"ref_samples\":%zu,\"test_samples\":%zu", SOUNDFILE_RATE, ref_len,
               test_len);
        printf(",\"aligned\":%s,\"lag_samples\":%d",
               c.align_status == METRICS_OK ? "true" : "false", c.lag);
        json_number("lag_ms", lag_ms, "%.3f");
        json_number("peak_corr", c.peak_corr, "%.6f");
        printf(",\"overlap_samples\":%zu,\"skip_samples\":%zu", c.overlap, c.skip);
        json_number("correlation", c.correlation, "%.6f");
        json_number("snr_db", c.snr_db, "%.3f");
        json_number("segsnr_db", c.segsnr_db, "%.3f");
        json_number("lsd_db", c.lsd_db, "%.3f");
        json_number("mos", pq.mos, "%.3f");
        json_number("nsim", pq.nsim, "%.4f");
        json_number("disturbance", pq.disturbance, "%.3f");
        json_number("added", pq.added, "%.3f");
        json_number("perceptual_gain_db", pq.gain_db, "%.2f");
        if (o.track_us > 0)
            track_rc = print_track(ref, ref_len, test, test_len, piece, max_lag, true);
        printf("}\n");
    } else {
        printf("lag %d samples (%+.3f ms)", c.lag, lag_ms);
        human_number("corr", c.correlation, "%.5f", "");
        human_number("snr", c.snr_db, "%.2f", " dB");
        human_number("segsnr", c.segsnr_db, "%.2f", " dB");
        human_number("lsd", c.lsd_db, "%.2f", " dB");
        human_number("mos", pq.mos, "%.2f", "");
        printf("  ref %zu (%.3f s)  test %zu (%.3f s)  overlap %zu\n", ref_len,
               (double)ref_len / SOUNDFILE_RATE, test_len, (double)test_len / SOUNDFILE_RATE,
               c.overlap);
        if (o.track_us > 0)
            track_rc = print_track(ref, ref_len, test, test_len, piece, max_lag, false);
    }
    double corr = c.correlation;
    free(ref);
    free(test);
    if (track_rc != 0) {
        fprintf(stderr, PROGRAM ": --track-ms: out of memory\n");
        return 2;
    }

    if (o.have_min_corr && !(corr >= o.min_corr)) {
        if (isnan(corr))
            fprintf(stderr, PROGRAM ": correlation undefined, --min-corr %g not met\n", o.min_corr);
        else
            fprintf(stderr, PROGRAM ": correlation %.5f < --min-corr %g\n", corr, o.min_corr);
        return 1;
    }
    return 0;
}
