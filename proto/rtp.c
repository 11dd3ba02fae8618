/* RTP fixed header and sequence tracking (RFC 3550). */
#include "proto/rtp.h"

#include <string.h>

#include "proto/bytes.h"

int rtp_parse(const uint8_t *buf, size_t len, rtp_header *out)
{
    if (!buf || !out || len < RTP_HEADER_SIZE)
        return RTP_ERR_TOO_SHORT;
    if ((buf[0] >> 6) != RTP_VERSION)
        return RTP_ERR_VERSION;

    memset(out, 0, sizeof *out);
    out->padding = (buf[0] >> 5) & 1;
    out->extension = (buf[0] >> 4) & 1;
    out->csrc_count = buf[0] & 0x0f;
    out->marker = buf[1] >> 7;
    out->payload_type = buf[1] & 0x7f;
    out->sequence = get16(buf + 2);
    out->timestamp = get32(buf + 4);
    out->ssrc = get32(buf + 8);

    size_t pos = RTP_HEADER_SIZE;
    if (len - pos < (size_t)out->csrc_count * 4)
        return RTP_ERR_CSRC_TRUNCATED;
    for (int i = 0; i < out->csrc_count; i++, pos += 4)
        out->csrc[i] = get32(buf + pos);

    if (out->extension) {
        if (len - pos < 4)
            return RTP_ERR_EXT_TRUNCATED;
        out->ext_profile = get16(buf + pos);
        size_t ext_len = (size_t)get16(buf + pos + 2) * 4;
        pos += 4;
        if (len - pos < ext_len)
            return RTP_ERR_EXT_TRUNCATED;
        out->ext_data = buf + pos;
        out->ext_len = ext_len;
        pos += ext_len;
    }

    size_t payload_len = len - pos;
    if (out->padding) {
        /* The last octet counts the padding, itself included: 0 is invalid. */
        uint8_t pad = buf[len - 1];
        if (pad == 0 || pad > payload_len)
            return RTP_ERR_PADDING;
        payload_len -= pad;
    }
    out->payload = buf + pos;
    out->payload_len = payload_len;
    return RTP_OK;
}

size_t rtp_header_size(const rtp_header *h)
{
    size_t size = RTP_HEADER_SIZE + (size_t)h->csrc_count * 4;
    if (h->extension)
        size += 4 + h->ext_len;
    return size;
}

int rtp_write(const rtp_header *h, const uint8_t *payload, size_t payload_len, uint8_t *out,
              size_t cap)
{
    if (!h || !out || h->payload_type > RTP_MAX_PT || h->csrc_count > RTP_MAX_CSRC)
        return RTP_ERR_ARG;
    if (h->extension && (h->ext_len % 4 != 0 || h->ext_len / 4 > 0xffff))
        return RTP_ERR_ARG;
    size_t header = rtp_header_size(h);
    if (header + payload_len > cap || header + payload_len > RTP_MAX_PACKET)
        return RTP_ERR_BUFFER;

    out[0] = (uint8_t)(RTP_VERSION << 6 | (h->extension ? 1 << 4 : 0) | h->csrc_count);
    out[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->payload_type);
    put16(out + 2, h->sequence);
    put32(out + 4, h->timestamp);
    put32(out + 8, h->ssrc);
    size_t pos = RTP_HEADER_SIZE;
    for (int i = 0; i < h->csrc_count; i++, pos += 4)
        put32(out + pos, h->csrc[i]);
    if (h->extension) {
        put16(out + pos, h->ext_profile);
        put16(out + pos + 2, (uint16_t)(h->ext_len / 4));
        pos += 4;
        if (h->ext_len)
            memcpy(out + pos, h->ext_data, h->ext_len);
        pos += h->ext_len;
    }
    if (payload_len)
        memcpy(out + pos, payload, payload_len);
    return (int)(pos + payload_len);
}

const char *rtp_strerror(int status)
{
    switch (status) {
    case RTP_ERR_TOO_SHORT:
        return "shorter than an RTP header";
    case RTP_ERR_VERSION:
        return "not RTP version 2";
    case RTP_ERR_CSRC_TRUNCATED:
        return "CSRC list runs past the end";
    case RTP_ERR_EXT_TRUNCATED:
        return "header extension runs past the end";
    case RTP_ERR_PADDING:
        return "invalid padding count";
    default:
        return al_strerror(status);
    }
}

void rtp_seq_init(rtp_seq_tracker *t)
{
    memset(t, 0, sizeof *t);
}

static void seq_restart(rtp_seq_tracker *t, uint16_t seq, int64_t extended)
{
    t->started = true;
    t->highest = extended;
    t->base = extended;
    t->bad_seq_valid = false;
    (void)seq;
}

enum rtp_seq_verdict rtp_seq_update(rtp_seq_tracker *t, uint16_t seq, int64_t *extended)
{
    if (!t->started) {
        /* Start the extended space well away from zero so that a first
         * packet followed by an older one never goes negative. */
        int64_t first = ((int64_t)1 << 32) + seq;
        seq_restart(t, seq, first);
        t->received = 1;
        *extended = first;
        return RTP_SEQ_IN_ORDER;
    }
    int32_t delta = rtp_seq_diff(seq, (uint16_t)t->highest);
    if (delta > 0 && delta < RTP_MAX_DROPOUT) {
        t->highest += delta;
        t->bad_seq_valid = false;
        t->received++;
        *extended = t->highest;
        return RTP_SEQ_IN_ORDER;
    }
    if (delta <= 0 && -delta <= RTP_MAX_MISORDER) {
        t->received++;
        *extended = t->highest + delta;
        return RTP_SEQ_LATE;
    }
    /* A large jump: either a restarted source or a stray packet. Believe it
     * only when the next packet follows it (RFC 3550 A.1). */
    if (t->bad_seq_valid && seq == t->bad_seq) {
        int64_t restarted = t->highest + ((int64_t)1 << 16) * 2 + seq - (uint16_t)t->highest;
        seq_restart(t, seq, restarted);
        t->received++;
        *extended = restarted;
        return RTP_SEQ_RESTART;
    }
    t->bad_seq = (uint16_t)(seq + 1);
    t->bad_seq_valid = true;
    return RTP_SEQ_BAD;
}

int64_t rtp_seq_expected(const rtp_seq_tracker *t)
{
    return t->started ? t->highest - t->base + 1 : 0;
}
