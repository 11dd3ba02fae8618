/* RTCP compound packets (RFC 3550), extended reports (RFC 3611) and our
 * ALrx APP packet: builders, the A.2 check, the walker and typed parsers. */
#include "proto/rtcp.h"

#include <limits.h>
#include <string.h>

#include "proto/bytes.h"

#define NS_PER_S 1000000000LL

/* The fixed header: V(2) P(1) count(5) | PT(8) | length in words - 1 (16). */
#define RTCP_P_BIT      0x20
#define RTCP_COUNT_MASK 0x1f

/* Loss RLE chunks (RFC 3611 4.1.1): the top bit tells a bit vector (1)
 * from a run length chunk (0), whose next bit is the run type (1: the
 * packets arrived). 0x0000 is the null chunk that pads the block. */
#define CHUNK_BIT_VECTOR  0x8000
#define CHUNK_RUN_OF_ONES 0x4000
#define CHUNK_RUN_LENGTH  0x3fff
#define CHUNK_NULL        0x0000

/* ---- Arithmetic ---- */

uint64_t rtcp_ntp_from_ns(int64_t ns)
{
    if (ns < 0)
        return 0;
    uint64_t seconds = (uint64_t)(ns / NS_PER_S);
    /* The remainder is below 2^30, so shifted by 32 it still fits. */
    uint64_t fraction = ((uint64_t)(ns % NS_PER_S) << 32) / NS_PER_S;
    return (uint64_t)(uint32_t)seconds << 32 | fraction;
}

int64_t rtcp_ntp_to_ns(uint64_t ntp)
{
    int64_t seconds = (int64_t)(ntp >> 32);
    uint64_t fraction = ntp & 0xffffffffu;
    /* Rounded to nearest, so that rtcp_ntp_from_ns()'s rounding down comes
     * back to the same nanosecond. */
    return seconds * NS_PER_S + (int64_t)((fraction * NS_PER_S + (1u << 31)) >> 32);
}

uint32_t rtcp_short_from_ns(int64_t ns)
{
    if (ns < 0)
        return 0;
    if (ns / NS_PER_S >= 65536)
        return UINT32_MAX;
    uint64_t seconds = (uint64_t)(ns / NS_PER_S);
    uint64_t fraction = ((uint64_t)(ns % NS_PER_S) << 16) / NS_PER_S;
    return (uint32_t)(seconds << 16 | fraction);
}

int64_t rtcp_short_to_ns(uint32_t units)
{
    int64_t seconds = units >> 16;
    uint64_t fraction = units & 0xffffu;
    return seconds * NS_PER_S + (int64_t)((fraction * NS_PER_S + (1u << 15)) >> 16);
}

bool rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, int64_t *rtt_ns)
{
    if (lsr == 0 || !rtt_ns)
        return false;
    /* Unsigned arithmetic is modulo 2^32: right across the wrap. */
    uint32_t rtt = arrival - lsr - dlsr;
    if ((int32_t)rtt < 0)
        return false;
    *rtt_ns = rtcp_short_to_ns(rtt);
    return true;
}

uint8_t rtcp_fraction_lost(int64_t expected_interval, int64_t received_interval)
{
    int64_t lost = expected_interval - received_interval;
    if (expected_interval <= 0 || lost <= 0)
        return 0;
    int64_t fraction = (lost << 8) / expected_interval;
    return fraction > 255 ? 255 : (uint8_t)fraction;
}

int32_t rtcp_cumulative_lost(int64_t lost)
{
    if (lost > RTCP_CUMULATIVE_LOST_MAX)
        return RTCP_CUMULATIVE_LOST_MAX;
    if (lost < RTCP_CUMULATIVE_LOST_MIN)
        return RTCP_CUMULATIVE_LOST_MIN;
    return (int32_t)lost;
}

/* ---- Building ---- */

void rtcp_writer_init(rtcp_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    /* The length comes out as an int. */
    w->cap = cap > INT_MAX ? INT_MAX : cap;
    w->status = buf ? RTCP_OK : RTCP_ERR_ARG;
}

/* Records the first error and returns the one that sticks. */
static int fail(rtcp_writer *w, int status)
{
    if (w->status == RTCP_OK)
        w->status = status;
    return w->status;
}

/* Room for N more bytes, zeroed (so that padding and reserved fields are
 * 0), or NULL with the writer failed. */
static uint8_t *reserve(rtcp_writer *w, size_t n)
{
    if (w->status != RTCP_OK)
        return NULL;
    if (n > w->cap - w->len) {
        fail(w, RTCP_ERR_BUFFER);
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    memset(p, 0, n);
    w->len += n;
    return p;
}

/* Checks that a packet of TYPE may begin here: nothing open, SR or RR
 * first. */
static int may_begin(rtcp_writer *w, int type)
{
    if (!w)
        return RTCP_ERR_ARG;
    if (w->status != RTCP_OK)
        return w->status;
    if (w->xr_open)
        return fail(w, RTCP_ERR_ORDER);
    if (w->packets == 0 && type != RTCP_PT_SR && type != RTCP_PT_RR)
        return fail(w, RTCP_ERR_ORDER);
    return RTCP_OK;
}

static void put_header(uint8_t *p, unsigned count, int type, size_t total_len)
{
    p[0] = (uint8_t)(RTCP_VERSION << 6 | (count & RTCP_COUNT_MASK));
    p[1] = (uint8_t)type;
    put16(p + 2, (uint16_t)(total_len / 4 - 1));
}

static void put_report_block(uint8_t *p, const rtcp_report_block *b)
{
    put32(p, b->ssrc);
    /* The 24-bit field holds a clamped two's complement value. */
    uint32_t lost = (uint32_t)rtcp_cumulative_lost(b->cumulative_lost) & 0xffffffu;
    put32(p + 4, (uint32_t)b->fraction_lost << 24 | lost);
    put32(p + 8, b->highest_seq);
    put32(p + 12, b->jitter);
    put32(p + 16, b->lsr);
    put32(p + 20, b->dlsr);
}

int rtcp_write_sr(rtcp_writer *w, const rtcp_sr *sr)
{
    int status = may_begin(w, RTCP_PT_SR);
    if (status)
        return status;
    if (!sr || sr->report_count > RTCP_MAX_REPORT_BLOCKS)
        return fail(w, RTCP_ERR_ARG);
    size_t total = RTCP_HEADER_SIZE + RTCP_SSRC_SIZE + RTCP_SENDER_INFO_SIZE +
                   sr->report_count * RTCP_REPORT_BLOCK_SIZE;
    uint8_t *p = reserve(w, total);
    if (!p)
        return w->status;
    put_header(p, (unsigned)sr->report_count, RTCP_PT_SR, total);
    put32(p + 4, sr->ssrc);
    put64(p + 8, sr->ntp);
    put32(p + 16, sr->rtp_ts);
    put32(p + 20, sr->packet_count);
    put32(p + 24, sr->octet_count);
    for (size_t i = 0; i < sr->report_count; i++)
        put_report_block(p + 28 + i * RTCP_REPORT_BLOCK_SIZE, &sr->reports[i]);
    w->packets++;
    return RTCP_OK;
}

int rtcp_write_rr(rtcp_writer *w, uint32_t ssrc, const rtcp_report_block *blocks, size_t n)
{
    int status = may_begin(w, RTCP_PT_RR);
    if (status)
        return status;
    if (n > RTCP_MAX_REPORT_BLOCKS || (!blocks && n > 0))
        return fail(w, RTCP_ERR_ARG);
    size_t total = RTCP_HEADER_SIZE + RTCP_SSRC_SIZE + n * RTCP_REPORT_BLOCK_SIZE;
    uint8_t *p = reserve(w, total);
    if (!p)
        return w->status;
    put_header(p, (unsigned)n, RTCP_PT_RR, total);
    put32(p + 4, ssrc);
    for (size_t i = 0; i < n; i++)
        put_report_block(p + 8 + i * RTCP_REPORT_BLOCK_SIZE, &blocks[i]);
    w->packets++;
    return RTCP_OK;
}

/* Bytes rounded up to whole words. */
static size_t words_of(size_t bytes)
{
    return (bytes + 3) / 4 * 4;
}

int rtcp_write_sdes_cname(rtcp_writer *w, uint32_t ssrc, const char *cname)
{
    int status = may_begin(w, RTCP_PT_SDES);
    if (status)
        return status;
    size_t len = cname ? strlen(cname) : 0;
    if (len == 0 || len > RTCP_MAX_SDES_TEXT)
        return fail(w, RTCP_ERR_ARG);
    /* One chunk: SSRC, the CNAME item (type, length, text), the end item,
     * zeros up to the next word (reserve() zeroes them). */
    size_t chunk = words_of(RTCP_SSRC_SIZE + 2 + len + 1);
    size_t total = RTCP_HEADER_SIZE + chunk;
    uint8_t *p = reserve(w, total);
    if (!p)
        return w->status;
    put_header(p, 1, RTCP_PT_SDES, total);
    put32(p + 4, ssrc);
    p[8] = RTCP_SDES_CNAME;
    p[9] = (uint8_t)len;
    memcpy(p + 10, cname, len);
    w->packets++;
    return RTCP_OK;
}

int rtcp_write_bye(rtcp_writer *w, const uint32_t *sources, size_t n, const char *reason)
{
    int status = may_begin(w, RTCP_PT_BYE);
    if (status)
        return status;
    size_t reason_len = reason ? strlen(reason) : 0;
    if (n > RTCP_MAX_BYE_SOURCES || (!sources && n > 0) || reason_len > RTCP_MAX_BYE_REASON)
        return fail(w, RTCP_ERR_ARG);
    size_t total = RTCP_HEADER_SIZE + n * RTCP_SSRC_SIZE + (reason ? words_of(1 + reason_len) : 0);
    uint8_t *p = reserve(w, total);
    if (!p)
        return w->status;
    put_header(p, (unsigned)n, RTCP_PT_BYE, total);
    for (size_t i = 0; i < n; i++)
        put32(p + 4 + i * 4, sources[i]);
    if (reason) {
        uint8_t *r = p + 4 + n * 4;
        r[0] = (uint8_t)reason_len;
        memcpy(r + 1, reason, reason_len);
    }
    w->packets++;
    return RTCP_OK;
}

int rtcp_write_app(rtcp_writer *w, uint8_t subtype, uint32_t ssrc, const char *name,
                   const uint8_t *data, size_t data_len)
{
    int status = may_begin(w, RTCP_PT_APP);
    if (status)
        return status;
    if (subtype > RTCP_COUNT_MASK || !name || data_len % 4 != 0 || (!data && data_len > 0) ||
        data_len > RTCP_MAX_PACKET_SIZE - 12)
        return fail(w, RTCP_ERR_ARG);
    size_t total = RTCP_HEADER_SIZE + RTCP_SSRC_SIZE + 4 + data_len;
    uint8_t *p = reserve(w, total);
    if (!p)
        return w->status;
    put_header(p, subtype, RTCP_PT_APP, total);
    put32(p + 4, ssrc);
    memcpy(p + 8, name, 4);
    if (data_len)
        memcpy(p + 12, data, data_len);
    w->packets++;
    return RTCP_OK;
}

int rtcp_write_alrx(rtcp_writer *w, uint32_t ssrc, const rtcp_alrx *a)
{
    if (!a)
        return w ? fail(w, RTCP_ERR_ARG) : RTCP_ERR_ARG;
    uint8_t data[RTCP_ALRX_SIZE];
    data[0] = RTCP_ALRX_VERSION;
    data[1] = 0;
    put16(data + 2, RTCP_ALRX_V1_WORDS);
    const uint32_t words[RTCP_ALRX_V1_WORDS] = {
        a->media_ssrc,       a->frames_primary, a->frames_red,       a->frames_fec,
        a->frames_concealed, a->packets_late,   a->playout_delay_us,
    };
    for (size_t i = 0; i < RTCP_ALRX_V1_WORDS; i++)
        put32(data + 4 + 4 * i, words[i]);
    return rtcp_write_app(w, RTCP_ALRX_SUBTYPE, ssrc, RTCP_ALRX_NAME, data, sizeof data);
}

int rtcp_xr_begin(rtcp_writer *w, uint32_t ssrc)
{
    int status = may_begin(w, RTCP_PT_XR);
    if (status)
        return status;
    size_t start = w->len;
    uint8_t *p = reserve(w, RTCP_HEADER_SIZE + RTCP_SSRC_SIZE);
    if (!p)
        return w->status;
    put32(p + 4, ssrc);
    w->xr_open = true;
    w->xr_start = start;
    return RTCP_OK;
}

/* Room for an XR block of BODY_LEN bytes (a multiple of 4) of TYPE, its
 * header written, or NULL with the writer failed. */
static uint8_t *add_block(rtcp_writer *w, uint8_t type, uint8_t type_specific, size_t body_len)
{
    if (!w)
        return NULL;
    if (!w->xr_open) {
        fail(w, RTCP_ERR_ORDER);
        return NULL;
    }
    uint8_t *p = reserve(w, RTCP_XR_BLOCK_HEADER + body_len);
    if (!p)
        return NULL;
    p[0] = type;
    p[1] = type_specific;
    put16(p + 2, (uint16_t)(body_len / 4));
    return p + RTCP_XR_BLOCK_HEADER;
}

int rtcp_xr_add_rrtr(rtcp_writer *w, uint64_t ntp)
{
    uint8_t *p = add_block(w, RTCP_XR_RRTR, 0, RTCP_XR_RRTR_SIZE);
    if (!p)
        return w ? w->status : RTCP_ERR_ARG;
    put64(p, ntp);
    return RTCP_OK;
}

int rtcp_xr_add_dlrr(rtcp_writer *w, const rtcp_dlrr_item *items, size_t n)
{
    if (!w)
        return RTCP_ERR_ARG;
    if (!items || n == 0 || n > RTCP_XR_MAX_DLRR_ITEMS)
        return fail(w, RTCP_ERR_ARG);
    uint8_t *p = add_block(w, RTCP_XR_DLRR, 0, n * RTCP_XR_DLRR_ITEM_SIZE);
    if (!p)
        return w->status;
    for (size_t i = 0; i < n; i++, p += RTCP_XR_DLRR_ITEM_SIZE) {
        put32(p, items[i].ssrc);
        put32(p + 4, items[i].lrr);
        put32(p + 8, items[i].dlrr);
    }
    return RTCP_OK;
}

/* Encodes RECEIVED[0..N) as Loss RLE chunks into CHUNKS (NULL: only count)
 * and returns their number, without the null chunk that pads an odd count.
 * Greedy: a run of 15 or more equal packets (a bit vector's worth) is a
 * run length chunk, up to 16383 each; so is a tail of equal packets, however
 * short; anything else is a 15-bit vector, first packet in the top bit,
 * bits past the end 0 (the reader stops at end_seq). */
static size_t encode_loss_rle(const bool *received, size_t n, uint8_t *chunks)
{
    size_t count = 0;
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && received[i + run] == received[i] && run < RTCP_XR_RUN_MAX)
            run++;
        uint16_t chunk;
        if (run >= RTCP_XR_BIT_VECTOR_BITS || i + run == n) {
            chunk = (uint16_t)((received[i] ? CHUNK_RUN_OF_ONES : 0) | run);
            i += run;
        } else {
            chunk = CHUNK_BIT_VECTOR;
            for (int bit = RTCP_XR_BIT_VECTOR_BITS - 1; bit >= 0 && i < n; bit--, i++) {
                if (received[i])
                    chunk |= (uint16_t)(1u << bit);
            }
        }
        if (chunks)
            put16(chunks + count * RTCP_XR_CHUNK_SIZE, chunk);
        count++;
    }
    return count;
}

/* Chunks padded to whole words with a null chunk. */
static size_t padded_chunks(size_t count)
{
    return (count + 1) / 2 * 2;
}

size_t rtcp_loss_rle_block_size(const bool *received, size_t n)
{
    if (!received || n == 0 || n > RTCP_XR_LOSS_RLE_MAX_SPAN)
        return 0;
    size_t chunks = padded_chunks(encode_loss_rle(received, n, NULL));
    return RTCP_XR_BLOCK_HEADER + RTCP_XR_LOSS_RLE_FIXED + chunks * RTCP_XR_CHUNK_SIZE;
}

int rtcp_xr_add_loss_rle(rtcp_writer *w, uint32_t ssrc, uint16_t begin_seq, const bool *received,
                         size_t n)
{
    if (!w)
        return RTCP_ERR_ARG;
    if (!received || n == 0 || n > RTCP_XR_LOSS_RLE_MAX_SPAN)
        return fail(w, RTCP_ERR_ARG);
    size_t chunks = padded_chunks(encode_loss_rle(received, n, NULL));
    /* Thinning T = 0 (every packet): the type-specific byte is rsvd|T = 0. */
    uint8_t *p =
        add_block(w, RTCP_XR_LOSS_RLE, 0, RTCP_XR_LOSS_RLE_FIXED + chunks * RTCP_XR_CHUNK_SIZE);
    if (!p)
        return w->status;
    put32(p, ssrc);
    put16(p + 4, begin_seq);
    put16(p + 6, (uint16_t)(begin_seq + n));
    encode_loss_rle(received, n, p + RTCP_XR_LOSS_RLE_FIXED); /* the pad chunk stays 0 */
    return RTCP_OK;
}

int rtcp_xr_end(rtcp_writer *w)
{
    if (!w)
        return RTCP_ERR_ARG;
    if (w->status != RTCP_OK)
        return w->status;
    if (!w->xr_open)
        return fail(w, RTCP_ERR_ORDER);
    size_t total = w->len - w->xr_start;
    if (total > RTCP_MAX_PACKET_SIZE)
        return fail(w, AL_ERR_TOO_LARGE);
    put_header(w->buf + w->xr_start, 0, RTCP_PT_XR, total);
    w->xr_open = false;
    w->packets++;
    return RTCP_OK;
}

int rtcp_writer_finish(rtcp_writer *w)
{
    if (!w)
        return RTCP_ERR_ARG;
    if (w->status != RTCP_OK)
        return w->status;
    if (w->xr_open || w->packets == 0)
        return fail(w, RTCP_ERR_ORDER);
    /* What we send must pass what we accept: a builder bug shows here
     * rather than at the peer. */
    int valid = rtcp_validate(w->buf, w->len);
    if (valid < 0)
        return fail(w, valid);
    return (int)w->len;
}

/* ---- Parsing ---- */

int rtcp_validate(const uint8_t *buf, size_t len)
{
    if (!buf || len < RTCP_HEADER_SIZE)
        return RTCP_ERR_HEADER_TRUNCATED;
    size_t pos = 0;
    int packets = 0;
    while (pos < len) {
        const uint8_t *p = buf + pos;
        if (len - pos < RTCP_HEADER_SIZE)
            return RTCP_ERR_HEADER_TRUNCATED;
        if (p[0] >> 6 != RTCP_VERSION)
            return RTCP_ERR_VERSION;
        size_t packet_len = ((size_t)get16(p + 2) + 1) * 4;
        if (packet_len > len - pos)
            return RTCP_ERR_LENGTH;
        bool padding = p[0] & RTCP_P_BIT;
        if (packets == 0) {
            if (p[1] != RTCP_PT_SR && p[1] != RTCP_PT_RR)
                return RTCP_ERR_FIRST_TYPE;
            /* A.2 masks the first packet's P bit with the type: padding,
             * if needed, goes on the last packet, and the first of a
             * compound of one is no exception. */
            if (padding)
                return RTCP_ERR_PADDING;
        }
        if (padding) {
            uint8_t pad = p[packet_len - 1];
            if (pos + packet_len != len || pad == 0 || pad > packet_len - RTCP_HEADER_SIZE)
                return RTCP_ERR_PADDING;
        }
        pos += packet_len;
        /* At most len / 4 packets, and len fits an int whenever it matters:
         * stop counting rather than overflow on absurd input. */
        if (packets < INT_MAX)
            packets++;
    }
    return packets;
}

int rtcp_walk_init(rtcp_walker *w, const uint8_t *buf, size_t len)
{
    if (!w)
        return RTCP_ERR_ARG;
    int valid = rtcp_validate(buf, len);
    w->buf = buf;
    w->len = valid < 0 ? 0 : len;
    w->pos = 0;
    return valid < 0 ? valid : RTCP_OK;
}

int rtcp_walk_next(rtcp_walker *w, rtcp_packet *out)
{
    if (!w || !out)
        return RTCP_ERR_ARG;
    if (w->pos >= w->len)
        return RTCP_OK;
    /* Validated: the header and its length are inside the datagram. */
    const uint8_t *p = w->buf + w->pos;
    size_t packet_len = ((size_t)get16(p + 2) + 1) * 4;
    size_t body_len = packet_len - RTCP_HEADER_SIZE;
    if (p[0] & RTCP_P_BIT)
        body_len -= p[packet_len - 1];
    out->type = p[1];
    out->count = p[0] & RTCP_COUNT_MASK;
    out->body = p + RTCP_HEADER_SIZE;
    out->body_len = body_len;
    w->pos += packet_len;
    return RTCP_NEXT;
}

static void get_report_block(const uint8_t *p, rtcp_report_block *b)
{
    b->ssrc = get32(p);
    b->fraction_lost = p[4];
    /* Sign-extend the 24-bit field. */
    uint32_t lost = get32(p + 4) & 0xffffffu;
    b->cumulative_lost = (int32_t)(lost ^ 0x800000u) - 0x800000;
    b->highest_seq = get32(p + 8);
    b->jitter = get32(p + 12);
    b->lsr = get32(p + 16);
    b->dlsr = get32(p + 20);
}

int rtcp_parse_sr(const rtcp_packet *p, rtcp_sr *out)
{
    if (!p || !out || p->type != RTCP_PT_SR)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    size_t fixed = RTCP_SSRC_SIZE + RTCP_SENDER_INFO_SIZE;
    if (p->body_len < fixed + (size_t)p->count * RTCP_REPORT_BLOCK_SIZE)
        return RTCP_ERR_BODY_TRUNCATED;
    const uint8_t *b = p->body;
    out->ssrc = get32(b);
    out->ntp = get64(b + 4);
    out->rtp_ts = get32(b + 12);
    out->packet_count = get32(b + 16);
    out->octet_count = get32(b + 20);
    out->report_count = p->count;
    for (size_t i = 0; i < p->count; i++)
        get_report_block(b + fixed + i * RTCP_REPORT_BLOCK_SIZE, &out->reports[i]);
    return RTCP_OK;
}

int rtcp_parse_rr(const rtcp_packet *p, rtcp_rr *out)
{
    if (!p || !out || p->type != RTCP_PT_RR)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (p->body_len < RTCP_SSRC_SIZE + (size_t)p->count * RTCP_REPORT_BLOCK_SIZE)
        return RTCP_ERR_BODY_TRUNCATED;
    out->ssrc = get32(p->body);
    out->report_count = p->count;
    for (size_t i = 0; i < p->count; i++)
        get_report_block(p->body + RTCP_SSRC_SIZE + i * RTCP_REPORT_BLOCK_SIZE, &out->reports[i]);
    return RTCP_OK;
}

int rtcp_parse_sdes(const rtcp_packet *p, rtcp_sdes_item *items, size_t max, size_t *count)
{
    if (count)
        *count = 0;
    if (!p || !count || (!items && max > 0) || p->type != RTCP_PT_SDES)
        return RTCP_ERR_ARG;
    const uint8_t *b = p->body;
    size_t len = p->body_len;
    size_t pos = 0;
    size_t n = 0;
    for (unsigned chunk = 0; chunk < p->count; chunk++) {
        /* Chunks begin on a word boundary of the body. */
        if (len - pos < RTCP_SSRC_SIZE)
            return RTCP_ERR_ITEM_TRUNCATED;
        uint32_t ssrc = get32(b + pos);
        pos += RTCP_SSRC_SIZE;
        for (;;) {
            if (pos == len)
                return RTCP_ERR_SDES; /* no end item */
            uint8_t type = b[pos];
            if (type == RTCP_SDES_END) {
                /* The end item, then zeros to the next word boundary. */
                size_t next = words_of(pos + 1);
                if (next > len)
                    return RTCP_ERR_ITEM_TRUNCATED;
                pos = next;
                break;
            }
            if (len - pos < 2 || len - pos - 2 < b[pos + 1])
                return RTCP_ERR_ITEM_TRUNCATED;
            if (n == max)
                return RTCP_ERR_TOO_MANY;
            items[n].ssrc = ssrc;
            items[n].type = type;
            items[n].len = b[pos + 1];
            items[n].text = b + pos + 2;
            n++;
            pos += 2 + (size_t)b[pos + 1];
        }
    }
    if (pos != len)
        return RTCP_ERR_SDES; /* more than SC chunks */
    *count = n;
    return RTCP_OK;
}

int rtcp_parse_bye(const rtcp_packet *p, rtcp_bye *out)
{
    if (!p || !out || p->type != RTCP_PT_BYE)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    size_t sources = (size_t)p->count * RTCP_SSRC_SIZE;
    if (p->body_len < sources)
        return RTCP_ERR_BODY_TRUNCATED;
    for (size_t i = 0; i < p->count; i++)
        out->sources[i] = get32(p->body + i * RTCP_SSRC_SIZE);
    out->source_count = p->count;
    size_t left = p->body_len - sources;
    if (left > 0) {
        const uint8_t *r = p->body + sources;
        if (left - 1 < r[0])
            return RTCP_ERR_ITEM_TRUNCATED;
        out->reason = r + 1;
        out->reason_len = r[0];
    }
    return RTCP_OK;
}

int rtcp_parse_app(const rtcp_packet *p, rtcp_app *out)
{
    if (!p || !out || p->type != RTCP_PT_APP)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (p->body_len < RTCP_SSRC_SIZE + 4)
        return RTCP_ERR_BODY_TRUNCATED;
    out->subtype = p->count;
    out->ssrc = get32(p->body);
    memcpy(out->name, p->body + 4, 4);
    out->name[4] = '\0';
    out->data = p->body + 8;
    out->data_len = p->body_len - 8;
    return RTCP_OK;
}

int rtcp_parse_alrx(const rtcp_app *app, rtcp_alrx *out)
{
    if (!app || !out)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (memcmp(app->name, RTCP_ALRX_NAME, 4) != 0 || app->subtype != RTCP_ALRX_SUBTYPE)
        return RTCP_ERR_NOT_ALRX;
    if (app->data_len < 4)
        return RTCP_ERR_BODY_TRUNCATED;
    const uint8_t *d = app->data;
    if (d[0] != RTCP_ALRX_VERSION)
        return RTCP_ERR_ALRX_VERSION;
    size_t words = get16(d + 2);
    if (words < RTCP_ALRX_V1_WORDS || app->data_len - 4 < words * 4)
        return RTCP_ERR_BODY_TRUNCATED;
    out->media_ssrc = get32(d + 4);
    out->frames_primary = get32(d + 8);
    out->frames_red = get32(d + 12);
    out->frames_fec = get32(d + 16);
    out->frames_concealed = get32(d + 20);
    out->packets_late = get32(d + 24);
    out->playout_delay_us = get32(d + 28);
    return RTCP_OK;
}

int rtcp_parse_xr(const rtcp_packet *p, rtcp_xr *out)
{
    if (!p || !out || p->type != RTCP_PT_XR)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (p->body_len < RTCP_SSRC_SIZE)
        return RTCP_ERR_BODY_TRUNCATED;
    const uint8_t *blocks = p->body + RTCP_SSRC_SIZE;
    size_t len = p->body_len - RTCP_SSRC_SIZE;
    for (size_t pos = 0; pos < len;) {
        if (len - pos < RTCP_XR_BLOCK_HEADER)
            return RTCP_ERR_XR_BLOCK_TRUNCATED;
        size_t body = (size_t)get16(blocks + pos + 2) * 4;
        if (len - pos - RTCP_XR_BLOCK_HEADER < body)
            return RTCP_ERR_XR_BLOCK_TRUNCATED;
        pos += RTCP_XR_BLOCK_HEADER + body;
    }
    out->ssrc = get32(p->body);
    out->blocks = blocks;
    out->blocks_len = len;
    return RTCP_OK;
}

int rtcp_xr_next(rtcp_xr *xr, rtcp_xr_block *out)
{
    if (!xr || !out)
        return RTCP_ERR_ARG;
    if (xr->pos >= xr->blocks_len)
        return RTCP_OK;
    /* Checked by rtcp_parse_xr(): header and body are inside. */
    const uint8_t *b = xr->blocks + xr->pos;
    out->type = b[0];
    out->type_specific = b[1];
    out->body = b + RTCP_XR_BLOCK_HEADER;
    out->body_len = (size_t)get16(b + 2) * 4;
    xr->pos += RTCP_XR_BLOCK_HEADER + out->body_len;
    return RTCP_NEXT;
}

int rtcp_parse_rrtr(const rtcp_xr_block *b, uint64_t *ntp)
{
    if (!b || !ntp || b->type != RTCP_XR_RRTR)
        return RTCP_ERR_ARG;
    if (b->body_len != RTCP_XR_RRTR_SIZE)
        return RTCP_ERR_XR_BLOCK;
    *ntp = get64(b->body);
    return RTCP_OK;
}

int rtcp_parse_dlrr(const rtcp_xr_block *b, rtcp_dlrr_item *items, size_t max, size_t *count)
{
    if (count)
        *count = 0;
    if (!b || !count || (!items && max > 0) || b->type != RTCP_XR_DLRR)
        return RTCP_ERR_ARG;
    if (b->body_len % RTCP_XR_DLRR_ITEM_SIZE != 0)
        return RTCP_ERR_XR_BLOCK;
    size_t n = b->body_len / RTCP_XR_DLRR_ITEM_SIZE;
    if (n > max)
        return RTCP_ERR_TOO_MANY;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = b->body + i * RTCP_XR_DLRR_ITEM_SIZE;
        items[i].ssrc = get32(s);
        items[i].lrr = get32(s + 4);
        items[i].dlrr = get32(s + 8);
    }
    *count = n;
    return RTCP_OK;
}

int rtcp_parse_loss_rle(const rtcp_xr_block *b, rtcp_loss_rle *out)
{
    if (!b || !out || b->type != RTCP_XR_LOSS_RLE)
        return RTCP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (b->body_len < RTCP_XR_LOSS_RLE_FIXED)
        return RTCP_ERR_XR_BLOCK;
    out->thinning = b->type_specific & 0x0f;
    out->ssrc = get32(b->body);
    out->begin_seq = get16(b->body + 4);
    out->end_seq = get16(b->body + 6);
    out->chunks = b->body + RTCP_XR_LOSS_RLE_FIXED;
    out->chunk_count = (b->body_len - RTCP_XR_LOSS_RLE_FIXED) / RTCP_XR_CHUNK_SIZE;
    return RTCP_OK;
}

int rtcp_loss_rle_decode(const rtcp_loss_rle *b, bool *received, size_t cap, size_t *count)
{
    if (count)
        *count = 0;
    if (!b || !count || (!received && cap > 0) || (!b->chunks && b->chunk_count > 0))
        return RTCP_ERR_ARG;
    if (b->thinning != 0)
        return RTCP_ERR_THINNING;
    size_t span = (uint16_t)(b->end_seq - b->begin_seq);
    if (span > cap)
        return RTCP_ERR_TOO_MANY;
    size_t pos = 0;
    bool ended = false; /* a null chunk was seen: only null chunks may follow */
    for (size_t i = 0; i < b->chunk_count; i++) {
        uint16_t chunk = get16(b->chunks + i * RTCP_XR_CHUNK_SIZE);
        if (chunk == CHUNK_NULL) {
            ended = true;
            continue;
        }
        if (ended)
            return RTCP_ERR_LOSS_RLE;
        if (chunk & CHUNK_BIT_VECTOR) {
            /* A vector wholly past the end describes packets that are not
             * there; one that ends past it is the encoder's last. */
            if (pos == span)
                return RTCP_ERR_LOSS_RLE;
            for (int bit = RTCP_XR_BIT_VECTOR_BITS - 1; bit >= 0 && pos < span; bit--)
                received[pos++] = chunk >> bit & 1;
        } else {
            size_t run = chunk & CHUNK_RUN_LENGTH;
            /* A run of 0 received packets is no chunk RFC 3611 defines. */
            if (run == 0 || run > span - pos)
                return RTCP_ERR_LOSS_RLE;
            bool arrived = chunk & CHUNK_RUN_OF_ONES;
            for (size_t k = 0; k < run; k++)
                received[pos++] = arrived;
        }
    }
    if (pos != span)
        return RTCP_ERR_LOSS_RLE;
    *count = span;
    return RTCP_OK;
}

const char *rtcp_strerror(int status)
{
    switch (status) {
    case RTCP_ERR_HEADER_TRUNCATED:
        return "RTCP datagram ends inside a packet header";
    case RTCP_ERR_LENGTH:
        return "RTCP packet length runs past the datagram";
    case RTCP_ERR_BODY_TRUNCATED:
        return "RTCP packet shorter than its type and count require";
    case RTCP_ERR_ITEM_TRUNCATED:
        return "RTCP SDES item or BYE reason runs past the packet";
    case RTCP_ERR_XR_BLOCK_TRUNCATED:
        return "RTCP XR block runs past the packet";
    case RTCP_ERR_FIRST_TYPE:
        return "RTCP compound does not begin with SR or RR";
    case RTCP_ERR_PADDING:
        return "RTCP padding not on the last packet, or a bad padding count";
    case RTCP_ERR_SDES:
        return "RTCP SDES chunk malformed";
    case RTCP_ERR_XR_BLOCK:
        return "RTCP XR block length does not fit its type";
    case RTCP_ERR_LOSS_RLE:
        return "RTCP XR Loss RLE chunks do not match the sequence range";
    case RTCP_ERR_VERSION:
        return "not RTCP version 2";
    case RTCP_ERR_NOT_ALRX:
        return "RTCP APP packet is not ALrx";
    case RTCP_ERR_ALRX_VERSION:
        return "RTCP ALrx of an unknown version";
    case RTCP_ERR_THINNING:
        return "RTCP XR Loss RLE thinning other than 0";
    case RTCP_ERR_TOO_MANY:
        return "more RTCP items than room for them";
    case RTCP_ERR_ORDER:
        return "RTCP packet written out of order";
    default:
        return al_strerror(status);
    }
}
