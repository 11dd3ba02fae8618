/* Jitter buffer: Opus frames indexed by RTP timestamp, never by arrival.
 *
 * Holds primaries and RED copies in slots keyed by timestamp, takes each
 * frame once (a primary replaces a copy that has not been played yet), and
 * hands frames out in timestamp order from a play head. It knows nothing of
 * clocks or sockets: when to pull is the playout's decision.
 *
 * Timestamps are 48 kHz ticks. Internally they are extended to 64 bits
 * relative to the play head, so 32-bit wrap is invisible. */
#ifndef AL_RECEIVER_JITBUF_H
#define AL_RECEIVER_JITBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/defaults.h"

/* The smallest Opus frame (2.5 ms): every frame of a stream starts on a
 * multiple of it relative to the first, so it is the slot granularity. */
#define JB_GRANULE 120
/* 512 granules = 1.28 s of lookahead beyond the play head: more than any
 * target delay plus redundancy depth we use, small enough to stay static. */
#define JB_SLOTS  512
#define JB_WINDOW ((int64_t)JB_GRANULE * JB_SLOTS)

typedef enum jb_source {
    JB_SOURCE_PRIMARY = 0, /**< the frame's own packet */
    JB_SOURCE_RED = 1,     /**< a copy carried by a later packet */
} jb_source;

typedef struct jb_slot {
    bool used;
    uint8_t source;   /**< jb_source */
    uint16_t len;     /**< bytes of data */
    int32_t duration; /**< samples at 48 kHz */
    int64_t ts;       /**< extended timestamp */
    uint8_t data[AL_MAX_OPUS_PACKET];
} jb_slot;

typedef struct jitbuf {
    bool started;
    bool pulled;  /**< a frame has been taken: the head can no longer move back */
    int64_t head; /**< extended timestamp of the next frame to play */
    int64_t end;  /**< end (ts + duration) of the latest frame stored */
    jb_slot slots[JB_SLOTS];
} jitbuf;

enum jb_put_result {
    JB_PUT_STORED = 0,     /**< a new frame */
    JB_PUT_UPGRADED = 1,   /**< a primary replaced a copy not played yet */
    JB_PUT_DUPLICATE = 2,  /**< already held (ignored) */
    JB_PUT_LATE = 3,       /**< its time has passed (ignored) */
    JB_PUT_TOO_FAR = 4,    /**< beyond the window: the stream jumped */
    JB_PUT_MISALIGNED = 5, /**< not on the 2.5 ms grid of this stream */
    JB_PUT_INVALID = 6,    /**< empty, too long, or a bad duration */
    JB_PUT_TOO_OLD = 7,    /**< more than the window before the play head: the stream
                                jumped back, or a packet came over a window late */
};

typedef struct jb_frame {
    const uint8_t *data; /**< valid until the next call on the buffer; NULL when missing */
    size_t len;
    int duration; /**< samples at 48 kHz */
    jb_source source;
    int64_t ts; /**< extended timestamp */
} jb_frame;

void jb_init(jitbuf *jb);

/** Forgets everything; the next put starts a new stream. */
void jb_reset(jitbuf *jb);

/** Stores the frame at 32-bit timestamp TS lasting DURATION samples.
 *  The first frame after init/reset sets the play head; until the first
 *  pull, an earlier frame (the first packets arrived out of order) moves the
 *  head back to it. */
enum jb_put_result jb_put(jitbuf *jb, uint32_t ts, const uint8_t *data, size_t len, int duration,
                          jb_source source);

/** Before the first put: the stream starts at 32-bit timestamp TS (known
 *  from elsewhere, e.g. the control channel), whatever frame comes first. */
void jb_set_start(jitbuf *jb, uint32_t ts);

/** Takes the frame at the play head and advances the head past it. Returns
 *  true with OUT filled when the frame is held; false with OUT->data NULL
 *  when it is missing, in which case the head advances by MISSING_DURATION
 *  samples, or less if a held frame starts sooner. OUT->duration says how
 *  much was consumed either way. Must not be called before the first put. */
bool jb_pull(jitbuf *jb, int missing_duration, jb_frame *out);

/** The frame held at exactly extended timestamp TS (e.g. the packet after a
 *  missing one, for Opus in-band FEC), or NULL. */
const jb_slot *jb_peek(const jitbuf *jb, int64_t ts);

/** True once a frame has been stored since init/reset. */
static inline bool jb_started(const jitbuf *jb)
{
    return jb->started;
}

/** Samples from the play head to the end of the latest frame (0 if none). */
int64_t jb_span(const jitbuf *jb);

/** True when some frame at or after the play head is held. */
bool jb_has_frames(const jitbuf *jb);

#endif
