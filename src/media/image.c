/* RGB pictures: allocation, quarter turns, JPEG through libturbojpeg. */
#include <stdlib.h>
#include <string.h>

#include <libswscale/swscale.h>
#include <turbojpeg.h>

#include "semio/image.h"
#include "util/error.h"
#include "util/fs.h"

int semio_image_alloc(SemioImage *img, int width, int height)
{
    img->width = width;
    img->height = height;
    img->stride = 3 * width;
    /* libswscale's SIMD code reads and writes a little past the last pixel. */
    img->data = malloc((size_t)img->stride * (size_t)height + 64);
    return img->data ? 0 : SEMIO_ERR_NOMEM;
}

void semio_image_free(SemioImage *img)
{
    free(img->data);
    img->data = NULL;
}

void semio_image_rotate(const SemioImage *src, int degrees, SemioImage *dst)
{
    int w = src->width, h = src->height;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = src->data + (size_t)y * (size_t)src->stride;
        for (int x = 0; x < w; x++) {
            int dx, dy;
            switch (degrees) {
            case 90: dx = h - 1 - y; dy = x; break;
            case 180: dx = w - 1 - x; dy = h - 1 - y; break;
            case 270: dx = y; dy = w - 1 - x; break;
            default: dx = x; dy = y; break;
            }
            memcpy(dst->data + (size_t)dy * (size_t)dst->stride + 3 * (size_t)dx, row + 3 * x, 3);
        }
    }
}

int semio_jpeg_encode(const uint8_t *rgb, int width, int height, int stride, int quality,
                      uint8_t **jpeg, size_t *size, SemioError *err)
{
    tjhandle tj = tjInitCompress();
    if (!tj)
        return semio_fail(err, SEMIO_ERR_NOMEM, "cannot start the JPEG encoder");
    unsigned char *out = NULL;
    unsigned long len = 0;
    int r = tjCompress2(tj, rgb, width, stride, height, TJPF_RGB, &out, &len, TJSAMP_420,
                        quality, TJFLAG_FASTDCT);
    if (r != 0) {
        int code = semio_fail(err, SEMIO_ERR_INVALID, "JPEG encoding failed: %s",
                              tjGetErrorStr2(tj));
        tjFree(out);
        tjDestroy(tj);
        return code;
    }
    tjDestroy(tj);
    /* Hand out malloc'ed memory so callers free everything the same way. */
    *jpeg = malloc(len);
    if (!*jpeg) {
        tjFree(out);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    memcpy(*jpeg, out, len);
    tjFree(out);
    *size = len;
    return 0;
}

int semio_jpeg_write(const char *path, const uint8_t *rgb, int width, int height, int stride,
                     int quality, SemioError *err)
{
    uint8_t *jpeg;
    size_t size;
    int r = semio_jpeg_encode(rgb, width, height, stride, quality, &jpeg, &size, err);
    if (r < 0)
        return r;
    r = semio_write_atomic(path, jpeg, size, err);
    free(jpeg);
    return r;
}

int semio_jpeg_size(const uint8_t *jpeg, size_t size, int *width, int *height)
{
    tjhandle tj = tjInitDecompress();
    int sub, cs;
    int r = tj && tjDecompressHeader3(tj, (unsigned char *)jpeg, (unsigned long)size, width,
                                      height, &sub, &cs) == 0 ? 0 : SEMIO_ERR_FORMAT;
    if (tj)
        tjDestroy(tj);
    return r;
}

int semio_jpeg_decode(const uint8_t *jpeg, size_t size, const char *what, SemioImage *img,
                      SemioError *err)
{
    tjhandle tj = tjInitDecompress();
    int w, h, sub, cs, r = 0;
    if (!tj || tjDecompressHeader3(tj, (unsigned char *)jpeg, (unsigned long)size, &w, &h, &sub,
                                   &cs) != 0) {
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a JPEG: %s", what,
                       tj ? tjGetErrorStr2(tj) : "no decoder");
        goto done;
    }
    if ((r = semio_image_alloc(img, w, h)) < 0) {
        semio_fail(err, r, "%s: out of memory", what);
        goto done;
    }
    if (tjDecompress2(tj, (unsigned char *)jpeg, (unsigned long)size, img->data, w, img->stride,
                      h, TJPF_RGB, 0)) {
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: damaged JPEG: %s", what, tjGetErrorStr2(tj));
        semio_image_free(img);
    }
done:
    if (tj)
        tjDestroy(tj);
    return r;
}

int semio_jpeg_read(const char *path, SemioImage *img, SemioError *err)
{
    char *buf;
    size_t size;
    int r = semio_read_file(path, &buf, &size, err);
    if (r < 0)
        return r;
    r = semio_jpeg_decode((const uint8_t *)buf, size, path, img, err);
    free(buf);
    return r;
}

int semio_image_crop_scale(const SemioImage *src, int x, int y, int w, int h, SemioImage *dst,
                           SemioError *err)
{
    if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > src->width || y + h > src->height)
        return semio_fail(err, SEMIO_ERR_INVALID, "crop %dx%d+%d+%d is outside the %dx%d picture",
                          w, h, x, y, src->width, src->height);
    struct SwsContext *sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, dst->width, dst->height,
                                            AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
    if (!sws)
        return semio_fail(err, SEMIO_ERR_NOMEM, "cannot scale %dx%d to %dx%d", w, h, dst->width,
                          dst->height);
    const uint8_t *in[1] = { src->data + (size_t)y * src->stride + (size_t)x * 3 };
    int in_stride[1] = { src->stride }, out_stride[1] = { dst->stride };
    uint8_t *out[1] = { dst->data };
    sws_scale(sws, in, in_stride, 0, h, out, out_stride);
    sws_freeContext(sws);
    return 0;
}
