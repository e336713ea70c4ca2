/* Power spectra of sampled series with libavutil's real FFT: the band powers the learned
 * features (kinematic rhythms, sound bands, motion over time) are made of. */
#ifndef SEMIO_LEARN_SPECTRUM_H
#define SEMIO_LEARN_SPECTRUM_H

#include <stddef.h>

typedef struct Spectrum Spectrum;

/** A transform for series of up to `max_n` samples (zero padded to a power of two). */
int learn_spectrum_open(Spectrum **sp, size_t max_n);
void learn_spectrum_close(Spectrum **sp);

/** Bins of the spectrum (len / 2 + 1) and the padded length. */
size_t learn_spectrum_bins(const Spectrum *sp);
size_t learn_spectrum_len(const Spectrum *sp);

/**
 * Adds the power spectrum of x[0..n) (mean removed, Hann window, zero padded) to
 * power[0..bins): summed over frames, it is a Welch estimate.
 */
void learn_spectrum_add(Spectrum *sp, const double *x, size_t n, double *power);

/**
 * Of power[0..bins) over a padded length `len` sampled at `rate` Hz: each band's share of
 * the power between band[0][0] Hz and Nyquist, into out[0..nb). A band above Nyquist, or
 * no power at all, gives NaN.
 */
void learn_band_shares(const double *power, size_t len, double rate, const double (*band)[2],
                       int nb, double *out);

/**
 * The shares of one series: learn_spectrum_add then learn_band_shares. NaN when n < 8;
 * -1 when out of memory.
 */
int learn_series_bands(const double *x, size_t n, double rate, const double (*band)[2], int nb,
                       double *out);

#endif
