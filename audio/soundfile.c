/* Sound files in and out: libsndfile for reading and for writing FLAC,
 * wav_header.h for writing WAV/RF64, speexdsp for the rate conversion to
 * 48 kHz. See soundfile.h for the contract. */
#include "audio/soundfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <speex/speex_resampler.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/wav_header.h"
#include "common/status.h"

/* Frames moved per libsndfile / resampler call. Large enough that per-call
 * overhead vanishes, small enough that a wide file's buffers stay small
 * (1024 frames x 1024 channels x 4 bytes = 4 MiB at libsndfile's maximum). */
#define CHUNK_FRAMES 1024

/* Quality 7 of 0..10: 128-tap filter with its cutoff at 95 % of the lower
 * Nyquist frequency, against 80 taps and 92-94 % for the default 5. The
 * extra CPU is irrelevant for file playback and keeps more of the top
 * octave of 8-22 kHz sources with less aliasing. */
#define RESAMPLER_QUALITY 7

/* libsndfile refuses more than this itself (SF_MAX_CHANNELS is internal);
 * checking it here gives a clear reason instead of a buffer sized from an
 * absurd header field. */
#define MAX_FILE_CHANNELS 1024

/* The highest rate accepted: twice DXD (352.8 kHz), beyond anything real.
 * The resampler's filter grows with the decimation ratio, so a garbage
 * header claiming 2 GHz would otherwise cost seconds and megabytes. */
#define MAX_FILE_RATE 768000

struct soundfile_reader {
    SNDFILE *sf;
    SF_INFO info;
    int out_channels;
    float *file_buf; /* CHUNK_FRAMES x file channels, straight from libsndfile */

    /* Resampling path only (file rate != 48 kHz). */
    SpeexResamplerState *rs;
    float *pend;        /* CHUNK_FRAMES x out_channels, mapped, at file rate */
    long pend_len;      /* frames held in pend */
    long pend_pos;      /* frames of pend already consumed by the resampler */
    int64_t in_total;   /* file frames read since the start */
    int64_t out_total;  /* 48 kHz frames delivered since the start */
    int64_t out_target; /* frames owed in total, known once eof is set */

    int eof;    /* libsndfile has delivered its last frame */
    int failed; /* a read error happened; sticky until rewind */
};

/* A WAV being written gets its header rewritten every this many frames (1 s
 * at 48 kHz), so that a file whose writer is killed (SIGKILL, a crash)
 * still says how much audio it holds, to within a second. Each update is
 * one 80-byte pwrite() at offset 0 of sizes that count only samples the
 * kernel already has, so a crash at any point leaves either the previous
 * header or the new one, both true of the file. (A power cut is another
 * matter: no fsync is done, as that would stall a real-time writer.) */
#define HEADER_UPDATE_FRAMES SOUNDFILE_RATE

/* Why our own WAV writer rather than libsndfile's (which writes FLAC here):
 * libsndfile's WAV stops at 4 GiB, and its RF64 with SFC_RF64_AUTO_DOWNGRADE
 * switches at a fixed 4 GiB, so the switch could only be tested by writing
 * 4 GiB; ours switches at a limit a test can lower to a few KiB, with a
 * header of one known layout (wav_header.h) rewritten in place. */
struct soundfile_writer {
    int channels;
    SNDFILE *sf;           /* FLAC: libsndfile writes the container */
    int fd;                /* WAV: our own file, -1 for FLAC */
    int failed;            /* WAV: a write failed; later writes are refused */
    uint64_t riff_limit;   /* WAV: the riff size past which the file is RF64 */
    int64_t frames;        /* frames taken so far (whole frames in the file) */
    int64_t header_frames; /* WAV: what the header on disk says the file holds */
    float *clipped;        /* CHUNK_FRAMES x channels: the clipped copy for libsndfile */
    uint8_t *pcm;          /* CHUNK_FRAMES x channels x 2 bytes: 16-bit little-endian */
};

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    /* vsnprintf truncates and terminates; a truncated reason is still useful. */
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    /* Keep the reason on one line whatever libsndfile's message holds. */
    for (char *p = err; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
}

/* libsndfile's last error without its decorations ("System error : ",
 * the final full stop), so that it reads well inside a sentence of ours. */
static const char *sf_reason(char *buf, size_t size)
{
    static const char *const prefixes[] = {"System error : ", "Error : "};
    const char *msg = sf_strerror(NULL);
    if (msg == NULL)
        msg = "unknown error";
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t len = strlen(prefixes[i]);
        if (strncmp(msg, prefixes[i], len) == 0)
            msg += len;
    }
    snprintf(buf, size, "%s", msg);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '.' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

/* Output frames owed for IN_FRAMES file frames at RATE, rounded to nearest.
 * Split into quotient and remainder so that no product can overflow. */
static int64_t frames_at_48k(int64_t in_frames, int rate)
{
    int64_t q = in_frames / rate;
    int64_t r = in_frames % rate;
    return q * SOUNDFILE_RATE + (r * SOUNDFILE_RATE + rate / 2) / rate;
}

/* Channel mapping, from N file frames in R->file_buf to OUT (out_channels
 * wide): mono goes to every output channel, mono output averages all file
 * channels (averaging rather than summing cannot clip), and otherwise the
 * first out_channels file channels are kept. */
static void map_channels(const soundfile_reader *r, float *out, long n)
{
    const int fc = r->info.channels;
    const int oc = r->out_channels;
    const float *in = r->file_buf;

    if (fc == oc) {
        memcpy(out, in, (size_t)n * (size_t)fc * sizeof *out);
    } else if (fc == 1) {
        for (long i = 0; i < n; i++) {
            for (int c = 0; c < oc; c++)
                out[i * oc + c] = in[i];
        }
    } else if (oc == 1) {
        const float scale = 1.0f / (float)fc;
        for (long i = 0; i < n; i++) {
            float sum = 0.0f;
            for (int c = 0; c < fc; c++)
                sum += in[i * fc + c];
            out[i] = sum * scale;
        }
    } else {
        for (long i = 0; i < n; i++) {
            for (int c = 0; c < oc; c++)
                out[i * oc + c] = in[i * fc + c];
        }
    }
}

/* Reads up to N (<= CHUNK_FRAMES) file frames into file_buf. Sets eof on a
 * short read and failed when libsndfile reports an error. */
static long read_file_chunk(soundfile_reader *r, long n)
{
    sf_count_t got = sf_readf_float(r->sf, r->file_buf, n);
    if (got < 0 || sf_error(r->sf) != SF_ERR_NO_ERROR) {
        r->failed = 1;
        return -1;
    }
    /* libsndfile loops internally, so a short read means the end. */
    if (got < n)
        r->eof = 1;
    return (long)got;
}

/* 48 kHz files: no resampler, just read and map. */
static long read_direct(soundfile_reader *r, float *out, long frames)
{
    long done = 0;
    while (done < frames && !r->eof) {
        long want = frames - done;
        if (want > CHUNK_FRAMES)
            want = CHUNK_FRAMES;
        long got = read_file_chunk(r, want);
        if (got < 0)
            return -1;
        map_channels(r, out + (size_t)done * (size_t)r->out_channels, got);
        done += got;
    }
    return done;
}

/* Other rates. The resampler was told to skip its leading zeros, so output
 * frame k sits at file time k / 48000 s; the price is that its output lags
 * the input by half the filter length. At the end of the file we therefore
 * keep feeding silence until exactly out_target frames have come out: the
 * tail is not lost and the length matches the file's duration. */
static long read_resampled(soundfile_reader *r, float *out, long frames)
{
    const int oc = r->out_channels;
    long done = 0;

    while (done < frames) {
        if (r->eof && r->out_total >= r->out_target)
            break;

        if (r->pend_pos >= r->pend_len) {
            r->pend_pos = r->pend_len = 0;
            if (!r->eof) {
                long got = read_file_chunk(r, CHUNK_FRAMES);
                if (got < 0)
                    return -1;
                map_channels(r, r->pend, got);
                r->pend_len = got;
                r->in_total += got;
                if (r->eof)
                    r->out_target = frames_at_48k(r->in_total, r->info.samplerate);
            }
            if (r->eof && r->pend_len == 0) {
                /* The flush: silence after the last frame, as much as asked. */
                memset(r->pend, 0, (size_t)CHUNK_FRAMES * (size_t)oc * sizeof *r->pend);
                r->pend_len = CHUNK_FRAMES;
            }
            continue; /* re-check the end condition with the new state */
        }

        long want = frames - done;
        if (r->eof && want > r->out_target - r->out_total)
            want = (long)(r->out_target - r->out_total);
        if (want > CHUNK_FRAMES * 64)
            want = CHUNK_FRAMES * 64; /* keeps it well inside spx_uint32_t */

        spx_uint32_t in_len = (spx_uint32_t)(r->pend_len - r->pend_pos);
        spx_uint32_t out_len = (spx_uint32_t)want;
        int rc = speex_resampler_process_interleaved_float(
            r->rs, r->pend + (size_t)r->pend_pos * (size_t)oc, &in_len,
            out + (size_t)done * (size_t)oc, &out_len);
        if (rc != RESAMPLER_ERR_SUCCESS || (in_len == 0 && out_len == 0)) {
            /* No progress would loop forever; treat it as a read error. */
            r->failed = 1;
            return -1;
        }
        r->pend_pos += (long)in_len;
        done += (long)out_len;
        r->out_total += out_len;
    }
    return done;
}

/* A resampler from RATE to 48 kHz, positioned so that output frame k sits
 * at file time k / 48000 s. Without skip_zeros the output would start with
 * half a filter length of silence and everything would come out late. */
static SpeexResamplerState *new_resampler(int channels, int rate, int *rerr)
{
    SpeexResamplerState *rs = speex_resampler_init((spx_uint32_t)channels, (spx_uint32_t)rate,
                                                   SOUNDFILE_RATE, RESAMPLER_QUALITY, rerr);
    if (rs != NULL)
        speex_resampler_skip_zeros(rs);
    return rs;
}

soundfile_reader *soundfile_reader_open(const char *path, int channels, char *err, size_t err_size)
{
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    if (path == NULL) {
        set_err(err, err_size, "no file name given");
        return NULL;
    }
    if (channels < 1 || channels > 2) {
        set_err(err, err_size, "unsupported channel count %d (1 or 2)", channels);
        return NULL;
    }

    /* Checked first for the clearer reason: libsndfile reports a missing
     * file as "System error : ...", and a directory or an empty file as an
     * unknown format. */
    struct stat st;
    if (stat(path, &st) != 0) {
        set_err(err, err_size, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        set_err(err, err_size, "cannot open '%s': %s", path, strerror(EISDIR));
        return NULL;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        set_err(err, err_size, "cannot open '%s': file is empty", path);
        return NULL;
    }

    soundfile_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        set_err(err, err_size, "out of memory");
        return NULL;
    }
    r->out_channels = channels;
    r->sf = sf_open(path, SFM_READ, &r->info);
    if (r->sf == NULL) {
        char why[128];
        set_err(err, err_size, "cannot open '%s': %s", path, sf_reason(why, sizeof why));
        free(r);
        return NULL;
    }

    if (r->info.channels < 1 || r->info.channels > MAX_FILE_CHANNELS) {
        set_err(err, err_size, "'%s': unsupported channel count %d", path, r->info.channels);
        goto fail;
    }
    if (r->info.samplerate <= 0 || r->info.samplerate > MAX_FILE_RATE) {
        set_err(err, err_size, "'%s': unsupported sample rate %d Hz", path, r->info.samplerate);
        goto fail;
    }
    /* frames is SF_COUNT_MAX when libsndfile cannot tell; only a known 0
     * (e.g. a header with an empty data chunk) means there is nothing. */
    if (r->info.frames <= 0) {
        set_err(err, err_size, "'%s': file has no audio", path);
        goto fail;
    }

    r->file_buf = malloc((size_t)CHUNK_FRAMES * (size_t)r->info.channels * sizeof *r->file_buf);
    if (r->file_buf == NULL) {
        set_err(err, err_size, "out of memory");
        goto fail;
    }

    if (r->info.samplerate != SOUNDFILE_RATE) {
        int rerr = RESAMPLER_ERR_SUCCESS;
        r->rs = new_resampler(channels, r->info.samplerate, &rerr);
        if (r->rs == NULL) {
            set_err(err, err_size, "'%s': cannot resample %d Hz: %s", path, r->info.samplerate,
                    speex_resampler_strerror(rerr));
            goto fail;
        }
        r->pend = malloc((size_t)CHUNK_FRAMES * (size_t)channels * sizeof *r->pend);
        if (r->pend == NULL) {
            set_err(err, err_size, "out of memory");
            goto fail;
        }
    }
    return r;

fail:
    soundfile_reader_close(r);
    return NULL;
}

long soundfile_reader_read(soundfile_reader *reader, float *out, long frames)
{
    if (reader == NULL || frames < 0 || (out == NULL && frames > 0))
        return -1;
    if (reader->failed)
        return -1;
    if (frames == 0)
        return 0;
    return reader->rs != NULL ? read_resampled(reader, out, frames)
                              : read_direct(reader, out, frames);
}

int soundfile_reader_rewind(soundfile_reader *reader)
{
    if (reader == NULL)
        return -1;
    if (sf_seek(reader->sf, 0, SEEK_SET) != 0) {
        reader->failed = 1;
        return -1;
    }
    if (reader->rs != NULL) {
        /* A fresh resampler rather than speex_resampler_reset_mem(): in
         * speexdsp 1.2.x that clears only the first channel's history (it
         * ignores the per-channel stride), so a stereo rewind mid-file would
         * start with a click of stale samples in the right channel. */
        SpeexResamplerState *fresh =
            new_resampler(reader->out_channels, reader->info.samplerate, NULL);
        if (fresh == NULL) {
            reader->failed = 1;
            return -1;
        }
        speex_resampler_destroy(reader->rs);
        reader->rs = fresh;
    }
    reader->pend_len = reader->pend_pos = 0;
    reader->in_total = reader->out_total = reader->out_target = 0;
    reader->eof = 0;
    reader->failed = 0;
    return 0;
}

int soundfile_reader_file_rate(const soundfile_reader *reader)
{
    return reader != NULL ? reader->info.samplerate : 0;
}

int soundfile_reader_file_channels(const soundfile_reader *reader)
{
    return reader != NULL ? reader->info.channels : 0;
}

int64_t soundfile_reader_file_frames(const soundfile_reader *reader)
{
    if (reader == NULL || reader->info.frames <= 0 || reader->info.frames == SF_COUNT_MAX)
        return 0;
    return (int64_t)reader->info.frames;
}

void soundfile_reader_close(soundfile_reader *reader)
{
    if (reader == NULL)
        return;
    if (reader->rs != NULL)
        speex_resampler_destroy(reader->rs);
    if (reader->sf != NULL)
        sf_close(reader->sf);
    free(reader->pend);
    free(reader->file_buf);
    free(reader);
}

/* ASCII-only, so that the locale cannot change which names are accepted. */
static int ext_equals(const char *ext, const char *want)
{
    for (; *ext != '\0' && *want != '\0'; ext++, want++) {
        char c = *ext;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *want)
            return 0;
    }
    return *ext == '\0' && *want == '\0';
}

enum out_format { OUT_NONE, OUT_WAV, OUT_FLAC };

/* The container from the file name's extension. */
static enum out_format format_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return OUT_NONE; /* no extension, or a hidden file like ".wav" */
    if (ext_equals(dot + 1, "wav"))
        return OUT_WAV;
    if (ext_equals(dot + 1, "flac"))
        return OUT_FLAC;
    return OUT_NONE;
}

/* write() until all N bytes are in, or an error (errno set). A short write
 * happens on a full disk; EINTR when a signal handler ran. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (put == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

/* Rewrites the header for the frames written so far: one pwrite(), so the
 * file on disk holds the old header or the new one, never a mix. */
static int update_wav_header(soundfile_writer *w)
{
    uint8_t h[WAV_HEADER_BYTES];
    const uint64_t data_bytes = (uint64_t)w->frames * (uint64_t)w->channels * WAV_BYTES_PER_SAMPLE;
    if (wav_header_build(h, w->channels, SOUNDFILE_RATE, data_bytes, w->riff_limit) != AL_OK)
        return -1;
    ssize_t put;
    do {
        put = pwrite(w->fd, h, sizeof h, 0);
    } while (put < 0 && errno == EINTR);
    if (put != (ssize_t)sizeof h)
        return -1;
    w->header_frames = w->frames;
    return 0;
}

static void free_writer(soundfile_writer *w)
{
    free(w->clipped);
    free(w->pcm);
    free(w);
}

static soundfile_writer *open_wav(soundfile_writer *w, const char *path, char *err, size_t err_size)
{
    w->pcm = malloc((size_t)CHUNK_FRAMES * (size_t)w->channels * WAV_BYTES_PER_SAMPLE);
    if (w->pcm == NULL) {
        set_err(err, err_size, "out of memory");
        free_writer(w);
        return NULL;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (w->fd < 0) {
        set_err(err, err_size, "cannot create '%s': %s", path, strerror(errno));
        free_writer(w);
        return NULL;
    }
    /* The empty file's header first, so the samples start at its end. */
    uint8_t h[WAV_HEADER_BYTES];
    if (wav_header_build(h, w->channels, SOUNDFILE_RATE, 0, w->riff_limit) != AL_OK ||
        write_all(w->fd, h, sizeof h) != 0) {
        set_err(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        close(w->fd);
        unlink(path);
        free_writer(w);
        return NULL;
    }
    return w;
}

static soundfile_writer *open_flac(soundfile_writer *w, const char *path, char *err,
                                   size_t err_size)
{
    SF_INFO info = {.samplerate = SOUNDFILE_RATE,
                    .channels = w->channels,
                    .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    /* Checked before creating anything, so a refused combination (FLAC
     * holds at most 8 channels) leaves no empty file behind. */
    if (!sf_format_check(&info)) {
        set_err(err, err_size, "cannot write '%s': %d channels not supported by this format", path,
                w->channels);
        free_writer(w);
        return NULL;
    }
    w->clipped = malloc((size_t)CHUNK_FRAMES * (size_t)w->channels * sizeof *w->clipped);
    if (w->clipped == NULL) {
        set_err(err, err_size, "out of memory");
        free_writer(w);
        return NULL;
    }
    w->sf = sf_open(path, SFM_WRITE, &info);
    if (w->sf == NULL) {
        char why[128];
        set_err(err, err_size, "cannot create '%s': %s", path, sf_reason(why, sizeof why));
        free_writer(w);
        return NULL;
    }
    /* We clip ourselves, but this also makes libsndfile saturate rather
     * than wrap if a value at exactly +1.0 rounds past 32767. */
    sf_command(w->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    return w;
}

soundfile_writer *soundfile_writer_open(const char *path, int channels, char *err, size_t err_size)
{
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    if (path == NULL) {
        set_err(err, err_size, "no file name given");
        return NULL;
    }
    enum out_format format = format_for(path);
    if (format == OUT_NONE) {
        set_err(err, err_size, "cannot write '%s': unknown extension (use .wav or .flac)", path);
        return NULL;
    }
    if (channels < 1 || channels > MAX_FILE_CHANNELS) {
        set_err(err, err_size, "unsupported channel count %d", channels);
        return NULL;
    }

    soundfile_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        set_err(err, err_size, "out of memory");
        return NULL;
    }
    w->channels = channels;
    w->fd = -1;
    w->riff_limit = WAV_RIFF_LIMIT;
    return format == OUT_WAV ? open_wav(w, path, err, err_size) : open_flac(w, path, err, err_size);
}

int soundfile_writer_set_riff_limit(soundfile_writer *writer, uint64_t bytes)
{
    if (writer == NULL || writer->fd < 0)
        return -1;
    writer->riff_limit = bytes == 0 || bytes > WAV_RIFF_LIMIT ? WAV_RIFF_LIMIT : bytes;
    return 0;
}

/* The input clipped to [-1, 1], NaN made silence (it would become an
 * arbitrary integer in the conversion). */
static float clip_sample(float v)
{
    if (isnan(v))
        return 0.0f;
    return v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
}

/* N frames as 16-bit PCM, scaled and rounded as libsndfile does (x 32767,
 * to nearest), so that a WAV and a FLAC of the same input hold the same
 * samples. */
static int write_wav_chunk(soundfile_writer *w, const float *in, long n)
{
    const size_t count = (size_t)n * (size_t)w->channels;
    for (size_t i = 0; i < count; i++) {
        int16_t s = (int16_t)lrintf(clip_sample(in[i]) * 32767.0f);
        w->pcm[2 * i] = (uint8_t)((uint16_t)s & 0xFF);
        w->pcm[2 * i + 1] = (uint8_t)((uint16_t)s >> 8);
    }
    if (write_all(w->fd, w->pcm, count * WAV_BYTES_PER_SAMPLE) != 0) {
        /* Part of the chunk may be in the file; the header counts only what
         * came before it, and nothing more is appended after a torn frame. */
        w->failed = 1;
        return -1;
    }
    w->frames += n;
    return 0;
}

static int write_flac_chunk(soundfile_writer *w, const float *in, long n)
{
    const size_t count = (size_t)n * (size_t)w->channels;
    for (size_t i = 0; i < count; i++)
        w->clipped[i] = clip_sample(in[i]);
    sf_count_t put = sf_writef_float(w->sf, w->clipped, n);
    if (put > 0)
        w->frames += put;
    return put == n ? 0 : -1;
}

int soundfile_writer_write(soundfile_writer *writer, const float *in, long frames)
{
    if (writer == NULL || frames < 0 || (in == NULL && frames > 0) || writer->failed)
        return -1;
    const bool wav = writer->fd >= 0;
    while (frames > 0) {
        long n = frames > CHUNK_FRAMES ? CHUNK_FRAMES : frames;
        int rc = wav ? write_wav_chunk(writer, in, n) : write_flac_chunk(writer, in, n);
        if (rc != 0)
            return -1;
        in += (size_t)n * (size_t)writer->channels;
        frames -= n;
    }
    if (wav && writer->frames - writer->header_frames >= HEADER_UPDATE_FRAMES &&
        update_wav_header(writer) != 0) {
        writer->failed = 1;
        return -1;
    }
    return 0;
}

int64_t soundfile_writer_frames(const soundfile_writer *writer)
{
    return writer != NULL ? writer->frames : 0;
}

int soundfile_writer_close(soundfile_writer *writer)
{
    if (writer == NULL)
        return 0;
    int rc;
    if (writer->fd >= 0) {
        /* The final sizes: even after a failed write, the whole frames
         * before it make a valid file. */
        rc = update_wav_header(writer);
        if (close(writer->fd) != 0)
            rc = -1;
    } else {
        /* sf_close writes the FLAC stream info. */
        rc = sf_close(writer->sf) == 0 ? 0 : -1;
    }
    free_writer(writer);
    return rc;
}
