/* The sender's command line (see tx_options.h). */
#include "sender/tx_options.h"

#include <getopt.h>
#include <opus.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cli.h"
#include "common/defaults.h"
#include "net/clock.h"
#include "proto/rtsp.h"
#include "sender/rtsp_client.h"

static const char *program = "sender";

void tx_options_defaults(tx_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->action = TX_ACTION_RUN;
    tx_config_defaults(&opt->stream);
}

void tx_options_version(FILE *out)
{
    fprintf(out, "sender (audiolink) %s, %s\n", AL_VERSION, opus_get_version_string());
}

void tx_options_help(FILE *out)
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
    fprintf(out, "Usage: sender --to HOST:PORT [--input FILE|DEVICE] [options]\n"
                 "       sender --to rtsp://HOST[:PORT]/PATH --input FILE [options]\n"
                 "       sender --no-control --to HOST:PORT --input FILE [--sdp-out FILE]\n"
                 "Streams audio as Opus over RTP/UDP with redundancy (RFC 2198), set up over\n"
                 "an RTSP/1.0 control channel on TCP (docs/protocol.md).\n"
                 "\n");
    fprintf(out,
            "Destination:\n"
            "  -t, --to HOST:PORT          receiver: a host name, an IPv4 address, or an\n"
            "                              IPv6 address as [ADDR]:PORT; the control channel\n"
            "                              is TCP PORT, path %s; every address HOST\n"
            "                              resolves to is tried in turn\n"
            "      --to HOST,HOST...:PORT  several hosts, tried in this order (the first\n"
            "                              to answer takes the session)\n"
            "      --to rtsp://HOST[:PORT]/PATH\n"
            "                              the same as an RTSP URL (port default %d)\n"
            "      --retry-busy            when the receiver is busy with another sender,\n"
            "                              keep retrying (default: exit with status 1)\n"
            "      --no-control            no control channel: plain RTP to UDP HOST:PORT\n"
            "                              (default: off)\n"
            "      --sdp-out FILE          with --no-control: write the stream's SDP (real\n"
            "                              port and address) for ffmpeg, ffplay, GStreamer\n"
            "                              or receiver --sdp (default: none)\n"
            "\n",
            AL_RTSP_PATH, RTSP_DEFAULT_PORT);
    fprintf(out,
            "Input:\n"
            "  -i, --input FILE|DEVICE     a capture device (an index or part of its name,\n"
            "                              see --list-devices; default: the system default\n"
            "                              device), or a sound file (a path or a name with\n"
            "                              an extension: WAV, FLAC, Ogg, ...; any rate and\n"
            "                              channel count, resampled to %d kHz), which plays\n"
            "                              in real time from the moment the first receiver\n"
            "                              accepts it, on through any reconnection\n"
            "      --list-devices          list the sound devices and exit\n"
            "      --loop                  start the file again when it ends (default: off)\n"
            "\n",
            AL_RATE / 1000);
    fprintf(out,
            "Encoding:\n"
            "  -b, --bitrate RATE          primary Opus bitrate, e.g. 32k (default %gk)\n"
            "  -f, --frame MS              frame length: 2.5, 5, 10, 20, 40 or 60 (default %g)\n"
            "  -c, --channels N            1 or 2 (default %d)\n"
            "      --complexity N          encoder complexity 0..%d (default %d)\n"
            "      --application KIND      voip, audio or lowdelay (default audio; lowdelay\n"
            "                              for frames under %g ms)\n"
            "\n",
            d.bitrate / 1000.0, (double)d.frame_samples * 1000 / AL_RATE, d.channels,
            AL_TX_MAX_COMPLEXITY, d.complexity, (double)AL_MIN_SILK_FRAME_SAMPLES * 1000 / AL_RATE);
    fprintf(out,
            "Loss protection (the defaults: about twice the payload of no copies; a\n"
            "receiver waits for the oldest copy, %d frames, once it has seen a loss;\n"
            "chosen by wideband PESQ against GStreamer at 5-30 %% loss, docs/benchmarks.md):\n"
            "  -r, --redundancy N          copies of earlier frames in each packet, 0..%d\n"
            "                              (default %d); a receiver that does not decode RED\n"
            "                              (no %s) gets in-band FEC instead\n"
            "      --redundancy-bitrate R[,R...]\n"
            "                              bitrate of every copy, or one per copy in the\n"
            "                              order of the offsets, or auto (default auto:\n"
            "                              for frames of %g ms and more, shares of the\n"
            "                              primary's: %s;\n"
            "                              for shorter frames the primary packets)\n",
            tx_copy_offset(&d, d.redundancy - 1), TX_MAX_REDUNDANCY, d.redundancy,
            AL_RTSP_RED_OPTION, (double)AL_MIN_SILK_FRAME_SAMPLES * 1000 / AL_RATE, copies);
    fprintf(out,
            "      --redundancy-offsets L  which earlier frames the copies are of, e.g. 1,3\n"
            "                              (sets the number of copies; default %s): spread\n"
            "                              copies survive bursts of loss but make the\n"
            "                              receiver wait for the oldest\n"
            "      --redundancy-band B     the copies' audio band: wb (0-8 kHz), swb, fb, nb,\n"
            "                              opus (Opus's choice) or auto (default: wb below\n"
            "                              %g kbps, where it sounds best, else Opus's choice)\n"
            "      --lean                  lower-bitrate protection: two copies at 5/16 and\n"
            "                              1/4 of the primary's rate (%s): about 1.65 x\n"
            "                              the payload of no copies instead of 2 x, and\n"
            "                              audibly rougher rebuilt frames\n"
            "      --fec                   Opus in-band FEC (LBRR) in the primary (default off)\n"
            "      --loss-percent N        expected loss told to the encoder, 0..100\n"
            "                              (default %d; %d with in-band FEC)\n"
            "\n",
            offsets, AL_TX_COPY_WIDEBAND_BELOW / 1000.0, lean_rate, d.loss_percent,
            AL_TX_FEC_LOSS_PERCENT);
    fprintf(out,
            "Display:\n"
            "  -v, --verbose               a live status line every %g s\n"
            "  -q, --quiet                 only errors\n"
            "  -h, --help                  this help\n"
            "  -V, --version               version\n"
            "\n"
            "If the receiver is not up yet or goes away, the sender retries (every %g s,\n"
            "doubling up to %g s) and resumes; Ctrl-C or SIGTERM ends the session with\n"
            "TEARDOWN.\n"
            "Exit status: 0 done, 1 runtime failure (receiver busy or refused the stream,\n"
            "input ended while no receiver took it), 2 bad option, file or address.\n",
            (double)AL_TX_STATUS_PERIOD_NS / NS_PER_SEC,
            (double)RTSP_CLIENT_BACKOFF_MIN_NS / NS_PER_SEC,
            (double)RTSP_CLIENT_BACKOFF_MAX_NS / NS_PER_SEC);
}

int tx_options_parse(int argc, char **argv, tx_options *opt)
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
    tx_options_defaults(opt);
    opterr = 0;
    optind = 0; /* a full re-initialisation of getopt: the tests parse many command lines */
    while ((c = getopt_long(argc, argv, ":t:i:b:f:c:r:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            opt->to = optarg;
            break;
        case 'L':
            opt->action = TX_ACTION_LIST_DEVICES;
            break;
        case 'i':
            opt->input = optarg;
            break;
        case OPT_LOOP:
            opt->loop = true;
            break;
        case 'b':
            if (cli_parse_bitrate(optarg, &opt->stream.bitrate) != 0 ||
                opt->stream.bitrate < AL_TX_MIN_BITRATE || opt->stream.bitrate > AL_TX_MAX_BITRATE)
                return cli_usage_error(program, "--bitrate '%s': expected %dk to %dk", optarg,
                                       AL_TX_MIN_BITRATE / 1000, AL_TX_MAX_BITRATE / 1000);
            break;
        case 'f':
            if (cli_parse_duration_us(optarg, &us) != 0 || us % 2500 != 0 ||
                !tx_frame_samples_valid((int)(us * AL_RATE / 1000000)))
                return cli_usage_error(program, "--frame '%s': expected 2.5, 5, 10, 20, 40 or 60",
                                       optarg);
            opt->stream.frame_samples = (int)(us * AL_RATE / 1000000);
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, 2, &value) != 0)
                return cli_usage_error(program, "--channels '%s': expected 1 or 2", optarg);
            opt->stream.channels = (int)value;
            break;
        case OPT_COMPLEXITY:
            if (cli_parse_int(optarg, 0, AL_TX_MAX_COMPLEXITY, &value) != 0)
                return cli_usage_error(program, "--complexity '%s': expected 0 to %d", optarg,
                                       AL_TX_MAX_COMPLEXITY);
            opt->stream.complexity = (int)value;
            break;
        case OPT_APPLICATION:
            if (strcasecmp(optarg, "voip") == 0)
                opt->stream.application = OPUS_APPLICATION_VOIP;
            else if (strcasecmp(optarg, "audio") == 0)
                opt->stream.application = OPUS_APPLICATION_AUDIO;
            else if (strcasecmp(optarg, "lowdelay") == 0)
                opt->stream.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
            else
                return cli_usage_error(
                    program, "--application '%s': expected voip, audio or lowdelay", optarg);
            opt->application_set = true;
            break;
        case 'r':
            if (cli_parse_int(optarg, 0, TX_MAX_REDUNDANCY, &value) != 0)
                return cli_usage_error(program, "--redundancy '%s': expected 0 to %d", optarg,
                                       TX_MAX_REDUNDANCY);
            opt->stream.redundancy = (int)value;
            break;
        case OPT_RED_BITRATE: {
            /* "16k,12k": one bitrate per copy, in the order of the offsets */
            opt->stream.redundancy_bitrate = 0;
            memset(opt->stream.copy_bitrates, 0, sizeof opt->stream.copy_bitrates);
            opt->red_bitrates = 0;
            if (strcasecmp(optarg, "auto") == 0)
                break;
            char list[96];
            snprintf(list, sizeof list, "%s", optarg);
            int rates[TX_MAX_REDUNDANCY], count = 0;
            for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
                 item = strtok_r(NULL, ",", &save)) {
                if (count == TX_MAX_REDUNDANCY || cli_parse_bitrate(item, &rates[count]) != 0 ||
                    rates[count] < AL_TX_MIN_BITRATE || rates[count] > AL_TX_MAX_BITRATE)
                    return cli_usage_error(program,
                                           "--redundancy-bitrate '%s': expected auto, or up to "
                                           "%d bitrates of %dk to %dk, e.g. 16k,12k",
                                           optarg, TX_MAX_REDUNDANCY, AL_TX_MIN_BITRATE / 1000,
                                           AL_TX_MAX_BITRATE / 1000);
                count++;
            }
            if (count == 0)
                return cli_usage_error(program, "--redundancy-bitrate '%s': empty", optarg);
            if (count == 1)
                opt->stream.redundancy_bitrate = rates[0];
            else
                memcpy(opt->stream.copy_bitrates, rates, sizeof(int) * (size_t)count);
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
            opt->stream.copy_bandwidth = bands[found].band;
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
                opt->stream.copy_offsets[count++] = (int)value;
            }
            for (int i = 0; i < count; i++)
                for (int j = 0; j < i; j++)
                    if (opt->stream.copy_offsets[i] == opt->stream.copy_offsets[j])
                        return cli_usage_error(
                            program, "--redundancy-offsets '%s': distances repeat", optarg);
            if (count == 0)
                return cli_usage_error(program, "--redundancy-offsets '%s': empty", optarg);
            opt->stream.redundancy = count;
            break;
        }
        case OPT_FEC:
            opt->stream.fec = true;
            break;
        case OPT_LOSS:
            if (cli_parse_int(optarg, 0, 100, &value) != 0)
                return cli_usage_error(program, "--loss-percent '%s': expected 0 to 100", optarg);
            opt->stream.loss_percent = (int)value;
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
            opt->action = TX_ACTION_HELP;
            return 0;
        case 'V':
            opt->action = TX_ACTION_VERSION;
            return 0;
        case ':':
            return cli_usage_error(program, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(program, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(program, "unexpected argument '%s'", argv[optind]);
    if (!opt->to && opt->action != TX_ACTION_LIST_DEVICES)
        return cli_usage_error(program, "--to HOST:PORT is required");
    if (opt->action == TX_ACTION_LIST_DEVICES)
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
        if (!opt->stream.copy_offsets[0])
            opt->stream.redundancy = 2;
        if (!opt->red_bitrates && opt->stream.redundancy == 2) {
            int b = opt->stream.bitrate;
            opt->stream.copy_bitrates[0] =
                b * 5 / 16 < AL_TX_MIN_BITRATE ? AL_TX_MIN_BITRATE : b * 5 / 16;
            opt->stream.copy_bitrates[1] = b / 4 < AL_TX_MIN_BITRATE ? AL_TX_MIN_BITRATE : b / 4;
        }
    }
    if (opt->red_bitrates > 1 && opt->red_bitrates != opt->stream.redundancy)
        return cli_usage_error(program, "--redundancy-bitrate gives %d bitrates for %d copies",
                               opt->red_bitrates, opt->stream.redundancy);
    if (opt->stream.fec && !opt->loss_set)
        opt->stream.loss_percent = AL_TX_FEC_LOSS_PERCENT;
    if (!opt->application_set && opt->stream.frame_samples < AL_MIN_SILK_FRAME_SAMPLES)
        opt->stream.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    if (opt->stream.fec && opt->stream.frame_samples < AL_MIN_SILK_FRAME_SAMPLES &&
        opt->verbose >= 0)
        fprintf(stderr,
                "%s: note: Opus in-band FEC needs frames of 10 ms or more; "
                "use --redundancy to protect %.1f ms frames\n",
                program, opt->stream.frame_samples * 1000.0 / AL_RATE);
    return 0;
}
