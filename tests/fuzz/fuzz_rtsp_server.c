/* Fuzz target: the receiver's RTSP session logic fed arbitrary bytes on
 * two connections at once, split into chunks, with time advancing; replies
 * are drained as a socket would. It must never crash, leak or hold more
 * than one session, whatever arrives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "receiver/rtsp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtsp_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.rtp_port = 5004;
    cfg.red = true;
    cfg.seed = 1;
    rtsp_server *srv = rtsp_server_create(&cfg);
    if (!srv)
        return 0;
    int64_t now = 1000000000;
    int conns[2] = {rtsp_server_accept(srv, now, "192.0.2.1", NULL),
                    rtsp_server_accept(srv, now, "192.0.2.1", NULL)};
    size_t pos = 0;
    int turn = 0;
    while (pos < size) {
        /* the first byte of each chunk picks its length (1..64) */
        size_t chunk = (size_t)(data[pos] % 64) + 1;
        pos++;
        if (chunk > size - pos)
            chunk = size - pos;
        int c = conns[turn++ % 2];
        if (c >= 0 && rtsp_server_conn_open(srv, c))
            rtsp_server_received(srv, c, now, data + pos, chunk);
        pos += chunk;
        now += 7000000;
        rtsp_server_tick(srv, now);
        uint8_t media[16] = {0x80, 111};
        rtsp_server_media(srv, now, true, media, sizeof media);
        for (int k = 0; k < 2; k++) {
            const uint8_t *out;
            size_t n;
            while (conns[k] >= 0 && (n = rtsp_server_output(srv, conns[k], &out)) > 0)
                rtsp_server_output_sent(srv, conns[k], n);
        }
        rtsp_server_event ev;
        while (rtsp_server_next_event(srv, &ev)) {
            if (ev.type == RTSP_SERVER_EV_CLOSE) {
                rtsp_server_closed(srv, ev.conn, now, "closed");
                for (int k = 0; k < 2; k++)
                    if (conns[k] == ev.conn)
                        conns[k] = -1;
            }
        }
    }
    rtsp_server_end_session(srv, now, "end");
    rtsp_server_destroy(srv);
    return 0;
}
