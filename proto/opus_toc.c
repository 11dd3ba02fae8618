/* Opus packet inspection. Uses libopus's own packet parser for framing so
 * that we accept exactly what the decoder accepts; when it refuses, a walk
 * over the framing of RFC 6716 3.2 says why. */
#include "proto/opus_toc.h"

#include <opus.h>

#include "common/defaults.h"

#define MAX_FRAMES        48 /* RFC 6716 3.2.5: 120 ms of 2.5 ms frames */
#define CODE3_COUNT_MASK  0x3f
#define CODE3_VBR_BIT     0x80
#define CODE3_PADDING_BIT 0x40
#define LENGTH_TWO_BYTES  252 /* a first length byte from here on takes a second (3.2.1) */
#define PADDING_CONTINUES 255 /* a padding length byte that is followed by another (3.2.5) */
#define CONFIG_FIRST_CELT 16  /* configs 0..11 are SILK-only, 12..15 hybrid, 16..31 CELT */
#define SILK_FRAME        960 /* samples of one SILK frame at 48 kHz: 20 ms */

/* One frame length (RFC 6716 3.2.1) at *P, below END: 1 or 2 bytes. */
static int frame_length(const uint8_t **p, const uint8_t *end)
{
    if (*p >= end)
        return OPUS_TOC_ERR_TRUNCATED;
    int n = *(*p)++;
    if (n < LENGTH_TWO_BYTES)
        return n;
    if (*p >= end)
        return OPUS_TOC_ERR_TRUNCATED;
    return n + 4 * *(*p)++;
}

/* Why libopus refused PACKET: the RFC 6716 3.2 framing, checked in the
 * order the bytes come, so that a packet cut short reads as truncated and
 * anything else as malformed. */
static int framing_error(const uint8_t *packet, size_t len)
{
    const uint8_t *p = packet + 1, *end = packet + len;
    switch (packet[0] & 3) {
    case 0:
    case 1:
        /* One frame, or two halves: only an odd length or a frame over
         * 1275 bytes is refused, and no byte is missing for that. */
        return OPUS_TOC_ERR_MALFORMED;
    case 2: {
        int first = frame_length(&p, end);
        if (first < 0)
            return first;
        if ((size_t)(end - p) < (size_t)first)
            return OPUS_TOC_ERR_TRUNCATED;
        return OPUS_TOC_ERR_MALFORMED;
    }
    default:
        break;
    }
    if (p >= end)
        return OPUS_TOC_ERR_TRUNCATED;
    int flags = *p++;
    int count = flags & CODE3_COUNT_MASK;
    if (count == 0)
        return OPUS_TOC_ERR_MALFORMED;
    size_t padding = 0;
    if (flags & CODE3_PADDING_BIT) {
        int b;
        do {
            if (p >= end)
                return OPUS_TOC_ERR_TRUNCATED;
            b = *p++;
            padding += b == PADDING_CONTINUES ? PADDING_CONTINUES - 1 : (size_t)b;
        } while (b == PADDING_CONTINUES);
    }
    if ((size_t)(end - p) < padding)
        return OPUS_TOC_ERR_TRUNCATED;
    end -= padding;
    if (flags & CODE3_VBR_BIT) {
        size_t sum = 0;
        for (int i = 0; i < count - 1; i++) {
            int n = frame_length(&p, end);
            if (n < 0)
                return n;
            sum += (size_t)n;
        }
        if ((size_t)(end - p) < sum)
            return OPUS_TOC_ERR_TRUNCATED;
    }
    return OPUS_TOC_ERR_MALFORMED;
}

int opus_toc_samples(const uint8_t *packet, size_t len)
{
    if (!packet && len > 0)
        return AL_ERR_ARG;
    if (len == 0)
        return OPUS_TOC_ERR_EMPTY;
    if (len > AL_MAX_OPUS_PACKET)
        return OPUS_TOC_ERR_TOO_LARGE;
    /* More than 120 ms (RFC 6716 R5) is refused by libopus too; say so
     * before asking it, as the count byte alone tells. */
    int nb_frames = opus_packet_get_nb_frames(packet, (opus_int32)len);
    if (nb_frames > 0 &&
        nb_frames * opus_packet_get_samples_per_frame(packet, AL_RATE) > AL_MAX_FRAME_SAMPLES)
        return OPUS_TOC_ERR_TOO_LONG;
    unsigned char toc;
    const unsigned char *frames[MAX_FRAMES];
    opus_int16 sizes[MAX_FRAMES];
    if (opus_packet_parse(packet, (opus_int32)len, &toc, frames, sizes, NULL) <= 0)
        return framing_error(packet, len);
    int samples = opus_packet_get_nb_samples(packet, (opus_int32)len, AL_RATE);
    if (samples <= 0 || samples > AL_MAX_FRAME_SAMPLES)
        return OPUS_TOC_ERR_MALFORMED; /* cannot happen once parsed: kept as a guard */
    return samples;
}

bool opus_toc_has_lbrr(const uint8_t *packet, size_t len)
{
    if (opus_toc_samples(packet, len) < 0)
        return false;
    int config = packet[0] >> 3;
    if (config >= CONFIG_FIRST_CELT)
        return false;
    const unsigned char *frames[MAX_FRAMES];
    opus_int16 sizes[MAX_FRAMES];
    if (opus_packet_parse(packet, (opus_int32)len, NULL, frames, sizes, NULL) <= 0 || sizes[0] == 0)
        return false;
    /* SILK opens each Opus frame with one VAD flag per 20 ms SILK frame and
     * then the LBRR flag, all coded with probability 1/2; at the very start
     * of the range coder such symbols are exactly the leading bits of the
     * first byte (this is how libopus 1.5's opus_packet_has_lbrr reads it). */
    int frame_samples = opus_packet_get_samples_per_frame(packet, AL_RATE);
    int silk_frames = frame_samples > SILK_FRAME ? frame_samples / SILK_FRAME : 1;
    int first = frames[0][0];
    bool lbrr = (first >> (7 - silk_frames)) & 1;
    if (opus_packet_get_nb_channels(packet) == 2)
        lbrr = lbrr || ((first >> (6 - 2 * silk_frames)) & 1);
    return lbrr;
}

const char *opus_toc_strerror(int status)
{
    switch (status) {
    case OPUS_TOC_ERR_EMPTY:
        return "empty Opus packet";
    case OPUS_TOC_ERR_TRUNCATED:
        return "Opus packet framing runs past the end";
    case OPUS_TOC_ERR_MALFORMED:
        return "malformed Opus packet framing";
    case OPUS_TOC_ERR_TOO_LONG:
        return "Opus packet longer than 120 ms";
    case OPUS_TOC_ERR_TOO_LARGE:
        return "Opus packet larger than the largest valid one";
    default:
        return al_strerror(status);
    }
}
