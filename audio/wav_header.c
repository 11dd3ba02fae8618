/* WAV / RF64 header bytes. See wav_header.h for the layout. */
#include "audio/wav_header.h"

#include <string.h>

#include "common/status.h"

/* Bytes of the header counted by the riff size: everything after the riff
 * size field ("WAVE", the JUNK/ds64 chunk, the fmt chunk, the data chunk's
 * id and size). */
#define RIFF_OVERHEAD (WAV_HEADER_BYTES - 8)

#define DS64_BODY_BYTES 28 /* riff size, data size, frames (u64 each), table length (u32) */
#define FMT_BODY_BYTES  16
#define WAVE_FORMAT_PCM 1

/* What a 32-bit size field holds in RF64: "look in ds64". */
#define RF64_SIZE_IN_DS64 0xFFFFFFFFu

static uint8_t *put_tag(uint8_t *p, const char tag[4])
{
    memcpy(p, tag, 4);
    return p + 4;
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

bool wav_header_needs_rf64(uint64_t data_bytes, uint64_t riff_limit)
{
    if (riff_limit > WAV_RIFF_LIMIT)
        riff_limit = WAV_RIFF_LIMIT;
    /* Written as a subtraction so that no sum can wrap. */
    return riff_limit < RIFF_OVERHEAD || data_bytes > riff_limit - RIFF_OVERHEAD;
}

int wav_header_build(uint8_t out[WAV_HEADER_BYTES], int channels, int rate, uint64_t data_bytes,
                     uint64_t riff_limit)
{
    if (out == NULL || channels < 1 || channels > WAV_MAX_CHANNELS || rate < 1)
        return AL_ERR_ARG;
    const uint32_t block_align = (uint32_t)channels * WAV_BYTES_PER_SAMPLE;
    if ((uint64_t)rate * block_align > UINT32_MAX)
        return AL_ERR_ARG; /* the byte rate would not fit its field */
    if (data_bytes % block_align != 0 || data_bytes > UINT64_MAX - RIFF_OVERHEAD)
        return AL_ERR_ARG;

    const bool rf64 = wav_header_needs_rf64(data_bytes, riff_limit);
    const uint64_t riff_size = RIFF_OVERHEAD + data_bytes;
    uint8_t *p = out;

    if (rf64) {
        p = put_tag(p, "RF64");
        p = put_u32(p, RF64_SIZE_IN_DS64);
        p = put_tag(p, "WAVE");
        p = put_tag(p, "ds64");
        p = put_u32(p, DS64_BODY_BYTES);
        p = put_u64(p, riff_size);
        p = put_u64(p, data_bytes);
        p = put_u64(p, data_bytes / block_align); /* the sample count: frames */
        p = put_u32(p, 0);                        /* no table of other chunks' sizes */
    } else {
        p = put_tag(p, "RIFF");
        p = put_u32(p, (uint32_t)riff_size);
        p = put_tag(p, "WAVE");
        p = put_tag(p, "JUNK");
        p = put_u32(p, DS64_BODY_BYTES);
        memset(p, 0, DS64_BODY_BYTES);
        p += DS64_BODY_BYTES;
    }

    p = put_tag(p, "fmt ");
    p = put_u32(p, FMT_BODY_BYTES);
    p = put_u16(p, WAVE_FORMAT_PCM);
    p = put_u16(p, (uint16_t)channels);
    p = put_u32(p, (uint32_t)rate);
    p = put_u32(p, (uint32_t)rate * block_align); /* bytes per second */
    p = put_u16(p, (uint16_t)block_align);
    p = put_u16(p, WAV_BITS_PER_SAMPLE);

    p = put_tag(p, "data");
    put_u32(p, rf64 ? RF64_SIZE_IN_DS64 : (uint32_t)data_bytes);
    return AL_OK;
}
