/* The catalog of semiological signs (data/signs.tsv): ids, groups, views, definitions. */
#ifndef SEMIO_SIGNS_H
#define SEMIO_SIGNS_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioSign {
    const char *id;         /**< the pilot study's column name, e.g. "figure4" */
    const char *group;      /**< "limb", "facial" or "audio" */
    const char *modality;   /**< "video" or "audio" */
    const char *view;       /**< the view the pilot used: "pose", "face" or "audio" */
    const char *definition; /**< a short clinical definition */
} SemioSign;

typedef struct SemioSignSet SemioSignSet;

/** Loads a catalog file, or the built-in one when path is NULL. */
int semio_signs_load(SemioSignSet **out, const char *path, SemioError *err);
void semio_signs_free(SemioSignSet **set);

size_t semio_signs_count(const SemioSignSet *set);
const SemioSign *semio_signs_get(const SemioSignSet *set, size_t i);
/** The sign with this id, or NULL. */
const SemioSign *semio_signs_find(const SemioSignSet *set, const char *id);

#ifdef __cplusplus
}
#endif
#endif
