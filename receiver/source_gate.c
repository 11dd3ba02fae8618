/* Source gate (see source_gate.h). */
#include "receiver/source_gate.h"

#include <math.h>
#include <string.h>

#include "common/defaults.h"
#include "receiver/jitbuf.h"

/* RFC 3550 A.8: the jitter estimate moves 1/16 of the way to each new
 * transit difference (noise reduction with a reasonable convergence). */
#define JITTER_GAIN_DIVISOR 16.0
/* A transit difference this large, in 48 kHz ticks (21 s), is a 32-bit
 * timestamp wrap seen once, not jitter: it is left out. */
#define TRANSIT_WRAP_TICKS 1e6

void source_gate_init(source_gate *g, int opus_pt, int red_pt, int64_t hold_ns)
{
    memset(g, 0, sizeof *g);
    g->opus_pt = opus_pt;
    g->red_pt = red_pt;
    g->hold_ns = hold_ns;
    source_gate_restart(g);
}

static uint64_t source_lost(const source_gate *g)
{
    int64_t expected = rtp_seq_expected(&g->seq);
    int64_t received = (int64_t)g->seq.received - (int64_t)g->duplicates;
    return expected > received ? (uint64_t)(expected - received) : 0;
}

void source_gate_restart(source_gate *g)
{
    if (g->has_source) {
        g->lost_before += source_lost(g);
        g->restarts++;
    }
    g->has_source = false;
    rtp_seq_init(&g->seq);
    g->duplicates = 0;
    g->in_order = 0;
    g->run_count = 0;
    g->start_known = false;
    g->have_transit = false;
    g->jitter = 0;
}

void source_gate_set_start(source_gate *g, uint16_t seq, uint32_t rtptime)
{
    g->start_known = true;
    g->start_seq = seq;
    g->start_ts = rtptime;
}

source_gate_verdict source_gate_admit(const source_gate *g, const rtp_header *h, int64_t now_ns,
                                      bool *is_red)
{
    *is_red = g->red_pt >= 0 && h->payload_type == g->red_pt;
    if (!*is_red && h->payload_type != g->opus_pt)
        return SOURCE_GATE_FOREIGN;
    if (g->has_source && h->ssrc != g->ssrc) {
        if (now_ns - g->last_packet_ns < g->hold_ns)
            return SOURCE_GATE_FOREIGN;
        return SOURCE_GATE_NEW_SOURCE;
    }
    return SOURCE_GATE_PASS;
}

/* Whether a primary of our SSRC lasting DURATION leaves the established
 * timeline: its sequence number jumps (RFC 3550 A.1's bounds), its
 * timestamp lies beyond the jitter buffer's window either way or off its
 * grid, or timestamp and sequence number disagree (a later sequence number
 * with an earlier timestamp: the sender's clock went back; a late one with
 * a later timestamp, or either far beyond MAX_TICKS_PER_SEQ). */
static bool off_timeline(const source_gate *g, const rtp_header *h, int duration, int64_t head)
{
    int32_t dseq = rtp_seq_diff(h->sequence, (uint16_t)g->seq.highest);
    if (dseq >= RTP_MAX_DROPOUT || -dseq > RTP_MAX_MISORDER)
        return true;
    int64_t offset = rtp_ts_extend(head, h->timestamp) - head;
    if (offset % JB_GRANULE != 0 || offset + duration > JB_WINDOW)
        return true;
    int64_t dts = rtp_ts_diff(h->timestamp, g->highest_ts);
    int64_t bound = (int64_t)(dseq < 0 ? -dseq : dseq) * SOURCE_GATE_MAX_TICKS_PER_SEQ;
    if (dseq > 0)
        return dts <= 0 || dts > bound;
    return dts > 0 || -dts > bound;
}

/* A packet off the timeline: true when it completes a run of
 * MIN_SEQUENTIAL that follow each other exactly (the jump is real). */
static bool probation_passed(source_gate *g, const rtp_header *h, int duration)
{
    bool follows = g->run_count > 0 && h->sequence == (uint16_t)(g->run_seq + 1) &&
                   h->timestamp == g->run_ts + (uint32_t)g->run_duration;
    g->run_count = follows ? g->run_count + 1 : 1;
    g->run_seq = h->sequence;
    g->run_ts = h->timestamp;
    g->run_duration = duration;
    if (g->run_count < SOURCE_GATE_MIN_SEQUENTIAL)
        return false;
    g->run_count = 0;
    return true;
}

source_gate_verdict source_gate_place(source_gate *g, const rtp_header *h, int duration,
                                      int64_t head, int64_t *extended,
                                      enum rtp_seq_verdict *verdict)
{
    /* A jump of the timeline is believed only after probation; until then
     * its packets are dropped (counted invalid) and the stream plays on as
     * if they had never come. A timeline not yet established takes a jump
     * at once from the packet that directly follows its newest (GStreamer's
     * pre-skip): a stray one does so with a chance of 2^-16. */
    if (g->has_source && off_timeline(g, h, duration, head)) {
        bool young = g->in_order < SOURCE_GATE_MIN_SEQUENTIAL &&
                     rtp_seq_diff(h->sequence, (uint16_t)g->seq.highest) == 1;
        if (young || probation_passed(g, h, duration))
            return SOURCE_GATE_NEW_SOURCE;
        return SOURCE_GATE_INVALID;
    }
    *verdict = rtp_seq_update(&g->seq, h->sequence, extended);
    if (*verdict == RTP_SEQ_BAD)
        return SOURCE_GATE_INVALID;
    /* The same SSRC started over: the caller drains and hands it again. */
    if (*verdict == RTP_SEQ_RESTART && g->has_source)
        return SOURCE_GATE_NEW_SOURCE;
    return SOURCE_GATE_PASS;
}

bool source_gate_announced_start(source_gate *g, const rtp_header *h, uint32_t *start_ts)
{
    if (!g->start_known)
        return false;
    int64_t gap_ts = rtp_ts_diff(h->timestamp, g->start_ts);
    int32_t gap_seq = rtp_seq_diff(h->sequence, g->start_seq);
    if (gap_ts >= 0 && gap_ts <= SOURCE_GATE_MAX_START_GAP_TICKS && gap_seq >= 0 &&
        gap_seq <= SOURCE_GATE_MAX_START_GAP_TICKS / JB_GRANULE && g->seq.received == 1) {
        g->seq.base -= gap_seq; /* the packets before count as lost */
        *start_ts = g->start_ts;
        return true;
    }
    return false;
}

static void update_jitter(source_gate *g, uint32_t ts, int64_t now_ns)
{
    double arrival = (double)now_ns * AL_RATE / 1e9;
    double transit = arrival - (double)ts;
    if (g->have_transit) {
        double d = fabs(transit - g->transit);
        if (d < TRANSIT_WRAP_TICKS)
            g->jitter += (d - g->jitter) / JITTER_GAIN_DIVISOR;
    }
    g->transit = transit;
    g->have_transit = true;
}

bool source_gate_take(source_gate *g, const rtp_header *h, enum rtp_seq_verdict verdict,
                      int64_t extended, int64_t now_ns)
{
    if (!g->has_source) {
        g->has_source = true;
        g->ssrc = h->ssrc;
    }
    g->last_packet_ns = now_ns;
    if (verdict != RTP_SEQ_IN_ORDER)
        return false;
    g->in_order++;
    g->highest_ts = h->timestamp;
    update_jitter(g, h->timestamp, now_ns);
    /* A gap in sequence numbers means loss. */
    return g->seq.received > 1 && extended > 0 && g->seq.bad_seq_valid == false &&
           rtp_seq_expected(&g->seq) > (int64_t)g->seq.received;
}

void source_gate_duplicate(source_gate *g)
{
    g->duplicates++;
}

void source_gate_backdate(source_gate *g, int64_t frames)
{
    g->seq.base -= frames;
}

uint64_t source_gate_lost(const source_gate *g)
{
    return g->lost_before + (g->has_source ? source_lost(g) : 0);
}

double source_gate_jitter_ms(const source_gate *g)
{
    return g->jitter * 1000.0 / AL_RATE;
}
