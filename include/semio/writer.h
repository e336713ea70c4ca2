/*
 * Writing recordings through libav's encoders: the phantom study, the test
 * recordings and the benchmarks all make their videos with this.
 */
#ifndef SEMIO_WRITER_H
#define SEMIO_WRITER_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioWriterSettings {
    int width, height;        /**< 0 x 0: no video track (audio-only file) */
    int fps_num, fps_den;     /**< nominal frame rate */
    int vfr;                  /**< frame times are given freely (millisecond time base) */
    const char *video_codec;  /**< encoder name: "libx264" (default), "mpeg4", ... */
    int gop;                  /**< frames between keyframes */
    int bframes;              /**< B-frames in a row (0 = none), a fixed pattern... */
    int bframes_adaptive;     /**< ...unless the encoder may choose fewer (x264 b-adapt) */
    int quality;              /**< x264 CRF or mpeg4 qscale; 0 = encoder default */
    const char *preset;       /**< x264 preset ("veryfast" default) */
    int threads;              /**< encoder threads; 0 = auto */
    int audio_rate;           /**< 0 = no audio track */
    int audio_channels;
    int rotation;             /**< clockwise degrees stored in the display matrix */
    const char *container;    /**< muxer name ("mp4", "matroska"...); NULL: from the file
                                   name's extension (a temporary name has none that helps) */
} SemioWriterSettings;

SEMIO_API void semio_writer_default_settings(SemioWriterSettings *s);

typedef struct SemioWriter SemioWriter;

/** Creates `path`; the container is s->container, or follows the extension (.mp4, .mkv, ...). */
SEMIO_API int semio_writer_open(SemioWriter **w, const char *path, const SemioWriterSettings *s,
                      SemioError *err);

/** Adds one RGB24 picture shown at `seconds` (times must increase). */
SEMIO_API int semio_writer_video(SemioWriter *w, const uint8_t *rgb, int stride, double seconds,
                       SemioError *err);

/**
 * Adds one RGB24 picture of width x height, scaled (bicubic) to the writer's size in the
 * same pass that converts it to the encoder's YUV: cheaper than scaling RGB first.
 */
SEMIO_API int semio_writer_video_scaled(SemioWriter *w, const uint8_t *rgb, int width, int height,
                                        int stride, double seconds, SemioError *err);

/** Adds the last picture again, shown at `seconds`: a held frame costs no conversion. */
SEMIO_API int semio_writer_video_again(SemioWriter *w, double seconds, SemioError *err);

/** Adds interleaved float samples in [-1, 1] (n per channel). */
SEMIO_API int semio_writer_audio(SemioWriter *w, const float *samples, int n, SemioError *err);

/** Flushes the encoders, writes the trailer and frees w. */
SEMIO_API int semio_writer_close(SemioWriter **w, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
