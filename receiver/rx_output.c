/* The receiver's output and statistics totals (see rx_output.h). */
#include "receiver/rx_output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/defaults.h"
#include "common/status.h"
#include "net/clock.h"
#include "receiver/device_out.h"
#include "receiver/file_sink.h"

struct rx_output {
    char *name;
    bool to_device;
    int verbose;
    file_sink *sink;
    device_out *dev; /* instead of sink when playing to a device */
    int channels;
    float pcm[AL_MAX_FRAME_SAMPLES * 2];
};

static int open_sink(rx_output *o, int channels, char *err, size_t err_size)
{
    if (o->to_device) {
        if (o->dev)
            return AL_OK; /* it keeps the first stream's channel count */
        /* Opened at start-up and kept running (idle, it plays silence):
         * opening a device takes up to a few hundred ms, which must not
         * hold up the first packets of a session. */
        o->dev = device_out_open(o->name, channels, err, err_size);
        if (!o->dev)
            return AL_ERR_UNSUPPORTED;
        o->channels = channels;
        if (o->verbose >= 0)
            fprintf(stderr, "receiver: playing to %s\n", device_out_name(o->dev));
        return AL_OK;
    }
    if (o->sink && o->channels == channels)
        return AL_OK;
    if (o->sink) {
        if (file_sink_written(o->sink) > 0 || file_sink_held_frames(o->sink) > 0)
            return AL_OK;
        file_sink_close(o->sink);
        o->sink = NULL;
    }
    o->channels = channels;
    o->sink = file_sink_open(o->name, channels, err, err_size);
    return o->sink ? AL_OK : AL_ERR_UNSUPPORTED;
}

rx_output *rx_output_open(const char *name, bool to_device, int channels, int verbose, char *err,
                          size_t err_size)
{
    rx_output *o = calloc(1, sizeof *o);
    if (o)
        o->name = strdup(name);
    if (!o || !o->name) {
        snprintf(err, err_size, "out of memory");
        free(o);
        return NULL;
    }
    o->to_device = to_device;
    o->verbose = verbose;
    if (open_sink(o, channels, err, err_size) != AL_OK) {
        free(o->name);
        free(o);
        return NULL;
    }
    return o;
}

int rx_output_close(rx_output *o, char *err, size_t err_size)
{
    if (!o)
        return AL_OK;
    int rc = AL_OK;
    if (o->dev)
        device_out_close(o->dev);
    if (file_sink_close(o->sink) != 0) {
        snprintf(err, err_size, "cannot finalise %s", o->name);
        rc = AL_ERR_ARG;
    }
    free(o->name);
    free(o);
    return rc;
}

int rx_output_set_channels(rx_output *o, int channels, char *err, size_t err_size)
{
    return open_sink(o, channels, err, err_size);
}

int rx_output_channels(const rx_output *o)
{
    return o->channels;
}

bool rx_output_started(const rx_output *o)
{
    return o->sink && file_sink_written(o->sink) > 0;
}

bool rx_output_is_device(const rx_output *o)
{
    return o->to_device;
}

int64_t rx_output_written(const rx_output *o)
{
    return o->sink ? file_sink_written(o->sink) : 0;
}

int rx_output_play(rx_output *o, rx_stream *rx, int64_t now, bool force, char *err, size_t err_size)
{
    rx_frame_info info;
    int samples;
    if (o->dev) {
        /* Frames go to the ring at their due time; the ring's delay,
         * measured on the card's clock, trims the output rate to it
         * (device_out.h). */
        device_out_pause(o->dev, rx_stream_take_pause_ns(rx));
        while ((samples = rx_stream_pull(rx, now, force, o->pcm, &info)) > 0) {
            device_out_write(o->dev, o->pcm, samples, now);
            rx_stream_set_output_trim(rx, device_out_trim(o->dev));
            device_out_pause(o->dev, rx_stream_take_pause_ns(rx));
        }
        return AL_OK;
    }
    while ((samples = rx_stream_pull(rx, now, force, o->pcm, &info)) > 0) {
        /* The stream's channel count is known once it has a frame. */
        int rc = open_sink(o, rx_stream_channels(rx), err, err_size);
        if (rc != AL_OK)
            return rc;
        errno = 0;
        if (file_sink_write(o->sink, o->pcm, samples, info.speculative) != 0) {
            /* libsndfile leaves the write's errno (EFBIG, ENOSPC, EIO) */
            snprintf(err, err_size, "cannot write %s: %s", o->name,
                     errno ? strerror(errno) : "write failed");
            return AL_ERR_TOO_LARGE;
        }
    }
    return AL_OK;
}

void rx_output_finish_stream(rx_output *o, rx_stream *rx, int64_t now)
{
    char err[256];
    rx_output_play(o, rx, now, true, err, sizeof err);
    if (o->dev) {
        int samples = rx_stream_flush(rx, o->pcm);
        if (samples > 0)
            device_out_write(o->dev, o->pcm, samples, now);
        return;
    }
    if (!o->sink)
        return;
    /* The playout resampler still holds the last fraction of a millisecond
     * of what was played; unless that was concealment past the end (held,
     * and dropped now), it belongs in the file. */
    int samples = rx_stream_flush(rx, o->pcm);
    if (samples > 0 && file_sink_held_frames(o->sink) == 0)
        file_sink_write(o->sink, o->pcm, samples, false);
    rx_stream_discard_trailing(rx, file_sink_held_frames(o->sink));
    file_sink_drop_held(o->sink);
}

const device_report *rx_output_device_report(const rx_output *o, device_report *out)
{
    if (!o || !o->dev)
        return NULL;
    device_stats ds;
    device_out_stats(o->dev, &ds);
    out->underruns = ds.xrun_events;
    out->ring_delay_ms = (double)device_out_ring_delay_ns(o->dev) / NS_PER_MSEC;
    out->ring_target_ms = (double)device_out_target_ns(o->dev) / NS_PER_MSEC;
    return out;
}

void rx_output_print_device_summary(const rx_output *o, FILE *out, const char *program)
{
    if (!o || !o->dev)
        return;
    device_stats ds = {0};
    device_report dr = {0};
    device_out_stats(o->dev, &ds);
    rx_output_device_report(o, &dr);
    fprintf(out,
            "%s: device: %llu underruns (%llu frames of silence), %llu blocks, buffer "
            "%.1f ms (target %.1f)\n",
            program, (unsigned long long)ds.xrun_events, (unsigned long long)ds.xrun_frames,
            (unsigned long long)ds.callbacks, dr.ring_delay_ms, dr.ring_target_ms);
}

/* ---- totals ---- */

/* Adds FROM's counters to INTO (the gauges, jitter, delay and depth, are
 * INTO's). */
static void add_counters(rx_stats *into, const rx_stats *from)
{
    into->packets_received += from->packets_received;
    into->packets_lost += from->packets_lost;
    into->packets_late += from->packets_late;
    into->packets_duplicate += from->packets_duplicate;
    into->packets_invalid += from->packets_invalid;
    into->packets_foreign += from->packets_foreign;
    into->bytes_received += from->bytes_received;
    into->frames_total += from->frames_total;
    into->frames_primary += from->frames_primary;
    into->frames_red += from->frames_red;
    into->frames_fec += from->frames_fec;
    into->frames_plc += from->frames_plc;
    into->copies_received += from->copies_received;
    into->copies_used += from->copies_used;
    into->restarts += from->restarts;
    into->frames_quickened += from->frames_quickened;
    into->delay_jumps += from->delay_jumps;
}

void rx_totals_session_start(rx_totals *t)
{
    t->foreign_at_start = t->foreign;
    t->truncated_at_start = t->truncated;
}

rx_stats rx_totals_session_end(rx_totals *t, const rx_stats *s)
{
    rx_stats d = *s; /* gauges from the latest session */
    if (t->have_done)
        add_counters(&d, &t->done);
    t->done = d;
    t->have_done = true;
    rx_stats mine = *s;
    mine.packets_foreign += t->foreign - t->foreign_at_start;
    mine.packets_invalid += t->truncated - t->truncated_at_start;
    return mine;
}

rx_stats rx_totals_now(const rx_totals *t, const rx_stream *rx)
{
    rx_stats s = {0};
    if (rx) {
        s = rx_stream_stats(rx);
        if (t->have_done)
            add_counters(&s, &t->done);
    } else if (t->have_done) {
        s = t->done;
    }
    s.packets_foreign += t->foreign;
    s.packets_invalid += t->truncated;
    return s;
}
