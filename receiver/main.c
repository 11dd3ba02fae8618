/* receiver: RTP/Opus from the network, lost frames rebuilt from the copies
 * later packets carry (concealed only where no copy arrived), written to a
 * sound file.
 *
 * By default it is an RTSP/1.0 record-mode server (receiver/rtsp_server.c,
 * docs/protocol.md): senders connect on TCP PORT, describe their stream in
 * SDP, and send RTP to UDP PORT; one session at a time, one after another,
 * all into the same output file. --no-control and --sdp FILE take plain RTP
 * with no control channel. This file holds the sockets, the clock and the
 * one poll loop for media and control. */
#include <arpa/inet.h>
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
#include "net/tcp.h"
#include "net/udp.h"
#include "common/defaults.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"
#include "receiver/device_out.h"
#include "receiver/file_sink.h"
#include "receiver/rtsp_server.h"
#include "receiver/rx_stream.h"
#include "receiver/stats_report.h"

static const char *program = "receiver";
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

#define DEFAULT_IDLE_TIMEOUT_S    5
#define DEFAULT_REQUEST_TIMEOUT_S 10
/* A connection we close is first shut down for writing and drained, so that
 * our last reply is not destroyed by a reset (closing a socket with unread
 * input sends RST); a peer that does not close within this is cut off. */
#define CLOSE_LINGER_NS (2 * NS_PER_SEC)

typedef enum mode { MODE_CONTROL = 0, MODE_PLAIN, MODE_SDP } mode;

typedef struct options {
    const char *listen;
    const char *output; /* a .wav/.flac path, or a device (to_device) */
    bool to_device;
    bool list_devices;
    const char *stats_path;
    const char *sdp_path;
    mode mode;
    bool once;
    int64_t idle_timeout_ns;
    unsigned session_timeout_s;
    int64_t request_timeout_ns;
    int verbose;
    rx_config rx;
} options;

static void usage(void)
{
    printf("Usage: receiver [--output FILE|DEVICE] [--listen [ADDR:]PORT] [options]\n"
           "       receiver --output FILE --no-control [--listen [ADDR:]PORT]\n"
           "       receiver --output FILE --sdp FILE\n"
           "       receiver --list-devices\n"
           "Receives Opus over RTP/UDP, rebuilds lost frames from the redundant copies\n"
           "later packets carry (RFC 2198), conceals the rest, and writes a sound file.\n"
           "Senders set up their stream over RTSP/1.0 on TCP (docs/protocol.md).\n"
           "\n"
           "Network:\n"
           "  -l, --listen [ADDR:]PORT    TCP PORT for the control channel and UDP PORT for\n"
           "                              RTP (default %d on every address, IPv4 and IPv6)\n"
           "\n"
           "Sessions (control channel):\n"
           "      --once                  exit when the first session ends (default: wait\n"
           "                              for the next sender)\n"
           "      --session-timeout S     end a session after S seconds without keep-alive\n"
           "                              or media (default %d)\n"
           "      --request-timeout S     close a connection whose request is not complete\n"
           "                              after S seconds (default %d)\n"
           "\n"
           "Plain RTP (no control channel):\n"
           "      --no-control            take RTP (Opus PT %d, RED PT %d) on UDP PORT with\n"
           "                              no TCP server (default: off)\n"
           "      --sdp FILE              take the plain RTP stream FILE describes (port,\n"
           "                              payload types, channels), e.g. from sender\n"
           "                              --sdp-out; --listen overrides its port\n"
           "                              (default: none)\n"
           "      --idle-timeout S        plain RTP: end once a started stream has been\n"
           "                              silent this long; 0 = never (default %d)\n"
           "\n"
           "Output:\n"
           "  -o, --output FILE|DEVICE    play to a sound device (an index or part of its\n"
           "                              name, see --list-devices; default: the system\n"
           "                              default device), or write FILE (.wav or .flac,\n"
           "                              48 kHz);\n"
           "                              successive sessions continue the same file\n"
           "  -c, --channels N            1 or 2 (default: a file as the first stream, a\n"
           "                              device in stereo)\n"
           "      --list-devices          list the sound devices and exit\n"
           "\n"
           "Playout:\n"
           "      --latency MS            fixed playout delay after the first packet\n"
           "                              (default auto: the measured jitter's 99th\n"
           "                              percentile + 0.5 ms, at least a frame into a\n"
           "                              file, plus the frames the copies need once\n"
           "                              loss has been seen); a file waits up to\n"
           "                              500 ms for a late packet rather than conceal\n"
           "                              its frame\n"
           "\n"
           "Display:\n"
           "      --stats FILE            JSON lines once a second and a final summary\n"
           "  -v, --verbose               a live status line every second\n"
           "  -q, --quiet                 only errors\n"
           "  -h, --help                  this help\n"
           "  -V, --version               version\n"
           "\n"
           "Ends on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT (with --once also when its session\n"
           "ends; in plain RTP modes after the idle timeout); the file is always finalised\n"
           "with everything received. A WAV's header is brought up to date every second,\n"
           "so even a killed receiver leaves a readable file.\n"
           "Exit status: 0 done, 1 runtime failure, 2 bad option, file or port.\n",
           AL_DEFAULT_PORT, RTSP_DEFAULT_SESSION_TIMEOUT, DEFAULT_REQUEST_TIMEOUT_S, AL_OPUS_PT,
           AL_RED_PT, DEFAULT_IDLE_TIMEOUT_S);
}

/* Seconds, as a bare number or with a unit ("10", "1.5s", "500ms"). */
static int parse_seconds_ns(const char *text, int64_t *ns)
{
    int64_t us;
    if (cli_parse_duration_us(text, &us) != 0)
        return -1;
    /* a bare number here means seconds, not milliseconds */
    if (strspn(text, "0123456789.") == strlen(text))
        us *= 1000;
    *ns = us * 1000;
    return 0;
}

static int parse_options(int argc, char **argv, options *opt)
{
    enum {
        OPT_IDLE = 256,
        OPT_LATENCY,
        OPT_STATS,
        OPT_ONCE,
        OPT_SESSION_TIMEOUT,
        OPT_REQUEST_TIMEOUT,
        OPT_NO_CONTROL,
        OPT_SDP,
    };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"list-devices", no_argument, NULL, 'L'},
        {"channels", required_argument, NULL, 'c'},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"latency", required_argument, NULL, OPT_LATENCY},
        {"stats", required_argument, NULL, OPT_STATS},
        {"once", no_argument, NULL, OPT_ONCE},
        {"session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT},
        {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
        {"no-control", no_argument, NULL, OPT_NO_CONTROL},
        {"sdp", required_argument, NULL, OPT_SDP},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long value;
    int64_t us, ns;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:o:c:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            opt->listen = optarg;
            break;
        case 'L':
            opt->list_devices = true;
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
            if (parse_seconds_ns(optarg, &opt->idle_timeout_ns) != 0)
                return cli_usage_error(program, "--idle-timeout '%s': expected seconds", optarg);
            break;
        case OPT_LATENCY:
            if (cli_parse_duration_us(optarg, &us) != 0 || us > 2000000)
                return cli_usage_error(program, "--latency '%s': expected 0 to 2000 ms", optarg);
            opt->rx.latency_ms = (int)((us + 999) / 1000);
            break;
        case OPT_STATS:
            opt->stats_path = optarg;
            break;
        case OPT_ONCE:
            opt->once = true;
            break;
        case OPT_SESSION_TIMEOUT:
            if (parse_seconds_ns(optarg, &ns) != 0 || ns < NS_PER_SEC || ns > 86400 * NS_PER_SEC)
                return cli_usage_error(
                    program, "--session-timeout '%s': expected 1 to 86400 seconds", optarg);
            opt->session_timeout_s = (unsigned)(ns / NS_PER_SEC);
            break;
        case OPT_REQUEST_TIMEOUT:
            if (parse_seconds_ns(optarg, &ns) != 0 || ns < 100 * NS_PER_MSEC ||
                ns > 3600 * NS_PER_SEC)
                return cli_usage_error(
                    program, "--request-timeout '%s': expected 0.1 to 3600 seconds", optarg);
            opt->request_timeout_ns = ns;
            break;
        case OPT_NO_CONTROL:
            opt->mode = MODE_PLAIN;
            break;
        case OPT_SDP:
            opt->sdp_path = optarg;
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
    if (opt->list_devices)
        return 0;
    /* A name with a sound-file extension is a file; anything else names a
     * device, and no --output means the system's default device. */
    if (!opt->output)
        opt->output = "default";
    opt->to_device = !cli_looks_like_file(opt->output);
    /* A sound card has a clock of its own, which the playout follows; a
     * file gets the sender's timeline sample for sample. */
    opt->rx.adaptive_rate = opt->to_device;
    /* Nobody listens to a file live: a frame late by up to half a second is
     * waited for and played, not concealed (rx_config.late_hold_ns). */
    opt->rx.late_hold_ns = opt->to_device ? 0 : RX_FILE_LATE_HOLD_NS;
    if (opt->sdp_path) {
        if (opt->mode == MODE_PLAIN)
            return cli_usage_error(program, "--sdp and --no-control: choose one");
        opt->mode = MODE_SDP;
    }
    if (opt->once && opt->mode != MODE_CONTROL)
        return cli_usage_error(program, "--once is for sessions; plain RTP ends with "
                                        "--idle-timeout");
    return 0;
}

/* Reads the SDP file of --sdp into RX's payload types and channels and
 * *PORT. Returns 0 or a usage error (2) with the reason printed. */
static int load_sdp(options *opt, int *port)
{
    FILE *f = fopen(opt->sdp_path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s: %s\n", program, opt->sdp_path, strerror(errno));
        return 2;
    }
    static char text[65536];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    static sdp_desc desc;
    sdp_opus_stream st;
    char why[256] = "";
    int rc = sdp_parse(text, len, &desc);
    if (rc == SDP_OK)
        rc = sdp_select_opus(&desc, &st, why, sizeof why);
    if (rc != SDP_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, opt->sdp_path, why[0] ? why : sdp_strerror(rc));
        return 2;
    }
    opt->rx.opus_pt = st.opus_pt;
    opt->rx.red_pt = st.red_pt;
    if (opt->rx.channels == 0)
        opt->rx.channels = (int)st.channels;
    *port = st.port;
    if (opt->verbose >= 0) {
        char red[64] = "no RED";
        if (st.red_pt >= 0)
            snprintf(red, sizeof red, "RED PT %d with %u cop%s", st.red_pt, st.red_depth,
                     st.red_depth == 1 ? "y" : "ies");
        fprintf(stderr, "%s: %s: Opus PT %d, %s, %u channel%s, port %d\n", program, opt->sdp_path,
                st.opus_pt, red, st.channels, st.channels == 1 ? "" : "s", st.port);
    }
    return 0;
}

typedef struct conn_slot {
    int fd; /* -1 when free */
    struct sockaddr_storage peer;
    bool closing; /* output flushed, then shut down and drained */
    bool shut;    /* shutdown(SHUT_WR) done */
    int64_t close_deadline;
} conn_slot;

typedef struct receiver {
    options *opt;
    rx_stream *rx;
    file_sink *sink;
    device_out *dev; /* instead of sink when playing to a device */
    int sink_channels;
    FILE *stats_file;
    float pcm[AL_MAX_FRAME_SAMPLES * 2];
    bool failed;
    int64_t last_packet;
    rx_stats done; /* counters of the sessions that ended */
    bool have_done;
    uint64_t foreign;          /* media the session gate dropped */
    uint64_t foreign_at_start; /* ... when the current session started */
    uint64_t truncated;        /* datagrams longer than the buffer: invalid */
    uint64_t truncated_at_start;
    bool session_ended; /* --once: leave */

    /* control channel */
    int udp;
    int listen_fd;
    rtsp_server *srv;
    conn_slot conns[RTSP_SERVER_MAX_CONNS];
} receiver;

/* The output is created at start-up, so that a bad path fails at once, and
 * created again with the stream's channel count if the first packet says
 * otherwise (nothing has been written to it then). */
static int ensure_sink(receiver *r, int channels)
{
    if (r->opt->to_device) {
        if (r->dev)
            return 0; /* it keeps the first stream's channel count */
        char err[512];
        /* Opened at start-up and kept running (idle, it plays silence):
         * opening a device takes up to a few hundred ms, which must not
         * hold up the first packets of a session. */
        r->dev = device_out_open(r->opt->output, channels, err, sizeof err);
        if (!r->dev) {
            fprintf(stderr, "%s: %s\n", program, err);
            return -1;
        }
        r->sink_channels = channels;
        if (r->opt->verbose >= 0)
            fprintf(stderr, "%s: playing to %s\n", program, device_out_name(r->dev));
        return 0;
    }
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

/* The device's side of the statistics into *OUT; NULL (nothing) when
 * writing a file. */
static const device_report *device_report_of(const receiver *r, device_report *out)
{
    if (!r->dev)
        return NULL;
    device_stats ds;
    device_out_stats(r->dev, &ds);
    out->underruns = ds.xrun_events;
    out->ring_delay_ms = (double)device_out_ring_delay_ns(r->dev) / NS_PER_MSEC;
    out->ring_target_ms = (double)device_out_target_ns(r->dev) / NS_PER_MSEC;
    return out;
}

/* Plays every frame that is due (or, with FORCE, every frame still held). */
static void play_due(receiver *r, int64_t now, bool force)
{
    if (!r->rx)
        return;
    rx_frame_info info;
    int samples;
    if (r->opt->to_device) {
        /* Frames go to the ring at their due time; the ring's delay,
         * measured on the card's clock, trims the output rate to it
         * (device_out.h). */
        if (ensure_sink(r, rx_stream_channels(r->rx)) != 0) {
            r->failed = true;
            stop_requested = 1;
            return;
        }
        if (!r->dev)
            return;
        device_out_pause(r->dev, rx_stream_take_pause_ns(r->rx));
        while ((samples = rx_stream_pull(r->rx, now, force, r->pcm, &info)) > 0) {
            device_out_write(r->dev, r->pcm, samples, now);
            rx_stream_set_output_trim(r->rx, device_out_trim(r->dev));
            device_out_pause(r->dev, rx_stream_take_pause_ns(r->rx));
        }
        return;
    }
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
    if (r->dev && r->rx) {
        int samples = rx_stream_flush(r->rx, r->pcm);
        if (samples > 0)
            device_out_write(r->dev, r->pcm, samples, now);
        return;
    }
    if (!r->sink || !r->rx)
        return;
    /* The playout resampler still holds the last fraction of a millisecond
     * of what was played; unless that was concealment past the end (held,
     * and dropped now), it belongs in the file. */
    int samples = rx_stream_flush(r->rx, r->pcm);
    if (samples > 0 && file_sink_held_frames(r->sink) == 0)
        file_sink_write(r->sink, r->pcm, samples, false);
    rx_stream_discard_trailing(r->rx, file_sink_held_frames(r->sink));
    file_sink_drop_held(r->sink);
}

/* Adds FROM's counters to INTO (the gauges, jitter, delay and depth, are
 * INTO's). */
static void add_counters(rx_stats *into, const rx_stats *from)
{
    into->packets_received += from->packets_received;
    into->packets_lost += from->packets_lost;
    into->packets_late += from->packets_late;
    into->packets_duplicate += from->packets_duplicate;
    into->packets_invalid += from->packets_invalid;
    into->packets_foreign += from->packets_foreign;
    into->bytes_received += from->bytes_received;
    into->frames_total += from->frames_total;
    into->frames_primary += from->frames_primary;
    into->frames_red += from->frames_red;
    into->frames_fec += from->frames_fec;
    into->frames_plc += from->frames_plc;
    into->copies_received += from->copies_received;
    into->copies_used += from->copies_used;
    into->restarts += from->restarts;
    into->frames_quickened += from->frames_quickened;
    into->delay_jumps += from->delay_jumps;
}

/* Counters over the receiver's life: the ended sessions plus the current
 * one, whose gauges they show (else the last session's). */
static rx_stats total_stats(const receiver *r)
{
    rx_stats s = {0};
    if (r->rx) {
        s = rx_stream_stats(r->rx);
        if (r->have_done)
            add_counters(&s, &r->done);
    } else if (r->have_done) {
        s = r->done;
    }
    s.packets_foreign += r->foreign;
    s.packets_invalid += r->truncated;
    return s;
}

static void handle_packet(receiver *r, const uint8_t *buf, size_t n, int64_t now)
{
    /* Frames due before this packet arrived are played first. */
    play_due(r, now, false);
    enum rx_packet_result res = rx_stream_packet(r->rx, buf, n, now);
    if (res == RX_PACKET_NEW_SOURCE) {
        if (r->opt->verbose >= 0)
            fprintf(stderr, "%s: a new stream begins (sender restarted)\n", program);
        play_due(r, now, true);
        rx_stream_restart(r->rx);
        res = rx_stream_packet(r->rx, buf, n, now);
    }
    if (res == RX_PACKET_ACCEPTED) {
        if (r->last_packet == 0 && r->opt->verbose >= 0)
            fprintf(stderr, "%s: stream started: Opus, %d channel%s\n", program,
                    rx_stream_channels(r->rx), rx_stream_channels(r->rx) == 1 ? "" : "s");
        r->last_packet = now;
        if (ensure_sink(r, rx_stream_channels(r->rx)) != 0) {
            r->failed = true;
            stop_requested = 1;
        }
    }
}

static void handle_datagrams(receiver *r)
{
    /* Any datagram fits (a 120 ms Opus packet at 510 kbps is 7.7 kB; RFC
     * 6716 allows 61 kB); one that still does not is counted, not decoded. */
    static uint8_t buf[UDP_MAX_DATAGRAM];
    for (;;) {
        struct sockaddr_storage src;
        socklen_t src_len = sizeof src;
        int64_t age; /* how long it waited in the socket: the kernel's stamp */
        bool truncated;
        ssize_t n = udp_recv_stamped(r->udp, buf, sizeof buf, &src, &src_len, &age, &truncated);
        if (n < 0)
            return; /* EAGAIN: all read */
        int64_t now = clock_now_ns() - age; /* when it arrived */
        if (truncated) {
            r->truncated++;
            continue;
        }
        if (r->srv) {
            const rtsp_server_session *sess = rtsp_server_get_session(r->srv);
            bool from_peer = sess->conn >= 0 && r->conns[sess->conn].fd >= 0 &&
                             net_same_host((struct sockaddr *)&src,
                                           (struct sockaddr *)&r->conns[sess->conn].peer);
            if (rtsp_server_media(r->srv, now, from_peer, buf, (size_t)n) != RTSP_MEDIA_ACCEPT ||
                !r->rx) {
                r->foreign++;
                continue;
            }
        }
        handle_packet(r, buf, (size_t)n, now);
        if (r->failed)
            return;
    }
}

/* ---- control channel ---- */

static const char *conn_name(const receiver *r, int c, char *buf, size_t size)
{
    if (c < 0 || c >= RTSP_SERVER_MAX_CONNS || r->conns[c].fd < 0)
        return "?";
    const struct sockaddr *a = (const struct sockaddr *)&r->conns[c].peer;
    char host[INET6_ADDRSTRLEN];
    net_host_str(a, host, sizeof host);
    int port = a->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port)
                                        : ntohs(((const struct sockaddr_in *)a)->sin_port);
    snprintf(buf, size, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    return buf;
}

static void session_start(receiver *r, int c)
{
    const rtsp_server_session *sess = rtsp_server_get_session(r->srv);
    const sdp_opus_stream *st = &sess->stream;
    rx_config cfg = r->opt->rx;
    cfg.opus_pt = st->opus_pt;
    cfg.red_pt = st->red_pt;
    if (r->dev) {
        /* the device's channels, whatever the stream's (Opus decodes mono
         * to stereo and back) */
        cfg.channels = r->sink_channels;
    } else if (cfg.channels == 0) {
        /* One file for all sessions: once audio is in it, later sessions
         * are decoded to its channel count. */
        bool file_started = r->sink && file_sink_written(r->sink) > 0;
        cfg.channels = file_started ? r->sink_channels : (int)st->channels;
    }
    char err[256];
    r->rx = rx_stream_create(&cfg, err, sizeof err);
    if (!r->rx) {
        fprintf(stderr, "%s: %s\n", program, err);
        rtsp_server_end_session(r->srv, clock_now_ns(), "cannot decode");
        return;
    }
    if (sess->has_rtp_start)
        rx_stream_set_start(r->rx, sess->rtp_seq, sess->rtp_time);
    if (ensure_sink(r, rx_stream_channels(r->rx)) != 0) {
        r->failed = true;
        stop_requested = 1;
    }
    r->last_packet = 0;
    r->foreign_at_start = r->foreign;
    r->truncated_at_start = r->truncated;
    if (r->opt->verbose < 0)
        return;
    char peer[128], red[128] = "no RED", ptime[32] = "frame length from the packets";
    if (st->red_pt >= 0)
        snprintf(red, sizeof red, "RED PT %d, %u cop%s", st->red_pt, st->red_depth,
                 st->red_depth == 1 ? "y" : "ies");
    if (st->red_pt >= 0 && st->red_bitrate > 0)
        snprintf(red + strlen(red), sizeof red - strlen(red), ", the nearest at %.1f kbps",
                 st->red_bitrate / 1000.0);
    if (st->ptime_us > 0)
        snprintf(ptime, sizeof ptime, "%.1f ms frames", st->ptime_us / 1000.0);
    fprintf(stderr,
            "%s: session %s from %s: Opus PT %d, 48000 Hz, %s, %s, %s%s; SSRC %s; writing %s\n",
            program, sess->id, conn_name(r, c, peer, sizeof peer), st->opus_pt,
            st->channels == 1 ? "mono" : "stereo", ptime, red,
            st->useinbandfec ? ", in-band FEC (LBRR)" : "",
            sess->has_ssrc ? "from SETUP" : "from the first packet", r->opt->output);
}

static void add_done(receiver *r, const rx_stats *s)
{
    rx_stats d = *s; /* gauges from the latest session */
    if (r->have_done)
        add_counters(&d, &r->done);
    r->done = d;
    r->have_done = true;
}

static void session_end(receiver *r, const char *why)
{
    /* Datagrams already queued belong to the session that just ended. */
    handle_datagrams(r);
    int64_t now = clock_now_ns();
    if (!r->rx)
        return;
    finish_stream(r, now);
    rx_stats s = rx_stream_stats(r->rx);
    add_done(r, &s);
    int64_t written = r->sink ? file_sink_written(r->sink) : 0;
    /* For this session's summary: what its gate dropped meanwhile. */
    s.packets_foreign += r->foreign - r->foreign_at_start;
    s.packets_invalid += r->truncated - r->truncated_at_start;
    if (r->opt->verbose >= 0) {
        int frame = s.frame_samples > 0 ? s.frame_samples : 960;
        fprintf(stderr, "%s: session ended (%s): %.2f s of audio; %s now holds %.2f s\n", program,
                why, (double)s.frames_total * frame / AL_RATE, r->opt->output,
                (double)written / AL_RATE);
        stats_report_summary(stderr, &s);
    }
    rx_stream_destroy(r->rx);
    r->rx = NULL;
    r->last_packet = 0;
    if (r->opt->once)
        r->session_ended = true;
}

static void close_slot(receiver *r, int c, int64_t now, const char *why)
{
    if (r->conns[c].fd >= 0)
        close(r->conns[c].fd);
    r->conns[c].fd = -1;
    r->conns[c].closing = false;
    r->conns[c].shut = false;
    rtsp_server_closed(r->srv, c, now, why);
}

static void handle_server_events(receiver *r)
{
    rtsp_server_event ev;
    char peer[128];
    while (rtsp_server_next_event(r->srv, &ev)) {
        switch (ev.type) {
        case RTSP_SERVER_EV_SESSION_START:
            session_start(r, ev.conn);
            break;
        case RTSP_SERVER_EV_SESSION_END:
            session_end(r, ev.text);
            break;
        case RTSP_SERVER_EV_CLOSE:
            if (ev.conn >= 0 && r->conns[ev.conn].fd >= 0 && !r->conns[ev.conn].closing) {
                r->conns[ev.conn].closing = true;
                r->conns[ev.conn].close_deadline = clock_now_ns() + CLOSE_LINGER_NS;
            }
            break;
        case RTSP_SERVER_EV_NOTICE:
            if (r->opt->verbose >= 0)
                fprintf(stderr, "%s: %s: %s\n", program, conn_name(r, ev.conn, peer, sizeof peer),
                        ev.text);
            break;
        }
    }
}

static void accept_connections(receiver *r, int64_t now)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len;
        int fd = tcp_accept(r->listen_fd, &peer, &len);
        if (fd < 0)
            return;
        int c = rtsp_server_accept(r->srv, now);
        if (c < 0) {
            /* Every slot is taken (one session plus pending connections):
             * a newcomer is turned away at once rather than queued. */
            close(fd);
            continue;
        }
        r->conns[c].fd = fd;
        r->conns[c].peer = peer;
        r->conns[c].closing = false;
        r->conns[c].shut = false;
    }
}

static void read_conn(receiver *r, int c, int64_t now)
{
    uint8_t buf[4096];
    conn_slot *k = &r->conns[c];
    for (int rounds = 0; k->fd >= 0 && rounds < 16; rounds++) {
        ssize_t n = recv(k->fd, buf, sizeof buf, 0);
        if (n > 0) {
            /* A closing connection's input is read only to be dropped. */
            if (!k->closing) {
                rtsp_server_received(r->srv, c, now, buf, (size_t)n);
                handle_server_events(r);
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        close_slot(r, c, now, n == 0 ? "peer closed the connection" : strerror(errno));
        handle_server_events(r);
        return;
    }
}

static void write_conn(receiver *r, int c, int64_t now)
{
    conn_slot *k = &r->conns[c];
    const uint8_t *data;
    size_t len;
    while (k->fd >= 0 && (len = rtsp_server_output(r->srv, c, &data)) > 0) {
        ssize_t n = send(k->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            rtsp_server_output_sent(r->srv, c, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        close_slot(r, c, now, strerror(errno));
        handle_server_events(r);
        return;
    }
    if (k->fd >= 0 && k->closing && !k->shut) {
        shutdown(k->fd, SHUT_WR);
        k->shut = true;
    }
    if (k->fd >= 0 && k->closing && now >= k->close_deadline)
        close_slot(r, c, now, "closed");
}

/* ---- main ---- */

static int open_sockets(receiver *r, const net_endpoint *ep)
{
    char err[512];
    r->udp = udp_open_bound(ep, err, sizeof err);
    if (r->udp < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }
    if (r->opt->mode != MODE_CONTROL)
        return 0;
    r->listen_fd = tcp_listen(ep, err, sizeof err);
    if (r->listen_fd < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }
    uint64_t seed;
    cli_random_bytes(&seed, sizeof seed);
    rtsp_server_config cfg = {
        .rtp_port = (uint16_t)ep->port,
        .session_timeout_s = r->opt->session_timeout_s,
        .request_timeout_ns = r->opt->request_timeout_ns,
        .red = r->opt->rx.red_pt >= 0,
        .seed = seed,
    };
    r->srv = rtsp_server_create(&cfg);
    if (!r->srv) {
        fprintf(stderr, "%s: out of memory\n", program);
        return 1;
    }
    return 0;
}

static int run(receiver *r)
{
    options *opt = r->opt;
    int64_t start = clock_now_ns();
    int64_t next_report = start + NS_PER_SEC;
    const char *why = "interrupted";
    char why_idle[64];
    bool interrupted_session = false;
    while (!r->session_ended) {
        if (stop_requested) {
            if (r->srv && !interrupted_session) {
                interrupted_session = true;
                rtsp_server_end_session(r->srv, clock_now_ns(), "interrupted");
                handle_server_events(r);
            }
            break;
        }
        int64_t now = clock_now_ns();
        int64_t wake = next_report;
        int64_t due = r->rx ? rx_stream_next_due(r->rx) : INT64_MAX;
        if (due < wake)
            wake = due;
        if (!r->srv && r->last_packet && opt->idle_timeout_ns > 0 &&
            r->last_packet + opt->idle_timeout_ns < wake)
            wake = r->last_packet + opt->idle_timeout_ns;

        struct pollfd pfd[2 + RTSP_SERVER_MAX_CONNS];
        int slot_of[2 + RTSP_SERVER_MAX_CONNS];
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){.fd = r->udp, .events = POLLIN};
        if (r->srv) {
            int64_t t = rtsp_server_next_timer(r->srv);
            if (t < wake)
                wake = t;
            pfd[n++] = (struct pollfd){.fd = r->listen_fd, .events = POLLIN};
            for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
                if (r->conns[c].fd < 0)
                    continue;
                const uint8_t *data;
                short events = POLLIN;
                if (rtsp_server_output(r->srv, c, &data) > 0)
                    events |= POLLOUT;
                if (r->conns[c].closing && r->conns[c].close_deadline < wake)
                    wake = r->conns[c].close_deadline;
                slot_of[n] = c;
                pfd[n++] = (struct pollfd){.fd = r->conns[c].fd, .events = events};
            }
        }
        int timeout_ms = wake <= now ? 0 : (int)((wake - now) / NS_PER_MSEC);
        int ready = poll(pfd, n, timeout_ms);
        if (ready == 0 && wake > clock_now_ns() && wake - clock_now_ns() < NS_PER_MSEC) {
            /* poll counts whole milliseconds: a frame is decided at its due
             * time, not up to a millisecond after (a millisecond the
             * device's ring would have to hold in reserve). */
            clock_sleep_until(wake);
        }
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "%s: poll: %s\n", program, strerror(errno));
            r->failed = true;
            break;
        }
        /* Media first: datagrams that arrived before a TEARDOWN belong to
         * the session it ends. */
        if (ready > 0 && (pfd[0].revents & POLLIN))
            handle_datagrams(r);
        now = clock_now_ns();
        if (r->srv && ready > 0) {
            if (pfd[1].revents & POLLIN)
                accept_connections(r, now);
            for (nfds_t i = 2; i < n; i++) {
                int c = slot_of[i];
                if (r->conns[c].fd == pfd[i].fd && (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
                    read_conn(r, c, now);
            }
        }
        if (r->srv) {
            rtsp_server_tick(r->srv, now);
            handle_server_events(r);
            for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
                if (r->conns[c].fd >= 0)
                    write_conn(r, c, now);
        }
        now = clock_now_ns();
        play_due(r, now, false);
        if (now >= next_report) {
            rx_stats s = total_stats(r);
            device_report dr;
            if (r->stats_file)
                stats_report_json(r->stats_file, &s, device_report_of(r, &dr),
                                  (double)(now - start) / NS_PER_SEC, false);
            if (opt->verbose > 0 && r->last_packet)
                stats_report_status(stderr, &s, device_report_of(r, &dr));
            next_report += NS_PER_SEC;
            if (next_report < now)
                next_report = now + NS_PER_SEC;
        }
        if (!r->srv && r->last_packet && opt->idle_timeout_ns > 0 &&
            now - r->last_packet >= opt->idle_timeout_ns) {
            snprintf(why_idle, sizeof why_idle, "the stream was silent for %.1f s",
                     (double)opt->idle_timeout_ns / NS_PER_SEC);
            why = why_idle;
            break;
        }
    }
    if (r->session_ended)
        why = "the session ended (--once)";
    if (r->failed)
        why = "error";

    int64_t now = clock_now_ns();
    if (r->srv) {
        /* Last replies (TEARDOWN's 200) go out before the sockets close. */
        for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++) {
            if (r->conns[c].fd < 0)
                continue;
            write_conn(r, c, now);
            if (r->conns[c].fd >= 0)
                close_slot(r, c, now, "receiver exiting");
        }
        handle_server_events(r);
    } else {
        finish_stream(r, now);
    }
    int exit_code = r->failed ? 1 : 0;
    rx_stats s = total_stats(r);
    device_report final_dev;
    bool have_dev = device_report_of(r, &final_dev) != NULL;
    if (r->dev) {
        device_stats ds;
        device_out_stats(r->dev, &ds);
        if (opt->verbose >= 0)
            fprintf(stderr,
                    "%s: device: %llu underruns (%llu frames of silence), %llu blocks, buffer "
                    "%.1f ms (target %.1f)\n",
                    program, (unsigned long long)ds.xrun_events, (unsigned long long)ds.xrun_frames,
                    (unsigned long long)ds.callbacks, final_dev.ring_delay_ms,
                    final_dev.ring_target_ms);
        device_out_close(r->dev);
        r->dev = NULL;
    }
    int64_t written = r->sink ? file_sink_written(r->sink) : 0;
    if (file_sink_close(r->sink) != 0) {
        fprintf(stderr, "%s: cannot finalise %s\n", program, opt->output);
        exit_code = 1;
    }
    r->sink = NULL;
    if (r->stats_file)
        stats_report_json(r->stats_file, &s, have_dev ? &final_dev : NULL,
                          (double)(now - start) / NS_PER_SEC, true);
    if (opt->verbose >= 0) {
        fprintf(stderr, "%s: ended (%s); wrote %.2f s to %s\n", program, why,
                (double)written / AL_RATE, opt->output);
        stats_report_summary(stderr, &s);
    }
    return exit_code;
}

int main(int argc, char **argv)
{
    options opt = {0};
    rx_config_defaults(&opt.rx);
    opt.idle_timeout_ns = (int64_t)DEFAULT_IDLE_TIMEOUT_S * NS_PER_SEC;
    opt.session_timeout_s = RTSP_DEFAULT_SESSION_TIMEOUT;
    opt.request_timeout_ns = (int64_t)DEFAULT_REQUEST_TIMEOUT_S * NS_PER_SEC;
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc;
    if (opt.list_devices)
        return device_list_command(program);

    char err[512];
    net_endpoint ep;
    int sdp_port = 0;
    if (opt.mode == MODE_SDP && (rc = load_sdp(&opt, &sdp_port)) != 0)
        return rc;
    char default_listen[16];
    snprintf(default_listen, sizeof default_listen, "%d",
             opt.mode == MODE_SDP ? sdp_port : AL_DEFAULT_PORT);
    if (opt.mode == MODE_SDP && !opt.listen && sdp_port == 0)
        return cli_usage_error(program, "%s has port 0: give --listen PORT", opt.sdp_path);
    if (net_endpoint_parse(opt.listen ? opt.listen : default_listen, 0, &ep, err, sizeof err) !=
        0)
        return cli_usage_error(program, "--listen %s", err);

    receiver r = {.opt = &opt, .udp = -1, .listen_fd = -1};
    for (int c = 0; c < RTSP_SERVER_MAX_CONNS; c++)
        r.conns[c].fd = -1;
    if (opt.stats_path) {
        r.stats_file = fopen(opt.stats_path, "w");
        if (!r.stats_file) {
            fprintf(stderr, "%s: cannot create %s: %s\n", program, opt.stats_path, strerror(errno));
            return 2;
        }
    }
    rc = open_sockets(&r, &ep);
    /* A device opens in stereo unless told (a mono stream plays on both
     * sides); a file is created mono and again with the stream's channels. */
    int first_channels = opt.rx.channels > 0 ? opt.rx.channels : opt.to_device ? 2 : 1;
    if (rc == 0 && ensure_sink(&r, first_channels) != 0)
        rc = 2;
    if (rc == 0 && !r.srv) {
        if (r.dev)
            opt.rx.channels = r.sink_channels;
        r.rx = rx_stream_create(&opt.rx, err, sizeof err);
        if (!r.rx) {
            fprintf(stderr, "%s: %s\n", program, err);
            rc = 1;
        }
    }
    if (rc != 0) {
        if (r.udp >= 0)
            close(r.udp);
        if (r.listen_fd >= 0)
            close(r.listen_fd);
        rtsp_server_destroy(r.srv);
        file_sink_close(r.sink);
        if (r.stats_file)
            fclose(r.stats_file);
        return rc;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    /* Every signal that asks a program to end finalises the file: SIGHUP (the
     * terminal went away) and SIGQUIT (Ctrl-\\) too, not only Ctrl-C and
     * SIGTERM. What nothing can catch (SIGKILL, a crash) still leaves a WAV
     * whose header is at most a second behind (audio/soundfile.c). */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (opt.verbose >= 0) {
        if (r.srv)
            fprintf(stderr,
                    "%s: listening on TCP and UDP port %d (RTSP control, RTP; RTCP %d), "
                    "writing %s\n",
                    program, ep.port, ep.port + 1, opt.output);
        else
            fprintf(stderr,
                    "%s: listening on UDP port %d (plain RTP, no control channel), "
                    "writing %s\n",
                    program, ep.port, opt.output);
    }
    rc = run(&r);
    device_terminate();
    rx_stream_destroy(r.rx);
    rtsp_server_destroy(r.srv);
    if (r.listen_fd >= 0)
        close(r.listen_fd);
    close(r.udp);
    if (r.stats_file)
        fclose(r.stats_file);
    return rc;
}
