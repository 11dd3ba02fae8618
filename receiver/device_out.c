#include "receiver/device_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/defaults.h"

/* Ring capacity: far more than the delay ever asks, so a hiccup of the
 * codec thread never overflows it. */
#define RING_MS 500
/* Beyond one device block: our own wake-up and decoding. 1 ms covers the
 * codec thread on an idle machine; each underrun adds MARGIN_STEP_NS, up
 * to MAX_MARGIN_NS, so a busy machine gets the room it needs (at the price
 * of one glitch per step). */
#define START_MARGIN_NS (1000 * 1000LL)
#define MARGIN_STEP_NS  (1000 * 1000LL)
#define MAX_MARGIN_NS   (20 * 1000000LL)
/* Writes this far apart are a pause in the stream, not a late wake-up. */
#define STREAMING_GAP_NS (100 * 1000000LL)
/* The block assumed before the first callback: JACK's common 1024. */
#define FIRST_BLOCK 1024
/* The ring delay is averaged over about AVERAGE_NS of writes (the callback
 * wakes with some jitter of its own) and corrected over TRIM_TIME_S;
 * within TRIM_DEADBAND_NS of the target nothing is done. */
#define AVERAGE_NS       (1000 * 1000000LL)
#define TRIM_TIME_S      4.0
#define TRIM_DEADBAND_NS (500 * 1000LL)
#define MAX_TRIM         0.005

struct device_out {
    device_stream *stream;
    int channels;
    int64_t margin_ns;
    uint64_t underruns_seen;
    bool have_delay;
    double delay_ns;   /* averaged ring delay */
    int64_t target_ns; /* its target at the last write (block + margin) */
    int64_t last_write_ns;
    char name[320];
    uint64_t dropped;
};

device_out *device_out_open(const char *spec, int channels, char *err, size_t err_size)
{
    device_out *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    d->stream = device_open_started(DEVICE_OUTPUT, spec, channels, (size_t)AL_RATE * RING_MS / 1000,
                                    d->name, sizeof d->name, err, err_size);
    if (!d->stream) {
        free(d);
        return NULL;
    }
    d->channels = channels;
    d->margin_ns = START_MARGIN_NS;
    return d;
}

/* The ring delay to keep: the largest block the card has taken, and the margin. */
static int64_t target_of(const device_out *d, const device_stats *s)
{
    uint64_t block = s->max_block ? s->max_block : FIRST_BLOCK;
    return (int64_t)(block * 1000000000ull / AL_RATE) + d->margin_ns;
}

int64_t device_out_target_ns(const device_out *d)
{
    device_stats s;
    device_get_stats(d->stream, &s);
    return target_of(d, &s);
}

int64_t device_out_ring_delay_ns(const device_out *d)
{
    return (int64_t)d->delay_ns;
}

/* Writes FRAMES frames of silence (the ring takes what fits). */
static void write_silence(device_out *d, size_t frames)
{
    static const float zeros[2 * 256];
    const size_t per = sizeof zeros / sizeof zeros[0] / (size_t)d->channels;
    while (frames > 0) {
        size_t n = frames < per ? frames : per;
        if (device_write(d->stream, zeros, n) < n)
            return;
        frames -= n;
    }
}

void device_out_pause(device_out *d, int64_t ns)
{
    if (ns > 0)
        write_silence(d, (size_t)(ns * AL_RATE / 1000000000LL));
}

size_t device_out_write(device_out *d, const float *pcm, int samples, int64_t now)
{
    device_stats s;
    device_get_stats(d->stream, &s);
    bool underrun = s.xrun_events > d->underruns_seen;
    d->underruns_seen = s.xrun_events;
    /* An underrun while frames were flowing: we woke too late for the card.
     * (After a pause between streams the ring runs dry by design.) */
    if (underrun && d->have_delay && now - d->last_write_ns < STREAMING_GAP_NS) {
        d->margin_ns += MARGIN_STEP_NS;
        if (d->margin_ns > MAX_MARGIN_NS)
            d->margin_ns = MAX_MARGIN_NS;
    }
    device_timing t;
    if (device_timing_read(d->stream, &t)) {
        /* The first sample written now plays at the next callback, after
         * what is queued; a callback that is overdue runs about now. */
        int64_t next = t.next_ns > now ? t.next_ns : now;
        int64_t delay = next - now + (int64_t)t.ring_fill * 1000000000LL / AL_RATE;
        int64_t target = target_of(d, &s);
        d->target_ns = target;
        if ((!d->have_delay || underrun) && t.ring_fill == 0 && delay < target) {
            /* Starting, or the ring ran dry: straight to the target. (An
             * empty ring without an underrun is the card having just taken
             * the margin we keep: no silence then.) */
            write_silence(d, (size_t)((target - delay) * AL_RATE / 1000000000LL));
            delay = target;
        }
        double weight = d->have_delay ? (double)(now - d->last_write_ns) / AVERAGE_NS : 1.0;
        if (weight > 1.0)
            weight = 1.0;
        if (weight < 0.0)
            weight = 0.0;
        d->delay_ns += ((double)delay - d->delay_ns) * weight;
        d->have_delay = true;
        d->last_write_ns = now;
    }
    size_t taken = device_write(d->stream, pcm, (size_t)samples);
    d->dropped += (size_t)samples - taken;
    return taken;
}

double device_out_trim(const device_out *d)
{
    if (!d->have_delay)
        return 0;
    double error = d->delay_ns - (double)d->target_ns;
    if (error > -TRIM_DEADBAND_NS && error < TRIM_DEADBAND_NS)
        return 0;
    /* too long: shorter frames (negative trim); too short: longer ones */
    double trim = -error / 1e9 / TRIM_TIME_S;
    return trim > MAX_TRIM ? MAX_TRIM : trim < -MAX_TRIM ? -MAX_TRIM : trim;
}

void device_out_stats(const device_out *d, device_stats *out)
{
    device_get_stats(d->stream, out);
}

const char *device_out_name(const device_out *d)
{
    return d->name;
}

void device_out_close(device_out *d)
{
    if (!d)
        return;
    device_drain(d->stream, 2000);
    device_close(d->stream);
    free(d);
}
