/* PortAudio's lifetime: the two calls about it that programs make.
 *
 * PortAudio is initialised on first use (by device_list, device_find or
 * device_open) and stays initialised, so device indices stay valid, until
 * device_terminate(). A mutex guards the initialisation, so any thread may
 * be the first. What the device modules share besides is in
 * audio/device_internal.h. */
#ifndef AL_AUDIO_DEVICE_PA_H
#define AL_AUDIO_DEVICE_PA_H

/** The JACK client name PortAudio registered this process as ("PortAudio",
 *  "PortAudio-01", ...), so scripts can wire ports with jack_connect; NULL
 *  when the JACK host API is not running. Ports are named CLIENT:in_N and
 *  CLIENT:out_N, numbered from 0 per process in the order streams open. */
const char *device_jack_client_name(void);

/** Terminates PortAudio if it was started. Close every stream first.
 *  device_list/find/open start it again when next called. */
void device_terminate(void);

#endif
