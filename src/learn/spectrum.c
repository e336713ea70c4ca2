/* Power spectra through libavutil's tx (the FFT FFmpeg already brings), never a hand FFT. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/mem.h>
#include <libavutil/tx.h>

#include "learn/spectrum.h"

struct Spectrum {
    AVTXContext *tx;
    av_tx_fn fn;
    size_t len;
    double *in;
    AVComplexDouble *out;
};

int learn_spectrum_open(Spectrum **out, size_t max_n)
{
    size_t len = 16;
    while (len < max_n)
        len *= 2;
    Spectrum *sp = calloc(1, sizeof(*sp));
    double scale = 1;
    if (!sp || len > (1u << 28))
        goto fail;
    sp->len = len;
    sp->in = av_malloc(len * sizeof(double));
    sp->out = av_malloc((len / 2 + 1) * sizeof(AVComplexDouble));
    if (!sp->in || !sp->out ||
        av_tx_init(&sp->tx, &sp->fn, AV_TX_DOUBLE_RDFT, 0, (int)len, &scale, 0) < 0)
        goto fail;
    *out = sp;
    return 0;
fail:
    learn_spectrum_close(&sp);
    *out = NULL;
    return -1;
}

void learn_spectrum_close(Spectrum **sp)
{
    if (!*sp)
        return;
    av_tx_uninit(&(*sp)->tx);
    av_free((*sp)->in);
    av_free((*sp)->out);
    free(*sp);
    *sp = NULL;
}

size_t learn_spectrum_bins(const Spectrum *sp)
{
    return sp->len / 2 + 1;
}

size_t learn_spectrum_len(const Spectrum *sp)
{
    return sp->len;
}

void learn_spectrum_add(Spectrum *sp, const double *x, size_t n, double *power)
{
    if (n > sp->len)
        n = sp->len;
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i] / (double)n;
    /* the Hann window: a window's edges would otherwise leak power into every band */
    for (size_t i = 0; i < sp->len; i++)
        sp->in[i] = i < n ? (x[i] - mean) * (0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n))
                          : 0;
    /* FFmpeg 5.1's real transform leaves the Nyquist bin's imaginary part (always 0)
     * unwritten: found by valgrind, it made band shares NaN now and then */
    memset(sp->out, 0, (sp->len / 2 + 1) * sizeof(AVComplexDouble));
    sp->fn(sp->tx, sp->out, sp->in, sizeof(double));
    for (size_t k = 0; k <= sp->len / 2; k++)
        power[k] += sp->out[k].re * sp->out[k].re + sp->out[k].im * sp->out[k].im;
}

/* Power in [lo, hi) Hz, hi capped at Nyquist. */
static double band_power(const double *power, size_t len, double rate, double lo, double hi)
{
    double bin = rate / (double)len, sum = 0;
    for (size_t k = (size_t)ceil(lo / bin); k <= len / 2 && k * bin < hi; k++)
        sum += power[k];
    return sum;
}

void learn_band_shares(const double *power, size_t len, double rate, const double (*band)[2],
                       int nb, double *out)
{
    double total = band_power(power, len, rate, band[0][0], INFINITY);
    for (int b = 0; b < nb; b++)
        out[b] = band[b][0] < rate / 2 && total > 0
                     ? band_power(power, len, rate, band[b][0], band[b][1]) / total
                     : NAN;
}

int learn_series_bands(const double *x, size_t n, double rate, const double (*band)[2], int nb,
                       double *out)
{
    for (int b = 0; b < nb; b++)
        out[b] = NAN;
    if (n < 8)
        return 0;
    Spectrum *sp;
    if (learn_spectrum_open(&sp, n) < 0)
        return -1;
    double *power = calloc(learn_spectrum_bins(sp), sizeof(double));
    if (power) {
        learn_spectrum_add(sp, x, n, power);
        learn_band_shares(power, learn_spectrum_len(sp), rate, band, nb, out);
    }
    free(power);
    learn_spectrum_close(&sp);
    return power ? 0 : -1;
}
