/* The face crop's geometry: a face per frame from keypoints, one square box per window. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "semio/pose.h"
#include "util/series.h"

int semio_face_box(const SemioPerson *p, float min_conf, double *cx, double *cy, double *size)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    int n = 0;
    for (int k = 0; k < 27 && p->nface == 70; k++) /* jaw and brows outline the face */
        if (p->face[k].c >= min_conf) {
            x0 = fmin(x0, p->face[k].x);
            x1 = fmax(x1, p->face[k].x);
            y0 = fmin(y0, p->face[k].y);
            y1 = fmax(y1, p->face[k].y);
            n++;
        }
    if (n >= 9) {
        *cx = (x0 + x1) / 2;
        *cy = (y0 + y1) / 2;
        *size = fmax(x1 - x0, y1 - y0);
        return *size > 0 && isfinite(*size) && isfinite(*cx) && isfinite(*cy);
    }
    /* the body's head points: the face spans about twice the eyes' or ears' distance */
    const SemioKeypoint *b = p->body;
    int pairs[2][2] = { { SEMIO_REAR, SEMIO_LEAR }, { SEMIO_REYE, SEMIO_LEYE } };
    if (p->npoints < 19 || b[SEMIO_NOSE].c < min_conf)
        return 0;
    for (int i = 0; i < 2; i++) {
        const SemioKeypoint *l = &b[pairs[i][0]], *r = &b[pairs[i][1]];
        if (l->c >= min_conf && r->c >= min_conf) {
            double span = hypot(l->x - r->x, l->y - r->y) * (i ? 2.5 : 1.2);
            *cx = b[SEMIO_NOSE].x;
            *cy = b[SEMIO_NOSE].y;
            *size = span;
            return span > 0 && isfinite(span) && isfinite(*cx) && isfinite(*cy);
        }
    }
    return 0;
}

/* The q-quantile of v, as the sample at rank round(q (n - 1)). */
static double percentile(const double *v, size_t n, double q)
{
    return semio_nth_smallest(v, n, (size_t)lround(q * (double)(n - 1)));
}

size_t semio_face_window_box(const double *cx, const double *cy, const double *size,
                             const int *found, size_t n, int width, int height, double margin,
                             int *x, int *y, int *side)
{
    size_t faces = 0;
    for (size_t i = 0; i < n; i++)
        faces += found[i] != 0;
    if (!faces)
        return 0;
    double *v = malloc(6 * n * sizeof(double));
    if (!v)
        return 0;
    double *fx = v, *fy = v + n, *fs = v + 2 * n, *lo = v + 3 * n, *hi = v + 4 * n, *t = v + 5 * n;
    for (size_t i = 0; i < n; i++) { /* frames without a face: filled in from their neighbours */
        fx[i] = found[i] ? cx[i] : NAN;
        fy[i] = found[i] ? cy[i] : NAN;
        fs[i] = found[i] ? size[i] : NAN;
    }
    semio_fill_gaps(fx, n);
    semio_fill_gaps(fy, n);
    semio_fill_gaps(fs, n);
    for (int pass = 0; pass < 3; pass++) { /* three-frame smoothing of x, y, size */
        double *s = pass == 0 ? fx : pass == 1 ? fy : fs;
        for (size_t i = 0; i < n; i++)
            t[i] = (s[i > 0 ? i - 1 : 0] + s[i] + s[i + 1 < n ? i + 1 : i]) / 3;
        memcpy(s, t, n * sizeof(double));
    }
    /* the head reaches above the brows: lift the centre by a fifth of the face */
    for (size_t i = 0; i < n; i++) {
        double half = fs[i] * (1 + margin) / 2;
        fy[i] -= 0.2 * fs[i];
        lo[i] = fx[i] - half;
        hi[i] = fx[i] + half;
        t[i] = fy[i] - half;
        fs[i] = fy[i] + half;
    }
    double x0 = percentile(lo, n, 0.1), x1 = percentile(hi, n, 0.9);
    double y0 = percentile(t, n, 0.1), y1 = percentile(fs, n, 0.9);
    free(v);
    double s = fmax(x1 - x0, y1 - y0), mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
    if (!isfinite(s) || !isfinite(mx) || !isfinite(my))
        return 0; /* lround of them is undefined: no box rather than a 2x2 one at (0, 0) */
    int limit = width < height ? width : height;
    int sz = (int)lround(fmin(s, limit)); /* clamped first: lround of a huge one is unspecified */
    if (sz < 2)
        sz = 2 < limit ? 2 : limit;
    mx = fmin(fmax(mx, 0), width); /* the box is kept inside the picture below anyway */
    my = fmin(fmax(my, 0), height);
    int px = (int)lround(mx - sz / 2.0), py = (int)lround(my - sz / 2.0);
    px = px < 0 ? 0 : px + sz > width ? width - sz : px;
    py = py < 0 ? 0 : py + sz > height ? height - sz : py;
    *x = px;
    *y = py;
    *side = sz;
    return faces;
}
