/*
 * Raters and what they say: secret login links (only a hash kept), ratings of answers,
 * their own labels and marks. Each change is one statement, so a rater's keypress is
 * stored whole or not at all.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <json-c/json.h>
#include <libavutil/base64.h>

#include "review/review.h"
#include "semio/engine.h"
#include "util/error.h"
#include "util/utf8.h"

int review_score_valid(int score)
{
    return score >= 0 && score <= 100 && score % 20 == 0;
}

int review_secret(char out[44], SemioError *err)
{
    uint8_t raw[32];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n < 0)
            return semio_fail(err, SEMIO_ERR_IO, "cannot draw a random secret: %s",
                              strerror(errno));
        got += (size_t)n;
    }
    char b64[AV_BASE64_SIZE(32)];
    av_base64_encode(b64, sizeof(b64), raw, sizeof(raw));
    /* base64url without padding: the secret travels in a URL */
    size_t n = 0;
    for (const char *c = b64; *c && *c != '=' && n < 43; c++)
        out[n++] = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    out[n] = '\0';
    return 0;
}

void review_secret_hash(const char *secret, char hex[65])
{
    semio_text_hash(secret, hex);
}

static int name_check(SemioStudy *s, const char *name, SemioError *err)
{
    size_t n = strlen(name);
    if (!n || n > 64 || !semio_utf8_valid(name))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a rater's name is 1 to 64 bytes of "
                          "UTF-8: '%s'", s->path, name);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == ',' || *c == '@')
            return semio_fail(err, SEMIO_ERR_INVALID, "%s: a rater's name has no control "
                              "characters, commas or '@' (it becomes a SIGN@RATER column)",
                              s->path);
    return 0;
}

static int step_done(SemioStudy *s, sqlite3_stmt *st, const char *what, SemioError *err)
{
    int r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, what);
    sqlite3_finalize(st);
    return r;
}

int semio_rater_add(SemioStudy *s, const char *name, char **secret, SemioError *err)
{
    *secret = NULL;
    int r = name_check(s, name, err);
    if (r < 0)
        return r;
    char key[44], hash[65], now[32];
    if ((r = review_secret(key, err)) < 0)
        return r;
    review_secret_hash(key, hash);
    sqlite3_stmt *st;
    /* a removed rater comes back with a new link; a present one is a mistake */
    if ((r = semio_db_prepare(s, &st, "INSERT INTO raters(name, kind, secret_hash, created_at) "
                                      "VALUES (?1, 'human', ?2, ?3) ON CONFLICT(name) DO UPDATE "
                                      "SET secret_hash = ?2, removed_at = NULL WHERE "
                                      "removed_at IS NOT NULL AND kind = 'human'", err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, semio_db_now(now), -1, SQLITE_STATIC);
    if ((r = step_done(s, st, "cannot add a rater", err)) < 0)
        return r;
    if (sqlite3_changes(s->db) == 0)
        return semio_fail(err, SEMIO_ERR_CONFLICT, "%s: there is a rater '%s' already (semio "
                          "raters remove, then add, gives them a new link)", s->path, name);
    if (!(*secret = strdup(key)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return 0;
}

int semio_rater_remove(SemioStudy *s, const char *name, SemioError *err)
{
    char now[32];
    int r = semio_db_begin(s, err);
    sqlite3_stmt *st;
    if (r == 0 && (r = semio_db_prepare(s, &st, "UPDATE raters SET secret_hash = NULL, "
                                                "removed_at = ? WHERE name = ? AND removed_at "
                                                "IS NULL", err)) == 0) {
        sqlite3_bind_text(st, 1, semio_db_now(now), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        r = step_done(s, st, "cannot remove a rater", err);
        if (r == 0 && sqlite3_changes(s->db) == 0)
            r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no rater named '%s'", s->path, name);
    }
    if (r == 0)
        r = semio_db_exec(s, "DELETE FROM rater_sessions WHERE rater_id IN (SELECT id FROM "
                             "raters WHERE removed_at IS NOT NULL)", err);
    if (r == 0)
        return semio_db_commit(s, err);
    semio_db_rollback(s);
    return r;
}

int semio_raters_json(SemioStudy *s, char **json, SemioError *err)
{
    *json = NULL;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT name, kind, model, created_at, removed_at, "
                                     "(SELECT count(*) FROM ratings WHERE rater_id = r.id) AS "
                                     "ratings, (SELECT count(*) FROM rater_labels WHERE "
                                     "rater_id = r.id) AS labels FROM raters r ORDER BY id", err);
    if (r < 0)
        return r;
    json_object *a = json_object_new_array();
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_object_array_add(a, semio_db_row_json(st));
    if (step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot list the raters");
    sqlite3_finalize(st);
    if (r == 0 && !(*json = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_put(a);
    return r;
}

int review_judge_rater(SemioStudy *s, const char *name, const char *model, int64_t *id,
                       SemioError *err)
{
    int r = name_check(s, name, err);
    sqlite3_stmt *st;
    char now[32];
    if (r < 0 || (r = semio_db_prepare(s, &st, "INSERT INTO raters(name, kind, model, created_at)"
                                               " VALUES (?, 'judge', ?, ?) ON CONFLICT(name) DO "
                                               "NOTHING", err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, semio_db_now(now), -1, SQLITE_STATIC);
    if ((r = step_done(s, st, "cannot add the judge", err)) < 0)
        return r;
    if ((r = semio_db_prepare(s, &st, "SELECT id, kind FROM raters WHERE name = ?", err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        r = semio_db_fail(s, err, "cannot find the judge");
    else if (strcmp((const char *)sqlite3_column_text(st, 1), "judge"))
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: '%s' is a human rater: name the judge "
                       "otherwise (--name)", s->path, name);
    else
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r;
}

void review_bind_key(sqlite3_stmt *st, int first, const ReviewKey *k)
{
    sqlite3_bind_int64(st, first, k->run);
    sqlite3_bind_int64(st, first + 1, k->video);
    if (k->segment)
        sqlite3_bind_int64(st, first + 2, k->segment);
    else
        sqlite3_bind_null(st, first + 2);
    sqlite3_bind_text(st, first + 3, k->sign, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, first + 4, k->view, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, first + 5, k->hash, -1, SQLITE_STATIC);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text)
{
    if (text && *text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int review_rate(SemioStudy *s, int64_t rater, const ReviewKey *k, const ReviewRating *rt,
                SemioError *err)
{
    if (rt->score != -1 && !review_score_valid(rt->score))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a faithfulness rating is 0, 20, 40, "
                          "60, 80 or 100, not %d", s->path, rt->score);
    sqlite3_stmt *st;
    char now[32];
    int r = semio_db_prepare(s, &st, "INSERT INTO ratings(rater_id, run_id, video_id, "
                                     "segment_id, sign, view, prompt_hash, score, comment, "
                                     "label_wrong, video_unusable, reason, rated_at) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                                     "ON CONFLICT(rater_id, run_id, video_id, "
                                     "ifnull(segment_id, -1), sign, view, prompt_hash) DO UPDATE "
                                     "SET score = ?8, comment = ?9, label_wrong = ?10, "
                                     "video_unusable = ?11, reason = ?12, rated_at = ?13", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, rater);
    review_bind_key(st, 2, k);
    if (rt->score >= 0)
        sqlite3_bind_int(st, 8, rt->score);
    else
        sqlite3_bind_null(st, 8);
    bind_text_or_null(st, 9, rt->comment);
    sqlite3_bind_int(st, 10, !!rt->label_wrong);
    sqlite3_bind_int(st, 11, !!rt->video_unusable);
    bind_text_or_null(st, 12, rt->reason);
    sqlite3_bind_text(st, 13, semio_db_now(now), -1, SQLITE_STATIC);
    return step_done(s, st, "cannot store a rating", err);
}

int review_unrate(SemioStudy *s, int64_t rater, const ReviewKey *k, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "DELETE FROM ratings WHERE rater_id = ?1 AND run_id = ?2 "
                                     "AND video_id = ?3 AND ifnull(segment_id, -1) = "
                                     "ifnull(?4, -1) AND sign = ?5 AND view = ?6 AND "
                                     "prompt_hash = ?7", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, rater);
    review_bind_key(st, 2, k);
    return step_done(s, st, "cannot take a rating back", err);
}

int review_label(SemioStudy *s, int64_t rater, int64_t video, const char *sign, int value,
                 SemioError *err)
{
    sqlite3_stmt *st;
    char now[32];
    /* the rater's vote and the consensus it changes, together or not at all */
    int r = semio_db_begin(s, err);
    if (r == 0)
        r = semio_db_prepare(s, &st, "INSERT INTO rater_labels(rater_id, video_id, sign, value, "
                                     "labeled_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO "
                                     "UPDATE SET value = ?4, labeled_at = ?5", err);
    if (r == 0) {
        sqlite3_bind_int64(st, 1, rater);
        sqlite3_bind_int64(st, 2, video);
        sqlite3_bind_text(st, 3, sign, -1, SQLITE_STATIC);
        if (value == 0 || value == 1)
            sqlite3_bind_int(st, 4, value);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_text(st, 5, semio_db_now(now), -1, SQLITE_STATIC);
        r = step_done(s, st, "cannot store a label", err);
    }
    if (r == 0)
        r = semio_labels_refresh(s, video, sign, err);
    if (r == 0)
        return semio_db_commit(s, err);
    semio_db_rollback(s);
    return r;
}

int review_mark(SemioStudy *s, int64_t rater, int64_t video, double onset, double end,
                const char *comment, SemioError *err)
{
    sqlite3_stmt *st;
    char now[32];
    int r = semio_db_prepare(s, &st, "INSERT INTO rater_marks(rater_id, video_id, onset_s, "
                                     "end_s, comment, marked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                     "ON CONFLICT DO UPDATE SET onset_s = ?3, end_s = ?4, "
                                     "comment = ?5, marked_at = ?6", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, rater);
    sqlite3_bind_int64(st, 2, video);
    double v[2] = { onset, end };
    for (int i = 0; i < 2; i++) {
        if (isfinite(v[i]) && v[i] >= 0)
            sqlite3_bind_double(st, 3 + i, v[i]);
        else
            sqlite3_bind_null(st, 3 + i);
    }
    bind_text_or_null(st, 5, comment);
    sqlite3_bind_text(st, 6, semio_db_now(now), -1, SQLITE_STATIC);
    return step_done(s, st, "cannot store the marks", err);
}
