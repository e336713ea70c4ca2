/* Small helpers for measured series: filling gaps, order statistics. */
#ifndef SEMIO_UTIL_SERIES_H
#define SEMIO_UTIL_SERIES_H

#include <stddef.h>

/** qsort comparator for doubles, ascending. */
int semio_cmp_double(const void *a, const void *b);

/**
 * Fills missing values (NaN) in place by linear interpolation between the values on
 * either side, holding the first and last present values at the ends. Returns how many
 * values were present (0 leaves the series as it was).
 */
size_t semio_fill_gaps(double *v, size_t n);

/** The k-th smallest of v[0..n) (k < n), v untouched; NaN when n is 0 or memory runs out. */
double semio_nth_smallest(const double *v, size_t n, size_t k);

#endif
