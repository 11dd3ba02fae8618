/* RTSP/1.0 header fields (RFC 2326 section 12): looking a header up in a
 * parsed message, and walking the ";name=value" parameters that Session,
 * RTP-Info and Transport values are made of.
 *
 * Pure functions; every returned pointer points into the caller's strings. */
#ifndef AL_PROTO_RTSP_HEADERS_H
#define AL_PROTO_RTSP_HEADERS_H

#include <stdbool.h>

#include "proto/rtsp_message.h"

/** The value of the first header named NAME (ASCII case-insensitive), or NULL.
 *  The value points into MSG (valid as long as MSG is). */
const char *rtsp_header(const rtsp_message *msg, const char *name);

/** The next ";name=value" parameter of a header value, from *AT up to the
 *  end of the string or a character of STOPS (e.g. "," between RTP-Info
 *  streams; "" for none): [*NS, *NE) the name and [*VS, *VE) the value, both
 *  trimmed of spaces and tabs, or *NS = NULL for a parameter without '='
 *  (*NE, *VS, *VE are then untouched). Leading ';' and blanks are skipped.
 *  Advances *AT past the parameter; returns false, with *AT unchanged, when
 *  no parameter is left before the end or a STOPS character. */
bool rtsp_next_param(const char **at, const char *stops, const char **ns, const char **ne,
                     const char **vs, const char **ve);

#endif
