/* The receiving media path (see rx_stream.h). */
#include "receiver/rx_stream.h"

#include <math.h>
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/opus_toc.h"
#include "proto/red.h"
#include "proto/rtp.h"
#include "receiver/copy_decoder.h"
#include "receiver/jitbuf.h"

/* Tuning, each with its reason. */
/* The automatic playout delay never goes below this: below ~5 ms the
 * sender's and our own scheduling jitter on a loaded machine decide. */
#define MIN_DELAY_NS (5 * 1000000LL)
/* Once loss is possible the next packet must arrive before the missing
 * frame is due, so that the gap is seen in time: this much beyond the frame
 * spacing, plus three times the measured jitter, covers it. */
#define ARRIVAL_MARGIN_NS (2 * 1000000LL)
/* Late packets grow the delay, but never beyond this. */
#define MAX_DELAY_NS (500 * 1000000LL)
/* A new SSRC takes over once the current one has been silent this long:
 * long enough that a stranger cannot cut into a live stream, short enough
 * that a restarted sender is heard again at once. */
#define DEFAULT_SOURCE_HOLD_NS (250 * 1000000LL)

struct rx_stream {
    rx_config cfg;
    OpusDecoder *decoder;      /* created at the first packet when channels follow the stream */
    OpusDecoder *copy_decoder; /* RX_COPY_OWN_DECODER only */
    copy_decoder *copy_stream; /* RX_COPY_STREAM_DECODER only */
    float *plc_pcm;            /* the primary decoder's concealment under a copy */
    bool prev_from_copy_stream;
    int channels;
    jitbuf jb;

    /* the source we follow */
    bool has_source;
    uint32_t ssrc;
    int64_t last_packet_ns;
    rtp_seq_tracker seq;
    uint64_t duplicates_this_source;
    uint64_t lost_before; /* losses of earlier sources */

    /* playout schedule: frame k is due at play_start + played samples */
    bool playing;
    int64_t play_start_ns;
    int64_t samples_played;
    int64_t delay_ns;      /* current playout delay after the first packet */
    bool loss_seen;        /* copies are waited for only once loss has been seen */
    bool lbrr_seen;        /* the primaries carry in-band FEC for the frame before */
    int64_t late_extra_ns; /* delay added because packets came late */
    bool late_primary;     /* set by store(): the primary just handed in was late */
    int last_duration;     /* samples of the last frame, for concealment */

    /* RFC 3550 jitter, in 48 kHz ticks */
    bool have_transit;
    double transit;
    double jitter;

    rx_stats stats;
};

void rx_config_defaults(rx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = 0;
    cfg->opus_pt = AL_OPUS_PT;
    cfg->red_pt = AL_RED_PT;
    cfg->latency_ms = 0;
    cfg->source_hold_ns = DEFAULT_SOURCE_HOLD_NS;
}

static int open_decoder(rx_stream *rx, int channels)
{
    int status;
    rx->decoder = opus_decoder_create(AL_RATE, channels, &status);
    if (!rx->decoder)
        return -1;
    if (rx->cfg.copy_decoding == RX_COPY_STREAM_DECODER) {
        rx->copy_stream = copy_decoder_create(channels);
        rx->plc_pcm = calloc((size_t)AL_MAX_FRAME_SAMPLES * (size_t)channels, sizeof(float));
        if (!rx->copy_stream || !rx->plc_pcm) {
            opus_decoder_destroy(rx->decoder);
            rx->decoder = NULL;
            return -1;
        }
    }
    if (rx->cfg.copy_decoding == RX_COPY_OWN_DECODER) {
        rx->copy_decoder = opus_decoder_create(AL_RATE, channels, &status);
        if (!rx->copy_decoder) {
            opus_decoder_destroy(rx->decoder);
            rx->decoder = NULL;
            return -1;
        }
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
    if (cfg->channels > 0 && open_decoder(rx, cfg->channels) != 0) {
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
    if (rx->decoder)
        opus_decoder_destroy(rx->decoder);
    if (rx->copy_decoder)
        opus_decoder_destroy(rx->copy_decoder);
    copy_decoder_destroy(rx->copy_stream);
    free(rx->plc_pcm);
    free(rx);
}

static uint64_t source_lost(const rx_stream *rx)
{
    int64_t expected = rtp_seq_expected(&rx->seq);
    int64_t received = (int64_t)rx->seq.received - (int64_t)rx->duplicates_this_source;
    return expected > received ? (uint64_t)(expected - received) : 0;
}

void rx_stream_restart(rx_stream *rx)
{
    if (rx->has_source) {
        rx->lost_before += source_lost(rx);
        rx->stats.restarts++;
    }
    rx->has_source = false;
    rtp_seq_init(&rx->seq);
    rx->duplicates_this_source = 0;
    jb_reset(&rx->jb);
    if (rx->decoder)
        opus_decoder_ctl(rx->decoder, OPUS_RESET_STATE);
    if (rx->copy_decoder)
        opus_decoder_ctl(rx->copy_decoder, OPUS_RESET_STATE);
    if (rx->copy_stream)
        copy_decoder_reset(rx->copy_stream);
    rx->prev_from_copy_stream = false;
    rx->playing = false;
    rx->samples_played = 0;
    rx->loss_seen = false;
    rx->lbrr_seen = false;
    rx->late_extra_ns = 0;
    rx->delay_ns = 0;
    rx->last_duration = 960;
    rx->have_transit = false;
    rx->jitter = 0;
}

/* The delay the schedule should keep. Without protection: one frame (the
 * receiver never waits longer than that beyond arrival). With copies at
 * depth d (LBRR counts as d = 1): the next packet must be able to reveal a
 * gap before the missing frame is due; once loss has been seen, the copy d
 * frames later must arrive in time too. Late packets add what they lacked. */
static int64_t wanted_delay_ns(const rx_stream *rx, int frame_samples)
{
    if (rx->cfg.latency_ms > 0)
        return (int64_t)rx->cfg.latency_ms * 1000000LL;
    int64_t frame_ns = (int64_t)frame_samples * 1000000000LL / AL_RATE;
    int64_t floor = frame_ns > MIN_DELAY_NS ? frame_ns : MIN_DELAY_NS;
    int depth = rx->stats.copy_distance;
    if (depth == 0 && rx->lbrr_seen)
        depth = 1;
    int64_t delay = floor;
    if (depth > 0) {
        int64_t margin = ARRIVAL_MARGIN_NS + (int64_t)(3 * rx->jitter * 1e9 / AL_RATE);
        int64_t needed = (rx->loss_seen ? depth : 1) * frame_ns + margin;
        if (needed > delay)
            delay = needed;
    }
    delay += rx->late_extra_ns;
    return delay < MAX_DELAY_NS ? delay : MAX_DELAY_NS;
}

/* Moves the schedule when the wanted delay grows. Growing only pauses the
 * output (nothing is dropped); shrinking is left to the live playout, which
 * can do it in quiet frames. */
static void update_delay(rx_stream *rx, int frame_samples)
{
    int64_t wanted = wanted_delay_ns(rx, frame_samples);
    if (wanted > rx->delay_ns) {
        if (rx->playing)
            rx->play_start_ns += wanted - rx->delay_ns;
        rx->delay_ns = wanted;
    }
}

static void update_jitter(rx_stream *rx, uint32_t ts, int64_t now_ns)
{
    double arrival = (double)now_ns * AL_RATE / 1e9;
    double transit = arrival - (double)ts;
    if (rx->have_transit) {
        double d = fabs(transit - rx->transit);
        /* ts wraps: a wrap shows up as a huge D once; ignore it */
        if (d < 1e6)
            rx->jitter += (d - rx->jitter) / 16.0;
    }
    rx->transit = transit;
    rx->have_transit = true;
}

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
            rx->duplicates_this_source++;
        } else {
            rx->stats.copies_received++;
        }
        return RX_PACKET_ACCEPTED;
    case JB_PUT_LATE:
        if (source == JB_SOURCE_PRIMARY) {
            rx->stats.packets_late++;
            rx->late_primary = true;
        }
        return RX_PACKET_ACCEPTED;
    case JB_PUT_TOO_FAR:
        return RX_PACKET_NEW_SOURCE;
    case JB_PUT_MISALIGNED:
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
    bool is_red = rx->cfg.red_pt >= 0 && h.payload_type == rx->cfg.red_pt;
    if (!is_red && h.payload_type != rx->cfg.opus_pt) {
        rx->stats.packets_foreign++;
        return RX_PACKET_DROPPED;
    }
    if (rx->has_source && h.ssrc != rx->ssrc) {
        if (now_ns - rx->last_packet_ns < rx->cfg.source_hold_ns) {
            rx->stats.packets_foreign++;
            return RX_PACKET_DROPPED;
        }
        return RX_PACKET_NEW_SOURCE;
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
    if (primary->pt != rx->cfg.opus_pt || opus_toc_samples(primary->data, primary->len) <= 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    if (!rx->decoder && open_decoder(rx, opus_packet_get_nb_channels(primary->data)) != 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    int64_t extended;
    enum rtp_seq_verdict verdict = rtp_seq_update(&rx->seq, h.sequence, &extended);
    if (verdict == RTP_SEQ_BAD) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    if (verdict == RTP_SEQ_RESTART && rx->has_source) {
        /* The same SSRC started over: the caller drains and hands it again. */
        return RX_PACKET_NEW_SOURCE;
    }

    /* Store the primary first: a timeline jump is detected on it. */
    rx->late_primary = false;
    enum rx_packet_result result =
        store(rx, h.timestamp, primary->data, primary->len, JB_SOURCE_PRIMARY);
    if (result == RX_PACKET_NEW_SOURCE) {
        if (rx->has_source)
            return RX_PACKET_NEW_SOURCE;
        result = RX_PACKET_DROPPED;
    }
    if (result == RX_PACKET_DROPPED)
        return result;

    if (!rx->has_source) {
        rx->has_source = true;
        rx->ssrc = h.ssrc;
    }
    rx->last_packet_ns = now_ns;
    rx->stats.packets_received++;
    rx->stats.bytes_received += h.payload_len;
    rx->stats.redundancy_depth = (int)nblocks - 1;
    /* How long copies take to come: the oldest copy's distance in frames. */
    int duration = opus_toc_samples(primary->data, primary->len);
    rx->stats.copy_distance = 0;
    for (size_t i = 0; i + 1 < nblocks; i++) {
        int distance = (int)((blocks[i].ts_offset + (uint32_t)duration - 1) / (uint32_t)duration);
        if (blocks[i].ts_offset < 16384 && distance > rx->stats.copy_distance)
            rx->stats.copy_distance = distance;
    }
    if (!rx->lbrr_seen && opus_toc_has_lbrr(primary->data, primary->len))
        rx->lbrr_seen = true;
    if (rx->late_primary && rx->playing) {
        /* It missed its turn by this much: grow the delay so that its
         * successors, which likely travel the same way, make it. */
        int64_t head = rx->jb.head;
        int64_t ext = rtp_ts_extend(head, h.timestamp);
        int64_t due = rx_stream_next_due(rx) - (head - ext) * 1000000000LL / AL_RATE;
        if (now_ns > due)
            rx->late_extra_ns += now_ns - due + ARRIVAL_MARGIN_NS;
    }
    if (verdict == RTP_SEQ_IN_ORDER) {
        update_jitter(rx, h.timestamp, now_ns);
        /* A gap in sequence numbers means loss: from now on wait for copies. */
        if (rx->seq.received > 1 && extended > 0 && rx->seq.bad_seq_valid == false &&
            rtp_seq_expected(&rx->seq) > (int64_t)rx->seq.received)
            rx->loss_seen = true;
    }

    for (size_t i = 0; i + 1 < nblocks; i++) {
        if (blocks[i].pt != rx->cfg.opus_pt || blocks[i].len == 0)
            continue;
        uint32_t ts = red_block_ts(h.timestamp, &blocks[i]);
        store(rx, ts, blocks[i].data, blocks[i].len, JB_SOURCE_RED);
        if (rx->copy_stream)
            copy_decoder_feed(rx->copy_stream, rtp_ts_extend(rx->jb.head, ts), blocks[i].data,
                              blocks[i].len);
    }

    int frame = rx->stats.frame_samples > 0 ? rx->stats.frame_samples : 960;
    if (!rx->playing) {
        rx->delay_ns = wanted_delay_ns(rx, frame);
        rx->play_start_ns = now_ns + rx->delay_ns;
        rx->playing = true;
        rx->last_duration = frame;
    }
    update_delay(rx, frame);
    return RX_PACKET_ACCEPTED;
}

int64_t rx_stream_next_due(const rx_stream *rx)
{
    if (!rx->playing)
        return INT64_MAX;
    return rx->play_start_ns + rx->samples_played * 1000000000LL / AL_RATE;
}

int rx_stream_channels(const rx_stream *rx)
{
    return rx->channels;
}

bool rx_stream_has_pending(const rx_stream *rx)
{
    return jb_has_frames(&rx->jb);
}

static int decode_plc(rx_stream *rx, int duration, float *pcm)
{
    int n = opus_decode_float(rx->decoder, NULL, 0, pcm, duration, 0);
    if (n < 0) {
        memset(pcm, 0, sizeof(float) * (size_t)duration * (size_t)rx->channels);
        n = duration;
    }
    return n;
}

/* Raised-cosine crossfade length between the two decoders: long enough to
 * hide the step between two different waveforms, short next to a frame. */
#define CROSSFADE_SAMPLES 120

/* Frame TS from the copy-stream decoder, if it decoded it. The primary's
 * decoder conceals the same frame so that its state moves on, and the copy
 * fades in from (and out to) that concealment where the neighbour frames
 * come from the primary's decoder, so no waveform step is heard. */
static int play_from_copy_stream(rx_stream *rx, int64_t ts, float *pcm)
{
    int samples;
    const float *copy = copy_decoder_lookup(rx->copy_stream, ts, &samples);
    if (!copy)
        return -1;
    int n = opus_decode_float(rx->decoder, NULL, 0, rx->plc_pcm, samples, 0);
    if (n != samples)
        return -1;
    const int ch = rx->channels;
    memcpy(pcm, copy, sizeof(float) * (size_t)samples * (size_t)ch);
    int fade = samples / 2 < CROSSFADE_SAMPLES ? samples / 2 : CROSSFADE_SAMPLES;
    const jb_slot *next = jb_peek(&rx->jb, ts + samples);
    bool fade_in = !rx->prev_from_copy_stream;
    bool fade_out = !next || next->source == JB_SOURCE_PRIMARY;
    for (int i = 0; i < fade; i++) {
        float w = 0.5f - 0.5f * cosf((float)M_PI * (float)(i + 0.5f) / (float)fade);
        for (int c = 0; c < ch; c++) {
            int head = i * ch + c, tail = (samples - 1 - i) * ch + c;
            if (fade_in)
                pcm[head] = w * copy[head] + (1 - w) * rx->plc_pcm[head];
            if (fade_out)
                pcm[tail] = w * copy[tail] + (1 - w) * rx->plc_pcm[tail];
        }
    }
    return samples;
}

int rx_stream_pull(rx_stream *rx, int64_t now_ns, bool force, float *pcm, rx_frame_info *info)
{
    if (!rx->playing)
        return 0;
    if (force ? !jb_has_frames(&rx->jb) : now_ns < rx_stream_next_due(rx))
        return 0;

    jb_frame frame;
    bool held = jb_pull(&rx->jb, rx->last_duration, &frame);
    memset(info, 0, sizeof *info);
    info->ts = frame.ts;
    int samples = -1;
    bool from_copy_stream = false;
    if (held) {
        OpusDecoder *dec = rx->decoder;
        if (frame.source == JB_SOURCE_RED && rx->copy_decoder)
            dec = rx->copy_decoder;
        if (frame.source == JB_SOURCE_RED && rx->copy_stream) {
            samples = play_from_copy_stream(rx, frame.ts, pcm);
            from_copy_stream = samples > 0;
        }
        if (!from_copy_stream)
            samples = opus_decode_float(dec, frame.data, (opus_int32)frame.len, pcm,
                                        AL_MAX_FRAME_SAMPLES, 0);
        info->origin = frame.source == JB_SOURCE_RED ? RX_FRAME_RED : RX_FRAME_PRIMARY;
        if (frame.source == JB_SOURCE_RED)
            rx->stats.copies_used++;
        if (samples > 0)
            rx->last_duration = samples;
    } else {
        /* The head has moved past the hole: the packet right after it may
         * carry this frame's LBRR. */
        const jb_slot *next = jb_peek(&rx->jb, frame.ts + frame.duration);
        if (next && next->source == JB_SOURCE_PRIMARY && opus_toc_has_lbrr(next->data, next->len)) {
            samples = opus_decode_float(rx->decoder, next->data, next->len, pcm, frame.duration, 1);
            info->origin = RX_FRAME_FEC;
        }
        rx->loss_seen = true;
    }
    if (samples <= 0) {
        samples = decode_plc(rx, frame.duration, pcm);
        info->origin = RX_FRAME_PLC;
        info->speculative = !jb_has_frames(&rx->jb);
    }

    rx->prev_from_copy_stream = from_copy_stream;
    rx->samples_played += samples;
    rx->stats.frames_total++;
    switch (info->origin) {
    case RX_FRAME_PRIMARY:
        rx->stats.frames_primary++;
        break;
    case RX_FRAME_RED:
        rx->stats.frames_red++;
        break;
    case RX_FRAME_FEC:
        rx->stats.frames_fec++;
        break;
    case RX_FRAME_PLC:
        rx->stats.frames_plc++;
        break;
    }
    update_delay(rx, rx->last_duration);
    return samples;
}

void rx_stream_discard_trailing(rx_stream *rx, uint64_t frames)
{
    if (frames > rx->stats.frames_plc)
        frames = rx->stats.frames_plc;
    rx->stats.frames_plc -= frames;
    rx->stats.frames_total -= frames;
}

rx_stats rx_stream_stats(const rx_stream *rx)
{
    rx_stats s = rx->stats;
    s.packets_lost = rx->lost_before + (rx->has_source ? source_lost(rx) : 0);
    s.jitter_ms = rx->jitter * 1000.0 / AL_RATE;
    s.delay_ms = (double)rx->delay_ns / 1e6;
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
