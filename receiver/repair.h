/* Repair: the audio of one frame slot, from the best means at hand.
 *
 * The stage after the jitter buffer in the receiving chain (rx_stream.h).
 * For the frame at the play head it decodes, in order of preference:
 *   1. the frame's own packet (primary);
 *   2. a RED copy of it, decoded as rx_copy_decoding says (the primary's
 *      decoder, a decoder of its own, or copy_decoder.h's stream of copies
 *      crossfaded with the primary decoder's concealment);
 *   3. Opus in-band FEC (LBRR) carried by the packet right after it;
 *   4. Opus packet loss concealment, which fades to silence once a gap
 *      lasts beyond REPAIR_PLC_HOLD_SAMPLES.
 * and counts the frames by origin. It owns the Opus decoders; it knows
 * nothing of time (when a frame is due is latency.h's decision).
 *
 * Audio is interleaved float at 48 kHz, `channels` per sample; durations
 * are samples per channel. */
#ifndef AL_RECEIVER_REPAIR_H
#define AL_RECEIVER_REPAIR_H

#include <opus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "receiver/copy_decoder.h"
#include "receiver/jitbuf.h"
#include "receiver/rx_stream.h"

/* Concealment of a long gap fades to silence. Opus's packet-loss
 * concealment repeats and smooths the last sound but never stops: a 10 s
 * outage during music came out as 10 s of murmur at -33 dBFS, which is
 * heard as a fault, where silence is heard as the gap it is. Up to
 * REPAIR_PLC_HOLD_SAMPLES (60 ms: three 20 ms frames, what single losses
 * and short bursts need; concealment that long still sounds like the
 * signal) concealment is left alone; then it fades out over
 * REPAIR_PLC_FADE_SAMPLES (100 ms, raised cosine: slow enough not to click,
 * quick enough that what is left of the murmur is gone in a tenth of a
 * second, as NetEq's expansion also mutes within ~100-200 ms), silence
 * after that. The decoder keeps concealing underneath, so its state moves
 * on, and when packets return after a gap that was faded, the first frame
 * fades in over REPAIR_PLC_RESUME_SAMPLES (5 ms) from the gain the gap
 * ended at: no step from silence into full signal. 48 kHz samples. */
#define REPAIR_PLC_HOLD_SAMPLES   2880
#define REPAIR_PLC_FADE_SAMPLES   4800
#define REPAIR_PLC_RESUME_SAMPLES 240

/* Raised-cosine crossfade between the copy-stream decoder and the
 * primary's concealment, samples: long enough to hide the step between two
 * different waveforms, short next to a frame (at most half of one). */
#define REPAIR_CROSSFADE_SAMPLES 120

/** The stage's state; embedded by value, owned by its user. The decoders
 *  are owned by the stage (repair_open .. repair_close). */
typedef struct repair {
    rx_copy_decoding copy_decoding;
    int channels;               /**< 0 until repair_open */
    OpusDecoder *decoder;       /**< the primaries' decoder (also LBRR and concealment) */
    OpusDecoder *copy_decoder;  /**< RX_COPY_OWN_DECODER only */
    copy_decoder *copy_stream;  /**< RX_COPY_STREAM_DECODER only */
    float *plc_pcm;             /**< the primary decoder's concealment under a copy */
    bool prev_from_copy_stream; /**< the last frame came from copy_stream */
    int last_duration;          /**< samples of the last frame: a missing frame lasts this
                                     long. Set by the chain when playout begins. */
    int64_t plc_run;            /**< samples concealed in a row so far */

    /* frames produced, by origin (rx_stats) */
    uint64_t frames_total;
    uint64_t frames_primary;
    uint64_t frames_red;
    uint64_t frames_fec;
    uint64_t frames_plc;
    uint64_t copies_used; /**< RED copies that filled a hole */
} repair;

/** Sets up R (no decoders yet) with the way copies are decoded. */
void repair_init(repair *r, rx_copy_decoding copy_decoding);

/** Creates the decoders for CHANNELS (1 or 2). 0 on success; -1 when out
 *  of memory, with nothing created. */
int repair_open(repair *r, int channels);

/** Destroys the decoders; R can be opened again. */
void repair_close(repair *r);

/** A new stream: decoders reset, no concealment run, frames assumed to
 *  last AL_DEFAULT_FRAME_SAMPLES. The counters are kept. */
void repair_restart(repair *r);

/** A RED copy of the frame at extended timestamp TS (LEN bytes at DATA)
 *  arrived: the copy-stream decoder, if any, decodes it now. */
void repair_copy_arrived(repair *r, int64_t ts, const uint8_t *data, size_t len);

/** Takes the frame at JB's play head (which must have been started) and
 *  writes its audio into PCM (room for AL_MAX_FRAME_SAMPLES * channels
 *  floats). Fills INFO's origin, speculative and ts; returns the samples
 *  per channel. Needs repair_open. */
int repair_frame(repair *r, jitbuf *jb, float *pcm, rx_frame_info *info);

/** Un-counts N trailing concealed frames never played (at most as many as
 *  were concealed). */
void repair_discard_trailing(repair *r, uint64_t frames);

/** Copies the frame counters into S. */
void repair_stats(const repair *r, rx_stats *s);

#endif
