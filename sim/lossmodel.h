/* Seeded network-impairment model: what happens to the k-th packet.
 *
 * Pure code: no sockets, no clocks, no global state. Time only enters as a
 * value (lossmodel_release_ms), so the same model drives the live UDP relay
 * (tools/netsim) and simulated-time benchmarks, and two systems can be
 * compared on exactly the same loss pattern.
 *
 * Determinism. Every random decision for packet k (k = 0, 1, 2, ... in arrival
 * order, one counter per direction) is taken from a counter-based hash
 * u(seed, stream, k) in [0, 1), with one independent stream per decision kind
 * (loss, duplicate, reorder, jitter). Nothing is drawn from a sequential PRNG,
 * so:
 *   - the fate of packet k is a function of (config, k) only;
 *   - changing one knob (say --duplicate) never shifts the loss pattern.
 * Gilbert-Elliott loss has memory: its state for packet k is obtained by
 * running the two-state chain over packets 0..k with the hashed uniforms
 * u(seed, LOSS, 0..k). The struct caches the chain position, so consecutive
 * k cost O(1); asking for an earlier k re-runs the chain from 0 (O(k)) and
 * still gives the same answer.
 *
 * Loss models:
 *   NONE       nothing is lost.
 *   BERNOULLI  each packet is lost independently with probability rate.
 *   GE         Gilbert-Elliott with loss probability 1 in the bad state and 0
 *              in the good state (the "simple Gilbert" case), parameterised by
 *              its mean loss rate r and mean burst length b (packets):
 *                P(bad -> good) = p_bg = 1 / b
 *                P(good -> bad) = p_gb = r * p_bg / (1 - r)
 *              so that the stationary bad fraction p_gb / (p_gb + p_bg) = r
 *              and bursts are geometric with mean 1 / p_bg = b. Packet 0 draws
 *              its state from the stationary distribution. Needs b >= 1,
 *              0 <= r < 1 and p_gb <= 1 (i.e. b >= r / (1 - r)).
 *
 * Per packet, for packets that are not lost:
 *   delay      fixed delay_ms, plus jitter: uniform in [-J, +J] or normal with
 *              standard deviation J; the sum is clamped at 0 ms (as netem
 *              does, so choose delay >= jitter to keep the distribution
 *              symmetric).
 *   reorder    with probability reorder_p the packet is held back by an extra
 *              reorder_ms, so packets behind it overtake it.
 *   duplicate  with probability duplicate_p the packet is delivered twice
 *              (copies = 2, both with the same delay).
 *
 * Jitter and ordering (a choice, documented here): real jitter reorders
 * packets when it exceeds the packet spacing. By default it does NOT here,
 * so that reordering is controlled by one knob (reorder_p) and loss, jitter
 * and reordering can be studied separately: lossmodel_release_ms() never
 * releases an in-order packet before the previous in-order packet, which
 * stretches delays a little instead. Set jitter_reorders to get the real-path
 * behaviour, where each packet leaves at arrival + its own delay.
 */
#ifndef AL_SIM_LOSSMODEL_H
#define AL_SIM_LOSSMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOSSMODEL_OK     0
#define LOSSMODEL_EINVAL -1 /**< a parameter is out of range */

/* Defaults, in one place; netsim --help prints them. */
#define LOSSMODEL_DEFAULT_SEED       1u
#define LOSSMODEL_DEFAULT_REORDER_MS 30.0 /**< 1.5 packets of 20 ms: overtaken by one or two */

enum lossmodel_loss {
    LOSSMODEL_LOSS_NONE,
    LOSSMODEL_LOSS_BERNOULLI,
    LOSSMODEL_LOSS_GE,
};

enum lossmodel_jitter {
    LOSSMODEL_JITTER_UNIFORM, /**< uniform in [-jitter_ms, +jitter_ms] */
    LOSSMODEL_JITTER_NORMAL,  /**< normal, standard deviation jitter_ms */
};

struct lossmodel_config {
    uint64_t seed;
    enum lossmodel_loss loss;
    double loss_rate; /**< mean loss rate in [0, 1] (GE: [0, 1)) */
    double burst_len; /**< GE only: mean burst length in packets, >= 1 */
    double delay_ms;  /**< fixed one-way delay, ms, >= 0 */
    double jitter_ms; /**< jitter amplitude (uniform) or sd (normal), ms, >= 0 */
    enum lossmodel_jitter jitter_dist;
    bool jitter_reorders; /**< let jitter reorder packets (see header comment) */
    double reorder_p;     /**< probability a packet is held back, [0, 1] */
    double reorder_ms;    /**< extra hold for such a packet, ms, >= 0 */
    double duplicate_p;   /**< probability a packet is delivered twice, [0, 1] */
    /* A spike: packets arriving from spike_at_ms after the first packet, for
     * spike_len_ms, are held spike_ms more (a stalled link or a busy
     * router); unless jitter_reorders, the packets behind them queue up. */
    double spike_at_ms;  /**< ms after the first packet's arrival, >= 0 */
    double spike_len_ms; /**< how long the spike lasts, ms; 0 = no spike */
    double spike_ms;     /**< extra delay during it, ms, >= 0 */
};

/** What happens to one packet. */
struct lossmodel_fate {
    bool drop;       /**< lost; then copies == 0 */
    int copies;      /**< 0 (dropped), 1, or 2 (duplicated) */
    double delay_ms; /**< total delay before release, ms, including any reorder hold */
    bool reordered;  /**< held back by reorder_ms */
};

/** Counts over the packets passed through lossmodel_next(). */
struct lossmodel_counters {
    uint64_t in;         /**< packets decided */
    uint64_t dropped;    /**< packets lost */
    uint64_t bursts;     /**< runs of consecutive losses; mean burst = dropped / bursts */
    uint64_t duplicated; /**< packets delivered twice */
    uint64_t delayed;    /**< delivered packets with delay_ms > 0 */
    uint64_t reordered;  /**< delivered packets held back */
    uint64_t out;        /**< copies delivered: in - dropped + duplicated */
};

/** Model state. Treat as opaque; it is public so callers can embed it. */
struct lossmodel {
    struct lossmodel_config cfg;
    double p_gb, p_bg; /* GE transition probabilities */
    uint64_t key[5];   /* one hash key per decision stream */
    uint64_t next_k;   /* index lossmodel_next() decides next */
    uint64_t chain_k;  /* GE chain has been run over packets [0, chain_k) */
    bool chain_bad;    /* GE state of packet chain_k - 1 */
    bool prev_drop;    /* previous packet in lossmodel_next() was lost */
    bool have_first;   /* first_arrival_ms is valid (the spike's origin) */
    double first_arrival_ms;
    bool have_release; /* last_release_ms is valid */
    double last_release_ms;
    struct lossmodel_counters count;
};

/** Fills cfg with a clean path: no loss, no delay, seed LOSSMODEL_DEFAULT_SEED. */
void lossmodel_config_default(struct lossmodel_config *cfg);

/** Checks cfg and sets up m. Returns LOSSMODEL_OK or LOSSMODEL_EINVAL
 *  (then m is unusable). */
int lossmodel_init(struct lossmodel *m, const struct lossmodel_config *cfg);

/** Fate of packet k: a function of (cfg, k) only, whatever was asked before.
 *  Does not touch the counters. */
struct lossmodel_fate lossmodel_fate(struct lossmodel *m, uint64_t k);

/** Fate of the next packet in arrival order (k = 0, 1, ...); updates counters. */
struct lossmodel_fate lossmodel_next(struct lossmodel *m);

/** Release time (ms, same clock as arrival_ms) of a delivered packet that
 *  arrived at arrival_ms with fate f, the spike included (it is a matter of
 *  time, not of k: the first call sets its origin). Unless jitter_reorders, an in-order
 *  packet is never released before the previous in-order one. Call once per
 *  delivered packet, in arrival order, with non-decreasing arrival_ms. */
double lossmodel_release_ms(struct lossmodel *m, const struct lossmodel_fate *f, double arrival_ms);

/** Uniform in [0, 1) for (seed, stream, k): the hash all decisions use.
 *  Exposed for tests and for tools that need more seeded draws. */
double lossmodel_uniform(uint64_t seed, unsigned stream, uint64_t k);

/** Parses a probability written "0.2" or "20%" into [0, 1].
 *  Returns LOSSMODEL_OK or LOSSMODEL_EINVAL. */
int lossmodel_parse_prob(const char *s, double *p);

/** One-line human description of cfg ("GE 10% burst 3, delay 20 ms, ...").
 *  Returns what snprintf returns. */
int lossmodel_describe(const struct lossmodel_config *cfg, char *buf, size_t size);

const char *lossmodel_strerror(int err);

#endif
