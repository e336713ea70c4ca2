/*
 * The evaluation's insides, shared by its parts: eval.c (labels, runs, metrics and the
 * patient bootstrap), ratings.c (what raters said about the answers) and onset.c (the
 * seizure onsets runs claimed). Each part reads the same patient resamples.
 */
#ifndef SEMIO_EVAL_INTERNAL_H
#define SEMIO_EVAL_INTERNAL_H

#include "semio/eval.h"

typedef struct EvalRatings EvalRatings;
typedef struct EvalOnsets EvalOnsets;

typedef struct EvalRun {
    char *name, *provenance;
    int derived;             /* added by semio_eval_add_p_runs */
    uint8_t *answers;        /* [sign * nrows + row] */
    SemioMetrics *metrics;   /* [sign] */
    SemioInterval *ci;       /* [sign * M + metric] */
    double *macro;           /* [group * M + metric] */
    SemioInterval *macro_ci; /* [group * M + metric] */
    double *f1_boot;         /* [sign * B + resample], kept for paired comparisons */
} EvalRun;

struct SemioEval {
    size_t nrows, nsigns, npatients, ngroups, nruns;
    char **row_names, **patient_names, **signs, **group_names;
    int *patient;    /* row -> patient index */
    int *sign_group; /* sign -> group index (0 is "all"), -1 none */
    int8_t *labels;  /* [sign * nrows + row] */
    int *raters;     /* per sign: raters behind the label (0: one label column) */
    double *rater_kappa;
    int *rater_ties;
    EvalRun *runs;
    EvalRatings *ratings; /* NULL until raters are named */
    EvalOnsets *onsets;   /* NULL until an onset is added */
    SemioEvalSettings set;
    int computed;
};

/*
 * The patient resamples every statistic shares: mult[b * npatients + p] is how many times
 * patient p is drawn in resample b (B = set.resamples of them). NULL when there are none
 * (no resamples asked, or no patients).
 */
typedef struct EvalResamples {
    const uint16_t *mult;
    size_t B, npatients;
    double level;
} EvalResamples;

/* The percentile interval of the defined (not NaN) values of v[0..n); reorders v. */
SemioInterval eval_interval(double *v, size_t n, double level);

/* Krippendorff's alpha (interval) from the sums over pairable units, each unit counted
 * `w` times: n = sum w*m (values), sum = sum w*S, sumsq = sum w*Q, within = sum w*D
 * where D = sum over ordered pairs i != j in the unit of (v_i - v_j)^2 / (m - 1). */
typedef struct AlphaSums {
    double n, sum, sumsq, within;
} AlphaSums;

/* Adds a unit, counted w times: its values are v[0..n) less the NaNs (none given); a unit
 * of fewer than two values adds nothing. */
void eval_alpha_add(AlphaSums *a, const double *v, size_t n, double w);
/* Adds sums made by eval_alpha_add (a unit's, say) counted w times: a resample's cost. */
void eval_alpha_merge(AlphaSums *a, const AlphaSums *unit, double w);
double eval_alpha_of(const AlphaSums *a);

/* The parts' statistics, from the evaluation's runs, rows and resamples; and their memory. */
int eval_ratings_compute(SemioEval *ev, const EvalResamples *rs, SemioError *err);
void eval_ratings_free(EvalRatings *r);
int eval_onsets_compute(SemioEval *ev, const EvalResamples *rs, SemioError *err);
void eval_onsets_free(EvalOnsets *o);

#endif
