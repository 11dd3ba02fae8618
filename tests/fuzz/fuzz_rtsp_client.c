/* Fuzz target: the sender's RTSP client state machine fed arbitrary bytes as
 * the receiver's side of its TCP connection, split into chunks, with time
 * advancing and the connection hanging up, failing and coming back; its
 * requests are drained as a socket would, or left queued by a receiver that
 * does not read. It must never crash or leak, and it must keep its rules:
 * events come in an order that makes sense (CONNECT only with no socket
 * open, CLOSE only with one, START and STOP alternating, FINISHED once and
 * last, with the socket closed); it is never stuck (until FINISHED a timer
 * is always pending, and a stop finishes within the TEARDOWN timeout); what
 * it writes parses as RTSP, with CSeq 1, 2, 3 ... on each connection and a
 * Session on every request after SETUP; and while recording the agreed
 * stream is sane (a session id, a port, a timeout, RED only as asked).
 *
 * Input: one configuration byte (bits 0-1 copies wanted, 2 FEC, 3
 * --retry-busy, 4 stereo, 5 IPv6, 6 a 2 s reply timeout, 7 2.5 ms frames),
 * then chunks. The first byte of each chunk picks its length (low 5 bits,
 * 1..32) and what happens around it (top 3 bits, see enum op). Bytes that
 * arrive while no connection is open wait for the retry: time jumps to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtsp.h"
#include "sender/rtsp_client.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#define MSEC 1000000LL
/* Long time jumps stop here: keep-alives up to 122 days apart must not
 * carry the clock near overflow, which a monotonic clock never sees. */
#define NOW_MAX (INT64_MAX / 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What happens around a chunk (the top 3 bits of its first byte). */
enum op {
    OP_PLAIN,      /* delivered; the client's output is written out */
    OP_UNREAD,     /* delivered; the receiver reads nothing: output stays queued */
    OP_SHORT,      /* delivered; the socket takes half the output */
    OP_TIMER,      /* delivered; then time jumps to the client's next timer */
    OP_HANGUP,     /* delivered; then the receiver closes the connection */
    OP_REFUSED,    /* a pending connect fails (the chunk is lost); else OP_PLAIN */
    OP_INTERRUPT,  /* delivered; then Ctrl-C */
    OP_END_OF_FILE /* delivered; then the input ends */
};

enum sock { SOCK_NONE, SOCK_CONNECTING, SOCK_OPEN };

typedef struct harness {
    rtsp_client *c;
    rtsp_client_config cfg;
    const char *addr;
    int64_t now;
    enum sock sock;
    bool media;    /* between START and STOP */
    bool finished; /* FINISHED seen */
    rtsp_parser out_parser;
    long last_cseq; /* of the last request written on this connection */
} harness;

static harness h; /* the parser is 25 KiB: not on the stack */

/* Valid from START to STOP, even when both come out of one call. */
static void check_stream(void)
{
    const rtsp_client_stream *s = rtsp_client_get_stream(h.c);
    CHECK(memchr(s->session, '\0', sizeof s->session) != NULL);
    CHECK(s->session[0] != '\0');
    CHECK(s->server_port != 0);
    CHECK(s->timeout_s > 0);
    if (s->red) {
        CHECK(s->red_depth == h.cfg.red_depth && s->red_depth >= 1 && s->red_depth <= 3);
        CHECK(!s->fec_instead_of_red);
    } else {
        CHECK(s->red_depth == 0);
    }
    CHECK(!s->fec_instead_of_red || s->fec);
    CHECK(!h.cfg.fec || s->fec);
}

/* A new connection: its dialogue starts afresh. */
static void new_connection(void)
{
    rtsp_parser_reset(&h.out_parser);
    h.last_cseq = 0;
}

/* The bytes the socket took: requests in CSeq order, answers only 501. */
static void check_written(const uint8_t *p, size_t len)
{
    while (len > 0) {
        size_t used = 0;
        rtsp_message m;
        int st = rtsp_parser_feed(&h.out_parser, p, len, &used, &m);
        CHECK(st >= 0 && st != RTSP_INTERLEAVED);
        CHECK(used <= len);
        p += used;
        len -= used;
        if (st == RTSP_NEED_MORE)
            break;
        if (m.is_response) {
            CHECK(m.status_code == 501);
            continue;
        }
        CHECK(m.cseq == h.last_cseq + 1);
        h.last_cseq = m.cseq;
        CHECK(rtsp_header(&m, "User-Agent") != NULL);
        switch (m.method) {
        case RTSP_METHOD_OPTIONS:
        case RTSP_METHOD_ANNOUNCE:
        case RTSP_METHOD_SETUP:
            break;
        case RTSP_METHOD_RECORD:
        case RTSP_METHOD_GET_PARAMETER:
        case RTSP_METHOD_TEARDOWN:
            CHECK(rtsp_header(&m, "Session") != NULL);
            break;
        default:
            CHECK(0);
        }
    }
}

/* The socket takes WANT bytes of the output (SIZE_MAX: all of it). */
static void write_out(size_t want)
{
    if (h.sock != SOCK_OPEN)
        return;
    const uint8_t *out;
    size_t n = rtsp_client_output(h.c, &out);
    CHECK(n <= RTSP_CLIENT_OUT_MAX);
    if (n > want)
        n = want;
    if (n == 0)
        return;
    check_written(out, n);
    rtsp_client_output_sent(h.c, n);
}

static void drain_events(void)
{
    rtsp_client_event ev;
    while (rtsp_client_next_event(h.c, &ev)) {
        CHECK(!h.finished);
        CHECK(memchr(ev.text, '\0', sizeof ev.text) != NULL);
        switch (ev.type) {
        case RTSP_CLIENT_EV_CONNECT:
            CHECK(h.sock == SOCK_NONE);
            h.sock = SOCK_CONNECTING;
            break;
        case RTSP_CLIENT_EV_START:
            CHECK(!h.media && h.sock == SOCK_OPEN);
            h.media = true;
            check_stream();
            break;
        case RTSP_CLIENT_EV_STOP:
            CHECK(h.media);
            h.media = false;
            break;
        case RTSP_CLIENT_EV_CLOSE:
            CHECK(h.sock != SOCK_NONE);
            h.sock = SOCK_NONE;
            break;
        case RTSP_CLIENT_EV_NOTICE:
            CHECK(ev.text[0] != '\0');
            break;
        case RTSP_CLIENT_EV_FINISHED:
            CHECK(!h.media && h.sock == SOCK_NONE);
            /* Whatever a peer sends, the client ends in one of its documented
             * outcomes: never a writer failure, which would be our bug. */
            CHECK(ev.status == AL_OK || ev.status == AL_ERR_BUSY || ev.status == AL_ERR_REFUSED ||
                  ev.status == AL_ERR_NO_PEER);
            h.finished = true;
            break;
        default:
            CHECK(0);
        }
    }
    rtsp_client_state st = rtsp_client_get_state(h.c);
    CHECK(rtsp_client_state_name(st)[0] != '?');
    CHECK(h.finished == (st == RTSP_CLIENT_FINISHED));
    CHECK(h.media == rtsp_client_recording(h.c));
    if (h.media) {
        CHECK(st == RTSP_CLIENT_RECORDING);
        check_stream();
    }
    /* never stuck: something is always due, unless it is all over */
    CHECK(h.finished || rtsp_client_next_timer(h.c) < INT64_MAX);
}

static void jump_to_next_timer(void)
{
    int64_t t = rtsp_client_next_timer(h.c);
    if (t > h.now && (t <= NOW_MAX || t - h.now <= 60000 * MSEC))
        h.now = t;
    rtsp_client_tick(h.c, h.now);
    drain_events();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t conf = size > 0 ? data[0] : 0;
    size_t pos = size > 0 ? 1 : 0;
    bool ipv6 = conf & 0x20;
    memset(&h.cfg, 0, sizeof h.cfg);
    h.cfg.url = ipv6 ? "rtsp://[::1]:5004/audio" : "rtsp://127.0.0.1:5004/audio";
    h.cfg.user_agent = "audiolink/0.1.0";
    h.cfg.client_port = 56667;
    h.cfg.ssrc = 0x730D4CE8;
    h.cfg.channels = conf & 0x10 ? 2 : 1;
    h.cfg.frame_us = conf & 0x80 ? 2500 : 20000;
    h.cfg.red_depth = conf & 3;
    h.cfg.red_bitrate = 7500;
    h.cfg.fec = conf & 0x04;
    h.cfg.retry_busy = conf & 0x08;
    h.cfg.response_timeout_ns = conf & 0x40 ? 2000 * MSEC : 0;
    h.addr = ipv6 ? "::1" : "127.0.0.1";
    h.now = 1000 * MSEC;
    h.sock = SOCK_NONE;
    h.media = false;
    h.finished = false;
    new_connection();

    /* heap, exact size: ASan sees any access past the struct */
    h.c = malloc(sizeof *h.c);
    if (!h.c)
        return 0;
    CHECK(rtsp_client_init(h.c, &h.cfg, h.now) == 0);
    drain_events();
    CHECK(h.sock == SOCK_CONNECTING);
    rtsp_client_connected(h.c, h.now, h.addr, h.addr);
    h.sock = SOCK_OPEN;
    drain_events();
    write_out(SIZE_MAX);

    while (pos < size) {
        enum op op = (enum op)(data[pos] >> 5);
        size_t chunk = (size_t)(data[pos] & 31) + 1;
        pos++;
        if (chunk > size - pos)
            chunk = size - pos;
        const uint8_t *bytes = data + pos;
        pos += chunk;

        if (h.sock == SOCK_NONE && !h.finished)
            jump_to_next_timer(); /* the retry: a CONNECT */
        if (h.sock == SOCK_CONNECTING) {
            if (op == OP_REFUSED) {
                h.sock = SOCK_NONE;
                rtsp_client_connect_failed(h.c, h.now, "Connection refused");
            } else {
                h.sock = SOCK_OPEN;
                new_connection();
                rtsp_client_connected(h.c, h.now, h.addr, h.addr);
            }
            drain_events();
        }
        if (h.sock == SOCK_OPEN) {
            rtsp_client_received(h.c, h.now, bytes, chunk);
            drain_events();
        }

        switch (op) {
        case OP_UNREAD:
            break;
        case OP_SHORT: {
            const uint8_t *out;
            write_out((rtsp_client_output(h.c, &out) + 1) / 2);
            break;
        }
        default:
            write_out(SIZE_MAX);
        }
        switch (op) {
        case OP_TIMER:
            jump_to_next_timer();
            break;
        case OP_HANGUP:
            if (h.sock == SOCK_OPEN) {
                h.sock = SOCK_NONE;
                rtsp_client_closed(h.c, h.now, "connection closed by the receiver");
                drain_events();
            }
            break;
        case OP_INTERRUPT:
        case OP_END_OF_FILE:
            rtsp_client_stop(h.c, h.now, op == OP_INTERRUPT ? "interrupted" : "end of input",
                             op == OP_INTERRUPT);
            drain_events();
            break;
        default:
            break;
        }
        h.now += 7 * MSEC;
        rtsp_client_tick(h.c, h.now);
        drain_events();
        if (op != OP_UNREAD)
            write_out(SIZE_MAX);
    }

    /* The input ends: TEARDOWN if a session exists, finished at the latest
     * when the TEARDOWN's reply is overdue. */
    rtsp_client_stop(h.c, h.now, "end of input", false);
    drain_events();
    write_out(SIZE_MAX);
    if (!h.finished)
        jump_to_next_timer();
    CHECK(h.finished);
    CHECK(rtsp_client_next_timer(h.c) == INT64_MAX);
    const uint8_t *out;
    CHECK(rtsp_client_output(h.c, &out) == 0);
    free(h.c);
    return 0;
}
