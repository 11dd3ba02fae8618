#include "receiver/dev_clock.h"

/* Interpolation between callbacks stops after this long: longer than any
 * device block, so a device that stalled (an audio server gone) does not
 * keep the clock running and the receiver playing into nowhere. */
#define MAX_INTERPOLATION_NS (100 * 1000000LL)

void dev_clock_init(dev_clock *c, int rate)
{
    c->rate = rate > 0 ? rate : 48000;
    c->anchored = false;
    c->frames = 0;
    c->mono_ns = 0;
    c->last_ns = 0;
}

int64_t dev_clock_now(dev_clock *c, uint64_t frames, int64_t mono_ns)
{
    if (!c->anchored || frames != c->frames) {
        c->anchored = true;
        c->frames = frames;
        c->mono_ns = mono_ns;
    }
    int64_t since = mono_ns - c->mono_ns;
    if (since < 0)
        since = 0;
    if (since > MAX_INTERPOLATION_NS)
        since = MAX_INTERPOLATION_NS;
    int64_t now = (int64_t)(c->frames * 1000000000ull / (uint64_t)c->rate) + since;
    /* A callback can land a little earlier than the interpolation guessed:
     * hold the clock rather than step it back. */
    if (now < c->last_ns)
        now = c->last_ns;
    c->last_ns = now;
    return now;
}
