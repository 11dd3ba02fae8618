/* RTCP (RFC 3550 section 6) with the extended reports of RFC 3611 and an
 * APP packet of ours ("ALrx"): pure build and parse functions.
 *
 * Building: an rtcp_writer appends packets to a caller's buffer in RFC 3550
 * order (SR or RR first, then SDES with the CNAME, then XR / APP, BYE last)
 * and rtcp_writer_finish() checks the result against the A.2 rules before it
 * hands out the datagram's length. The first error sticks: every later call
 * returns it again, so a caller may write a whole compound and check once.
 *
 * Parsing: rtcp_walk_init() checks a whole datagram against RFC 3550 A.2
 * (version 2 everywhere, first packet SR or RR without padding, padding only
 * in the last packet, lengths that sum to the datagram) before any packet is
 * handed out, so that a caller never acts on part of a compound it must
 * discard; rtcp_walk_next() then hands out each packet, and the typed
 * parsers (rtcp_parse_sr(), ...) read their bodies, each rejecting a body
 * that breaks its layout. Parsed items point into the datagram; nothing is
 * allocated or owned.
 *
 * Units: NTP timestamps are 64-bit 32.32 fixed point seconds; "short" times
 * (LSR, DLSR, LRR, DLRR) are the middle 32 bits, 16.16 fixed point seconds
 * (1/65536 s); jitter is RTP timestamp ticks (48 kHz for Opus); lengths and
 * sizes are bytes unless a name says words (32-bit). No sockets, no clocks:
 * times come in as arguments (nanoseconds, int64). */
#ifndef AL_PROTO_RTCP_H
#define AL_PROTO_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define RTCP_VERSION 2

/* Packet types (RFC 3550 12.1, RFC 4585, RFC 3611): 200-207. */
#define RTCP_PT_SR    200 /**< sender report */
#define RTCP_PT_RR    201 /**< receiver report */
#define RTCP_PT_SDES  202 /**< source description */
#define RTCP_PT_BYE   203 /**< goodbye */
#define RTCP_PT_APP   204 /**< application-defined */
#define RTCP_PT_RTPFB 205 /**< transport layer feedback (RFC 4585; parsed as opaque) */
#define RTCP_PT_PSFB  206 /**< payload-specific feedback (RFC 4585; parsed as opaque) */
#define RTCP_PT_XR    207 /**< extended report (RFC 3611) */

/* Sizes, bytes. */
#define RTCP_HEADER_SIZE       4 /**< V P count | PT | length */
#define RTCP_SSRC_SIZE         4
#define RTCP_SENDER_INFO_SIZE  20 /**< NTP (8), RTP timestamp, packet count, octet count */
#define RTCP_REPORT_BLOCK_SIZE 24
#define RTCP_MAX_COUNT                                                                             \
    31 /**< the 5-bit count field: report blocks, SDES chunks,                                     \
            BYE sources */
#define RTCP_MAX_REPORT_BLOCKS RTCP_MAX_COUNT
#define RTCP_MAX_BYE_SOURCES   RTCP_MAX_COUNT
#define RTCP_MAX_SDES_TEXT     255 /**< an SDES item's 8-bit length */
#define RTCP_MAX_BYE_REASON    255 /**< BYE reason's 8-bit length */
/** Longest packet the 16-bit length field describes: (65535 + 1) words. */
#define RTCP_MAX_PACKET_SIZE (65536 * 4)

/* SDES item types (RFC 3550 6.5). */
#define RTCP_SDES_END   0 /**< ends a chunk's item list */
#define RTCP_SDES_CNAME 1 /**< canonical name, user@host: mandatory in every compound */

/* Report fields (RFC 3550 6.4.1). */
#define RTCP_CUMULATIVE_LOST_MAX 0x7fffff  /**< 24-bit signed */
#define RTCP_CUMULATIVE_LOST_MIN -0x800000 /**< 24-bit signed */

/* XR (RFC 3611) block types and sizes. */
#define RTCP_XR_LOSS_RLE        1  /**< 4.1: which packets arrived, run-length coded */
#define RTCP_XR_RRTR            4  /**< 4.4: receiver reference time */
#define RTCP_XR_DLRR            5  /**< 4.5: delay since last receiver report */
#define RTCP_XR_BLOCK_HEADER    4  /**< BT | type-specific | block length (words) */
#define RTCP_XR_RRTR_SIZE       8  /**< block body: NTP timestamp */
#define RTCP_XR_DLRR_ITEM_SIZE  12 /**< SSRC, LRR, DLRR */
#define RTCP_XR_LOSS_RLE_FIXED  8  /**< block body before the chunks: SSRC, begin, end */
#define RTCP_XR_CHUNK_SIZE      2
#define RTCP_XR_RUN_MAX         16383 /**< 14-bit run length of a run length chunk */
#define RTCP_XR_BIT_VECTOR_BITS 15    /**< packets a bit vector chunk describes */
#define RTCP_XR_LOSS_RLE_MAX_SPAN                                                                  \
    65535 /**< packets one block describes: end_seq is                                             \
               begin_seq + span modulo 2^16, so 65536                                              \
               would read as 0 */
/** DLRR sub-blocks one block holds (16-bit block length in words / 3). */
#define RTCP_XR_MAX_DLRR_ITEMS 21845

/* Our APP packet (RFC 3550 6.7): what the receiver rebuilt. Layout in
 * docs/protocol.md and at rtcp_alrx. */
#define RTCP_ALRX_NAME    "ALrx" /**< four ASCII characters, the APP name field */
#define RTCP_ALRX_SUBTYPE 0      /**< the APP header's 5-bit subtype */
#define RTCP_ALRX_VERSION 1      /**< the layout version, first byte of the data */
/** Words (32-bit) after the ALrx version word in version 1: the media
 *  SSRC, five frame counters and the playout delay. A later minor
 *  revision may append words; a reader takes the ones it knows. */
#define RTCP_ALRX_V1_WORDS 7
#define RTCP_ALRX_SIZE     (4 + 4 * RTCP_ALRX_V1_WORDS) /**< APP data bytes we write */

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define RTCP_NTP_UNIX_OFFSET_S 2208988800LL

/** Status codes (common/status.h): the generic ones and RTCP's details. */
enum rtcp_status {
    RTCP_OK = AL_OK,
    /** the datagram (or what is left of it) is shorter than a packet header */
    RTCP_ERR_HEADER_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TRUNCATED, 1),
    /** a packet's length field runs past the end of the datagram */
    RTCP_ERR_LENGTH = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TRUNCATED, 2),
    /** a packet is shorter than its type and count require */
    RTCP_ERR_BODY_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TRUNCATED, 3),
    /** an SDES chunk, an item or a BYE reason runs past the packet */
    RTCP_ERR_ITEM_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TRUNCATED, 4),
    /** an XR block's length runs past the packet */
    RTCP_ERR_XR_BLOCK_TRUNCATED = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TRUNCATED, 5),
    /** the first packet is not SR or RR (A.2) */
    RTCP_ERR_FIRST_TYPE = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_MALFORMED, 1),
    /** padding on a packet other than the last, or a padding count of 0 or
     *  more than the packet's body (A.2) */
    RTCP_ERR_PADDING = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_MALFORMED, 2),
    /** SDES: a chunk without its end item, or bytes after the last chunk */
    RTCP_ERR_SDES = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_MALFORMED, 3),
    /** XR block body does not fit its type (RRTR not 8 bytes, DLRR not a
     *  multiple of 12, Loss RLE shorter than its fixed part) */
    RTCP_ERR_XR_BLOCK = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_MALFORMED, 4),
    /** Loss RLE chunks describe other than end - begin packets, or a null
     *  chunk is followed by another chunk */
    RTCP_ERR_LOSS_RLE = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_MALFORMED, 5),
    /** version field is not 2 (A.2) */
    RTCP_ERR_VERSION = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_UNSUPPORTED, 1),
    /** an APP packet that is not ALrx, or ALrx with another subtype */
    RTCP_ERR_NOT_ALRX = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_UNSUPPORTED, 2),
    /** ALrx of a layout version we do not know */
    RTCP_ERR_ALRX_VERSION = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_UNSUPPORTED, 3),
    /** Loss RLE with thinning T > 0: we decode only T = 0, which we send */
    RTCP_ERR_THINNING = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_UNSUPPORTED, 4),
    /** parse: more items than the caller's array holds */
    RTCP_ERR_TOO_MANY = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_TOO_LARGE, 1),
    /** writer: a packet in the wrong place (the first not SR/RR, a packet
     *  begun while an XR is open, an XR block outside an XR) */
    RTCP_ERR_ORDER = AL_STATUS_DETAIL(AL_MODULE_RTCP, AL_ERR_ARG, 1),
    RTCP_ERR_BUFFER = AL_ERR_BUFFER, /**< writer: the caller's buffer is full */
    RTCP_ERR_ARG = AL_ERR_ARG,       /**< NULL pointer, count > 31, text > 255, wrong packet
                                          type for a typed parser */
};

/** The walker's result "a packet was handed out" (positive: not a failure). */
#define RTCP_NEXT 1

/* ---- Arithmetic (RFC 3550 4, 6.4.1, A.3) ---- */

/** The 64-bit NTP timestamp (32.32 s) of NS nanoseconds since the NTP
 *  epoch, modulo 2^32 s. Only differences matter for RTT, so a caller
 *  without wallclock may pass its monotonic clock (RFC 3550 6.4.1 allows
 *  elapsed time); a Unix time needs RTCP_NTP_UNIX_OFFSET_S added. An LSR
 *  or LRR of 0 means "none", so a clock that starts at 0 wants an offset
 *  too (any: RTCP_NTP_UNIX_OFFSET_S does). A negative NS gives 0. */
uint64_t rtcp_ntp_from_ns(int64_t ns);

/** NTP timestamp NTP back to nanoseconds (within the 2^32 s era). */
int64_t rtcp_ntp_to_ns(uint64_t ntp);

/** The middle 32 bits of NTP (16.16 s): what LSR and LRR carry. */
static inline uint32_t rtcp_ntp_middle(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

/** A duration of NS nanoseconds in 1/65536 s (DLSR, DLRR), rounded down,
 *  0 for negative NS, UINT32_MAX when beyond 65536 s. */
uint32_t rtcp_short_from_ns(int64_t ns);

/** A duration in 1/65536 s back to nanoseconds. */
int64_t rtcp_short_to_ns(uint32_t units);

/** The round-trip time RTT = A - LSR - DLSR (RFC 3550 6.4.1) in
 *  nanoseconds, all three in 1/65536 s, modulo 2^32 so that it is right
 *  across the wrap of the middle word (every 18.2 hours). ARRIVAL is the
 *  middle word of our clock when the report came. The same holds for XR
 *  (A, LRR, DLRR). False, *RTT_NS untouched, when LSR is 0 (the peer has
 *  had no report of ours yet) or the difference is negative as a signed
 *  32-bit value (a report that is no answer to ours, or a peer's clock
 *  running ahead). */
bool rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, int64_t *rtt_ns);

/** The fraction-lost field (RFC 3550 A.3) for an interval in which
 *  EXPECTED_INTERVAL packets were expected and RECEIVED_INTERVAL arrived:
 *  lost / expected in 1/256, 0 when nothing was expected or nothing lost
 *  (duplicates can make it negative), at most 255. */
uint8_t rtcp_fraction_lost(int64_t expected_interval, int64_t received_interval);

/** The cumulative-lost field for LOST packets: clamped to the 24-bit
 *  signed range (RFC 3550 6.4.1). */
int32_t rtcp_cumulative_lost(int64_t lost);

/* ---- Packet contents ---- */

/** One report block (RFC 3550 6.4.1): the reception of source SSRC. */
typedef struct rtcp_report_block {
    uint32_t ssrc;           /**< the source reported on */
    uint8_t fraction_lost;   /**< lost since the previous report, 1/256 (rtcp_fraction_lost) */
    int32_t cumulative_lost; /**< packets, 24-bit signed (rtcp_cumulative_lost) */
    uint32_t highest_seq;    /**< extended highest sequence number: cycles << 16 | seq */
    uint32_t jitter;         /**< interarrival jitter, RTP ticks (source_gate's, rounded) */
    uint32_t lsr;            /**< middle word of the last SR's NTP timestamp, 0 if none */
    uint32_t dlsr;           /**< delay since that SR, 1/65536 s, 0 if none */
} rtcp_report_block;

/** A sender report's fixed part and its report blocks. */
typedef struct rtcp_sr {
    uint32_t ssrc;         /**< the sender */
    uint64_t ntp;          /**< NTP timestamp (32.32 s) of the report */
    uint32_t rtp_ts;       /**< the RTP timestamp of the same instant, ticks */
    uint32_t packet_count; /**< RTP packets sent since the start, modulo 2^32 */
    uint32_t octet_count;  /**< RTP payload bytes sent since the start, modulo 2^32 */
    size_t report_count;   /**< 0..31 */
    rtcp_report_block reports[RTCP_MAX_REPORT_BLOCKS];
} rtcp_sr;

/** A receiver report: its sender and report blocks. */
typedef struct rtcp_rr {
    uint32_t ssrc; /**< the reporter */
    size_t report_count;
    rtcp_report_block reports[RTCP_MAX_REPORT_BLOCKS];
} rtcp_rr;

/** One SDES item of the chunk for SSRC. */
typedef struct rtcp_sdes_item {
    uint32_t ssrc;       /**< the chunk's source */
    uint8_t type;        /**< RTCP_SDES_CNAME, ... (never RTCP_SDES_END) */
    const uint8_t *text; /**< UTF-8, not NUL terminated, points into the packet */
    size_t len;          /**< bytes, 0..255 */
} rtcp_sdes_item;

/** A BYE: the sources leaving and an optional reason. */
typedef struct rtcp_bye {
    size_t source_count; /**< 0..31 */
    uint32_t sources[RTCP_MAX_BYE_SOURCES];
    const uint8_t *reason; /**< NULL if none; points into the packet */
    size_t reason_len;     /**< bytes, 0..255 */
} rtcp_bye;

/** An APP packet. */
typedef struct rtcp_app {
    uint8_t subtype;     /**< 5 bits */
    uint32_t ssrc;       /**< the sender */
    char name[5];        /**< the four name bytes, NUL terminated */
    const uint8_t *data; /**< application data, points into the packet */
    size_t data_len;     /**< bytes, a multiple of 4 */
} rtcp_app;

/** Our APP data, ALrx version 1 (network byte order on the wire):
 *
 *    0               1               2               3
 *   | version = 1   | reserved = 0  | words (16) = 7                |
 *   | media SSRC: the source these counts are about                 |
 *   | frames_primary                                                |
 *   | frames_red                                                    |
 *   | frames_fec                                                    |
 *   | frames_concealed                                              |
 *   | packets_late                                                  |
 *   | playout_delay_us                                              |
 *
 *  The counters are cumulative since the stream began, modulo 2^32, so a
 *  lost report costs nothing: the sender takes differences. "words" counts
 *  the words after the first; a later revision of version 1 may append
 *  words and a reader ignores those it does not know. A new version
 *  number means a layout an old reader must not read. */
typedef struct rtcp_alrx {
    uint32_t media_ssrc;       /**< the stream's SSRC (the sender's) */
    uint32_t frames_primary;   /**< frames played from their own primary encoding */
    uint32_t frames_red;       /**< frames rebuilt from a RED copy (RFC 2198) */
    uint32_t frames_fec;       /**< frames rebuilt from Opus in-band FEC (LBRR) */
    uint32_t frames_concealed; /**< frames concealed (Opus PLC; rx_stats frames_plc) */
    uint32_t packets_late;     /**< packets that came after their frame had been played */
    uint32_t playout_delay_us; /**< the receiver's current playout delay, microseconds */
} rtcp_alrx;

/** One DLRR sub-block (RFC 3611 4.5): the receiver SSRC's last RRTR. */
typedef struct rtcp_dlrr_item {
    uint32_t ssrc; /**< the receiver whose RRTR this answers */
    uint32_t lrr;  /**< middle word of that RRTR's NTP timestamp, 0 if none */
    uint32_t dlrr; /**< delay since it arrived, 1/65536 s */
} rtcp_dlrr_item;

/* ---- Building ---- */

/** A compound packet being written into a caller's buffer. Embed by value;
 *  owns nothing. */
typedef struct rtcp_writer {
    uint8_t *buf;    /**< the caller's buffer */
    size_t cap;      /**< its size, bytes */
    size_t len;      /**< bytes written so far */
    size_t packets;  /**< packets written (an open XR counts once closed) */
    bool xr_open;    /**< between rtcp_xr_begin() and rtcp_xr_end() */
    size_t xr_start; /**< offset of the open XR's header */
    int status;      /**< the first error, RTCP_OK while none */
} rtcp_writer;

/** Starts a compound packet in BUF (CAP bytes; the writer keeps the pointer). */
void rtcp_writer_init(rtcp_writer *w, uint8_t *buf, size_t cap);

/** Appends an SR (SR->report_count blocks, at most 31). First packet only. */
int rtcp_write_sr(rtcp_writer *w, const rtcp_sr *sr);

/** Appends an RR from SSRC with BLOCKS[0..N) (N <= 31; BLOCKS may be NULL
 *  when N is 0: an empty RR, as a compound needs one first). First packet
 *  only. */
int rtcp_write_rr(rtcp_writer *w, uint32_t ssrc, const rtcp_report_block *blocks, size_t n);

/** Appends an SDES with one chunk: SSRC's CNAME (a NUL-terminated string
 *  of 1..255 bytes). */
int rtcp_write_sdes_cname(rtcp_writer *w, uint32_t ssrc, const char *cname);

/** Appends a BYE for SOURCES[0..N) (N <= 31) with an optional REASON (NULL
 *  or a NUL-terminated string of at most 255 bytes). RFC 3550 asks for it
 *  last: the writer does not enforce that, the caller writes it last. */
int rtcp_write_bye(rtcp_writer *w, const uint32_t *sources, size_t n, const char *reason);

/** Appends an APP packet: SUBTYPE (0..31), SSRC, NAME (4 bytes, not
 *  necessarily NUL terminated) and DATA_LEN bytes of DATA (a multiple of 4). */
int rtcp_write_app(rtcp_writer *w, uint8_t subtype, uint32_t ssrc, const char *name,
                   const uint8_t *data, size_t data_len);

/** Appends our APP packet from SSRC (the receiver) carrying A. */
int rtcp_write_alrx(rtcp_writer *w, uint32_t ssrc, const rtcp_alrx *a);

/** Opens an XR from SSRC; blocks follow with rtcp_xr_add_*(), then
 *  rtcp_xr_end(). */
int rtcp_xr_begin(rtcp_writer *w, uint32_t ssrc);

/** Adds a Receiver Reference Time block: NTP, the receiver's clock now. */
int rtcp_xr_add_rrtr(rtcp_writer *w, uint64_t ntp);

/** Adds a DLRR block with ITEMS[0..N) (1 <= N <= RTCP_XR_MAX_DLRR_ITEMS). */
int rtcp_xr_add_dlrr(rtcp_writer *w, const rtcp_dlrr_item *items, size_t n);

/** Adds a Loss RLE block (thinning 0) about source SSRC: RECEIVED[i] tells
 *  whether the packet with sequence number BEGIN_SEQ + i arrived, for
 *  i < N (1 <= N <= RTCP_XR_LOSS_RLE_MAX_SPAN); end_seq = BEGIN_SEQ + N.
 *  Put 8 bytes or more after it in the datagram (another block, or the next
 *  packet): Wireshark sizes its chunk list 8 bytes past the block and calls
 *  a datagram that ends there malformed (docs/protocol.md). */
int rtcp_xr_add_loss_rle(rtcp_writer *w, uint32_t ssrc, uint16_t begin_seq, const bool *received,
                         size_t n);

/** The bytes rtcp_xr_add_loss_rle() would add for RECEIVED[0..N), block
 *  header included: lets a caller fit the span to its budget. */
size_t rtcp_loss_rle_block_size(const bool *received, size_t n);

/** Closes the open XR (fills in its length). */
int rtcp_xr_end(rtcp_writer *w);

/** Ends the compound: checks it as a receiver would (rtcp_validate()).
 *  Returns its length in bytes (> 0), or the first error. */
int rtcp_writer_finish(rtcp_writer *w);

/* ---- Parsing ---- */

/** One packet of a compound. */
typedef struct rtcp_packet {
    uint8_t type;        /**< packet type, RTCP_PT_* (others are handed out too) */
    uint8_t count;       /**< the 5-bit field: report count, source count, subtype */
    const uint8_t *body; /**< the bytes after the 4-byte header, padding removed */
    size_t body_len;     /**< bytes */
} rtcp_packet;

/** Checks the datagram BUF (LEN bytes) against RFC 3550 A.2. Returns the
 *  number of packets (>= 1), or a negative enum rtcp_status. */
int rtcp_validate(const uint8_t *buf, size_t len);

/** A walk over a validated compound. Embed by value. */
typedef struct rtcp_walker {
    const uint8_t *buf;
    size_t len;
    size_t pos; /**< offset of the next packet */
} rtcp_walker;

/** Validates BUF (rtcp_validate()) and starts a walk over it. Returns
 *  RTCP_OK or the validation's error (then every rtcp_walk_next() ends). */
int rtcp_walk_init(rtcp_walker *w, const uint8_t *buf, size_t len);

/** Hands out the next packet: RTCP_NEXT with *OUT filled, RTCP_OK (0) at
 *  the end. Never fails after a successful rtcp_walk_init(). */
int rtcp_walk_next(rtcp_walker *w, rtcp_packet *out);

/** Typed parsers: each takes a packet of its type (RTCP_ERR_ARG otherwise)
 *  and returns RTCP_OK or a negative enum rtcp_status. Extra bytes after an
 *  SR/RR's report blocks (profile-specific extensions) are ignored. */
int rtcp_parse_sr(const rtcp_packet *p, rtcp_sr *out);
int rtcp_parse_rr(const rtcp_packet *p, rtcp_rr *out);
/** ITEMS (room for MAX) receive every item of every chunk in order;
 *  *COUNT their number. RTCP_ERR_TOO_MANY when they do not fit. */
int rtcp_parse_sdes(const rtcp_packet *p, rtcp_sdes_item *items, size_t max, size_t *count);
int rtcp_parse_bye(const rtcp_packet *p, rtcp_bye *out);
int rtcp_parse_app(const rtcp_packet *p, rtcp_app *out);
/** Our APP data from APP: RTCP_ERR_NOT_ALRX when it is someone else's. */
int rtcp_parse_alrx(const rtcp_app *app, rtcp_alrx *out);

/** An XR packet: its sender and a walk over its blocks. */
typedef struct rtcp_xr {
    uint32_t ssrc;         /**< the sender of the XR */
    const uint8_t *blocks; /**< the report blocks, points into the packet */
    size_t blocks_len;     /**< bytes */
    size_t pos;            /**< walk: offset of the next block */
} rtcp_xr;

/** One XR report block. */
typedef struct rtcp_xr_block {
    uint8_t type;          /**< block type, RTCP_XR_* (others are handed out too) */
    uint8_t type_specific; /**< the block header's second byte */
    const uint8_t *body;   /**< the bytes after the block header */
    size_t body_len;       /**< bytes, a multiple of 4 */
} rtcp_xr_block;

/** Reads an XR's header and checks that its blocks' lengths sum to the
 *  packet; the walk then never fails. */
int rtcp_parse_xr(const rtcp_packet *p, rtcp_xr *out);

/** Hands out the next block: RTCP_NEXT with *OUT, RTCP_OK at the end. */
int rtcp_xr_next(rtcp_xr *xr, rtcp_xr_block *out);

/** Block parsers: each takes a block of its type (RTCP_ERR_ARG otherwise). */
int rtcp_parse_rrtr(const rtcp_xr_block *b, uint64_t *ntp);
int rtcp_parse_dlrr(const rtcp_xr_block *b, rtcp_dlrr_item *items, size_t max, size_t *count);

/** A Loss RLE block as received. */
typedef struct rtcp_loss_rle {
    uint32_t ssrc;         /**< the source reported on */
    uint8_t thinning;      /**< T, 0..15: every 2^T-th packet reported */
    uint16_t begin_seq;    /**< first sequence number reported */
    uint16_t end_seq;      /**< last reported + 1 */
    const uint8_t *chunks; /**< 16-bit chunks, points into the packet */
    size_t chunk_count;    /**< null chunks included */
} rtcp_loss_rle;

int rtcp_parse_loss_rle(const rtcp_xr_block *b, rtcp_loss_rle *out);

/** The packets of a Loss RLE block: RECEIVED[i] (room for CAP) tells
 *  whether begin_seq + i arrived; *COUNT = end_seq - begin_seq (mod 2^16).
 *  RTCP_ERR_LOSS_RLE when the chunks describe fewer packets, or a run
 *  more, than that (a bit vector's bits beyond end_seq are ignored);
 *  RTCP_ERR_THINNING for T > 0; RTCP_ERR_TOO_MANY when CAP is short. */
int rtcp_loss_rle_decode(const rtcp_loss_rle *b, bool *received, size_t cap, size_t *count);

/** A static description of STATUS (any status code); never NULL. */
const char *rtcp_strerror(int status);

#endif
