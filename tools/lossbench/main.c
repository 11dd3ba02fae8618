/* lossbench: how much of what the network loses comes back, and what the
 * rest costs, measured on real speech with the real media code.
 *
 * For each sender configuration (redundancy depth, LBRR on/off) the clips
 * are encoded once by tx_stream. Each loss pattern (lossmodel: the fate of
 * packet k depends only on the seed and k) then decides which packets reach
 * an rx_stream running in simulated time (sim/sim.h): packet k arrives at k
 * frames, and frames are played on the receiver's own schedule. The
 * output is compared with the same configuration's output over a loss-free
 * link, so the distortion shown is what loss did, not what the codec did. */
#include <getopt.h>
#include <math.h>
#include <opus.h>
#include <speex/speex_resampler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/metrics.h"
#include "audio/soundfile.h"
#include "common/cli.h"
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/clip.h"
#include "sim/lossmodel.h"
#include "sim/sim.h"

#define MAX_CLIPS    8
#define LBRR_PERCENT 20 /* the loss the encoder is told of when LBRR is on */

static const char *default_clips[] = {
    "ljspeech_LJ001-0001_F.flac",
    "libri_3436-172162-0000_M.flac",
    "ljspeech_LJ001-0007_F.flac",
    "jfk_inaugural_excerpt_M.flac",
};

/* A configuration's packets (sim_encode) and what coding them cost. */
typedef struct encoded {
    sim_stream s;
    double encode_cpu_s;
} encoded;

typedef struct loss_case {
    const char *name;
    enum lossmodel_loss loss;
    double rate;
    double burst;
} loss_case;

typedef struct result {
    uint64_t lost, red, fec, plc, ideal_copies;
    double seg_snr, lsd, decode_cpu_s;
    double seg_snr_plain; /* against plain Opus (depth 0, no LBRR) over a clean link */
    double delay_ms;      /* the receiver's playout delay at the end */
    float *out;
} result;

/* the clips one after another, trimmed to whole frames */
static sim_clip clips;
static float *audio;
static long audio_len;
static int frame_samples = 960; /* 20 ms unless --frame */
/* --write-dir: where every output of the table goes as a WAV (NULL: none) */
static const char *write_dir;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load_clips(const char *dir, const char **names, int count)
{
    if (sim_clip_init(&clips, 48000L * 120) != 0)
        return -1;
    for (int i = 0; i < count && i < MAX_CLIPS; i++) {
        char err[256];
        if (sim_clip_append_file(&clips, dir, names[i], err, sizeof err) != 0) {
            fprintf(stderr, "lossbench: %s\n", err);
            return -1;
        }
    }
    sim_clip_trim_to_frames(&clips, frame_samples);
    audio = clips.samples;
    audio_len = clips.len;
    return 0;
}

static int application = OPUS_APPLICATION_AUDIO;

static encoded encode_all(const tx_config *base)
{
    tx_config cfg = *base;
    cfg.application = frame_samples < 480 ? OPUS_APPLICATION_RESTRICTED_LOWDELAY : application;
    cfg.frame_samples = frame_samples;
    cfg.ssrc = 0x5eed;
    cfg.first_sequence = 65000; /* wraps during the run */
    cfg.first_timestamp = 0xfff00000u;
    char err[256];
    encoded e = {0};
    double t0 = cpu_now();
    if (sim_encode(&cfg, audio, audio_len / frame_samples, &e.s, err, sizeof err) != 0) {
        fprintf(stderr, "lossbench: %s\n", err);
        exit(1);
    }
    e.encode_cpu_s = cpu_now() - t0;
    return e;
}

static void free_encoded(encoded *e)
{
    sim_stream_free(&e->s);
}

/* Plays the encoded stream through RX over the loss pattern LC (NULL: no
 * loss). The output is placed by frame index, so it lines up with the input
 * and with every other run. */
static result run_with(const encoded *e, const loss_case *lc, const int *offsets, int ncopies,
                       uint64_t seed, rx_copy_decoding copy_decoding)
{
    result res = {0};
    res.out = calloc((size_t)audio_len, sizeof(float));
    struct lossmodel_config mc;
    lossmodel_config_default(&mc);
    mc.seed = seed;
    if (lc) {
        mc.loss = lc->loss;
        mc.loss_rate = lc->rate;
        mc.burst_len = lc->burst > 0 ? lc->burst : 1;
    }
    const uint64_t n = (uint64_t)e->s.count;
    bool *dropped = sim_loss_pattern(&mc, n);

    sim_config sc;
    sim_config_defaults(&sc);
    sc.rx.copy_decoding = copy_decoding;
    sc.rx.adaptive_rate = false; /* output frames line up with input frames */
    sc.stream = &e->s;
    sc.slots = n;
    sc.fate = sim_fate_pattern;
    sc.fate_user = dropped;
    sc.tail_slots = 200; /* the clock runs on 4 s to play what is held */
    sc.out = res.out;    /* placed by timestamp: lines up with the input */
    sc.out_samples = audio_len;
    sim_result sr;
    char err[256];
    double t0 = cpu_now();
    if (!dropped || sim_run(&sc, &sr, err, sizeof err) != 0) {
        fprintf(stderr, "lossbench: %s\n", dropped ? err : "out of memory");
        exit(1);
    }
    res.decode_cpu_s = cpu_now() - t0;

    /* The copies could rebuild lost frame k if any of packets k+1..k+depth
     * arrived: the pattern's own ideal, against which no copy is wasted. */
    res.lost = sr.dropped;
    res.ideal_copies = sim_pattern_repairable(dropped, n, offsets, ncopies);
    res.delay_ms = sr.stats.delay_ms;
    res.red = sr.stats.frames_red;
    res.fec = sr.stats.frames_fec;
    /* every lost frame not rebuilt was concealed (or, before the first
     * packet and after the last, never played at all) */
    res.plc = res.lost - res.red - res.fec;
    sim_result_free(&sr);
    free(dropped);
    return res;
}

/* Speech quality is judged in the wideband voice band, as ITU-T P.862.2
 * and docs BASELINES.md do: both signals are resampled to 16 kHz before
 * they are compared. (At 48 kHz the empty band above 8-11 kHz of these
 * clips would dominate the log-spectral distance.) */
#define METRIC_RATE 16000
#define METRIC_SEG  320 /* 20 ms at 16 kHz */

static float *to_metric_rate(const float *in, long n, long *out_n)
{
    int err;
    SpeexResamplerState *rs = speex_resampler_init(1, 48000, METRIC_RATE, 10, &err);
    speex_resampler_skip_zeros(rs);
    long cap = n / 3 + 64;
    float *out = calloc((size_t)cap, sizeof(float));
    spx_uint32_t in_len = (spx_uint32_t)n, len = (spx_uint32_t)cap;
    speex_resampler_process_float(rs, 0, in, &in_len, out, &len);
    speex_resampler_destroy(rs);
    *out_n = (long)len;
    return out;
}

/* Plain Opus over a clean link, at 16 kHz: the common reference that also
 * charges LBRR for the bits it takes from the primary. */
static float *plain16;
static long plain16_len;

/* Copies of the DEPTH adjacent frames. */
static result run(const encoded *e, const loss_case *lc, int depth, uint64_t seed,
                  rx_copy_decoding copy_decoding)
{
    static const int adjacent[] = {1, 2, 3};
    return run_with(e, lc, adjacent, depth, seed, copy_decoding);
}

static result run_offsets(const encoded *e, const loss_case *lc, const int *offsets, int n,
                          uint64_t seed)
{
    return run_with(e, lc, offsets, n, seed, RX_COPY_MAIN_DECODER);
}

static void measure(result *r, const float *clean16, long n16)
{
    long n;
    float *out16 = to_metric_rate(r->out, audio_len, &n);
    if (n > n16)
        n = n16;
    r->seg_snr = metrics_segmental_snr_db(clean16, out16, (size_t)n, METRIC_SEG, METRICS_SSNR_LO_DB,
                                          METRICS_SSNR_HI_DB);
    if (plain16)
        r->seg_snr_plain =
            metrics_segmental_snr_db(plain16, out16, (size_t)(n < plain16_len ? n : plain16_len),
                                     METRIC_SEG, METRICS_SSNR_LO_DB, METRICS_SSNR_HI_DB);
    r->lsd = metrics_log_spectral_distance_db(clean16, out16, (size_t)n, METRIC_SEG);
    free(out16);
}

/* Payload plus the IPv4, UDP and RTP headers (20 + 8 + 12 bytes) of every
 * packet: what a link carries. Small frames pay mostly for headers. */
static double wire_kbps(const encoded *e)
{
    return e->s.payload_kbps + 40 * 8.0 * 48000 / frame_samples / 1000;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * part / whole : 0;
}

/* --write-dir: writes PCM (AUDIO_LEN samples) as DIR/NAME.wav. The outputs
 * are placed by timestamp, so each lines up with ref.wav sample for sample
 * (apart from the codec's own delay) and clips.csv splits all of them. */
static void write_wav(const char *name, const float *pcm)
{
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/%s.wav", write_dir, name);
    soundfile_writer *w = soundfile_writer_open(path, 1, err, sizeof err);
    if (!w || soundfile_writer_write(w, pcm, audio_len) != 0 || soundfile_writer_close(w) != 0) {
        fprintf(stderr, "lossbench: %s: %s\n", path, w ? "write error" : err);
        exit(1);
    }
}

/* The reference (the input) and where each clip lies in it. */
static void write_reference(void)
{
    write_wav("ref", audio);
    char path[1024];
    snprintf(path, sizeof path, "%s/clips.csv", write_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "lossbench: cannot create %s\n", path);
        exit(1);
    }
    fprintf(f, "clip,start_sample,samples\n");
    for (int i = 0; i < clips.parts; i++)
        fprintf(f, "%s,%ld,%ld\n", clips.part[i].name, clips.part[i].start, clips.part[i].len);
    fclose(f);
}

/* A file name for a table cell: "d2_lbrr0_GE20b3" (spaces and %% dropped). */
static void cell_name(char *out, size_t size, int depth, int lbrr, const char *loss)
{
    int n = snprintf(out, size, "d%d_lbrr%d_", depth, lbrr);
    for (const char *p = loss; *p && n > 0 && (size_t)n + 1 < size; p++)
        if (*p != ' ' && *p != '%')
            out[n++] = *p;
    out[n] = 0;
}

static void table(uint64_t seed, int copy_bitrate, FILE *csv)
{
    static const loss_case cases[] = {
        {"B 0%", LOSSMODEL_LOSS_NONE, 0, 0},         {"B 5%", LOSSMODEL_LOSS_BERNOULLI, .05, 0},
        {"B 10%", LOSSMODEL_LOSS_BERNOULLI, .10, 0}, {"B 20%", LOSSMODEL_LOSS_BERNOULLI, .20, 0},
        {"B 30%", LOSSMODEL_LOSS_BERNOULLI, .30, 0}, {"B 40%", LOSSMODEL_LOSS_BERNOULLI, .40, 0},
        {"GE 10% b2", LOSSMODEL_LOSS_GE, .10, 2},    {"GE 20% b3", LOSSMODEL_LOSS_GE, .20, 3},
    };
    const int ncases = (int)(sizeof cases / sizeof cases[0]);
    {
        tx_config plain;
        tx_config_defaults(&plain);
        plain.redundancy = 0;
        encoded e = encode_all(&plain);
        result clean = run(&e, NULL, 0, seed, RX_COPY_MAIN_DECODER);
        plain16 = to_metric_rate(clean.out, audio_len, &plain16_len);
        free(clean.out);
        free_encoded(&e);
    }
    printf(
        "| loss | depth | LBRR | lost frames | rebuilt from copies | ideal 1-p^d | pattern ideal "
        "| from LBRR | concealed | seg. SNR dB | LSD dB | seg. SNR vs plain dB | payload kbps "
        "| x depth 0 | on the wire kbps | delay ms | CPU %% |\n");
    printf(
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    if (csv)
        fprintf(csv, "model,rate,burst,depth,lbrr,lost,red_pct,ideal_pct,pattern_ideal_pct,fec_pct,"
                     "plc_pct,seg_snr_db,lsd_db,seg_snr_plain_db,payload_kbps,ratio,wire_kbps,"
                     "delay_ms,cpu_pct\n");
    double audio_s = (double)audio_len / 48000;
    for (int lbrr = 0; lbrr <= 1; lbrr++) {
        double base_kbps = 0;
        for (int depth = 0; depth <= 3; depth++) {
            tx_config cfg;
            tx_config_defaults(&cfg);
            cfg.redundancy = depth;
            cfg.redundancy_bitrate = copy_bitrate;
            cfg.fec = lbrr;
            cfg.loss_percent = lbrr ? LBRR_PERCENT : 0;
            encoded e = encode_all(&cfg);
            if (depth == 0)
                base_kbps = e.s.payload_kbps;
            result clean = run(&e, NULL, depth, seed, RX_COPY_MAIN_DECODER);
            long n16;
            float *clean16 = to_metric_rate(clean.out, audio_len, &n16);
            for (int c = 0; c < ncases; c++) {
                const loss_case *lc = &cases[c];
                result r = run(&e, lc, depth, seed, RX_COPY_MAIN_DECODER);
                if (write_dir) {
                    char name[64];
                    cell_name(name, sizeof name, depth, lbrr, lc->name);
                    write_wav(name, r.out);
                }
                measure(&r, clean16, n16);
                double ideal = depth ? 100.0 * (1 - pow(lc->rate, depth)) : 0;
                double cpu = 100.0 * (e.encode_cpu_s + r.decode_cpu_s) / audio_s;
                printf("| %s | %d | %s | %llu | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | "
                       "%.1f | %.2f | %.1f | %.1f | %.3f | %.1f | %.0f | %.2f |\n",
                       lc->name, depth, lbrr ? "on" : "off", (unsigned long long)r.lost,
                       pct(r.red, r.lost), ideal, pct(r.ideal_copies, r.lost), pct(r.fec, r.lost),
                       pct(r.plc, r.lost), r.seg_snr, r.lsd, r.seg_snr_plain, e.s.payload_kbps,
                       e.s.payload_kbps / base_kbps, wire_kbps(&e), r.delay_ms, cpu);
                if (csv)
                    fprintf(csv,
                            "%s,%.2f,%.0f,%d,%d,%llu,%.2f,%.2f,%.2f,%.2f,%.2f,%.3f,%.3f,%.3f,%.2f,"
                            "%.3f,%.2f,%.1f,%.3f\n",
                            lc->loss == LOSSMODEL_LOSS_GE ? "ge" : "bernoulli", lc->rate, lc->burst,
                            depth, lbrr, (unsigned long long)r.lost, pct(r.red, r.lost), ideal,
                            pct(r.ideal_copies, r.lost), pct(r.fec, r.lost), pct(r.plc, r.lost),
                            r.seg_snr, r.lsd, r.seg_snr_plain, e.s.payload_kbps,
                            e.s.payload_kbps / base_kbps, wire_kbps(&e), r.delay_ms, cpu);
                free(r.out);
            }
            free(clean16);
            free(clean.out);
            free_encoded(&e);
        }
    }
}

/* Which way of decoding a copy sounds better, at depth 2 over the same
 * patterns: into the main decoder, into a decoder of its own, or into the
 * main decoder from a copies' encoder with prediction disabled. */
static void study_copy_decoding(uint64_t seed, int copy_bitrate)
{
    static const loss_case cases[] = {
        {"B 10%", LOSSMODEL_LOSS_BERNOULLI, .10, 0},
        {"B 20%", LOSSMODEL_LOSS_BERNOULLI, .20, 0},
        {"B 30%", LOSSMODEL_LOSS_BERNOULLI, .30, 0},
        {"GE 20% b3", LOSSMODEL_LOSS_GE, .20, 3},
    };
    printf("| copy decoding (depth 2) | loss | seg. SNR dB | LSD dB | payload kbps |\n");
    printf("|---|---|---:|---:|---:|\n");
    for (int variant = 0; variant < 6; variant++) {
        tx_config cfg;
        tx_config_defaults(&cfg);
        cfg.redundancy = 2;
        cfg.redundancy_bitrate = copy_bitrate;
        cfg.copy_prediction_disabled = variant == 2 || variant == 3 || variant == 5;
        rx_copy_decoding dec = variant >= 4       ? RX_COPY_STREAM_DECODER
                               : variant % 2 == 1 ? RX_COPY_OWN_DECODER
                                                  : RX_COPY_MAIN_DECODER;
        static const char *names[] = {
            "main decoder",
            "own decoder, fed only the copies played",
            "main decoder, copies without prediction",
            "own decoder, fed only the copies played, copies without prediction",
            "copy-stream decoder (every copy), crossfaded",
            "copy-stream decoder (every copy), crossfaded, copies without prediction",
        };
        const char *name = names[variant];
        encoded e = encode_all(&cfg);
        result clean = run(&e, NULL, 2, seed, dec);
        long n16;
        float *clean16 = to_metric_rate(clean.out, audio_len, &n16);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            result r = run(&e, &cases[c], 2, seed, dec);
            measure(&r, clean16, n16);
            printf("| %s | %s | %.2f | %.2f | %.1f |\n", name, cases[c].name, r.seg_snr, r.lsd,
                   e.s.payload_kbps);
            free(r.out);
        }
        free(clean16);
        free(clean.out);
        free_encoded(&e);
    }
}

/* What the copies' bitrate buys, at depth 2 and 3. */
static void study_copy_bitrate(uint64_t seed)
{
    static const int rates[] = {6000, 7500, 8000, 10000, 12000, 16000, 24000};
    static const loss_case cases[] = {
        {"B 20%", LOSSMODEL_LOSS_BERNOULLI, .20, 0},
        {"GE 20% b3", LOSSMODEL_LOSS_GE, .20, 3},
    };
    tx_config cfg0;
    tx_config_defaults(&cfg0);
    cfg0.redundancy = 0;
    encoded e0 = encode_all(&cfg0);
    printf("| copies kbps | depth | payload kbps | x depth 0 | seg. SNR B 20%% | seg. SNR GE 20%% "
           "b3 |\n");
    printf("|---:|---:|---:|---:|---:|---:|\n");
    for (int depth = 2; depth <= 3; depth++)
        for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
            tx_config cfg;
            tx_config_defaults(&cfg);
            cfg.redundancy = depth;
            cfg.redundancy_bitrate = rates[i];
            encoded e = encode_all(&cfg);
            result clean = run(&e, NULL, depth, seed, RX_COPY_MAIN_DECODER);
            long n16;
            float *clean16 = to_metric_rate(clean.out, audio_len, &n16);
            double snr[2];
            for (int c = 0; c < 2; c++) {
                result r = run(&e, &cases[c], depth, seed, RX_COPY_MAIN_DECODER);
                measure(&r, clean16, n16);
                snr[c] = r.seg_snr;
                free(r.out);
            }
            printf("| %.1f | %d | %.1f | %.3f | %.2f | %.2f |\n", rates[i] / 1000.0, depth,
                   e.s.payload_kbps, e.s.payload_kbps / e0.s.payload_kbps, snr[0], snr[1]);
            free(clean16);
            free(clean.out);
            free_encoded(&e);
        }
    free_encoded(&e0);
}

/* Copies of adjacent frames die with them in a burst. Copies of frames
 * further back survive bursts shorter than the gap, at the price of a
 * longer wait for the oldest copy. */
static void study_spread(uint64_t seed, int copy_bitrate)
{
    static const struct {
        int depth;
        int offsets[3];
    } variants[] = {
        {2, {1, 2}}, {2, {1, 3}}, {2, {1, 4}}, {3, {1, 2, 3}}, {3, {1, 2, 4}}, {3, {1, 3, 6}},
    };
    static const loss_case cases[] = {
        {"B 20%", LOSSMODEL_LOSS_BERNOULLI, .20, 0},
        {"GE 10% b2", LOSSMODEL_LOSS_GE, .10, 2},
        {"GE 20% b3", LOSSMODEL_LOSS_GE, .20, 3},
    };
    printf("| copies of frames back | loss | rebuilt from copies | pattern ideal | seg. SNR dB "
           "| delay ms |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        tx_config cfg;
        tx_config_defaults(&cfg);
        cfg.redundancy = variants[v].depth;
        cfg.redundancy_bitrate = copy_bitrate;
        memcpy(cfg.copy_offsets, variants[v].offsets, sizeof cfg.copy_offsets);
        char name[32];
        snprintf(name, sizeof name, "%d, %d%s%.0d", variants[v].offsets[0], variants[v].offsets[1],
                 variants[v].depth > 2 ? ", " : "",
                 variants[v].depth > 2 ? variants[v].offsets[2] : 0);
        encoded e = encode_all(&cfg);
        int max_off = variants[v].offsets[variants[v].depth - 1];
        result clean = run(&e, NULL, max_off, seed, RX_COPY_MAIN_DECODER);
        long n16;
        float *clean16 = to_metric_rate(clean.out, audio_len, &n16);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            result r = run_offsets(&e, &cases[c], variants[v].offsets, variants[v].depth, seed);
            measure(&r, clean16, n16);
            printf("| %s | %s | %.1f %% | %.1f %% | %.2f | %.0f |\n", name, cases[c].name,
                   pct(r.red, r.lost), pct(r.ideal_copies, r.lost), r.seg_snr, r.delay_ms);
            free(r.out);
        }
        free(clean16);
        free(clean.out);
        free_encoded(&e);
    }
}

/* The share of lost frames rebuilt from copies converges to 1 - p^d for
 * independent loss; one 46 s pattern holds a few hundred losses, so its
 * share scatters by a point or two. This pools 20 seeds per cell. */
static void study_coverage(void)
{
    static const double rates[] = {.05, .10, .20, .30, .40};
    printf("| loss | depth | lost frames (20 seeds) | rebuilt from copies | ideal 1-p^d | "
           "pattern ideal |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (int depth = 1; depth <= 3; depth++) {
        tx_config cfg;
        tx_config_defaults(&cfg);
        cfg.redundancy = depth;
        encoded e = encode_all(&cfg);
        for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
            loss_case lc = {"", LOSSMODEL_LOSS_BERNOULLI, rates[i], 0};
            uint64_t lost = 0, red = 0, ideal = 0;
            for (uint64_t seed = 1; seed <= 20; seed++) {
                result r = run(&e, &lc, depth, seed, RX_COPY_MAIN_DECODER);
                lost += r.lost;
                red += r.red;
                ideal += r.ideal_copies;
                free(r.out);
            }
            printf("| B %.0f%% | %d | %llu | %.2f %% | %.2f %% | %.2f %% |\n", rates[i] * 100,
                   depth, (unsigned long long)lost, pct(red, lost),
                   100 * (1 - pow(rates[i], depth)), pct(ideal, lost));
        }
        free_encoded(&e);
    }
}

static void usage(void)
{
    printf("Usage: lossbench [--data DIR] [--seed N] [--copy-bitrate R] [--csv FILE] [--write-dir "
           "DIR]\n"
           "                 [--study table|copy-decoding|copy-bitrate|spread|coverage]\n"
           "Runs the real sender and receiver media code in simulated time over seeded\n"
           "loss patterns and prints a markdown table.\n"
           "  --data DIR         where the clips are (default: the repository's data/)\n"
           "  --seed N           loss pattern seed (default 1)\n"
           "  --copy-bitrate R   bitrate of the copies (default: the sender's default)\n"
           "  --csv FILE         also write the table as CSV (for tools/lossbench/plot.sh)\n"
           "  --study S          table (default), copy-decoding, copy-bitrate, spread or\n"
           "                     coverage\n"
           "  --voip             primary in Opus's VoIP application (default: audio)\n"
           "  --frame MS         frame length (default 20; 2.5 and 5 use restricted low delay)\n"
           "  --write-dir DIR    (table) also write each output as DIR/dDEPTH_lbrrL_LOSS.wav\n"
           "                     (e.g. d2_lbrr0_B20.wav; B0 is the loss-free output), the\n"
           "                     input as DIR/ref.wav and where each clip lies in it as\n"
           "                     DIR/clips.csv, for listening or perceptual scoring\n");
}

int main(int argc, char **argv)
{
    const char *data = AL_SOURCE_DATA;
    const char *csv_path = NULL;
    const char *study = "table";
    long seed = 1;
    tx_config defaults;
    tx_config_defaults(&defaults);
    int copy_bitrate = 0; /* the sender's automatic choice */
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"seed", required_argument, NULL, 's'},
        {"csv", required_argument, NULL, 'c'},
        {"study", required_argument, NULL, 'S'},
        {"copy-bitrate", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {"voip", no_argument, NULL, 'v'},
        {"frame", required_argument, NULL, 'f'},
        {"write-dir", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 's':
            if (cli_parse_int(optarg, 0, 1L << 30, &seed) != 0)
                return cli_usage_error("lossbench", "--seed '%s'", optarg);
            break;
        case 'c':
            csv_path = optarg;
            break;
        case 'S':
            study = optarg;
            break;
        case 'b':
            if (cli_parse_bitrate(optarg, &copy_bitrate) != 0)
                return cli_usage_error("lossbench", "--copy-bitrate '%s'", optarg);
            break;
        case 'v':
            application = OPUS_APPLICATION_VOIP;
            break;
        case 'f': {
            int64_t us;
            if (cli_parse_duration_us(optarg, &us) != 0 ||
                !tx_frame_samples_valid((int)(us * 48 / 1000)))
                return cli_usage_error("lossbench", "--frame '%s': 2.5, 5, 10, 20, 40 or 60",
                                       optarg);
            frame_samples = (int)(us * 48 / 1000);
            break;
        }
        case 'w':
            write_dir = optarg;
            break;
        case 'h':
            usage();
            return 0;
        default:
            return 2;
        }
    }
    if (load_clips(data, default_clips, 4) != 0)
        return 2;
    printf("lossbench: %.1f s of speech (%ld frames of %.1f ms), Opus 32 kbps primary, copies at "
           "%.1f kbps, seed %ld; LBRR told %d %% loss; %s\n\n",
           (double)audio_len / 48000, audio_len / frame_samples, frame_samples / 48.0,
           tx_copy_bitrate(&(tx_config){.bitrate = defaults.bitrate,
                                        .redundancy = 2,
                                        .frame_samples = frame_samples,
                                        .redundancy_bitrate = copy_bitrate},
                           0) /
               1000.0,
           seed, LBRR_PERCENT, opus_get_version_string());
    double t0 = cpu_now();
    FILE *csv = NULL;
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        fprintf(stderr, "lossbench: cannot create %s\n", csv_path);
        return 2;
    }
    if (write_dir && strcmp(study, "table") != 0)
        return cli_usage_error("lossbench", "--write-dir goes with --study table only");
    if (write_dir)
        write_reference();
    if (strcmp(study, "table") == 0)
        table((uint64_t)seed, copy_bitrate, csv);
    else if (strcmp(study, "copy-decoding") == 0)
        study_copy_decoding((uint64_t)seed, copy_bitrate);
    else if (strcmp(study, "copy-bitrate") == 0)
        study_copy_bitrate((uint64_t)seed);
    else if (strcmp(study, "spread") == 0)
        study_spread((uint64_t)seed, copy_bitrate);
    else if (strcmp(study, "coverage") == 0)
        study_coverage();
    else
        return cli_usage_error(
            "lossbench", "--study '%s': table, copy-decoding, copy-bitrate, spread or coverage",
            study);
    if (csv)
        fclose(csv);
    printf("\nlossbench: %.1f CPU seconds\n", cpu_now() - t0);
    free(plain16);
    sim_clip_free(&clips);
    return 0;
}
