/* The signals the simulated-time harness (sim.h) sends: speech clips read
 * from sound files, several of them one after another, or synthesised
 * test tones. Mono float at 48 kHz (AL_RATE), full scale +-1.
 *
 * A clip owns its samples (sim_clip_free); the names of the files it was
 * read from are the caller's strings, kept by pointer. */
#ifndef AL_SIM_CLIP_H
#define AL_SIM_CLIP_H

#include <stddef.h>

#define SIM_CLIP_MAX_PARTS 8

typedef struct sim_clip {
    float *samples; /**< mono, 48 kHz, owned */
    long len;       /**< samples held */
    long cap;       /**< most samples it may hold (sim_clip_init) */
    int parts;      /**< files appended so far */
    /** where each appended file lies in SAMPLES (its name is the caller's) */
    struct {
        const char *name;
        long start, len;
    } part[SIM_CLIP_MAX_PARTS];
} sim_clip;

/** An empty clip of room for CAP samples. 0, or -1 when out of memory. */
int sim_clip_init(sim_clip *c, long cap);

void sim_clip_free(sim_clip *c);

/** Appends the sound file DIR/NAME (DIR NULL: NAME is the path), read as
 *  mono at 48 kHz, up to the clip's capacity (the rest is left out). NAME
 *  is recorded as the part's name. 0, or -1 with a reason in ERR. */
int sim_clip_append_file(sim_clip *c, const char *dir, const char *name, char *err,
                         size_t err_size);

/** Appends SAMPLES of a sine of FREQ_HZ at AMPLITUDE (0..1), starting at
 *  phase 0, up to the capacity. */
void sim_clip_append_sine(sim_clip *c, double freq_hz, double amplitude, long samples);

/** Shortens the clip to a whole number of frames of FRAME_SAMPLES (the last
 *  part shortened with it). */
void sim_clip_trim_to_frames(sim_clip *c, int frame_samples);

/** Frames of FRAME_SAMPLES needed to hold the clip, the last one partial
 *  (see sim_clip_pad_to_frames). */
long sim_clip_frames(const sim_clip *c, int frame_samples);

/** Makes room for and zero-fills the last partial frame, so that
 *  sim_clip_frames(c, FRAME_SAMPLES) whole frames can be read; LEN is
 *  unchanged. 0, or -1 when out of memory. */
int sim_clip_pad_to_frames(sim_clip *c, int frame_samples);

#endif
