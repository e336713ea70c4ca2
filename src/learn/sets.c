/* The feature sets semio knows: their names, sizes and how each is computed, in one table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "learn/features.h"
#include "learn/onnx.h"
#include "util/error.h"

static int kinematic(const LearnWindow *w, const SemioFeatureSettings *set, void *state,
                     double *out, SemioError *err)
{
    return semio_features_kinematic(w->sig, out, err);
}

static void kinematic_describe(const SemioFeatureSettings *set, void *state, char *json,
                               size_t size)
{
    /* the engine's default thresholds: the version says when the measures change */
    size_t n;
    learn_kinematic_docs(&n);
    snprintf(json, size, "{\"version\":1,\"features\":%zu}", n);
}

static int sound(const LearnWindow *w, const SemioFeatureSettings *set, void *state,
                 double *out, SemioError *err)
{
    return semio_features_sound(w->sig, out, err);
}

static void sound_describe(const SemioFeatureSettings *set, void *state, char *json, size_t size)
{
    size_t n;
    learn_sound_docs(&n);
    snprintf(json, size, "{\"version\":1,\"rate\":16000,\"features\":%zu}", n);
}

static size_t motion_count(const SemioFeatureSettings *set, void *state)
{
    return learn_motion_count(set->motion.grid);
}

static void motion_name(const SemioFeatureSettings *set, void *state, size_t i, char *out,
                        size_t size)
{
    learn_motion_name(i, set->motion.grid, out, size);
}

static int motion_open(void **state, const SemioFeatureSettings *set, SemioError *err)
{
    return learn_motion_open((LearnMotion **)state, err);
}

static void motion_close(void *state)
{
    learn_motion_close(state);
}

static int motion(const LearnWindow *w, const SemioFeatureSettings *set, void *state,
                  double *out, SemioError *err)
{
    return learn_motion_compute(state, w->path, w->start, w->end, &set->motion, out, err);
}

static void motion_describe(const SemioFeatureSettings *set, void *state, char *json,
                            size_t size)
{
    snprintf(json, size, "{\"version\":1,\"fps\":%g,\"grid\":%d,\"max_side\":%d}",
             set->motion.fps, set->motion.grid, set->motion.max_side);
}

/* onnx: the network, loaded once per run, embeds each window */
static int onnx_open(void **state, const SemioFeatureSettings *set, SemioError *err)
{
    if (!set->onnx_model)
        return semio_fail(err, SEMIO_ERR_INVALID, "features: set onnx needs --onnx-model "
                          "FILE.onnx (a video network exported to ONNX)");
    return learn_onnx_open((LearnOnnx **)state, set->onnx_model, set->onnx_settings_json, err);
}

static void onnx_close(void *state)
{
    LearnOnnx *o = state;
    learn_onnx_close(&o);
}

static size_t onnx_count(const SemioFeatureSettings *set, void *state)
{
    return learn_onnx_dim(state);
}

static void onnx_name(const SemioFeatureSettings *set, void *state, size_t i, char *out,
                      size_t size)
{
    learn_onnx_feature_name(state, i, out, size);
}

static int onnx(const LearnWindow *w, const SemioFeatureSettings *set, void *state, double *out,
                SemioError *err)
{
    return learn_onnx_embed(state, w->path, w->start, w->end, out, err);
}

static void onnx_describe(const SemioFeatureSettings *set, void *state, char *json, size_t size)
{
    snprintf(json, size, "%s", learn_onnx_settings(state));
}

static const LearnSet sets[] = {
    { "kinematic", 1, 1, 0, learn_kinematic_docs, NULL, NULL, NULL, NULL, kinematic,
      kinematic_describe },
    { "motion", 1, 0, 0, NULL, motion_open, motion_close, motion_count, motion_name, motion,
      motion_describe },
    { "sound", 1, 1, 1, learn_sound_docs, NULL, NULL, NULL, NULL, sound, sound_describe },
    { "onnx", 1, 0, 0, NULL, onnx_open, onnx_close, onnx_count, onnx_name, onnx,
      onnx_describe },
    { "import", 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const LearnSet *learn_set_find(const char *name)
{
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        if (!strcmp(sets[i].name, name))
            return &sets[i];
    return NULL;
}

size_t learn_set_count(const LearnSet *ls, const SemioFeatureSettings *set, void *state)
{
    size_t n = 0;
    if (ls->docs)
        ls->docs(&n);
    return ls->docs ? n : ls->count(set, state);
}

void learn_set_name(const LearnSet *ls, const SemioFeatureSettings *set, void *state, size_t i,
                    char *out, size_t size)
{
    size_t n;
    if (ls->docs)
        snprintf(out, size, "%s", ls->docs(&n)[i].name);
    else
        ls->name_at(set, state, i, out, size);
}

const char *semio_feature_set_at(size_t i)
{
    return i < sizeof(sets) / sizeof(sets[0]) ? sets[i].name : NULL;
}

const SemioFeatureDoc *semio_feature_docs(const char *set, size_t *n)
{
    *n = 0;
    if (!set)
        return NULL;
    if (!strcmp(set, "kinematic"))
        return learn_kinematic_docs(n);
    if (!strcmp(set, "motion"))
        return learn_motion_docs(n);
    if (!strcmp(set, "sound"))
        return learn_sound_docs(n);
    return NULL;
}

void semio_feature_default_settings(SemioFeatureSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->sets = "kinematic,motion,sound";
    semio_motion_default_settings(&s->motion);
}
