/* A decoder that follows the stream of RED copies on its own.
 *
 * The copies come from the sender's second encoder, whose state (gains,
 * pitch, LPC history) differs from the primary encoder's. Decoding a lone
 * copy in the primary's decoder, or in a decoder that sees only the odd
 * copy, decodes it against the wrong history. This decoder instead decodes
 * every copy as it arrives, in frame order, so its state tracks the copy
 * encoder's; the audio of the last few copies is kept for the playout to
 * take when a primary is missing. */
#ifndef AL_RECEIVER_COPY_DECODER_H
#define AL_RECEIVER_COPY_DECODER_H

#include <stddef.h>
#include <stdint.h>

typedef struct copy_decoder copy_decoder;

/** CHANNELS output channels at 48 kHz. NULL when out of memory. */
copy_decoder *copy_decoder_create(int channels);
void copy_decoder_destroy(copy_decoder *cd);

/** Forgets everything (a new stream). */
void copy_decoder_reset(copy_decoder *cd);

/** Hands in the copy of the frame at extended timestamp TS. Copies older
 *  than the newest already decoded are ignored; a gap before TS is bridged
 *  with the decoder's concealment so that its state stays in step. */
void copy_decoder_feed(copy_decoder *cd, int64_t ts, const uint8_t *data, size_t len);

/** The decoded copy of the frame at TS (interleaved floats, *SAMPLES per
 *  channel), or NULL when it was not decoded or has been forgotten. */
const float *copy_decoder_lookup(const copy_decoder *cd, int64_t ts, int *samples);

#endif
