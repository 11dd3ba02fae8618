/* The monotonic clock, read only at the program edges: logic takes `now`
 * as an argument so that tests and benchmarks run in simulated time. */
#ifndef AL_NET_CLOCK_H
#define AL_NET_CLOCK_H

#include <stdint.h>

#define NS_PER_SEC  1000000000LL
#define NS_PER_MSEC 1000000LL

/** Nanoseconds on CLOCK_MONOTONIC. */
int64_t clock_now_ns(void);

/** Sleeps until the absolute monotonic time DEADLINE_NS (returns early on a
 *  signal). Absolute deadlines keep long streams from drifting. */
void clock_sleep_until(int64_t deadline_ns);

#endif
