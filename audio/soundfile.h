/* Sound files in and out.
 *
 * The reader opens anything libsndfile reads (WAV, FLAC, Ogg Vorbis/Opus, AIFF,
 * ...) at any sample rate and channel count, and delivers interleaved float
 * frames at 48 kHz in the channel count the caller asks for: mono input is
 * copied to every output channel, more channels are averaged down to mono, or
 * the first N are kept when N > 1 output channels are asked of a wider file.
 * Rates other than 48 kHz go through the speexdsp resampler.
 *
 * The writer takes interleaved float at 48 kHz and writes WAV (16-bit PCM) or
 * FLAC (16-bit), chosen from the file name's extension (.wav, .flac); anything
 * else is refused. soundfile_writer_close() always leaves a valid file.
 * A WAV's header is rewritten about once a second while it is written, so a
 * writer killed at any point leaves a valid file saying how much it holds to
 * within a second. A WAV stays a plain WAV (with a JUNK chunk that every
 * reader skips) up to 4 GiB and becomes RF64 (EBU Tech 3306) past it, which
 * libsndfile, ffmpeg and sox read; wav_header.h has the layout.
 */
#ifndef AL_AUDIO_SOUNDFILE_H
#define AL_AUDIO_SOUNDFILE_H

#include <stddef.h>
#include <stdint.h>

#define SOUNDFILE_RATE 48000 /**< the rate every frame is delivered and taken at */

typedef struct soundfile_reader soundfile_reader;
typedef struct soundfile_writer soundfile_writer;

/** Opens PATH for reading, delivering CHANNELS (1 or 2) channels at 48 kHz.
 *  Returns NULL on failure and writes a one-line reason (no newline) into
 *  ERR (ERR_SIZE bytes), e.g. "cannot open 'x.wav': No such file or directory". */
soundfile_reader *soundfile_reader_open(const char *path, int channels, char *err, size_t err_size);

/** Reads up to FRAMES frames (samples per channel at 48 kHz) into OUT
 *  (FRAMES * channels floats, interleaved). Returns the number of frames
 *  read: fewer than asked only at the end of the file, 0 at the end, and
 *  a negative value on a read error. */
long soundfile_reader_read(soundfile_reader *reader, float *out, long frames);

/** Starts again from the beginning (for --loop). Returns 0 or -1. */
int soundfile_reader_rewind(soundfile_reader *reader);

/** The file's own sample rate and channel count, and its length in frames at
 *  its own rate (0 when unknown). */
int soundfile_reader_file_rate(const soundfile_reader *reader);
int soundfile_reader_file_channels(const soundfile_reader *reader);
int64_t soundfile_reader_file_frames(const soundfile_reader *reader);

void soundfile_reader_close(soundfile_reader *reader);

/** Creates PATH (.wav or .flac) holding CHANNELS channels at 48 kHz.
 *  Returns NULL with a reason in ERR on failure. */
soundfile_writer *soundfile_writer_open(const char *path, int channels, char *err, size_t err_size);

/** Appends FRAMES interleaved frames, clipped to [-1, 1] (NaN as 0). Returns
 *  0, or -1 on a write error; after a WAV write error every later write
 *  fails too, and the file keeps the whole frames written before it. */
int soundfile_writer_write(soundfile_writer *writer, const float *in, long frames);

/** For tests: makes a WAV writer switch to RF64 once the file's riff size
 *  (its length less 8 bytes) passes BYTES instead of 4 GiB, so that a test
 *  can cross the limit with a few KiB. 0 restores the default. Takes effect
 *  at the next header update; call it right after open. Returns 0, or -1
 *  for NULL or a FLAC writer. */
int soundfile_writer_set_riff_limit(soundfile_writer *writer, uint64_t bytes);

/** Frames written so far. */
int64_t soundfile_writer_frames(const soundfile_writer *writer);

/** Flushes and finalises the header. Safe to call from the normal exit path
 *  after a signal. Returns 0, or -1 if the file could not be finalised. */
int soundfile_writer_close(soundfile_writer *writer);

#endif
