/*
 * What raters said about the answers: how faithful each run's justifications were per
 * sign and overall, how well the human raters agreed, and how model judges compare with
 * them; intervals from the evaluation's own patient resamples. Judges are never counted
 * among the human raters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "util/error.h"

/* The pilot's line: a justification rated at least 60% faithful. */
#define FAITHFUL_SCORE 60.0

typedef struct Item {
    size_t run, row, sign; /* row or sign out of the evaluation's range: outside it */
    uint8_t answer;
} Item;

struct EvalRatings {
    size_t nraters, nhumans, njudges;
    char **names;
    int *judge;
    size_t *judges; /* the judges' rater indexes */
    Item *items;
    double *scores; /* [item * nraters + rater], NaN: not scored */
    size_t nitems, cap;
    /* what compute found, for the runs and signs it saw */
    size_t nruns, nsigns;
    SemioFaithfulness *faith; /* [run * (nsigns + 1) + sign], sign nsigns: all signs */
    unsigned char *faith_set;
    SemioJudgeAgreement *agree; /* [judge * nruns + run] */
    unsigned char *agree_set;
    int64_t *counts; /* [run * 6 + score / 20] */
};

static void free_results(EvalRatings *r)
{
    free(r->faith);
    free(r->faith_set);
    free(r->agree);
    free(r->agree_set);
    free(r->counts);
    r->faith = NULL;
    r->faith_set = r->agree_set = NULL;
    r->agree = NULL;
    r->counts = NULL;
    r->nruns = r->nsigns = 0;
}

void eval_ratings_free(EvalRatings *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nraters; i++)
        free(r->names[i]);
    free(r->names);
    free(r->judge);
    free(r->judges);
    free(r->items);
    free(r->scores);
    free_results(r);
    free(r);
}

int semio_eval_set_raters(SemioEval *ev, size_t n, const char *const *names, const int *judge,
                          SemioError *err)
{
    if (ev->ratings)
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: the raters are named already");
    EvalRatings *r = calloc(1, sizeof(*r));
    if (!r || !(r->names = calloc(n + 1, sizeof(char *))) ||
        !(r->judge = calloc(n + 1, sizeof(int))) || !(r->judges = calloc(n + 1, sizeof(size_t)))) {
        eval_ratings_free(r);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (!(r->names[i] = strdup(names[i]))) {
            r->nraters = i;
            eval_ratings_free(r);
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        }
        r->judge[i] = judge && judge[i];
        if (r->judge[i])
            r->judges[r->njudges++] = i;
    }
    r->nraters = n;
    r->nhumans = n - r->njudges;
    ev->ratings = r;
    ev->computed = 0;
    return 0;
}

int semio_eval_add_rated(SemioEval *ev, size_t run, size_t row, size_t sign, uint8_t answer,
                         const double *scores, SemioError *err)
{
    EvalRatings *r = ev->ratings;
    if (!r)
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: name the raters before their scores");
    if (run >= ev->nruns || answer > SEMIO_ANSWER_MISSING)
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: a rated answer of run %zu (of %zu) "
                          "with answer %d", run, ev->nruns, answer);
    for (size_t i = 0; i < r->nraters; i++)
        if (!isnan(scores[i]) && !(scores[i] >= 0 && scores[i] <= 100))
            return semio_fail(err, SEMIO_ERR_INVALID, "eval: %s's score %g is not between 0 "
                              "and 100", r->names[i], scores[i]);
    if (r->nitems == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        Item *items = realloc(r->items, cap * sizeof(Item));
        if (items)
            r->items = items;
        double *s = items ? realloc(r->scores, (cap * r->nraters + 1) * sizeof(double)) : NULL;
        if (!s)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        r->scores = s;
        r->cap = cap;
    }
    r->items[r->nitems] = (Item){ run, row, sign, answer };
    memcpy(r->scores + r->nitems * r->nraters, scores, r->nraters * sizeof(double));
    r->nitems++;
    ev->computed = 0;
    return 0;
}

/* ---- each answer once: its human score, whether it was right, its patient ----------
 * An answer's score is the mean of its human raters' scores: the pilot's measure is per
 * justification, so an answer counts once however many raters scored it. */

typedef struct Derived {
    double *human;     /* [item * nhumans + h]: the human raters' scores */
    double *mean;      /* the mean human score, NaN: none */
    int *humans;       /* how many humans scored it */
    int *verdict;      /* 1 correct, 0 wrong, -1 neither (label unknown, failed, outside) */
    int *patient;      /* -1: outside the evaluation or no longer in the study */
    AlphaSums *unit;   /* its human scores as alpha's unit */
} Derived;

static void derived_free(Derived *d)
{
    free(d->human);
    free(d->mean);
    free(d->humans);
    free(d->verdict);
    free(d->patient);
    free(d->unit);
}

static int derive(const SemioEval *ev, const EvalRatings *r, Derived *d, SemioError *err)
{
    size_t n = r->nitems, H = r->nhumans;
    memset(d, 0, sizeof(*d));
    d->human = malloc((n * H + 1) * sizeof(double));
    d->mean = malloc((n + 1) * sizeof(double));
    d->humans = calloc(n + 1, sizeof(int));
    d->verdict = malloc((n + 1) * sizeof(int));
    d->patient = malloc((n + 1) * sizeof(int));
    d->unit = calloc(n + 1, sizeof(AlphaSums));
    if (!d->human || !d->mean || !d->humans || !d->verdict || !d->patient || !d->unit) {
        derived_free(d);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const Item *it = &r->items[i];
        const double *sc = r->scores + i * r->nraters;
        double *hv = d->human + i * H, sum = 0;
        size_t h = 0;
        for (size_t k = 0; k < r->nraters; k++)
            if (!r->judge[k]) {
                hv[h++] = sc[k];
                if (!isnan(sc[k])) {
                    sum += sc[k];
                    d->humans[i]++;
                }
            }
        d->mean[i] = d->humans[i] ? sum / d->humans[i] : NAN;
        eval_alpha_add(&d->unit[i], hv, H, 1);
        int inside = it->answer != SEMIO_ANSWER_MISSING && it->row < ev->nrows &&
                     it->sign < ev->nsigns;
        d->patient[i] = inside ? ev->patient[it->row] : -1;
        int8_t label = inside ? ev->labels[it->sign * ev->nrows + it->row] : SEMIO_LABEL_UNKNOWN;
        if (label == SEMIO_LABEL_UNKNOWN || it->answer > SEMIO_ANSWER_NA)
            d->verdict[i] = -1; /* a failed answer is neither: no answer to be right */
        else
            d->verdict[i] = (it->answer == SEMIO_ANSWER_YES && label == 1) ||
                            (it->answer == SEMIO_ANSWER_NO && label == 0);
    }
    return 0;
}

/* ---- one group of answers: a run's sign, or all its signs --------------------------- */

enum { FAITHFUL, MEAN_CORRECT, MEAN_WRONG, ALPHA, STATS };

/* The statistics of answers idx[0..n), each counted by its patient's draw in w (NULL: once). */
static void group_stats(const Derived *d, const size_t *idx, size_t n, const uint16_t *w,
                        double out[STATS])
{
    double correct = 0, faithful = 0, sum_correct = 0, wrong = 0, sum_wrong = 0;
    AlphaSums a = { 0 };
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        double wt = w ? w[d->patient[i]] : 1;
        if (wt == 0)
            continue;
        if (d->verdict[i] == 1) {
            correct += wt;
            sum_correct += wt * d->mean[i];
            faithful += wt * (d->mean[i] >= FAITHFUL_SCORE - 1e-9); /* a mean of 3 raters */
        } else if (d->verdict[i] == 0) {
            wrong += wt;
            sum_wrong += wt * d->mean[i];
        }
        eval_alpha_merge(&a, &d->unit[i], wt);
    }
    out[FAITHFUL] = correct ? faithful / correct : NAN;
    out[MEAN_CORRECT] = correct ? sum_correct / correct : NAN;
    out[MEAN_WRONG] = wrong ? sum_wrong / wrong : NAN;
    out[ALPHA] = eval_alpha_of(&a);
}

/* Intervals of the group's statistics over the resamples; boot holds STATS * B doubles. */
static void group_intervals(const Derived *d, const size_t *idx, size_t n,
                            const EvalResamples *rs, double *boot, SemioInterval ci[STATS])
{
    for (int k = 0; k < STATS; k++)
        ci[k] = (SemioInterval){ NAN, NAN, 0 };
    if (!rs->mult)
        return;
    for (size_t b = 0; b < rs->B; b++) {
        double v[STATS];
        group_stats(d, idx, n, rs->mult + b * rs->npatients, v);
        for (int k = 0; k < STATS; k++)
            boot[(size_t)k * rs->B + b] = v[k];
    }
    for (int k = 0; k < STATS; k++)
        ci[k] = eval_interval(boot + (size_t)k * rs->B, rs->B, rs->level);
}

static void fill_faith(const EvalRatings *r, const Derived *d, const size_t *idx, size_t n,
                       const EvalResamples *rs, double *boot, SemioFaithfulness *f)
{
    double v[STATS];
    SemioInterval ci[STATS];
    group_stats(d, idx, n, NULL, v);
    group_intervals(d, idx, n, rs, boot, ci);
    f->rated = (int64_t)n;
    for (size_t k = 0; k < n; k++) {
        f->correct += d->verdict[idx[k]] == 1;
        f->wrong += d->verdict[idx[k]] == 0;
        f->pairable += d->humans[idx[k]] >= 2;
    }
    for (size_t h = 0; h < r->nhumans; h++) {
        size_t k = 0;
        while (k < n && isnan(d->human[idx[k] * r->nhumans + h]))
            k++;
        f->raters += k < n;
    }
    f->faithful = v[FAITHFUL];
    f->mean_correct = v[MEAN_CORRECT];
    f->mean_wrong = v[MEAN_WRONG];
    f->alpha = v[ALPHA];
    f->faithful_ci = ci[FAITHFUL];
    f->mean_correct_ci = ci[MEAN_CORRECT];
    f->mean_wrong_ci = ci[MEAN_WRONG];
    f->alpha_ci = ci[ALPHA];
}

/* ---- a judge against the humans: alpha between its score and their mean ---------------- */

static double judge_alpha(const EvalRatings *r, const Derived *d, size_t judge,
                          const size_t *idx, size_t n, const uint16_t *w)
{
    AlphaSums a = { 0 };
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        double wt = w ? w[d->patient[i]] : 1;
        double pair[2] = { d->mean[i], r->scores[i * r->nraters + judge] };
        if (wt)
            eval_alpha_add(&a, pair, 2, wt);
    }
    return eval_alpha_of(&a);
}

static void fill_agreement(const EvalRatings *r, const Derived *d, size_t judge,
                           const size_t *idx, size_t n, const EvalResamples *rs, double *boot,
                           SemioJudgeAgreement *g)
{
    double sj = 0, sh = 0;
    for (size_t k = 0; k < n; k++) {
        sj += r->scores[idx[k] * r->nraters + judge];
        sh += d->mean[idx[k]];
    }
    g->answers = (int64_t)n;
    g->judge_mean = sj / (double)n;
    g->human_mean = sh / (double)n;
    g->alpha = judge_alpha(r, d, judge, idx, n, NULL);
    g->alpha_ci = (SemioInterval){ NAN, NAN, 0 };
    if (!rs->mult)
        return;
    for (size_t b = 0; b < rs->B; b++)
        boot[b] = judge_alpha(r, d, judge, idx, n, rs->mult + b * rs->npatients);
    g->alpha_ci = eval_interval(boot, rs->B, rs->level);
}

/* ---- all of it ------------------------------------------------------------------ */

static int alloc_results(EvalRatings *r, size_t nruns, size_t nsigns)
{
    free_results(r);
    r->nruns = nruns;
    r->nsigns = nsigns;
    size_t nf = nruns * (nsigns + 1), na = r->njudges * nruns;
    r->faith = calloc(nf + 1, sizeof(SemioFaithfulness));
    r->faith_set = calloc(nf + 1, 1);
    r->agree = calloc(na + 1, sizeof(SemioJudgeAgreement));
    r->agree_set = calloc(na + 1, 1);
    r->counts = calloc(nruns * 6 + 1, sizeof(int64_t));
    return r->faith && r->faith_set && r->agree && r->agree_set && r->counts ? 0 : -1;
}

/* Counts one run's human scores, and the rated answers it leaves out and why. */
static void count_run(const EvalRatings *r, const Derived *d, size_t run, SemioFaithfulness *all)
{
    for (size_t i = 0; i < r->nitems; i++) {
        const Item *it = &r->items[i];
        if (it->run != run || !d->humans[i])
            continue;
        if (it->answer == SEMIO_ANSWER_MISSING)
            all->left_out_gone++;
        else if (d->patient[i] < 0)
            all->left_out_outside++;
        for (size_t h = 0; d->patient[i] >= 0 && h < r->nhumans; h++) {
            double v = d->human[i * r->nhumans + h];
            if (!isnan(v))
                r->counts[run * 6 + (size_t)lround(v / 20)]++;
        }
    }
}

int eval_ratings_compute(SemioEval *ev, const EvalResamples *rs, SemioError *err)
{
    EvalRatings *r = ev->ratings;
    if (!r)
        return 0;
    Derived d;
    int rc = derive(ev, r, &d, err);
    if (rc < 0)
        return rc;
    size_t *idx = malloc((r->nitems + 1) * sizeof(size_t));
    double *boot = malloc((STATS * rs->B + 1) * sizeof(double));
    if (!idx || !boot || alloc_results(r, ev->nruns, ev->nsigns) < 0) {
        rc = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t S = ev->nsigns;
    for (size_t run = 0; run < ev->nruns; run++) {
        for (size_t s = 0; s <= S; s++) { /* s == S: all signs */
            size_t n = 0;
            for (size_t i = 0; i < r->nitems; i++)
                if (r->items[i].run == run && d.patient[i] >= 0 && d.humans[i] &&
                    (s == S || r->items[i].sign == s))
                    idx[n++] = i;
            SemioFaithfulness *f = &r->faith[run * (S + 1) + s];
            if (s == S)
                count_run(r, &d, run, f);
            if (n)
                fill_faith(r, &d, idx, n, rs, boot, f);
            r->faith_set[run * (S + 1) + s] = n || f->left_out_gone || f->left_out_outside;
            if (!n) { /* nothing rated: nothing to say, but what was left out */
                f->faithful = f->mean_correct = f->mean_wrong = f->alpha = NAN;
                f->faithful_ci = f->mean_correct_ci = f->mean_wrong_ci = f->alpha_ci =
                    (SemioInterval){ NAN, NAN, 0 };
            }
        }
        for (size_t j = 0; j < r->njudges; j++) {
            size_t judge = r->judges[j], n = 0;
            for (size_t i = 0; i < r->nitems; i++)
                if (r->items[i].run == run && d.patient[i] >= 0 && d.humans[i] &&
                    !isnan(r->scores[i * r->nraters + judge]))
                    idx[n++] = i;
            if (n)
                fill_agreement(r, &d, judge, idx, n, rs, boot, &r->agree[j * ev->nruns + run]);
            r->agree_set[j * ev->nruns + run] = n > 0;
        }
    }
done:
    free(idx);
    free(boot);
    derived_free(&d);
    return rc;
}

/* ---- results ---------------------------------------------------------------------- */

static const EvalRatings *results(const SemioEval *ev, size_t run)
{
    const EvalRatings *r = ev->ratings;
    return ev->computed && r && r->faith && run < r->nruns ? r : NULL;
}

const SemioFaithfulness *semio_eval_faithfulness(const SemioEval *ev, size_t run, size_t sign)
{
    const EvalRatings *r = results(ev, run);
    if (!r || (sign != SEMIO_EVAL_ALL_SIGNS && sign >= r->nsigns))
        return NULL;
    size_t at = run * (r->nsigns + 1) + (sign == SEMIO_EVAL_ALL_SIGNS ? r->nsigns : sign);
    return r->faith_set[at] ? &r->faith[at] : NULL;
}

void semio_eval_score_counts(const SemioEval *ev, size_t run, int64_t counts[6])
{
    const EvalRatings *r = results(ev, run);
    for (int k = 0; k < 6; k++)
        counts[k] = r ? r->counts[run * 6 + (size_t)k] : 0;
}

size_t semio_eval_judges(const SemioEval *ev)
{
    return ev->ratings ? ev->ratings->njudges : 0;
}

const char *semio_eval_judge_name(const SemioEval *ev, size_t judge)
{
    return judge < semio_eval_judges(ev) ? ev->ratings->names[ev->ratings->judges[judge]] : NULL;
}

const SemioJudgeAgreement *semio_eval_judge_agreement(const SemioEval *ev, size_t judge,
                                                      size_t run)
{
    const EvalRatings *r = results(ev, run);
    if (!r || judge >= r->njudges)
        return NULL;
    size_t at = judge * r->nruns + run;
    return r->agree_set[at] ? &r->agree[at] : NULL;
}
