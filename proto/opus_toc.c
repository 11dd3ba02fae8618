/* Opus packet inspection. Uses libopus's own packet parser for framing so
 * that we accept exactly what the decoder accepts. */
#include "proto/opus_toc.h"

#include <opus.h>

#include "common/defaults.h"

#define MAX_SAMPLES 5760 /* 120 ms at 48 kHz, the longest legal packet */

int opus_toc_samples(const uint8_t *packet, size_t len)
{
    if (!packet || len == 0 || len > AL_MAX_OPUS_PACKET)
        return -1;
    unsigned char toc;
    const unsigned char *frames[48];
    opus_int16 sizes[48];
    int count = opus_packet_parse(packet, (opus_int32)len, &toc, frames, sizes, NULL);
    if (count <= 0)
        return -1;
    int samples = opus_packet_get_nb_samples(packet, (opus_int32)len, 48000);
    if (samples <= 0 || samples > MAX_SAMPLES)
        return -1;
    return samples;
}

bool opus_toc_has_lbrr(const uint8_t *packet, size_t len)
{
    if (opus_toc_samples(packet, len) < 0)
        return false;
    /* Configs 12..15 are hybrid, 0..11 SILK-only; 16..31 are CELT-only. */
    int config = packet[0] >> 3;
    if (config >= 16)
        return false;
    const unsigned char *frames[48];
    opus_int16 sizes[48];
    if (opus_packet_parse(packet, (opus_int32)len, NULL, frames, sizes, NULL) <= 0 || sizes[0] == 0)
        return false;
    /* SILK opens each Opus frame with one VAD flag per 20 ms SILK frame and
     * then the LBRR flag, all coded with probability 1/2; at the very start
     * of the range coder such symbols are exactly the leading bits of the
     * first byte (this is how libopus 1.5's opus_packet_has_lbrr reads it). */
    int frame_samples = opus_packet_get_samples_per_frame(packet, 48000);
    int silk_frames = frame_samples > 960 ? frame_samples / 960 : 1;
    int first = frames[0][0];
    bool lbrr = (first >> (7 - silk_frames)) & 1;
    if (opus_packet_get_nb_channels(packet) == 2)
        lbrr = lbrr || ((first >> (6 - 2 * silk_frames)) & 1);
    return lbrr;
}
