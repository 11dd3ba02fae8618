/* The receiver's command line: argv -> rx_options, every default from
 * common/defaults.h (docs/receiver.1). Parsing touches no socket; only
 * --sdp FILE is read, because its port and payload types are options too. */
#ifndef AL_RECEIVER_RX_OPTIONS_H
#define AL_RECEIVER_RX_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/addr.h"
#include "receiver/rx_stream.h"

/** How media arrives. */
typedef enum rx_mode {
    RX_MODE_CONTROL = 0, /**< RTSP sessions on TCP, RTP on UDP (the default) */
    RX_MODE_PLAIN,       /**< --no-control: plain RTP, default payload types */
    RX_MODE_SDP,         /**< --sdp FILE: plain RTP as FILE describes it */
} rx_mode;

typedef struct rx_options {
    net_endpoint listen;    /**< TCP and UDP; port 0: a free one (printed) */
    const char *output;     /**< a .wav/.flac path or a device name (argv's storage) */
    bool to_device;         /**< OUTPUT names a device */
    bool list_devices;      /**< --list-devices: list and exit, nothing else is set */
    const char *stats_path; /**< --stats FILE, NULL for none */
    const char *sdp_path;   /**< --sdp FILE, NULL for none */
    rx_mode mode;
    bool once;                  /**< exit when the first session ends */
    int64_t idle_timeout_ns;    /**< plain RTP ends after this silence; 0 = never */
    int64_t session_timeout_ns; /**< whole seconds (it is sent as Session: ;timeout=) */
    int64_t request_timeout_ns;
    int verbose;  /**< -1 quiet, 0 normal, 1 a status line every second */
    rx_config rx; /**< the media path's (channels, latency, payload types ...) */
} rx_options;

/** Result of rx_options_parse() besides AL_OK and AL_ERR_ARG: --help or
 *  --version was printed and the program is done (exit status 0). */
#define RX_OPTIONS_DONE 1

/** Parses ARGV into *OPT (filled with the defaults first). Returns AL_OK,
 *  RX_OPTIONS_DONE, or AL_ERR_ARG with "receiver: reason" printed to stderr
 *  (the program exits with status 2: a bad option, file or port). */
int rx_options_parse(int argc, char **argv, rx_options *opt);

/** The --help text, with every default printed from its constant. */
void rx_options_usage(FILE *out);

#endif
