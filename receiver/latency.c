/* Latency control (see latency.h). */
#include "receiver/latency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/defaults.h"
#include "proto/rtp.h"

/* Tuning, each with its reason. */
/* With a fixed rate (no clock steering) the delay never goes below this:
 * below ~5 ms the sender's and our own scheduling jitter decide, and
 * without steering a delay that is too long cannot shrink again. */
#define MIN_FIXED_DELAY_NS (5 * 1000000LL)
/* Beyond the measured jitter: a packet must arrive this much before its
 * frame is due (our own thread's wake-up; the histogram's resolution adds
 * up to DELAY_CTL_BIN_NS more). Packets that come later than the jitter
 * measured so far make the histogram, and so the delay, grow. */
#define ARRIVAL_MARGIN_NS (500 * 1000LL)
/* The same margin when writing a file (fixed rate): nobody listens live,
 * so latency buys nothing there and a copy that comes late is a frame lost
 * for good; on a loaded machine (the tests run two at a time under
 * sanitizers) 0.5 ms made 1-5 % of the copies late. */
#define FILE_ARRIVAL_MARGIN_NS (2 * 1000000LL)
/* The jitter assumed until a second of arrivals has been seen. */
#define INITIAL_JITTER_NS (10 * 1000000LL)
/* How long the jitter must have been seen before it alone sets the delay:
 * a second of frames. */
#define JITTER_WARMUP_NS 1000000000LL
/* The share of packets the delay is sized to wait for: 1 % may come late. */
#define JITTER_QUANTILE 0.99
/* The delay never grows beyond this, whatever the network does. */
#define MAX_DELAY_NS (500 * 1000000LL)
/* Clock steering: the playout rate follows the delay error with this time
 * constant, within +-LATENCY_MAX_RATE_DEVIATION. */
#define STEER_TIME_NS (2 * 1000000000LL)
/* Steering starts when the delay is STEER_START_LONG_NS too long or
 * STEER_START_SHORT_NS too short, and stops within STEER_STOP_NS of the
 * target: in between the rate stays exactly 1, so a steady link is played
 * without any time warp (which would blur the waveform for no benefit). A
 * slow sender clock makes the delay shrink steadily: steering must catch
 * that before it eats the arrival margin (ARRIVAL_MARGIN_NS), hence the
 * small threshold on that side. */
#define STEER_START_LONG_NS  (1500 * 1000LL)
#define STEER_START_SHORT_NS (250 * 1000LL)
#define STEER_STOP_NS        (150 * 1000LL)
/* A delay this much short of its target is restored at once (a pause)
 * rather than by slowing down: packets are coming late. */
#define JUMP_TOLERANCE_NS (5 * 1000000LL)
/* Shrinking a delay that a spike of lateness left too long (live output).
 * Steering within +-0.5 % takes 80 s to undo 400 ms; instead, frames that
 * are quiet (a pause between words, silence) are played faster, up to
 * RX_MAX_QUIET_RATE, through the same resampler: the waveform stays
 * continuous (no sample is cut or repeated) and what changes pitch and
 * tempo is background noise nobody hears. Frames with speech or music
 * keep to the +-0.5 % of ordinary steering. Speech pauses every few
 * seconds, so the excess goes within seconds; a signal that never pauses
 * falls back to the slow steering.
 * A frame is quiet when its level is QUIET_BELOW_PEAK_DB below the recent
 * peak (speech's syllables lie within ~25 dB of it; room noise in a pause
 * 35-60 dB below). The peak decays by PEAK_DECAY_DB_PER_S so that a
 * louder passage does not mark a quieter one as silence for long, slowly
 * enough that a pause of a few seconds is still judged against the speech
 * around it. It starts at INITIAL_PEAK_DB, so digital silence before the
 * first word is quiet. Only an excess above QUIET_START_NS is taken this
 * way: below it the ordinary steering is fine and a steady link never
 * sees a changed frame. QUIET_ENERGY_FLOOR (-120 dB) keeps the level of
 * digital silence finite. */
#define QUIET_BELOW_PEAK_DB 30.0
#define PEAK_DECAY_DB_PER_S 3.0
#define INITIAL_PEAK_DB     (-40.0)
#define QUIET_START_NS      (2 * 1000000LL)
#define QUIET_ENERGY_FLOOR  1e-12
/* speexdsp quality 2: 0.33 ms of filter delay (quality 4 had 0.67 ms, all
 * of it latency), passband to 21 kHz; the rate never strays more than
 * 0.5 % from 1, so aliasing is no concern. */
#define RESAMPLER_QUALITY 2

void latency_init(latency *l, int latency_ms, bool adaptive_rate, int64_t late_hold_ns)
{
    memset(l, 0, sizeof *l);
    l->latency_ms = latency_ms;
    l->adaptive_rate = adaptive_rate;
    l->late_hold_ns = late_hold_ns;
    latency_restart(l);
}

int latency_open(latency *l, int channels)
{
    if (l->adaptive_rate && l->latency_ms == 0) {
        int err;
        l->resampler =
            speex_resampler_init((spx_uint32_t)channels, AL_RATE, AL_RATE, RESAMPLER_QUALITY, &err);
        l->decoded = calloc((size_t)AL_MAX_FRAME_SAMPLES * (size_t)channels, sizeof(float));
        if (!l->resampler || !l->decoded) {
            latency_close(l);
            return -1;
        }
        speex_resampler_skip_zeros(l->resampler);
    }
    l->channels = channels;
    return 0;
}

void latency_close(latency *l)
{
    if (l->resampler)
        speex_resampler_destroy(l->resampler);
    free(l->decoded);
    l->resampler = NULL;
    l->decoded = NULL;
    l->channels = 0;
}

void latency_restart(latency *l)
{
    l->playing = false;
    l->rate = 1.0;
    l->steering = false;
    l->output_trim = 0;
    l->target_ns = 0;
    l->delay_now_ns = 0;
    l->pause_ns = 0;
    /* Until a packet says, frames are taken to last the sender's default. */
    delay_ctl_init(&l->ctl, (int64_t)AL_DEFAULT_FRAME_SAMPLES * 1000000000LL / AL_RATE);
    if (l->resampler)
        speex_resampler_reset_mem(l->resampler);
    l->recorded_any = false;
    l->peak_db = INITIAL_PEAK_DB;
    l->played_delay_ns = 0;
}

void latency_arrival(latency *l, uint16_t seq, int64_t now_ns, int64_t ts)
{
    if (rtp_seq_diff(seq, l->last_seq_recorded) != 0 || !l->recorded_any) {
        delay_ctl_arrival(&l->ctl, now_ns, ts);
        l->last_seq_recorded = seq;
        l->recorded_any = true;
    }
}

void latency_begin(latency *l, int64_t now_ns, int64_t head, int frame_samples)
{
    l->playing = true;
    l->due_ns = now_ns; /* latency_steer adds the target delay */
    /* The head is taken to have arrived now: if it was only reordered its
     * primary may still come, and it gets the full delay to do so. Later
     * arrivals correct the clock's anchor (its per-second minimum) within
     * the second. */
    delay_ctl_init(&l->ctl, (int64_t)frame_samples * 1000000000LL / AL_RATE);
    delay_ctl_arrival(&l->ctl, now_ns, head);
}

/* How long after its fastest possible arrival a frame should be played:
 * the jitter that JITTER_QUANTILE of packets stay within, a margin, and
 * the wait for protection. With copies at distance d (LBRR counts as
 * d = 1) the receiver waits for the oldest copy, but only once it has seen
 * loss (the caller's PROTECT_FRAMES): a clean link plays each frame as
 * soon as its jitter allows, and the first lost frame is concealed (it is
 * what tells us copies are needed). */
static int64_t target_delay_ns(const latency *l, int frame_samples, int protect_frames)
{
    if (l->latency_ms > 0)
        return (int64_t)l->latency_ms * 1000000LL;
    int64_t frame_ns = (int64_t)frame_samples * 1000000000LL / AL_RATE;
    int64_t protection = protect_frames * frame_ns;
    int64_t delay;
    if (l->adaptive_rate) {
        delay = delay_ctl_quantile(&l->ctl, JITTER_QUANTILE) + ARRIVAL_MARGIN_NS + protection;
        /* Until the jitter has been seen for a second, assume at least
         * INITIAL_JITTER_NS (or a frame): shrinking later is smooth, growing
         * is a pause, and a sender on a sound card sends in bursts of its
         * block (5-21 ms on JACK) from the first packet on. */
        int64_t initial = (frame_ns > INITIAL_JITTER_NS ? frame_ns : INITIAL_JITTER_NS) +
                          ARRIVAL_MARGIN_NS + protection;
        if (l->ctl.samples * frame_ns < JITTER_WARMUP_NS && delay < initial)
            delay = initial;
    } else {
        /* No steering: one frame (at least 5 ms) without protection, and
         * the protection's wait plus the margin with it. */
        int64_t floor = frame_ns > MIN_FIXED_DELAY_NS ? frame_ns : MIN_FIXED_DELAY_NS;
        delay = delay_ctl_quantile(&l->ctl, JITTER_QUANTILE) +
                (protection ? protection + FILE_ARRIVAL_MARGIN_NS : 0);
        if (delay < floor)
            delay = floor;
    }
    return delay < MAX_DELAY_NS ? delay : MAX_DELAY_NS;
}

bool latency_holding(const latency *l)
{
    return l->late_hold_ns > 0 && !l->resampler;
}

/* Keeps the delay on its target. Too short: restored at once (the output
 * pauses: packets would otherwise come too late). Too long, or a little
 * short: the playout rate moves it back smoothly, which also absorbs the
 * difference between the sender's clock and ours. */
void latency_steer(latency *l, int64_t head, int frame_samples, int protect_frames,
                   bool output_began)
{
    if (!l->playing)
        return;
    l->target_ns = target_delay_ns(l, frame_samples, protect_frames);
    int64_t delay = l->due_ns - delay_ctl_earliest(&l->ctl, head);
    if (latency_holding(l)) {
        /* A file has no continuity to keep: the schedule (which only
         * decides when a copy stands in for its primary) is the target,
         * both ways, without counting pauses. */
        l->due_ns += l->target_ns - delay;
        l->delay_now_ns = l->target_ns;
        return;
    }
    int64_t tolerance = l->resampler ? JUMP_TOLERANCE_NS : 0;
    if (delay < l->target_ns - tolerance) {
        l->due_ns += l->target_ns - delay;
        if (output_began) {
            l->delay_jumps++;
            l->pause_ns += l->target_ns - delay;
        }
        delay = l->target_ns;
    }
    l->delay_now_ns = delay;
    if (l->resampler) {
        int64_t error = delay - l->target_ns;
        int64_t size = error < 0 ? -error : error;
        if (error > STEER_START_LONG_NS || error < -STEER_START_SHORT_NS)
            l->steering = true;
        else if (size < STEER_STOP_NS)
            l->steering = false;
        double deviation = l->steering ? (double)error / (double)STEER_TIME_NS : 0.0;
        if (deviation > LATENCY_MAX_RATE_DEVIATION)
            deviation = LATENCY_MAX_RATE_DEVIATION;
        if (deviation < -LATENCY_MAX_RATE_DEVIATION)
            deviation = -LATENCY_MAX_RATE_DEVIATION;
        l->rate = 1.0 + deviation;
    }
}

/* late_hold_ns: when the frame at the head may be produced. A primary
 * that is here is played at once (it came when the last packet did, at
 * the latest); a copy at the frame's due time, so that a primary a little
 * late still wins; a missing frame only when even a packet late by
 * late_hold_ns could no longer bring it. */
static int64_t hold_due(const latency *l, const jitbuf *jb, int64_t last_packet_ns)
{
    const jb_slot *slot = jb_peek(jb, jb->head);
    if (slot && slot->source == JB_SOURCE_PRIMARY)
        return last_packet_ns;
    if (slot)
        return l->due_ns;
    int64_t give_up = delay_ctl_earliest(&l->ctl, jb->head) + l->late_hold_ns;
    return give_up > l->due_ns ? give_up : l->due_ns;
}

int64_t latency_next_due(const latency *l, const jitbuf *jb, int64_t last_packet_ns)
{
    if (!l->playing)
        return INT64_MAX;
    return latency_holding(l) ? hold_due(l, jb, last_packet_ns) : l->due_ns;
}

float *latency_frame_buffer(latency *l, float *pcm)
{
    return l->resampler ? l->decoded : pcm;
}

/* Plays SAMPLES of IN at RATE into OUT. The output can hold
 * AL_MAX_FRAME_SAMPLES: only a 120 ms frame slowed down would exceed it,
 * and then its last fraction of a percent is dropped. */
static int resample(latency *l, double rate, const float *in, int samples, float *out)
{
    /* Denominator 48000 (steps of 21 ppm): speexdsp 1.2 rescales its phase
     * as phase * new_den / old_den in 32 bits, which overflows (and
     * crashes) for denominators much above 2^16. */
    spx_uint32_t num = (spx_uint32_t)llround(rate / (1.0 + l->output_trim) * AL_RATE);
    speex_resampler_set_rate_frac(l->resampler, num, AL_RATE, AL_RATE, AL_RATE);
    spx_uint32_t in_len = (spx_uint32_t)samples, out_len = AL_MAX_FRAME_SAMPLES;
    speex_resampler_process_interleaved_float(l->resampler, in, &in_len, out, &out_len);
    return (int)out_len;
}

/* The rate for a decoded frame of SAMPLES in PCM (before resampling): the
 * steering's, or faster when the frame is quiet and the delay too long
 * (see QUIET_BELOW_PEAK_DB). The speed-up takes at most the excess, so the
 * delay lands on its target rather than below it. */
static double quiet_rate(latency *l, const float *pcm, int samples)
{
    size_t n = (size_t)samples * (size_t)l->channels;
    double energy = 0;
    for (size_t i = 0; i < n; i++)
        energy += (double)pcm[i] * pcm[i];
    double level_db = 10.0 * log10(energy / (double)(n ? n : 1) + QUIET_ENERGY_FLOOR);
    bool quiet = level_db < l->peak_db - QUIET_BELOW_PEAK_DB;
    l->peak_db -= PEAK_DECAY_DB_PER_S * samples / AL_RATE;
    if (level_db > l->peak_db)
        l->peak_db = level_db;
    int64_t excess = l->delay_now_ns - l->target_ns;
    if (!quiet || excess <= QUIET_START_NS)
        return l->rate;
    double length = (double)samples * 1e9 / AL_RATE; /* ns of stream */
    double cut = length * (1.0 - 1.0 / RX_MAX_QUIET_RATE);
    if ((double)excess < cut)
        cut = (double)excess;
    double rate = length / (length - cut);
    if (rate <= l->rate)
        return l->rate;
    l->frames_quickened++;
    return rate;
}

int latency_play(latency *l, const float *decoded, int samples, int64_t ts, int64_t now_ns,
                 bool forced, float *pcm, double *rate)
{
    double r = l->resampler ? quiet_rate(l, decoded, samples) : l->rate;
    *rate = r;
    if (latency_holding(l) && !forced)
        l->played_delay_ns = now_ns - delay_ctl_earliest(&l->ctl, ts);
    /* The frame's stream time, played at this frame's rate of our clock. */
    l->due_ns += (int64_t)llround((double)samples * 1e9 / AL_RATE / r);
    if (l->resampler)
        return resample(l, r, decoded, samples, pcm);
    return samples;
}

void latency_set_output_trim(latency *l, double trim)
{
    if (trim > LATENCY_MAX_RATE_DEVIATION)
        trim = LATENCY_MAX_RATE_DEVIATION;
    if (trim < -LATENCY_MAX_RATE_DEVIATION)
        trim = -LATENCY_MAX_RATE_DEVIATION;
    l->output_trim = trim;
}

int latency_flush(latency *l, float *pcm)
{
    if (!l->resampler || !l->playing)
        return 0;
    /* The resampler holds its filter's half length of input; push that
     * much silence through to get the stream's last samples out. */
    int hold = speex_resampler_get_input_latency(l->resampler);
    if (hold <= 0 || hold > AL_MAX_FRAME_SAMPLES)
        return 0;
    memset(l->decoded, 0, sizeof(float) * (size_t)hold * (size_t)l->channels);
    int out = resample(l, l->rate, l->decoded, hold, pcm);
    speex_resampler_reset_mem(l->resampler);
    speex_resampler_skip_zeros(l->resampler);
    return out;
}

int64_t latency_take_pause_ns(latency *l)
{
    int64_t p = l->pause_ns;
    l->pause_ns = 0;
    return p;
}

void latency_stats(const latency *l, rx_stats *s)
{
    s->delay_ms = (double)(latency_holding(l) ? l->played_delay_ns : l->delay_now_ns) / 1e6;
    s->target_delay_ms = (double)l->target_ns / 1e6;
    s->rate_ppm = (l->rate - 1.0) * 1e6;
    s->delay_jumps = l->delay_jumps;
    s->frames_quickened = l->frames_quickened;
}
