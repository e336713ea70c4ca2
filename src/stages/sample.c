/*
 * semio sample: N exact frames per segment, as JPEG in the study's cache. A segment
 * is recorded only after all its frames are on disk, so a killed run resumes cleanly.
 * Overlapping windows share frame files.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "semio/image.h"
#include "semio/sampler.h"
#include "semio/stages.h"
#include "stages/workers.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_sample_default_settings(SemioSampleSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->frames = 60;
    s->max_pixels = 602112;
    s->quality = 90;
}

typedef struct Work {
    int64_t segment, video; /* a WorkKey */
    double start, end;
    char *path;
} Work;

typedef struct Pick {
    int64_t index;
    double time;
    int corrupt;
    int ok;
    char error[160];
} Pick;

typedef struct Job {
    SemioStudy *s;
    const SemioSampleSettings *set;
    char dir[PATH_MAX];    /* absolute folder of this video's frames */
    char rel[PATH_MAX];    /* the same, relative to the cache */
    Pick *picks;
    size_t npicks, next;
    int quality;
    int width, height;
    int64_t written;
    SemioError *write_err;
} Job;

static int sampling_id(SemioStudy *s, const SemioSampleSettings *set, const char *key,
                       int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    char now[32];
    int r = semio_db_prepare(s, &st, "INSERT INTO samplings(key, frames, fps, max_pixels, "
                                     "quality, created_at) VALUES (?,?,?,?,?,?) "
                                     "ON CONFLICT(key) DO NOTHING", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, set->frames);
    sqlite3_bind_double(st, 3, set->fps);
    sqlite3_bind_int64(st, 4, set->max_pixels);
    sqlite3_bind_int(st, 5, set->quality);
    sqlite3_bind_text(st, 6, semio_db_now(now), -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot record sampling");
    sqlite3_finalize(st);
    if (r < 0 || (r = semio_db_prepare(s, &st, "SELECT id FROM samplings WHERE key = ?", err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_ROW ? 0 : semio_db_fail(s, err, "cannot find sampling");
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r;
}

static int segment_set(SemioStudy *s, const char *name, int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, name ? "SELECT id FROM segment_sets WHERE name = ?"
                                          : "SELECT id FROM segment_sets ORDER BY id DESC LIMIT 1",
                             err);
    if (r < 0)
        return r;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        r = name ? semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no segment set named '%s'", s->path,
                              name)
                 : semio_fail(err, SEMIO_ERR_NOT_FOUND,
                              "%s: no segments yet: run `semio segment` first", s->path);
    sqlite3_finalize(st);
    return r;
}

static void free_work(Work *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].path);
    free(t);
}

static int load_work(SemioStudy *s, int64_t set_id, int64_t sampling, Work **out, size_t *n,
                     int *skipped, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(
        s, &st,
        "SELECT g.id, g.video_id, g.start_s, g.end_s, v.path, EXISTS (SELECT 1 FROM samples x "
        "WHERE x.segment_id = g.id AND x.sampling_id = ?2) FROM segments g JOIN videos v ON "
        "v.id = g.video_id WHERE g.set_id = ?1 AND v.status = 'ok' ORDER BY g.video_id, g.start_s",
        err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_int64(st, 2, sampling);
    Work *t = NULL;
    size_t count = 0, cap = 0;
    *skipped = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 5)) {
            (*skipped)++;
            continue;
        }
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            Work *nt = realloc(t, cap * sizeof(*t));
            if (!nt) {
                r = SEMIO_ERR_NOMEM;
                break;
            }
            t = nt;
        }
        Work *x = &t[count];
        x->segment = sqlite3_column_int64(st, 0);
        x->video = sqlite3_column_int64(st, 1);
        x->start = sqlite3_column_double(st, 2);
        x->end = sqlite3_column_double(st, 3);
        if (!(x->path = strdup((const char *)sqlite3_column_text(st, 4)))) {
            r = SEMIO_ERR_NOMEM;
            break;
        }
        count++;
    }
    sqlite3_finalize(st);
    if (r < 0) {
        free_work(t, count);
        return semio_fail(err, r, "out of memory");
    }
    *out = t;
    *n = count;
    return 0;
}

/* Frame indices for one segment: uniform N (the pilot), or F per second capped at N. */
static size_t choose(SemioSampler *sm, const SemioSampleSettings *set, const Work *t,
                     int64_t *idx, char *note, size_t note_size)
{
    int64_t first = semio_sampler_frame_at(sm, t->start);
    int64_t last = semio_sampler_frame_at(sm, t->end) - 1;
    if (last >= semio_sampler_frame_count(sm))
        last = semio_sampler_frame_count(sm) - 1;
    if (last < first)
        return 0;
    int64_t avail = last - first + 1;
    size_t want = (size_t)set->frames;
    if (set->fps > 0) {
        double span = semio_sampler_frame_time(sm, last) - semio_sampler_frame_time(sm, first);
        size_t at_fps = (size_t)floor(span * set->fps + 1e-9) + 1;
        if (at_fps < want) {
            size_t n = 0;
            double t0 = semio_sampler_frame_time(sm, first);
            for (size_t j = 0; j < at_fps; j++) {
                int64_t k = semio_sampler_frame_at(sm, t0 + (double)j / set->fps);
                if (k <= last && (n == 0 || k > idx[n - 1]))
                    idx[n++] = k;
            }
            snprintf(note, note_size, "%zu frames at %g per second", n, set->fps);
            return n;
        }
        snprintf(note, note_size, "%g frames per second would give %zu: capped at %zu, uniform",
                 set->fps, at_fps, want);
    }
    size_t n = semio_pick_uniform(first, last, want, idx);
    if ((int64_t)want > avail)
        snprintf(note, note_size,
                 "segment holds %lld frames, fewer than the %zu requested: each frame taken once",
                 (long long)avail, want);
    return n;
}

static int on_frame(void *user, const SemioFrame *f)
{
    Job *j = user;
    while (j->next < j->npicks && j->picks[j->next].index != f->index)
        j->next++;
    if (j->next == j->npicks)
        return 0;
    Pick *p = &j->picks[j->next];
    if (f->error) {
        snprintf(p->error, sizeof(p->error), "%s", f->error);
        return 0;
    }
    char path[PATH_MAX + 32];
    int r = semio_path(j->write_err, path, sizeof(path), "%s/f%07lld.jpg", j->dir,
                       (long long)f->index);
    if (r == 0)
        r = semio_jpeg_write(path, f->rgb, f->width, f->height, f->stride, j->quality,
                             j->write_err);
    if (r < 0)
        return r; /* a full disk stops the run: better than a study of holes */
    p->ok = 1;
    p->corrupt = f->corrupt;
    j->width = f->width;
    j->height = f->height;
    j->written++;
    return 0;
}

static int record(SemioStudy *s, const Work *t, int64_t sampling, const Job *j, size_t requested,
                  const char *note, const char *error, SemioError *err)
{
    size_t ok = 0;
    char errors[1024] = "";
    for (size_t i = 0; i < j->npicks; i++) {
        if (j->picks[i].ok)
            ok++;
        else if (strlen(errors) + strlen(j->picks[i].error) + 3 < sizeof(errors))
            snprintf(errors + strlen(errors), sizeof(errors) - strlen(errors), "%s%s",
                     errors[0] ? "; " : "", j->picks[i].error);
    }
    const char *status = ok == 0 ? "failed" : ok < j->npicks ? "partial" : "ok";
    if (error)
        snprintf(errors, sizeof(errors), "%s", error);
    char now[32];
    sqlite3_stmt *st = NULL, *fr = NULL;
    int r = semio_db_begin(s, err);
    if (r == 0)
        r = semio_db_prepare(s, &st, "INSERT OR REPLACE INTO samples(segment_id, sampling_id, "
                                     "status, first_frame, last_frame, requested, written, width, "
                                     "height, note, error, sampled_at) VALUES "
                                     "(?,?,?,?,?,?,?,?,?,?,?,?)", err);
    if (r == 0) {
        sqlite3_bind_int64(st, 1, t->segment);
        sqlite3_bind_int64(st, 2, sampling);
        sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
        if (j->npicks) {
            sqlite3_bind_int64(st, 4, j->picks[0].index);
            sqlite3_bind_int64(st, 5, j->picks[j->npicks - 1].index);
        }
        sqlite3_bind_int64(st, 6, (int64_t)requested);
        sqlite3_bind_int64(st, 7, (int64_t)ok);
        if (ok) {
            sqlite3_bind_int(st, 8, j->width);
            sqlite3_bind_int(st, 9, j->height);
        }
        if (note && note[0])
            sqlite3_bind_text(st, 10, note, -1, SQLITE_STATIC);
        if (errors[0])
            sqlite3_bind_text(st, 11, errors, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, semio_db_now(now), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot record a sample");
    }
    if (r == 0)
        r = semio_db_prepare(s, &fr, "INSERT INTO frames(segment_id, sampling_id, ordinal, "
                                     "frame_index, time_s, path, corrupt) VALUES (?,?,?,?,?,?,?)",
                             err);
    for (size_t i = 0, ord = 0; r == 0 && i < j->npicks; i++) {
        const Pick *p = &j->picks[i];
        if (!p->ok)
            continue;
        char rel[PATH_MAX + 32];
        if ((r = semio_path(err, rel, sizeof(rel), "%s/f%07lld.jpg", j->rel,
                            (long long)p->index)) < 0)
            break;
        sqlite3_bind_int64(fr, 1, t->segment);
        sqlite3_bind_int64(fr, 2, sampling);
        sqlite3_bind_int64(fr, 3, (int64_t)ord++);
        sqlite3_bind_int64(fr, 4, p->index);
        sqlite3_bind_double(fr, 5, p->time);
        sqlite3_bind_text(fr, 6, rel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(fr, 7, p->corrupt);
        if (sqlite3_step(fr) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot record a frame");
        sqlite3_reset(fr);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(fr);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    return r;
}

/* Samples one segment with an open sampler (NULL when the recording could not be opened). */
static int sample_segment(SemioStudy *s, const SemioSampleSettings *set, const char *key,
                          int64_t sampling, const Work *t, SemioSampler *sm, const char *open_error,
                          SemioSampleReport *rep, SemioError *err)
{
    Job j = { .s = s, .set = set, .quality = set->quality, .write_err = err };
    int64_t *idx = calloc((size_t)set->frames, sizeof(int64_t));
    int64_t *decode = calloc((size_t)set->frames, sizeof(int64_t)); /* not yet on disk */
    j.picks = calloc((size_t)set->frames, sizeof(Pick));
    char note[256] = "";
    int r = 0;
    if (!idx || !decode || !j.picks) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((r = semio_path(err, j.rel, sizeof(j.rel), "frames/v%lld/%s", (long long)t->video,
                        key)) < 0 ||
        (r = semio_path(err, j.dir, sizeof(j.dir), "%s/%s", s->cache_dir, j.rel)) < 0)
        goto done;
    const char *error = open_error;
    if (sm) {
        j.npicks = choose(sm, set, t, idx, note, sizeof(note));
        if (!j.npicks)
            error = "the segment holds no frames";
    }
    if (j.npicks && (r = semio_mkdirs(j.dir, err)) < 0)
        goto done;
    size_t ndecode = 0;
    for (size_t i = 0; i < j.npicks; i++) {
        Pick *p = &j.picks[i];
        p->index = idx[i];
        p->time = semio_sampler_frame_time(sm, idx[i]);
        char path[PATH_MAX + 32];
        struct stat st;
        if ((r = semio_path(err, path, sizeof(path), "%s/f%07lld.jpg", j.dir,
                            (long long)idx[i])) < 0)
            goto done;
        if (stat(path, &st) == 0 && st.st_size > 0) {
            p->ok = 1; /* written whole by an overlapping window (files are renamed into place) */
            rep->frames_reused++;
        } else {
            decode[ndecode++] = idx[i];
        }
    }
    if (ndecode && (r = semio_sampler_read(sm, decode, ndecode, on_frame, &j, err)) < 0)
        goto done;
    if (j.width == 0 && j.npicks)
        semio_sampler_output_size(sm, &j.width, &j.height);
    rep->frames_written += j.written;
    if ((r = record(s, t, sampling, &j, (size_t)set->frames, note, error, err)) < 0)
        goto done;
    size_t ok = 0;
    for (size_t i = 0; i < j.npicks; i++)
        ok += j.picks[i].ok;
    if (ok == 0)
        rep->segments_failed++;
    else if (ok < j.npicks)
        rep->segments_partial++;
    else
        rep->segments_done++;
done:
    free(idx);
    free(decode);
    free(j.picks);
    return r;
}

/* A run killed mid-write leaves "NAME.tmpPID" beside the frames: remove them. */
static void remove_stale_temp(const SemioStudy *s, int64_t video, const char *key)
{
    char dir[PATH_MAX];
    if (semio_path(NULL, dir, sizeof(dir), "%s/frames/v%lld/%s", s->cache_dir,
                   (long long)video, key) == 0)
        semio_remove_stale_temps(dir);
}

/* One `semio sample`: its settings and the segments left, which its workers share a
 * recording at a time. */
typedef struct SampleRun {
    const SemioSampleSettings *set;
    SemioSampleReport *rep;
    int64_t sampling;
    Work *work;
    size_t n, next; /* work[next] starts the next recording no worker took yet */
    size_t seen;    /* segments handled, for progress */
    int decode_threads;
} SampleRun;

static void add_report(SemioSampleReport *to, const SemioSampleReport *r)
{
    to->segments_done += r->segments_done;
    to->segments_skipped += r->segments_skipped;
    to->segments_partial += r->segments_partial;
    to->segments_failed += r->segments_failed;
    to->segments_elsewhere += r->segments_elsewhere;
    to->frames_written += r->frames_written;
    to->frames_reused += r->frames_reused;
}

static void progress(SampleRun *run, Workers *w, const char *path)
{
    pthread_mutex_lock(&w->lock);
    if (run->set->progress)
        run->set->progress(run->set->progress_user, "sample", (int64_t)run->seen, (int64_t)run->n,
                           path);
    run->seen++;
    pthread_mutex_unlock(&w->lock);
}

/* Samples one recording's segments under its claim; another worker's are left to it. */
static int sample_recording(SemioStudy *s, Workers *w, SampleRun *run, size_t a, size_t b,
                            SemioSampleReport *mine, SemioError *err)
{
    const SemioSampleSettings *set = run->set;
    const Work *t = run->work;
    char what[128];
    int got = 0;
    snprintf(what, sizeof(what), "sample %s v%lld", run->rep->key, (long long)t[a].video);
    int r = semio_claim(s, what, &got, err);
    if (r < 0 || !got) {
        mine->segments_elsewhere += (int)(b - a);
        return r;
    }
    sqlite3_stmt *done = NULL;
    if ((r = semio_db_prepare(s, &done, "SELECT 1 FROM samples WHERE segment_id = ? AND "
                                        "sampling_id = ?", err)) < 0)
        return r;
    remove_stale_temp(s, t[a].video, run->rep->key);
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.max_pixels = set->max_pixels;
    ss.threads = run->decode_threads;
    SemioSampler *sm = NULL;
    SemioError open_err = { 0 };
    semio_sampler_open(&sm, t[a].path, &ss, &open_err);
    for (size_t i = a; i < b && r == 0; i++) {
        if (workers_halted(w)) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        progress(run, w, t[i].path);
        sqlite3_bind_int64(done, 1, t[i].segment);
        sqlite3_bind_int64(done, 2, run->sampling);
        if (semio_db_exists(done)) { /* by a worker that had the claim before */
            mine->segments_skipped++;
            continue;
        }
        r = sample_segment(s, set, run->rep->key, run->sampling, &t[i], sm,
                           sm ? NULL : open_err.message, mine, err);
        if (r == 0)
            r = semio_claim_renew(s, what, err);
    }
    sqlite3_finalize(done);
    semio_sampler_close(&sm);
    if (r == 0)
        r = semio_claim_release(s, what, err);
    return r;
}

static int sample_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    SampleRun *run = user;
    SemioSampleReport mine = { 0 };
    int r = 0;
    for (size_t a, b;
         r == 0 && workers_take(w, &run->next, run->work, run->n, sizeof(Work), &a, &b);)
        r = sample_recording(s, w, run, a, b, &mine, err);
    pthread_mutex_lock(&w->lock);
    add_report(run->rep, &mine);
    pthread_mutex_unlock(&w->lock);
    return r;
}

int semio_sample(SemioStudy *s, const SemioSampleSettings *set, SemioSampleReport *rep,
                 SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (set->frames < 1 || set->frames > 100000)
        return semio_fail(err, SEMIO_ERR_INVALID, "frames must be between 1 and 100000");
    if (set->quality < 1 || set->quality > 100)
        return semio_fail(err, SEMIO_ERR_INVALID, "quality must be between 1 and 100");
    if (set->fps < 0 || set->max_pixels < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "fps and max_pixels cannot be negative");
    if (set->jobs < 0 || set->jobs > 256)
        return semio_fail(err, SEMIO_ERR_INVALID, "jobs must be between 0 (the cores) and 256");
    if (set->fps > 0)
        snprintf(rep->key, sizeof(rep->key), "fps%g-n%d-p%lld-q%d", set->fps, set->frames,
                 (long long)set->max_pixels, set->quality);
    else
        snprintf(rep->key, sizeof(rep->key), "n%d-p%lld-q%d", set->frames,
                 (long long)set->max_pixels, set->quality);

    int64_t set_id = 0;
    SampleRun run = { .set = set, .rep = rep };
    int r = segment_set(s, set->segments, &set_id, err);
    if (r == 0)
        r = sampling_id(s, set, rep->key, &run.sampling, err);
    if (r == 0)
        r = load_work(s, set_id, run.sampling, &run.work, &run.n, &rep->segments_skipped, err);
    if (r < 0)
        return r;
    /* several recordings at once decode one thread each, unless told otherwise */
    int jobs = workers_count(set->jobs);
    run.decode_threads = set->threads ? set->threads : jobs > 1 ? 1 : 0;
    r = workers_run(s, jobs, set->stop, sample_worker, &run, err);
    if (r == SEMIO_ERR_INTERRUPTED)
        r = semio_fail(err, r, "interrupted: %zu segments left", run.n - run.seen);
    if (r == 0 && set->progress)
        set->progress(set->progress_user, "sample", (int64_t)run.n, (int64_t)run.n, NULL);
    free_work(run.work, run.n);
    return r;
}
