/*
 * Choosing a P(yes) threshold without looking at the answers it is scored on: patients
 * are dealt into stratified folds (3 by default, like the pilot's baselines); each
 * fold's threshold is the one that maximizes F1 on the other folds, and is applied to
 * the held-out fold only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/score.h"
#include "util/error.h"
#include "util/series.h"

typedef struct PatientInfo {
    int id, positives, rows;
    uint64_t tiebreak;
} PatientInfo;

static int by_positives(const void *a, const void *b)
{
    const PatientInfo *x = a, *y = b;
    if (x->positives != y->positives)
        return y->positives - x->positives;
    return (x->tiebreak > y->tiebreak) - (x->tiebreak < y->tiebreak);
}

/* F1 of "yes at P(yes) >= t" on the rows with a label, by the formula eval reports. */
static double f1_at(const double *p, const int8_t *y, size_t n, double t)
{
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        if ((y[i] != 0 && y[i] != 1) || isnan(p[i]))
            continue;
        int yes = p[i] >= t;
        tp += yes && y[i] == 1;
        fp += yes && y[i] == 0;
        fn += !yes && y[i] == 1;
    }
    return semio_f1(tp + fp > 0 ? tp / (tp + fp) : 0, tp + fn > 0 ? tp / (tp + fn) : 0);
}

double semio_best_f1_threshold(const double *p, const int8_t *y, size_t n)
{
    double *cand = malloc((n + 1) * sizeof(double));
    if (!cand)
        return 0.5;
    /* Candidates: every P(yes) seen, and 0.5; ties prefer 0.5's side. */
    size_t nc = 0;
    cand[nc++] = 0.5;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]) && (y[i] == 0 || y[i] == 1))
            cand[nc++] = p[i];
    qsort(cand, nc, sizeof(double), semio_cmp_double);
    double best = 0.5, best_f1 = -1;
    for (size_t c = 0; c < nc; c++) {
        if (c && cand[c] == cand[c - 1])
            continue;
        double f1 = f1_at(p, y, n, cand[c]);
        if (f1 > best_f1 + 1e-12 ||
            (fabs(f1 - best_f1) <= 1e-12 && fabs(cand[c] - 0.5) < fabs(best - 0.5))) {
            best_f1 = f1;
            best = cand[c];
        }
    }
    free(cand);
    return best;
}

int semio_tune_threshold(const int8_t *labels, const double *p_yes, const int *patient,
                         size_t n, int folds, uint64_t seed, uint8_t *answers,
                         double *thresholds, SemioError *err)
{
    if (folds < 2)
        return semio_fail(err, SEMIO_ERR_INVALID, "threshold tuning needs at least 2 folds");
    int npat = 0;
    for (size_t i = 0; i < n; i++)
        npat = patient[i] + 1 > npat ? patient[i] + 1 : npat;
    if (npat < folds)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "threshold tuning: %d patients cannot fill %d folds", npat, folds);
    PatientInfo *info = calloc((size_t)npat, sizeof(*info));
    int *fold_of = calloc((size_t)npat, sizeof(int)), *fold = calloc(n + 1, sizeof(int));
    int8_t *train = malloc(n + 1);
    if (!info || !fold_of || !fold || !train) {
        free(info), free(fold_of), free(fold), free(train);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    uint64_t x = seed;
    for (int i = 0; i < npat; i++) {
        info[i].id = i;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* shuffle ties */
        info[i].tiebreak = x;
    }
    for (size_t i = 0; i < n; i++) {
        info[patient[i]].rows++;
        info[patient[i]].positives += labels[i] == 1;
    }
    /* Stratify: patients with the most positives first, dealt round-robin. */
    qsort(info, (size_t)npat, sizeof(*info), by_positives);
    for (int i = 0; i < npat; i++)
        fold_of[info[i].id] = i % folds;
    for (size_t i = 0; i < n; i++)
        fold[i] = fold_of[patient[i]];
    for (int f = 0; f < folds; f++) {
        /* the training side only: the held-out fold's rows count as unlabeled */
        for (size_t i = 0; i < n; i++)
            train[i] = fold[i] == f ? -1 : labels[i];
        double best = semio_best_f1_threshold(p_yes, train, n);
        thresholds[f] = best;
        for (size_t i = 0; i < n; i++)
            if (fold[i] == f)
                answers[i] = isnan(p_yes[i]) ? SEMIO_ANSWER_MISSING
                           : p_yes[i] >= best ? SEMIO_ANSWER_YES : SEMIO_ANSWER_NO;
    }
    free(info);
    free(fold_of);
    free(fold);
    free(train);
    return 0;
}
