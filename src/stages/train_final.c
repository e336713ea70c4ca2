/*
 * semio train --final: each sign fitted on every patient, its threshold from a patient
 * cross-validation over all of them, written as the model file the engine "model" reads
 * (JSON; each classifier in its library's own bytes, base64). Also the run's provenance,
 * which the model file carries too.
 */
#include <libavutil/base64.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/train_internal.h"
#include "util/error.h"

static json_object *params_json(const SemioLearnerParams *p)
{
    json_object *j = json_object_new_object();
    if (p->kind == SEMIO_LEARNER_XGBOOST) {
        json_object_object_add(j, "rounds", json_object_new_int(p->rounds));
        json_object_object_add(j, "max_depth", json_object_new_int(p->max_depth));
        json_object_object_add(j, "eta", json_object_new_double(p->eta));
        json_object_object_add(j, "subsample", json_object_new_double(p->subsample));
        json_object_object_add(j, "colsample", json_object_new_double(p->colsample));
        json_object_object_add(j, "min_child_weight", json_object_new_double(p->min_child_weight));
        json_object_object_add(j, "tree_method", json_object_new_string("hist"));
        json_object_object_add(j, "max_bin", json_object_new_int(p->max_bin));
        json_object_object_add(j, "threads", json_object_new_int(p->threads));
    } else {
        json_object_object_add(j, "C", json_object_new_double(p->c));
        json_object_object_add(j, "eps", json_object_new_double(p->eps));
    }
    json_object_object_add(j, "balanced", json_object_new_boolean(p->balanced));
    return j;
}

static json_object *sets_json(const char *sets)
{
    char copy[512], *items[32];
    snprintf(copy, sizeof(copy), "%s", sets);
    size_t n = semio_list_split(copy, items, 32);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n && i < 32; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

json_object *train_provenance(const TrainData *d, const SemioTrainSettings *set)
{
    json_object *j = json_object_new_object(), *v = json_object_new_object();
    SemioLearnerKind k = set->params.kind;
    json_object_object_add(j, "engine", json_object_new_string("model"));
    json_object_object_add(j, "learner", json_object_new_string(
        k == SEMIO_LEARNER_LOGISTIC ? "logistic" : "xgboost"));
    json_object_object_add(j, "features", sets_json(set->features));
    json_object_object_add(j, "columns", json_object_new_int64((int64_t)d->m.ncols));
    json_object_object_add(j, "segments", json_object_new_string(d->segment_set));
    json_object_object_add(j, "signs", json_object_new_string(set->signs ? set->signs : "all"));
    json_object_object_add(j, "parameters", params_json(&set->params));
    json_object_object_add(j, "folds", json_object_new_int(set->folds));
    json_object_object_add(j, "seed", json_object_new_uint64(set->seed));
    json_object_object_add(j, "merge", json_object_new_string(
        set->merge == SEMIO_MERGE_MEAN ? "mean" : "max"));
    json_object_object_add(j, "min_positives", json_object_new_int(set->min_positives));
    json_object_object_add(j, "recordings", json_object_new_int64((int64_t)d->nrec));
    json_object_object_add(j, "patients", json_object_new_int64((int64_t)d->npatients));
    json_object_object_add(v, "semio", json_object_new_string(semio_version()));
    json_object_object_add(v, "learner", json_object_new_string(semio_learner_version(k)));
    json_object_object_add(j, "versions", v);
    return j;
}

/* The classifier's bytes as base64 (libavutil's), in a JSON string. */
static int model_json(const SemioClassifier *c, json_object **out, SemioError *err)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    int r = semio_classifier_save(c, &bytes, &size, err);
    if (r < 0)
        return r;
    char *b64 = size < INT_MAX / 2 ? malloc(AV_BASE64_SIZE(size)) : NULL;
    if (!b64 || !av_base64_encode(b64, (int)AV_BASE64_SIZE(size), bytes, (int)size))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    else
        *out = json_object_new_string(b64);
    free(b64);
    semio_free(bytes);
    return r;
}

/* Sign l on every recording labeled for it: threshold by a K-fold patient CV, then fitted. */
static int final_sign(const TrainData *d, const SemioTrainSettings *set, size_t l,
                      uint8_t *in, json_object *signs, json_object *skipped, SemioError *err)
{
    TrainFold tf;
    for (size_t i = 0; i < d->nrec; i++)
        in[i] = d->label[l * d->nrec + i] >= 0;
    train_check_counts(d, set, l, in, "the study", &tf);
    if (!tf.ok) { /* left out of the model, saying why: the engine fails its questions */
        json_object_object_add(skipped, d->sign[l]->id, json_object_new_string(tf.error));
        return 0;
    }
    double thr = 0.5;
    SemioClassifier *c = NULL;
    json_object *m = NULL;
    int r = train_inner_threshold(d, set, l, in, set->folds, -1, set->seed + 1000, &thr, err);
    if (r == 0)
        r = train_fit(d, set, l, in, &c, err);
    if (r == 0)
        r = model_json(c, &m, err);
    semio_classifier_free(&c);
    if (r < 0)
        return r;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "threshold", json_object_new_double(thr));
    json_object_object_add(j, "train_rows", json_object_new_int64(tf.train_rows));
    json_object_object_add(j, "model", m);
    json_object_object_add(signs, d->sign[l]->id, j);
    return 0;
}

static json_object *columns_json(const TrainData *d)
{
    json_object *a = json_object_new_array();
    for (size_t c = 0; c < d->m.ncols; c++)
        json_object_array_add(a, json_object_new_string(d->m.column[c]));
    return a;
}

int train_final(const TrainData *d, const SemioTrainSettings *set, char **json, SemioError *err)
{
    *json = NULL;
    json_object *j = json_object_new_object(), *signs = json_object_new_object();
    json_object *skipped = json_object_new_object(), *prov = train_provenance(d, set);
    json_object_object_add(j, "semio_model", json_object_new_int(1));
    json_object_object_add(j, "learner", json_object_new_string(
        set->params.kind == SEMIO_LEARNER_LOGISTIC ? "logistic" : "xgboost"));
    json_object_object_add(j, "features", sets_json(set->features));
    json_object_object_add(j, "columns", columns_json(d));
    json_object_object_add(j, "merge", json_object_new_string(
        set->merge == SEMIO_MERGE_MEAN ? "mean" : "max"));
    uint8_t *in = malloc(d->nrec + 1);
    int r = in ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t l = 0; r == 0 && l < d->nsigns; l++)
        r = final_sign(d, set, l, in, signs, skipped, err);
    free(in);
    json_object_object_add(j, "signs", signs);
    json_object_object_add(prov, "skipped", skipped);
    json_object_object_add(j, "provenance", prov);
    if (r == 0 && !(*json = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_put(j);
    return r;
}
