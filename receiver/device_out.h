/* Received audio to a sound device, on the device's clock.
 *
 * Frames are decided at their due time (rx_stream) and queued in the ring
 * the device's callback plays from. What the ring adds to the delay is
 * measured at every write, on the device's own clock: the callback notes
 * when it ran, so the first sample written now will be played at the next
 * callback plus what is queued ahead of it. That "ring delay" must exceed
 * one device block (the card takes a block at once) plus a margin for our
 * own wake-up; more is latency for nothing.
 *
 * - A stream starts (or restarts after the ring ran dry) with silence that
 *   brings the ring delay to its target at once, so the first frames never
 *   underrun and are never played late.
 * - The card's clock drifts from ours by up to a few hundred ppm, so the
 *   ring delay creeps; device_out_trim() turns its error (averaged over
 *   about a second) into the output rate trim that rx_stream applies in its
 *   resampler, within +-0.5 %.
 * - An underrun (the card found the ring short) widens the margin by 1 ms,
 *   up to 20 ms: a machine that wakes us late gets the room it needs. */
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

/** Queues SAMPLES frames for playing, NOW being the monotonic time. Returns
 *  the frames taken (fewer when the ring is full: the rest is dropped and
 *  counted). */
size_t device_out_write(device_out *d, const float *pcm, int samples, int64_t now);

/** Queues NS of silence: a pause in the stream (rx_stream_take_pause_ns),
 *  played as such rather than as an underrun. */
void device_out_pause(device_out *d, int64_t ns);

/** How much longer (or shorter) the output should make each frame so that
 *  the ring delay stays on its target: 0 within 0.5 ms of it, at most
 *  +-0.5 %. Call after each write. */
double device_out_trim(const device_out *d);

/** The ring delay now (averaged), and its target: one block and the margin, ns. */
int64_t device_out_ring_delay_ns(const device_out *d);
int64_t device_out_target_ns(const device_out *d);

/** The device's counters (underruns, overruns, blocks). */
void device_out_stats(const device_out *d, device_stats *out);

/** A description for the start-up line: "'system' (JACK), block 1024". */
const char *device_out_name(const device_out *d);

/** Plays what is queued (at most 2 s), then stops and closes. */
void device_out_close(device_out *d);

#endif
