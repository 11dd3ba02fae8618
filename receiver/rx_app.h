/* The whole receiver application as one loop engine (net/loop.h): the
 * sockets, the RTSP connections (rx_conns), the media path (rx_stream),
 * the output (rx_output), statistics and the reports.
 *
 * It never reads a clock and never polls: the loop hands it `now` and its
 * descriptors' events, so it runs alike under loop_run (the program) and
 * loop_run_simulated (a test), and beside other engines in one loop (a
 * later two-way call: an rx and a tx engine). All its state is in the
 * struct: any number can exist. Every wake-up does bounded work
 * (AL_RX_DATAGRAMS_PER_WAKE and rx_conns' budgets). */
#ifndef AL_RECEIVER_RX_APP_H
#define AL_RECEIVER_RX_APP_H

#include "net/loop.h"
#include "receiver/rx_options.h"

typedef struct rx_app rx_app;

/** Opens what OPT names: the stats file, the sockets (a free port for port
 *  0, the same number for TCP and UDP), the output. Prints what it listens
 *  on (and "receiver: listening on port N" for port 0). Returns NULL with
 *  the reason printed and *EXIT_STATUS set (2: a bad file or port, 1: a
 *  runtime failure). OPT's strings must outlive the app. */
rx_app *rx_app_create(const rx_options *opt, int *exit_status);

/** The port it listens on (TCP control and UDP media). */
int rx_app_port(const rx_app *a);

/** The engine for net/loop.h; SELF is A. */
loop_engine rx_app_engine(rx_app *a);

/** Frees A (after its engine finished, or instead of running it). */
void rx_app_destroy(rx_app *a);

#endif
