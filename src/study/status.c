/* semio status: what the study holds and what went wrong, as one JSON object. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "study/db.h"
#include "util/error.h"

/* Adds every row of `sql` to `arr` as an object keyed by column names. */
static int rows_into(SemioStudy *s, json_object *arr, const char *sql, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_object_array_add(arr, semio_db_row_json(st));
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot read status");
}

static int one_row(SemioStudy *s, json_object *root, const char *key, const char *sql,
                   SemioError *err)
{
    json_object *arr = json_object_new_array();
    int r = rows_into(s, arr, sql, err);
    if (r == 0)
        json_object_object_add(root, key, json_object_get(json_object_array_get_idx(arr, 0)));
    json_object_put(arr);
    return r;
}

static int many_rows(SemioStudy *s, json_object *root, const char *key, const char *sql,
                     SemioError *err)
{
    json_object *arr = json_object_new_array();
    json_object_object_add(root, key, arr);
    return rows_into(s, arr, sql, err);
}

int semio_status_json(SemioStudy *s, char **out, SemioError *err)
{
    *out = NULL;
    json_object *root = json_object_new_object();
    json_object_object_add(root, "study", json_object_new_string(s->path));
    json_object_object_add(root, "cache", json_object_new_string(s->cache_dir));
    int r = one_row(s, root, "videos",
                    "SELECT count(*) AS total, "
                    "count(*) FILTER (WHERE status = 'ok') AS ok, "
                    "count(*) FILTER (WHERE status = 'no_file') AS no_file, "
                    "count(*) FILTER (WHERE status = 'no_video') AS no_video, "
                    "count(*) FILTER (WHERE status = 'error') AS error, "
                    "count(*) FILTER (WHERE changed) AS changed, "
                    "count(*) FILTER (WHERE warning IS NOT NULL) AS with_warnings, "
                    "count(DISTINCT patient) AS patients, "
                    "coalesce(sum(duration) FILTER (WHERE status = 'ok'), 0) AS seconds, "
                    "coalesce(sum(frame_count) FILTER (WHERE status = 'ok'), 0) AS frames "
                    "FROM videos", err);
    if (r == 0)
        r = one_row(s, root, "labels",
                    "SELECT (SELECT count(*) FROM label_sources) AS files, "
                    "count(DISTINCT video_id) AS videos, count(DISTINCT sign) AS signs, "
                    "count(*) FILTER (WHERE value = 1) AS yes, "
                    "count(*) FILTER (WHERE value = 0) AS no, "
                    "count(*) FILTER (WHERE value IS NULL) AS unknown FROM labels", err);
    if (r == 0)
        r = many_rows(s, root, "signs",
                      "SELECT sign, count(*) FILTER (WHERE value = 1) AS yes, "
                      "count(*) FILTER (WHERE value = 0) AS no, "
                      "count(*) FILTER (WHERE value IS NULL) AS unknown "
                      "FROM labels GROUP BY sign ORDER BY sign", err);
    if (r == 0)
        r = many_rows(s, root, "segment_sets",
                      "SELECT t.name, t.window, t.overlap, t.within_labels, t.margin, "
                      "count(g.id) AS segments, count(DISTINCT g.video_id) AS videos "
                      "FROM segment_sets t LEFT JOIN segments g ON g.set_id = t.id "
                      "GROUP BY t.id ORDER BY t.id", err);
    if (r == 0)
        r = many_rows(s, root, "samplings",
                      "SELECT m.key, count(x.segment_id) FILTER (WHERE x.status = 'ok') AS ok, "
                      "count(x.segment_id) FILTER (WHERE x.status = 'partial') AS partial, "
                      "count(x.segment_id) FILTER (WHERE x.status = 'failed') AS failed, "
                      "coalesce(sum(x.written), 0) AS frames FROM samplings m "
                      "LEFT JOIN samples x ON x.sampling_id = m.id GROUP BY m.id ORDER BY m.id",
                      err);
    if (r == 0)
        r = many_rows(s, root, "runs",
                      "SELECT r.name, r.engine, r.model, "
                      "count(a.run_id) FILTER (WHERE a.status = 'ok') AS answers, "
                      "count(a.run_id) FILTER (WHERE a.status = 'failed') AS failed "
                      "FROM runs r LEFT JOIN answers a ON a.run_id = r.id GROUP BY r.id "
                      "ORDER BY r.id", err);
    if (r == 0) /* why answers failed, per run, the most frequent reason first */
        r = many_rows(s, root, "failures",
                      "SELECT r.name AS run, coalesce(a.error, '(no reason stored apart from "
                      "the raw text: answered before semio kept them apart)') AS error, "
                      "count(*) AS answers FROM answers a JOIN runs r ON r.id = a.run_id "
                      "WHERE a.status = 'failed' GROUP BY r.id, a.error "
                      "ORDER BY r.id, count(*) DESC, a.error", err);
    if (r == 0)
        r = many_rows(s, root, "problems",
                      "SELECT file_name, status, error, warning, changed FROM videos "
                      "WHERE status IN ('error', 'no_video') OR warning IS NOT NULL OR changed "
                      "UNION ALL SELECT v.file_name, 'sample ' || x.status, x.error, x.note, 0 "
                      "FROM samples x JOIN segments g ON g.id = x.segment_id "
                      "JOIN videos v ON v.id = g.video_id WHERE x.status != 'ok' "
                      "ORDER BY 1", err);
    if (r == 0) /* what workers are doing now (or left when they were killed) */
        r = many_rows(s, root, "claims",
                      "SELECT what, host, pid, "
                      "round((julianday('now') - 2440587.5) * 86400 - beat, 1) AS seconds_since_renewed "
                      "FROM claims ORDER BY what", err);
    if (r == 0 && !(*out = strdup(json_object_to_json_string_ext(
                        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_put(root);
    return r;
}
