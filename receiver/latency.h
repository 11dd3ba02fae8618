/* Latency control: when each frame plays, and at what rate.
 *
 * The last stage of the receiving chain (rx_stream.h). It keeps the
 * playout schedule (when the frame at the play head is due), measures how
 * packets arrive (delay_ctl.h: the fastest transit and the jitter's
 * percentiles), sets the delay target from that and from the protection
 * the stream carries, and keeps the delay on target:
 *   - too short: restored at once (the output pauses; pauses are counted
 *     and handed to the output, latency_take_pause_ns);
 *   - too long, or a little short: with adaptive_rate, the playout rate
 *     moves it back within +-LATENCY_MAX_RATE_DEVIATION through a speexdsp
 *     resampler (which also absorbs the sender's clock against ours), and
 *     quiet frames are played up to RX_MAX_QUIET_RATE faster to shed a
 *     spike's excess quickly.
 * A file output (late_hold_ns, no resampler) instead produces a frame as
 * soon as it can be decided (latency_next_due).
 *
 * It owns the resampler, not the decoders: frames come in decoded.
 * Times are ns on the caller's monotonic clock (any origin), timestamps
 * extended 48 kHz RTP ticks, audio interleaved float at 48 kHz. */
#ifndef AL_RECEIVER_LATENCY_H
#define AL_RECEIVER_LATENCY_H

#include <speex/speex_resampler.h>
#include <stdbool.h>
#include <stdint.h>

#include "receiver/delay_ctl.h"
#include "receiver/jitbuf.h"
#include "receiver/rx_stream.h"

/* Clock steering stays within +-0.5 % of real time (a pitch change of
 * under 9 cents, not heard on speech or music; a 300 ppm clock difference
 * needs 0.03 %). The output trim (latency_set_output_trim) has the same
 * bound. A fraction of 1. */
#define LATENCY_MAX_RATE_DEVIATION 0.005

/** The stage's state; embedded by value, owned by its user. The resampler
 *  and its buffer are owned by the stage (latency_open .. latency_close). */
typedef struct latency {
    /* configuration (latency_init; see rx_config) */
    int latency_ms;       /**< fixed delay target, ms; 0 = measured */
    bool adaptive_rate;   /**< steer by resampling (with latency_ms 0) */
    int64_t late_hold_ns; /**< a file output's wait for a missing frame, ns */

    int channels;                   /**< 0 until latency_open */
    SpeexResamplerState *resampler; /**< adaptive_rate only; NULL: output 1:1 */
    float *decoded;                 /**< a frame before resampling */

    bool playing;         /**< the schedule has begun (latency_begin) */
    int64_t due_ns;       /**< when the frame at the play head is due */
    double rate;          /**< stream seconds played per second of our clock */
    bool steering;        /**< the rate is away from 1 to bring the delay to its target */
    double output_trim;   /**< output samples per stream sample beyond the rate: the
                               device's clock against ours (latency_set_output_trim) */
    int64_t target_ns;    /**< how long after its fastest possible arrival a frame is played */
    int64_t delay_now_ns; /**< the same, as it is */
    int64_t pause_ns;     /**< pauses made by delay jumps, not yet taken */
    delay_ctl ctl;        /**< the arrivals measured */
    bool recorded_any;    /**< a primary's arrival went to ctl ... */
    uint16_t last_seq_recorded; /**< ... and its sequence number */
    double peak_db;             /**< recent peak level of the output (quiet frames), dBFS */
    int64_t played_delay_ns;    /**< late_hold_ns: how long after its fastest arrival the
                                     last frame was actually produced */

    uint64_t delay_jumps;      /**< times the output paused to let the delay grow */
    uint64_t frames_quickened; /**< quiet frames played faster */
} latency;

/** Sets up L (no resampler yet) with rx_config's LATENCY_MS, ADAPTIVE_RATE
 *  and LATE_HOLD_NS. */
void latency_init(latency *l, int latency_ms, bool adaptive_rate, int64_t late_hold_ns);

/** Creates the resampler for CHANNELS when the rate is steered. 0 on
 *  success; -1 when out of memory, with nothing created. */
int latency_open(latency *l, int channels);

/** Destroys the resampler; L can be opened again. */
void latency_close(latency *l);

/** A new stream: nothing scheduled, rate 1, no trim, arrivals forgotten.
 *  The counters are kept. */
void latency_restart(latency *l);

/** The primary with sequence number SEQ and extended timestamp TS arrived
 *  at NOW_NS (late ones too: they tell how the network delays packets; a
 *  duplicate of the last one recorded is left out). */
void latency_arrival(latency *l, uint16_t seq, int64_t now_ns, int64_t ts);

/** The first frame arrived: playout begins with the frame at HEAD (extended
 *  timestamp, maybe earlier than the packet that came, known from copies or
 *  an announced start), taken to have arrived at NOW_NS, frames of
 *  FRAME_SAMPLES. latency_steer then adds the target delay. */
void latency_begin(latency *l, int64_t now_ns, int64_t head, int frame_samples);

/** Sets the delay target for frames of FRAME_SAMPLES that wait for copies
 *  PROTECT_FRAMES back (0: none), and keeps the frame at HEAD on it.
 *  OUTPUT_BEGAN: frames have been played, so a pause is one (counted).
 *  Nothing before latency_begin. */
void latency_steer(latency *l, int64_t head, int frame_samples, int protect_frames,
                   bool output_began);

/** True when frames are produced as soon as they can be decided (a file:
 *  late_hold_ns and no resampler) rather than at their due time. */
bool latency_holding(const latency *l);

/** When the frame at JB's play head is due, given the latest packet's
 *  arrival LAST_PACKET_NS; INT64_MAX before latency_begin. */
int64_t latency_next_due(const latency *l, const jitbuf *jb, int64_t last_packet_ns);

/** Where the next frame is to be decoded: the resampler's input buffer, or
 *  PCM itself when the output is 1:1. */
float *latency_frame_buffer(latency *l, float *pcm);

/** Plays the frame stamped TS, SAMPLES decoded into DECODED (from
 *  latency_frame_buffer), produced at NOW_NS (FORCED: drained, not due):
 *  moves the schedule on by its stream time at its rate, written to *RATE,
 *  and resamples it into PCM (room for AL_MAX_FRAME_SAMPLES * channels).
 *  Returns the samples per channel written to PCM. */
int latency_play(latency *l, const float *decoded, int samples, int64_t ts, int64_t now_ns,
                 bool forced, float *pcm, double *rate);

/** See rx_stream_set_output_trim. */
void latency_set_output_trim(latency *l, double trim);

/** See rx_stream_flush. */
int latency_flush(latency *l, float *pcm);

/** See rx_stream_take_pause_ns. */
int64_t latency_take_pause_ns(latency *l);

/** Copies delay, target, rate and the stage's counters into S. */
void latency_stats(const latency *l, rx_stats *s);

#endif
