/* sender: audio from a sound file, Opus-encoded, sent as RTP over UDP in
 * real time, each packet carrying copies of the frames before it. */
#include <errno.h>
#include <getopt.h>
#include <opus.h>
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
#include "net/udp.h"
#include "proto/defaults.h"
#include "sender/tx_stream.h"

static const char *program = "sender";
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct options {
    const char *to;
    const char *input;
    bool loop;
    int verbose; /* -1 quiet, 0 normal, 1 verbose */
    tx_config tx;
    bool application_set;
} options;

static void usage(void)
{
    tx_config d;
    tx_config_defaults(&d);
    printf("Usage: sender --to HOST:PORT --input FILE [options]\n"
           "Streams audio as Opus over RTP/UDP with redundancy (RFC 2198).\n"
           "\n"
           "Destination:\n"
           "  -t, --to HOST:PORT          receiver address: a host name, an IPv4 address,\n"
           "                              or an IPv6 address as [ADDR]:PORT\n"
           "\n"
           "Input:\n"
           "  -i, --input FILE            sound file to send (WAV, FLAC, Ogg, ...; any rate\n"
           "                              and channel count, resampled to 48 kHz)\n"
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
           "Loss protection:\n"
           "  -r, --redundancy N          copies of earlier frames in each packet, 0..3\n"
           "                              (default %d)\n"
           "      --redundancy-bitrate R  bitrate of the copies, or auto (default auto:\n"
           "                              7.5k for frames of 10 ms and more; for 2.5 and\n"
           "                              5 ms frames the primary packets themselves)\n"
           "      --fec                   Opus in-band FEC (LBRR) in the primary (default off)\n"
           "      --loss-percent N        expected loss told to the encoder, 0..100\n"
           "                              (default 0; 20 with --fec)\n"
           "\n"
           "Display:\n"
           "  -v, --verbose               a live status line every second\n"
           "  -q, --quiet                 only errors\n"
           "  -h, --help                  this help\n"
           "  -V, --version               version\n"
           "\n"
           "Exit status: 0 done, 1 runtime failure, 2 bad option, file or address.\n",
           d.redundancy);
}

static int parse_options(int argc, char **argv, options *opt)
{
    enum { OPT_LOOP = 256, OPT_COMPLEXITY, OPT_APPLICATION, OPT_RED_BITRATE, OPT_FEC, OPT_LOSS };
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"input", required_argument, NULL, 'i'},
        {"loop", no_argument, NULL, OPT_LOOP},
        {"bitrate", required_argument, NULL, 'b'},
        {"frame", required_argument, NULL, 'f'},
        {"channels", required_argument, NULL, 'c'},
        {"complexity", required_argument, NULL, OPT_COMPLEXITY},
        {"application", required_argument, NULL, OPT_APPLICATION},
        {"redundancy", required_argument, NULL, 'r'},
        {"redundancy-bitrate", required_argument, NULL, OPT_RED_BITRATE},
        {"fec", no_argument, NULL, OPT_FEC},
        {"loss-percent", required_argument, NULL, OPT_LOSS},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool loss_set = false;
    int c;
    long value;
    int64_t us;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:i:b:f:c:r:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            opt->to = optarg;
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
        case OPT_RED_BITRATE:
            if (strcasecmp(optarg, "auto") == 0)
                opt->tx.redundancy_bitrate = 0;
            else if (cli_parse_bitrate(optarg, &opt->tx.redundancy_bitrate) != 0 ||
                     opt->tx.redundancy_bitrate < 6000 || opt->tx.redundancy_bitrate > 510000)
                return cli_usage_error(
                    program, "--redundancy-bitrate '%s': expected auto or 6k to 510k", optarg);
            break;
        case OPT_FEC:
            opt->tx.fec = true;
            break;
        case OPT_LOSS:
            if (cli_parse_int(optarg, 0, 100, &value) != 0)
                return cli_usage_error(program, "--loss-percent '%s': expected 0 to 100", optarg);
            opt->tx.loss_percent = (int)value;
            loss_set = true;
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
    if (!opt->to)
        return cli_usage_error(program, "--to HOST:PORT is required");
    if (!opt->input)
        return cli_usage_error(program, "--input FILE is required");
    if (opt->tx.fec && !loss_set)
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

int main(int argc, char **argv)
{
    options opt = {0};
    tx_config_defaults(&opt.tx);
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc;

    char err[512];
    net_endpoint ep;
    if (net_endpoint_parse(opt.to, true, &ep, err, sizeof err) != 0)
        return cli_usage_error(program, "--to %s", err);
    struct sockaddr_storage dest;
    socklen_t dest_len;
    if (net_resolve(&ep, SOCK_DGRAM, false, &dest, &dest_len, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }

    soundfile_reader *reader = soundfile_reader_open(opt.input, opt.tx.channels, err, sizeof err);
    if (!reader) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }

    cli_random_bytes(&opt.tx.ssrc, sizeof opt.tx.ssrc);
    cli_random_bytes(&opt.tx.first_sequence, sizeof opt.tx.first_sequence);
    cli_random_bytes(&opt.tx.first_timestamp, sizeof opt.tx.first_timestamp);
    tx_stream *tx = tx_stream_create(&opt.tx, err, sizeof err);
    if (!tx) {
        fprintf(stderr, "%s: %s\n", program, err);
        soundfile_reader_close(reader);
        return 2;
    }
    int fd = udp_open_for((struct sockaddr *)&dest, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        tx_stream_destroy(tx);
        soundfile_reader_close(reader);
        return 1;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char addr_text[128];
    net_addr_str((struct sockaddr *)&dest, addr_text, sizeof addr_text);
    const int frame = opt.tx.frame_samples;
    if (opt.verbose >= 0)
        fprintf(stderr,
                "%s: %s -> %s: Opus %d kbps, %.1f ms frames, %s, redundancy %d (%.1f kbps)%s, "
                "SSRC %08x\n",
                program, opt.input, addr_text, opt.tx.bitrate / 1000, frame / 48.0,
                opt.tx.channels == 1 ? "mono" : "stereo", opt.tx.redundancy,
                tx_copy_bitrate(&opt.tx) / 1000.0, opt.tx.fec ? ", in-band FEC" : "", opt.tx.ssrc);

    float *pcm = calloc((size_t)frame * (size_t)opt.tx.channels, sizeof(float));
    uint8_t packet[AL_MAX_PACKET];
    const int64_t frame_ns = (int64_t)frame * NS_PER_SEC / AL_RATE;
    int64_t start = clock_now_ns();
    int64_t next_status = start + NS_PER_SEC;
    uint64_t sent = 0, send_errors = 0;
    int exit_code = 0;
    bool at_end = false;
    while (!stop_requested && !at_end) {
        long got = soundfile_reader_read(reader, pcm, frame);
        if (got < 0) {
            fprintf(stderr, "%s: read error in %s\n", program, opt.input);
            exit_code = 1;
            break;
        }
        if (got < frame && opt.loop && soundfile_reader_rewind(reader) == 0) {
            long more = soundfile_reader_read(reader, pcm + got * opt.tx.channels, frame - got);
            got += more > 0 ? more : 0;
        }
        if (got == 0)
            break;
        if (got < frame) {
            /* The last partial frame is padded with silence: Opus frames
             * have fixed lengths, and the tail of the file still counts. */
            memset(pcm + got * opt.tx.channels, 0,
                   sizeof(float) * (size_t)(frame - got) * (size_t)opt.tx.channels);
            at_end = true;
        }
        int len = tx_stream_encode(tx, pcm, packet, sizeof packet);
        if (len < 0) {
            fprintf(stderr, "%s: encoder error: %s\n", program, opus_strerror(len));
            exit_code = 1;
            break;
        }
        /* Absolute deadlines: packet n leaves at start + n frames, whatever
         * time the encoding took, so a long file never drifts. */
        clock_sleep_until(start + (int64_t)sent * frame_ns);
        if (stop_requested)
            break;
        if (sendto(fd, packet, (size_t)len, 0, (struct sockaddr *)&dest, dest_len) < 0)
            send_errors++;
        sent++;
        int64_t now = clock_now_ns();
        if (opt.verbose > 0 && now >= next_status) {
            tx_stats s = tx_stream_stats(tx);
            double seconds = (double)(now - start) / NS_PER_SEC;
            fprintf(stderr, "%s: %6.1f s  %llu packets  %.1f kbps payload\n", program, seconds,
                    (unsigned long long)s.packets, s.payload_bytes * 8 / seconds / 1000);
            next_status += NS_PER_SEC;
        }
    }

    tx_stats s = tx_stream_stats(tx);
    double audio_seconds = (double)s.packets * frame / AL_RATE;
    if (opt.verbose >= 0) {
        fprintf(stderr,
                "%s: %s after %.2f s of audio: %llu packets, payload %.1f kbps "
                "(primary %.1f, copies %.1f)%s\n",
                program, stop_requested ? "stopped" : "done", audio_seconds,
                (unsigned long long)s.packets,
                audio_seconds > 0 ? s.payload_bytes * 8 / audio_seconds / 1000 : 0.0,
                audio_seconds > 0 ? s.primary_bytes * 8 / audio_seconds / 1000 : 0.0,
                audio_seconds > 0 ? s.copy_bytes * 8 / audio_seconds / 1000 : 0.0,
                send_errors ? ", some sends failed" : "");
    }
    if (send_errors && opt.verbose >= 0)
        fprintf(stderr, "%s: %llu packets could not be sent (%s)\n", program,
                (unsigned long long)send_errors, strerror(errno));
    free(pcm);
    close(fd);
    tx_stream_destroy(tx);
    soundfile_reader_close(reader);
    return exit_code;
}
