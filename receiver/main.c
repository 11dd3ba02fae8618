/* receiver: RTP/Opus from the network, lost frames rebuilt from the copies
 * later packets carry (concealed only where no copy arrived), written to a
 * sound file. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <opus.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "net/addr.h"
#include "net/clock.h"
#include "net/udp.h"
#include "proto/defaults.h"
#include "receiver/file_sink.h"
#include "receiver/rx_stream.h"
#include "receiver/stats_report.h"

static const char *program = "receiver";
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct options {
    const char *listen;
    const char *output;
    const char *stats_path;
    int64_t idle_timeout_ns;
    int verbose;
    rx_config rx;
} options;

#define DEFAULT_IDLE_TIMEOUT_S 5

static void usage(void)
{
    printf("Usage: receiver --output FILE [--listen [ADDR:]PORT] [options]\n"
           "Receives Opus over RTP/UDP, rebuilds lost frames from the redundant copies\n"
           "later packets carry (RFC 2198), conceals the rest, and writes a sound file.\n"
           "\n"
           "Network:\n"
           "  -l, --listen [ADDR:]PORT    where to receive RTP (default %d on every\n"
           "                              address, IPv4 and IPv6)\n"
           "      --idle-timeout S        end once a started stream has been silent this\n"
           "                              long; 0 = never (default %d)\n"
           "\n"
           "Output:\n"
           "  -o, --output FILE           write the audio to FILE (.wav or .flac, 48 kHz)\n"
           "  -c, --channels N            1 or 2 (default: as the stream)\n"
           "\n"
           "Playout:\n"
           "      --latency MS            fixed playout delay after the first packet\n"
           "                              (default auto: one frame, plus the frames the\n"
           "                              copies need once loss has been seen)\n"
           "\n"
           "Display:\n"
           "      --stats FILE            JSON lines once a second and a final summary\n"
           "  -v, --verbose               a live status line every second\n"
           "  -q, --quiet                 only errors\n"
           "  -h, --help                  this help\n"
           "  -V, --version               version\n"
           "\n"
           "Ends on Ctrl-C or SIGTERM, or after the idle timeout; the file is always\n"
           "finalised with everything received.\n"
           "Exit status: 0 done, 1 runtime failure, 2 bad option, file or port.\n",
           AL_DEFAULT_PORT, DEFAULT_IDLE_TIMEOUT_S);
}

static int parse_options(int argc, char **argv, options *opt)
{
    enum { OPT_IDLE = 256, OPT_LATENCY, OPT_STATS };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"channels", required_argument, NULL, 'c'},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"latency", required_argument, NULL, OPT_LATENCY},
        {"stats", required_argument, NULL, OPT_STATS},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long value;
    int64_t us;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:o:c:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            opt->listen = optarg;
            break;
        case 'o':
            opt->output = optarg;
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, 2, &value) != 0)
                return cli_usage_error(program, "--channels '%s': expected 1 or 2", optarg);
            opt->rx.channels = (int)value;
            break;
        case OPT_IDLE:
            if (cli_parse_duration_us(optarg, &us) != 0)
                return cli_usage_error(program, "--idle-timeout '%s': expected seconds", optarg);
            /* a bare number here means seconds, not milliseconds */
            if (strspn(optarg, "0123456789.") == strlen(optarg))
                us *= 1000;
            opt->idle_timeout_ns = us * 1000;
            break;
        case OPT_LATENCY:
            if (cli_parse_duration_us(optarg, &us) != 0 || us > 2000000)
                return cli_usage_error(program, "--latency '%s': expected 0 to 2000 ms", optarg);
            opt->rx.latency_ms = (int)((us + 999) / 1000);
            break;
        case OPT_STATS:
            opt->stats_path = optarg;
            break;
        case 'v':
            opt->verbose = 1;
            break;
        case 'q':
            opt->verbose = -1;
            break;
        case 'h':
            usage();
            exit(0);
        case 'V':
            printf("receiver (audiolink) %s, %s\n", AL_VERSION, opus_get_version_string());
            exit(0);
        case ':':
            return cli_usage_error(program, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(program, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(program, "unexpected argument '%s'", argv[optind]);
    if (!opt->output)
        return cli_usage_error(program, "--output FILE is required");
    return 0;
}

typedef struct receiver {
    options *opt;
    rx_stream *rx;
    file_sink *sink;
    int sink_channels;
    FILE *stats_file;
    float pcm[AL_MAX_FRAME_SAMPLES * 2];
    bool failed;
} receiver;

/* The output is created at start-up, so that a bad path fails at once, and
 * created again with the stream's channel count if the first packet says
 * otherwise (nothing has been written to it then). */
static int ensure_sink(receiver *r, int channels)
{
    if (r->sink && r->sink_channels == channels)
        return 0;
    if (r->sink) {
        if (file_sink_written(r->sink) > 0 || file_sink_held_frames(r->sink) > 0)
            return 0;
        file_sink_close(r->sink);
        r->sink = NULL;
    }
    r->sink_channels = channels;
    char err[512];
    r->sink = file_sink_open(r->opt->output, channels, err, sizeof err);
    if (!r->sink) {
        fprintf(stderr, "%s: %s\n", program, err);
        return -1;
    }
    return 0;
}

/* Plays every frame that is due (or, with FORCE, every frame still held). */
static void play_due(receiver *r, int64_t now, bool force)
{
    rx_frame_info info;
    int samples;
    while ((samples = rx_stream_pull(r->rx, now, force, r->pcm, &info)) > 0) {
        if (ensure_sink(r, rx_stream_channels(r->rx)) != 0 ||
            file_sink_write(r->sink, r->pcm, samples, info.speculative) != 0) {
            if (!r->failed)
                fprintf(stderr, "%s: cannot write %s\n", program, r->opt->output);
            r->failed = true;
            stop_requested = 1;
            return;
        }
    }
}

/* The end of a stream: play what is held, and forget concealment that lay
 * past its last packet. */
static void finish_stream(receiver *r, int64_t now)
{
    play_due(r, now, true);
    if (!r->sink)
        return;
    /* The playout resampler still holds the last fraction of a millisecond
     * of what was played; unless that was concealment past the end (held,
     * and dropped now), it belongs in the file. */
    int samples = rx_stream_flush(r->rx, r->pcm);
    if (samples > 0 && file_sink_held_frames(r->sink) == 0)
        file_sink_write(r->sink, r->pcm, samples, false);
    rx_stream_discard_trailing(r->rx, file_sink_held_frames(r->sink));
}

static void handle_datagrams(receiver *r, int fd, int64_t *last_packet)
{
    uint8_t buf[2048];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            return; /* EAGAIN: all read */
        int64_t now = clock_now_ns();
        /* Frames due before this packet arrived are played first. */
        play_due(r, now, false);
        enum rx_packet_result res = rx_stream_packet(r->rx, buf, (size_t)n, now);
        if (res == RX_PACKET_NEW_SOURCE) {
            if (r->opt->verbose >= 0)
                fprintf(stderr, "%s: a new stream begins (sender restarted)\n", program);
            play_due(r, now, true);
            rx_stream_restart(r->rx);
            res = rx_stream_packet(r->rx, buf, (size_t)n, now);
        }
        if (res == RX_PACKET_ACCEPTED) {
            if (*last_packet == 0 && r->opt->verbose >= 0)
                fprintf(stderr, "%s: stream started: Opus, %d channel%s\n", program,
                        rx_stream_channels(r->rx), rx_stream_channels(r->rx) == 1 ? "" : "s");
            *last_packet = now;
            if (ensure_sink(r, rx_stream_channels(r->rx)) != 0) {
                r->failed = true;
                stop_requested = 1;
                return;
            }
        }
    }
}

int main(int argc, char **argv)
{
    options opt = {0};
    rx_config_defaults(&opt.rx);
    /* A file has no clock of its own: it gets the sender's timeline sample
     * for sample, without the rate steering a sound card's clock needs. */
    opt.rx.adaptive_rate = false;
    opt.idle_timeout_ns = (int64_t)DEFAULT_IDLE_TIMEOUT_S * NS_PER_SEC;
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc;

    char err[512];
    net_endpoint ep;
    char default_listen[16];
    snprintf(default_listen, sizeof default_listen, "%d", AL_DEFAULT_PORT);
    if (net_endpoint_parse(opt.listen ? opt.listen : default_listen, false, &ep, err, sizeof err) !=
        0)
        return cli_usage_error(program, "--listen %s", err);

    receiver r = {.opt = &opt};
    if (opt.stats_path) {
        r.stats_file = fopen(opt.stats_path, "w");
        if (!r.stats_file) {
            fprintf(stderr, "%s: cannot create %s: %s\n", program, opt.stats_path, strerror(errno));
            return 2;
        }
    }
    int fd = udp_open_bound(&ep, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        if (r.stats_file)
            fclose(r.stats_file);
        return 2;
    }
    if (ensure_sink(&r, opt.rx.channels > 0 ? opt.rx.channels : 1) != 0) {
        close(fd);
        if (r.stats_file)
            fclose(r.stats_file);
        return 2;
    }
    r.rx = rx_stream_create(&opt.rx, err, sizeof err);
    if (!r.rx) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 1;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (opt.verbose >= 0)
        fprintf(stderr, "%s: listening on UDP port %d, writing %s\n", program, ep.port, opt.output);

    int64_t start = clock_now_ns();
    int64_t last_packet = 0;
    int64_t next_report = start + NS_PER_SEC;
    const char *why = "interrupted";
    char why_idle[64];
    while (!stop_requested) {
        int64_t now = clock_now_ns();
        int64_t wake = next_report;
        int64_t due = rx_stream_next_due(r.rx);
        if (due < wake)
            wake = due;
        if (last_packet && opt.idle_timeout_ns > 0 && last_packet + opt.idle_timeout_ns < wake)
            wake = last_packet + opt.idle_timeout_ns;
        int timeout_ms = wake <= now ? 0 : (int)((wake - now + NS_PER_MSEC - 1) / NS_PER_MSEC);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "%s: poll: %s\n", program, strerror(errno));
            r.failed = true;
            break;
        }
        if (ready > 0)
            handle_datagrams(&r, fd, &last_packet);
        now = clock_now_ns();
        play_due(&r, now, false);
        if (now >= next_report) {
            rx_stats s = rx_stream_stats(r.rx);
            if (r.stats_file)
                stats_report_json(r.stats_file, &s, (double)(now - start) / NS_PER_SEC, false);
            if (opt.verbose > 0 && last_packet)
                stats_report_status(stderr, &s);
            next_report += NS_PER_SEC;
        }
        if (last_packet && opt.idle_timeout_ns > 0 && now - last_packet >= opt.idle_timeout_ns) {
            snprintf(why_idle, sizeof why_idle, "the stream was silent for %.1f s",
                     (double)opt.idle_timeout_ns / NS_PER_SEC);
            why = why_idle;
            break;
        }
    }
    if (r.failed)
        why = "error";

    int64_t now = clock_now_ns();
    finish_stream(&r, now);
    int exit_code = r.failed ? 1 : 0;
    rx_stats s = rx_stream_stats(r.rx);
    int64_t written = r.sink ? file_sink_written(r.sink) : 0;
    if (file_sink_close(r.sink) != 0) {
        fprintf(stderr, "%s: cannot finalise %s\n", program, opt.output);
        exit_code = 1;
    }
    if (r.stats_file) {
        stats_report_json(r.stats_file, &s, (double)(now - start) / NS_PER_SEC, true);
        fclose(r.stats_file);
    }
    if (opt.verbose >= 0) {
        fprintf(stderr, "%s: ended (%s); wrote %.2f s to %s\n", program, why,
                (double)written / AL_RATE, opt.output);
        stats_report_summary(stderr, &s);
    }
    rx_stream_destroy(r.rx);
    close(fd);
    return exit_code;
}
