/* The output device's clock, read as nanoseconds.
 *
 * A sound card plays at its own rate, which differs from the monotonic
 * clock by tens to hundreds of ppm. The receiver's playout must follow the
 * card, or its buffer slowly empties or overflows. The card's position is
 * known only at each callback (a block of frames at a time); between
 * callbacks it is interpolated with the monotonic clock. Arrivals and
 * playout ticks both read this clock, so the receiver's delay steering
 * measures the sender's clock against the card's directly.
 *
 * Pure: the frame count and the monotonic time come in as arguments. */
#ifndef AL_RECEIVER_DEV_CLOCK_H
#define AL_RECEIVER_DEV_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct dev_clock {
    int rate; /**< the device's frames per second */
    bool anchored;
    uint64_t frames; /**< the device's position at the anchor */
    int64_t mono_ns; /**< monotonic time at the anchor */
    int64_t last_ns; /**< last value returned: the clock never runs backwards */
} dev_clock;

void dev_clock_init(dev_clock *c, int rate);

/** The device's time for FRAMES played so far, seen at monotonic MONO_NS:
 *  FRAMES / rate, plus the monotonic time since FRAMES last changed (at
 *  most one block's worth: a stalled device does not run on). */
int64_t dev_clock_now(dev_clock *c, uint64_t frames, int64_t mono_ns);

#endif
