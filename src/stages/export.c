/* semio export: a run's answers in the pilot's CSV layout or as JSON lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "semio/eval.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/csv.h"
#include "util/error.h"

static int run_id(SemioStudy *s, const char *run, int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id FROM runs WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s'", s->path, run);
    sqlite3_finalize(st);
    return r;
}

static int write_jsonl(SemioStudy *s, int64_t run, const char *name, FILE *f, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT v.file_name, v.patient, g.start_s, g.end_s, a.sign, a.view, a.prompt_hash, "
        "a.answer, a.p_yes, a.justification, a.onset_s, a.raw, a.error, a.status, a.attempts, "
        "a.latency_ms, a.prompt_tokens, a.completion_tokens, a.answered_at FROM answers a "
        "JOIN videos v ON v.id = a.video_id LEFT JOIN segments g ON g.id = a.segment_id "
        "WHERE a.run_id = ? ORDER BY v.file_name, g.start_s, a.sign", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, run);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object *o = semio_db_row_json(st);
        json_object_object_add(o, "run", json_object_new_string(name));
        fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), f);
        fputc('\n', f);
        json_object_put(o);
    }
    sqlite3_finalize(st);
    return 0;
}

/* One recording's merged cell and justification for one sign. */
typedef struct Cell {
    uint8_t *answers;
    const char **texts;
    size_t n, cap;
} Cell;

static void flush_cell(Cell *c, const SemioSign *sign, FILE *f)
{
    uint8_t merged = SEMIO_ANSWER_MISSING;
    int first = sign->merge == SEMIO_SIGN_MERGE_FIRST;
    semio_aggregate(first ? SEMIO_AGG_FIRST : SEMIO_AGG_ANY_YES, 1, 0.5, c->answers, NULL, c->n,
                    &merged, NULL);
    static const char *const words[] = { "no", "yes", "na", "fail", "" };
    semio_csv_write_field(f, words[merged], 0);
    /* the windows that decided it: the yes ones for yes, the failed ones (their errors) for
     * fail, all answered ones otherwise */
    const char **use = calloc(c->n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; use && i < (first && c->n ? 1 : c->n); i++)
        if (first || (merged == SEMIO_ANSWER_YES ? c->answers[i] == SEMIO_ANSWER_YES
                      : merged == SEMIO_ANSWER_FAILED ? c->answers[i] == SEMIO_ANSWER_FAILED
                      : c->answers[i] != SEMIO_ANSWER_FAILED))
            use[k++] = c->texts[i];
    char *joined = use ? semio_join_unique(use, k, " | ") : NULL;
    semio_csv_write_field(f, joined, 0);
    free(joined);
    free(use);
    for (size_t i = 0; i < c->n; i++)
        free((char *)c->texts[i]);
    c->n = 0;
}

static int write_pilot(SemioStudy *s, int64_t run, FILE *f, SemioError *err)
{
    SemioSignSet *cat;
    int r = semio_signs_open(&cat, NULL, err);
    if (r < 0)
        return r;
    const SemioSign *signs[256];
    size_t ns = 0;
    sqlite3_stmt *st;
    if ((r = semio_db_prepare(s, &st, "SELECT 1 FROM answers WHERE run_id = ? AND sign = ? LIMIT 1",
                              err)) == 0) {
        for (size_t i = 0; i < semio_signs_count(cat) && ns < 256; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, run);
            sqlite3_bind_text(st, 2, semio_signs_get(cat, i)->id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                signs[ns++] = semio_signs_get(cat, i);
        }
        sqlite3_finalize(st);
    }
    semio_csv_write_field(f, "file_name", 1);
    for (size_t i = 0; i < ns; i++) {
        char col[128];
        semio_csv_write_field(f, signs[i]->id, 0);
        snprintf(col, sizeof(col), "justification_for_%s", signs[i]->id);
        semio_csv_write_field(f, col, 0);
    }
    fputc('\n', f);
    /* every recording the run answered about, signs in catalog order, windows in time
     * order (a sign merged by its first window needs it) */
    if (r == 0)
        r = semio_db_prepare(s, &st, "SELECT v.file_name, a.sign, a.answer, a.status, "
                                     "CASE a.status WHEN 'ok' THEN a.justification ELSE "
                                     "a.error END FROM answers a JOIN videos v ON "
                                     "v.id = a.video_id LEFT JOIN segments g ON g.id = "
                                     "a.segment_id WHERE a.run_id = ? ORDER BY v.file_name, "
                                     "a.sign, g.start_s, a.rowid", err);
    if (r == 0) {
        sqlite3_bind_int64(st, 1, run);
        Cell *cells = calloc(ns ? ns : 1, sizeof(Cell));
        char current[1024] = "";
        int more, any = 0;
        if (!cells)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (more = 1; r == 0 && more;) {
            more = sqlite3_step(st) == SQLITE_ROW;
            const char *file = more ? (const char *)sqlite3_column_text(st, 0) : "";
            if (any && (!more || strcmp(file, current))) {
                semio_csv_write_field(f, current, 1);
                for (size_t i = 0; i < ns; i++)
                    flush_cell(&cells[i], signs[i], f);
                fputc('\n', f);
            }
            if (!more)
                break;
            snprintf(current, sizeof(current), "%s", file);
            any = 1;
            const char *sign = (const char *)sqlite3_column_text(st, 1);
            size_t k = 0;
            while (k < ns && strcmp(signs[k]->id, sign))
                k++;
            if (k == ns)
                continue;
            Cell *c = &cells[k];
            if (c->n == c->cap) {
                size_t cap = c->cap ? 2 * c->cap : 8;
                uint8_t *na = realloc(c->answers, cap);
                if (na)
                    c->answers = na;
                const char **nt = na ? realloc(c->texts, cap * sizeof(char *)) : NULL;
                if (!nt) {
                    r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                    break;
                }
                c->texts = nt;
                c->cap = cap;
            }
            const char *a = (const char *)sqlite3_column_text(st, 2);
            c->answers[c->n] = strcmp((const char *)sqlite3_column_text(st, 3), "ok")
                                   ? SEMIO_ANSWER_FAILED
                                   : !strcmp(a, "yes") ? SEMIO_ANSWER_YES
                                   : !strcmp(a, "no") ? SEMIO_ANSWER_NO : SEMIO_ANSWER_NA;
            const char *j = (const char *)sqlite3_column_text(st, 4);
            c->texts[c->n++] = j ? strdup(j) : NULL;
        }
        for (size_t i = 0; cells && i < ns; i++) {
            for (size_t t = 0; t < cells[i].n; t++)
                free((char *)cells[i].texts[t]);
            free(cells[i].answers);
            free(cells[i].texts);
        }
        free(cells);
        sqlite3_finalize(st);
    }
    semio_signs_close(&cat);
    return r;
}

int semio_export(SemioStudy *s, const char *run, SemioExportFormat format, FILE *out,
                 SemioError *err)
{
    int64_t id = 0;
    int r = run_id(s, run, &id, err);
    if (r < 0)
        return r;
    r = format == SEMIO_EXPORT_JSONL ? write_jsonl(s, id, run, out, err)
                                     : write_pilot(s, id, out, err);
    if (r == 0 && ferror(out))
        r = semio_fail(err, SEMIO_ERR_IO, "export: write failed");
    return r;
}
