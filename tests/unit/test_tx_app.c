/* sender/tx_app: the whole sender engine on loop_run_simulated, sending
 * to a real loopback UDP socket that a second engine of the test reads:
 * plain RTP paced at exactly one frame of simulated time per packet, the
 * end at the end of the file, a stop, and start-up failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/defaults.h"
#include "net/clock.h"
#include "net/loop.h"
#include "sender/tx_app.h"
#include "sender/tx_options.h"

#define MS           1000000LL
#define START_NS     (5 * NS_PER_SEC) /* any instant: the engine keeps no clock of its own */
#define FRAME_NS     (20 * MS)
#define FILE_SAMPLES 48000 /* one second: 50 frames of 20 ms */

static char wav_path[512];

/* A one-second mono 16-bit WAV at 48 kHz (a quiet tone). */
static void write_wav(const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t data_bytes = FILE_SAMPLES * 2;
    uint8_t h[44] = "RIFF....WAVEfmt ";
    uint32_t riff = 36 + data_bytes, fmt_len = 16, rate = AL_RATE, byte_rate = AL_RATE * 2;
    uint16_t pcm = 1, channels = 1, align = 2, bits = 16;
    memcpy(h + 4, &riff, 4);
    memcpy(h + 16, &fmt_len, 4);
    memcpy(h + 20, &pcm, 2);
    memcpy(h + 22, &channels, 2);
    memcpy(h + 24, &rate, 4);
    memcpy(h + 28, &byte_rate, 4);
    memcpy(h + 32, &align, 2);
    memcpy(h + 34, &bits, 2);
    memcpy(h + 36, "data", 4);
    memcpy(h + 40, &data_bytes, 4);
    fwrite(h, 1, sizeof h, f);
    for (int i = 0; i < FILE_SAMPLES; i++) {
        int16_t s = (int16_t)(4000 * sin(i * 2 * M_PI * 440 / AL_RATE));
        fwrite(&s, 2, 1, f);
    }
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("TMPDIR");
    snprintf(wav_path, sizeof wav_path, "%s/test_tx_app_%d.wav", dir ? dir : "/tmp", getpid());
    write_wav(wav_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(wav_path);
    return 0;
}

/* The test's end of the wire: an engine that reads every datagram on its
 * socket and notes the simulated time it came at. */
#define MAX_PACKETS 500
typedef struct rtp_sink {
    int fd;
    int port;
    int count;
    int64_t at[MAX_PACKETS];
    uint16_t seq[MAX_PACKETS];
    uint32_t ts[MAX_PACKETS];
    loop_engine *sender; /* done when the sender is */
} rtp_sink;

static void sink_open(rtp_sink *s)
{
    memset(s, 0, sizeof *s);
    s->fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
}

static void sink_drain(rtp_sink *s, int64_t now)
{
    uint8_t b[2048];
    ssize_t n;
    while ((n = recv(s->fd, b, sizeof b, MSG_DONTWAIT)) > 0) {
        assert_true(n >= 12);
        assert_int_equal(b[0] >> 6, 2); /* RTP version 2 */
        assert_true(s->count < MAX_PACKETS);
        s->at[s->count] = now;
        s->seq[s->count] = (uint16_t)(b[2] << 8 | b[3]);
        s->ts[s->count] = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
        s->count++;
    }
}

static int sink_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    (void)now, (void)max, (void)deadline;
    fds[0] = (struct pollfd){.fd = ((rtp_sink *)self)->fd, .events = POLLIN};
    return 1;
}

static void sink_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    (void)fds, (void)count;
    sink_drain(self, now);
}

static void sink_stop(void *self, int64_t now)
{
    (void)self, (void)now;
}

static bool sink_finished(const void *self, int *status)
{
    const rtp_sink *s = self;
    int st;
    *status = 0;
    return s->sender->finished(s->sender->self, &st);
}

static tx_options parse_or_fail(const char **args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "sender";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    tx_options opt;
    assert_int_equal(tx_options_parse(argc, argv, &opt), 0);
    return opt;
}

/* Runs a plain-RTP sender of the test file to a sink until END_NS (stop at
 * STOP_NS). Returns the loop's status; the sink holds what came. */
static int run_plain(rtp_sink *sink, int64_t stop_ns, int64_t *now, const char *extra)
{
    sink_open(sink);
    char to[64];
    snprintf(to, sizeof to, "127.0.0.1:%d", sink->port);
    const char *args[] = {"--no-control", "--to", to, "--input", wav_path, "-q", extra, NULL};
    tx_options opt = parse_or_fail(args);
    int status = -1;
    *now = START_NS;
    tx_app *app = tx_app_create(&opt, *now, &status);
    assert_non_null(app);
    loop_engine engines[2] = {tx_app_engine(app)};
    engines[1] = (loop_engine){.self = sink,
                               .prepare = sink_prepare,
                               .dispatch = sink_dispatch,
                               .stop = sink_stop,
                               .finished = sink_finished};
    sink->sender = &engines[0];
    int rc = loop_run_simulated(engines, 2, now, stop_ns, START_NS + 60 * NS_PER_SEC);
    sink_drain(sink, *now); /* what the last round sent */
    tx_app_destroy(app);
    close(sink->fd);
    return rc;
}

static void test_plain_paced_to_the_end(void **state)
{
    (void)state;
    rtp_sink sink;
    int64_t now;
    assert_int_equal(run_plain(&sink, LOOP_NEVER, &now, NULL), 0);
    /* every frame of the file, one packet per 20 ms of simulated time */
    assert_int_equal(sink.count, FILE_SAMPLES / AL_DEFAULT_FRAME_SAMPLES);
    for (int i = 0; i < sink.count; i++) {
        if (sink.at[i] != START_NS + i * FRAME_NS)
            fail_msg("packet %d at %lld ns, want %lld", i, (long long)(sink.at[i] - START_NS),
                     (long long)(i * FRAME_NS));
        if (i > 0) {
            assert_int_equal((uint16_t)(sink.seq[i] - sink.seq[i - 1]), 1);
            assert_int_equal(sink.ts[i] - sink.ts[i - 1], AL_DEFAULT_FRAME_SAMPLES);
        }
    }
    /* finished at the end of the file: when the frame after the last was due */
    assert_int_equal(now, START_NS + sink.count * FRAME_NS);
}

static void test_plain_short_frames(void **state)
{
    (void)state;
    rtp_sink sink;
    int64_t now;
    assert_int_equal(run_plain(&sink, LOOP_NEVER, &now, "--frame=2.5"), 0);
    assert_int_equal(sink.count, FILE_SAMPLES / 120);
    for (int i = 0; i < sink.count; i++)
        assert_int_equal(sink.at[i], START_NS + i * 2500000LL);
}

static void test_plain_stop(void **state)
{
    (void)state;
    rtp_sink sink;
    int64_t now;
    /* stopped at 500 ms (the loop runs what is due at that instant, then
     * stops): the packets of 0 .. 500 ms, none after */
    assert_int_equal(run_plain(&sink, START_NS + 500 * MS, &now, NULL), 0);
    assert_int_equal(sink.count, 26);
    assert_int_equal(sink.at[25], START_NS + 500 * MS);
    assert_int_equal(now, START_NS + 500 * MS);
}

/* With the control channel and nobody listening: the sender retries (the
 * file waits for its first receiver) until stopped, then exits 0. */
static void test_session_no_receiver_until_stopped(void **state)
{
    (void)state;
    rtp_sink sink;
    sink_open(&sink); /* its port: nobody listens on TCP there */
    char to[64];
    snprintf(to, sizeof to, "127.0.0.1:%d", sink.port);
    const char *args[] = {"--to", to, "--input", wav_path, "-q", NULL};
    tx_options opt = parse_or_fail(args);
    int status = -1;
    int64_t now = START_NS;
    tx_app *app = tx_app_create(&opt, now, &status);
    assert_non_null(app);
    loop_engine engine = tx_app_engine(app);
    assert_int_equal(
        loop_run_simulated(&engine, 1, &now, START_NS + 3 * NS_PER_SEC, START_NS + 60 * NS_PER_SEC),
        0);
    assert_int_equal(now, START_NS + 3 * NS_PER_SEC);
    sink_drain(&sink, now);
    assert_int_equal(sink.count, 0); /* no media without a session */
    tx_app_destroy(app);
    close(sink.fd);
}

static void test_startup_failures(void **state)
{
    (void)state;
    int status = -1;
    const char *bad_host[] = {"--to", "no-such-host.invalid:5004", "--input", wav_path, "-q", NULL};
    tx_options opt = parse_or_fail(bad_host);
    assert_null(tx_app_create(&opt, 0, &status));
    assert_int_equal(status, 2);

    const char *bad_file[] = {"--to", "127.0.0.1:5004", "--input", "/nonexistent/x.wav", "-q",
                              NULL};
    opt = parse_or_fail(bad_file);
    status = -1;
    assert_null(tx_app_create(&opt, 0, &status));
    assert_int_equal(status, 2);

    const char *bad_to[] = {"--no-control", "--to", "rtsp://h/x", "--input", wav_path, NULL};
    opt = parse_or_fail(bad_to);
    status = -1;
    assert_null(tx_app_create(&opt, 0, &status));
    assert_int_equal(status, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paced_to_the_end),
        cmocka_unit_test(test_plain_short_frames),
        cmocka_unit_test(test_plain_stop),
        cmocka_unit_test(test_session_no_receiver_until_stopped),
        cmocka_unit_test(test_startup_failures),
    };
    return cmocka_run_group_tests_name("tx_app", tests, setup, teardown);
}
