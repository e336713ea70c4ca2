/* Rhythm in sampled signals: whether a signal repeats and at what period, from its autocorrelation. */
#include <math.h>

#include "util/rhythm.h"

size_t semio_rhythm_frames(double fps, double lo)
{
    return (size_t)ceil(fmax(2.0, 2.5 / lo) * fps);
}

/* A sum of unrelated slow movements has no such peak: only a repeating signal does. */
void semio_rhythm(const double *x, size_t len, double fps, double lo, double hi, double dip,
                  double *corr, double *rate, double *rms)
{
    double d[1024];
    if (len > 1024)
        len = 1024;
    double mx = 0, mt = 0, sxt = 0, stt = 0, ss = 0;
    for (size_t i = 0; i < len; i++) {
        mx += x[i] / len;
        mt += (double)i / len;
    }
    for (size_t i = 0; i < len; i++) {
        sxt += (i - mt) * (x[i] - mx);
        stt += (i - mt) * (i - mt);
    }
    for (size_t i = 0; i < len; i++) {
        d[i] = x[i] - mx - sxt / stt * (i - mt);
        ss += d[i] * d[i];
    }
    *rms = sqrt(ss / len);
    *corr = 0;
    *rate = 0;
    int lag_lo = (int)floor(fps / hi), lag_hi = (int)ceil(fps / lo);
    if (lag_lo < 2)
        lag_lo = 2;
    if (lag_hi > (int)len / 2)
        lag_hi = (int)len / 2;
    double r[1024] = { 0 };
    for (int lag = 1; lag <= lag_hi + 1 && lag < (int)len; lag++) {
        double c = 0, e1 = 0, e2 = 0;
        for (size_t i = 0; i + (size_t)lag < len; i++) {
            c += d[i] * d[i + (size_t)lag];
            e1 += d[i] * d[i];
            e2 += d[i + (size_t)lag] * d[i + (size_t)lag];
        }
        r[lag] = e1 > 0 && e2 > 0 ? c / sqrt(e1 * e2) : 0;
    }
    /* a peak counts when it rises from a trough at a shorter lag: a true oscillation
     * swings from negative correlation at half its period to positive at a whole one */
    double best = 0, trough[1024];
    trough[1] = r[1];
    for (int lag = 2; lag <= lag_hi + 1 && lag < (int)len; lag++)
        trough[lag] = fmin(trough[lag - 1], r[lag]);
    for (int lag = lag_lo; lag <= lag_hi; lag++)
        if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] - trough[lag] >= dip &&
            r[lag] > best)
            best = r[lag];
    for (int lag = lag_lo; lag <= lag_hi && best > 0; lag++)
        if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] - trough[lag] >= dip &&
            r[lag] >= 0.9 * best) {
            *corr = r[lag];
            *rate = fps / lag;
            break;
        }
}

int semio_autocorr_peak(const float *x, int len, int lag_lo, int lag_hi, double *corr)
{
    double best = 0;
    int best_lag = 0;
    for (int lag = lag_lo; lag <= lag_hi && lag < len; lag++) {
        double c = 0, e1 = 0, e2 = 0;
        for (int j = 0; j + lag < len; j++) {
            c += (double)x[j] * x[j + lag];
            e1 += (double)x[j] * x[j];
            e2 += (double)x[j + lag] * x[j + lag];
        }
        double r = e1 > 0 && e2 > 0 ? c / sqrt(e1 * e2) : 0;
        if (r > best) {
            best = r;
            best_lag = lag;
        }
    }
    *corr = best;
    return best_lag;
}
