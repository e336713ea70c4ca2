/*
 * The presentation-order index of a video stream, built by demuxing every packet
 * (no decoding). It is what makes "frame k" mean the k-th frame shown, whatever the
 * container claims, and it tells the sampler where the keyframes are.
 */
#ifndef SEMIO_MEDIA_FRAME_INDEX_H
#define SEMIO_MEDIA_FRAME_INDEX_H

#include <stdint.h>

#include <libavformat/avformat.h>

#include "media/packet_reader.h"
#include "semio/common.h"

typedef struct SemioKeyframe {
    int64_t pts;   /**< presentation timestamp, stream time base */
    int64_t dts;   /**< decode timestamp (AV_NOPTS_VALUE if unknown) */
    int64_t index; /**< presentation index of the keyframe itself */
} SemioKeyframe;

typedef struct SemioFrameIndex {
    int64_t *pts;          /**< presentation timestamps, sorted: pts[k] is frame k */
    int64_t count;         /**< number of presented frames */
    SemioKeyframe *keys;   /**< keyframes in presentation order */
    int64_t nkeys;
    AVRational time_base;
    int64_t start_pts;     /**< pts of frame 0 (times are measured from it) */
    int64_t first_dts;     /**< dts of the first packet (its pts if it has none): seeking
                                there rewinds to the start */
    int64_t corrupt_packets;
    int truncated;         /**< reading stopped on an error before the end */
    char read_error[256];  /**< why reading stopped early, if it did */
} SemioFrameIndex;

/**
 * Reads every packet of stream `stream` of `fmt` through `packets` (both freshly opened
 * or rewound) and fills idx. Leaves fmt at its end; the caller seeks back if needed.
 */
int semio_frame_index_build(SemioFrameIndex *idx, AVFormatContext *fmt, int stream,
                            SemioPacketReader *packets, const char *path, SemioError *err);

void semio_frame_index_free(SemioFrameIndex *idx);

/** Presentation index of the frame whose pts is exactly `pts`, or -1. */
int64_t semio_frame_index_find(const SemioFrameIndex *idx, int64_t pts);

/** Seconds from frame 0 to frame k. */
double semio_frame_index_time(const SemioFrameIndex *idx, int64_t k);

/** First frame shown at or after `seconds` (count if none). */
int64_t semio_frame_index_at(const SemioFrameIndex *idx, double seconds);

/** The last keyframe whose presentation index is <= k, or NULL if none. */
const SemioKeyframe *semio_frame_index_key_before(const SemioFrameIndex *idx, int64_t k);

#endif
