/*
 * The engine "model": a model file of `semio train --final` answering windows. A window's
 * kinematic and sound features are computed once when it is submitted (the same numbers
 * `semio features` stores), every question is one prediction, and the answers wait in a
 * queue for the ask loop, as the kinematic engine's do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/completions.h"
#include "engine/engine.h"
#include "engine/model/model_file.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct Done {
    int ok;
    int yes;
    double p;
    char text[256];            /* the justification, or why it failed */
} Done;

typedef struct Model {
    ModelFile file;
    SemioCompletions done; /* of Done */
} Model;

static void model_fingerprint(const void *settings, char *out, size_t size)
{
    const SemioModelSettings *s = settings;
    char *text = NULL, hex[65] = "unreadable";
    size_t n;
    SemioError err = { 0 };
    /* the file's bytes identify the answers: a retrained model is a different run */
    if (s->model_file && semio_read_file(s->model_file, &text, &n, &err) == 0)
        semio_text_hash(text, hex);
    free(text);
    snprintf(out, size, "model-file-sha256=%s", hex);
}

static int model_describe(const void *settings, json_object *run, char *model,
                          size_t model_size, char *endpoints, size_t endpoints_size)
{
    const SemioModelSettings *s = settings;
    ModelFile m;
    SemioError err = { 0 };
    char fp[128];
    model_fingerprint(settings, fp, sizeof(fp));
    json_object_object_add(run, "model_file", json_object_new_string(s->model_file ? s->model_file
                                                                                 : ""));
    json_object_object_add(run, "model_file_sha256", json_object_new_string(fp + 18));
    if (model_file_load(&m, s->model_file, &err) == 0) {
        json_object_object_add(run, "provenance", json_object_get(m.provenance));
        snprintf(model, model_size, "%s", m.learner);
        model_file_free(&m);
    } else {
        snprintf(model, model_size, "model");
    }
    snprintf(endpoints, endpoints_size, "%s", "");
    return 0;
}

static int model_open(void **out, const void *settings, SemioError *err)
{
    Model *k = calloc(1, sizeof(*k));
    if (!k)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = model_file_load(&k->file, ((const SemioModelSettings *)settings)->model_file, err);
    if (r < 0) {
        free(k);
        return r;
    }
    *out = k;
    return 0;
}

/* The window's features in the model's column order (NaN where the signal was missing). */
static int window_row(const ModelFile *m, const SemioSignals *sig, double *row,
                      SemioError *err)
{
    double *set[MODEL_NSETS] = { NULL, NULL };
    int r = 0;
    for (int s = 0; r == 0 && s < MODEL_NSETS; s++) {
        if (!m->set_size[s])
            continue; /* a set the model does not use is not computed */
        if (!(set[s] = malloc(m->set_size[s] * sizeof(double))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            r = s == MODEL_SET_KINEMATIC ? semio_features_kinematic(sig, set[s], err)
                                         : semio_features_sound(sig, set[s], err);
    }
    for (size_t c = 0; r == 0 && c < m->ncols; c++)
        row[c] = set[m->col_set[c]][m->col_index[c]];
    free(set[0]);
    free(set[1]);
    return r;
}

static void answer(const ModelFile *m, const SemioQuestion *q, const double *row, Done *d)
{
    const ModelSign *g = model_file_sign(m, q->sign->id);
    SemioError err = { 0 };
    if (!g) {
        snprintf(d->text, sizeof(d->text), "the model file has no classifier for %s (trained "
                 "without it, or too few recordings showed it)", q->sign->id);
        return;
    }
    if (semio_classifier_predict(g->c, row, 1, &d->p, &err) < 0 || isnan(d->p)) {
        snprintf(d->text, sizeof(d->text), "prediction failed: %.200s", err.message);
        return;
    }
    d->ok = 1;
    d->yes = d->p >= g->threshold;
    snprintf(d->text, sizeof(d->text), "P(yes) %.2f %s threshold %.2f (%s on %zu %s features)",
             d->p, d->yes ? "\xe2\x89\xa5" : "<", g->threshold, m->learner, m->ncols, m->sets);
}

static int model_submit(void *priv, const SemioWindow *w, SemioError *err)
{
    Model *k = priv;
    if (!w->signals)
        return semio_fail(err, SEMIO_ERR_INVALID, "model: the window has no signals");
    double t0 = semio_monotonic_s();
    double *row = malloc((k->file.ncols + 1) * sizeof(*row));
    int r = row ? window_row(&k->file, w->signals, row, err)
                : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    /* the features serve every question: each answer carries its share of their time */
    double ms = (semio_monotonic_s() - t0) * 1000 / (double)(w->nquestions ? w->nquestions : 1);
    for (size_t i = 0; r == 0 && i < w->nquestions; i++) {
        Done *d = semio_completions_add(&k->done, sizeof(*d), w->questions[i].user, ms, err);
        if (!d) {
            r = SEMIO_ERR_NOMEM;
            break;
        }
        answer(&k->file, &w->questions[i], row, d);
    }
    free(row);
    return r;
}

static void completion(void *item, SemioCompletion *c)
{
    Done *d = item;
    c->ok = d->ok;
    c->answer = (SemioParsedAnswer){ d->yes ? SEMIO_ANSWER_YES : SEMIO_ANSWER_NO,
                                     d->ok ? d->text : NULL, NAN };
    c->p_yes = d->ok ? d->p : NAN;
    c->raw = d->text;
    c->error = d->ok ? NULL : d->text;
}

static int model_wait(void *priv, SemioCompletionFn fn, void *user, SemioError *err)
{
    (void)err;
    semio_completions_deliver(&((Model *)priv)->done, completion, fn, user);
    return 0;
}

static size_t model_pending(const void *priv)
{
    return ((const Model *)priv)->done.pending;
}

static size_t model_capacity(const void *priv)
{
    (void)priv;
    return 1;
}

static void model_close(void *priv)
{
    Model *k = priv;
    if (k) {
        semio_completions_free(&k->done);
        model_file_free(&k->file);
    }
    free(k);
}

const SemioEngineClass semio_engine_model = {
    .name = "model",
    .summary = "a model trained by semio train --final on kinematic and sound features",
    .inputs = SEMIO_INPUT_SIGNALS,
    .default_view = "signals",
    .reads_text = 0,
    .cpu_bound = 1,
    .default_settings = NULL,
    .describe = model_describe,
    .fingerprint = model_fingerprint,
    .open = model_open,
    .submit = model_submit,
    .wait = model_wait,
    .pending = model_pending,
    .capacity = model_capacity,
    .close = model_close,
};
