/* Clips for the simulated-time harness; see clip.h. */
#include "sim/clip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/soundfile.h"
#include "common/defaults.h"

int sim_clip_init(sim_clip *c, long cap)
{
    memset(c, 0, sizeof *c);
    /* zeroed: a partial last frame reads silence beyond LEN */
    c->samples = calloc((size_t)(cap > 0 ? cap : 1), sizeof(float));
    if (!c->samples)
        return -1;
    c->cap = cap;
    return 0;
}

void sim_clip_free(sim_clip *c)
{
    free(c->samples);
    memset(c, 0, sizeof *c);
}

static void begin_part(sim_clip *c, const char *name)
{
    if (c->parts < SIM_CLIP_MAX_PARTS) {
        c->part[c->parts].name = name;
        c->part[c->parts].start = c->len;
        c->part[c->parts].len = 0;
    }
}

static void end_part(sim_clip *c)
{
    if (c->parts < SIM_CLIP_MAX_PARTS) {
        c->part[c->parts].len = c->len - c->part[c->parts].start;
        c->parts++;
    }
}

int sim_clip_append_file(sim_clip *c, const char *dir, const char *name, char *err, size_t err_size)
{
    char path[1024];
    if (dir)
        snprintf(path, sizeof path, "%s/%s", dir, name);
    else
        snprintf(path, sizeof path, "%s", name);
    soundfile_reader *r = soundfile_reader_open(path, 1, err, err_size);
    if (!r)
        return -1;
    begin_part(c, name);
    long got;
    while (c->len < c->cap &&
           (got = soundfile_reader_read(r, c->samples + c->len, c->cap - c->len)) > 0)
        c->len += got;
    soundfile_reader_close(r);
    end_part(c);
    return 0;
}

void sim_clip_append_sine(sim_clip *c, double freq_hz, double amplitude, long samples)
{
    begin_part(c, "sine");
    for (long i = 0; i < samples && c->len < c->cap; i++)
        c->samples[c->len++] = (float)(amplitude * sin(2 * M_PI * freq_hz * (double)i / AL_RATE));
    end_part(c);
}

void sim_clip_trim_to_frames(sim_clip *c, int frame_samples)
{
    c->len -= c->len % frame_samples;
    for (int i = 0; i < c->parts; i++) {
        if (c->part[i].start > c->len)
            c->part[i].start = c->len;
        if (c->part[i].start + c->part[i].len > c->len)
            c->part[i].len = c->len - c->part[i].start;
    }
}

long sim_clip_frames(const sim_clip *c, int frame_samples)
{
    return (c->len + frame_samples - 1) / frame_samples;
}

int sim_clip_pad_to_frames(sim_clip *c, int frame_samples)
{
    long need = sim_clip_frames(c, frame_samples) * frame_samples;
    if (need <= c->cap)
        return 0; /* calloc'd: already silence beyond LEN */
    float *p = realloc(c->samples, sizeof(float) * (size_t)need);
    if (!p)
        return -1;
    memset(p + c->cap, 0, sizeof(float) * (size_t)(need - c->cap));
    c->samples = p;
    c->cap = need;
    return 0;
}
