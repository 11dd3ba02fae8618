/* RTSP/1.0 (RFC 2326) as the control channel of a record-mode (push) session.
 *
 * The sender is the RTSP client: OPTIONS, ANNOUNCE (SDP body), SETUP
 * (Transport: ...;client_port=A-B;mode=record), RECORD, GET_PARAMETER or
 * OPTIONS as keep-alive, TEARDOWN. The receiver is the server and answers.
 *
 * This header only gathers the pieces, one purpose each:
 *   proto/rtsp_status.h     results and errors, reason phrases, error replies
 *   proto/rtsp_message.h    the incremental parser, method names, the writers
 *   proto/rtsp_headers.h    header lookup, the ;name=value parameter walker
 *   proto/rtsp_transport.h  Transport, Session and RTP-Info
 *   proto/rtsp_url.h        rtsp:// URLs
 *
 * All of it is pure functions over byte buffers: no sockets, clocks or
 * allocation. Every parser is lenient in what it accepts (CRLF or bare LF,
 * any case in header names and Transport parameters, surrounding
 * whitespace) and strict in what the writers produce (CRLF, canonical order
 * and spelling). */
#ifndef AL_PROTO_RTSP_H
#define AL_PROTO_RTSP_H

#include "proto/rtsp_headers.h"
#include "proto/rtsp_message.h"
#include "proto/rtsp_status.h"
#include "proto/rtsp_transport.h"
#include "proto/rtsp_url.h"

#endif
