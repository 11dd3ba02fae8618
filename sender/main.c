/* sender: audio from a sound file or a capture device, Opus-encoded, sent
 * as RTP over UDP in real time, each packet carrying copies of the frames
 * before it, set up over an RTSP/1.0 control channel (docs/protocol.md).
 *
 * This file only parses the options and hands them to the library:
 * sender/tx_options.c (the command line), sender/tx_app.c (the whole
 * application, one engine on one event loop). The signal flag is the one
 * global: a handler can do nothing but set it. */
#include <signal.h>
#include <stdio.h>

#include "audio/device.h"
#include "sender/tx_app.h"
#include "sender/tx_options.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    tx_options opt;
    int rc = tx_options_parse(argc, argv, &opt);
    if (rc != 0)
        return rc;
    switch (opt.action) {
    case TX_ACTION_HELP:
        tx_options_help(stdout);
        return 0;
    case TX_ACTION_VERSION:
        tx_options_version(stdout);
        return 0;
    case TX_ACTION_LIST_DEVICES:
        return device_list_command("sender");
    case TX_ACTION_RUN:
        break;
    }
    /* Ctrl-C and SIGTERM end the session cleanly (TEARDOWN) inside the
     * loop; a peer that closes the control connection must not kill us. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return tx_app_run(&opt, &stop_requested);
}
