/* Fuzz target: the RTCP compound check, the walker and every typed parser
 * behind it (SR, RR, SDES, BYE, APP and ALrx, XR with RRTR, DLRR and Loss
 * RLE, decoded). Invariants that abort: a refused datagram gets one of
 * RTCP's detail codes; an accepted one is walked in exactly the packets the
 * check counted, each inside the datagram; an SR or RR whose body is
 * exactly its blocks writes back to the same bytes; a decoded Loss RLE
 * pattern encodes and decodes to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtcp.h"

static bool loss_pattern[RTCP_XR_LOSS_RLE_MAX_SPAN];
static bool again_pattern[RTCP_XR_LOSS_RLE_MAX_SPAN];
static uint8_t scratch[RTCP_MAX_PACKET_SIZE];

/* Writes the parsed RR or SR back and compares it with the packet. */
static void check_report_writes_back(const rtcp_packet *p, const uint8_t *header)
{
    rtcp_writer w;
    rtcp_writer_init(&w, scratch, sizeof scratch);
    if (p->type == RTCP_PT_SR) {
        rtcp_sr sr;
        if (rtcp_parse_sr(p, &sr) != RTCP_OK)
            return;
        if (p->body_len != 24 + sr.report_count * RTCP_REPORT_BLOCK_SIZE)
            return;
        rtcp_write_sr(&w, &sr);
    } else {
        rtcp_rr rr;
        if (rtcp_parse_rr(p, &rr) != RTCP_OK)
            return;
        if (p->body_len != 4 + rr.report_count * RTCP_REPORT_BLOCK_SIZE)
            return;
        rtcp_write_rr(&w, rr.ssrc, rr.reports, rr.report_count);
    }
    int len = rtcp_writer_finish(&w);
    /* The padding bit is the only header bit the writer never sets. */
    if (header[0] & 0x20)
        return;
    if (len != (int)(p->body_len + RTCP_HEADER_SIZE) || memcmp(scratch, header, (size_t)len) != 0)
        abort();
}

static void check_loss_rle(const rtcp_xr_block *b)
{
    rtcp_loss_rle rle;
    if (rtcp_parse_loss_rle(b, &rle) != RTCP_OK)
        return;
    size_t count = 0;
    if (rtcp_loss_rle_decode(&rle, loss_pattern, sizeof loss_pattern, &count) != RTCP_OK ||
        count == 0)
        return;
    rtcp_writer w;
    rtcp_writer_init(&w, scratch, sizeof scratch);
    rtcp_write_rr(&w, 1, NULL, 0);
    rtcp_xr_begin(&w, 1);
    rtcp_xr_add_loss_rle(&w, rle.ssrc, rle.begin_seq, loss_pattern, count);
    rtcp_xr_end(&w);
    int len = rtcp_writer_finish(&w);
    if (len < 0)
        abort();
    /* Skip the RR (8 bytes), the XR header and SSRC (8). */
    rtcp_xr_block again = {
        .type = RTCP_XR_LOSS_RLE, .body = scratch + 20, .body_len = (size_t)len - 20};
    rtcp_loss_rle rle2;
    size_t count2 = 0;
    if (rtcp_parse_loss_rle(&again, &rle2) != RTCP_OK ||
        rtcp_loss_rle_decode(&rle2, again_pattern, sizeof again_pattern, &count2) != RTCP_OK ||
        count2 != count || memcmp(again_pattern, loss_pattern, count) != 0)
        abort();
}

static void parse_xr(const rtcp_packet *p)
{
    rtcp_xr xr;
    if (rtcp_parse_xr(p, &xr) != RTCP_OK)
        return;
    rtcp_xr_block b;
    while (rtcp_xr_next(&xr, &b) == RTCP_NEXT) {
        if (b.body + b.body_len > p->body + p->body_len)
            abort();
        switch (b.type) {
        case RTCP_XR_RRTR: {
            uint64_t ntp;
            rtcp_parse_rrtr(&b, &ntp);
            break;
        }
        case RTCP_XR_DLRR: {
            rtcp_dlrr_item items[8];
            size_t count;
            rtcp_parse_dlrr(&b, items, 8, &count);
            break;
        }
        case RTCP_XR_LOSS_RLE:
            check_loss_rle(&b);
            break;
        default:
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtcp_walker walk;
    int status = rtcp_walk_init(&walk, data, size);
    if (status != RTCP_OK) {
        /* A refusal is one of RTCP's own details, never a generic code. */
        if (status > 0 || al_status_module(status) != AL_MODULE_RTCP)
            abort();
        return 0;
    }
    int packets = rtcp_validate(data, size);
    rtcp_packet p;
    while (rtcp_walk_next(&walk, &p) == RTCP_NEXT) {
        packets--;
        if (p.body < data || p.body + p.body_len > data + size)
            abort();
        const uint8_t *header = p.body - RTCP_HEADER_SIZE;
        switch (p.type) {
        case RTCP_PT_SR:
        case RTCP_PT_RR:
            check_report_writes_back(&p, header);
            break;
        case RTCP_PT_SDES: {
            rtcp_sdes_item items[16];
            size_t count;
            rtcp_parse_sdes(&p, items, 16, &count);
            break;
        }
        case RTCP_PT_BYE: {
            rtcp_bye bye;
            rtcp_parse_bye(&p, &bye);
            break;
        }
        case RTCP_PT_APP: {
            rtcp_app app;
            rtcp_alrx alrx;
            if (rtcp_parse_app(&p, &app) == RTCP_OK)
                rtcp_parse_alrx(&app, &alrx);
            break;
        }
        case RTCP_PT_XR:
            parse_xr(&p);
            break;
        default:
            break;
        }
    }
    /* The walk hands out exactly the packets the check counted. */
    if (packets != 0)
        abort();
    return 0;
}
