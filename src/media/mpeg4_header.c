/* MPEG-4 Part 2 start codes and the header bits that tell frames from placeholders. */
#include <stdio.h>
#include <string.h>

#include <libavutil/common.h>

#include "media/mpeg4_header.h"

/* Start code values (the byte after 00 00 01). */
#define VOL_FIRST 0x20
#define VOL_LAST 0x2F
#define USER_DATA 0xB2
#define VOP 0xB6

/* A big-endian bit reader that reads zeros past the end and remembers it did. */
typedef struct Bits {
    const uint8_t *data;
    size_t size, pos; /* pos in bits */
    int overread;
} Bits;

static unsigned bits_get(Bits *b, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++, b->pos++) {
        unsigned bit = 0;
        if (b->pos < 8 * b->size)
            bit = (b->data[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
        else
            b->overread = 1;
        v = v << 1 | bit;
    }
    return v;
}

static void bits_skip(Bits *b, size_t n)
{
    b->pos += n;
    if (b->pos > 8 * b->size)
        b->overread = 1;
}

/* video_object_layer() up to vop_time_increment_resolution, which sets how many bits
 * each VOP's time increment takes. Markers are not checked: FFmpeg only warns on them. */
static int vol_time_increment_bits(const uint8_t *data, size_t size)
{
    Bits b = { .data = data, .size = size };
    bits_skip(&b, 1 + 8);        /* random_accessible_vol, video_object_type_indication */
    unsigned verid = 1;
    if (bits_get(&b, 1)) {       /* is_object_layer_identifier */
        verid = bits_get(&b, 4);
        bits_skip(&b, 3);        /* video_object_layer_priority */
    }
    if (bits_get(&b, 4) == 15)   /* aspect_ratio_info: extended PAR */
        bits_skip(&b, 16);
    if (bits_get(&b, 1)) {       /* vol_control_parameters */
        bits_skip(&b, 2 + 1);    /* chroma_format, low_delay */
        if (bits_get(&b, 1))     /* vbv_parameters: bit rate, buffer size, occupancy */
            bits_skip(&b, 79);
    }
    if (bits_get(&b, 2) == 3 && verid != 1) /* grayscale shape */
        bits_skip(&b, 4);
    bits_skip(&b, 1);
    unsigned resolution = bits_get(&b, 16);
    if (b.overread || resolution == 0)
        return 0;
    int n = av_log2(resolution - 1) + 1;
    return n < 1 ? 1 : n;
}

/* DivX writes "DivX503b1393p": version, build, and 'p' when B-frames are packed. FFmpeg's
 * decoder unpacks exactly when the last such string ends in 'p'. */
static void user_data(SemioMpeg4Headers *h, const uint8_t *data, size_t size)
{
    char text[256];
    size_t n = 0;
    while (n < size && n + 1 < sizeof(text) && data[n])
        n++;
    memcpy(text, data, n);
    text[n] = '\0';
    int version, build;
    char last;
    int e = sscanf(text, "DivX%dBuild%d%c", &version, &build, &last);
    if (e < 2)
        e = sscanf(text, "DivX%db%d%c", &version, &build, &last);
    if (e >= 2)
        h->packed = e == 3 && last == 'p';
}

/* vop_coding_type, modulo_time_base, vop_time_increment and then vop_coded. */
static SemioVop vop_header(const SemioMpeg4Headers *h, const uint8_t *data, size_t size)
{
    Bits b = { .data = data, .size = size };
    SemioVop vop = { .type = (int)bits_get(&b, 2), .coded = -1 };
    while (bits_get(&b, 1) && !b.overread) /* modulo_time_base */
        ;
    bits_skip(&b, 1);
    if (!h->time_increment_bits)
        return vop;
    bits_skip(&b, (size_t)h->time_increment_bits);
    /* A missing marker means the VOL did not fit this stream: FFmpeg then guesses the
     * field's width, and so cannot be followed exactly. */
    if (bits_get(&b, 1) != 1)
        return vop;
    int coded = (int)bits_get(&b, 1);
    if (!b.overread)
        vop.coded = coded;
    return vop;
}

SemioVop semio_mpeg4_scan(SemioMpeg4Headers *h, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++) {
        if (data[i] || data[i + 1] || data[i + 2] != 1)
            continue;
        unsigned code = data[i + 3];
        const uint8_t *body = data + i + 4;
        size_t left = size - (i + 4);
        if (code >= VOL_FIRST && code <= VOL_LAST) {
            int bits = vol_time_increment_bits(body, left);
            if (bits)
                h->time_increment_bits = bits;
        } else if (code == USER_DATA) {
            user_data(h, body, left);
        } else if (code == VOP) {
            return vop_header(h, body, left);
        }
        i += 3;
    }
    return (SemioVop){ .type = SEMIO_VOP_NONE, .coded = -1 };
}
