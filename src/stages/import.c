/*
 * semio import: published or external predictions become a run of the study, so they
 * are evaluated, reported and compared exactly like the runs semio asks for itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/cells.h"
#include "semio/eval.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/csv.h"
#include "util/error.h"

typedef struct Video {
    int64_t id;
    char key[256];
} Video;

static int load_videos(SemioStudy *s, Video **out, size_t *n, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, file_name FROM videos", err);
    if (r < 0)
        return r;
    size_t cap = 256, count = 0;
    Video *v = malloc(cap * sizeof(*v));
    while (v && sqlite3_step(st) == SQLITE_ROW) {
        if (count == cap) {
            Video *nv = realloc(v, (cap *= 2) * sizeof(*v));
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        v[count].id = sqlite3_column_int64(st, 0);
        semio_name_key((const char *)sqlite3_column_text(st, 1), v[count].key,
                       sizeof(v[count].key));
        count++;
    }
    sqlite3_finalize(st);
    if (!v)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    *out = v;
    *n = count;
    return 0;
}

static int64_t video_of(const Video *v, size_t n, const char *name)
{
    char key[256];
    semio_name_key(name, key, sizeof(key));
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].key, key))
            return v[i].id;
    return -1;
}

static int create_run(SemioStudy *s, const char *run, const char *csv_path, int replace,
                      int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id FROM runs WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    int exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (exists && !replace)
        return semio_fail(err, SEMIO_ERR_CONFLICT,
                          "%s: run '%s' already exists (replace it to import it again)",
                          s->path, run);
    if (exists && (r = semio_db_prepare(s, &st, "DELETE FROM runs WHERE name = ?", err)) == 0) {
        sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot replace run");
        sqlite3_finalize(st);
    }
    char now[32];
    if (r == 0 && (r = semio_db_prepare(s, &st, "INSERT INTO runs(name, engine, settings_json, "
                                               "source, version, created_at) VALUES "
                                               "(?, 'import', '{}', ?, ?, ?)", err)) == 0) {
        sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, csv_path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, semio_version(), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, semio_db_now(now), -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot create run");
        sqlite3_finalize(st);
        *id = sqlite3_last_insert_rowid(s->db);
    }
    return r;
}

/* Stores one row's answers; the column lookups are done once by the caller. */
static int store_row(SemioStudy *s, sqlite3_stmt *ins, const char *path, size_t row,
                     const SemioCsvRow *d, const char *name, int64_t run, int64_t video,
                     const SemioSign *const *signs, const int *col, const int *just,
                     const int *prob, size_t nsigns, SemioImportReport *rep, SemioError *err)
{
    char now[32];
    semio_db_now(now);
    for (size_t k = 0; k < nsigns; k++) {
        uint8_t a = SEMIO_ANSWER_MISSING;
        double p = NAN;
        if (col[k] >= 0 && semio_parse_answer(d->fields[col[k]], &a) < 0)
            return semio_fail(err, SEMIO_ERR_FORMAT,
                              "%s: data row %zu (%s), column %s: '%s' is not yes, no, na, fail "
                              "or empty", path, row, name, signs[k]->id, d->fields[col[k]]);
        if (prob[k] >= 0 && semio_parse_prob(d->fields[prob[k]], &p) < 0)
            return semio_fail(err, SEMIO_ERR_FORMAT,
                              "%s: data row %zu (%s), column %s_prob: '%s' is not a "
                              "probability between 0 and 1", path, row, name, signs[k]->id,
                              d->fields[prob[k]]);
        if (a == SEMIO_ANSWER_MISSING && isnan(p))
            continue;
        static const char *const words[] = { "no", "yes", "na" };
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, run);
        sqlite3_bind_int64(ins, 2, video);
        sqlite3_bind_text(ins, 3, signs[k]->id, -1, SQLITE_STATIC);
        int ok = a <= SEMIO_ANSWER_NA;
        if (ok)
            sqlite3_bind_text(ins, 4, words[a], -1, SQLITE_STATIC);
        if (!isnan(p))
            sqlite3_bind_double(ins, 5, p);
        if (just[k] >= 0 && d->fields[just[k]][0])
            sqlite3_bind_text(ins, 6, d->fields[just[k]], -1, SQLITE_STATIC);
        if (col[k] >= 0)
            sqlite3_bind_text(ins, 7, d->fields[col[k]], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, ok ? "ok" : "failed", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 9, now, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
                return semio_fail(err, SEMIO_ERR_FORMAT, "%s: data row %zu (%s) answers %s for "
                                  "a recording a second time", path, row, name, signs[k]->id);
            return semio_db_fail(s, err, "cannot store an answer");
        }
        ok ? rep->answers++ : rep->failed++;
    }
    return 0;
}

int semio_import_predictions(SemioStudy *s, const char *path, const char *run, int replace,
                             SemioImportReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (semio_run_name_check(run, err) < 0)
        return SEMIO_ERR_INVALID;
    SemioCsv csv;
    SemioSignSet *catalog = NULL;
    Video *videos = NULL;
    size_t nvideos = 0, nsigns = 0;
    const SemioSign *signs[256];
    int col[256], just[256], prob[256];
    sqlite3_stmt *ins = NULL;
    int r = semio_csv_read(path, &csv, err);
    if (r < 0)
        return r;
    int fcol = semio_csv_column(&csv, "file_name");
    if (fcol < 0) {
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: no file_name column", path);
        goto done;
    }
    if ((r = semio_signs_open(&catalog, NULL, err)) < 0 ||
        (r = load_videos(s, &videos, &nvideos, err)) < 0)
        goto done;
    for (size_t i = 0; i < semio_signs_count(catalog) && nsigns < 256; i++) {
        const SemioSign *g = semio_signs_get(catalog, i);
        char name[128];
        col[nsigns] = semio_csv_column(&csv, g->id);
        snprintf(name, sizeof(name), "justification_for_%s", g->id);
        just[nsigns] = semio_csv_column(&csv, name);
        snprintf(name, sizeof(name), "%s_prob", g->id);
        prob[nsigns] = semio_csv_column(&csv, name);
        if (col[nsigns] >= 0 || prob[nsigns] >= 0)
            signs[nsigns++] = g;
    }
    rep->signs = (int)nsigns;
    if (!nsigns) {
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: no sign columns (such as tonic, clonic)", path);
        goto done;
    }
    int64_t run_id = 0;
    if ((r = semio_db_begin(s, err)) < 0)
        goto done;
    if ((r = create_run(s, run, path, replace, &run_id, err)) == 0)
        r = semio_db_prepare(s, &ins, "INSERT INTO answers(run_id, video_id, sign, answer, p_yes, "
                                      "justification, raw, status, answered_at) VALUES "
                                      "(?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
    for (size_t row = 1; r == 0 && row < csv.nrows; row++) {
        const char *name = semio_trim(csv.rows[row].fields[fcol]);
        int64_t video = video_of(videos, nvideos, name);
        if (video < 0) {
            r = semio_fail(err, SEMIO_ERR_FORMAT,
                           "%s: data row %zu (%s) matches no recording or label row of the "
                           "study; ingest the labels first", path, row, name);
            break;
        }
        r = store_row(s, ins, path, row, &csv.rows[row], name, run_id, video, signs, col, just,
                      prob, nsigns, rep, err);
        rep->rows++;
    }
    sqlite3_finalize(ins);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
done:
    free(videos);
    semio_signs_close(&catalog);
    semio_csv_free(&csv);
    return r;
}
