/* The sending media path (see tx_stream.h). */
#include "sender/tx_stream.h"

#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/defaults.h"
#include "proto/red.h"
#include "proto/rtp.h"

/* Below AL_TX_COPY_WIDEBAND_BELOW (common/defaults.h) the copies are
 * coded in wideband (0-8 kHz) SILK: Opus's own choice there is narrowband
 * (below ~12 kbps) or hybrid super-wideband (above ~13 kbps), and either
 * spends bits away from the voice band: rebuilt frames scored 0.05-0.07
 * higher (wideband PESQ, 10 % loss) with wideband copies at 14-16 kbps
 * (docs/benchmarks.md). */
#define COPY_FORCE_WIDEBAND_BELOW AL_TX_COPY_WIDEBAND_BELOW

/* The largest Opus packet we let the encoder make: the RTP header and the
 * RED final header must still fit in AL_MAX_PACKET. */
#define MAX_PRIMARY_BYTES (AL_MAX_PACKET - RTP_HEADER_SIZE - RED_FINAL_HEADER_SIZE)

/* When the primary and its copies do not fit a packet (tx_fit_rates), their
 * rates are lowered to this share of the packet's room: Opus's VBR frames
 * vary around the average, and a frame over its cap loses quality. */
#define FIT_VBR_HEADROOM 0.85

/* One frame's copies: one coding per copy slot (slots may differ in
 * bitrate, graded copies), len 0 where the frame goes without one. */
typedef struct tx_copy {
    uint32_t ts;
    size_t len[TX_MAX_REDUNDANCY];
    uint8_t data[TX_MAX_REDUNDANCY][RED_MAX_BLOCK_LEN];
} tx_copy;

struct tx_stream {
    tx_config cfg;
    OpusEncoder *primary;
    /* Copies coded by encoders of their own: one per slot (NULL where the
     * slot's copy is the primary packet itself, or shares an earlier
     * slot's encoder because its bitrate is the same). */
    OpusEncoder *secondary[TX_MAX_REDUNDANCY];
    int slot_rate[TX_MAX_REDUNDANCY];    /* bits per second; >= primary: the primary itself */
    int slot_same_as[TX_MAX_REDUNDANCY]; /* an earlier slot coded identically, or -1 */
    /* copy_primary_state: the primary's state before its latest frame, and
     * the encoder each copy is coded in from it */
    OpusEncoder *snapshot;
    OpusEncoder *scratch;
    size_t encoder_size;
    uint16_t sequence;
    uint32_t timestamp;
    bool first;
    /* the copies of the last TX_MAX_COPY_DISTANCE frames, newest at index 0 */
    tx_copy copies[TX_MAX_COPY_DISTANCE];
    int copies_held;
    int offsets[TX_MAX_REDUNDANCY];     /* frames back, oldest first */
    int offset_slot[TX_MAX_REDUNDANCY]; /* the copy slot each offset sends */
    int max_offset;
    tx_fit fit; /* the rates and byte caps every frame is coded with */
    tx_stats stats;
};

void tx_config_defaults(tx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = AL_TX_DEFAULT_CHANNELS;
    cfg->frame_samples = AL_DEFAULT_FRAME_SAMPLES;
    cfg->bitrate = AL_TX_DEFAULT_BITRATE;
    cfg->complexity = AL_TX_DEFAULT_COMPLEXITY;
    cfg->application = OPUS_APPLICATION_AUDIO;
    /* Two copies, of frames 1 and 4 back at 16 and 12 kbps (see
     * auto_offsets): at most twice the payload of no redundancy. */
    cfg->redundancy = AL_TX_DEFAULT_REDUNDANCY;
    cfg->redundancy_bitrate = 0;
    cfg->fec = false;
    cfg->loss_percent = 0;
    cfg->opus_pt = AL_OPUS_PT;
    cfg->red_pt = AL_RED_PT;
}

/* Automatic copies for frames of 10 ms and more, chosen by the perceptual
 * study in docs/benchmarks.md (wideband PESQ over eight speech clips, 0-30 %
 * random loss and Gilbert-Elliott bursts). Two copies, of frames 1 and 4
 * back: a burst of up to three lost packets leaves every frame a copy
 * (adjacent copies 1, 2 lose the first frame of a burst of three), and
 * independent loss is covered as well as by any two copies; 1, 3 scored
 * 0.1-0.2 lower in bursts, 1, 5 up to 0.16 higher for 20 ms more wait.
 * The nearer copy is the richer, because it is the one used at low loss.
 * The bitrates are shares of the primary's: 1/2 and 3/8 (16 and 12 kbps
 * for a 32 kbps primary) keep the payload within twice the primary's. */
static const int auto_offsets[TX_MAX_REDUNDANCY][TX_MAX_REDUNDANCY] = {
    {1},
    {1, 4},
    {1, 2, 4},
};
static const double auto_rate_share[TX_MAX_REDUNDANCY][TX_MAX_REDUNDANCY] = {
    {0.875},
    {0.5, 0.375},
    {0.375, 0.25, 0.1875},
};
/* An Opus packet below this rate is too small to rebuild speech audibly
 * well; no automatic copy goes lower. */
#define MIN_COPY_BITRATE 6000

int tx_copy_offset(const tx_config *cfg, int slot)
{
    if (slot < 0 || slot >= cfg->redundancy)
        return 0;
    if (cfg->copy_offsets[0])
        return cfg->copy_offsets[slot];
    /* The same for short frames (whose copies are the primaries
     * themselves): 1, 4 scored 0.3 higher than 1, 2 in bursts at 5 ms. */
    return auto_offsets[cfg->redundancy - 1][slot];
}

int tx_copy_bitrate(const tx_config *cfg, int slot)
{
    int rate;
    if (cfg->copy_bitrates[slot] > 0)
        rate = cfg->copy_bitrates[slot];
    else if (cfg->redundancy_bitrate > 0)
        rate = cfg->redundancy_bitrate;
    else if (cfg->frame_samples < AL_MIN_SILK_FRAME_SAMPLES || cfg->redundancy < 1)
        rate = cfg->bitrate;
    else {
        rate = (int)(cfg->bitrate * auto_rate_share[cfg->redundancy - 1][slot]);
        if (rate < MIN_COPY_BITRATE)
            rate = MIN_COPY_BITRATE;
    }
    return rate < cfg->bitrate ? rate : cfg->bitrate;
}

int tx_copy_bandwidth(const tx_config *cfg, int slot)
{
    if (cfg->copy_bandwidth)
        return cfg->copy_bandwidth;
    return tx_copy_bitrate(cfg, slot) < COPY_FORCE_WIDEBAND_BELOW ? OPUS_BANDWIDTH_WIDEBAND
                                                                  : OPUS_AUTO;
}

void tx_describe_copies(const tx_config *cfg, char *buf, size_t size)
{
    if (cfg->redundancy < 1) {
        snprintf(buf, size, "no copies");
        return;
    }
    char offsets[64] = "", rates[96] = "";
    size_t o = 0, r = 0;
    bool full = true;
    for (int i = 0; i < cfg->redundancy; i++) {
        int rate = tx_copy_bitrate(cfg, i);
        full &= rate >= cfg->bitrate;
        o += (size_t)snprintf(offsets + o, sizeof offsets - o, "%s%d", i ? ", " : "",
                              tx_copy_offset(cfg, i));
        r += (size_t)snprintf(rates + r, sizeof rates - r, "%s%g", i ? " + " : "", rate / 1000.0);
    }
    snprintf(buf, size, "%d cop%s of frames %s back, %s", cfg->redundancy,
             cfg->redundancy == 1 ? "y" : "ies", offsets,
             full ? "the primary packets themselves" : rates);
    if (!full) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " kbps%s",
                 tx_copy_bandwidth(cfg, 0) == OPUS_BANDWIDTH_WIDEBAND ? " wideband" : "");
    }
}

/* Average bytes of one frame at RATE. */
static double frame_bytes(const tx_config *cfg, int rate)
{
    return (double)rate * cfg->frame_samples / (8.0 * AL_RATE);
}

bool tx_fit_rates(const tx_config *cfg, tx_fit *fit)
{
    memset(fit, 0, sizeof *fit);
    fit->bitrate = cfg->bitrate;
    fit->primary_cap = MAX_PRIMARY_BYTES;
    double want = frame_bytes(cfg, cfg->bitrate);
    for (int i = 0; i < cfg->redundancy; i++) {
        fit->copy_bitrates[i] = tx_copy_bitrate(cfg, i);
        fit->copy_caps[i] = RED_MAX_BLOCK_LEN;
        want += frame_bytes(cfg, fit->copy_bitrates[i] < cfg->bitrate ? fit->copy_bitrates[i]
                                                                      : cfg->bitrate);
    }
    if (cfg->redundancy < 1)
        return false;
    const double room = AL_MAX_PACKET - RTP_HEADER_SIZE - RED_FINAL_HEADER_SIZE -
                        (double)cfg->redundancy * RED_HEADER_SIZE;
    if (want <= room)
        return false;
    fit->lowered = true;
    double rate_scale = room * FIT_VBR_HEADROOM / want, cap_scale = room / want;
    fit->bitrate = (int)(cfg->bitrate * rate_scale);
    fit->primary_cap = (int)(frame_bytes(cfg, cfg->bitrate) * cap_scale);
    for (int i = 0; i < cfg->redundancy; i++) {
        if (fit->copy_bitrates[i] >= cfg->bitrate) {
            /* the primary itself, and as big */
            fit->copy_bitrates[i] = fit->bitrate;
            fit->copy_caps[i] = fit->primary_cap;
            continue;
        }
        fit->copy_caps[i] = (int)(frame_bytes(cfg, fit->copy_bitrates[i]) * cap_scale);
        fit->copy_bitrates[i] = (int)(fit->copy_bitrates[i] * rate_scale);
        if (fit->copy_bitrates[i] < MIN_COPY_BITRATE)
            fit->copy_bitrates[i] = MIN_COPY_BITRATE;
    }
    return true;
}

bool tx_frame_samples_valid(int n)
{
    return n == 120 || n == 240 || n == 480 || n == 960 || n == 1920 || n == 2880;
}

static OpusEncoder *make_encoder(const tx_config *cfg, int bitrate, bool fec, char *err,
                                 size_t err_size)
{
    int status;
    OpusEncoder *enc = opus_encoder_create(AL_RATE, cfg->channels, cfg->application, &status);
    if (!enc) {
        snprintf(err, err_size, "cannot create Opus encoder: %s", opus_strerror(status));
        return NULL;
    }
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(cfg->complexity));
    opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(fec ? 1 : 0));
    opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(cfg->loss_percent));
    return enc;
}

tx_stream *tx_stream_create(const tx_config *cfg, char *err, size_t err_size)
{
    if (cfg->channels != 1 && cfg->channels != 2) {
        snprintf(err, err_size, "channels must be 1 or 2");
        return NULL;
    }
    if (!tx_frame_samples_valid(cfg->frame_samples)) {
        snprintf(err, err_size, "frame must be 2.5, 5, 10, 20, 40 or 60 ms");
        return NULL;
    }
    if (cfg->bitrate < 6000 || cfg->bitrate > 510000) {
        snprintf(err, err_size, "bitrate must be 6 to 510 kbps");
        return NULL;
    }
    if (cfg->complexity < 0 || cfg->complexity > 10) {
        snprintf(err, err_size, "complexity must be 0 to 10");
        return NULL;
    }
    if (cfg->redundancy < 0 || cfg->redundancy > TX_MAX_REDUNDANCY) {
        snprintf(err, err_size, "redundancy must be 0 to %d", TX_MAX_REDUNDANCY);
        return NULL;
    }
    if (cfg->redundancy_bitrate != 0 &&
        (cfg->redundancy_bitrate < 6000 || cfg->redundancy_bitrate > 510000)) {
        snprintf(err, err_size, "redundancy bitrate must be 6 to 510 kbps");
        return NULL;
    }
    for (int i = 0; i < TX_MAX_REDUNDANCY; i++)
        if (cfg->copy_bitrates[i] != 0 &&
            (cfg->copy_bitrates[i] < 6000 || cfg->copy_bitrates[i] > 510000)) {
            snprintf(err, err_size, "copy bitrates must be 6 to 510 kbps");
            return NULL;
        }
    for (int i = 0; cfg->copy_offsets[0] && i < cfg->redundancy; i++) {
        bool repeated = false;
        for (int j = 0; j < i; j++)
            repeated |= cfg->copy_offsets[j] == cfg->copy_offsets[i];
        if (cfg->copy_offsets[i] < 1 || cfg->copy_offsets[i] > TX_MAX_COPY_DISTANCE || repeated) {
            snprintf(err, err_size, "copy offsets must be distinct, 1 to %d frames back",
                     TX_MAX_COPY_DISTANCE);
            return NULL;
        }
    }
    if (cfg->loss_percent < 0 || cfg->loss_percent > 100) {
        snprintf(err, err_size, "loss percentage must be 0 to 100");
        return NULL;
    }
    if (cfg->opus_pt < 0 || cfg->opus_pt > 127 || cfg->red_pt < 0 || cfg->red_pt > 127) {
        snprintf(err, err_size, "payload types must be 0 to 127");
        return NULL;
    }
    tx_stream *tx = calloc(1, sizeof *tx);
    if (!tx) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    tx->cfg = *cfg;
    /* Rates lowered so that every copy fits (tx_fit_rates); from here on
     * tx->cfg.bitrate is the primary's real rate. */
    tx_fit_rates(cfg, &tx->fit);
    tx->cfg.bitrate = tx->fit.bitrate;
    tx->primary = make_encoder(cfg, tx->fit.bitrate, cfg->fec, err, err_size);
    if (!tx->primary) {
        free(tx);
        return NULL;
    }
    int nslots = cfg->redundancy;
    for (int i = 0; i < nslots; i++) {
        tx->slot_rate[i] = tx->fit.copy_bitrates[i];
        tx->slot_same_as[i] = -1;
        for (int j = 0; j < i && tx->slot_same_as[i] < 0; j++)
            if (tx->slot_rate[j] == tx->slot_rate[i])
                tx->slot_same_as[i] = j;
    }
    bool need_copy_encoder = false;
    for (int i = 0; i < nslots; i++)
        need_copy_encoder |= tx->slot_rate[i] < tx->cfg.bitrate;
    if (need_copy_encoder && cfg->copy_primary_state) {
        tx->encoder_size = (size_t)opus_encoder_get_size(cfg->channels);
        tx->snapshot = malloc(tx->encoder_size);
        tx->scratch = malloc(tx->encoder_size);
        if (!tx->snapshot || !tx->scratch) {
            snprintf(err, err_size, "out of memory");
            tx_stream_destroy(tx);
            return NULL;
        }
    } else {
        for (int i = 0; i < nslots; i++) {
            if (tx->slot_same_as[i] >= 0 || tx->slot_rate[i] >= tx->cfg.bitrate)
                continue;
            /* The copies never carry LBRR: their whole budget goes to the
             * frame itself, and the primary's LBRR already covers n-1. */
            tx->secondary[i] = make_encoder(cfg, tx->slot_rate[i], false, err, err_size);
            if (!tx->secondary[i]) {
                tx_stream_destroy(tx);
                return NULL;
            }
            opus_encoder_ctl(tx->secondary[i], OPUS_SET_BANDWIDTH(tx_copy_bandwidth(cfg, i)));
            if (cfg->copy_prediction_disabled)
                opus_encoder_ctl(tx->secondary[i], OPUS_SET_PREDICTION_DISABLED(1));
        }
    }
    /* Offsets oldest first, as the copies go into the packet; each keeps
     * the slot (and so the bitrate) it was configured with. */
    for (int i = 0; i < cfg->redundancy; i++) {
        tx->offsets[i] = tx_copy_offset(cfg, i);
        tx->offset_slot[i] = i;
    }
    for (int i = 0; i < cfg->redundancy; i++)
        for (int j = i + 1; j < cfg->redundancy; j++)
            if (tx->offsets[j] > tx->offsets[i]) {
                int t = tx->offsets[i];
                tx->offsets[i] = tx->offsets[j];
                tx->offsets[j] = t;
                t = tx->offset_slot[i];
                tx->offset_slot[i] = tx->offset_slot[j];
                tx->offset_slot[j] = t;
            }
    tx->max_offset = cfg->redundancy ? tx->offsets[0] : 0;
    tx->sequence = cfg->first_sequence;
    tx->timestamp = cfg->first_timestamp;
    tx->first = true;
    return tx;
}

void tx_stream_destroy(tx_stream *tx)
{
    if (!tx)
        return;
    if (tx->primary)
        opus_encoder_destroy(tx->primary);
    for (int i = 0; i < TX_MAX_REDUNDANCY; i++)
        if (tx->secondary[i])
            opus_encoder_destroy(tx->secondary[i]);
    free(tx->snapshot);
    free(tx->scratch);
    free(tx);
}

/* Codes PCM at slot I's bitrate from the primary's state before this frame. */
static int encode_from_snapshot(tx_stream *tx, int i, const float *pcm, uint8_t *out, int cap)
{
    /* OpusEncoder is one flat allocation (its SILK and CELT states sit at
     * offsets inside it; its only pointers are to static mode tables), so
     * a byte copy is a complete, independent encoder. */
    memcpy(tx->scratch, tx->snapshot, tx->encoder_size);
    opus_encoder_ctl(tx->scratch, OPUS_SET_BITRATE(tx->slot_rate[i]));
    opus_encoder_ctl(tx->scratch, OPUS_SET_INBAND_FEC(0));
    opus_encoder_ctl(tx->scratch, OPUS_SET_BANDWIDTH(tx_copy_bandwidth(&tx->cfg, i)));
    return opus_encode_float(tx->scratch, pcm, tx->cfg.frame_samples, out, cap);
}

/* Makes this frame's copies the newest held: coded at each slot's bitrate
 * by its encoder (or from the primary's state), or, for full-rate copies,
 * the primary packet itself. */
static int encode_copy(tx_stream *tx, const float *pcm, const uint8_t *primary, size_t primary_len)
{
    tx_copy fresh;
    for (int i = 0; i < tx->cfg.redundancy; i++) {
        int len;
        if (tx->slot_same_as[i] >= 0) {
            int j = tx->slot_same_as[i];
            memcpy(fresh.data[i], fresh.data[j], fresh.len[j]);
            fresh.len[i] = fresh.len[j];
            continue;
        }
        if (tx->slot_rate[i] >= tx->cfg.bitrate) {
            /* Too long for a RED block: this frame goes without a copy. */
            fresh.len[i] = primary_len <= sizeof fresh.data[i] ? primary_len : 0;
            memcpy(fresh.data[i], primary, fresh.len[i]);
            continue;
        }
        int cap = tx->fit.copy_caps[i];
        if (tx->snapshot)
            len = encode_from_snapshot(tx, i, pcm, fresh.data[i], cap);
        else
            len =
                opus_encode_float(tx->secondary[i], pcm, tx->cfg.frame_samples, fresh.data[i], cap);
        if (len < 0)
            return len;
        fresh.len[i] = (size_t)len;
    }
    fresh.ts = tx->timestamp;
    int keep = tx->copies_held < tx->max_offset ? tx->copies_held + 1 : tx->max_offset;
    memmove(&tx->copies[1], &tx->copies[0], sizeof(tx_copy) * (size_t)(keep - 1));
    tx->copies[0] = fresh;
    tx->copies_held = keep;
    return 0;
}

int tx_stream_encode(tx_stream *tx, const float *pcm, uint8_t *out, size_t cap)
{
    uint8_t primary[MAX_PRIMARY_BYTES];
    if (tx->snapshot)
        memcpy(tx->snapshot, tx->primary, tx->encoder_size);
    int primary_len =
        opus_encode_float(tx->primary, pcm, tx->cfg.frame_samples, primary, tx->fit.primary_cap);
    if (primary_len < 0)
        return primary_len;

    rtp_header h = {0};
    h.marker = tx->first;
    h.sequence = tx->sequence;
    h.timestamp = tx->timestamp;
    h.ssrc = tx->cfg.ssrc;

    uint8_t payload[AL_MAX_PACKET];
    size_t payload_len;
    if (tx->cfg.redundancy == 0) {
        h.payload_type = (uint8_t)tx->cfg.opus_pt;
        memcpy(payload, primary, (size_t)primary_len);
        payload_len = (size_t)primary_len;
    } else {
        /* Copies of earlier frames, oldest first as RED wants them. */
        red_block blocks[TX_MAX_REDUNDANCY];
        int n = 0;
        for (int i = 0; i < tx->cfg.redundancy; i++) {
            int back = tx->offsets[i], slot = tx->offset_slot[i];
            if (back > tx->copies_held || tx->copies[back - 1].len[slot] == 0)
                continue; /* not that many frames yet, or a frame without a copy */
            const tx_copy *c = &tx->copies[back - 1];
            blocks[n++] = (red_block){.pt = (uint8_t)tx->cfg.opus_pt,
                                      .ts_offset = red_ts_offset(tx->timestamp, c->ts),
                                      .data = c->data[slot],
                                      .len = c->len[slot]};
        }
        red_block prim = {
            .pt = (uint8_t)tx->cfg.opus_pt, .data = primary, .len = (size_t)primary_len};
        red_write_stats ws;
        int written = red_write(blocks, (size_t)n, &prim, AL_MAX_PACKET - RTP_HEADER_SIZE, payload,
                                sizeof payload, &ws);
        if (written < 0)
            return written;
        h.payload_type = (uint8_t)tx->cfg.red_pt;
        payload_len = (size_t)written;
        tx->stats.copies_sent += ws.kept;
        tx->stats.copies_dropped += ws.skipped + ws.dropped;
        for (int i = n - (int)ws.kept; i < n; i++)
            tx->stats.copy_bytes += blocks[i].len;
        int rc = encode_copy(tx, pcm, primary, (size_t)primary_len);
        if (rc < 0)
            return rc;
    }

    int len = rtp_write(&h, payload, payload_len, out, cap);
    if (len < 0)
        return len;
    tx->first = false;
    tx->sequence++;
    tx->timestamp += (uint32_t)tx->cfg.frame_samples;
    tx->stats.packets++;
    tx->stats.payload_bytes += payload_len;
    tx->stats.primary_bytes += (size_t)primary_len;
    if (tx->fit.lowered)
        tx->stats.packets_lowered++;
    return len;
}

uint32_t tx_stream_next_timestamp(const tx_stream *tx)
{
    return tx->timestamp;
}

tx_stats tx_stream_stats(const tx_stream *tx)
{
    return tx->stats;
}
