/* Received audio to a sound device, on the device's clock.
 *
 * The playout runs on the card's clock (receiver/dev_clock.h): packets are
 * stamped and frames are due by it, so the delay steering in rx_stream
 * absorbs the difference between the sender's clock and the card's. Frames
 * are decoded a little ahead of their due time (one device block and a
 * margin) so the ring never runs dry between two wake-ups of the codec
 * thread. */
#ifndef AL_RECEIVER_DEVICE_OUT_H
#define AL_RECEIVER_DEVICE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio/device.h"

typedef struct device_out device_out;

/** Finds SPEC ("default", an index, or part of a name; see device_find),
 *  opens it for CHANNELS channels at 48 kHz and starts it. NULL with a
 *  one-line reason in ERR. */
device_out *device_out_open(const char *spec, int channels, char *err, size_t err_size);

/** The device's clock at monotonic time MONO_NS, ns (see dev_clock). */
int64_t device_out_now(device_out *d, int64_t mono_ns);

/** How far ahead of its due time a frame must be decoded, ns: the largest
 *  block the device has taken so far plus a margin for our own wake-up. */
int64_t device_out_lead_ns(const device_out *d);

/** Queues SAMPLES frames for playing. Returns the frames taken (fewer when
 *  the ring is full: the rest is dropped and counted). */
size_t device_out_write(device_out *d, const float *pcm, int samples);

/** The device's counters (underruns, overruns, blocks). */
void device_out_stats(const device_out *d, device_stats *out);

/** A description for the start-up line: "'system' (JACK), block 1024". */
const char *device_out_name(const device_out *d);

/** Plays what is queued (at most 2 s), then stops and closes. */
void device_out_close(device_out *d);

#endif
