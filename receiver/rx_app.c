/* The receiver application as a loop engine (see rx_app.h). */
#include "receiver/rx_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/defaults.h"
#include "common/status.h"
#include "net/clock.h"
#include "net/fd.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "receiver/rx_conns.h"
#include "receiver/rx_output.h"
#include "receiver/stats_report.h"

static const char *program = "receiver";

struct rx_app {
    rx_options opt;
    int port;
    int udp;
    rx_conns *conns; /* NULL in the plain RTP modes */
    rx_output *out;
    rx_stream *rx; /* the current stream; always one in the plain RTP modes */
    rx_totals totals;
    FILE *stats_file;
    uint8_t *datagram; /* UDP_MAX_DATAGRAM bytes: any datagram fits */

    bool started; /* the first prepare() set the clock's origin */
    int64_t start;
    int64_t next_report;
    int64_t last_packet; /* 0 before the stream's first packet */
    bool in_datagrams;   /* reading the media socket (session_end must not recurse) */
    bool session_ended;  /* --once: leave */
    bool failed;
    bool finished;
    int exit_status;
};

/* ---- sockets ---- */

/* Binds TCP and UDP on EP's port, or for port 0 on one free number: the
 * kernel picks a free TCP port, UDP is bound to the same number, and when
 * UDP has it taken, another is tried. (A net/ helper later; here for now.)
 * Returns AL_OK with *TCP and *UDP open, or a status with ERR set. */
static int bind_pair(const net_endpoint *ep, int *tcp, int *udp, char *err, size_t err_size)
{
    if (ep->port != 0) {
        *udp = udp_open_bound(ep, err, err_size);
        if (*udp < 0)
            return AL_ERR_BUSY;
        *tcp = tcp_listen(ep, err, err_size);
        if (*tcp < 0) {
            close(*udp);
            return AL_ERR_BUSY;
        }
        return AL_OK;
    }
    for (int i = 0; i < AL_RX_PORT_TRIES; i++) {
        *tcp = tcp_listen(ep, err, err_size);
        if (*tcp < 0)
            return AL_ERR_BUSY;
        net_endpoint same = *ep;
        same.port = net_bound_port(*tcp);
        *udp = same.port > 0 ? udp_open_bound(&same, err, err_size) : -1;
        if (*udp >= 0)
            return AL_OK;
        close(*tcp);
    }
    snprintf(err, err_size, "no port free for both TCP and UDP after %d tries", AL_RX_PORT_TRIES);
    return AL_ERR_BUSY;
}

/* ---- media ---- */

static void end_session_for_output(rx_app *a, int64_t now, const char *why);

/* Plays what is due; an output that fails ends the session (control mode:
 * the next one may succeed, the receiver serves on) or the receiver. */
static void play_due(rx_app *a, int64_t now, bool force)
{
    if (!a->rx)
        return;
    char err[512];
    if (rx_output_play(a->out, a->rx, now, force, err, sizeof err) == AL_OK)
        return;
    fprintf(stderr, "%s: %s\n", program, err);
    if (a->conns) {
        end_session_for_output(a, now, err);
    } else {
        a->failed = true;
    }
}

static void handle_packet(rx_app *a, const uint8_t *buf, size_t n, int64_t now)
{
    /* Frames due before this packet arrived are played first. */
    play_due(a, now, false);
    if (!a->rx)
        return;
    enum rx_packet_result res = rx_stream_packet(a->rx, buf, n, now);
    if (res == RX_PACKET_NEW_SOURCE) {
        if (a->opt.verbose >= 0)
            fprintf(stderr, "%s: a new stream begins (sender restarted)\n", program);
        play_due(a, now, true);
        if (!a->rx)
            return;
        rx_stream_restart(a->rx);
        res = rx_stream_packet(a->rx, buf, n, now);
    }
    if (res == RX_PACKET_ACCEPTED) {
        if (a->last_packet == 0 && a->opt.verbose >= 0)
            fprintf(stderr, "%s: stream started: Opus, %d channel%s\n", program,
                    rx_stream_channels(a->rx), rx_stream_channels(a->rx) == 1 ? "" : "s");
        a->last_packet = now;
    }
}

/* At most AL_RX_DATAGRAMS_PER_WAKE: what is left is read on the next
 * wake-up, after the control channel and the playout had their turn. */
static void handle_datagrams(rx_app *a, int64_t now)
{
    if (a->in_datagrams)
        return;
    a->in_datagrams = true;
    for (int i = 0; i < AL_RX_DATAGRAMS_PER_WAKE && !a->failed; i++) {
        struct sockaddr_storage src;
        socklen_t src_len = sizeof src;
        int64_t age; /* how long it waited in the socket: the kernel's stamp */
        bool truncated;
        ssize_t n = udp_recv_stamped(a->udp, a->datagram, UDP_MAX_DATAGRAM, &src, &src_len, &age,
                                     &truncated);
        if (n < 0)
            break; /* EAGAIN: all read */
        int64_t arrived = now - age;
        if (truncated) {
            a->totals.truncated++;
            continue;
        }
        if (a->conns) {
            bool from_peer = rx_conns_from_session_peer(a->conns, (struct sockaddr *)&src);
            if (rtsp_server_media(rx_conns_server(a->conns), arrived, from_peer, a->datagram,
                                  (size_t)n) != RTSP_MEDIA_ACCEPT ||
                !a->rx) {
                a->totals.foreign++;
                continue;
            }
        }
        handle_packet(a, a->datagram, (size_t)n, arrived);
    }
    a->in_datagrams = false;
}

/* ---- sessions ---- */

static void session_start(rx_app *a, int64_t now, int c)
{
    rtsp_server *srv = rx_conns_server(a->conns);
    const rtsp_server_session *sess = rtsp_server_get_session(srv);
    const sdp_opus_stream *st = &sess->stream;
    rx_config cfg = a->opt.rx;
    cfg.opus_pt = st->opus_pt;
    cfg.red_pt = st->red_pt;
    if (rx_output_is_device(a->out)) {
        /* the device's channels, whatever the stream's (Opus decodes mono
         * to stereo and back) */
        cfg.channels = rx_output_channels(a->out);
    } else if (cfg.channels == 0) {
        /* One file for all sessions: once audio is in it, later sessions
         * are decoded to its channel count. */
        cfg.channels = rx_output_started(a->out) ? rx_output_channels(a->out) : (int)st->channels;
    }
    char err[512];
    a->rx = rx_stream_create(&cfg, err, sizeof err);
    if (!a->rx) {
        fprintf(stderr, "%s: %s\n", program, err);
        rtsp_server_end_session(srv, now, "cannot decode");
        return;
    }
    if (sess->has_rtp_start)
        rx_stream_set_start(a->rx, sess->rtp_seq, sess->rtp_time);
    a->last_packet = 0;
    rx_totals_session_start(&a->totals);
    if (a->opt.verbose >= 0) {
        char peer[128], red[128] = "no RED", ptime[32] = "frame length from the packets";
        if (st->red_pt >= 0)
            snprintf(red, sizeof red, "RED PT %d, %u cop%s", st->red_pt, st->red_depth,
                     st->red_depth == 1 ? "y" : "ies");
        if (st->red_pt >= 0 && st->red_bitrate > 0)
            snprintf(red + strlen(red), sizeof red - strlen(red), ", the nearest at %.1f kbps",
                     st->red_bitrate / 1000.0);
        if (st->ptime_us > 0)
            snprintf(ptime, sizeof ptime, "%.1f ms frames", st->ptime_us / 1000.0);
        fprintf(stderr,
                "%s: session %s from %s: Opus PT %d, %d Hz, %s, %s, %s%s; SSRC %s; writing %s\n",
                program, sess->id, rx_conns_name(a->conns, c, peer, sizeof peer), st->opus_pt,
                AL_RATE, st->channels == 1 ? "mono" : "stereo", ptime, red,
                st->useinbandfec ? ", in-band FEC (LBRR)" : "",
                sess->has_ssrc ? "from SETUP" : "from the first packet", a->opt.output);
    }
    if (rx_output_set_channels(a->out, rx_stream_channels(a->rx), err, sizeof err) != AL_OK) {
        fprintf(stderr, "%s: %s\n", program, err);
        end_session_for_output(a, now, err);
    }
}

static void session_end(rx_app *a, int64_t now, const char *why)
{
    /* Datagrams already queued belong to the session that just ended. */
    handle_datagrams(a, now);
    if (!a->rx)
        return;
    rx_output_finish_stream(a->out, a->rx, now);
    rx_stats whole = rx_stream_stats(a->rx);
    rx_stats s = rx_totals_session_end(&a->totals, &whole);
    if (a->opt.verbose >= 0) {
        int frame = s.frame_samples > 0 ? s.frame_samples : AL_DEFAULT_FRAME_SAMPLES;
        fprintf(stderr, "%s: session ended (%s): %.2f s of audio; %s now holds %.2f s\n", program,
                why, (double)s.frames_total * frame / AL_RATE, a->opt.output,
                (double)rx_output_written(a->out) / AL_RATE);
        stats_report_summary(stderr, &s);
    }
    rx_stream_destroy(a->rx);
    a->rx = NULL;
    a->last_packet = 0;
    if (a->opt.once)
        a->session_ended = true;
}

/* The output failed during a session (a full disk): that session ends
 * with the reason, cleanly, and the next sender is served. */
static void end_session_for_output(rx_app *a, int64_t now, const char *why)
{
    rtsp_server_end_session(rx_conns_server(a->conns), now, why);
    rx_conns_handle_events(a->conns, now);
}

static void on_session(void *ctx, int64_t now, const rtsp_server_event *ev)
{
    rx_app *a = ctx;
    if (ev->type == RTSP_SERVER_EV_SESSION_START)
        session_start(a, now, ev->conn);
    else
        session_end(a, now, ev->text);
}

/* ---- the engine ---- */

static void report(rx_app *a, int64_t now)
{
    if (now < a->next_report)
        return;
    rx_stats s = rx_totals_now(&a->totals, a->rx);
    device_report dr;
    if (a->stats_file)
        stats_report_json(a->stats_file, &s, rx_output_device_report(a->out, &dr),
                          (double)(now - a->start) / NS_PER_SEC, false);
    if (a->opt.verbose > 0 && a->last_packet)
        stats_report_status(stderr, &s, rx_output_device_report(a->out, &dr));
    a->next_report += NS_PER_SEC;
    if (a->next_report < now)
        a->next_report = now + NS_PER_SEC;
}

/* Winds everything down at NOW: connections closed (ending a session in
 * progress), the stream's end played, the output finalised, the summary. */
static void finish(rx_app *a, int64_t now, const char *why)
{
    if (a->finished)
        return;
    if (a->session_ended)
        why = "the session ended (--once)";
    if (a->failed)
        why = "error";
    if (a->conns)
        rx_conns_close_all(a->conns, now);
    else if (a->rx)
        rx_output_finish_stream(a->out, a->rx, now);
    a->exit_status = a->failed ? 1 : 0;
    rx_stats s = rx_totals_now(&a->totals, a->rx);
    device_report final_dev;
    bool have_dev = rx_output_device_report(a->out, &final_dev) != NULL;
    if (a->opt.verbose >= 0)
        rx_output_print_device_summary(a->out, stderr, program);
    int64_t written = rx_output_written(a->out);
    char err[512];
    if (rx_output_close(a->out, err, sizeof err) != AL_OK) {
        fprintf(stderr, "%s: %s\n", program, err);
        a->exit_status = 1;
    }
    a->out = NULL;
    if (a->stats_file)
        stats_report_json(a->stats_file, &s, have_dev ? &final_dev : NULL,
                          (double)(now - a->start) / NS_PER_SEC, true);
    if (a->opt.verbose >= 0) {
        fprintf(stderr, "%s: ended (%s); wrote %.2f s to %s\n", program, why,
                (double)written / AL_RATE, a->opt.output);
        stats_report_summary(stderr, &s);
    }
    a->finished = true;
}

static int engine_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    rx_app *a = self;
    if (!a->started) {
        a->started = true;
        a->start = now;
        a->next_report = now + NS_PER_SEC;
    }
    int n = 0;
    fds[n++] = (struct pollfd){.fd = a->udp, .events = POLLIN};
    if (a->conns)
        n += rx_conns_prepare(a->conns, now, fds + n, max - n, deadline);
    if (a->next_report < *deadline)
        *deadline = a->next_report;
    if (a->rx) {
        int64_t due = rx_stream_next_due(a->rx);
        if (due < *deadline)
            *deadline = due;
    }
    if (!a->conns && a->last_packet && a->opt.idle_timeout_ns > 0 &&
        a->last_packet + a->opt.idle_timeout_ns < *deadline)
        *deadline = a->last_packet + a->opt.idle_timeout_ns;
    return n;
}

static void engine_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    rx_app *a = self;
    /* Media first: datagrams that arrived before a TEARDOWN belong to the
     * session it ends. */
    if (count > 0 && (fds[0].revents & POLLIN))
        handle_datagrams(a, now);
    if (a->conns)
        rx_conns_dispatch(a->conns, now, fds + 1, count - 1);
    play_due(a, now, false);
    report(a, now);
    if (a->failed || a->session_ended) {
        finish(a, now, "error");
        return;
    }
    if (!a->conns && a->last_packet && a->opt.idle_timeout_ns > 0 &&
        now - a->last_packet >= a->opt.idle_timeout_ns) {
        char why[64];
        snprintf(why, sizeof why, "the stream was silent for %.1f s",
                 (double)a->opt.idle_timeout_ns / NS_PER_SEC);
        finish(a, now, why);
    }
}

static void engine_stop(void *self, int64_t now)
{
    rx_app *a = self;
    if (a->conns) {
        rtsp_server_end_session(rx_conns_server(a->conns), now, "interrupted");
        rx_conns_handle_events(a->conns, now);
    }
    finish(a, now, "interrupted");
}

static bool engine_finished(const void *self, int *exit_status)
{
    const rx_app *a = self;
    *exit_status = a->exit_status;
    return a->finished;
}

loop_engine rx_app_engine(rx_app *a)
{
    return (loop_engine){.self = a,
                         .prepare = engine_prepare,
                         .dispatch = engine_dispatch,
                         .stop = engine_stop,
                         .finished = engine_finished};
}

int rx_app_port(const rx_app *a)
{
    return a->port;
}

/* ---- set-up ---- */

void rx_app_destroy(rx_app *a)
{
    if (!a)
        return;
    rx_stream_destroy(a->rx);
    rx_conns_destroy(a->conns);
    if (a->udp >= 0)
        close(a->udp);
    char err[512];
    rx_output_close(a->out, err, sizeof err);
    if (a->stats_file)
        fclose(a->stats_file);
    free(a->datagram);
    free(a);
}

static rx_app *fail_create(rx_app *a, int *exit_status, int status)
{
    *exit_status = status;
    rx_app_destroy(a);
    return NULL;
}

rx_app *rx_app_create(const rx_options *opt, int *exit_status)
{
    rx_app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "%s: out of memory\n", program);
        *exit_status = 1;
        return NULL;
    }
    a->opt = *opt;
    a->udp = -1;
    a->datagram = malloc(UDP_MAX_DATAGRAM);
    if (!a->datagram) {
        fprintf(stderr, "%s: out of memory\n", program);
        return fail_create(a, exit_status, 1);
    }
    if (opt->stats_path) {
        a->stats_file = fopen(opt->stats_path, "w");
        if (!a->stats_file) {
            fprintf(stderr, "%s: cannot create %s: %s\n", program, opt->stats_path,
                    strerror(errno));
            return fail_create(a, exit_status, 2);
        }
    }
    char err[512];
    int listen_fd = -1;
    if (opt->mode == RX_MODE_CONTROL) {
        if (bind_pair(&opt->listen, &listen_fd, &a->udp, err, sizeof err) != AL_OK) {
            fprintf(stderr, "%s: %s\n", program, err);
            return fail_create(a, exit_status, 2);
        }
    } else {
        a->udp = udp_open_bound(&opt->listen, err, sizeof err);
        if (a->udp < 0) {
            fprintf(stderr, "%s: %s\n", program, err);
            return fail_create(a, exit_status, 2);
        }
    }
    a->port = net_bound_port(a->udp);
    if (listen_fd >= 0) {
        uint64_t seed;
        cli_random_bytes(&seed, sizeof seed);
        rtsp_server_config cfg = {
            .rtp_port = (uint16_t)a->port,
            .session_timeout_s = (unsigned)(opt->session_timeout_ns / NS_PER_SEC),
            .request_timeout_ns = opt->request_timeout_ns,
            .red = opt->rx.red_pt >= 0,
            .seed = seed,
        };
        a->conns = rx_conns_create(listen_fd, &cfg, opt->verbose, on_session, a);
        if (!a->conns) {
            close(listen_fd);
            fprintf(stderr, "%s: out of memory\n", program);
            return fail_create(a, exit_status, 1);
        }
    }
    /* A device opens in stereo unless told (a mono stream plays on both
     * sides); a file is created mono and again with the stream's channels. */
    int first_channels = opt->rx.channels > 0 ? opt->rx.channels : opt->to_device ? 2 : 1;
    a->out =
        rx_output_open(opt->output, opt->to_device, first_channels, opt->verbose, err, sizeof err);
    if (!a->out) {
        fprintf(stderr, "%s: %s\n", program, err);
        return fail_create(a, exit_status, 2);
    }
    if (!a->conns) {
        rx_config cfg = opt->rx;
        if (opt->to_device)
            cfg.channels = rx_output_channels(a->out);
        a->rx = rx_stream_create(&cfg, err, sizeof err);
        if (!a->rx) {
            fprintf(stderr, "%s: %s\n", program, err);
            return fail_create(a, exit_status, 1);
        }
    }
    if (opt->listen.port == 0)
        fprintf(stderr, "%s: listening on port %d\n", program, a->port);
    if (opt->verbose >= 0) {
        if (a->conns)
            fprintf(stderr,
                    "%s: listening on TCP and UDP port %d (RTSP control, RTP; RTCP %d), "
                    "writing %s\n",
                    program, a->port, a->port + 1, opt->output);
        else
            fprintf(stderr,
                    "%s: listening on UDP port %d (plain RTP, no control channel), "
                    "writing %s\n",
                    program, a->port, opt->output);
    }
    return a;
}
