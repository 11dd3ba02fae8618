/* A lock-free single-producer / single-consumer ring of interleaved float
 * frames, for handing audio between a device callback and the codec thread.
 *
 * Exactly one thread writes (ring_write, ring_space) and exactly one thread
 * reads (ring_read, ring_fill); either side may be a PortAudio callback. The
 * calls on the data path take no lock, never allocate, never make a system
 * call and finish in time proportional to the frames they move, so they are
 * safe in a real-time callback. Memory is allocated once, by ring_create.
 *
 * Positions are counted in frames (one frame = CHANNELS floats), so a ring
 * never splits a frame between two calls. Each side publishes its position
 * with a release store after touching the samples and reads the other side's
 * with an acquire load before touching them: the reader never sees a frame
 * before its samples are written, and the writer never overwrites a frame
 * before the reader has copied it out.
 */
#ifndef AL_AUDIO_RING_H
#define AL_AUDIO_RING_H

#include <stddef.h>

typedef struct ring ring;

/** Largest capacity ring_create accepts, in frames (2^30: 6 hours of mono
 *  at 48 kHz, far beyond any audio buffer, and small enough that
 *  capacity * channels * sizeof(float) cannot overflow). */
#define RING_MAX_FRAMES ((size_t)1 << 30)

/** Creates a ring holding at least MIN_FRAMES frames of CHANNELS (1..8)
 *  floats; the capacity is MIN_FRAMES rounded up to a power of two, so the
 *  position-to-slot mapping is a mask. Returns NULL if MIN_FRAMES is 0 or
 *  above RING_MAX_FRAMES, CHANNELS is out of range, or memory is short. */
ring *ring_create(size_t min_frames, int channels);

/** Frees the ring. Neither side may use it any more. NULL is ignored. */
void ring_destroy(ring *r);

/** Capacity in frames (a power of two) and channels per frame. Constant. */
size_t ring_capacity(const ring *r);
int ring_channels(const ring *r);

/** Producer: copies up to FRAMES frames from SRC (FRAMES * channels floats)
 *  into the ring, or that many frames of silence when SRC is NULL. Returns
 *  the frames stored: fewer than FRAMES only when the ring filled up. */
size_t ring_write(ring *r, const float *src, size_t frames);

/** Consumer: moves up to FRAMES frames out of the ring into DST (room for
 *  FRAMES * channels floats), or discards them when DST is NULL. Returns the
 *  frames moved: fewer than FRAMES only when the ring ran empty. */
size_t ring_read(ring *r, float *dst, size_t frames);

/** Frames the consumer could read now. Exact when called by the consumer
 *  (it can only grow behind its back); from any other thread a snapshot. */
size_t ring_fill(const ring *r);

/** Frames the producer could write now. Exact when called by the producer
 *  (it can only grow behind its back); from any other thread a snapshot. */
size_t ring_space(const ring *r);

#endif
