/* RTP fixed header (RFC 3550 section 5.1) and sequence/timestamp arithmetic.
 *
 * Pure functions over byte buffers. Parsing never reads past the given length
 * and rejects a malformed packet with a reason (see rtp_strerror()). */
#ifndef AL_PROTO_RTP_H
#define AL_PROTO_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define RTP_VERSION     2
#define RTP_HEADER_SIZE 12 /**< fixed header, bytes, without CSRCs or extension */
#define RTP_MAX_CSRC    15

#define RTP_MAX_PT     127        /**< 7-bit payload type */
#define RTP_MAX_PACKET 0x7fffffff /**< longest packet rtp_write() reports, bytes (an int) */

/** Status codes (common/status.h): the generic ones and RTP's details. */
enum rtp_status {
    RTP_OK = AL_OK,
    /** fewer than 12 bytes (also a NULL buffer) */
    RTP_ERR_TOO_SHORT = AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_TRUNCATED, 1),
    /** CC says more CSRCs than the packet holds */
    RTP_ERR_CSRC_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_TRUNCATED, 2),
    /** header extension runs past the end */
    RTP_ERR_EXT_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_TRUNCATED, 3),
    /** padding count is 0 or larger than the payload */
    RTP_ERR_PADDING = AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_MALFORMED, 1),
    /** version field is not 2 */
    RTP_ERR_VERSION = AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_UNSUPPORTED, 1),
    RTP_ERR_BUFFER = AL_ERR_BUFFER, /**< output buffer too small (writer) */
    RTP_ERR_ARG = AL_ERR_ARG,       /**< invalid argument (writer: PT > 127, CC > 15) */
};

typedef struct rtp_header {
    bool padding;         /**< P bit as received; the writer never pads */
    bool extension;       /**< X bit */
    bool marker;          /**< M bit: first packet of a talkspurt (RFC 3551 4.1) */
    uint8_t payload_type; /**< 0..127 */
    uint8_t csrc_count;   /**< 0..15 */
    uint16_t sequence;    /**< wraps at 2^16 */
    uint32_t timestamp;   /**< media clock ticks (48 kHz for Opus), wraps at 2^32 */
    uint32_t ssrc;        /**< synchronisation source */
    uint32_t csrc[RTP_MAX_CSRC];
    uint16_t ext_profile;    /**< extension: profile-defined 16 bits */
    const uint8_t *ext_data; /**< extension body (parse only) */
    size_t ext_len;          /**< extension body length, bytes (multiple of 4) */
    const uint8_t *payload;  /**< payload (parse only), padding removed */
    size_t payload_len;      /**< payload length, bytes */
} rtp_header;

/** Parses BUF (LEN bytes) into OUT. On success OUT->payload points into BUF.
 *  Returns RTP_OK or a negative enum rtp_status. */
int rtp_parse(const uint8_t *buf, size_t len, rtp_header *out);

/** Writes the header H (with its CSRCs and, if H->extension, the extension
 *  H->ext_profile / H->ext_data / H->ext_len) followed by PAYLOAD into OUT.
 *  Returns the packet length in bytes, or a negative enum rtp_status. */
int rtp_write(const rtp_header *h, const uint8_t *payload, size_t payload_len, uint8_t *out,
              size_t cap);

/** Header size in bytes that rtp_write() will produce for H. */
size_t rtp_header_size(const rtp_header *h);

/** A static description of STATUS (any status code); never NULL. */
const char *rtp_strerror(int status);

/** Signed distance a - b between two 16-bit sequence numbers, right across
 *  wrap as long as the true distance is within +-32767. */
static inline int32_t rtp_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b);
}

/** Signed distance a - b between two 32-bit timestamps, right across wrap. */
static inline int64_t rtp_ts_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(uint32_t)(a - b);
}

/** Extends a 16-bit sequence number to 64 bits by choosing the value closest
 *  to REFERENCE (an extended number seen before). */
static inline int64_t rtp_seq_extend(int64_t reference, uint16_t seq)
{
    return reference + rtp_seq_diff(seq, (uint16_t)reference);
}

/** Extends a 32-bit timestamp to 64 bits by choosing the value closest to
 *  REFERENCE (an extended timestamp seen before). */
static inline int64_t rtp_ts_extend(int64_t reference, uint32_t ts)
{
    return reference + rtp_ts_diff(ts, (uint32_t)reference);
}

/* Sequence validation after RFC 3550 appendix A.1: a jump of more than
 * MAX_DROPOUT ahead, or more than MAX_MISORDER behind, is treated as a
 * restart of the source once two sequential packets confirm it. */
#define RTP_MAX_DROPOUT    3000
#define RTP_MAX_MISORDER   100
#define RTP_MIN_SEQUENTIAL 2

typedef struct rtp_seq_tracker {
    bool started;
    int64_t highest;  /**< highest extended sequence number accepted */
    int64_t base;     /**< first extended sequence number of the stream */
    uint16_t bad_seq; /**< candidate restart: the next sequence expected */
    bool bad_seq_valid;
    uint64_t received; /**< packets accepted */
} rtp_seq_tracker;

enum rtp_seq_verdict {
    RTP_SEQ_IN_ORDER, /**< ahead of the highest seen (maybe after a gap) */
    RTP_SEQ_LATE,     /**< at or behind the highest seen, within MAX_MISORDER */
    RTP_SEQ_RESTART,  /**< the source jumped and two packets confirmed it */
    RTP_SEQ_BAD,      /**< a jump not (yet) confirmed: drop the packet */
};

void rtp_seq_init(rtp_seq_tracker *t);

/** Classifies SEQ and updates the tracker. *EXTENDED receives the extended
 *  sequence number (unchanged on RTP_SEQ_BAD). */
enum rtp_seq_verdict rtp_seq_update(rtp_seq_tracker *t, uint16_t seq, int64_t *extended);

/** Packets expected so far (highest - base + 1), 0 before the first. */
int64_t rtp_seq_expected(const rtp_seq_tracker *t);

#endif
