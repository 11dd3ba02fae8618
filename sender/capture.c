#include "sender/capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "proto/defaults.h"

/* Room for a long stall of the codec thread (network trouble, a slow
 * disk): the card keeps capturing into the ring meanwhile. */
#define RING_MS 1000

struct capture {
    device_stream *stream;
    char name[320];
};

capture *capture_open(const char *spec, int channels, char *err, size_t err_size)
{
    capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    c->stream = device_open_started(DEVICE_INPUT, spec, channels, (size_t)AL_RATE * RING_MS / 1000,
                                    c->name, sizeof c->name, err, err_size);
    if (!c->stream) {
        free(c);
        return NULL;
    }
    return c;
}

int capture_read_frame(capture *c, float *pcm, int frame_samples)
{
    if (device_available(c->stream) < (size_t)frame_samples) {
        /* a stopped stream never fills: tell the caller instead of waiting */
        return device_wait(c->stream, (size_t)frame_samples, 0) < 0 ? -1 : 0;
    }
    return device_read(c->stream, pcm, (size_t)frame_samples) == (size_t)frame_samples ? 1 : 0;
}

int capture_wait_ms(const capture *c, int frame_samples)
{
    size_t have = device_available(c->stream);
    if (have >= (size_t)frame_samples)
        return 0;
    return (int)(((size_t)frame_samples - have) * 1000 / AL_RATE) + 1;
}

void capture_stats(const capture *c, device_stats *out)
{
    device_get_stats(c->stream, out);
}

const char *capture_name(const capture *c)
{
    return c->name;
}

void capture_close(capture *c)
{
    if (!c)
        return;
    device_close(c->stream);
    free(c);
}
