/* Audio from a sound device, a frame at a time, on the device's clock.
 *
 * The card's capture clock paces the sender: a frame is encoded and sent as
 * soon as the card has delivered it, so the sender never drifts from the
 * card and adds no waiting of its own. */
#ifndef AL_SENDER_CAPTURE_H
#define AL_SENDER_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "audio/device.h"

typedef struct capture capture;

/** Finds SPEC ("default", an index, or part of a name), opens it for
 *  CHANNELS channels at 48 kHz and starts it. NULL with a reason in ERR. */
capture *capture_open(const char *spec, int channels, char *err, size_t err_size);

/** Reads one frame of FRAME_SAMPLES into PCM if the card has delivered it.
 *  Returns 1 (a frame), 0 (not yet), or -1 (the device stopped). */
int capture_read_frame(capture *c, float *pcm, int frame_samples);

/** When to look again for FRAME_SAMPLES, as a CLOCK_MONOTONIC time: NOW if
 *  they are there, else just after the device callback expected to bring
 *  the rest (the card delivers whole blocks: waking at the rate the frames
 *  trickle in would find nothing, and waking a fixed while later would send
 *  the frame late). */
int64_t capture_next_ns(const capture *c, int frame_samples, int64_t now);

void capture_stats(const capture *c, device_stats *out);
const char *capture_name(const capture *c);
void capture_close(capture *c);

#endif
