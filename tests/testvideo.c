/* Index-coded test recordings (see testvideo.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/image.h"
#include "semio/sampler.h"
#include "testvideo.h"

static int band_height(int height)
{
    return height / 5 > 0 ? height / 5 : 1;
}

void testvideo_draw(uint8_t *rgb, int w, int h, int stride, int64_t index)
{
    int bh = band_height(h);
    for (int y = 0; y < h; y++) {
        uint8_t *row = rgb + (size_t)y * (size_t)stride;
        for (int x = 0; x < w; x++) {
            uint8_t r, g, b;
            if (y < 2 * bh) {
                int bit = (int)((index >> (TESTVIDEO_BITS - 1 - x * TESTVIDEO_BITS / w)) & 1);
                if (y >= bh)
                    bit = !bit;
                r = g = b = bit ? 255 : 0;
            } else {
                /* Moving diagonal waves: motion for the encoder, never confused with the band. */
                int v = (x + 3 * (int)index) ^ (y - 2 * (int)index);
                r = (uint8_t)(64 + (v & 63));
                g = (uint8_t)(96 + ((x * 7 + (int)index * 5) & 63));
                b = (uint8_t)(80 + ((y * 3 + (int)index) & 63));
            }
            row[3 * x] = r;
            row[3 * x + 1] = g;
            row[3 * x + 2] = b;
        }
    }
}

void testvideo_draw_scene(uint8_t *rgb, int w, int h, int stride, int64_t index)
{
    testvideo_draw(rgb, w, h, stride, index);
    int bh = band_height(h);
    uint32_t seed = (uint32_t)index * 2654435761u + 1;
    /* the figure: a box drifting on a slow sine path */
    int fw = w / 6, fh = h / 4;
    int fx = (int)((w - fw) * (0.5 + 0.4 * sin((double)index / 40.0)));
    int fy = 2 * bh + (int)((h - 2 * bh - fh) * (0.5 + 0.3 * cos((double)index / 55.0)));
    for (int y = 2 * bh; y < h; y++) {
        uint8_t *row = rgb + (size_t)y * (size_t)stride;
        for (int x = 0; x < w; x++) {
            int base = 60 + (x * 90) / w + ((y * 40) / h) + (((x / 64) + (y / 64)) % 2) * 12;
            int in_fig = x >= fx && x < fx + fw && y >= fy && y < fy + fh;
            seed = seed * 1664525u + 1013904223u;
            int noise = (int)(seed >> 29) - 4; /* -4..3 */
            int v = (in_fig ? 200 - ((x - fx) * 40) / fw : base) + noise;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            row[3 * x] = (uint8_t)v;
            row[3 * x + 1] = (uint8_t)(in_fig ? v - 40 : v);
            row[3 * x + 2] = (uint8_t)(in_fig ? v - 60 : v - 10);
        }
    }
}

static int bit_at(const uint8_t *rgb, int stride, int w, int y, int i)
{
    int x = (2 * i + 1) * w / (2 * TESTVIDEO_BITS);
    const uint8_t *p = rgb + (size_t)y * (size_t)stride + 3 * (size_t)x;
    int luma = (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000;
    if (luma > 170)
        return 1;
    if (luma < 85)
        return 0;
    return -1;
}

int64_t testvideo_read(const uint8_t *rgb, int w, int h, int stride)
{
    int bh = band_height(h);
    int64_t v = 0;
    for (int i = 0; i < TESTVIDEO_BITS; i++) {
        int a = bit_at(rgb, stride, w, bh / 2, i), b = bit_at(rgb, stride, w, bh + bh / 2, i);
        if (a < 0 || b < 0 || a == b)
            return -1;
        v = (v << 1) | a;
    }
    return v;
}

double testvideo_time(const SemioWriterSettings *s, int64_t k)
{
    double base = (double)s->fps_den / s->fps_num;
    if (!s->vfr)
        return (double)k * base;
    /* Gaps of 1x, 1x, 2x, 0.5x ... of the nominal duration, in whole milliseconds. */
    static const double gap[4] = { 1.0, 1.0, 2.0, 0.5 };
    double t = 0;
    for (int64_t i = 0; i < k; i++)
        t += floor(gap[i % 4] * base * 1000.0) / 1000.0;
    return t;
}

typedef void (*DrawFn)(uint8_t *, int, int, int, int64_t);

static int make(const char *path, const SemioWriterSettings *s, int64_t frames, DrawFn draw)
{
    SemioError err = { 0 };
    SemioWriter *w;
    if (semio_writer_open(&w, path, s, &err) < 0) {
        fprintf(stderr, "testvideo: %s\n", err.message);
        return -1;
    }
    /* A rotated recording stores the picture turned back; the display matrix rights it. */
    int quarter = s->rotation == 90 || s->rotation == 270;
    SemioImage coded = { 0 }, upright = { 0 };
    int ret = s->width ? semio_image_alloc(&coded, s->width, s->height) : 0;
    if (ret == 0 && s->width)
        ret = semio_image_alloc(&upright, quarter ? s->height : s->width,
                                quarter ? s->width : s->height);
    int stride = coded.stride;
    uint8_t *rgb = coded.data;
    float *pcm = NULL;
    double t = 0;
    int spf = s->audio_rate ? (int)((int64_t)s->audio_rate * s->fps_den / s->fps_num) : 0;
    if (spf && !(pcm = malloc(sizeof(float) * (size_t)spf)))
        ret = -1;
    int64_t sample = 0;
    for (int64_t k = 0; k < frames && ret == 0; k++) {
        t = testvideo_time(s, k);
        if (!s->width) {
            /* audio only */
        } else if (s->rotation) {
            draw(upright.data, upright.width, upright.height, upright.stride, k);
            semio_image_rotate(&upright, (360 - s->rotation) % 360, &coded);
        } else {
            draw(rgb, s->width, s->height, stride, k);
        }
        if (s->width)
            ret = semio_writer_video(w, rgb, stride, t, &err);
        for (int i = 0; spf && ret == 0 && i < spf; i++, sample++)
            pcm[i] = 0.2f * (float)sin(2 * M_PI * 440.0 * (double)sample / s->audio_rate);
        if (spf && ret == 0)
            ret = semio_writer_audio(w, pcm, spf, &err);
    }
    if (semio_writer_close(&w, &err) < 0 && ret == 0)
        ret = -1;
    if (ret < 0)
        fprintf(stderr, "testvideo: %s: %s\n", path, err.message);
    semio_image_free(&coded);
    semio_image_free(&upright);
    free(pcm);
    return ret;
}

int testvideo_make(const char *path, const SemioWriterSettings *s, int64_t frames)
{
    return make(path, s, frames, testvideo_draw);
}

int testvideo_make_scene(const char *path, const SemioWriterSettings *s, int64_t frames)
{
    return make(path, s, frames, testvideo_draw_scene);
}

static int keep_frame(void *user, const SemioFrame *f)
{
    SemioImage *img = user;
    if (!f->rgb || semio_image_alloc(img, f->width, f->height) < 0)
        return -1;
    for (int y = 0; y < f->height; y++)
        memcpy(img->data + (size_t)y * img->stride, f->rgb + (size_t)y * f->stride, (size_t)f->width * 3);
    return 0;
}

int test_read_picture(const char *path, SemioImage *img, SemioError *err)
{
    SemioSampler *sm;
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    int64_t first = 0;
    int r = semio_sampler_open(&sm, path, &ss, err);
    if (r == 0) {
        r = semio_sampler_read(sm, &first, 1, keep_frame, img, err);
        semio_sampler_close(&sm);
    }
    return r;
}
