/* Unit tests for audio/wav_header: the bytes of both shapes (plain WAV with
 * its JUNK reservation, RF64 with ds64), the switch between them at the riff
 * limit, refused arguments, and real sizes past 4 GiB: a header for 5 GiB of
 * samples on a sparse file (no disk used) must read as 5 GiB in libsndfile
 * and ffprobe, and the largest plain WAV as itself in those and sox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/wav_header.h"
#include "common/status.h"

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The fmt chunk and the data chunk's id, the same in both shapes. */
static void check_fmt(const uint8_t *h, int channels, int rate)
{
    assert_memory_equal(h + 48, "fmt ", 4);
    assert_int_equal(get_u32(h + 52), 16);
    assert_int_equal(get_u16(h + 56), 1); /* PCM */
    assert_int_equal(get_u16(h + 58), channels);
    assert_int_equal(get_u32(h + 60), rate);
    assert_int_equal(get_u32(h + 64), (uint32_t)rate * 2u * (uint32_t)channels);
    assert_int_equal(get_u16(h + 68), 2 * channels);
    assert_int_equal(get_u16(h + 70), 16);
    assert_memory_equal(h + 72, "data", 4);
}

static void test_plain_wav_bytes(void **state)
{
    (void)state;
    uint8_t h[WAV_HEADER_BYTES];
    memset(h, 0xAA, sizeof h);
    assert_int_equal(wav_header_build(h, 2, 48000, 4000, WAV_RIFF_LIMIT), AL_OK);
    assert_memory_equal(h, "RIFF", 4);
    assert_int_equal(get_u32(h + 4), 72 + 4000);
    assert_memory_equal(h + 8, "WAVE", 4);
    assert_memory_equal(h + 12, "JUNK", 4);
    assert_int_equal(get_u32(h + 16), 28);
    for (int i = 20; i < 48; i++)
        assert_int_equal(h[i], 0);
    check_fmt(h, 2, 48000);
    assert_int_equal(get_u32(h + 76), 4000);
}

static void test_rf64_bytes(void **state)
{
    (void)state;
    uint8_t h[WAV_HEADER_BYTES];
    const uint64_t data = 6ull << 30; /* 6 GiB of mono: 3 Gi frames */
    assert_int_equal(wav_header_build(h, 1, 44100, data, WAV_RIFF_LIMIT), AL_OK);
    assert_memory_equal(h, "RF64", 4);
    assert_int_equal(get_u32(h + 4), 0xFFFFFFFFu);
    assert_memory_equal(h + 8, "WAVE", 4);
    assert_memory_equal(h + 12, "ds64", 4);
    assert_int_equal(get_u32(h + 16), 28);
    assert_true(get_u64(h + 20) == 72 + data);
    assert_true(get_u64(h + 28) == data);
    assert_true(get_u64(h + 36) == data / 2);
    assert_int_equal(get_u32(h + 44), 0);
    check_fmt(h, 1, 44100);
    assert_int_equal(get_u32(h + 76), 0xFFFFFFFFu);
}

/* The switch comes exactly where the riff size passes the limit, and a limit
 * past what 32 bits hold is the 32-bit one. */
static void test_switch_point(void **state)
{
    (void)state;
    assert_false(wav_header_needs_rf64(0, WAV_RIFF_LIMIT));
    assert_false(wav_header_needs_rf64(WAV_RIFF_LIMIT - 72, WAV_RIFF_LIMIT));
    assert_true(wav_header_needs_rf64(WAV_RIFF_LIMIT - 71, WAV_RIFF_LIMIT));
    assert_false(wav_header_needs_rf64(WAV_RIFF_LIMIT - 72, UINT64_MAX));
    assert_true(wav_header_needs_rf64(WAV_RIFF_LIMIT - 71, UINT64_MAX));
    assert_true(wav_header_needs_rf64(UINT64_MAX, WAV_RIFF_LIMIT));
    assert_false(wav_header_needs_rf64(4096 - 72, 4096));
    assert_true(wav_header_needs_rf64(4096 - 70, 4096));
    /* A limit smaller than the header itself: RF64 from the start. */
    assert_true(wav_header_needs_rf64(0, 10));

    uint8_t h[WAV_HEADER_BYTES];
    assert_int_equal(wav_header_build(h, 1, 48000, 4096 - 72, 4096), AL_OK);
    assert_memory_equal(h, "RIFF", 4);
    assert_int_equal(get_u32(h + 4), 4096);
    assert_int_equal(wav_header_build(h, 1, 48000, 4096 - 70, 4096), AL_OK);
    assert_memory_equal(h, "RF64", 4);
    assert_true(get_u64(h + 20) == 4096 + 2);
}

/* Both shapes share every byte but the sizes and the reserved chunk: the
 * in-place rewrite changes nothing a reader uses to find the samples. */
static void test_shapes_share_layout(void **state)
{
    (void)state;
    uint8_t wav[WAV_HEADER_BYTES], rf64[WAV_HEADER_BYTES];
    assert_int_equal(wav_header_build(wav, 2, 48000, 4, WAV_RIFF_LIMIT), AL_OK);
    assert_int_equal(wav_header_build(rf64, 2, 48000, 4, 10), AL_OK);
    assert_memory_equal(rf64, "RF64", 4);
    assert_memory_equal(wav + 8, rf64 + 8, 4);
    assert_memory_equal(wav + 16, rf64 + 16, 4); /* the chunk size 28 */
    assert_memory_equal(wav + 48, rf64 + 48, 28);
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t h[WAV_HEADER_BYTES];
    memset(h, 0x5A, sizeof h);
    assert_int_equal(wav_header_build(NULL, 1, 48000, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, 0, 48000, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, -2, 48000, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, WAV_MAX_CHANNELS + 1, 48000, 0, WAV_RIFF_LIMIT),
                     AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, 1, 0, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, 1, -48000, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    /* A byte rate past 32 bits. */
    assert_int_equal(wav_header_build(h, WAV_MAX_CHANNELS, 2100000, 0, WAV_RIFF_LIMIT), AL_ERR_ARG);
    /* Not whole frames: 3 bytes of mono, 2 of stereo. */
    assert_int_equal(wav_header_build(h, 1, 48000, 3, WAV_RIFF_LIMIT), AL_ERR_ARG);
    assert_int_equal(wav_header_build(h, 2, 48000, 2, WAV_RIFF_LIMIT), AL_ERR_ARG);
    /* A size whose riff size would wrap 64 bits. */
    assert_int_equal(wav_header_build(h, 1, 48000, UINT64_MAX - 1, WAV_RIFF_LIMIT), AL_ERR_ARG);
    for (size_t i = 0; i < sizeof h; i++)
        assert_int_equal(h[i], 0x5A);
    /* The widest accepted. */
    assert_int_equal(wav_header_build(h, WAV_MAX_CHANNELS, 48000, 2048, WAV_RIFF_LIMIT), AL_OK);
    assert_int_equal(get_u16(h + 68), 2048);
}

/* ---- real sizes on sparse files, read by other programs ------------------ */

static char g_dir[4096];

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/test_wav_header.XXXXXX", base);
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static const char *const g_names[] = {"five_gib.wav", "largest_plain.wav", "stereo_rf64.wav"};

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_names / sizeof g_names[0]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", g_dir, g_names[i]);
        unlink(p);
    }
    rmdir(g_dir);
    return 0;
}

/* A file of the header for DATA_BYTES and DATA_BYTES bytes of samples that
 * take no disk: ftruncate() leaves a hole that reads as silence. */
static void make_sparse(const char *path, int channels, uint64_t data_bytes)
{
    uint8_t h[WAV_HEADER_BYTES];
    assert_int_equal(wav_header_build(h, channels, 48000, data_bytes, WAV_RIFF_LIMIT), AL_OK);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, h, sizeof h), (ssize_t)sizeof h);
    assert_int_equal(ftruncate(fd, (off_t)(WAV_HEADER_BYTES + data_bytes)), 0);
    assert_int_equal(close(fd), 0);
}

/* Runs CMD, which prints one integer, and returns it; a missing program or
 * another answer fails the test (scripts/setup.sh installs ffmpeg and sox). */
static long long run_for_number(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        fail_msg("cannot run: %s", cmd);
    char out[256] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    char *end;
    long long v = strtoll(out, &end, 10);
    if (status != 0 || end == out || (*end != '\0' && *end != '\n'))
        fail_msg("'%s' exited with %d, printed \"%s\"", cmd, status, out);
    return v;
}

/* libsndfile, ffprobe and (with WITH_SOX) soxi each find WANT_FRAMES frames
 * in PATH, and libsndfile sees the container WANT_FORMAT.
 * sox 14.4.2 reads RF64 sizes right, but after the header it looks for
 * trailing chunks from the data size taken modulo 2^32, i.e. from inside the
 * samples. Real audio reads as chunk sizes that end that walk at once, but
 * the zeros of a sparse file make it step 8 bytes at a time to the end:
 * 45 s for 5 GiB here.
 * So soxi reads the small RF64 files of test_soundfile and the largest plain
 * WAV below; tools/rf64check/rf64check.sh runs it on a real 4 GiB file. */
static void check_readers(const char *name, int channels, int want_format, long long want_frames,
                          bool with_sox)
{
    char path[4200], cmd[4400];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL)
        fail_msg("libsndfile cannot read %s: %s", path, sf_strerror(NULL));
    sf_close(sf);
    assert_int_equal(info.format, want_format | SF_FORMAT_PCM_16);
    assert_int_equal(info.channels, channels);
    assert_true((long long)info.frames == want_frames);

    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts "
             "-of default=nw=1:nk=1 '%s'",
             path);
    long long ff = run_for_number(cmd);
    snprintf(cmd, sizeof cmd, "soxi -s '%s'", path);
    long long sox = with_sox ? run_for_number(cmd) : want_frames;
    if (ff != want_frames || sox != want_frames)
        fail_msg("%s: ffprobe says %lld frames, soxi %lld, want %lld", name, ff, sox, want_frames);
}

/* 5 GiB of mono: with 32-bit sizes it would wrap to 1 GiB. */
static void test_five_gib_reads_as_five_gib(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", g_dir, g_names[0]);
    const uint64_t data = 5ull << 30;
    make_sparse(path, 1, data);
    check_readers(g_names[0], 1, SF_FORMAT_RF64, (long long)(data / 2), false);
}

/* 6 h 13 min of 48 kHz stereo, the length that wrapped in issue 11, is past
 * the limit by a few seconds. */
static void test_six_hours_stereo(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", g_dir, g_names[2]);
    const long long frames = 48000LL * (6 * 3600 + 13 * 60 + 30);
    make_sparse(path, 2, (uint64_t)frames * 4);
    check_readers(g_names[2], 2, SF_FORMAT_RF64, frames, false);
}

/* The largest whole-frame plain WAV: every reader takes its 32-bit sizes as
 * unsigned (a signed reader would find nothing or a negative length). */
static void test_largest_plain_wav(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", g_dir, g_names[1]);
    const uint64_t data = (WAV_RIFF_LIMIT - 72) / 4 * 4; /* whole stereo frames */
    assert_false(wav_header_needs_rf64(data, WAV_RIFF_LIMIT));
    make_sparse(path, 2, data);
    check_readers(g_names[1], 2, SF_FORMAT_WAV, (long long)(data / 4), true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_wav_bytes),  cmocka_unit_test(test_rf64_bytes),
        cmocka_unit_test(test_switch_point),     cmocka_unit_test(test_shapes_share_layout),
        cmocka_unit_test(test_refused),          cmocka_unit_test(test_five_gib_reads_as_five_gib),
        cmocka_unit_test(test_six_hours_stereo), cmocka_unit_test(test_largest_plain_wav),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
