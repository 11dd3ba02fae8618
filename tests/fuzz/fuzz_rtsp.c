/* Fuzz target for the incremental RTSP parser and the RTSP value parsers.
 *
 * The input is a byte stream from a peer. It is parsed all at once and again
 * in chunks whose sizes come from a generator seeded by a hash of the input
 * (so a mutation changes the split too); each chunk is an exact-size heap
 * block, so ASan catches a read past what the parser was given. The two runs
 * must yield the same events (status, stream offset, message contents).
 * Every message must respect the limits, write back through the writers to
 * something that parses to the same fields, and its Transport, Session and
 * URI must survive the value parsers and their writers. Any violation
 * aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtsp.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rtsp_parser whole_parser, chunk_parser, echo_parser;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s, strlen(s) + 1);
}

static uint64_t hash_event(uint64_t h, int st, size_t offset, const rtsp_message *m)
{
    h = fnv(h, &st, sizeof st);
    h = fnv(h, &offset, sizeof offset);
    h = fnv(h, &m->cseq, sizeof m->cseq);
    if (st == RTSP_INTERLEAVED) {
        h = fnv(h, &m->channel, sizeof m->channel);
        return fnv(h, &m->frame_len, sizeof m->frame_len);
    }
    h = fnv(h, &m->is_response, sizeof m->is_response);
    h = fnv(h, &m->status_code, sizeof m->status_code);
    h = fnv_str(fnv_str(fnv_str(h, m->method_name), m->uri), m->reason);
    for (size_t i = 0; i < m->header_count; i++)
        h = fnv_str(fnv_str(h, m->headers[i].name), m->headers[i].value);
    return fnv(h, m->body, m->body_len);
}

static void check_transport(const char *value)
{
    rtsp_transport t;
    const char *next;
    if (rtsp_parse_transport(value, &t, &next) != RTSP_OK)
        return;
    CHECK(!next || (next > value && next <= value + strlen(value)));
    CHECK(!t.has_client_port || t.client_port.rtp != 0);
    CHECK(!t.has_server_port || t.server_port.rtp != 0);
    CHECK(strlen(t.source) < sizeof t.source && strlen(t.destination) < sizeof t.destination);
    /* What we write, we read back to the same text. */
    char a[1024], b[1024];
    if (rtsp_write_transport(a, sizeof a, &t) < 0)
        return;
    rtsp_transport again;
    CHECK(rtsp_parse_transport(a, &again, NULL) == RTSP_OK);
    CHECK(rtsp_write_transport(b, sizeof b, &again) >= 0);
    CHECK(strcmp(a, b) == 0);
}

static void check_session(const char *value)
{
    rtsp_session s;
    if (rtsp_parse_session(value, &s) != RTSP_OK)
        return;
    CHECK(s.id[0] != '\0' && strlen(s.id) <= RTSP_MAX_SESSION_ID);
    CHECK(s.has_timeout || s.timeout == RTSP_DEFAULT_SESSION_TIMEOUT);
}

static void check_url(const char *uri)
{
    rtsp_url u;
    if (rtsp_parse_url(uri, &u) != RTSP_OK)
        return;
    CHECK(u.host[0] != '\0' && u.port != 0);
    if (u.path[0] && u.path[0] != '/')
        return; /* "?query" directly after the authority: the writer adds a '/' */
    char buf[RTSP_MAX_HOST + RTSP_MAX_PATH + 32];
    if (rtsp_write_url(buf, sizeof buf, u.host, u.port, u.path) < 0)
        return;
    rtsp_url again;
    CHECK(rtsp_parse_url(buf, &again) == RTSP_OK);
    CHECK(strcmp(again.host, u.host) == 0 && again.port == u.port);
    CHECK(strcmp(again.path, u.path) == 0);
}

/* Writes M back with the writers and checks that it parses to the same. */
static void check_echo(const rtsp_message *m)
{
    if (m->cseq < 0)
        return;
    static rtsp_header_field extra[RTSP_MAX_HEADERS];
    size_t n = 0;
    for (size_t i = 0; i < m->header_count; i++) {
        const char *name = m->headers[i].name;
        if (strcmp(name, "CSeq") && strcmp(name, "Content-Length") && strcmp(name, "cseq") &&
            strcmp(name, "content-length"))
            extra[n++] = m->headers[i];
    }
    static char out[RTSP_MAX_HEAD * 2 + RTSP_MAX_BODY];
    int len;
    if (m->is_response)
        len = rtsp_write_response(out, sizeof out, m->status_code, m->reason, m->cseq, extra, n,
                                  m->body, m->body_len);
    else
        len = rtsp_write_request(out, sizeof out, m->method, m->uri, m->cseq, extra, n, m->body,
                                 m->body_len);
    if (len < 0)
        return; /* e.g. a value holding a CR, an unusual header-name case */
    rtsp_parser_reset(&echo_parser);
    rtsp_message e;
    size_t used;
    int st = rtsp_parser_feed(&echo_parser, out, (size_t)len, &used, &e);
    if (st == RTSP_ERR_HEAD_TOO_LARGE || st == RTSP_ERR_LINE_TOO_LONG ||
        st == RTSP_ERR_URI_TOO_LONG)
        return; /* "Name: value" can be longer than the original "Name:value" */
    CHECK(st == RTSP_MESSAGE && used == (size_t)len);
    CHECK(e.is_response == m->is_response && e.cseq == m->cseq);
    CHECK(strcmp(e.uri, m->uri) == 0 && e.method == m->method);
    CHECK(e.status_code == m->status_code);
    CHECK(e.body_len == m->body_len && memcmp(e.body, m->body, m->body_len) == 0);
    CHECK(e.header_count == n + 1 + (m->body_len > 0));
    for (size_t i = 0; i < n; i++) {
        CHECK(strcmp(e.headers[i + 1].name, extra[i].name) == 0);
        CHECK(strcmp(e.headers[i + 1].value, extra[i].value) == 0);
    }
}

static void check_message(int st, const rtsp_message *m)
{
    if (st == RTSP_INTERLEAVED)
        return;
    if (st < 0) {
        int code = rtsp_error_status(st, NULL);
        CHECK(code == 400 || code == 413 || code == 414 || code == 505);
        CHECK(rtsp_strerror(st) != NULL);
        return;
    }
    CHECK(st == RTSP_MESSAGE);
    CHECK(m->header_count <= RTSP_MAX_HEADERS);
    CHECK(m->body_len <= RTSP_MAX_BODY && m->body[m->body_len] == '\0');
    CHECK(m->cseq >= -1 && m->cseq <= INT32_MAX);
    CHECK(strlen(m->uri) <= RTSP_MAX_LINE && strlen(m->reason) <= RTSP_MAX_LINE);
    if (m->is_response)
        CHECK(m->status_code >= 100 && m->status_code <= 999);
    else
        CHECK(m->method_name[0] != '\0' && m->uri[0] != '\0');
    for (size_t i = 0; i < m->header_count; i++) {
        CHECK(m->headers[i].name[0] != '\0');
        CHECK(rtsp_header(m, m->headers[i].name) != NULL);
        check_transport(m->headers[i].value);
        check_session(m->headers[i].value);
    }
    check_url(m->uri);
    check_echo(m);
}

static uint64_t rng;

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Parses DATA in chunks (all at once when CHUNKED is false), as a TCP reader
 * would; returns the number of events and their hash in *HASH. */
static int run(rtsp_parser *p, const uint8_t *data, size_t size, bool chunked, uint64_t *hash)
{
    rtsp_parser_reset(p);
    uint64_t h = 0xcbf29ce484222325ull;
    int events = 0;
    for (size_t off = 0; off < size;) {
        size_t n = size - off;
        if (chunked) {
            /* Mostly small pieces, sometimes one byte, sometimes large ones. */
            uint32_t r = next_random();
            size_t want = r % 8 == 0 ? 1 : r % 8 == 1 ? 1 + r % 2048 : 1 + r % 24;
            n = want < n ? want : n;
        }
        uint8_t *chunk = malloc(n);
        CHECK(chunk != NULL);
        memcpy(chunk, data + off, n);
        size_t pos = 0;
        for (;;) {
            rtsp_message m;
            size_t used = 0;
            int st = rtsp_parser_feed(p, chunk + pos, n - pos, &used, &m);
            CHECK(used <= n - pos);
            pos += used;
            if (st == RTSP_NEED_MORE) {
                CHECK(pos == n);
                break;
            }
            check_message(st, &m);
            h = hash_event(h, st, off + pos, &m);
            events++;
            if (st < 0) {
                free(chunk);
                *hash = h;
                return events;
            }
            /* After a message the parser must make progress or ask for more. */
            CHECK(used > 0);
        }
        free(chunk);
        off += n;
    }
    *hash = h;
    return events;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t whole_hash, chunk_hash;
    int whole = run(&whole_parser, data, size, false, &whole_hash);
    rng = fnv(0xcbf29ce484222325ull, data, size) | 1;
    int chunked = run(&chunk_parser, data, size, true, &chunk_hash);
    CHECK(whole == chunked);
    CHECK(whole_hash == chunk_hash);
    return 0;
}
