/* Capture and playback streams on PortAudio devices (found with
 * audio/device_list.h) that exchange audio with the rest of the program
 * through lock-free rings (audio/ring.h).
 *
 * Streams always run in PortAudio's callback mode: blocking read/write on the
 * JACK host API of PortAudio 19.6 aborts in Pa_CloseStream. The callbacks only
 * copy between the device buffer and the ring and count: they never lock,
 * allocate, log or make a system call, so they are safe on a real-time audio
 * thread. A capture callback writes into the ring (the codec thread reads it
 * with device_read); a playback callback reads from the ring (the codec thread
 * fills it with device_write). Samples are float32, interleaved, full scale
 * 1.0, in frames of 1 or 2 channels.
 *
 * Waiting: a callback may not wake a thread (pthread_cond_signal locks, a
 * pipe write is a system call), so device_wait() sleeps on the monotonic
 * clock for as long as the missing frames take at the stream's nominal rate,
 * then looks at the ring again; the consumer is woken at most about once per
 * device block, and never spins. A consumer that must not be late sleeps
 * until just after the next callback instead: each callback notes the
 * monotonic time it ran at (net/clock.h's clock_now_ns, which Linux answers
 * from the vDSO without entering the kernel) and device_timing_read()
 * predicts the next one.
 *
 * Sample rate: streams open at the rate asked (48 kHz by default). A device
 * that cannot run at it (a JACK server at 44.1 kHz, say) is refused with a
 * message that names its rate, unless the caller sets rate_fallback and is
 * ready to resample: then the stream opens at the device's default rate and
 * device_get_info() reports it.
 *
 * Threads: everything here except the callbacks runs on the caller's thread;
 * the functions that take a stream are meant for one consumer thread,
 * device_get_stats() for any thread. The threads PortAudio starts for a
 * stream block every signal, so a signal handler never runs on the audio
 * thread and a stop signal reaches the program's own loop (net/loop.h).
 * Close every stream before device_terminate() (audio/device_pa.h).
 */
#ifndef AL_AUDIO_DEVICE_STREAM_H
#define AL_AUDIO_DEVICE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVICE_RATE            48000 /**< the rate streams open at unless asked otherwise */
#define DEVICE_DEFAULT_RING_MS 500   /**< ring capacity when none is asked, in ms of audio */

typedef enum { DEVICE_INPUT, DEVICE_OUTPUT } device_dir;

typedef struct device_stream device_stream;

/** How to open a stream. Zero-initialise and set what matters. */
typedef struct device_params {
    int device;          /**< index from device_find() */
    int channels;        /**< 1 or 2 */
    int rate;            /**< frames per second; 0 = DEVICE_RATE */
    bool rate_fallback;  /**< if the device cannot run at RATE, open at its default rate */
    unsigned long block; /**< frames per callback; 0 = as the device likes (best on JACK) */
    double latency_s;    /**< suggested latency; 0 = the device's default low latency */
    size_t ring_frames;  /**< ring capacity (rounded up to a power of two); 0 =
                            DEVICE_DEFAULT_RING_MS */
} device_params;

/** Opens a stream (not yet running). Returns NULL with a one-line reason in
 *  ERR, e.g. "device 1 'system' cannot run at 48000 Hz (it runs at 44100 Hz)". */
device_stream *device_open(device_dir dir, const device_params *params, char *err, size_t err_size);

/** Starts the callbacks. A playback stream plays what device_write() put in
 *  the ring before, then the stream; prefill it to start without a gap.
 *  Returns 0, or -1 with a reason in ERR. */
int device_start(device_stream *s, char *err, size_t err_size);

/** Stops the callbacks, after the device has played what PortAudio holds.
 *  Returns 0 or -1 (the stream was not running or the host API failed). */
int device_stop(device_stream *s);

/** Stops the stream if it runs, closes it and frees it. NULL is ignored. */
void device_close(device_stream *s);

/** Capture: moves up to FRAMES frames from the ring into DST (FRAMES *
 *  channels floats). Returns the frames moved (0 when none are waiting). */
size_t device_read(device_stream *s, float *dst, size_t frames);

/** Playback: copies up to FRAMES frames from SRC into the ring. Returns the
 *  frames taken (fewer when the ring is full: keep the rest for later). */
size_t device_write(device_stream *s, const float *src, size_t frames);

/** Capture: frames waiting in the ring. Playback: room in the ring. */
size_t device_available(const device_stream *s);

/** Sleeps until device_available() >= FRAMES (at most the ring capacity) or
 *  TIMEOUT_MS (< 0: no limit) has passed. Returns 1 when the frames are there,
 *  0 on timeout, -1 when the stream is not running (stopped, or the audio
 *  server went away), so a consumer never sleeps forever on a dead device. */
int device_wait(device_stream *s, size_t frames, int timeout_ms);

/** Playback: no more frames will come. From now on an empty ring is the end
 *  of the stream, not an underrun. */
void device_end_of_stream(device_stream *s);

/** Playback: marks the end of the stream, waits until the ring has been
 *  played (at most TIMEOUT_MS; < 0: no limit), then stops the stream.
 *  Returns 0, or -1 on timeout or failure (the stream is stopped anyway). */
int device_drain(device_stream *s, int timeout_ms);

/** Counters, all since device_open(). The callback updates them; a reader on
 *  another thread sees a consistent value of each, not of all together. */
typedef struct device_stats {
    uint64_t callbacks;        /**< callbacks run */
    uint64_t frames;           /**< frames the device took or gave (per channel) */
    uint64_t max_block;        /**< largest frames per callback seen */
    uint64_t xrun_frames;      /**< capture: frames dropped, ring full (overrun);
                                    playback: silence played, ring empty (underrun) */
    uint64_t xrun_events;      /**< callbacks with xrun_frames */
    uint64_t idle_frames;      /**< playback: silence before the first frame written or after
                                    device_end_of_stream(); not an underrun */
    uint64_t input_underflow;  /**< callbacks PortAudio flagged paInputUnderflow */
    uint64_t input_overflow;   /**< ... paInputOverflow */
    uint64_t output_underflow; /**< ... paOutputUnderflow */
    uint64_t output_overflow;  /**< ... paOutputOverflow */
} device_stats;

void device_get_stats(const device_stream *s, device_stats *out);

/** What was opened. Strings belong to PortAudio and live until device_terminate(). */
typedef struct device_info {
    device_dir dir;
    int device;                /**< PortAudio device index */
    const char *name;          /**< device name */
    const char *host_api;      /**< e.g. "ALSA", "JACK Audio Connection Kit" */
    bool jack;                 /**< the JACK host API */
    int channels;              /**< 1 or 2 */
    int rate;                  /**< the stream's frames per second (see rate_fallback) */
    unsigned long block;       /**< frames per callback asked; 0 = unspecified */
    size_t ring_frames;        /**< ring capacity */
    double reported_latency_s; /**< PortAudio's input or output latency, as reported. Not
                                    to be trusted: on JACK it has read 89478480 ms. Measure. */
} device_info;

void device_get_info(const device_stream *s, device_info *out);

/** The device's own clock, as its callbacks show it. */
typedef struct device_timing {
    int64_t callback_ns; /**< CLOCK_MONOTONIC time the last callback began */
    uint64_t block;      /**< frames that callback moved */
    int64_t next_ns;     /**< the next callback's expected start (callback_ns + block) */
    size_t ring_fill;    /**< frames in the ring (playback: queued; capture: waiting),
                              read together with callback_ns: no callback ran in between */
} device_timing;

/** Reads the timing of S; false before the first callback. */
bool device_timing_read(const device_stream *s, device_timing *out);

/** Finds SPEC (see device_find), opens it in direction DIR for CHANNELS
 *  at DEVICE_RATE with a ring of RING_FRAMES, and starts it. NAME receives
 *  "device N 'NAME' (HOST API)" and, on JACK, "; jack ports CLIENT:in_0 ..."
 *  so scripts can wire it. NULL with a one-line reason in ERR. */
device_stream *device_open_started(device_dir dir, const char *spec, int channels,
                                   size_t ring_frames, char *name, size_t name_size, char *err,
                                   size_t err_size);

#endif
