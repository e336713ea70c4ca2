/*
 * semio features: named numbers of every segment, per feature set (learn/sets.c's table),
 * stored per (segment, set) in one transaction so a stopped run resumes where it stopped.
 * Sequential for now: a segment's sets share its loaded signals, and the workers' claims
 * (stages/workers.h) would be the next step when the motion set's decoding grows long.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/features.h"
#include "semio/audio.h"
#include "stages/signals.h"
#include "study/db.h"
#include "util/error.h"

enum { MAX_SETS = 8, MAX_VALUES = 4096 };

typedef struct Seg {
    int64_t id, video;
    double start, end, fps;
    char *path, *file_name;
} Seg;

typedef struct Ctx {
    SemioStudy *s;
    const SemioFeatureSettings *set;
    SemioFeatureReport *rep;
    SemioError *err;
    const LearnSet *sets[MAX_SETS];
    void *state[MAX_SETS];     /* what each set's open() loaded (a network), or NULL */
    size_t nsets;
    int64_t seg_set;
    Seg *segs;
    size_t nseg;
    sqlite3_stmt *stored, *del, *ins;
    KeypointCache cache;
    char json[MAX_SETS][1024]; /* each set's settings now */
    int unrecorded[MAX_SETS];  /* feature_sets is written with the set's first values */
} Ctx;

static int parse_sets(Ctx *c)
{
    char list[512], *item[MAX_SETS + 1];
    snprintf(list, sizeof(list), "%s", c->set->sets ? c->set->sets : "kinematic,motion,sound");
    size_t n = semio_list_split(list, item, MAX_SETS + 1);
    if (n == 0 || n > MAX_SETS)
        return semio_fail(c->err, SEMIO_ERR_INVALID, "features: --set takes 1 to %d of "
                          "kinematic, motion, sound, onnx, import", MAX_SETS);
    int import = 0;
    for (size_t i = 0; i < n; i++) {
        const LearnSet *ls = learn_set_find(item[i]);
        if (!ls)
            return semio_fail(c->err, SEMIO_ERR_INVALID, "features: no feature set '%s' (the "
                              "sets: kinematic, motion, sound, onnx, import)", item[i]);
        for (size_t j = 0; j < c->nsets; j++)
            if (c->sets[j] == ls)
                return semio_fail(c->err, SEMIO_ERR_INVALID, "features: set '%s' named twice",
                                  item[i]);
        import |= !ls->per_window;
        c->sets[c->nsets++] = ls;
    }
    if (import != !!c->set->import_csv)
        return semio_fail(c->err, SEMIO_ERR_INVALID, import ? "features: set import needs "
                          "--import FILE.csv" : "features: --import FILE.csv goes with --set import");
    return 0;
}

static int find_segments(Ctx *c)
{
    sqlite3_stmt *st;
    int r = learn_segment_set(c->s, c->set->segments, &c->seg_set, c->rep->segment_set,
                              sizeof(c->rep->segment_set), c->err);
    if (r < 0)
        return r;
    if ((r = semio_db_prepare(c->s, &st, "SELECT g.id, g.video_id, g.start_s, g.end_s, v.avg_fps, "
                              "v.path, v.file_name FROM segments g JOIN videos v ON v.id = "
                              "g.video_id WHERE g.set_id = ? ORDER BY g.video_id, g.start_s",
                              c->err)) < 0)
        return r;
    sqlite3_bind_int64(st, 1, c->seg_set);
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        Seg *g = realloc(c->segs, (c->nseg + 1) * sizeof(Seg));
        if (!g) {
            r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        c->segs = g;
        g += c->nseg++;
        const char *path = (const char *)sqlite3_column_text(st, 5);
        *g = (Seg){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                    sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                    sqlite3_column_double(st, 4), path ? strdup(path) : NULL,
                    strdup((const char *)sqlite3_column_text(st, 6)) };
        if (!g->file_name || (path && !g->path))
            r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    c->rep->segments = (int64_t)c->nseg;
    return r;
}

static void describe(const Ctx *c, size_t i, char *json, size_t size)
{
    const LearnSet *ls = c->sets[i];
    if (ls->describe) {
        ls->describe(c->set, c->state[i], json, size);
        return;
    }
    json_object *j = json_object_new_object(); /* import: the file the values came from */
    json_object_object_add(j, "file", json_object_new_string(c->set->import_csv));
    snprintf(json, size, "%s", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
    json_object_put(j);
}

/* A set stored with other settings is refused unless redo: its numbers would mix. */
static int check_settings(Ctx *c, size_t i)
{
    const LearnSet *ls = c->sets[i];
    char *now = c->json[i];
    describe(c, i, now, sizeof(c->json[i]));
    sqlite3_stmt *st;
    int r = semio_db_prepare(c->s, &st, "SELECT settings_json FROM feature_sets WHERE name = ?",
                             c->err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, ls->name, -1, SQLITE_STATIC);
    int stored = sqlite3_step(st) == SQLITE_ROW;
    int same = stored && !strcmp((const char *)sqlite3_column_text(st, 0), now);
    if (stored && !same && !c->set->redo)
        r = semio_fail(c->err, SEMIO_ERR_CONFLICT, "%s: features of set '%s' were made with %s; "
                       "these settings are %s: use --redo to compute them again", c->s->path,
                       ls->name, (const char *)sqlite3_column_text(st, 0), now);
    sqlite3_finalize(st);
    c->unrecorded[i] = !same;
    return r;
}

/* The set's settings, in the transaction that stores its first values: a run that stores
 * nothing (a refused import) leaves feature_sets as it was. */
static int record_set(Ctx *c, const char *set)
{
    size_t i = 0;
    while (i < c->nsets && strcmp(c->sets[i]->name, set))
        i++;
    if (i == c->nsets || !c->unrecorded[i])
        return 0;
    sqlite3_stmt *st;
    char at[32];
    int r = semio_db_prepare(c->s, &st, "INSERT OR REPLACE INTO feature_sets(name, "
                             "settings_json, made_at) VALUES (?, ?, ?)", c->err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->json[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, semio_db_now(at), -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(c->s, c->err, "feature_sets");
    sqlite3_finalize(st);
    c->unrecorded[i] = r < 0;
    return r;
}

static int is_stored(Ctx *c, int64_t seg, const char *set)
{
    sqlite3_bind_int64(c->stored, 1, seg);
    sqlite3_bind_text(c->stored, 2, set, -1, SQLITE_STATIC);
    return semio_db_exists(c->stored);
}

/* Replaces the values of (segment, set); in the caller's transaction. */
static int put(Ctx *c, int64_t seg, const char *set, char names[][96], const double *v, size_t n)
{
    int r = record_set(c, set);
    if (r < 0)
        return r;
    sqlite3_bind_int64(c->del, 1, seg);
    sqlite3_bind_text(c->del, 2, set, -1, SQLITE_STATIC);
    int rc = sqlite3_step(c->del);
    sqlite3_reset(c->del);
    if (rc != SQLITE_DONE)
        return semio_db_fail(c->s, c->err, "features");
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(c->ins, 1, seg);
        sqlite3_bind_text(c->ins, 2, set, -1, SQLITE_STATIC);
        sqlite3_bind_text(c->ins, 3, names[i], -1, SQLITE_STATIC);
        if (isfinite(v[i]))
            sqlite3_bind_double(c->ins, 4, v[i]);
        else
            sqlite3_bind_null(c->ins, 4); /* missing, never 0 */
        rc = sqlite3_step(c->ins);
        sqlite3_reset(c->ins);
        if (rc != SQLITE_DONE)
            return semio_db_fail(c->s, c->err, "features");
        c->rep->values++;
        c->rep->missing += !isfinite(v[i]);
    }
    return 0;
}

static int store(Ctx *c, int64_t seg, const char *set, char names[][96], const double *v, size_t n)
{
    int r = semio_db_begin(c->s, c->err);
    if (r == 0 && (r = put(c, seg, set, names, v, n)) == 0)
        r = semio_db_commit(c->s, c->err);
    if (r < 0)
        semio_db_rollback(c->s);
    return r;
}

/* Said once in the report; the rest goes on. */
static void failed(Ctx *c, const Seg *g, const char *set, const SemioError *e)
{
    if (!c->rep->failed++)
        snprintf(c->rep->failure, sizeof(c->rep->failure), "%.200s %.3f-%.3f s, set %s: %.200s",
                 g->file_name, g->start, g->end, set, e->message);
}

/* The window's signals for the sets that read them; sound from the recording itself when
 * no audio view was made (a recording without sound leaves it NULL: NaN features). */
static int load_signals(Ctx *c, const Seg *g, int audio, WindowSignals *ws, SemioError *e)
{
    int r = semio_window_signals(c->s, g->id, c->set->keypoints, &c->cache, ws, e);
    if (r < 0 || !audio || ws->sig.audio || !g->path)
        return r;
    SemioError none = { 0 };
    if (semio_audio_extract(g->path, g->start, g->end, 16000, &ws->audio, &none) == 0)
        ws->sig.audio = &ws->audio;
    else if (none.code != SEMIO_ERR_NOT_FOUND)
        return semio_fail(e, none.code, "%s", none.message);
    return 0;
}

static int one_segment(Ctx *c, const Seg *g, char (*names)[96], double *v)
{
    size_t todo[MAX_SETS];
    size_t n = 0;
    int signals = 0, audio = 0;
    for (size_t i = 0; i < c->nsets; i++)
        if (c->sets[i]->per_window) {
            if (!c->set->redo && is_stored(c, g->id, c->sets[i]->name)) {
                c->rep->kept++;
                continue;
            }
            todo[n++] = i;
            signals |= c->sets[i]->needs_signals;
            audio |= c->sets[i]->needs_audio;
        }
    WindowSignals ws = { 0 };
    SemioError e = { 0 };
    if (!g->path)
        semio_fail(&e, SEMIO_ERR_NOT_FOUND, "the recording has no file");
    int have = g->path && (!signals || load_signals(c, g, audio, &ws, &e) == 0);
    LearnWindow w = { &ws.sig, g->path, g->start, g->end };
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const LearnSet *ls = c->sets[todo[i]];
        void *state = c->state[todo[i]];
        size_t k = learn_set_count(ls, c->set, state);
        if (!g->path || (ls->needs_signals && !have) || k > MAX_VALUES ||
            ls->compute(&w, c->set, state, v, &e) < 0) {
            if (e.code == SEMIO_ERR_NOMEM)
                r = semio_fail(c->err, e.code, "%s", e.message);
            else
                failed(c, g, ls->name, &e);
            continue;
        }
        for (size_t j = 0; j < k; j++)
            learn_set_name(ls, c->set, state, j, names[j], 96);
        if ((r = store(c, g->id, ls->name, names, v, k)) == 0)
            c->rep->computed++;
    }
    semio_window_signals_free(&ws);
    return r;
}

/* The segment an imported row names: its recording and window, within half a frame. */
static int match_row(Ctx *c, const LearnImport *im, size_t i, size_t *seg)
{
    int recording = 0;
    for (size_t j = 0; j < c->nseg; j++) {
        const Seg *g = &c->segs[j];
        if (strcmp(g->file_name, im->file_name[i]))
            continue;
        recording = 1;
        double tol = fmax(0.05, g->fps > 0 ? 0.5 / g->fps : 0);
        if (fabs(g->start - im->start[i]) <= tol && fabs(g->end - im->end[i]) <= tol) {
            *seg = j;
            return 0;
        }
    }
    return semio_fail(c->err, SEMIO_ERR_NOT_FOUND, recording
                      ? "%s: line %zu: recording '%s' has no segment of the set '%s' at "
                        "%g-%g s" : "%s: line %zu: no recording '%s' has segments in the set '%s'",
                      c->set->import_csv, im->line[i], im->file_name[i], c->rep->segment_set,
                      im->start[i], im->end[i]);
}

/* Every row matched and checked before the one transaction that stores them all. */
static int import_rows(Ctx *c, const LearnImport *im, size_t *row_seg)
{
    for (size_t i = 0; i < im->nrows; i++) {
        int r = match_row(c, im, i, &row_seg[i]);
        if (r < 0)
            return r;
        for (size_t j = 0; j < i; j++)
            if (row_seg[j] == row_seg[i])
                return semio_fail(c->err, SEMIO_ERR_FORMAT, "%s: line %zu: the same window as "
                                  "line %zu (%s %g-%g s)", c->set->import_csv, im->line[i],
                                  im->line[j], im->file_name[i], im->start[i], im->end[i]);
    }
    return 0;
}

static int store_import(Ctx *c, const LearnImport *im, const size_t *row_seg)
{
    char (*names)[96] = calloc(im->ncols ? im->ncols : 1, 96);
    if (!names)
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < im->ncols; k++)
        snprintf(names[k], 96, "%s", im->column[k]);
    int r = semio_db_begin(c->s, c->err);
    if (r == 0 && c->set->redo) { /* the file replaces every imported value of the set */
        sqlite3_stmt *st;
        if ((r = semio_db_prepare(c->s, &st, "DELETE FROM features WHERE feature_set = 'import' "
                                  "AND segment_id IN (SELECT id FROM segments WHERE set_id = ?)",
                                  c->err)) == 0) {
            sqlite3_bind_int64(st, 1, c->seg_set);
            r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(c->s, c->err, "features");
            sqlite3_finalize(st);
        }
    }
    for (size_t i = 0; r == 0 && i < im->nrows; i++) {
        int64_t seg = c->segs[row_seg[i]].id;
        if (!c->set->redo && is_stored(c, seg, "import")) {
            c->rep->kept++;
            continue;
        }
        if ((r = put(c, seg, "import", names, im->x + i * im->ncols, im->ncols)) == 0)
            c->rep->computed++;
    }
    if (r == 0)
        r = semio_db_commit(c->s, c->err);
    if (r < 0) {
        semio_db_rollback(c->s);
        c->rep->computed = c->rep->values = c->rep->missing = 0;
    }
    free(names);
    return r;
}

static int run_import(Ctx *c)
{
    LearnImport im;
    int r = learn_import_read(c->set->import_csv, &im, c->err);
    if (r < 0)
        return r;
    if (im.ncols > MAX_VALUES)
        r = semio_fail(c->err, SEMIO_ERR_FORMAT, "%s: more than %d feature columns",
                       c->set->import_csv, MAX_VALUES);
    size_t *row_seg = r == 0 ? calloc(im.nrows, sizeof(size_t)) : NULL;
    if (r == 0 && !row_seg)
        r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = import_rows(c, &im, row_seg);
    if (r == 0)
        r = store_import(c, &im, row_seg);
    free(row_seg);
    learn_import_free(&im);
    return r;
}

static int run_windows(Ctx *c)
{
    char (*names)[96] = calloc(MAX_VALUES, 96);
    double *v = malloc(MAX_VALUES * sizeof(double));
    int r = names && v ? 0 : semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < c->nseg; i++) {
        if (c->set->stop && *c->set->stop) {
            r = semio_fail(c->err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        r = one_segment(c, &c->segs[i], names, v);
        if (c->set->progress)
            c->set->progress(c->set->progress_user, "features", (int64_t)i + 1,
                             (int64_t)c->nseg, c->segs[i].file_name);
    }
    free(names);
    free(v);
    return r;
}

int semio_features(SemioStudy *s, const SemioFeatureSettings *set, SemioFeatureReport *rep,
                   SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    Ctx c = { .s = s, .set = set, .rep = rep, .err = err };
    int r = parse_sets(&c);
    for (size_t i = 0; r == 0 && i < c.nsets; i++)
        if (c.sets[i]->open)
            r = c.sets[i]->open(&c.state[i], set, err);
    if (r == 0)
        r = find_segments(&c);
    for (size_t i = 0; r == 0 && i < c.nsets; i++)
        r = check_settings(&c, i);
    if (r == 0 && (r = semio_db_prepare(s, &c.stored, "SELECT 1 FROM features WHERE "
                                        "segment_id = ? AND feature_set = ? LIMIT 1", err)) == 0 &&
        (r = semio_db_prepare(s, &c.del, "DELETE FROM features WHERE segment_id = ? AND "
                              "feature_set = ?", err)) == 0)
        r = semio_db_prepare(s, &c.ins, "INSERT INTO features(segment_id, feature_set, name, "
                             "value) VALUES (?, ?, ?, ?)", err);
    int import = 0, windows = 0;
    for (size_t i = 0; i < c.nsets; i++) {
        import |= !c.sets[i]->per_window;
        windows |= c.sets[i]->per_window;
    }
    if (r == 0 && import)
        r = run_import(&c);
    if (r == 0 && windows)
        r = run_windows(&c);
    sqlite3_finalize(c.stored);
    sqlite3_finalize(c.del);
    sqlite3_finalize(c.ins);
    semio_keypoint_cache_close(&c.cache);
    for (size_t i = 0; i < c.nsets; i++)
        if (c.state[i])
            c.sets[i]->close(c.state[i]);
    for (size_t i = 0; i < c.nseg; i++) {
        free(c.segs[i].path);
        free(c.segs[i].file_name);
    }
    free(c.segs);
    return r;
}
