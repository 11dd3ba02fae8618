/* Fuzz target for the SDP parser, the Opus offer check and the writer.
 *
 * Arbitrary bytes go to sdp_parse() (an exact-size input, so ASan sees any
 * read past the end). The result must respect the fixed-size fields; the
 * offer check must agree with the lookups and always give a terminated
 * reason. An accepted offer is written back with sdp_write() and must parse
 * and select to the same stream (ptime rounded up to whole milliseconds, as
 * the writer does). Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sdp.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sdp_desc desc, again;

static void check_terminated(const char *s, size_t cap)
{
    CHECK(memchr(s, '\0', cap) != NULL);
}

static void check_desc(const sdp_desc *d)
{
    CHECK(d->payload_count <= SDP_MAX_PAYLOADS);
    check_terminated(d->origin_addr, sizeof d->origin_addr);
    check_terminated(d->conn_addr, sizeof d->conn_addr);
    check_terminated(d->proto, sizeof d->proto);
    check_terminated(d->control, sizeof d->control);
    for (size_t i = 0; i < d->payload_count; i++) {
        const sdp_payload *p = &d->payloads[i];
        CHECK(p->pt <= 127 && p->channels >= 1);
        CHECK(p->red_count <= SDP_MAX_RED_ENTRIES);
        for (size_t k = 0; k < p->red_count; k++)
            CHECK(p->red[k] <= 127);
        check_terminated(p->encoding, sizeof p->encoding);
        check_terminated(p->fmtp, sizeof p->fmtp);
        for (size_t k = 0; k < i; k++)
            CHECK(d->payloads[k].pt != p->pt); /* duplicates dropped */
        char v[8];
        sdp_fmtp_param(p->fmtp, "stereo", v, sizeof v);
    }
}

/* Writes what was selected and checks it reads back the same. */
static void check_round_trip(const sdp_opus_stream *s)
{
    sdp_stream w;
    sdp_stream_init(&w);
    w.origin_addr = "192.0.2.1";
    w.port = s->port;
    w.opus_pt = s->opus_pt;
    w.channels = s->channels;
    w.frame_us = s->ptime_us;
    w.useinbandfec = s->useinbandfec;
    bool rate_ok = s->maxplaybackrate >= 8000 && s->maxplaybackrate <= 48000;
    w.maxplaybackrate = rate_ok ? s->maxplaybackrate : 0;
    bool red = s->red_pt != SDP_NO_PT && s->red_depth > 0;
    if (red) {
        w.red_pt = (uint8_t)s->red_pt;
        w.red_depth = s->red_depth;
        w.red_bitrate = s->red_bitrate;
    }
    char buf[2048];
    int n = sdp_write(&w, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n < sizeof buf && buf[n] == '\0');
    CHECK(sdp_parse(buf, (size_t)n, &again) == SDP_OK);
    sdp_opus_stream t;
    CHECK(sdp_select_opus(&again, &t, NULL, 0) == SDP_OK);
    CHECK(t.port == s->port && t.opus_pt == s->opus_pt && t.channels == s->channels);
    CHECK(t.red_pt == (red ? s->red_pt : SDP_NO_PT));
    CHECK(t.red_depth == (red ? s->red_depth : 0));
    CHECK(t.red_bitrate == (red ? s->red_bitrate : 0));
    CHECK(t.ptime_us == (s->ptime_us + 999) / 1000 * 1000);
    CHECK(t.useinbandfec == s->useinbandfec);
    CHECK(t.maxplaybackrate == (rate_ok ? s->maxplaybackrate : 48000));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    CHECK(text != NULL);
    if (size)
        memcpy(text, data, size);
    int st = sdp_parse(text, size, &desc);
    free(text);
    CHECK(st == SDP_OK || st == SDP_ERR_NO_AUDIO || st == SDP_ERR_MEDIA);
    CHECK(sdp_strerror(st) != NULL);
    check_desc(&desc);
    CHECK((st == SDP_ERR_NO_AUDIO) == (desc.audio_sections == 0));

    sdp_opus_stream s;
    char why[96];
    int sel = sdp_select_opus(&desc, &s, why, sizeof why);
    check_terminated(why, sizeof why);
    if (st == SDP_ERR_NO_AUDIO)
        CHECK(sel == SDP_ERR_NO_AUDIO);
    if (sel != SDP_OK) {
        CHECK(sel < 0 && why[0] != '\0');
        return 0;
    }
    CHECK(why[0] == '\0');
    CHECK(sdp_find_codec(&desc, "opus") == s.opus_pt);
    CHECK(s.channels == 1 || s.channels == 2);
    int red_pt, carried;
    bool has_red = sdp_has_red(&desc, &red_pt, &carried);
    if (s.red_pt != SDP_NO_PT)
        CHECK(has_red && red_pt == s.red_pt && carried == s.opus_pt);
    check_round_trip(&s);
    return 0;
}
