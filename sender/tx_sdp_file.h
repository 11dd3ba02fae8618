/* --sdp-out: the SDP (RFC 4566) of a plain RTP stream (--no-control), with
 * the real destination port and address, for ffmpeg, ffplay, GStreamer or
 * receiver --sdp. */
#ifndef AL_SENDER_TX_SDP_FILE_H
#define AL_SENDER_TX_SDP_FILE_H

#include <stddef.h>
#include <sys/socket.h>

#include "sender/tx_stream.h"

/** Writes to PATH the SDP of the stream CFG describes, sent to DEST
 *  (DEST_LEN bytes); the origin is the local address that reaches DEST.
 *  Returns 0, or -1 with a reason in ERR. */
int tx_write_sdp_file(const char *path, const tx_config *cfg, const struct sockaddr *dest,
                      socklen_t dest_len, char *err, size_t err_size);

#endif
