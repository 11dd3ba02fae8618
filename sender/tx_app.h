/* The sender application: options -> one loop_engine (net/loop.h).
 *
 * One engine for both modes. With the control channel (the default) it
 * holds the RTSP client (sender/rtsp_client.h), its TCP connection and the
 * connector that tries every address of the destination (net/connector.h);
 * plain RTP (--no-control) is the same engine with no control client, the
 * stream live from the start. Either way the input (sender/tx_input.h) is
 * paced in one place: file frame n is due at start + n frames on the
 * loop's clock, a device's frame when the card has delivered it; frames
 * are read on time even while no receiver takes them, so a file plays in
 * real time through reconnections.
 *
 * The engine reads no clock and never waits: `now` comes from the loop
 * (loop_run on the monotonic clock, loop_run_simulated in tests), and all
 * its state is in the struct, so a process may run it beside other engines
 * (the receiving half of a call) in one loop. Its reads are bounded per
 * wake-up (AL_TX_TCP_READ_BUDGET on the control connection), so a peer
 * that floods us never holds up the pacing or the stop.
 *
 * Messages for the user go to stderr as "sender: ...", as the program's. */
#ifndef AL_SENDER_TX_APP_H
#define AL_SENDER_TX_APP_H

#include <signal.h>
#include <stdint.h>

#include "net/loop.h"
#include "sender/tx_options.h"

typedef struct tx_app tx_app;

/** Sets the sender up from OPT (copied; its strings, argv's, are borrowed
 *  and must outlive APP) at NOW: resolves --to, opens the
 *  input, checks the encoder settings, opens the media socket, writes
 *  --sdp-out, starts the control client (or, plain, the stream). Returns
 *  NULL after printing why, with *EXIT_STATUS 2 (a bad option, file or
 *  address) or 1 (a runtime failure). */
tx_app *tx_app_create(const tx_options *opt, int64_t now, int *exit_status);

/** The loop engine of APP (self = APP). Finished once the session ended:
 *  exit status 0 done or stopped, 1 a runtime failure (busy, refused, input
 *  ended while no receiver took it, a read or encoder error). The totals
 *  are printed when it finishes. */
loop_engine tx_app_engine(tx_app *app);

/** Frees APP (NULL is fine), closing its sockets and input. */
void tx_app_destroy(tx_app *app);

/** The whole program: create, loop_run until finished (STOP_FLAG, set by a
 *  signal, stops it), destroy. Returns the exit status. */
int tx_app_run(const tx_options *opt, volatile sig_atomic_t *stop_flag);

#endif
