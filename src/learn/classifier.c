/*
 * One binary classifier, whichever library fits it: the kind picks the class of functions,
 * the rows get weights that balance the two classes (rare signs would otherwise be never
 * predicted), and a classifier saved is what its library writes (plus, for the logistic
 * model, the scaling it was fitted after).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/learner.h"
#include "semio_config.h"
#include "util/error.h"

struct SemioClassifier {
    const LearnerClass *cls;
    void *model;
    size_t d;
};

static int learner(SemioLearnerKind kind, const LearnerClass **cls, SemioError *err)
{
#if SEMIO_HAVE_LEARN
    *cls = kind == SEMIO_LEARNER_XGBOOST ? &learn_xgboost
         : kind == SEMIO_LEARNER_LOGISTIC ? &learn_logistic : NULL;
    return *cls ? 0 : semio_fail(err, SEMIO_ERR_INVALID, "no learner %d", (int)kind);
#else
    (void)kind;
    *cls = NULL;
    return semio_fail_not_built(err, "learn");
#endif
}

int semio_learner_parse(const char *name, SemioLearnerKind *out)
{
    if (name && !strcmp(name, "xgboost"))
        *out = SEMIO_LEARNER_XGBOOST;
    else if (name && !strcmp(name, "logistic"))
        *out = SEMIO_LEARNER_LOGISTIC;
    else
        return -1;
    return 0;
}

void semio_learner_default_params(SemioLearnerParams *p, SemioLearnerKind kind)
{
    *p = (SemioLearnerParams){
        .kind = kind, .rounds = 100, .max_depth = 3, .eta = 0.1, .subsample = 1,
        .colsample = 1, .min_child_weight = 1, .max_bin = 64, .threads = 1, .c = 1, .eps = 0.01,
        .balanced = 1, .seed = 1,
    };
}

const char *semio_learner_version(SemioLearnerKind kind)
{
    const LearnerClass *cls;
    return learner(kind, &cls, NULL) == 0 ? cls->version() : "not built";
}

int semio_classifier_fit(SemioClassifier **out, const SemioLearnerParams *p, const double *x,
                         size_t n, size_t d, const int8_t *y, SemioError *err)
{
    *out = NULL;
    const LearnerClass *cls;
    int r = learner(p->kind, &cls, err);
    if (r < 0)
        return r;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return semio_fail(err, SEMIO_ERR_INVALID, "row %zu: label %d is neither 0 nor 1",
                              i, y[i]);
        pos += y[i] == 1;
    }
    if (pos == 0 || pos == n)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the training rows are all %s; both "
                          "classes are needed", cls->name, pos ? "positive" : "negative");
    if (d == 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: no features to learn from", cls->name);
    double *w = malloc(n * sizeof(double));
    SemioClassifier *c = calloc(1, sizeof(*c));
    r = !w || !c ? semio_fail(err, SEMIO_ERR_NOMEM, "out of memory") : 0;
    /* balanced: each class weighs half, as scikit-learn's class_weight="balanced" */
    for (size_t i = 0; r == 0 && i < n; i++)
        w[i] = !p->balanced ? 1.0
             : (double)n / (2.0 * (double)(y[i] == 1 ? pos : n - pos));
    if (r == 0)
        r = cls->fit(&c->model, p, x, n, d, y, w, err);
    free(w);
    if (r < 0) {
        free(c);
        return r;
    }
    c->cls = cls;
    c->d = d;
    *out = c;
    return 0;
}

int semio_classifier_predict(const SemioClassifier *c, const double *x, size_t n, double *p,
                             SemioError *err)
{
    return c->cls->predict(c->model, x, n, c->d, p, err);
}

int semio_classifier_importance(const SemioClassifier *c, double *w, SemioError *err)
{
    return c->cls->importance(c->model, c->d, w, err);
}

int semio_classifier_save(const SemioClassifier *c, uint8_t **bytes, size_t *size,
                          SemioError *err)
{
    return c->cls->save(c->model, c->d, bytes, size, err);
}

int semio_classifier_load(SemioClassifier **out, SemioLearnerKind kind, const uint8_t *bytes,
                          size_t size, SemioError *err)
{
    *out = NULL;
    const LearnerClass *cls;
    int r = learner(kind, &cls, err);
    if (r < 0)
        return r;
    SemioClassifier *c = calloc(1, sizeof(*c));
    if (!c)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    r = cls->load(&c->model, &c->d, bytes, size, err);
    if (r < 0) {
        free(c);
        return r;
    }
    c->cls = cls;
    *out = c;
    return 0;
}

void semio_classifier_free(SemioClassifier **pc)
{
    SemioClassifier *c = *pc;
    if (!c)
        return;
    c->cls->free(c->model);
    free(c);
    *pc = NULL;
}
