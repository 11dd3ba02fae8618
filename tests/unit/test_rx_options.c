/* receiver/rx_options: every option, the defaults (each the constant of
 * common/defaults.h, also as --help prints it), bad values refused with
 * AL_ERR_ARG, and --sdp read from a real file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/defaults.h"
#include "common/status.h"
#include "net/clock.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"
#include "receiver/rx_options.h"

/* Parses "receiver" followed by the NULL-terminated arguments. */
static int parse(rx_options *opt, ...)
{
    static char *argv[32];
    int argc = 0;
    argv[argc++] = "receiver";
    va_list ap;
    va_start(ap, opt);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return rx_options_parse(argc, argv, opt);
}

static void test_defaults(void **state)
{
    (void)state;
    rx_options o;
    assert_int_equal(parse(&o, NULL), AL_OK);
    assert_int_equal(o.mode, RX_MODE_CONTROL);
    assert_string_equal(o.listen.host, "");
    assert_int_equal(o.listen.port, AL_DEFAULT_PORT);
    assert_string_equal(o.output, "default");
    assert_true(o.to_device);
    assert_false(o.list_devices);
    assert_false(o.once);
    assert_null(o.stats_path);
    assert_null(o.sdp_path);
    assert_int_equal(o.verbose, 0);
    assert_int_equal(o.idle_timeout_ns, (int64_t)AL_RX_IDLE_TIMEOUT_S * NS_PER_SEC);
    assert_int_equal(o.session_timeout_ns, (int64_t)RTSP_DEFAULT_SESSION_TIMEOUT * NS_PER_SEC);
    assert_int_equal(o.request_timeout_ns, (int64_t)AL_RX_REQUEST_TIMEOUT_S * NS_PER_SEC);
    assert_int_equal(o.rx.channels, 0);
    assert_int_equal(o.rx.latency_ms, 0);
    assert_int_equal(o.rx.opus_pt, AL_OPUS_PT);
    assert_int_equal(o.rx.red_pt, AL_RED_PT);
    /* a device follows its own clock and plays late frames as concealment */
    assert_true(o.rx.adaptive_rate);
    assert_int_equal(o.rx.late_hold_ns, 0);
}

static void test_file_output(void **state)
{
    (void)state;
    rx_options o;
    assert_int_equal(parse(&o, "-o", "out.wav", NULL), AL_OK);
    assert_string_equal(o.output, "out.wav");
    assert_false(o.to_device);
    assert_false(o.rx.adaptive_rate);
    assert_int_equal(o.rx.late_hold_ns, RX_FILE_LATE_HOLD_NS);
    assert_int_equal(parse(&o, "--output", "jack:system", NULL), AL_OK);
    assert_true(o.to_device);
}

static void test_every_option(void **state)
{
    (void)state;
    rx_options o;
    assert_int_equal(parse(&o, "--listen", "127.0.0.1:6000", "-c", "2", "--idle-timeout", "1.5",
                           "--latency", "40", "--stats", "s.jsonl", "--once", "--session-timeout",
                           "30", "--request-timeout", "500ms", "-v", "--output", "x.flac", NULL),
                     AL_OK);
    assert_string_equal(o.listen.host, "127.0.0.1");
    assert_int_equal(o.listen.port, 6000);
    assert_int_equal(o.rx.channels, 2);
    assert_int_equal(o.idle_timeout_ns, 1500 * NS_PER_MSEC);
    assert_int_equal(o.rx.latency_ms, 40);
    assert_string_equal(o.stats_path, "s.jsonl");
    assert_true(o.once);
    assert_int_equal(o.session_timeout_ns, 30 * NS_PER_SEC);
    assert_int_equal(o.request_timeout_ns, 500 * NS_PER_MSEC);
    assert_int_equal(o.verbose, 1);

    assert_int_equal(parse(&o, "-l", "[::1]:0", "-q", "--idle-timeout", "0", "--latency", "2.5",
                           "--no-control", NULL),
                     AL_OK);
    assert_string_equal(o.listen.host, "::1");
    assert_int_equal(o.listen.port, 0); /* a free port, picked at bind */
    assert_int_equal(o.verbose, -1);
    assert_int_equal(o.idle_timeout_ns, 0);
    assert_int_equal(o.rx.latency_ms, 3); /* rounded up to whole ms */
    assert_int_equal(o.mode, RX_MODE_PLAIN);

    assert_int_equal(parse(&o, "--listen", "0", NULL), AL_OK);
    assert_int_equal(o.listen.port, 0);
    assert_int_equal(parse(&o, "--list-devices", NULL), AL_OK);
    assert_true(o.list_devices);
    /* every parse starts from the defaults again */
    assert_int_equal(parse(&o, NULL), AL_OK);
    assert_false(o.list_devices);
    assert_int_equal(o.listen.port, AL_DEFAULT_PORT);
}

static void test_bad_values(void **state)
{
    (void)state;
    rx_options o;
    assert_int_equal(parse(&o, "-c", "3", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "-c", "0", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--latency", "soon", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--latency", "2001", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--latency", "2000", NULL), AL_OK);
    assert_int_equal(parse(&o, "--session-timeout", "0", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--session-timeout", "86401", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--session-timeout", "86400", NULL), AL_OK);
    assert_int_equal(parse(&o, "--request-timeout", "0.05", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--request-timeout", "3601", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--request-timeout", "0.1", NULL), AL_OK);
    assert_int_equal(parse(&o, "--idle-timeout", "x", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--listen", "99999", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--listen", "0x10", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--bogus", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--stats", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "extra", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--once", "--no-control", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--sdp", "x.sdp", "--no-control", NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "--sdp", "/nonexistent/x.sdp", NULL), AL_ERR_ARG);
}

/* Writes TEXT to a temporary file; its path into PATH. */
static void write_temp(char *path, size_t size, const char *text)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/rx_options.XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_sdp_file(void **state)
{
    (void)state;
    char path[512], zero[512], bad[512];
    write_temp(path, sizeof path,
               "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio 6000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n");
    write_temp(zero, sizeof zero,
               "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio 0 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n");
    write_temp(bad, sizeof bad,
               "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
    rx_options o;
    assert_int_equal(parse(&o, "-q", "--sdp", path, "-o", "o.wav", NULL), AL_OK);
    assert_int_equal(o.mode, RX_MODE_SDP);
    assert_int_equal(o.rx.opus_pt, 96);
    assert_int_equal(o.rx.red_pt, SDP_NO_PT);
    assert_true(o.rx.channels >= 1);
    assert_int_equal(o.listen.port, 6000);
    /* --listen overrides the file's port; a file with port 0 needs it */
    assert_int_equal(parse(&o, "-q", "--sdp", path, "--listen", "7000", NULL), AL_OK);
    assert_int_equal(o.listen.port, 7000);
    assert_int_equal(parse(&o, "-q", "--sdp", zero, NULL), AL_ERR_ARG);
    assert_int_equal(parse(&o, "-q", "--sdp", zero, "--listen", "0", NULL), AL_OK);
    assert_int_equal(parse(&o, "-q", "--sdp", bad, NULL), AL_ERR_ARG);
    unlink(path);
    unlink(zero);
    unlink(bad);
}

/* --help prints every default from its constant. */
static void test_help(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    rx_options_usage(f);
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "default %d on every address", AL_DEFAULT_PORT);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "(default %d)", RTSP_DEFAULT_SESSION_TIMEOUT);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "(default %d)", AL_RX_REQUEST_TIMEOUT_S);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "silent this long; 0 = never (default %d)", AL_RX_IDLE_TIMEOUT_S);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "Opus PT %d, RED PT %d", AL_OPUS_PT, AL_RED_PT);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "%lld ms for a late packet",
             (long long)(RX_FILE_LATE_HOLD_NS / NS_PER_MSEC));
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "PORT 0 picks a free port"));
    free(text);

    rx_options o;
    fflush(stdout);
    assert_int_equal(parse(&o, "--version", NULL), RX_OPTIONS_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_file_output),
        cmocka_unit_test(test_every_option), cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_sdp_file),     cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
