/* Rhythm in sampled signals: the autocorrelation peak that says a signal repeats, and at what period. */
#ifndef SEMIO_UTIL_RHYTHM_H
#define SEMIO_UTIL_RHYTHM_H

#include <stddef.h>

/**
 * Samples a rhythm test in [lo, ...] Hz looks at: two and a half periods of the band's
 * slowest rhythm, at least two seconds.
 */
size_t semio_rhythm_frames(double fps, double lo);

/**
 * Periodicity of x[0..len) (at most 1024 samples are used): after removing the line
 * through it, the normalized autocorrelation at the lags of [lo, hi] Hz. *corr gets the
 * best local peak that rises at least `dip` above the trough at a shorter lag (the
 * shortest lag within 90% of the best, so a rhythm is not reported at half its rate),
 * *rate its rate in Hz, both 0 when there is none; *rms the detrended signal's rms.
 */
void semio_rhythm(const double *x, size_t len, double fps, double lo, double hi, double dip,
                  double *corr, double *rate, double *rms);

/**
 * The lag in [lag_lo, lag_hi] (and under len) where x[0..len) correlates best with
 * itself, normalized; *corr gets that correlation. 0 when no lag correlates positively.
 */
int semio_autocorr_peak(const float *x, int len, int lag_lo, int lag_hi, double *corr);

#endif
