/* Jitter buffer: slots keyed by timestamp (see jitbuf.h). */
#include "receiver/jitbuf.h"

#include <string.h>

#include "proto/rtp.h"

static size_t slot_index(int64_t ts)
{
    int64_t granule = ts / JB_GRANULE;
    int64_t index = granule % JB_SLOTS;
    return (size_t)(index < 0 ? index + JB_SLOTS : index);
}

void jb_init(jitbuf *jb)
{
    jb->started = false;
    jb->pulled = false;
    jb->head = 0;
    jb->end = 0;
    for (size_t i = 0; i < JB_SLOTS; i++)
        jb->slots[i].used = false;
}

void jb_reset(jitbuf *jb)
{
    jb_init(jb);
}

enum jb_put_result jb_put(jitbuf *jb, uint32_t ts, const uint8_t *data, size_t len, int duration,
                          jb_source source)
{
    if (!data || len == 0 || len > AL_MAX_OPUS_PACKET || duration <= 0 ||
        duration > AL_MAX_FRAME_SAMPLES || duration % JB_GRANULE != 0)
        return JB_PUT_INVALID;

    int64_t ext;
    if (!jb->started) {
        /* Extended timestamps start at 2^32 + ts so that frames a little
         * older than the first never go negative. */
        ext = ((int64_t)1 << 32) + ts;
        jb->started = true;
        jb->head = ext;
        jb->end = ext;
    } else {
        ext = rtp_ts_extend(jb->head, ts);
    }

    int64_t offset = ext - jb->head;
    if (offset < 0 && !jb->pulled && jb->end - ext <= JB_WINDOW && offset % JB_GRANULE == 0) {
        jb->head = ext;
        offset = 0;
    }
    /* Off the grid is checked first: a frame that is both early or late
     * and off the grid says the timeline moved, not that it came late. */
    if (offset % JB_GRANULE != 0)
        return JB_PUT_MISALIGNED;
    /* A frame a whole window behind the head is no longer "a little late":
     * the caller tells a backward jump from a very late packet (by its
     * sequence number), as it does for a frame beyond the window. */
    if (offset < -JB_WINDOW)
        return JB_PUT_TOO_OLD;
    if (offset < 0)
        return JB_PUT_LATE;
    if (offset + duration > JB_WINDOW)
        return JB_PUT_TOO_FAR;

    jb_slot *slot = &jb->slots[slot_index(ext)];
    enum jb_put_result result = JB_PUT_STORED;
    if (slot->used && slot->ts == ext) {
        /* A copy only stands in for the primary: if the primary arrives
         * before the frame is played, the better encoding wins. */
        if (!(slot->source == JB_SOURCE_RED && source == JB_SOURCE_PRIMARY))
            return JB_PUT_DUPLICATE;
        result = JB_PUT_UPGRADED;
    }
    slot->used = true;
    slot->ts = ext;
    slot->source = (uint8_t)source;
    slot->len = (uint16_t)len;
    slot->duration = duration;
    memcpy(slot->data, data, len);
    if (ext + duration > jb->end)
        jb->end = ext + duration;
    return result;
}

void jb_set_start(jitbuf *jb, uint32_t ts)
{
    if (jb->started)
        return;
    jb->started = true;
    jb->head = ((int64_t)1 << 32) + ts; /* as jb_put does for a first frame */
    jb->end = jb->head;
}

/* Frees slots in [from, to): frames the head passed without playing, such
 * as a frame overlapped by a longer one, must not linger into the next lap. */
static void clear_range(jitbuf *jb, int64_t from, int64_t to)
{
    for (int64_t ts = from; ts < to; ts += JB_GRANULE) {
        jb_slot *slot = &jb->slots[slot_index(ts)];
        if (slot->used && slot->ts == ts)
            slot->used = false;
    }
}

bool jb_pull(jitbuf *jb, int missing_duration, jb_frame *out)
{
    jb_slot *slot = &jb->slots[slot_index(jb->head)];
    jb->pulled = true;
    memset(out, 0, sizeof *out);
    out->ts = jb->head;
    if (slot->used && slot->ts == jb->head) {
        slot->used = false; /* the data stays readable until the next put */
        out->data = slot->data;
        out->len = slot->len;
        out->duration = slot->duration;
        out->source = (jb_source)slot->source;
        clear_range(jb, jb->head + JB_GRANULE, jb->head + slot->duration);
        jb->head += slot->duration;
        if (jb->end < jb->head)
            jb->end = jb->head;
        return true;
    }

    if (missing_duration < JB_GRANULE)
        missing_duration = JB_GRANULE;
    int64_t step = JB_GRANULE;
    while (step < missing_duration) {
        const jb_slot *next = &jb->slots[slot_index(jb->head + step)];
        if (next->used && next->ts == jb->head + step)
            break;
        step += JB_GRANULE;
    }
    out->duration = (int)step;
    clear_range(jb, jb->head, jb->head + step);
    jb->head += step;
    if (jb->end < jb->head)
        jb->end = jb->head;
    return false;
}

const jb_slot *jb_peek(const jitbuf *jb, int64_t ts)
{
    const jb_slot *slot = &jb->slots[slot_index(ts)];
    return slot->used && slot->ts == ts ? slot : NULL;
}

int64_t jb_span(const jitbuf *jb)
{
    return jb->started ? jb->end - jb->head : 0;
}

bool jb_has_frames(const jitbuf *jb)
{
    if (!jb->started)
        return false;
    for (int64_t ts = jb->head; ts < jb->end; ts += JB_GRANULE)
        if (jb_peek(jb, ts))
            return true;
    return false;
}
