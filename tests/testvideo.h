/*
 * Test recordings whose frames carry their own index: two rows of 16 black/white
 * blocks (the bits, then the bits inverted) across the top of the picture. Reading
 * the index back from a sampled frame proves which frame it is.
 */
#ifndef SEMIO_TESTS_TESTVIDEO_H
#define SEMIO_TESTS_TESTVIDEO_H

#include <stdint.h>

#include "semio/image.h"
#include "semio/writer.h"

#define TESTVIDEO_BITS 16

/** Draws frame `index` into an RGB24 picture: code band on top, moving texture below. */
void testvideo_draw(uint8_t *rgb, int width, int height, int stride, int64_t index);

/**
 * Like testvideo_draw, but the area below the band is a camera-like scene: a static
 * room, a slowly moving figure and mild sensor noise. Encoders then make the GOP
 * structure they make for real monitoring video (B-frames, modest bitrate).
 */
void testvideo_draw_scene(uint8_t *rgb, int width, int height, int stride, int64_t index);

/** Reads the index back, or -1 if the code band is not legible. */
int64_t testvideo_read(const uint8_t *rgb, int width, int height, int stride);

/**
 * Writes `frames` index-coded frames to `path`. With `vfr`, frame k is shown at a
 * time with irregular gaps (see testvideo_time). Audio: a tone when audio_rate > 0.
 */
int testvideo_make(const char *path, const SemioWriterSettings *s, int64_t frames);

/** testvideo_make with testvideo_draw_scene pictures. */
int testvideo_make_scene(const char *path, const SemioWriterSettings *s, int64_t frames);

/** The first picture of a file libavformat opens (PNG, JPEG, a video) into *img. */
int test_read_picture(const char *path, SemioImage *img, SemioError *err);

/** The time at which testvideo_make shows frame k (VFR pattern when s->vfr). */
double testvideo_time(const SemioWriterSettings *s, int64_t k);

#endif
