/* Fuzz target for the RED (RFC 2198) parser and writer.
 *
 * Arbitrary bytes go to red_parse(). When they parse, the blocks must lie
 * inside the input and account for every byte of it; writing them back with
 * no budget must reproduce the input exactly (the format has one encoding
 * per block list), and that output must parse to the same blocks. A budget
 * taken from the input then checks that red_write() drops the oldest copies
 * first and never exceeds the budget. Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/red.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same_blocks(const red_block *a, const red_block *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        CHECK(a[i].pt == b[i].pt);
        CHECK(a[i].ts_offset == b[i].ts_offset);
        CHECK(a[i].len == b[i].len);
        CHECK(a[i].len == 0 || memcmp(a[i].data, b[i].data, a[i].len) == 0);
    }
}

/* Writes the parsed blocks again under BUDGET bytes and checks the result. */
static void check_budget(const red_block *b, size_t count, size_t budget)
{
    const red_block *primary = &b[count - 1];
    size_t n_red = count - 1;
    size_t cap = budget + 1;
    uint8_t *out = malloc(cap);
    CHECK(out != NULL);
    red_write_stats st;
    int n = red_write(b, n_red, primary, budget, out, cap, &st);
    if (1 + primary->len > budget) {
        CHECK(n == RED_ERR_TOO_BIG);
        free(out);
        return;
    }
    CHECK(n >= 1 && (size_t)n <= budget);
    /* Parsed blocks always fit the 14/10-bit fields, so none is skipped. */
    CHECK(st.skipped == 0);
    CHECK(st.kept + st.dropped == n_red);

    red_block again[RED_MAX_BLOCKS];
    size_t count2;
    CHECK(red_parse(out, (size_t)n, again, RED_MAX_BLOCKS, &count2) == RED_OK);
    CHECK(count2 == st.kept + 1);
    /* The survivors are the newest copies: the tail of the input list. */
    check_same_blocks(b + st.dropped, again, count2 - 1);
    check_same_blocks(primary, &again[count2 - 1], 1);
    /* Dropping stopped as soon as it fitted: one more copy would not. */
    if (st.dropped > 0)
        CHECK((size_t)n + RED_HEADER_SIZE + b[st.dropped - 1].len > budget);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    red_block b[RED_MAX_BLOCKS];
    size_t count = 12345;
    int status = red_parse(data, size, b, RED_MAX_BLOCKS, &count);
    if (status != RED_OK) {
        CHECK(status < 0 && al_status_module(status) == AL_MODULE_RED);
        CHECK(count == 0);
        CHECK(red_strerror(status) != NULL);
        return 0;
    }
    CHECK(count >= 1 && count <= RED_MAX_BLOCKS);

    /* The blocks tile the input: headers, then data in order, nothing left. */
    size_t pos = red_headers_size(count - 1);
    for (size_t i = 0; i < count; i++) {
        CHECK(b[i].pt <= RED_MAX_PT);
        CHECK(b[i].ts_offset <= RED_MAX_TS_OFFSET);
        CHECK(i == count - 1 || b[i].len <= RED_MAX_BLOCK_LEN);
        CHECK(b[i].data == data + pos);
        pos += b[i].len;
    }
    CHECK(pos == size);
    CHECK(b[count - 1].ts_offset == 0);

    /* A smaller block array: fails exactly when the blocks do not fit. */
    size_t small = 1 + size % RED_MAX_BLOCKS;
    red_block c[RED_MAX_BLOCKS];
    size_t count_small;
    int st_small = red_parse(data, size, c, small, &count_small);
    CHECK(count <= small ? st_small == RED_OK && count_small == count
                         : st_small == RED_ERR_TOO_MANY_BLOCKS);

    /* Round trip without a budget: byte-identical. */
    uint8_t *out = malloc(size);
    CHECK(out != NULL);
    red_write_stats st;
    int n = red_write(b, count - 1, &b[count - 1], SIZE_MAX, out, size, &st);
    CHECK(n >= 0 && (size_t)n == size);
    CHECK(memcmp(out, data, size) == 0);
    CHECK(st.kept == count - 1 && st.skipped == 0 && st.dropped == 0);
    red_block again[RED_MAX_BLOCKS];
    size_t count2;
    CHECK(red_parse(out, size, again, RED_MAX_BLOCKS, &count2) == RED_OK);
    CHECK(count2 == count);
    check_same_blocks(b, again, count);
    /* One byte less of buffer must be refused, not overrun. */
    CHECK(red_write(b, count - 1, &b[count - 1], SIZE_MAX, out, size - 1, NULL) == RED_ERR_BUFFER);
    free(out);

    /* Budgets: the typical one, one drawn from the input, and tight ones. */
    check_budget(b, count, 1200 - 12);
    check_budget(b, count, 1 + (size_t)data[0] * size / 256);
    check_budget(b, count, size > 0 ? size - 1 : 0);
    check_budget(b, count, 1 + b[count - 1].len);
    return 0;
}
