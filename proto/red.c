/* RTP payload for redundant audio data (RFC 2198). */
#include "proto/red.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#define RED_F_BIT 0x80

int red_parse(const uint8_t *payload, size_t len, red_block *blocks, size_t max_blocks,
              size_t *count)
{
    if (count)
        *count = 0;
    if (!blocks || !count || max_blocks == 0 || (!payload && len > 0))
        return RED_ERR_ARG;
    if (len == 0)
        return RED_ERR_EMPTY;

    /* First pass: the header list. Every header is bounds-checked before it
     * is read, and the redundant count is checked against max_blocks before a
     * block is stored, so neither PAYLOAD nor BLOCKS is overrun. */
    size_t pos = 0;
    size_t n = 0;
    for (;;) {
        if (pos == len)
            return RED_ERR_NO_PRIMARY;
        if (!(payload[pos] & RED_F_BIT))
            break;
        if (len - pos < RED_HEADER_SIZE)
            return RED_ERR_HEADER_TRUNCATED;
        /* The primary needs a slot too, hence n + 1. */
        if (n + 1 >= max_blocks)
            return RED_ERR_TOO_MANY_BLOCKS;
        const uint8_t *h = payload + pos;
        blocks[n].pt = h[0] & 0x7f;
        blocks[n].ts_offset = (uint32_t)h[1] << 6 | (uint32_t)h[2] >> 2;
        blocks[n].len = (size_t)(h[2] & 0x03) << 8 | h[3];
        blocks[n].data = NULL;
        n++;
        pos += RED_HEADER_SIZE;
    }
    blocks[n].pt = payload[pos] & 0x7f;
    blocks[n].ts_offset = 0;
    pos += RED_FINAL_HEADER_SIZE;

    /* Second pass: block data in header order. Subtracting from what is
     * left, rather than adding to pos, cannot overflow. */
    size_t left = len - pos;
    for (size_t i = 0; i < n; i++) {
        if (blocks[i].len > left)
            return RED_ERR_BLOCK_TRUNCATED;
        blocks[i].data = payload + pos;
        pos += blocks[i].len;
        left -= blocks[i].len;
    }
    /* The primary takes the rest, possibly nothing (legal per RFC 2198). */
    blocks[n].data = payload + pos;
    blocks[n].len = left;
    *count = n + 1;
    return RED_OK;
}

static bool block_fits_fields(const red_block *b)
{
    return b->ts_offset <= RED_MAX_TS_OFFSET && b->len <= RED_MAX_BLOCK_LEN;
}

int red_write(const red_block *redundant, size_t n_redundant, const red_block *primary,
              size_t max_payload, uint8_t *out, size_t cap, red_write_stats *stats)
{
    red_write_stats st = {0, 0, 0};
    if (stats)
        *stats = st;
    if (!primary || !out || (!redundant && n_redundant > 0))
        return RED_ERR_ARG;
    if (primary->pt > RED_MAX_PT || (!primary->data && primary->len > 0))
        return RED_ERR_ARG;
    if (n_redundant > RED_MAX_BLOCKS - 1)
        return RED_ERR_TOO_MANY_BLOCKS;
    for (size_t i = 0; i < n_redundant; i++) {
        if (redundant[i].pt > RED_MAX_PT || (!redundant[i].data && redundant[i].len > 0))
            return RED_ERR_ARG;
    }
    if (primary->len > max_payload || max_payload - primary->len < RED_FINAL_HEADER_SIZE)
        return RED_ERR_TOO_BIG;

    /* Choose the blocks: skip what the 14/10-bit fields cannot express, then
     * drop from the oldest end until the payload fits. Sizes stay bounded:
     * at most 15 blocks of at most 1027 bytes each on top of the primary,
     * a real buffer, so the sum cannot overflow. */
    size_t total = RED_FINAL_HEADER_SIZE + primary->len;
    for (size_t i = 0; i < n_redundant; i++) {
        if (block_fits_fields(&redundant[i]))
            total += RED_HEADER_SIZE + redundant[i].len;
        else
            st.skipped++;
    }
    size_t first = 0; /* redundant[first..] minus skipped ones are written */
    while (total > max_payload) {
        /* The primary alone fits (checked above), so a block is left to drop. */
        if (block_fits_fields(&redundant[first])) {
            total -= RED_HEADER_SIZE + redundant[first].len;
            st.dropped++;
        }
        first++;
    }
    st.kept = n_redundant - st.skipped - st.dropped;
    /* Blocks skipped for their fields inside the dropped prefix were counted
     * as skipped, not dropped: each block is counted once, for the first
     * rule that excluded it. */
    if (total > cap || total > INT_MAX)
        return RED_ERR_BUFFER;

    uint8_t *p = out;
    for (size_t i = first; i < n_redundant; i++) {
        const red_block *b = &redundant[i];
        if (!block_fits_fields(b))
            continue;
        p[0] = (uint8_t)(RED_F_BIT | b->pt);
        p[1] = (uint8_t)(b->ts_offset >> 6);
        p[2] = (uint8_t)((b->ts_offset & 0x3f) << 2 | b->len >> 8);
        p[3] = (uint8_t)b->len;
        p += RED_HEADER_SIZE;
    }
    *p++ = primary->pt;
    for (size_t i = first; i < n_redundant; i++) {
        const red_block *b = &redundant[i];
        if (!block_fits_fields(b))
            continue;
        if (b->len)
            memcpy(p, b->data, b->len);
        p += b->len;
    }
    if (primary->len)
        memcpy(p, primary->data, primary->len);
    p += primary->len;

    if (stats)
        *stats = st;
    return (int)(p - out);
}

const char *red_strerror(int status)
{
    switch (status) {
    case RED_ERR_EMPTY:
        return "empty RED payload";
    case RED_ERR_HEADER_TRUNCATED:
        return "RED block header list truncated";
    case RED_ERR_NO_PRIMARY:
        return "RED payload has no primary (final) header";
    case RED_ERR_TOO_MANY_BLOCKS:
        return "too many RED blocks";
    case RED_ERR_BLOCK_TRUNCATED:
        return "RED block lengths exceed the payload";
    case RED_ERR_TOO_BIG:
        return "primary block alone exceeds the payload budget";
    default:
        return al_strerror(status);
    }
}
