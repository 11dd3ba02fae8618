/* Timer queue of delayed datagrams: a binary min-heap on (due time, arrival
 * order). Times are values passed in, never read here. Ties leave in arrival
 * order, so a zero-delay path never reorders. */
#ifndef AL_TOOLS_NETSIM_PKTQUEUE_H
#define AL_TOOLS_NETSIM_PKTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A very long delay on a fast stream must not eat memory without bound:
 * beyond these the queue refuses packets, as a full router queue would. */
#define PKTQUEUE_MAX_PACKETS 65536
#define PKTQUEUE_MAX_BYTES   (64u << 20)

struct pkt {
    int64_t due_ns;      /**< release time, ns on the caller's clock */
    uint64_t order;      /**< insertion counter: tie-break */
    int dir;             /**< caller's tag (relay direction) */
    size_t len;          /**< bytes in data */
    unsigned char *data; /**< owned by the queue until popped */
};

struct pktqueue {
    struct pkt *heap;
    size_t count, cap;
    size_t bytes;
    uint64_t next_order;
};

void pktqueue_init(struct pktqueue *q);

/** Copies data in. Returns 0, or -1 if the queue is full or out of memory. */
int pktqueue_push(struct pktqueue *q, int64_t due_ns, int dir, const void *data, size_t len);

/** Earliest due time, or false if empty. */
bool pktqueue_peek_due(const struct pktqueue *q, int64_t *due_ns);

/** Removes the earliest packet into *out; the caller frees out->data.
 *  Returns false if empty. */
bool pktqueue_pop(struct pktqueue *q, struct pkt *out);

/** Frees every queued packet; returns how many there were, per direction tag
 *  counted into per_dir[dir] when dir < ndir. */
size_t pktqueue_clear(struct pktqueue *q, uint64_t *per_dir, int ndir);

#endif
