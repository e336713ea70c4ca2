/*
 * Gradient-boosted trees through XGBoost's C API: missing features stay missing (NaN is
 * XGBoost's own "missing"), histogram splits (tree_method hist), one thread and a fixed
 * seed so a run is the same on any machine, and the model saved in XGBoost's JSON format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>
#include <xgboost/version_config.h>

#include "learn/learner.h"
#include "util/error.h"

static int xgb_fail(SemioError *err, const char *what)
{
    return semio_fail(err, SEMIO_ERR_INVALID, "XGBoost: %s: %s", what, XGBGetLastError());
}

/* A DMatrix of n rows (XGBoost reads floats; NaN is missing). */
static int matrix(const double *x, size_t n, size_t d, DMatrixHandle *out, SemioError *err)
{
    float *f = malloc(n * d * sizeof(float) + 1);
    if (!f)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n * d; i++)
        f[i] = (float)x[i];
    int bad = XGDMatrixCreateFromMat(f, (bst_ulong)n, (bst_ulong)d, NAN, out);
    free(f);
    return bad ? xgb_fail(err, "cannot hold the features") : 0;
}

static int set_params(BoosterHandle b, const SemioLearnerParams *p)
{
    char v[64];
    int bad = XGBoosterSetParam(b, "objective", "binary:logistic");
    bad |= XGBoosterSetParam(b, "verbosity", "0");
    bad |= XGBoosterSetParam(b, "tree_method", "hist");
#define SET(name, fmt, value) \
    (snprintf(v, sizeof(v), fmt, value), bad |= XGBoosterSetParam(b, name, v))
    SET("max_depth", "%d", p->max_depth);
    SET("eta", "%.17g", p->eta);
    SET("subsample", "%.17g", p->subsample);
    SET("colsample_bytree", "%.17g", p->colsample);
    SET("min_child_weight", "%.17g", p->min_child_weight);
    SET("max_bin", "%d", p->max_bin > 1 ? p->max_bin : 64);
    SET("nthread", "%d", p->threads > 0 ? p->threads : 1);
    SET("seed", "%llu", (unsigned long long)(p->seed & 0x7fffffff));
#undef SET
    return bad;
}

static int xgb_fit(void **model, const SemioLearnerParams *p, const double *x, size_t n,
                   size_t d, const int8_t *y, const double *w, SemioError *err)
{
    DMatrixHandle m;
    int r = matrix(x, n, d, &m, err);
    if (r < 0)
        return r;
    float *info = malloc(2 * n * sizeof(float) + 1);
    BoosterHandle b = NULL;
    if (!info) {
        XGDMatrixFree(m);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        info[i] = (float)y[i];
        info[n + i] = (float)w[i];
    }
    if (XGDMatrixSetFloatInfo(m, "label", info, (bst_ulong)n) ||
        XGDMatrixSetFloatInfo(m, "weight", info + n, (bst_ulong)n) ||
        XGBoosterCreate(&m, 1, &b) || set_params(b, p))
        r = xgb_fail(err, "cannot set up training");
    for (int it = 0; r == 0 && it < p->rounds; it++)
        if (XGBoosterUpdateOneIter(b, it, m))
            r = xgb_fail(err, "training failed");
    free(info);
    XGDMatrixFree(m);
    if (r < 0) {
        if (b)
            XGBoosterFree(b);
        return r;
    }
    *model = b;
    return 0;
}

static int xgb_predict(const void *model, const double *x, size_t n, size_t d, double *p,
                       SemioError *err)
{
    DMatrixHandle m;
    int r = matrix(x, n, d, &m, err);
    if (r < 0)
        return r;
    const bst_ulong *shape;
    bst_ulong dim;
    const float *out;
    if (XGBoosterPredictFromDMatrix((BoosterHandle)model, m,
                                    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                    "\"iteration_end\": 0, \"strict_shape\": false}",
                                    &shape, &dim, &out))
        r = xgb_fail(err, "prediction failed");
    for (size_t i = 0; r == 0 && i < n; i++)
        p[i] = out[i];
    XGDMatrixFree(m);
    return r;
}

static int xgb_importance(const void *model, size_t d, double *w, SemioError *err)
{
    bst_ulong nf, dim;
    const char **names;
    const bst_ulong *shape;
    const float *scores;
    for (size_t j = 0; j < d; j++)
        w[j] = 0;
    if (XGBoosterFeatureScore((BoosterHandle)model, "{\"importance_type\": \"total_gain\"}", &nf,
                              &names, &dim, &shape, &scores))
        return xgb_fail(err, "cannot weigh the features");
    /* only the features some split used are named, as "f<index>" */
    for (bst_ulong i = 0; i < nf; i++) {
        size_t j;
        if (sscanf(names[i], "f%zu", &j) == 1 && j < d)
            w[j] = scores[i];
    }
    return 0;
}

static int xgb_save(const void *model, size_t d, uint8_t **bytes, size_t *size, SemioError *err)
{
    (void)d; /* the JSON model keeps its feature count */
    bst_ulong len;
    const char *buf;
    if (XGBoosterSaveModelToBuffer((BoosterHandle)model, "{\"format\": \"json\"}", &len, &buf))
        return xgb_fail(err, "cannot save the model");
    *bytes = malloc(len + 1);
    if (!*bytes)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    memcpy(*bytes, buf, len);
    *size = len;
    return 0;
}

static int xgb_load(void **model, size_t *d, const uint8_t *bytes, size_t size,
                    SemioError *err)
{
    BoosterHandle b;
    bst_ulong nf;
    if (XGBoosterCreate(NULL, 0, &b))
        return xgb_fail(err, "cannot make a booster");
    if (XGBoosterLoadModelFromBuffer(b, bytes, (bst_ulong)size) ||
        XGBoosterGetNumFeature(b, &nf)) {
        int r = xgb_fail(err, "not an XGBoost model");
        XGBoosterFree(b);
        return r;
    }
    *d = (size_t)nf;
    *model = b;
    return 0;
}

static void xgb_free(void *model)
{
    XGBoosterFree((BoosterHandle)model);
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* the headers' version: Debian ships them with the library, in one package version */
static const char *xgb_version(void)
{
    return "xgboost " STR(XGBOOST_VER_MAJOR) "." STR(XGBOOST_VER_MINOR) "." STR(
        XGBOOST_VER_PATCH);
}

const LearnerClass learn_xgboost = {
    .kind = SEMIO_LEARNER_XGBOOST,
    .name = "xgboost",
    .fit = xgb_fit,
    .predict = xgb_predict,
    .importance = xgb_importance,
    .save = xgb_save,
    .load = xgb_load,
    .free = xgb_free,
    .version = xgb_version,
};
