/* Sound devices through PortAudio, for callers that use all of it (the
 * programs, devtool): an umbrella over the three device modules.
 *  - audio/device_list.h: list devices, find one by index or name,
 *    --list-devices;
 *  - audio/device_stream.h: capture and playback streams through rings;
 *  - audio/device_pa.h: PortAudio's lifetime (device_terminate) and the
 *    JACK client name. */
#ifndef AL_AUDIO_DEVICE_H
#define AL_AUDIO_DEVICE_H

#include "audio/device_list.h"
#include "audio/device_pa.h"
#include "audio/device_stream.h"

#endif
