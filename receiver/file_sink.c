#include "receiver/file_sink.h"

#include <stdlib.h>
#include <string.h>

#include "audio/soundfile.h"

/* Held audio beyond this is written anyway: a stream silent this long that
 * then resumes is rare, and the memory stays bounded (60 s stereo = 23 MB). */
#define MAX_HELD_SAMPLES (60 * 48000)

struct file_sink {
    soundfile_writer *writer;
    int channels;
    float *held;
    int64_t held_samples;
    int64_t held_capacity;
    uint64_t held_frames;
};

file_sink *file_sink_open(const char *path, int channels, char *err, size_t err_size)
{
    file_sink *sink = calloc(1, sizeof *sink);
    if (!sink)
        return NULL;
    sink->writer = soundfile_writer_open(path, channels, err, err_size);
    if (!sink->writer) {
        free(sink);
        return NULL;
    }
    sink->channels = channels;
    return sink;
}

static int flush_held(file_sink *sink)
{
    int rc = 0;
    if (sink->held_samples > 0)
        rc = soundfile_writer_write(sink->writer, sink->held, (long)sink->held_samples);
    sink->held_samples = 0;
    sink->held_frames = 0;
    return rc;
}

int file_sink_write(file_sink *sink, const float *pcm, int samples, bool hold)
{
    if (!hold) {
        if (flush_held(sink) != 0)
            return -1;
        return soundfile_writer_write(sink->writer, pcm, samples);
    }
    if (sink->held_samples + samples > MAX_HELD_SAMPLES && flush_held(sink) != 0)
        return -1;
    if (sink->held_samples + samples > sink->held_capacity) {
        int64_t capacity = sink->held_capacity ? sink->held_capacity * 2 : 48000;
        while (capacity < sink->held_samples + samples)
            capacity *= 2;
        float *grown =
            realloc(sink->held, sizeof(float) * (size_t)capacity * (size_t)sink->channels);
        if (!grown)
            return -1;
        sink->held = grown;
        sink->held_capacity = capacity;
    }
    memcpy(sink->held + sink->held_samples * sink->channels, pcm,
           sizeof(float) * (size_t)samples * (size_t)sink->channels);
    sink->held_samples += samples;
    sink->held_frames++;
    return 0;
}

uint64_t file_sink_held_frames(const file_sink *sink)
{
    return sink->held_frames;
}

void file_sink_drop_held(file_sink *sink)
{
    sink->held_samples = 0;
    sink->held_frames = 0;
}

int64_t file_sink_written(const file_sink *sink)
{
    return soundfile_writer_frames(sink->writer);
}

int file_sink_close(file_sink *sink)
{
    if (!sink)
        return 0;
    int rc = soundfile_writer_close(sink->writer);
    free(sink->held);
    free(sink);
    return rc;
}
