/* receiver/rx_app: the whole receiver engine in simulated time
 * (loop_run_simulated), fed by a test engine that sends real Opus RTP
 * packets on a loopback UDP socket every 20 ms of simulated time: the
 * file holds the stream, the idle timeout ends the run, and a flood of
 * datagrams is read at most AL_RX_DATAGRAMS_PER_WAKE per wake-up; and a
 * test RTSP sender engine on loopback TCP: a whole session into a file,
 * and a claim without media released at its deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <math.h>
#include <netinet/in.h>
#include <opus.h>
#include <poll.h>
#include <sys/socket.h>

#include "audio/soundfile.h"
#include "common/defaults.h"
#include "common/status.h"
#include "net/clock.h"
#include "net/loop.h"
#include "proto/rtp.h"
#include "receiver/rx_app.h"
#include "receiver/rx_options.h"

#define FRAME     AL_DEFAULT_FRAME_SAMPLES
#define FRAME_NS  (20 * NS_PER_MSEC)
#define N_PACKETS 100 /* 2 s */

/* Sends N_PACKETS of a 440 Hz tone as plain Opus RTP, one per 20 ms. */
typedef struct tone_sender {
    int fd;
    struct sockaddr_in to;
    OpusEncoder *enc;
    int sent;
    int64_t next;
} tone_sender;

static int sender_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    (void)now;
    (void)fds;
    (void)max;
    tone_sender *s = self;
    if (s->next < *deadline)
        *deadline = s->next;
    return 0;
}

static void sender_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    (void)fds;
    (void)count;
    tone_sender *s = self;
    while (s->sent < N_PACKETS && now >= s->next) {
        float pcm[FRAME];
        for (int i = 0; i < FRAME; i++)
            pcm[i] =
                0.3f * sinf(2.0f * 3.14159265f * 440.0f * (float)(s->sent * FRAME + i) / AL_RATE);
        uint8_t opus[AL_MAX_OPUS_FRAME], pkt[AL_MAX_PACKET];
        int len = opus_encode_float(s->enc, pcm, FRAME, opus, sizeof opus);
        assert_true(len > 0);
        rtp_header h = {.payload_type = AL_OPUS_PT,
                        .marker = s->sent == 0,
                        .sequence = (uint16_t)(1000 + s->sent),
                        .timestamp = (uint32_t)(s->sent * FRAME),
                        .ssrc = 0x1234};
        int n = rtp_write(&h, opus, (size_t)len, pkt, sizeof pkt);
        assert_true(n > 0);
        assert_int_equal(sendto(s->fd, pkt, (size_t)n, 0, (struct sockaddr *)&s->to, sizeof s->to),
                         n);
        s->sent++;
        s->next += FRAME_NS;
    }
    if (s->sent == N_PACKETS)
        s->next = LOOP_NEVER;
}

static void sender_stop(void *self, int64_t now)
{
    (void)now;
    ((tone_sender *)self)->sent = N_PACKETS;
}

static bool sender_finished(const void *self, int *exit_status)
{
    *exit_status = 0;
    return ((const tone_sender *)self)->sent >= N_PACKETS;
}

static void temp_path(char *path, size_t size, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/test_rx_app_%d_%s", dir ? dir : "/tmp", (int)getpid(), name);
}

/* A plain-RTP receiver into PATH on a free loopback port. */
static rx_app *plain_receiver(const char *path, rx_options *opt)
{
    char *argv[] = {"receiver", "-q",         "--no-control",   "--listen", "127.0.0.1:0",
                    "--output", (char *)path, "--idle-timeout", "1",        NULL};
    assert_int_equal(rx_options_parse((int)(sizeof argv / sizeof argv[0]) - 1, argv, opt), AL_OK);
    int status = -1;
    rx_app *app = rx_app_create(opt, &status);
    assert_non_null(app);
    assert_true(rx_app_port(app) > 0);
    return app;
}

static int loopback_socket(struct sockaddr_in *to, int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    memset(to, 0, sizeof *to);
    to->sin_family = AF_INET;
    to->sin_port = htons((uint16_t)port);
    to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd;
}

static void test_tone_into_file(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path, "tone.wav");
    rx_options opt;
    rx_app *app = plain_receiver(path, &opt);

    int err;
    tone_sender s = {.enc = opus_encoder_create(AL_RATE, 1, OPUS_APPLICATION_AUDIO, &err)};
    assert_non_null(s.enc);
    s.fd = loopback_socket(&s.to, rx_app_port(app));
    s.next = 5 * NS_PER_SEC; /* simulated time starts at 5 s */
    loop_engine engines[2] = {
        rx_app_engine(app),
        {.self = &s,
         .prepare = sender_prepare,
         .dispatch = sender_dispatch,
         .stop = sender_stop,
         .finished = sender_finished},
    };
    int64_t now = 5 * NS_PER_SEC;
    /* No stop: the receiver must end by itself, one idle second after the
     * stream, long before END. */
    int rc = loop_run_simulated(engines, 2, &now, INT64_MAX, 60 * NS_PER_SEC);
    assert_int_equal(rc, 0);
    assert_int_equal(s.sent, N_PACKETS);
    int64_t last_packet = 5 * NS_PER_SEC + (N_PACKETS - 1) * FRAME_NS;
    /* (less the microseconds the kernel's arrival stamp says the last
     * packet waited in the socket in real time) */
    assert_true(now >= last_packet + NS_PER_SEC - NS_PER_MSEC);
    assert_true(now < last_packet + 2 * NS_PER_SEC);
    rx_app_destroy(app);
    opus_encoder_destroy(s.enc);
    close(s.fd);

    char why[256];
    soundfile_reader *r = soundfile_reader_open(path, 1, why, sizeof why);
    assert_non_null(r);
    int64_t frames = soundfile_reader_file_frames(r);
    /* every frame of the stream, nothing made up past its end */
    assert_int_equal(frames, (int64_t)N_PACKETS * FRAME);
    static float pcm[N_PACKETS * FRAME];
    assert_int_equal(soundfile_reader_read(r, pcm, N_PACKETS * FRAME), N_PACKETS * FRAME);
    double energy = 0;
    for (int i = FRAME * 10; i < N_PACKETS * FRAME; i++)
        energy += (double)pcm[i] * pcm[i];
    double rms = sqrt(energy / (N_PACKETS * FRAME - FRAME * 10));
    assert_true(rms > 0.1 && rms < 0.3); /* the tone (0.3 peak: 0.21 rms) */
    soundfile_reader_close(r);
    unlink(path);
}

/* A flood of datagrams is read in bounded slices: after one wake-up the
 * socket still holds some, and the next wake-ups take the rest. */
static void test_read_budget(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path, "flood.wav");
    rx_options opt;
    rx_app *app = plain_receiver(path, &opt);
    struct sockaddr_in to;
    int fd = loopback_socket(&to, rx_app_port(app));
    enum { FLOOD = 3 * AL_RX_DATAGRAMS_PER_WAKE };
    for (int i = 0; i < FLOOD; i++) {
        uint8_t junk[20] = {0xff};
        assert_int_equal(sendto(fd, junk, sizeof junk, 0, (struct sockaddr *)&to, sizeof to),
                         (ssize_t)sizeof junk);
    }
    loop_engine e = rx_app_engine(app);
    struct pollfd fds[LOOP_ENGINE_FDS];
    int wakeups = 0;
    for (;;) {
        int64_t deadline = LOOP_NEVER;
        int n = e.prepare(e.self, 0, fds, LOOP_ENGINE_FDS, &deadline);
        assert_true(n >= 1);
        assert_true(poll(fds, (nfds_t)n, 0) >= 0);
        if (!(fds[0].revents & POLLIN))
            break;
        e.dispatch(e.self, 0, fds, n);
        wakeups++;
        assert_true(wakeups <= FLOOD);
    }
    assert_int_equal(wakeups, 3);
    e.stop(e.self, 0);
    int status = -1;
    assert_true(e.finished(e.self, &status));
    assert_int_equal(status, 0);
    rx_app_destroy(app);
    close(fd);
    unlink(path);
}

/* An RTSP sender as a test engine: ANNOUNCE, SETUP, RECORD, N_PACKETS of
 * the tone one per 20 ms, TEARDOWN; each request waits for its reply.
 * With HOLD it stops after SETUP and only waits (a claim without media). */
typedef struct rtsp_sender {
    tone_sender media;
    int tcp;
    bool hold;
    int step; /* requests answered */
    bool done;
    bool saw_close; /* the receiver closed the connection */
    int64_t closed_at;
    char session[64];
    char in[4096];
    size_t in_len;
} rtsp_sender;

static void rtsp_send(rtsp_sender *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rtsp_send(rtsp_sender *r, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_int_equal(send(r->tcp, text, (size_t)n, 0), n);
}

static void rtsp_next_request(rtsp_sender *r, int64_t now)
{
    static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=t\r\nc=IN IP4 127.0.0.1\r\n"
                              "t=0 0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/1\r\n";
    const char *url = "rtsp://127.0.0.1/audio";
    switch (r->step) {
    case 0:
        rtsp_send(r,
                  "ANNOUNCE %s RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
                  "Content-Length: %zu\r\n\r\n%s",
                  url, sizeof sdp - 1, sdp);
        break;
    case 1:
        rtsp_send(r,
                  "SETUP %s/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: "
                  "RTP/AVP/UDP;unicast;client_port=40000-40001;ssrc=00001234;mode=record\r\n\r\n",
                  url);
        break;
    case 2:
        if (r->hold)
            return; /* claimed: now nothing */
        rtsp_send(r, "RECORD %s RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\n\r\n", url, r->session);
        break;
    case 3:
        r->media.next = now; /* media from now on */
        break;
    }
}

static int rtsp_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    (void)max;
    rtsp_sender *r = self;
    if (r->step == 3)
        sender_prepare(&r->media, now, fds, max, deadline);
    fds[0] = (struct pollfd){.fd = r->tcp, .events = POLLIN};
    return 1;
}

static void rtsp_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    (void)count;
    rtsp_sender *r = self;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(r->tcp, r->in + r->in_len, sizeof r->in - 1 - r->in_len, 0);
        if (n <= 0) {
            r->saw_close = true;
            r->closed_at = now;
            r->done = true;
            return;
        }
        r->in_len += (size_t)n;
        r->in[r->in_len] = '\0';
        char *end = strstr(r->in, "\r\n\r\n");
        if (end) {
            assert_non_null(strstr(r->in, "RTSP/1.0 200 OK"));
            const char *sess = strstr(r->in, "Session: ");
            if (sess && !r->session[0])
                sscanf(sess + 9, "%16[0-9A-F]", r->session);
            r->in_len = 0;
            if (r->step == 4) {
                r->done = true; /* TEARDOWN answered */
                return;
            }
            r->step++;
            rtsp_next_request(r, now);
        }
    }
    if (r->step == 3) {
        sender_dispatch(&r->media, now, NULL, 0);
        if (r->media.sent == N_PACKETS && r->media.next == LOOP_NEVER) {
            rtsp_send(r,
                      "TEARDOWN rtsp://127.0.0.1/audio RTSP/1.0\r\nCSeq: 4\r\nSession: %s\r\n\r\n",
                      r->session);
            r->step = 4;
        }
    }
}

static void rtsp_stop(void *self, int64_t now)
{
    (void)now;
    ((rtsp_sender *)self)->done = true;
}

static bool rtsp_finished(const void *self, int *exit_status)
{
    *exit_status = 0;
    return ((const rtsp_sender *)self)->done;
}

static rx_app *control_receiver(const char *path, rx_options *opt)
{
    char *argv[] = {"receiver",    "-q",       "--once",     "--listen",
                    "127.0.0.1:0", "--output", (char *)path, NULL};
    assert_int_equal(rx_options_parse((int)(sizeof argv / sizeof argv[0]) - 1, argv, opt), AL_OK);
    int status = -1;
    rx_app *app = rx_app_create(opt, &status);
    assert_non_null(app);
    return app;
}

static void start_rtsp_sender(rtsp_sender *r, int port, bool hold)
{
    memset(r, 0, sizeof *r);
    int err;
    r->media.enc = opus_encoder_create(AL_RATE, 1, OPUS_APPLICATION_AUDIO, &err);
    assert_non_null(r->media.enc);
    r->media.fd = loopback_socket(&r->media.to, port);
    r->media.next = LOOP_NEVER;
    r->hold = hold;
    struct sockaddr_in to;
    r->tcp = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->tcp >= 0);
    close(loopback_socket(&to, port));
    /* a loopback connect completes in the kernel's backlog, before accept */
    assert_int_equal(connect(r->tcp, (struct sockaddr *)&to, sizeof to), 0);
    rtsp_next_request(r, 0);
}

static void stop_rtsp_sender(rtsp_sender *r)
{
    opus_encoder_destroy(r->media.enc);
    close(r->media.fd);
    close(r->tcp);
}

/* A whole RTSP session in simulated time: --once ends with it, and the file
 * holds every frame. */
static void test_rtsp_session_into_file(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path, "session.wav");
    rx_options opt;
    rx_app *app = control_receiver(path, &opt);
    rtsp_sender r;
    start_rtsp_sender(&r, rx_app_port(app), false);
    loop_engine engines[2] = {
        rx_app_engine(app),
        {.self = &r,
         .prepare = rtsp_prepare,
         .dispatch = rtsp_dispatch,
         .stop = rtsp_stop,
         .finished = rtsp_finished},
    };
    int64_t now = 0;
    assert_int_equal(loop_run_simulated(engines, 2, &now, INT64_MAX, 60 * NS_PER_SEC), 0);
    assert_int_equal(r.media.sent, N_PACKETS);
    assert_true(now < 5 * NS_PER_SEC);
    rx_app_destroy(app);
    stop_rtsp_sender(&r);
    char why[256];
    soundfile_reader *rd = soundfile_reader_open(path, 1, why, sizeof why);
    assert_non_null(rd);
    assert_int_equal(soundfile_reader_file_frames(rd), (int64_t)N_PACKETS * FRAME);
    soundfile_reader_close(rd);
    unlink(path);
}

/* A claim that sends no media is released AL_RX_CLAIM_DEADLINE_NS after
 * its ANNOUNCE: simulated time gets there at once, and the connection is
 * closed. */
static void test_claim_released_in_simulated_time(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path, "claim.wav");
    rx_options opt;
    rx_app *app = control_receiver(path, &opt);
    rtsp_sender r;
    start_rtsp_sender(&r, rx_app_port(app), true);
    loop_engine engines[2] = {
        rx_app_engine(app),
        {.self = &r,
         .prepare = rtsp_prepare,
         .dispatch = rtsp_dispatch,
         .stop = rtsp_stop,
         .finished = rtsp_finished},
    };
    int64_t now = 0;
    /* stopped at 30 s: the receiver has no session to end by itself */
    assert_int_equal(loop_run_simulated(engines, 2, &now, 30 * NS_PER_SEC, 60 * NS_PER_SEC), 0);
    assert_true(r.saw_close);
    assert_int_equal(r.step, 2); /* ANNOUNCE and SETUP were answered */
    assert_true(r.closed_at >= AL_RX_CLAIM_DEADLINE_NS);
    assert_true(r.closed_at < AL_RX_CLAIM_DEADLINE_NS + NS_PER_SEC);
    rx_app_destroy(app);
    stop_rtsp_sender(&r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tone_into_file),
        cmocka_unit_test(test_read_budget),
        cmocka_unit_test(test_rtsp_session_into_file),
        cmocka_unit_test(test_claim_released_in_simulated_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
