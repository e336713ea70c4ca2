/*
 * Review rounds: a fixed list of answers drawn once, with a seed, so every rater rates the
 * same items; each rater sees them in an order of their own, and (blinded) the runs under
 * codes of their own, both derived from the seed and the rater, never stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "review/review.h"
#include "semio/common.h"
#include "util/error.h"

uint64_t review_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Fisher-Yates with the rater's own stream. */
static void shuffle(uint64_t seed, int64_t rater, int64_t *v, size_t n)
{
    uint64_t state = seed ^ ((uint64_t)rater * 0xd1b54a32d192ed03ULL);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(review_random(&state) % i);
        int64_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

void review_order(uint64_t seed, int64_t rater, int64_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (int64_t)i;
    shuffle(seed, rater, order, n);
}

void review_codes(uint64_t seed, int64_t rater, char *code, size_t nruns)
{
    int64_t v[26];
    size_t n = nruns < 26 ? nruns : 26;
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)i;
    shuffle(seed ^ 0x5bd1e995ULL, rater, v, n); /* apart from the items' order */
    for (size_t i = 0; i < nruns; i++)
        code[i] = i < n ? (char)('A' + v[i]) : '?';
}

/* Here, not in the server: built whether or not the server is. */
void semio_serve_default_settings(SemioServeSettings *s)
{
    *s = (SemioServeSettings){ .listen = "127.0.0.1:8640" };
}

void semio_round_default_settings(SemioRoundSettings *s)
{
    *s = (SemioRoundSettings){ .only = SEMIO_REVIEW_ALL, .show_labels = 1, .seed = 1 };
}

/* Every run named exists; the error names the first that does not. */
static int check_runs(SemioStudy *s, json_object *runs, SemioError *err)
{
    if (json_object_array_length(runs) == 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a review round needs runs (--run)",
                          s->path);
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT 1 FROM runs WHERE name = ?", err);
    for (size_t i = 0; r == 0 && i < json_object_array_length(runs); i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(runs, i));
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (!semio_db_exists(st))
            r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s'", s->path, name);
    }
    sqlite3_finalize(st);
    return r;
}

static int fill_round(SemioStudy *s, int64_t round, const SemioRoundSettings *set,
                      json_object *runs, json_object *signs, int *count, SemioError *err)
{
    sqlite3_stmt *ins;
    int r = semio_db_prepare(s, &ins, "INSERT INTO round_items SELECT ?1, ?2, a.run_id, "
                                      "a.video_id, a.segment_id, a.sign, a.view, "
                                      "a.prompt_hash FROM answers a WHERE a.rowid = ?3", err);
    if (r < 0)
        return r;
    int64_t *ids = NULL;
    size_t n = 0;
    r = review_candidates(s, runs, signs, set->only, &ids, &n, err);
    if (r == 0)
        r = review_draw(ids, &n, set->items > 0 ? (size_t)set->items : 0, set->seed, err);
    for (size_t i = 0; r == 0 && i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, round);
        sqlite3_bind_int64(ins, 2, (int64_t)i);
        sqlite3_bind_int64(ins, 3, ids[i]);
        if (sqlite3_step(ins) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot store the round's items");
    }
    sqlite3_finalize(ins);
    free(ids);
    *count = (int)n;
    if (r == 0 && n == 0)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no answer with a justification qualifies "
                       "for the round (runs, signs, --only)", s->path);
    return r;
}

int semio_round_add(SemioStudy *s, const char *name, const SemioRoundSettings *set, int *count,
                    SemioError *err)
{
    *count = 0;
    int r = semio_run_name_check(name, err);
    if (r < 0)
        return r;
    json_object *runs = review_list_json(set->runs);
    json_object *signs = set->signs ? review_list_json(set->signs) : NULL;
    json_object *settings = json_object_new_object();
    json_object_object_add(settings, "runs", json_object_get(runs));
    json_object_object_add(settings, "signs", signs ? json_object_get(signs) : NULL);
    static const char *const only[] = { "all", "correct", "wrong" };
    json_object_object_add(settings, "only", json_object_new_string(only[set->only % 3]));
    json_object_object_add(settings, "items", json_object_new_int(set->items));
    sqlite3_stmt *st = NULL;
    char now[32];
    if ((r = check_runs(s, runs, err)) == 0)
        r = semio_db_begin(s, err);
    if (r == 0)
        r = semio_db_prepare(s, &st, "INSERT INTO rounds(name, blinded, show_labels, seed, "
                                     "settings_json, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                                     "ON CONFLICT(name) DO NOTHING", err);
    if (r == 0) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, !!set->blinded);
        sqlite3_bind_int(st, 3, !!set->show_labels);
        sqlite3_bind_int64(st, 4, (int64_t)set->seed);
        sqlite3_bind_text(st, 5, json_object_to_json_string_ext(settings, JSON_C_TO_STRING_PLAIN),
                          -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, semio_db_now(now), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot add the round");
        else if (sqlite3_changes(s->db) == 0)
            r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: there is a round '%s' already",
                           s->path, name);
        sqlite3_finalize(st);
    }
    if (r == 0)
        r = fill_round(s, sqlite3_last_insert_rowid(s->db), set, runs, signs, count, err);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    json_object_put(runs);
    json_object_put(signs);
    json_object_put(settings);
    return r;
}

int semio_rounds_json(SemioStudy *s, char **json, SemioError *err)
{
    *json = NULL;
    sqlite3_stmt *st, *by;
    int r = semio_db_prepare(s, &st, "SELECT id, name, blinded, show_labels, seed, settings_json,"
                                     " created_at, (SELECT count(*) FROM round_items WHERE "
                                     "round_id = o.id) FROM rounds o ORDER BY id", err);
    if (r < 0)
        return r;
    /* per rater: how many of the round's items they rated (in any round) */
    if ((r = semio_db_prepare(s, &by, "SELECT r.name, count(g.score) FROM raters r JOIN "
                                      "round_items i ON i.round_id = ?1 JOIN ratings g ON "
                                      "g.rater_id = r.id AND g.run_id = i.run_id AND "
                                      "g.video_id = i.video_id AND ifnull(g.segment_id, -1) = "
                                      "ifnull(i.segment_id, -1) AND g.sign = i.sign AND "
                                      "g.view = i.view AND g.prompt_hash = i.prompt_hash "
                                      "WHERE r.kind = 'human' GROUP BY r.id ORDER BY r.id",
                              err)) < 0) {
        sqlite3_finalize(st);
        return r;
    }
    json_object *a = json_object_new_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(
                                              (const char *)sqlite3_column_text(st, 1)));
        json_object_object_add(o, "items", json_object_new_int64(sqlite3_column_int64(st, 7)));
        json_object_object_add(o, "blinded", json_object_new_boolean(sqlite3_column_int(st, 2)));
        json_object_object_add(o, "show_labels",
                               json_object_new_boolean(sqlite3_column_int(st, 3)));
        json_object_object_add(o, "seed", json_object_new_int64(sqlite3_column_int64(st, 4)));
        json_object_object_add(o, "settings", json_tokener_parse(
                                                  (const char *)sqlite3_column_text(st, 5)));
        json_object_object_add(o, "created_at", json_object_new_string(
                                                    (const char *)sqlite3_column_text(st, 6)));
        json_object *raters = json_object_new_array();
        sqlite3_bind_int64(by, 1, sqlite3_column_int64(st, 0));
        while (sqlite3_step(by) == SQLITE_ROW) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "name", json_object_new_string(
                                                  (const char *)sqlite3_column_text(by, 0)));
            json_object_object_add(x, "rated", json_object_new_int(sqlite3_column_int(by, 1)));
            json_object_array_add(raters, x);
        }
        sqlite3_reset(by);
        json_object_object_add(o, "raters", raters);
        json_object_array_add(a, o);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(by);
    if (!(*json = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_put(a);
    return r;
}
