/*
 * How far the seizure onsets that runs claimed were from the true ones, per run: the
 * median absolute error and the share within 5 seconds (SeizureSemiologyBench's measures),
 * with intervals from the evaluation's own patient resamples.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "util/error.h"

/* "Within 5 s": an absolute error of at most this many seconds. */
#define CLOSE_S 5.0

typedef struct Onset {
    size_t run, row;
    double error; /* |claimed - true|, seconds */
} Onset;

struct EvalOnsets {
    Onset *o;
    size_t n, cap;
    size_t nruns; /* as computed */
    SemioOnsetError *res;
    unsigned char *set;
};

void eval_onsets_free(EvalOnsets *o)
{
    if (!o)
        return;
    free(o->o);
    free(o->res);
    free(o->set);
    free(o);
}

int semio_eval_add_onset(SemioEval *ev, size_t run, size_t row, double claimed_s,
                         double true_s, SemioError *err)
{
    if (run >= ev->nruns || row >= ev->nrows)
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: an onset of run %zu (of %zu), "
                          "recording %zu (of %zu)", run, ev->nruns, row, ev->nrows);
    if (!isfinite(claimed_s) || !isfinite(true_s))
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: onsets are seconds, not %g and %g",
                          claimed_s, true_s);
    if (!ev->onsets && !(ev->onsets = calloc(1, sizeof(EvalOnsets))))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    EvalOnsets *o = ev->onsets;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        Onset *grown = realloc(o->o, cap * sizeof(Onset));
        if (!grown)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        o->o = grown;
        o->cap = cap;
    }
    o->o[o->n++] = (Onset){ run, row, fabs(claimed_s - true_s) };
    ev->computed = 0;
    return 0;
}

/* Median error and share within CLOSE_S of onsets idx[0..n), each counted by its patient's
 * draw in w (NULL: once); buf holds the errors repeated, as a resample holds them. */
static void stats(const SemioEval *ev, const Onset *o, const size_t *idx, size_t n,
                  const uint16_t *w, double *buf, double *median, double *within)
{
    size_t k = 0;
    double close = 0;
    for (size_t i = 0; i < n; i++) {
        const Onset *x = &o[idx[i]];
        unsigned times = w ? w[ev->patient[x->row]] : 1;
        for (unsigned t = 0; t < times; t++)
            buf[k++] = x->error;
        close += times * (x->error <= CLOSE_S);
    }
    *median = semio_quantile(buf, k, 0.5);
    *within = k ? close / (double)k : NAN;
}

int eval_onsets_compute(SemioEval *ev, const EvalResamples *rs, SemioError *err)
{
    EvalOnsets *o = ev->onsets;
    if (!o)
        return 0;
    free(o->res);
    free(o->set);
    o->nruns = ev->nruns;
    o->res = calloc(ev->nruns + 1, sizeof(SemioOnsetError));
    o->set = calloc(ev->nruns + 1, 1);
    size_t *idx = malloc((o->n + 1) * sizeof(size_t));
    /* a resample holds at most the most onsets any patient has, times every patient */
    size_t most = 0;
    for (size_t p = 0; p < ev->npatients; p++) {
        size_t mine = 0;
        for (size_t i = 0; i < o->n; i++)
            mine += ev->patient[o->o[i].row] == (int)p;
        most = mine > most ? mine : most;
    }
    size_t room = most * ev->npatients > o->n ? most * ev->npatients : o->n;
    double *buf = malloc((room + 1) * sizeof(double));
    double *med = malloc((rs->B + 1) * sizeof(double)), *win = malloc((rs->B + 1) * sizeof(double));
    int r = 0;
    if (!o->res || !o->set || !idx || !buf || !med || !win) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t run = 0; run < ev->nruns; run++) {
        size_t n = 0;
        for (size_t i = 0; i < o->n; i++)
            if (o->o[i].run == run)
                idx[n++] = i;
        if (!n)
            continue;
        SemioOnsetError *e = &o->res[run];
        o->set[run] = 1;
        e->recordings = (int64_t)n;
        stats(ev, o->o, idx, n, NULL, buf, &e->median_abs_s, &e->within_5s);
        e->median_ci = e->within_ci = (SemioInterval){ NAN, NAN, 0 };
        if (!rs->mult)
            continue;
        for (size_t b = 0; b < rs->B; b++)
            stats(ev, o->o, idx, n, rs->mult + b * rs->npatients, buf, &med[b], &win[b]);
        e->median_ci = eval_interval(med, rs->B, rs->level);
        e->within_ci = eval_interval(win, rs->B, rs->level);
    }
done:
    free(idx);
    free(buf);
    free(med);
    free(win);
    return r;
}

const SemioOnsetError *semio_eval_onset(const SemioEval *ev, size_t run)
{
    const EvalOnsets *o = ev->onsets;
    if (!ev->computed || !o || !o->res || run >= o->nruns || !o->set[run])
        return NULL;
    return &o->res[run];
}
