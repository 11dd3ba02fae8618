/* The SDP of a plain RTP stream (see tx_sdp_file.h). */
#include "sender/tx_sdp_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/defaults.h"
#include "net/tcp.h"
#include "proto/sdp.h"

int tx_write_sdp_file(const char *path, const tx_config *cfg, const struct sockaddr *dest,
                      socklen_t dest_len, char *err, size_t err_size)
{
    char conn[128], origin[128];
    struct sockaddr_storage local;
    net_host_str(dest, conn, sizeof conn);
    if (net_local_address_for(dest, dest_len, &local) == 0)
        net_host_str((struct sockaddr *)&local, origin, sizeof origin);
    else
        snprintf(origin, sizeof origin, "%s", conn);
    sdp_stream s;
    sdp_stream_init(&s);
    s.origin_addr = origin;
    s.conn_addr = conn;
    s.session_id = cfg->ssrc;
    s.session_version = 1;
    s.port = (uint16_t)net_addr_port(dest);
    s.opus_pt = AL_OPUS_PT;
    s.red_pt = AL_RED_PT;
    s.channels = (unsigned)cfg->channels;
    s.frame_us = (uint32_t)((int64_t)cfg->frame_samples * 1000000 / AL_RATE);
    s.useinbandfec = cfg->fec;
    s.red_depth = (unsigned)cfg->redundancy;
    s.red_bitrate = cfg->redundancy ? (uint32_t)tx_copy_bitrate(cfg, 0) : 0;
    char text[2048];
    int len = sdp_write(&s, text, sizeof text);
    if (len < 0) {
        snprintf(err, err_size, "cannot write SDP: %s", sdp_strerror(len));
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f || fwrite(text, 1, (size_t)len, f) != (size_t)len) {
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (fclose(f) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
