#include "receiver/device_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/defaults.h"
#include "receiver/dev_clock.h"

/* Ring capacity: far more than the lead ever asks, so a hiccup of the codec
 * thread never overflows it. */
#define RING_MS 500
/* Beyond one device block: the codec thread's own wake-up jitter. */
#define LEAD_MARGIN_NS (3 * 1000000LL)
/* Assumed block before the first callback: JACK's common 1024 at 48 kHz. */
#define FIRST_BLOCK 1024

struct device_out {
    device_stream *stream;
    dev_clock clock;
    char name[160];
    uint64_t dropped;
};

device_out *device_out_open(const char *spec, int channels, char *err, size_t err_size)
{
    int index = device_find(spec, false, err, err_size);
    if (index < 0)
        return NULL;
    device_out *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    device_params p = {0};
    p.device = index;
    p.channels = channels;
    p.rate = AL_RATE;
    p.ring_frames = (size_t)AL_RATE * RING_MS / 1000;
    d->stream = device_open(DEVICE_OUTPUT, &p, err, err_size);
    if (!d->stream || device_start(d->stream, err, err_size) != 0) {
        device_close(d->stream);
        free(d);
        return NULL;
    }
    device_info info;
    device_get_info(d->stream, &info);
    snprintf(d->name, sizeof d->name, "device %d '%s' (%s)", info.device, info.name, info.host_api);
    dev_clock_init(&d->clock, info.rate);
    return d;
}

int64_t device_out_now(device_out *d, int64_t mono_ns)
{
    device_stats s;
    device_get_stats(d->stream, &s);
    return dev_clock_now(&d->clock, s.frames, mono_ns);
}

int64_t device_out_lead_ns(const device_out *d)
{
    device_stats s;
    device_get_stats(d->stream, &s);
    uint64_t block = s.max_block ? s.max_block : FIRST_BLOCK;
    return (int64_t)(block * 1000000000ull / AL_RATE) + LEAD_MARGIN_NS;
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
