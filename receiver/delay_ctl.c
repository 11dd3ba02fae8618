#include "receiver/delay_ctl.h"

#include <math.h>
#include <string.h>

#include "common/defaults.h"

/* Forgetting time constants. A burst of n late packets keeps a
 * histogram's 99th percentile up until their weight falls under 1 % of the
 * rest: FORGET * ln(n / (0.01 * packets per FORGET)). The recent memory
 * (0.5 s) holds a second of late packets about 2 s: the delay does not
 * dive between two late packets, yet a stalled link's spike is shed
 * within a few seconds. The settled memory (5 s) is what a busy machine's
 * recurring delays need (with 1 s alone, JACK playout under two busy
 * loops had 20 late packets where 5 s had 6). */
#define RECENT_FORGET_NS  (500 * 1000000LL)
#define SETTLED_FORGET_NS (5000 * 1000000LL)
/* A packet is a peak when its delay is above twice the settled 99th
 * percentile plus 10 ms: far outside the ordinary jitter, not its tail. */
#define PEAK_FACTOR    2.0
#define PEAK_MARGIN_NS (10 * 1000000LL)
/* Peaks less than 1 s apart are one episode. An episode that starts
 * within 20 s of the one before, or lasts longer than 2 s, is no one-off:
 * from then on its peaks enter the settled memory too. */
#define EPISODE_GAP_NS   (1000 * 1000000LL)
#define EPISODE_RECUR_NS (20000 * 1000000LL)
#define EPISODE_LASTS_NS (2000 * 1000000LL)
/* A second whose fastest packet was this much slower than the fastest of
 * the window is a stall (every packet of it held up), not the path: it is
 * left out of the line. A sender clock 500 ppm off moves the minima by
 * 5 ms over the 10 s window, so drift stays in; a single stalled second
 * in a least-squares line would tilt it and read the fastest transit tens
 * of ms early for ten seconds, making the delay look that much longer. */
#define STALL_NS (5 * 1000000LL)

static void hist_init(delay_hist *h, int64_t forget_ns, int64_t frame_ns)
{
    h->weight = 1.0;
    double packets = (double)forget_ns / (double)(frame_ns > 0 ? frame_ns : 20000000);
    h->forget = 1.0 / (1.0 - 1.0 / packets);
}

static void hist_add(delay_hist *h, int64_t bin)
{
    h->bins[bin] += h->weight;
    h->total += h->weight;
    /* Older samples count less by letting new ones count more; rescale
     * before the numbers grow large. */
    h->weight *= h->forget;
    if (h->weight > 1e12) {
        for (int i = 0; i < DELAY_CTL_BINS; i++)
            h->bins[i] /= h->weight;
        h->total /= h->weight;
        h->weight = 1.0;
    }
}

static int64_t hist_quantile(const delay_hist *h, double quantile)
{
    if (h->total <= 0)
        return 0;
    double want = quantile * h->total, sum = 0;
    for (int i = 0; i < DELAY_CTL_BINS; i++) {
        sum += h->bins[i];
        if (sum >= want)
            return (int64_t)(i + 1) * DELAY_CTL_BIN_NS;
    }
    return (int64_t)DELAY_CTL_BINS * DELAY_CTL_BIN_NS;
}

void delay_ctl_init(delay_ctl *c, int64_t frame_ns)
{
    memset(c, 0, sizeof *c);
    hist_init(&c->recent, RECENT_FORGET_NS, frame_ns);
    hist_init(&c->settled, SETTLED_FORGET_NS, frame_ns);
    c->peak_last_ns = c->episode_start_ns = c->prev_episode_ns = INT64_MIN / 2;
}

/* Whether a packet delayed EXTRA arriving at NOW_NS is an isolated peak,
 * to be kept out of the settled memory; keeps the episode book. */
static bool isolated_peak(delay_ctl *c, int64_t now_ns, int64_t extra)
{
    double limit = PEAK_FACTOR * (double)hist_quantile(&c->settled, 0.99) + (double)PEAK_MARGIN_NS;
    if ((double)extra <= limit)
        return false;
    if (now_ns - c->peak_last_ns > EPISODE_GAP_NS) {
        c->prev_episode_ns = c->episode_start_ns;
        c->episode_start_ns = now_ns;
    }
    c->peak_last_ns = now_ns;
    bool recurs = c->episode_start_ns - c->prev_episode_ns < EPISODE_RECUR_NS;
    bool lasts = now_ns - c->episode_start_ns > EPISODE_LASTS_NS;
    return !recurs && !lasts;
}

/* Nanoseconds of stream time from the origin to TS_EXT. Whole seconds and
 * the remainder are scaled apart: the plain product ticks * 1e9 overflows
 * int64 after 2^63 / 1e9 ticks, 53.4 h of one stream at 48 kHz; this way
 * the limit is 2^63 / 1e9 seconds (292 years). Exact: for either sign the
 * seconds carry the remainder's sign, so truncation is the same as the
 * single division's. */
static int64_t stream_ns(const delay_ctl *c, int64_t ts_ext)
{
    int64_t ticks = ts_ext - c->ts_origin;
    int64_t seconds = ticks / AL_RATE, rest = ticks % AL_RATE;
    return seconds * 1000000000LL + rest * 1000000000LL / AL_RATE;
}

static int64_t transit_of(const delay_ctl *c, int64_t now_ns, int64_t ts_ext)
{
    return now_ns - stream_ns(c, ts_ext);
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
    return stream_ns(c, ts_ext) + delay_ctl_min_transit(c);
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
    hist_add(&c->recent, bin);
    if (!isolated_peak(c, now_ns, extra))
        hist_add(&c->settled, bin);
    c->samples++;
}

int64_t delay_ctl_quantile(const delay_ctl *c, double quantile)
{
    int64_t recent = hist_quantile(&c->recent, quantile);
    int64_t settled = hist_quantile(&c->settled, quantile);
    return recent > settled ? recent : settled;
}
