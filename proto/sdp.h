/* SDP (RFC 8866, formerly RFC 4566) for one Opus audio stream, optionally
 * with RFC 2198 redundancy: the body of an RTSP ANNOUNCE and the .sdp file
 * that lets ffmpeg or GStreamer receive plain RTP.
 *
 * Writer: sdp_write() describes our stream:
 *
 *   v=0
 *   o=- <session id> <session version> IN IP4|IP6 <origin address>
 *   s=<session name>
 *   c=IN IP4|IP6 <connection address>
 *   t=0 0
 *   m=audio <port> RTP/AVP [<red pt> ]<opus pt>      RED first when used
 *   a=rtpmap:<red pt> red/48000/2                     } only with RED
 *   a=fmtp:<red pt> <opus pt>/<opus pt>[/...]         } depth + 1 entries
 *   a=rtpmap:<opus pt> opus/48000/2                   always /2 (RFC 7587)
 *   a=fmtp:<opus pt> [maxplaybackrate=N;]stereo=S;sprop-stereo=S;useinbandfec=F
 *   a=ptime:<ms>                                      rounded up to whole ms
 *   a=sendonly                                        optional
 *   a=control:<control>                               optional (RTSP)
 *   a=x-audiolink-redundancy:depth=<d>[;bitrate=<bps>]   only with RED
 *
 * x-audiolink-redundancy is our private attribute: DEPTH redundant copies
 * (of earlier frames) ride in each packet, coded by a second Opus encoder at
 * BITRATE bits per second. Peers that don't know it ignore it (RFC 8866
 * 5.13); the RED fmtp says the same depth in a standard way, the bitrate
 * only tells our receiver what quality to expect from rebuilt frames.
 *
 * Parser: sdp_parse() is lenient. CRLF or bare LF, unknown lines and
 * attributes ignored, attributes in any order within a media section, only
 * the first m=audio section described (the others are counted). Values too
 * long for their fixed field are dropped, never truncated into something
 * else. Pure functions: no sockets, clocks or allocation.
 *
 * Units: ports are UDP ports; durations are microseconds (2500 = 2.5 ms);
 * rates are Hz; bitrates are bits per second. */
#ifndef AL_PROTO_SDP_H
#define AL_PROTO_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define SDP_MAX_PAYLOADS    32  /**< payload types kept from the m= line (more are ignored) */
#define SDP_MAX_ENCODING    32  /**< encoding name, bytes with the NUL */
#define SDP_MAX_FMTP        256 /**< raw a=fmtp parameters of one PT, bytes with the NUL */
#define SDP_MAX_ADDR        256 /**< address or host name, bytes with the NUL */
#define SDP_MAX_CONTROL     512 /**< a=control value, bytes with the NUL */
#define SDP_MAX_PROTO       32  /**< m= transport protocol, bytes with the NUL */
#define SDP_MAX_RED_ENTRIES 16  /**< PTs in a RED fmtp (RED_MAX_BLOCKS) */
#define SDP_MAX_RED_DEPTH   (SDP_MAX_RED_ENTRIES - 1) /**< copies the writer announces */
#define SDP_NO_PT           (-1) /**< "no payload type": a value, not a status */

/** The name of our private attribute (without "a=" and ':'). */
#define SDP_REDUNDANCY_ATTR "x-audiolink-redundancy"

/** Status codes (common/status.h): the generic ones and SDP's details. */
enum sdp_status {
    SDP_OK = AL_OK,
    SDP_ERR_ARG = AL_ERR_ARG,       /**< invalid argument (NULL pointer, bad value) */
    SDP_ERR_BUFFER = AL_ERR_BUFFER, /**< writer: output buffer too small */
    /** the audio m= line is malformed (port, protocol, formats) */
    SDP_ERR_MEDIA = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_MALFORMED, 1),
    /** no m=audio section */
    SDP_ERR_NO_AUDIO = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_UNSUPPORTED, 1),
    /** select: not RTP/AVP or RTP/AVPF (e.g. SRTP's RTP/SAVP) */
    SDP_ERR_PROFILE = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_UNSUPPORTED, 2),
    /** select: no Opus payload type */
    SDP_ERR_CODEC = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_UNSUPPORTED, 3),
    /** select: Opus with a clock rate other than 48000 */
    SDP_ERR_CLOCK_RATE = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_UNSUPPORTED, 4),
    /** select: Opus with a channel count other than 1 or 2 */
    SDP_ERR_CHANNELS = AL_STATUS_DETAIL(AL_MODULE_SDP, AL_ERR_UNSUPPORTED, 5),
};

enum sdp_addrtype {
    SDP_ADDR_NONE = 0, /**< no such line */
    SDP_ADDR_IP4,
    SDP_ADDR_IP6,
    SDP_ADDR_OTHER,
};

enum sdp_direction {
    SDP_SENDRECV = 0, /**< the default when no direction attribute is given */
    SDP_SENDONLY,
    SDP_RECVONLY,
    SDP_INACTIVE,
};

/* ---- Writer ---- */

/** What sdp_write() describes. Start from sdp_stream_init(). */
typedef struct sdp_stream {
    const char *origin_addr;  /**< o= address (required); IP6 when it holds a ':' */
    const char *conn_addr;    /**< c= address; NULL: origin_addr */
    const char *session_name; /**< s=; NULL: "audiolink" */
    uint64_t session_id;      /**< o= sess-id (ffmpeg writes 0) */
    uint64_t session_version; /**< o= sess-version */
    uint16_t port;            /**< m= port: 0 in an ANNOUNCE (the port comes with SETUP), the
                                   real RTP port in a .sdp file for a plain-RTP receiver */
    uint8_t opus_pt;          /**< 0..127; default AL_OPUS_PT (common/defaults.h) */
    unsigned channels;        /**< 1 or 2: sets stereo and sprop-stereo */
    uint32_t frame_us;        /**< frame duration for a=ptime, us; 0 omits it */
    uint32_t maxplaybackrate; /**< Hz, 8000..48000; 0 omits it; default 48000 */
    bool useinbandfec;        /**< useinbandfec=1: we code Opus LBRR */
    uint8_t red_pt;           /**< 0..127, != opus_pt; default AL_RED_PT */
    unsigned red_depth;       /**< redundant copies per packet, 0 (no RED) .. SDP_MAX_RED_DEPTH */
    uint32_t red_bitrate;     /**< copies' encoder, bits/s, for the private attribute; 0 omits */
    const char *control;      /**< a=control value, e.g. "streamid=0"; NULL omits it */
    bool sendonly;            /**< a=sendonly */
} sdp_stream;

/** Defaults: PT AL_OPUS_PT, RED PT AL_RED_PT with depth 0 (no RED), mono, 20 ms,
 *  maxplaybackrate 48000, port 0, no control; origin_addr still to set. */
void sdp_stream_init(sdp_stream *s);

/** Writes S as an SDP description with CRLF line ends into BUF (CAP bytes),
 *  followed by a NUL (not counted). a=ptime is FRAME_US rounded up to whole
 *  milliseconds (2.5 ms -> 3), as RFC 7587 6.1 asks for Opus.
 *  Returns the length in bytes, or SDP_ERR_ARG (missing origin, a PT outside
 *  0..127, red_pt == opus_pt, channels not 1|2, depth too large, a string with
 *  a space, CR or LF where SDP can't carry one) or SDP_ERR_BUFFER. */
int sdp_write(const sdp_stream *s, char *buf, size_t cap);

/* ---- Parser ---- */

/** Opus fmtp parameters (RFC 7587 6.1). Flags are 0/1, or -1 when absent. */
typedef struct sdp_opus_fmtp {
    int8_t stereo, sprop_stereo, useinbandfec, usedtx, cbr;
    uint32_t maxplaybackrate;                    /**< Hz, 0 when absent */
    uint32_t sprop_maxcapturerate;               /**< Hz, 0 when absent */
    uint32_t maxaveragebitrate;                  /**< bits/s, 0 when absent */
    uint32_t ptime_us, maxptime_us, minptime_us; /**< 0 when absent */
} sdp_opus_fmtp;

/** One payload type of the m= line. */
typedef struct sdp_payload {
    uint8_t pt;
    bool has_rtpmap;                  /**< false: a static PT's RFC 3551 defaults, or unknown */
    char encoding[SDP_MAX_ENCODING];  /**< as written ("opus", "OPUS", "red"); "" unknown */
    uint32_t clock_rate;              /**< Hz, 0 unknown */
    uint8_t channels;                 /**< 1 when the rtpmap omits it (RFC 8866 6.6) */
    char fmtp[SDP_MAX_FMTP];          /**< raw a=fmtp parameters, "" when none */
    sdp_opus_fmtp opus;               /**< parsed when encoding is opus */
    uint8_t red[SDP_MAX_RED_ENTRIES]; /**< encoding red: the block PTs from the fmtp */
    size_t red_count;                 /**< entries in red[]; 0 when absent or malformed */
} sdp_payload;

/** Our private attribute, when present. */
typedef struct sdp_redundancy {
    bool present;
    unsigned depth;   /**< copies per packet */
    uint32_t bitrate; /**< bits/s, 0 when not given */
} sdp_redundancy;

/** A parsed description: the session and its first audio section. About
 *  13 KiB. Strings are NUL-terminated. */
typedef struct sdp_desc {
    enum sdp_addrtype origin_type;
    char origin_addr[SDP_MAX_ADDR];
    enum sdp_addrtype conn_type;  /**< media-level c= if present, else session-level */
    char conn_addr[SDP_MAX_ADDR]; /**< without any /ttl suffix */
    unsigned audio_sections;      /**< m=audio lines seen; only the first is below */
    uint16_t port;                /**< m= port (0 in an ANNOUNCE) */
    char proto[SDP_MAX_PROTO];    /**< "RTP/AVP", ... */
    size_t payload_count;
    sdp_payload payloads[SDP_MAX_PAYLOADS]; /**< in m= line order (preference order) */
    uint32_t ptime_us;       /**< a=ptime, 0 when absent (decimals like 2.5 accepted) */
    uint32_t maxptime_us;    /**< a=maxptime, 0 when absent */
    uint32_t bandwidth_kbps; /**< b=AS, kilobits/s, 0 when absent */
    enum sdp_direction direction;
    char control[SDP_MAX_CONTROL]; /**< media-level a=control, "" when absent */
    sdp_redundancy redundancy;
} sdp_desc;

/** Parses TEXT[0..LEN) (need not be NUL-terminated) into OUT. Returns SDP_OK,
 *  SDP_ERR_NO_AUDIO when there is no m=audio line, SDP_ERR_MEDIA when the
 *  first one is malformed, or SDP_ERR_ARG. OUT is filled as far as it got. */
int sdp_parse(const char *text, size_t len, sdp_desc *out);

/** The first payload of the audio section whose encoding is ENCODING (ASCII
 *  case-insensitive), or NULL. */
const sdp_payload *sdp_find_payload(const sdp_desc *d, const char *encoding);

/** The PT of the first payload whose encoding is ENCODING, or SDP_NO_PT. */
int sdp_find_codec(const sdp_desc *d, const char *encoding);

/** True when the audio section offers RED whose fmtp lists a single payload
 *  type for every block (the only layout RFC 2198 receivers like ours and
 *  GStreamer's rtpreddec handle): *RED_PT gets its PT and *CARRIED_PT the PT
 *  it carries (either may be NULL). A RED without a usable fmtp is false. */
bool sdp_has_red(const sdp_desc *d, int *red_pt, int *carried_pt);

/** What a receiver needs from an acceptable offer. */
typedef struct sdp_opus_stream {
    uint16_t port;
    uint8_t opus_pt;
    int red_pt;               /**< RED PT carrying opus_pt, or SDP_NO_PT */
    unsigned red_depth;       /**< copies per packet: RED fmtp entries - 1; 0 without RED */
    uint32_t red_bitrate;     /**< from x-audiolink-redundancy, bits/s; 0 unknown */
    unsigned channels;        /**< 2 when sprop-stereo=1 (or stereo=1 without it), else 1 */
    uint32_t ptime_us;        /**< a=ptime, else fmtp ptime, else 0 */
    bool useinbandfec;        /**< the sender says it codes LBRR */
    uint32_t maxplaybackrate; /**< Hz; 48000 when not given */
} sdp_opus_stream;

/** Checks that D offers Opus as RFC 7587 describes it and picks what to
 *  receive: the first Opus PT in m= order (it need not be the first PT), and
 *  RED only when it carries that Opus PT. Clock rate must be 48000; channels
 *  must be 2 as RFC 7587 requires, 1 or an omitted count are tolerated.
 *  On failure WHY (if not NULL, WHY_CAP bytes) gets a one-line reason naming
 *  what was offered, e.g. "payload 0 is PCMU/8000/1, not opus/48000/2".
 *  Returns SDP_OK or SDP_ERR_NO_AUDIO / _PROFILE / _CODEC / _CLOCK_RATE /
 *  _CHANNELS. OUT is zeroed on failure. */
int sdp_select_opus(const sdp_desc *d, sdp_opus_stream *out, char *why, size_t why_cap);

/** Looks up KEY (ASCII case-insensitive) in an fmtp parameter string
 *  "k1=v1;k2=v2" (spaces around ';' and '=' allowed) and copies its value to
 *  VALUE (CAP bytes). Returns true when found and it fitted. */
bool sdp_fmtp_param(const char *fmtp, const char *key, char *value, size_t cap);

/** A static description of STATUS (any status code); never NULL. */
const char *sdp_strerror(int status);

#endif
