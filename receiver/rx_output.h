/* Where the received audio goes, a sound file (file_sink) or a sound device
 * (device_out), and the statistics totals over every session.
 *
 * One output serves every session of the receiver's life: a file is
 * created at start-up (so a bad path fails at once) and created again with
 * the stream's channel count while nothing has been written to it; a device
 * is opened at start-up and kept running. */
#ifndef AL_RECEIVER_RX_OUTPUT_H
#define AL_RECEIVER_RX_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "receiver/rx_stream.h"
#include "receiver/stats_report.h"

typedef struct rx_output rx_output;

/** Opens NAME (a .wav/.flac path, or with TO_DEVICE a device spec) for
 *  CHANNELS channels. VERBOSE >= 0 says which device plays. Returns NULL
 *  with the reason in ERR. */
rx_output *rx_output_open(const char *name, bool to_device, int channels, int verbose, char *err,
                          size_t err_size);

/** Finalises the file (or stops the device) and frees O. Returns AL_OK, or
 *  a negative status when the file could not be finalised (reason in ERR). */
int rx_output_close(rx_output *o, char *err, size_t err_size);

/** Makes the output take CHANNELS: a file not yet written to is created
 *  again; a device and a started file keep theirs. Returns AL_OK, or a
 *  negative status with the reason in ERR. */
int rx_output_set_channels(rx_output *o, int channels, char *err, size_t err_size);

/** The output's channel count. */
int rx_output_channels(const rx_output *o);

/** True when audio is in the file (later sessions keep its channels). */
bool rx_output_started(const rx_output *o);

/** True for a device. */
bool rx_output_is_device(const rx_output *o);

/** Samples per channel written to the file so far (0 for a device). */
int64_t rx_output_written(const rx_output *o);

/** Plays every frame of RX due at NOW (every frame still held with
 *  FORCE). Returns AL_OK, or a negative status with the reason in ERR
 *  ("cannot write out.wav: File too large"): the output failed, and RX's
 *  session can go no further. */
int rx_output_play(rx_output *o, rx_stream *rx, int64_t now, bool force, char *err,
                   size_t err_size);

/** The end of RX's stream at NOW: plays what is held and drops concealment
 *  that lay past its last packet. */
void rx_output_finish_stream(rx_output *o, rx_stream *rx, int64_t now);

/** The device's side of the statistics into *OUT and returns OUT; NULL
 *  when writing a file. */
const device_report *rx_output_device_report(const rx_output *o, device_report *out);

/** The device's closing line ("device: N underruns ..."), nothing for a
 *  file. */
void rx_output_print_device_summary(const rx_output *o, FILE *out, const char *program);

/** Counters over the receiver's life: the sessions that ended, plus the
 *  datagrams no session took. */
typedef struct rx_totals {
    rx_stats done;               /**< counters of the ended sessions, gauges of the last */
    bool have_done;              /**< DONE holds at least one session */
    uint64_t foreign;            /**< media the session gate dropped */
    uint64_t foreign_at_start;   /**< ... when the current session started */
    uint64_t truncated;          /**< datagrams longer than the buffer: invalid */
    uint64_t truncated_at_start; /**< ... when the current session started */
} rx_totals;

/** A session starts: what the gate drops from now on is its own. */
void rx_totals_session_start(rx_totals *t);

/** A session ended with S: adds its counters. Returns S with what the gate
 *  dropped during it, for its summary. */
rx_stats rx_totals_session_end(rx_totals *t, const rx_stats *s);

/** The totals with the current session RX (NULL for none) included; its
 *  gauges, else the last session's. */
rx_stats rx_totals_now(const rx_totals *t, const rx_stream *rx);

#endif
