/* devtool: the sound devices as PortAudio sees them, through audio/device.h
 * exactly as the sender and receiver use them: list them, play a file to
 * one, record one to a file, or play a sweep to an output while recording an
 * input and check that it came back. Prints the xrun counters at the end.
 * See --help. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "audio/device.h"
#include "audio/soundfile.h"
#include "common/cli.h"

#ifndef AL_VERSION
#define AL_VERSION "dev"
#endif

#define PROGRAM "devtool"
#define RATE    DEVICE_RATE
#define CHUNK   4800 /* frames moved per step between file and ring: 100 ms */
#define WAIT_MS 500  /* longest wait for the device before looking at signals again */
/* The loopback sweep: an exponential sine sweep correlates with itself at one
 * sharp peak only, so its lag is found exactly, and it covers the voice band. */
#define SWEEP_SECONDS 2.0
#define SWEEP_F0      100.0
#define SWEEP_F1      8000.0
#define SWEEP_GAIN    0.5
#define LOOP_TAIL_S   1.0 /* recorded after the sweep, for the round trip */

enum mode { MODE_NONE, MODE_LIST, MODE_PLAY, MODE_RECORD, MODE_LOOPBACK };

struct options {
    enum mode mode;
    const char *file;  /* --play / --record */
    const char *input; /* device specs; NULL = default */
    const char *output;
    const char *signal; /* --loopback-test: a file instead of the sweep */
    const char *save;   /* --loopback-test: keep the recording */
    int channels;
    double seconds; /* --record: 0 = until Ctrl-C */
    double lead_s;  /* silence played before the sound */
    long block;
    double latency_s;
    double min_corr;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: devtool --list\n"
        "       devtool --play FILE [--output DEV] [options]\n"
        "       devtool --record FILE [--seconds S] [--input DEV] [options]\n"
        "       devtool --loopback-test [--input DEV] [--output DEV] [options]\n"
        "Checks sound devices through the same PortAudio layer the sender and receiver use.\n"
        "\n"
        "Modes:\n"
        "  -l, --list            every device: index, host API, name, channels, rate, latency\n"
        "  -p, --play FILE       play a sound file (any rate; resampled to %d Hz)\n"
        "  -r, --record FILE     record to FILE (.wav or .flac, %d Hz) for --seconds, or\n"
        "                        until Ctrl-C / SIGTERM\n"
        "  --loopback-test       play a %.0f s sine sweep to the output while recording the\n"
        "                        input, then find it in the recording: prints the lag and\n"
        "                        the correlation. Needs a wire (or jack_connect) from the\n"
        "                        output to the input.\n"
        "\n"
        "Devices (DEV: an index from --list, part of a name, API:NAME such as jack:system,\n"
        "or default):\n"
        "  -i, --input DEV       capture device (default: the system's)\n"
        "  -o, --output DEV      playback device (default: the system's)\n"
        "  -c, --channels N      1 or 2 (default 1)\n"
        "  --block N             frames per callback (default: what the device likes)\n"
        "  --latency MS          suggested device latency (default: the device's low latency)\n"
        "\n"
        "Timing and checks:\n"
        "  -s, --seconds S       --record: how long (default: until stopped)\n"
        "  --lead-silence S      play S seconds of silence first (default 0; 1 for the\n"
        "                        loopback test), time to connect ports\n"
        "  --signal FILE         --loopback-test: play FILE instead of the sweep\n"
        "  --save FILE           --loopback-test: write the recording to FILE\n"
        "  --min-corr X          --loopback-test: exit 1 below this correlation (default 0.9)\n"
        "  -h, --help, -V, --version\n"
        "\n"
        "On JACK, PortAudio registers this process as a client (\"PortAudio\", or\n"
        "\"PortAudio-01\" if that name is taken) with ports in_N / out_N; devtool prints\n"
        "their names once they exist. PortAudio connects them to the device's ports when\n"
        "the stream starts. AL_AUDIO_DEBUG=1 shows the ALSA and JACK libraries' messages.\n"
        "Stream counters are printed at the end: underruns (playback ring empty, silence\n"
        "played), overruns (capture ring full, frames dropped) and PortAudio's own xrun flags.\n"
        "\n"
        "Exit status: 0 done; 1 a device or file failed, or the loopback test failed;\n"
        "2 bad usage.\n",
        RATE, RATE, SWEEP_SECONDS);
}

static int parse_seconds(const char *text, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= 0 && v <= max))
        return -1;
    *out = v;
    return 0;
}

enum {
    OPT_LOOPBACK = 256,
    OPT_BLOCK,
    OPT_LATENCY,
    OPT_LEAD,
    OPT_SIGNAL,
    OPT_SAVE,
    OPT_MIN_CORR,
};

static int set_mode(struct options *o, enum mode m)
{
    if (o->mode != MODE_NONE && o->mode != m)
        return cli_usage_error(PROGRAM, "choose one of --list, --play, --record, --loopback-test");
    o->mode = m;
    return -1;
}

/* Returns -1 to go on, or an exit status (0 after --help/--version). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"list", no_argument, NULL, 'l'},
        {"play", required_argument, NULL, 'p'},
        {"record", required_argument, NULL, 'r'},
        {"loopback-test", no_argument, NULL, OPT_LOOPBACK},
        {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"channels", required_argument, NULL, 'c'},
        {"seconds", required_argument, NULL, 's'},
        {"block", required_argument, NULL, OPT_BLOCK},
        {"latency", required_argument, NULL, OPT_LATENCY},
        {"lead-silence", required_argument, NULL, OPT_LEAD},
        {"signal", required_argument, NULL, OPT_SIGNAL},
        {"save", required_argument, NULL, OPT_SAVE},
        {"min-corr", required_argument, NULL, OPT_MIN_CORR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->channels = 1;
    o->lead_s = -1;
    o->min_corr = 0.9;
    opterr = 0;
    int c, rc;
    long v;
    int64_t us;
    while ((c = getopt_long(argc, argv, ":lp:r:i:o:c:s:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if ((rc = set_mode(o, MODE_LIST)) >= 0)
                return rc;
            break;
        case 'p':
            if ((rc = set_mode(o, MODE_PLAY)) >= 0)
                return rc;
            o->file = optarg;
            break;
        case 'r':
            if ((rc = set_mode(o, MODE_RECORD)) >= 0)
                return rc;
            o->file = optarg;
            break;
        case OPT_LOOPBACK:
            if ((rc = set_mode(o, MODE_LOOPBACK)) >= 0)
                return rc;
            break;
        case 'i':
            o->input = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, 2, &v) < 0)
                return cli_usage_error(PROGRAM, "--channels '%s': 1 or 2", optarg);
            o->channels = (int)v;
            break;
        case 's':
            if (parse_seconds(optarg, 86400, &o->seconds) < 0 || o->seconds == 0)
                return cli_usage_error(PROGRAM, "--seconds '%s': expected 0 < S <= 86400", optarg);
            break;
        case OPT_BLOCK:
            if (cli_parse_int(optarg, 0, 65536, &v) < 0)
                return cli_usage_error(PROGRAM, "--block '%s': expected 0..65536 frames", optarg);
            o->block = v;
            break;
        case OPT_LATENCY:
            if (cli_parse_duration_us(optarg, &us) < 0 || us > 10000000)
                return cli_usage_error(PROGRAM, "--latency '%s': expected 0..10000 ms", optarg);
            o->latency_s = (double)us / 1e6;
            break;
        case OPT_LEAD:
            if (parse_seconds(optarg, 60, &o->lead_s) < 0)
                return cli_usage_error(PROGRAM, "--lead-silence '%s': expected 0..60 seconds",
                                       optarg);
            break;
        case OPT_SIGNAL:
            o->signal = optarg;
            break;
        case OPT_SAVE:
            o->save = optarg;
            break;
        case OPT_MIN_CORR: {
            char *end;
            errno = 0;
            o->min_corr = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(o->min_corr >= -1.0 && o->min_corr <= 1.0))
                return cli_usage_error(PROGRAM, "--min-corr '%s': expected a number in -1..1",
                                       optarg);
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("devtool %s\n", AL_VERSION);
            return 0;
        case ':':
            return cli_usage_error(PROGRAM, "%s: missing argument", argv[optind - 1]);
        default:
            return cli_usage_error(PROGRAM, "%s: unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
    if (o->mode == MODE_NONE)
        return cli_usage_error(PROGRAM, "nothing to do: --list, --play, --record or "
                                        "--loopback-test");
    if (o->lead_s < 0)
        o->lead_s = o->mode == MODE_LOOPBACK ? 1.0 : 0.0;
    return -1;
}

/* ---- streams ---- */

static device_stream *open_stream(const struct options *o, device_dir dir)
{
    char err[1024];
    bool input = dir == DEVICE_INPUT;
    int dev = device_find(input ? o->input : o->output, input, err, sizeof err);
    if (dev < 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return NULL;
    }
    device_params p = {
        .device = dev,
        .channels = o->channels,
        .block = (unsigned long)o->block,
        .latency_s = o->latency_s,
    };
    device_stream *s = device_open(dir, &p, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return NULL;
    }
    return s;
}

/* One line naming the stream, and its JACK ports when it has some: the
 * tests wait for this line before they wire ports with jack_connect. */
static void describe(const device_stream *s, const char *verb)
{
    device_info in;
    device_get_info(s, &in);
    fprintf(stderr, PROGRAM ": %s device %d '%s' [%s], %d ch at %d Hz, ring %zu frames", verb,
            in.device, in.name, in.host_api, in.channels, in.rate, in.ring_frames);
    const char *client = in.jack ? device_jack_client_name() : NULL;
    if (client != NULL) {
        /* devtool opens at most one stream per direction, so its ports are
         * numbered from 0 (PortAudio numbers them per process). */
        fprintf(stderr, "; jack ports");
        for (int c = 0; c < in.channels; c++)
            fprintf(stderr, " %s:%s_%d", client, in.dir == DEVICE_INPUT ? "in" : "out", c);
    }
    fputc('\n', stderr);
    fflush(stderr);
}

/* The counters in key=value form, so scripts can pick them out. */
static void report(const device_stream *s)
{
    device_info in;
    device_stats st;
    device_get_info(s, &in);
    device_get_stats(s, &st);
    bool input = in.dir == DEVICE_INPUT;
    const char *xrun = input ? "overrun" : "underrun";
    fprintf(stderr,
            PROGRAM ": %s stats: frames=%" PRIu64 " callbacks=%" PRIu64 " max_block=%" PRIu64
                    " %s_events=%" PRIu64 " %s_frames=%" PRIu64,
            input ? "input" : "output", st.frames, st.callbacks, st.max_block, xrun, st.xrun_events,
            xrun, st.xrun_frames);
    if (!input)
        fprintf(stderr, " idle_frames=%" PRIu64, st.idle_frames);
    fprintf(stderr,
            " pa_input_underflow=%" PRIu64 " pa_input_overflow=%" PRIu64
            " pa_output_underflow=%" PRIu64 " pa_output_overflow=%" PRIu64,
            st.input_underflow, st.input_overflow, st.output_underflow, st.output_overflow);
    /* PortAudio's figure, printed as reported; on JACK it can be absurd. */
    fprintf(stderr, " reported_latency_ms=%.1f%s\n", in.reported_latency_s * 1e3,
            !(in.reported_latency_s >= 0 && in.reported_latency_s < 10) ? " (implausible)" : "");
}

/* ---- --list ---- */

static int run_list(void)
{
    char err[512];
    int n = device_list(stdout, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return 1;
    }
    return 0;
}

/* ---- --play ---- */

static int run_play(const struct options *o)
{
    char err[512];
    soundfile_reader *rd = soundfile_reader_open(o->file, o->channels, err, sizeof err);
    if (rd == NULL) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return 1;
    }
    device_stream *s = open_stream(o, DEVICE_OUTPUT);
    if (s == NULL) {
        soundfile_reader_close(rd);
        return 1;
    }
    int status = 0;
    /* The lead silence goes into the ring first, then the file: the ring is
     * primed before the stream starts so the first callback has audio. */
    size_t lead = (size_t)lround(o->lead_s * RATE);
    size_t pending = 0, offset = 0; /* frames of buf not yet in the ring */
    bool eof = false, started = false;
    uint64_t played = 0;
    float *buf = malloc((size_t)CHUNK * (size_t)o->channels * sizeof *buf);
    if (buf == NULL) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        status = 1;
        goto done;
    }
    while (!g_stop) {
        while (lead > 0) {
            size_t n = device_write(s, NULL, lead);
            lead -= n;
            if (n == 0)
                break;
        }
        while (lead == 0 && !eof) {
            if (pending == 0) {
                long got = soundfile_reader_read(rd, buf, CHUNK);
                if (got < 0) {
                    fprintf(stderr, PROGRAM ": %s: read error\n", o->file);
                    status = 1;
                    goto done;
                }
                if (got == 0) {
                    eof = true;
                    break;
                }
                pending = (size_t)got;
                offset = 0;
            }
            size_t n = device_write(s, buf + offset * (size_t)o->channels, pending);
            pending -= n;
            offset += n;
            played += n;
            if (pending > 0)
                break; /* ring full */
        }
        if (!started) {
            if (device_start(s, err, sizeof err) != 0) {
                fprintf(stderr, PROGRAM ": %s\n", err);
                status = 1;
                goto done;
            }
            started = true;
            describe(s, "playing to");
        }
        if (eof)
            break;
        int w = device_wait(s, CHUNK, WAIT_MS);
        if (w < 0) {
            fprintf(stderr, PROGRAM ": the output stream stopped (audio server gone?)\n");
            status = 1;
            goto done;
        }
    }
    if (eof) {
        device_info in;
        device_get_info(s, &in);
        /* the ring's worth of audio plus slack for a slow start */
        int timeout_ms = (int)(in.ring_frames * 1000 / (size_t)in.rate) + 5000;
        if (device_drain(s, timeout_ms) != 0) {
            fprintf(stderr, PROGRAM ": the output did not play out in %d ms\n", timeout_ms);
            status = 1;
        }
        fprintf(stderr, PROGRAM ": played %.2f s of '%s'\n", (double)played / RATE, o->file);
    } else if (g_stop) {
        fprintf(stderr, PROGRAM ": stopped after %.2f s\n", (double)played / RATE);
    }
done:
    if (s != NULL && started)
        report(s);
    device_close(s);
    free(buf);
    soundfile_reader_close(rd);
    return status;
}

/* ---- --record ---- */

static int run_record(const struct options *o)
{
    char err[512];
    device_stream *s = open_stream(o, DEVICE_INPUT);
    if (s == NULL)
        return 1;
    soundfile_writer *wr = soundfile_writer_open(o->file, o->channels, err, sizeof err);
    float *buf = malloc((size_t)CHUNK * (size_t)o->channels * sizeof *buf);
    int status = 0;
    bool started = false;
    if (wr == NULL || buf == NULL) {
        fprintf(stderr, PROGRAM ": %s\n", wr == NULL ? err : "out of memory");
        status = 1;
        goto done;
    }
    if (device_start(s, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        status = 1;
        goto done;
    }
    started = true;
    describe(s, "recording from");
    uint64_t limit = o->seconds > 0 ? (uint64_t)llround(o->seconds * RATE) : UINT64_MAX;
    uint64_t total = 0;
    while (!g_stop && total < limit) {
        size_t want = CHUNK;
        if (limit - total < want)
            want = (size_t)(limit - total);
        int w = device_wait(s, want, WAIT_MS);
        if (w < 0) {
            fprintf(stderr, PROGRAM ": the input stream stopped (audio server gone?)\n");
            status = 1;
            break;
        }
        size_t n = device_read(s, buf, want);
        if (n > 0 && soundfile_writer_write(wr, buf, (long)n) != 0) {
            fprintf(stderr, PROGRAM ": %s: write error\n", o->file);
            status = 1;
            break;
        }
        total += n;
    }
    device_stop(s);
    fprintf(stderr, PROGRAM ": recorded %.2f s to '%s'\n", (double)total / RATE, o->file);
done:
    if (started)
        report(s);
    device_close(s);
    free(buf);
    if (wr != NULL && soundfile_writer_close(wr) != 0) {
        fprintf(stderr, PROGRAM ": %s: cannot finalise\n", o->file);
        status = 1;
    }
    return status;
}

/* ---- --loopback-test ---- */

/* Fills OUT[0..N) with an exponential sine sweep from F0 to F1 (Farina's),
 * with 10 ms raised-cosine fades so its ends do not click. */
static void make_sweep(float *out, size_t n)
{
    double t_total = (double)n / RATE, k = log(SWEEP_F1 / SWEEP_F0);
    size_t fade = RATE / 100;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double phase = 2 * M_PI * SWEEP_F0 * t_total / k * (exp(t / t_total * k) - 1);
        double g = SWEEP_GAIN;
        if (i < fade)
            g *= 0.5 - 0.5 * cos(M_PI * (double)i / (double)fade);
        else if (n - i <= fade)
            g *= 0.5 - 0.5 * cos(M_PI * (double)(n - i) / (double)fade);
        out[i] = (float)(g * sin(phase));
    }
}

/* Reads all of PATH as mono into a malloc'ed buffer. */
static float *read_signal(const char *path, size_t *len)
{
    char err[512];
    soundfile_reader *r = soundfile_reader_open(path, 1, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return NULL;
    }
    size_t cap = (size_t)RATE * 10, n = 0;
    float *buf = malloc(cap * sizeof *buf);
    while (buf != NULL) {
        if (cap - n < CHUNK) {
            float *nb = realloc(buf, cap * 2 * sizeof *buf);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        long got = soundfile_reader_read(r, buf + n, CHUNK);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    soundfile_reader_close(r);
    if (buf == NULL)
        fprintf(stderr, PROGRAM ": %s: out of memory\n", path);
    *len = n;
    return buf;
}

static int run_loopback(const struct options *o)
{
    if (o->channels != 1) {
        fprintf(stderr, PROGRAM ": --loopback-test is mono\n");
        return 2;
    }
    size_t sig_len = 0;
    float *sig = NULL;
    if (o->signal != NULL) {
        sig = read_signal(o->signal, &sig_len);
    } else {
        sig_len = (size_t)(SWEEP_SECONDS * RATE);
        sig = malloc(sig_len * sizeof *sig);
        if (sig != NULL)
            make_sweep(sig, sig_len);
    }
    if (sig == NULL || sig_len == 0) {
        free(sig);
        fprintf(stderr, PROGRAM ": no signal to play\n");
        return 1;
    }
    size_t lead = (size_t)lround(o->lead_s * RATE);
    size_t total = lead + sig_len + (size_t)(LOOP_TAIL_S * RATE); /* frames to record */
    float *rec = malloc(total * sizeof *rec);
    device_stream *in = NULL, *out = NULL;
    int status = 1;
    char err[512];
    if (rec == NULL) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        goto done;
    }
    if ((out = open_stream(o, DEVICE_OUTPUT)) == NULL ||
        (in = open_stream(o, DEVICE_INPUT)) == NULL)
        goto done;
    size_t lead_left = lead, sent = 0, got = 0;
    lead_left -= device_write(out, NULL, lead_left);
    if (lead_left == 0)
        sent += device_write(out, sig, sig_len);
    if (device_start(in, err, sizeof err) != 0 || device_start(out, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        goto done;
    }
    describe(out, "playing to");
    describe(in, "recording from");
    bool eos = false;
    while (!g_stop && got < total) {
        if (lead_left > 0)
            lead_left -= device_write(out, NULL, lead_left);
        if (lead_left == 0 && sent < sig_len)
            sent += device_write(out, sig + sent, sig_len - sent);
        if (sent == sig_len && !eos) {
            device_end_of_stream(out);
            eos = true;
        }
        size_t want = total - got < CHUNK ? total - got : CHUNK;
        if (device_wait(in, want, WAIT_MS) < 0) {
            fprintf(stderr, PROGRAM ": the input stream stopped (audio server gone?)\n");
            goto done;
        }
        got += device_read(in, rec + got, want);
    }
    device_stop(in);
    device_drain(out, 1000);
    if (o->save != NULL) {
        soundfile_writer *w = soundfile_writer_open(o->save, 1, err, sizeof err);
        if (w == NULL || soundfile_writer_write(w, rec, (long)got) != 0 ||
            soundfile_writer_close(w) != 0)
            fprintf(stderr, PROGRAM ": cannot save the recording: %s\n", w == NULL ? err : o->save);
    }
    if (g_stop) {
        fprintf(stderr, PROGRAM ": stopped\n");
        goto done;
    }
    /* The played signal sits at frame LEAD of the output; its lag in the
     * recording, minus LEAD, is the round trip (output ring, device,
     * wire, device, input) plus whatever separated the two streams' starts. */
    int lag = 0;
    double peak = 0;
    int a = metrics_align(sig, sig_len, rec, got, (int)got, &lag, &peak);
    if (a == METRICS_ERR_SILENT) {
        fprintf(stderr, PROGRAM ": loopback: only silence came back: is the output connected "
                                "to the input?\n");
        goto done;
    }
    if (a != METRICS_OK) {
        fprintf(stderr, PROGRAM ": loopback: cannot align the recording (%d)\n", a);
        goto done;
    }
    size_t rs, ts;
    size_t n = metrics_overlap(sig_len, got, lag, &rs, &ts);
    double corr = metrics_correlation(sig + rs, rec + ts, n);
    double snr = metrics_snr_db(sig + rs, rec + ts, n);
    long rt = (long)lag - (long)lead;
    fprintf(stderr,
            PROGRAM ": loopback: lag %ld frames (%.1f ms after the lead silence), "
                    "correlation %.6f, snr %.1f dB\n",
            rt, (double)rt * 1e3 / RATE, corr, snr);
    status = corr >= o->min_corr ? 0 : 1;
    if (status != 0)
        fprintf(stderr, PROGRAM ": loopback: correlation below %.3f\n", o->min_corr);
done:
    if (out != NULL)
        report(out);
    if (in != NULL)
        report(in);
    device_close(in);
    device_close(out);
    free(rec);
    free(sig);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* No SA_RESTART: a stop request should cut a sleep short. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status;
    switch (o.mode) {
    case MODE_LIST:
        status = run_list();
        break;
    case MODE_PLAY:
        status = run_play(&o);
        break;
    case MODE_RECORD:
        status = run_record(&o);
        break;
    default:
        status = run_loopback(&o);
        break;
    }
    device_terminate();
    return status;
}
