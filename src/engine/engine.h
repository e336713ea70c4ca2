/*
 * The engine plug-in interface: what an engine file implements (a const class of a name
 * and functions, as dav1d's demuxers) and what the ask loop reads of it before opening
 * one (its inputs, its default view, how its settings are recorded).
 */
#ifndef SEMIO_ENGINE_ENGINE_H
#define SEMIO_ENGINE_ENGINE_H

#include <json-c/json.h>

#include "semio/engine.h"

typedef struct SemioEngineClass {
    const char *name;
    const char *summary;       /* one line for semio help */
    unsigned inputs;           /* SemioEngineInput flags */
    const char *default_view;  /* the view asked when none is named */
    int reads_text;            /* 1: the question's text is asked; 0: the engine answers the
                                  sign itself and fingerprint() identifies its answers */
    int cpu_bound;             /* 1: it computes here, so ask runs a worker per core */
    /* A settings struct with the engine's defaults (caller frees), or NULL if it has none
     * usable without the user's values. */
    void *(*default_settings)(void);
    /* The run's record of the settings: adds to `run` (an object) what shapes the answers,
     * and gives the model's name and endpoints for the runs table. */
    int (*describe)(const void *settings, json_object *run, char *model, size_t model_size,
                    char *endpoints, size_t endpoints_size);
    /* For engines that read no text: what identifies their answers (their parameters). */
    void (*fingerprint)(const void *settings, char *out, size_t size);
    int (*open)(void **priv, const void *settings, SemioError *err);
    int (*submit)(void *priv, const SemioWindow *w, SemioError *err);
    int (*wait)(void *priv, SemioCompletionFn fn, void *user, SemioError *err);
    size_t (*pending)(const void *priv);
    size_t (*capacity)(const void *priv);
    void (*close)(void *priv);
} SemioEngineClass;

extern const SemioEngineClass semio_engine_openai;
extern const SemioEngineClass semio_engine_kinematic;
extern const SemioEngineClass semio_engine_model;
extern const SemioEngineClass semio_engine_llamacpp; /* where the meson feature llamacpp is built */

/** The class of the engine called `name`, or NULL (with err naming the known ones). */
const SemioEngineClass *semio_engine_find(const char *name, SemioError *err);

#endif
