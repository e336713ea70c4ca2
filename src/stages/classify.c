/*
 * Epileptic or functional: a recording's target (a label file's column) predicted from its
 * signs by patient-stratified cross-validation, scored out of fold with patient-bootstrap
 * intervals. Each fold's threshold comes from an inner cross-validation on its training
 * patients, so no recording's P sets the threshold it is judged by.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "semio/learn.h"
#include "stages/classify.h"
#include "util/error.h"
#include "util/rng.h"

void semio_classify_default_settings(SemioClassifySettings *s)
{
    memset(s, 0, sizeof(*s));
    s->target = "label";
    semio_learner_default_params(&s->params, SEMIO_LEARNER_LOGISTIC);
    s->folds = 3;
    s->seed = 1;
    s->params.seed = 1;
    s->resamples = 2000;
    s->level = 0.95;
}

/* Rows rows[0..m) of the data as a matrix and labels of their own. */
static int gather(const ClassifyData *d, const size_t *rows, size_t m, double **x, int8_t **y,
                  SemioError *err)
{
    *x = malloc((m * d->d + 1) * sizeof(double));
    *y = malloc(m + 1);
    if (!*x || !*y) {
        free(*x);
        free(*y);
        *x = NULL;
        *y = NULL;
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        memcpy(*x + i * d->d, d->x + rows[i] * d->d, d->d * sizeof(double));
        (*y)[i] = d->y[rows[i]];
    }
    return 0;
}

static int both_classes(const ClassifyData *d, const size_t *rows, size_t m)
{
    int seen[2] = { 0, 0 };
    for (size_t i = 0; i < m; i++)
        seen[d->y[rows[i]]] = 1;
    return seen[0] && seen[1];
}

/*
 * Fits on train[0..nt) and writes P(1) of test[0..ns) into p[test[i]]; *model keeps the fit
 * when model is not NULL. A training part of one class (an inner fold of few patients) has
 * no model to fit: its test rows get that class's share, what any model would say.
 */
static int fit_predict(const SemioLearnerParams *params, const ClassifyData *d,
                       const size_t *train, size_t nt, const size_t *test, size_t ns, double *p,
                       SemioClassifier **model, SemioError *err)
{
    if (!both_classes(d, train, nt) && !model) {
        double share = nt ? (double)d->y[train[0]] : 0.5;
        for (size_t i = 0; i < ns; i++)
            p[test[i]] = share;
        return 0;
    }
    double *x = NULL, *pt = NULL;
    int8_t *y = NULL;
    SemioClassifier *c = NULL;
    int r = gather(d, train, nt, &x, &y, err);
    if (r == 0)
        r = semio_classifier_fit(&c, params, x, nt, d->d, y, err);
    free(x);
    free(y);
    x = NULL;
    y = NULL;
    if (r == 0)
        r = gather(d, test, ns, &x, &y, err);
    if (r == 0 && !(pt = malloc((ns + 1) * sizeof(double))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = semio_classifier_predict(c, x, ns, pt, err);
    for (size_t i = 0; r == 0 && i < ns; i++)
        p[test[i]] = pt[i];
    free(x);
    free(y);
    free(pt);
    if (r == 0 && model)
        *model = c;
    else
        semio_classifier_free(&c);
    return r;
}

/* Splits rows[0..m) by fold[]: those of fold f into test, the others into train. */
static void split(const size_t *rows, size_t m, const int *fold, int f, size_t *train,
                  size_t *nt, size_t *test, size_t *ns)
{
    *nt = *ns = 0;
    for (size_t i = 0; i < m; i++) {
        if (fold[i] == f)
            test[(*ns)++] = rows[i];
        else
            train[(*nt)++] = rows[i];
    }
}

/* Patient-stratified folds of rows[0..m), balanced by the target; the patients of these
 * rows are numbered 0, 1, ... afresh, as semio_patient_folds counts every number below
 * the largest as a patient. */
static int folds_of(const ClassifyData *d, const size_t *rows, size_t m, int k, uint64_t seed,
                    int *fold, SemioError *err)
{
    int *local = malloc((d->npatients + 1) * sizeof(int)), *patient = malloc((m + 1) * sizeof(int));
    int8_t *y = malloc(m + 1);
    int r = local && patient && y ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int next = 0;
    for (size_t i = 0; r == 0 && i < d->npatients; i++)
        local[i] = -1;
    for (size_t i = 0; r == 0 && i < m; i++) {
        int *l = &local[d->pid[rows[i]]];
        patient[i] = *l >= 0 ? *l : (*l = next++);
        y[i] = d->y[rows[i]];
    }
    if (r == 0)
        r = semio_patient_folds(patient, m, y, 1, k, seed, fold, err);
    free(local);
    free(patient);
    free(y);
    return r;
}

/*
 * The threshold of one outer fold: best F1 over the out-of-fold P of an inner
 * cross-validation on its training rows alone.
 */
static int inner_threshold(const SemioClassifySettings *set, const ClassifyData *d,
                           const size_t *rows, size_t m, double *threshold, SemioError *err)
{
    int *fold = malloc((m + 1) * sizeof(int));
    size_t *train = malloc((m + 1) * sizeof(size_t)), *test = malloc((m + 1) * sizeof(size_t));
    double *p = malloc((d->n + 1) * sizeof(double)), *pm = malloc((m + 1) * sizeof(double));
    int8_t *y = malloc(m + 1);
    int r = fold && train && test && p && pm && y
                ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = folds_of(d, rows, m, set->folds, set->seed + 1, fold, err);
    for (int f = 0; r == 0 && f < set->folds; f++) {
        size_t nt, ns;
        split(rows, m, fold, f, train, &nt, test, &ns);
        r = fit_predict(&set->params, d, train, nt, test, ns, p, NULL, err);
    }
    for (size_t i = 0; r == 0 && i < m; i++) {
        pm[i] = p[rows[i]];
        y[i] = d->y[rows[i]];
    }
    if (r == 0)
        *threshold = semio_best_f1_threshold(pm, y, m);
    free(fold);
    free(train);
    free(test);
    free(p);
    free(pm);
    free(y);
    return r;
}

typedef struct Outcome {
    double *p;         /* out-of-fold P(1) of each row */
    double *threshold; /* each row's fold's threshold */
    double *weight;    /* mean importance of each input over the folds */
} Outcome;

/* One outer fold: its threshold, its rows' P, its model's weights added to out->weight. */
static int outer_fold(const SemioClassifySettings *set, const ClassifyData *d, const size_t *train,
                      size_t nt, const size_t *test, size_t ns, int f, Outcome *out,
                      double *w, SemioError *err)
{
    if (!both_classes(d, train, nt))
        return semio_fail(err, SEMIO_ERR_INVALID, "fold %d's training recordings are all of "
                          "one class: ask for fewer folds", f + 1);
    double threshold = 0.5;
    SemioClassifier *c = NULL;
    int r = inner_threshold(set, d, train, nt, &threshold, err);
    if (r == 0)
        r = fit_predict(&set->params, d, train, nt, test, ns, out->p, &c, err);
    if (r == 0)
        r = semio_classifier_importance(c, w, err);
    for (size_t j = 0; r == 0 && j < d->d; j++)
        out->weight[j] += w[j] / set->folds;
    for (size_t i = 0; r == 0 && i < ns; i++)
        out->threshold[test[i]] = threshold;
    semio_classifier_free(&c);
    return r;
}

static int cross_validate(const SemioClassifySettings *set, const ClassifyData *d, Outcome *out,
                          SemioError *err)
{
    size_t n = d->n, *all = malloc((n + 1) * sizeof(size_t));
    size_t *train = malloc((n + 1) * sizeof(size_t)), *test = malloc((n + 1) * sizeof(size_t));
    int *fold = malloc((n + 1) * sizeof(int));
    double *w = malloc((d->d + 1) * sizeof(double));
    int r = all && train && test && fold && w
                ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < n; i++)
        all[i] = i;
    if (r == 0)
        r = folds_of(d, all, n, set->folds, set->seed, fold, err);
    for (int f = 0; r == 0 && f < set->folds; f++) {
        size_t nt, ns;
        split(all, n, fold, f, train, &nt, test, &ns);
        r = outer_fold(set, d, train, nt, test, ns, f, out, w, err);
    }
    free(all);
    free(train);
    free(test);
    free(fold);
    free(w);
    return r;
}

/* ---- the scores and their patient bootstrap ------------------------------------- */

/*
 * Accuracy and F1 at each row's fold threshold, and AUC, over rows[0..m) (a row may come
 * more than once: a bootstrap resample). pbuf and ybuf hold m values for the AUC.
 */
static void score(const ClassifyData *d, const Outcome *o, const size_t *rows, size_t m,
                  double *pbuf, int8_t *ybuf, double out[3])
{
    int64_t tp = 0, fp = 0, fn = 0, right = 0;
    for (size_t i = 0; i < m; i++) {
        size_t k = rows[i];
        int yes = o->p[k] >= o->threshold[k], y = d->y[k];
        tp += yes && y;
        fp += yes && !y;
        fn += !yes && y;
        right += yes == y;
        pbuf[i] = o->p[k];
        ybuf[i] = (int8_t)y;
    }
    out[0] = m ? (double)right / (double)m : NAN;
    out[1] = 2 * tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : NAN;
    out[2] = semio_auc(pbuf, ybuf, m);
}

/* Rows grouped by patient: rows of patient i are byp[start[i] .. start[i + 1]). */
typedef struct Patients {
    size_t count, *start, *byp;
} Patients;

typedef struct Keyed {
    const char *patient;
    size_t row;
} Keyed;

static int by_patient(const void *a, const void *b)
{
    const Keyed *x = a, *y = b;
    int c = strcmp(x->patient, y->patient);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Groups the rows by patient into g and numbers the patients in d->pid. */
static int group_patients(ClassifyData *d, Patients *g, SemioError *err)
{
    Keyed *k = malloc((d->n + 1) * sizeof(*k));
    g->byp = malloc((d->n + 1) * sizeof(size_t));
    g->start = malloc((d->n + 2) * sizeof(size_t));
    d->pid = malloc((d->n + 1) * sizeof(int));
    if (!k || !g->byp || !g->start || !d->pid) {
        free(k);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->n; i++)
        k[i] = (Keyed){ d->patient[i], i };
    qsort(k, d->n, sizeof(*k), by_patient);
    g->count = 0;
    for (size_t i = 0; i < d->n; i++) {
        g->byp[i] = k[i].row;
        if (!i || strcmp(k[i].patient, k[i - 1].patient))
            g->start[g->count++] = i;
        d->pid[k[i].row] = (int)g->count - 1;
    }
    g->start[g->count] = d->n;
    d->npatients = g->count;
    free(k);
    return 0;
}

/*
 * Percentile intervals of the three scores over patient resamples: patients drawn with
 * replacement, each bringing all its recordings, as eval's bootstrap does for the signs.
 */
static int bootstrap(const SemioClassifySettings *set, const ClassifyData *d, const Outcome *o,
                     const Patients *g, SemioInterval ci[3], SemioError *err)
{
    size_t B = (size_t)set->resamples, most = 0;
    for (size_t i = 0; i < g->count; i++)
        if (g->start[i + 1] - g->start[i] > most)
            most = g->start[i + 1] - g->start[i];
    size_t cap = g->count * most + 1, *rows = malloc(cap * sizeof(size_t));
    double *pbuf = malloc(cap * sizeof(double)), *v = malloc((3 * B + 1) * sizeof(double));
    int8_t *ybuf = malloc(cap);
    if (!rows || !pbuf || !v || !ybuf) {
        free(rows);
        free(pbuf);
        free(v);
        free(ybuf);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory for the bootstrap");
    }
    SemioRng rng;
    semio_rng_seed(&rng, set->seed);
    for (size_t b = 0; b < B; b++) {
        size_t m = 0;
        for (size_t i = 0; i < g->count; i++) {
            size_t pick = semio_rng_below(&rng, (uint32_t)g->count);
            for (size_t k = g->start[pick]; k < g->start[pick + 1]; k++)
                rows[m++] = g->byp[k];
        }
        double s[3];
        score(d, o, rows, m, pbuf, ybuf, s);
        for (int k = 0; k < 3; k++)
            v[k * B + b] = s[k];
    }
    for (int k = 0; k < 3; k++)
        ci[k] = B ? eval_interval(v + k * B, B, set->level) : (SemioInterval){ NAN, NAN, 0 };
    free(rows);
    free(pbuf);
    free(v);
    free(ybuf);
    return 0;
}

typedef struct Ranked {
    double w;
    size_t j;
} Ranked;

/* Heaviest first; equal weights keep the inputs' order, so the table is the same each run. */
static int heavier(const void *a, const void *b)
{
    const Ranked *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? 1 : -1;
    return (x->j > y->j) - (x->j < y->j);
}

static char *dup_or_fail(const char *text, int *r, SemioError *err)
{
    char *c = *r ? NULL : strdup(text);
    if (!c && !*r)
        *r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return c;
}

/* Moves what the result shows out of the data and the outcome. */
static int fill_result(const ClassifyData *d, const Outcome *o, SemioClassifyResult *out,
                       SemioError *err)
{
    Ranked *rk = malloc((d->d + 1) * sizeof(*rk));
    out->input = calloc(d->d + 1, sizeof(char *));
    out->weight = malloc((d->d + 1) * sizeof(double));
    out->recording = calloc(d->n + 1, sizeof(char *));
    out->p = malloc((d->n + 1) * sizeof(double));
    out->truth = malloc(d->n + 1);
    int r = rk && out->input && out->weight && out->recording && out->p && out->truth
                ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t j = 0; r == 0 && j < d->d; j++)
        rk[j] = (Ranked){ o->weight[j], j };
    if (r == 0)
        qsort(rk, d->d, sizeof(*rk), heavier);
    for (size_t j = 0; r == 0 && j < d->d; j++) {
        out->input[j] = dup_or_fail(d->input[rk[j].j], &r, err);
        out->weight[j] = rk[j].w;
        out->ninputs = j + 1;
    }
    for (size_t i = 0; r == 0 && i < d->n; i++) {
        out->recording[i] = dup_or_fail(d->name[i], &r, err);
        out->p[i] = o->p[i];
        out->truth[i] = d->y[i];
    }
    free(rk);
    return r;
}

static int check_settings(const SemioClassifySettings *set, SemioError *err)
{
    if (!set->from || !*set->from)
        return semio_fail(err, SEMIO_ERR_INVALID, "classify: say what to learn from: "
                          "\"labels\" or a run's name");
    if (!set->target || !*set->target)
        return semio_fail(err, SEMIO_ERR_INVALID, "classify: no target column named");
    if (set->folds < 2)
        return semio_fail(err, SEMIO_ERR_INVALID, "classify: at least 2 folds (%d asked)",
                          set->folds);
    if (set->resamples < 0 || !(set->level > 0 && set->level < 1))
        return semio_fail(err, SEMIO_ERR_INVALID, "classify: resamples >= 0 and a level "
                          "between 0 and 1");
    return 0;
}

/* Counts of the data: recordings, patients, positives. */
static void count(const ClassifyData *d, const Patients *g, SemioClassifyResult *out)
{
    out->recordings = (int64_t)d->n;
    out->patients = (int64_t)g->count;
    for (size_t i = 0; i < d->n; i++)
        out->positives += d->y[i];
    out->no_target = d->no_target;
    out->no_input = d->no_input;
}

/* The scores over every recording once, with their intervals and the counts. */
static int overall(const SemioClassifySettings *set, const ClassifyData *d, const Outcome *o,
                   const Patients *g, const SemioInterval ci[3], SemioClassifyResult *out,
                   SemioError *err)
{
    int8_t *ybuf = malloc(d->n + 1);
    double *pbuf = malloc((d->n + 1) * sizeof(double)), all[3];
    if (!ybuf || !pbuf) {
        free(ybuf);
        free(pbuf);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    score(d, o, g->byp, d->n, pbuf, ybuf, all); /* every row once, in any order */
    free(ybuf);
    free(pbuf);
    count(d, g, out);
    out->folds = set->folds;
    out->accuracy = all[0];
    out->f1 = all[1];
    out->auc = all[2];
    out->accuracy_ci = ci[0];
    out->f1_ci = ci[1];
    out->auc_ci = ci[2];
    return 0;
}

int semio_classify(SemioStudy *s, const SemioClassifySettings *set, SemioClassifyResult *out,
                   SemioError *err)
{
    memset(out, 0, sizeof(*out));
    ClassifyData d;
    Patients g = { 0, NULL, NULL };
    Outcome o = { NULL, NULL, NULL };
    int r = check_settings(set, err);
    if (r < 0)
        return r;
    if ((r = classify_load(s, set->target, set->from, &d, err)) < 0)
        return r;
    o.p = malloc((d.n + 1) * sizeof(double));
    o.threshold = malloc((d.n + 1) * sizeof(double));
    o.weight = calloc(d.d + 1, sizeof(double));
    if (!o.p || !o.threshold || !o.weight)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = group_patients(&d, &g, err);
    if (r == 0)
        r = cross_validate(set, &d, &o, err);
    SemioInterval ci[3];
    if (r == 0)
        r = bootstrap(set, &d, &o, &g, ci, err);
    if (r == 0)
        r = overall(set, &d, &o, &g, ci, out, err);
    if (r == 0)
        r = fill_result(&d, &o, out, err);
    if (r < 0)
        semio_classify_result_free(out);
    free(o.p);
    free(o.threshold);
    free(o.weight);
    free(g.byp);
    free(g.start);
    classify_data_free(&d);
    return r;
}

void semio_classify_result_free(SemioClassifyResult *r)
{
    for (size_t j = 0; r->input && j < r->ninputs; j++)
        free(r->input[j]);
    for (int64_t i = 0; r->recording && i < r->recordings; i++)
        free(r->recording[i]);
    free(r->input);
    free(r->weight);
    free(r->recording);
    free(r->p);
    free(r->truth);
    memset(r, 0, sizeof(*r));
}
