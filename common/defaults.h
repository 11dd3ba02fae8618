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

/* ---- receiver (receiver/rx_options.c, rx_conns.c, rtsp_server.c) ----
 * Durations are nanoseconds (int64) unless the name says _S: an _S value is
 * what the user types and --help prints. */
#define AL_RX_IDLE_TIMEOUT_S        5  /**< --idle-timeout: plain RTP ends after this silence */
#define AL_RX_REQUEST_TIMEOUT_S     10 /**< --request-timeout: a request must be complete by then */
#define AL_RX_MAX_LATENCY_MS        2000  /**< largest --latency */
#define AL_RX_MAX_SESSION_TIMEOUT_S 86400 /**< largest --session-timeout */
#define AL_RX_MAX_REQUEST_TIMEOUT_S 3600  /**< largest --request-timeout */
/** A connection we close is shut down for writing and drained first, so
 *  that our last reply is not destroyed by a reset; a peer that does not
 *  close within this is cut off. */
#define AL_RX_CLOSE_LINGER_NS (2 * 1000000000LL)
/** A claim (ANNOUNCE or SETUP) must be followed by its first media packet
 *  within this, else it is released: a client that claims and holds can no
 *  longer lock real senders out (issue 11 row 4). */
#define AL_RX_CLAIM_DEADLINE_NS (5 * 1000000000LL)
/** A connection without a session is closed after this without a request:
 *  it only holds a slot. */
#define AL_RX_IDLE_CONN_NS (10 * 1000000000LL)
/** Connections one host may hold at once; a new one from a host at the cap
 *  evicts that host's least active connection. */
#define AL_RX_CONNS_PER_HOST 4
/** A new session from the session owner's host takes over a session whose
 *  media has stopped this long: a sender that was killed and restarted gets
 *  in at once instead of after the session timeout (issue 11 row 10). */
#define AL_RX_TAKEOVER_SILENCE_NS (3 * 1000000000LL)
/** Bounded work per wake-up: at most this many datagrams, connections
 *  accepted and reads per connection, so a flood on one socket never
 *  starves the others, the playout or a signal. */
#define AL_RX_DATAGRAMS_PER_WAKE 64
#define AL_RX_ACCEPTS_PER_WAKE   4
#define AL_RX_READS_PER_WAKE     16
/** A free port for --listen 0 is tried this many times: the kernel picks a
 *  free TCP port, and the same number may be taken for UDP. */
#define AL_RX_PORT_TRIES 32

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
