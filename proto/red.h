/* RTP payload for redundant audio data, RED (RFC 2198).
 *
 * A RED payload is what follows the RTP header of a packet whose PT is the
 * RED PT (AL_RED_PT). The RTP timestamp is the primary block's timestamp.
 *
 *   N redundant block headers, 4 bytes each:
 *     F=1 (1 bit) | block PT (7) | timestamp offset (14) | block length (10)
 *   1 final header, 1 byte:
 *     F=0 (1 bit) | block PT (7)
 *   block data in header order, the primary last; the primary's length is
 *   implicit (the rest of the payload).
 *
 * Pure functions over byte buffers: no sockets, clocks or allocation. Blocks
 * never own their bytes; parsed blocks point into the parsed payload.
 *
 * Units: timestamps and offsets are RTP timestamp ticks (48 kHz for Opus,
 * so 960 ticks = one 20 ms frame); lengths and sizes are bytes. */
#ifndef AL_PROTO_RED_H
#define AL_PROTO_RED_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define RED_HEADER_SIZE       4     /**< redundant block header, bytes */
#define RED_FINAL_HEADER_SIZE 1     /**< final (primary) block header, bytes */
#define RED_MAX_TS_OFFSET     16383 /**< 14-bit offset, ticks (341 ms at 48 kHz) */
#define RED_MAX_BLOCK_LEN     1023  /**< 10-bit redundant block length, bytes */
#define RED_MAX_PT            127   /**< 7-bit payload type */

/** Most blocks in one RED payload, primary included. A block array of this
 *  size holds anything red_write() produces; red_parse() rejects more than
 *  the caller's max_blocks. 16 is far above any useful distance (libwebrtc
 *  sends 1-2 copies) and bounds the work a hostile packet can cause. */
#define RED_MAX_BLOCKS 16

/** Status codes (common/status.h): the generic ones and RED's details. */
enum red_status {
    RED_OK = AL_OK,
    /** parse: zero-length payload */
    RED_ERR_EMPTY = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TRUNCATED, 1),
    /** parse: an F=1 header with fewer than 4 bytes left */
    RED_ERR_HEADER_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TRUNCATED, 2),
    /** parse: header list ends without the F=0 final header */
    RED_ERR_NO_PRIMARY = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TRUNCATED, 3),
    /** parse: redundant block lengths run past the end */
    RED_ERR_BLOCK_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TRUNCATED, 4),
    /** parse: more blocks than max_blocks; write: more than RED_MAX_BLOCKS - 1 redundant */
    RED_ERR_TOO_MANY_BLOCKS = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TOO_LARGE, 1),
    /** write: final header + primary alone exceed max_payload */
    RED_ERR_TOO_BIG = AL_STATUS_DETAIL(AL_MODULE_RED, AL_ERR_TOO_LARGE, 2),
    RED_ERR_BUFFER = AL_ERR_BUFFER, /**< write: output buffer too small */
    RED_ERR_ARG = AL_ERR_ARG,       /**< invalid argument (NULL pointer, PT > 127, ...) */
};

/** One block of a RED payload. */
typedef struct red_block {
    uint8_t pt;          /**< payload type of the block's encoding, 0..127 */
    uint32_t ts_offset;  /**< ticks before the RTP (primary) timestamp; 0 for the
                              primary. Wider than the 14-bit field on purpose: the
                              sender stores primary_ts - block_ts unreduced so that
                              a too-old (or newer, wrapped) block is visible and
                              red_write() skips it instead of truncating it. */
    const uint8_t *data; /**< block bytes (not owned); may be NULL when len is 0 */
    size_t len;          /**< block length, bytes */
} red_block;

/** Parses the RED payload PAYLOAD (LEN bytes) into BLOCKS (room for
 *  MAX_BLOCKS, at least 1) in wire order: redundant blocks oldest first as the
 *  sender wrote them, the primary last with ts_offset 0. *COUNT receives the
 *  number of blocks (>= 1) on success and 0 on failure. Block data point
 *  into PAYLOAD. A primary of length 0 is valid (RFC 2198 allows it; the
 *  caller decides what an empty primary means). Never reads outside
 *  PAYLOAD[0..LEN).
 *  Returns RED_OK or a negative enum red_status. */
int red_parse(const uint8_t *payload, size_t len, red_block *blocks, size_t max_blocks,
              size_t *count);

/** What red_write() left out, for the sender's statistics. */
typedef struct red_write_stats {
    size_t kept;    /**< redundant blocks written */
    size_t skipped; /**< redundant blocks skipped for ts_offset > RED_MAX_TS_OFFSET
                         or len > RED_MAX_BLOCK_LEN (they cannot be encoded) */
    size_t dropped; /**< redundant blocks dropped, oldest first, to fit max_payload */
} red_write_stats;

/** Writes a RED payload into OUT (CAP bytes): the final header and PRIMARY
 *  (whose ts_offset is ignored: it is the RTP timestamp), preceded by the
 *  redundant blocks REDUNDANT[0..N_REDUNDANT) in that order, which must be
 *  OLDEST FIRST (largest ts_offset first), the same order red_parse()
 *  returns. For "primary frame n with copies of n-1..n-d" pass
 *  { n-d, ..., n-2, n-1 }, then frame n as PRIMARY.
 *
 *  Limits, applied in this order:
 *   1. a redundant block with ts_offset > RED_MAX_TS_OFFSET or
 *      len > RED_MAX_BLOCK_LEN is skipped (stats->skipped), as libwebrtc does;
 *   2. while the payload would exceed MAX_PAYLOAD bytes, the oldest remaining
 *      redundant block (lowest index) is dropped (stats->dropped): old copies
 *      matter least, since the newest copy repairs the most likely loss.
 *  MAX_PAYLOAD is the RTP payload budget: AL_MAX_PACKET minus the RTP header
 *  size (1200 - 12 = 1188 without CSRCs or extension).
 *  N_REDUNDANT may be 0 (REDUNDANT may then be NULL): the result is still a
 *  valid RED payload, the 1-byte final header and the primary, as
 *  GStreamer's rtpredenc allow-no-red-blocks=true sends.
 *
 *  STATS may be NULL; it is filled on success and zeroed on failure. Returns the payload length in
 * bytes (>= 1), or a negative enum red_status: RED_ERR_ARG (NULL pointer, PT > 127, NULL data with
 * len > 0), RED_ERR_TOO_MANY_BLOCKS (N_REDUNDANT > RED_MAX_BLOCKS - 1), RED_ERR_TOO_BIG (1 +
 * primary->len > MAX_PAYLOAD), RED_ERR_BUFFER (the payload after the limits does not fit CAP). */
int red_write(const red_block *redundant, size_t n_redundant, const red_block *primary,
              size_t max_payload, uint8_t *out, size_t cap, red_write_stats *stats);

/** A static description of STATUS (any status code); never NULL. */
const char *red_strerror(int status);

/** Header bytes of a RED payload carrying N_REDUNDANT redundant blocks. */
static inline size_t red_headers_size(size_t n_redundant)
{
    return n_redundant * RED_HEADER_SIZE + RED_FINAL_HEADER_SIZE;
}

/** Sender: the ts_offset of a copy of the frame stamped BLOCK_TS in a packet
 *  whose primary is stamped PRIMARY_TS, in ticks, modulo 2^32 so that it is
 *  right across timestamp wrap. A block newer than the primary comes out
 *  huge and red_write() skips it. */
static inline uint32_t red_ts_offset(uint32_t primary_ts, uint32_t block_ts)
{
    return primary_ts - block_ts;
}

/** Receiver: the RTP timestamp of block B in a packet whose RTP header
 *  carries RTP_TS (the primary's), modulo 2^32. */
static inline uint32_t red_block_ts(uint32_t rtp_ts, const red_block *b)
{
    return rtp_ts - b->ts_offset;
}

#endif
