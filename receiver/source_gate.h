/* Source gate: which RTP packets belong to the stream being played.
 *
 * The first stage of the receiving chain (rx_stream.h). It follows one
 * source (SSRC) with the payload types it was configured for, keeps out
 * packets of any other source until the current one has been silent for
 * hold_ns, and keeps each packet of our own source on the stream's
 * timeline: a packet whose sequence number or timestamp jumps (forward or
 * back) restarts the stream only after probation (MIN_SEQUENTIAL packets
 * that follow each other exactly), so that strays never cut into a stream
 * and a sender that really jumped is followed within a few packets.
 *
 * It also keeps the source's reception statistics (RFC 3550 A.3 losses,
 * A.8 interarrival jitter), since both follow the same sequence numbers.
 *
 * The gate decides, it does not count drops: each call returns a verdict
 * and the caller counts it (rx_stats). Pure: time comes in as arguments,
 * no sockets, no clocks. Timestamps are 48 kHz RTP ticks; the jitter
 * buffer's play head is passed in as an extended (64-bit) timestamp. */
#ifndef AL_RECEIVER_SOURCE_GATE_H
#define AL_RECEIVER_SOURCE_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/rtp.h"

/* A new SSRC takes over once the current one has been silent this long,
 * ns: long enough that a stranger cannot cut into a live stream, short
 * enough that a restarted sender is heard again at once. The default of
 * rx_config.source_hold_ns. */
#define SOURCE_GATE_DEFAULT_HOLD_NS (250 * 1000000LL)

/* Probation of a timeline jump (RFC 3550 A.1's MIN_SEQUENTIAL idea): a
 * packet of our SSRC that does not fit the current timeline (sequence
 * number far off, timestamp beyond the jitter buffer's window either way,
 * off its 2.5 ms grid, or earlier than the newest packet's while its
 * sequence number is later) starts over the stream only when it is the
 * SOURCE_GATE_MIN_SEQUENTIAL-th of a run of such packets that follow each
 * other exactly (sequence number +1, timestamp + the previous one's
 * duration). One run is followed at a time: a flood of strays between the
 * packets of a sender that really jumped keeps resetting it, so that jump
 * waits for the flood to end (the stream it left plays on meanwhile,
 * concealed). Stray packets with random sequence numbers and timestamps
 * continue a run with a chance of 2^-48 each, so they never get through; a
 * sender that really jumped loses nothing with RED: the confirming
 * packet's copies rebuild the MIN_SEQUENTIAL - 1 frames held back (our
 * sender's default carries two). RFC 3550 takes 2; 3 costs one frame more
 * without RED and means a forged restart needs three packets right in a
 * row. A timeline counts as established once it has had MIN_SEQUENTIAL
 * packets in order; before that a jump is taken at once from the packet
 * right after the newest (sequence number +1), as a sender whose first
 * packet is off the grid needs (GStreamer's opusenc); any other is on
 * probation too. Packets. */
#define SOURCE_GATE_MIN_SEQUENTIAL 3

/* In-order packets whose timestamp runs further ahead of the newest
 * packet's than this per sequence number are off the timeline, 48 kHz
 * ticks: a second covers DTX (a packet every 400 ms of silence) and a
 * sender that pauses; anything further is a jump (if within the window).
 * The same bound per sequence number behind tells a very late packet
 * (kept: late) from a backward jump. */
#define SOURCE_GATE_MAX_TICKS_PER_SEQ 48000

/* A start announced by the control channel is believed only when the
 * first packet lies within this many 48 kHz ticks after it (one second):
 * further is not "the first packets were lost" but a stale or wrong
 * announcement. */
#define SOURCE_GATE_MAX_START_GAP_TICKS 48000

typedef enum source_gate_verdict {
    SOURCE_GATE_PASS = 0,       /**< the packet belongs to the stream */
    SOURCE_GATE_FOREIGN = 1,    /**< another payload type, or another SSRC while ours plays */
    SOURCE_GATE_INVALID = 2,    /**< our source, but off the timeline (on probation) or a
                                     sequence number RFC 3550 A.1 calls bad */
    SOURCE_GATE_NEW_SOURCE = 3, /**< a new stream begins (a new SSRC, or a jump through
                                     probation): restart, then hand the packet in again */
} source_gate_verdict;

/** The gate's state; embedded by value, owned by its user, no resources. */
typedef struct source_gate {
    /* configuration (source_gate_init) */
    int opus_pt;     /**< payload type of plain Opus packets */
    int red_pt;      /**< payload type of RED packets, -1 for none */
    int64_t hold_ns; /**< silence after which another SSRC may take over, ns */

    /* the source we follow */
    bool has_source;        /**< a packet of it has been taken since the restart */
    uint32_t ssrc;          /**< valid when has_source */
    int64_t last_packet_ns; /**< arrival of its latest packet taken, ns */
    rtp_seq_tracker seq;    /**< its sequence numbers (RFC 3550 A.1) */
    uint64_t duplicates;    /**< primaries it sent twice (not received, for losses) */
    uint64_t in_order;      /**< packets of this timeline that came in order */
    uint32_t highest_ts;    /**< RTP timestamp of the newest (highest sequence) packet */
    uint64_t lost_before;   /**< losses of earlier sources, packets */
    uint64_t restarts;      /**< restarts after a source had been taken */

    /* a run of packets off the timeline, on probation (MIN_SEQUENTIAL) */
    int run_count; /**< 0: none */
    uint16_t run_seq;
    uint32_t run_ts;
    int run_duration; /**< samples of the run's latest packet */

    /* the stream's start as the control channel announced it */
    bool start_known;
    uint16_t start_seq;
    uint32_t start_ts;

    /* RFC 3550 A.8 interarrival jitter, in 48 kHz ticks */
    bool have_transit;
    double transit;
    double jitter;
} source_gate;

/** Sets up G for payload types OPUS_PT and RED_PT (-1: none), another SSRC
 *  taking over after HOLD_NS of silence, with no source yet. */
void source_gate_init(source_gate *g, int opus_pt, int red_pt, int64_t hold_ns);

/** Forgets the source (a new stream); counts a restart and keeps the
 *  source's losses when one had been taken. Forgets an announced start. */
void source_gate_restart(source_gate *g);

/** The control channel's announced first sequence number and timestamp
 *  (see rx_stream_set_start). */
void source_gate_set_start(source_gate *g, uint16_t seq, uint32_t rtptime);

/** First look at packet H arriving at NOW_NS, before its payload is read:
 *  PASS (with *IS_RED telling the payload type), FOREIGN or NEW_SOURCE
 *  (another SSRC after ours fell silent). */
source_gate_verdict source_gate_admit(const source_gate *g, const rtp_header *h, int64_t now_ns,
                                      bool *is_red);

/** Places packet H, whose primary lasts DURATION samples, on the timeline
 *  of the jitter buffer whose play head is HEAD (extended timestamp):
 *  PASS with *EXTENDED (its extended sequence number) and *VERDICT (what
 *  rtp_seq_update said), INVALID, or NEW_SOURCE. Moves the sequence
 *  tracker and the probation run on; takes nothing yet (source_gate_take). */
source_gate_verdict source_gate_place(source_gate *g, const rtp_header *h, int duration,
                                      int64_t head, int64_t *extended,
                                      enum rtp_seq_verdict *verdict);

/** For the stream's first packet H (after source_gate_place): whether the
 *  announced start holds for it. If so, the packets between the two count
 *  as lost and *START_TS is where the stream starts. */
bool source_gate_announced_start(source_gate *g, const rtp_header *h, uint32_t *start_ts);

/** Packet H (placed with VERDICT and EXTENDED) arrived at NOW_NS and its
 *  primary was stored: it is the source's now. Returns true when it is in
 *  order and its sequence number shows a gap (loss). */
bool source_gate_take(source_gate *g, const rtp_header *h, enum rtp_seq_verdict verdict,
                      int64_t extended, int64_t now_ns);

/** A primary that was already held came again (not counted as received). */
void source_gate_duplicate(source_gate *g);

/** FRAMES before the first packet belong to the stream (copies in it
 *  reached back): they count as expected, hence lost unless they come. */
void source_gate_backdate(source_gate *g, int64_t frames);

/** Packets lost so far, this source and earlier ones (RFC 3550 A.3). */
uint64_t source_gate_lost(const source_gate *g);

/** RFC 3550 interarrival jitter, ms. */
double source_gate_jitter_ms(const source_gate *g);

#endif
