/* Small helpers for measured series: filling gaps, smoothing, speeds, order statistics,
 * spread and correlation. */
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

/** The median of v[0..n) (the upper one when n is even); NaN when n is 0. */
double semio_median(const double *v, size_t n);

/** Moving average of x over 2h+1 samples (fewer at the ends), into out. */
void semio_smooth(const double *x, double *out, size_t n, int h);

/**
 * Speed along a 2-D track (x[i], y[i]) sampled at fps: the central difference over
 * +-h samples (one-sided at the ends), into out.
 */
void semio_track_speed(const double *x, const double *y, double *out, size_t n, double fps,
                       size_t h);

/** Root mean square of x[0..n) about its mean (the population standard deviation). */
double semio_rms_about_mean(const double *x, size_t n);

/** Pearson's correlation of a and b; 0 when either is constant. */
double semio_pearson(const double *a, const double *b, size_t n);

#endif
