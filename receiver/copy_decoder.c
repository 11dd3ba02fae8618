#include "receiver/copy_decoder.h"

#include <opus.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/defaults.h"
#include "proto/opus_toc.h"

/* Decoded copies kept: the deepest redundancy (3) plus the frames the
 * playout may still be behind by. */
#define KEPT 8
/* A gap in the copy stream longer than this (a network outage) restarts the
 * decoder instead of concealing through it. */
#define MAX_BRIDGE (AL_RATE / 5)
/* Copies are decoded at most this long (60 ms): RED copies are short frames. */
#define MAX_COPY_SAMPLES 2880

typedef struct kept_copy {
    bool valid;
    int64_t ts;
    int samples;
    float *pcm;
} kept_copy;

struct copy_decoder {
    OpusDecoder *dec;
    int channels;
    bool started;
    int64_t next_ts; /* the frame after the newest decoded */
    int last_samples;
    int oldest; /* ring position to overwrite next */
    kept_copy kept[KEPT];
    float *scratch;
};

copy_decoder *copy_decoder_create(int channels)
{
    copy_decoder *cd = calloc(1, sizeof *cd);
    if (!cd)
        return NULL;
    int status;
    cd->dec = opus_decoder_create(AL_RATE, channels, &status);
    cd->channels = channels;
    cd->scratch = calloc((size_t)MAX_COPY_SAMPLES * (size_t)channels, sizeof(float));
    bool ok = cd->dec && cd->scratch;
    for (int i = 0; i < KEPT && ok; i++) {
        cd->kept[i].pcm = calloc((size_t)MAX_COPY_SAMPLES * (size_t)channels, sizeof(float));
        ok = cd->kept[i].pcm != NULL;
    }
    if (!ok) {
        copy_decoder_destroy(cd);
        return NULL;
    }
    return cd;
}

void copy_decoder_destroy(copy_decoder *cd)
{
    if (!cd)
        return;
    if (cd->dec)
        opus_decoder_destroy(cd->dec);
    for (int i = 0; i < KEPT; i++)
        free(cd->kept[i].pcm);
    free(cd->scratch);
    free(cd);
}

void copy_decoder_reset(copy_decoder *cd)
{
    opus_decoder_ctl(cd->dec, OPUS_RESET_STATE);
    cd->started = false;
    for (int i = 0; i < KEPT; i++)
        cd->kept[i].valid = false;
}

void copy_decoder_feed(copy_decoder *cd, int64_t ts, const uint8_t *data, size_t len)
{
    int duration = opus_toc_samples(data, len);
    if (duration <= 0 || duration > MAX_COPY_SAMPLES)
        return;
    if (cd->started && ts < cd->next_ts)
        return; /* already decoded, or too old to decode in order */
    if (cd->started && ts - cd->next_ts > MAX_BRIDGE)
        copy_decoder_reset(cd);
    if (cd->started) {
        /* Every copy of these frames was lost: conceal them in this decoder
         * so that its state reaches TS in step with the encoder's. */
        while (cd->next_ts < ts) {
            int step = cd->last_samples;
            if (step > ts - cd->next_ts)
                step = (int)(ts - cd->next_ts);
            if (opus_decode_float(cd->dec, NULL, 0, cd->scratch, step, 0) <= 0) {
                copy_decoder_reset(cd);
                break;
            }
            cd->next_ts += step;
        }
    }
    kept_copy *k = &cd->kept[cd->oldest];
    int n = opus_decode_float(cd->dec, data, (opus_int32)len, k->pcm, MAX_COPY_SAMPLES, 0);
    if (n <= 0)
        return;
    k->valid = true;
    k->ts = ts;
    k->samples = n;
    cd->oldest = (cd->oldest + 1) % KEPT;
    cd->started = true;
    cd->next_ts = ts + n;
    cd->last_samples = n;
}

const float *copy_decoder_lookup(const copy_decoder *cd, int64_t ts, int *samples)
{
    for (int i = 0; i < KEPT; i++) {
        const kept_copy *k = &cd->kept[i];
        if (k->valid && k->ts == ts) {
            *samples = k->samples;
            return k->pcm;
        }
    }
    return NULL;
}
