/* Storing a model's answer to one question about one window: a row of the answers table,
 * as `semio ask` and the prompt search write it. */
#ifndef SEMIO_STAGES_ANSWERS_H
#define SEMIO_STAGES_ANSWERS_H

#include <stdint.h>

#include "semio/engine.h"
#include "study/db.h"

/* Prepares the statement semio_store_answer steps. */
int semio_answers_prepare_insert(SemioStudy *s, sqlite3_stmt **insert, SemioError *err);

/*
 * Stores a completion as the answer of `run` about `sign` in a window (`video`, `segment`)
 * seen as `view`, asked with the prompt whose hash is `hash`: 0, or -1 when SQLite failed
 * (semio_db_fail says why). A question already answered keeps the answer it has.
 */
int semio_store_answer(sqlite3_stmt *insert, int64_t run, int64_t video, int64_t segment,
                       const char *sign, const char *view, const char *hash,
                       const SemioCompletion *c);

#endif
