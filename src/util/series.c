/* Filling gaps in measured series and order statistics. */
#include <math.h>
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
