/* What an Opus packet says about itself (RFC 6716 section 3.1), without
 * decoding it. */
#ifndef AL_PROTO_OPUS_TOC_H
#define AL_PROTO_OPUS_TOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Duration of the packet in samples at 48 kHz, or -1 when the packet is not
 *  a valid Opus packet (bad framing, or longer than 120 ms). */
int opus_toc_samples(const uint8_t *packet, size_t len);

/** True when the packet carries SILK low-bitrate redundancy (LBRR, Opus
 *  in-band FEC) for the frame before it, so that decode_fec can rebuild that
 *  frame. CELT-only packets never do. */
bool opus_toc_has_lbrr(const uint8_t *packet, size_t len);

#endif
