/*
 * The model file `semio train --final` writes, loaded for the engine "model": the learner,
 * the columns in the order the classifiers take them (each a feature semio computes from a
 * window), and per sign a threshold and a classifier.
 */
#ifndef SEMIO_ENGINE_MODEL_FILE_H
#define SEMIO_ENGINE_MODEL_FILE_H

#include <json-c/json.h>

#include "semio/learn.h"

/* The feature sets a window's signals give; the others need the recording or a network. */
enum { MODEL_SET_KINEMATIC, MODEL_SET_SOUND, MODEL_NSETS };

typedef struct ModelSign {
    char *id;
    double threshold;
    SemioClassifier *c;
} ModelSign;

typedef struct ModelFile {
    char learner[16];
    char sets[64];             /* "kinematic, sound": for the justifications */
    size_t ncols;
    int *col_set;              /* each column's MODEL_SET_* */
    size_t *col_index;         /* ... and its place in that set's documented order */
    size_t set_size[MODEL_NSETS];
    ModelSign *sign;
    size_t nsigns;
    json_object *provenance;   /* owned */
} ModelFile;

/* Loads and checks `path`; every error names the file. */
int model_file_load(ModelFile *m, const char *path, SemioError *err);
void model_file_free(ModelFile *m);

/* The sign's entry, or NULL when the model has none. */
const ModelSign *model_file_sign(const ModelFile *m, const char *id);

#endif
