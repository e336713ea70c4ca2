/* Filling gaps in measured series, smoothing them, speeds along tracks, order statistics,
 * spread and correlation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/series.h"

int semio_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t semio_fill_gaps(double *v, size_t n)
{
    size_t have = 0, last = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        have++;
        if (last == (size_t)-1)
            for (size_t k = 0; k < i; k++)
                v[k] = v[i];
        else
            for (size_t k = last + 1; k < i; k++)
                v[k] = v[last] + (v[i] - v[last]) * (double)(k - last) / (double)(i - last);
        last = i;
    }
    for (size_t k = last + 1; last != (size_t)-1 && k < n; k++)
        v[k] = v[last];
    return have;
}

double semio_nth_smallest(const double *v, size_t n, size_t k)
{
    double *c = n && k < n ? malloc(n * sizeof(*c)) : NULL;
    if (!c)
        return NAN;
    memcpy(c, v, n * sizeof(*c));
    qsort(c, n, sizeof(*c), semio_cmp_double);
    double x = c[k];
    free(c);
    return x;
}

double semio_median(const double *v, size_t n)
{
    return semio_nth_smallest(v, n, n / 2);
}

void semio_smooth(const double *x, double *out, size_t n, int h)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        int c = 0;
        for (int k = -h; k <= h; k++)
            if ((int64_t)i + k >= 0 && (int64_t)i + k < (int64_t)n) {
                s += x[(int64_t)i + k];
                c++;
            }
        out[i] = s / c;
    }
}

void semio_track_speed(const double *x, const double *y, double *out, size_t n, double fps,
                       size_t h)
{
    for (size_t i = 0; i < n; i++) {
        size_t a = i > h ? i - h : 0, b = i + h < n ? i + h : n - 1;
        out[i] = b > a ? hypot(x[b] - x[a], y[b] - y[a]) * fps / (double)(b - a) : 0;
    }
}

double semio_rms_about_mean(const double *x, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i] / n;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / n);
}

double semio_pearson(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i] / n;
        mb += b[i] / n;
    }
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}
