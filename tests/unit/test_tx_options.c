/* sender/tx_options: every option, bad values refused with a clear
 * message and exit status 2, the defaults those of common/defaults.h, and
 * --help printing those constants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/defaults.h"
#include "net/clock.h"
#include "sender/rtsp_client.h"
#include "sender/tx_options.h"

static tx_options opt;
static char err_text[4096];

/* Parses the NULL-terminated arguments after "sender" into opt, with what
 * it printed on stderr in err_text. Returns the parser's status. */
static int parse(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "sender";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;

    fflush(stderr);
    FILE *capture = tmpfile();
    assert_non_null(capture);
    int saved = dup(2);
    dup2(fileno(capture), 2);
    int rc = tx_options_parse(argc, argv, &opt);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(capture);
    size_t n = fread(err_text, 1, sizeof err_text - 1, capture);
    err_text[n] = '\0';
    fclose(capture);
    return rc;
}

/* Parsing must fail with status 2 and a message holding WANT. */
#define expect_error(want, ...)                                                                    \
    do {                                                                                           \
        assert_int_equal(parse(__VA_ARGS__, NULL), 2);                                             \
        if (!strstr(err_text, want))                                                               \
            fail_msg("stderr '%s' lacks '%s'", err_text, want);                                    \
        assert_non_null(strstr(err_text, "sender: "));                                             \
    } while (0)

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("--to", "host:5004", NULL), 0);
    assert_string_equal(err_text, "");
    assert_int_equal(opt.action, TX_ACTION_RUN);
    assert_string_equal(opt.to, "host:5004");
    assert_string_equal(opt.input, "default");
    assert_true(opt.from_device);
    assert_false(opt.loop || opt.no_control || opt.retry_busy || opt.lean || opt.loss_set);
    assert_null(opt.sdp_out);
    assert_int_equal(opt.verbose, 0);
    assert_int_equal(opt.stream.channels, AL_TX_DEFAULT_CHANNELS);
    assert_int_equal(opt.stream.bitrate, AL_TX_DEFAULT_BITRATE);
    assert_int_equal(opt.stream.complexity, AL_TX_DEFAULT_COMPLEXITY);
    assert_int_equal(opt.stream.frame_samples, AL_DEFAULT_FRAME_SAMPLES);
    assert_int_equal(opt.stream.redundancy, AL_TX_DEFAULT_REDUNDANCY);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_AUDIO);
    assert_int_equal(opt.stream.opus_pt, AL_OPUS_PT);
    assert_int_equal(opt.stream.red_pt, AL_RED_PT);
    assert_false(opt.stream.fec);
    assert_int_equal(opt.stream.loss_percent, 0);
}

static void test_every_option(void **state)
{
    (void)state;
    assert_int_equal(parse("-t", "h:1", "-i", "talk.flac", "--loop", "-b", "64k", "-f", "10", "-c",
                           "2", "--complexity", "5", "--application", "voip", "-r", "1",
                           "--redundancy-bitrate", "20k", "--redundancy-band", "swb", "--fec",
                           "--loss-percent", "7", "--retry-busy", "-v", NULL),
                     0);
    assert_string_equal(opt.input, "talk.flac");
    assert_false(opt.from_device);
    assert_true(opt.loop && opt.retry_busy && opt.stream.fec && opt.loss_set);
    assert_int_equal(opt.stream.bitrate, 64000);
    assert_int_equal(opt.stream.frame_samples, 480);
    assert_int_equal(opt.stream.channels, 2);
    assert_int_equal(opt.stream.complexity, 5);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_VOIP);
    assert_int_equal(opt.stream.redundancy, 1);
    assert_int_equal(opt.stream.redundancy_bitrate, 20000);
    assert_int_equal(opt.stream.copy_bandwidth, OPUS_BANDWIDTH_SUPERWIDEBAND);
    assert_int_equal(opt.stream.loss_percent, 7);
    assert_int_equal(opt.verbose, 1);

    assert_int_equal(parse("--to", "h:1", "--input", "3", "-q", "--application", "LowDelay",
                           "--redundancy-offsets", "1,3", "--redundancy-bitrate", "16k,12k", NULL),
                     0);
    assert_true(opt.from_device); /* "3": a device index */
    assert_int_equal(opt.verbose, -1);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_RESTRICTED_LOWDELAY);
    assert_int_equal(opt.stream.redundancy, 2);
    assert_int_equal(opt.stream.copy_offsets[0], 1);
    assert_int_equal(opt.stream.copy_offsets[1], 3);
    assert_int_equal(opt.stream.copy_bitrates[0], 16000);
    assert_int_equal(opt.stream.copy_bitrates[1], 12000);

    assert_int_equal(parse("--no-control", "--sdp-out", "s.sdp", "--to", "h:1", "--input", "a.wav",
                           "--redundancy-band", "opus", NULL),
                     0);
    assert_true(opt.no_control);
    assert_string_equal(opt.sdp_out, "s.sdp");
    assert_int_equal(opt.stream.copy_bandwidth, OPUS_AUTO);
}

static void test_implied_settings(void **state)
{
    (void)state;
    /* --fec without --loss-percent: the encoder is told to expect loss */
    assert_int_equal(parse("--to", "h:1", "--fec", NULL), 0);
    assert_int_equal(opt.stream.loss_percent, AL_TX_FEC_LOSS_PERCENT);
    /* frames too short for SILK: restricted low delay unless told */
    assert_int_equal(parse("--to", "h:1", "--frame", "2.5", NULL), 0);
    assert_true(opt.stream.frame_samples < AL_MIN_SILK_FRAME_SAMPLES);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_RESTRICTED_LOWDELAY);
    assert_int_equal(parse("--to", "h:1", "--frame", "5ms", "--application", "audio", NULL), 0);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_AUDIO);
    assert_int_equal(parse("--to", "h:1", "--frame", "10", NULL), 0);
    assert_int_equal(opt.stream.application, OPUS_APPLICATION_AUDIO);
    /* FEC with short frames: a note, not an error */
    assert_int_equal(parse("--to", "h:1", "--frame", "5", "--fec", NULL), 0);
    assert_non_null(strstr(err_text, "note: Opus in-band FEC needs frames of 10 ms or more"));
    assert_non_null(strstr(err_text, "5.0 ms frames"));
    assert_int_equal(parse("--to", "h:1", "--frame", "5", "--fec", "-q", NULL), 0);
    assert_string_equal(err_text, "");
    /* --lean: two copies at 5/16 and 1/4 of the primary's rate */
    assert_int_equal(parse("--to", "h:1", "--lean", "-b", "32k", NULL), 0);
    assert_int_equal(opt.stream.redundancy, 2);
    assert_int_equal(opt.stream.copy_bitrates[0], 10000);
    assert_int_equal(opt.stream.copy_bitrates[1], 8000);
    assert_int_equal(parse("--to", "h:1", "--lean", "-b", "8k", NULL), 0);
    assert_int_equal(opt.stream.copy_bitrates[0], AL_TX_MIN_BITRATE);
    /* actions */
    assert_int_equal(parse("--list-devices", NULL), 0);
    assert_int_equal(opt.action, TX_ACTION_LIST_DEVICES);
    assert_int_equal(parse("--bitrate", "1", "-h", NULL), 2); /* options before -h count */
    assert_int_equal(parse("-h", "--bitrate", "1", NULL), 0);
    assert_int_equal(opt.action, TX_ACTION_HELP);
    assert_int_equal(parse("-V", NULL), 0);
    assert_int_equal(opt.action, TX_ACTION_VERSION);
    /* parsing again starts from the defaults */
    assert_int_equal(parse("--to", "h:1", NULL), 0);
    assert_int_equal(opt.stream.bitrate, AL_TX_DEFAULT_BITRATE);
    assert_int_equal(opt.action, TX_ACTION_RUN);
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_error("--to HOST:PORT is required", "--input", "a.wav");
    expect_error("--bitrate '5k': expected 6k to 510k", "--to", "h:1", "--bitrate", "5k");
    expect_error("--bitrate '511k'", "--to", "h:1", "-b", "511k");
    expect_error("--bitrate 'fast'", "--to", "h:1", "-b", "fast");
    expect_error("--frame '3': expected 2.5, 5, 10, 20, 40 or 60", "--to", "h:1", "-f", "3");
    expect_error("--frame '120'", "--to", "h:1", "-f", "120");
    expect_error("--channels '3': expected 1 or 2", "--to", "h:1", "-c", "3");
    expect_error("--complexity '11': expected 0 to 10", "--to", "h:1", "--complexity", "11");
    expect_error("--application 'music': expected voip, audio or lowdelay", "--to", "h:1",
                 "--application", "music");
    expect_error("--redundancy '4': expected 0 to 3", "--to", "h:1", "-r", "4");
    expect_error("--redundancy-bitrate '1k'", "--to", "h:1", "--redundancy-bitrate", "1k");
    expect_error("up to 3 bitrates of 6k to 510k", "--to", "h:1", "--redundancy-bitrate",
                 "8k,8k,8k,8k");
    expect_error("--redundancy-bitrate ',': empty", "--to", "h:1", "--redundancy-bitrate", ",");
    expect_error("--redundancy-bitrate gives 2 bitrates for 1 copies", "--to", "h:1", "-r", "1",
                 "--redundancy-bitrate", "8k,8k");
    expect_error("--redundancy-offsets '0'", "--to", "h:1", "--redundancy-offsets", "0");
    expect_error("--redundancy-offsets '9'", "--to", "h:1", "--redundancy-offsets", "9");
    expect_error("--redundancy-offsets '2,2': distances repeat", "--to", "h:1",
                 "--redundancy-offsets", "2,2");
    expect_error("--redundancy-band 'xb': expected auto, opus, nb, wb, swb or fb", "--to", "h:1",
                 "--redundancy-band", "xb");
    expect_error("--loss-percent '101': expected 0 to 100", "--to", "h:1", "--loss-percent", "101");
    expect_error("--sdp-out needs --no-control", "--to", "h:1", "--sdp-out", "x.sdp");
    expect_error("--to needs a value", "--to");
    expect_error("unknown option '--colour'", "--to", "h:1", "--colour");
    expect_error("unexpected argument 'extra'", "--to", "h:1", "extra");
}

/* Whether the help text holds what FMT makes of the rest. */
#define expect_help(help, ...)                                                                     \
    do {                                                                                           \
        char want[160];                                                                            \
        snprintf(want, sizeof want, __VA_ARGS__);                                                  \
        if (!strstr(help, want))                                                                   \
            fail_msg("--help lacks '%s'", want);                                                   \
    } while (0)

static void test_help_prints_the_constants(void **state)
{
    (void)state;
    char *help = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&help, &size);
    tx_options_help(out);
    fclose(out);
    expect_help(help, "(default %gk)", AL_TX_DEFAULT_BITRATE / 1000.0);
    expect_help(help, "(default %g)", AL_DEFAULT_FRAME_SAMPLES * 1000.0 / AL_RATE);
    expect_help(help, "1 or 2 (default %d)", AL_TX_DEFAULT_CHANNELS);
    expect_help(help, "0..%d (default %d)", AL_TX_MAX_COMPLEXITY, AL_TX_DEFAULT_COMPLEXITY);
    expect_help(help, "(default %d); a receiver that does not decode RED",
                AL_TX_DEFAULT_REDUNDANCY);
    expect_help(help, "%d with in-band FEC", AL_TX_FEC_LOSS_PERCENT);
    expect_help(help, "path %s", AL_RTSP_PATH);
    expect_help(help, "(no %s)", AL_RTSP_RED_OPTION);
    expect_help(help, "every %g s,", (double)RTSP_CLIENT_BACKOFF_MIN_NS / NS_PER_SEC);
    expect_help(help, "doubling up to %g s", (double)RTSP_CLIENT_BACKOFF_MAX_NS / NS_PER_SEC);
    expect_help(help, "resampled to %d kHz", AL_RATE / 1000);
    expect_help(help, "wb below\n                              %g kbps",
                AL_TX_COPY_WIDEBAND_BELOW / 1000.0);
    expect_help(help, "--to HOST,HOST...:PORT");
    free(help);

    out = open_memstream(&help, &size);
    tx_options_version(out);
    fclose(out);
    expect_help(help, "sender (audiolink) %s", AL_VERSION);
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_implied_settings),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_help_prints_the_constants),
    };
    return cmocka_run_group_tests_name("tx_options", tests, NULL, NULL);
}
