/* receiver: RTP/Opus from the network, lost frames rebuilt from the copies
 * later packets carry (concealed only where no copy arrived), played or
 * written to a sound file (docs/receiver.1).
 *
 * This file only parses the options and runs the application library
 * (receiver/rx_app.h) in the event loop (net/loop.h); the one global is
 * the flag the signal handler sets. */
#include <signal.h>

#include "audio/device.h"
#include "common/status.h"
#include "net/loop.h"
#include "receiver/rx_app.h"
#include "receiver/rx_options.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    rx_options opt;
    int rc = rx_options_parse(argc, argv, &opt);
    if (rc == RX_OPTIONS_DONE)
        return 0;
    if (rc != AL_OK)
        return 2; /* a bad option, file or port: the reason is printed */
    if (opt.list_devices)
        return device_list_command("receiver");

    rx_app *app = rx_app_create(&opt, &rc);
    if (!app)
        return rc;
    /* Every signal that asks a program to end finalises the file: SIGHUP (the
     * terminal went away) and SIGQUIT (Ctrl-\) too, not only Ctrl-C and
     * SIGTERM. What nothing can catch (SIGKILL, a crash) still leaves a WAV
     * whose header is at most a second behind (audio/soundfile.c). */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    loop_engine engine = rx_app_engine(app);
    rc = loop_run(&engine, 1, &stop_requested);
    rx_app_destroy(app);
    device_terminate();
    return rc;
}
