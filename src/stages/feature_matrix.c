/* The stored features of a segment set as one matrix: what training and prediction read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/features.h"
#include "study/db.h"
#include "util/error.h"

/* The asked sets, in name order, as the columns are sorted. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int learn_segment_set(SemioStudy *s, const char *name, int64_t *out, char *shown, size_t size,
                      SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, name ? "SELECT id, name FROM segment_sets WHERE name = ?"
                             : "SELECT id, name FROM segment_sets ORDER BY id DESC LIMIT 1", err);
    if (r < 0)
        return r;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int64_t id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        snprintf(shown, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    *out = id;
    if (!id)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: %s%s", s->path,
                          name ? "no segment set " : "no segments: run semio segment",
                          name ? name : "");
    return 0;
}

/* Appends the stored names of `set` to the columns. */
static int add_columns(SemioStudy *s, int64_t seg_set, const char *segname, const char *set,
                       SemioFeatureMatrix *m, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT DISTINCT f.name FROM features f JOIN segments g ON "
                             "g.id = f.segment_id WHERE g.set_id = ? AND f.feature_set = ? "
                             "ORDER BY f.name", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, seg_set);
    sqlite3_bind_text(st, 2, set, -1, SQLITE_STATIC);
    size_t before = m->ncols;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char **c = realloc(m->column, (m->ncols + 1) * sizeof(char *));
        if (!c || (m->column = c,
                   !(c[m->ncols] = malloc(strlen(set) + 2 + (size_t)sqlite3_column_bytes(st, 0)))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            sprintf(c[m->ncols++], "%s:%s", set, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (r == 0 && m->ncols == before)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no features of set '%s' stored for the "
                       "segments '%s': run semio features --set %s", s->path, set, segname, set);
    return r;
}

/* Rows: the segments with any stored feature of the asked sets, by recording then time. */
static int add_rows(SemioStudy *s, int64_t seg_set, const char *sets, SemioFeatureMatrix *m,
                    SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT g.id, g.video_id FROM segments g WHERE g.set_id = ? "
                             "AND EXISTS (SELECT 1 FROM features f WHERE f.segment_id = g.id AND "
                             "instr(',' || ? || ',', ',' || f.feature_set || ',') > 0) "
                             "ORDER BY g.video_id, g.start_s, g.id", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, seg_set);
    sqlite3_bind_text(st, 2, sets, -1, SQLITE_STATIC);
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        int64_t *a = realloc(m->segment, (m->nrows + 1) * sizeof(int64_t));
        int64_t *b = a ? (m->segment = a, realloc(m->video, (m->nrows + 1) * sizeof(int64_t))) : NULL;
        if (!b) {
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        m->video = b;
        m->segment[m->nrows] = sqlite3_column_int64(st, 0);
        m->video[m->nrows++] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return r;
}

static int find_row(const SemioFeatureMatrix *m, int64_t seg, size_t *hint)
{
    for (size_t k = 0; k < m->nrows; k++) {
        size_t i = (*hint + k) % m->nrows; /* values come in row order: the hint is right */
        if (m->segment[i] == seg) {
            *hint = i;
            return 1;
        }
    }
    return 0;
}

static int fill(SemioStudy *s, int64_t seg_set, const char *sets, SemioFeatureMatrix *m,
                SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT f.segment_id, f.feature_set || ':' || f.name, "
                             "f.value FROM features f JOIN segments g ON g.id = f.segment_id "
                             "WHERE g.set_id = ? AND instr(',' || ? || ',', ',' || f.feature_set "
                             "|| ',') > 0 ORDER BY g.video_id, g.start_s, g.id", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, seg_set);
    sqlite3_bind_text(st, 2, sets, -1, SQLITE_STATIC);
    size_t row = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        char **col = bsearch(&name, m->column, m->ncols, sizeof(char *), cmp_str);
        if (!col || !find_row(m, sqlite3_column_int64(st, 0), &row) ||
            sqlite3_column_type(st, 2) == SQLITE_NULL)
            continue;
        m->x[row * m->ncols + (size_t)(col - m->column)] = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
    return 0;
}

int semio_feature_matrix(SemioStudy *s, const char *segments, const char *sets,
                         SemioFeatureMatrix *m, SemioError *err)
{
    memset(m, 0, sizeof(*m));
    char list[1024], segname[128] = "", *item[32];
    snprintf(list, sizeof(list), "%s", sets ? sets : "kinematic,motion,sound");
    size_t n = semio_list_split(list, item, 32);
    if (n == 0 || n > 32)
        return semio_fail(err, SEMIO_ERR_INVALID, "feature sets: give 1 to 32 names");
    qsort(item, n, sizeof(char *), cmp_str);
    int64_t seg_set;
    int r = learn_segment_set(s, segments, &seg_set, segname, sizeof(segname), err);
    if (r < 0)
        return r;
    char joined[1024] = "";
    for (size_t i = 0; i < n && r == 0; i++) {
        snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s", i ? "," : "",
                 item[i]);
        r = add_columns(s, seg_set, segname, item[i], m, err);
    }
    /* "set:name" strings sort as (set, name) pairs: no set's name begins another's */
    if (r == 0)
        qsort(m->column, m->ncols, sizeof(char *), cmp_str);
    if (r == 0)
        r = add_rows(s, seg_set, joined, m, err);
    if (r == 0 && !(m->x = malloc((m->nrows * m->ncols + 1) * sizeof(double))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < m->nrows * m->ncols; i++)
        m->x[i] = NAN;
    if (r == 0)
        r = fill(s, seg_set, joined, m, err);
    if (r < 0)
        semio_feature_matrix_free(m);
    return r;
}

void semio_feature_matrix_free(SemioFeatureMatrix *m)
{
    for (size_t i = 0; m->column && i < m->ncols; i++)
        free(m->column[i]);
    free(m->column);
    free(m->x);
    free(m->segment);
    free(m->video);
    memset(m, 0, sizeof(*m));
}
