/* The catalog of semiological signs (data/signs.tsv): ids, groups, views, definitions. */
#ifndef SEMIO_SIGNS_H
#define SEMIO_SIGNS_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a recording's window answers about a sign make the recording's answer. */
typedef enum SemioSignMerge {
    SEMIO_SIGN_MERGE_ANY = 0,   /**< yes if any window says yes (the pilot's default) */
    SEMIO_SIGN_MERGE_FIRST = 1, /**< the earliest window's answer: a sign about how the
                                     seizure began (occur_during_sleep), which a later,
                                     post-ictal window of a patient lying still would turn */
} SemioSignMerge;

typedef struct SemioSign {
    const char *id;         /**< the pilot study's column name, e.g. "figure4" */
    const char *group;      /**< "limb", "facial" or "audio" */
    const char *modality;   /**< "video" or "audio" */
    const char *view;       /**< the view the pilot used: "pose", "face" or "audio" */
    const char *definition; /**< a short clinical definition */
    SemioSignMerge merge;   /**< how its window answers merge */
} SemioSign;

typedef struct SemioSignSet SemioSignSet;

/**
 * Loads a catalog file, or the built-in one when path is NULL. Columns: id, group,
 * modality, view, merge (any or first), definition; a file without the merge column
 * merges every sign by any.
 */
SEMIO_API int semio_signs_open(SemioSignSet **out, const char *path, SemioError *err);
SEMIO_API void semio_signs_close(SemioSignSet **set);

SEMIO_API size_t semio_signs_count(const SemioSignSet *set);
SEMIO_API const SemioSign *semio_signs_get(const SemioSignSet *set, size_t i);
/** The sign with this id, or NULL. */
SEMIO_API const SemioSign *semio_signs_find(const SemioSignSet *set, const char *id);

#ifdef __cplusplus
}
#endif
#endif
