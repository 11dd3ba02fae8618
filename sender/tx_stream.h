/* The sending media path: audio frames in, RTP packets out.
 *
 * Encodes each frame with the primary Opus encoder and, when redundancy is
 * on, with a second low-bitrate encoder whose output is kept for the next
 * `redundancy` packets: packet n carries frame n and copies of frames
 * n-1 ... n-d as RFC 2198 RED blocks. No sockets and no clock: the caller
 * sends the packets and paces them. */
#ifndef AL_SENDER_TX_STREAM_H
#define AL_SENDER_TX_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TX_MAX_REDUNDANCY    3
#define TX_MAX_COPY_DISTANCE 8 /**< oldest frame a copy may be of, in frames back */

typedef struct tx_config {
    int channels;      /**< 1 or 2 */
    int frame_samples; /**< per channel at 48 kHz: 120, 240, 480, 960, 1920, 2880 */
    int bitrate;       /**< primary, bits per second */
    int complexity;    /**< 0..10 */
    int application;   /**< OPUS_APPLICATION_VOIP, _AUDIO or _RESTRICTED_LOWDELAY */
    int redundancy;    /**< copies per packet, 0..TX_MAX_REDUNDANCY */
    int copy_offsets[TX_MAX_REDUNDANCY]; /**< which earlier frames the copies are of, in
                                            frames back (1..TX_MAX_COPY_DISTANCE), one per
                                            copy; all 0 = automatic (tx_copy_offset).
                                            Spread offsets (1, 3) survive burst loss better
                                            but make the receiver wait longer. */
    int redundancy_bitrate;        /**< every copy's bitrate, bits per second; 0 = automatic (see
                                      tx_copy_bitrate); at or above the primary's bitrate the
                                      copies are the primary packets themselves */
    bool fec;                      /**< Opus in-band FEC (LBRR) in the primary */
    int loss_percent;              /**< expected loss told to the encoder (drives LBRR), 0..100 */
    bool copy_prediction_disabled; /**< OPUS_SET_PREDICTION_DISABLED on the copies' encoder */
    int copy_bitrates[TX_MAX_REDUNDANCY]; /**< per copy, in the order of copy_offsets (or
                                             1..redundancy frames back), bits per second;
                                             0 = redundancy_bitrate. A richer copy of frame
                                             n-1 than of older frames: "graded" copies */
    bool copy_primary_state;  /**< code each copy from a snapshot of the primary encoder's
                                 state just before it coded the same frame, instead of
                                 with encoders of their own: the copy then predicts from
                                 exactly what the receiver's decoder holds when the
                                 frame before it arrived as a primary */
    int copy_bandwidth;       /**< OPUS_BANDWIDTH_* forced on the copies, or OPUS_AUTO for
                                 Opus's choice; 0 = ours (see tx_copy_bandwidth) */
    int opus_pt;              /**< payload type of Opus (plain packets and RED blocks) */
    int red_pt;               /**< payload type of RED packets */
    uint32_t ssrc;            /**< random, from the caller */
    uint16_t first_sequence;  /**< random, from the caller */
    uint32_t first_timestamp; /**< random, from the caller */
} tx_config;

/** Fills CFG with the defaults (mono, 20 ms, 32 kbps, complexity 9 ...). */
void tx_config_defaults(tx_config *cfg);

/** How many frames back copy SLOT (0 .. redundancy-1, in the order of
 *  copy_offsets) is of, resolving automatic offsets: 1 / 1, 4 / 1, 2, 4
 *  for one, two, three copies. 0 for a slot beyond redundancy. */
int tx_copy_offset(const tx_config *cfg, int slot);

/** The bitrate of copy SLOT, bits per second, resolving automatic rates:
 *  copy_bitrates[SLOT], else redundancy_bitrate, else for frames of 10 ms
 *  and more a share of the primary's (one copy 7/8; two 1/2 and 3/8; three
 *  3/8, 1/4, 3/16; at least 6 kbps) and for 2.5 and 5 ms frames (CELT low
 *  delay, where a low-rate copy carries too little; docs/benchmarks.md)
 *  the primary's. At the primary's rate a copy is the primary packet. */
int tx_copy_bitrate(const tx_config *cfg, int slot);

/** The OPUS_BANDWIDTH_* the encoder of copy SLOT is held to: copy_bandwidth,
 *  else wideband below 20 kbps, else OPUS_AUTO. */
int tx_copy_bandwidth(const tx_config *cfg, int slot);

/** Writes what the copies are into BUF, e.g. "2 copies of frames 1, 3
 *  back, 16 + 12 kbps wideband". */
void tx_describe_copies(const tx_config *cfg, char *buf, size_t size);

/** What CFG's primary and copies come to in one packet (tx_fit_rates). */
typedef struct tx_fit {
    bool lowered;                         /**< they did not fit: the rates below are lower */
    int bitrate;                          /**< the primary's, bits per second */
    int copy_bitrates[TX_MAX_REDUNDANCY]; /**< per copy slot; >= bitrate: the primary itself */
    int primary_cap;                      /**< most bytes the primary may take */
    int copy_caps[TX_MAX_REDUNDANCY];     /**< most bytes each copy may take */
} tx_fit;

/** Whether the primary and all of CFG's copies fit in one AL_MAX_PACKET RTP
 *  packet at their average sizes. When they do not (e.g. --bitrate 510k
 *  with the automatic copies: 1275 + 638 + 478 bytes), all of them are
 *  lowered by the same factor until they fit with room for Opus's
 *  variable rate, and each gets a hard byte cap (its share of the packet),
 *  so every packet carries every copy: the primary stays far above where
 *  Opus becomes transparent, whereas dropping copies would leave the loss
 *  unprotected, and in-band FEC does not exist at such rates (CELT).
 *  Returns FIT->lowered. */
bool tx_fit_rates(const tx_config *cfg, tx_fit *fit);

/** True for the frame sizes Opus can code: 2.5, 5, 10, 20, 40, 60 ms. */
bool tx_frame_samples_valid(int frame_samples);

typedef struct tx_stats {
    uint64_t packets;         /**< packets produced */
    uint64_t payload_bytes;   /**< RTP payload bytes (RED headers and copies included) */
    uint64_t primary_bytes;   /**< Opus bytes of the primaries */
    uint64_t copy_bytes;      /**< Opus bytes of the copies sent */
    uint64_t copies_sent;     /**< copies sent (a frame's copy is sent up to d times) */
    uint64_t copies_dropped;  /**< copies left out to respect the RED limits */
    uint64_t packets_lowered; /**< packets coded at rates lowered to fit the copies (tx_fit) */
} tx_stats;

typedef struct tx_stream tx_stream;

/** Returns NULL with a reason in ERR when the configuration is invalid. */
tx_stream *tx_stream_create(const tx_config *cfg, char *err, size_t err_size);
void tx_stream_destroy(tx_stream *tx);

/** Encodes one frame (frame_samples * channels interleaved floats) and writes
 *  the RTP packet into OUT (CAP bytes, at least AL_MAX_PACKET). Returns the
 *  packet length, or a negative value on an encoder error. */
int tx_stream_encode(tx_stream *tx, const float *pcm, uint8_t *out, size_t cap);

/** The RTP timestamp the next packet will carry. */
uint32_t tx_stream_next_timestamp(const tx_stream *tx);

tx_stats tx_stream_stats(const tx_stream *tx);

#endif
