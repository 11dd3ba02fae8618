/* What an Opus packet says about itself (RFC 6716 section 3.1), without
 * decoding it. */
#ifndef AL_PROTO_OPUS_TOC_H
#define AL_PROTO_OPUS_TOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define OPUS_TOC_DETAIL(class, n) AL_STATUS_DETAIL(AL_MODULE_OPUS_TOC, class, n)

/** Why a packet is not a valid Opus packet (common/status.h). */
enum opus_toc_status {
    /** no bytes at all (RFC 6716 R1: at least the TOC byte) */
    OPUS_TOC_ERR_EMPTY = OPUS_TOC_DETAIL(AL_ERR_TRUNCATED, 1),
    /** the framing needs bytes the packet does not have: a code 2 or 3
     *  header, a frame length, padding or frames running past the end */
    OPUS_TOC_ERR_TRUNCATED = OPUS_TOC_DETAIL(AL_ERR_TRUNCATED, 2),
    /** the framing breaks RFC 6716 3.2 otherwise: a code 1 packet of two
     *  unequal halves, a code 3 count of 0, CBR frames that do not divide
     *  the bytes, a frame over 1275 bytes */
    OPUS_TOC_ERR_MALFORMED = OPUS_TOC_DETAIL(AL_ERR_MALFORMED, 1),
    /** more than 120 ms of audio (RFC 6716 R5) */
    OPUS_TOC_ERR_TOO_LONG = OPUS_TOC_DETAIL(AL_ERR_TOO_LARGE, 1),
    /** more than AL_MAX_OPUS_PACKET bytes */
    OPUS_TOC_ERR_TOO_LARGE = OPUS_TOC_DETAIL(AL_ERR_TOO_LARGE, 2),
};

/** Duration of the packet PACKET[0..LEN) in samples per channel at 48 kHz
 *  (> 0), or a negative status: AL_ERR_ARG for a NULL PACKET with LEN > 0,
 *  else an enum opus_toc_status. libopus's own packet parser decides what
 *  is valid, so that we accept exactly what the decoder accepts. */
int opus_toc_samples(const uint8_t *packet, size_t len);

/** True when the packet carries SILK low-bitrate redundancy (LBRR, Opus
 *  in-band FEC) for the frame before it, so that decode_fec can rebuild that
 *  frame. CELT-only packets never do; an invalid packet never does. */
bool opus_toc_has_lbrr(const uint8_t *packet, size_t len);

/** A static description of STATUS (any status code); never NULL. */
const char *opus_toc_strerror(int status);

#endif
