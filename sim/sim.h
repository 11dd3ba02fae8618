/* The simulated-time media harness: the real sender and receiver media
 * code with the network and the clocks simulated.
 *
 *   clip --sim_encode--> sim_stream (tx_stream's RTP packets, encoded once)
 *        --sim_run-->  send slot k at start + k frames (sender clock drift
 *                      allowed) -> fate: lost, or delayed (jitter, lateness;
 *                      reordering when the delays allow it) -> rx_stream ->
 *                      frames pulled on the receiver's schedule -> output
 *
 * No sockets and no clock: every time is simulated ns handed to rx_stream
 * as `now`, so a run is a pure function of its configuration (seeded loss
 * models give the same pattern every time). Serves the loss benchmark, the
 * copy study and the unit tests; the hooks let a test see every frame
 * played and every packet handed in, and a delay trace records how the
 * playout delay moved. */
#ifndef AL_SIM_SIM_H
#define AL_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/defaults.h"
#include "receiver/rx_stream.h"
#include "sender/tx_stream.h"
#include "sim/lossmodel.h"

/** One RTP packet as tx_stream wrote it. */
typedef struct sim_packet {
    uint8_t data[AL_MAX_PACKET];
    int len; /**< bytes */
} sim_packet;

/** A clip encoded by tx_stream; owns PACKETS (sim_stream_free). */
typedef struct sim_stream {
    sim_packet *packets;
    int count;                /**< packets (= frames) */
    int frame_samples;        /**< per packet, 48 kHz samples */
    uint16_t first_sequence;  /**< of packets[0] */
    uint32_t first_timestamp; /**< of packets[0] */
    tx_stats tx;              /**< the encoder's counters after the last frame */
    double payload_kbps;      /**< RTP payload bits per second of audio, / 1000 */
} sim_stream;

/** Encodes FRAMES frames of mono PCM (frames * cfg->frame_samples samples)
 *  with a tx_stream of CFG. 0, or -1 with a reason in ERR. */
int sim_encode(const tx_config *cfg, const float *pcm, long frames, sim_stream *out, char *err,
               size_t err_size);

void sim_stream_free(sim_stream *s);

/** Packet K of the stream, or for K >= count of an endless stream that
 *  repeats it: packets[K % count] with the sequence number and timestamp K
 *  packets on (both wrap), so a short encoding stands for hours (copies'
 *  offsets are relative and stay right). Writes into OUT, returns bytes. */
int sim_stream_packet(const sim_stream *s, uint64_t k, uint8_t *out);

/** What the simulated network does to the packet of send slot K. */
typedef struct sim_fate {
    bool drop;
    int64_t delay_ns; /**< after its send time (>= 0) */
} sim_fate;

/** Decides the fate of send slot K; USER is sim_config.fate_user. */
typedef sim_fate (*sim_fate_fn)(void *user, uint64_t k);

/** A fate function over a struct lossmodel (USER, initialised by the
 *  caller): its drop and delay_ms for packet K (duplicates not modelled). */
sim_fate sim_fate_lossmodel(void *user, uint64_t k);

/** A fate function over a loss pattern: USER is a bool array, true = lost,
 *  long enough for every slot. No delay. */
sim_fate sim_fate_pattern(void *user, uint64_t k);

/** The loss pattern of MODEL's configuration for packets 0..N-1 (true =
 *  lost), in a new array the caller frees; NULL when out of memory or the
 *  configuration is invalid. */
bool *sim_loss_pattern(const struct lossmodel_config *model, uint64_t n);

/** Lost frames of PATTERN[0..N) that copies at OFFSETS[0..NCOPIES) frames
 *  later could rebuild: those with any of packets k + offset arriving (the
 *  pattern's own ideal, against which no copy is wasted). */
uint64_t sim_pattern_repairable(const bool *pattern, uint64_t n, const int *offsets, int ncopies);

/** When frames are pulled out of the receiver. */
typedef enum sim_clock {
    /** at every send slot and every arrival, all that is due then: an
     *  output polled at the sender's pace (lossbench, copystudy) */
    SIM_CLOCK_SLOTS,
    /** only when a packet arrives, all that is due then: how receiver/
     *  main.c writes a file */
    SIM_CLOCK_ARRIVALS,
    /** each frame exactly at its due time: a sound card's clock */
    SIM_CLOCK_DUE,
} sim_clock;

/** One packet handed to the receiver (sim_config.on_arrival). */
typedef struct sim_arrival {
    uint64_t slot;                /**< send slot */
    uint64_t packet;              /**< index into the (endless) stream */
    int64_t sent_ns, arrival_ns;  /**< simulated times */
    enum rx_packet_result result; /**< what rx_stream_packet said (after a restart: again) */
} sim_arrival;

/** One point of the delay trace, taken at an arrival. */
typedef struct sim_trace_point {
    int64_t t_ns;
    double delay_ms, target_delay_ms, rate_ppm; /**< rx_stats' at T_NS */
    uint64_t delay_jumps, frames_plc;           /**< so far */
} sim_trace_point;

typedef struct sim_config {
    rx_config rx;             /**< the receiver (rx_config_defaults, then changes) */
    const sim_stream *stream; /**< the packets; not owned */
    uint64_t slots;           /**< send slots; slot k sends packet k (or ORDER[k]) */
    const int *order;         /**< NULL, or per slot the packet sent, -1 for none: a
                                   script of reordering and duplicates; not owned */
    int64_t start_ns;         /**< send time of slot 0 */
    int slot_samples;         /**< 48 kHz samples between slots; 0 = the stream's frame */
    double sender_clock_ppm;  /**< the sender's clock runs this much fast (+) or slow */
    sim_fate_fn fate;         /**< NULL: every packet arrives as sent */
    void *fate_user;
    bool keep_order;              /**< a delayed packet holds up those behind it (a stalled
                                       link queues) instead of being overtaken */
    sim_clock clock;              /**< when frames are pulled */
    uint64_t tail_slots;          /**< the clock runs on this many slots after the last */
    bool tail_until_idle;         /**< ... but stops once nothing is held */
    bool drain;                   /**< at the end, every held frame is pulled at once (FORCE),
                                       as at a stream's end (TEARDOWN) */
    bool restart_on_new_source;   /**< RX_PACKET_NEW_SOURCE: drain, rx_stream_restart and
                                       hand the packet in again, as the receiver does */
    bool announce_start;          /**< the control channel announced (RTP-Info) where the
                                       stream starts (rx_stream_set_start): ... */
    uint16_t announced_sequence;  /**< ... this first sequence number ... */
    uint32_t announced_timestamp; /**< ... and timestamp (usually the stream's first) */

    /* outputs and hooks */
    float *out;             /**< NULL, or OUT_SAMPLES floats (times channels) the frames
                                 are written into by timestamp from the stream's
                                 first: the output lines up with the input */
    long out_samples;       /**< per channel; frames beyond are left out */
    int64_t trace_every_ns; /**< > 0: a delay trace point at the first arrival of each
                                 such period (sim_result.trace) */
    /** every frame pulled: PCM (SAMPLES per channel), INFO, at NOW_NS */
    void (*on_frame)(void *user, const float *pcm, int samples, const rx_frame_info *info,
                     int64_t now_ns);
    /** every packet handed in, with the receiver after it */
    void (*on_arrival)(void *user, const sim_arrival *a, rx_stream *rx);
    /** the receiver at the end, before it is destroyed (after sim_result is filled) */
    void (*on_end)(void *user, rx_stream *rx);
    void *hook_user;
} sim_config;

/** The defaults: rx_config_defaults, mono, SIM_CLOCK_SLOTS, start 0, no
 *  loss, no tail, nothing drained. */
void sim_config_defaults(sim_config *cfg);

typedef struct sim_result {
    rx_stats stats;               /**< the receiver's at the end */
    uint64_t sent;                /**< slots that sent a packet */
    uint64_t dropped;             /**< ... that the network lost */
    uint64_t arrived;             /**< packets handed to the receiver */
    uint64_t by_result[3];        /**< arrivals by enum rx_packet_result */
    uint64_t frames_by_origin[4]; /**< frames pulled, by rx_origin */
    uint64_t samples;             /**< per channel, all frames pulled */
    uint64_t empty_due_pulls;     /**< SIM_CLOCK_DUE: a due frame that did not come */
    int64_t pause_ns;             /**< rx_stream_take_pause_ns at the end */
    int64_t end_ns;               /**< simulated time at the end */
    sim_trace_point *trace;       /**< owned (sim_result_free); NULL without a trace */
    size_t trace_len;
} sim_result;

/** Runs CFG. 0, or -1 with a reason in ERR (bad configuration, out of
 *  memory); RES is then empty. */
int sim_run(const sim_config *cfg, sim_result *res, char *err, size_t err_size);

void sim_result_free(sim_result *res);

#endif
