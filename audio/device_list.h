/* Sound devices through PortAudio: listing them and finding one by index or
 * name, for capture or playback. Device indices are PortAudio's and stay
 * valid until device_terminate() (audio/device_pa.h). Messages are one line,
 * written into the caller's ERR buffer of ERR_SIZE bytes. */
#ifndef AL_AUDIO_DEVICE_LIST_H
#define AL_AUDIO_DEVICE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** Prints one line per device to OUT: index, host API, name in quotes, max
 *  input and output channels, default sample rate, default low/high input
 *  and output latency in ms, and a "default input/output" mark. Prints
 *  "no audio devices (is an audio server running?)" when there are none.
 *  Returns the number of devices listed (0 or more), or -1 with a reason in
 *  ERR (PortAudio could not start). */
int device_list(FILE *out, char *err, size_t err_size);

/** Finds the device for SPEC, for capture (INPUT) or playback:
 *   - NULL, "" or "default": the system's default device for that direction;
 *   - digits: that device index (as device_list prints it);
 *   - otherwise a case-insensitive part of the device name. A name that is
 *     matched exactly wins; several partial matches are refused as ambiguous.
 *     When nothing matches and SPEC has a ':', "API:NAME" is tried: API a part
 *     of the host API's name, NAME a part of the device's ("jack:system",
 *     "alsa:default").
 *  Only devices with channels in the wanted direction count. Returns the
 *  device index (>= 0), or -1 with a one-line reason in ERR, e.g.
 *  "no audio devices (is an audio server running?)",
 *  "no input device matches 'xyz' (input devices: 0 'jack' [ALSA], ...)",
 *  "device 7 'HDMI' has no input channels". */
int device_find(const char *spec, bool input, char *err, size_t err_size);

/** --list-devices for a program: device_list on stdout, then PortAudio is
 *  terminated. Returns the program's exit status: 0 when the list was
 *  printed, also when it is empty (the "no audio devices ..." line is the
 *  answer then); 1 when PortAudio could not list, with the reason on stderr
 *  prefixed with "PROGRAM: ". */
int device_list_command(const char *program);

#endif
