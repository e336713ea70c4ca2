/*
 * semio features: named numbers of every segment, per feature set (learn/sets.c's table),
 * stored per (segment, set) in one transaction so a stopped run resumes where it stopped.
 * `--jobs N` workers (stages/workers.h) each take a recording's segments at a time, with
 * their own connection, statements and sets' state; a segment's sets share its signals.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/features.h"
#include "semio/audio.h"
#include "stages/signals.h"
#include "stages/workers.h"
#include "study/db.h"
#include "util/error.h"

enum { MAX_SETS = 8, MAX_VALUES = 4096 };

typedef struct Seg {
    int64_t id, video;         /* a WorkKey: workers take a recording's segments together */
    double start, end, fps;
    char *path, *file_name;
} Seg;

/* The run: what every worker reads, and what they share under the Workers lock. */
typedef struct Ctx {
    SemioStudy *s;             /* the caller's connection: the checks and the import */
    const SemioFeatureSettings *set;
    SemioFeatureReport *rep;   /* under the lock while workers run */
    SemioError *err;
    const LearnSet *sets[MAX_SETS];
    void *state[MAX_SETS];     /* what each set's open() loaded (a network), or NULL: for
                                  describe; every worker opens its own */
    size_t nsets;
    int64_t seg_set;
    Seg *segs;
    size_t nseg;
    size_t next, seen;         /* the workers' cursor into segs; segments done, for progress */
    size_t failure_at;         /* the segment rep->failure names: the first in segs' order */
    char json[MAX_SETS][1024]; /* each set's settings now */
    int unrecorded[MAX_SETS];  /* feature_sets is written with the set's first values that
                                  commit; under the lock */
} Ctx;

/* One worker's own (the import's too, on the caller's connection, without workers). */
typedef struct Worker {
    Ctx *c;
    Workers *w;                /* NULL: no other thread runs */
    SemioStudy *s;
    SemioError *err;
    sqlite3_stmt *stored, *del, *ins;
    KeypointCache cache;
    void *state[MAX_SETS];
    int opened;                /* state[] opened: on the worker's first recording */
    char (*names)[96];
    double *v;
    SemioFeatureReport mine;   /* computed, kept, values, missing: added to rep at the end */
} Worker;

static void lock(const Worker *k)
{
    if (k->w)
        pthread_mutex_lock(&k->w->lock);
}

static void unlock(const Worker *k)
{
    if (k->w)
        pthread_mutex_unlock(&k->w->lock);
}

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
 * nothing (a refused import) leaves feature_sets as it was. Until such a transaction has
 * committed, every worker storing the set writes the row (the same JSON each time), so no
 * values commit without it; *wrote says to mark it recorded after the commit. */
static int record_set(Worker *k, size_t i, int *wrote)
{
    Ctx *c = k->c;
    lock(k);
    int todo = c->unrecorded[i];
    unlock(k);
    *wrote = 0;
    if (!todo)
        return 0;
    sqlite3_stmt *st;
    char at[32];
    int r = semio_db_prepare(k->s, &st, "INSERT OR REPLACE INTO feature_sets(name, "
                             "settings_json, made_at) VALUES (?, ?, ?)", k->err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, c->sets[i]->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->json[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, semio_db_now(at), -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(k->s, k->err, "feature_sets");
    sqlite3_finalize(st);
    *wrote = r == 0;
    return r;
}

static void recorded(Worker *k, size_t i)
{
    lock(k);
    k->c->unrecorded[i] = 0;
    unlock(k);
}

static int is_stored(Worker *k, int64_t seg, const char *set)
{
    sqlite3_bind_int64(k->stored, 1, seg);
    sqlite3_bind_text(k->stored, 2, set, -1, SQLITE_STATIC);
    return semio_db_exists(k->stored);
}

/* Replaces the values of (segment, set i); in the caller's transaction. */
static int put(Worker *k, int64_t seg, size_t i, char names[][96], const double *v, size_t n,
               int *wrote)
{
    const char *set = k->c->sets[i]->name;
    int r = record_set(k, i, wrote);
    if (r < 0)
        return r;
    sqlite3_bind_int64(k->del, 1, seg);
    sqlite3_bind_text(k->del, 2, set, -1, SQLITE_STATIC);
    int rc = sqlite3_step(k->del);
    sqlite3_reset(k->del);
    if (rc != SQLITE_DONE)
        return semio_db_fail(k->s, k->err, "features");
    for (size_t j = 0; j < n; j++) {
        sqlite3_bind_int64(k->ins, 1, seg);
        sqlite3_bind_text(k->ins, 2, set, -1, SQLITE_STATIC);
        sqlite3_bind_text(k->ins, 3, names[j], -1, SQLITE_STATIC);
        if (isfinite(v[j]))
            sqlite3_bind_double(k->ins, 4, v[j]);
        else
            sqlite3_bind_null(k->ins, 4); /* missing, never 0 */
        rc = sqlite3_step(k->ins);
        sqlite3_reset(k->ins);
        if (rc != SQLITE_DONE)
            return semio_db_fail(k->s, k->err, "features");
        k->mine.values++;
        k->mine.missing += !isfinite(v[j]);
    }
    return 0;
}

static int store(Worker *k, int64_t seg, size_t i, char names[][96], const double *v, size_t n)
{
    int wrote = 0;
    int r = semio_db_begin(k->s, k->err);
    if (r == 0 && (r = put(k, seg, i, names, v, n, &wrote)) == 0)
        r = semio_db_commit(k->s, k->err);
    if (r < 0)
        semio_db_rollback(k->s);
    else if (wrote)
        recorded(k, i);
    return r;
}

/* Said once in the report: the failure of the first segment in segs' order, whatever the
 * workers' pace. The rest goes on. */
static void failed(Worker *k, size_t gi, const char *set, const SemioError *e)
{
    Ctx *c = k->c;
    const Seg *g = &c->segs[gi];
    lock(k);
    if (!c->rep->failed++ || gi < c->failure_at) {
        c->failure_at = gi;
        snprintf(c->rep->failure, sizeof(c->rep->failure), "%.200s %.3f-%.3f s, set %s: %.200s",
                 g->file_name, g->start, g->end, set, e->message);
    }
    unlock(k);
}

/* The window's signals for the sets that read them; sound from the recording itself when
 * no audio view was made (a recording without sound leaves it NULL: NaN features). */
static int load_signals(Worker *k, const Seg *g, int audio, WindowSignals *ws, SemioError *e)
{
    int r = semio_window_signals(k->s, g->id, k->c->set->keypoints, &k->cache, ws, e);
    if (r < 0 || !audio || ws->sig.audio || !g->path)
        return r;
    SemioError none = { 0 };
    if (semio_audio_extract(g->path, g->start, g->end, 16000, &ws->audio, &none) == 0)
        ws->sig.audio = &ws->audio;
    else if (none.code != SEMIO_ERR_NOT_FOUND)
        return semio_fail(e, none.code, "%s", none.message);
    return 0;
}

static int one_segment(Worker *k, size_t gi)
{
    const Ctx *c = k->c;
    const Seg *g = &c->segs[gi];
    size_t todo[MAX_SETS];
    size_t n = 0;
    int signals = 0, audio = 0;
    for (size_t i = 0; i < c->nsets; i++)
        if (c->sets[i]->per_window) {
            if (!c->set->redo && is_stored(k, g->id, c->sets[i]->name)) {
                k->mine.kept++;
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
    int have = g->path && (!signals || load_signals(k, g, audio, &ws, &e) == 0);
    LearnWindow w = { &ws.sig, g->path, g->start, g->end };
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const LearnSet *ls = c->sets[todo[i]];
        void *state = k->state[todo[i]];
        size_t nv = learn_set_count(ls, c->set, state);
        if (!g->path || (ls->needs_signals && !have) || nv > MAX_VALUES ||
            ls->compute(&w, c->set, state, k->v, &e) < 0) {
            if (e.code == SEMIO_ERR_NOMEM)
                r = semio_fail(k->err, e.code, "%s", e.message);
            else
                failed(k, gi, ls->name, &e);
            continue;
        }
        for (size_t j = 0; j < nv; j++)
            learn_set_name(ls, c->set, state, j, k->names[j], 96);
        if ((r = store(k, g->id, todo[i], k->names, k->v, nv)) == 0)
            k->mine.computed++;
    }
    semio_window_signals_free(&ws);
    return r;
}

static int prepare(Worker *k)
{
    int r = semio_db_prepare(k->s, &k->stored, "SELECT 1 FROM features WHERE segment_id = ? "
                             "AND feature_set = ? LIMIT 1", k->err);
    if (r == 0)
        r = semio_db_prepare(k->s, &k->del, "DELETE FROM features WHERE segment_id = ? AND "
                             "feature_set = ?", k->err);
    if (r == 0)
        r = semio_db_prepare(k->s, &k->ins, "INSERT INTO features(segment_id, feature_set, "
                             "name, value) VALUES (?, ?, ?, ?)", k->err);
    return r;
}

/* A window worker's own: statements, buffers and each set's state (a sampler kept open
 * over a recording, a network session), opened on its first recording. */
static int open_worker(Worker *k)
{
    const Ctx *c = k->c;
    k->opened = 1;
    k->names = calloc(MAX_VALUES, 96);
    k->v = malloc(MAX_VALUES * sizeof(double));
    int r = k->names && k->v ? prepare(k) : semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < c->nsets; i++)
        if (c->sets[i]->open)
            r = c->sets[i]->open(&k->state[i], c->set, k->err);
    return r;
}

static void close_worker(Worker *k)
{
    sqlite3_finalize(k->stored);
    sqlite3_finalize(k->del);
    sqlite3_finalize(k->ins);
    semio_keypoint_cache_close(&k->cache);
    for (size_t i = 0; i < k->c->nsets; i++)
        if (k->state[i])
            k->c->sets[i]->close(k->state[i]);
    free(k->names);
    free(k->v);
}

static void add_report(SemioFeatureReport *to, const SemioFeatureReport *r)
{
    to->computed += r->computed;
    to->kept += r->kept;
    to->values += r->values;
    to->missing += r->missing;
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

static int store_import(Worker *k, const LearnImport *im, const size_t *row_seg)
{
    Ctx *c = k->c;
    size_t si = 0;
    while (c->sets[si]->per_window)
        si++;
    char (*names)[96] = calloc(im->ncols ? im->ncols : 1, 96);
    if (!names)
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < im->ncols; j++)
        snprintf(names[j], 96, "%s", im->column[j]);
    int r = semio_db_begin(c->s, c->err), wrote = 0;
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
        if (!c->set->redo && is_stored(k, seg, "import")) {
            k->mine.kept++;
            continue;
        }
        int w = 0;
        if ((r = put(k, seg, si, names, im->x + i * im->ncols, im->ncols, &w)) == 0)
            k->mine.computed++;
        wrote |= w;
    }
    if (r == 0)
        r = semio_db_commit(c->s, c->err);
    if (r < 0) {
        semio_db_rollback(c->s);
        k->mine.computed = k->mine.values = k->mine.missing = 0;
    } else if (wrote) {
        recorded(k, si);
    }
    free(names);
    return r;
}

/* On the caller's connection, before any worker starts: one transaction for the file. */
static int run_import(Ctx *c)
{
    LearnImport im;
    Worker k = { .c = c, .s = c->s, .err = c->err };
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
        r = prepare(&k);
    if (r == 0)
        r = store_import(&k, &im, row_seg);
    add_report(c->rep, &k.mine);
    close_worker(&k);
    free(row_seg);
    learn_import_free(&im);
    return r;
}

/* A recording's segments in order: the motion set keeps the recording open across them. */
static int features_recording(Worker *k, size_t a, size_t b)
{
    Ctx *c = k->c;
    int r = 0;
    for (size_t i = a; i < b && r == 0; i++) {
        if (workers_halted(k->w))
            return semio_fail(k->err, SEMIO_ERR_INTERRUPTED, "interrupted");
        r = one_segment(k, i);
        lock(k);
        c->seen++;
        if (c->set->progress)
            c->set->progress(c->set->progress_user, "features", (int64_t)c->seen,
                             (int64_t)c->nseg, c->segs[i].file_name);
        unlock(k);
    }
    return r;
}

static int features_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    Ctx *c = user;
    Worker k = { .c = c, .w = w, .s = s, .err = err };
    int r = 0;
    for (size_t a, b;
         r == 0 && workers_take(w, &c->next, c->segs, c->nseg, sizeof(Seg), &a, &b);) {
        if (!k.opened)
            r = open_worker(&k);
        if (r == 0)
            r = features_recording(&k, a, b);
    }
    close_worker(&k);
    lock(&k);
    add_report(c->rep, &k.mine);
    unlock(&k);
    return r;
}

static int run_windows(Ctx *c)
{
    int r = workers_run(c->s, c->set->jobs, c->set->stop, features_worker, c, c->err);
    if (r == SEMIO_ERR_INTERRUPTED)
        r = semio_fail(c->err, r, "interrupted: %zu segments left", c->nseg - c->seen);
    return r;
}

int semio_features(SemioStudy *s, const SemioFeatureSettings *set, SemioFeatureReport *rep,
                   SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (set->jobs < 0 || set->jobs > 256)
        return semio_fail(err, SEMIO_ERR_INVALID, "jobs must be between 0 (the cores) and 256");
    Ctx c = { .s = s, .set = set, .rep = rep, .err = err };
    int r = parse_sets(&c);
    for (size_t i = 0; r == 0 && i < c.nsets; i++)
        if (c.sets[i]->open)
            r = c.sets[i]->open(&c.state[i], set, err);
    if (r == 0)
        r = find_segments(&c);
    for (size_t i = 0; r == 0 && i < c.nsets; i++)
        r = check_settings(&c, i);
    int import = 0, windows = 0;
    for (size_t i = 0; i < c.nsets; i++) {
        import |= !c.sets[i]->per_window;
        windows |= c.sets[i]->per_window;
    }
    if (r == 0 && import)
        r = run_import(&c);
    if (r == 0 && windows)
        r = run_windows(&c);
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
