/* Numbers both programs agree on, in one place. */
#ifndef AL_PROTO_DEFAULTS_H
#define AL_PROTO_DEFAULTS_H

#define AL_DEFAULT_PORT      5004  /**< TCP control and UDP RTP; RTCP is PORT + 1 */
#define AL_OPUS_PT           111   /**< dynamic payload type for Opus (RFC 7587) */
#define AL_RED_PT            63    /**< dynamic payload type for RED (RFC 2198) */
#define AL_RATE              48000 /**< Opus RTP clock and our internal sample rate */
#define AL_MAX_PACKET        1200  /**< largest RTP packet we send, bytes (path MTU margin) */
#define AL_MAX_OPUS_PACKET   1275  /**< largest Opus packet, bytes (RFC 6716 3.4) */
#define AL_MAX_FRAME_SAMPLES 5760  /**< 120 ms at 48 kHz: largest Opus packet duration */

/* The control channel (docs/protocol.md). */
#define AL_RTSP_PATH       "/audio"            /**< path of --to HOST:PORT */
#define AL_RTSP_RED_OPTION "org.audiolink.red" /**< option tag: the receiver decodes RED */

#endif
