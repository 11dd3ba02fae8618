/* The sender's command line: argv -> tx_options, and the --help text.
 *
 * Every default comes from common/defaults.h (through tx_config_defaults
 * and the AL_TX_* constants) and --help prints those constants, so a
 * default changed there is changed everywhere. Durations are whole
 * nanoseconds or samples inside; milliseconds and seconds exist only on
 * the command line. Nothing here opens a file, a device or a socket. */
#ifndef AL_SENDER_TX_OPTIONS_H
#define AL_SENDER_TX_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "sender/tx_stream.h"

/** What the command line asks for. */
typedef enum tx_action {
    TX_ACTION_RUN,          /**< stream */
    TX_ACTION_HELP,         /**< print tx_options_help() and exit 0 */
    TX_ACTION_VERSION,      /**< print tx_options_version() and exit 0 */
    TX_ACTION_LIST_DEVICES, /**< list the sound devices and exit */
} tx_action;

typedef struct tx_options {
    tx_action action;
    const char *to;       /**< --to as given (points into argv) */
    const char *input;    /**< a sound file, or a capture device (from_device); "default" when
                               no --input */
    bool from_device;     /**< INPUT names a capture device, not a file */
    const char *sdp_out;  /**< --sdp-out FILE, or NULL */
    bool loop;            /**< start the file again at its end */
    bool no_control;      /**< plain RTP, no RTSP control channel */
    bool retry_busy;      /**< a busy receiver is retried instead of ending with status 1 */
    bool loss_set;        /**< --loss-percent was given (else FEC implies AL_TX_FEC_LOSS_PERCENT) */
    int verbose;          /**< -1 quiet, 0 normal, 1 verbose */
    tx_config stream;     /**< the encoder and packetiser settings */
    bool application_set; /**< --application was given */
    bool lean;            /**< --lean: the lower-bitrate protection profile */
    int red_bitrates;     /**< how many --redundancy-bitrate values were given */
} tx_options;

/** Fills OPT with the defaults of common/defaults.h. */
void tx_options_defaults(tx_options *opt);

/** Parses ARGV (getopt_long; resets optind itself) into OPT, which
 *  tx_options_parse initialises first. Returns 0, or exit status 2 after
 *  printing "sender: <reason>" on stderr for a bad option, value or
 *  combination. Notes (FEC with short frames) go to stderr unless quiet. */
int tx_options_parse(int argc, char **argv, tx_options *opt);

/** Writes the --help text to OUT. */
void tx_options_help(FILE *out);

/** Writes the --version line to OUT. */
void tx_options_version(FILE *out);

#endif
