/* Test driver: builds the RTCP compound packets audiolink sends, with
 * proto/rtcp's writer, and either sends them over UDP to 127.0.0.1:PORT (for
 * tests/interop/test_tshark_rtcp.sh, which checks tshark's decoding against
 * the values below) or writes each to a file (the fuzz seed corpus,
 * tests/fuzz/corpus/rtcp/).
 *
 *   rtcp_send PORT        send every compound, in the order of COMPOUNDS
 *   rtcp_send --write DIR write DIR/<name> for each
 *
 * The values are fixed so that the test script can name them; change one
 * here and there together. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/rtcp.h"

#define SENDER_SSRC   0x5eade001u
#define RECEIVER_SSRC 0x7ecee002u
#define NS_PER_MS     1000000LL
#define LONG_SPAN     20000 /* packets in the long Loss RLE: more than a chunk's run */

/* The sender's clock at its SR, NTP: 3 900 000 000.5 s. */
static const int64_t SR_TIME_NS = 3900000000LL * 1000000000LL + 500 * NS_PER_MS;

/* The loss pattern of the receiver's report: 40 packets from 0xfff0, the
 * 21st and 26th lost (tests/unit/test_rtcp.c's vector). */
static void short_pattern(bool *p)
{
    for (int i = 0; i < 40; i++)
        p[i] = i != 20 && i != 25;
}

/* LONG_SPAN packets: a run of 17000 received (past 16383, two chunks),
 * then every 7th lost, then a burst of 30 lost at the end. */
static void long_pattern(bool *p)
{
    for (int i = 0; i < LONG_SPAN; i++)
        p[i] = i < 17000 || (i < LONG_SPAN - 30 && i % 7 != 0);
}

/* SR + SDES + XR DLRR (the answer to the receiver's RRTR). */
static int sender_report(uint8_t *buf, size_t cap)
{
    rtcp_sr sr = {
        .ssrc = SENDER_SSRC,
        .ntp = rtcp_ntp_from_ns(SR_TIME_NS),
        .rtp_ts = 48000,
        .packet_count = 50,
        .octet_count = 8000,
    };
    const rtcp_dlrr_item dlrr = {RECEIVER_SSRC, 0x12345678, rtcp_short_from_ns(250 * NS_PER_MS)};
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_sr(&w, &sr);
    rtcp_write_sdes_cname(&w, SENDER_SSRC, "sender@127.0.0.1");
    rtcp_xr_begin(&w, SENDER_SSRC);
    rtcp_xr_add_dlrr(&w, &dlrr, 1);
    rtcp_xr_end(&w);
    return rtcp_writer_finish(&w);
}

/* RR + SDES + XR (RRTR, Loss RLE) + APP ALrx: the receiver's report. */
static int receiver_report(uint8_t *buf, size_t cap)
{
    const rtcp_report_block block = {
        .ssrc = SENDER_SSRC,
        .fraction_lost = 64, /* 25 % */
        .cumulative_lost = 3,
        .highest_seq = 0x0001fff0,
        .jitter = 120,
        .lsr = rtcp_ntp_middle(rtcp_ntp_from_ns(SR_TIME_NS)),
        .dlsr = rtcp_short_from_ns(500 * NS_PER_MS),
    };
    const rtcp_alrx alrx = {
        .media_ssrc = SENDER_SSRC,
        .frames_primary = 1000,
        .frames_red = 20,
        .frames_fec = 3,
        .frames_concealed = 2,
        .packets_late = 1,
        .playout_delay_us = 40000,
    };
    bool pattern[40];
    short_pattern(pattern);
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_rr(&w, RECEIVER_SSRC, &block, 1);
    rtcp_write_sdes_cname(&w, RECEIVER_SSRC, "receiver@127.0.0.1");
    rtcp_xr_begin(&w, RECEIVER_SSRC);
    rtcp_xr_add_rrtr(&w, rtcp_ntp_from_ns(SR_TIME_NS + 600 * NS_PER_MS));
    rtcp_xr_add_loss_rle(&w, SENDER_SSRC, 0xfff0, pattern, 40);
    rtcp_xr_end(&w);
    rtcp_write_alrx(&w, RECEIVER_SSRC, &alrx);
    return rtcp_writer_finish(&w);
}

/* RR without blocks + SDES + XR with a Loss RLE longer than one run chunk,
 * then an RRTR: Wireshark (4.0 and still in its current source) sizes the
 * "Report Chunks" item 8 bytes past the Loss RLE block, so one that ends the
 * datagram shows as malformed there; anything of 8 bytes or more after it
 * avoids that (docs/protocol.md). */
static int long_loss_report(uint8_t *buf, size_t cap)
{
    static bool pattern[LONG_SPAN];
    long_pattern(pattern);
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_rr(&w, RECEIVER_SSRC, NULL, 0);
    rtcp_write_sdes_cname(&w, RECEIVER_SSRC, "receiver@127.0.0.1");
    rtcp_xr_begin(&w, RECEIVER_SSRC);
    rtcp_xr_add_loss_rle(&w, SENDER_SSRC, 1000, pattern, LONG_SPAN);
    rtcp_xr_add_rrtr(&w, rtcp_ntp_from_ns(SR_TIME_NS + 1000 * NS_PER_MS));
    rtcp_xr_end(&w);
    return rtcp_writer_finish(&w);
}

/* SR with two report blocks + SDES + BYE with a reason: the sender leaving. */
static int sender_bye(uint8_t *buf, size_t cap)
{
    rtcp_sr sr = {
        .ssrc = SENDER_SSRC,
        .ntp = rtcp_ntp_from_ns(SR_TIME_NS + 5000 * NS_PER_MS),
        .rtp_ts = 48000 * 6,
        .packet_count = 300,
        .octet_count = 48000,
        .report_count = 2,
    };
    sr.reports[0] = (rtcp_report_block){.ssrc = RECEIVER_SSRC, .fraction_lost = 0};
    sr.reports[1] =
        (rtcp_report_block){.ssrc = 0x0badf00d, .fraction_lost = 255, .cumulative_lost = -2};
    const uint32_t leaving = SENDER_SSRC;
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_sr(&w, &sr);
    rtcp_write_sdes_cname(&w, SENDER_SSRC, "sender@127.0.0.1");
    rtcp_write_bye(&w, &leaving, 1, "teardown");
    return rtcp_writer_finish(&w);
}

/* RR + SDES + BYE without a reason: the receiver leaving. */
static int receiver_bye(uint8_t *buf, size_t cap)
{
    const uint32_t leaving = RECEIVER_SSRC;
    rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    rtcp_write_rr(&w, RECEIVER_SSRC, NULL, 0);
    rtcp_write_sdes_cname(&w, RECEIVER_SSRC, "receiver@127.0.0.1");
    rtcp_write_bye(&w, &leaving, 1, NULL);
    return rtcp_writer_finish(&w);
}

static const struct {
    const char *name;
    int (*build)(uint8_t *buf, size_t cap);
} COMPOUNDS[] = {
    {"sender_report", sender_report},       {"receiver_report", receiver_report},
    {"long_loss_report", long_loss_report}, {"sender_bye", sender_bye},
    {"receiver_bye", receiver_bye},
};
#define N_COMPOUNDS (sizeof COMPOUNDS / sizeof COMPOUNDS[0])

static int write_files(const char *dir)
{
    static uint8_t buf[65536];
    for (size_t i = 0; i < N_COMPOUNDS; i++) {
        int len = COMPOUNDS[i].build(buf, sizeof buf);
        if (len < 0) {
            fprintf(stderr, "rtcp_send: %s: %s\n", COMPOUNDS[i].name, rtcp_strerror(len));
            return 1;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, COMPOUNDS[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
            fprintf(stderr, "rtcp_send: %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    return 0;
}

static int send_all(int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("rtcp_send: socket");
        return 1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    static uint8_t buf[65536];
    for (size_t i = 0; i < N_COMPOUNDS; i++) {
        int len = COMPOUNDS[i].build(buf, sizeof buf);
        if (len < 0) {
            fprintf(stderr, "rtcp_send: %s: %s\n", COMPOUNDS[i].name, rtcp_strerror(len));
            close(fd);
            return 1;
        }
        if (sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)&to, sizeof to) != len) {
            perror("rtcp_send: sendto");
            close(fd);
            return 1;
        }
        printf("%s %d bytes\n", COMPOUNDS[i].name, len);
        /* Apart in time, so that the capture keeps their order. */
        nanosleep(&(struct timespec){0, 20 * NS_PER_MS}, NULL);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_files(argv[2]);
    if (argc == 2) {
        int port = atoi(argv[1]);
        if (port > 0 && port < 65536)
            return send_all(port);
    }
    fprintf(stderr, "usage: %s PORT | --write DIR\n", argv[0]);
    return 2;
}
