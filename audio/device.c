/* PortAudio streams exchanging audio through lock-free rings; see device.h.
 *
 * Real-time rules for the two callbacks below (capture_cb, playback_cb): they
 * touch only the ring, memset/memcpy and this stream's atomic counters. Each
 * counter has exactly one writer (the callback), so it is updated with a
 * relaxed load and store rather than an atomic read-modify-write: no locked
 * instruction on the audio thread, and readers on other threads still see
 * whole values. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "audio/device.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <portaudio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/ring.h"

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

/* ---- PortAudio's lifetime ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_ready; /* Pa_Initialize succeeded and Pa_Terminate has not run */

static void set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
    if (err == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

static const char *pa_reason(PaError e)
{
    if (e == paUnanticipatedHostError) {
        const PaHostErrorInfo *h = Pa_GetLastHostErrorInfo();
        if (h != NULL && h->errorText != NULL && h->errorText[0] != '\0')
            return h->errorText;
    }
    return Pa_GetErrorText(e);
}

typedef void (*alsa_error_fn)(const char *file, int line, const char *function, int err,
                              const char *fmt, ...);

static void alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt,
                       ...)
{
}

static void jack_quiet(const char *msg) {}

/* PortAudio probes every ALSA PCM and tries to reach a JACK server when it
 * starts, and both libraries print each failure to stderr ("ALSA lib
 * pcm.c:2666: Unknown PCM dmix", "Cannot connect to server socket"): dozens of
 * lines that bury our one-line reason. Hand them handlers that print nothing.
 * The libraries are already loaded (libportaudio links them), so their setters
 * are looked up rather than linked, which keeps them optional. PortAudio
 * installs its own JACK error handler once connected; that one records the
 * text for Pa_GetLastHostErrorInfo(). AL_AUDIO_DEBUG=1 keeps the chatter. */
static void quiet_library_chatter(void)
{
    const char *debug = getenv("AL_AUDIO_DEBUG");
    if (debug != NULL && debug[0] != '\0' && strcmp(debug, "0") != 0)
        return;
    int (*alsa_set)(alsa_error_fn) = NULL;
    void (*jack_set)(void (*)(const char *)) = NULL;
    /* POSIX's way to turn dlsym's void * into a function pointer */
    *(void **)&alsa_set = dlsym(RTLD_DEFAULT, "snd_lib_error_set_handler");
    if (alsa_set != NULL)
        alsa_set(alsa_quiet);
    *(void **)&jack_set = dlsym(RTLD_DEFAULT, "jack_set_error_function");
    if (jack_set != NULL)
        jack_set(jack_quiet);
    *(void **)&jack_set = dlsym(RTLD_DEFAULT, "jack_set_info_function");
    if (jack_set != NULL)
        jack_set(jack_quiet);
}

static int pa_acquire(char *err, size_t err_size)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    if (!g_ready) {
        quiet_library_chatter();
        PaError e = Pa_Initialize();
        if (e == paNoError) {
            g_ready = true;
        } else {
            set_err(err, err_size, "cannot start PortAudio: %s", pa_reason(e));
            rc = -1;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void device_terminate(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_ready)
        Pa_Terminate();
    g_ready = false;
    pthread_mutex_unlock(&g_lock);
}

const char *device_jack_client_name(void)
{
    /* PaJack_GetClientName exists only in PortAudio builds with JACK
     * (Debian's has it): looked up, so other builds still link. */
    PaError (*get_name)(const char **) = NULL;
    *(void **)&get_name = dlsym(RTLD_DEFAULT, "PaJack_GetClientName");
    const char *name = NULL;
    pthread_mutex_lock(&g_lock);
    if (get_name == NULL || !g_ready || Pa_HostApiTypeIdToHostApiIndex(paJACK) < 0 ||
        get_name(&name) != paNoError)
        name = NULL;
    pthread_mutex_unlock(&g_lock);
    return name;
}

/* ---- listing and finding ---- */

static const char *api_name(const PaDeviceInfo *d)
{
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    return h != NULL ? h->name : "?";
}

static int channels_of(const PaDeviceInfo *d, bool input)
{
    return input ? d->maxInputChannels : d->maxOutputChannels;
}

static const char *dir_word(bool input)
{
    return input ? "input" : "output";
}

/* PortAudio's device count (initialising it first), or -1 with a reason. */
static int count_devices(char *err, size_t err_size)
{
    if (pa_acquire(err, err_size) != 0)
        return -1;
    int n = Pa_GetDeviceCount();
    if (n < 0)
        set_err(err, err_size, "cannot list audio devices: %s", pa_reason(n));
    return n < 0 ? -1 : n;
}

int device_list(FILE *out, char *err, size_t err_size)
{
    int n = count_devices(err, err_size);
    if (n < 0)
        return -1;
    if (n == 0) {
        fprintf(out, "no audio devices (is an audio server running?)\n");
        return 0;
    }
    PaDeviceIndex def_in = Pa_GetDefaultInputDevice(), def_out = Pa_GetDefaultOutputDevice();
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL)
            continue;
        fprintf(
            out, "%3d  %s: '%s'  in %d, out %d, %.0f Hz, latency in %.1f-%.1f ms, out %.1f-%.1f ms",
            i, api_name(d), d->name, d->maxInputChannels, d->maxOutputChannels,
            d->defaultSampleRate, d->defaultLowInputLatency * 1e3, d->defaultHighInputLatency * 1e3,
            d->defaultLowOutputLatency * 1e3, d->defaultHighOutputLatency * 1e3);
        if (i == def_in && i == def_out)
            fprintf(out, "  (default input and output)");
        else if (i == def_in)
            fprintf(out, "  (default input)");
        else if (i == def_out)
            fprintf(out, "  (default output)");
        fputc('\n', out);
    }
    return n;
}

/* Case-insensitive "does HAY contain NEEDLE" (strcasestr is a GNU extension). */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < n && hay[i] != '\0' &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool equal_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    }
    return *a == *b;
}

/* Appends " 3 'name' [API]," style entries for every device with channels in
 * that direction (and matching API/NAME filters when given) to BUF. */
static void append_candidates(char *buf, size_t size, bool input, const char *api_part,
                              const char *name_part)
{
    size_t len = strlen(buf);
    int shown = 0;
    for (int i = 0, n = Pa_GetDeviceCount(); i < n && len + 1 < size; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL || channels_of(d, input) == 0)
            continue;
        if (api_part != NULL && !contains_nocase(api_name(d), api_part))
            continue;
        if (name_part != NULL && !contains_nocase(d->name, name_part))
            continue;
        int w = snprintf(buf + len, size - len, "%s%d '%s' [%s]", shown ? ", " : "", i, d->name,
                         api_name(d));
        if (w < 0)
            break;
        len += (size_t)w;
        shown++;
    }
    if (shown == 0 && len + 1 < size)
        snprintf(buf + len, size - len, "none");
}

/* Looks for devices whose name contains NAME_PART (and whose host API's name
 * contains API_PART unless NULL). Returns the index, -1 when none matches,
 * -2 when several match and none exactly. */
static int match_name(const char *api_part, const char *name_part, bool input)
{
    int found = -1, count = 0;
    for (int i = 0, n = Pa_GetDeviceCount(); i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL || channels_of(d, input) == 0)
            continue;
        if (api_part != NULL && !contains_nocase(api_name(d), api_part))
            continue;
        if (equal_nocase(d->name, name_part))
            return i;
        if (contains_nocase(d->name, name_part)) {
            if (count++ == 0)
                found = i;
        }
    }
    return count > 1 ? -2 : found;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
    }
    return true;
}

int device_find(const char *spec, bool input, char *err, size_t err_size)
{
    int n = count_devices(err, err_size);
    if (n < 0)
        return -1;
    if (n == 0) {
        set_err(err, err_size, "no audio devices (is an audio server running?)");
        return -1;
    }
    char list[768] = "";

    if (spec == NULL || spec[0] == '\0' || equal_nocase(spec, "default")) {
        PaDeviceIndex i = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
        if (i != paNoDevice)
            return i;
        append_candidates(list, sizeof list, input, NULL, NULL);
        set_err(err, err_size, "no default %s device (%s devices: %s)", dir_word(input),
                dir_word(input), list);
        return -1;
    }

    if (all_digits(spec)) {
        errno = 0;
        long i = strtol(spec, NULL, 10);
        if (errno == ERANGE || i >= n) {
            set_err(err, err_size, "no audio device %s (there are %d: 0..%d)", spec, n, n - 1);
            return -1;
        }
        const PaDeviceInfo *d = Pa_GetDeviceInfo((PaDeviceIndex)i);
        if (channels_of(d, input) == 0) {
            set_err(err, err_size, "device %ld '%s' has no %s channels", i, d->name,
                    dir_word(input));
            return -1;
        }
        return (int)i;
    }

    int i = match_name(NULL, spec, input);
    if (i >= 0)
        return i;
    const char *colon = strchr(spec, ':');
    char api_part[128] = "";
    const char *name_part = spec;
    if (i == -1 && colon != NULL && (size_t)(colon - spec) < sizeof api_part) {
        memcpy(api_part, spec, (size_t)(colon - spec));
        api_part[colon - spec] = '\0';
        name_part = colon + 1;
        i = match_name(api_part, name_part, input);
        if (i >= 0)
            return i;
    }
    if (i == -2) {
        append_candidates(list, sizeof list, input, api_part[0] ? api_part : NULL, name_part);
        set_err(err, err_size,
                "'%s' matches several %s devices (%s): give the index or more of the name", spec,
                dir_word(input), list);
        return -1;
    }
    /* Say so when the name exists but only for the other direction. */
    for (int k = 0; k < n; k++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(k);
        if (d != NULL && contains_nocase(d->name, spec) && channels_of(d, input) == 0) {
            set_err(err, err_size, "device %d '%s' has no %s channels", k, d->name,
                    dir_word(input));
            return -1;
        }
    }
    append_candidates(list, sizeof list, input, NULL, NULL);
    set_err(err, err_size, "no %s device matches '%s' (%s devices: %s)", dir_word(input), spec,
            dir_word(input), list);
    return -1;
}

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

/* Opens the callback's timing section: the time it began (clock_gettime on
 * CLOCK_MONOTONIC is served by the vDSO on Linux: no system call). */
static inline void timing_begin(device_stream *s, unsigned long frames)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_fetch_add_explicit(&s->timing_seq, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release); /* odd before the data */
    atomic_store_explicit(&s->last_callback_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
                          memory_order_relaxed);
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
        set_err(err, err_size, "device_open: bad arguments");
        return NULL;
    }
    if (p->channels < 1 || p->channels > 2) {
        set_err(err, err_size, "%d channels: 1 or 2 are supported", p->channels);
        return NULL;
    }
    if (p->rate < 0 || p->rate > 384000 || p->latency_s < 0 || p->latency_s > 10) {
        set_err(err, err_size, "device_open: rate or latency out of range");
        return NULL;
    }
    if (pa_acquire(err, err_size) != 0)
        return NULL;
    bool input = dir == DEVICE_INPUT;
    int count = Pa_GetDeviceCount();
    if (p->device < 0 || p->device >= count) {
        set_err(err, err_size, "no audio device %d (there are %d)", p->device,
                count < 0 ? 0 : count);
        return NULL;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(p->device);
    int max_ch = channels_of(d, input);
    if (max_ch == 0) {
        set_err(err, err_size, "device %d '%s' has no %s channels", p->device, d->name,
                dir_word(input));
        return NULL;
    }
    if (max_ch < p->channels) {
        set_err(err, err_size, "device %d '%s' has %d %s channel, not %d", p->device, d->name,
                max_ch, dir_word(input), p->channels);
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
        set_err(err, err_size, "device %d '%s' cannot run at %d Hz (its default rate is %.0f Hz)",
                p->device, d->name, rate, d->defaultSampleRate);
        return NULL;
    }
    if (e != paFormatIsSupported) {
        set_err(err, err_size, "device %d '%s' refuses %d-channel float %s at %d Hz: %s", p->device,
                d->name, p->channels, dir_word(input), rate, pa_reason(e));
        return NULL;
    }

    device_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, err_size, "out of memory");
        return NULL;
    }
    size_t ring_frames =
        p->ring_frames > 0 ? p->ring_frames : (size_t)rate * DEVICE_DEFAULT_RING_MS / 1000;
    /* A ring smaller than two device blocks under- or overruns every block. */
    if (p->block > 0 && ring_frames < 2 * (size_t)p->block)
        ring_frames = 2 * (size_t)p->block;
    s->ring = ring_create(ring_frames, p->channels);
    if (s->ring == NULL) {
        set_err(err, err_size, "cannot make a ring of %zu frames", ring_frames);
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

    e = Pa_OpenStream(&s->pa, in_sp, out_sp, rate,
                      p->block > 0 ? p->block : paFramesPerBufferUnspecified, paNoFlag,
                      input ? capture_cb : playback_cb, s);
    if (e != paNoError) {
        set_err(err, err_size, "cannot open %s device %d '%s': %s", dir_word(input), p->device,
                d->name, pa_reason(e));
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
        .host_api = api_name(d),
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
    PaError e = Pa_StartStream(s->pa);
    if (e != paNoError) {
        set_err(err, err_size, "cannot start %s device '%s': %s",
                dir_word(s->info.dir == DEVICE_INPUT), s->info.name, pa_reason(e));
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

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000), .tv_nsec = (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Sleeps until WHAT(s) >= FRAMES; see device_wait. */
static int wait_for(device_stream *s, size_t (*what)(const device_stream *), size_t frames,
                    int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        size_t have = what(s);
        if (have >= frames)
            return 1;
        if (!s->running || Pa_IsStreamActive(s->pa) != 1)
            return -1;
        int64_t now = now_ns();
        if (now >= deadline)
            return 0;
        /* The device delivers or takes frames at its nominal rate: the
         * missing ones cannot be there sooner than this. */
        int64_t ns = (int64_t)((frames - have) * 1000000000.0 / s->info.rate);
        if (ns < WAIT_MIN_NS)
            ns = WAIT_MIN_NS;
        if (ns > WAIT_MAX_NS)
            ns = WAIT_MAX_NS;
        sleep_until_ns(now + ns < deadline ? now + ns : deadline);
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

int device_list_command(const char *program)
{
    char err[256];
    /* device_list returns how many devices it listed; only a negative
     * count is a failure (with a reason in ERR). */
    int count = device_list(stdout, err, sizeof err);
    if (count < 0)
        fprintf(stderr, "%s: %s\n", program, err);
    device_terminate();
    return count < 0 ? 1 : 0;
}
