/* The receiving media path (see rx_stream.h): the chain of stages.
 *
 * One packet in (rx_stream_packet):
 *
 *   datagram --rtp_parse--> source gate --red_parse--> jitter buffer
 *            (RTP header)   admit: PT, SSRC          primary, then copies,
 *                           place: timeline,         by timestamp (jitbuf.h)
 *                           probation, seq numbers        |
 *                           (source_gate.h)               +--> repair: copies
 *                                                         |    to the copy-stream
 *                                                         |    decoder (repair.h)
 *                                                         +--> latency: arrival
 *                                                              measured, target
 *                                                              and rate steered
 *                                                              (latency.h)
 * One frame out (rx_stream_pull), when latency says it is due:
 *
 *   jitter buffer --> repair: primary, else RED copy, else LBRR of the next
 *   (play head)       packet, else concealment fading to silence; counted
 *                     by origin
 *                 --> latency: schedule moved on, rate chosen (quiet frames
 *                     faster), resampled into the caller's buffer --> PCM
 *
 * As in roc-toolkit's receiver (validator -> jitter buffer -> FEC ->
 * decoder -> resampler -> latency monitor), each stage owns its state and
 * knows nothing of the others' internals; this file only passes between
 * them what one learns and the next needs (the play head, the protection
 * the stream carries, whether loss has been seen) and counts packets. */
#include "receiver/rx_stream.h"

#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/opus_toc.h"
#include "proto/red.h"
#include "proto/rtp.h"
#include "receiver/jitbuf.h"
#include "receiver/latency.h"
#include "receiver/repair.h"
#include "receiver/source_gate.h"

struct rx_stream {
    rx_config cfg;
    int channels; /* 0 until the stages are opened (maybe at the first packet) */
    source_gate gate;
    jitbuf jb;
    repair repair;
    latency lat;

    /* the protection the stream carries, which the delay waits for */
    bool loss_seen; /* copies are waited for only once loss has been seen */
    bool lbrr_seen; /* the primaries carry in-band FEC for the frame before */

    rx_stats stats; /* the packet counters; the stages keep the rest */
};

void rx_config_defaults(rx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = 0;
    cfg->opus_pt = AL_OPUS_PT;
    cfg->red_pt = AL_RED_PT;
    cfg->latency_ms = 0;
    cfg->source_hold_ns = SOURCE_GATE_DEFAULT_HOLD_NS;
    cfg->adaptive_rate = true;
}

/* The decoders and the resampler, once the channels are known. */
static int open_stages(rx_stream *rx, int channels)
{
    if (repair_open(&rx->repair, channels) != 0)
        return -1;
    if (latency_open(&rx->lat, channels) != 0) {
        repair_close(&rx->repair);
        return -1;
    }
    rx->channels = channels;
    return 0;
}

rx_stream *rx_stream_create(const rx_config *cfg, char *err, size_t err_size)
{
    if (cfg->channels < 0 || cfg->channels > 2) {
        snprintf(err, err_size, "channels must be 1 or 2 (or 0: as the stream)");
        return NULL;
    }
    rx_stream *rx = calloc(1, sizeof *rx);
    if (!rx) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    rx->cfg = *cfg;
    source_gate_init(&rx->gate, cfg->opus_pt, cfg->red_pt, cfg->source_hold_ns);
    repair_init(&rx->repair, cfg->copy_decoding);
    latency_init(&rx->lat, cfg->latency_ms, cfg->adaptive_rate, cfg->late_hold_ns);
    if (cfg->channels > 0 && open_stages(rx, cfg->channels) != 0) {
        snprintf(err, err_size, "cannot create Opus decoder");
        free(rx);
        return NULL;
    }
    jb_init(&rx->jb);
    rx_stream_restart(rx);
    return rx;
}

void rx_stream_destroy(rx_stream *rx)
{
    if (!rx)
        return;
    repair_close(&rx->repair);
    latency_close(&rx->lat);
    free(rx);
}

void rx_stream_restart(rx_stream *rx)
{
    source_gate_restart(&rx->gate);
    jb_reset(&rx->jb);
    repair_restart(&rx->repair);
    latency_restart(&rx->lat);
    rx->loss_seen = false;
    rx->lbrr_seen = false;
}

/* Hands the latency stage what it steers by: the frame length (the latest
 * primary's, or the repair's guess before one) and, once loss has been
 * seen, how many frames back the protection reaches (the oldest RED copy,
 * or 1 for LBRR). */
static void steer(rx_stream *rx)
{
    int frame = rx->stats.frame_samples > 0 ? rx->stats.frame_samples : rx->repair.last_duration;
    int depth = rx->stats.copy_distance;
    if (depth == 0 && rx->lbrr_seen)
        depth = 1;
    latency_steer(&rx->lat, rx->jb.head, frame, rx->loss_seen ? depth : 0,
                  rx->repair.frames_total > 0);
}

/* Files one frame in the jitter buffer and counts what became of it. */
static enum rx_packet_result store(rx_stream *rx, uint32_t ts, const uint8_t *data, size_t len,
                                   jb_source source)
{
    int duration = opus_toc_samples(data, len);
    if (duration <= 0) {
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    enum jb_put_result put = jb_put(&rx->jb, ts, data, len, duration, source);
    switch (put) {
    case JB_PUT_STORED:
    case JB_PUT_UPGRADED:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.frame_samples = duration;
        else
            rx->stats.copies_received++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_DUPLICATE:
        if (source == JB_SOURCE_PRIMARY) {
            rx->stats.packets_duplicate++;
            source_gate_duplicate(&rx->gate);
        } else {
            rx->stats.copies_received++;
        }
        return RX_PACKET_ACCEPTED;
    case JB_PUT_LATE:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_late++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_TOO_FAR:
        return RX_PACKET_NEW_SOURCE;
    case JB_PUT_TOO_OLD:
        /* Only a packet whose sequence number says "late" gets here (see
         * source_gate_place): it is over a window late. */
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_late++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_MISALIGNED:
        /* A primary off the 2.5 ms grid of the frames so far: the sender's
         * timeline moved (GStreamer's opusenc stamps its first packet 312
         * samples early, for the pre-skip). Start the stream over from this
         * packet rather than refusing every one that follows. A copy off
         * the grid is just dropped. */
        if (source == JB_SOURCE_PRIMARY)
            return RX_PACKET_NEW_SOURCE;
        return RX_PACKET_DROPPED;
    case JB_PUT_INVALID:
    default:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
}

enum rx_packet_result rx_stream_packet(rx_stream *rx, const uint8_t *buf, size_t len,
                                       int64_t now_ns)
{
    rtp_header h;
    if (rtp_parse(buf, len, &h) != RTP_OK) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    bool is_red;
    switch (source_gate_admit(&rx->gate, &h, now_ns, &is_red)) {
    case SOURCE_GATE_PASS:
        break;
    case SOURCE_GATE_NEW_SOURCE:
        return RX_PACKET_NEW_SOURCE;
    case SOURCE_GATE_FOREIGN:
    default:
        rx->stats.packets_foreign++;
        return RX_PACKET_DROPPED;
    }

    /* Split RED into its blocks before touching any state, so that a
     * malformed packet changes nothing but a counter. */
    red_block blocks[RED_MAX_BLOCKS];
    size_t nblocks = 0;
    if (is_red) {
        if (red_parse(h.payload, h.payload_len, blocks, RED_MAX_BLOCKS, &nblocks) != RED_OK ||
            nblocks == 0) {
            rx->stats.packets_invalid++;
            return RX_PACKET_DROPPED;
        }
    } else {
        blocks[0] = (red_block){
            .pt = h.payload_type, .ts_offset = 0, .data = h.payload, .len = h.payload_len};
        nblocks = 1;
    }
    const red_block *primary = &blocks[nblocks - 1];
    int duration = opus_toc_samples(primary->data, primary->len);
    if (primary->pt != rx->cfg.opus_pt || duration <= 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    if (!rx->channels && open_stages(rx, opus_packet_get_nb_channels(primary->data)) != 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    int64_t extended = 0;
    enum rtp_seq_verdict verdict = RTP_SEQ_BAD;
    switch (source_gate_place(&rx->gate, &h, duration, rx->jb.head, &extended, &verdict)) {
    case SOURCE_GATE_PASS:
        break;
    case SOURCE_GATE_NEW_SOURCE:
        return RX_PACKET_NEW_SOURCE;
    case SOURCE_GATE_INVALID:
    default:
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    /* The first packet after an announced start: the frames between the
     * two were lost; the stream starts at the announced timestamp. */
    bool first = !rx->gate.has_source && !jb_started(&rx->jb);
    uint32_t start_ts;
    if (first && source_gate_announced_start(&rx->gate, &h, &start_ts))
        jb_set_start(&rx->jb, start_ts);

    /* Store the primary first: a timeline jump is detected on it. */
    enum rx_packet_result result =
        store(rx, h.timestamp, primary->data, primary->len, JB_SOURCE_PRIMARY);
    if (result == RX_PACKET_NEW_SOURCE) {
        if (rx->gate.has_source)
            return RX_PACKET_NEW_SOURCE;
        result = RX_PACKET_DROPPED;
    }
    if (result == RX_PACKET_DROPPED)
        return result;

    /* A gap in sequence numbers means loss: from now on wait for copies. */
    if (source_gate_take(&rx->gate, &h, verdict, extended, now_ns))
        rx->loss_seen = true;
    rx->stats.packets_received++;
    rx->stats.bytes_received += h.payload_len;
    rx->stats.redundancy_depth = (int)nblocks - 1;
    /* How long copies take to come: the oldest copy's distance in frames. */
    rx->stats.copy_distance = 0;
    for (size_t i = 0; i + 1 < nblocks; i++) {
        int distance = (int)((blocks[i].ts_offset + (uint32_t)duration - 1) / (uint32_t)duration);
        if (blocks[i].ts_offset <= RED_MAX_TS_OFFSET && distance > rx->stats.copy_distance)
            rx->stats.copy_distance = distance;
    }
    if (!rx->lbrr_seen && opus_toc_has_lbrr(primary->data, primary->len))
        rx->lbrr_seen = true;
    latency_arrival(&rx->lat, h.sequence, now_ns, rtp_ts_extend(rx->jb.head, h.timestamp));

    for (size_t i = 0; i + 1 < nblocks; i++) {
        if (blocks[i].pt != rx->cfg.opus_pt || blocks[i].len == 0)
            continue;
        uint32_t ts = red_block_ts(h.timestamp, &blocks[i]);
        store(rx, ts, blocks[i].data, blocks[i].len, JB_SOURCE_RED);
        /* Extended after the store: a copy before the first pull may have
         * moved the head back. */
        repair_copy_arrived(&rx->repair, rtp_ts_extend(rx->jb.head, ts), blocks[i].data,
                            blocks[i].len);
    }

    if (!rx->lat.playing) {
        int frame =
            rx->stats.frame_samples > 0 ? rx->stats.frame_samples : AL_DEFAULT_FRAME_SAMPLES;
        int64_t primary_ts = rtp_ts_extend(rx->jb.head, h.timestamp);
        /* Copies in the first packet that arrived moved the head back to
         * the stream's true start: the packets before it were lost (and
         * are rebuilt from those copies). */
        if (first && !rx->gate.start_known && primary_ts > rx->jb.head)
            source_gate_backdate(&rx->gate, (primary_ts - rx->jb.head) / duration);
        rx->repair.last_duration = frame;
        /* The head (maybe an earlier frame, known from copies or the
         * announced start) is taken to have arrived now. */
        latency_begin(&rx->lat, now_ns, rx->jb.head, frame);
    }
    steer(rx);
    return RX_PACKET_ACCEPTED;
}

int64_t rx_stream_next_due(const rx_stream *rx)
{
    return latency_next_due(&rx->lat, &rx->jb, rx->gate.last_packet_ns);
}

void rx_stream_set_start(rx_stream *rx, uint16_t seq, uint32_t rtptime)
{
    source_gate_set_start(&rx->gate, seq, rtptime);
}

int rx_stream_channels(const rx_stream *rx)
{
    return rx->channels;
}

bool rx_stream_has_pending(const rx_stream *rx)
{
    return jb_has_frames(&rx->jb);
}

int rx_stream_pull(rx_stream *rx, int64_t now_ns, bool force, float *pcm, rx_frame_info *info)
{
    if (!rx->lat.playing)
        return 0;
    if (force ? !jb_has_frames(&rx->jb) : now_ns < rx_stream_next_due(rx))
        return 0;
    float *decoded = latency_frame_buffer(&rx->lat, pcm);
    int samples = repair_frame(&rx->repair, &rx->jb, decoded, info);
    samples = latency_play(&rx->lat, decoded, samples, info->ts, now_ns, force, pcm, &info->rate);
    steer(rx);
    return samples;
}

void rx_stream_set_output_trim(rx_stream *rx, double trim)
{
    latency_set_output_trim(&rx->lat, trim);
}

int rx_stream_flush(rx_stream *rx, float *pcm)
{
    return latency_flush(&rx->lat, pcm);
}

void rx_stream_discard_trailing(rx_stream *rx, uint64_t frames)
{
    repair_discard_trailing(&rx->repair, frames);
}

rx_stats rx_stream_stats(const rx_stream *rx)
{
    rx_stats s = rx->stats;
    s.packets_lost = source_gate_lost(&rx->gate);
    s.restarts = rx->gate.restarts;
    s.jitter_ms = source_gate_jitter_ms(&rx->gate);
    repair_stats(&rx->repair, &s);
    latency_stats(&rx->lat, &s);
    return s;
}

const char *rx_origin_name(rx_origin origin)
{
    switch (origin) {
    case RX_FRAME_PRIMARY:
        return "primary";
    case RX_FRAME_RED:
        return "red";
    case RX_FRAME_FEC:
        return "fec";
    case RX_FRAME_PLC:
        return "plc";
    }
    return "?";
}

int64_t rx_stream_take_pause_ns(rx_stream *rx)
{
    return latency_take_pause_ns(&rx->lat);
}
