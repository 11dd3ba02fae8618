/* copystudy: one sender configuration, one seeded loss pattern, any clips;
 * writes what the receiver would play, clip by clip, for scoring.
 *
 * The real media code (tx_stream, rx_stream) runs in simulated time with no
 * sockets (sim/sim.h): packet k of a clip leaves at k frames and arrives at
 * once unless the loss model drops it; frames are played on the receiver's
 * own schedule. The lossmodel is netsim's (the fate of packet k depends only
 * on the seed and k), so a pattern here is the pattern netsim applies to a
 * live session.
 * tools/copystudy/study.sh scores the outputs; docs/benchmarks.md reports
 * what each variant of the copies' coding did. */
#include <getopt.h>
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/soundfile.h"
#include "common/cli.h"
#include "common/defaults.h"
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/clip.h"
#include "sim/lossmodel.h"
#include "sim/sim.h"

#define MAX_CLIP_SAMPLES (48000L * 600)

static void usage(void)
{
    printf("Usage: copystudy --out DIR [options] CLIP...\n"
           "Encodes each CLIP with the sender's media code, drops packets as netsim's\n"
           "loss model would, decodes with the receiver's media code in simulated time,\n"
           "and writes DIR/<clip>.wav (48 kHz mono, aligned sample for sample with the\n"
           "clip). Prints one line per clip: packets, lost, frames by origin, payload kbps.\n"
           "\n"
           "Sender:\n"
           "  -b, --bitrate R            primary (default 32k)\n"
           "  -f, --frame MS             2.5 .. 60 (default 20)\n"
           "  -r, --redundancy N         copies per packet (default the sender's)\n"
           "      --redundancy-bitrate R the copies' bitrate\n"
           "      --redundancy-offsets L which earlier frames, e.g. 1,3\n"
           "      --copy-bitrates L      per copy, in the order of the offsets, e.g. 24k,8k\n"
           "      --copy-primary-state   code copies from the primary encoder's state\n"
           "      --copy-bandwidth B     nb, mb, wb, swb, fb, or opus (Opus's choice)\n"
           "      --fec                  Opus in-band FEC in the primary\n"
           "      --loss-percent N       loss told to the encoder\n"
           "      --application A        voip, audio, lowdelay\n"
           "      --complexity N         0..10, primary and copies (default the sender's)\n"
           "Loss (netsim's model):\n"
           "      --loss P               Bernoulli, e.g. 10%%\n"
           "      --ge RATE,BURST        Gilbert-Elliott, e.g. 20%%,3\n"
           "      --seed N               seed of the first clip; clip i uses N + i (default 1)\n"
           "Receiver:\n"
           "      --latency MS           fixed playout delay (default automatic)\n");
}

static int parse_list(const char *text, int *out, int max, bool bitrate)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        long v;
        if (bitrate ? cli_parse_bitrate(tok, &out[n]) != 0
                    : (cli_parse_int(tok, 1, TX_MAX_COPY_DISTANCE, &v) != 0 || !(out[n] = (int)v)))
            return -1;
        n++;
    }
    return n;
}

typedef struct clip_result {
    long packets, lost;
    rx_stats st;
    double payload_kbps;
} clip_result;

static int latency_ms; /* --latency: 0 = the receiver's automatic delay */

/* Writes the first LEN samples of OUT to OUT_PATH. */
static int write_output(const char *out_path, const float *out, long len)
{
    char err[256] = "write error";
    soundfile_writer *w = soundfile_writer_open(out_path, 1, err, sizeof err);
    if (!w || soundfile_writer_write(w, out, len) != 0 || soundfile_writer_close(w) != 0) {
        fprintf(stderr, "copystudy: %s: %s\n", out_path, err);
        return -1;
    }
    return 0;
}

static int run_clip(const tx_config *base, const struct lossmodel_config *mc, const char *path,
                    const char *out_path, clip_result *res)
{
    char err[256];
    memset(res, 0, sizeof *res);
    sim_clip clip;
    if (sim_clip_init(&clip, MAX_CLIP_SAMPLES) != 0) {
        fprintf(stderr, "copystudy: out of memory\n");
        return -1;
    }
    if (sim_clip_append_file(&clip, NULL, path, err, sizeof err) != 0) {
        fprintf(stderr, "copystudy: %s\n", err);
        sim_clip_free(&clip);
        return -1;
    }
    const int fs = base->frame_samples;
    const long frames = sim_clip_frames(&clip, fs); /* the last frame padded with silence */
    float *out = calloc((size_t)(frames * fs + 1), sizeof(float));
    if (!out || sim_clip_pad_to_frames(&clip, fs) != 0) {
        fprintf(stderr, "copystudy: out of memory\n");
        free(out);
        sim_clip_free(&clip);
        return -1;
    }
    int rc = 0;
    if (frames > 0) {
        tx_config cfg = *base;
        cfg.ssrc = 0x5eed;
        cfg.first_sequence = 65000; /* wraps during the run */
        cfg.first_timestamp = 0xfff00000u;
        sim_stream s;
        bool *lost = NULL;
        rc = sim_encode(&cfg, clip.samples, frames, &s, err, sizeof err);
        if (rc == 0 && !(lost = sim_loss_pattern(mc, (uint64_t)frames))) {
            snprintf(err, sizeof err, "out of memory");
            rc = -1;
        }
        if (rc == 0) {
            sim_config sc;
            sim_config_defaults(&sc);
            sc.rx.adaptive_rate = false; /* output samples map 1:1 to stream samples */
            sc.rx.latency_ms = latency_ms;
            sc.stream = &s;
            sc.slots = (uint64_t)frames;
            sc.fate = sim_fate_pattern;
            sc.fate_user = lost;
            /* one slot after the last packet, what is held is drained, as at
             * a stream's end */
            sc.tail_slots = 1;
            sc.drain = true;
            sc.out = out;
            sc.out_samples = frames * fs;
            sim_result r;
            rc = sim_run(&sc, &r, err, sizeof err);
            if (rc == 0) {
                res->packets = (long)r.sent;
                res->lost = (long)r.dropped;
                res->st = r.stats;
                res->payload_kbps = s.payload_kbps;
                sim_result_free(&r);
            }
        }
        if (rc != 0)
            fprintf(stderr, "copystudy: %s\n", err);
        free(lost);
        sim_stream_free(&s);
    }
    if (rc == 0)
        rc = write_output(out_path, out, clip.len);
    free(out);
    sim_clip_free(&clip);
    return rc;
}

int main(int argc, char **argv)
{
    enum {
        OPT_RED_BITRATE = 256,
        OPT_RED_OFFSETS,
        OPT_COPY_BITRATES,
        OPT_COPY_STATE,
        OPT_COPY_BW,
        OPT_FEC,
        OPT_LOSS_PERCENT,
        OPT_APP,
        OPT_LOSS,
        OPT_GE,
        OPT_SEED,
        OPT_OUT,
        OPT_LATENCY,
        OPT_COMPLEXITY,
    };
    static const struct option longopts[] = {
        {"bitrate", required_argument, NULL, 'b'},
        {"frame", required_argument, NULL, 'f'},
        {"redundancy", required_argument, NULL, 'r'},
        {"redundancy-bitrate", required_argument, NULL, OPT_RED_BITRATE},
        {"redundancy-offsets", required_argument, NULL, OPT_RED_OFFSETS},
        {"copy-bitrates", required_argument, NULL, OPT_COPY_BITRATES},
        {"copy-primary-state", no_argument, NULL, OPT_COPY_STATE},
        {"copy-bandwidth", required_argument, NULL, OPT_COPY_BW},
        {"fec", no_argument, NULL, OPT_FEC},
        {"loss-percent", required_argument, NULL, OPT_LOSS_PERCENT},
        {"application", required_argument, NULL, OPT_APP},
        {"loss", required_argument, NULL, OPT_LOSS},
        {"ge", required_argument, NULL, OPT_GE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"out", required_argument, NULL, OPT_OUT},
        {"latency", required_argument, NULL, OPT_LATENCY},
        {"complexity", required_argument, NULL, OPT_COMPLEXITY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    tx_config cfg;
    tx_config_defaults(&cfg);
    struct lossmodel_config mc;
    lossmodel_config_default(&mc);
    const char *out_dir = NULL;
    long seed = 1, v;
    bool app_set = false;
    int c;
    while ((c = getopt_long(argc, argv, "b:f:r:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (cli_parse_bitrate(optarg, &cfg.bitrate) != 0)
                return cli_usage_error("copystudy", "--bitrate '%s'", optarg);
            break;
        case 'f': {
            int64_t us;
            if (cli_parse_duration_us(optarg, &us) != 0 ||
                !tx_frame_samples_valid((int)(us * 48 / 1000)))
                return cli_usage_error("copystudy", "--frame '%s'", optarg);
            cfg.frame_samples = (int)(us * 48 / 1000);
            break;
        }
        case 'r':
            if (cli_parse_int(optarg, 0, TX_MAX_REDUNDANCY, &v) != 0)
                return cli_usage_error("copystudy", "--redundancy '%s'", optarg);
            cfg.redundancy = (int)v;
            break;
        case OPT_RED_BITRATE:
            if (cli_parse_bitrate(optarg, &cfg.redundancy_bitrate) != 0)
                return cli_usage_error("copystudy", "--redundancy-bitrate '%s'", optarg);
            break;
        case OPT_RED_OFFSETS: {
            int n = parse_list(optarg, cfg.copy_offsets, TX_MAX_REDUNDANCY, false);
            if (n <= 0)
                return cli_usage_error("copystudy", "--redundancy-offsets '%s'", optarg);
            cfg.redundancy = n;
            break;
        }
        case OPT_COPY_BITRATES:
            if (parse_list(optarg, cfg.copy_bitrates, TX_MAX_REDUNDANCY, true) <= 0)
                return cli_usage_error("copystudy", "--copy-bitrates '%s'", optarg);
            break;
        case OPT_COPY_STATE:
            cfg.copy_primary_state = true;
            break;
        case OPT_COPY_BW: {
            static const char *names[] = {"nb", "mb", "wb", "swb", "fb", "opus"};
            static const int bws[] = {OPUS_BANDWIDTH_NARROWBAND, OPUS_BANDWIDTH_MEDIUMBAND,
                                      OPUS_BANDWIDTH_WIDEBAND,   OPUS_BANDWIDTH_SUPERWIDEBAND,
                                      OPUS_BANDWIDTH_FULLBAND,   OPUS_AUTO};
            cfg.copy_bandwidth = 0;
            for (int i = 0; i < 6; i++)
                if (strcmp(optarg, names[i]) == 0)
                    cfg.copy_bandwidth = bws[i];
            if (!cfg.copy_bandwidth)
                return cli_usage_error("copystudy", "--copy-bandwidth '%s'", optarg);
            break;
        }
        case OPT_FEC:
            cfg.fec = true;
            break;
        case OPT_LOSS_PERCENT:
            if (cli_parse_int(optarg, 0, 100, &v) != 0)
                return cli_usage_error("copystudy", "--loss-percent '%s'", optarg);
            cfg.loss_percent = (int)v;
            break;
        case OPT_APP:
            app_set = true;
            if (strcmp(optarg, "voip") == 0)
                cfg.application = OPUS_APPLICATION_VOIP;
            else if (strcmp(optarg, "audio") == 0)
                cfg.application = OPUS_APPLICATION_AUDIO;
            else if (strcmp(optarg, "lowdelay") == 0)
                cfg.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
            else
                return cli_usage_error("copystudy", "--application '%s'", optarg);
            break;
        case OPT_LOSS:
            mc.loss = LOSSMODEL_LOSS_BERNOULLI;
            if (lossmodel_parse_prob(optarg, &mc.loss_rate) != 0)
                return cli_usage_error("copystudy", "--loss '%s'", optarg);
            break;
        case OPT_GE: {
            char buf[64];
            snprintf(buf, sizeof buf, "%s", optarg);
            char *comma = strchr(buf, ',');
            if (!comma)
                return cli_usage_error("copystudy", "--ge '%s': RATE,BURST", optarg);
            *comma = 0;
            mc.loss = LOSSMODEL_LOSS_GE;
            if (lossmodel_parse_prob(buf, &mc.loss_rate) != 0 ||
                (mc.burst_len = strtod(comma + 1, NULL)) < 1)
                return cli_usage_error("copystudy", "--ge '%s'", optarg);
            break;
        }
        case OPT_SEED:
            if (cli_parse_int(optarg, 0, 1L << 30, &seed) != 0)
                return cli_usage_error("copystudy", "--seed '%s'", optarg);
            break;
        case OPT_OUT:
            out_dir = optarg;
            break;
        case OPT_COMPLEXITY:
            if (cli_parse_int(optarg, 0, 10, &v) != 0)
                return cli_usage_error("copystudy", "--complexity '%s'", optarg);
            cfg.complexity = (int)v;
            break;
        case OPT_LATENCY:
            if (cli_parse_int(optarg, 1, 10000, &v) != 0)
                return cli_usage_error("copystudy", "--latency '%s'", optarg);
            latency_ms = (int)v;
            break;
        case 'h':
            usage();
            return 0;
        default:
            return 2;
        }
    }
    if (!out_dir || optind >= argc)
        return cli_usage_error("copystudy", "--out DIR and at least one CLIP");
    if (!app_set && cfg.frame_samples < 480)
        cfg.application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    for (int i = optind; i < argc; i++) {
        mc.seed = (uint64_t)seed + (uint64_t)(i - optind);
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        char name[512], out_path[1024];
        snprintf(name, sizeof name, "%s", base);
        char *dot = strrchr(name, '.');
        if (dot)
            *dot = 0;
        snprintf(out_path, sizeof out_path, "%s/%s.wav", out_dir, name);
        clip_result r;
        if (run_clip(&cfg, &mc, argv[i], out_path, &r) != 0)
            return 1;
        printf("%s packets %ld lost %ld primary %llu red %llu fec %llu plc %llu late %llu "
               "payload_kbps %.2f delay_ms %.1f\n",
               name, r.packets, r.lost, (unsigned long long)r.st.frames_primary,
               (unsigned long long)r.st.frames_red, (unsigned long long)r.st.frames_fec,
               (unsigned long long)r.st.frames_plc, (unsigned long long)r.st.packets_late,
               r.payload_kbps, r.st.delay_ms);
    }
    return 0;
}
