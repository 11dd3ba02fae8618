/* Unit tests for audio/ring: the single-thread edge cases (rounding, empty,
 * full, partial moves, the wrap of the slots and of the indices themselves,
 * silence and discard) and a producer and a consumer thread streaming a
 * counter through a small ring in random chunk sizes, checking that every
 * sample arrives once and in order.
 *
 * ring.c is included rather than linked so that the index-wrap test can
 * start the indices just below SIZE_MAX (libsrtp's trick for reaching
 * internals); the static library's copy is then never pulled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "audio/ring.c"

static void test_create_rounds_and_refuses(void **state)
{
    (void)state;
    assert_null(ring_create(0, 1));
    assert_null(ring_create(RING_MAX_FRAMES + 1, 1));
    assert_null(ring_create(16, 0));
    assert_null(ring_create(16, 9));
    const size_t asked[] = {1, 2, 3, 5, 1000, 1024, 1025};
    const size_t want[] = {1, 2, 4, 8, 1024, 1024, 2048};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        ring *r = ring_create(asked[i], 2);
        assert_non_null(r);
        assert_int_equal(ring_capacity(r), want[i]);
        assert_int_equal(ring_channels(r), 2);
        assert_int_equal(ring_fill(r), 0);
        assert_int_equal(ring_space(r), want[i]);
        ring_destroy(r);
    }
    ring_destroy(NULL);
}

static void test_empty_and_full(void **state)
{
    (void)state;
    ring *r = ring_create(8, 1);
    float buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (float)i;
    assert_int_equal(ring_read(r, buf, 4), 0); /* empty: nothing moves */
    assert_int_equal(ring_write(r, buf, 0), 0);
    assert_int_equal(ring_write(r, buf, 13), 8); /* more than fits: stops at full */
    assert_int_equal(ring_fill(r), 8);
    assert_int_equal(ring_space(r), 0);
    assert_int_equal(ring_write(r, buf, 1), 0); /* full: nothing moves */
    float out[16] = {0};
    assert_int_equal(ring_read(r, out, 16), 8); /* less than asked: stops at empty */
    for (int i = 0; i < 8; i++)
        assert_true(out[i] == (float)i);
    assert_int_equal(ring_fill(r), 0);
    assert_int_equal(ring_read(r, out, 1), 0);
    ring_destroy(r);
}

/* Stereo frames across the end of the slots: partial writes and reads that
 * straddle the wrap keep the interleaving and the order. */
static void test_partial_and_wrap(void **state)
{
    (void)state;
    ring *r = ring_create(8, 2);
    float next_in = 0, next_out = 0;
    float in[2 * 8], out[2 * 8];
    const size_t writes[] = {6, 5, 3, 7, 1, 8, 2};
    const size_t reads[] = {4, 7, 3, 8, 2, 6, 5};
    for (size_t step = 0; step < sizeof writes / sizeof writes[0]; step++) {
        size_t space = ring_space(r);
        for (size_t i = 0; i < writes[step]; i++) {
            in[2 * i] = next_in + (float)i;
            in[2 * i + 1] = -(next_in + (float)i);
        }
        size_t w = ring_write(r, in, writes[step]);
        assert_int_equal(w, writes[step] < space ? writes[step] : space);
        next_in += (float)w;

        size_t fill = ring_fill(r);
        size_t n = ring_read(r, out, reads[step]);
        assert_int_equal(n, reads[step] < fill ? reads[step] : fill);
        for (size_t i = 0; i < n; i++) {
            assert_true(out[2 * i] == next_out);
            assert_true(out[2 * i + 1] == -next_out);
            next_out += 1;
        }
    }
    assert_true(next_in - next_out == (float)ring_fill(r));
    ring_destroy(r);
}

static void test_silence_and_discard(void **state)
{
    (void)state;
    ring *r = ring_create(4, 1);
    float one[4] = {1, 1, 1, 1}, out[4];
    assert_int_equal(ring_write(r, one, 3), 3);
    assert_int_equal(ring_read(r, NULL, 2), 2);  /* discard two */
    assert_int_equal(ring_write(r, NULL, 3), 3); /* three zeros, across the wrap */
    assert_int_equal(ring_read(r, out, 4), 4);
    assert_true(out[0] == 1 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    ring_destroy(r);
}

/* The frame counters wrap at SIZE_MAX + 1; fill and space must not notice. */
static void test_index_wrap(void **state)
{
    (void)state;
    ring *r = ring_create(8, 1);
    atomic_store(&r->head, SIZE_MAX - 2);
    atomic_store(&r->tail, SIZE_MAX - 2);
    float in[6] = {10, 11, 12, 13, 14, 15}, out[6];
    assert_int_equal(ring_write(r, in, 6), 6);
    assert_true(atomic_load(&r->head) < 8); /* wrapped */
    assert_int_equal(ring_fill(r), 6);
    assert_int_equal(ring_space(r), 2);
    assert_int_equal(ring_read(r, out, 6), 6);
    for (int i = 0; i < 6; i++)
        assert_true(out[i] == in[i]);
    assert_int_equal(ring_fill(r), 0);
    assert_int_equal(ring_space(r), 8);
    ring_destroy(r);
}

/* ---- two threads ---- */

#define STREAM_SAMPLES 10000000 /* < 2^24: every counter value is exact in a float */
#define STREAM_RING    1024
#define STREAM_CHUNK   1536 /* up to 1.5 rings per call, so "full" and "empty" both happen */

struct stream_side {
    ring *r;
    uint32_t seed;
    long stalls; /* calls that moved nothing */
    long mismatch_at;
};

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void *producer(void *arg)
{
    struct stream_side *p = arg;
    static float chunk[STREAM_CHUNK];
    long next = 0;
    while (next < STREAM_SAMPLES) {
        size_t want = 1 + xorshift(&p->seed) % STREAM_CHUNK;
        if (want > (size_t)(STREAM_SAMPLES - next))
            want = (size_t)(STREAM_SAMPLES - next);
        for (size_t i = 0; i < want; i++)
            chunk[i] = (float)(next + (long)i);
        size_t n = ring_write(p->r, chunk, want);
        /* a short write leaves the rest for next time: resend from NEXT */
        next += (long)n;
        if (n == 0) {
            p->stalls++;
            sched_yield(); /* do not starve the consumer on a busy machine */
        }
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct stream_side *c = arg;
    static float chunk[STREAM_CHUNK];
    long next = 0;
    c->mismatch_at = -1;
    while (next < STREAM_SAMPLES) {
        size_t want = 1 + xorshift(&c->seed) % STREAM_CHUNK;
        size_t n = ring_read(c->r, chunk, want);
        for (size_t i = 0; i < n; i++) {
            if (chunk[i] != (float)(next + (long)i) && c->mismatch_at < 0)
                c->mismatch_at = next + (long)i;
        }
        next += (long)n;
        if (n == 0) {
            c->stalls++;
            sched_yield();
        }
    }
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    ring *r = ring_create(STREAM_RING, 1);
    struct stream_side p = {.r = r, .seed = 0x12345678u};
    struct stream_side c = {.r = r, .seed = 0x9abcdef1u};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t tp, tc;
    assert_int_equal(pthread_create(&tc, NULL, consumer, &c), 0);
    assert_int_equal(pthread_create(&tp, NULL, producer, &p), 0);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  %d samples in %.3f s; producer found the ring full %ld times, consumer empty %ld\n",
           STREAM_SAMPLES, s, p.stalls, c.stalls);
    if (c.mismatch_at >= 0)
        fail_msg("sample %ld arrived out of order or corrupted", c.mismatch_at);
    assert_int_equal(ring_fill(r), 0); /* nothing extra appeared */
    ring_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rounds_and_refuses),
        cmocka_unit_test(test_empty_and_full),
        cmocka_unit_test(test_partial_and_wrap),
        cmocka_unit_test(test_silence_and_discard),
        cmocka_unit_test(test_index_wrap),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
