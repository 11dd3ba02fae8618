/* Lock-free SPSC ring of float frames; see ring.h for the contract.
 *
 * head counts every frame ever written and tail every frame ever read; both
 * only grow and wrap at SIZE_MAX + 1, which is a multiple of the power-of-two
 * capacity, so head - tail is the fill level even across the wrap and
 * position & mask is the slot. Only the producer stores head and only the
 * consumer stores tail, so each side reads its own index relaxed. */
#include "audio/ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A ring that falls back to a lock in its atomics would block the callback
 * on the codec thread: refuse to build rather than glitch at run time. */
#if ATOMIC_POINTER_LOCK_FREE != 2
#error "the ring needs always-lock-free pointer-sized atomics"
#endif
_Static_assert(sizeof(size_t) == sizeof(void *), "size_t atomics as wide as pointers");

/* The two indices live on separate cache lines: the producer writes head on
 * every call and the consumer tail, and sharing a line would make each side
 * steal it from the other on every store (false sharing). 64 bytes is the
 * line on x86-64 and most ARM cores. */
#define CACHE_LINE 64

struct ring {
    alignas(CACHE_LINE) atomic_size_t head; /* frames written; stored by the producer */
    alignas(CACHE_LINE) atomic_size_t tail; /* frames read; stored by the consumer */
    alignas(CACHE_LINE) float *buf;         /* capacity * channels floats; constant */
    size_t capacity;                        /* frames, a power of two */
    size_t mask;                            /* capacity - 1 */
    int channels;
};

ring *ring_create(size_t min_frames, int channels)
{
    if (min_frames == 0 || min_frames > RING_MAX_FRAMES || channels < 1 || channels > 8)
        return NULL;
    size_t cap = 1;
    while (cap < min_frames)
        cap <<= 1;
    /* aligned_alloc wants a size that is a multiple of the alignment. */
    size_t size = (sizeof(ring) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    ring *r = aligned_alloc(CACHE_LINE, size);
    if (r == NULL)
        return NULL;
    r->buf = calloc(cap * (size_t)channels, sizeof(float));
    if (r->buf == NULL) {
        free(r);
        return NULL;
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->capacity = cap;
    r->mask = cap - 1;
    r->channels = channels;
    return r;
}

void ring_destroy(ring *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r);
}

size_t ring_capacity(const ring *r)
{
    return r->capacity;
}

int ring_channels(const ring *r)
{
    return r->channels;
}

/* Frames between TAIL and HEAD, clamped to [0, capacity]: a thread that is
 * neither side reads the two indices at different instants, so the raw
 * difference can be "negative" (wrapped) or exceed the capacity. */
static size_t used_between(const ring *r, size_t head, size_t tail)
{
    size_t used = head - tail;
    if (used > SIZE_MAX / 2)
        return 0;
    return used > r->capacity ? r->capacity : used;
}

size_t ring_write(ring *r, const float *src, size_t frames)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* acquire: the consumer's copies out of the slots it released are done
     * before we overwrite them */
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t space = r->capacity - (head - tail);
    size_t n = frames < space ? frames : space;
    if (n == 0)
        return 0;
    size_t ch = (size_t)r->channels;
    size_t start = head & r->mask;
    size_t first = n < r->capacity - start ? n : r->capacity - start;
    if (src != NULL) {
        memcpy(r->buf + start * ch, src, first * ch * sizeof(float));
        memcpy(r->buf, src + first * ch, (n - first) * ch * sizeof(float));
    } else {
        memset(r->buf + start * ch, 0, first * ch * sizeof(float));
        memset(r->buf, 0, (n - first) * ch * sizeof(float));
    }
    /* release: the samples are in place before the consumer can see them */
    atomic_store_explicit(&r->head, head + n, memory_order_release);
    return n;
}

size_t ring_read(ring *r, float *dst, size_t frames)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* acquire: pairs with the producer's release of head */
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t fill = head - tail;
    size_t n = frames < fill ? frames : fill;
    if (n == 0)
        return 0;
    if (dst != NULL) {
        size_t ch = (size_t)r->channels;
        size_t start = tail & r->mask;
        size_t first = n < r->capacity - start ? n : r->capacity - start;
        memcpy(dst, r->buf + start * ch, first * ch * sizeof(float));
        memcpy(dst + first * ch, r->buf, (n - first) * ch * sizeof(float));
    }
    /* release: our copies are done before the producer may reuse the slots */
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}

size_t ring_fill(const ring *r)
{
    /* tail first: head only grows, so a later head can only overstate the
     * fill, which used_between clamps; for the consumer tail is exact */
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return used_between(r, head, tail);
}

size_t ring_space(const ring *r)
{
    /* head first: tail only grows, so a later tail can only overstate the
     * space, which used_between clamps; for the producer head is exact */
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return r->capacity - used_between(r, head, tail);
}
