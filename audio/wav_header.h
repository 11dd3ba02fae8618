/* The header of a 16-bit PCM WAV file that turns into RF64 when it grows
 * past what 32-bit sizes can say. Pure: builds bytes in memory, touches no
 * file.
 *
 * A plain WAV states its sizes in 32 bits, so past 4 GiB (6 h 13 min of
 * 48 kHz stereo 16-bit) they wrap and every reader sees a short file. RF64
 * (EBU Tech 3306, the same layout as ITU-R BS.2088 BW64) keeps 64-bit sizes
 * in a "ds64" chunk that must be the first chunk. Both shapes below have the
 * same 80 bytes, because the plain WAV reserves the ds64's room with a JUNK
 * chunk of the same size (Tech 3306's own advice); so a writer turns its
 * file into RF64 by rewriting its first 80 bytes in place, with one write,
 * and a file under 4 GiB stays a plain WAV that every tool reads (readers
 * skip JUNK).
 *
 *   offset  plain WAV                       RF64
 *    0      "RIFF" riff size (u32)          "RF64" 0xFFFFFFFF
 *    8      "WAVE"                          "WAVE"
 *   12      "JUNK" 28, 28 zero bytes        "ds64" 28, riff size (u64), data
 *                                           size (u64), frames (u64), 0 (u32)
 *   48      "fmt " 16, PCM, channels, rate, byte rate, block align, 16 bits
 *   72      "data" data size (u32)          "data" 0xFFFFFFFF
 *   80      the samples: 16-bit little-endian, interleaved
 *
 * All fields are little-endian. The riff size is the file's length less the
 * 8 bytes of "RIFF"/"RF64" and the size itself: 72 + the data size. */
#ifndef AL_AUDIO_WAV_HEADER_H
#define AL_AUDIO_WAV_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#define WAV_HEADER_BYTES     80 /**< both shapes; the samples start here */
#define WAV_BITS_PER_SAMPLE  16
#define WAV_BYTES_PER_SAMPLE (WAV_BITS_PER_SAMPLE / 8)

/** The largest riff size a plain WAV can state (bytes): the file itself may
 *  then be 8 bytes longer. A writer can pass a smaller limit (tests do, to
 *  cross it with a few KiB), never a larger one. */
#define WAV_RIFF_LIMIT UINT32_MAX

#define WAV_MAX_CHANNELS 1024 /**< keeps the block align inside its 16 bits */

/** True when a file holding DATA_BYTES bytes of samples must be RF64: its
 *  riff size (72 + DATA_BYTES) would pass RIFF_LIMIT bytes (at most
 *  WAV_RIFF_LIMIT; larger values count as WAV_RIFF_LIMIT). */
bool wav_header_needs_rf64(uint64_t data_bytes, uint64_t riff_limit);

/** Fills OUT (WAV_HEADER_BYTES bytes) with the header of a file of CHANNELS
 *  (1..WAV_MAX_CHANNELS) channels at RATE Hz (1..UINT32_MAX / block align)
 *  holding DATA_BYTES bytes of samples, a whole number of frames: a plain WAV
 *  while wav_header_needs_rf64() says no, RF64 from then on.
 *  Returns AL_OK, or AL_ERR_ARG (OUT untouched) for a NULL OUT, a channel
 *  count or rate out of range, or a DATA_BYTES that is not whole frames. */
int wav_header_build(uint8_t out[WAV_HEADER_BYTES], int channels, int rate, uint64_t data_bytes,
                     uint64_t riff_limit);

#endif
