/*
 * Krippendorff's alpha with the interval metric, for ratings with missing values.
 *
 * From the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-
 * Reliability"): every ordered pair of values i != j within a unit of m values adds
 * 1/(m - 1) to o[v_i][v_j]; n_c = sum_k o[c][k]; n = sum_c n_c, the pairable values.
 *   D_o = 1/n * sum_ck o[c][k] (c - k)^2,  D_e = 1/(n(n-1)) * sum_ck n_c n_k (c - k)^2,
 *   alpha = 1 - D_o / D_e.
 * Summed over the matrix, both need only per-unit sums: sum_ck o[c][k] (c - k)^2 is
 * sum over units of D = sum_{i != j} (v_i - v_j)^2 / (m - 1) = 2 m SS / (m - 1), SS the
 * unit's squared deviations from its mean; and sum_ck n_c n_k (c - k)^2 = 2 (n Q - S^2)
 * over all pairable values (S their sum, Q their sum of squares). A unit drawn w times by
 * the bootstrap adds w times its sums, so every resample costs one pass over the units,
 * and scores that are any real number (a mean of raters) need no matrix of values.
 */
#include <math.h>

#include "eval/eval_internal.h"

void eval_alpha_add(AlphaSums *a, const double *v, size_t n, double w)
{
    double sum = 0, sumsq = 0, ss = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            sum += v[i];
            sumsq += v[i] * v[i];
            m++;
        }
    if (m < 2)
        return; /* nothing to pair */
    double mean = sum / (double)m;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            ss += (v[i] - mean) * (v[i] - mean);
    a->n += w * (double)m;
    a->sum += w * sum;
    a->sumsq += w * sumsq;
    a->within += w * 2 * (double)m * ss / (double)(m - 1);
}

void eval_alpha_merge(AlphaSums *a, const AlphaSums *unit, double w)
{
    a->n += w * unit->n;
    a->sum += w * unit->sum;
    a->sumsq += w * unit->sumsq;
    a->within += w * unit->within;
}

double eval_alpha_of(const AlphaSums *a)
{
    double spread = a->n * a->sumsq - a->sum * a->sum; /* sum_ck n_c n_k (c - k)^2 / 2 */
    /* no variation at all: expected disagreement 0, alpha 0/0 (rounding aside) */
    if (a->n < 2 || !(spread > 1e-12 * a->n * a->sumsq))
        return NAN;
    return 1 - (a->n - 1) * a->within / (2 * spread);
}

double semio_krippendorff_alpha(const double *values, size_t units, size_t coders)
{
    AlphaSums a = { 0 };
    for (size_t u = 0; u < units; u++)
        eval_alpha_add(&a, values + u * coders, coders, 1);
    return eval_alpha_of(&a);
}
