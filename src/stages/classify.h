/* semio classify's parts: the data it learns from (classify_inputs.c) and the
 * cross-validation that scores it (classify.c). */
#ifndef SEMIO_STAGES_CLASSIFY_H
#define SEMIO_STAGES_CLASSIFY_H

#include "semio/learn.h"

/* n recordings (id order) with a target and at least one input, d inputs each. */
typedef struct ClassifyData {
    size_t n, d;
    int64_t *vid;
    char **name, **patient;
    int8_t *y;           /* the target, 0 or 1 */
    double *x;           /* x[row * d + input], NaN where missing */
    char **input;        /* "SIGN", or "SIGN:p" for a run's P(yes) */
    int *pid;            /* each row's patient, 0..npatients-1 (set by classify.c) */
    size_t npatients;
    int64_t no_target, no_input;
} ClassifyData;

/**
 * Loads the target column `target` of every recording and the inputs `from` names
 * ("labels" or a run). An unknown column or run is SEMIO_ERR_NOT_FOUND, a target value
 * that is not 0/1 SEMIO_ERR_FORMAT naming the recording.
 */
int classify_load(SemioStudy *s, const char *target, const char *from, ClassifyData *d,
                  SemioError *err);
void classify_data_free(ClassifyData *d);

#endif
