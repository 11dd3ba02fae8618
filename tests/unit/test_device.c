/* Unit tests for audio/device with no audio server and no sound card.
 *
 * The machine's own ALSA configuration is replaced (ALSA_CONFIG_PATH) by one
 * the test writes, and JACK is pointed at a server name that does not exist,
 * so what PortAudio sees is the same on every machine:
 *  - first a world with no usable device (one PCM that cannot open): every
 *    lookup must fail with "no audio devices (is an audio server running?)";
 *  - then ALSA "null" PCMs, which PortAudio lists and opens like any device
 *    (unpaced: they run far faster than real time), to test name and index
 *    lookup, the errors that list candidates, and streams: frames pass
 *    through the ring and every frame the device took or gave is accounted
 *    for as audio, underrun, idle or overrun.
 * (Without the replaced configuration PortAudio would also probe the ALSA
 * plugins installed here, whose libraries it unloads with allocations that
 * LeakSanitizer then reports; see tests/lsan.supp.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audio/device.h"

/* PortAudio 19.6 asserts when every ALSA device it found opens and none is
 * called "default" or "dmix" (BuildDeviceList: devIdx < numDeviceNames), so
 * each world holds one PCM that cannot open. */
#define UNOPENABLE "pcm.al_unopenable { type hw card 99 }\n"

static const char *const NO_DEVICES = UNOPENABLE;
static const char *const NULL_DEVICES =
    UNOPENABLE "pcm.al_null_one { type null }\n"
               "pcm.al_null_two { type null }\n"
               "pcm.al_capture_only { type asym capture.pcm \"al_null_one\" }\n"
               "pcm.al_playback_only { type asym playback.pcm \"al_null_one\" }\n";

static char g_dir[4096];
static char g_conf[4200];

/* Writes TEXT as the ALSA configuration and restarts PortAudio on it. */
static void use_world(const char *text)
{
    device_terminate(); /* PortAudio frees ALSA's parsed config; the next start rereads it */
    FILE *f = fopen(g_conf, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/test_device.XXXXXX", base);
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_conf, sizeof g_conf, "%s/alsa.conf", g_dir);
    char server[64];
    snprintf(server, sizeof server, "al-test-device-none-%ld", (long)getpid());
    setenv("ALSA_CONFIG_PATH", g_conf, 1);
    setenv("JACK_DEFAULT_SERVER", server, 1); /* no such server: no JACK devices */
    setenv("JACK_NO_START_SERVER", "1", 1);   /* and libjack must not start one */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    device_terminate();
    unlink(g_conf);
    rmdir(g_dir);
    return 0;
}

/* Captures what device_list prints. */
static void list_to(char *buf, size_t size, int *count)
{
    char err[256] = "";
    FILE *f = fmemopen(buf, size, "w");
    assert_non_null(f);
    *count = device_list(f, err, sizeof err);
    fclose(f);
    if (*count < 0)
        fail_msg("device_list: %s", err);
}

static void expect_find_error(const char *spec, bool input, const char *want)
{
    char err[1024] = "";
    int i = device_find(spec, input, err, sizeof err);
    if (i >= 0)
        fail_msg("'%s' (%s) found device %d, expected the error '%s'", spec ? spec : "NULL",
                 input ? "input" : "output", i, want);
    if (strstr(err, want) == NULL)
        fail_msg("'%s': error '%s' does not say '%s'", spec ? spec : "NULL", err, want);
}

static void expect_find(const char *spec, bool input, int want)
{
    char err[1024] = "";
    int i = device_find(spec, input, err, sizeof err);
    if (i != want)
        fail_msg("'%s' (%s): got %d, wanted %d (%s)", spec ? spec : "NULL",
                 input ? "input" : "output", i, want, err);
}

static void test_no_devices(void **state)
{
    (void)state;
    use_world(NO_DEVICES);
    char text[4096];
    int n;
    list_to(text, sizeof text, &n);
    assert_int_equal(n, 0);
    assert_non_null(strstr(text, "no audio devices (is an audio server running?)"));

    const char *specs[] = {NULL, "", "default", "0", "7", "system", "jack:system"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        expect_find_error(specs[i], true, "no audio devices (is an audio server running?)");
        expect_find_error(specs[i], false, "no audio devices (is an audio server running?)");
    }
    assert_null(device_jack_client_name());

    char err[256] = "";
    device_params p = {.device = 0, .channels = 1};
    assert_null(device_open(DEVICE_OUTPUT, &p, err, sizeof err));
    assert_non_null(strstr(err, "no audio device 0"));
}

static void test_list(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    char text[8192];
    int n;
    list_to(text, sizeof text, &n);
    assert_int_equal(n, 4);
    /* one line per device, index first, the API and the quoted name */
    assert_non_null(strstr(text, "  0  ALSA: 'al_null_one'  in "));
    assert_non_null(strstr(text, "  3  ALSA: 'al_playback_only'  in 0, out "));
    assert_non_null(strstr(text, "(default input and output)"));
    assert_non_null(strstr(text, "latency in "));
    assert_non_null(strstr(text, " Hz, "));
}

/* --list-devices: the list on stdout and exit status 0, whether there are
 * devices or not; a failure to list (not tested: PortAudio always starts
 * here) is the only exit 1. device_list returns the count, and a count
 * mistaken for a failure once made every listing with a device exit 1. */
static int list_command_status(const char *world, char *out, size_t out_size)
{
    use_world(world);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    FILE *capture = tmpfile();
    assert_non_null(capture);
    assert_true(dup2(fileno(capture), STDOUT_FILENO) >= 0);
    int status = device_list_command("test_device");
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    rewind(capture);
    size_t n = fread(out, 1, out_size - 1, capture);
    out[n] = '\0';
    fclose(capture);
    return status;
}

static void test_list_command_exit_status(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(list_command_status(NULL_DEVICES, out, sizeof out), 0);
    assert_non_null(strstr(out, "'al_null_one'"));
    assert_int_equal(list_command_status(NO_DEVICES, out, sizeof out), 0);
    assert_non_null(strstr(out, "no audio devices (is an audio server running?)"));
}

static void test_find(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    /* the default is PortAudio's: here the first device */
    expect_find(NULL, true, 0);
    expect_find("default", false, 0);
    expect_find("DEFAULT", true, 0);
    /* indices */
    expect_find("2", true, 2);
    expect_find("3", false, 3);
    expect_find_error("3", true, "device 3 'al_playback_only' has no input channels");
    expect_find_error("2", false, "device 2 'al_capture_only' has no output channels");
    expect_find_error("9", true, "no audio device 9 (there are 4: 0..3)");
    expect_find_error("99999999999999999999", true, "no audio device 99999999999999999999");
    /* names: part of it, any case; an exact name beats the partial matches */
    expect_find("null_TWO", true, 1);
    expect_find("capture", true, 2);
    expect_find("al_null_one", false, 0);
    expect_find("playback", false, 3);
    expect_find_error("capture", false, "device 2 'al_capture_only' has no output channels");
    expect_find_error("al_null", true, "'al_null' matches several input devices");
    expect_find_error("al_null", true, "0 'al_null_one' [ALSA], 1 'al_null_two' [ALSA]");
    expect_find_error("xyz", true,
                      "no input device matches 'xyz' (input devices: 0 'al_null_one' [ALSA], "
                      "1 'al_null_two' [ALSA], 2 'al_capture_only' [ALSA])");
    expect_find_error("xyz", false, "3 'al_playback_only' [ALSA])");
    /* API:NAME */
    expect_find("alsa:null_two", true, 1);
    expect_find("ALSA:capture", true, 2);
    expect_find_error("jack:null_two", true, "no input device matches 'jack:null_two'");
}

static void test_open_refuses(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    char err[512];
    device_params p = {.device = 0, .channels = 3};
    assert_null(device_open(DEVICE_INPUT, &p, err, sizeof err));
    assert_non_null(strstr(err, "1 or 2"));
    p = (device_params){.device = 3, .channels = 1};
    assert_null(device_open(DEVICE_INPUT, &p, err, sizeof err));
    assert_non_null(strstr(err, "device 3 'al_playback_only' has no input channels"));
    p = (device_params){.device = 4, .channels = 1};
    assert_null(device_open(DEVICE_OUTPUT, &p, err, sizeof err));
    assert_non_null(strstr(err, "no audio device 4"));
}

/* Playback through a null PCM: what was written is played, and every frame
 * the device took is audio from the ring, underrun silence or idle silence. */
static void test_playback_accounting(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    char err[512] = "";
    device_params p = {.device = 0, .channels = 2, .block = 256, .ring_frames = 8192};
    device_stream *s = device_open(DEVICE_OUTPUT, &p, err, sizeof err);
    if (s == NULL)
        fail_msg("%s", err);
    device_info in;
    device_get_info(s, &in);
    assert_int_equal(in.rate, DEVICE_RATE);
    assert_int_equal(in.channels, 2);
    assert_int_equal(in.ring_frames, 8192);
    assert_false(in.jack);
    assert_string_equal(in.name, "al_null_one");
    assert_int_equal(device_available(s), 8192);
    assert_int_equal(device_read(s, NULL, 1), 0); /* not a capture stream */

    static float frames[2 * 8192];
    for (size_t i = 0; i < 2 * 8192; i++)
        frames[i] = (float)sin((double)i * 0.01);
    assert_int_equal(device_write(s, frames, 6000), 6000); /* primed before start */
    assert_int_equal(device_available(s), 8192 - 6000);
    assert_int_equal(device_wait(s, 2192, 10), 1);  /* the room is there: no need to run */
    assert_int_equal(device_wait(s, 2193, 10), -1); /* not started: it would never come */
    assert_int_equal(device_start(s, err, sizeof err), 0);
    assert_int_equal(device_drain(s, 5000), 0);
    assert_int_equal(device_available(s), 8192);

    device_stats st;
    device_get_stats(s, &st);
    assert_true(st.callbacks > 0);
    assert_true(st.max_block > 0);
    assert_true(st.frames >= 6000);
    /* the ring was primed, so silence before the first frame cannot be */
    if (st.frames != 6000 + st.xrun_frames + st.idle_frames)
        fail_msg("device took %llu frames: 6000 written + %llu underrun + %llu idle",
                 (unsigned long long)st.frames, (unsigned long long)st.xrun_frames,
                 (unsigned long long)st.idle_frames);
    assert_true(st.xrun_events <= st.callbacks);
    assert_true((st.xrun_frames == 0) == (st.xrun_events == 0));
    assert_int_equal(device_wait(s, 8192, 10), 1);
    device_write(s, frames, 1);
    assert_int_equal(device_wait(s, 8192, 10), -1); /* stopped */
    device_close(s);
}

/* Capture from a null PCM, which delivers frames far faster than real time:
 * the ring overruns, and every frame is read, still waiting or dropped.
 * (What it delivers is not checked: alsa-lib's null capture need not be
 * zeros. The JACK end-to-end test checks content.) */
static void test_capture_accounting(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    char err[512] = "";
    int dev = device_find("capture", true, err, sizeof err);
    assert_int_equal(dev, 2);
    device_params p = {.device = dev, .channels = 1, .ring_frames = 4096};
    device_stream *s = device_open(DEVICE_INPUT, &p, err, sizeof err);
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(device_write(s, NULL, 1), 0); /* not a playback stream */
    assert_int_equal(device_start(s, err, sizeof err), 0);
    static float buf[4096];
    uint64_t read = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(device_wait(s, 1024, 5000), 1);
        size_t n = device_read(s, buf, 1024);
        assert_true(n == 1024);
        read += n;
    }
    assert_int_equal(device_stop(s), 0);
    assert_int_equal(device_stop(s), -1); /* already stopped */
    device_stats st;
    device_get_stats(s, &st);
    size_t left = device_available(s);
    if (st.frames != read + left + st.xrun_frames)
        fail_msg("device gave %llu frames: %llu read + %zu waiting + %llu dropped",
                 (unsigned long long)st.frames, (unsigned long long)read, left,
                 (unsigned long long)st.xrun_frames);
    assert_int_equal(st.idle_frames, 0);
    device_close(s);
    device_close(NULL);
}

/* The stop signals of every thread but this one, from /proc: how many
 * other threads there are, and how many of them leave SIGINT or SIGTERM
 * unblocked. */
static void other_threads_signals(int *threads, int *unblocked)
{
    *threads = *unblocked = 0;
    char self[32];
    snprintf(self, sizeof self, "%ld", (long)syscall(SYS_gettid));
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue; /* the thread ended meanwhile */
        while (fgets(line, sizeof line, f) != NULL) {
            unsigned long long mask;
            if (sscanf(line, "SigBlk: %llx", &mask) != 1)
                continue;
            (*threads)++;
            if (!(mask & (1ull << (SIGINT - 1))) || !(mask & (1ull << (SIGTERM - 1))))
                (*unblocked)++;
        }
        fclose(f);
    }
    closedir(d);
}

/* The threads PortAudio starts for a running stream block the stop signals
 * (this thread does not), so a SIGINT is handled by the program's loop
 * thread and never on the audio thread. */
static void test_audio_threads_block_signals(void **state)
{
    (void)state;
    use_world(NULL_DEVICES);
    sigset_t none;
    sigemptyset(&none);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &none, NULL), 0);
    char err[512] = "";
    device_params p = {.device = 0, .channels = 1, .ring_frames = 4096};
    device_stream *s = device_open(DEVICE_INPUT, &p, err, sizeof err);
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(device_start(s, err, sizeof err), 0);
    assert_int_equal(device_wait(s, 256, 5000), 1); /* the callback thread runs */
    int threads, unblocked;
    other_threads_signals(&threads, &unblocked);
    assert_true(threads >= 1);
    if (unblocked != 0)
        fail_msg("%d of %d audio threads leave SIGINT or SIGTERM unblocked", unblocked, threads);
    sigset_t mine;
    assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &mine), 0);
    assert_false(sigismember(&mine, SIGINT)); /* the caller's mask is as it was */
    device_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_devices),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_command_exit_status),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_open_refuses),
        cmocka_unit_test(test_playback_accounting),
        cmocka_unit_test(test_capture_accounting),
        cmocka_unit_test(test_audio_threads_block_signals),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
