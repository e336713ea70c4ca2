/*
 * semio export --labels: the study's labels in the pilot's label layout, for notebooks and
 * for another study. One row per recording: the consensus per sign (SIGN), every rater's
 * vote (SIGN@RATER: the label files' columns and the review app's raters, as the view
 * rater_votes counts them), the seizure's bounds (start_time, end_time), each rater's
 * marked onset and end (start_time@RATER, end_time@RATER), and the label files' other
 * columns as they were. Ingested into a new study, it gives the same consensus.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/label_csv.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/csv.h"
#include "util/error.h"

/* The file's columns, in order; a row's cells are kept by column. */
typedef struct Columns {
    char **name;
    size_t n, cap;
} Columns;

static int add_column(Columns *c, const char *name)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char **grown = realloc(c->name, cap * sizeof(char *));
        if (!grown)
            return -1;
        c->name = grown;
        c->cap = cap;
    }
    return (c->name[c->n] = strdup(name)) ? (int)c->n++ : -1;
}

static int column_of(const Columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->name[i], name))
            return (int)i;
    return -1;
}

static void free_columns(Columns *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->name[i]);
    free(c->name);
}

/* Seconds as the pilot writes times: M:SS, with milliseconds only where there are some. */
static const char *clock_text(double t, char buf[48])
{
    long long ms = llround(t * 1000), min = ms / 60000, rest = ms % 60000;
    int n = snprintf(buf, 48, "%lld:%02lld", min, rest / 1000);
    if (rest % 1000) {
        snprintf(buf + n, (size_t)(48 - n), ".%03lld", rest % 1000);
        for (char *end = buf + strlen(buf) - 1; *end == '0'; end--)
            *end = '\0';
    }
    return buf;
}

static const char *vote_text(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    return sqlite3_column_int(st, col) ? "yes" : "no";
}

/* Adds SIGN@RATER for every rater who voted on the sign, in name order. */
static int rater_columns(SemioStudy *s, Columns *c, const char *sign, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT DISTINCT rater FROM rater_votes WHERE sign = ? "
                                     "ORDER BY rater", err);
    if (r == 0)
        sqlite3_bind_text(st, 1, sign, -1, SQLITE_STATIC);
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char name[512];
        snprintf(name, sizeof(name), "%s@%s", sign, (const char *)sqlite3_column_text(st, 0));
        if (column_of(c, name) < 0 && add_column(c, name) < 0)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return r;
}

/*
 * The columns: file_name; per sign of the catalog that has labels or votes, SIGN then its
 * raters' SIGN@RATER in name order; start_time, end_time; each marking rater's
 * start_time@RATER and end_time@RATER; then the label files' other columns in the order
 * first seen, less any that a column above already names (in any case: a label file may
 * not repeat a column).
 */
static int choose_columns(SemioStudy *s, const SemioSignSet *cat, Columns *c, size_t *fixed,
                          SemioError *err)
{
    int r = add_column(c, "file_name") < 0 ? semio_fail(err, SEMIO_ERR_NOMEM, "out of memory")
                                           : 0;
    sqlite3_stmt *st = NULL;
    if (r == 0)
        r = semio_db_prepare(s, &st, "SELECT EXISTS (SELECT 1 FROM labels WHERE sign = ?1) OR "
                                     "EXISTS (SELECT 1 FROM rater_votes WHERE sign = ?1)", err);
    for (size_t i = 0; r == 0 && i < semio_signs_count(cat); i++) {
        const char *id = semio_signs_get(cat, i)->id;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_int(st, 0))
            continue;
        if (add_column(c, id) < 0) {
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        r = rater_columns(s, c, id, err);
    }
    sqlite3_finalize(st);
    if (r == 0 && (add_column(c, "start_time") < 0 || add_column(c, "end_time") < 0))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    static const char marks[] = "SELECT DISTINCT r.name FROM rater_marks m JOIN raters r ON "
                                "r.id = m.rater_id WHERE r.kind = 'human' AND (m.onset_s IS NOT "
                                "NULL OR m.end_s IS NOT NULL) ORDER BY r.name";
    sqlite3_stmt *q = NULL;
    if (r == 0)
        r = semio_db_prepare(s, &q, marks, err);
    while (r == 0 && sqlite3_step(q) == SQLITE_ROW) {
        char a[512], b[512];
        snprintf(a, sizeof(a), "start_time@%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(b, sizeof(b), "end_time@%s", (const char *)sqlite3_column_text(q, 0));
        if (add_column(c, a) < 0 || add_column(c, b) < 0)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    *fixed = c->n;
    if (r == 0)
        r = semio_db_prepare(s, &q, "SELECT name FROM label_fields GROUP BY name ORDER BY "
                                    "min(rowid)", err);
    while (r == 0 && sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int taken = semio_label_rater_sign(cat, name) != NULL;
        for (size_t i = 0; i < *fixed && !taken; i++)
            taken = !strcasecmp(c->name[i], name);
        if (!taken && add_column(c, name) < 0)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    return r;
}

/* The statements that fill one recording's cells, bound to its id. */
typedef struct Fill {
    sqlite3_stmt *labels, *votes, *marks, *fields;
    const SemioSignSet *cat;
    int nomem;
} Fill;

/* Sets a cell of the row, unless `keep` and it has one already. */
static void set_cell(Fill *q, char **cells, const Columns *c, const char *column,
                     const char *text, int keep)
{
    int k = column_of(c, column);
    if (k < 0 || !text || (keep && cells[k]))
        return;
    free(cells[k]);
    q->nomem |= !(cells[k] = strdup(text));
}

static void fill_row(Fill *q, const Columns *c, int64_t video, char **cells)
{
    sqlite3_stmt *all[4] = { q->labels, q->votes, q->marks, q->fields };
    for (int i = 0; i < 4; i++) {
        sqlite3_reset(all[i]);
        sqlite3_bind_int64(all[i], 1, video);
    }
    char name[600], t[48];
    while (sqlite3_step(q->labels) == SQLITE_ROW)
        set_cell(q, cells, c, (const char *)sqlite3_column_text(q->labels, 0),
                 vote_text(q->labels, 1), 0);
    while (sqlite3_step(q->votes) == SQLITE_ROW) {
        snprintf(name, sizeof(name), "%s@%s", (const char *)sqlite3_column_text(q->votes, 0),
                 (const char *)sqlite3_column_text(q->votes, 1));
        set_cell(q, cells, c, name, vote_text(q->votes, 2), 0);
    }
    while (sqlite3_step(q->marks) == SQLITE_ROW)
        for (int b = 0; b < 2; b++)
            if (sqlite3_column_type(q->marks, 1 + b) != SQLITE_NULL) {
                snprintf(name, sizeof(name), "%s@%s", b ? "end_time" : "start_time",
                         (const char *)sqlite3_column_text(q->marks, 0));
                set_cell(q, cells, c, name,
                         clock_text(sqlite3_column_double(q->marks, 1 + b), t), 0);
            }
    /* the files' other columns (their rater columns are the votes above); a rater's mark
     * above wins over a column of the same name */
    while (sqlite3_step(q->fields) == SQLITE_ROW) {
        const char *field = (const char *)sqlite3_column_text(q->fields, 0);
        if (!semio_label_rater_sign(q->cat, field))
            set_cell(q, cells, c, field, (const char *)sqlite3_column_text(q->fields, 1), 1);
    }
}

static int write_rows(SemioStudy *s, const SemioSignSet *cat, const Columns *c, FILE *f,
                      SemioError *err)
{
    Fill q = { .cat = cat };
    sqlite3_stmt *rows = NULL;
    int r = semio_db_prepare(s, &q.labels, "SELECT sign, value FROM labels WHERE video_id = ?",
                             err);
    if (r == 0)
        r = semio_db_prepare(s, &q.votes, "SELECT sign, rater, value FROM rater_votes WHERE "
                                          "video_id = ?", err);
    if (r == 0)
        r = semio_db_prepare(s, &q.marks, "SELECT r.name, m.onset_s, m.end_s FROM rater_marks m "
                                          "JOIN raters r ON r.id = m.rater_id WHERE "
                                          "m.video_id = ? AND r.kind = 'human'", err);
    if (r == 0)
        r = semio_db_prepare(s, &q.fields, "SELECT name, value FROM label_fields WHERE "
                                           "video_id = ?", err);
    /* every recording something was said about */
    if (r == 0)
        r = semio_db_prepare(s, &rows, "SELECT id, file_name, seizure_start, seizure_end FROM "
                                       "videos v WHERE seizure_start IS NOT NULL OR seizure_end "
                                       "IS NOT NULL OR EXISTS (SELECT 1 FROM labels WHERE "
                                       "video_id = v.id) OR EXISTS (SELECT 1 FROM label_fields "
                                       "WHERE video_id = v.id) OR EXISTS (SELECT 1 FROM "
                                       "rater_votes WHERE video_id = v.id) OR EXISTS (SELECT 1 "
                                       "FROM rater_marks m JOIN raters r ON r.id = m.rater_id "
                                       "WHERE m.video_id = v.id AND r.kind = 'human') ORDER BY "
                                       "file_name", err);
    char **cells = calloc(c->n + 1, sizeof(char *));
    if (r == 0 && !cells)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < c->n; i++)
        semio_csv_write_field(f, c->name[i], i == 0);
    if (r == 0)
        fputc('\n', f);
    int step;
    while (r == 0 && (step = sqlite3_step(rows)) == SQLITE_ROW) {
        char t[48];
        set_cell(&q, cells, c, "file_name", (const char *)sqlite3_column_text(rows, 1), 0);
        for (int b = 0; b < 2; b++)
            if (sqlite3_column_type(rows, 2 + b) != SQLITE_NULL)
                set_cell(&q, cells, c, b ? "end_time" : "start_time",
                         clock_text(sqlite3_column_double(rows, 2 + b), t), 0);
        fill_row(&q, c, sqlite3_column_int64(rows, 0), cells);
        if (q.nomem)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < c->n; i++) {
            semio_csv_write_field(f, cells[i], i == 0);
            free(cells[i]);
            cells[i] = NULL;
        }
        fputc('\n', f);
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the labels");
    free(cells);
    sqlite3_finalize(rows);
    sqlite3_finalize(q.labels);
    sqlite3_finalize(q.votes);
    sqlite3_finalize(q.marks);
    sqlite3_finalize(q.fields);
    return r;
}

int semio_export_labels(SemioStudy *s, FILE *out, SemioError *err)
{
    SemioSignSet *cat = NULL;
    Columns c = { 0 };
    size_t fixed = 0;
    int r = semio_signs_open(&cat, NULL, err);
    if (r == 0)
        r = choose_columns(s, cat, &c, &fixed, err);
    if (r == 0)
        r = write_rows(s, cat, &c, out, err);
    if (r == 0 && ferror(out))
        r = semio_fail(err, SEMIO_ERR_IO, "export: write failed");
    free_columns(&c);
    semio_signs_close(&cat);
    return r;
}
