/* Repair (see repair.h). */
#include "receiver/repair.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/defaults.h"
#include "proto/opus_toc.h"

void repair_init(repair *r, rx_copy_decoding copy_decoding)
{
    memset(r, 0, sizeof *r);
    r->copy_decoding = copy_decoding;
    repair_restart(r);
}

int repair_open(repair *r, int channels)
{
    int status;
    r->decoder = opus_decoder_create(AL_RATE, channels, &status);
    if (!r->decoder)
        return -1;
    if (r->copy_decoding == RX_COPY_STREAM_DECODER) {
        r->copy_stream = copy_decoder_create(channels);
        r->plc_pcm = calloc((size_t)AL_MAX_FRAME_SAMPLES * (size_t)channels, sizeof(float));
        if (!r->copy_stream || !r->plc_pcm) {
            repair_close(r);
            return -1;
        }
    }
    if (r->copy_decoding == RX_COPY_OWN_DECODER) {
        r->copy_decoder = opus_decoder_create(AL_RATE, channels, &status);
        if (!r->copy_decoder) {
            repair_close(r);
            return -1;
        }
    }
    r->channels = channels;
    return 0;
}

void repair_close(repair *r)
{
    if (r->decoder)
        opus_decoder_destroy(r->decoder);
    if (r->copy_decoder)
        opus_decoder_destroy(r->copy_decoder);
    copy_decoder_destroy(r->copy_stream);
    free(r->plc_pcm);
    r->decoder = NULL;
    r->copy_decoder = NULL;
    r->copy_stream = NULL;
    r->plc_pcm = NULL;
    r->channels = 0;
}

void repair_restart(repair *r)
{
    if (r->decoder)
        opus_decoder_ctl(r->decoder, OPUS_RESET_STATE);
    if (r->copy_decoder)
        opus_decoder_ctl(r->copy_decoder, OPUS_RESET_STATE);
    if (r->copy_stream)
        copy_decoder_reset(r->copy_stream);
    r->prev_from_copy_stream = false;
    r->last_duration = AL_DEFAULT_FRAME_SAMPLES;
    r->plc_run = 0;
}

void repair_copy_arrived(repair *r, int64_t ts, const uint8_t *data, size_t len)
{
    if (r->copy_stream)
        copy_decoder_feed(r->copy_stream, ts, data, len);
}

static int decode_plc(repair *r, int duration, float *pcm)
{
    int n = opus_decode_float(r->decoder, NULL, 0, pcm, duration, 0);
    if (n < 0) {
        memset(pcm, 0, sizeof(float) * (size_t)duration * (size_t)r->channels);
        n = duration;
    }
    return n;
}

/* Frame TS from the copy-stream decoder, if it decoded it. The primary's
 * decoder conceals the same frame so that its state moves on, and the copy
 * fades in from (and out to) that concealment where the neighbour frames
 * come from the primary's decoder, so no waveform step is heard. */
static int play_from_copy_stream(repair *r, const jitbuf *jb, int64_t ts, float *pcm)
{
    int samples;
    const float *copy = copy_decoder_lookup(r->copy_stream, ts, &samples);
    if (!copy)
        return -1;
    int n = opus_decode_float(r->decoder, NULL, 0, r->plc_pcm, samples, 0);
    if (n != samples)
        return -1;
    const int ch = r->channels;
    memcpy(pcm, copy, sizeof(float) * (size_t)samples * (size_t)ch);
    int fade = samples / 2 < REPAIR_CROSSFADE_SAMPLES ? samples / 2 : REPAIR_CROSSFADE_SAMPLES;
    const jb_slot *next = jb_peek(jb, ts + samples);
    bool fade_in = !r->prev_from_copy_stream;
    bool fade_out = !next || next->source == JB_SOURCE_PRIMARY;
    for (int i = 0; i < fade; i++) {
        float w = 0.5f - 0.5f * cosf((float)M_PI * (float)(i + 0.5f) / (float)fade);
        for (int c = 0; c < ch; c++) {
            int head = i * ch + c, tail = (samples - 1 - i) * ch + c;
            if (fade_in)
                pcm[head] = w * copy[head] + (1 - w) * r->plc_pcm[head];
            if (fade_out)
                pcm[tail] = w * copy[tail] + (1 - w) * r->plc_pcm[tail];
        }
    }
    return samples;
}

/* The gain of concealed sample number RUN of a gap (see
 * REPAIR_PLC_HOLD_SAMPLES). */
static float plc_gain(int64_t run)
{
    if (run < REPAIR_PLC_HOLD_SAMPLES)
        return 1.0f;
    if (run >= REPAIR_PLC_HOLD_SAMPLES + REPAIR_PLC_FADE_SAMPLES)
        return 0.0f;
    return 0.5f + 0.5f * cosf((float)M_PI * (float)(run - REPAIR_PLC_HOLD_SAMPLES) /
                              REPAIR_PLC_FADE_SAMPLES);
}

/* Fades SAMPLES of concealment in PCM as the gap so far asks, or, for a
 * frame that is not concealed, fades it in if the gap before it was faded. */
static void fade_concealment(repair *r, bool concealed, float *pcm, int samples)
{
    const int ch = r->channels;
    if (concealed) {
        if (r->plc_run + samples > REPAIR_PLC_HOLD_SAMPLES)
            for (int i = 0; i < samples; i++) {
                float g = plc_gain(r->plc_run + i);
                for (int c = 0; c < ch; c++)
                    pcm[i * ch + c] *= g;
            }
        r->plc_run += samples;
        return;
    }
    if (r->plc_run > REPAIR_PLC_HOLD_SAMPLES) {
        float from = plc_gain(r->plc_run - 1);
        int n = samples < REPAIR_PLC_RESUME_SAMPLES ? samples : REPAIR_PLC_RESUME_SAMPLES;
        for (int i = 0; i < n; i++) {
            float g = from + (1.0f - from) * (float)(i + 1) / (float)n;
            for (int c = 0; c < ch; c++)
                pcm[i * ch + c] *= g;
        }
    }
    r->plc_run = 0;
}

int repair_frame(repair *r, jitbuf *jb, float *pcm, rx_frame_info *info)
{
    jb_frame frame;
    bool held = jb_pull(jb, r->last_duration, &frame);
    memset(info, 0, sizeof *info);
    info->ts = frame.ts;
    int samples = -1;
    bool from_copy_stream = false;
    if (held) {
        OpusDecoder *dec = r->decoder;
        if (frame.source == JB_SOURCE_RED && r->copy_decoder)
            dec = r->copy_decoder;
        if (frame.source == JB_SOURCE_RED && r->copy_stream) {
            samples = play_from_copy_stream(r, jb, frame.ts, pcm);
            from_copy_stream = samples > 0;
        }
        if (!from_copy_stream)
            samples = opus_decode_float(dec, frame.data, (opus_int32)frame.len, pcm,
                                        AL_MAX_FRAME_SAMPLES, 0);
        info->origin = frame.source == JB_SOURCE_RED ? RX_FRAME_RED : RX_FRAME_PRIMARY;
        if (frame.source == JB_SOURCE_RED)
            r->copies_used++;
        if (samples > 0)
            r->last_duration = samples;
    } else {
        /* The head has moved past the hole: the packet right after it may
         * carry this frame's LBRR. */
        const jb_slot *next = jb_peek(jb, frame.ts + frame.duration);
        if (next && next->source == JB_SOURCE_PRIMARY && opus_toc_has_lbrr(next->data, next->len)) {
            samples = opus_decode_float(r->decoder, next->data, next->len, pcm, frame.duration, 1);
            info->origin = RX_FRAME_FEC;
        }
        /* Not a sign of loss (which makes the playout wait for copies):
         * this frame may only be late, and copies cannot help a late
         * packet (the packets that carry them come later still). Taking it
         * for loss turned a packet 3 ms late into a 20 ms pause. Loss
         * shows as a gap in sequence numbers when the next packet arrives
         * (source_gate_take). */
    }
    if (samples <= 0) {
        samples = decode_plc(r, frame.duration, pcm);
        info->origin = RX_FRAME_PLC;
        info->speculative = !jb_has_frames(jb);
    }

    fade_concealment(r, info->origin == RX_FRAME_PLC, pcm, samples);
    r->prev_from_copy_stream = from_copy_stream;

    r->frames_total++;
    switch (info->origin) {
    case RX_FRAME_PRIMARY:
        r->frames_primary++;
        break;
    case RX_FRAME_RED:
        r->frames_red++;
        break;
    case RX_FRAME_FEC:
        r->frames_fec++;
        break;
    case RX_FRAME_PLC:
        r->frames_plc++;
        break;
    }
    return samples;
}

void repair_discard_trailing(repair *r, uint64_t frames)
{
    if (frames > r->frames_plc)
        frames = r->frames_plc;
    r->frames_plc -= frames;
    r->frames_total -= frames;
}

void repair_stats(const repair *r, rx_stats *s)
{
    s->frames_total = r->frames_total;
    s->frames_primary = r->frames_primary;
    s->frames_red = r->frames_red;
    s->frames_fec = r->frames_fec;
    s->frames_plc = r->frames_plc;
    s->copies_used = r->copies_used;
}
