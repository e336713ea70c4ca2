/*
 * Robustness from a study: the windows' own answers (segment-level, not merged into
 * recordings) of runs that asked the same windows with reworded questions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/eval.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/error.h"

typedef struct SetRun {
    int64_t id;
    char segments[256]; /* the run's segment set; "" when it has none (imported) */
    size_t index;       /* in the evaluation */
} SetRun;

static int find_run(SemioStudy *s, const SemioEval *ev, const char *name, SetRun *o,
                    SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, coalesce(segment_set, '') FROM runs "
                                     "WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        o->id = sqlite3_column_int64(st, 0);
        snprintf(o->segments, sizeof(o->segments), "%s", (const char *)sqlite3_column_text(st, 1));
    } else {
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s' (semio status lists "
                       "them)", s->path, name);
    }
    sqlite3_finalize(st);
    for (o->index = 0; r == 0 && o->index < semio_eval_runs(ev); o->index++)
        if (!semio_eval_run_derived(ev, o->index) && !strcmp(semio_eval_run_name(ev, o->index), name))
            return 0;
    return r < 0 ? r : semio_fail(err, SEMIO_ERR_INVALID, "robustness: run '%s' is not in the "
                                  "evaluation (name it with --run too)", name);
}

/* Windows (recording, segment) that both runs answered anything on. */
static int64_t shared_windows(SemioStudy *s, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM (SELECT DISTINCT video_id, segment_id "
                                  "FROM answers WHERE run_id = ?1 INTERSECT SELECT DISTINCT "
                                  "video_id, segment_id FROM answers WHERE run_id = ?2)", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}

/* Every set must have asked the first one's windows: the same segment set, and some
 * window in common (imported runs have no segment set; their windows are recordings). */
static int same_windows(SemioStudy *s, const SetRun *runs, const char *const *names, size_t n,
                        SemioError *err)
{
    for (size_t k = 1; k < n; k++) {
        if (strcmp(runs[k].segments, runs[0].segments))
            return semio_fail(err, SEMIO_ERR_INVALID, "robustness: run '%s' asked segment set "
                              "'%s', run '%s' asked '%s': the prompt sets must ask the same "
                              "windows", names[k], runs[k].segments, names[0], runs[0].segments);
        if (shared_windows(s, runs[0].id, runs[k].id) == 0)
            return semio_fail(err, SEMIO_ERR_INVALID, "robustness: run '%s' shares no window "
                              "with run '%s'", names[k], names[0]);
    }
    return 0;
}

typedef struct Windows {
    size_t n, cap, nsets;
    size_t *sign;
    uint8_t *answers;
} Windows;

static int add_window(Windows *w, size_t sign, SemioError *err)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        size_t *ns = realloc(w->sign, w->cap * sizeof(size_t));
        w->sign = ns ? ns : w->sign;
        uint8_t *na = realloc(w->answers, w->cap * w->nsets);
        w->answers = na ? na : w->answers;
        if (!ns || !na)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    w->sign[w->n] = sign;
    memset(w->answers + w->n * w->nsets, SEMIO_ANSWER_MISSING, w->nsets);
    w->n++;
    return 0;
}

static uint8_t answer_of(sqlite3_stmt *st, int col_answer, int col_status)
{
    const char *text = (const char *)sqlite3_column_text(st, col_answer);
    return !strcmp((const char *)sqlite3_column_text(st, col_status), "failed") ? SEMIO_ANSWER_FAILED
         : !text ? SEMIO_ANSWER_MISSING
         : !strcmp(text, "yes") ? SEMIO_ANSWER_YES
         : !strcmp(text, "no") ? SEMIO_ANSWER_NO : SEMIO_ANSWER_NA;
}

/* A window is a (recording, segment, view) of a labeled recording, for one scored sign.
 * A set's several answers there (prompts of one set) merge by any-yes. */
static int load_windows(SemioStudy *s, const SemioEval *ev, const SetRun *runs, size_t nsets,
                        Windows *w, SemioError *err)
{
    char sql[1024 + 24 * 64];
    size_t len = (size_t)snprintf(sql, sizeof(sql),
                                  "SELECT video_id, coalesce(segment_id, -1), view, sign, run_id, "
                                  "answer, status FROM answers WHERE video_id IN (SELECT "
                                  "video_id FROM labels) AND run_id IN (");
    for (size_t k = 0; k < nsets; k++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%lld", k ? "," : "",
                                (long long)runs[k].id);
    snprintf(sql + len, sizeof(sql) - len, ") ORDER BY 1, 2, 3, 4");
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    int64_t video = -1, segment = -2;
    char view[64] = "", sign[64] = "";
    int in = 0; /* the current group is a scored sign's window */
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 2);
        const char *g = (const char *)sqlite3_column_text(st, 3);
        if (sqlite3_column_int64(st, 0) != video || sqlite3_column_int64(st, 1) != segment ||
            strcmp(v, view) || strcmp(g, sign)) {
            video = sqlite3_column_int64(st, 0);
            segment = sqlite3_column_int64(st, 1);
            snprintf(view, sizeof(view), "%s", v);
            snprintf(sign, sizeof(sign), "%s", g);
            in = 0;
            for (size_t i = 0; i < semio_eval_signs(ev) && !in; i++)
                if (!strcmp(semio_eval_sign(ev, i), g))
                    in = (r = add_window(w, i, err)) == 0;
        }
        if (!in)
            continue;
        size_t k = 0;
        while (k < nsets && runs[k].id != sqlite3_column_int64(st, 4))
            k++;
        uint8_t *cur = &w->answers[(w->n - 1) * nsets + k], pair[2] = { *cur, answer_of(st, 5, 6) };
        double p;
        semio_aggregate(SEMIO_AGG_ANY_YES, 1, 0.5, pair, NULL, 2, cur, &p);
    }
    sqlite3_finalize(st);
    return r;
}

int semio_robustness_from_study(SemioRobustness **out, SemioStudy *s, const SemioEval *ev,
                                const char *const *names, size_t n, SemioError *err)
{
    *out = NULL;
    if (n < 2)
        return semio_fail(err, SEMIO_ERR_INVALID, "robustness: give at least two runs (prompt "
                          "sets) to compare");
    if (n > 64)
        return semio_fail(err, SEMIO_ERR_INVALID, "robustness: at most 64 runs");
    SetRun runs[64];
    size_t index[64];
    int r = 0;
    for (size_t k = 0; k < n && r == 0; k++) {
        r = find_run(s, ev, names[k], &runs[k], err);
        index[k] = runs[k].index;
    }
    if (r == 0)
        r = same_windows(s, runs, names, n, err);
    Windows w = { .nsets = n };
    if (r == 0)
        r = load_windows(s, ev, runs, n, &w, err);
    if (r == 0)
        r = semio_robustness_compute(ev, index, n, w.sign, w.answers, w.n, out, err);
    free(w.sign);
    free(w.answers);
    return r;
}
