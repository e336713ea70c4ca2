/*
 * Robustness to the wording of the questions: how much a sign's F1 and its windows'
 * answers move between prompt sets (runs that asked the same windows reworded).
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "semio/eval.h"
#include "util/error.h"

/* Mean, sample SD, min and max of the sets' F1 where defined. */
static void f1_spread(const SemioEval *ev, const size_t *runs, size_t nsets, size_t sign,
                      SemioRobustSign *o)
{
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    size_t n = 0;
    for (size_t k = 0; k < nsets; k++) {
        double f = semio_eval_metrics(ev, runs[k], sign)->value[SEMIO_METRIC_F1];
        if (isnan(f))
            continue;
        sum += f;
        lo = fmin(lo, f);
        hi = fmax(hi, f);
        n++;
    }
    o->f1_mean = n ? sum / (double)n : NAN;
    o->f1_min = n ? lo : NAN;
    o->f1_max = n ? hi : NAN;
    o->f1_range = n ? hi - lo : NAN;
    double ss = 0;
    for (size_t k = 0; k < nsets && n > 1; k++) {
        double f = semio_eval_metrics(ev, runs[k], sign)->value[SEMIO_METRIC_F1];
        if (!isnan(f))
            ss += (f - o->f1_mean) * (f - o->f1_mean);
    }
    o->f1_sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
}

/* Flips, kappa and consistency over one sign's windows that every set answered yes/no. */
static int window_agreement(size_t sign, size_t nsets, const size_t *window_sign,
                            const uint8_t *answers, size_t nwindows, SemioRobustSign *o,
                            SemioError *err)
{
    int *yes = malloc((nwindows + 1) * sizeof(int)), *raters = malloc((nwindows + 1) * sizeof(int));
    if (!yes || !raters) {
        free(yes);
        free(raters);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    size_t n = 0, flips = 0, full = 0;
    double agree = 0;
    o->left_out = 0;
    for (size_t w = 0; w < nwindows; w++) {
        if (window_sign[w] != sign)
            continue;
        const uint8_t *a = answers + w * nsets;
        int y = 0, whole = 1;
        for (size_t k = 0; k < nsets; k++) {
            whole &= a[k] == SEMIO_ANSWER_YES || a[k] == SEMIO_ANSWER_NO;
            y += a[k] == SEMIO_ANSWER_YES;
        }
        if (!whole) {
            o->left_out++;
            continue;
        }
        int same = y == 0 || y == (int)nsets;
        flips += !same;
        full += same;
        agree += (double)(y > (int)nsets - y ? y : (int)nsets - y) / (double)nsets;
        yes[n] = y;
        raters[n++] = (int)nsets;
    }
    o->windows = (int64_t)n;
    o->flips = n ? (double)flips / (double)n : NAN;
    o->full_agreement = n ? (double)full / (double)n : NAN;
    o->consistency = n ? agree / (double)n : NAN;
    o->kappa = semio_fleiss_kappa(yes, raters, n);
    free(yes);
    free(raters);
    return 0;
}

/* Most sensitive first: the wider F1 range, then the larger SD; undefined last. */
static int more_sensitive(const SemioRobustSign *signs, size_t ia, size_t ib)
{
    const SemioRobustSign *a = &signs[ia], *b = &signs[ib];
    double ka[2] = { a->f1_range, a->f1_sd }, kb[2] = { b->f1_range, b->f1_sd };
    for (int i = 0; i < 2; i++) {
        if (isnan(ka[i]) != isnan(kb[i]))
            return isnan(ka[i]) ? 1 : -1;
        if (!isnan(ka[i]) && ka[i] != kb[i])
            return ka[i] > kb[i] ? -1 : 1;
    }
    return ia < ib ? -1 : 1;
}

/* Insertion sort: a few dozen signs at most, and qsort's comparator has no context. */
static void rank(SemioRobustness *rb)
{
    for (size_t s = 0; s < rb->nsigns; s++)
        rb->order[s] = s;
    for (size_t i = 1; i < rb->nsigns; i++) {
        for (size_t j = i; j > 0 && more_sensitive(rb->signs, rb->order[j], rb->order[j - 1]) < 0;
             j--) {
            size_t t = rb->order[j];
            rb->order[j] = rb->order[j - 1];
            rb->order[j - 1] = t;
        }
    }
}

static double macro_of(const SemioRobustness *rb, size_t offset)
{
    double sum = 0;
    size_t n = 0;
    for (size_t s = 0; s < rb->nsigns; s++) {
        double v = *(const double *)((const char *)&rb->signs[s] + offset);
        if (!isnan(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / (double)n : NAN;
}

static void macro(SemioRobustness *rb)
{
    SemioRobustSign *m = &rb->macro;
#define MACRO(field) m->field = macro_of(rb, offsetof(SemioRobustSign, field))
    MACRO(f1_mean);
    MACRO(f1_sd);
    MACRO(f1_min);
    MACRO(f1_max);
    MACRO(f1_range);
    MACRO(flips);
    MACRO(kappa);
    MACRO(consistency);
    MACRO(full_agreement);
#undef MACRO
    m->windows = m->left_out = 0;
    for (size_t s = 0; s < rb->nsigns; s++) {
        m->windows += rb->signs[s].windows;
        m->left_out += rb->signs[s].left_out;
    }
}

int semio_robustness_compute(const SemioEval *ev, const size_t *runs, size_t nsets,
                             const size_t *window_sign, const uint8_t *window_answers,
                             size_t nwindows, SemioRobustness **out, SemioError *err)
{
    *out = NULL;
    if (nsets < 2)
        return semio_fail(err, SEMIO_ERR_INVALID, "robustness: give at least two runs "
                          "(prompt sets) to compare, not %zu", nsets);
    size_t nsigns = semio_eval_signs(ev);
    for (size_t k = 0; k < nsets; k++)
        if (runs[k] >= semio_eval_runs(ev) || !semio_eval_metrics(ev, runs[k], 0))
            return semio_fail(err, SEMIO_ERR_INVALID, "robustness: run %zu is not a computed "
                              "run of the evaluation", runs[k]);
    for (size_t w = 0; w < nwindows; w++)
        if (window_sign[w] >= nsigns)
            return semio_fail(err, SEMIO_ERR_INVALID, "robustness: window %zu has sign %zu "
                              "of %zu", w, window_sign[w], nsigns);
    SemioRobustness *rb = calloc(1, sizeof(*rb));
    if (!rb)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    rb->nsets = nsets;
    rb->nsigns = nsigns;
    rb->runs = malloc(nsets * sizeof(size_t));
    rb->signs = calloc(nsigns + 1, sizeof(SemioRobustSign));
    rb->order = calloc(nsigns + 1, sizeof(size_t));
    int r = rb->runs && rb->signs && rb->order ? 0
                                               : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        memcpy(rb->runs, runs, nsets * sizeof(size_t));
    for (size_t s = 0; s < nsigns && r == 0; s++) {
        f1_spread(ev, runs, nsets, s, &rb->signs[s]);
        r = window_agreement(s, nsets, window_sign, window_answers, nwindows, &rb->signs[s], err);
    }
    if (r < 0) {
        semio_robustness_free(&rb);
        return r;
    }
    rank(rb);
    macro(rb);
    *out = rb;
    return 0;
}

void semio_robustness_free(SemioRobustness **rb)
{
    if (!rb || !*rb)
        return;
    free((*rb)->runs);
    free((*rb)->signs);
    free((*rb)->order);
    free(*rb);
    *rb = NULL;
}
