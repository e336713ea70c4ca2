/*
 * semio train's result into the study, in one transaction: the run (engine "model"), its
 * folds, each (sign, fold)'s model, every segment's out-of-fold P(yes), and one answer per
 * recording and sign. A run of the same name is replaced inside the same transaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/train_internal.h"
#include "study/db.h"
#include "util/error.h"

/* One statement's step with its bindings done by the caller; reset for the next row. */
static int step(SemioStudy *s, sqlite3_stmt *st, const char *what, SemioError *err)
{
    int r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

/* 1 when the run exists, 0 when not; an existing run without replace is refused. */
static int run_exists(SemioStudy *s, const SemioTrainSettings *set, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id FROM runs WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, set->run, -1, SQLITE_STATIC);
    int exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (exists && !set->replace)
        return semio_fail(err, SEMIO_ERR_CONFLICT, "%s: run '%s' already exists (--replace "
                          "trains it again)", s->path, set->run);
    return exists;
}

int train_check_run(SemioStudy *s, const SemioTrainSettings *set, SemioError *err)
{
    int r = run_exists(s, set, err);
    return r < 0 ? r : 0;
}

static int replace_run(SemioStudy *s, const SemioTrainSettings *set, SemioError *err)
{
    sqlite3_stmt *st;
    int r = run_exists(s, set, err);
    if (r <= 0)
        return r;
    if ((r = semio_db_prepare(s, &st, "DELETE FROM runs WHERE name = ?", err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, set->run, -1, SQLITE_STATIC);
    r = step(s, st, "cannot replace the run", err);
    sqlite3_finalize(st);
    return r;
}

static const char *learner_name(SemioLearnerKind k)
{
    return k == SEMIO_LEARNER_LOGISTIC ? "logistic" : "xgboost";
}

/* Each (sign, fold)'s threshold, null where it failed: in the provenance too, so the run
 * says how its answers were cut without reading fold_models. */
static void add_thresholds(json_object *j, const TrainData *d, const TrainResult *res)
{
    json_object *t = json_object_new_object();
    for (size_t l = 0; l < d->nsigns; l++) {
        json_object *a = json_object_new_array();
        for (int f = 0; f < res->k; f++) {
            const TrainFold *tf = &res->fold[l * (size_t)res->k + (size_t)f];
            json_object_array_add(a, tf->ok ? json_object_new_double(tf->threshold) : NULL);
        }
        json_object_object_add(t, d->sign[l]->id, a);
    }
    json_object_object_add(j, "thresholds", t);
}

static int insert_run(SemioStudy *s, const TrainData *d, const SemioTrainSettings *set,
                      const TrainResult *res, int64_t *id, SemioError *err)
{
    json_object *j = train_provenance(d, set);
    if (!j)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    add_thresholds(j, d, res);
    sqlite3_stmt *st;
    char now[32];
    int r = semio_db_prepare(s, &st, "INSERT INTO runs(name, engine, model, view, segment_set, "
                                     "settings_json, source, version, created_at) VALUES "
                                     "(?, 'model', ?, 'features', ?, ?, ?, ?, ?)", err);
    if (r == 0) {
        sqlite3_bind_text(st, 1, set->run, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, learner_name(set->params.kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, d->segment_set, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 5, set->features, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, semio_version(), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, semio_db_now(now), -1, SQLITE_STATIC);
        r = step(s, st, "cannot create the run", err);
        *id = sqlite3_last_insert_rowid(s->db);
        sqlite3_finalize(st);
    }
    json_object_put(j);
    return r;
}

static int insert_folds(SemioStudy *s, const TrainData *d, int64_t run, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "INSERT OR IGNORE INTO run_folds(run_id, patient, fold) "
                                     "VALUES (?, ?, ?)", err);
    for (size_t i = 0; r == 0 && i < d->nrec; i++) {
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, d->patient[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, d->fold[i]);
        r = step(s, st, "cannot store the folds", err);
    }
    sqlite3_finalize(st);
    return r;
}

static int insert_models(SemioStudy *s, const TrainData *d, const TrainResult *res, int64_t run,
                         SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "INSERT INTO fold_models(run_id, sign, fold, status, error, "
                                     "threshold, train_rows, train_positives) VALUES "
                                     "(?, ?, ?, ?, ?, ?, ?, ?)", err);
    for (size_t l = 0; r == 0 && l < d->nsigns; l++)
        for (int f = 0; r == 0 && f < res->k; f++) {
            const TrainFold *tf = &res->fold[l * (size_t)res->k + (size_t)f];
            sqlite3_bind_int64(st, 1, run);
            sqlite3_bind_text(st, 2, d->sign[l]->id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3, f);
            sqlite3_bind_text(st, 4, tf->ok ? "ok" : "failed", -1, SQLITE_STATIC);
            if (!tf->ok)
                sqlite3_bind_text(st, 5, tf->error, -1, SQLITE_STATIC);
            else
                sqlite3_bind_double(st, 6, tf->threshold);
            sqlite3_bind_int64(st, 7, tf->train_rows);
            sqlite3_bind_int64(st, 8, tf->train_positives);
            r = step(s, st, "cannot store a fold's model", err);
        }
    sqlite3_finalize(st);
    return r;
}

/* Every segment's out-of-fold P(yes) (NULL where its fold's model failed). */
static int insert_predictions(SemioStudy *s, const TrainData *d, const TrainResult *res,
                              int64_t run, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "INSERT INTO fold_predictions(run_id, segment_id, sign, "
                                     "fold, p_yes) VALUES (?, ?, ?, ?, ?)", err);
    for (size_t l = 0; r == 0 && l < d->nsigns; l++)
        for (size_t i = 0; r == 0 && i < d->nrec; i++)
            for (size_t k = d->first[i]; r == 0 && k < d->first[i] + d->count[i]; k++) {
                double p = res->p_row[l * d->m.nrows + k];
                sqlite3_bind_int64(st, 1, run);
                sqlite3_bind_int64(st, 2, d->m.segment[k]);
                sqlite3_bind_text(st, 3, d->sign[l]->id, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 4, d->fold[i]);
                if (!isnan(p))
                    sqlite3_bind_double(st, 5, p);
                r = step(s, st, "cannot store a prediction", err);
            }
    sqlite3_finalize(st);
    return r;
}

/* A recording's answer: its merged P(yes) against its fold's threshold, or its fold's
 * reason for having no model. */
static int insert_answer(SemioStudy *s, sqlite3_stmt *st, const TrainData *d,
                         const TrainResult *res, int64_t run, size_t l, size_t i,
                         const char *now, SemioError *err)
{
    const TrainFold *tf = &res->fold[l * (size_t)res->k + (size_t)d->fold[i]];
    double p = res->p_rec[l * d->nrec + i];
    char why[256];
    int ok = tf->ok && !isnan(p);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, d->video[i]);
    sqlite3_bind_text(st, 3, d->sign[l]->id, -1, SQLITE_STATIC);
    if (ok) {
        int yes = p >= tf->threshold;
        snprintf(why, sizeof(why), "out-of-fold P(yes) %.2f %s fold %d's threshold %.2f", p,
                 yes ? "\xe2\x89\xa5" : "<", d->fold[i], tf->threshold);
        sqlite3_bind_text(st, 4, yes ? "yes" : "no", -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, p);
        sqlite3_bind_text(st, 6, why, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_text(st, 7, tf->ok ? "no P(yes) for any segment" : tf->error, -1,
                          SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 8, ok ? "ok" : "failed", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    return step(s, st, "cannot store an answer", err);
}

static int insert_answers(SemioStudy *s, const TrainData *d, const TrainResult *res,
                          int64_t run, SemioError *err)
{
    sqlite3_stmt *st;
    char now[32];
    semio_db_now(now);
    int r = semio_db_prepare(s, &st, "INSERT INTO answers(run_id, video_id, segment_id, sign, "
                                     "view, prompt_hash, answer, p_yes, justification, error, "
                                     "status, answered_at) VALUES (?, ?, NULL, ?, 'features', '', "
                                     "?, ?, ?, ?, ?, ?)", err);
    for (size_t l = 0; r == 0 && l < d->nsigns; l++)
        for (size_t i = 0; r == 0 && i < d->nrec; i++)
            r = insert_answer(s, st, d, res, run, l, i, now, err);
    sqlite3_finalize(st);
    return r;
}

int train_store(SemioStudy *s, const TrainData *d, const SemioTrainSettings *set,
                const TrainResult *res, SemioError *err)
{
    int64_t run = 0;
    int r = semio_db_begin(s, err);
    if (r < 0)
        return r;
    if ((r = replace_run(s, set, err)) == 0 && (r = insert_run(s, d, set, res, &run, err)) == 0 &&
        (r = insert_folds(s, d, run, err)) == 0 && (r = insert_models(s, d, res, run, err)) == 0 &&
        (r = insert_predictions(s, d, res, run, err)) == 0)
        r = insert_answers(s, d, res, run, err);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    return r;
}
