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

/* ---- the sender (sender/tx_options.c prints these in --help) ---- */
#define AL_TX_DEFAULT_CHANNELS   1      /**< mono */
#define AL_TX_DEFAULT_BITRATE    32000  /**< primary Opus bitrate, bits/s */
#define AL_TX_MIN_BITRATE        6000   /**< lowest bitrate Opus codes, bits/s */
#define AL_TX_MAX_BITRATE        510000 /**< highest bitrate Opus codes, bits/s */
#define AL_TX_DEFAULT_COMPLEXITY 9      /**< encoder complexity, 0..10 */
#define AL_TX_MAX_COMPLEXITY     10     /**< libopus's highest complexity */
#define AL_TX_DEFAULT_REDUNDANCY 2      /**< RED copies per packet (docs/benchmarks.md) */
/** Copies below this bitrate, bits/s, are held to wideband (--redundancy-band
 *  auto; sender/tx_stream.c says why). */
#define AL_TX_COPY_WIDEBAND_BELOW 20000
/** The expected loss told to the encoder when in-band FEC is on and no
 *  --loss-percent was given: LBRR is only coded for an expected loss. */
#define AL_TX_FEC_LOSS_PERCENT 20
/** After the last packet the TEARDOWN waits this long, ns, so that packets
 *  still on their way (a relay, a queue) arrive before the session ends. */
#define AL_TX_END_LINGER_NS (200 * 1000000LL)
/** Live status line period with --verbose, ns. */
#define AL_TX_STATUS_PERIOD_NS (1000 * 1000000LL)
/** Most bytes the sender reads from its control connection per wake-up:
 *  a peer that floods requests must not keep the loop from pacing media
 *  or seeing the stop flag. */
#define AL_TX_TCP_READ_BUDGET (64 * 1024)

#endif
