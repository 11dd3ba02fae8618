/* PortAudio's lifetime (device_pa.h) and what the device modules share
 * (device_internal.h). */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "audio/device_pa.h"

#include "audio/device_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_ready; /* Pa_Initialize succeeded and Pa_Terminate has not run */

void device_set_err(char *err, size_t size, const char *fmt, ...)
{
    if (err == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

const char *device_pa_reason(PaError e)
{
    if (e == paUnanticipatedHostError) {
        const PaHostErrorInfo *h = Pa_GetLastHostErrorInfo();
        if (h != NULL && h->errorText != NULL && h->errorText[0] != '\0')
            return h->errorText;
    }
    return Pa_GetErrorText(e);
}

const char *device_api_name(const PaDeviceInfo *d)
{
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    return h != NULL ? h->name : "?";
}

int device_channels_of(const PaDeviceInfo *d, bool input)
{
    return input ? d->maxInputChannels : d->maxOutputChannels;
}

const char *device_dir_word(bool input)
{
    return input ? "input" : "output";
}

void device_block_signals(sigset_t *saved)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, saved);
}

void device_restore_signals(const sigset_t *saved)
{
    pthread_sigmask(SIG_SETMASK, saved, NULL);
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

int device_pa_acquire(char *err, size_t err_size)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    if (!g_ready) {
        quiet_library_chatter();
        sigset_t saved;
        device_block_signals(&saved); /* JACK's client threads start here */
        PaError e = Pa_Initialize();
        device_restore_signals(&saved);
        if (e == paNoError) {
            g_ready = true;
        } else {
            device_set_err(err, err_size, "cannot start PortAudio: %s", device_pa_reason(e));
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
