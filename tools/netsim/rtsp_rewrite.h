/* The one edit netsim makes to a relayed RTSP session: in a SETUP reply, the
 * receiver's server_port=P-Q (where the sender will send RTP and RTCP) becomes
 * netsim's own UDP ports, so that the media crosses the impaired path instead
 * of going straight to the receiver. Also source=, which some clients (ffmpeg)
 * prefer over the control connection's peer as the media destination.
 *
 * Pure: no sockets, clocks or allocation, so it is unit-tested on its own
 * (tests/unit/test_netsim_rewrite.c). The TCP relay hands it each complete
 * server->client message as received together with its parse. */
#ifndef AL_TOOLS_NETSIM_RTSP_REWRITE_H
#define AL_TOOLS_NETSIM_RTSP_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/rtsp.h"

enum netsim_rewrite_result {
    NETSIM_REWRITE_ERROR = -1, /**< should be rewritten but could not be (out too small) */
    NETSIM_REWRITE_NONE = 0,   /**< not a reply with a UDP server_port: send it as received */
    NETSIM_REWRITE_DONE = 1,   /**< out holds the rewritten message */
};

/** Where the client's media should go instead. */
struct netsim_rewrite_target {
    uint16_t rtp;       /**< netsim's RTP port, 1..65535 */
    uint16_t rtcp;      /**< netsim's RTCP port; 0 writes the single-port form */
    const char *source; /**< replaces the value of a source= parameter; NULL keeps it */
};

/** Room for any rewrite of a RAW_LEN-byte message: the fallback path may turn
 *  bare LFs into CRLFs and add a Content-Length line. */
#define NETSIM_REWRITE_CAP(raw_len) (2 * (raw_len) + 1024)

/** If MSG (the parse of RAW[0..RAW_LEN), one complete message exactly as it
 *  arrived) is a response whose first Transport header's first spec is RTP
 *  over UDP with a server_port, writes the message to OUT (CAP bytes) with
 *  every server_port= value of that header replaced by TARGET's ports (and
 *  every source= value by TARGET->source when given), sets *OUT_LEN and
 *  *ANNOUNCED (the receiver's original server_port of the first spec), and
 *  returns NETSIM_REWRITE_DONE.
 *
 *  Only the parameter values change: every other byte (start line, header
 *  order and spelling, line endings, other Transport parameters, body) is
 *  copied. The body is untouched, so Content-Length stays correct. Should a
 *  value be split by an obsolete line fold, the message is instead written
 *  anew with rtsp_write_response() and rtsp_write_transport() (canonical
 *  form, same headers and body).
 *
 *  Any response qualifies, not only one known to answer SETUP: RFC 2326
 *  12.39 puts Transport in SETUP requests and replies only, so the relay
 *  need not track the client's CSeqs. Returns NETSIM_REWRITE_NONE without
 *  touching OUT for anything else, including a Transport it cannot parse. */
int netsim_rewrite_setup_reply(const rtsp_message *msg, const void *raw, size_t raw_len,
                               const struct netsim_rewrite_target *target, char *out, size_t cap,
                               size_t *out_len, rtsp_port_range *announced);

#endif
