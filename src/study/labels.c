/*
 * Expert labels into the study: a label file already read and checked (formats/label_csv.h)
 * goes in one transaction, all rows or none. A file is a source: ingesting it again
 * replaces what it said before (values, other fields, seizure bounds), and the report
 * counts what changed. Where no plain SIGN column gives a label, it is the majority of the
 * raters' votes: the files' SIGN@RATER columns and the review app's labels (schema v8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/cells.h"
#include "formats/label_csv.h"
#include "formats/patient.h"
#include "semio/signs.h"
#include "study/db.h"
#include "util/csv.h"
#include "util/error.h"

typedef struct Statements {
    sqlite3_stmt *find, *add_video, *label, *field, *bounds;
} Statements;

static int prepare_all(SemioStudy *s, Statements *q, SemioError *err)
{
    int r = semio_db_prepare(s, &q->find, "SELECT id FROM videos WHERE file_name = ?", err);
    if (!r)
        r = semio_db_prepare(s, &q->add_video,
                             "INSERT INTO videos(file_name, patient, status) "
                             "VALUES (?, ?, 'no_file')", err);
    if (!r)
        r = semio_db_prepare(s, &q->label,
                             "INSERT INTO labels(video_id, sign, value, source_id, from_raters) "
                             "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(video_id, sign) DO UPDATE "
                             "SET value = ?3, source_id = ?4, from_raters = ?5", err);
    if (!r)
        r = semio_db_prepare(s, &q->field,
                             "INSERT INTO label_fields(video_id, name, value) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT(video_id, name) DO UPDATE SET value = ?3", err);
    if (!r)
        r = semio_db_prepare(s, &q->bounds,
                             "UPDATE videos SET seizure_start = ?2, seizure_end = ?3 WHERE id = ?1 "
                             "AND (seizure_start IS NOT ?2 OR seizure_end IS NOT ?3)", err);
    return r;
}

static void finalize_all(Statements *q)
{
    sqlite3_finalize(q->find);
    sqlite3_finalize(q->add_video);
    sqlite3_finalize(q->label);
    sqlite3_finalize(q->field);
    sqlite3_finalize(q->bounds);
}

static int step_done(SemioStudy *s, sqlite3_stmt *st, SemioError *err)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot store labels");
}

static int video_for(SemioStudy *s, Statements *q, const char *name, const regex_t *rule,
                     int64_t *id, SemioLabelsReport *rep, SemioError *err)
{
    sqlite3_bind_text(q->find, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(q->find);
    *id = r == SQLITE_ROW ? sqlite3_column_int64(q->find, 0) : -1;
    sqlite3_reset(q->find);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return semio_db_fail(s, err, "cannot look up a recording");
    if (*id >= 0)
        return 0;
    char patient[256];
    semio_patient_of(rule, name, patient, sizeof(patient));
    sqlite3_bind_text(q->add_video, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q->add_video, 2, patient, -1, SQLITE_TRANSIENT);
    if ((r = step_done(s, q->add_video, err)) < 0)
        return r;
    *id = sqlite3_last_insert_rowid(s->db);
    rep->new_videos++;
    return 0;
}

/* A plain column's label, or (from_raters) the row the raters' majority then fills in. */
static int store_label(SemioStudy *s, Statements *q, int64_t id, const char *sign, int known,
                       int v, int64_t source, int from_raters, SemioError *err)
{
    sqlite3_bind_int64(q->label, 1, id);
    sqlite3_bind_text(q->label, 2, sign, -1, SQLITE_STATIC);
    if (known)
        sqlite3_bind_int(q->label, 3, v);
    else
        sqlite3_bind_null(q->label, 3);
    sqlite3_bind_int64(q->label, 4, source);
    sqlite3_bind_int(q->label, 5, from_raters);
    return step_done(s, q->label, err); /* counted once the file is in (count_changes) */
}

static int store_row(SemioStudy *s, Statements *q, const SemioCsv *csv, size_t row,
                     const SemioLabelColumn *kind, const SemioSignSet *signs, int64_t source,
                     const regex_t *rule, SemioLabelsReport *rep, SemioError *err)
{
    const SemioCsvRow *h = &csv->rows[0], *d = &csv->rows[row];
    int64_t id = -1;
    int r = 0;
    for (size_t c = 0; c < h->nfields && id < 0; c++)
        if (kind[c] == SEMIO_COL_FILE)
            r = video_for(s, q, d->fields[c], rule, &id, rep, err);
    double bound[2];
    int has_bound[2] = { 0, 0 };
    /* Rater columns (SIGN@RATER) vote; their majority is the label unless SIGN exists. */
    enum { MAX_SIGNS = 256 };
    int raters[MAX_SIGNS] = { 0 }, plain[MAX_SIGNS] = { 0 };
    for (size_t c = 0; r == 0 && c < h->nfields; c++) {
        const char *cell = d->fields[c];
        int v = 0, known = semio_parse_yes_no(cell, &v);
        if (kind[c] == SEMIO_COL_SIGN) {
            const SemioSign *g = semio_signs_find(signs, h->fields[c]);
            size_t k = (size_t)(g - semio_signs_get(signs, 0));
            if (k < MAX_SIGNS)
                plain[k] = 1;
            r = store_label(s, q, id, h->fields[c], known, v, source, 0, err);
        } else if (kind[c] == SEMIO_COL_START || kind[c] == SEMIO_COL_END) {
            int b = kind[c] == SEMIO_COL_END;
            has_bound[b] = cell[0] && semio_parse_clock(cell, &bound[b]) == 0;
        } else if (kind[c] == SEMIO_COL_OTHER || kind[c] == SEMIO_COL_RATER) {
            if (kind[c] == SEMIO_COL_RATER) {
                const SemioSign *g = semio_label_rater_sign(signs, h->fields[c]);
                size_t k = (size_t)(g - semio_signs_get(signs, 0));
                if (k < MAX_SIGNS)
                    raters[k] = 1;
            }
            sqlite3_bind_int64(q->field, 1, id);
            sqlite3_bind_text(q->field, 2, h->fields[c], -1, SQLITE_STATIC);
            sqlite3_bind_text(q->field, 3, cell, -1, SQLITE_STATIC);
            r = step_done(s, q->field, err);
        }
    }
    /* the votes are the columns just stored beside every other rater's, the app's too */
    for (size_t k = 0; r == 0 && k < semio_signs_count(signs) && k < MAX_SIGNS; k++)
        if (raters[k] && !plain[k] &&
            (r = store_label(s, q, id, semio_signs_get(signs, k)->id, 0, 0, source, 1, err)) == 0)
            r = semio_labels_refresh(s, id, semio_signs_get(signs, k)->id, err);
    if (r == 0) {
        sqlite3_bind_int64(q->bounds, 1, id);
        for (int b = 0; b < 2; b++) {
            if (has_bound[b])
                sqlite3_bind_double(q->bounds, 2 + b, bound[b]);
            else
                sqlite3_bind_null(q->bounds, 2 + b);
        }
        r = step_done(s, q->bounds, err);
        rep->bounds_changed += r == 0 && sqlite3_changes(s->db) > 0;
    }
    return r;
}

/* Runs statements in order, binding ?1 to the file's path and ?2 to its new source id. */
static int run_all(SemioStudy *s, const char *const *sql, size_t n, const char *path,
                   int64_t source, int *changes, SemioError *err)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        sqlite3_stmt *st;
        if ((r = semio_db_prepare(s, &st, sql[i], err)) < 0)
            break;
        int params = sqlite3_bind_parameter_count(st);
        if (params >= 1)
            sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        if (params >= 2)
            sqlite3_bind_int64(st, 2, source);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot replace labels");
        sqlite3_finalize(st);
        if (changes)
            changes[i] = sqlite3_changes(s->db);
    }
    return r;
}

/* Before the file's rows go in: what the study holds now, and what the file said before. */
static int snapshot(SemioStudy *s, const char *path, int64_t source, SemioError *err)
{
    static const char *const sql[] = {
        "CREATE TEMP TABLE IF NOT EXISTS labels_before(video_id, sign, value, source_id, "
        "PRIMARY KEY (video_id, sign))",
        "DELETE FROM temp.labels_before",
        "INSERT INTO temp.labels_before SELECT video_id, sign, value, source_id FROM labels",
        /* the other fields of the rows it named are what its new rows say */
        "DELETE FROM label_fields WHERE video_id IN (SELECT video_id FROM labels WHERE "
        "source_id IN (SELECT id FROM label_sources WHERE path = ?1 AND id <> ?2))",
    };
    return run_all(s, sql, sizeof(sql) / sizeof(*sql), path, source, NULL, err);
}

/* After: what the file said before and says no more is taken back, and counted. */
static int take_back(SemioStudy *s, const char *path, int64_t source, SemioLabelsReport *rep,
                     SemioError *err)
{
    static const char *const sql[] = {
        /* bounds of recordings it no longer names */
        "UPDATE videos SET seizure_start = NULL, seizure_end = NULL WHERE id IN (SELECT "
        "video_id FROM labels WHERE source_id IN (SELECT id FROM label_sources WHERE path = ?1 "
        "AND id <> ?2)) AND id NOT IN (SELECT video_id FROM labels WHERE source_id = ?2) AND "
        "(seizure_start IS NOT NULL OR seizure_end IS NOT NULL)",
        /* values it no longer gives: a column or a row gone */
        "DELETE FROM labels WHERE source_id IN (SELECT id FROM label_sources WHERE path = ?1 "
        "AND id <> ?2)",
        /* recordings known only from it, without a file, answers or a rater's word about
         * them, leave with it */
        "DELETE FROM videos WHERE status = 'no_file' AND id NOT IN (SELECT video_id FROM "
        "labels) AND id NOT IN (SELECT video_id FROM label_fields) AND id NOT IN (SELECT "
        "video_id FROM answers) AND id NOT IN (SELECT video_id FROM rater_labels) AND id NOT "
        "IN (SELECT video_id FROM rater_marks)",
    };
    int changes[3];
    int r = run_all(s, sql, 3, path, source, changes, err);
    if (r == 0) {
        rep->bounds_changed += changes[0];
        rep->removed = changes[1];
    }
    return r;
}

int semio_labels_refresh(SemioStudy *s, int64_t video, const char *sign, SemioError *err)
{
    int own = sqlite3_get_autocommit(s->db), r = own ? semio_db_begin(s, err) : 0;
    sqlite3_stmt *st = NULL;
    int plain = 0, voters = 0, yes = 0, no = 0;
    if (r == 0)
        r = semio_db_prepare(s, &st, "SELECT (SELECT from_raters = 0 FROM labels WHERE "
                                     "video_id = ?1 AND sign = ?2), count(*), "
                                     "count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE "
                                     "value = 0) FROM rater_votes WHERE video_id = ?1 AND "
                                     "sign = ?2", err);
    if (r == 0) {
        sqlite3_bind_int64(st, 1, video);
        sqlite3_bind_text(st, 2, sign, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            plain = sqlite3_column_int(st, 0);
            voters = sqlite3_column_int(st, 1);
            yes = sqlite3_column_int(st, 2);
            no = sqlite3_column_int(st, 3);
        } else {
            r = semio_db_fail(s, err, "cannot count the raters' votes");
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    /* a plain column's label stays; no rater left: no majority either */
    if (r == 0 && !plain)
        r = semio_db_prepare(s, &st, voters ? "INSERT INTO labels(video_id, sign, value, "
                                              "from_raters) VALUES (?1, ?2, ?3, 1) ON "
                                              "CONFLICT(video_id, sign) DO UPDATE SET value = ?3 "
                                              "WHERE from_raters = 1"
                                            : "DELETE FROM labels WHERE video_id = ?1 AND "
                                              "sign = ?2 AND from_raters = 1", err);
    if (r == 0 && st) {
        sqlite3_bind_int64(st, 1, video);
        sqlite3_bind_text(st, 2, sign, -1, SQLITE_STATIC);
        if (voters && yes != no) /* a tie (or no vote) is unknown */
            sqlite3_bind_int(st, 3, yes > no);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot store a label");
        sqlite3_finalize(st);
    }
    if (own && r == 0)
        r = semio_db_commit(s, err);
    if (own && r < 0)
        semio_db_rollback(s);
    return r;
}

/* After a file is in: recordings the app's raters labeled get their majority again, as
 * the file may have taken its rows (or columns) away. The list is read whole first. */
static int refresh_app_labels(SemioStudy *s, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT DISTINCT l.video_id, l.sign FROM rater_labels l "
                                     "JOIN raters r ON r.id = l.rater_id WHERE r.kind = 'human' "
                                     "ORDER BY 1, 2", err);
    if (r < 0)
        return r;
    size_t n = 0, cap = 0;
    struct Pair {
        int64_t video;
        char sign[64];
    } *pairs = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            struct Pair *grown = realloc(pairs, (cap = cap ? 2 * cap : 64) * sizeof(*pairs));
            if (!grown) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            pairs = grown;
        }
        pairs[n].video = sqlite3_column_int64(st, 0);
        snprintf(pairs[n++].sign, sizeof(pairs->sign), "%s",
                 (const char *)sqlite3_column_text(st, 1));
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the raters' labels");
    sqlite3_finalize(st);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = semio_labels_refresh(s, pairs[i].video, pairs[i].sign, err);
    free(pairs);
    return r;
}

/* Values stored now that were not there (or not so) before, and those already so. */
static int count_changes(SemioStudy *s, int64_t source, SemioLabelsReport *rep, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT count(*) FILTER (WHERE b.video_id IS NULL OR "
                                     "b.value IS NOT l.value), count(*) FILTER (WHERE "
                                     "b.video_id IS NOT NULL AND b.value IS l.value) FROM labels l "
                                     "LEFT JOIN temp.labels_before b USING (video_id, sign) "
                                     "WHERE l.source_id = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, source);
    if (sqlite3_step(st) == SQLITE_ROW) {
        rep->values_set = sqlite3_column_int(st, 0);
        rep->unchanged = sqlite3_column_int(st, 1);
    } else {
        r = semio_db_fail(s, err, "cannot count labels");
    }
    sqlite3_finalize(st);
    return r;
}

int semio_store_labels(SemioStudy *s, const char *path, const SemioLabelCsv *lc,
                       const SemioSignSet *signs, const regex_t *patient_rule,
                       SemioLabelsReport *rep, SemioError *err)
{
    Statements q = { 0 };
    rep->sign_columns = lc->sign_columns;
    rep->rows = (int)lc->csv.nrows - 1;
    int r = prepare_all(s, &q, err);
    if (r < 0 || (r = semio_db_begin(s, err)) < 0)
        goto done;
    char now[32];
    sqlite3_stmt *src;
    if ((r = semio_db_prepare(s, &src, "INSERT INTO label_sources(path, rows, ingested_at) "
                                       "VALUES (?, ?, ?)", err)) == 0) {
        sqlite3_bind_text(src, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_int(src, 2, rep->rows);
        sqlite3_bind_text(src, 3, semio_db_now(now), -1, SQLITE_STATIC);
        r = sqlite3_step(src) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot record labels");
        sqlite3_finalize(src);
    }
    int64_t source = sqlite3_last_insert_rowid(s->db);
    if (r == 0)
        r = snapshot(s, path, source, err);
    for (size_t row = 1; r == 0 && row < lc->csv.nrows; row++)
        r = store_row(s, &q, &lc->csv, row, lc->kind, signs, source, patient_rule, rep, err);
    if (r == 0)
        r = take_back(s, path, source, rep, err);
    if (r == 0)
        r = refresh_app_labels(s, err);
    if (r == 0)
        r = count_changes(s, source, rep, err);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
done:
    finalize_all(&q);
    return r;
}
