/* The sender application as one loop engine (see tx_app.h).
 *
 * Map of this file: messages, media (start, stop, pacing:
 * play_due_frames), the control connection (connector, bounded reads,
 * writes, client events), the end (totals), the engine's four callbacks,
 * start-up (tx_app_create). --to is tx_destination.c's, --sdp-out
 * tx_sdp_file.c's. */
#include "sender/tx_app.h"

#include <errno.h>
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/defaults.h"
#include "common/status.h"
#include "net/addr.h"
#include "net/clock.h"
#include "net/connector.h"
#include "net/fd.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"
#include "sender/rtsp_client.h"
#include "sender/tx_destination.h"
#include "sender/tx_input.h"
#include "sender/tx_sdp_file.h"
#include "sender/tx_stream.h"

static const char *program = "sender";

/* The exit status while the engine runs. */
#define RUNNING (-1)

struct tx_app {
    tx_options opt;
    tx_input *input;
    float *pcm;       /* one frame, frame_samples * channels */
    int64_t frame_ns; /* one frame's duration */

    /* media */
    int udp;        /* our media socket: wildcard address, a port of the kernel's */
    int udp_family; /* its family (AF_INET6 is dual-stack) */
    tx_stream *tx;  /* while a stream flows (plain: always) */
    struct sockaddr_storage media_dest;
    socklen_t media_dest_len;
    tx_stats total; /* of the sessions that ended */
    uint64_t send_errors;
    int send_errno;

    /* pacing: frame n of a file is due at start + n frames */
    bool clock_started;
    int64_t start;
    uint64_t frames_read;
    bool input_ended;
    int64_t stop_at; /* when the end of the input ends the stream */

    /* control; client NULL for plain RTP */
    rtsp_client *client;
    char url[RTSP_MAX_HOST + RTSP_MAX_PATH + 32];
    net_addr_list addrs; /* the destination: every address to try */
    net_connector connector;
    int tcp;
    int polled_tcp; /* the control socket prepare() listed first, -1 none */

    /* the end */
    bool interrupted; /* stop() was called (a signal): the totals say "stopped" */
    bool stop_asked;  /* stop() or a local failure */
    bool stop_sent;
    int client_status; /* al_exit_status of FINISHED; RUNNING before */
    int fail_status;   /* a local failure (read, encoder) overrides the client's */
    bool finished;
    int exit_status;
    int64_t next_status; /* --verbose: the next status line */
};

/* ---- messages ---- */

/* The copies asked for do not fit a packet beside the primary, so both are
 * coded lower (tx_fit_rates); say so and to what. */
static void warn_if_lowered(const tx_app *a, const tx_config *cfg)
{
    tx_fit fit;
    if (a->opt.verbose < 0 || !tx_fit_rates(cfg, &fit))
        return;
    char rates[96] = "";
    size_t n = 0;
    for (int i = 0; i < cfg->redundancy; i++)
        n += (size_t)snprintf(rates + n, sizeof rates - n, "%s%.0f", i ? " + " : "",
                              fit.copy_bitrates[i] / 1000.0);
    fprintf(stderr,
            "%s: warning: %d kbps with %s does not fit a %d-byte packet: the primary is "
            "lowered to %.0f kbps and the copies to %s kbps, so that every packet carries "
            "every copy\n",
            program, cfg->bitrate / 1000, cfg->redundancy == 1 ? "its copy" : "its copies",
            AL_MAX_PACKET, fit.bitrate / 1000.0, rates);
}

static double frames_seconds(const tx_app *a, uint64_t frames)
{
    return (double)frames * a->opt.stream.frame_samples / AL_RATE;
}

static void print_totals(const tx_app *a, const tx_stats *s, const char *what)
{
    if (a->opt.verbose < 0)
        return;
    double audio_seconds = frames_seconds(a, s->packets);
    fprintf(stderr,
            "%s: %s after %.2f s of audio: %llu packets, payload %.1f kbps "
            "(primary %.1f, copies %.1f)%s%s\n",
            program, what, audio_seconds, (unsigned long long)s->packets,
            audio_seconds > 0 ? s->payload_bytes * 8 / audio_seconds / 1000 : 0.0,
            audio_seconds > 0 ? s->primary_bytes * 8 / audio_seconds / 1000 : 0.0,
            audio_seconds > 0 ? s->copy_bytes * 8 / audio_seconds / 1000 : 0.0,
            s->packets_lowered ? ", rates lowered to fit the copies" : "",
            a->send_errors ? ", some sends failed" : "");
}

static void add_stats(tx_stats *total, const tx_stats *s)
{
    total->packets += s->packets;
    total->payload_bytes += s->payload_bytes;
    total->primary_bytes += s->primary_bytes;
    total->copy_bytes += s->copy_bytes;
    total->copies_sent += s->copies_sent;
    total->copies_dropped += s->copies_dropped;
    total->packets_lowered += s->packets_lowered;
}

/* ---- media ---- */

/* A random first sequence number and timestamp (RFC 3550 5.1) for the next
 * session, announced in its RECORD. */
static void new_rtp_start(rtsp_client *c)
{
    uint16_t seq;
    uint32_t ts;
    cli_random_bytes(&seq, sizeof seq);
    cli_random_bytes(&ts, sizeof ts);
    rtsp_client_set_rtp_start(c, seq, ts);
}

static void start_clock(tx_app *a, int64_t now)
{
    if (!a->clock_started) {
        /* A file is live from the moment the first receiver takes it. */
        a->clock_started = true;
        a->start = now;
    }
}

/* The agreed stream: a fresh encoder, the sequence and timestamp RECORD
 * announced, the SSRC named in SETUP, to the receiver's media port on the
 * host that took the control connection. */
static void start_media(tx_app *a, int64_t now)
{
    const rtsp_client_stream *st = rtsp_client_get_stream(a->client);
    const tx_options *opt = &a->opt;
    tx_config cfg = opt->stream;
    cfg.redundancy = st->red ? (int)st->red_depth : 0;
    cfg.fec = st->fec;
    if (st->fec && !opt->loss_set)
        cfg.loss_percent = AL_TX_FEC_LOSS_PERCENT;
    cfg.first_sequence = a->client->rtp_seq;
    cfg.first_timestamp = a->client->rtp_time;
    char err[512];
    a->tx = tx_stream_create(&cfg, err, sizeof err);
    if (!a->tx) {
        fprintf(stderr, "%s: %s\n", program, err);
        a->fail_status = 1;
        rtsp_client_stop(a->client, now, "encoder error", true);
        return;
    }
    char local[RTSP_MAX_HOST], peer[RTSP_MAX_HOST];
    struct sockaddr_storage peer_addr;
    tcp_endpoints(a->tcp, local, sizeof local, peer, sizeof peer, &peer_addr);
    net_addr_set_port(&peer_addr, st->server_port);
    if (net_addr_for_family((struct sockaddr *)&peer_addr, a->udp_family, &a->media_dest,
                            &a->media_dest_len) != 0)
        a->media_dest_len = 0; /* unreachable from our socket: every send fails, counted */
    start_clock(a, now);
    if (opt->verbose < 0)
        return;
    char addr[128], protection[200];
    net_addr_str((struct sockaddr *)&peer_addr, addr, sizeof addr);
    if (st->red) {
        char copies[128];
        tx_describe_copies(&cfg, copies, sizeof copies);
        snprintf(protection, sizeof protection, "RED PT %d, %s", AL_RED_PT, copies);
    } else
        snprintf(protection, sizeof protection, "no RED");
    fprintf(stderr,
            "%s: streaming to %s (session %s, timeout %u s): Opus PT %d, %d Hz, %s, %.1f ms "
            "frames, %d kbps, %s%s%s, SSRC %08x\n",
            program, addr, st->session, st->timeout_s, AL_OPUS_PT, AL_RATE,
            cfg.channels == 1 ? "mono" : "stereo", (double)a->frame_ns / NS_PER_MSEC,
            cfg.bitrate / 1000, protection, cfg.fec ? ", in-band FEC (LBRR) at " : "",
            cfg.fec ? (cfg.loss_percent == AL_TX_FEC_LOSS_PERCENT ? "20 % loss" : "the given loss")
                    : "",
            cfg.ssrc);
    if (st->fec_instead_of_red)
        fprintf(stderr,
                "%s: the receiver does not decode RED (no %s in its Supported header): plain "
                "Opus with in-band FEC instead of %d copies%s\n",
                program, AL_RTSP_RED_OPTION, opt->stream.redundancy,
                cfg.frame_samples < AL_MIN_SILK_FRAME_SAMPLES
                    ? " (which needs frames of 10 ms or more)"
                    : "");
    if (st->red)
        warn_if_lowered(a, &cfg);
}

static void stop_media(tx_app *a, const char *why)
{
    if (!a->tx)
        return;
    const tx_stats s = tx_stream_stats(a->tx);
    if (a->client && a->opt.verbose >= 0)
        fprintf(stderr, "%s: session ended (%s) after %.2f s of audio, %llu packets\n", program,
                why, frames_seconds(a, s.packets), (unsigned long long)s.packets);
    add_stats(&a->total, &s);
    tx_stream_destroy(a->tx);
    a->tx = NULL;
    if (a->client)
        new_rtp_start(a->client); /* the next session starts afresh */
}

/* Media may flow now: plain RTP always, a session once RECORD was taken. */
static bool media_flowing(const tx_app *a)
{
    return a->tx && (!a->client || rtsp_client_recording(a->client));
}

/* When the next frame is due: the one place the sender is paced. A file's
 * frame n at start + n frames, whatever time encoding took, so a long file
 * never drifts; a device's frame as soon as the card has delivered it. */
static int64_t next_frame_due(const tx_app *a, int64_t now)
{
    if (!a->clock_started || a->input_ended || a->stop_asked)
        return LOOP_NEVER;
    if (tx_input_is_device(a->input))
        return tx_input_next_ns(a->input, now);
    return a->start + (int64_t)a->frames_read * a->frame_ns;
}

/* A local failure (read, encoder): the session ends with status 1. */
static void fail_locally(tx_app *a, int64_t now, const char *why)
{
    a->fail_status = 1;
    a->input_ended = true;
    a->stop_asked = true;
    a->stop_sent = true;
    if (a->client)
        rtsp_client_stop(a->client, now, why, true);
}

static void input_ended(tx_app *a, int64_t now)
{
    a->input_ended = true;
    /* With a session the TEARDOWN waits a little, so that packets still on
     * their way (a relay, a queue) arrive before it. */
    a->stop_at = a->client ? now + AL_TX_END_LINGER_NS : now;
}

/* Frames due by NOW: read (keeping the input's real-time position even
 * while no receiver takes them), encoded and sent while media flows. */
static void play_due_frames(tx_app *a, int64_t now)
{
    uint8_t packet[AL_MAX_PACKET];
    while (next_frame_due(a, now) <= now) {
        int got = tx_input_read(a->input, a->pcm);
        if (got == TX_INPUT_NOT_YET)
            return;
        if (got < 0) {
            fprintf(stderr, "%s: read error in %s\n", program, a->opt.input);
            fail_locally(a, now, "read error");
            return;
        }
        if (got == TX_INPUT_END) {
            input_ended(a, now);
            return;
        }
        a->frames_read++;
        if (media_flowing(a)) {
            int len = tx_stream_encode(a->tx, a->pcm, packet, sizeof packet);
            if (len < 0) {
                fprintf(stderr, "%s: encoder error: %s\n", program, opus_strerror(len));
                fail_locally(a, now, "encoder error");
                return;
            }
            int e = a->media_dest_len
                        ? udp_send_to(a->udp, packet, (size_t)len,
                                      (struct sockaddr *)&a->media_dest, a->media_dest_len)
                        : EAFNOSUPPORT;
            if (e != 0) {
                a->send_errors++;
                a->send_errno = e;
            }
        }
        if (got == TX_INPUT_LAST)
            input_ended(a, now);
    }
}

/* ---- the control connection ---- */

static void close_tcp(tx_app *a)
{
    if (a->tcp >= 0)
        close(a->tcp);
    a->tcp = -1;
    net_connector_cancel(&a->connector);
}

static void connected(tx_app *a, int64_t now, int fd)
{
    char local[RTSP_MAX_HOST], peer[RTSP_MAX_HOST];
    a->tcp = fd;
    tcp_endpoints(fd, local, sizeof local, peer, sizeof peer, NULL);
    rtsp_client_connected(a->client, now, local, peer);
}

static void handle_events(tx_app *a, int64_t now)
{
    rtsp_client_event ev;
    while (rtsp_client_next_event(a->client, &ev)) {
        switch (ev.type) {
        case RTSP_CLIENT_EV_CONNECT:
            close_tcp(a);
            if (net_connector_start(&a->connector, &a->addrs, now) == NET_CONNECTOR_FAILED)
                rtsp_client_connect_failed(a->client, now, net_connector_error(&a->connector));
            break;
        case RTSP_CLIENT_EV_START:
            start_media(a, now);
            break;
        case RTSP_CLIENT_EV_STOP:
            stop_media(a, ev.text);
            break;
        case RTSP_CLIENT_EV_CLOSE:
            close_tcp(a);
            break;
        case RTSP_CLIENT_EV_NOTICE:
            if (a->opt.verbose >= 0)
                fprintf(stderr, "%s: %s\n", program, ev.text);
            break;
        case RTSP_CLIENT_EV_FINISHED:
            if (ev.text[0])
                fprintf(stderr, "%s: %s\n", program, ev.text);
            if (a->client_status == RUNNING)
                a->client_status = al_exit_status(ev.status);
            close_tcp(a);
            break;
        }
    }
}

/* Reads what the receiver sent, at most AL_TX_TCP_READ_BUDGET bytes per
 * wake-up: a receiver that floods us must not keep the loop from the
 * pacing and the stop flag (the rest is read on the next round, which
 * poll() starts at once). */
static void tcp_read(tx_app *a, int64_t now)
{
    uint8_t buf[4096];
    size_t budget = AL_TX_TCP_READ_BUDGET;
    while (budget > 0 && a->tcp >= 0) {
        const char *why = NULL;
        long n = tcp_recv_some(a->tcp, buf, budget < sizeof buf ? budget : sizeof buf, &why);
        if (n == 0)
            return;
        if (n < 0) {
            close_tcp(a);
            rtsp_client_closed(a->client, now, why ? why : "connection closed by the receiver");
            return;
        }
        budget -= (size_t)n;
        rtsp_client_received(a->client, now, buf, (size_t)n);
        handle_events(a, now);
    }
}

static void tcp_write(tx_app *a, int64_t now)
{
    const uint8_t *data;
    size_t len;
    while (a->tcp >= 0 && (len = rtsp_client_output(a->client, &data)) > 0) {
        const char *why = NULL;
        long n = tcp_send_some(a->tcp, data, len, &why);
        if (n == 0)
            return;
        if (n < 0) {
            close_tcp(a);
            rtsp_client_closed(a->client, now, why);
            return;
        }
        rtsp_client_output_sent(a->client, (size_t)n);
    }
}

/* ---- the end ---- */

static void finish(tx_app *a)
{
    const char *what = a->interrupted ? "stopped" : "done";
    if (a->client) {
        stop_media(a, "stopped");
        if (a->total.packets > 0)
            print_totals(a, &a->total, what);
    } else {
        stop_media(a, what);
        print_totals(a, &a->total, what);
    }
    if (a->send_errors && a->opt.verbose >= 0)
        fprintf(stderr, "%s: %llu packets could not be sent (%s)\n", program,
                (unsigned long long)a->send_errors, strerror(a->send_errno));
    close_tcp(a);
    a->finished = true;
    a->exit_status = a->fail_status                ? a->fail_status
                     : a->client_status == RUNNING ? 0
                                                   : a->client_status;
}

/* ---- the engine ---- */

static int app_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    tx_app *a = self;
    int n = 0;
    a->polled_tcp = -1;
    if (a->client && a->tcp >= 0) {
        const uint8_t *data;
        fds[n++] = (struct pollfd){
            .fd = a->tcp,
            .events = (short)(POLLIN | (rtsp_client_output(a->client, &data) ? POLLOUT : 0))};
        a->polled_tcp = a->tcp;
    }
    n += net_connector_prepare(&a->connector, fds + n, max - n, deadline);
    int64_t wake = next_frame_due(a, now);
    if (a->client) {
        int64_t t = rtsp_client_next_timer(a->client);
        if (t < wake)
            wake = t;
    }
    if (a->input_ended && !a->stop_sent && a->stop_at < wake)
        wake = a->stop_at;
    if (a->opt.verbose > 0 && a->next_status < wake)
        wake = a->next_status;
    if (a->client_status != RUNNING || (a->stop_asked && !a->stop_sent))
        wake = now; /* something to wind up at once */
    if (wake < *deadline)
        *deadline = wake;
    return n;
}

static void status_line(tx_app *a, int64_t now)
{
    if (a->opt.verbose <= 0 || now < a->next_status)
        return;
    double seconds = a->clock_started ? (double)(now - a->start) / NS_PER_SEC : 0.0;
    if (a->tx && a->client) {
        tx_stats s = tx_stream_stats(a->tx);
        fprintf(stderr, "%s: %6.1f s  %llu packets this session\n", program, seconds,
                (unsigned long long)s.packets);
    } else if (a->tx && seconds > 0) {
        tx_stats s = tx_stream_stats(a->tx);
        fprintf(stderr, "%s: %6.1f s  %llu packets  %.1f kbps payload\n", program, seconds,
                (unsigned long long)s.packets, s.payload_bytes * 8 / seconds / 1000);
    }
    a->next_status = now + AL_TX_STATUS_PERIOD_NS;
}

/* The control side of a round, before the media: the events of the
 * descriptors prepare() listed (the control socket, if there was one and
 * it is still ours, else the connector's attempts), the stop or the end of
 * the input turned into the client's stop, its timers, its output. */
static void control_round(tx_app *a, int64_t now, const struct pollfd *fds, int count)
{
    if (a->polled_tcp >= 0 && a->polled_tcp == a->tcp && count > 0) {
        if (fds[0].revents & (POLLIN | POLLERR | POLLHUP))
            tcp_read(a, now);
    } else if (a->polled_tcp < 0) {
        int fd;
        net_connector_result r = net_connector_dispatch(&a->connector, now, fds, count, &fd, NULL);
        if (r == NET_CONNECTOR_CONNECTED)
            connected(a, now, fd);
        else if (r == NET_CONNECTOR_FAILED)
            rtsp_client_connect_failed(a->client, now, net_connector_error(&a->connector));
    }
    handle_events(a, now);
    if (a->stop_asked && !a->stop_sent) {
        a->stop_sent = true;
        rtsp_client_stop(a->client, now, "interrupted", true);
    } else if (a->input_ended && now >= a->stop_at && !a->stop_sent) {
        a->stop_sent = true;
        rtsp_client_stop(a->client, now, "end of input", false);
    }
    handle_events(a, now);
    rtsp_client_tick(a->client, now);
    handle_events(a, now);
    tcp_write(a, now);
    handle_events(a, now);
}

static void app_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    tx_app *a = self;
    if (a->finished)
        return;
    if (a->client)
        control_round(a, now, fds, count);
    play_due_frames(a, now);
    if (a->client) {
        /* what the media did (a local failure stops the client) */
        handle_events(a, now);
        tcp_write(a, now);
        handle_events(a, now);
        if (a->client_status != RUNNING)
            finish(a);
    } else if (a->stop_asked || (a->input_ended && now >= a->stop_at)) {
        finish(a); /* plain RTP ends with its input or a stop */
    }
    if (!a->finished)
        status_line(a, now);
}

static void app_stop(void *self, int64_t now)
{
    tx_app *a = self;
    (void)now;
    a->interrupted = true;
    a->stop_asked = true; /* dispatch, called at once, winds down */
}

static bool app_finished(const void *self, int *exit_status)
{
    const tx_app *a = self;
    *exit_status = a->exit_status;
    return a->finished;
}

loop_engine tx_app_engine(tx_app *app)
{
    return (loop_engine){.self = app,
                         .prepare = app_prepare,
                         .dispatch = app_dispatch,
                         .stop = app_stop,
                         .finished = app_finished};
}

/* ---- start-up ---- */

/* The media socket: of the family the destination's addresses need, an
 * IPv6 one (dual-stack) when any is IPv6, so one port serves whichever
 * address the control connection reaches. */
static int open_media_socket(tx_app *a, char *err, size_t err_size)
{
    int family = AF_INET;
    for (int i = 0; i < a->addrs.count; i++)
        if (a->addrs.addr[i].ss_family == AF_INET6)
            family = AF_INET6;
    a->udp = udp_open_any_port(family, err, err_size);
    if (a->udp < 0 && family == AF_INET6) {
        family = AF_INET; /* no IPv6 here: the IPv4 addresses still work */
        a->udp = udp_open_any_port(family, err, err_size);
    }
    a->udp_family = family;
    return a->udp < 0 ? -1 : 0;
}

static int start_session(tx_app *a, int64_t now)
{
    char err[512];
    int port = -1;
    if (open_media_socket(a, err, sizeof err) == 0)
        port = net_bound_port(a->udp);
    if (port <= 0) {
        fprintf(stderr, "%s: cannot open a UDP port for the media: %s\n", program,
                a->udp >= 0 ? strerror(errno) : err);
        return 1;
    }
    a->client = malloc(sizeof *a->client);
    char user_agent[64];
    snprintf(user_agent, sizeof user_agent, "audiolink/%s", AL_VERSION);
    const tx_config *tx = &a->opt.stream;
    rtsp_client_config cfg = {
        .url = a->url,
        .user_agent = user_agent,
        .client_port = (uint16_t)port,
        .ssrc = tx->ssrc,
        .channels = (unsigned)tx->channels,
        .frame_us = (uint32_t)(a->frame_ns / 1000),
        .red_depth = (unsigned)tx->redundancy,
        .red_bitrate = (uint32_t)tx_copy_bitrate(tx, 0),
        .fec = tx->fec,
        .retry_busy = a->opt.retry_busy,
    };
    if (!a->client || rtsp_client_init(a->client, &cfg, now) != AL_OK) {
        fprintf(stderr, "%s: cannot start the control channel for %s\n", program, a->url);
        return 1;
    }
    new_rtp_start(a->client);
    if (a->opt.verbose >= 0)
        fprintf(stderr, "%s: %s -> %s (media from UDP port %d)\n", program, a->opt.input, a->url,
                port);
    handle_events(a, now);
    return 0;
}

static int start_plain(tx_app *a, int64_t now)
{
    char err[512];
    const tx_config *tx = &a->opt.stream;
    a->tx = tx_stream_create(tx, err, sizeof err);
    if (!a->tx) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 2;
    }
    a->udp_family = a->addrs.addr[0].ss_family;
    a->udp = udp_open_for((const struct sockaddr *)&a->addrs.addr[0], err, sizeof err);
    if (a->udp < 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 1;
    }
    a->media_dest = a->addrs.addr[0];
    a->media_dest_len = a->addrs.len[0];
    char addr_text[128], copies[160];
    net_addr_str((const struct sockaddr *)&a->media_dest, addr_text, sizeof addr_text);
    tx_describe_copies(tx, copies, sizeof copies);
    if (a->opt.verbose >= 0)
        fprintf(stderr,
                "%s: %s -> %s (plain RTP, no control channel): Opus %d kbps, %.1f ms frames, %s, "
                "%s%s, SSRC %08x\n",
                program, a->opt.input, addr_text, tx->bitrate / 1000,
                (double)a->frame_ns / NS_PER_MSEC, tx->channels == 1 ? "mono" : "stereo", copies,
                tx->fec ? ", in-band FEC" : "", tx->ssrc);
    warn_if_lowered(a, tx);
    start_clock(a, now); /* plain RTP is live at once */
    return 0;
}

tx_app *tx_app_create(const tx_options *opt, int64_t now, int *exit_status)
{
    tx_app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "%s: out of memory\n", program);
        *exit_status = 1;
        return NULL;
    }
    a->opt = *opt;
    a->tcp = -1;
    a->udp = -1;
    a->polled_tcp = -1;
    a->client_status = RUNNING;
    a->exit_status = 0;
    a->stop_at = LOOP_NEVER;
    a->next_status = now + AL_TX_STATUS_PERIOD_NS;
    a->frame_ns = (int64_t)opt->stream.frame_samples * NS_PER_SEC / AL_RATE;
    net_connector_init(&a->connector);
    tx_config *tx = &a->opt.stream;
    char err[512];

    int rc = tx_destination_resolve(opt->to, opt->no_control, &a->addrs, a->url, sizeof a->url);
    if (rc != 0)
        goto fail;
    a->input = tx_input_open(opt->input, opt->from_device, tx->channels, tx->frame_samples,
                             opt->loop, err, sizeof err);
    if (!a->input) {
        fprintf(stderr, "%s: %s\n", program, err);
        rc = 2;
        goto fail;
    }
    if (opt->from_device && opt->verbose >= 0)
        fprintf(stderr, "%s: capturing from %s\n", program, tx_input_name(a->input));
    a->pcm = calloc((size_t)tx->frame_samples * (size_t)tx->channels, sizeof(float));
    if (!a->pcm) {
        fprintf(stderr, "%s: out of memory\n", program);
        rc = 1;
        goto fail;
    }
    cli_random_bytes(&tx->ssrc, sizeof tx->ssrc);
    cli_random_bytes(&tx->first_sequence, sizeof tx->first_sequence);
    cli_random_bytes(&tx->first_timestamp, sizeof tx->first_timestamp);
    /* Check the encoder settings now, so that a bad combination is a usage
     * error before any connection. */
    tx_stream *probe = tx_stream_create(tx, err, sizeof err);
    if (!probe) {
        fprintf(stderr, "%s: %s\n", program, err);
        rc = 2;
        goto fail;
    }
    tx_stream_destroy(probe);
    if (opt->no_control && opt->sdp_out) {
        if (tx_write_sdp_file(opt->sdp_out, tx, (const struct sockaddr *)&a->addrs.addr[0],
                              a->addrs.len[0], err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", program, err);
            rc = 2;
            goto fail;
        }
        if (tx->redundancy > 0 && opt->verbose >= 0)
            fprintf(stderr,
                    "%s: note: %s offers RED first; ffmpeg cannot decode RED (use "
                    "--redundancy 0 for it), GStreamer's rtpreddec and receiver --sdp can\n",
                    program, opt->sdp_out);
    }
    rc = opt->no_control ? start_plain(a, now) : start_session(a, now);
    if (rc != 0)
        goto fail;
    return a;
fail:
    *exit_status = rc;
    tx_app_destroy(a);
    return NULL;
}

void tx_app_destroy(tx_app *app)
{
    if (!app)
        return;
    close_tcp(app);
    if (app->udp >= 0)
        close(app->udp);
    tx_stream_destroy(app->tx);
    free(app->client);
    free(app->pcm);
    tx_input_close(app->input, stderr);
    free(app);
}

int tx_app_run(const tx_options *opt, volatile sig_atomic_t *stop_flag)
{
    int status = 0;
    tx_app *app = tx_app_create(opt, clock_now_ns(), &status);
    if (!app)
        return status;
    loop_engine engine = tx_app_engine(app);
    status = loop_run(&engine, 1, stop_flag);
    tx_app_destroy(app);
    return status;
}
