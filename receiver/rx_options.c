/* The receiver's command line (see rx_options.h). */
#include "receiver/rx_options.h"

#include <errno.h>
#include <getopt.h>
#include <opus.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "common/defaults.h"
#include "common/status.h"
#include "net/clock.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"

static const char *program = "receiver";

void rx_options_usage(FILE *out)
{
    fprintf(out,
            "Usage: receiver [--output FILE|DEVICE] [--listen [ADDR:]PORT] [options]\n"
            "       receiver --output FILE --no-control [--listen [ADDR:]PORT]\n"
            "       receiver --output FILE --sdp FILE\n"
            "       receiver --list-devices\n"
            "Receives Opus over RTP/UDP, rebuilds lost frames from the redundant copies\n"
            "later packets carry (RFC 2198), conceals the rest, and writes a sound file.\n"
            "Senders set up their stream over RTSP/1.0 on TCP (docs/protocol.md).\n"
            "\n"
            "Network:\n"
            "  -l, --listen [ADDR:]PORT    TCP PORT for the control channel and UDP PORT for\n"
            "                              RTP (default %d on every address, IPv4 and IPv6);\n"
            "                              PORT 0 picks a free port and prints\n"
            "                              \"receiver: listening on port N\"\n"
            "\n"
            "Sessions (control channel):\n"
            "      --once                  exit when the first session ends (default: wait\n"
            "                              for the next sender)\n"
            "      --session-timeout S     end a session after S seconds without keep-alive\n"
            "                              or media (default %d)\n"
            "      --request-timeout S     close a connection whose request is not complete\n"
            "                              after S seconds (default %d)\n"
            "                              A claim (ANNOUNCE) without media is released after\n"
            "                              %lld s; a sender's restart from the same host takes\n"
            "                              over its session once media stopped for %lld s\n"
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
            "                              %d Hz);\n"
            "                              successive sessions continue the same file\n"
            "  -c, --channels N            1 or 2 (default: a file as the first stream, a\n"
            "                              device in stereo)\n"
            "      --list-devices          list the sound devices and exit\n"
            "\n"
            "Playout:\n"
            "      --latency MS            fixed playout delay after the first packet, 0 to\n"
            "                              %d ms (default auto: the measured jitter's 99th\n"
            "                              percentile + 0.5 ms, at least a frame into a\n"
            "                              file, plus the frames the copies need once\n"
            "                              loss has been seen); a file waits up to\n"
            "                              %lld ms for a late packet rather than conceal\n"
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
            AL_DEFAULT_PORT, RTSP_DEFAULT_SESSION_TIMEOUT, AL_RX_REQUEST_TIMEOUT_S,
            (long long)(AL_RX_CLAIM_DEADLINE_NS / NS_PER_SEC),
            (long long)(AL_RX_TAKEOVER_SILENCE_NS / NS_PER_SEC), AL_OPUS_PT, AL_RED_PT,
            AL_RX_IDLE_TIMEOUT_S, AL_RATE, AL_RX_MAX_LATENCY_MS,
            (long long)(RX_FILE_LATE_HOLD_NS / NS_PER_MSEC));
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

/* Prints "receiver: MESSAGE" and returns AL_ERR_ARG (exit status 2). */
static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return AL_ERR_ARG;
}

/* Reads the SDP file of --sdp into OPT's payload types and channels and
 * *PORT. Returns AL_OK or AL_ERR_ARG with the reason printed. */
static int load_sdp(rx_options *opt, int *port)
{
    FILE *f = fopen(opt->sdp_path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s: %s\n", program, opt->sdp_path, strerror(errno));
        return AL_ERR_ARG;
    }
    static char text[65536];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    static sdp_desc desc; /* 13 KiB: kept off the stack */
    sdp_opus_stream st;
    char why[256] = "";
    int rc = sdp_parse(text, len, &desc);
    if (rc == SDP_OK)
        rc = sdp_select_opus(&desc, &st, why, sizeof why);
    if (rc != SDP_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, opt->sdp_path, why[0] ? why : sdp_strerror(rc));
        return AL_ERR_ARG;
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
    return AL_OK;
}

static void set_defaults(rx_options *opt)
{
    memset(opt, 0, sizeof *opt);
    rx_config_defaults(&opt->rx);
    opt->idle_timeout_ns = (int64_t)AL_RX_IDLE_TIMEOUT_S * NS_PER_SEC;
    opt->session_timeout_ns = (int64_t)RTSP_DEFAULT_SESSION_TIMEOUT * NS_PER_SEC;
    opt->request_timeout_ns = (int64_t)AL_RX_REQUEST_TIMEOUT_S * NS_PER_SEC;
}

/* Everything that depends on more than one option. */
static int resolve(rx_options *opt, const char *listen)
{
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
        if (opt->mode == RX_MODE_PLAIN)
            return bad("--sdp and --no-control: choose one");
        opt->mode = RX_MODE_SDP;
    }
    if (opt->once && opt->mode != RX_MODE_CONTROL)
        return bad("--once is for sessions; plain RTP ends with "
                   "--idle-timeout");
    int sdp_port = 0;
    if (opt->mode == RX_MODE_SDP && load_sdp(opt, &sdp_port) != AL_OK)
        return AL_ERR_ARG;
    if (opt->mode == RX_MODE_SDP && !listen && sdp_port == 0)
        return bad("%s has port 0: give --listen PORT", opt->sdp_path);
    char default_listen[16];
    snprintf(default_listen, sizeof default_listen, "%d",
             opt->mode == RX_MODE_SDP ? sdp_port : AL_DEFAULT_PORT);
    char err[512];
    if (net_endpoint_parse(listen ? listen : default_listen, NET_PORT_ZERO_OK, &opt->listen, err,
                           sizeof err) != 0)
        return bad("--listen %s", err);
    return AL_OK;
}

int rx_options_parse(int argc, char **argv, rx_options *opt)
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
    set_defaults(opt);
    const char *listen = NULL;
    int c;
    long value;
    int64_t us, ns;
    opterr = 0;
    optind = 0; /* a full reset (GNU): the tests parse many command lines */
    while ((c = getopt_long(argc, argv, ":l:o:c:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'L':
            opt->list_devices = true;
            break;
        case 'o':
            opt->output = optarg;
            break;
        case 'c':
            if (cli_parse_int(optarg, 1, 2, &value) != 0)
                return bad("--channels '%s': expected 1 or 2", optarg);
            opt->rx.channels = (int)value;
            break;
        case OPT_IDLE:
            if (parse_seconds_ns(optarg, &opt->idle_timeout_ns) != 0)
                return bad("--idle-timeout '%s': expected seconds", optarg);
            break;
        case OPT_LATENCY:
            if (cli_parse_duration_us(optarg, &us) != 0 ||
                us > (int64_t)AL_RX_MAX_LATENCY_MS * 1000)
                return bad("--latency '%s': expected 0 to %d ms", optarg, AL_RX_MAX_LATENCY_MS);
            opt->rx.latency_ms = (int)((us + 999) / 1000);
            break;
        case OPT_STATS:
            opt->stats_path = optarg;
            break;
        case OPT_ONCE:
            opt->once = true;
            break;
        case OPT_SESSION_TIMEOUT:
            if (parse_seconds_ns(optarg, &ns) != 0 || ns < NS_PER_SEC ||
                ns > (int64_t)AL_RX_MAX_SESSION_TIMEOUT_S * NS_PER_SEC)
                return bad("--session-timeout '%s': expected 1 to %d seconds", optarg,
                           AL_RX_MAX_SESSION_TIMEOUT_S);
            opt->session_timeout_ns = ns / NS_PER_SEC * NS_PER_SEC;
            break;
        case OPT_REQUEST_TIMEOUT:
            if (parse_seconds_ns(optarg, &ns) != 0 || ns < 100 * NS_PER_MSEC ||
                ns > (int64_t)AL_RX_MAX_REQUEST_TIMEOUT_S * NS_PER_SEC)
                return bad("--request-timeout '%s': expected 0.1 to %d seconds", optarg,
                           AL_RX_MAX_REQUEST_TIMEOUT_S);
            opt->request_timeout_ns = ns;
            break;
        case OPT_NO_CONTROL:
            opt->mode = RX_MODE_PLAIN;
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
            rx_options_usage(stdout);
            return RX_OPTIONS_DONE;
        case 'V':
            printf("receiver (audiolink) %s, %s\n", AL_VERSION, opus_get_version_string());
            return RX_OPTIONS_DONE;
        case ':':
            return bad("%s needs a value", argv[optind - 1]);
        default:
            return bad("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad("unexpected argument '%s'", argv[optind]);
    if (opt->list_devices)
        return AL_OK;
    return resolve(opt, listen);
}
