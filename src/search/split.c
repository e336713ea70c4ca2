/* A prompt search's split of the patients into train, validation and test: made once,
 * seeded, each part's share of patients with a "yes" alike; and the windows of a part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"
#include "util/error.h"
#include "util/rng.h"

void semio_search_default_settings(SemioSearchSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->budget = 200;
    s->minibatch = 8;
    s->cases = 4;
    s->finalists = 3;
    s->patience = 20;
    s->seed = 1;
    s->resamples = 2000;
}

int search_find(SemioStudy *s, const char *name, SearchRow *row, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, signs, settings_json, seed FROM "
                                     "prompt_searches WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        row->id = sqlite3_column_int64(st, 0);
        snprintf(row->signs, sizeof(row->signs), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(row->settings, sizeof(row->settings), "%s",
                 (const char *)sqlite3_column_text(st, 2));
        row->seed = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return found;
}

typedef struct Patient {
    char *name;
    int positive;
} Patient;

/* The labelled patients, in name order, each with whether it has a "yes" for `sign`. */
static int list_patients(SemioStudy *s, const char *signs, Patient **out, size_t *n,
                         SemioError *err)
{
    char first[128];
    snprintf(first, sizeof(first), "%s", signs);
    first[strcspn(first, ",")] = '\0';
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT v.patient, max(l.value) FROM videos v JOIN labels l "
                                     "ON l.video_id = v.id AND l.sign = ? WHERE l.value IS NOT "
                                     "NULL GROUP BY v.patient ORDER BY v.patient", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, first, -1, SQLITE_STATIC);
    size_t cap = 0;
    *n = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            Patient *np = realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof(*np));
            if (!np) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *out = np;
        }
        char *name = strdup((const char *)sqlite3_column_text(st, 0));
        if (!name)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            (*out)[(*n)++] = (Patient){ name, sqlite3_column_int(st, 1) };
    }
    sqlite3_finalize(st);
    return r;
}

/* Within each stratum (without, then with a "yes") a seeded shuffle, then parts dealt in
 * the cycle train, validation, train, test carried from one stratum to the next. */
static void deal(Patient *p, size_t n, uint64_t seed, const char **part, size_t *idx)
{
    static const char *const cycle[4] = { "train", "validation", "train", "test" };
    SemioRng g;
    semio_rng_seed(&g, seed);
    size_t at = 0;
    for (int pos = 0; pos <= 1; pos++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i].positive == pos)
                idx[m++] = i;
        for (size_t i = m; i > 1; i--) {
            size_t j = semio_rng_below(&g, (uint32_t)i), t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        for (size_t i = 0; i < m; i++)
            part[idx[i]] = cycle[at++ % 4];
    }
}

int semio_prompt_split(SemioStudy *s, const char *name, const char *signs, uint64_t seed,
                       SemioError *err)
{
    SearchRow row;
    int r = search_find(s, name, &row, err);
    if (r != 0)
        return r < 0 ? r : 0; /* made once: a rerun keeps the split it has */
    Patient *p = NULL;
    size_t n = 0;
    if ((r = list_patients(s, signs, &p, &n, err)) == 0 && n < 4)
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: %zu patient%s with labels for %s; a search "
                       "needs at least 4 (train, validation and test)", s->path, n,
                       n == 1 ? "" : "s", signs);
    const char **part = r == 0 ? calloc(n, sizeof(*part)) : NULL;
    size_t *idx = part ? calloc(n, sizeof(*idx)) : NULL;
    if (r == 0 && !idx)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0) {
        deal(p, n, seed, part, idx);
        r = semio_db_begin(s, err);
    }
    sqlite3_stmt *st = NULL;
    if (r == 0 && (r = semio_db_prepare(s, &st, "INSERT INTO prompt_searches(name, signs, "
                                                "settings_json, seed, created_at) VALUES "
                                                "(?, ?, '{}', ?, ?)", err)) == 0) {
        char now[32];
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, signs, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)seed);
        sqlite3_bind_text(st, 4, semio_db_now(now), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot store the search");
        sqlite3_finalize(st);
        st = NULL;
    }
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (r == 0)
        r = semio_db_prepare(s, &st, "INSERT INTO prompt_splits(search_id, patient, part) "
                                     "VALUES (?, ?, ?)", err);
    for (size_t i = 0; r == 0 && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, p[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, part[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot store the split");
    }
    sqlite3_finalize(st);
    if (r == 0)
        r = semio_db_commit(s, err);
    else if (part)
        semio_db_rollback(s);
    for (size_t i = 0; i < n; i++)
        free(p[i].name);
    free(p);
    free(part);
    free(idx);
    return r;
}

int search_items(SemioStudy *s, int64_t search, int64_t set_id, int64_t sampling,
                 const char *sign, const char *part, SearchItem **out, size_t *n,
                 SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT g.id, g.video_id, (SELECT count(*) FROM prompt_splits q WHERE q.search_id = ?1 "
        "AND q.patient < v.patient), l.value, p.part = 'test' FROM segments g "
        "JOIN samples x ON x.segment_id = g.id AND x.sampling_id = ?2 AND x.written > 0 "
        "JOIN videos v ON v.id = g.video_id AND v.status = 'ok' "
        "JOIN labels l ON l.video_id = v.id AND l.sign = ?3 AND l.value IS NOT NULL "
        "JOIN prompt_splits p ON p.search_id = ?1 AND p.patient = v.patient AND p.part = ?4 "
        "WHERE g.set_id = ?5 ORDER BY g.id", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, search);
    sqlite3_bind_int64(st, 2, sampling);
    sqlite3_bind_text(st, 3, sign, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, part, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, set_id);
    size_t cap = 0;
    *n = 0;
    *out = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            SearchItem *ni = realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof(*ni));
            if (!ni) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *out = ni;
        }
        (*out)[(*n)++] = (SearchItem){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                       sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
                                       sqlite3_column_int(st, 4) };
    }
    sqlite3_finalize(st);
    return r;
}
