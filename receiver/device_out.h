/* Received audio to a sound device.
 *
 * Frames are decoded a little ahead of their due time (one device block,
 * one frame and a margin) so the ring never runs dry between two wake-ups
 * of the codec thread. The card plays at its own clock, which drifts from
 * ours by up to a few hundred ppm: the ring's level shows it, and
 * device_out_trim() turns that into the output rate trim that rx_stream
 * applies in its resampler, so the ring neither empties nor fills up. */
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

/** How much longer (or shorter) the output should make each frame so that
 *  the ring stays near TARGET_FRAMES: the card's clock against ours, from
 *  the ring's level averaged over about a second. 0 within 2 ms of the
 *  target; at most +-0.5 %. Call after each write. */
double device_out_trim(device_out *d, size_t target_frames);

/** How far ahead of its due time a frame of FRAME_NS must be decoded, ns:
 *  the largest block the device has taken so far (it takes a block at
 *  once), one frame (we add whole frames), and a margin for our wake-up. */
int64_t device_out_lead_ns(const device_out *d, int64_t frame_ns);

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
