/* The device clock: block-wise positions interpolated, never backwards,
 * following a device that runs fast or slow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "receiver/dev_clock.h"

#define MS 1000000LL

static void test_interpolates_between_blocks(void **state)
{
    (void)state;
    dev_clock c;
    dev_clock_init(&c, 48000);
    assert_true(dev_clock_now(&c, 0, 1000 * MS) == 0);
    assert_true(dev_clock_now(&c, 0, 1003 * MS) == 3 * MS);
    /* a block of 480 frames (10 ms) was played */
    assert_true(dev_clock_now(&c, 480, 1010 * MS) == 10 * MS);
    assert_true(dev_clock_now(&c, 480, 1015 * MS) == 15 * MS);
}

static void test_never_backwards(void **state)
{
    (void)state;
    dev_clock c;
    dev_clock_init(&c, 48000);
    dev_clock_now(&c, 0, 0);
    int64_t a = dev_clock_now(&c, 0, 12 * MS);       /* interpolated to 12 ms */
    int64_t b = dev_clock_now(&c, 480, 12 * MS + 1); /* the block says 10 ms */
    assert_true(a == 12 * MS);
    assert_true(b >= a);
}

static void test_stalled_device_stops(void **state)
{
    (void)state;
    dev_clock c;
    dev_clock_init(&c, 48000);
    dev_clock_now(&c, 4800, 0);
    /* no callback for 5 s: the clock stops 100 ms past the last position */
    assert_true(dev_clock_now(&c, 4800, 5000 * MS) == 200 * MS);
}

static void test_follows_a_fast_device(void **state)
{
    (void)state;
    /* a card 300 ppm fast: its clock gains 300 us per second on ours */
    dev_clock c;
    dev_clock_init(&c, 48000);
    uint64_t frames = 0;
    int64_t mono = 0, now = 0;
    for (int block = 0; block < 60 * 100; block++) { /* 60 s of 10 ms blocks */
        frames += 480;
        mono += (int64_t)(10 * MS / 1.0003);
        now = dev_clock_now(&c, frames, mono);
    }
    assert_true(now == 60000 * MS);
    assert_true(mono < 60000 * MS - 17 * MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolates_between_blocks),
        cmocka_unit_test(test_never_backwards),
        cmocka_unit_test(test_stalled_device_stops),
        cmocka_unit_test(test_follows_a_fast_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
