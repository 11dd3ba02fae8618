/* RFC 2198 RED payloads: the RFC's own example, round trips, the 14/10-bit
 * field limits, the payload budget (oldest copies dropped first) and every
 * parse error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/red.h"

#define OPUS_PT    111
#define FRAME_20MS 960         /* ticks at 48 kHz */
#define BUDGET     (1200 - 12) /* AL_MAX_PACKET minus a plain RTP header */

/* Fills BUF with a pattern that differs per TAG so that a block swapped or
 * shifted in the output would not compare equal. */
static void fill(uint8_t *buf, size_t len, uint8_t tag)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(tag * 31 + i * 7);
}

/* Parses a copy of BYTES in an exact-size heap block, so that ASan flags any
 * read past the end. Returns the status; blocks point into freed memory
 * afterwards, so only their pt/ts_offset/len and data offsets are kept. */
static int parse_exact(const uint8_t *bytes, size_t len, red_block *blocks, size_t max_blocks,
                       size_t *count, size_t *data_offsets)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, bytes, len);
    int status = red_parse(copy, len, blocks, max_blocks, count);
    if (status == RED_OK && data_offsets) {
        for (size_t i = 0; i < *count; i++)
            data_offsets[i] = (size_t)(blocks[i].data - copy);
    }
    for (size_t i = 0; status == RED_OK && i < *count; i++)
        blocks[i].data = NULL;
    free(copy);
    return status;
}

/* RFC 2198 section 3's figure: a redundant LPC block (PT 7, 14 bytes) and a
 * primary DVI4 block (PT 5, 84 bytes). The figure leaves the offset symbolic;
 * we use 160 ticks, one 20 ms DVI4 frame at 8 kHz. Bytes written out by hand
 * from the bit layout, not by red_write(). */
static void test_rfc2198_example(void **state)
{
    (void)state;
    uint8_t payload[4 + 1 + 14 + 84];
    /* 1|0000111 | offset 160 = 00000010 100000 | length 14 = 00 00001110 */
    payload[0] = 0x87;
    payload[1] = 0x02;
    payload[2] = 0x80;
    payload[3] = 0x0e;
    payload[4] = 0x05; /* 0|0000101 */
    fill(payload + 5, 14, 7);
    fill(payload + 19, 84, 5);

    red_block b[RED_MAX_BLOCKS];
    size_t count = 99;
    assert_int_equal(red_parse(payload, sizeof payload, b, RED_MAX_BLOCKS, &count), RED_OK);
    assert_int_equal(count, 2);
    assert_int_equal(b[0].pt, 7);
    assert_int_equal(b[0].ts_offset, 160);
    assert_int_equal(b[0].len, 14);
    assert_ptr_equal(b[0].data, payload + 5);
    assert_int_equal(b[1].pt, 5);
    assert_int_equal(b[1].ts_offset, 0);
    assert_int_equal(b[1].len, 84);
    assert_ptr_equal(b[1].data, payload + 19);

    /* Receiver view: (timestamp, payload) items. */
    assert_int_equal(red_block_ts(8000, &b[0]), 8000 - 160);
    assert_int_equal(red_block_ts(8000, &b[1]), 8000);

    /* And the writer produces exactly the RFC's bytes. */
    uint8_t out[256];
    red_write_stats st;
    int n = red_write(&b[0], 1, &b[1], BUDGET, out, sizeof out, &st);
    assert_int_equal(n, sizeof payload);
    assert_memory_equal(out, payload, sizeof payload);
    assert_int_equal(st.kept, 1);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.dropped, 0);
}

/* Primary frame n with copies of n-1..n-d, d = 0..3, Opus at 48 kHz. */
static void test_round_trip_copies(void **state)
{
    (void)state;
    static uint8_t frames[4][200];
    const size_t lens[4] = {80, 120, 0, 199}; /* frames n, n-1, n-2, n-3 */
    for (int k = 0; k < 4; k++)
        fill(frames[k], sizeof frames[k], (uint8_t)(k + 1));

    for (size_t d = 0; d <= 3; d++) {
        red_block red[3];
        memset(red, 0, sizeof red); /* only red[0..d) are passed */
        /* Oldest first: n-d .. n-1. */
        for (size_t i = 0; i < d; i++) {
            size_t age = d - i;
            red[i] = (red_block){OPUS_PT, (uint32_t)(age * FRAME_20MS), frames[age], lens[age]};
        }
        red_block primary = {OPUS_PT, 0, frames[0], lens[0]};
        uint8_t out[1200];
        red_write_stats st;
        int n = red_write(red, d, &primary, BUDGET, out, sizeof out, &st);
        size_t expect = red_headers_size(d) + lens[0];
        for (size_t i = 0; i < d; i++)
            expect += red[i].len;
        assert_int_equal(n, expect);
        assert_int_equal(st.kept, d);
        if (d == 0) {
            /* allow-no-red-blocks: just the final header and the primary. */
            assert_int_equal(out[0], OPUS_PT);
            assert_memory_equal(out + 1, frames[0], lens[0]);
        }

        red_block b[RED_MAX_BLOCKS];
        size_t count;
        assert_int_equal(red_parse(out, (size_t)n, b, RED_MAX_BLOCKS, &count), RED_OK);
        assert_int_equal(count, d + 1);
        for (size_t i = 0; i < d; i++) {
            assert_int_equal(b[i].pt, OPUS_PT);
            assert_int_equal(b[i].ts_offset, red[i].ts_offset);
            assert_int_equal(b[i].len, red[i].len);
            if (b[i].len)
                assert_memory_equal(b[i].data, red[i].data, red[i].len);
        }
        assert_int_equal(b[d].pt, OPUS_PT);
        assert_int_equal(b[d].ts_offset, 0);
        assert_int_equal(b[d].len, lens[0]);
        assert_memory_equal(b[d].data, frames[0], lens[0]);
    }
}

/* Offsets computed with red_ts_offset() survive RTP timestamp wrap. */
static void test_timestamp_wrap(void **state)
{
    (void)state;
    const uint32_t primary_ts = 500; /* just after wrap */
    const uint32_t old_ts = (uint32_t)(primary_ts - 2 * FRAME_20MS);
    uint8_t data[10];
    fill(data, sizeof data, 9);
    red_block red = {OPUS_PT, red_ts_offset(primary_ts, old_ts), data, sizeof data};
    assert_int_equal(red.ts_offset, 2 * FRAME_20MS);
    red_block primary = {OPUS_PT, 0, data, 3};
    uint8_t out[64];
    int n = red_write(&red, 1, &primary, BUDGET, out, sizeof out, NULL);
    assert_true(n > 0);
    red_block b[2];
    size_t count;
    assert_int_equal(red_parse(out, (size_t)n, b, 2, &count), RED_OK);
    assert_int_equal(red_block_ts(primary_ts, &b[0]), old_ts);
    assert_int_equal(red_block_ts(primary_ts, &b[1]), primary_ts);
}

static void test_limit_ts_offset(void **state)
{
    (void)state;
    uint8_t data[4] = {1, 2, 3, 4};
    red_block primary = {OPUS_PT, 0, data, 2};
    red_block red[3] = {
        {OPUS_PT, RED_MAX_TS_OFFSET + 1, data, 4},     /* 16384: cannot be encoded */
        {OPUS_PT, RED_MAX_TS_OFFSET, data, 3},         /* 16383: the largest legal */
        {OPUS_PT, red_ts_offset(1000, 1960), data, 1}, /* newer than the primary */
    };
    uint8_t out[64];
    red_write_stats st;
    int n = red_write(red, 3, &primary, BUDGET, out, sizeof out, &st);
    assert_int_equal(n, red_headers_size(1) + 3 + 2);
    assert_int_equal(st.kept, 1);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.dropped, 0);
    /* All 14 offset bits set, length 3. */
    assert_int_equal(out[0], 0x80 | OPUS_PT);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(out[2], 0xfc);
    assert_int_equal(out[3], 3);

    red_block b[4];
    size_t count;
    assert_int_equal(red_parse(out, (size_t)n, b, 4, &count), RED_OK);
    assert_int_equal(count, 2);
    assert_int_equal(b[0].ts_offset, 16383);
    assert_int_equal(b[0].len, 3);
}

static void test_limit_block_len(void **state)
{
    (void)state;
    static uint8_t big[1024];
    fill(big, sizeof big, 3);
    uint8_t p[1] = {42};
    red_block primary = {OPUS_PT, 0, p, 1};
    red_block red[2] = {
        {OPUS_PT, 2 * FRAME_20MS, big, 1024}, /* cannot be encoded */
        {OPUS_PT, FRAME_20MS, big, 1023},     /* the largest legal */
    };
    static uint8_t out[2048];
    red_write_stats st;
    int n = red_write(red, 2, &primary, sizeof out, out, sizeof out, &st);
    assert_int_equal(n, red_headers_size(1) + 1023 + 1);
    assert_int_equal(st.kept, 1);
    assert_int_equal(st.skipped, 1);
    /* All 10 length bits set. */
    assert_int_equal(out[2] & 0x03, 0x03);
    assert_int_equal(out[3], 0xff);

    red_block b[4];
    size_t count;
    assert_int_equal(red_parse(out, (size_t)n, b, 4, &count), RED_OK);
    assert_int_equal(count, 2);
    assert_int_equal(b[0].len, 1023);
    assert_int_equal(b[0].ts_offset, FRAME_20MS);
    assert_memory_equal(b[0].data, big, 1023);
    assert_int_equal(b[1].len, 1);
    assert_int_equal(b[1].data[0], 42);
}

/* Over the budget, the oldest copies go first and the newest stay. */
static void test_budget_drops_oldest(void **state)
{
    (void)state;
    static uint8_t f[4][400];
    for (int k = 0; k < 4; k++)
        fill(f[k], sizeof f[k], (uint8_t)(10 + k));
    red_block red[3] = {
        {OPUS_PT, 3 * FRAME_20MS, f[3], 400},
        {OPUS_PT, 2 * FRAME_20MS, f[2], 400},
        {OPUS_PT, 1 * FRAME_20MS, f[1], 400},
    };
    red_block primary = {OPUS_PT, 0, f[0], 400};
    uint8_t out[2048];
    red_write_stats st;

    /* 1 + 400 + 3 * 404 = 1613 > 1188: dropping two leaves 805. */
    int n = red_write(red, 3, &primary, BUDGET, out, sizeof out, &st);
    assert_int_equal(n, 805);
    assert_int_equal(st.kept, 1);
    assert_int_equal(st.dropped, 2);
    assert_int_equal(st.skipped, 0);
    red_block b[RED_MAX_BLOCKS];
    size_t count;
    assert_int_equal(red_parse(out, (size_t)n, b, RED_MAX_BLOCKS, &count), RED_OK);
    assert_int_equal(count, 2);
    assert_int_equal(b[0].ts_offset, FRAME_20MS); /* the newest copy survived */
    assert_memory_equal(b[0].data, f[1], 400);
    assert_memory_equal(b[1].data, f[0], 400);

    /* Exactly at the budget: everything is kept; one byte under: one dropped. */
    n = red_write(red, 3, &primary, 1613, out, sizeof out, &st);
    assert_int_equal(n, 1613);
    assert_int_equal(st.dropped, 0);
    n = red_write(red, 3, &primary, 1612, out, sizeof out, &st);
    assert_int_equal(n, 1209);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(red_parse(out, (size_t)n, b, RED_MAX_BLOCKS, &count), RED_OK);
    assert_int_equal(count, 3);
    assert_int_equal(b[0].ts_offset, 2 * FRAME_20MS);
    assert_int_equal(b[1].ts_offset, FRAME_20MS);

    /* Budget for the primary only: all copies dropped, still valid RED. */
    n = red_write(red, 3, &primary, 401, out, sizeof out, &st);
    assert_int_equal(n, 401);
    assert_int_equal(st.dropped, 3);
    assert_int_equal(st.kept, 0);
    assert_int_equal(out[0], OPUS_PT);
}

/* A block excluded by the field limits is counted once, as skipped, even if
 * it lies in the oldest part that the budget would drop anyway. */
static void test_skipped_not_counted_as_dropped(void **state)
{
    (void)state;
    static uint8_t f[1100];
    fill(f, sizeof f, 4);
    red_block red[3] = {
        {OPUS_PT, 3 * FRAME_20MS, f, 1100}, /* too long: skipped */
        {OPUS_PT, 2 * FRAME_20MS, f, 600},  /* dropped for the budget */
        {OPUS_PT, 1 * FRAME_20MS, f, 500},
    };
    red_block primary = {OPUS_PT, 0, f, 500};
    uint8_t out[2048];
    red_write_stats st;
    int n = red_write(red, 3, &primary, BUDGET, out, sizeof out, &st);
    assert_int_equal(n, 1 + 500 + 4 + 500);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.kept, 1);
}

static void test_write_errors(void **state)
{
    (void)state;
    uint8_t data[1200];
    fill(data, sizeof data, 5);
    red_block primary = {OPUS_PT, 0, data, 100};
    red_block red = {OPUS_PT, FRAME_20MS, data, 50};
    uint8_t out[1200];
    red_write_stats st = {7, 7, 7};

    /* The primary alone must fit the budget: 1 + 1188 > 1188. */
    red_block huge = {OPUS_PT, 0, data, BUDGET};
    assert_int_equal(red_write(NULL, 0, &huge, BUDGET, out, sizeof out, &st), RED_ERR_TOO_BIG);
    assert_int_equal(st.kept + st.skipped + st.dropped, 0);
    huge.len = BUDGET - 1;
    assert_int_equal(red_write(NULL, 0, &huge, BUDGET, out, sizeof out, NULL), BUDGET);

    /* The buffer must hold the result: 1 + 100 + 54 = 155 bytes. */
    assert_int_equal(red_write(&red, 1, &primary, BUDGET, out, 154, NULL), RED_ERR_BUFFER);
    assert_int_equal(red_write(&red, 1, &primary, BUDGET, out, 155, NULL), 155);

    /* At most RED_MAX_BLOCKS - 1 copies, so that a RED_MAX_BLOCKS array parses it. */
    red_block many[RED_MAX_BLOCKS];
    for (size_t i = 0; i < RED_MAX_BLOCKS; i++)
        many[i] = (red_block){OPUS_PT, (uint32_t)((RED_MAX_BLOCKS - i) * 10), data, 1};
    assert_int_equal(red_write(many, RED_MAX_BLOCKS, &primary, BUDGET, out, sizeof out, NULL),
                     RED_ERR_TOO_MANY_BLOCKS);
    int n = red_write(many + 1, RED_MAX_BLOCKS - 1, &primary, BUDGET, out, sizeof out, NULL);
    assert_true(n > 0);
    red_block b[RED_MAX_BLOCKS];
    size_t count;
    assert_int_equal(red_parse(out, (size_t)n, b, RED_MAX_BLOCKS, &count), RED_OK);
    assert_int_equal(count, RED_MAX_BLOCKS);

    /* Arguments. */
    assert_int_equal(red_write(&red, 1, NULL, BUDGET, out, sizeof out, NULL), RED_ERR_ARG);
    assert_int_equal(red_write(&red, 1, &primary, BUDGET, NULL, sizeof out, NULL), RED_ERR_ARG);
    assert_int_equal(red_write(NULL, 1, &primary, BUDGET, out, sizeof out, NULL), RED_ERR_ARG);
    red_block bad_pt = {128, FRAME_20MS, data, 1};
    assert_int_equal(red_write(&bad_pt, 1, &primary, BUDGET, out, sizeof out, NULL), RED_ERR_ARG);
    assert_int_equal(red_write(NULL, 0, &bad_pt, BUDGET, out, sizeof out, NULL), RED_ERR_ARG);
    red_block no_data = {OPUS_PT, FRAME_20MS, NULL, 1};
    assert_int_equal(red_write(&no_data, 1, &primary, BUDGET, out, sizeof out, NULL), RED_ERR_ARG);
    /* NULL data is fine when there is nothing to copy. */
    no_data.len = 0;
    assert_int_equal(red_write(&no_data, 1, &no_data, BUDGET, out, sizeof out, NULL), 5);
}

static void test_parse_empty(void **state)
{
    (void)state;
    red_block b[4];
    size_t count = 99;
    uint8_t one = 0;
    assert_int_equal(red_parse(&one, 0, b, 4, &count), RED_ERR_EMPTY);
    assert_int_equal(count, 0);
    assert_int_equal(red_parse(NULL, 0, b, 4, &count), RED_ERR_EMPTY);
}

static void test_parse_header_truncated(void **state)
{
    (void)state;
    const uint8_t two_headers[] = {0x80 | OPUS_PT, 0x0f, 0x00, 0x00,
                                   0x80 | OPUS_PT, 0x07, 0x80, 0x00};
    red_block b[4];
    size_t count = 99;
    /* First header cut after 1, 2 and 3 bytes; second header likewise. */
    for (size_t len = 1; len <= 3; len++) {
        assert_int_equal(parse_exact(two_headers, len, b, 4, &count, NULL),
                         RED_ERR_HEADER_TRUNCATED);
        assert_int_equal(count, 0);
        assert_int_equal(parse_exact(two_headers, 4 + len, b, 4, &count, NULL),
                         RED_ERR_HEADER_TRUNCATED);
    }
}

static void test_parse_no_primary(void **state)
{
    (void)state;
    /* Complete F=1 headers, then the payload ends: no F=0 final header. */
    const uint8_t headers[] = {0x80 | OPUS_PT, 0x0f, 0x00, 0x00, 0x80 | OPUS_PT, 0x07, 0x80, 0x00};
    red_block b[4];
    size_t count = 99;
    assert_int_equal(parse_exact(headers, 4, b, 4, &count, NULL), RED_ERR_NO_PRIMARY);
    assert_int_equal(count, 0);
    assert_int_equal(parse_exact(headers, 8, b, 4, &count, NULL), RED_ERR_NO_PRIMARY);
}

static void test_parse_too_many_blocks(void **state)
{
    (void)state;
    /* 16 redundant headers of length 0 plus the final header: 17 blocks. */
    uint8_t p[16 * 4 + 1 + 3];
    for (int i = 0; i < 16; i++) {
        p[i * 4] = 0x80 | OPUS_PT;
        p[i * 4 + 1] = 0;
        p[i * 4 + 2] = (uint8_t)(i << 2);
        p[i * 4 + 3] = 0;
    }
    p[64] = OPUS_PT;
    p[65] = p[66] = p[67] = 0xaa;
    red_block b[RED_MAX_BLOCKS + 1];
    size_t count = 99;
    assert_int_equal(parse_exact(p, sizeof p, b, RED_MAX_BLOCKS, &count, NULL),
                     RED_ERR_TOO_MANY_BLOCKS);
    assert_int_equal(count, 0);
    /* With room for all 17 it parses. */
    assert_int_equal(parse_exact(p, sizeof p, b, RED_MAX_BLOCKS + 1, &count, NULL), RED_OK);
    assert_int_equal(count, 17);
    assert_int_equal(b[16].len, 3);

    /* The caller's array size is the limit: 1 redundant + primary needs 2. */
    const uint8_t two[] = {0x80 | OPUS_PT, 0x0f, 0x00, 0x01, OPUS_PT, 0x11, 0x22};
    assert_int_equal(parse_exact(two, sizeof two, b, 1, &count, NULL), RED_ERR_TOO_MANY_BLOCKS);
    assert_int_equal(parse_exact(two, sizeof two, b, 2, &count, NULL), RED_OK);
    /* A bare primary fits in one slot. */
    assert_int_equal(parse_exact(two + 4, 3, b, 1, &count, NULL), RED_OK);
    assert_int_equal(count, 1);
    assert_int_equal(b[0].len, 2);
}

/* A block header claiming a length past the end of the payload. */
static void test_parse_block_truncated(void **state)
{
    (void)state;
    red_block b[4];
    size_t count = 99;
    /* Claims 10 bytes, 9 follow the final header. */
    uint8_t p[4 + 1 + 9] = {0x80 | OPUS_PT, 0x0f, 0x00, 10, OPUS_PT};
    assert_int_equal(parse_exact(p, sizeof p, b, 4, &count, NULL), RED_ERR_BLOCK_TRUNCATED);
    assert_int_equal(count, 0);
    /* Claims 1023 bytes in a tiny payload. */
    p[2] = 0x03;
    p[3] = 0xff;
    assert_int_equal(parse_exact(p, sizeof p, b, 4, &count, NULL), RED_ERR_BLOCK_TRUNCATED);
    /* Each block fits alone, but not both together: 5 + 5 > 9. */
    uint8_t q[8 + 1 + 9] = {0x80 | OPUS_PT, 0x0f, 0x00, 5, 0x80 | OPUS_PT, 0x07, 0x80, 5, OPUS_PT};
    assert_int_equal(parse_exact(q, sizeof q, b, 4, &count, NULL), RED_ERR_BLOCK_TRUNCATED);
    /* One byte more and it parses, leaving an empty primary. */
    uint8_t r[8 + 1 + 10] = {0x80 | OPUS_PT, 0x0f, 0x00, 5, 0x80 | OPUS_PT, 0x07, 0x80, 5, OPUS_PT};
    size_t off[4];
    assert_int_equal(parse_exact(r, sizeof r, b, 4, &count, off), RED_OK);
    assert_int_equal(count, 3);
    assert_int_equal(b[2].len, 0);
    assert_int_equal(off[0], 9);
    assert_int_equal(off[1], 14);
    assert_int_equal(off[2], 19);
}

/* Empty blocks are legal: an empty primary (RFC 2198 allows it) and empty
 * redundant blocks. */
static void test_parse_empty_blocks(void **state)
{
    (void)state;
    red_block b[4];
    size_t count;
    const uint8_t only_final[] = {OPUS_PT};
    assert_int_equal(parse_exact(only_final, 1, b, 4, &count, NULL), RED_OK);
    assert_int_equal(count, 1);
    assert_int_equal(b[0].pt, OPUS_PT);
    assert_int_equal(b[0].len, 0);

    const uint8_t empty_red[] = {0x80 | 100, 0x3c, 0x00, 0x00, 0x00, 0xde, 0xad};
    size_t off[4];
    assert_int_equal(parse_exact(empty_red, sizeof empty_red, b, 4, &count, off), RED_OK);
    assert_int_equal(count, 2);
    assert_int_equal(b[0].pt, 100);
    assert_int_equal(b[0].ts_offset, 0x3c << 6);
    assert_int_equal(b[0].len, 0);
    assert_int_equal(b[1].pt, 0);
    assert_int_equal(b[1].len, 2);
    assert_int_equal(off[1], 5);
}

/* Every prefix of a valid payload fails cleanly or parses within bounds. */
static void test_parse_every_prefix(void **state)
{
    (void)state;
    uint8_t f[3][30];
    for (int k = 0; k < 3; k++)
        fill(f[k], sizeof f[k], (uint8_t)k);
    red_block red[2] = {{OPUS_PT, 2 * FRAME_20MS, f[2], 30}, {OPUS_PT, FRAME_20MS, f[1], 20}};
    red_block primary = {OPUS_PT, 0, f[0], 25};
    uint8_t out[128];
    int n = red_write(red, 2, &primary, BUDGET, out, sizeof out, NULL);
    assert_int_equal(n, 9 + 30 + 20 + 25);
    for (size_t len = 0; len <= (size_t)n; len++) {
        red_block b[4];
        size_t count;
        int expect = len == 0                  ? RED_ERR_EMPTY
                     : len % 4 != 0 && len < 8 ? RED_ERR_HEADER_TRUNCATED
                     : len < 9                 ? RED_ERR_NO_PRIMARY
                     : len < 59                ? RED_ERR_BLOCK_TRUNCATED
                                               : RED_OK;
        assert_int_equal(parse_exact(out, len, b, 4, &count, NULL), expect);
        if (expect == RED_OK)
            assert_int_equal(b[2].len, len - 59);
    }
}

static void test_parse_args(void **state)
{
    (void)state;
    uint8_t p[1] = {OPUS_PT};
    red_block b[2];
    size_t count;
    assert_int_equal(red_parse(NULL, 1, b, 2, &count), RED_ERR_ARG);
    assert_int_equal(red_parse(p, 1, NULL, 2, &count), RED_ERR_ARG);
    assert_int_equal(red_parse(p, 1, b, 0, &count), RED_ERR_ARG);
    assert_int_equal(red_parse(p, 1, b, 2, NULL), RED_ERR_ARG);
}

static void test_strerror(void **state)
{
    (void)state;
    const int codes[] = {RED_OK,
                         RED_ERR_EMPTY,
                         RED_ERR_HEADER_TRUNCATED,
                         RED_ERR_NO_PRIMARY,
                         RED_ERR_TOO_MANY_BLOCKS,
                         RED_ERR_BLOCK_TRUNCATED,
                         RED_ERR_BUFFER,
                         RED_ERR_TOO_BIG,
                         RED_ERR_ARG};
    const size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = red_strerror(-1000);
    assert_non_null(unknown);
    for (size_t i = 0; i < n; i++) {
        const char *s = red_strerror(codes[i]);
        assert_non_null(s);
        assert_string_not_equal(s, unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, red_strerror(codes[j]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2198_example),
        cmocka_unit_test(test_round_trip_copies),
        cmocka_unit_test(test_timestamp_wrap),
        cmocka_unit_test(test_limit_ts_offset),
        cmocka_unit_test(test_limit_block_len),
        cmocka_unit_test(test_budget_drops_oldest),
        cmocka_unit_test(test_skipped_not_counted_as_dropped),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_header_truncated),
        cmocka_unit_test(test_parse_no_primary),
        cmocka_unit_test(test_parse_too_many_blocks),
        cmocka_unit_test(test_parse_block_truncated),
        cmocka_unit_test(test_parse_empty_blocks),
        cmocka_unit_test(test_parse_every_prefix),
        cmocka_unit_test(test_parse_args),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("red", tests, NULL, NULL);
}
