#include "sender/capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/defaults.h"

/* Room for a long stall of the codec thread (network trouble, a slow
 * disk): the card keeps capturing into the ring meanwhile. */
#define RING_MS 1000

/* When waiting for the card: a little after a callback is expected (it
 * starts on time, and moving a block takes microseconds), how soon to look
 * again when one is overdue, and how long to sleep before the first. */
#define AFTER_CALLBACK_NS      100000LL
#define LATE_CALLBACK_RETRY_NS 250000LL
#define NO_CALLBACK_YET_NS     1000000LL

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

int64_t capture_next_ns(const capture *c, int frame_samples, int64_t now)
{
    device_timing t;
    if (!device_timing_read(c->stream, &t))
        return now + NO_CALLBACK_YET_NS;
    if (t.ring_fill >= (size_t)frame_samples)
        return now;
    /* the callbacks that must run before the frame is complete */
    uint64_t block = t.block ? t.block : 1;
    uint64_t blocks = ((uint64_t)frame_samples - t.ring_fill + block - 1) / block;
    int64_t at =
        t.callback_ns + (int64_t)(blocks * block * 1000000000ull / AL_RATE) + AFTER_CALLBACK_NS;
    /* a callback that is late: look again soon */
    return at > now ? at : now + LATE_CALLBACK_RETRY_NS;
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
