/* Unit tests for net/udp through real loopback sockets, with the largest
 * Opus packet RFC 6716 allows: a datagram that fits is read whole and
 * accepted by the media path; one longer than the buffer is reported as
 * truncated (MSG_TRUNC) rather than handed on cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/defaults.h"
#include "net/udp.h"
#include "proto/opus_toc.h"
#include "proto/rtp.h"
#include "receiver/rx_stream.h"

/* Code 3, VBR, 48 CELT-only fullband 2.5 ms frames (config 28, mono) of the
 * largest frame size each: 120 ms, AL_MAX_OPUS_PACKET bytes. */
static size_t largest_opus_packet(uint8_t *out)
{
    size_t n = 0;
    out[n++] = 28 << 3 | 3;
    out[n++] = 0x80 | 48; /* VBR, 48 frames, no padding */
    for (int i = 0; i < 47; i++) {
        /* 1275 = 4 * 255 + 255 (RFC 6716 3.2.1's two-byte length) */
        out[n++] = 255;
        out[n++] = 255;
    }
    for (int i = 0; i < 48 * AL_MAX_OPUS_FRAME; i++)
        out[n++] = (uint8_t)(i * 37 + 11);
    return n;
}

static void test_largest_opus_packet_is_valid(void **state)
{
    (void)state;
    static uint8_t pkt[AL_MAX_OPUS_PACKET + 1];
    size_t n = largest_opus_packet(pkt);
    assert_int_equal(n, AL_MAX_OPUS_PACKET);
    assert_int_equal(opus_toc_samples(pkt, n), 5760);
    /* one byte more is no longer a packet of 48 such frames */
    pkt[n] = 0;
    assert_int_equal(opus_toc_samples(pkt, n + 1), OPUS_TOC_ERR_TOO_LARGE);
}

/* A receiving socket on 127.0.0.1 and a sending one connected to it. */
static void socket_pair(int *rx, int *tx)
{
    *rx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(*rx >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(*rx, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(*rx, (struct sockaddr *)&a, &len), 0);
    *tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(*tx >= 0);
    assert_int_equal(connect(*tx, (struct sockaddr *)&a, sizeof a), 0);
}

static ssize_t recv_one(int fd, uint8_t *buf, size_t len, bool *truncated)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 2000), 1);
    struct sockaddr_storage src;
    socklen_t src_len = sizeof src;
    int64_t when;
    return udp_recv_stamped(fd, buf, len, &src, &src_len, &when, truncated);
}

static void test_largest_packet_through_a_socket(void **state)
{
    (void)state;
    static uint8_t out[UDP_MAX_DATAGRAM], in[UDP_MAX_DATAGRAM];
    rtp_header h = {.payload_type = AL_OPUS_PT, .sequence = 7, .timestamp = 1000, .ssrc = 42};
    static uint8_t opus[AL_MAX_OPUS_PACKET];
    size_t olen = largest_opus_packet(opus);
    int len = rtp_write(&h, opus, olen, out, sizeof out);
    assert_true(len > 0);

    int rx, tx;
    socket_pair(&rx, &tx);
    assert_int_equal(send(tx, out, (size_t)len, 0), len);
    bool truncated = true;
    assert_int_equal(recv_one(rx, in, sizeof in, &truncated), len);
    assert_false(truncated);
    assert_memory_equal(in, out, (size_t)len);

    rx_config rc;
    rx_config_defaults(&rc);
    rc.channels = 1;
    char err[128];
    rx_stream *s = rx_stream_create(&rc, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(rx_stream_packet(s, in, (size_t)len, 0), RX_PACKET_ACCEPTED);
    rx_stats st = rx_stream_stats(s);
    assert_int_equal(st.packets_invalid, 0);
    assert_int_equal(st.packets_received, 1);
    rx_stream_destroy(s);
    close(rx);
    close(tx);
}

static void test_truncation_reported(void **state)
{
    (void)state;
    int rx, tx;
    socket_pair(&rx, &tx);
    uint8_t big[3000] = {0}, buf[2048];
    assert_int_equal(send(tx, big, sizeof big, 0), (ssize_t)sizeof big);
    bool truncated = false;
    assert_int_equal(recv_one(rx, buf, sizeof buf, &truncated), (ssize_t)sizeof buf);
    assert_true(truncated);
    /* the next, shorter datagram is whole again */
    assert_int_equal(send(tx, big, 100, 0), 100);
    assert_int_equal(recv_one(rx, buf, sizeof buf, &truncated), 100);
    assert_false(truncated);
    close(rx);
    close(tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_largest_opus_packet_is_valid),
        cmocka_unit_test(test_largest_packet_through_a_socket),
        cmocka_unit_test(test_truncation_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
