/*
 * The skeleton overlay: a person's limbs drawn over a sampled frame. A few thick lines and
 * dots take no graphics library: each pixel is blended by how much of the shape covers it,
 * which keeps the pose view in the core library (no cairo).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "semio/pose.h"
#include "util/error.h"

typedef struct Limb {
    int a, b;
    int color; /* index into colors */
} Limb;

enum { RIGHT_ARM, LEFT_ARM, RIGHT_LEG, LEFT_LEG, TORSO, HEAD };

/* Fixed per limb so a model can tell left from right in every frame. */
static const uint8_t colors[6][3] = {
    { 230, 26, 26 },   /* right arm: red */
    { 26, 204, 51 },   /* left arm: green */
    { 255, 140, 0 },   /* right leg: orange */
    { 38, 89, 255 },   /* left leg: blue */
    { 255, 230, 26 },  /* torso: yellow */
    { 217, 51, 217 },  /* head: magenta */
};
static const uint8_t white[3] = { 255, 255, 255 };

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

/* Paints the pixels within `radius` of the segment (ax, ay)-(bx, by), round ends (a dot
 * where a = b), anti-aliased: a pixel whose centre lies within radius - 0.5 of it takes the
 * color, one within radius + 0.5 a share falling linearly with the distance. */
static void stroke(SemioImage *img, double ax, double ay, double bx, double by, double radius,
                   const uint8_t color[3])
{
    if (!isfinite(ax) || !isfinite(ay) || !isfinite(bx) || !isfinite(by))
        return;
    double reach = radius + 0.5;
    double fx0 = fmax(0, floor(fmin(ax, bx) - reach));
    double fx1 = fmin(img->width - 1, ceil(fmax(ax, bx) + reach));
    double fy0 = fmax(0, floor(fmin(ay, by) - reach));
    double fy1 = fmin(img->height - 1, ceil(fmax(ay, by) + reach));
    if (fx0 > fx1 || fy0 > fy1)
        return; /* off the picture */
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = (int)fy0; y <= (int)fy1; y++) {
        uint8_t *row = img->data + (size_t)y * (size_t)img->stride;
        for (int x = (int)fx0; x <= (int)fx1; x++) {
            double px = x + 0.5, py = y + 0.5; /* the pixel's centre */
            double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double cover = reach - hypot(px - (ax + t * dx), py - (ay + t * dy));
            if (cover <= 0)
                continue;
            if (cover > 1)
                cover = 1;
            uint8_t *p = row + 3 * x;
            for (int c = 0; c < 3; c++)
                p[c] = (uint8_t)lrint(p[c] + (color[c] - p[c]) * cover);
        }
    }
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
    double sx = (double)img->width / src_w, sy = (double)img->height / src_h;
    double width = fmax(3.0, hypot(img->width, img->height) / 180.0);
    const Limb *limbs = p->npoints == 25 ? body25 : coco18;
    size_t nlimbs = p->npoints == 25 ? sizeof(body25) / sizeof(*body25)
                                     : sizeof(coco18) / sizeof(*coco18);
    for (size_t i = 0; i < nlimbs; i++) {
        const SemioKeypoint *a = &p->body[limbs[i].a], *b = &p->body[limbs[i].b];
        if (a->c < min_conf || b->c < min_conf)
            continue;
        stroke(img, a->x * sx, a->y * sy, b->x * sx, b->y * sy, width / 2,
               colors[limbs[i].color]);
    }
    for (int k = 0; k < p->npoints; k++)
        if (p->body[k].c >= min_conf)
            stroke(img, p->body[k].x * sx, p->body[k].y * sy, p->body[k].x * sx,
                   p->body[k].y * sy, width * 0.8, white);
    return 0;
}
