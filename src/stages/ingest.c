/* semio ingest: probe recordings into the study, one transaction per file. */
#include <errno.h>
#include <fts.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/patient.h"
#include "semio/probe.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_ingest_default_settings(SemioIngestSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->patient_regex = SEMIO_DEFAULT_PATIENT_REGEX;
}

static const char *const video_ext[] = { "mp4", "mov", "m4v", "mkv", "avi", "webm", "mpg",
                                          "mpeg", "ts", "mts", "m2ts", "wmv", "flv", "3gp",
                                          "y4m", "ogv", "mxf", "nut", "dv", "vob" };

static int is_video_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof(video_ext) / sizeof(*video_ext); i++)
        if (!strcasecmp(dot + 1, video_ext[i]))
            return 1;
    return 0;
}

/* ---- the list of files to ingest --------------------------------------- */

typedef struct PathList {
    char **items;
    size_t count, cap;
    int nomem;
} PathList;

static void push_path(PathList *l, const char *p)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **n = realloc(l->items, cap * sizeof(char *));
        if (!n) {
            l->nomem = 1;
            return;
        }
        l->items = n;
        l->cap = cap;
    }
    if (!(l->items[l->count] = strdup(p)))
        l->nomem = 1;
    else
        l->count++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(PathList *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
}

static int list_paths(PathList *l, const char *const *paths, size_t n, SemioError *err)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            return semio_fail(err, SEMIO_ERR_IO, "%s: %s", paths[i], strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            size_t before = l->count;
            char *const roots[] = { (char *)paths[i], NULL };
            FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
            if (!fts)
                return semio_fail(err, SEMIO_ERR_IO, "%s: cannot list folder: %s", paths[i],
                                  strerror(errno));
            for (FTSENT *e; (e = fts_read(fts)) != NULL;)
                if (e->fts_info == FTS_F && is_video_name(e->fts_name))
                    push_path(l, e->fts_path);
            fts_close(fts);
            if (l->count - before > 1) /* an empty folder leaves items NULL */
                qsort(l->items + before, l->count - before, sizeof(char *), cmp_str);
        } else {
            push_path(l, paths[i]); /* named explicitly: always probed, whatever its name */
        }
        if (l->nomem)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* ---- one file ------------------------------------------------------------ */

typedef struct Known {
    int64_t id;
    char path[PATH_MAX];
    int has_path;
    int64_t size, mtime_ns;
    char status[16];
} Known;

static int lookup(SemioStudy *s, const char *file_name, Known *k, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(
        s, &st, "SELECT id, path, size, mtime_ns, status FROM videos WHERE file_name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, file_name, -1, SQLITE_STATIC);
    memset(k, 0, sizeof(*k));
    k->id = -1;
    if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        k->id = sqlite3_column_int64(st, 0);
        k->has_path = sqlite3_column_type(st, 1) != SQLITE_NULL;
        if (k->has_path)
            snprintf(k->path, sizeof(k->path), "%s", (const char *)sqlite3_column_text(st, 1));
        k->size = sqlite3_column_int64(st, 2);
        k->mtime_ns = sqlite3_column_int64(st, 3);
        snprintf(k->status, sizeof(k->status), "%s", (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return semio_db_fail(s, err, "cannot look up a recording");
    return 0;
}

static const char upsert_sql[] =
    "INSERT INTO videos(file_name, patient, path, size, mtime_ns, status, error, changed,"
    " container, video_codec, width, height, rotation, duration, avg_fps, real_fps,"
    " frame_count, declared_frames, vfr, b_frames, keyframes, audio_streams, audio_codec,"
    " audio_rate, audio_channels, warning, probe_json, probed_at)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
    "?23,?24,?25,?26,?27,?28)"
    " ON CONFLICT(file_name) DO UPDATE SET patient=?2, path=?3, size=?4, mtime_ns=?5,"
    " status=?6, error=?7, changed=?8, container=?9, video_codec=?10, width=?11, height=?12,"
    " rotation=?13, duration=?14, avg_fps=?15, real_fps=?16, frame_count=?17,"
    " declared_frames=?18, vfr=?19, b_frames=?20, keyframes=?21, audio_streams=?22,"
    " audio_codec=?23, audio_rate=?24, audio_channels=?25, warning=?26, probe_json=?27,"
    " probed_at=?28";

static int store(SemioStudy *s, const char *file_name, const char *patient, const char *path,
                 const struct stat *fst, const SemioProbe *p, const char *status,
                 const char *error, int changed, int64_t old_id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, upsert_sql, err);
    if (r < 0)
        return r;
    char now[32];
    char *json = p ? semio_probe_to_json(p) : NULL;
    int i = 1;
    sqlite3_bind_text(st, i++, file_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, i++, patient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, i++, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, i++, fst->st_size);
    sqlite3_bind_int64(st, i++, (int64_t)fst->st_mtim.tv_sec * 1000000000 + fst->st_mtim.tv_nsec);
    sqlite3_bind_text(st, i++, status, -1, SQLITE_STATIC);
    if (error)
        sqlite3_bind_text(st, i, error, -1, SQLITE_STATIC);
    i++;
    sqlite3_bind_int(st, i++, changed);
    if (p) {
        sqlite3_bind_text(st, i++, p->container, -1, SQLITE_STATIC);
        if (p->has_video) {
            sqlite3_bind_text(st, i++, p->video_codec, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, i++, p->width);
            sqlite3_bind_int(st, i++, p->height);
            sqlite3_bind_int(st, i++, p->rotation);
        } else {
            i += 4;
        }
        sqlite3_bind_double(st, i++, p->duration);
        sqlite3_bind_double(st, i++, p->avg_fps);
        sqlite3_bind_double(st, i++, p->real_fps);
        sqlite3_bind_int64(st, i++, p->frame_count);
        if (p->declared_frames >= 0)
            sqlite3_bind_int64(st, i, p->declared_frames);
        i++;
        sqlite3_bind_int(st, i++, p->vfr);
        sqlite3_bind_int(st, i++, p->reorders);
        sqlite3_bind_int64(st, i++, p->keyframes);
        sqlite3_bind_int(st, i++, p->audio_streams);
        if (p->audio_streams) {
            sqlite3_bind_text(st, i++, p->audio_codec, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, i++, p->audio_rate);
            sqlite3_bind_int(st, i++, p->audio_channels);
        } else {
            i += 3;
        }
        if (p->warning[0])
            sqlite3_bind_text(st, i, p->warning, -1, SQLITE_STATIC);
        i++;
        sqlite3_bind_text(st, i++, json, -1, SQLITE_STATIC);
    } else {
        i = 28;
    }
    sqlite3_bind_text(st, 28, semio_db_now(now), -1, SQLITE_STATIC);

    r = semio_db_begin(s, err);
    if (r == 0 && sqlite3_step(st) != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot store the probe");
    sqlite3_finalize(st);
    free(json);
    /* Frames sampled from the old file no longer describe it. */
    if (r == 0 && changed && old_id >= 0) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM samples WHERE segment_id IN "
                 "(SELECT id FROM segments WHERE video_id = %lld)", (long long)old_id);
        r = semio_db_exec(s, sql, err);
    }
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    return r;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

static void drop_cached_frames(SemioStudy *s, int64_t video_id)
{
    char dir[PATH_MAX];
    if (semio_path(NULL, dir, sizeof(dir), "%s/frames/v%lld", s->cache_dir,
                   (long long)video_id) == 0)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void report_error(const SemioIngestSettings *set, const char *path, const char *msg)
{
    if (set->on_error)
        set->on_error(set->error_user, path, msg);
}

static int probe_and_store(SemioStudy *s, const char *abs, const struct stat *fst,
                           const regex_t *rule, const SemioIngestSettings *set,
                           SemioIngestReport *rep, SemioError *err);

/* Ingests one file under a claim on its path: a process ingesting the same folder at the
 * same time probes the others. */
static int ingest_one(SemioStudy *s, const char *arg, const regex_t *rule,
                      const SemioIngestSettings *set, SemioIngestReport *rep, SemioError *err)
{
    char abs[PATH_MAX];
    struct stat fst;
    if (!realpath(arg, abs) || stat(abs, &fst) != 0) {
        char msg[PATH_MAX + 64];
        snprintf(msg, sizeof(msg), "%s: cannot open: %s", arg, strerror(errno));
        report_error(set, arg, msg);
        rep->failed++;
        return 0;
    }
    char what[PATH_MAX + 16];
    int got = 0;
    snprintf(what, sizeof(what), "ingest %s", abs);
    int r = semio_claim(s, what, &got, err);
    if (r < 0 || !got) {
        rep->elsewhere += !got;
        return r;
    }
    r = probe_and_store(s, abs, &fst, rule, set, rep, err);
    int released = semio_claim_release(s, what, err);
    return r < 0 ? r : released;
}

static int probe_and_store(SemioStudy *s, const char *abs, const struct stat *fst,
                           const regex_t *rule, const SemioIngestSettings *set,
                           SemioIngestReport *rep, SemioError *err)
{
    const char *file_name = semio_basename(abs);
    Known k;
    int r = lookup(s, file_name, &k, err);
    if (r < 0)
        return r;
    int64_t mtime_ns = (int64_t)fst->st_mtim.tv_sec * 1000000000 + fst->st_mtim.tv_nsec;
    int same_path = k.has_path && !strcmp(k.path, abs);
    if (same_path && k.size == fst->st_size && k.mtime_ns == mtime_ns) {
        rep->unchanged++;
        return 0;
    }
    if (k.has_path && !same_path && access(k.path, F_OK) == 0) {
        char msg[2 * PATH_MAX + 128];
        snprintf(msg, sizeof(msg),
                 "%s: a recording named %s is already in the study from %s; file names must be "
                 "unique because label files refer to recordings by name",
                 abs, file_name, k.path);
        report_error(set, abs, msg);
        rep->failed++;
        return 0;
    }
    int changed = same_path; /* same file, new size or time */

    char patient[256];
    if (!semio_patient_of(rule, file_name, patient, sizeof(patient)))
        rep->no_patient++;

    SemioProbe p;
    SemioError perr = { 0 };
    const char *status = "ok", *error = NULL;
    int pr = semio_probe(abs, &p, &perr);
    if (pr < 0) {
        status = "error";
        error = perr.message;
    } else if (!p.has_video) {
        status = "no_video";
        snprintf(perr.message, sizeof(perr.message), "%.700s: no video stream (%s)", abs,
                 p.audio_streams ? "audio only" : "no streams FFmpeg can read");
        error = perr.message;
    } else if (p.frame_count == 0) {
        status = "error";
        snprintf(perr.message, sizeof(perr.message), "%.400s: no readable video frames%s%.500s", abs,
                 p.warning[0] ? ": " : "", p.warning);
        error = perr.message;
    }
    if ((r = store(s, file_name, patient, abs, fst, pr < 0 ? NULL : &p, status, error, changed,
                   k.id, err)) < 0)
        return r;
    if (changed && k.id >= 0)
        drop_cached_frames(s, k.id);
    if (error) {
        report_error(set, abs, error);
        rep->failed++;
    } else if (changed) {
        rep->changed++;
    } else {
        rep->added++;
    }
    return 0;
}

int semio_ingest(SemioStudy *s, const char *const *paths, size_t npaths,
                 const SemioIngestSettings *set, SemioIngestReport *rep, SemioError *err)
{
    SemioIngestSettings defaults;
    if (!set) {
        semio_ingest_default_settings(&defaults);
        set = &defaults;
    }
    memset(rep, 0, sizeof(*rep));
    regex_t rule;
    int r = semio_patient_rule(&rule, set->patient_regex ? set->patient_regex
                                                        : SEMIO_DEFAULT_PATIENT_REGEX, err);
    if (r < 0)
        return r;
    PathList list = { 0 };
    r = list_paths(&list, paths, npaths, err);
    for (size_t i = 0; r == 0 && i < list.count; i++) {
        if (set->progress)
            set->progress(set->progress_user, "ingest", (int64_t)i, (int64_t)list.count,
                          list.items[i]);
        r = ingest_one(s, list.items[i], &rule, set, rep, err);
    }
    if (r == 0 && set->progress)
        set->progress(set->progress_user, "ingest", (int64_t)list.count, (int64_t)list.count, NULL);
    free_list(&list);
    regfree(&rule);
    return r;
}
