/*
 * The engines semio knows, in one place: adding an engine is its own file plus one line
 * here. Calls on an open engine go through its class.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "semio_config.h"
#include "util/error.h"

static const SemioEngineClass *const engines[] = {
    &semio_engine_openai,
    &semio_engine_kinematic,
    &semio_engine_model,
#if SEMIO_HAVE_LLAMACPP
    &semio_engine_llamacpp,
#endif
};

#define NENGINES (sizeof(engines) / sizeof(*engines))

struct SemioEngine {
    const SemioEngineClass *cls;
    void *priv;
};

const char *semio_engine_name_at(size_t i)
{
    return i < NENGINES ? engines[i]->name : NULL;
}

const SemioEngineClass *semio_engine_find(const char *name, SemioError *err)
{
    for (size_t i = 0; i < NENGINES; i++)
        if (name && !strcmp(engines[i]->name, name))
            return engines[i];
    if (name && !strcmp(name, "llamacpp")) /* known, but left out of this build */
        return semio_fail_not_built(err, "llamacpp"), NULL;
    char known[256] = "";
    for (size_t i = 0; i < NENGINES; i++)
        snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", i ? ", " : "",
                 engines[i]->name);
    semio_fail(err, SEMIO_ERR_NOT_FOUND, "no engine '%s' (%s)", name ? name : "", known);
    return NULL;
}

int semio_engine_open(SemioEngine **out, const char *name, const void *settings,
                      SemioError *err)
{
    *out = NULL;
    const SemioEngineClass *cls = semio_engine_find(name, err);
    if (!cls)
        return SEMIO_ERR_NOT_FOUND;
    SemioEngine *e = calloc(1, sizeof(*e));
    if (!e)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    void *defaults = NULL;
    if (!settings && cls->default_settings && !(settings = defaults = cls->default_settings())) {
        free(e);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    int r = settings ? cls->open(&e->priv, settings, err)
                     : semio_fail(err, SEMIO_ERR_INVALID, "%s: the engine needs its settings",
                                  cls->name);
    free(defaults);
    if (r < 0) {
        free(e);
        return r;
    }
    e->cls = cls;
    *out = e;
    return 0;
}

const char *semio_engine_name(const SemioEngine *e)
{
    return e->cls->name;
}

unsigned semio_engine_inputs(const SemioEngine *e)
{
    return e->cls->inputs;
}

int semio_engine_submit(SemioEngine *e, const SemioWindow *w, SemioError *err)
{
    return e->cls->submit(e->priv, w, err);
}

int semio_engine_wait(SemioEngine *e, SemioCompletionFn fn, void *user, SemioError *err)
{
    return e->cls->wait(e->priv, fn, user, err);
}

size_t semio_engine_pending(const SemioEngine *e)
{
    return e->cls->pending(e->priv);
}

size_t semio_engine_capacity(const SemioEngine *e)
{
    return e->cls->capacity(e->priv);
}

void semio_engine_close(SemioEngine **pe)
{
    SemioEngine *e = *pe;
    if (!e)
        return;
    e->cls->close(e->priv);
    free(e);
    *pe = NULL;
}
