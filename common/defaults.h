/* Numbers both programs agree on, in one place. */
#ifndef AL_COMMON_DEFAULTS_H
#define AL_COMMON_DEFAULTS_H

#define AL_DEFAULT_PORT      5004  /**< TCP control and UDP RTP; RTCP is PORT + 1 */
#define AL_OPUS_PT           111   /**< dynamic payload type for Opus (RFC 7587) */
#define AL_RED_PT            63    /**< dynamic payload type for RED (RFC 2198) */
#define AL_RATE              48000 /**< Opus RTP clock and our internal sample rate */
#define AL_MAX_PACKET        1200  /**< largest RTP packet we send, bytes (path MTU margin) */
#define AL_MAX_OPUS_FRAME    1275  /**< largest Opus frame, bytes (RFC 6716 3.4, R2) */
#define AL_MAX_FRAME_SAMPLES 5760  /**< 120 ms at 48 kHz: largest Opus packet duration */
/** 20 ms at 48 kHz: the sender's default frame, and what the receiver
 *  assumes until a packet says. */
#define AL_DEFAULT_FRAME_SAMPLES 960
/** 10 ms at 48 kHz: the shortest Opus frame that SILK (and so hybrid mode
 *  and in-band FEC, LBRR) can code. Shorter frames are CELT only: the
 *  sender codes them in restricted low delay, and their copies at the
 *  primary's bitrate (they are the primaries themselves). */
#define AL_MIN_SILK_FRAME_SAMPLES 480

/** Largest Opus packet we accept, bytes: a code 3 packet (RFC 6716 3.2.5)
 *  of 48 frames (120 ms of 2.5 ms frames) of AL_MAX_OPUS_FRAME each, with
 *  its TOC, frame count and 47 two-byte frame lengths. Real encoders stay
 *  far below (libopus at 510 kbps: 3.8 kB for 60 ms, 7.7 kB for 120 ms), but
 *  all of it is valid and fits a UDP datagram. */
#define AL_MAX_OPUS_PACKET (1 + 1 + 47 * 2 + 48 * AL_MAX_OPUS_FRAME)

/* The control channel (docs/protocol.md). */
#define AL_RTSP_PATH       "/audio"            /**< path of --to HOST:PORT */
#define AL_RTSP_RED_OPTION "org.audiolink.red" /**< option tag: the receiver decodes RED */

/* ---- RTCP (proto/rtcp.h, docs/protocol.md "RTCP") ---- */
/** Nominal interval between our compound reports, ms: about once a second,
 *  so that the sender adapts within seconds (AVPF timing, RFC 4585, comes
 *  later); RFC 3550's 5 s minimum is for large sessions, not a pair. */
#define AL_RTCP_INTERVAL_MS 1000
/** Each interval is drawn from nominal * [1 - spread, 1 + spread], percent:
 *  RFC 3550 6.3.1's [0.5, 1.5], so that two ends never lock step. */
#define AL_RTCP_INTERVAL_SPREAD_PERCENT 50
/** RTCP's share of the session bandwidth, percent (RFC 3550 6.2): the cap a
 *  shorter interval must respect. */
#define AL_RTCP_BANDWIDTH_SHARE_PERCENT 5
/** Largest compound packet we send, bytes: the RTP path MTU margin. */
#define AL_RTCP_MAX_PACKET AL_MAX_PACKET
/** Most packets one Loss RLE block reports (those since the previous
 *  report, the newest kept): 3000 is RFC 3550's MAX_DROPOUT, and the block
 *  takes at most 416 bytes (every chunk covers 15 packets or more but the
 *  last), which leaves room in AL_RTCP_MAX_PACKET for the rest of the
 *  compound. */
#define AL_RTCP_LOSS_RLE_MAX_PACKETS 3000

#endif
