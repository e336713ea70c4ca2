/*
 * Exact frame sampling: decode precisely the frames asked for (frame k = the k-th
 * frame in presentation order), scaled to a pixel budget and turned upright.
 */
#ifndef SEMIO_SAMPLER_H
#define SEMIO_SAMPLER_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioSamplerSettings {
    int threads;         /**< decoder threads; 0 = one per core */
    int64_t max_pixels;  /**< scale down to at most this many pixels (aspect kept); 0 = native */
    int apply_rotation;  /**< turn frames upright using the display matrix (default 1) */
    int skip_nonref;     /**< skip decoding non-reference frames nothing needs (default 1) */
} SemioSamplerSettings;

/** The settings the pilot study used: 602112-pixel cap, rotation applied. */
SEMIO_API void semio_sampler_default_settings(SemioSamplerSettings *s);

/** One decoded frame, borrowed: valid only during the callback that receives it. */
typedef struct SemioFrame {
    int64_t index;       /**< presentation index in the whole recording */
    double time;         /**< seconds since the first frame */
    const uint8_t *rgb;  /**< packed RGB24, NULL when `error` is set */
    int width, height, stride;
    int corrupt;         /**< the decoder reported damage in this picture */
    const char *error;   /**< why this frame could not be produced, else NULL */
} SemioFrame;

/** Return 0 to continue, or a negative code to stop the read with that code. */
typedef int (*SemioFrameCallback)(void *user, const SemioFrame *frame);

typedef struct SemioSamplerStats {
    int64_t packets_sent;    /**< video packets given to the decoder */
    int64_t frames_decoded;  /**< pictures decoded, output or not (the real work) */
    int64_t frames_skipped;  /**< packets sent with non-reference skipping allowed */
    int64_t seeks;
    int64_t frames_out;      /**< frames handed to callbacks */
} SemioSamplerStats;

typedef struct SemioSampler SemioSampler;

/** Opens `path` and indexes its frames (demuxing only). */
SEMIO_API int semio_sampler_open(SemioSampler **out, const char *path, const SemioSamplerSettings *s,
                       SemioError *err);

SEMIO_API void semio_sampler_close(SemioSampler **s);

/** Number of frames in presentation order. */
SEMIO_API int64_t semio_sampler_frame_count(const SemioSampler *s);

/** Seconds from frame 0 to frame k (-1 if k is out of range). */
SEMIO_API double semio_sampler_frame_time(const SemioSampler *s, int64_t k);

/** The first frame shown at or after `seconds` (frame_count if none). */
SEMIO_API int64_t semio_sampler_frame_at(const SemioSampler *s, double seconds);

/** Size of the frames the sampler hands out (after scaling and rotation). */
SEMIO_API void semio_sampler_output_size(const SemioSampler *s, int *width, int *height);

/**
 * Decodes exactly the frames `indices` (strictly increasing, each < frame_count) and
 * calls `cb` once per index, in order. A frame that cannot be decoded is reported
 * through the callback with `error` set, and the read goes on. For each target the
 * sampler either decodes forward or seeks to the keyframe before it, whichever
 * decodes fewer frames.
 */
SEMIO_API int semio_sampler_read(SemioSampler *s, const int64_t *indices, size_t n, SemioFrameCallback cb,
                       void *user, SemioError *err);

SEMIO_API void semio_sampler_stats(const SemioSampler *s, SemioSamplerStats *stats);

/**
 * Picks n frames evenly spaced over [first, last], rounded down, exactly as
 * numpy.linspace(first, last, n).astype(int) does (the pilot study's rule). When
 * the range holds fewer than n frames, every frame is taken once (no duplicates).
 * Returns the number written to out (which must hold n).
 */
SEMIO_API size_t semio_pick_uniform(int64_t first, int64_t last, size_t n, int64_t *out);

/** Output size for a w x h picture under a pixel budget (aspect kept, never upscaled). */
SEMIO_API void semio_fit_pixels(int w, int h, int64_t max_pixels, int *ow, int *oh);

#ifdef __cplusplus
}
#endif
#endif
