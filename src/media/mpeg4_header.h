/*
 * The few MPEG-4 Part 2 (ISO/IEC 14496-2) header fields that say which packets are
 * frames: a VOP's coding type, whether it is coded at all, and DivX's mark of packed
 * B-frames. Read the way FFmpeg's decoder reads them, since its output is the truth.
 */
#ifndef SEMIO_MEDIA_MPEG4_HEADER_H
#define SEMIO_MEDIA_MPEG4_HEADER_H

#include <stddef.h>
#include <stdint.h>

/** What earlier headers of the stream said; zero-initialize, then scan in stream order. */
typedef struct SemioMpeg4Headers {
    int time_increment_bits; /**< from the last VOL header; 0 until one is seen */
    int packed;              /**< the last DivX user data ends its build with 'p' */
} SemioMpeg4Headers;

enum {
    SEMIO_VOP_NONE = -1, /**< no VOP start code in the data */
    SEMIO_VOP_I,
    SEMIO_VOP_P,
    SEMIO_VOP_B,
    SEMIO_VOP_S,
};

typedef struct SemioVop {
    int type;  /**< SEMIO_VOP_* */
    int coded; /**< 1; 0 for an N-VOP (vop_coded 0: the decoder shows nothing); -1 unknown */
} SemioVop;

/**
 * Reads `data` (extradata or a packet) up to its first VOP: VOL headers and user data on
 * the way update h, and the VOP, if there is one, is described.
 */
SemioVop semio_mpeg4_scan(SemioMpeg4Headers *h, const uint8_t *data, size_t size);

#endif
