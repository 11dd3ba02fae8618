/* RTSP/1.0 headers that describe the media stream: Transport (RFC 2326
 * section 12.39), Session (12.37) and RTP-Info (12.33).
 *
 * Pure functions over strings: parsers fill a caller's struct (no pointers
 * into the input are kept), writers fill a caller's buffer.
 *
 * Units: ports are UDP port numbers; timeouts are seconds; lengths bytes. */
#ifndef AL_PROTO_RTSP_TRANSPORT_H
#define AL_PROTO_RTSP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/rtsp_status.h"
#include "proto/rtsp_url.h"

#define RTSP_DEFAULT_SESSION_TIMEOUT 60       /**< s, Session without timeout= */
#define RTSP_MAX_SESSION_TIMEOUT     31622400 /**< s, largest timeout= accepted: 366 days */
#define RTSP_MAX_SESSION_ID          64       /**< longest session id, bytes */

/* ---- Transport (RFC 2326 section 12.39) ---- */

enum rtsp_lower_transport {
    RTSP_LOWER_UDP = 0, /**< RTP/AVP or RTP/AVP/UDP */
    RTSP_LOWER_TCP,     /**< RTP/AVP/TCP: media interleaved on the RTSP connection */
};

enum rtsp_profile {
    RTSP_PROFILE_AVP = 0, /**< RTP/AVP */
    RTSP_PROFILE_AVPF,    /**< RTP/AVPF */
    RTSP_PROFILE_SAVP,    /**< RTP/SAVP (SRTP) */
    RTSP_PROFILE_SAVPF,   /**< RTP/SAVPF */
};

enum rtsp_cast {
    RTSP_CAST_UNSPECIFIED = 0, /**< neither given (the RFC's default is multicast) */
    RTSP_CAST_UNICAST,
    RTSP_CAST_MULTICAST,
};

enum rtsp_mode {
    RTSP_MODE_UNSPECIFIED = 0, /**< no mode= (the RFC's default is PLAY) */
    RTSP_MODE_PLAY,
    RTSP_MODE_RECORD, /**< record, "RECORD", or receive (ffmpeg's server says that) */
    RTSP_MODE_OTHER,  /**< a mode we don't know */
};

/** A port pair. A single port "p" in the header means p and p + 1. */
typedef struct rtsp_port_range {
    uint16_t rtp;  /**< 1..65535 */
    uint16_t rtcp; /**< usually rtp + 1; 0 when a single port 65535 was given */
} rtsp_port_range;

typedef struct rtsp_transport {
    enum rtsp_profile profile;
    enum rtsp_lower_transport lower;
    enum rtsp_cast cast;
    enum rtsp_mode mode;
    bool has_client_port, has_server_port, has_interleaved, has_ssrc;
    rtsp_port_range client_port;
    rtsp_port_range server_port;
    uint8_t interleaved[2];          /**< channels for RTP and RTCP (TCP) */
    uint32_t ssrc;                   /**< ssrc= (hexadecimal on the wire) */
    char source[RTSP_MAX_HOST];      /**< source=, "" when absent */
    char destination[RTSP_MAX_HOST]; /**< destination=, "" when absent */
} rtsp_transport;

/** Parses the first transport spec of a Transport header VALUE (specs are
 *  comma-separated alternatives). Profile and parameter names are compared
 *  case-insensitively; mode may be quoted; unknown parameters are ignored. If
 *  NEXT is not NULL it receives the start of the following spec, or NULL when
 *  this was the last, so the caller can loop over alternatives.
 *  Returns RTSP_OK, or RTSP_ERR_TRANSPORT (not RTP/AVP[F]|SAVP[F] over UDP or
 *  TCP, a port of 0 or above 65535, a malformed range, an address too long). */
int rtsp_parse_transport(const char *value, rtsp_transport *out, const char **next);

/** Writes T as a Transport value (no header name, no CRLF), parameters in RFC
 *  2326 order: "RTP/AVP/UDP;unicast;source=S;destination=D;interleaved=a-b;
 *  client_port=A-B;server_port=C-D;ssrc=XXXXXXXX;mode=record", each only when
 *  set. The lower transport is always spelt out, mode always lowercase and
 *  unquoted (ffmpeg and GStreamer compare case-insensitively; GStreamer rejects
 *  "receive", so RECORD is written "record"). Returns the length in bytes (a
 *  NUL follows), or RTSP_ERR_ARG / RTSP_ERR_BUFFER. */
int rtsp_write_transport(char *buf, size_t cap, const rtsp_transport *t);

/* ---- Session (RFC 2326 section 12.37) ---- */

typedef struct rtsp_session {
    char id[RTSP_MAX_SESSION_ID + 1];
    unsigned timeout; /**< seconds; RTSP_DEFAULT_SESSION_TIMEOUT when not given */
    bool has_timeout;
} rtsp_session;

/** Parses "12345678;timeout=60" (spaces allowed around ';' and '='). Returns
 *  RTSP_OK, or RTSP_ERR_SESSION for an empty or too long id, or a timeout that
 *  is not a number. Unknown parameters are ignored. */
int rtsp_parse_session(const char *value, rtsp_session *out);

/* ---- RTP-Info (RFC 2326 section 12.33) ---- */

typedef struct rtsp_rtp_info {
    bool has_seq;
    uint16_t seq; /**< the first packet's sequence number */
    bool has_rtptime;
    uint32_t rtptime; /**< the first packet's RTP timestamp */
} rtsp_rtp_info;

/** Parses the first stream of "url=...;seq=N;rtptime=T[,url=...]" (one
 *  stream is all we send; the url is not checked). Returns RTSP_OK with
 *  what was given (either may be absent), RTSP_ERR_RTP_INFO for a seq or
 *  rtptime that is not a number in range (the peer's fault, so not
 *  RTSP_ERR_ARG, which NULL arguments get). Unknown parameters are ignored. */
int rtsp_parse_rtp_info(const char *value, rtsp_rtp_info *out);

#endif
