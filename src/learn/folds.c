/*
 * Patient-stratified folds for cross-validation: a patient's recordings never sit on both
 * sides of a split (they share a face, a bed and a seizure type, and would leak), and the
 * folds get about the same number of rows and of positives of every label column.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "semio/learn.h"
#include "util/error.h"
#include "util/rng.h"

typedef struct Patient {
    int id, rows;
    uint64_t tiebreak;
} Patient;

static int larger_first(const void *a, const void *b)
{
    const Patient *x = a, *y = b;
    if (x->rows != y->rows)
        return y->rows - x->rows;
    return (x->tiebreak > y->tiebreak) - (x->tiebreak < y->tiebreak);
}

/*
 * How far the folds would be from even if patient p joined fold f: squared shares of rows
 * and of each label's positives off 1/k, over every fold.
 */
static double imbalance(const double *rows, const double *pos, const double *tot, size_t nl,
                        int k, int f, const double *p_pos, double p_rows, double n)
{
    double cost = 0;
    for (int g = 0; g < k; g++) {
        double share = (rows[g] + (g == f ? p_rows : 0)) / n - 1.0 / k;
        cost += share * share;
        for (size_t l = 0; l < nl; l++) {
            if (tot[l] == 0)
                continue;
            double s = (pos[(size_t)g * nl + l] + (g == f ? p_pos[l] : 0)) / tot[l] - 1.0 / k;
            cost += s * s;
        }
    }
    return cost;
}

int semio_patient_folds(const int *patient, size_t n, const int8_t *labels, size_t nlabels,
                        int k, uint64_t seed, int *fold, SemioError *err)
{
    int npat = 0;
    for (size_t i = 0; i < n; i++)
        npat = patient[i] + 1 > npat ? patient[i] + 1 : npat;
    if (k < 2)
        return semio_fail(err, SEMIO_ERR_INVALID, "cross-validation needs at least 2 folds");
    if (npat < k)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "%d patient%s cannot fill %d folds (a patient is never split "
                          "between folds): use --folds %d or fewer", npat, npat == 1 ? "" : "s",
                          k, npat < 2 ? 2 : npat);
    Patient *pt = calloc((size_t)npat, sizeof(*pt));
    double *ppos = calloc((size_t)npat * nlabels + 1, sizeof(double));
    double *rows = calloc((size_t)k, sizeof(double));
    double *pos = calloc((size_t)k * nlabels + 1, sizeof(double));
    double *tot = calloc(nlabels + 1, sizeof(double));
    int *fold_of = malloc((size_t)npat * sizeof(int));
    int r = 0;
    if (!pt || !ppos || !rows || !pos || !tot || !fold_of) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t x = seed;
    for (int p = 0; p < npat; p++)
        pt[p] = (Patient){ .id = p, .tiebreak = semio_splitmix(&x) };
    for (size_t i = 0; i < n; i++) {
        pt[patient[i]].rows++;
        for (size_t l = 0; l < nlabels; l++)
            if (labels[l * n + i] == 1) {
                ppos[(size_t)patient[i] * nlabels + l]++;
                tot[l]++;
            }
    }
    /* the largest patients first, each into the fold it unbalances least; the first k
     * open one fold each, so no fold is empty */
    qsort(pt, (size_t)npat, sizeof(*pt), larger_first);
    for (int q = 0; q < npat; q++) {
        int p = pt[q].id, best = q < k ? q : 0;
        const double *pp = ppos + (size_t)p * nlabels;
        if (q >= k) {
            double best_cost = INFINITY;
            for (int f = 0; f < k; f++) {
                double c = imbalance(rows, pos, tot, nlabels, k, f, pp, pt[q].rows, (double)n);
                if (c < best_cost - 1e-12) {
                    best_cost = c;
                    best = f;
                }
            }
        }
        fold_of[p] = best;
        rows[best] += pt[q].rows;
        for (size_t l = 0; l < nlabels; l++)
            pos[(size_t)best * nlabels + l] += pp[l];
    }
    for (size_t i = 0; i < n; i++)
        fold[i] = fold_of[patient[i]];
done:
    free(pt), free(ppos), free(rows), free(pos), free(tot), free(fold_of);
    return r;
}
