/* The receiver's delay measurement (delay_ctl) on its own, in simulated
 * time: streams far longer than any test could play through rx_stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "receiver/delay_ctl.h"

#define MS     1000000LL
#define FRAME  960 /* 20 ms at 48 kHz */
#define HOUR_S 3600LL

/* Feeds SECONDS of packets, one every 20 ms with no jitter, from packet K0
 * on; the clock starts at NOW0 and the extended timestamps at TS0. */
static void feed(delay_ctl *c, int64_t now0, int64_t ts0, int64_t k0, int64_t seconds)
{
    for (int64_t k = k0; k < k0 + seconds * 50; k++)
        delay_ctl_arrival(c, now0 + k * 20 * MS, ts0 + k * FRAME);
}

/* 60 h of one stream (issue: ticks * 1e9 overflowed int64 after 53.4 h,
 * a signed overflow UBSan stops on), with a timestamp origin far from 0
 * and a clock origin far from 0. The first and the last minute are fed:
 * the arithmetic depends on the distance from the origin, not on the
 * packets in between. */
static void test_sixty_hours(void **state)
{
    (void)state;
    delay_ctl c;
    delay_ctl_init(&c, 20 * MS);
    const int64_t now0 = (int64_t)1 << 60; /* any monotonic origin */
    const int64_t ts0 = (int64_t)1 << 40;  /* extended timestamps are 2^32 + ts and up */
    feed(&c, now0, ts0, 0, 60);
    int64_t late_k = 60 * HOUR_S * 50;
    feed(&c, now0, ts0, late_k, 60);
    int64_t k = late_k + 60 * 50;
    /* every packet took the fastest path: the next frame is expected
     * exactly when it is sent, and there is no jitter */
    int64_t expect = now0 + k * 20 * MS;
    int64_t earliest = delay_ctl_earliest(&c, ts0 + k * FRAME);
    assert_true(earliest - expect <= 1 && expect - earliest <= 1);
    assert_true(delay_ctl_quantile(&c, 0.99) <= DELAY_CTL_BIN_NS);
    /* a frame long before the origin (a huge negative distance) too */
    int64_t before = delay_ctl_earliest(&c, ts0 - 100 * HOUR_S * 48000);
    assert_true(before < now0 - 99 * HOUR_S * 1000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sixty_hours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
