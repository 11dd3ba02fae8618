/* The sender's audio source (see tx_input.h). */
#include "sender/tx_input.h"

#include <stdlib.h>
#include <string.h>

#include "audio/soundfile.h"
#include "common/status.h"
#include "sender/capture.h"

struct tx_input {
    soundfile_reader *file; /* exactly one of file and dev */
    capture *dev;
    int channels;
    int frame_samples;
    bool loop;
    char name[256];
};

tx_input *tx_input_open(const char *name, bool from_device, int channels, int frame_samples,
                        bool loop, char *err, size_t err_size)
{
    tx_input *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    in->channels = channels;
    in->frame_samples = frame_samples;
    in->loop = loop;
    if (from_device) {
        in->dev = capture_open(name, channels, err, err_size);
        if (!in->dev) {
            device_terminate();
            free(in);
            return NULL;
        }
        snprintf(in->name, sizeof in->name, "%s", capture_name(in->dev));
    } else {
        in->file = soundfile_reader_open(name, channels, err, err_size);
        if (!in->file) {
            free(in);
            return NULL;
        }
        snprintf(in->name, sizeof in->name, "%s", name);
    }
    return in;
}

int tx_input_read(tx_input *in, float *pcm)
{
    const int frame = in->frame_samples;
    if (in->dev) {
        int r = capture_read_frame(in->dev, pcm, frame);
        return r == 0 ? TX_INPUT_NOT_YET : r > 0 ? TX_INPUT_FRAME : AL_ERR_MALFORMED;
    }
    long got = soundfile_reader_read(in->file, pcm, frame);
    if (got < 0)
        return AL_ERR_MALFORMED;
    if (got < frame && in->loop && soundfile_reader_rewind(in->file) == 0) {
        long more = soundfile_reader_read(in->file, pcm + got * in->channels, frame - got);
        got += more > 0 ? more : 0;
    }
    if (got == 0)
        return TX_INPUT_END;
    if (got < frame) {
        /* Opus frames have fixed lengths, and the tail of the file still
         * counts: the last partial frame is padded with silence. */
        memset(pcm + got * in->channels, 0,
               sizeof(float) * (size_t)(frame - got) * (size_t)in->channels);
        return TX_INPUT_LAST;
    }
    return TX_INPUT_FRAME;
}

bool tx_input_is_device(const tx_input *in)
{
    return in->dev != NULL;
}

int64_t tx_input_next_ns(const tx_input *in, int64_t now)
{
    return in->dev ? capture_next_ns(in->dev, in->frame_samples, now) : INT64_MAX;
}

const char *tx_input_name(const tx_input *in)
{
    return in->name;
}

void tx_input_close(tx_input *in, FILE *report)
{
    if (!in)
        return;
    soundfile_reader_close(in->file);
    if (in->dev) {
        device_stats ds;
        capture_stats(in->dev, &ds);
        if (ds.xrun_events && report)
            fprintf(report, "sender: capture: %llu overruns (%llu frames lost)\n",
                    (unsigned long long)ds.xrun_events, (unsigned long long)ds.xrun_frames);
        capture_close(in->dev);
        device_terminate();
    }
    free(in);
}
