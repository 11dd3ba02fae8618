/* file_sink: received audio to a file, concealment past the stream's end held
 * back. Each case writes a real WAV in TMPDIR and reads it back through
 * audio/soundfile.h, frame by frame: every frame is filled with its own
 * level, so the file shows which frames landed and in what order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audio/soundfile.h"
#include "receiver/file_sink.h"

#define FRAME 960 /* 20 ms at 48 kHz */

static char path[512];

static int setup(void **state)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/test_file_sink_%d.wav", dir ? dir : "/tmp", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

/* The level of frame ID: distinct steps that survive 16-bit PCM. */
static float level(int id)
{
    return (float)id / 64.0f;
}

static void write_frame(file_sink *sink, int id, bool hold, int expect)
{
    float pcm[FRAME];
    for (int i = 0; i < FRAME; i++)
        pcm[i] = level(id);
    assert_int_equal(file_sink_write(sink, pcm, FRAME, hold), expect);
}

/* Reads the file back and checks it holds exactly the frames IDS[0..N). */
static void expect_frames(const int *ids, int n)
{
    char err[256];
    soundfile_reader *r = soundfile_reader_open(path, 1, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(soundfile_reader_file_frames(r), (int64_t)n * FRAME);
    float pcm[FRAME];
    for (int k = 0; k < n; k++) {
        assert_int_equal(soundfile_reader_read(r, pcm, FRAME), FRAME);
        for (int i = 0; i < FRAME; i++)
            assert_true(fabsf(pcm[i] - level(ids[k])) < 1e-3f);
    }
    assert_int_equal(soundfile_reader_read(r, pcm, FRAME), 0);
    soundfile_reader_close(r);
}

static void test_frames_in_order(void **state)
{
    char err[256];
    file_sink *sink = file_sink_open(path, 1, err, sizeof err);
    assert_non_null(sink);
    for (int id = 1; id <= 5; id++)
        write_frame(sink, id, false, 0);
    assert_int_equal(file_sink_written(sink), 5 * FRAME);
    assert_int_equal(file_sink_held_frames(sink), 0);
    assert_int_equal(file_sink_close(sink), 0);
    expect_frames((int[]){1, 2, 3, 4, 5}, 5);
}

/* Concealment followed by a received frame was a gap inside the stream: it
 * is written, before that frame. */
static void test_held_written_when_stream_resumes(void **state)
{
    char err[256];
    file_sink *sink = file_sink_open(path, 1, err, sizeof err);
    assert_non_null(sink);
    write_frame(sink, 1, false, 0);
    write_frame(sink, 2, true, 0);
    write_frame(sink, 3, true, 0);
    assert_int_equal(file_sink_held_frames(sink), 2);
    assert_int_equal(file_sink_written(sink), 1 * FRAME); /* not yet in the file */
    write_frame(sink, 4, false, 0);
    assert_int_equal(file_sink_held_frames(sink), 0);
    assert_int_equal(file_sink_written(sink), 4 * FRAME);
    assert_int_equal(file_sink_close(sink), 0);
    expect_frames((int[]){1, 2, 3, 4}, 4);
}

/* Concealment the stream never resumed after was past its end: dropped,
 * and the file stays open for the next stream. */
static void test_drop_held_keeps_file_open(void **state)
{
    char err[256];
    file_sink *sink = file_sink_open(path, 1, err, sizeof err);
    assert_non_null(sink);
    write_frame(sink, 1, false, 0);
    write_frame(sink, 2, true, 0);
    file_sink_drop_held(sink);
    assert_int_equal(file_sink_held_frames(sink), 0);
    write_frame(sink, 3, false, 0);
    assert_int_equal(file_sink_close(sink), 0);
    expect_frames((int[]){1, 3}, 2);
}

static void test_close_drops_held(void **state)
{
    char err[256];
    file_sink *sink = file_sink_open(path, 1, err, sizeof err);
    assert_non_null(sink);
    write_frame(sink, 1, false, 0);
    write_frame(sink, 2, false, 0);
    write_frame(sink, 3, true, 0);
    write_frame(sink, 4, true, 0);
    assert_int_equal(file_sink_close(sink), 0);
    expect_frames((int[]){1, 2}, 2);
}

/* Memory stays bounded: past a minute of held concealment the sink writes
 * what it holds (a silence that long which then resumes is rare), so the
 * held count never grows beyond a minute and nothing is lost when the
 * stream resumes. */
static void test_long_hold_is_bounded(void **state)
{
    char err[256];
    file_sink *sink = file_sink_open(path, 1, err, sizeof err);
    assert_non_null(sink);
    const int minute = 60 * 48000 / FRAME;
    uint64_t most_held = 0;
    for (int k = 0; k < minute + 10; k++) {
        write_frame(sink, k % 8, true, 0);
        if (file_sink_held_frames(sink) > most_held)
            most_held = file_sink_held_frames(sink);
    }
    assert_true(most_held <= (uint64_t)minute);
    assert_true(file_sink_written(sink) >= (int64_t)(minute - 1) * FRAME);
    write_frame(sink, 1, false, 0);
    assert_int_equal(file_sink_written(sink), (int64_t)(minute + 11) * FRAME);
    assert_int_equal(file_sink_close(sink), 0);
}

static void test_bad_path_says_why(void **state)
{
    char err[256] = "";
    assert_null(file_sink_open("/nonexistent-dir/x.wav", 1, err, sizeof err));
    assert_true(err[0] != '\0');
    err[0] = '\0';
    assert_null(file_sink_open("/tmp/no-extension", 1, err, sizeof err));
    assert_true(err[0] != '\0');
    assert_int_equal(file_sink_close(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frames_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_written_when_stream_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_held_keeps_file_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_drops_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_hold_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_path_says_why, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
