/* How long the receiver should hold frames: the jitter the network adds,
 * measured, not guessed.
 *
 * Each primary's transit (arrival time minus its timestamp, on the
 * receiver's clock) is compared with the smallest transit of the last
 * seconds: the difference is the delay that packet suffered beyond the
 * fastest one. Histograms of those delays with exponential forgetting
 * (as WebRTC's NetEq keeps) give a high percentile: hold frames that long
 * and only that share of packets comes too late. The sliding minimum
 * follows a sender whose clock runs faster or slower than ours.
 *
 * Two memories, because ordinary jitter and a one-off spike want opposite
 * things: a busy machine's scheduling delays come back every few seconds
 * and should be remembered, a stalled link's second of late packets should
 * lift the delay at once and be forgotten soon after (NetEq's peak
 * detector draws the same line). A recent histogram (0.5 s memory) sees
 * every packet; a settled one (5 s) leaves out peaks -- delays far above
 * its own percentile -- unless they recur or last. The delay is the larger
 * of the two percentiles.
 *
 * Pure: time comes in as arguments. */
#ifndef AL_RECEIVER_DELAY_CTL_H
#define AL_RECEIVER_DELAY_CTL_H

#include <stdbool.h>
#include <stdint.h>

#define DELAY_CTL_BIN_NS   250000LL /**< histogram resolution: 0.25 ms */
#define DELAY_CTL_BINS     4000     /**< up to 1 s of jitter */
#define DELAY_CTL_MIN_SPAN 10       /**< per-second minima kept for the trend */

/** A histogram of delays with exponential forgetting. */
typedef struct delay_hist {
    double bins[DELAY_CTL_BINS];
    double weight; /**< weight of the next sample (grows instead of decaying all bins) */
    double total;  /**< sum of bins */
    double forget; /**< per-packet growth of weight: 1 / forgetting factor */
} delay_hist;

typedef struct delay_ctl {
    bool started;
    int64_t ts_origin;                      /**< extended timestamp that maps to time 0 */
    int64_t bucket_min[DELAY_CTL_MIN_SPAN]; /**< smallest transit per second */
    int64_t bucket_sec[DELAY_CTL_MIN_SPAN]; /**< which second each bucket holds */
    delay_hist recent;                      /**< every packet, short memory */
    delay_hist settled;                     /**< ordinary jitter and recurring peaks */
    int64_t peak_last_ns;                   /**< arrival of the latest peak packet */
    int64_t episode_start_ns;               /**< first peak of the current episode */
    int64_t prev_episode_ns;                /**< start of the episode before it */
    uint64_t samples;
} delay_ctl;

/** FRAME_NS is the packet spacing; the recent histogram forgets with a
 *  time constant of 0.5 s of packets, the settled one with 5 s. */
void delay_ctl_init(delay_ctl *c, int64_t frame_ns);

/** A primary with extended timestamp TS_EXT (48 kHz) arrived at NOW_NS. */
void delay_ctl_arrival(delay_ctl *c, int64_t now_ns, int64_t ts_ext);

/** The fastest transit now, ns: the line through the per-second minimum
 *  transits of the last DELAY_CTL_MIN_SPAN seconds (least squares), read
 *  at the newest second. A sender clock that runs slow or fast makes the
 *  minima climb or fall steadily; a plain minimum over the window would lag
 *  behind that by the drift times the window, the line does not. The
 *  line is drawn through the seconds already over and read at the current
 *  one: a second that has just begun holds few arrivals, and a stall at its
 *  start would make held-up packets its "minimum". */
int64_t delay_ctl_min_transit(const delay_ctl *c);

/** The time the frame stamped TS_EXT would arrive on the fastest path. */
int64_t delay_ctl_earliest(const delay_ctl *c, int64_t ts_ext);

/** The delay beyond the fastest packet that a share QUANTILE (e.g. 0.99)
 *  of packets stay within, ns; 0 before any sample. */
int64_t delay_ctl_quantile(const delay_ctl *c, double quantile);

#endif
