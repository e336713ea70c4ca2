/*
 * What semio classify learns from: each recording's target (a label file's column, such as
 * the pilot's `label`) and its inputs, the experts' sign labels or a run's merged answers.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "semio/signs.h"
#include "stages/classify.h"
#include "study/db.h"
#include "util/error.h"

void classify_data_free(ClassifyData *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->name[i]);
        free(d->patient[i]);
    }
    for (size_t j = 0; j < d->d; j++)
        free(d->input[j]);
    free(d->vid);
    free(d->name);
    free(d->patient);
    free(d->y);
    free(d->x);
    free(d->input);
    free(d->pid);
    memset(d, 0, sizeof(*d));
}

/* 1/0, yes/no, true/false in any case and with spaces around; -1 empty, -2 anything else. */
static int parse_target(const char *text)
{
    if (!text)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (!len)
        return -1;
    static const char *const words[] = { "0", "no", "false", "1", "yes", "true" };
    for (int i = 0; i < 6; i++)
        if (strlen(words[i]) == len && !strncasecmp(text, words[i], len))
            return i >= 3;
    return -2;
}

/* A target column no recording has is a typo: say which columns there are. */
static int check_target(SemioStudy *s, const char *target, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT (SELECT 1 FROM label_fields WHERE name = ?1), "
                                     "(SELECT group_concat(name, ', ') FROM (SELECT DISTINCT "
                                     "name FROM label_fields WHERE instr(name, '@') = 0 "
                                     "ORDER BY name))", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        r = semio_db_fail(s, err, "reading the label columns");
    else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no label column '%s' (the label files "
                       "ingested have: %s)", s->path, target,
                       sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
                                                  : "none");
    sqlite3_finalize(st);
    return r;
}

static int add_row(ClassifyData *d, size_t *cap, sqlite3_stmt *st, int y, SemioError *err)
{
    if (d->n == *cap) {
        size_t grown = *cap ? 2 * *cap : 64;
        int64_t *vid = realloc(d->vid, grown * sizeof(*vid));
        d->vid = vid ? vid : d->vid;
        char **name = realloc(d->name, grown * sizeof(*name));
        d->name = name ? name : d->name;
        char **patient = realloc(d->patient, grown * sizeof(*patient));
        d->patient = patient ? patient : d->patient;
        int8_t *yy = realloc(d->y, grown * sizeof(*yy));
        d->y = yy ? yy : d->y;
        if (!vid || !name || !patient || !yy)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        *cap = grown;
    }
    char *name = strdup((const char *)sqlite3_column_text(st, 1));
    char *patient = strdup((const char *)sqlite3_column_text(st, 2));
    if (!name || !patient) {
        free(name);
        free(patient);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    d->vid[d->n] = sqlite3_column_int64(st, 0);
    d->name[d->n] = name;
    d->patient[d->n] = patient;
    d->y[d->n++] = (int8_t)y;
    return 0;
}

/* Every recording with its target, in id order; those whose target is empty are counted. */
static int load_targets(SemioStudy *s, const char *target, ClassifyData *d, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT v.id, v.file_name, v.patient, f.value FROM videos v "
                                     "LEFT JOIN label_fields f ON f.video_id = v.id AND "
                                     "f.name = ? ORDER BY v.id", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *value = (const char *)sqlite3_column_text(st, 3);
        int y = parse_target(value);
        if (y == -1)
            d->no_target++;
        else if (y == -2)
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: recording %s has %s '%s', which is "
                           "neither 1/0, yes/no nor true/false", s->path,
                           (const char *)sqlite3_column_text(st, 1), target, value);
        else
            r = add_row(d, &cap, st, y, err);
    }
    sqlite3_finalize(st);
    return r;
}

static int find_row(const ClassifyData *d, int64_t vid)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->vid[mid] == vid)
            return (int)mid;
        if (d->vid[mid] < vid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int add_input(ClassifyData *d, const char *sign, const char *suffix, SemioError *err)
{
    char name[256];
    snprintf(name, sizeof(name), "%s%s", sign, suffix);
    char **grown = realloc(d->input, (d->d + 1) * sizeof(char *));
    if (!grown)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    d->input = grown;
    if (!(d->input[d->d] = strdup(name)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    d->d++;
    return 0;
}

/*
 * The inputs, in the sign catalog's order: every sign `has` finds (bound to ?1), and after
 * it "SIGN:p" where `has_p` (when not NULL) finds P(yes) too.
 */
static int choose_inputs(SemioStudy *s, const char *has, const char *has_p, int64_t run,
                         ClassifyData *d, SemioError *err)
{
    SemioSignSet *catalog = NULL;
    sqlite3_stmt *q = NULL, *qp = NULL;
    int r = semio_signs_open(&catalog, NULL, err);
    if (r == 0)
        r = semio_db_prepare(s, &q, has, err);
    if (r == 0 && has_p)
        r = semio_db_prepare(s, &qp, has_p, err);
    for (size_t i = 0; r == 0 && i < semio_signs_count(catalog); i++) {
        const char *sign = semio_signs_get(catalog, i)->id;
        sqlite3_bind_text(q, 1, sign, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, run);
        if (semio_db_exists(q))
            r = add_input(d, sign, "", err);
        if (r == 0 && qp) {
            sqlite3_bind_text(qp, 1, sign, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(qp, 2, run);
            if (semio_db_exists(qp))
                r = add_input(d, sign, ":p", err);
        }
    }
    sqlite3_finalize(q);
    sqlite3_finalize(qp);
    semio_signs_close(&catalog);
    if (r == 0 && !d->d)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: %s", s->path,
                       run ? "the run answered no sign of the catalog"
                           : "no sign labels (semio ingest --labels)");
    return r;
}

static int input_index(const ClassifyData *d, const char *sign, const char *suffix)
{
    char name[256];
    snprintf(name, sizeof(name), "%s%s", sign, suffix);
    for (size_t j = 0; j < d->d; j++)
        if (!strcmp(d->input[j], name))
            return (int)j;
    return -1;
}

/*
 * Fills x from `sql` (bound run as ?1 when it is not 0): rows of video_id, sign, value
 * (NULL = missing) and, where p_col, the P(yes) of "SIGN:p".
 */
static int fill_inputs(SemioStudy *s, const char *sql, int64_t run, int p_col,
                       ClassifyData *d, SemioError *err)
{
    d->x = malloc((d->n * d->d + 1) * sizeof(double));
    if (!d->x)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < d->n * d->d; i++)
        d->x[i] = NAN;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if (run)
        sqlite3_bind_int64(st, 1, run);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int row = find_row(d, sqlite3_column_int64(st, 0));
        const char *sign = (const char *)sqlite3_column_text(st, 1);
        int j = input_index(d, sign, ""), jp = p_col ? input_index(d, sign, ":p") : -1;
        if (row < 0)
            continue;
        double *xr = d->x + (size_t)row * d->d;
        if (j >= 0 && sqlite3_column_type(st, 2) != SQLITE_NULL)
            xr[j] = sqlite3_column_double(st, 2);
        if (jp >= 0 && sqlite3_column_type(st, 3) != SQLITE_NULL)
            xr[jp] = sqlite3_column_double(st, 3);
    }
    sqlite3_finalize(st);
    return 0;
}

static int run_id(SemioStudy *s, const char *name, int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id FROM runs WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s' (semio status lists "
                       "them; --from labels learns from the experts' signs)", s->path, name);
    sqlite3_finalize(st);
    return r;
}

/* A recording with no input at all (the run never answered it) says nothing: left out. */
static void drop_empty(ClassifyData *d)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        int any = 0;
        for (size_t j = 0; j < d->d && !any; j++)
            any = !isnan(d->x[i * d->d + j]);
        if (!any) {
            free(d->name[i]);
            free(d->patient[i]);
            d->no_input++;
            continue;
        }
        d->vid[k] = d->vid[i];
        d->name[k] = d->name[i];
        d->patient[k] = d->patient[i];
        d->y[k] = d->y[i];
        memmove(d->x + k * d->d, d->x + i * d->d, d->d * sizeof(double));
        k++;
    }
    d->n = k;
}

/*
 * A run's answers merge per recording and sign: any yes is 1, all no is 0, anything else
 * (na, failed, no answer) missing; P(yes) merges by its maximum, like max-p in eval.
 */
static const char run_has[] = "SELECT 1 FROM answers WHERE sign = ?1 AND run_id = ?2";
static const char run_has_p[] = "SELECT 1 FROM answers WHERE sign = ?1 AND run_id = ?2 "
                                "AND p_yes IS NOT NULL";
static const char run_values[] =
    "SELECT video_id, sign, CASE WHEN max(answer IS 'yes') THEN 1 "
    "WHEN min(answer IS 'no') THEN 0 END, max(p_yes) FROM answers WHERE run_id = ?1 "
    "GROUP BY video_id, sign";
/* ?2 is bound but unused: the statements share choose_inputs' binding */
static const char label_has[] = "SELECT 1 FROM labels WHERE sign = ?1 AND ?2 = 0";
static const char label_values[] = "SELECT video_id, sign, value, NULL FROM labels";

int classify_load(SemioStudy *s, const char *target, const char *from, ClassifyData *d,
                  SemioError *err)
{
    memset(d, 0, sizeof(*d));
    int64_t run = 0;
    int labels = !strcmp(from, "labels");
    int r = check_target(s, target, err);
    if (r == 0 && !labels)
        r = run_id(s, from, &run, err);
    if (r == 0)
        r = load_targets(s, target, d, err);
    if (r == 0)
        r = labels ? choose_inputs(s, label_has, NULL, 0, d, err)
                   : choose_inputs(s, run_has, run_has_p, run, d, err);
    if (r == 0)
        r = fill_inputs(s, labels ? label_values : run_values, run, !labels, d, err);
    if (r == 0)
        drop_empty(d);
    if (r < 0)
        classify_data_free(d);
    return r;
}
