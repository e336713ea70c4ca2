/*
 * Prompt search (semio prompts): a reflective evolutionary search for a sign's question in
 * the manner of GEPA, on a split of the patients made once; and the scoring of any prompt
 * set on a split's train or validation patients, for optimizers written elsewhere.
 */
#ifndef SEMIO_SEARCH_H
#define SEMIO_SEARCH_H

#include "semio/common.h"
#include "semio/engine.h"
#include "semio/study.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioSearchSettings {
    const char *name;        /**< the search (its split, candidates and answers) */
    const char *signs;       /**< comma list of sign ids */
    const char *prompts;     /**< the base questions and the format: a file, NULL built-in */
    const char *segments;    /**< segment set, NULL the newest */
    const char *sampling;    /**< sampling key, NULL the newest on the set */
    const SemioOpenAISettings *engine;  /**< the model asked */
    const SemioOpenAISettings *reflect; /**< the model that rewrites (text only) */
    int64_t budget;          /**< questions to the asked model per sign, every part (200) */
    int minibatch;           /**< training windows per step (8) */
    int cases;               /**< wrong answers shown to the reflection model (4) */
    int finalists;           /**< candidates of the front scored on validation (3) */
    int patience;            /**< the search of a sign ends after this many steps in a row
                                  keep no new question (20): a reflection model that only
                                  repeats itself would otherwise be asked until the budget */
    uint64_t seed;           /**< the split, the minibatches, the parents (1) */
    int resamples;           /**< bootstrap resamples of test patients (2000) */
} SemioSearchSettings;

SEMIO_API void semio_search_default_settings(SemioSearchSettings *s);

/**
 * Makes the search `name` with its split of the patients (train 1/2, validation 1/4,
 * test 1/4, each part's share of patients with a "yes" for the first sign kept alike),
 * or leaves one that exists. Fails with fewer than 4 labelled patients.
 */
SEMIO_API int semio_prompt_split(SemioStudy *s, const char *name, const char *signs,
                                 uint64_t seed, SemioError *err);

/**
 * Runs (or resumes) the search and chooses a question per sign on validation; the base
 * and the chosen question are then scored on the test patients, never asked before.
 * *json: per sign, the questions, scores per part, the paired interval, the spend.
 */
SEMIO_API int semio_prompt_optimize(SemioStudy *s, const SemioSearchSettings *set, char **json,
                                    SemioError *err);

/**
 * Scores the questions of set->prompts on the search's "train" or "validation" patients,
 * with the search's answers as the cache. "test" is refused: those patients are for the
 * search's final report only.
 */
SEMIO_API int semio_prompt_evaluate(SemioStudy *s, const SemioSearchSettings *set,
                                    const char *part, char **json, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
