/*
 * The kinematic engine as a plug-in: a window's signals are measured once when it is
 * submitted and every question is read from the measurements, so its answers wait in a
 * queue for the ask loop to collect. A sign without its signal completes as a failure
 * whose text says what could not be measured.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/completions.h"
#include "engine/engine.h"
#include "semio/eval.h"
#include "semio/kinematic.h"
#include "util/clock.h"
#include "util/error.h"

typedef struct Kinematic {
    SemioKinematicSettings set;
    SemioCompletions done; /* of SemioKinematicAnswer */
} Kinematic;

static void *kinematic_defaults(void)
{
    SemioKinematicSettings *s = malloc(sizeof(*s));
    if (s)
        semio_kinematic_default_settings(s);
    return s;
}

static void kinematic_fingerprint(const void *settings, char *out, size_t size)
{
    semio_kinematic_describe(settings, out, size);
}

static int kinematic_describe(const void *settings, json_object *run, char *model,
                              size_t model_size, char *endpoints, size_t endpoints_size)
{
    char params[4096];
    semio_kinematic_describe(settings, params, sizeof(params));
    json_object_object_add(run, "parameters", json_object_new_string(params));
    snprintf(model, model_size, "kinematic");
    snprintf(endpoints, endpoints_size, "%s", "");
    return 0;
}

static int kinematic_open(void **out, const void *settings, SemioError *err)
{
    Kinematic *k = calloc(1, sizeof(*k));
    if (!k)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    k->set = *(const SemioKinematicSettings *)settings;
    *out = k;
    return 0;
}

static int kinematic_submit(void *priv, const SemioWindow *w, SemioError *err)
{
    Kinematic *k = priv;
    if (!w->signals)
        return semio_fail(err, SEMIO_ERR_INVALID, "kinematic: the window has no signals");
    SemioKinematic *m = NULL;
    double t0 = semio_monotonic_s();
    int r = semio_kinematic_analyze(&m, &k->set, w->signals, err);
    if (r < 0)
        return r;
    /* the measurements serve every question: each answer carries its share of their time */
    double ms = (semio_monotonic_s() - t0) * 1000 / (double)(w->nquestions ? w->nquestions : 1);
    for (size_t i = 0; i < w->nquestions; i++) {
        SemioKinematicAnswer *a = semio_completions_add(&k->done, sizeof(*a),
                                                        w->questions[i].user, ms, err);
        if (!a) {
            r = SEMIO_ERR_NOMEM;
            break;
        }
        semio_kinematic_answer(m, w->questions[i].sign->id, a);
    }
    semio_kinematic_close(&m);
    return r;
}

/* A sign that could not be measured fails, its justification saying why. */
static void completion(void *item, SemioCompletion *c)
{
    SemioKinematicAnswer *a = item;
    int ok = a->answer >= 0;
    c->ok = ok;
    c->answer = (SemioParsedAnswer){ ok ? a->answer : 0, ok ? a->justification : NULL,
                                     a->onset_s };
    c->p_yes = ok ? a->score : NAN;
    c->raw = ok ? a->justification : NULL;
    c->error = ok ? NULL : a->justification;
}

static int kinematic_wait(void *priv, SemioCompletionFn fn, void *user, SemioError *err)
{
    semio_completions_deliver(&((Kinematic *)priv)->done, completion, fn, user);
    return 0;
}

static size_t kinematic_pending(const void *priv)
{
    return ((const Kinematic *)priv)->done.pending;
}

static size_t kinematic_capacity(const void *priv)
{
    return 1;
}

static void kinematic_close(void *priv)
{
    Kinematic *k = priv;
    if (k)
        semio_completions_free(&k->done);
    free(k);
}

const SemioEngineClass semio_engine_kinematic = {
    .name = "kinematic",
    .summary = "the built-in, weight-free engine: keypoints, face points and sound measured",
    .inputs = SEMIO_INPUT_SIGNALS,
    .default_view = "signals",
    .reads_text = 0,
    .cpu_bound = 1,
    .default_settings = kinematic_defaults,
    .describe = kinematic_describe,
    .fingerprint = kinematic_fingerprint,
    .open = kinematic_open,
    .submit = kinematic_submit,
    .wait = kinematic_wait,
    .pending = kinematic_pending,
    .capacity = kinematic_capacity,
    .close = kinematic_close,
};
