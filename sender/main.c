/* sender: audio from a sound file, Opus-encoded, sent as RTP over UDP in
 * real time, each packet carrying copies of the frames before it.
 *
 * By default the stream is set up over an RTSP/1.0 control channel on TCP
 * (sender/rtsp_client.c, docs/protocol.md): the receiver says whether it
 * decodes RED, accepts the stream, and tells us where to send it. This file
 * holds the sockets, the clock and the one poll loop; the protocol logic is
 * the pure client state machine. */
#include <errno.h>
#include <getopt.h>
#include <opus.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audio/soundfile.h"
#include "common/cli.h"
#include "net/addr.h"
#include "net/clock.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "common/defaults.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"
#include "sender/capture.h"
#include "sender/rtsp_client.h"
#include "sender/tx_stream.h"

static const char *program = "sender";
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* After the last packet the TEARDOWN waits this long, so that packets still
 * on their way (a relay, a queue) arrive before the session ends. */
#define END_LINGER_NS (200 * NS_PER_MSEC)

typedef struct options {
    const char *to;
    const char *input; /* a sound file, or a capture device (from_device) */
    bool from_device;
    bool list_devices;
    const char *sdp_out;
    bool loop;
    bool no_control;
    bool retry_busy;
    bool loss_set;
    int verbose; /* -1 quiet, 0 normal, 1 verbose */
    tx_config tx;
    bool application_set;
    bool lean;        /* --lean: the lower-bitrate protection profile */
    int red_bitrates; /* how many --redundancy-bitrate values were given */
} options;

static void usage(void)
{
    tx_config d;
    tx_config_defaults(&d);
    /* the defaults as tx_stream resolves them, not as a copy of its table */
    char copies[96], offsets[32], lean_rate[40];
    size_t n = 0, m = 0;
    for (int i = 0; i < d.redundancy; i++) {
        n += (size_t)snprintf(copies + n, sizeof copies - n, "%s%g", i ? " and " : "",
                              tx_copy_bitrate(&d, i) / 1000.0);
        m += (size_t)snprintf(offsets + m, sizeof offsets - m, "%s%d", i ? "," : "",
                              tx_copy_offset(&d, i));
    }
    snprintf(copies + n, sizeof copies - n, " kbps at %g kbps", d.bitrate / 1000.0);
    snprintf(lean_rate, sizeof lean_rate, "%g+%gk", d.bitrate * 5 / 16000.0, d.bitrate / 4000.0);
    printf("Usage: sender --to HOST:PORT [--input FILE|DEVICE] [options]\n"
           "       sender --to rtsp://HOST[:PORT]/PATH --input FILE [options]\n"
           "       sender --no-control --to HOST:PORT --input FILE [--sdp-out FILE]\n"
           "Streams audio as Opus over RTP/UDP with redundancy (RFC 2198), set up over\n"
           "an RTSP/1.0 control channel on TCP (docs/protocol.md).\n"
           "\n"
           "Destination:\n"
           "  -t, --to HOST:PORT          receiver: a host name, an IPv4 address, or an\n"
           "                              IPv6 address as [ADDR]:PORT; the control channel\n"
           "                              is TCP PORT, path %s\n"
           "      --to rtsp://HOST[:PORT]/PATH\n"
           "                              the same as an RTSP URL (port default %d)\n"
           "      --retry-busy            when the receiver is busy with another sender,\n"
           "                              keep retrying (default: exit with status 1)\n"
           "      --no-control            no control channel: plain RTP to UDP HOST:PORT\n"
           "                              (default: off)\n"
           "      --sdp-out FILE          with --no-control: write the stream's SDP (real\n"
           "                              port and address) for ffmpeg, ffplay, GStreamer\n"
           "                              or receiver --sdp (default: none)\n"
           "\n"
           "Input:\n"
           "  -i, --input FILE|DEVICE     a capture device (an index or part of its name,\n"
           "                              see --list-devices; default: the system default\n"
           "                              device), or a sound file (a path or a name with\n"
           "                              an extension: WAV, FLAC, Ogg, ...; any rate and\n"
           "                              channel count, resampled to 48 kHz), which plays\n"
           "                              in real time from the moment the first receiver\n"
           "                              accepts it, on through any reconnection\n"
           "      --list-devices          list the sound devices and exit\n"
           "      --loop                  start the file again when it ends (default: off)\n"
           "\n"
           "Encoding:\n"
           "  -b, --bitrate RATE          primary Opus bitrate, e.g. 32k (default 32k)\n"
           "  -f, --frame MS              frame length: 2.5, 5, 10, 20, 40 or 60 (default 20)\n"
           "  -c, --channels N            1 or 2 (default 1)\n"
           "      --complexity N          encoder complexity 0..10 (default 9)\n"
           "      --application KIND      voip, audio or lowdelay (default audio; lowdelay\n"
           "                              for 2.5 and 5 ms frames)\n"
           "\n"
           "Loss protection (the defaults: about twice the payload of no copies; a\n"
           "receiver waits for the oldest copy, 4 frames, once it has seen a loss;\n"
           "chosen by wideband PESQ against GStreamer at 5-30 %% loss, docs/benchmarks.md):\n"
           "  -r, --redundancy N          copies of earlier frames in each packet, 0..3\n"
           "                              (default %d); a receiver that does not decode RED\n"
           "                              (no %s) gets in-band FEC instead\n"
           "      --redundancy-bitrate R[,R...]\n"
           "                              bitrate of every copy, or one per copy in the\n"
           "                              order of the offsets, or auto (default auto:\n"
           "                              for frames of 10 ms and more, shares of the\n"
           "                              primary's: %s;\n"
           "                              for 2.5 and 5 ms frames the primary packets)\n"
           "      --redundancy-offsets L  which earlier frames the copies are of, e.g. 1,3\n"
           "                              (sets the number of copies; default %s): spread\n"
           "                              copies survive bursts of loss but make the\n"
           "                              receiver wait for the oldest\n"
           "      --redundancy-band B     the copies' audio band: wb (0-8 kHz), swb, fb, nb,\n"
           "                              opus (Opus's choice) or auto (default: wb below\n"
           "                              20 kbps, where it sounds best, else Opus's choice)\n"
           "      --lean                  lower-bitrate protection: two copies at 5/16 and\n"
           "                              1/4 of the primary's rate (%s): about 1.65 x\n"
           "                              the payload of no copies instead of 2 x, and\n"
           "                              audibly rougher rebuilt frames\n"
           "      --fec                   Opus in-band FEC (LBRR) in the primary (default off)\n"
           "      --loss-percent N        expected loss told to the encoder, 0..100\n"
           "                              (default 0; 20 with in-band FEC)\n"
           "\n"
           "Display:\n"
           "  -v, --verbose               a live status line every second\n"
           "  -q, --quiet                 only errors\n"
           "  -h, --help                  this help\n"
           "  -V, --version               version\n"
           "\n"
           "If the receiver is not up yet or goes away, the sender retries (every 0.25 s,\n"
           "doubling up to 4 s) and resumes; Ctrl-C or SIGTERM ends the session with\n"
           "TEARDOWN.\n"
           "Exit status: 0 done, 1 runtime failure (receiver busy or refused the stream,\n"
           "input ended while no receiver took it), 2 bad option, file or address.\n",
           AL_RTSP_PATH, RTSP_DEFAULT_PORT, d.redundancy, AL_RTSP_RED_OPTION, copies, offsets,
           lean_rate);
}

static int parse_options(int argc, char **argv, options *opt)
{
    enum {
        OPT_LOOP = 256,
        OPT_COMPLEXITY,
        OPT_APPLICATION,
        OPT_RED_BITRATE,
        OPT_RED_OFFSETS,
        OPT_RED_BAND,
        OPT_LEAN,
        OPT_FEC,
        OPT_LOSS,
        OPT_NO_CONTROL,
        OPT_SDP_OUT,
        OPT_RETRY_BUSY,
    };
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"input", required_argument, NULL, 'i'},
        {"list-devices", no_argument, NULL, 'L'},
        {"loop", no_argument, NULL, OPT_LOOP},
        {"bitrate", required_argument, NULL, 'b'},
        {"frame", required_argument, NULL, 'f'},
        {"channels", required_argument, NULL, 'c'},
        {"complexity", required_argument, NULL, OPT_COMPLEXITY},
        {"application", required_argument, NULL, OPT_APPLICATION},
        {"redundancy", required_argument, NULL, 'r'},
        {"redundancy-bitrate", required_argument, NULL, OPT_RED_BITRATE},
        {"redundancy-offsets", required_argument, NULL, OPT_RED_OFFSETS},
        {"redundancy-band", required_argument, NULL, OPT_RED_BAND},
        {"lean", no_argument, NULL, OPT_LEAN},
        {"fec", no_argument, NULL, OPT_FEC},
        {"loss-percent", required_argument, NULL, OPT_LOSS},
        {"no-control", no_argument, NULL, OPT_NO_CONTROL},
        {"sdp-out", required_argument, NULL, OPT_SDP_OUT},
        {"retry-busy", no_argument, NULL, OPT_RETRY_BUSY},
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
    while ((c = getopt_long(argc, argv, ":t:i:b:f:c:r:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            opt->to = optarg;
            break;
        case 'L':
            opt->list_devices = true;
            break;
        case 'i':
            opt->input = optarg;
            break;
        case OPT_LOOP:
            opt->loop = true;
            break;
        case 'b':
            if (cli_parse_bitrate(optarg, &opt->tx.bitrate) != 0 || opt->tx.bitrate < 6000 ||
                opt->tx.bitrate > 510000)
                return cli_usage_error(program, "--bitrate '%s': expected 6k to 510k", optarg);
            break;
        case 'f':
            if (cli_parse_duration_us(optarg, &us) != 0 || us % 2500 != 0 ||
                !tx_frame_samples_valid((int)(us * 48 / 1000)))
                return cli_usage_error(program, "--frame '%s': expected 2.5, 5, 10, 20, 40 or 60",
                                       optarg);
            opt->tx.frame_samples = (int)(us * 48 / 1000);
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, 2, &value) != 0)
                return cli_usage_error(program, "--channels '%s': expected 1 or 2", optarg);
            opt->tx.channels = (int)value;
            break;
        case OPT_COMPLEXITY:
            if (cli_parse_int(optarg, 0, 10, &value) != 0)
                return cli_usage_error(program, "--complexity '%s': expected 0 to 10", optarg);
            opt->tx.complexity = (int)value;
            break;
        case OPT_APPLICATION:
            if (strcasecmp(optarg, "voip") == 0)
                opt->tx.application = OPUS_APPLICATION_VOIP;
            else if (strcasecmp(optarg, "audio") == 0)
                opt->tx.application = OPUS_APPLICATION_AUDIO;
            else if (strcasecmp(optarg, "lowdelay") == 0)
                opt->tx.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
            else
                return cli_usage_error(
                    program, "--application '%s': expected voip, audio or lowdelay", optarg);
            opt->application_set = true;
            break;
        case 'r':
            if (cli_parse_int(optarg, 0, TX_MAX_REDUNDANCY, &value) != 0)
                return cli_usage_error(program, "--redundancy '%s': expected 0 to %d", optarg,
                                       TX_MAX_REDUNDANCY);
            opt->tx.redundancy = (int)value;
            break;
        case OPT_RED_BITRATE: {
            /* "16k,12k": one bitrate per copy, in the order of the offsets */
            opt->tx.redundancy_bitrate = 0;
            memset(opt->tx.copy_bitrates, 0, sizeof opt->tx.copy_bitrates);
            opt->red_bitrates = 0;
            if (strcasecmp(optarg, "auto") == 0)
                break;
            char list[96];
            snprintf(list, sizeof list, "%s", optarg);
            int rates[TX_MAX_REDUNDANCY], count = 0;
            for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
                 item = strtok_r(NULL, ",", &save)) {
                if (count == TX_MAX_REDUNDANCY || cli_parse_bitrate(item, &rates[count]) != 0 ||
                    rates[count] < 6000 || rates[count] > 510000)
                    return cli_usage_error(program,
                                           "--redundancy-bitrate '%s': expected auto, or up to "
                                           "%d bitrates of 6k to 510k, e.g. 16k,12k",
                                           optarg, TX_MAX_REDUNDANCY);
                count++;
            }
            if (count == 0)
                return cli_usage_error(program, "--redundancy-bitrate '%s': empty", optarg);
            if (count == 1)
                opt->tx.redundancy_bitrate = rates[0];
            else
                memcpy(opt->tx.copy_bitrates, rates, sizeof(int) * (size_t)count);
            opt->red_bitrates = count;
            break;
        }
        case OPT_RED_BAND: {
            static const struct {
                const char *name;
                int band;
            } bands[] = {
                {"nb", OPUS_BANDWIDTH_NARROWBAND},
                {"wb", OPUS_BANDWIDTH_WIDEBAND},
                {"swb", OPUS_BANDWIDTH_SUPERWIDEBAND},
                {"fb", OPUS_BANDWIDTH_FULLBAND},
                {"opus", OPUS_AUTO},
                {"auto", 0},
            };
            int found = -1;
            for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
                if (strcasecmp(optarg, bands[i].name) == 0)
                    found = (int)i;
            if (found < 0)
                return cli_usage_error(program,
                                       "--redundancy-band '%s': expected auto, opus, nb, wb, swb "
                                       "or fb",
                                       optarg);
            opt->tx.copy_bandwidth = bands[found].band;
            break;
        }
        case OPT_LEAN:
            opt->lean = true;
            break;
        case OPT_RED_OFFSETS: {
            /* "1,3": copies of the frames 1 and 3 back */
            char list[64];
            snprintf(list, sizeof list, "%s", optarg);
            int count = 0;
            for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
                 item = strtok_r(NULL, ",", &save)) {
                if (count == TX_MAX_REDUNDANCY ||
                    cli_parse_int(item, 1, TX_MAX_COPY_DISTANCE, &value) != 0)
                    return cli_usage_error(program,
                                           "--redundancy-offsets '%s': expected up to %d "
                                           "distinct frame distances from 1 to %d, e.g. 1,3",
                                           optarg, TX_MAX_REDUNDANCY, TX_MAX_COPY_DISTANCE);
                opt->tx.copy_offsets[count++] = (int)value;
            }
            for (int i = 0; i < count; i++)
                for (int j = 0; j < i; j++)
                    if (opt->tx.copy_offsets[i] == opt->tx.copy_offsets[j])
                        return cli_usage_error(
                            program, "--redundancy-offsets '%s': distances repeat", optarg);
            if (count == 0)
                return cli_usage_error(program, "--redundancy-offsets '%s': empty", optarg);
            opt->tx.redundancy = count;
            break;
        }
        case OPT_FEC:
            opt->tx.fec = true;
            break;
        case OPT_LOSS:
            if (cli_parse_int(optarg, 0, 100, &value) != 0)
                return cli_usage_error(program, "--loss-percent '%s': expected 0 to 100", optarg);
            opt->tx.loss_percent = (int)value;
            opt->loss_set = true;
            break;
        case OPT_NO_CONTROL:
            opt->no_control = true;
            break;
        case OPT_SDP_OUT:
            opt->sdp_out = optarg;
            break;
        case OPT_RETRY_BUSY:
            opt->retry_busy = true;
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
            printf("sender (audiolink) %s, %s\n", AL_VERSION, opus_get_version_string());
            exit(0);
        case ':':
            return cli_usage_error(program, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(program, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(program, "unexpected argument '%s'", argv[optind]);
    if (!opt->to && !opt->list_devices)
        return cli_usage_error(program, "--to HOST:PORT is required");
    if (opt->list_devices)
        return 0;
    /* A path or a name with an extension is a sound file; anything else
     * names a capture device, and no --input means the default device. */
    if (!opt->input)
        opt->input = "default";
    opt->from_device = !cli_looks_like_file(opt->input);
    if (opt->sdp_out && !opt->no_control)
        return cli_usage_error(program, "--sdp-out needs --no-control (with the control "
                                        "channel the SDP travels in ANNOUNCE)");
    if (opt->lean) {
        /* Two copies at 5/16 and 1/4 of the primary's rate (10 and 8 kbps
         * at 32): about 1.65 x the primary's payload instead of 2 x; of
         * the cheap profiles measured, the best at every loss rate
         * (docs/benchmarks.md). */
        if (!opt->tx.copy_offsets[0])
            opt->tx.redundancy = 2;
        if (!opt->red_bitrates && opt->tx.redundancy == 2) {
            int b = opt->tx.bitrate;
            opt->tx.copy_bitrates[0] = b * 5 / 16 < 6000 ? 6000 : b * 5 / 16;
            opt->tx.copy_bitrates[1] = b / 4 < 6000 ? 6000 : b / 4;
        }
    }
    if (opt->red_bitrates > 1 && opt->red_bitrates != opt->tx.redundancy)
        return cli_usage_error(program, "--redundancy-bitrate gives %d bitrates for %d copies",
                               opt->red_bitrates, opt->tx.redundancy);
    if (opt->tx.fec && !opt->loss_set)
        opt->tx.loss_percent = 20;
    if (!opt->application_set && opt->tx.frame_samples < 480)
        opt->tx.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    if (opt->tx.fec && opt->tx.frame_samples < 480 && opt->verbose >= 0)
        fprintf(stderr,
                "%s: note: Opus in-band FEC needs frames of 10 ms or more; "
                "use --redundancy to protect %.1f ms frames\n",
                program, opt->tx.frame_samples / 48.0);
    return 0;
}

/* --to as HOST:PORT or rtsp://HOST[:PORT]/PATH: the endpoint to resolve and
 * the RTSP URL of the stream. */
static int parse_destination(const char *to, bool no_control, net_endpoint *ep, char *url,
                             size_t url_size, char *err, size_t err_size)
{
    if (strncasecmp(to, "rtsp://", 7) == 0) {
        if (no_control) {
            snprintf(err, err_size, "'%s': with --no-control give HOST:PORT", to);
            return -1;
        }
        rtsp_url u;
        if (rtsp_parse_url(to, &u) != RTSP_OK) {
            snprintf(err, err_size, "'%s': expected rtsp://HOST[:PORT]/PATH", to);
            return -1;
        }
        memset(ep, 0, sizeof *ep);
        snprintf(ep->host, sizeof ep->host, "%s", u.host);
        ep->port = u.port;
        const char *path = u.path[0] && strcmp(u.path, "/") != 0 ? u.path : AL_RTSP_PATH;
        if (rtsp_write_url(url, url_size, u.host, u.port, path) < 0) {
            snprintf(err, err_size, "'%s': URL too long", to);
            return -1;
        }
        return 0;
    }
    if (net_endpoint_parse(to, NET_HOST_REQUIRED, ep, err, err_size) != 0)
        return -1;
    if (!no_control &&
        rtsp_write_url(url, url_size, ep->host, (uint16_t)ep->port, AL_RTSP_PATH) < 0) {
        snprintf(err, err_size, "'%s': host name too long", to);
        return -1;
    }
    return 0;
}

/* The SDP of a plain RTP stream to DEST, for --sdp-out. */
static int write_sdp_file(const options *opt, const struct sockaddr *dest, socklen_t dest_len,
                          char *err, size_t err_size)
{
    char conn[128], origin[128];
    struct sockaddr_storage local;
    net_host_str(dest, conn, sizeof conn);
    if (net_local_address_for(dest, dest_len, &local) == 0)
        net_host_str((struct sockaddr *)&local, origin, sizeof origin);
    else
        snprintf(origin, sizeof origin, "%s", conn);
    sdp_stream s;
    sdp_stream_init(&s);
    s.origin_addr = origin;
    s.conn_addr = conn;
    s.session_id = opt->tx.ssrc;
    s.session_version = 1;
    s.port = (uint16_t)(dest->sa_family == AF_INET6
                            ? ntohs(((const struct sockaddr_in6 *)dest)->sin6_port)
                            : ntohs(((const struct sockaddr_in *)dest)->sin_port));
    s.opus_pt = AL_OPUS_PT;
    s.red_pt = AL_RED_PT;
    s.channels = (unsigned)opt->tx.channels;
    s.frame_us = (uint32_t)((int64_t)opt->tx.frame_samples * 1000000 / AL_RATE);
    s.useinbandfec = opt->tx.fec;
    s.red_depth = (unsigned)opt->tx.redundancy;
    s.red_bitrate = opt->tx.redundancy ? (uint32_t)tx_copy_bitrate(&opt->tx, 0) : 0;
    char text[2048];
    int len = sdp_write(&s, text, sizeof text);
    if (len < 0) {
        snprintf(err, err_size, "cannot write SDP: %s", sdp_strerror(len));
        return -1;
    }
    FILE *f = fopen(opt->sdp_out, "w");
    if (!f || fwrite(text, 1, (size_t)len, f) != (size_t)len) {
        snprintf(err, err_size, "cannot write %s: %s", opt->sdp_out, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (fclose(f) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", opt->sdp_out, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads the next frame into PCM: FRAME samples per channel, the last
 * partial frame padded with silence. Returns 1 for a frame, 0 at the end
 * (nothing read), -1 on a read error. *LAST is set on the padded last one. */
/* Where the audio comes from: a sound file, paced by our clock, or a
 * capture device, whose clock paces the sender. */
typedef struct input_source {
    soundfile_reader *file;
    capture *dev;
} input_source;

#define FRAME_NOT_YET 2 /* read_frame: the device has not delivered the frame yet */

static int read_frame(input_source *src, const options *opt, float *pcm, bool *last)
{
    const int frame = opt->tx.frame_samples;
    if (src->dev) {
        *last = false;
        int r = capture_read_frame(src->dev, pcm, frame);
        return r == 0 ? FRAME_NOT_YET : r;
    }
    soundfile_reader *reader = src->file;
    long got = soundfile_reader_read(reader, pcm, frame);
    if (got < 0)
        return -1;
    if (got < frame && opt->loop && soundfile_reader_rewind(reader) == 0) {
        long more = soundfile_reader_read(reader, pcm + got * opt->tx.channels, frame - got);
        got += more > 0 ? more : 0;
    }
    if (got == 0)
        return 0;
    *last = false;
    if (got < frame) {
        /* Opus frames have fixed lengths, and the tail of the file still
         * counts: the last partial frame is padded with silence. */
        memset(pcm + got * opt->tx.channels, 0,
               sizeof(float) * (size_t)(frame - got) * (size_t)opt->tx.channels);
        *last = true;
    }
    return 1;
}

static void close_source(input_source *src)
{
    soundfile_reader_close(src->file);
    if (src->dev) {
        device_stats ds;
        capture_stats(src->dev, &ds);
        if (ds.xrun_events)
            fprintf(stderr, "%s: capture: %llu overruns (%llu frames lost)\n", program,
                    (unsigned long long)ds.xrun_events, (unsigned long long)ds.xrun_frames);
        capture_close(src->dev);
        device_terminate();
    }
    src->file = NULL;
    src->dev = NULL;
}

/* At start-up: the copies asked for do not fit a packet beside the
 * primary, so both are coded lower (tx_fit_rates); say so and to what. */
static void warn_if_lowered(const options *opt, const tx_config *cfg)
{
    tx_fit fit;
    if (opt->verbose < 0 || !tx_fit_rates(cfg, &fit))
        return;
    char rates[96] = "";
    size_t n = 0;
    for (int i = 0; i < cfg->redundancy; i++)
        n += (size_t)snprintf(rates + n, sizeof rates - n, "%s%.0f", i ? " + " : "",
                              fit.copy_bitrates[i] / 1000.0);
    fprintf(stderr,
            "%s: warning: %d kbps with %s does not fit a %d-byte packet: the primary is "
            "lowered to %.0f kbps and the copies to %s kbps, so that every packet carries "
            "every copy\n",
            program, cfg->bitrate / 1000, cfg->redundancy == 1 ? "its copy" : "its copies",
            AL_MAX_PACKET, fit.bitrate / 1000.0, rates);
}

static void print_totals(const options *opt, const tx_stats *s, const char *what,
                         uint64_t send_errors)
{
    if (opt->verbose < 0)
        return;
    double audio_seconds = (double)s->packets * opt->tx.frame_samples / AL_RATE;
    fprintf(stderr,
            "%s: %s after %.2f s of audio: %llu packets, payload %.1f kbps "
            "(primary %.1f, copies %.1f)%s%s\n",
            program, what, audio_seconds, (unsigned long long)s->packets,
            audio_seconds > 0 ? s->payload_bytes * 8 / audio_seconds / 1000 : 0.0,
            audio_seconds > 0 ? s->primary_bytes * 8 / audio_seconds / 1000 : 0.0,
            audio_seconds > 0 ? s->copy_bytes * 8 / audio_seconds / 1000 : 0.0,
            s->packets_lowered ? ", rates lowered to fit the copies" : "",
            send_errors ? ", some sends failed" : "");
}

static void add_stats(tx_stats *total, const tx_stats *s)
{
    total->packets += s->packets;
    total->payload_bytes += s->payload_bytes;
    total->primary_bytes += s->primary_bytes;
    total->copy_bytes += s->copy_bytes;
    total->copies_sent += s->copies_sent;
    total->copies_dropped += s->copies_dropped;
    total->packets_lowered += s->packets_lowered;
}

/* ---- plain RTP (--no-control): the stream starts at once ---- */

static int run_plain(options *opt, input_source *reader, const struct sockaddr *dest,
                     socklen_t dest_len)
{
    char err[512];
    tx_stream *tx = tx_stream_create(&opt->tx, err, sizeof err);
    if (!tx) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }
    int fd = udp_open_for(dest, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        tx_stream_destroy(tx);
        return 1;
    }
    char addr_text[128];
    net_addr_str(dest, addr_text, sizeof addr_text);
    const int frame = opt->tx.frame_samples;
    char copies[160];
    tx_describe_copies(&opt->tx, copies, sizeof copies);
    if (opt->verbose >= 0)
        fprintf(stderr,
                "%s: %s -> %s (plain RTP, no control channel): Opus %d kbps, %.1f ms frames, %s, "
                "%s%s, SSRC %08x\n",
                program, opt->input, addr_text, opt->tx.bitrate / 1000, frame / 48.0,
                opt->tx.channels == 1 ? "mono" : "stereo", copies,
                opt->tx.fec ? ", in-band FEC" : "", opt->tx.ssrc);
    warn_if_lowered(opt, &opt->tx);

    float *pcm = calloc((size_t)frame * (size_t)opt->tx.channels, sizeof(float));
    uint8_t packet[AL_MAX_PACKET];
    const int64_t frame_ns = (int64_t)frame * NS_PER_SEC / AL_RATE;
    int64_t start = clock_now_ns();
    int64_t next_status = start + NS_PER_SEC;
    uint64_t sent = 0, send_errors = 0;
    int send_errno = 0;
    int exit_code = 0;
    bool at_end = false;
    while (!stop_requested && !at_end) {
        int r = read_frame(reader, opt, pcm, &at_end);
        if (r == FRAME_NOT_YET) {
            /* the card paces us: sleep until it has delivered a frame */
            clock_sleep_until(capture_next_ns(reader->dev, frame, clock_now_ns()));
            continue;
        }
        if (r < 0) {
            fprintf(stderr, "%s: read error in %s\n", program, opt->input);
            exit_code = 1;
            break;
        }
        if (r == 0)
            break;
        int len = tx_stream_encode(tx, pcm, packet, sizeof packet);
        if (len < 0) {
            fprintf(stderr, "%s: encoder error: %s\n", program, opus_strerror(len));
            exit_code = 1;
            break;
        }
        /* Absolute deadlines: packet n leaves at start + n frames, whatever
         * time the encoding took, so a long file never drifts. A device's
         * frame leaves the moment it was captured. */
        if (!reader->dev)
            clock_sleep_until(start + (int64_t)sent * frame_ns);
        if (stop_requested)
            break;
        if (sendto(fd, packet, (size_t)len, 0, dest, dest_len) < 0) {
            send_errors++;
            send_errno = errno;
        }
        sent++;
        int64_t now = clock_now_ns();
        if (opt->verbose > 0 && now >= next_status) {
            tx_stats s = tx_stream_stats(tx);
            double seconds = (double)(now - start) / NS_PER_SEC;
            fprintf(stderr, "%s: %6.1f s  %llu packets  %.1f kbps payload\n", program, seconds,
                    (unsigned long long)s.packets, s.payload_bytes * 8 / seconds / 1000);
            next_status += NS_PER_SEC;
        }
    }
    tx_stats s = tx_stream_stats(tx);
    print_totals(opt, &s, stop_requested ? "stopped" : "done", send_errors);
    if (send_errors && opt->verbose >= 0)
        fprintf(stderr, "%s: %llu packets could not be sent (%s)\n", program,
                (unsigned long long)send_errors, strerror(send_errno));
    free(pcm);
    close(fd);
    tx_stream_destroy(tx);
    return exit_code;
}

/* ---- with the control channel ---- */

typedef struct session_run {
    options *opt;
    input_source *reader;
    const struct sockaddr *dest; /* the receiver's TCP address */
    socklen_t dest_len;
    rtsp_client *client;
    int tcp;
    bool tcp_connecting;
    int udp;

    /* media */
    tx_stream *tx;
    struct sockaddr_storage media_dest;
    socklen_t media_dest_len;
    tx_stats total;
    uint64_t send_errors;
    int send_errno;

    /* the input's clock: frame n is due at start + n frames */
    bool clock_started;
    int64_t start;
    uint64_t frames_read;
    bool input_ended;
    int64_t stop_at;
    bool stop_sent;
    int exit_code; /* -1 while running */
    int fail_code; /* a local failure (read, encoder) overrides the client's status */
} session_run;

static void close_tcp(session_run *r)
{
    if (r->tcp >= 0)
        close(r->tcp);
    r->tcp = -1;
    r->tcp_connecting = false;
}

/* The negotiated stream: a fresh encoder, fresh RTP sequence and
 * timestamp, the SSRC named in SETUP. */
/* A random first sequence number and timestamp (RFC 3550 5.1) for the next
 * session, announced in its RECORD. */
static void new_rtp_start(rtsp_client *c)
{
    uint16_t seq;
    uint32_t ts;
    cli_random_bytes(&seq, sizeof seq);
    cli_random_bytes(&ts, sizeof ts);
    rtsp_client_set_rtp_start(c, seq, ts);
}

static void start_media(session_run *r)
{
    const rtsp_client_stream *st = rtsp_client_get_stream(r->client);
    options *opt = r->opt;
    tx_config cfg = opt->tx;
    cfg.redundancy = st->red ? (int)st->red_depth : 0;
    cfg.fec = st->fec;
    if (st->fec && !opt->loss_set)
        cfg.loss_percent = 20;
    /* The start RECORD announced (RTP-Info), drawn at random beforehand. */
    cfg.first_sequence = r->client->rtp_seq;
    cfg.first_timestamp = r->client->rtp_time;
    char err[512];
    r->tx = tx_stream_create(&cfg, err, sizeof err);
    if (!r->tx) {
        fprintf(stderr, "%s: %s\n", program, err);
        r->fail_code = 1;
        rtsp_client_stop(r->client, clock_now_ns(), "encoder error", true);
        return;
    }
    r->media_dest_len = sizeof r->media_dest;
    getpeername(r->tcp, (struct sockaddr *)&r->media_dest, &r->media_dest_len);
    if (r->media_dest.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&r->media_dest)->sin6_port = htons(st->server_port);
    else
        ((struct sockaddr_in *)&r->media_dest)->sin_port = htons(st->server_port);

    if (!r->clock_started) {
        /* A file is live from the moment the first receiver takes it. */
        r->clock_started = true;
        r->start = clock_now_ns();
    }
    if (opt->verbose < 0)
        return;
    char addr[128], protection[200];
    net_addr_str((struct sockaddr *)&r->media_dest, addr, sizeof addr);
    if (st->red) {
        char copies[128];
        tx_describe_copies(&cfg, copies, sizeof copies);
        snprintf(protection, sizeof protection, "RED PT %d, %s", AL_RED_PT, copies);
    } else
        snprintf(protection, sizeof protection, "no RED");
    fprintf(stderr,
            "%s: streaming to %s (session %s, timeout %u s): Opus PT %d, 48000 Hz, %s, %.1f ms "
            "frames, %d kbps, %s%s%s, SSRC %08x\n",
            program, addr, st->session, st->timeout_s, AL_OPUS_PT,
            cfg.channels == 1 ? "mono" : "stereo", cfg.frame_samples / 48.0, cfg.bitrate / 1000,
            protection, cfg.fec ? ", in-band FEC (LBRR) at " : "",
            cfg.fec ? (cfg.loss_percent == 20 ? "20 % loss" : "the given loss") : "", cfg.ssrc);
    if (st->fec_instead_of_red)
        fprintf(stderr,
                "%s: the receiver does not decode RED (no %s in its Supported header): plain "
                "Opus with in-band FEC instead of %d copies%s\n",
                program, AL_RTSP_RED_OPTION, opt->tx.redundancy,
                cfg.frame_samples < 480 ? " (which needs frames of 10 ms or more)" : "");
    if (st->red)
        warn_if_lowered(opt, &cfg);
}

static void stop_media(session_run *r, const char *why)
{
    if (!r->tx)
        return;
    const tx_stats s = tx_stream_stats(r->tx);
    if (r->opt->verbose >= 0) {
        double seconds = (double)s.packets * r->opt->tx.frame_samples / AL_RATE;
        fprintf(stderr, "%s: session ended (%s) after %.2f s of audio, %llu packets\n", program,
                why, seconds, (unsigned long long)s.packets);
    }
    add_stats(&r->total, &s);
    tx_stream_destroy(r->tx);
    r->tx = NULL;
    new_rtp_start(r->client); /* the next session starts afresh */
}

static void connect_now(session_run *r, int64_t now)
{
    char err[256];
    close_tcp(r);
    r->tcp = tcp_connect_start(r->dest, r->dest_len, err, sizeof err);
    if (r->tcp < 0) {
        rtsp_client_connect_failed(r->client, now, err);
        return;
    }
    r->tcp_connecting = true;
}

static void handle_events(session_run *r)
{
    rtsp_client_event ev;
    while (rtsp_client_next_event(r->client, &ev)) {
        switch (ev.type) {
        case RTSP_CLIENT_EV_CONNECT:
            connect_now(r, clock_now_ns());
            break;
        case RTSP_CLIENT_EV_START:
            start_media(r);
            break;
        case RTSP_CLIENT_EV_STOP:
            stop_media(r, ev.text);
            break;
        case RTSP_CLIENT_EV_CLOSE:
            close_tcp(r);
            break;
        case RTSP_CLIENT_EV_NOTICE:
            if (r->opt->verbose >= 0)
                fprintf(stderr, "%s: %s\n", program, ev.text);
            break;
        case RTSP_CLIENT_EV_FINISHED:
            if (ev.text[0])
                fprintf(stderr, "%s: %s\n", program, ev.text);
            if (r->exit_code < 0)
                r->exit_code = ev.exit_code;
            close_tcp(r);
            break;
        }
    }
}

static void tcp_connect_done(session_run *r, int64_t now)
{
    int e = tcp_connect_result(r->tcp);
    r->tcp_connecting = false;
    if (e != 0) {
        close_tcp(r);
        rtsp_client_connect_failed(r->client, now, strerror(e));
        return;
    }
    struct sockaddr_storage local, peer;
    socklen_t ll = sizeof local, pl = sizeof peer;
    char local_text[128] = "", peer_text[128] = "";
    if (getsockname(r->tcp, (struct sockaddr *)&local, &ll) == 0)
        net_host_str((struct sockaddr *)&local, local_text, sizeof local_text);
    if (getpeername(r->tcp, (struct sockaddr *)&peer, &pl) == 0)
        net_host_str((struct sockaddr *)&peer, peer_text, sizeof peer_text);
    rtsp_client_connected(r->client, now, local_text, peer_text);
}

static void tcp_read(session_run *r, int64_t now)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = recv(r->tcp, buf, sizeof buf, 0);
        if (n > 0) {
            rtsp_client_received(r->client, now, buf, (size_t)n);
            handle_events(r);
            if (r->tcp < 0)
                return;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        const char *why = n == 0 ? "connection closed by the receiver" : strerror(errno);
        close_tcp(r);
        rtsp_client_closed(r->client, now, why);
        return;
    }
}

static void tcp_write(session_run *r, int64_t now)
{
    const uint8_t *data;
    size_t len;
    while (r->tcp >= 0 && !r->tcp_connecting && (len = rtsp_client_output(r->client, &data)) > 0) {
        ssize_t n = send(r->tcp, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            rtsp_client_output_sent(r->client, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        const char *why = strerror(errno);
        close_tcp(r);
        rtsp_client_closed(r->client, now, why);
        return;
    }
}

/* Frames due by NOW: read (keeping the input's real-time position even
 * while no receiver takes them), encoded and sent while a session records. */
static void play_due_frames(session_run *r, float *pcm, int64_t now)
{
    options *opt = r->opt;
    const int64_t frame_ns = (int64_t)opt->tx.frame_samples * NS_PER_SEC / AL_RATE;
    uint8_t packet[AL_MAX_PACKET];
    while (r->clock_started && !r->input_ended &&
           (r->reader->dev || now >= r->start + (int64_t)r->frames_read * frame_ns)) {
        bool last = false;
        int got = read_frame(r->reader, opt, pcm, &last);
        if (got == FRAME_NOT_YET)
            return;
        if (got < 0) {
            fprintf(stderr, "%s: read error in %s\n", program, opt->input);
            r->fail_code = 1;
            rtsp_client_stop(r->client, now, "read error", true);
            r->input_ended = true;
            return;
        }
        if (got == 0) {
            r->input_ended = true;
            r->stop_at = now + END_LINGER_NS;
            return;
        }
        r->frames_read++;
        if (r->tx && rtsp_client_recording(r->client)) {
            int len = tx_stream_encode(r->tx, pcm, packet, sizeof packet);
            if (len < 0) {
                fprintf(stderr, "%s: encoder error: %s\n", program, opus_strerror(len));
                r->fail_code = 1;
                rtsp_client_stop(r->client, now, "encoder error", true);
                r->input_ended = true;
                return;
            }
            if (sendto(r->udp, packet, (size_t)len, 0, (struct sockaddr *)&r->media_dest,
                       r->media_dest_len) < 0) {
                r->send_errors++;
                r->send_errno = errno;
            }
        }
        if (last) {
            r->input_ended = true;
            r->stop_at = now + END_LINGER_NS;
        }
    }
}

/* Binds FD to the wildcard address of FAMILY on a port the kernel picks and
 * returns that port (0 on failure): SETUP names it, so it comes first. */
static uint16_t bind_any_port(int fd, int family)
{
    struct sockaddr_storage a = {0};
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        len = sizeof *in6;
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&a;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_ANY);
        len = sizeof *in;
    }
    if (bind(fd, (struct sockaddr *)&a, len) != 0)
        return 0;
    len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    return family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                              : ntohs(((struct sockaddr_in *)&a)->sin_port);
}

static int run_session(options *opt, input_source *reader, const struct sockaddr *dest,
                       socklen_t dest_len, const char *url)
{
    char err[512];
    session_run r = {.opt = opt,
                     .reader = reader,
                     .dest = dest,
                     .dest_len = dest_len,
                     .tcp = -1,
                     .exit_code = -1,
                     .stop_at = INT64_MAX};
    r.udp = udp_open_for(dest, err, sizeof err);
    uint16_t port = r.udp >= 0 ? bind_any_port(r.udp, dest->sa_family) : 0;
    if (port == 0) {
        fprintf(stderr, "%s: cannot open a UDP port for the media: %s\n", program,
                r.udp >= 0 ? strerror(errno) : err);
        if (r.udp >= 0)
            close(r.udp);
        return 1;
    }
    r.client = malloc(sizeof *r.client);
    float *pcm = calloc((size_t)opt->tx.frame_samples * (size_t)opt->tx.channels, sizeof(float));
    char user_agent[64];
    snprintf(user_agent, sizeof user_agent, "audiolink/%s", AL_VERSION);
    rtsp_client_config cfg = {
        .url = url,
        .user_agent = user_agent,
        .client_port = port,
        .ssrc = opt->tx.ssrc,
        .channels = (unsigned)opt->tx.channels,
        .frame_us = (uint32_t)((int64_t)opt->tx.frame_samples * 1000000 / AL_RATE),
        .red_depth = (unsigned)opt->tx.redundancy,
        .red_bitrate = (uint32_t)tx_copy_bitrate(&opt->tx, 0),
        .fec = opt->tx.fec,
        .retry_busy = opt->retry_busy,
    };
    if (!r.client || !pcm || rtsp_client_init(r.client, &cfg, clock_now_ns()) != 0) {
        fprintf(stderr, "%s: cannot start the control channel for %s\n", program, url);
        free(r.client);
        free(pcm);
        close(r.udp);
        return 1;
    }
    new_rtp_start(r.client);
    if (opt->verbose >= 0)
        fprintf(stderr, "%s: %s -> %s (media from UDP port %u)\n", program, opt->input, url, port);

    int64_t next_status = clock_now_ns() + NS_PER_SEC;
    handle_events(&r);
    while (r.exit_code < 0) {
        int64_t now = clock_now_ns();
        if (stop_requested && !r.stop_sent) {
            r.stop_sent = true;
            rtsp_client_stop(r.client, now, "interrupted", true);
        } else if (r.input_ended && now >= r.stop_at && !r.stop_sent) {
            r.stop_sent = true;
            rtsp_client_stop(r.client, now, "end of input", false);
        }
        handle_events(&r);
        if (r.exit_code >= 0)
            break;

        /* Sleep until the next frame, timer or socket event. */
        const int64_t frame_ns = (int64_t)opt->tx.frame_samples * NS_PER_SEC / AL_RATE;
        int64_t wake = rtsp_client_next_timer(r.client);
        if (r.clock_started && !r.input_ended) {
            int64_t due = r.start + (int64_t)r.frames_read * frame_ns;
            if (r.reader->dev)
                due = capture_next_ns(r.reader->dev, opt->tx.frame_samples, clock_now_ns());
            if (due < wake)
                wake = due;
        }
        if (r.input_ended && !r.stop_sent && r.stop_at < wake)
            wake = r.stop_at;
        if (opt->verbose > 0 && next_status < wake)
            wake = next_status;
        struct pollfd pfd = {.fd = r.tcp, .events = 0};
        if (r.tcp >= 0) {
            const uint8_t *data;
            pfd.events = POLLIN;
            if (r.tcp_connecting || rtsp_client_output(r.client, &data) > 0)
                pfd.events |= POLLOUT;
        }
        now = clock_now_ns();
        int timeout_ms = 0;
        if (wake > now)
            timeout_ms = wake - now > 60 * NS_PER_SEC ? 60000 : (int)((wake - now) / NS_PER_MSEC);
        if (stop_requested && !r.stop_sent)
            timeout_ms = 0;
        int ready = poll(&pfd, 1, timeout_ms);
        now = clock_now_ns();
        if (ready == 0 && wake > now && wake - now < NS_PER_MSEC) {
            /* poll counts whole milliseconds; short frames need the rest. */
            clock_sleep_until(wake);
            now = clock_now_ns();
        }
        if (ready > 0 && r.tcp >= 0) {
            if (r.tcp_connecting) {
                if (pfd.revents & (POLLOUT | POLLERR | POLLHUP))
                    tcp_connect_done(&r, now);
            } else if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
                tcp_read(&r, now);
            }
            handle_events(&r);
        }
        rtsp_client_tick(r.client, now);
        handle_events(&r);
        tcp_write(&r, now);
        handle_events(&r);
        play_due_frames(&r, pcm, now);
        handle_events(&r);
        tcp_write(&r, now);
        handle_events(&r);
        if (opt->verbose > 0 && now >= next_status) {
            if (r.tx) {
                tx_stats s = tx_stream_stats(r.tx);
                fprintf(stderr, "%s: %6.1f s  %llu packets this session\n", program,
                        r.clock_started ? (double)(now - r.start) / NS_PER_SEC : 0.0,
                        (unsigned long long)s.packets);
            }
            next_status = now + NS_PER_SEC;
        }
    }
    stop_media(&r, "stopped");
    if (r.total.packets > 0)
        print_totals(opt, &r.total, stop_requested ? "stopped" : "done", r.send_errors);
    if (r.send_errors && opt->verbose >= 0)
        fprintf(stderr, "%s: %llu packets could not be sent (%s)\n", program,
                (unsigned long long)r.send_errors, strerror(r.send_errno));
    close_tcp(&r);
    close(r.udp);
    free(r.client);
    free(pcm);
    return r.fail_code ? r.fail_code : r.exit_code;
}

int main(int argc, char **argv)
{
    options opt = {0};
    tx_config_defaults(&opt.tx);
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc;
    if (opt.list_devices)
        return device_list_command(program);

    char err[512];
    net_endpoint ep;
    char url[RTSP_MAX_HOST + RTSP_MAX_PATH + 32] = "";
    if (parse_destination(opt.to, opt.no_control, &ep, url, sizeof url, err, sizeof err) != 0)
        return cli_usage_error(program, "--to %s", err);
    struct sockaddr_storage dest;
    socklen_t dest_len;
    if (net_resolve(&ep, opt.no_control ? SOCK_DGRAM : SOCK_STREAM, false, &dest, &dest_len, err,
                    sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }

    input_source source = {0};
    input_source *reader = &source;
    if (opt.from_device) {
        source.dev = capture_open(opt.input, opt.tx.channels, err, sizeof err);
        if (!source.dev) {
            fprintf(stderr, "%s: %s\n", program, err);
            device_terminate();
            return 2;
        }
        if (opt.verbose >= 0)
            fprintf(stderr, "%s: capturing from %s\n", program, capture_name(source.dev));
    } else {
        source.file = soundfile_reader_open(opt.input, opt.tx.channels, err, sizeof err);
        if (!source.file) {
            fprintf(stderr, "%s: %s\n", program, err);
            return 2;
        }
    }
    cli_random_bytes(&opt.tx.ssrc, sizeof opt.tx.ssrc);
    cli_random_bytes(&opt.tx.first_sequence, sizeof opt.tx.first_sequence);
    cli_random_bytes(&opt.tx.first_timestamp, sizeof opt.tx.first_timestamp);
    /* Check the encoder settings now, so that a bad combination is a usage
     * error before any connection. */
    tx_stream *probe = tx_stream_create(&opt.tx, err, sizeof err);
    if (!probe) {
        fprintf(stderr, "%s: %s\n", program, err);
        close_source(reader);
        return 2;
    }
    tx_stream_destroy(probe);

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (opt.no_control) {
        if (opt.sdp_out) {
            if (write_sdp_file(&opt, (struct sockaddr *)&dest, dest_len, err, sizeof err) != 0) {
                fprintf(stderr, "%s: %s\n", program, err);
                close_source(reader);
                return 2;
            }
            if (opt.tx.redundancy > 0 && opt.verbose >= 0)
                fprintf(stderr,
                        "%s: note: %s offers RED first; ffmpeg cannot decode RED (use "
                        "--redundancy 0 for it), GStreamer's rtpreddec and receiver --sdp can\n",
                        program, opt.sdp_out);
        }
        rc = run_plain(&opt, reader, (struct sockaddr *)&dest, dest_len);
    } else {
        rc = run_session(&opt, reader, (struct sockaddr *)&dest, dest_len, url);
    }
    close_source(reader);
    return rc;
}
