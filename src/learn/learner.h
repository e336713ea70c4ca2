/* Inside the classifiers: what a learning library's wrapper implements (a const class of
 * functions, as the engines are), so semio_classifier_* dispatch without knowing which. */
#ifndef SEMIO_LEARN_LEARNER_H
#define SEMIO_LEARN_LEARNER_H

#include "semio/learn.h"

typedef struct LearnerClass {
    SemioLearnerKind kind;
    const char *name;
    /* y[i] is 0 or 1, w[i] the row's weight; x[i * d + j], NaN missing */
    int (*fit)(void **model, const SemioLearnerParams *p, const double *x, size_t n, size_t d,
               const int8_t *y, const double *w, SemioError *err);
    int (*predict)(const void *model, const double *x, size_t n, size_t d, double *p,
                   SemioError *err);
    int (*importance)(const void *model, size_t d, double *w, SemioError *err);
    int (*save)(const void *model, size_t d, uint8_t **bytes, size_t *size, SemioError *err);
    /* *d gets the number of features the model was fitted on */
    int (*load)(void **model, size_t *d, const uint8_t *bytes, size_t size, SemioError *err);
    void (*free)(void *model);
    const char *(*version)(void);
} LearnerClass;

extern const LearnerClass learn_xgboost;
extern const LearnerClass learn_logistic;

#endif
