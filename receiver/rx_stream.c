/* The receiving media path (see rx_stream.h). */
#include "receiver/rx_stream.h"

#include <math.h>
#include <opus.h>
#include <speex/speex_resampler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/opus_toc.h"
#include "proto/red.h"
#include "proto/rtp.h"
#include "receiver/copy_decoder.h"
#include "receiver/delay_ctl.h"
#include "receiver/jitbuf.h"

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
/* The share of packets the delay is sized to wait for: 1 % may come late. */
#define JITTER_QUANTILE 0.99
/* The delay never grows beyond this, whatever the network does. */
#define MAX_DELAY_NS (500 * 1000000LL)
/* Clock steering: the playout rate follows the delay error with this time
 * constant, within +-0.5 % (a pitch change of under 9 cents, not heard on
 * speech or music; a 300 ppm clock difference needs 0.03 %). */
#define STEER_TIME_NS      (2 * 1000000000LL)
#define MAX_RATE_DEVIATION 0.005
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
/* A new SSRC takes over once the current one has been silent this long:
 * long enough that a stranger cannot cut into a live stream, short enough
 * that a restarted sender is heard again at once. */
#define DEFAULT_SOURCE_HOLD_NS (250 * 1000000LL)
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
 * sees a changed frame. */
#define QUIET_BELOW_PEAK_DB 30.0
#define PEAK_DECAY_DB_PER_S 3.0
#define INITIAL_PEAK_DB     (-40.0)
#define QUIET_START_NS      (2 * 1000000LL)
/* A start announced by the control channel is believed only when the first
 * packet lies within this many 48 kHz ticks after it (one second): further
 * is not "the first packets were lost" but a stale or wrong announcement. */
#define MAX_START_GAP_TICKS 48000
/* Probation of a timeline jump (RFC 3550 A.1's MIN_SEQUENTIAL idea): a
 * packet of our SSRC that does not fit the current timeline (sequence
 * number far off, timestamp beyond the jitter buffer's window either way,
 * off its 2.5 ms grid, or earlier than the newest packet's while its
 * sequence number is later) starts over the stream only when it is the
 * MIN_SEQUENTIAL-th of a run of such packets that follow each other
 * exactly (sequence number +1, timestamp + the previous one's duration).
 * One run is followed at a time: a flood of strays between the packets of
 * a sender that really jumped keeps resetting it, so that jump waits for
 * the flood to end (the stream it left plays on meanwhile, concealed).
 * Stray packets with random sequence numbers and timestamps continue a run
 * with a chance of 2^-48 each, so they never get through; a sender that
 * really jumped loses nothing with RED: the confirming packet's copies
 * rebuild the MIN_SEQUENTIAL - 1 frames held back (our sender's default
 * carries two). RFC 3550 takes 2; 3 costs one frame more without RED and
 * means a forged restart needs three packets right in a row. A timeline
 * counts as established once it has had MIN_SEQUENTIAL packets in order;
 * before that a jump is taken at once from the packet right after the
 * newest (sequence number +1), as a sender whose first packet is off the
 * grid needs (GStreamer's opusenc); any other is on probation too. */
#define MIN_SEQUENTIAL 3
/* In-order packets whose timestamp runs further ahead of the newest
 * packet's than this per sequence number are off the timeline: a second
 * covers DTX (a packet every 400 ms of silence) and a sender that pauses;
 * anything further is a jump (if within the window). The same bound per
 * sequence number behind tells a very late packet (kept: late) from a
 * backward jump. */
#define MAX_TICKS_PER_SEQ 48000
/* Concealment of a long gap fades to silence. Opus's packet-loss
 * concealment repeats and smooths the last sound but never stops: a 10 s
 * outage during music came out as 10 s of murmur at -33 dBFS, which is
 * heard as a fault, where silence is heard as the gap it is. Up to
 * PLC_HOLD_SAMPLES (60 ms: three 20 ms frames, what single losses and
 * short bursts need; concealment that long still sounds like the signal)
 * concealment is left alone; then it fades out over PLC_FADE_SAMPLES
 * (100 ms, raised cosine: slow enough not to click, quick enough that
 * what is left of the murmur is gone in a tenth of a second, as NetEq's
 * expansion also mutes within ~100-200 ms), silence after that. The
 * decoder keeps concealing underneath, so its state moves on, and when
 * packets return after a gap that was faded, the first frame fades in
 * over PLC_RESUME_SAMPLES (5 ms) from the gain the gap ended at: no step
 * from silence into full signal. */
#define PLC_HOLD_SAMPLES   2880
#define PLC_FADE_SAMPLES   4800
#define PLC_RESUME_SAMPLES 240

struct rx_stream {
    rx_config cfg;
    OpusDecoder *decoder;      /* created at the first packet when channels follow the stream */
    OpusDecoder *copy_decoder; /* RX_COPY_OWN_DECODER only */
    copy_decoder *copy_stream; /* RX_COPY_STREAM_DECODER only */
    float *plc_pcm;            /* the primary decoder's concealment under a copy */
    bool prev_from_copy_stream;
    int channels;
    jitbuf jb;

    /* the source we follow */
    bool has_source;
    uint32_t ssrc;
    bool recorded_any;          /* a primary's arrival went to ctl */
    uint16_t last_seq_recorded; /* ... and its sequence number */
    int64_t last_packet_ns;
    rtp_seq_tracker seq;
    uint64_t duplicates_this_source;
    uint64_t lost_before; /* losses of earlier sources */
    uint64_t in_order;    /* packets of this timeline that came in order */
    uint32_t highest_ts;  /* RTP timestamp of the newest (highest sequence) packet */

    /* a run of packets off the timeline, on probation (MIN_SEQUENTIAL) */
    int run_count; /* 0: none */
    uint16_t run_seq;
    uint32_t run_ts;
    int run_duration;

    /* playout schedule */
    bool playing;
    int64_t due_ns;       /* when the frame at the play head is due */
    double rate;          /* stream seconds played per second of our clock */
    bool steering;        /* the rate is away from 1 to bring the delay to its target */
    double output_trim;   /* output samples per stream sample beyond the rate: the
                             device's clock against ours (rx_stream_set_output_trim) */
    int64_t target_ns;    /* how long after its fastest possible arrival a frame is played */
    int64_t delay_now_ns; /* the same, as it is */
    int64_t pause_ns;     /* pauses made by delay jumps, not yet taken (rx_stream_take_pause_ns) */
    delay_ctl ctl;
    SpeexResamplerState *resampler; /* adaptive_rate only */
    float *decoded;                 /* a frame before resampling */
    bool loss_seen;                 /* copies are waited for only once loss has been seen */
    bool lbrr_seen;                 /* the primaries carry in-band FEC for the frame before */
    int last_duration;              /* samples of the last frame, for concealment */
    int64_t plc_run;                /* samples concealed in a row so far (PLC_HOLD_SAMPLES) */
    double peak_db;                 /* recent peak level of the output (quiet frames) */
    int64_t played_delay_ns;        /* late_hold_ns: how long after its fastest arrival the
                                       last frame was actually produced */

    /* the stream's start as the control channel announced it */
    bool start_known;
    uint16_t start_seq;
    uint32_t start_ts;

    /* RFC 3550 jitter, in 48 kHz ticks */
    bool have_transit;
    double transit;
    double jitter;

    rx_stats stats;
};

void rx_config_defaults(rx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = 0;
    cfg->opus_pt = AL_OPUS_PT;
    cfg->red_pt = AL_RED_PT;
    cfg->latency_ms = 0;
    cfg->source_hold_ns = DEFAULT_SOURCE_HOLD_NS;
    cfg->adaptive_rate = true;
}

static int open_decoder(rx_stream *rx, int channels)
{
    int status;
    rx->decoder = opus_decoder_create(AL_RATE, channels, &status);
    if (!rx->decoder)
        return -1;
    if (rx->cfg.copy_decoding == RX_COPY_STREAM_DECODER) {
        rx->copy_stream = copy_decoder_create(channels);
        rx->plc_pcm = calloc((size_t)AL_MAX_FRAME_SAMPLES * (size_t)channels, sizeof(float));
        if (!rx->copy_stream || !rx->plc_pcm) {
            opus_decoder_destroy(rx->decoder);
            rx->decoder = NULL;
            return -1;
        }
    }
    if (rx->cfg.copy_decoding == RX_COPY_OWN_DECODER) {
        rx->copy_decoder = opus_decoder_create(AL_RATE, channels, &status);
        if (!rx->copy_decoder) {
            opus_decoder_destroy(rx->decoder);
            rx->decoder = NULL;
            return -1;
        }
    }
    if (rx->cfg.adaptive_rate && rx->cfg.latency_ms == 0) {
        int err;
        /* Quality 2: 0.33 ms of filter delay (quality 4 had 0.67 ms, all
         * of it latency), passband to 21 kHz; the rate never strays more
         * than 0.5 % from 1, so aliasing is no concern. */
        rx->resampler = speex_resampler_init((spx_uint32_t)channels, AL_RATE, AL_RATE, 2, &err);
        rx->decoded = calloc((size_t)AL_MAX_FRAME_SAMPLES * (size_t)channels, sizeof(float));
        if (!rx->resampler || !rx->decoded) {
            opus_decoder_destroy(rx->decoder);
            rx->decoder = NULL;
            return -1;
        }
        speex_resampler_skip_zeros(rx->resampler);
    }
    rx->channels = channels;
    return 0;
}

rx_stream *rx_stream_create(const rx_config *cfg, char *err, size_t err_size)
{
    if (cfg->channels < 0 || cfg->channels > 2) {
        snprintf(err, err_size, "channels must be 1 or 2 (or 0: as the stream)");
        return NULL;
    }
    rx_stream *rx = calloc(1, sizeof *rx);
    if (!rx) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    rx->cfg = *cfg;
    if (cfg->channels > 0 && open_decoder(rx, cfg->channels) != 0) {
        snprintf(err, err_size, "cannot create Opus decoder");
        free(rx);
        return NULL;
    }
    jb_init(&rx->jb);
    rx_stream_restart(rx);
    return rx;
}

void rx_stream_destroy(rx_stream *rx)
{
    if (!rx)
        return;
    if (rx->decoder)
        opus_decoder_destroy(rx->decoder);
    if (rx->copy_decoder)
        opus_decoder_destroy(rx->copy_decoder);
    copy_decoder_destroy(rx->copy_stream);
    free(rx->plc_pcm);
    if (rx->resampler)
        speex_resampler_destroy(rx->resampler);
    free(rx->decoded);
    free(rx);
}

static uint64_t source_lost(const rx_stream *rx)
{
    int64_t expected = rtp_seq_expected(&rx->seq);
    int64_t received = (int64_t)rx->seq.received - (int64_t)rx->duplicates_this_source;
    return expected > received ? (uint64_t)(expected - received) : 0;
}

void rx_stream_restart(rx_stream *rx)
{
    if (rx->has_source) {
        rx->lost_before += source_lost(rx);
        rx->stats.restarts++;
    }
    rx->has_source = false;
    rx->recorded_any = false;
    rtp_seq_init(&rx->seq);
    rx->duplicates_this_source = 0;
    rx->in_order = 0;
    rx->run_count = 0;
    jb_reset(&rx->jb);
    if (rx->decoder)
        opus_decoder_ctl(rx->decoder, OPUS_RESET_STATE);
    if (rx->copy_decoder)
        opus_decoder_ctl(rx->copy_decoder, OPUS_RESET_STATE);
    if (rx->copy_stream)
        copy_decoder_reset(rx->copy_stream);
    rx->prev_from_copy_stream = false;
    rx->playing = false;
    rx->rate = 1.0;
    rx->steering = false;
    rx->output_trim = 0;
    rx->target_ns = 0;
    rx->delay_now_ns = 0;
    rx->pause_ns = 0;
    delay_ctl_init(&rx->ctl, 20000000);
    if (rx->resampler)
        speex_resampler_reset_mem(rx->resampler);
    rx->loss_seen = false;
    rx->lbrr_seen = false;
    rx->last_duration = 960;
    rx->plc_run = 0;
    rx->peak_db = INITIAL_PEAK_DB;
    rx->played_delay_ns = 0;
    rx->start_known = false;
    rx->have_transit = false;
    rx->jitter = 0;
}

/* How long after its fastest possible arrival a frame should be played:
 * the jitter that JITTER_QUANTILE of packets stay within, a margin, and
 * the wait for protection. With copies at distance d (LBRR counts as
 * d = 1) the receiver waits for the oldest copy, but only once it has seen
 * loss: a clean link plays each frame as soon as its jitter allows, and the
 * first lost frame is concealed (it is what tells us copies are needed). */
static int64_t target_delay_ns(const rx_stream *rx, int frame_samples)
{
    if (rx->cfg.latency_ms > 0)
        return (int64_t)rx->cfg.latency_ms * 1000000LL;
    int64_t frame_ns = (int64_t)frame_samples * 1000000000LL / AL_RATE;
    int depth = rx->stats.copy_distance;
    if (depth == 0 && rx->lbrr_seen)
        depth = 1;
    int64_t protection = rx->loss_seen ? depth * frame_ns : 0;
    int64_t delay;
    if (rx->cfg.adaptive_rate) {
        delay = delay_ctl_quantile(&rx->ctl, JITTER_QUANTILE) + ARRIVAL_MARGIN_NS + protection;
        /* Until the jitter has been seen for a second, assume at least
         * INITIAL_JITTER_NS (or a frame): shrinking later is smooth, growing
         * is a pause, and a sender on a sound card sends in bursts of its
         * block (5-21 ms on JACK) from the first packet on. */
        int64_t initial = (frame_ns > INITIAL_JITTER_NS ? frame_ns : INITIAL_JITTER_NS) +
                          ARRIVAL_MARGIN_NS + protection;
        if (rx->ctl.samples * frame_ns < 1000000000LL && delay < initial)
            delay = initial;
    } else {
        /* No steering: one frame (at least 5 ms) without protection, and
         * the protection's wait plus the margin with it. */
        int64_t floor = frame_ns > MIN_FIXED_DELAY_NS ? frame_ns : MIN_FIXED_DELAY_NS;
        delay = delay_ctl_quantile(&rx->ctl, JITTER_QUANTILE) +
                (protection ? protection + FILE_ARRIVAL_MARGIN_NS : 0);
        if (delay < floor)
            delay = floor;
    }
    return delay < MAX_DELAY_NS ? delay : MAX_DELAY_NS;
}

/* Keeps the delay on its target. Too short: restored at once (the output
 * pauses: packets would otherwise come too late). Too long, or a little
 * short: the playout rate moves it back smoothly, which also absorbs the
 * difference between the sender's clock and ours. */
static void steer(rx_stream *rx)
{
    if (!rx->playing)
        return;
    int frame = rx->stats.frame_samples > 0 ? rx->stats.frame_samples : rx->last_duration;
    rx->target_ns = target_delay_ns(rx, frame);
    int64_t delay = rx->due_ns - delay_ctl_earliest(&rx->ctl, rx->jb.head);
    if (rx->cfg.late_hold_ns > 0 && !rx->resampler) {
        /* A file has no continuity to keep: the schedule (which only
         * decides when a copy stands in for its primary) is the target,
         * both ways, without counting pauses. */
        rx->due_ns += rx->target_ns - delay;
        rx->delay_now_ns = rx->target_ns;
        return;
    }
    int64_t tolerance = rx->resampler ? JUMP_TOLERANCE_NS : 0;
    if (delay < rx->target_ns - tolerance) {
        rx->due_ns += rx->target_ns - delay;
        if (rx->stats.frames_total > 0) {
            rx->stats.delay_jumps++;
            rx->pause_ns += rx->target_ns - delay;
        }
        delay = rx->target_ns;
    }
    rx->delay_now_ns = delay;
    if (rx->resampler) {
        int64_t error = delay - rx->target_ns;
        int64_t size = error < 0 ? -error : error;
        if (error > STEER_START_LONG_NS || error < -STEER_START_SHORT_NS)
            rx->steering = true;
        else if (size < STEER_STOP_NS)
            rx->steering = false;
        double deviation = rx->steering ? (double)error / (double)STEER_TIME_NS : 0.0;
        if (deviation > MAX_RATE_DEVIATION)
            deviation = MAX_RATE_DEVIATION;
        if (deviation < -MAX_RATE_DEVIATION)
            deviation = -MAX_RATE_DEVIATION;
        rx->rate = 1.0 + deviation;
    }
}

static void update_jitter(rx_stream *rx, uint32_t ts, int64_t now_ns)
{
    double arrival = (double)now_ns * AL_RATE / 1e9;
    double transit = arrival - (double)ts;
    if (rx->have_transit) {
        double d = fabs(transit - rx->transit);
        /* ts wraps: a wrap shows up as a huge D once; ignore it */
        if (d < 1e6)
            rx->jitter += (d - rx->jitter) / 16.0;
    }
    rx->transit = transit;
    rx->have_transit = true;
}

static enum rx_packet_result store(rx_stream *rx, uint32_t ts, const uint8_t *data, size_t len,
                                   jb_source source)
{
    int duration = opus_toc_samples(data, len);
    if (duration <= 0) {
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    enum jb_put_result put = jb_put(&rx->jb, ts, data, len, duration, source);
    switch (put) {
    case JB_PUT_STORED:
    case JB_PUT_UPGRADED:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.frame_samples = duration;
        else
            rx->stats.copies_received++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_DUPLICATE:
        if (source == JB_SOURCE_PRIMARY) {
            rx->stats.packets_duplicate++;
            rx->duplicates_this_source++;
        } else {
            rx->stats.copies_received++;
        }
        return RX_PACKET_ACCEPTED;
    case JB_PUT_LATE:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_late++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_TOO_FAR:
        return RX_PACKET_NEW_SOURCE;
    case JB_PUT_TOO_OLD:
        /* Only a packet whose sequence number says "late" gets here (see
         * off_timeline): it is over a window late. */
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_late++;
        return RX_PACKET_ACCEPTED;
    case JB_PUT_MISALIGNED:
        /* A primary off the 2.5 ms grid of the frames so far: the sender's
         * timeline moved (GStreamer's opusenc stamps its first packet 312
         * samples early, for the pre-skip). Start the stream over from this
         * packet rather than refusing every one that follows. A copy off
         * the grid is just dropped. */
        if (source == JB_SOURCE_PRIMARY)
            return RX_PACKET_NEW_SOURCE;
        return RX_PACKET_DROPPED;
    case JB_PUT_INVALID:
    default:
        if (source == JB_SOURCE_PRIMARY)
            rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
}

/* Whether a primary of our SSRC lasting DURATION leaves the established
 * timeline: its sequence number jumps (RFC 3550 A.1's bounds), its
 * timestamp lies beyond the jitter buffer's window either way or off its
 * grid, or timestamp and sequence number disagree (a later sequence number
 * with an earlier timestamp: the sender's clock went back; a late one with
 * a later timestamp, or either far beyond MAX_TICKS_PER_SEQ). */
static bool off_timeline(const rx_stream *rx, const rtp_header *h, int duration)
{
    int32_t dseq = rtp_seq_diff(h->sequence, (uint16_t)rx->seq.highest);
    if (dseq >= RTP_MAX_DROPOUT || -dseq > RTP_MAX_MISORDER)
        return true;
    int64_t offset = rtp_ts_extend(rx->jb.head, h->timestamp) - rx->jb.head;
    if (offset % JB_GRANULE != 0 || offset + duration > JB_WINDOW)
        return true;
    int64_t dts = rtp_ts_diff(h->timestamp, rx->highest_ts);
    int64_t bound = (int64_t)(dseq < 0 ? -dseq : dseq) * MAX_TICKS_PER_SEQ;
    if (dseq > 0)
        return dts <= 0 || dts > bound;
    return dts > 0 || -dts > bound;
}

/* A packet off the timeline: true when it completes a run of
 * MIN_SEQUENTIAL that follow each other exactly (the jump is real). */
static bool probation_passed(rx_stream *rx, const rtp_header *h, int duration)
{
    bool follows = rx->run_count > 0 && h->sequence == (uint16_t)(rx->run_seq + 1) &&
                   h->timestamp == rx->run_ts + (uint32_t)rx->run_duration;
    rx->run_count = follows ? rx->run_count + 1 : 1;
    rx->run_seq = h->sequence;
    rx->run_ts = h->timestamp;
    rx->run_duration = duration;
    if (rx->run_count < MIN_SEQUENTIAL)
        return false;
    rx->run_count = 0;
    return true;
}

enum rx_packet_result rx_stream_packet(rx_stream *rx, const uint8_t *buf, size_t len,
                                       int64_t now_ns)
{
    rtp_header h;
    if (rtp_parse(buf, len, &h) != RTP_OK) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    bool is_red = rx->cfg.red_pt >= 0 && h.payload_type == rx->cfg.red_pt;
    if (!is_red && h.payload_type != rx->cfg.opus_pt) {
        rx->stats.packets_foreign++;
        return RX_PACKET_DROPPED;
    }
    if (rx->has_source && h.ssrc != rx->ssrc) {
        if (now_ns - rx->last_packet_ns < rx->cfg.source_hold_ns) {
            rx->stats.packets_foreign++;
            return RX_PACKET_DROPPED;
        }
        return RX_PACKET_NEW_SOURCE;
    }

    /* Split RED into its blocks before touching any state, so that a
     * malformed packet changes nothing but a counter. */
    red_block blocks[RED_MAX_BLOCKS];
    size_t nblocks = 0;
    if (is_red) {
        if (red_parse(h.payload, h.payload_len, blocks, RED_MAX_BLOCKS, &nblocks) != RED_OK ||
            nblocks == 0) {
            rx->stats.packets_invalid++;
            return RX_PACKET_DROPPED;
        }
    } else {
        blocks[0] = (red_block){
            .pt = h.payload_type, .ts_offset = 0, .data = h.payload, .len = h.payload_len};
        nblocks = 1;
    }
    const red_block *primary = &blocks[nblocks - 1];
    if (primary->pt != rx->cfg.opus_pt || opus_toc_samples(primary->data, primary->len) <= 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    if (!rx->decoder && open_decoder(rx, opus_packet_get_nb_channels(primary->data)) != 0) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    /* A jump of the timeline is believed only after probation; until then
     * its packets are dropped (counted invalid) and the stream plays on as
     * if they had never come. A timeline not yet established takes a jump
     * at once from the packet that directly follows its newest (GStreamer's
     * pre-skip): a stray one does so with a chance of 2^-16. */
    if (rx->has_source && off_timeline(rx, &h, opus_toc_samples(primary->data, primary->len))) {
        bool young = rx->in_order < MIN_SEQUENTIAL &&
                     rtp_seq_diff(h.sequence, (uint16_t)rx->seq.highest) == 1;
        if (young || probation_passed(rx, &h, opus_toc_samples(primary->data, primary->len)))
            return RX_PACKET_NEW_SOURCE;
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }

    int64_t extended;
    enum rtp_seq_verdict verdict = rtp_seq_update(&rx->seq, h.sequence, &extended);
    if (verdict == RTP_SEQ_BAD) {
        rx->stats.packets_invalid++;
        return RX_PACKET_DROPPED;
    }
    if (verdict == RTP_SEQ_RESTART && rx->has_source) {
        /* The same SSRC started over: the caller drains and hands it again. */
        return RX_PACKET_NEW_SOURCE;
    }

    /* The first packet after an announced start: the frames between the
     * two were lost; the stream starts at the announced timestamp. */
    bool first = !rx->has_source && !jb_started(&rx->jb);
    if (first && rx->start_known) {
        int64_t gap_ts = rtp_ts_diff(h.timestamp, rx->start_ts);
        int32_t gap_seq = rtp_seq_diff(h.sequence, rx->start_seq);
        if (gap_ts >= 0 && gap_ts <= MAX_START_GAP_TICKS && gap_seq >= 0 &&
            gap_seq <= MAX_START_GAP_TICKS / JB_GRANULE && rx->seq.received == 1) {
            jb_set_start(&rx->jb, rx->start_ts);
            rx->seq.base -= gap_seq; /* the packets before count as lost */
        }
    }

    /* Store the primary first: a timeline jump is detected on it. */
    enum rx_packet_result result =
        store(rx, h.timestamp, primary->data, primary->len, JB_SOURCE_PRIMARY);
    if (result == RX_PACKET_NEW_SOURCE) {
        if (rx->has_source)
            return RX_PACKET_NEW_SOURCE;
        result = RX_PACKET_DROPPED;
    }
    if (result == RX_PACKET_DROPPED)
        return result;

    if (!rx->has_source) {
        rx->has_source = true;
        rx->ssrc = h.ssrc;
    }
    rx->last_packet_ns = now_ns;
    rx->stats.packets_received++;
    rx->stats.bytes_received += h.payload_len;
    rx->stats.redundancy_depth = (int)nblocks - 1;
    /* How long copies take to come: the oldest copy's distance in frames. */
    int duration = opus_toc_samples(primary->data, primary->len);
    rx->stats.copy_distance = 0;
    for (size_t i = 0; i + 1 < nblocks; i++) {
        int distance = (int)((blocks[i].ts_offset + (uint32_t)duration - 1) / (uint32_t)duration);
        if (blocks[i].ts_offset < 16384 && distance > rx->stats.copy_distance)
            rx->stats.copy_distance = distance;
    }
    if (!rx->lbrr_seen && opus_toc_has_lbrr(primary->data, primary->len))
        rx->lbrr_seen = true;
    /* Every primary, late ones included, tells how the network delays
     * packets; duplicates would count one packet twice. */
    if (rtp_seq_diff(h.sequence, (uint16_t)rx->last_seq_recorded) != 0 || !rx->recorded_any) {
        delay_ctl_arrival(&rx->ctl, now_ns, rtp_ts_extend(rx->jb.head, h.timestamp));
        rx->last_seq_recorded = h.sequence;
        rx->recorded_any = true;
    }
    if (verdict == RTP_SEQ_IN_ORDER) {
        rx->in_order++;
        rx->highest_ts = h.timestamp;
        update_jitter(rx, h.timestamp, now_ns);
        /* A gap in sequence numbers means loss: from now on wait for copies. */
        if (rx->seq.received > 1 && extended > 0 && rx->seq.bad_seq_valid == false &&
            rtp_seq_expected(&rx->seq) > (int64_t)rx->seq.received)
            rx->loss_seen = true;
    }

    for (size_t i = 0; i + 1 < nblocks; i++) {
        if (blocks[i].pt != rx->cfg.opus_pt || blocks[i].len == 0)
            continue;
        uint32_t ts = red_block_ts(h.timestamp, &blocks[i]);
        store(rx, ts, blocks[i].data, blocks[i].len, JB_SOURCE_RED);
        if (rx->copy_stream)
            copy_decoder_feed(rx->copy_stream, rtp_ts_extend(rx->jb.head, ts), blocks[i].data,
                              blocks[i].len);
    }

    if (!rx->playing) {
        int frame = rx->stats.frame_samples > 0 ? rx->stats.frame_samples : 960;
        int64_t primary_ts = rtp_ts_extend(rx->jb.head, h.timestamp);
        /* Copies in the first packet that arrived moved the head back to
         * the stream's true start: the packets before it were lost (and
         * are rebuilt from those copies). */
        if (first && !rx->start_known && primary_ts > rx->jb.head && duration > 0)
            rx->seq.base -= (primary_ts - rx->jb.head) / duration;
        rx->playing = true;
        rx->last_duration = frame;
        rx->due_ns = now_ns; /* steer() adds the target delay */
        /* The head (maybe an earlier frame, known from copies or the
         * announced start) is taken to have arrived now: if it was only
         * reordered its primary may still come, and it gets the full delay
         * to do so. Later arrivals correct the clock's anchor (its
         * per-second minimum) within the second. */
        delay_ctl_init(&rx->ctl, (int64_t)frame * 1000000000LL / AL_RATE);
        delay_ctl_arrival(&rx->ctl, now_ns, rx->jb.head);
    }
    steer(rx);
    return RX_PACKET_ACCEPTED;
}

/* late_hold_ns: when the frame at the head may be produced. A primary
 * that is here is played at once (it came when the last packet did, at
 * the latest); a copy at the frame's due time, so that a primary a little
 * late still wins; a missing frame only when even a packet late by
 * late_hold_ns could no longer bring it. */
static int64_t hold_due(const rx_stream *rx)
{
    const jb_slot *slot = jb_peek(&rx->jb, rx->jb.head);
    if (slot && slot->source == JB_SOURCE_PRIMARY)
        return rx->last_packet_ns;
    if (slot)
        return rx->due_ns;
    int64_t give_up = delay_ctl_earliest(&rx->ctl, rx->jb.head) + rx->cfg.late_hold_ns;
    return give_up > rx->due_ns ? give_up : rx->due_ns;
}

static bool holding(const rx_stream *rx)
{
    return rx->cfg.late_hold_ns > 0 && !rx->resampler;
}

int64_t rx_stream_next_due(const rx_stream *rx)
{
    if (!rx->playing)
        return INT64_MAX;
    return holding(rx) ? hold_due(rx) : rx->due_ns;
}

void rx_stream_set_start(rx_stream *rx, uint16_t seq, uint32_t rtptime)
{
    rx->start_known = true;
    rx->start_seq = seq;
    rx->start_ts = rtptime;
}

int rx_stream_channels(const rx_stream *rx)
{
    return rx->channels;
}

bool rx_stream_has_pending(const rx_stream *rx)
{
    return jb_has_frames(&rx->jb);
}

static int decode_plc(rx_stream *rx, int duration, float *pcm)
{
    int n = opus_decode_float(rx->decoder, NULL, 0, pcm, duration, 0);
    if (n < 0) {
        memset(pcm, 0, sizeof(float) * (size_t)duration * (size_t)rx->channels);
        n = duration;
    }
    return n;
}

/* Raised-cosine crossfade length between the two decoders: long enough to
 * hide the step between two different waveforms, short next to a frame. */
#define CROSSFADE_SAMPLES 120

/* Frame TS from the copy-stream decoder, if it decoded it. The primary's
 * decoder conceals the same frame so that its state moves on, and the copy
 * fades in from (and out to) that concealment where the neighbour frames
 * come from the primary's decoder, so no waveform step is heard. */
static int play_from_copy_stream(rx_stream *rx, int64_t ts, float *pcm)
{
    int samples;
    const float *copy = copy_decoder_lookup(rx->copy_stream, ts, &samples);
    if (!copy)
        return -1;
    int n = opus_decode_float(rx->decoder, NULL, 0, rx->plc_pcm, samples, 0);
    if (n != samples)
        return -1;
    const int ch = rx->channels;
    memcpy(pcm, copy, sizeof(float) * (size_t)samples * (size_t)ch);
    int fade = samples / 2 < CROSSFADE_SAMPLES ? samples / 2 : CROSSFADE_SAMPLES;
    const jb_slot *next = jb_peek(&rx->jb, ts + samples);
    bool fade_in = !rx->prev_from_copy_stream;
    bool fade_out = !next || next->source == JB_SOURCE_PRIMARY;
    for (int i = 0; i < fade; i++) {
        float w = 0.5f - 0.5f * cosf((float)M_PI * (float)(i + 0.5f) / (float)fade);
        for (int c = 0; c < ch; c++) {
            int head = i * ch + c, tail = (samples - 1 - i) * ch + c;
            if (fade_in)
                pcm[head] = w * copy[head] + (1 - w) * rx->plc_pcm[head];
            if (fade_out)
                pcm[tail] = w * copy[tail] + (1 - w) * rx->plc_pcm[tail];
        }
    }
    return samples;
}

/* The gain of concealed sample number RUN of a gap (see PLC_HOLD_SAMPLES). */
static float plc_gain(int64_t run)
{
    if (run < PLC_HOLD_SAMPLES)
        return 1.0f;
    if (run >= PLC_HOLD_SAMPLES + PLC_FADE_SAMPLES)
        return 0.0f;
    return 0.5f + 0.5f * cosf((float)M_PI * (float)(run - PLC_HOLD_SAMPLES) / PLC_FADE_SAMPLES);
}

/* Fades SAMPLES of concealment in PCM as the gap so far asks, or, for a
 * frame that is not concealed, fades it in if the gap before it was faded. */
static void fade_concealment(rx_stream *rx, bool concealed, float *pcm, int samples)
{
    const int ch = rx->channels;
    if (concealed) {
        if (rx->plc_run + samples > PLC_HOLD_SAMPLES)
            for (int i = 0; i < samples; i++) {
                float g = plc_gain(rx->plc_run + i);
                for (int c = 0; c < ch; c++)
                    pcm[i * ch + c] *= g;
            }
        rx->plc_run += samples;
        return;
    }
    if (rx->plc_run > PLC_HOLD_SAMPLES) {
        float from = plc_gain(rx->plc_run - 1);
        int n = samples < PLC_RESUME_SAMPLES ? samples : PLC_RESUME_SAMPLES;
        for (int i = 0; i < n; i++) {
            float g = from + (1.0f - from) * (float)(i + 1) / (float)n;
            for (int c = 0; c < ch; c++)
                pcm[i * ch + c] *= g;
        }
    }
    rx->plc_run = 0;
}

/* Plays DECODED samples of IN at the current rate into OUT. The output can
 * hold AL_MAX_FRAME_SAMPLES: only a 120 ms frame slowed down would exceed
 * it, and then its last fraction of a percent is dropped. */
static int resample(rx_stream *rx, double rate, const float *in, int samples, float *out)
{
    /* Denominator 48000 (steps of 21 ppm): speexdsp 1.2 rescales its phase
     * as phase * new_den / old_den in 32 bits, which overflows (and
     * crashes) for denominators much above 2^16. */
    spx_uint32_t num = (spx_uint32_t)llround(rate / (1.0 + rx->output_trim) * AL_RATE);
    speex_resampler_set_rate_frac(rx->resampler, num, AL_RATE, AL_RATE, AL_RATE);
    spx_uint32_t in_len = (spx_uint32_t)samples, out_len = AL_MAX_FRAME_SAMPLES;
    speex_resampler_process_interleaved_float(rx->resampler, in, &in_len, out, &out_len);
    return (int)out_len;
}

/* The rate for a decoded frame of SAMPLES in PCM (before resampling): the
 * steering's, or faster when the frame is quiet and the delay too long
 * (see QUIET_BELOW_PEAK_DB). The speed-up takes at most the excess, so the
 * delay lands on its target rather than below it. */
static double quiet_rate(rx_stream *rx, const float *pcm, int samples)
{
    size_t n = (size_t)samples * (size_t)rx->channels;
    double energy = 0;
    for (size_t i = 0; i < n; i++)
        energy += (double)pcm[i] * pcm[i];
    double level_db = 10.0 * log10(energy / (double)(n ? n : 1) + 1e-12);
    bool quiet = level_db < rx->peak_db - QUIET_BELOW_PEAK_DB;
    rx->peak_db -= PEAK_DECAY_DB_PER_S * samples / AL_RATE;
    if (level_db > rx->peak_db)
        rx->peak_db = level_db;
    int64_t excess = rx->delay_now_ns - rx->target_ns;
    if (!quiet || excess <= QUIET_START_NS)
        return rx->rate;
    double length = (double)samples * 1e9 / AL_RATE; /* ns of stream */
    double cut = length * (1.0 - 1.0 / RX_MAX_QUIET_RATE);
    if ((double)excess < cut)
        cut = (double)excess;
    double rate = length / (length - cut);
    if (rate <= rx->rate)
        return rx->rate;
    rx->stats.frames_quickened++;
    return rate;
}

int rx_stream_pull(rx_stream *rx, int64_t now_ns, bool force, float *pcm, rx_frame_info *info)
{
    if (!rx->playing)
        return 0;
    if (force ? !jb_has_frames(&rx->jb) : now_ns < rx_stream_next_due(rx))
        return 0;

    /* Decoded into OUT; resampled from there into PCM when steering. */
    float *out = rx->resampler ? rx->decoded : pcm;
    jb_frame frame;
    bool held = jb_pull(&rx->jb, rx->last_duration, &frame);
    memset(info, 0, sizeof *info);
    info->ts = frame.ts;
    int samples = -1;
    bool from_copy_stream = false;
    if (held) {
        OpusDecoder *dec = rx->decoder;
        if (frame.source == JB_SOURCE_RED && rx->copy_decoder)
            dec = rx->copy_decoder;
        if (frame.source == JB_SOURCE_RED && rx->copy_stream) {
            samples = play_from_copy_stream(rx, frame.ts, out);
            from_copy_stream = samples > 0;
        }
        if (!from_copy_stream)
            samples = opus_decode_float(dec, frame.data, (opus_int32)frame.len, out,
                                        AL_MAX_FRAME_SAMPLES, 0);
        info->origin = frame.source == JB_SOURCE_RED ? RX_FRAME_RED : RX_FRAME_PRIMARY;
        if (frame.source == JB_SOURCE_RED)
            rx->stats.copies_used++;
        if (samples > 0)
            rx->last_duration = samples;
    } else {
        /* The head has moved past the hole: the packet right after it may
         * carry this frame's LBRR. */
        const jb_slot *next = jb_peek(&rx->jb, frame.ts + frame.duration);
        if (next && next->source == JB_SOURCE_PRIMARY && opus_toc_has_lbrr(next->data, next->len)) {
            samples = opus_decode_float(rx->decoder, next->data, next->len, out, frame.duration, 1);
            info->origin = RX_FRAME_FEC;
        }
        /* Not loss_seen: this frame may only be late, and copies cannot
         * help a late packet (the packets that carry them come later
         * still). Waiting for copies here turned a packet 3 ms late into a
         * 20 ms pause. Loss shows as a gap in sequence numbers when the
         * next packet arrives. */
    }
    if (samples <= 0) {
        samples = decode_plc(rx, frame.duration, out);
        info->origin = RX_FRAME_PLC;
        info->speculative = !jb_has_frames(&rx->jb);
    }

    fade_concealment(rx, info->origin == RX_FRAME_PLC, out, samples);

    rx->prev_from_copy_stream = from_copy_stream;
    double rate = rx->resampler ? quiet_rate(rx, out, samples) : rx->rate;
    info->rate = rate;
    if (holding(rx) && !force)
        rx->played_delay_ns = now_ns - delay_ctl_earliest(&rx->ctl, frame.ts);
    /* The frame's stream time, played at this frame's rate of our clock. */
    rx->due_ns += (int64_t)llround((double)samples * 1e9 / AL_RATE / rate);
    int decoded = samples;
    if (rx->resampler)
        samples = resample(rx, rate, out, decoded, pcm);
    rx->stats.frames_total++;
    switch (info->origin) {
    case RX_FRAME_PRIMARY:
        rx->stats.frames_primary++;
        break;
    case RX_FRAME_RED:
        rx->stats.frames_red++;
        break;
    case RX_FRAME_FEC:
        rx->stats.frames_fec++;
        break;
    case RX_FRAME_PLC:
        rx->stats.frames_plc++;
        break;
    }
    steer(rx);
    return samples;
}

void rx_stream_set_output_trim(rx_stream *rx, double trim)
{
    if (trim > MAX_RATE_DEVIATION)
        trim = MAX_RATE_DEVIATION;
    if (trim < -MAX_RATE_DEVIATION)
        trim = -MAX_RATE_DEVIATION;
    rx->output_trim = trim;
}

int rx_stream_flush(rx_stream *rx, float *pcm)
{
    if (!rx->resampler || !rx->playing)
        return 0;
    /* The resampler holds its filter's half length of input; push that
     * much silence through to get the stream's last samples out. */
    int hold = speex_resampler_get_input_latency(rx->resampler);
    if (hold <= 0 || hold > AL_MAX_FRAME_SAMPLES)
        return 0;
    memset(rx->decoded, 0, sizeof(float) * (size_t)hold * (size_t)rx->channels);
    int out = resample(rx, rx->rate, rx->decoded, hold, pcm);
    speex_resampler_reset_mem(rx->resampler);
    speex_resampler_skip_zeros(rx->resampler);
    return out;
}

void rx_stream_discard_trailing(rx_stream *rx, uint64_t frames)
{
    if (frames > rx->stats.frames_plc)
        frames = rx->stats.frames_plc;
    rx->stats.frames_plc -= frames;
    rx->stats.frames_total -= frames;
}

rx_stats rx_stream_stats(const rx_stream *rx)
{
    rx_stats s = rx->stats;
    s.packets_lost = rx->lost_before + (rx->has_source ? source_lost(rx) : 0);
    s.jitter_ms = rx->jitter * 1000.0 / AL_RATE;
    s.delay_ms = (double)(holding(rx) ? rx->played_delay_ns : rx->delay_now_ns) / 1e6;
    s.target_delay_ms = (double)rx->target_ns / 1e6;
    s.rate_ppm = (rx->rate - 1.0) * 1e6;
    return s;
}

const char *rx_origin_name(rx_origin origin)
{
    switch (origin) {
    case RX_FRAME_PRIMARY:
        return "primary";
    case RX_FRAME_RED:
        return "red";
    case RX_FRAME_FEC:
        return "fec";
    case RX_FRAME_PLC:
        return "plc";
    }
    return "?";
}

int64_t rx_stream_take_pause_ns(rx_stream *rx)
{
    int64_t p = rx->pause_ns;
    rx->pause_ns = 0;
    return p;
}
