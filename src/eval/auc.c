/*
 * The area under the ROC curve: the chance that a random positive scores above a random
 * negative, ties counting half (the Mann-Whitney U statistic over n_pos * n_neg).
 */
#include <math.h>
#include <stdlib.h>

#include "semio/eval.h"

typedef struct Scored {
    double p;
    int8_t y;
} Scored;

static int by_score(const void *a, const void *b)
{
    const Scored *x = a, *y = b;
    return (x->p > y->p) - (x->p < y->p);
}

double semio_auc(const double *p, const int8_t *y, size_t n)
{
    Scored *v = malloc((n + 1) * sizeof(*v));
    if (!v)
        return NAN;
    size_t m = 0;
    double pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]) && (y[i] == 0 || y[i] == 1)) {
            v[m++] = (Scored){ p[i], y[i] };
            pos += y[i] == 1;
            neg += y[i] == 0;
        }
    qsort(v, m, sizeof(*v), by_score);
    /* sum of the positives' ranks, tied scores sharing their mean rank */
    double rank_sum = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i, tied_pos = 0;
        while (j < m && v[j].p == v[i].p)
            tied_pos += v[j++].y == 1;
        rank_sum += (double)tied_pos * ((double)(i + 1) + (double)j) / 2;
        i = j;
    }
    free(v);
    if (pos == 0 || neg == 0)
        return NAN;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}
