/*
 * ffmpeg's own frame numbering, the truth the sampler is checked against on files it did
 * not make: frame k is the k-th picture a plain libavcodec decode loop puts out (what
 * `ffmpeg -vsync passthrough -f framemd5` and `ffprobe -count_frames` count).
 */
#ifndef SEMIO_TESTS_FFMPEG_FRAMES_H
#define SEMIO_TESTS_FFMPEG_FRAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct FfmpegFrames {
    int64_t count;       /**< pictures the decoder put out */
    uint8_t (*md5)[16];  /**< md5[k]: MD5 of frame k as the sampler's RGB picture */
} FfmpegFrames;

/**
 * Decodes every frame of the best video stream of `path`, from the first packet to the
 * last, and hashes each as the RGB24 picture of width x height the sampler makes of it
 * (same scaler, filter and colour rules; no rotation). 0, or -1 with the reason in why.
 */
int ffmpeg_frames_decode(const char *path, int width, int height, FfmpegFrames *ff, char *why,
                         size_t why_size);

void ffmpeg_frames_free(FfmpegFrames *ff);

/** MD5 of an RGB24 picture's pixels, row by row (padding left out). */
void ffmpeg_frames_md5(const uint8_t *rgb, int width, int height, int stride, uint8_t md5[16]);

/** The frame nearest to `near` whose picture has this MD5, or -1 if none has. */
int64_t ffmpeg_frames_find(const FfmpegFrames *ff, const uint8_t md5[16], int64_t near);

#endif
