/* Seeded network-impairment model; see lossmodel.h for the definitions. */
#include "sim/lossmodel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decision streams. Each has its own hash key, so the draws for one kind of
 * decision are independent of every other kind and of which knobs are on. */
enum stream {
    STREAM_LOSS,
    STREAM_DUPLICATE,
    STREAM_REORDER,
    STREAM_JITTER_A,
    STREAM_JITTER_B,
    STREAM_COUNT,
};

/* splitmix64's increment (2^64 / golden ratio): consecutive counters land far
 * apart before the finaliser, which is what makes splitmix64 a good
 * counter-based generator. */
#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ull

/* Arbitrary odd constants separating the stream keys for one seed. */
static const uint64_t stream_tag[STREAM_COUNT] = {
    0x6c6f7373d1b54a33ull, /* "loss" */
    0x64757065a0761d65ull, /* "dupe" */
    0x726f7264e7037ed1ull, /* "rord" */
    0x6a697461b7e15163ull, /* "jita" */
    0x6a6974628cb92ba7ull, /* "jitb" */
};

/* splitmix64 finaliser (Stafford's Mix13): a bijection with full avalanche. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t stream_key(uint64_t seed, unsigned stream)
{
    return mix64(seed ^ stream_tag[stream % STREAM_COUNT]);
}

/* The k-th output of a splitmix64 sequence started at key, computed directly
 * from k: top 53 bits as a double in [0, 1). */
static double hashed_uniform(uint64_t key, uint64_t k)
{
    uint64_t h = mix64(key + (k + 1) * GOLDEN_GAMMA);
    return (double)(h >> 11) * 0x1.0p-53;
}

double lossmodel_uniform(uint64_t seed, unsigned stream, uint64_t k)
{
    return hashed_uniform(stream_key(seed, stream), k);
}

static double draw(const struct lossmodel *m, enum stream s, uint64_t k)
{
    return hashed_uniform(m->key[s], k);
}

void lossmodel_config_default(struct lossmodel_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = LOSSMODEL_DEFAULT_SEED;
    cfg->loss = LOSSMODEL_LOSS_NONE;
    cfg->burst_len = 1.0;
    cfg->jitter_dist = LOSSMODEL_JITTER_UNIFORM;
    cfg->reorder_ms = LOSSMODEL_DEFAULT_REORDER_MS;
}

static bool is_prob(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

static bool is_nonneg(double x)
{
    return x >= 0.0 && isfinite(x);
}

int lossmodel_init(struct lossmodel *m, const struct lossmodel_config *cfg)
{
    if (!m || !cfg)
        return LOSSMODEL_EINVAL;
    if (!is_prob(cfg->reorder_p) || !is_prob(cfg->duplicate_p) || !is_nonneg(cfg->delay_ms) ||
        !is_nonneg(cfg->jitter_ms) || !is_nonneg(cfg->reorder_ms) || !is_nonneg(cfg->spike_at_ms) ||
        !is_nonneg(cfg->spike_len_ms) || !is_nonneg(cfg->spike_ms))
        return LOSSMODEL_EINVAL;
    if (cfg->jitter_dist != LOSSMODEL_JITTER_UNIFORM && cfg->jitter_dist != LOSSMODEL_JITTER_NORMAL)
        return LOSSMODEL_EINVAL;

    double p_gb = 0.0, p_bg = 1.0;
    switch (cfg->loss) {
    case LOSSMODEL_LOSS_NONE:
        break;
    case LOSSMODEL_LOSS_BERNOULLI:
        if (!is_prob(cfg->loss_rate))
            return LOSSMODEL_EINVAL;
        break;
    case LOSSMODEL_LOSS_GE:
        /* rate 1 would need the chain to stay bad forever (p_gb infinite). */
        if (!(cfg->loss_rate >= 0.0 && cfg->loss_rate < 1.0) || !(cfg->burst_len >= 1.0) ||
            !isfinite(cfg->burst_len))
            return LOSSMODEL_EINVAL;
        p_bg = 1.0 / cfg->burst_len;
        p_gb = cfg->loss_rate * p_bg / (1.0 - cfg->loss_rate);
        if (p_gb > 1.0) /* short bursts cannot reach a high rate */
            return LOSSMODEL_EINVAL;
        break;
    default:
        return LOSSMODEL_EINVAL;
    }

    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->p_gb = p_gb;
    m->p_bg = p_bg;
    for (unsigned s = 0; s < STREAM_COUNT; s++)
        m->key[s] = stream_key(cfg->seed, s);
    return LOSSMODEL_OK;
}

/* Gilbert-Elliott state (true = bad) of packet k, running the chain forward
 * from its cached position, or from packet 0 if k lies behind it. */
static bool ge_bad(struct lossmodel *m, uint64_t k)
{
    if (m->chain_k > 0 && k == m->chain_k - 1)
        return m->chain_bad;
    if (k < m->chain_k)
        m->chain_k = 0;
    while (m->chain_k <= k) {
        double u = draw(m, STREAM_LOSS, m->chain_k);
        if (m->chain_k == 0)
            m->chain_bad = u < m->cfg.loss_rate; /* stationary start */
        else if (m->chain_bad)
            m->chain_bad = !(u < m->p_bg);
        else
            m->chain_bad = u < m->p_gb;
        m->chain_k++;
    }
    return m->chain_bad;
}

static bool is_lost(struct lossmodel *m, uint64_t k)
{
    switch (m->cfg.loss) {
    case LOSSMODEL_LOSS_BERNOULLI:
        return draw(m, STREAM_LOSS, k) < m->cfg.loss_rate;
    case LOSSMODEL_LOSS_GE:
        return ge_bad(m, k);
    default:
        return false;
    }
}

static double jitter_ms(const struct lossmodel *m, uint64_t k)
{
    double j = m->cfg.jitter_ms;
    if (j <= 0.0)
        return 0.0;
    double u1 = draw(m, STREAM_JITTER_A, k);
    if (m->cfg.jitter_dist == LOSSMODEL_JITTER_UNIFORM)
        return j * (2.0 * u1 - 1.0);
    /* Box-Muller; 1 - u1 lies in (0, 1], so the log is finite. */
    double u2 = draw(m, STREAM_JITTER_B, k);
    const double two_pi = 6.283185307179586;
    return j * sqrt(-2.0 * log(1.0 - u1)) * cos(two_pi * u2);
}

struct lossmodel_fate lossmodel_fate(struct lossmodel *m, uint64_t k)
{
    struct lossmodel_fate f = {.drop = false, .copies = 1, .delay_ms = 0.0, .reordered = false};
    if (is_lost(m, k)) {
        f.drop = true;
        f.copies = 0;
        return f;
    }
    f.delay_ms = m->cfg.delay_ms + jitter_ms(m, k);
    if (f.delay_ms < 0.0)
        f.delay_ms = 0.0;
    if (draw(m, STREAM_REORDER, k) < m->cfg.reorder_p) {
        f.reordered = true;
        f.delay_ms += m->cfg.reorder_ms;
    }
    if (draw(m, STREAM_DUPLICATE, k) < m->cfg.duplicate_p)
        f.copies = 2;
    return f;
}

struct lossmodel_fate lossmodel_next(struct lossmodel *m)
{
    struct lossmodel_fate f = lossmodel_fate(m, m->next_k++);
    struct lossmodel_counters *c = &m->count;
    c->in++;
    if (f.drop) {
        c->dropped++;
        if (!m->prev_drop)
            c->bursts++;
    } else {
        c->duplicated += f.copies > 1;
        c->delayed += f.delay_ms > 0.0;
        c->reordered += f.reordered;
        c->out += (uint64_t)f.copies;
    }
    m->prev_drop = f.drop;
    return f;
}

double lossmodel_release_ms(struct lossmodel *m, const struct lossmodel_fate *f, double arrival_ms)
{
    double release = arrival_ms + f->delay_ms;
    if (!m->have_first) {
        m->have_first = true;
        m->first_arrival_ms = arrival_ms;
    }
    double since = arrival_ms - m->first_arrival_ms;
    if (m->cfg.spike_len_ms > 0.0 && since >= m->cfg.spike_at_ms &&
        since < m->cfg.spike_at_ms + m->cfg.spike_len_ms)
        release += m->cfg.spike_ms;
    /* A held-back packet must be free to fall behind, and must not hold back
     * the ones that overtake it, so it neither waits for nor moves the
     * in-order release time. */
    if (m->cfg.jitter_reorders || f->reordered)
        return release;
    if (m->have_release && release < m->last_release_ms)
        release = m->last_release_ms;
    m->last_release_ms = release;
    m->have_release = true;
    return release;
}

int lossmodel_parse_prob(const char *s, double *p)
{
    if (!s || !p || !*s)
        return LOSSMODEL_EINVAL;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return LOSSMODEL_EINVAL;
    if (*end == '%') {
        v /= 100.0;
        end++;
    }
    if (*end != '\0' || !is_prob(v))
        return LOSSMODEL_EINVAL;
    *p = v;
    return LOSSMODEL_OK;
}

/* Appends to buf at *used without overrunning it; keeps counting what would
 * have been written, like snprintf. */
static void append(char *buf, size_t size, int *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, int *used, const char *fmt, ...)
{
    if (*used < 0)
        return;
    size_t off = (size_t)*used < size ? (size_t)*used : size;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(size ? buf + off : NULL, size - off, fmt, ap);
    va_end(ap);
    *used = n < 0 ? n : *used + n;
}

int lossmodel_describe(const struct lossmodel_config *cfg, char *buf, size_t size)
{
    int used = 0;
    if (size)
        buf[0] = '\0';
    switch (cfg->loss) {
    case LOSSMODEL_LOSS_BERNOULLI:
        append(buf, size, &used, "loss bernoulli %g%%", cfg->loss_rate * 100.0);
        break;
    case LOSSMODEL_LOSS_GE:
        append(buf, size, &used, "loss gilbert-elliott %g%% burst %g", cfg->loss_rate * 100.0,
               cfg->burst_len);
        break;
    default:
        append(buf, size, &used, "no loss");
        break;
    }
    if (cfg->delay_ms > 0.0)
        append(buf, size, &used, ", delay %g ms", cfg->delay_ms);
    if (cfg->jitter_ms > 0.0)
        append(buf, size, &used, ", jitter %s %g ms (%s)",
               cfg->jitter_dist == LOSSMODEL_JITTER_NORMAL ? "normal sd" : "uniform +/-",
               cfg->jitter_ms, cfg->jitter_reorders ? "may reorder" : "order kept");
    if (cfg->reorder_p > 0.0)
        append(buf, size, &used, ", reorder %g%% (+%g ms)", cfg->reorder_p * 100.0,
               cfg->reorder_ms);
    if (cfg->duplicate_p > 0.0)
        append(buf, size, &used, ", duplicate %g%%", cfg->duplicate_p * 100.0);
    if (cfg->spike_len_ms > 0.0)
        append(buf, size, &used, ", spike +%g ms for %g ms at %g ms", cfg->spike_ms,
               cfg->spike_len_ms, cfg->spike_at_ms);
    append(buf, size, &used, ", seed %llu", (unsigned long long)cfg->seed);
    return used;
}

const char *lossmodel_strerror(int err)
{
    switch (err) {
    case LOSSMODEL_OK:
        return "success";
    case LOSSMODEL_EINVAL:
        return "parameter out of range";
    default:
        return "unknown error";
    }
}
