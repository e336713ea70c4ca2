/*
 * The skeleton overlay: a person's limbs drawn with cairo over a sampled frame (the meson
 * feature 'overlay'; without it semio_draw_skeleton says it is not built in).
 */
#include <math.h>
#include <string.h>

#include "semio/pose.h"
#include "semio_config.h"
#include "util/error.h"

#if SEMIO_HAVE_OVERLAY
#include <cairo.h>

typedef struct Limb {
    int a, b;
    int color; /* index into colors */
} Limb;

enum { RIGHT_ARM, LEFT_ARM, RIGHT_LEG, LEFT_LEG, TORSO, HEAD };

/* Fixed per limb so a model can tell left from right in every frame. */
static const double colors[6][3] = {
    { 0.90, 0.10, 0.10 }, /* right arm: red */
    { 0.10, 0.80, 0.20 }, /* left arm: green */
    { 1.00, 0.55, 0.00 }, /* right leg: orange */
    { 0.15, 0.35, 1.00 }, /* left leg: blue */
    { 1.00, 0.90, 0.10 }, /* torso: yellow */
    { 0.85, 0.20, 0.85 }, /* head: magenta */
};

static const Limb body25[] = {
    { 1, 8, TORSO }, { 1, 2, TORSO }, { 1, 5, TORSO }, { 8, 9, TORSO }, { 8, 12, TORSO },
    { 2, 3, RIGHT_ARM }, { 3, 4, RIGHT_ARM }, { 5, 6, LEFT_ARM }, { 6, 7, LEFT_ARM },
    { 9, 10, RIGHT_LEG }, { 10, 11, RIGHT_LEG }, { 11, 22, RIGHT_LEG }, { 22, 23, RIGHT_LEG },
    { 11, 24, RIGHT_LEG }, { 12, 13, LEFT_LEG }, { 13, 14, LEFT_LEG }, { 14, 19, LEFT_LEG },
    { 19, 20, LEFT_LEG }, { 14, 21, LEFT_LEG }, { 1, 0, HEAD }, { 0, 15, HEAD },
    { 15, 17, HEAD }, { 0, 16, HEAD }, { 16, 18, HEAD },
};

static const Limb coco18[] = {
    { 1, 2, TORSO }, { 1, 5, TORSO }, { 1, 8, TORSO }, { 1, 11, TORSO },
    { 2, 3, RIGHT_ARM }, { 3, 4, RIGHT_ARM }, { 5, 6, LEFT_ARM }, { 6, 7, LEFT_ARM },
    { 8, 9, RIGHT_LEG }, { 9, 10, RIGHT_LEG }, { 11, 12, LEFT_LEG }, { 12, 13, LEFT_LEG },
    { 1, 0, HEAD }, { 0, 14, HEAD }, { 14, 16, HEAD }, { 0, 15, HEAD }, { 15, 17, HEAD },
};

/* A point worth drawing: sure enough, a number, and not absurdly far off the picture
 * (cairo's fixed-point coordinates end near 8 million pixels). */
static int drawable(const SemioKeypoint *k, float min_conf)
{
    return k->c >= min_conf && isfinite(k->x) && isfinite(k->y) && fabs(k->x) < 1e6 &&
           fabs(k->y) < 1e6;
}

int semio_draw_skeleton(SemioImage *img, const SemioPerson *p, int src_w, int src_h,
                        float min_conf, SemioError *err)
{
    if (p->npoints != 25 && p->npoints != 18)
        return semio_fail(err, SEMIO_ERR_INVALID, "skeleton: %d points is not BODY_25 or COCO-18",
                          p->npoints);
    if (src_w <= 0 || src_h <= 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "skeleton: the keypoints' frame is %dx%d",
                          src_w, src_h);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return semio_fail(err, SEMIO_ERR_NOMEM, "skeleton: cannot make a drawing surface");
    }
    /* RGB24 is one native 32-bit 0x00RRGGBB word per pixel */
    uint8_t *data = cairo_image_surface_get_data(sf);
    int stride = cairo_image_surface_get_stride(sf);
    for (int y = 0; y < img->height; y++) {
        const uint8_t *s = img->data + (size_t)y * (size_t)img->stride;
        uint32_t *d = (uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < img->width; x++)
            d[x] = (uint32_t)s[3 * x] << 16 | (uint32_t)s[3 * x + 1] << 8 | s[3 * x + 2];
    }
    cairo_surface_mark_dirty(sf);
    cairo_t *cr = cairo_create(sf);
    double sx = (double)img->width / src_w, sy = (double)img->height / src_h;
    double width = fmax(3.0, hypot(img->width, img->height) / 180.0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, width);
    const Limb *limbs = p->npoints == 25 ? body25 : coco18;
    size_t nlimbs = p->npoints == 25 ? sizeof(body25) / sizeof(*body25)
                                     : sizeof(coco18) / sizeof(*coco18);
    for (size_t i = 0; i < nlimbs; i++) {
        const SemioKeypoint *a = &p->body[limbs[i].a], *b = &p->body[limbs[i].b];
        if (!drawable(a, min_conf) || !drawable(b, min_conf))
            continue;
        const double *c = colors[limbs[i].color];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_move_to(cr, a->x * sx, a->y * sy);
        cairo_line_to(cr, b->x * sx, b->y * sy);
        cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    for (int k = 0; k < p->npoints; k++)
        if (drawable(&p->body[k], min_conf)) {
            cairo_arc(cr, p->body[k].x * sx, p->body[k].y * sy, width * 0.8, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    for (int y = 0; y < img->height; y++) {
        uint8_t *d = img->data + (size_t)y * (size_t)img->stride;
        const uint32_t *s = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < img->width; x++) {
            d[3 * x] = (uint8_t)(s[x] >> 16);
            d[3 * x + 1] = (uint8_t)(s[x] >> 8);
            d[3 * x + 2] = (uint8_t)s[x];
        }
    }
    cairo_surface_destroy(sf);
    return 0;
}
#else
int semio_draw_skeleton(SemioImage *img, const SemioPerson *p, int src_w, int src_h,
                        float min_conf, SemioError *err)
{
    return semio_fail_not_built(err, "overlay");
}
#endif
