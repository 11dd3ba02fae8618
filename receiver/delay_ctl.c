#include "receiver/delay_ctl.h"

#include <math.h>
#include <string.h>

#include "proto/defaults.h"

/* Forgetting time constant of the jitter histogram. A burst of n late
 * packets keeps the 99th percentile up until their weight falls under 1 %
 * of the rest: FORGET_NS * ln(n / (0.01 * packets per FORGET_NS)), so
 * with 1 s a second of late packets (50 of 20 ms) is remembered 4 s, a
 * single late packet under 1 s: the delay does not dive again at once, yet
 * a one-off spike does not hold it up for long (5 s took 15 s). The
 * steady state is the same with either: a 20 ms link with 20 ms of random
 * jitter had no late packet in 6000 (tests/unit/test_playout.c). */
#define FORGET_NS (1000 * 1000000LL)
/* A second whose fastest packet was this much slower than the fastest of
 * the window is a stall (every packet of it held up), not the path: it is
 * left out of the line. A sender clock 500 ppm off moves the minima by
 * 5 ms over the 10 s window, so drift stays in; a single stalled second
 * in a least-squares line would tilt it and read the fastest transit tens
 * of ms early for ten seconds, making the delay look that much longer. */
#define STALL_NS (5 * 1000000LL)

void delay_ctl_init(delay_ctl *c, int64_t frame_ns)
{
    memset(c, 0, sizeof *c);
    c->weight = 1.0;
    double packets = (double)FORGET_NS / (double)(frame_ns > 0 ? frame_ns : 20000000);
    c->forget = 1.0 / (1.0 - 1.0 / packets);
}

static int64_t transit_of(const delay_ctl *c, int64_t now_ns, int64_t ts_ext)
{
    return now_ns - (ts_ext - c->ts_origin) * 1000000000LL / AL_RATE;
}

int64_t delay_ctl_min_transit(const delay_ctl *c)
{
    int64_t current = INT64_MIN;
    int current_slot = -1;
    for (int i = 0; i < DELAY_CTL_MIN_SPAN; i++)
        if (c->bucket_sec[i] > current) {
            current = c->bucket_sec[i];
            current_slot = i;
        }
    if (current_slot < 0 || !c->started)
        return 0;
    /* The line goes through the seconds already over, and is read at the
     * current one: a second that has just begun holds few arrivals, and if
     * a stall held those up its "minimum" would lift the line. */
    int64_t base = INT64_MAX;
    for (int i = 0; i < DELAY_CTL_MIN_SPAN; i++)
        if (c->bucket_sec[i] > current - DELAY_CTL_MIN_SPAN && c->bucket_sec[i] < current &&
            c->bucket_min[i] < base)
            base = c->bucket_min[i];
    int64_t current_min = c->bucket_min[current_slot];
    if (base == INT64_MAX)
        return current_min;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < DELAY_CTL_MIN_SPAN; i++) {
        if (c->bucket_sec[i] <= current - DELAY_CTL_MIN_SPAN || c->bucket_sec[i] >= current ||
            c->bucket_min[i] > base + STALL_NS)
            continue;
        double x = (double)(c->bucket_sec[i] - current);
        double y = (double)(c->bucket_min[i] - base);
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    int64_t line = base;
    /* Fewer than 3 seconds: no trend to speak of yet. */
    double det = n * sxx - sx * sx;
    if (n >= 3 && det > 0) {
        double slope = (n * sxy - sx * sy) / det;
        line = base + (int64_t)((sy - slope * sx) / n);
    }
    /* Never later than a transit actually seen this second. */
    return line < current_min ? line : current_min;
}

int64_t delay_ctl_earliest(const delay_ctl *c, int64_t ts_ext)
{
    return (ts_ext - c->ts_origin) * 1000000000LL / AL_RATE + delay_ctl_min_transit(c);
}

void delay_ctl_arrival(delay_ctl *c, int64_t now_ns, int64_t ts_ext)
{
    if (!c->started) {
        c->started = true;
        c->ts_origin = ts_ext;
        for (int i = 0; i < DELAY_CTL_MIN_SPAN; i++)
            c->bucket_sec[i] = INT64_MIN / 2;
    }
    int64_t transit = transit_of(c, now_ns, ts_ext);
    int64_t second = now_ns / 1000000000LL;
    int slot = (int)(((second % DELAY_CTL_MIN_SPAN) + DELAY_CTL_MIN_SPAN) % DELAY_CTL_MIN_SPAN);
    if (c->bucket_sec[slot] != second) {
        c->bucket_sec[slot] = second;
        c->bucket_min[slot] = transit;
    } else if (transit < c->bucket_min[slot]) {
        c->bucket_min[slot] = transit;
    }

    int64_t extra = transit - delay_ctl_min_transit(c);
    /* A packet faster than the line (the line is read ahead of the
     * seconds it was drawn through) counts as no extra delay. */
    int64_t bin = extra > 0 ? extra / DELAY_CTL_BIN_NS : 0;
    if (bin >= DELAY_CTL_BINS)
        bin = DELAY_CTL_BINS - 1;
    c->hist[bin] += c->weight;
    c->total += c->weight;
    c->samples++;
    /* Older samples count less by letting new ones count more; rescale
     * before the numbers grow large. */
    c->weight *= c->forget;
    if (c->weight > 1e12) {
        for (int i = 0; i < DELAY_CTL_BINS; i++)
            c->hist[i] /= c->weight;
        c->total /= c->weight;
        c->weight = 1.0;
    }
}

int64_t delay_ctl_quantile(const delay_ctl *c, double quantile)
{
    if (c->total <= 0)
        return 0;
    double want = quantile * c->total, sum = 0;
    for (int i = 0; i < DELAY_CTL_BINS; i++) {
        sum += c->hist[i];
        if (sum >= want)
            return (int64_t)(i + 1) * DELAY_CTL_BIN_NS;
    }
    return (int64_t)DELAY_CTL_BINS * DELAY_CTL_BIN_NS;
}
