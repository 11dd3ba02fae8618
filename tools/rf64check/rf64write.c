/* rf64write: writes SECONDS of 48 kHz stereo through the receiver's file
 * path (file_sink, as `receiver --output FILE` does) as fast as the disk
 * takes it, so that rf64check.sh can make a WAV past 4 GiB in a minute
 * instead of 6 hours of streaming.
 *
 *   rf64write FILE.wav SECONDS [--kill]
 *
 * The left channel is a 480 Hz sine, the right a 1200 Hz one, both at half
 * scale: whole periods of 100 and 40 samples, so sample k of either channel
 * is known without the file. --kill ends the process with SIGKILL instead of
 * closing the file, as a crash would: the header is then whatever the last
 * periodic update left. SECONDS may have a fraction; it is rounded to whole
 * 20 ms frames. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receiver/file_sink.h"

#define RATE         48000
#define CHANNELS     2
#define FRAME        960 /* samples per channel in 20 ms, what the receiver writes */
#define LEFT_PERIOD  100 /* 480 Hz */
#define RIGHT_PERIOD 40  /* 1200 Hz */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--kill") != 0)) {
        fprintf(stderr, "usage: rf64write FILE.wav SECONDS [--kill]\n");
        return 2;
    }
    char *end;
    double seconds = strtod(argv[2], &end);
    if (*end != '\0' || !(seconds > 0) || seconds > 1e7) {
        fprintf(stderr, "rf64write: bad SECONDS '%s'\n", argv[2]);
        return 2;
    }
    const int kill_at_end = argc == 4;
    const long long frames = llround(seconds * RATE / FRAME);

    /* One period of both sines (lcm of 100 and 40 = 200 samples), reused:
     * computing 2 x 10^9 sines would take longer than writing them. */
    static float cycle[200 * CHANNELS];
    for (int k = 0; k < 200; k++) {
        cycle[k * CHANNELS] = (float)(0.5 * sin(2 * M_PI * (k % LEFT_PERIOD) / LEFT_PERIOD));
        cycle[k * CHANNELS + 1] = (float)(0.5 * sin(2 * M_PI * (k % RIGHT_PERIOD) / RIGHT_PERIOD));
    }

    char err[256];
    file_sink *sink = file_sink_open(argv[1], CHANNELS, err, sizeof err);
    if (sink == NULL) {
        fprintf(stderr, "rf64write: %s\n", err);
        return 1;
    }
    static float pcm[FRAME * CHANNELS];
    long long sample = 0;
    for (long long f = 0; f < frames; f++) {
        for (int i = 0; i < FRAME; i++, sample++) {
            int k = (int)(sample % 200);
            pcm[i * CHANNELS] = cycle[k * CHANNELS];
            pcm[i * CHANNELS + 1] = cycle[k * CHANNELS + 1];
        }
        if (file_sink_write(sink, pcm, FRAME, false) != 0) {
            fprintf(stderr, "rf64write: write failed after %lld samples\n", sample);
            file_sink_close(sink);
            return 1;
        }
    }
    printf("%lld\n", sample); /* samples per channel written */
    fflush(stdout);
    if (kill_at_end)
        raise(SIGKILL);
    if (file_sink_close(sink) != 0) {
        fprintf(stderr, "rf64write: cannot finalise %s\n", argv[1]);
        return 1;
    }
    return 0;
}
