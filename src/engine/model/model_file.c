/*
 * Reading the model file of `semio train --final` (JSON, each sign's classifier as base64
 * of its library's bytes). Everything is checked at open, so that a question never meets
 * a column semio cannot compute or a classifier that does not load.
 */
#include <libavutil/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model/model_file.h"
#include "util/error.h"
#include "util/fs.h"

static const char *const set_names[MODEL_NSETS] = { "kinematic", "sound" };

static json_object *member(json_object *j, const char *key, json_type type)
{
    json_object *v;
    return json_object_object_get_ex(j, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* Only sets a window's signals give: motion needs the recording's pixels, import and onnx
 * what was computed elsewhere. */
static int check_sets(ModelFile *m, json_object *sets, const char *path, SemioError *err)
{
    for (size_t i = 0; i < json_object_array_length(sets); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(sets, i));
        if (!s || (strcmp(s, "kinematic") && strcmp(s, "sound")))
            return semio_fail(err, SEMIO_ERR_INVALID, "%s: the model was trained on feature "
                              "set '%s', which ask cannot compute from a window (only "
                              "kinematic and sound; train on those for the engine \"model\")",
                              path, s ? s : "?");
        size_t n = strlen(m->sets);
        snprintf(m->sets + n, sizeof(m->sets) - n, "%s%s", n ? ", " : "", s);
    }
    return 0;
}

/* "set:name" to the set and the name's place in its documented order. */
static int find_column(ModelFile *m, size_t c, const char *col, const char *path,
                       SemioError *err)
{
    const char *colon = col ? strchr(col, ':') : NULL;
    for (int s = 0; colon && s < MODEL_NSETS; s++) {
        if (strncmp(col, set_names[s], (size_t)(colon - col)) || set_names[s][colon - col])
            continue;
        size_t n;
        const SemioFeatureDoc *doc = semio_feature_docs(set_names[s], &n);
        m->set_size[s] = n;
        for (size_t i = 0; doc && i < n; i++)
            if (!strcmp(doc[i].name, colon + 1)) {
                m->col_set[c] = s;
                m->col_index[c] = i;
                return 0;
            }
    }
    return semio_fail(err, SEMIO_ERR_FORMAT, "%s: column '%s' is not a kinematic or sound "
                      "feature of this semio", path, col ? col : "?");
}

static int load_columns(ModelFile *m, json_object *cols, const char *path, SemioError *err)
{
    m->ncols = json_object_array_length(cols);
    m->col_set = calloc(m->ncols + 1, sizeof(*m->col_set));
    m->col_index = calloc(m->ncols + 1, sizeof(*m->col_index));
    if (!m->col_set || !m->col_index)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = 0;
    for (size_t c = 0; r == 0 && c < m->ncols; c++)
        r = find_column(m, c, json_object_get_string(json_object_array_get_idx(cols, c)), path,
                        err);
    return r;
}

static int load_classifier(ModelSign *g, SemioLearnerKind kind, json_object *j,
                           const char *path, SemioError *err)
{
    json_object *t = member(j, "threshold", json_type_double);
    json_object *b = member(j, "model", json_type_string);
    if (!t && !(t = member(j, "threshold", json_type_int)))
        b = NULL;
    if (!b)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: sign %s has no threshold or model",
                          path, g->id);
    g->threshold = json_object_get_double(t);
    const char *text = json_object_get_string(b);
    size_t len = strlen(text);
    uint8_t *bytes = malloc(len / 4 * 3 + 4);
    if (!bytes)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int n = av_base64_decode(bytes, text, (int)(len / 4 * 3 + 4));
    int r = n < 0 ? semio_fail(err, SEMIO_ERR_FORMAT, "%s: sign %s's model is not base64",
                               path, g->id)
                  : semio_classifier_load(&g->c, kind, bytes, (size_t)n, err);
    free(bytes);
    if (r < 0 && n >= 0) { /* the library's words, with the file and sign they came from */
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        semio_fail(err, r, "%s: sign %s's model does not load: %s", path, g->id, why);
    }
    return r;
}

static int load_signs(ModelFile *m, SemioLearnerKind kind, json_object *signs,
                      const char *path, SemioError *err)
{
    m->sign = calloc((size_t)json_object_object_length(signs) + 1, sizeof(*m->sign));
    if (!m->sign)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_object_foreach(signs, key, val) {
        ModelSign *g = &m->sign[m->nsigns++];
        if (!(g->id = strdup(key)))
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        int r = json_object_is_type(val, json_type_object)
                ? load_classifier(g, kind, val, path, err)
                : semio_fail(err, SEMIO_ERR_FORMAT, "%s: sign %s is not an object", path, key);
        if (r < 0)
            return r;
    }
    return 0;
}

static int load_json(ModelFile *m, json_object *j, const char *path, SemioError *err)
{
    json_object *v = member(j, "semio_model", json_type_int);
    json_object *learner = member(j, "learner", json_type_string);
    json_object *sets = member(j, "features", json_type_array);
    json_object *cols = member(j, "columns", json_type_array);
    json_object *signs = member(j, "signs", json_type_object);
    SemioLearnerKind kind;
    if (!v || json_object_get_int(v) != 1 || !learner || !sets || !cols || !signs)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a semio model file (version 1: "
                          "semio_model, learner, features, columns, signs)", path);
    if (semio_learner_parse(json_object_get_string(learner), &kind) < 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: unknown learner '%s'", path,
                          json_object_get_string(learner));
    snprintf(m->learner, sizeof(m->learner), "%s", json_object_get_string(learner));
    json_object *prov = member(j, "provenance", json_type_object);
    m->provenance = prov ? json_object_get(prov) : json_object_new_object();
    int r = check_sets(m, sets, path, err);
    if (r == 0)
        r = load_columns(m, cols, path, err);
    if (r == 0)
        r = load_signs(m, kind, signs, path, err);
    return r;
}

int model_file_load(ModelFile *m, const char *path, SemioError *err)
{
    memset(m, 0, sizeof(*m));
    char *text = NULL;
    size_t size = 0;
    if (!path)
        return semio_fail(err, SEMIO_ERR_INVALID, "model: no model file (--model-file)");
    int r = semio_read_file(path, &text, &size, err);
    if (r < 0)
        return r;
    json_object *j = json_tokener_parse(text);
    free(text);
    r = j && json_object_is_type(j, json_type_object)
        ? load_json(m, j, path, err)
        : semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a semio model file (not JSON)", path);
    json_object_put(j);
    if (r < 0)
        model_file_free(m);
    return r;
}

void model_file_free(ModelFile *m)
{
    for (size_t i = 0; m->sign && i < m->nsigns; i++) {
        free(m->sign[i].id);
        semio_classifier_free(&m->sign[i].c);
    }
    free(m->sign);
    free(m->col_set);
    free(m->col_index);
    json_object_put(m->provenance);
    memset(m, 0, sizeof(*m));
}

const ModelSign *model_file_sign(const ModelFile *m, const char *id)
{
    for (size_t i = 0; i < m->nsigns; i++)
        if (!strcmp(m->sign[i].id, id))
            return &m->sign[i];
    return NULL;
}
