/*
 * Scoring answers against expert labels: per-sign metrics under the pilot study's
 * rules (or stricter ones), patient-clustered bootstrap confidence intervals, macro
 * averages per sign group, and paired comparisons of runs.
 */
#ifndef SEMIO_EVAL_H
#define SEMIO_EVAL_H

#include "semio/answer.h"
#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * How rows that are not a plain yes/no answer are scored. In every rule set rows
 * with an unknown label, and missing answers, are left out and counted.
 *
 * SEMIO_RULES_PILOT (default) reproduces the pilot study's published numbers:
 *   failed answers are left out; "na" stays in as a class of its own (always wrong).
 *   With no "na" left, precision/recall/F1/specificity are binary with "yes" as the
 *   positive class; with an "na" answer present they are macro averages over the
 *   classes present in labels and answers (scikit-learn's behaviour when a binary
 *   average is impossible), undefined ratios counting as 0.
 * SEMIO_RULES_BINARY: "na" and failed answers are both left out; binary metrics.
 * SEMIO_RULES_STRICT: every labeled row counts; "na" and failed answers count as the
 *   wrong answer (a false negative on a "yes" label, a false positive on a "no").
 */
typedef enum SemioRules {
    SEMIO_RULES_PILOT = 0,
    SEMIO_RULES_BINARY = 1,
    SEMIO_RULES_STRICT = 2,
} SemioRules;

/** Parses "pilot", "binary" or "strict" (any case) into *out; SEMIO_ERR_INVALID otherwise. */
SEMIO_API int semio_rules_parse(const char *name, SemioRules *out);
SEMIO_API const char *semio_rules_name(SemioRules rules);

typedef enum SemioMetricId {
    SEMIO_METRIC_ACCURACY,
    SEMIO_METRIC_PRECISION,
    SEMIO_METRIC_RECALL,
    SEMIO_METRIC_F1,
    SEMIO_METRIC_SPECIFICITY,
    SEMIO_METRIC_BALANCED_ACCURACY,
    SEMIO_METRIC_KAPPA,
    SEMIO_METRIC_COUNT
} SemioMetricId;

/** "accuracy", "precision", ... */
SEMIO_API const char *semio_metric_name(SemioMetricId m);

typedef struct SemioMetrics {
    double value[SEMIO_METRIC_COUNT]; /**< NaN where undefined (kappa with one class) */
    int64_t support;          /**< rows scored */
    int64_t positives;        /**< rows labeled yes, whatever their answer (the pilot's "Positive Num") */
    int64_t tp, fp, tn, fn;   /**< yes-vs-rest counts of the scored rows ("na" is never yes) */
    int64_t na_answers;       /**< scored rows answered "na" */
    int64_t excluded_unknown; /**< rows whose label is unknown */
    int64_t excluded_failed;  /**< failed answers left out */
    int64_t excluded_na;      /**< "na" answers left out */
    int64_t excluded_missing; /**< rows with no answer at all */
    int averaged;             /**< 1 when the pilot's rule macro-averaged over classes */
} SemioMetrics;

/** Scores n rows of one sign. */
SEMIO_API void semio_score(const int8_t *labels, const uint8_t *answers, size_t n, SemioRules rules,
                 SemioMetrics *out);

/** A two-sided percentile interval from the bootstrap; `defined` resamples had a value. */
typedef struct SemioInterval {
    double lo, hi;
    int defined;
} SemioInterval;

/* ---- an evaluation: rows x signs, labels, one or more runs ---------------- */

typedef struct SemioEvalSettings {
    SemioRules rules;
    int resamples;       /**< bootstrap resamples of patients (default 10000; 0 = none) */
    uint64_t seed;       /**< bootstrap seed (default 1) */
    double level;        /**< confidence level (default 0.95) */
} SemioEvalSettings;

SEMIO_API void semio_eval_default_settings(SemioEvalSettings *s);

typedef struct SemioEval SemioEval;

/**
 * Starts an evaluation over `nrows` recordings with their patients (clusters for the
 * bootstrap) and `nsigns` signs; labels[s * nrows + r] is the label of sign s in row r.
 * group_of_sign[s] names each sign's group ("limb", "facial", "audio"; NULL = none).
 * Everything is copied.
 */
SEMIO_API int semio_eval_open(SemioEval **out, size_t nrows, const char *const *row_names,
                   const char *const *patients, size_t nsigns, const char *const *signs,
                   const char *const *group_of_sign, const int8_t *labels, SemioError *err);
SEMIO_API void semio_eval_close(SemioEval **ev);

/** Adds a run: answers[s * nrows + r], SemioAnswer values. `provenance` is free text. */
SEMIO_API int semio_eval_add_run(SemioEval *ev, const char *name, const char *provenance,
                       const uint8_t *answers, SemioError *err);

/** Scores every run and sign, draws the bootstrap, fills everything below. */
SEMIO_API int semio_eval_compute(SemioEval *ev, const SemioEvalSettings *s, SemioError *err);

SEMIO_API size_t semio_eval_runs(const SemioEval *ev);
SEMIO_API size_t semio_eval_signs(const SemioEval *ev);
SEMIO_API size_t semio_eval_patients(const SemioEval *ev);
SEMIO_API const char *semio_eval_run_name(const SemioEval *ev, size_t run);
SEMIO_API const char *semio_eval_run_provenance(const SemioEval *ev, size_t run);

/** 1 for a run semio_eval_add_p_runs derived from another's P(yes) ("R P>=0.5", "R tuned"). */
SEMIO_API int semio_eval_run_derived(const SemioEval *ev, size_t run);
SEMIO_API const char *semio_eval_sign(const SemioEval *ev, size_t sign);
SEMIO_API const char *semio_eval_sign_group(const SemioEval *ev, size_t sign);
SEMIO_API const SemioEvalSettings *semio_eval_settings(const SemioEval *ev);

/** Patient index (0..patients-1) of a row. */
SEMIO_API int semio_eval_row_patient(const SemioEval *ev, size_t row);

/** Records that a sign's labels are the majority of `raters` raters, who agreed with
 *  Fleiss' kappa `kappa`; `ties` rows had no majority (their label is unknown). */
SEMIO_API void semio_eval_set_agreement(SemioEval *ev, size_t sign, int raters, double kappa, int ties);

/** Raters behind a sign's labels (0 when they came from one column), kappa and ties. */
SEMIO_API int semio_eval_agreement(const SemioEval *ev, size_t sign, double *kappa, int *ties);

/** Metrics of one run on one sign, and their intervals (valid after compute). */
SEMIO_API const SemioMetrics *semio_eval_metrics(const SemioEval *ev, size_t run, size_t sign);
SEMIO_API const SemioInterval *semio_eval_interval(const SemioEval *ev, size_t run, size_t sign,
                                         SemioMetricId m);

/** Groups for macro averages: "all", then every group name in catalog order. */
SEMIO_API size_t semio_eval_groups(const SemioEval *ev);
SEMIO_API const char *semio_eval_group(const SemioEval *ev, size_t group);

/** Mean of a metric over the signs of a group where it is defined, with its interval. */
SEMIO_API double semio_eval_macro(const SemioEval *ev, size_t run, size_t group, SemioMetricId m,
                        SemioInterval *ci);

/** A paired comparison of two runs on one sign. */
typedef struct SemioComparison {
    double delta_f1;          /**< F1(b) - F1(a) */
    SemioInterval delta_ci;   /**< bootstrap interval of the difference (same resamples) */
    int64_t a_only, b_only;   /**< rows only a (only b) answered correctly */
    double mcnemar_p;         /**< exact two-sided McNemar p-value */
} SemioComparison;

SEMIO_API int semio_eval_compare(const SemioEval *ev, size_t run_a, size_t run_b, size_t sign,
                       SemioComparison *out, SemioError *err);

/**
 * The q-quantile (0..1) of n values with numpy.percentile's default linear
 * interpolation; reorders the values. NaN when n is 0.
 */
SEMIO_API double semio_quantile(double *values, size_t n, double q);

/** Exact two-sided McNemar test: binomial(b + c, 1/2) on the discordant pairs. */
SEMIO_API double semio_mcnemar_exact(int64_t b, int64_t c);

/* ---- what raters said: faithfulness of justifications, judges, onset ---------- */

/** The sign index that stands for all of a run's signs together. */
#define SEMIO_EVAL_ALL_SIGNS ((size_t)-1)

/**
 * Krippendorff's alpha with the interval metric (squared differences) for `units` units
 * rated by `coders` coders: values[u * coders + c], NaN where coder c did not rate unit
 * u. Units with fewer than two values are left out (nothing to pair). NaN when undefined:
 * fewer than two pairable values, or no variation among them (every value the same).
 */
SEMIO_API double semio_krippendorff_alpha(const double *values, size_t units, size_t coders);

/**
 * Names the raters whose scores semio_eval_add_rated hands over: raters[i] with judge[i]
 * 1 for a model judge, 0 for a person. Judges are compared with the human raters and never
 * counted among them. Call once, before any semio_eval_add_rated.
 */
SEMIO_API int semio_eval_set_raters(SemioEval *ev, size_t n, const char *const *names,
                                    const int *judge, SemioError *err);

/**
 * Adds one answer of run `run` that raters scored for the faithfulness of its
 * justification: its recording (row), sign and own answer (a window's answer, before any
 * merging), and scores[i] from rater i (0-100, NaN where rater i gave none). It is correct
 * when it agrees with the recording's label (yes with yes, no with no), wrong when the
 * label is known and it does not ("na" is never right). An answer no longer in the study
 * is SEMIO_ANSWER_MISSING; a row or sign outside the evaluation (no label row, a sign
 * not scored) is out of range: both are counted as left out, and nothing else.
 */
SEMIO_API int semio_eval_add_rated(SemioEval *ev, size_t run, size_t row, size_t sign,
                                   uint8_t answer, const double *scores, SemioError *err);

/**
 * The faithfulness of one run's justifications on one sign (SEMIO_EVAL_ALL_SIGNS: all of
 * them), after compute. An answer's score is the mean of its human raters' scores: the
 * pilot's measure, "the justifications of correctly predicted cases rated >= 60%
 * faithful", is the share of correct answers whose mean is at least 60.
 */
typedef struct SemioFaithfulness {
    int64_t rated;           /**< answers with a human score */
    int64_t correct, wrong;  /**< of them, answers that agree (do not) with a known label */
    int raters;              /**< human raters who scored any of them */
    int64_t pairable;        /**< answers scored by two humans or more: alpha's units */
    double faithful;         /**< share of the correct ones scored >= 60 (NaN: none correct) */
    double mean_correct;     /**< mean score of the correct ones */
    double mean_wrong;       /**< mean score of the wrong ones */
    double alpha;            /**< Krippendorff's alpha (interval) among the human raters */
    SemioInterval faithful_ci, mean_correct_ci, mean_wrong_ci, alpha_ci;
    int64_t left_out_gone;    /**< rated answers no longer in the study (all signs only) */
    int64_t left_out_outside; /**< rated answers outside the evaluation (all signs only) */
} SemioFaithfulness;

/** NULL when the run has no rated answer on that sign (nor, for all signs, left out). */
SEMIO_API const SemioFaithfulness *semio_eval_faithfulness(const SemioEval *ev, size_t run,
                                                          size_t sign);

/** How many human scores of 0, 20, 40, 60, 80 and 100 the run's rated answers got. */
SEMIO_API void semio_eval_score_counts(const SemioEval *ev, size_t run, int64_t counts[6]);

/** A model judge against the human raters on one run's answers. */
typedef struct SemioJudgeAgreement {
    int64_t answers;         /**< answers the judge and at least one human scored */
    double judge_mean;       /**< the judge's mean score on them */
    double human_mean;       /**< the mean of their human scores (each the mean of its raters) */
    double alpha;            /**< Krippendorff's alpha (interval): judge vs the human mean */
    SemioInterval alpha_ci;
} SemioJudgeAgreement;

/** The judges among the raters, in the order given. */
SEMIO_API size_t semio_eval_judges(const SemioEval *ev);
SEMIO_API const char *semio_eval_judge_name(const SemioEval *ev, size_t judge);

/** NULL when the judge scored none of the run's answers that a human scored. */
SEMIO_API const SemioJudgeAgreement *semio_eval_judge_agreement(const SemioEval *ev,
                                                               size_t judge, size_t run);

/**
 * Adds the seizure onset that run `run` claimed for recording `row` (seconds from the
 * recording's start) and the onset it is measured against.
 */
SEMIO_API int semio_eval_add_onset(SemioEval *ev, size_t run, size_t row, double claimed_s,
                                   double true_s, SemioError *err);

/** How far a run's claimed onsets were from the true ones, after compute. */
typedef struct SemioOnsetError {
    int64_t recordings;      /**< recordings with both onsets */
    double median_abs_s;     /**< median absolute error, seconds */
    double within_5s;        /**< share of recordings within 5 s (|error| <= 5) */
    SemioInterval median_ci, within_ci;
} SemioOnsetError;

/** NULL when no onset of the run was added. */
SEMIO_API const SemioOnsetError *semio_eval_onset(const SemioEval *ev, size_t run);

/* ---- merging answers -------------------------------------------------------- */

typedef enum SemioAggregateRule {
    SEMIO_AGG_ANY_YES, /**< yes if any part says yes (the pilot's and S3's window rule) */
    SEMIO_AGG_MAX_P,   /**< the largest P(yes), thresholded */
    SEMIO_AGG_MEAN_P,  /**< the mean P(yes), thresholded */
    SEMIO_AGG_K_OF_N,  /**< yes if at least k parts say yes */
    SEMIO_AGG_FIRST,   /**< the first part's answer and P(yes) (parts in time order) */
} SemioAggregateRule;

/** Parses "any-yes" (or "max"), "max-p", "mean-p" (or "mean"), "K-of-n", "first". */
SEMIO_API int semio_aggregate_parse(const char *name, SemioAggregateRule *rule, int *k);

/**
 * Merges n answers (and their P(yes), NaN where absent; p_yes may be NULL) into one.
 * Without a yes/no among them the result is "na" if any part said so, else failed,
 * else missing; P-based rules without any P(yes) fall back the same way instead of
 * guessing. *p receives the merged P(yes) (NaN when none).
 */
SEMIO_API void semio_aggregate(SemioAggregateRule rule, int k, double threshold, const uint8_t *answers,
                     const double *p_yes, size_t n, uint8_t *answer, double *p);

/** The non-empty texts in order without repeats, joined by sep; free with semio_free. */
SEMIO_API char *semio_join_unique(const char *const *texts, size_t n, const char *sep);

/**
 * Fleiss' kappa for yes/no ratings: subject i got yes[i] yes votes of raters[i].
 * Subjects rated by fewer raters than the most are left out. NaN when undefined.
 */
SEMIO_API double semio_fleiss_kappa(const int *yes, const int *raters, size_t subjects);

/**
 * The threshold on P(yes) with the best F1 over the n rows whose label y is 0 or 1 and whose
 * p is not NaN: candidates are every P seen and 0.5 ("yes" at p >= t); of equal F1, the one
 * nearest 0.5; 0.5 itself when those rows hold one class only (nothing to separate). What
 * semio_tune_threshold picks on each fold's training side.
 */
SEMIO_API double semio_best_f1_threshold(const double *p, const int8_t *y, size_t n);

/** Area under the ROC curve of scores p against labels y (0 or 1; others and NaN scores left
 *  out), ties counting half; NaN when a class is absent. */
SEMIO_API double semio_auc(const double *p, const int8_t *y, size_t n);

/**
 * Tunes a P(yes) threshold without peeking: patients (ids 0..P-1 in patient[]) are
 * dealt into `folds` folds stratified by their positive labels; each fold gets the
 * threshold maximizing F1 on the other folds (ties: nearest 0.5). answers[i] is the
 * held-out decision for row i; thresholds[f] the threshold fold f used.
 */
SEMIO_API int semio_tune_threshold(const int8_t *labels, const double *p_yes, const int *patient,
                         size_t n, int folds, uint64_t seed, uint8_t *answers,
                         double *thresholds, SemioError *err);

/**
 * The same evaluation one level up: one row per patient. A patient's label is yes if
 * any recording's is, no if all are known and no; a run's answers merge by `rule`
 * (SEMIO_AGG_ANY_YES = max, SEMIO_AGG_MEAN_P = mean of the yes/no decisions >= 0.5,
 * as the pilot's baseline scripts did; k for k-of-n). Each patient is its own cluster.
 */
SEMIO_API int semio_eval_by_patient(const SemioEval *ev, SemioAggregateRule rule, int k, SemioEval **out,
                          SemioError *err);

/**
 * Adds the runs that P(yes) (p_yes[s * nrows + r], NaN where absent) yields: "BASE
 * P>=0.5" and, with folds > 1, "BASE tuned" (thresholds tuned for F1 on patient-
 * stratified training folds, applied to the held-out fold; recorded in its provenance).
 */
SEMIO_API int semio_eval_add_p_runs(SemioEval *ev, const char *base, const double *p_yes, int folds,
                          uint64_t seed, SemioError *err);

/* ---- reading the pilot's CSV files ----------------------------------------- */

/**
 * Builds an evaluation from a label CSV and prediction CSVs in the pilot's layout
 * (`file_name` plus a column per sign: yes/no/na/fail or empty). Prediction rows are
 * matched to label rows by name, ignoring the extension (.wav/.mp4) and treating any
 * run of characters other than letters and digits as one separator, so the pilot's
 * renamed audio files find their videos. Only signs present in the predictions are
 * scored. `patient_regex` as in ingest (NULL = default).
 */
typedef struct SemioCsvSettings {
    const char *patient_regex; /**< as in ingest; NULL = the pilot's rule */
    int tune_folds;            /**< > 1: add a run with thresholds tuned on this many folds */
    uint64_t seed;             /**< for the folds */
} SemioCsvSettings;

/**
 * A label file may give one column per rater, "SIGN@RATER" (tonic@neuro1, ...): the
 * label is then the raters' majority (a tie is unknown) unless a plain SIGN column
 * exists, and Fleiss' kappa among the raters is recorded. A prediction file may give
 * P(yes) per sign in "SIGN_prob" columns: it then also yields a run thresholded at
 * 0.5 and, with tune_folds, a run with thresholds tuned on patient-stratified folds.
 */
SEMIO_API int semio_eval_from_csv(SemioEval **out, const char *labels_csv,
                        const char *const *prediction_csvs, size_t nruns,
                        const SemioCsvSettings *options, SemioError *err);

/* ---- robustness to the wording of the questions ------------------------------ */

/**
 * How one sign's answers move between prompt sets: runs that asked the same windows
 * with reworded questions. F1 figures are the evaluation's (recordings, its rules); the
 * rest are over windows (segment-level answers, before any merging). A window counts
 * only when every set answered it yes or no; windows where some set failed, said "na"
 * or gave no answer are counted in `left_out` and nothing else.
 */
typedef struct SemioRobustSign {
    double f1_mean;         /**< mean F1 over the sets where defined */
    double f1_sd;           /**< sample standard deviation (n - 1); NaN with one F1 */
    double f1_min, f1_max, f1_range;
    int64_t windows;        /**< windows every set answered yes or no */
    int64_t left_out;       /**< windows some set failed, said "na" or did not answer */
    double flips;           /**< share of the windows whose answer differs between two sets */
    double kappa;           /**< Fleiss' kappa, the sets as raters, the windows as subjects */
    double consistency;     /**< mean share of sets agreeing with a window's majority */
    double full_agreement;  /**< share of windows every set answered alike */
} SemioRobustSign;

typedef struct SemioRobustness {
    size_t nsets;           /**< the prompt sets: runs of the evaluation */
    size_t *runs;           /**< their run indices in the evaluation */
    size_t nsigns;          /**< the evaluation's signs */
    SemioRobustSign *signs; /**< per sign, in the evaluation's order */
    size_t *order;          /**< sign indices, most sensitive first: F1 range, then SD */
    SemioRobustSign macro;  /**< the mean over signs of each figure where defined */
} SemioRobustness;

/**
 * Computes robustness over `nsets` runs of a computed evaluation (at least two). Window
 * w is of sign window_sign[w] and got window_answers[w * nsets + k] (SemioAnswer) from
 * set k. Free the result with semio_robustness_free.
 */
SEMIO_API int semio_robustness_compute(const SemioEval *ev, const size_t *runs, size_t nsets,
                                       const size_t *window_sign, const uint8_t *window_answers,
                                       size_t nwindows, SemioRobustness **out, SemioError *err);
SEMIO_API void semio_robustness_free(SemioRobustness **rb);

#ifdef __cplusplus
}
#endif
#endif
