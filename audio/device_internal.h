/* What the device modules (audio/device_pa.c, device_list.c,
 * device_stream.c) share: PortAudio start-up, messages, and the signal mask
 * for the threads PortAudio starts. Not for callers outside audio/. */
#ifndef AL_AUDIO_DEVICE_INTERNAL_H
#define AL_AUDIO_DEVICE_INTERNAL_H

#include <portaudio.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/** Starts PortAudio unless it runs. Returns 0, or -1 with a reason in ERR
 *  ("cannot start PortAudio: ..."). */
int device_pa_acquire(char *err, size_t err_size);

/** PortAudio's text for E; the host API's own text when it has one. */
const char *device_pa_reason(PaError e);

/** snprintf into ERR (ignored when NULL or of size 0). */
void device_set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** The host API's name of device D ("ALSA", "JACK Audio Connection Kit"). */
const char *device_api_name(const PaDeviceInfo *d);

/** D's maximum channels for capture (INPUT) or playback. */
int device_channels_of(const PaDeviceInfo *d, bool input);

/** "input" or "output", for messages. */
const char *device_dir_word(bool input);

/** Blocks every signal in the calling thread, the old mask in *SAVED. Put
 *  around the PortAudio calls that start threads (Pa_Initialize, which
 *  connects to JACK, Pa_OpenStream, Pa_StartStream): threads inherit their
 *  creator's mask, so the audio threads then never run a signal handler,
 *  and a SIGINT reaches the thread that waits for it (net/loop.h). */
void device_block_signals(sigset_t *saved);

/** Puts back the mask device_block_signals saved. */
void device_restore_signals(const sigset_t *saved);

#endif
