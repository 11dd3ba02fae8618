/* PortAudio streams exchanging audio through lock-free rings; see
 * device_stream.h.
 *
 * Real-time rules for the two callbacks below (capture_cb, playback_cb): they
 * touch only the ring, memset/memcpy and this stream's atomic counters. Each
 * counter has exactly one writer (the callback), so it is updated with a
 * relaxed load and store rather than an atomic read-modify-write: no locked
 * instruction on the audio thread, and readers on other threads still see
 * whole values. */
#include "audio/device_stream.h"

#include <math.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "audio/device_internal.h"
#include "audio/device_list.h"
#include "audio/device_pa.h"
#include "audio/ring.h"
#include "net/clock.h"

#if ATOMIC_LLONG_LOCK_FREE != 2
#error "the callback counters need always-lock-free 64-bit atomics"
#endif

/* device_wait() sleeps at least this long, so a device that delivers big
 * blocks does not make the consumer wake over and over for nothing... */
#define WAIT_MIN_NS 1000000L
/* ...and at most this long between looks, so that a stopped stream or a
 * vanished audio server is noticed quickly. */
#define WAIT_MAX_NS 50000000L

typedef atomic_uint_least64_t counter;

struct device_stream {
    PaStream *pa;
    ring *ring;
    device_info info;
    bool running;    /* between a successful start and stop; consumer thread only */
    atomic_bool eos; /* playback: the consumer will write no more */
    bool played;     /* playback: the callback has played a frame; callback only */

    counter callbacks, frames, max_block, xrun_frames, xrun_events, idle_frames;
    /* The last callback's start time and block, under a sequence count the
     * callback makes odd while it works (a seqlock: readers retry, the
     * callback never waits). */
    counter timing_seq, last_block;
    atomic_int_least64_t last_callback_ns;
    counter input_underflow, input_overflow, output_underflow, output_overflow;
};

/* ---- the callbacks: no locks, no allocation, no logging, no system calls ---- */

static inline void bump(counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline void count_callback(device_stream *s, unsigned long frames,
                                  PaStreamCallbackFlags flags)
{
    bump(&s->callbacks, 1);
    bump(&s->frames, frames);
    if (frames > atomic_load_explicit(&s->max_block, memory_order_relaxed))
        atomic_store_explicit(&s->max_block, frames, memory_order_relaxed);
    if (flags & paInputUnderflow)
        bump(&s->input_underflow, 1);
    if (flags & paInputOverflow)
        bump(&s->input_overflow, 1);
    if (flags & paOutputUnderflow)
        bump(&s->output_underflow, 1);
    if (flags & paOutputOverflow)
        bump(&s->output_overflow, 1);
}

/* Opens the callback's timing section: the time it began, on the clock the
 * rest of the program reads (clock_now_ns: clock_gettime on CLOCK_MONOTONIC,
 * which the vDSO serves on Linux: no system call). */
static inline void timing_begin(device_stream *s, unsigned long frames)
{
    int64_t now = clock_now_ns();
    atomic_fetch_add_explicit(&s->timing_seq, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release); /* odd before the data */
    atomic_store_explicit(&s->last_callback_ns, now, memory_order_relaxed);
    atomic_store_explicit(&s->last_block, frames, memory_order_relaxed);
}

static inline void timing_end(device_stream *s)
{
    atomic_fetch_add_explicit(&s->timing_seq, 1, memory_order_release);
}

static int capture_cb(const void *input, void *output, unsigned long frames,
                      const PaStreamCallbackTimeInfo *when, PaStreamCallbackFlags flags, void *user)
{
    device_stream *s = user;
    count_callback(s, frames, flags);
    timing_begin(s, frames);
    /* No input buffer (PortAudio's way of saying the device gave nothing):
     * silence keeps the consumer's timeline continuous. */
    size_t n = ring_write(s->ring, input, frames);
    if (n < frames) {
        /* The consumer fell behind: the newest frames are lost, the ring's
         * content stays contiguous. */
        bump(&s->xrun_frames, frames - n);
        bump(&s->xrun_events, 1);
    }
    timing_end(s);
    return paContinue;
}

static int playback_cb(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *when, PaStreamCallbackFlags flags,
                       void *user)
{
    device_stream *s = user;
    count_callback(s, frames, flags);
    timing_begin(s, frames);
    /* eos before the ring: the consumer sets it (release) after its last
     * write, so once we see it (acquire) the ring holds everything. */
    bool eos = atomic_load_explicit(&s->eos, memory_order_acquire);
    float *out = output;
    size_t ch = (size_t)s->info.channels;
    size_t n = ring_read(s->ring, out, frames);
    if (n > 0)
        s->played = true;
    if (n < frames) {
        memset(out + n * ch, 0, (frames - n) * ch * sizeof(float));
        if (eos || !s->played) {
            bump(&s->idle_frames, frames - n);
        } else {
            bump(&s->xrun_frames, frames - n);
            bump(&s->xrun_events, 1);
        }
    }
    timing_end(s);
    return paContinue;
}

/* ---- streams ---- */

device_stream *device_open(device_dir dir, const device_params *p, char *err, size_t err_size)
{
    if (p == NULL || (dir != DEVICE_INPUT && dir != DEVICE_OUTPUT)) {
        device_set_err(err, err_size, "device_open: bad arguments");
        return NULL;
    }
    if (p->channels < 1 || p->channels > 2) {
        device_set_err(err, err_size, "%d channels: 1 or 2 are supported", p->channels);
        return NULL;
    }
    if (p->rate < 0 || p->rate > 384000 || p->latency_s < 0 || p->latency_s > 10) {
        device_set_err(err, err_size, "device_open: rate or latency out of range");
        return NULL;
    }
    if (device_pa_acquire(err, err_size) != 0)
        return NULL;
    bool input = dir == DEVICE_INPUT;
    int count = Pa_GetDeviceCount();
    if (p->device < 0 || p->device >= count) {
        device_set_err(err, err_size, "no audio device %d (there are %d)", p->device,
                       count < 0 ? 0 : count);
        return NULL;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(p->device);
    int max_ch = device_channels_of(d, input);
    if (max_ch == 0) {
        device_set_err(err, err_size, "device %d '%s' has no %s channels", p->device, d->name,
                       device_dir_word(input));
        return NULL;
    }
    if (max_ch < p->channels) {
        device_set_err(err, err_size, "device %d '%s' has %d %s channel, not %d", p->device,
                       d->name, max_ch, device_dir_word(input), p->channels);
        return NULL;
    }

    PaStreamParameters sp = {
        .device = p->device,
        .channelCount = p->channels,
        .sampleFormat = paFloat32,
        .suggestedLatency = p->latency_s > 0 ? p->latency_s
                            : input          ? d->defaultLowInputLatency
                                             : d->defaultLowOutputLatency,
        .hostApiSpecificStreamInfo = NULL,
    };
    const PaStreamParameters *in_sp = input ? &sp : NULL, *out_sp = input ? NULL : &sp;
    int rate = p->rate > 0 ? p->rate : DEVICE_RATE;
    PaError e = Pa_IsFormatSupported(in_sp, out_sp, rate);
    if (e == paInvalidSampleRate && p->rate_fallback && d->defaultSampleRate >= 1) {
        rate = (int)lround(d->defaultSampleRate);
        e = Pa_IsFormatSupported(in_sp, out_sp, rate);
    }
    if (e == paInvalidSampleRate) {
        device_set_err(err, err_size,
                       "device %d '%s' cannot run at %d Hz (its default rate is %.0f Hz)",
                       p->device, d->name, rate, d->defaultSampleRate);
        return NULL;
    }
    if (e != paFormatIsSupported) {
        device_set_err(err, err_size, "device %d '%s' refuses %d-channel float %s at %d Hz: %s",
                       p->device, d->name, p->channels, device_dir_word(input), rate,
                       device_pa_reason(e));
        return NULL;
    }

    device_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        device_set_err(err, err_size, "out of memory");
        return NULL;
    }
    size_t ring_frames =
        p->ring_frames > 0 ? p->ring_frames : (size_t)rate * DEVICE_DEFAULT_RING_MS / 1000;
    /* A ring smaller than two device blocks under- or overruns every block. */
    if (p->block > 0 && ring_frames < 2 * (size_t)p->block)
        ring_frames = 2 * (size_t)p->block;
    s->ring = ring_create(ring_frames, p->channels);
    if (s->ring == NULL) {
        device_set_err(err, err_size, "cannot make a ring of %zu frames", ring_frames);
        free(s);
        return NULL;
    }
    atomic_init(&s->eos, false);
    counter *all[] = {&s->callbacks,       &s->frames,         &s->max_block,
                      &s->xrun_frames,     &s->xrun_events,    &s->idle_frames,
                      &s->input_underflow, &s->input_overflow, &s->output_underflow,
                      &s->output_overflow};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        atomic_init(all[k], 0);

    sigset_t saved;
    device_block_signals(&saved); /* some host APIs start the stream's thread here */
    e = Pa_OpenStream(&s->pa, in_sp, out_sp, rate,
                      p->block > 0 ? p->block : paFramesPerBufferUnspecified, paNoFlag,
                      input ? capture_cb : playback_cb, s);
    device_restore_signals(&saved);
    if (e != paNoError) {
        device_set_err(err, err_size, "cannot open %s device %d '%s': %s", device_dir_word(input),
                       p->device, d->name, device_pa_reason(e));
        ring_destroy(s->ring);
        free(s);
        return NULL;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(s->pa);
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    s->info = (device_info){
        .dir = dir,
        .device = p->device,
        .name = d->name,
        .host_api = device_api_name(d),
        .jack = h != NULL && h->type == paJACK,
        .channels = p->channels,
        .rate = rate,
        .block = p->block,
        .ring_frames = ring_capacity(s->ring),
        .reported_latency_s = si == NULL ? NAN
                              : input    ? si->inputLatency
                                         : si->outputLatency,
    };
    return s;
}

int device_start(device_stream *s, char *err, size_t err_size)
{
    if (s->running)
        return 0;
    /* No callback runs while the stream is stopped: safe to reset its state. */
    atomic_store_explicit(&s->eos, false, memory_order_release);
    s->played = false;
    sigset_t saved;
    device_block_signals(&saved); /* the callback thread starts here */
    PaError e = Pa_StartStream(s->pa);
    device_restore_signals(&saved);
    if (e != paNoError) {
        device_set_err(err, err_size, "cannot start %s device '%s': %s",
                       device_dir_word(s->info.dir == DEVICE_INPUT), s->info.name,
                       device_pa_reason(e));
        return -1;
    }
    s->running = true;
    return 0;
}

int device_stop(device_stream *s)
{
    if (!s->running)
        return -1;
    s->running = false;
    return Pa_StopStream(s->pa) == paNoError ? 0 : -1;
}

void device_close(device_stream *s)
{
    if (s == NULL)
        return;
    /* Abort rather than stop: whoever closes without draining wants it gone. */
    if (s->running)
        Pa_AbortStream(s->pa);
    Pa_CloseStream(s->pa);
    ring_destroy(s->ring);
    free(s);
}

size_t device_read(device_stream *s, float *dst, size_t frames)
{
    return s->info.dir == DEVICE_INPUT ? ring_read(s->ring, dst, frames) : 0;
}

size_t device_write(device_stream *s, const float *src, size_t frames)
{
    return s->info.dir == DEVICE_OUTPUT ? ring_write(s->ring, src, frames) : 0;
}

size_t device_available(const device_stream *s)
{
    return s->info.dir == DEVICE_INPUT ? ring_fill(s->ring) : ring_space(s->ring);
}

/* Sleeps until WHAT(s) >= FRAMES; see device_wait. */
static int wait_for(device_stream *s, size_t (*what)(const device_stream *), size_t frames,
                    int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : clock_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        size_t have = what(s);
        if (have >= frames)
            return 1;
        if (!s->running || Pa_IsStreamActive(s->pa) != 1)
            return -1;
        int64_t now = clock_now_ns();
        if (now >= deadline)
            return 0;
        /* The device delivers or takes frames at its nominal rate: the
         * missing ones cannot be there sooner than this. */
        int64_t ns = (int64_t)((frames - have) * 1000000000.0 / s->info.rate);
        if (ns < WAIT_MIN_NS)
            ns = WAIT_MIN_NS;
        if (ns > WAIT_MAX_NS)
            ns = WAIT_MAX_NS;
        /* A signal ends the sleep early: the loop just looks again. */
        clock_sleep_until(now + ns < deadline ? now + ns : deadline);
    }
}

int device_wait(device_stream *s, size_t frames, int timeout_ms)
{
    size_t cap = ring_capacity(s->ring);
    return wait_for(s, device_available, frames < cap ? frames : cap, timeout_ms);
}

void device_end_of_stream(device_stream *s)
{
    atomic_store_explicit(&s->eos, true, memory_order_release);
}

static size_t played_out(const device_stream *s)
{
    return ring_capacity(s->ring) - ring_fill(s->ring); /* = capacity once empty */
}

int device_drain(device_stream *s, int timeout_ms)
{
    if (s->info.dir != DEVICE_OUTPUT || !s->running)
        return -1;
    device_end_of_stream(s);
    int r = wait_for(s, played_out, ring_capacity(s->ring), timeout_ms);
    /* Pa_StopStream lets the host play what it already holds. */
    int stopped = device_stop(s);
    return r == 1 && stopped == 0 ? 0 : -1;
}

void device_get_stats(const device_stream *s, device_stats *out)
{
#define LOAD(f) atomic_load_explicit(&((device_stream *)s)->f, memory_order_relaxed)
    *out = (device_stats){
        .callbacks = LOAD(callbacks),
        .frames = LOAD(frames),
        .max_block = LOAD(max_block),
        .xrun_frames = LOAD(xrun_frames),
        .xrun_events = LOAD(xrun_events),
        .idle_frames = LOAD(idle_frames),
        .input_underflow = LOAD(input_underflow),
        .input_overflow = LOAD(input_overflow),
        .output_underflow = LOAD(output_underflow),
        .output_overflow = LOAD(output_overflow),
    };
#undef LOAD
}

bool device_timing_read(const device_stream *s, device_timing *out)
{
    device_stream *m = (device_stream *)s; /* atomics are read, not changed */
    /* A callback runs for well under a block; a few tries always find a
     * moment between two. */
    for (int tries = 0; tries < 1000; tries++) {
        uint64_t seq = atomic_load_explicit(&m->timing_seq, memory_order_acquire);
        if (seq == 0)
            return false;
        if (seq & 1)
            continue;
        int64_t at = atomic_load_explicit(&m->last_callback_ns, memory_order_relaxed);
        uint64_t block = atomic_load_explicit(&m->last_block, memory_order_relaxed);
        size_t fill = ring_fill(s->ring);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&m->timing_seq, memory_order_relaxed) != seq)
            continue;
        out->callback_ns = at;
        out->block = block;
        out->next_ns = at + (int64_t)(block * 1000000000ull / (uint64_t)s->info.rate);
        out->ring_fill = fill;
        return true;
    }
    return false;
}

void device_get_info(const device_stream *s, device_info *out)
{
    *out = s->info;
}

device_stream *device_open_started(device_dir dir, const char *spec, int channels,
                                   size_t ring_frames, char *name, size_t name_size, char *err,
                                   size_t err_size)
{
    int index = device_find(spec, dir == DEVICE_INPUT, err, err_size);
    if (index < 0)
        return NULL;
    device_params p = {0};
    p.device = index;
    p.channels = channels;
    p.rate = DEVICE_RATE;
    p.ring_frames = ring_frames;
    device_stream *s = device_open(dir, &p, err, err_size);
    if (!s || device_start(s, err, err_size) != 0) {
        device_close(s);
        return NULL;
    }
    device_info info;
    device_get_info(s, &info);
    int n = snprintf(name, name_size, "device %d '%s' (%s)", info.device, info.name, info.host_api);
    const char *client = info.jack ? device_jack_client_name() : NULL;
    for (int ch = 0; client && ch < info.channels && n > 0 && (size_t)n < name_size; ch++)
        n += snprintf(name + n, name_size - (size_t)n, "%s%s:%s_%d", ch ? " " : "; jack ports ",
                      client, dir == DEVICE_INPUT ? "in" : "out", ch);
    return s;
}
