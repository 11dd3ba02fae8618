#include "receiver/device_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/defaults.h"

/* Ring capacity: far more than the lead ever asks, so a hiccup of the codec
 * thread never overflows it. */
#define RING_MS 500
/* Beyond one device block: the codec thread's own wake-up jitter. */
#define LEAD_MARGIN_NS (3 * 1000000LL)
/* Assumed block before the first callback: JACK's common 1024 at 48 kHz. */
#define FIRST_BLOCK 1024

/* The ring level's error is averaged over about this many seconds (the card
 * takes whole blocks, so the level saw-tooths by a block) and corrected over
 * TRIM_TIME_S; within TRIM_DEADBAND_S of the target nothing is done. */
#define LEVEL_AVERAGE_S 1.0
#define TRIM_TIME_S     4.0
#define TRIM_DEADBAND_S 0.002
#define MAX_TRIM        0.005

struct device_out {
    device_stream *stream;
    size_t capacity;
    bool have_level;
    double level_error_s; /* averaged ring level minus target, seconds */
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
    device_info info;
    device_get_info(d->stream, &info);
    d->capacity = info.ring_frames;
    return d;
}

double device_out_trim(device_out *d, size_t target_frames)
{
    size_t fill = d->capacity - device_available(d->stream);
    double error = ((double)fill - (double)target_frames) / AL_RATE;
    if (!d->have_level) {
        d->level_error_s = error;
        d->have_level = true;
    }
    /* one sample per frame written: about 50 a second at 20 ms */
    d->level_error_s += (error - d->level_error_s) * 0.02 / LEVEL_AVERAGE_S;
    double e = d->level_error_s;
    if (e > -TRIM_DEADBAND_S && e < TRIM_DEADBAND_S)
        return 0;
    /* too full: shorter frames (negative trim); too empty: longer ones */
    double trim = -e / TRIM_TIME_S;
    return trim > MAX_TRIM ? MAX_TRIM : trim < -MAX_TRIM ? -MAX_TRIM : trim;
}

int64_t device_out_lead_ns(const device_out *d, int64_t frame_ns)
{
    device_stats s;
    device_get_stats(d->stream, &s);
    uint64_t block = s.max_block ? s.max_block : FIRST_BLOCK;
    return (int64_t)(block * 1000000000ull / AL_RATE) + frame_ns + LEAD_MARGIN_NS;
}

size_t device_out_write(device_out *d, const float *pcm, int samples)
{
    size_t taken = device_write(d->stream, pcm, (size_t)samples);
    d->dropped += (size_t)samples - taken;
    return taken;
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
