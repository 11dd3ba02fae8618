/* Unit tests for audio/soundfile: the reader (channel mapping, resampling to
 * 48 kHz, length, time alignment, rewind, bad files) and the writer (WAV and
 * FLAC round trips, clipping, refused names). Test files are generated with
 * libsndfile into a private temporary directory that is removed afterwards.
 * WAVs past the riff limit (RF64) are checked with libsndfile, ffprobe and
 * soxi, each reading the header its own way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio/soundfile.h"

#ifndef AL_TEST_DATA
#error "AL_TEST_DATA must name the directory holding the shipped clips"
#endif

#define CLIP_PATH   AL_TEST_DATA "/ljspeech_LJ001-0001_F.flac"
#define CLIP_FRAMES 463441 /* its length, from its STREAMINFO */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static char g_dir[4096]; /* the private temporary directory */

static void tmp_path(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", g_dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/test_soundfile.XXXXXX", base);
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

/* Removes everything the tests left in g_dir (one level of subdirectories
 * at most, which is all the tests create), then g_dir itself. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int group_teardown(void **state)
{
    (void)state;
    remove_tree(g_dir);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

typedef double (*gen_fn)(long frame, int channel, int rate);

/* Writes FRAMES frames of GEN into a new file, in odd-sized pieces so that
 * nothing depends on a particular block size. */
static void make_file(const char *path, int format, int rate, int channels, long frames, gen_fn gen)
{
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (sf == NULL)
        fail_msg("cannot create %s: %s", path, sf_strerror(NULL));
    float *buf = malloc(sizeof *buf * 777 * (size_t)channels);
    assert_non_null(buf);
    for (long done = 0; done < frames;) {
        long n = frames - done < 777 ? frames - done : 777;
        for (long i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++)
                buf[i * channels + c] = (float)gen(done + i, c, rate);
        }
        assert_int_equal(sf_writef_float(sf, buf, n), n);
        done += n;
    }
    free(buf);
    assert_int_equal(sf_close(sf), 0);
}

/* Reads the whole file in blocks of BLOCK frames; returns the frames and
 * stores their count in *N. */
static float *read_all(soundfile_reader *r, int channels, long block, long *n)
{
    size_t cap = 1 << 16;
    size_t len = 0;
    float *all = malloc(cap * (size_t)channels * sizeof *all);
    assert_non_null(all);
    for (;;) {
        if (len + (size_t)block > cap) {
            while (len + (size_t)block > cap)
                cap *= 2;
            all = realloc(all, cap * (size_t)channels * sizeof *all);
            assert_non_null(all);
        }
        long got = soundfile_reader_read(r, all + len * (size_t)channels, block);
        assert_true(got >= 0);
        assert_true(got <= block);
        if (got == 0)
            break;
        len += (size_t)got;
    }
    /* The end is sticky. */
    float dummy[2];
    assert_int_equal(soundfile_reader_read(r, dummy, 1), 0);
    *n = (long)len;
    return all;
}

static float *read_path(const char *path, int channels, long block, long *n)
{
    char err[256];
    soundfile_reader *r = soundfile_reader_open(path, channels, err, sizeof err);
    if (r == NULL)
        fail_msg("open %s: %s", path, err);
    float *all = read_all(r, channels, block, n);
    soundfile_reader_close(r);
    return all;
}

/* Output length owed for IN frames at RATE: the same duration at 48 kHz. */
static double expected_frames(long in, int rate)
{
    return (double)in * SOUNDFILE_RATE / rate;
}

/* ---- the shipped clip (48 kHz mono FLAC, no resampling) ------------------ */

static void test_clip_mono_matches_libsndfile(void **state)
{
    (void)state;
    char err[256] = "x";
    soundfile_reader *r = soundfile_reader_open(CLIP_PATH, 1, err, sizeof err);
    if (r == NULL)
        fail_msg("%s", err);
    assert_string_equal(err, "");
    assert_int_equal(soundfile_reader_file_rate(r), 48000);
    assert_int_equal(soundfile_reader_file_channels(r), 1);
    assert_int_equal(soundfile_reader_file_frames(r), CLIP_FRAMES);
    long n;
    float *got = read_all(r, 1, 4000, &n);
    soundfile_reader_close(r);
    assert_int_equal(n, CLIP_FRAMES);

    /* At 48 kHz the reader must hand out libsndfile's samples untouched. */
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(CLIP_PATH, SFM_READ, &info);
    assert_non_null(sf);
    float *ref = malloc(sizeof *ref * CLIP_FRAMES);
    assert_non_null(ref);
    assert_int_equal(sf_readf_float(sf, ref, CLIP_FRAMES), CLIP_FRAMES);
    sf_close(sf);
    assert_memory_equal(got, ref, sizeof *ref * CLIP_FRAMES);

    /* It is speech, not silence: a broken read of zeros would pass above
     * only if libsndfile were broken the same way. */
    double peak = 0;
    for (long i = 0; i < n; i++)
        peak = fmax(peak, fabs(got[i]));
    assert_true(peak > 0.1);
    free(ref);
    free(got);
}

static void test_clip_mono_to_stereo_duplicates(void **state)
{
    (void)state;
    long nm, ns;
    float *mono = read_path(CLIP_PATH, 1, 4096, &nm);
    float *st = read_path(CLIP_PATH, 2, 1001, &ns);
    assert_int_equal(ns, CLIP_FRAMES);
    assert_int_equal(nm, ns);
    for (long i = 0; i < ns; i++) {
        if (st[2 * i] != mono[i] || st[2 * i + 1] != mono[i])
            fail_msg("frame %ld: L %g R %g, mono %g", i, st[2 * i], st[2 * i + 1], mono[i]);
    }
    free(mono);
    free(st);
}

/* ---- resampling: length, frequency, amplitude, phase --------------------- */

#define SINE_AMP 0.5

/* Channel c carries its own frequency, so that the test can tell which file
 * channels reached which output channel. All are below 3675 Hz, the
 * Nyquist frequency of the lowest rate tested, with margin for the
 * resampler's transition band, and are whole Hz so that one second holds
 * whole periods of each (orthogonal over the analysis window). */
static double chan_freq(int c)
{
    return 300.0 + 200.0 * c;
}

static double gen_sines(long frame, int channel, int rate)
{
    return SINE_AMP * sin(2 * M_PI * chan_freq(channel) * (double)frame / rate);
}

/* What output channel O of a reader delivering OC channels from a file of
 * FC channels should hold at 48 kHz frame K (see the mapping in soundfile.h). */
static double ideal_out(long k, int o, int fc, int oc)
{
    double t = (double)k / SOUNDFILE_RATE;
    if (fc == 1)
        return SINE_AMP * sin(2 * M_PI * chan_freq(0) * t);
    if (oc == 1) {
        double sum = 0;
        for (int c = 0; c < fc; c++)
            sum += SINE_AMP * sin(2 * M_PI * chan_freq(c) * t);
        return sum / fc;
    }
    return SINE_AMP * sin(2 * M_PI * chan_freq(o) * t);
}

struct sine_case {
    int rate;
    int file_channels;
    int out_channels;
    int format;
};

static void check_sine_case(const struct sine_case *tc)
{
    char path[4200], name[64];
    snprintf(name, sizeof name, "sine_%d_%d_%d.%s", tc->rate, tc->file_channels, tc->out_channels,
             (tc->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC ? "flac" : "wav");
    tmp_path(path, sizeof path, name);
    /* 1.25 s plus a few frames, so the length is not a round number. */
    const long in_frames = tc->rate + tc->rate / 4 + 3;
    make_file(path, tc->format, tc->rate, tc->file_channels, in_frames, gen_sines);

    char err[256];
    soundfile_reader *r = soundfile_reader_open(path, tc->out_channels, err, sizeof err);
    if (r == NULL)
        fail_msg("%s", err);
    assert_int_equal(soundfile_reader_file_rate(r), tc->rate);
    assert_int_equal(soundfile_reader_file_channels(r), tc->file_channels);
    assert_int_equal(soundfile_reader_file_frames(r), in_frames);
    long n;
    /* An odd block size, so blocks straddle the resampler's chunks. */
    float *y = read_all(r, tc->out_channels, 333, &n);
    soundfile_reader_close(r);

    /* Length: the same duration at 48 kHz. The reader rounds to the nearest
     * frame, so one frame of slack covers any rounding convention; a lost
     * resampler tail (64+ frames at quality 7) or leading latency would be
     * far outside it. */
    double want = expected_frames(in_frames, tc->rate);
    if (fabs((double)n - want) > 1.0)
        fail_msg("%d Hz: %ld frames out, want %.2f", tc->rate, n, want);

    /* Compare with the ideal 48 kHz signal over 0.1 s .. 1.1 s (away from
     * the ringing at the abrupt start and end of the file). The relative
     * RMS error must stay under 0.1 %: measured, it is 0.0005 % from float
     * files and 0.005 % from 16-bit ones (their quantisation noise), while
     * an output one 48 kHz frame early or late is already
     * 2*pi*300 Hz*20.8 us = 3.9 % off at the lowest frequency, and a wrong
     * frequency, gain or channel mapping is off by far more. The gain
     * (projection onto the ideal) must be within 0.1 % of 1: the amplitude
     * is kept (measured within 0.004 %). */
    const long k0 = SOUNDFILE_RATE / 10, k1 = k0 + SOUNDFILE_RATE;
    assert_true(n >= k1);
    for (int o = 0; o < tc->out_channels; o++) {
        double err2 = 0, ref2 = 0, cross = 0;
        for (long k = k0; k < k1; k++) {
            double ideal = ideal_out(k, o, tc->file_channels, tc->out_channels);
            double got = y[k * tc->out_channels + o];
            err2 += (got - ideal) * (got - ideal);
            ref2 += ideal * ideal;
            cross += got * ideal;
        }
        double rel = sqrt(err2 / ref2);
        double gain = cross / ref2;
        if (rel > 0.001 || fabs(gain - 1.0) > 0.001)
            fail_msg("%d Hz %d->%d ch, out channel %d: relative error %.5f, gain %.5f", tc->rate,
                     tc->file_channels, tc->out_channels, o, rel, gain);
    }
    free(y);
}

static void test_resample_sines(void **state)
{
    (void)state;
    static const struct sine_case cases[] = {
        {8000, 1, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {8000, 1, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {11025, 2, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {16000, 1, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16},
        {22050, 2, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {44100, 6, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {44100, 8, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {96000, 2, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {192000, 1, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {7350, 1, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
        {37800, 3, 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
        {48000, 4, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT}, /* no resampler, downmix */
        {48000, 5, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT}, /* no resampler, first two */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_sine_case(&cases[i]);
}

/* ---- time alignment ------------------------------------------------------ */

static long g_impulse_at; /* file frame of the impulse, for gen_impulse */

static double gen_impulse(long frame, int channel, int rate)
{
    (void)channel;
    (void)rate;
    return frame == g_impulse_at ? 0.9 : 0.0;
}

/* An impulse half a second into the file must come out half a second into
 * the output. The brief allows 1 ms; we assert one output frame (21 us):
 * the resampler's band-limited impulse peaks at the nearest frame to the
 * true position (measured: exactly there at every rate tested), whereas
 * uncompensated filter latency (half the filter) moves it by 64 file frames
 * when upsampling (8 ms at 8 kHz) and 128 at 96 kHz (1.3 ms). */
static void test_impulse_stays_in_place(void **state)
{
    (void)state;
    static const int rates[] = {8000, 11025, 22050, 44100, 48000, 96000, 7350, 37800};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        int rate = rates[i];
        char path[4200], name[64];
        snprintf(name, sizeof name, "impulse_%d.wav", rate);
        tmp_path(path, sizeof path, name);
        g_impulse_at = rate / 2;
        make_file(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 1, rate, gen_impulse);

        long n;
        float *y = read_path(path, 1, 480, &n);
        long peak = 0;
        for (long k = 1; k < n; k++) {
            if (fabsf(y[k]) > fabsf(y[peak]))
                peak = k;
        }
        double want = expected_frames(g_impulse_at, rate);
        if (fabs((double)peak - want) > 1.0)
            fail_msg("%d Hz: impulse at output frame %ld, want %.2f (%.3f ms off)", rate, peak,
                     want, ((double)peak - want) * 1000.0 / SOUNDFILE_RATE);
        /* Upsampling spreads the impulse's energy over several output
         * frames, but its peak must still be clearly there. */
        assert_true(fabsf(y[peak]) > 0.1f);
        free(y);
    }
}

/* ---- block size independence and rewind ---------------------------------- */

static void test_block_size_does_not_matter(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "blocks_44100.wav");
    make_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 30011, gen_sines);
    long n_ref;
    float *ref = read_path(path, 2, 100000, &n_ref);
    static const long blocks[] = {1, 7, 480, 1024, 1025, 5000};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        long n;
        float *y = read_path(path, 2, blocks[i], &n);
        assert_int_equal(n, n_ref);
        assert_memory_equal(y, ref, sizeof *y * 2 * (size_t)n);
        free(y);
    }
    free(ref);
}

static void check_rewind(const char *path, int channels)
{
    char err[256];
    soundfile_reader *r = soundfile_reader_open(path, channels, err, sizeof err);
    if (r == NULL)
        fail_msg("%s", err);
    long n1, n2, n3;
    float *first = read_all(r, channels, 960, &n1);
    assert_true(n1 > 0);

    /* Rewind at the end. */
    assert_int_equal(soundfile_reader_rewind(r), 0);
    float *second = read_all(r, channels, 960, &n2);
    assert_int_equal(n2, n1);
    assert_memory_equal(second, first, sizeof *first * (size_t)channels * (size_t)n1);

    /* Rewind in the middle, with filter history and pending input held. */
    float part[333 * 2];
    assert_int_equal(soundfile_reader_read(r, part, 333), 0); /* still at the end */
    assert_int_equal(soundfile_reader_rewind(r), 0);
    assert_int_equal(soundfile_reader_read(r, part, 333), 333);
    assert_int_equal(soundfile_reader_rewind(r), 0);
    float *third = read_all(r, channels, 4097, &n3);
    assert_int_equal(n3, n1);
    assert_memory_equal(third, first, sizeof *first * (size_t)channels * (size_t)n1);

    soundfile_reader_close(r);
    free(first);
    free(second);
    free(third);
}

static void test_rewind_resampled(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "rewind_22050.wav");
    make_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 2, 22050 / 3, gen_sines);
    check_rewind(path, 2);
    check_rewind(path, 1);
}

static void test_rewind_48k(void **state)
{
    (void)state;
    check_rewind(CLIP_PATH, 2);
}

/* ---- reader errors ------------------------------------------------------- */

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n > 0)
        assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void expect_open_fails(const char *path, int channels, const char *why)
{
    char err[256];
    memset(err, 'x', sizeof err);
    soundfile_reader *r = soundfile_reader_open(path, channels, err, sizeof err);
    if (r != NULL) {
        soundfile_reader_close(r);
        fail_msg("opening %s (%d ch) succeeded", path, channels);
    }
    assert_true(strlen(err) > 0 && strlen(err) < sizeof err);
    assert_null(strchr(err, '\n'));
    if (why != NULL && strstr(err, why) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err, why);
}

static void test_open_missing(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "does_not_exist.wav");
    expect_open_fails(path, 1, "No such file or directory");
    expect_open_fails(path, 1, "does_not_exist.wav");
}

static void test_open_garbage(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "garbage.wav");
    unsigned char junk[8192];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1664525u + 1013904223u; /* a fixed LCG: the same junk every run */
        junk[i] = (unsigned char)(x >> 24);
    }
    write_bytes(path, junk, sizeof junk);
    expect_open_fails(path, 1, "cannot open");
}

static void test_open_empty_and_directory(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "empty.flac");
    write_bytes(path, NULL, 0);
    expect_open_fails(path, 2, "empty");

    tmp_path(path, sizeof path, "a_directory.wav");
    assert_int_equal(mkdir(path, 0700), 0);
    expect_open_fails(path, 1, "directory");
}

static void test_open_no_audio(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "header_only.wav");
    make_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 0, gen_sines);
    expect_open_fails(path, 1, "no audio");
}

static void test_open_absurd_rate(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "rate_2000000.wav");
    make_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2000000, 1, 1000, gen_sines);
    expect_open_fails(path, 1, "sample rate");
}

static void test_open_bad_channels(void **state)
{
    (void)state;
    expect_open_fails(CLIP_PATH, 0, "channel");
    expect_open_fails(CLIP_PATH, 3, "channel");
    expect_open_fails(CLIP_PATH, -1, "channel");
    expect_open_fails(NULL, 1, NULL);
}

/* The reason is cut to fit and still terminated; no buffer is no crash. */
static void test_open_small_err_buffer(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'x', sizeof err);
    assert_null(soundfile_reader_open("/nonexistent/x.wav", 1, err, sizeof err));
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_null(soundfile_reader_open("/nonexistent/x.wav", 1, NULL, 0));
    assert_null(soundfile_writer_open("/nonexistent/x.mp3", 1, NULL, 0));
}

/* Reads a damaged file to the end (or the first error) and checks only that
 * nothing crashes, leaks or loops: what a damaged file yields is up to the
 * decoder. */
static void read_damaged(const char *path, int rate)
{
    char err[256];
    soundfile_reader *r = soundfile_reader_open(path, 2, err, sizeof err);
    if (r == NULL) {
        assert_true(strlen(err) > 0);
        return;
    }
    float buf[1000 * 2];
    long total = 0;
    for (int i = 0; i < 100000; i++) {
        long got = soundfile_reader_read(r, buf, 1000);
        if (got <= 0) {
            if (got < 0) /* errors are sticky */
                assert_true(soundfile_reader_read(r, buf, 1000) < 0);
            break;
        }
        total += got;
    }
    /* Never more than the undamaged file would have given. */
    assert_true(total <= (long)expected_frames(soundfile_reader_file_frames(r), rate) + 1);
    soundfile_reader_close(r);
}

static void copy_prefix(const char *from, const char *to, size_t n)
{
    FILE *f = fopen(from, "rb");
    assert_non_null(f);
    unsigned char *data = malloc(n);
    assert_non_null(data);
    size_t got = fread(data, 1, n, f);
    fclose(f);
    write_bytes(to, data, got);
    free(data);
}

static void test_truncated_files(void **state)
{
    (void)state;
    char full[4200], cut[4200];

    tmp_path(cut, sizeof cut, "truncated_clip.flac");
    copy_prefix(CLIP_PATH, cut, 20000);
    read_damaged(cut, 48000);
    copy_prefix(CLIP_PATH, cut, 100); /* inside the metadata */
    read_damaged(cut, 48000);

    tmp_path(full, sizeof full, "full_11025.wav");
    make_file(full, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 11025, 2, 11025, gen_sines);
    tmp_path(cut, sizeof cut, "truncated_11025.wav");
    copy_prefix(full, cut, 44 + 4 * 1000 + 1); /* header, 1000 frames and a byte */
    read_damaged(cut, 11025);
    copy_prefix(full, cut, 30); /* inside the header */
    read_damaged(cut, 11025);

    tmp_path(full, sizeof full, "full_22050.flac");
    make_file(full, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 1, 22050, gen_sines);
    tmp_path(cut, sizeof cut, "truncated_22050.flac");
    copy_prefix(full, cut, 3000);
    read_damaged(cut, 22050);
}

static void test_reader_null_safe(void **state)
{
    (void)state;
    float buf[4];
    soundfile_reader_close(NULL);
    assert_true(soundfile_reader_read(NULL, buf, 1) < 0);
    assert_int_equal(soundfile_reader_rewind(NULL), -1);
    assert_int_equal(soundfile_reader_file_frames(NULL), 0);
}

/* ---- writer -------------------------------------------------------------- */

/* libsndfile writes round(x * 32767) and reads back i / 32768, so a value
 * comes back within 0.5/32768 (rounding) + |x|/32768 (the scale mismatch)
 * <= 1.5/32768 of what was written. */
#define Q16_TOLERANCE (1.5 / 32768.0 + 1e-7)

static float clip_expected(float v)
{
    if (isnan(v))
        return 0.0f;
    return v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
}

static void round_trip(const char *name, int channels, int want_format)
{
    char path[4200], err[256];
    tmp_path(path, sizeof path, name);
    const long frames = 5000;
    float *in = malloc(sizeof *in * (size_t)frames * (size_t)channels);
    assert_non_null(in);
    uint32_t x = 99;
    for (long i = 0; i < frames * channels; i++) {
        x = x * 1664525u + 1013904223u;
        in[i] = ((float)(x >> 8) / (float)(1u << 24)) * 2.6f - 1.3f; /* [-1.3, 1.3) */
    }
    /* Values the writer must clip or neutralise. */
    in[0] = 1.0f;
    in[1] = -1.0f;
    in[2] = 7.5f;
    in[3] = -3.0f;
    in[4] = NAN;
    in[5] = INFINITY;
    in[6] = -INFINITY;

    soundfile_writer *w = soundfile_writer_open(path, channels, err, sizeof err);
    if (w == NULL)
        fail_msg("%s", err);
    assert_int_equal(soundfile_writer_frames(w), 0);
    /* Odd pieces, one larger than the writer's internal chunk. */
    static const long pieces[] = {1, 999, 3000, 0, 1000};
    long done = 0;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        assert_int_equal(soundfile_writer_write(w, in + (size_t)done * (size_t)channels, pieces[i]),
                         0);
        done += pieces[i];
        assert_int_equal(soundfile_writer_frames(w), done);
    }
    assert_int_equal(done, frames);
    assert_int_equal(soundfile_writer_close(w), 0);

    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.format, want_format);
    assert_int_equal(info.samplerate, 48000);
    assert_int_equal(info.channels, channels);
    assert_int_equal(info.frames, frames);
    sf_close(sf);

    long n;
    float *out = read_path(path, channels, 1234, &n);
    assert_int_equal(n, frames);
    for (long i = 0; i < frames * channels; i++) {
        float want = clip_expected(in[i]);
        if (fabs((double)out[i] - want) > Q16_TOLERANCE)
            fail_msg("%s sample %ld: wrote %g, read %g", name, i, in[i], out[i]);
    }
    free(in);
    free(out);
}

static void test_writer_round_trip_wav(void **state)
{
    (void)state;
    round_trip("rt_stereo.wav", 2, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    round_trip("rt_mono.wav", 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
}

static void test_writer_round_trip_flac(void **state)
{
    (void)state;
    round_trip("rt_stereo.flac", 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    round_trip("rt_mono.flac", 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
}

static void test_writer_extension_case(void **state)
{
    (void)state;
    round_trip("UPPER.WAV", 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    round_trip("Mixed.FlAc", 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
}

static void expect_writer_refused(const char *name, int channels, const char *why)
{
    char path[4200], err[256];
    tmp_path(path, sizeof path, name);
    memset(err, 'x', sizeof err);
    soundfile_writer *w = soundfile_writer_open(path, channels, err, sizeof err);
    if (w != NULL) {
        soundfile_writer_close(w);
        fail_msg("writing %s (%d ch) was accepted", name, channels);
    }
    assert_true(strlen(err) > 0 && strlen(err) < sizeof err);
    if (why != NULL && strstr(err, why) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err, why);
    /* A refusal leaves nothing behind. */
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_writer_refuses(void **state)
{
    (void)state;
    char dir[4200];
    tmp_path(dir, sizeof dir, "looks.wav");
    assert_int_equal(mkdir(dir, 0700), 0);

    expect_writer_refused("out.mp3", 1, "extension");
    expect_writer_refused("out.ogg", 2, "extension");
    expect_writer_refused("no_extension", 1, "extension");
    expect_writer_refused("out.wav.txt", 1, "extension");
    expect_writer_refused("out.wavx", 1, "extension");
    expect_writer_refused("looks.wav/inside", 1, "extension"); /* the dot is the directory's */
    expect_writer_refused("out.wav", 0, "channel");
    expect_writer_refused("out.flac", 9, NULL); /* FLAC holds at most 8 */
    expect_writer_refused("no_such_dir/out.wav", 1, "cannot create");
    assert_null(soundfile_writer_open(NULL, 1, NULL, 0));
}

static void test_writer_null_safe(void **state)
{
    (void)state;
    float buf[2] = {0};
    assert_int_equal(soundfile_writer_close(NULL), 0);
    assert_int_equal(soundfile_writer_write(NULL, buf, 1), -1);
    assert_int_equal(soundfile_writer_frames(NULL), 0);

    /* Closing a writer that got no frames still leaves a valid, empty file. */
    char path[4200];
    tmp_path(path, sizeof path, "nothing.wav");
    soundfile_writer *w = soundfile_writer_open(path, 2, NULL, 0);
    assert_non_null(w);
    assert_int_equal(soundfile_writer_close(w), 0);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.frames, 0);
    sf_close(sf);
}

/* What libsndfile makes of PATH right now: its frame count, and its
 * container in *FORMAT (SF_FORMAT_WAV or SF_FORMAT_RF64, with the encoding).
 * Reading it with another program's parser, not ours, is the point. */
static long sf_frames(const char *path, int *format)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL)
        fail_msg("libsndfile cannot read %s: %s", path, sf_strerror(NULL));
    sf_close(sf);
    if (format != NULL)
        *format = info.format;
    return (long)info.frames;
}

/* A WAV still being written says how much it holds to within a second, so
 * that a writer killed before closing leaves a readable file. */
static void test_writer_wav_header_kept_up(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "live.wav");
    soundfile_writer *w = soundfile_writer_open(path, 2, NULL, 0);
    assert_non_null(w);
    float block[960 * 2] = {0};
    for (int i = 0; i < 175; i++) /* 3.5 s in 20 ms frames */
        assert_int_equal(soundfile_writer_write(w, block, 960), 0);
    int format;
    long said = sf_frames(path, &format);
    if (said < 175 * 960 - 48000 || said > 175 * 960)
        fail_msg("the open file's header says %ld frames of %d", said, 175 * 960);
    assert_int_equal(format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    assert_int_equal(soundfile_writer_close(w), 0);
    assert_int_equal(sf_frames(path, &format), 175 * 960);
    assert_int_equal(format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
}

/* ---- RF64 past the riff limit, read by libsndfile, ffprobe and sox -------- */

/* Runs CMD (a shell command printing one integer) and returns the integer;
 * fails the test when the program is missing or prints something else.
 * ffprobe comes with ffmpeg and soxi with sox, both from scripts/setup.sh. */
static long run_for_number(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        fail_msg("cannot run: %s", cmd);
    char out[256] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    char *end;
    long v = strtol(out, &end, 10);
    if (status != 0 || end == out || (*end != '\0' && *end != '\n'))
        fail_msg("'%s' exited with %d, printed \"%s\" (scripts/setup.sh installs ffmpeg and sox)",
                 cmd, status, out);
    return v;
}

/* The frame count ffprobe (ffmpeg's wav demuxer) and soxi (sox's own WAV
 * reader) find in PATH: each parses the header itself, neither with our code
 * nor libsndfile's. */
static void check_other_readers(const char *path, long want_frames)
{
    char cmd[4400];
    assert_null(strchr(path, '\''));
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts "
             "-of default=nw=1:nk=1 '%s'",
             path);
    long ff = run_for_number(cmd);
    snprintf(cmd, sizeof cmd, "soxi -s '%s'", path);
    long sox = run_for_number(cmd);
    if (ff != want_frames || sox != want_frames)
        fail_msg("%s: ffprobe says %ld frames, soxi %ld, written %ld", path, ff, sox, want_frames);
}

static double gen_ramp(long frame, int channel, int rate)
{
    (void)rate;
    return (double)((frame * 7 + channel * 3) % 2001 - 1000) / 1000.0;
}

/* Writes FRAMES frames of gen_ramp through a writer in 960-frame (20 ms)
 * blocks, with the riff limit LIMIT (0: the default). */
static soundfile_writer *write_ramp(const char *path, int channels, long frames, uint64_t limit)
{
    char err[256];
    soundfile_writer *w = soundfile_writer_open(path, channels, err, sizeof err);
    if (w == NULL)
        fail_msg("%s", err);
    if (limit != 0)
        assert_int_equal(soundfile_writer_set_riff_limit(w, limit), 0);
    float block[960 * 2];
    for (long done = 0; done < frames;) {
        long n = frames - done < 960 ? frames - done : 960;
        for (long i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++)
                block[i * channels + c] = (float)gen_ramp(done + i, c, SOUNDFILE_RATE);
        }
        assert_int_equal(soundfile_writer_write(w, block, n), 0);
        done += n;
    }
    return w;
}

/* Every sample of PATH is gen_ramp's, as 16-bit PCM keeps it. */
static void check_ramp(const char *path, int channels, long frames)
{
    long n;
    float *got = read_path(path, channels, 4096, &n);
    assert_int_equal(n, frames);
    for (long i = 0; i < frames; i++) {
        for (int c = 0; c < channels; c++) {
            double want = gen_ramp(i, c, SOUNDFILE_RATE);
            if (fabs(got[i * channels + c] - want) > Q16_TOLERANCE)
                fail_msg("%s frame %ld ch %d: %g, wrote %g", path, i, c, got[i * channels + c],
                         want);
        }
    }
    free(got);
}

/* A riff limit of 4 KiB stands in for 4 GiB: the file turns RF64 at its
 * first header update, stays readable while being written, and ends as an
 * RF64 that libsndfile, ffprobe and sox read to the frame. */
static void test_writer_rf64_past_limit(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "past_limit.wav");
    const long frames = 2 * SOUNDFILE_RATE + 12345;
    soundfile_writer *w = write_ramp(path, 2, frames, 4096);
    /* While open: RF64 since the last update, at 2 s. */
    int format;
    assert_int_equal(sf_frames(path, &format), 2 * SOUNDFILE_RATE);
    assert_int_equal(format, SF_FORMAT_RF64 | SF_FORMAT_PCM_16);
    check_other_readers(path, 2 * SOUNDFILE_RATE);
    assert_int_equal(soundfile_writer_close(w), 0);

    assert_int_equal(sf_frames(path, &format), frames);
    assert_int_equal(format, SF_FORMAT_RF64 | SF_FORMAT_PCM_16);
    check_other_readers(path, frames);
    check_ramp(path, 2, frames);
}

/* Right at the limit the file is still a plain WAV; one frame more makes it
 * RF64. Mono: a frame is 2 bytes, and the riff size is 72 + the data. */
static void test_writer_rf64_boundary(void **state)
{
    (void)state;
    const long frames = 30000;
    const uint64_t limit = 72 + 2 * (uint64_t)frames;
    char path[4200];
    int format;

    tmp_path(path, sizeof path, "at_limit.wav");
    assert_int_equal(soundfile_writer_close(write_ramp(path, 1, frames, limit)), 0);
    assert_int_equal(sf_frames(path, &format), frames);
    assert_int_equal(format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    check_other_readers(path, frames);
    check_ramp(path, 1, frames);

    tmp_path(path, sizeof path, "over_limit.wav");
    assert_int_equal(soundfile_writer_close(write_ramp(path, 1, frames + 1, limit)), 0);
    assert_int_equal(sf_frames(path, &format), frames + 1);
    assert_int_equal(format, SF_FORMAT_RF64 | SF_FORMAT_PCM_16);
    check_other_readers(path, frames + 1);
    check_ramp(path, 1, frames + 1);

    /* FLAC has no such limit, and no hook for it. */
    tmp_path(path, sizeof path, "no_limit.flac");
    soundfile_writer *w = soundfile_writer_open(path, 1, NULL, 0);
    assert_non_null(w);
    assert_int_equal(soundfile_writer_set_riff_limit(w, limit), -1);
    assert_int_equal(soundfile_writer_close(w), 0);
    assert_int_equal(soundfile_writer_set_riff_limit(NULL, limit), -1);
}

/* A writer killed with SIGKILL (nothing runs at exit) after FRAMES frames,
 * in a child process, with the riff limit LIMIT. */
static void write_and_die(const char *path, long frames, uint64_t limit)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        soundfile_writer *w = soundfile_writer_open(path, 2, NULL, 0);
        if (w == NULL || (limit != 0 && soundfile_writer_set_riff_limit(w, limit) != 0))
            _exit(1);
        float block[960 * 2] = {0};
        for (long done = 0; done < frames; done += 960) {
            if (soundfile_writer_write(w, block, 960) != 0)
                _exit(1);
        }
        raise(SIGKILL);
        _exit(1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Killed before the first header update, between two updates as a plain
 * WAV, and between two updates after turning RF64: each file is valid and
 * says what its last update said, to every reader. */
static void test_writer_killed_leaves_valid_file(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        long frames;    /* written before the kill, in 960-frame blocks */
        long said;      /* the frames the last header update stated */
        uint64_t limit; /* 0: the real 4 GiB */
        int format;
    } cases[] = {
        {"killed_early.wav", 960 * 20, 0, 0, SF_FORMAT_WAV},
        {"killed_wav.wav", 960 * 125, 96000, 0, SF_FORMAT_WAV},
        {"killed_rf64.wav", 960 * 125, 96000, 8192, SF_FORMAT_RF64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[4200];
        tmp_path(path, sizeof path, cases[i].name);
        write_and_die(path, cases[i].frames, cases[i].limit);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        /* Every sample reached the file; the header lags them. */
        assert_int_equal(st.st_size, 80 + cases[i].frames * 4);
        int format;
        assert_int_equal(sf_frames(path, &format), cases[i].said);
        assert_int_equal(format, cases[i].format | SF_FORMAT_PCM_16);
        if (cases[i].said > 0)
            check_other_readers(path, cases[i].said);
    }
}

/* A disk that fills up mid-write (here a file size limit, which fails the
 * write() the same way, after a torn frame): that write and every later one
 * fail, and the closed file is a valid WAV of the whole frames before the
 * failed write. In a child, so the limit binds nothing else. */
static void test_writer_full_disk(void **state)
{
    (void)state;
    char path[4200];
    tmp_path(path, sizeof path, "full_disk.wav");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Room for the header, 1000 stereo frames and 3 bytes of the next. */
        struct rlimit lim = {.rlim_cur = 80 + 4 * 1000 + 3, .rlim_max = RLIM_INFINITY};
        signal(SIGXFSZ, SIG_IGN); /* the failure comes back as EFBIG */
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(10);
        soundfile_writer *w = soundfile_writer_open(path, 2, NULL, 0);
        if (w == NULL)
            _exit(11);
        static float block[1500 * 2];
        if (soundfile_writer_write(w, block, 500) != 0)
            _exit(12);
        if (soundfile_writer_write(w, block, 1500) != -1) /* torn in its first chunk */
            _exit(13);
        if (soundfile_writer_write(w, block, 1) != -1) /* sticky */
            _exit(14);
        if (soundfile_writer_frames(w) != 500)
            _exit(15);
        _exit(soundfile_writer_close(w) == 0 ? 0 : 16);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    int format;
    assert_int_equal(sf_frames(path, &format), 500);
    assert_int_equal(format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    check_other_readers(path, 500);

    /* A file that cannot take even its header is refused at open, and
     * nothing is left behind. */
    tmp_path(path, sizeof path, "no_room.wav");
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = {.rlim_cur = 40, .rlim_max = RLIM_INFINITY};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(10);
        char err[256];
        soundfile_writer *w = soundfile_writer_open(path, 2, err, sizeof err);
        if (w != NULL)
            _exit(11);
        _exit(strstr(err, "cannot write") != NULL ? 0 : 12);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clip_mono_matches_libsndfile),
        cmocka_unit_test(test_clip_mono_to_stereo_duplicates),
        cmocka_unit_test(test_resample_sines),
        cmocka_unit_test(test_impulse_stays_in_place),
        cmocka_unit_test(test_block_size_does_not_matter),
        cmocka_unit_test(test_rewind_resampled),
        cmocka_unit_test(test_rewind_48k),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_open_garbage),
        cmocka_unit_test(test_open_empty_and_directory),
        cmocka_unit_test(test_open_no_audio),
        cmocka_unit_test(test_open_absurd_rate),
        cmocka_unit_test(test_open_bad_channels),
        cmocka_unit_test(test_open_small_err_buffer),
        cmocka_unit_test(test_truncated_files),
        cmocka_unit_test(test_reader_null_safe),
        cmocka_unit_test(test_writer_round_trip_wav),
        cmocka_unit_test(test_writer_round_trip_flac),
        cmocka_unit_test(test_writer_extension_case),
        cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_writer_null_safe),
        cmocka_unit_test(test_writer_wav_header_kept_up),
        cmocka_unit_test(test_writer_rf64_past_limit),
        cmocka_unit_test(test_writer_rf64_boundary),
        cmocka_unit_test(test_writer_killed_leaves_valid_file),
        cmocka_unit_test(test_writer_full_disk),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
