/*
 * What semio train's files share: the training data (features per segment, recordings,
 * patients, labels, folds) and each (sign, fold)'s result, computed in memory first and
 * stored whole by train_store.c.
 */
#ifndef SEMIO_STAGES_TRAIN_INTERNAL_H
#define SEMIO_STAGES_TRAIN_INTERNAL_H

#include <json-c/json.h>

#include "semio/eval.h"
#include "semio/learn.h"
#include "semio/signs.h"

#define TRAIN_MAX_SIGNS 64

typedef struct TrainData {
    SemioFeatureMatrix m;
    char segment_set[128];
    size_t nrec;              /* recordings with features, in the matrix's order */
    int64_t *video;           /* each recording's id */
    char **patient;           /* each recording's patient */
    int *pid;                 /* ... as a number 0, 1, ... in order of appearance */
    size_t *first, *count;    /* its rows: m's rows first .. first + count - 1 */
    SemioSignSet *catalog;    /* owns the signs below */
    const SemioSign *sign[TRAIN_MAX_SIGNS];
    size_t nsigns;
    int8_t *label;            /* label[l * nrec + i]: 1 yes, 0 no, -1 unknown */
    int *fold;                /* each recording's outer fold (its patient's) */
    size_t npatients;
} TrainData;

/* One (sign, fold)'s model: its threshold, or why it could not be trained. */
typedef struct TrainFold {
    int ok;
    char error[160];
    double threshold;
    int64_t train_rows, train_positives;
} TrainFold;

typedef struct TrainResult {
    int k;                    /* outer folds */
    TrainFold *fold;          /* fold[l * k + f] */
    double *p_row;            /* p_row[l * nrows + r]: out-of-fold P(yes), NaN if failed */
    double *p_rec;            /* p_rec[l * nrec + i]: merged */
} TrainResult;

/* The segments' P(yes) of recording i merged by the rule (NaN when all are NaN). */
double train_merge(const TrainData *d, const double *p_row, size_t i, SemioMergeRule rule);

/*
 * The threshold of one sign's training recordings (mask `in`, labels known), chosen by a
 * kin-fold patient cross-validation inside them; `outer` is the outer test fold they must
 * all lie outside (-1: every patient, for the final model).
 */
int train_inner_threshold(const TrainData *d, const SemioTrainSettings *set, size_t l,
                          const uint8_t *in, int kin, int outer, uint64_t seed, double *thr,
                          SemioError *err);

/* Fits sign l on the rows of the recordings in mask `in`. */
int train_fit(const TrainData *d, const SemioTrainSettings *set, size_t l, const uint8_t *in,
              SemioClassifier **c, SemioError *err);

/* The reason sign l cannot be trained on mask `in` ("" when it can); counts its rows. */
void train_check_counts(const TrainData *d, const SemioTrainSettings *set, size_t l,
                        const uint8_t *in, const char *where, TrainFold *tf);

/* The run's provenance (feature sets, columns, parameters, folds, seed, merge, versions). */
json_object *train_provenance(const TrainData *d, const SemioTrainSettings *set);

/* Refuses an existing run of the name unless set->replace (before any training). */
int train_check_run(SemioStudy *s, const SemioTrainSettings *set, SemioError *err);

/* Stores the run: runs, run_folds, fold_models, fold_predictions, answers, in one
 * transaction (an existing run of the name replaced only with set->replace). */
int train_store(SemioStudy *s, const TrainData *d, const SemioTrainSettings *set,
                const TrainResult *res, SemioError *err);

/* Fits every sign on every patient: the model file's JSON text (caller frees). */
int train_final(const TrainData *d, const SemioTrainSettings *set, char **json,
                SemioError *err);

#endif
