#include "tools/netsim/pktqueue.h"

#include <stdlib.h>
#include <string.h>

void pktqueue_init(struct pktqueue *q)
{
    memset(q, 0, sizeof *q);
}

static bool before(const struct pkt *a, const struct pkt *b)
{
    if (a->due_ns != b->due_ns)
        return a->due_ns < b->due_ns;
    return a->order < b->order;
}

static void swap(struct pkt *a, struct pkt *b)
{
    struct pkt t = *a;
    *a = *b;
    *b = t;
}

int pktqueue_push(struct pktqueue *q, int64_t due_ns, int dir, const void *data, size_t len)
{
    if (q->count >= PKTQUEUE_MAX_PACKETS || q->bytes + len > PKTQUEUE_MAX_BYTES)
        return -1;
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct pkt *heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            return -1;
        q->heap = heap;
        q->cap = cap;
    }
    /* malloc(0) may return NULL; one byte keeps "NULL means failure". */
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);

    size_t i = q->count++;
    q->heap[i] = (struct pkt){
        .due_ns = due_ns, .order = q->next_order++, .dir = dir, .len = len, .data = copy};
    q->bytes += len;
    while (i > 0 && before(&q->heap[i], &q->heap[(i - 1) / 2])) {
        swap(&q->heap[i], &q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

bool pktqueue_peek_due(const struct pktqueue *q, int64_t *due_ns)
{
    if (q->count == 0)
        return false;
    *due_ns = q->heap[0].due_ns;
    return true;
}

bool pktqueue_pop(struct pktqueue *q, struct pkt *out)
{
    if (q->count == 0)
        return false;
    *out = q->heap[0];
    q->bytes -= out->len;
    q->heap[0] = q->heap[--q->count];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->count && before(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->count && before(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            break;
        swap(&q->heap[i], &q->heap[m]);
        i = m;
    }
    return true;
}

size_t pktqueue_clear(struct pktqueue *q, uint64_t *per_dir, int ndir)
{
    size_t n = q->count;
    for (size_t i = 0; i < q->count; i++) {
        if (per_dir && q->heap[i].dir >= 0 && q->heap[i].dir < ndir)
            per_dir[q->heap[i].dir]++;
        free(q->heap[i].data);
    }
    free(q->heap);
    pktqueue_init(q);
    return n;
}
