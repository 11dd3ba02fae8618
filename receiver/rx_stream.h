/* The receiving media path: RTP packets in, decoded audio out.
 *
 * Parses RTP (and RFC 2198 RED), keeps to one source, files primaries and
 * copies in the jitter buffer, and at each playout tick produces one frame by
 * the best means available: the primary, else a RED copy, else Opus in-band
 * FEC (LBRR) from the next packet, else Opus packet loss concealment (which
 * fades to silence once a gap lasts beyond 60 ms, see repair.h).
 *
 * Time is an argument (`now_ns`, any monotonic origin), so the same code runs
 * live and in simulated time (tools/lossbench, tests).
 *
 * Inside, a chain of stages, each in its own module: source_gate.h (which
 * packets belong to the stream), jitbuf.h (frames by timestamp), repair.h
 * (the audio of each frame slot) and latency.h (when frames play, at what
 * rate); rx_stream.c draws how they chain. */
#ifndef AL_RECEIVER_RX_STREAM_H
#define AL_RECEIVER_RX_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/defaults.h"

/* How a RED copy is decoded (a choice measured by tools/lossbench). */
typedef enum rx_copy_decoding {
    RX_COPY_MAIN_DECODER = 0,   /**< into the primary's decoder: its state stays continuous */
    RX_COPY_OWN_DECODER = 1,    /**< into a decoder of its own, which sees only copies */
    RX_COPY_STREAM_DECODER = 2, /**< a decoder that decodes every copy as it arrives (its
                                     state follows the copies' encoder); the primary's
                                     decoder conceals meanwhile and the two are crossfaded */
} rx_copy_decoding;

typedef struct rx_config {
    int channels;           /**< output channels, 1 or 2; 0 = as the first packet says */
    int opus_pt;            /**< payload type of plain Opus packets */
    int red_pt;             /**< payload type of RED packets, -1 for none */
    int latency_ms;         /**< fixed playout delay after the first packet; 0 = automatic */
    int64_t source_hold_ns; /**< a new SSRC is taken once the current one is this silent */
    rx_copy_decoding copy_decoding; /**< default RX_COPY_MAIN_DECODER */
    bool adaptive_rate;   /**< steer the delay to its target by resampling the output within
                               +-0.5 % (absorbs clock drift, shrinks the delay when the link
                               calms down); false: the delay only grows and output samples
                               map 1:1 to stream samples (benchmarks). Default true. */
    int64_t late_hold_ns; /**< a file (no listener waiting, no adaptive_rate): a frame whose
                               primary is held is produced as soon as it is next in order, a
                               copy at its due time, and a missing frame is given up only
                               this long after its fastest possible arrival, so a packet
                               that late is still played; 0 (default): every frame is
                               decided at its due time, as a live output must.
                               RX_FILE_LATE_HOLD_NS is the receiver's choice. */
} rx_config;

/* How long a file output waits for a missing frame, ns: half a second of
 * lateness (a loaded machine, a network stall) is played, not concealed. It
 * must stay well inside the jitter buffer's 1.28 s window (jitbuf.h), since
 * packets keep arriving while the head waits. */
#define RX_FILE_LATE_HOLD_NS (500 * 1000000LL)

/** Fills CFG with the defaults (channels as the stream, PT 111 and 63,
 *  automatic latency). */
void rx_config_defaults(rx_config *cfg);

typedef struct rx_stats {
    uint64_t packets_received;  /**< valid RTP packets of our source */
    uint64_t packets_lost;      /**< expected minus received (RFC 3550 A.3) */
    uint64_t packets_late;      /**< arrived after their frame was played */
    uint64_t packets_duplicate; /**< a primary already held */
    uint64_t packets_invalid;   /**< not RTP, bad RED, bad Opus framing, or off the
                                     timeline and not (yet) confirmed by probation */
    uint64_t packets_foreign;   /**< another SSRC or payload type */
    uint64_t bytes_received;    /**< RTP payload bytes of our source */
    uint64_t frames_total;      /**< frames played */
    uint64_t frames_primary;    /**< ... from their own packet */
    uint64_t frames_red;        /**< ... rebuilt from a RED copy */
    uint64_t frames_fec;        /**< ... rebuilt from Opus in-band FEC */
    uint64_t frames_plc;        /**< ... concealed */
    uint64_t copies_received;   /**< RED copies that arrived */
    uint64_t copies_used;       /**< RED copies that filled a hole */
    uint64_t restarts;          /**< new sources or timeline jumps (after probation) */
    int redundancy_depth;       /**< copies per packet in the latest RED packet */
    int copy_distance;          /**< frames back of the oldest copy in the latest RED packet */
    int frame_samples;          /**< duration of the latest primary, 48 kHz samples */
    double jitter_ms;           /**< RFC 3550 interarrival jitter */
    double delay_ms;            /**< how long after its fastest possible arrival a frame plays */
    double target_delay_ms;     /**< what that delay is steered to */
    uint64_t delay_jumps;       /**< times the output paused to let the delay grow */
    uint64_t frames_quickened;  /**< quiet frames played faster to shrink a delay too long */
    double rate_ppm;            /**< playout rate against our clock, parts per million off 1 */
} rx_stats;

typedef enum rx_origin {
    RX_FRAME_PRIMARY,
    RX_FRAME_RED,
    RX_FRAME_FEC,
    RX_FRAME_PLC,
} rx_origin;

typedef struct rx_frame_info {
    rx_origin origin;
    bool speculative; /**< concealed with nothing after it received yet: may be the stream's end */
    int64_t ts;       /**< extended RTP timestamp of the frame */
    double rate;      /**< stream seconds played per second of our clock for this frame:
                           1 +- 0.5 % while steering, up to RX_MAX_QUIET_RATE for a quiet
                           frame played faster to shrink the delay */
} rx_frame_info;

/* The fastest a quiet frame (a pause between words, silence) is played to
 * bring a delay that a spike of lateness left too long back to its target:
 * four times real time, so a 400 ms excess is gone after 533 ms of pauses.
 * What is sped up lies 30 dB or more below the speech around it (room
 * noise); two octaves up, for a few ms at a time, it is still noise that
 * quiet. Faster would only save a few hundred ms more. */
#define RX_MAX_QUIET_RATE 4.0

enum rx_packet_result {
    RX_PACKET_ACCEPTED = 0,   /**< counted and stored (or a counted late/duplicate) */
    RX_PACKET_DROPPED = 1,    /**< invalid or foreign: counted and ignored */
    RX_PACKET_NEW_SOURCE = 2, /**< a new stream begins: drain, then rx_stream_restart(), then
                                 hand the same packet in again */
};

typedef struct rx_stream rx_stream;

/** Returns NULL with a reason in ERR on failure. */
rx_stream *rx_stream_create(const rx_config *cfg, char *err, size_t err_size);
void rx_stream_destroy(rx_stream *rx);

/** Hands in one datagram received at NOW_NS. */
enum rx_packet_result rx_stream_packet(rx_stream *rx, const uint8_t *buf, size_t len,
                                       int64_t now_ns);

/** The time at which the next frame is due, or INT64_MAX before the first
 *  packet. */
int64_t rx_stream_next_due(const rx_stream *rx);

/** Produces the next frame if it is due at NOW_NS (or at once if FORCE, for
 *  draining at the end). Writes up to AL_MAX_FRAME_SAMPLES * channels floats
 *  into PCM and returns the samples per channel, 0 when nothing is due. */
int rx_stream_pull(rx_stream *rx, int64_t now_ns, bool force, float *pcm, rx_frame_info *info);

/** The sender's first RTP sequence number and timestamp, known from the
 *  control channel (RTP-Info on RECORD) before any packet: a stream whose
 *  first packets are lost then still starts at that timestamp, the missing
 *  frames rebuilt from copies or concealed, and they count as lost. Ignored
 *  when the first packet that arrives is not within a second after it. */
void rx_stream_set_start(rx_stream *rx, uint16_t seq, uint32_t rtptime);

/** Output channels: 0 until the first packet when they follow the stream. */
int rx_stream_channels(const rx_stream *rx);

/** True while frames not yet played are held. */
bool rx_stream_has_pending(const rx_stream *rx);

/** Starts over for a new source (after RX_PACKET_NEW_SOURCE and a drain). */
void rx_stream_restart(rx_stream *rx);

/** Makes every frame TRIM longer on output (e.g. +0.0003: 300 ppm more
 *  samples), within +-0.5 %, without moving the schedule: how a sound card
 *  whose clock runs faster or slower than ours is kept fed (the caller
 *  steers TRIM by the card's buffer level). Needs adaptive_rate. */
void rx_stream_set_output_trim(rx_stream *rx, double trim);

/** At the end of a stream (after draining with FORCE pulls): the last
 *  samples still inside the playout resampler, written into PCM; returns
 *  how many (samples per channel), 0 without clock steering. */
int rx_stream_flush(rx_stream *rx, float *pcm);

/** Un-counts N trailing concealed frames that were never played (a file
 *  output drops the concealment after the stream's last packet). */
void rx_stream_discard_trailing(rx_stream *rx, uint64_t frames);

/** Counters so far; packets_lost is brought up to date. */
rx_stats rx_stream_stats(const rx_stream *rx);

const char *rx_origin_name(rx_origin origin);

/** The pauses the playout made since the last call (a delay that fell
 *  too far short is restored at once: the output stops for that long), ns.
 *  A device output fills them with silence so the card never runs dry. */
int64_t rx_stream_take_pause_ns(rx_stream *rx);

#endif
