/* Fuzz target: the RTP parser, and the whole receive path behind it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtp.h"
#include "receiver/rx_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_header h;
    if (rtp_parse(data, size, &h) == RTP_OK) {
        /* A parsed header writes back to the same bytes (padding aside). */
        if (!h.padding) {
            uint8_t *again = malloc(size + 1);
            int len = rtp_write(&h, h.payload, h.payload_len, again, size + 1);
            if (len != (int)size || memcmp(again, data, size) != 0)
                abort();
            free(again);
        }
    }

    /* Feed the same bytes to a receiver as a series of packets: split at
     * every 0xff byte, times advancing 20 ms per packet, then play it out. */
    static rx_stream *rx;
    if (!rx) {
        rx_config cfg;
        rx_config_defaults(&cfg);
        cfg.channels = 1;
        char err[128];
        rx = rx_stream_create(&cfg, err, sizeof err);
    }
    rx_stream_restart(rx);
    int64_t now = 0;
    size_t start = 0;
    static float pcm[5760 * 2];
    rx_frame_info info;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == 0xff) {
            if (rx_stream_packet(rx, data + start, i - start, now) == RX_PACKET_NEW_SOURCE) {
                while (rx_stream_pull(rx, now, true, pcm, &info) > 0)
                    ;
                rx_stream_restart(rx);
                rx_stream_packet(rx, data + start, i - start, now);
            }
            now += 20000000;
            while (rx_stream_pull(rx, now, false, pcm, &info) > 0)
                ;
            start = i + 1;
        }
    }
    while (rx_stream_pull(rx, now, true, pcm, &info) > 0)
        ;
    return 0;
}
