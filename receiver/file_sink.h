/* Received audio to a sound file.
 *
 * A live output must play concealment the moment a frame is missing, but a
 * file can wait: concealed frames with nothing received after them yet are
 * held back, written once a later frame arrives (they were a gap inside the
 * stream) and dropped if the stream ends instead (they were past its end).
 * So a file holds exactly the received stream, gaps concealed, no tail of
 * made-up audio. */
#ifndef AL_RECEIVER_FILE_SINK_H
#define AL_RECEIVER_FILE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct file_sink file_sink;

/** Creates PATH (.wav or .flac) for CHANNELS channels at 48 kHz. */
file_sink *file_sink_open(const char *path, int channels, char *err, size_t err_size);

/** Takes SAMPLES frames of audio. HOLD marks concealment that may lie past
 *  the stream's end. Returns 0, or -1 on a write error. */
int file_sink_write(file_sink *sink, const float *pcm, int samples, bool hold);

/** Frames (calls to write) currently held back. */
uint64_t file_sink_held_frames(const file_sink *sink);

/** Drops what is held (concealment past the end of a stream that has
 *  ended) and keeps the file open for the next stream. */
void file_sink_drop_held(file_sink *sink);

/** Samples per channel written to the file so far. */
int64_t file_sink_written(const file_sink *sink);

/** Drops what is held and finalises the file. Returns 0, or -1 if the file
 *  could not be finalised. Frees the sink. */
int file_sink_close(file_sink *sink);

#endif
