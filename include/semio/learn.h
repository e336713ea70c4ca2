/*
 * Supervised baselines: named features of every segment (from keypoints, pixels, sound, a
 * video network exported to ONNX, or vectors made elsewhere), per-sign classifiers
 * (XGBoost's boosted trees, liblinear's L2 logistic regression) trained with patient-
 * stratified cross-validation into a run like any engine's, a model file that
 * `semio ask --engine model` answers new recordings with, and the epileptic-vs-functional
 * classifier that works from a recording's signs.
 */
#ifndef SEMIO_LEARN_H
#define SEMIO_LEARN_H

#include "semio/common.h"
#include "semio/engine.h"
#include "semio/eval.h"
#include "semio/study.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- features ------------------------------------------------------------------ */

/** One documented feature of a set with fixed names. */
typedef struct SemioFeatureDoc {
    const char *name; /**< e.g. "elbow_r_angle_p90" */
    const char *doc;  /**< what it measures, with its unit */
} SemioFeatureDoc;

/**
 * The documented features of a set ("kinematic", "motion", "sound"), in the order they
 * are computed; NULL (n 0) for a set whose names come from elsewhere ("onnx", "import").
 */
SEMIO_API const SemioFeatureDoc *semio_feature_docs(const char *set, size_t *n);

/** The feature sets semio knows, in order: i = 0, 1, ... until NULL. */
SEMIO_API const char *semio_feature_set_at(size_t i);

/**
 * Kinematic features of one window from its measured signals (the keypoints the
 * kinematic engine reads): out[i] for the i-th documented name, NaN where the signal was
 * missing (no body seen, no face). The same numbers `semio features` stores, so a model
 * trained on them can answer a window in `semio ask`.
 */
SEMIO_API int semio_features_kinematic(const SemioSignals *sig, double *out, SemioError *err);

/** Sound features of one window (sig->audio; all NaN without sound). */
SEMIO_API int semio_features_sound(const SemioSignals *sig, double *out, SemioError *err);

typedef struct SemioMotionSettings {
    double fps;   /**< frames decoded per second (default 10) */
    int grid;     /**< the frame is cut into grid x grid cells (default 4) */
    int max_side; /**< frames are scaled to at most this many pixels a side (default 160) */
} SemioMotionSettings;

SEMIO_API void semio_motion_default_settings(SemioMotionSettings *s);

/**
 * Motion features of [start, end) s of the recording at `path`, from pixels alone: the
 * frame-difference energy of each grid cell at a fixed rate and its band powers over
 * time. out[i] for the i-th documented name (the docs list the default 4 x 4 grid; another
 * grid has 4 * (1 + grid * grid) values, its cells named the same way, "cellRC_...").
 * Frames are taken at m->fps; a recording shot slower gives fewer.
 */
SEMIO_API int semio_features_motion(const char *path, double start, double end,
                                    const SemioMotionSettings *m, double *out, SemioError *err);

typedef struct SemioFeatureSettings {
    const char *sets;         /**< comma list of kinematic, motion, sound, onnx, import
                                   (default "kinematic,motion,sound") */
    const char *import_csv;   /**< set import: file_name, start, end, then one column per
                                   feature; a row that matches no segment is refused, named */
    const char *onnx_model;   /**< set onnx: the network's .onnx file */
    const char *onnx_settings_json; /**< set onnx: input shape and normalisation, as a JSON
                                   object ({"frames":16,"size":112,"mean":[..],"std":[..],
                                   "layout":"NCTHW"}) */
    const char *segments;     /**< segment set; NULL = the newest */
    const char *keypoints;    /**< OpenPose folder; NULL = each recording's own */
    SemioMotionSettings motion;
    int redo;                 /**< compute again what is stored (default: keep it) */
    int jobs;                 /**< segments at once (0: one per core) */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;
} SemioFeatureSettings;

SEMIO_API void semio_feature_default_settings(SemioFeatureSettings *s);

typedef struct SemioFeatureReport {
    int64_t segments;  /**< segments of the set */
    int64_t computed;  /**< (segment, feature set) pairs computed now */
    int64_t kept;      /**< already stored, kept */
    int64_t failed;    /**< could not be computed (the recording unreadable): said, skipped */
    int64_t values;    /**< numbers stored now */
    int64_t missing;   /**< of which missing (NULL) */
    char segment_set[128];
    char failure[512];  /**< the first failure: recording, window, set and why */
} SemioFeatureReport;

/**
 * Computes and stores the features of every segment of the set; each (segment, feature
 * set) is written in one transaction, whole, so a stopped run resumes where it stopped.
 * Settings of a set that differ from those it was stored with are refused unless redo.
 */
SEMIO_API int semio_features(SemioStudy *s, const SemioFeatureSettings *set,
                             SemioFeatureReport *rep, SemioError *err);

/**
 * A matrix of stored features: rows are the segments of a segment set (in recording, then
 * time order), columns the (set, name) pairs of the sets asked for, sorted by set then name.
 * x[r * ncols + c] is NaN where the value is missing.
 */
typedef struct SemioFeatureMatrix {
    size_t nrows, ncols;
    double *x;
    int64_t *segment;   /**< segment id of each row */
    int64_t *video;     /**< recording id of each row */
    char **column;      /**< "set:name" of each column */
} SemioFeatureMatrix;

/**
 * Loads the features of `sets` (comma list) for the segments of `segments` (NULL: the
 * newest set). A set with no stored features is SEMIO_ERR_NOT_FOUND saying to run
 * `semio features --set SET`.
 */
SEMIO_API int semio_feature_matrix(SemioStudy *s, const char *segments, const char *sets,
                                   SemioFeatureMatrix *m, SemioError *err);
SEMIO_API void semio_feature_matrix_free(SemioFeatureMatrix *m);

/* ---- training ---------------------------------------------------------------- */

typedef enum SemioLearnerKind {
    SEMIO_LEARNER_XGBOOST,  /**< gradient-boosted trees (XGBoost's C API) */
    SEMIO_LEARNER_LOGISTIC, /**< L2 logistic regression (liblinear), features standardized
                                 and missing values imputed with the training mean */
} SemioLearnerKind;

/** "xgboost" or "logistic"; -1 for another name. */
SEMIO_API int semio_learner_parse(const char *name, SemioLearnerKind *out);

typedef struct SemioLearnerParams {
    SemioLearnerKind kind;
    /* xgboost */
    int rounds;           /**< boosting rounds (default 100) */
    int max_depth;        /**< default 3 */
    double eta;           /**< learning rate (default 0.1) */
    double subsample;     /**< default 1 */
    double colsample;     /**< colsample_bytree (default 1) */
    double min_child_weight; /**< default 1 */
    int max_bin;          /**< histogram bins per feature (tree_method hist; default 64: a
                               study's few hundred segments per fold need no more, and 64
                               bins fit 3x faster than XGBoost's exact greedy splits) */
    int threads;          /**< nthread (default 1: results do not depend on the machine) */
    /* logistic */
    double c;             /**< inverse regularization strength (default 1) */
    double eps;           /**< liblinear's stopping tolerance (default 0.01) */
    /* both */
    int balanced;         /**< weight classes inversely to their frequency (default 1) */
    uint64_t seed;
} SemioLearnerParams;

SEMIO_API void semio_learner_default_params(SemioLearnerParams *p, SemioLearnerKind kind);

/** One fitted binary classifier (of either kind). */
typedef struct SemioClassifier SemioClassifier;

/**
 * Fits a classifier on n rows of d features (x[i * d + j], NaN = missing) and labels
 * y[i] (0 or 1). Both classes must be present.
 */
SEMIO_API int semio_classifier_fit(SemioClassifier **out, const SemioLearnerParams *p,
                                   const double *x, size_t n, size_t d, const int8_t *y,
                                   SemioError *err);

/** P(class 1) of n rows. */
SEMIO_API int semio_classifier_predict(const SemioClassifier *c, const double *x, size_t n,
                                       double *p, SemioError *err);

/**
 * How much each of the d features weighs: |coefficient| of the standardized feature
 * (logistic) or total gain (xgboost), in w[0..d).
 */
SEMIO_API int semio_classifier_importance(const SemioClassifier *c, double *w, SemioError *err);

/** The classifier as bytes of its library's own format (free with semio_free). */
SEMIO_API int semio_classifier_save(const SemioClassifier *c, uint8_t **bytes, size_t *size,
                                    SemioError *err);
SEMIO_API int semio_classifier_load(SemioClassifier **out, SemioLearnerKind kind,
                                    const uint8_t *bytes, size_t size, SemioError *err);
SEMIO_API void semio_classifier_free(SemioClassifier **c);

/** "xgboost 1.7.4" or "liblinear 2.3" (of the library linked). */
SEMIO_API const char *semio_learner_version(SemioLearnerKind kind);

/**
 * Patient-stratified folds: patient[i] is row i's patient (0, 1, ...); every patient in one fold, folds balanced by size and by the
 * prevalence of each of `nlabels` label columns (labels[l * n + i], -1 unknown) over the n
 * rows; fold[i] gets 0..k-1. Deterministic for a seed. Fewer patients than folds is
 * SEMIO_ERR_INVALID saying so.
 */
SEMIO_API int semio_patient_folds(const int *patient, size_t n, const int8_t *labels,
                                  size_t nlabels, int k, uint64_t seed, int *fold,
                                  SemioError *err);

typedef enum SemioMergeRule {
    SEMIO_MERGE_MAX,  /**< a recording's P(yes) is its segments' highest */
    SEMIO_MERGE_MEAN, /**< ... their mean */
} SemioMergeRule;

typedef struct SemioTrainSettings {
    const char *run;          /**< the run's name */
    const char *features;     /**< comma list of feature sets (default "kinematic,motion,sound") */
    const char *segments;     /**< segment set; NULL = the newest */
    const char *signs;        /**< "all", a group or a comma list (default all) */
    SemioLearnerParams params;
    int folds;                /**< default 3 */
    uint64_t seed;            /**< folds and learners (default 1) */
    SemioMergeRule merge;     /**< default max */
    int min_positives;        /**< a training fold with fewer positive (or negative)
                                   recordings fails that sign's fold (default 3) */
    const char *final_model;  /**< also fit on every patient and write this model file */
    int replace;              /**< an existing run of that name is replaced (else refused) */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;
} SemioTrainSettings;

SEMIO_API void semio_train_default_settings(SemioTrainSettings *s);

typedef struct SemioTrainReport {
    int64_t recordings, segments, patients;
    int signs;                /**< signs trained */
    int failed_folds;         /**< (sign, fold) pairs stored as failed, with the reason */
    int columns;              /**< features used */
} SemioTrainReport;

/**
 * Trains one classifier per sign with patient-stratified cross-validation (thresholds
 * chosen on the training folds only, by an inner cross-validation there) and stores the
 * out-of-fold result as run `run` (engine "model"): one answer per recording and sign
 * with the merged P(yes), the segments' P(yes) in fold_predictions, the folds and each
 * fold's threshold, and the run's provenance (feature sets, parameters, folds, seed,
 * library versions). All or nothing.
 */
SEMIO_API int semio_train(SemioStudy *s, const SemioTrainSettings *set, SemioTrainReport *rep,
                          SemioError *err);

/* ---- the trained model as an engine --------------------------------------------- */

/** Settings of the engine "model": the file `semio train --final` wrote. */
typedef struct SemioModelSettings {
    const char *model_file;
} SemioModelSettings;

/* ---- epileptic or functional ------------------------------------------------------ */

typedef struct SemioClassifySettings {
    const char *target;       /**< the label file's column to predict (default "label"):
                                   1/0, yes/no or true/false (any case); empty = left out */
    const char *from;         /**< "labels" (the experts' signs) or a run's name */
    SemioLearnerParams params;
    int folds;                /**< default 3 */
    uint64_t seed;
    int resamples;            /**< patient-bootstrap resamples (default 2000) */
    double level;             /**< default 0.95 */
} SemioClassifySettings;

SEMIO_API void semio_classify_default_settings(SemioClassifySettings *s);

/**
 * The result: out-of-fold accuracy, F1 (of the class the target calls 1) and AUC with
 * patient-bootstrap intervals, and each input's weight (mean over the folds' models),
 * heaviest first.
 */
typedef struct SemioClassifyResult {
    int64_t recordings, patients, positives;
    int64_t no_target;        /**< recordings left out: the target column empty */
    int64_t no_input;         /**< ... a target but no input (the run never answered them) */
    int folds;
    double accuracy, f1, auc;
    SemioInterval accuracy_ci, f1_ci, auc_ci;
    size_t ninputs;
    char **input;             /**< "SIGN" (labels) or "SIGN" and "SIGN:p" (a run) */
    double *weight;           /**< heaviest first, as input */
    char **recording;         /**< every recording scored, with */
    double *p;                /**< its out-of-fold P(target 1) */
    int8_t *truth;
} SemioClassifyResult;

SEMIO_API int semio_classify(SemioStudy *s, const SemioClassifySettings *set,
                             SemioClassifyResult *out, SemioError *err);
SEMIO_API void semio_classify_result_free(SemioClassifyResult *r);

#ifdef __cplusplus
}
#endif
#endif
