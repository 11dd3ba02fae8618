/* Where the sender's audio comes from, behind one interface: a sound file
 * (any rate and channel count, resampled to 48 kHz; paced by the loop's
 * clock) or a capture device (PortAudio; the card's clock paces it).
 *
 * Frames are FRAME_SAMPLES per channel at 48 kHz, interleaved floats. */
#ifndef AL_SENDER_TX_INPUT_H
#define AL_SENDER_TX_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct tx_input tx_input;

/** What tx_input_read() got (negative: AL_ERR_* of common/status.h). */
enum tx_input_result {
    TX_INPUT_END = 0,     /**< nothing more: the file ended (not looping) */
    TX_INPUT_FRAME = 1,   /**< a whole frame */
    TX_INPUT_LAST = 2,    /**< the file's last, partial frame, padded with silence */
    TX_INPUT_NOT_YET = 3, /**< the device has not delivered the frame yet */
};

/** Opens NAME as a capture device (FROM_DEVICE: an index, part of a name
 *  or "default") or as a sound file, for CHANNELS channels; a file starts
 *  again at its end when LOOP. NULL with a reason in ERR. */
tx_input *tx_input_open(const char *name, bool from_device, int channels, int frame_samples,
                        bool loop, char *err, size_t err_size);

/** Reads the next frame into PCM (frame_samples * channels floats). Returns
 *  an enum tx_input_result, or AL_ERR_MALFORMED on a read error. */
int tx_input_read(tx_input *in, float *pcm);

/** True when the device's clock paces the input (capture): a frame is sent
 *  as soon as it is there, not on our clock. */
bool tx_input_is_device(const tx_input *in);

/** For a device, when to look again for the next frame (monotonic ns; NOW
 *  when it is there); for a file, LOOP_NEVER-like INT64_MAX (our clock
 *  paces it). */
int64_t tx_input_next_ns(const tx_input *in, int64_t now);

/** The device's name, or the file's path, for messages. */
const char *tx_input_name(const tx_input *in);

/** Closes IN (NULL is fine); a device's overruns, if any, are reported on
 *  REPORT ("sender: capture: ..."; NULL: not reported). */
void tx_input_close(tx_input *in, FILE *report);

#endif
