/* RGB pictures: turning them upright and storing them as JPEG. */
#ifndef SEMIO_IMAGE_H
#define SEMIO_IMAGE_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A packed RGB24 picture. `data` is owned by whoever allocated it. */
typedef struct SemioImage {
    uint8_t *data;
    int width, height, stride;
} SemioImage;

/** Allocates an RGB24 picture (stride = 3 * width); free it with semio_image_free. */
SEMIO_API int semio_image_alloc(SemioImage *img, int width, int height);
SEMIO_API void semio_image_free(SemioImage *img);

/**
 * Turns src clockwise by 90, 180 or 270 degrees into dst, which must already be
 * allocated with the turned size.
 */
SEMIO_API void semio_image_rotate(const SemioImage *src, int degrees, SemioImage *dst);

/**
 * Writes an RGB24 picture as a baseline JPEG (4:2:0, quality 1..100). The file
 * appears whole or not at all: it is written beside `path` and renamed into place.
 */
SEMIO_API int semio_jpeg_write(const char *path, const uint8_t *rgb, int width, int height, int stride,
                     int quality, SemioError *err);

/** Encodes to memory; *jpeg is freed with semio_free. */
SEMIO_API int semio_jpeg_encode(const uint8_t *rgb, int width, int height, int stride, int quality,
                      uint8_t **jpeg, size_t *size, SemioError *err);

/**
 * Scales the w x h region of src at (x, y) to dst's size (dst allocated by the caller)
 * with libswscale's bicubic filter.
 */
SEMIO_API int semio_image_crop_scale(const SemioImage *src, int x, int y, int w, int h, SemioImage *dst,
                           SemioError *err);

/** The size a JPEG in memory declares (its header only); SEMIO_ERR_FORMAT if not a JPEG. */
SEMIO_API int semio_jpeg_size(const uint8_t *jpeg, size_t size, int *width, int *height);

/** Reads a JPEG file into a newly allocated RGB24 picture. */
SEMIO_API int semio_jpeg_read(const char *path, SemioImage *img, SemioError *err);

/** Decodes JPEG bytes into a new RGB24 picture (free with semio_image_free); `what` names
 *  them in the error. */
SEMIO_API int semio_jpeg_decode(const uint8_t *jpeg, size_t size, const char *what,
                                SemioImage *img, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
