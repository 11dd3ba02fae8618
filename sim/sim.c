/* The simulated-time media harness; see sim.h.
 *
 * A run is two merged timelines: the send slots (start + k frames on the
 * sender's clock) and the arrivals (each slot's packet after its fate's
 * delay, sorted, so a long enough delay reorders). At each event the
 * receiver is first asked for what is due (sim_clock says when), then the
 * packets arriving at that instant are handed in: a frame due at the same
 * moment as a packet is decided without it, as a live receiver whose timer
 * fires first would. */
#include "sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_encode(const tx_config *cfg, const float *pcm, long frames, sim_stream *out, char *err,
               size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (frames <= 0 || frames > INT32_MAX) {
        snprintf(err, err_size, "sim: %ld frames to encode", frames);
        return -1;
    }
    tx_stream *tx = tx_stream_create(cfg, err, err_size);
    if (!tx)
        return -1;
    out->packets = malloc(sizeof *out->packets * (size_t)frames);
    if (!out->packets) {
        tx_stream_destroy(tx);
        snprintf(err, err_size, "sim: out of memory");
        return -1;
    }
    const int fs = cfg->frame_samples;
    const int ch = cfg->channels > 0 ? cfg->channels : 1;
    for (long k = 0; k < frames; k++) {
        sim_packet *p = &out->packets[k];
        p->len = tx_stream_encode(tx, pcm + k * fs * ch, p->data, sizeof p->data);
        if (p->len < 0) {
            snprintf(err, err_size, "sim: encoder error %d at frame %ld", p->len, k);
            tx_stream_destroy(tx);
            sim_stream_free(out);
            return -1;
        }
    }
    out->count = (int)frames;
    out->frame_samples = fs;
    out->first_sequence = cfg->first_sequence;
    out->first_timestamp = cfg->first_timestamp;
    out->tx = tx_stream_stats(tx);
    out->payload_kbps = out->tx.payload_bytes * 8.0 / ((double)frames * fs / AL_RATE) / 1000;
    tx_stream_destroy(tx);
    return 0;
}

void sim_stream_free(sim_stream *s)
{
    free(s->packets);
    memset(s, 0, sizeof *s);
}

int sim_stream_packet(const sim_stream *s, uint64_t k, uint8_t *out)
{
    const sim_packet *p = &s->packets[k % (uint64_t)s->count];
    memcpy(out, p->data, (size_t)p->len);
    if (k < (uint64_t)s->count)
        return p->len;
    /* an endless stream: sequence number and timestamp moved on by K */
    uint16_t seq = (uint16_t)(s->first_sequence + k);
    uint32_t ts = (uint32_t)(s->first_timestamp + k * (uint64_t)s->frame_samples);
    out[2] = (uint8_t)(seq >> 8);
    out[3] = (uint8_t)seq;
    out[4] = (uint8_t)(ts >> 24);
    out[5] = (uint8_t)(ts >> 16);
    out[6] = (uint8_t)(ts >> 8);
    out[7] = (uint8_t)ts;
    return p->len;
}

sim_fate sim_fate_lossmodel(void *user, uint64_t k)
{
    struct lossmodel_fate f = lossmodel_fate(user, k);
    sim_fate s = {.drop = f.drop, .delay_ns = (int64_t)(f.delay_ms * 1e6)};
    return s;
}

sim_fate sim_fate_pattern(void *user, uint64_t k)
{
    const bool *lost = user;
    sim_fate s = {.drop = lost[k], .delay_ns = 0};
    return s;
}

bool *sim_loss_pattern(const struct lossmodel_config *model, uint64_t n)
{
    struct lossmodel m;
    if (lossmodel_init(&m, model) != LOSSMODEL_OK)
        return NULL;
    bool *lost = calloc((size_t)(n ? n : 1), sizeof(bool));
    for (uint64_t k = 0; lost && k < n; k++)
        lost[k] = lossmodel_fate(&m, k).drop;
    return lost;
}

uint64_t sim_pattern_repairable(const bool *pattern, uint64_t n, const int *offsets, int ncopies)
{
    uint64_t repairable = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (!pattern[k])
            continue;
        for (int i = 0; i < ncopies; i++)
            if (k + (uint64_t)offsets[i] < n && !pattern[k + (uint64_t)offsets[i]]) {
                repairable++;
                break;
            }
    }
    return repairable;
}

void sim_config_defaults(sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    rx_config_defaults(&cfg->rx);
    cfg->rx.channels = 1;
    cfg->clock = SIM_CLOCK_SLOTS;
}

/* A packet on its way: which slot sent which packet, and when it lands. */
typedef struct in_flight {
    int64_t sent_ns, arrival_ns;
    uint64_t slot, packet;
} in_flight;

/* The state of one run. */
typedef struct run {
    const sim_config *cfg;
    sim_result *res;
    rx_stream *rx;
    int channels;
    float pcm[AL_MAX_FRAME_SAMPLES * 2];
    int64_t next_trace_ns;
    size_t trace_cap;
} run;

static int64_t slot_time(const sim_config *cfg, double slot_ns, uint64_t k)
{
    return (int64_t)((double)cfg->start_ns + (double)k * slot_ns);
}

/* Hands one frame of S samples pulled at NOW_NS to the outputs. */
static void take_frame(run *r, int s, const rx_frame_info *info, int64_t now_ns)
{
    const sim_config *cfg = r->cfg;
    r->res->frames_by_origin[info->origin]++;
    r->res->samples += (uint64_t)s;
    if (cfg->out) {
        int ch = rx_stream_channels(r->rx);
        /* by timestamp: a stream may begin with frames rebuilt from copies,
         * before the first packet that arrived */
        long pos = (long)(uint32_t)((uint32_t)info->ts - cfg->stream->first_timestamp);
        if (pos + s <= cfg->out_samples)
            memcpy(cfg->out + pos * ch, r->pcm, sizeof(float) * (size_t)s * (size_t)ch);
    }
    if (cfg->on_frame)
        cfg->on_frame(cfg->hook_user, r->pcm, s, info, now_ns);
}

/* Pulls what is due by NOW_NS, as the configured clock would. */
static void pull_until(run *r, int64_t now_ns)
{
    rx_frame_info info;
    int s;
    if (r->cfg->clock != SIM_CLOCK_DUE) {
        while ((s = rx_stream_pull(r->rx, now_ns, false, r->pcm, &info)) > 0)
            take_frame(r, s, &info, now_ns);
        return;
    }
    int64_t due;
    while ((due = rx_stream_next_due(r->rx)) <= now_ns) {
        s = rx_stream_pull(r->rx, due, false, r->pcm, &info);
        if (s <= 0) {
            r->res->empty_due_pulls++; /* a schedule that does not move on: stop */
            return;
        }
        take_frame(r, s, &info, due);
    }
}

static void drain(run *r, int64_t now_ns)
{
    rx_frame_info info;
    int s;
    while ((s = rx_stream_pull(r->rx, now_ns, true, r->pcm, &info)) > 0)
        take_frame(r, s, &info, now_ns);
}

static int trace(run *r, int64_t t_ns)
{
    sim_result *res = r->res;
    if (res->trace_len == r->trace_cap) {
        size_t cap = r->trace_cap ? 2 * r->trace_cap : 64;
        sim_trace_point *p = realloc(res->trace, sizeof *p * cap);
        if (!p)
            return -1;
        res->trace = p;
        r->trace_cap = cap;
    }
    rx_stats s = rx_stream_stats(r->rx);
    res->trace[res->trace_len++] = (sim_trace_point){
        .t_ns = t_ns,
        .delay_ms = s.delay_ms,
        .target_delay_ms = s.target_delay_ms,
        .rate_ppm = s.rate_ppm,
        .delay_jumps = s.delay_jumps,
        .frames_plc = s.frames_plc,
    };
    return 0;
}

static int deliver(run *r, const in_flight *p)
{
    const sim_config *cfg = r->cfg;
    uint8_t buf[AL_MAX_PACKET];
    int len = sim_stream_packet(cfg->stream, p->packet, buf);
    enum rx_packet_result result = rx_stream_packet(r->rx, buf, (size_t)len, p->arrival_ns);
    if (result == RX_PACKET_NEW_SOURCE && cfg->restart_on_new_source) {
        drain(r, p->arrival_ns);
        rx_stream_restart(r->rx);
        result = rx_stream_packet(r->rx, buf, (size_t)len, p->arrival_ns);
    }
    r->res->arrived++;
    r->res->by_result[result]++;
    if (cfg->on_arrival) {
        sim_arrival a = {
            .slot = p->slot,
            .packet = p->packet,
            .sent_ns = p->sent_ns,
            .arrival_ns = p->arrival_ns,
            .result = result,
        };
        cfg->on_arrival(cfg->hook_user, &a, r->rx);
    }
    if (cfg->trace_every_ns > 0 && p->arrival_ns >= r->next_trace_ns) {
        if (trace(r, p->arrival_ns) != 0)
            return -1;
        r->next_trace_ns += cfg->trace_every_ns;
    }
    return 0;
}

/* The packets of every slot that the network delivers, by arrival time
 * (stable: equal times keep the order they were sent in). */
static in_flight *schedule(const sim_config *cfg, double slot_ns, sim_result *res, size_t *count)
{
    in_flight *q = malloc(sizeof *q * (size_t)(cfg->slots ? cfg->slots : 1));
    if (!q)
        return NULL;
    size_t n = 0;
    int64_t last = INT64_MIN;
    for (uint64_t k = 0; k < cfg->slots; k++) {
        int64_t packet = cfg->order ? cfg->order[k] : (int64_t)k;
        if (packet < 0)
            continue;
        res->sent++;
        sim_fate f = cfg->fate ? cfg->fate(cfg->fate_user, k) : (sim_fate){0};
        if (f.drop) {
            res->dropped++;
            continue;
        }
        if (f.delay_ns < 0)
            f.delay_ns = 0; /* nothing arrives before it is sent */
        double sent = (double)cfg->start_ns + (double)k * slot_ns;
        int64_t t = (int64_t)(sent + (double)f.delay_ns);
        if (cfg->keep_order && t < last)
            t = last;
        last = t;
        q[n++] = (in_flight){(int64_t)sent, t, k, (uint64_t)packet};
    }
    /* insertion sort: arrivals are nearly in order */
    for (size_t i = 1; i < n; i++) {
        in_flight a = q[i];
        size_t j = i;
        while (j > 0 && q[j - 1].arrival_ns > a.arrival_ns) {
            q[j] = q[j - 1];
            j--;
        }
        q[j] = a;
    }
    *count = n;
    return q;
}

int sim_run(const sim_config *cfg, sim_result *res, char *err, size_t err_size)
{
    memset(res, 0, sizeof *res);
    if (!cfg->stream || cfg->stream->count <= 0 || cfg->stream->frame_samples <= 0) {
        snprintf(err, err_size, "sim: no stream to send");
        return -1;
    }
    if (cfg->slots > (uint64_t)(SIZE_MAX / sizeof(in_flight))) {
        snprintf(err, err_size, "sim: %llu slots", (unsigned long long)cfg->slots);
        return -1;
    }
    if (cfg->sender_clock_ppm <= -1e6) {
        snprintf(err, err_size, "sim: sender clock %g ppm", cfg->sender_clock_ppm);
        return -1;
    }
    run r = {.cfg = cfg, .res = res};
    r.rx = rx_stream_create(&cfg->rx, err, err_size);
    if (!r.rx)
        return -1;
    if (cfg->announce_start)
        rx_stream_set_start(r.rx, cfg->announced_sequence, cfg->announced_timestamp);
    const int slot_samples = cfg->slot_samples > 0 ? cfg->slot_samples : cfg->stream->frame_samples;
    const double slot_ns =
        (double)slot_samples * 1e9 / AL_RATE / (1.0 + cfg->sender_clock_ppm * 1e-6);
    size_t n = 0;
    in_flight *q = schedule(cfg, slot_ns, res, &n);
    if (!q) {
        rx_stream_destroy(r.rx);
        snprintf(err, err_size, "sim: out of memory");
        return -1;
    }
    r.next_trace_ns = cfg->start_ns + cfg->trace_every_ns;

    /* the clock ticks at every send slot (SIM_CLOCK_SLOTS) and through the tail */
    uint64_t tick = cfg->clock == SIM_CLOCK_SLOTS ? 0 : cfg->slots;
    const uint64_t ticks_end = cfg->slots + cfg->tail_slots;
    size_t next = 0;
    int64_t now = cfg->start_ns;
    int rc = 0;
    while (rc == 0 && (next < n || tick < ticks_end)) {
        int64_t ta = next < n ? q[next].arrival_ns : INT64_MAX;
        int64_t tt = tick < ticks_end ? slot_time(cfg, slot_ns, tick) : INT64_MAX;
        if (tt <= ta && tick >= cfg->slots && cfg->tail_until_idle &&
            !rx_stream_has_pending(r.rx)) {
            tick = ticks_end; /* nothing left to play: the tail stops */
            continue;
        }
        now = ta < tt ? ta : tt;
        pull_until(&r, now);
        while (tick < ticks_end && slot_time(cfg, slot_ns, tick) <= now)
            tick++;
        while (rc == 0 && next < n && q[next].arrival_ns == now)
            rc = deliver(&r, &q[next++]);
    }
    free(q);
    if (rc == 0 && cfg->drain)
        drain(&r, now);
    res->end_ns = now;
    res->stats = rx_stream_stats(r.rx);
    res->pause_ns = rx_stream_take_pause_ns(r.rx);
    if (rc == 0 && cfg->on_end)
        cfg->on_end(cfg->hook_user, r.rx);
    rx_stream_destroy(r.rx);
    if (rc != 0) {
        sim_result_free(res);
        snprintf(err, err_size, "sim: out of memory");
        return -1;
    }
    return 0;
}

void sim_result_free(sim_result *res)
{
    free(res->trace);
    memset(res, 0, sizeof *res);
}
