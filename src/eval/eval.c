/*
 * An evaluation: labels of many recordings and signs, the answers of one or more runs,
 * their metrics, and a patient-clustered bootstrap shared by every run so that runs can
 * be compared pair by pair on the same resamples.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "eval/score.h"
#include "util/error.h"
#include "util/rng.h"

typedef EvalRun Run;

#define M SEMIO_METRIC_COUNT

void semio_eval_default_settings(SemioEvalSettings *s)
{
    s->rules = SEMIO_RULES_PILOT;
    s->resamples = 10000;
    s->seed = 1;
    s->level = 0.95;
}

static int index_of(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    return -1;
}

int semio_eval_open(SemioEval **out, size_t nrows, const char *const *row_names,
                   const char *const *patients, size_t nsigns, const char *const *signs,
                   const char *const *group_of_sign, const int8_t *labels, SemioError *err)
{
    *out = NULL;
    SemioEval *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    ev->nrows = nrows;
    ev->nsigns = nsigns;
    semio_eval_default_settings(&ev->set);
    ev->row_names = calloc(nrows, sizeof(char *));
    ev->patient_names = calloc(nrows, sizeof(char *));
    ev->patient = calloc(nrows, sizeof(int));
    ev->signs = calloc(nsigns, sizeof(char *));
    ev->group_names = calloc(nsigns + 1, sizeof(char *));
    ev->sign_group = calloc(nsigns, sizeof(int));
    ev->labels = malloc(nrows * nsigns + 1);
    ev->raters = calloc(nsigns + 1, sizeof(int));
    ev->rater_ties = calloc(nsigns + 1, sizeof(int));
    ev->rater_kappa = calloc(nsigns + 1, sizeof(double));
    int nomem = !ev->row_names || !ev->patient_names || !ev->patient || !ev->signs ||
                !ev->group_names || !ev->sign_group || !ev->labels || !ev->raters ||
                !ev->rater_ties || !ev->rater_kappa;
    if (!nomem) {
        memcpy(ev->labels, labels, nrows * nsigns);
        nomem = !(ev->group_names[ev->ngroups++] = strdup("all"));
    }
    for (size_t r = 0; r < nrows && !nomem; r++) {
        nomem = !(ev->row_names[r] = strdup(row_names[r]));
        int p = index_of(ev->patient_names, ev->npatients, patients[r]);
        if (p < 0 && !nomem) {
            nomem = !(ev->patient_names[ev->npatients] = strdup(patients[r]));
            p = (int)ev->npatients++;
        }
        ev->patient[r] = p;
    }
    for (size_t s = 0; s < nsigns && !nomem; s++) {
        nomem = !(ev->signs[s] = strdup(signs[s]));
        const char *g = group_of_sign ? group_of_sign[s] : NULL;
        ev->sign_group[s] = g ? index_of(ev->group_names, ev->ngroups, g) : -1;
        if (g && ev->sign_group[s] < 0 && !nomem) {
            nomem = !(ev->group_names[ev->ngroups] = strdup(g));
            ev->sign_group[s] = (int)ev->ngroups++;
        }
    }
    if (nomem) {
        semio_eval_close(&ev);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    *out = ev;
    return 0;
}

static void free_run(Run *r)
{
    free(r->name);
    free(r->provenance);
    free(r->answers);
    free(r->metrics);
    free(r->ci);
    free(r->macro);
    free(r->macro_ci);
    free(r->f1_boot);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

void semio_eval_close(SemioEval **pev)
{
    SemioEval *ev = *pev;
    if (!ev)
        return;
    free_names(ev->row_names, ev->nrows);
    free_names(ev->patient_names, ev->npatients);
    free_names(ev->signs, ev->nsigns);
    free_names(ev->group_names, ev->ngroups);
    free(ev->patient);
    free(ev->sign_group);
    free(ev->labels);
    free(ev->raters);
    free(ev->rater_ties);
    free(ev->rater_kappa);
    eval_ratings_free(ev->ratings);
    eval_onsets_free(ev->onsets);
    for (size_t i = 0; i < ev->nruns; i++)
        free_run(&ev->runs[i]);
    free(ev->runs);
    free(ev);
    *pev = NULL;
}

int semio_eval_add_run(SemioEval *ev, const char *name, const char *provenance,
                       const uint8_t *answers, SemioError *err)
{
    for (size_t i = 0; i < ev->nrows * ev->nsigns; i++)
        if (answers[i] > SEMIO_ANSWER_MISSING)
            return semio_fail(err, SEMIO_ERR_INVALID, "run %s: answer %d is not a SemioAnswer",
                              name, answers[i]);
    Run *runs = realloc(ev->runs, (ev->nruns + 1) * sizeof(Run));
    if (!runs)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    ev->runs = runs;
    Run *r = memset(&runs[ev->nruns], 0, sizeof(Run));
    r->name = strdup(name);
    r->provenance = strdup(provenance ? provenance : "");
    r->answers = malloc(ev->nrows * ev->nsigns + 1);
    if (!r->name || !r->provenance || !r->answers) {
        free_run(r);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    memcpy(r->answers, answers, ev->nrows * ev->nsigns);
    ev->nruns++;
    ev->computed = 0;
    return 0;
}

/* ---- the bootstrap ------------------------------------------------------ */

/* Rearranges v so that v[k] is the k-th smallest and nothing before it is larger
 * (quickselect with a median-of-three pivot: O(n), where sorting was 60% of eval). */
static double select_kth(double *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

double semio_quantile(double *v, size_t count, double q)
{
    int n = (int)count;
    if (n == 0)
        return NAN;
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    double a = select_kth(v, n, lo);
    if (lo + 1 >= n)
        return a;
    double b = v[lo + 1]; /* the next order statistic: the least of what follows */
    for (int i = lo + 2; i < n; i++)
        if (v[i] < b)
            b = v[i];
    return a + (h - lo) * (b - a);
}

/* Percentile interval of the defined values (numpy's default linear interpolation). */
SemioInterval eval_interval(double *v, size_t n, double level)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    SemioInterval ci = { NAN, NAN, k };
    if (k == 0)
        return ci;
    ci.lo = semio_quantile(v, (size_t)k, (1 - level) / 2);
    ci.hi = semio_quantile(v, (size_t)k, 1 - (1 - level) / 2);
    return ci;
}

/* Mean of the defined values per_sign[s] over the signs of group g (0: all). */
static double group_mean(const SemioEval *ev, int g, const double *per_sign)
{
    double sum = 0;
    int n = 0;
    for (size_t s = 0; s < ev->nsigns; s++) {
        double v = per_sign[s];
        if ((g == 0 || ev->sign_group[s] == g) && !isnan(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / n : NAN;
}

static int bootstrap_run(SemioEval *ev, Run *run, const uint16_t *mult, int8_t *cells,
                         SemioError *err)
{
    size_t B = (size_t)ev->set.resamples, S = ev->nsigns, G = ev->ngroups, R = ev->nrows;
    double *vals = malloc(S * M * B * sizeof(double));
    double *mvals = malloc(G * M * B * sizeof(double));
    double *point = malloc(S * M * sizeof(double));
    run->f1_boot = malloc(S * B * sizeof(double));
    if (!vals || !mvals || !point || !run->f1_boot) {
        free(vals);
        free(mvals);
        free(point);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory for the bootstrap");
    }
    for (size_t s = 0; s < S; s++)
        for (size_t r = 0; r < R; r++)
            cells[s * R + r] = (int8_t)semio_cell(ev->labels[s * R + r],
                                                  run->answers[s * R + r], ev->set.rules, NULL);
    for (size_t b = 0; b < B; b++) {
        const uint16_t *w = mult + b * ev->npatients;
        for (size_t s = 0; s < S; s++) {
            double c[SEMIO_CELLS] = { 0 }, v[M];
            const int8_t *cs = cells + s * R;
            for (size_t r = 0; r < R; r++)
                if (cs[r] >= 0)
                    c[cs[r]] += w[ev->patient[r]];
            semio_metrics_from_cells(c, v);
            for (int m = 0; m < M; m++) {
                vals[(s * M + (size_t)m) * B + b] = v[m];
                point[(size_t)m * S + s] = v[m];
            }
            run->f1_boot[s * B + b] = v[SEMIO_METRIC_F1];
        }
        for (size_t g = 0; g < G; g++)
            for (int m = 0; m < M; m++)
                mvals[(g * M + (size_t)m) * B + b] =
                    group_mean(ev, (int)g, point + (size_t)m * S);
    }
    for (size_t i = 0; i < S * M; i++)
        run->ci[i] = eval_interval(vals + i * B, B, ev->set.level);
    for (size_t i = 0; i < G * M; i++)
        run->macro_ci[i] = eval_interval(mvals + i * B, B, ev->set.level);
    free(vals);
    free(mvals);
    free(point);
    return 0;
}

int semio_eval_compute(SemioEval *ev, const SemioEvalSettings *set, SemioError *err)
{
    if (set)
        ev->set = *set;
    if (ev->set.resamples < 0 || ev->set.resamples > 10000000)
        return semio_fail(err, SEMIO_ERR_INVALID, "resamples must be between 0 and 10000000");
    if (!(ev->set.level > 0 && ev->set.level < 1))
        return semio_fail(err, SEMIO_ERR_INVALID, "confidence level must be between 0 and 1");
    if ((unsigned)ev->set.rules > SEMIO_RULES_STRICT)
        return semio_fail(err, SEMIO_ERR_INVALID, "unknown rules");
    size_t S = ev->nsigns, G = ev->ngroups, B = (size_t)ev->set.resamples;
    for (size_t i = 0; i < ev->nruns; i++) {
        Run *run = &ev->runs[i];
        free(run->metrics);
        free(run->ci);
        free(run->macro);
        free(run->macro_ci);
        free(run->f1_boot);
        run->f1_boot = NULL;
        run->metrics = calloc(S, sizeof(SemioMetrics));
        run->ci = calloc(S * M, sizeof(SemioInterval));
        run->macro = calloc(G * M, sizeof(double));
        run->macro_ci = calloc(G * M, sizeof(SemioInterval));
        if (!run->metrics || !run->ci || !run->macro || !run->macro_ci)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (size_t s = 0; s < S; s++)
            semio_score(ev->labels + s * ev->nrows, run->answers + s * ev->nrows, ev->nrows,
                        ev->set.rules, &run->metrics[s]);
        double *per_sign = malloc((S + 1) * sizeof(double));
        if (!per_sign)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (int m = 0; m < M; m++) {
            for (size_t s = 0; s < S; s++)
                per_sign[s] = run->metrics[s].value[m];
            for (size_t g = 0; g < G; g++) {
                run->macro[g * M + (size_t)m] = group_mean(ev, (int)g, per_sign);
                run->macro_ci[g * M + (size_t)m] = (SemioInterval){ NAN, NAN, 0 };
            }
        }
        free(per_sign);
        for (size_t k = 0; k < S * M; k++)
            run->ci[k] = (SemioInterval){ NAN, NAN, 0 };
    }
    if (B == 0 || ev->npatients == 0) {
        EvalResamples none = { NULL, 0, ev->npatients, ev->set.level };
        int r = eval_ratings_compute(ev, &none, err);
        if (r == 0)
            r = eval_onsets_compute(ev, &none, err);
        ev->computed = r == 0;
        return r;
    }
    /* One set of patient resamples for every run: comparisons are paired. */
    uint16_t *mult = calloc(B * ev->npatients, sizeof(uint16_t));
    int8_t *cells = malloc(S * ev->nrows + 1);
    if (!mult || !cells) {
        free(mult);
        free(cells);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory for the bootstrap");
    }
    SemioRng g; /* xoshiro256**: fast, well tested, and the same everywhere */
    semio_rng_seed(&g, ev->set.seed);
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < ev->npatients; i++)
            mult[b * ev->npatients + semio_rng_below(&g, (uint32_t)ev->npatients)]++;
    int r = 0;
    for (size_t i = 0; i < ev->nruns && r == 0; i++)
        r = bootstrap_run(ev, &ev->runs[i], mult, cells, err);
    /* what raters said, on the same resamples: its intervals pair with the metrics' */
    EvalResamples rs = { mult, B, ev->npatients, ev->set.level };
    if (r == 0)
        r = eval_ratings_compute(ev, &rs, err);
    if (r == 0)
        r = eval_onsets_compute(ev, &rs, err);
    free(mult);
    free(cells);
    ev->computed = r == 0;
    return r;
}

/* ---- results ----------------------------------------------------------- */

size_t semio_eval_runs(const SemioEval *ev) { return ev->nruns; }
size_t semio_eval_signs(const SemioEval *ev) { return ev->nsigns; }
size_t semio_eval_patients(const SemioEval *ev) { return ev->npatients; }
size_t semio_eval_groups(const SemioEval *ev) { return ev->ngroups; }
const char *semio_eval_group(const SemioEval *ev, size_t g) { return ev->group_names[g]; }
const char *semio_eval_run_name(const SemioEval *ev, size_t run) { return ev->runs[run].name; }
const char *semio_eval_sign(const SemioEval *ev, size_t sign) { return ev->signs[sign]; }
const SemioEvalSettings *semio_eval_settings(const SemioEval *ev) { return &ev->set; }

int semio_eval_run_derived(const SemioEval *ev, size_t run)
{
    return ev->runs[run].derived;
}

const char *semio_eval_run_provenance(const SemioEval *ev, size_t run)
{
    return ev->runs[run].provenance;
}

const char *semio_eval_sign_group(const SemioEval *ev, size_t sign)
{
    return ev->sign_group[sign] > 0 ? ev->group_names[ev->sign_group[sign]] : "";
}

int semio_eval_row_patient(const SemioEval *ev, size_t row)
{
    return row < ev->nrows ? ev->patient[row] : -1;
}

void semio_eval_set_agreement(SemioEval *ev, size_t sign, int raters, double kappa, int ties)
{
    if (sign >= ev->nsigns)
        return;
    ev->raters[sign] = raters;
    ev->rater_kappa[sign] = kappa;
    ev->rater_ties[sign] = ties;
}

int semio_eval_agreement(const SemioEval *ev, size_t sign, double *kappa, int *ties)
{
    if (sign >= ev->nsigns)
        return 0;
    if (kappa)
        *kappa = ev->rater_kappa[sign];
    if (ties)
        *ties = ev->rater_ties[sign];
    return ev->raters[sign];
}

const SemioMetrics *semio_eval_metrics(const SemioEval *ev, size_t run, size_t sign)
{
    return ev->computed ? &ev->runs[run].metrics[sign] : NULL;
}

const SemioInterval *semio_eval_interval(const SemioEval *ev, size_t run, size_t sign,
                                         SemioMetricId m)
{
    return ev->computed ? &ev->runs[run].ci[sign * M + m] : NULL;
}

double semio_eval_macro(const SemioEval *ev, size_t run, size_t group, SemioMetricId m,
                        SemioInterval *ci)
{
    if (!ev->computed)
        return NAN;
    if (ci)
        *ci = ev->runs[run].macro_ci[group * M + m];
    return ev->runs[run].macro[group * M + m];
}

double semio_mcnemar_exact(int64_t b, int64_t c)
{
    int64_t n = b + c, k = b < c ? b : c;
    if (n == 0)
        return 1.0;
    /* 2 * P(X <= k), X ~ Binomial(n, 1/2), summed in log space for large n. */
    double sum = 0, logc = 0; /* log C(n, 0) */
    for (int64_t i = 0; i <= k; i++) {
        if (i > 0)
            logc += log((double)(n - i + 1)) - log((double)i);
        sum += exp(logc - (double)n * M_LN2);
    }
    double p = 2 * sum;
    return p < 1 ? p : 1.0;
}

int semio_eval_compare(const SemioEval *ev, size_t a, size_t b, size_t sign,
                       SemioComparison *out, SemioError *err)
{
    if (!ev->computed)
        return semio_fail(err, SEMIO_ERR_INVALID, "compare: compute the evaluation first");
    if (a >= ev->nruns || b >= ev->nruns || sign >= ev->nsigns)
        return semio_fail(err, SEMIO_ERR_INVALID, "compare: no such run or sign");
    memset(out, 0, sizeof(*out));
    const Run *ra = &ev->runs[a], *rb = &ev->runs[b];
    out->delta_f1 = rb->metrics[sign].value[SEMIO_METRIC_F1] -
                    ra->metrics[sign].value[SEMIO_METRIC_F1];
    size_t R = ev->nrows, B = (size_t)ev->set.resamples;
    for (size_t r = 0; r < R; r++) {
        int8_t label = ev->labels[sign * R + r];
        int ca = semio_cell(label, ra->answers[sign * R + r], ev->set.rules, NULL);
        int cb = semio_cell(label, rb->answers[sign * R + r], ev->set.rules, NULL);
        if (ca < 0 || cb < 0)
            continue; /* a pair needs both answers */
        int oka = ca == 0 || ca == 4, okb = cb == 0 || cb == 4;
        out->a_only += oka && !okb;
        out->b_only += okb && !oka;
    }
    out->mcnemar_p = semio_mcnemar_exact(out->a_only, out->b_only);
    out->delta_ci = (SemioInterval){ NAN, NAN, 0 };
    if (B && ra->f1_boot && rb->f1_boot) {
        double *d = malloc(B * sizeof(double));
        if (!d)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < B; i++)
            d[i] = rb->f1_boot[sign * B + i] - ra->f1_boot[sign * B + i];
        out->delta_ci = eval_interval(d, B, ev->set.level);
        free(d);
    }
    return 0;
}

/* ---- patient level ------------------------------------------------------ */

int semio_eval_by_patient(const SemioEval *ev, SemioAggregateRule rule, int k, SemioEval **out,
                          SemioError *err)
{
    *out = NULL;
    size_t P = ev->npatients, S = ev->nsigns, R = ev->nrows;
    int8_t *labels = malloc(P * S + 1);
    uint8_t *answers = malloc(P * S + 1), *a = malloc(R + 1), *merged = malloc(P * S + 1);
    double *p = malloc((R + 1) * sizeof(double));
    const char **names = calloc(P + 1, sizeof(char *)), **groups = calloc(S + 1, sizeof(char *));
    int r = 0;
    if (!labels || !answers || !a || !merged || !p || !names || !groups) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < P; i++)
        names[i] = ev->patient_names[i];
    for (size_t s = 0; s < S; s++) {
        groups[s] = ev->sign_group[s] > 0 ? ev->group_names[ev->sign_group[s]] : NULL;
        for (size_t i = 0; i < P; i++) {
            int yes = 0, no = 0;
            for (size_t row = 0; row < R; row++)
                if (ev->patient[row] == (int)i) {
                    yes += ev->labels[s * R + row] == 1;
                    no += ev->labels[s * R + row] == 0;
                }
            /* A patient shows a sign if any recording does; "no" needs every label known. */
            labels[s * P + i] = yes ? 1 : no ? 0 : SEMIO_LABEL_UNKNOWN;
        }
    }
    if ((r = semio_eval_open(out, P, names, names, S, (const char *const *)ev->signs, groups,
                            labels, err)) < 0)
        goto done;
    for (size_t run = 0; run < ev->nruns && r == 0; run++) {
        for (size_t s = 0; s < S; s++)
            for (size_t i = 0; i < P; i++) {
                size_t n = 0;
                for (size_t row = 0; row < R; row++)
                    if (ev->patient[row] == (int)i) {
                        a[n] = ev->runs[run].answers[s * R + row];
                        /* the recordings' own decisions stand in for P(yes) */
                        p[n] = a[n] == SEMIO_ANSWER_YES ? 1 : a[n] == SEMIO_ANSWER_NO ? 0 : NAN;
                        n++;
                    }
                semio_aggregate(rule, k, 0.5, a, p, n, &merged[s * P + i], NULL);
            }
        char prov[2300];
        snprintf(prov, sizeof(prov), "%s; recordings merged per patient (%s)",
                 ev->runs[run].provenance,
                 rule == SEMIO_AGG_MEAN_P ? "mean, yes at >= 0.5" : "max: any yes");
        r = semio_eval_add_run(*out, ev->runs[run].name, prov, merged, err);
    }
    if (r < 0)
        semio_eval_close(out);
done:
    free(labels);
    free(answers);
    free(a);
    free(merged);
    free(p);
    free(names);
    free(groups);
    return r;
}

/* Runs derived from P(yes): thresholded at 0.5 and, if asked, tuned on folds. */
int semio_eval_add_p_runs(SemioEval *ev, const char *base, const double *p_yes, int folds,
                          uint64_t seed, SemioError *err)
{
    size_t nsigns = ev->nsigns, nrows = ev->nrows;
    const int8_t *labels = ev->labels;
    uint8_t *ans = malloc(nsigns * nrows + 1);
    int *patient = malloc((nrows + 1) * sizeof(int));
    char *prov = malloc(8192);
    int r = 0;
    if (!ans || !patient || !prov) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nsigns * nrows; i++)
        ans[i] = isnan(p_yes[i]) ? SEMIO_ANSWER_MISSING
               : p_yes[i] >= 0.5 ? SEMIO_ANSWER_YES : SEMIO_ANSWER_NO;
    char name[300];
    snprintf(name, sizeof(name), "%s P>=0.5", base);
    snprintf(prov, 8192, "P(yes) columns of %s, fixed threshold 0.5", base);
    /* Too few patients to hold any out: no tuned run rather than a dishonest one. */
    if ((r = semio_eval_add_run(ev, name, prov, ans, err)) < 0)
        goto done;
    ev->runs[ev->nruns - 1].derived = 1;
    if (folds < 2 || ev->npatients < (size_t)folds)
        goto done;
    for (size_t i = 0; i < nrows; i++)
        patient[i] = semio_eval_row_patient(ev, i);
    size_t w = (size_t)snprintf(prov, 8192, "P(yes) columns of %s, threshold tuned for F1 on "
                                            "%d patient-stratified folds (seed %llu), applied "
                                            "to the held-out fold; thresholds per fold:",
                                base, folds, (unsigned long long)seed);
    for (size_t s = 0; s < nsigns && r == 0; s++) {
        int any = 0;
        for (size_t i = 0; i < nrows; i++)
            any |= !isnan(p_yes[s * nrows + i]);
        if (!any) {
            memset(ans + s * nrows, SEMIO_ANSWER_MISSING, nrows);
            continue;
        }
        double th[64];
        if (folds > 64) {
            r = semio_fail(err, SEMIO_ERR_INVALID, "at most 64 folds");
            break;
        }
        r = semio_tune_threshold(labels + s * nrows, p_yes + s * nrows, patient, nrows,
                                 folds, seed, ans + s * nrows, th, err);
        if (w < 8000)
            w += (size_t)snprintf(prov + w, 8192 - w, " %s", semio_eval_sign(ev, s));
        for (int f = 0; f < folds && w < 8000; f++)
            w += (size_t)snprintf(prov + w, 8192 - w, "%s%.3g", f ? "/" : " ", th[f]);
    }
    snprintf(name, sizeof(name), "%s tuned", base);
    if (r == 0 && (r = semio_eval_add_run(ev, name, prov, ans, err)) == 0)
        ev->runs[ev->nruns - 1].derived = 1;
done:
    free(ans);
    free(patient);
    free(prov);
    return r;
}

