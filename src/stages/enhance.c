/*
 * semio enhance: views of each segment that help a model, written to the cache and
 * recorded one row per (segment, view), so a rerun makes only what is missing. Audio
 * for now: the window's sound as 16 kHz mono WAV, raw or denoised (the pilot's SEGAN
 * step, here SpeexDSP).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/audio.h"
#include "semio/image.h"
#include "semio/face.h"
#include "semio/pose.h"
#include "semio/stages.h"
#include "stages/workers.h"
#include "study/db.h"
#include "util/array.h"
#include "util/error.h"
#include "util/fs.h"

void semio_enhance_default_settings(SemioEnhanceSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->view = "audio";
    s->suppress_db = -30;
    s->min_conf = 0.1f;
    s->face_size = 448;
    s->face_margin = 0.6;
    s->face_detector = 1;
    semio_face_detector_default_settings(&s->detector);
    s->face_every = 4;
}

static int record(SemioStudy *s, int64_t segment, const char *kind, const char *path,
                  const char *note, const char *error, SemioError *err)
{
    sqlite3_stmt *st;
    char now[32];
    int r = semio_db_prepare(s, &st, "INSERT OR REPLACE INTO views(segment_id, kind, path, "
                                     "status, note, error, made_at) VALUES (?,?,?,?,?,?,?)", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (path)
        sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, error ? "failed" : "ok", -1, SQLITE_STATIC);
    if (note)
        sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
    if (error)
        sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, semio_db_now(now), -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot record a view");
    sqlite3_finalize(st);
    return r;
}

/* ---- the pose view ----------------------------------------------------------- */

typedef struct PoseFrame {
    int64_t index;
    char *path;             /* the sampled JPEG, relative to the cache */
    SemioPerson *people;
    size_t n;
} PoseFrame;

static void free_pose_frames(PoseFrame *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].path);
        free(f[i].people);
    }
    free(f);
}

/* Faces found by the built-in detector in one sampled frame, as people with face points
 * in the recording's pixels. */
static int detect_faces(SemioStudy *s, SemioFaceDetector *det, const char *rel_path, int src_w,
                        SemioPerson **people, size_t *n, SemioError *err)
{
    char path[PATH_MAX + 64];
    SemioImage img;
    SemioFace *faces = NULL;
    int r = semio_study_file(s, rel_path, path, sizeof(path), err);
    if (r == 0 && (r = semio_jpeg_read(path, &img, err)) == 0) {
        r = semio_face_detect(det, &img, &faces, n, err);
        double k = (double)src_w / img.width;
        semio_image_free(&img);
        if (r == 0 && *n && !(*people = calloc(*n, sizeof(**people))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (size_t i = 0; r == 0 && i < *n; i++) {
            semio_face_to_person(&faces[i], &(*people)[i]);
            for (int p = 0; p < 70; p++) {
                (*people)[i].face[p].x *= (float)k;
                (*people)[i].face[p].y *= (float)k;
            }
        }
    }
    free(faces);
    return r;
}

/*
 * A face the keypoints place outside the recording's picture, or larger than it (cx, cy,
 * size: n of each in v): 1 with `why` naming the frame's keypoint file, so that no crop
 * is cut from the picture's edge and stored as the patient's face.
 */
static int misplaced_face(const SemioKeypointDir *kd, const PoseFrame *f, const double *v,
                          const int *found, size_t n, int w, int h, SemioError *why)
{
    for (size_t i = 0; i < n; i++) {
        double x = v[i], y = v[n + i], size = v[2 * n + i];
        if (!found[i] || (x >= 0 && x <= w && y >= 0 && y <= h && size <= (w > h ? w : h)))
            continue;
        const char *file = kd ? semio_keypoints_path(kd, f[i].index) : NULL;
        semio_fail(why, SEMIO_ERR_FORMAT, "%s: the patient's face is at (%.0f, %.0f) and %.0f "
                   "pixels across, outside the %dx%d recording (frame %lld): keypoints made for "
                   "another recording or picture size", file ? file : "the face detector", x, y,
                   size, w, h, (long long)f[i].index);
        return 1;
    }
    return 0;
}

/*
 * Makes one segment's pose or face view; a problem with the keypoints is the view's
 * error (1, with `why`). Without keypoints (kd NULL) the face view uses the built-in
 * detector on every face_every-th sampled frame.
 */
static int keypoint_view_segment(SemioStudy *s, const SemioEnhanceSettings *set, int64_t seg,
                                 int64_t vid, int64_t sampling, const char *key,
                                 const SemioKeypointDir *kd, SemioFaceDetector *det, int src_w,
                                 int src_h, char *rel, size_t rel_size, char *note,
                                 size_t note_size, SemioError *why, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT frame_index, path FROM frames WHERE segment_id = ? "
                                     "AND sampling_id = ? ORDER BY ordinal", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, seg);
    sqlite3_bind_int64(st, 2, sampling);
    PoseFrame *f = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW && !bad) {
        if (n == cap) {
            PoseFrame *nf = realloc(f, (cap = cap ? 2 * cap : 64) * sizeof(*nf));
            if (!nf) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            f = nf;
        }
        f[n] = (PoseFrame){ sqlite3_column_int64(st, 0),
                            strdup((const char *)sqlite3_column_text(st, 1)), NULL, 0 };
        const char *kp = kd ? semio_keypoints_path(kd, f[n].index) : NULL;
        if (kp && semio_openpose_read(kp, &f[n].people, &f[n].n, why) < 0)
            bad = 1;
        if (!kd && det && n % (size_t)(set->face_every > 0 ? set->face_every : 1) == 0 &&
            (r = detect_faces(s, det, f[n].path, src_w, &f[n].people, &f[n].n, err)) < 0) {
            n++;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    if (r < 0 || bad) {
        free_pose_frames(f, n);
        return r < 0 ? r : 1;
    }
    SemioPerson **people = calloc(n + 1, sizeof(*people));
    size_t *counts = calloc(n + 1, sizeof(*counts));
    int *choice = calloc(n + 1, sizeof(int));
    if (!people || !counts || !choice) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        people[i] = f[i].people;
        counts[i] = f[i].n;
    }
    semio_choose_patient(people, counts, n, src_w, src_h, choice);
    int face = !strcmp(set->view, "face");
    /* a face crop is the window's own (its box spans the window), so overlapping windows
     * keep theirs apart; a frame's skeleton is the same in every window it is part of */
    if (face)
        snprintf(rel, rel_size, "face/v%lld/%s/s%lld", (long long)vid, key, (long long)seg);
    else
        snprintf(rel, rel_size, "pose/v%lld/%s", (long long)vid, key);
    char dir[PATH_MAX];
    if ((r = semio_path(err, dir, sizeof(dir), "%s/%s", s->cache_dir, rel)) < 0 ||
        (r = semio_mkdirs(dir, err)) < 0)
        goto done;
    semio_remove_stale_temps(dir); /* a killed run's half-written pictures */
    /* the face view: one square box for the whole window, from the patient's face */
    int bx = 0, by = 0, bside = 0;
    size_t faces = 0;
    if (face) {
        double *v = calloc(3 * n + 1, sizeof(double));
        int *found = calloc(n + 1, sizeof(int));
        if (!v || !found) {
            free(v);
            free(found);
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            found[i] = choice[i] >= 0 && semio_face_box(&f[i].people[choice[i]], set->min_conf,
                                                        &v[i], &v[n + i], &v[2 * n + i]);
        int misplaced = misplaced_face(kd, f, v, found, n, src_w, src_h, why);
        if (!misplaced)
            faces = semio_face_window_box(v, v + n, v + 2 * n, found, n, src_w, src_h,
                                          set->face_margin, &bx, &by, &bside);
        free(v);
        free(found);
        if (misplaced) {
            r = 1;
            goto done;
        }
        snprintf(note, note_size, "%zu of %zu frames%s had a face (%s); crop %dx%d at (%d, %d) "
                 "of the %dx%d recording", faces, kd ? n : (n + (size_t)set->face_every - 1) /
                 (size_t)set->face_every, kd ? "" : " searched", kd ? "keypoints" :
                 semio_face_detector_name(det), bside,
                 bside, bx, by, src_w, src_h);
        if (!faces) {
            semio_fail(why, SEMIO_ERR_NOT_FOUND, "no face of the patient found in this window "
                       "(%s; no face view: questions go to the raw view only with ask "
                       "--fallback raw)", kd ? "keypoints" : semio_face_detector_name(det));
            r = 1;
            goto done;
        }
    }
    int drawn = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        char in[PATH_MAX + 64], out[PATH_MAX + 64];
        SemioImage img;
        const char *name = strrchr(f[i].path, '/');
        if ((r = semio_study_file(s, f[i].path, in, sizeof(in), err)) < 0 ||
            (r = semio_path(err, out, sizeof(out), "%s/%s", dir, name ? name + 1 : f[i].path)) < 0)
            break;
        if ((r = semio_jpeg_read(in, &img, err)) < 0)
            break;
        if (face) {
            /* the box in the sampled frame's pixels (it was scaled to the pixel budget) */
            double sx = (double)img.width / src_w, sy = (double)img.height / src_h;
            int cx = (int)lround(bx * sx), cy = (int)lround(by * sy);
            int cw = (int)lround(bside * sx), ch = (int)lround(bside * sy);
            cw = cx + cw > img.width ? img.width - cx : cw;
            ch = cy + ch > img.height ? img.height - cy : ch;
            SemioImage crop;
            if ((r = semio_image_alloc(&crop, set->face_size, set->face_size)) == 0) {
                r = semio_image_crop_scale(&img, cx, cy, cw, ch, &crop, err);
                if (r == 0)
                    r = semio_jpeg_write(out, crop.data, crop.width, crop.height, crop.stride, 90,
                                         err);
                semio_image_free(&crop);
            }
            semio_image_free(&img);
            continue;
        }
        if (choice[i] >= 0) {
            r = semio_draw_skeleton(&img, &f[i].people[choice[i]], src_w, src_h, set->min_conf,
                                    err);
            drawn++;
        }
        if (r == 0)
            r = semio_jpeg_write(out, img.data, img.width, img.height, img.stride, 90, err);
        semio_image_free(&img);
    }
    if (!face) {
        snprintf(note, note_size, "%d of %zu frames show the patient's skeleton", drawn, n);
        if (r == 0 && drawn == 0) {
            semio_fail(why, SEMIO_ERR_NOT_FOUND, "no person in the keypoints of this window");
            r = 1;
        }
    }
done:
    free(people);
    free(counts);
    free(choice);
    free_pose_frames(f, n);
    return r;
}

/* ---- the work: one recording's segments at a time, by claim ------------------- */


typedef struct Item {
    int64_t segment, video; /* a WorkKey */
    double start, end;
    char *path, *name;      /* the recording */
    int width, height;      /* upright */
    int64_t frames;
} Item;

typedef struct EnhanceRun {
    const SemioEnhanceSettings *set;
    SemioEnhanceReport *rep;
    int64_t sampling;       /* pose, face: the sampled frames drawn on */
    char key[64];           /* their sampling's key */
    Item *items;
    size_t n, next, seen;
} EnhanceRun;

static void free_items(Item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(it[i].path);
        free(it[i].name);
    }
    free(it);
}

/* One segment's sound as 16 kHz mono WAV, denoised for the denoise view: 0 made, 1 not
 * possible (why: the recording's sound), < 0 an error of the disk or of memory. */
static int audio_view(SemioStudy *s, const SemioEnhanceSettings *set, const Item *it,
                      char *rel, size_t rel_size, char *note, size_t note_size, SemioError *why,
                      SemioError *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 300];
    snprintf(rel, rel_size, "audio/v%lld/s%lld-%s.wav", (long long)it->video,
             (long long)it->segment, set->view);
    int r = semio_path(err, dir, sizeof(dir), "%s/audio/v%lld", s->cache_dir,
                       (long long)it->video);
    if (r == 0 && (r = semio_mkdirs(dir, err)) == 0)
        r = semio_path(err, path, sizeof(path), "%s/%s", s->cache_dir, rel);
    if (r < 0)
        return r;
    semio_remove_stale_temps(dir);
    SemioAudio a;
    int e = semio_audio_extract(it->path, it->start, it->end, 16000, &a, why);
    if (e == 0 && !strcmp(set->view, "denoise"))
        e = semio_audio_denoise(&a, set->suppress_db, why);
    if (e == 0)
        e = semio_wav_write(path, &a, why);
    if (e == 0)
        snprintf(note, note_size, "%.2f s at 16 kHz", (double)a.n / 16000);
    semio_audio_free(&a);
    if (e == SEMIO_ERR_IO || e == SEMIO_ERR_NOMEM) /* the disk, not the recording */
        return semio_fail(err, e, "%s", why->message);
    return e < 0;
}

/* The segments without the view, in recording order. */
static int load_items(SemioStudy *s, EnhanceRun *run, SemioError *err)
{
    const SemioEnhanceSettings *set = run->set;
    char sql[900];
    snprintf(sql, sizeof(sql),
             "SELECT g.id, g.video_id, g.start_s, g.end_s, v.path, v.file_name, v.width, "
             "v.height, v.rotation, v.frame_count, EXISTS (SELECT 1 FROM views w WHERE "
             "w.segment_id = g.id AND w.kind = ?2) FROM segments g JOIN videos v ON "
             "v.id = g.video_id %s WHERE v.status = 'ok' AND g.set_id = (SELECT id FROM "
             "segment_sets %s) ORDER BY g.video_id, g.start_s",
             run->sampling ? "JOIN samples x ON x.segment_id = g.id AND x.sampling_id = ?3" : "",
             set->segments ? "WHERE name = ?1" : "ORDER BY id DESC LIMIT 1");
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if (set->segments)
        sqlite3_bind_text(st, 1, set->segments, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, set->view, -1, SQLITE_STATIC);
    if (run->sampling)
        sqlite3_bind_int64(st, 3, run->sampling);
    size_t cap = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 10)) {
            run->rep->skipped++;
            continue;
        }
        if ((r = semio_reserve(&run->items, &cap, run->n, sizeof(Item), err)) < 0)
            break;
        int quarter = sqlite3_column_int(st, 8) % 180 == 90;
        Item *it = &run->items[run->n++];
        *it = (Item){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                      strdup((const char *)sqlite3_column_text(st, 4)),
                      strdup((const char *)sqlite3_column_text(st, 5)),
                      sqlite3_column_int(st, quarter ? 7 : 6),
                      sqlite3_column_int(st, quarter ? 6 : 7), sqlite3_column_int64(st, 9) };
        if (!it->path || !it->name)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return r;
}

/* The newest sampling with frames (or the one named): what pose and face draw on. */
static int find_sampling(SemioStudy *s, EnhanceRun *run, SemioError *err)
{
    sqlite3_stmt *st;
    char sql[300];
    snprintf(sql, sizeof(sql),
             "SELECT m.id, m.key FROM samplings m WHERE %s ORDER BY m.id DESC LIMIT 1",
             run->set->sampling ? "m.key = ?1" : "EXISTS (SELECT 1 FROM samples x WHERE "
                                                 "x.sampling_id = m.id)");
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if (run->set->sampling)
        sqlite3_bind_text(st, 1, run->set->sampling, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        run->sampling = sqlite3_column_int64(st, 0);
        snprintf(run->key, sizeof(run->key), "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!run->sampling)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no sampled frames to draw on: run "
                          "semio sample", s->path);
    return 0;
}

/* One recording's keypoints: their folder opened, or why they cannot be used. */
static void open_keypoints(const SemioEnhanceSettings *set, const Item *it, SemioKeypointDir **kd,
                           SemioError *why)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(it->path, '/') - it->path), it->path);
    semio_keypoints_open(kd, set->keypoints ? set->keypoints : dir, it->name, why);
    /* files past the recording's last frame: made for another recording or rate */
    if (*kd && it->frames > 0 && semio_keypoints_last(*kd) >= it->frames) {
        semio_fail(why, SEMIO_ERR_FORMAT, "keypoints for %s go to frame %lld but the recording "
                   "has %lld frames: they were made for another recording or frame rate",
                   it->name, (long long)semio_keypoints_last(*kd), (long long)it->frames);
        semio_keypoints_close(kd);
    }
}

/* What one worker holds across recordings: the face detector, opened once. */
typedef struct Tools {
    SemioFaceDetector *det;
} Tools;

/* Makes one segment's view: 0 made (rel, note), 1 not possible (why), < 0 an error. */
static int make_view(SemioStudy *s, const EnhanceRun *run, const Item *it,
                     const SemioKeypointDir *kd, const SemioError *kd_err, Tools *tools,
                     char *rel, size_t rel_size, char *note, size_t note_size, SemioError *why,
                     SemioError *err)
{
    const SemioEnhanceSettings *set = run->set;
    if (strcmp(set->view, "pose") && strcmp(set->view, "face"))
        return audio_view(s, set, it, rel, rel_size, note, note_size, why, err);
    /* the face view falls back to the built-in detector where there are no keypoints
     * (not where they are wrong) */
    int wrong = kd_err->code == SEMIO_ERR_FORMAT;
    int r;
    if (!kd && !wrong && !strcmp(set->view, "face") && set->face_detector && !tools->det &&
        (r = semio_face_detector_open(&tools->det, &set->detector, err)) < 0)
        return r;
    if (!kd && (wrong || !tools->det || !set->face_detector)) {
        *why = *kd_err;
        return 1;
    }
    return keypoint_view_segment(s, set, it->segment, it->video, run->sampling, run->key, kd,
                                 tools->det, it->width, it->height, rel, rel_size, note,
                                 note_size, why, err);
}

static void add_report(SemioEnhanceReport *to, const SemioEnhanceReport *r)
{
    to->made += r->made;
    to->skipped += r->skipped;
    to->failed += r->failed;
    to->elsewhere += r->elsewhere;
}

/* One recording's segments under its claim; another worker's are left to it. */
static int enhance_recording(SemioStudy *s, Workers *w, EnhanceRun *run, size_t a, size_t b,
                             Tools *tools, SemioEnhanceReport *mine, SemioError *err)
{
    const SemioEnhanceSettings *set = run->set;
    const Item *it = run->items;
    char what[128];
    int got = 0;
    snprintf(what, sizeof(what), "enhance %s v%lld", set->view, (long long)it[a].video);
    int r = semio_claim(s, what, &got, err);
    if (r < 0 || !got) {
        mine->elsewhere += (int)(b - a);
        return r;
    }
    sqlite3_stmt *done = NULL;
    if ((r = semio_db_prepare(s, &done, "SELECT 1 FROM views WHERE segment_id = ? AND kind = ?",
                              err)) < 0)
        return r;
    SemioKeypointDir *kd = NULL;
    SemioError kd_err = { 0 };
    if (!strcmp(set->view, "pose") || !strcmp(set->view, "face"))
        open_keypoints(set, &it[a], &kd, &kd_err);
    for (size_t i = a; i < b && r == 0; i++) {
        if (workers_halted(w)) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        pthread_mutex_lock(&w->lock);
        if (set->progress)
            set->progress(set->progress_user, "enhance", (int64_t)run->seen, (int64_t)run->n,
                          it[i].path);
        run->seen++;
        pthread_mutex_unlock(&w->lock);
        sqlite3_bind_int64(done, 1, it[i].segment);
        sqlite3_bind_text(done, 2, set->view, -1, SQLITE_STATIC);
        if (semio_db_exists(done)) { /* by a worker that had the claim before */
            mine->skipped++;
            continue;
        }
        char rel[256] = "", note[256] = "";
        SemioError why = { 0 };
        int e = make_view(s, run, &it[i], kd, &kd_err, tools, rel, sizeof(rel), note,
                          sizeof(note), &why, err);
        if (e < 0) {
            r = e;
            break;
        }
        r = record(s, it[i].segment, set->view, e == 0 ? rel : NULL, note[0] ? note : NULL,
                   e == 0 ? NULL : why.message, err);
        e == 0 ? mine->made++ : mine->failed++;
        if (r == 0)
            r = semio_claim_renew(s, what, err);
    }
    semio_keypoints_close(&kd);
    sqlite3_finalize(done);
    if (r == 0)
        r = semio_claim_release(s, what, err);
    return r;
}

static int enhance_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    EnhanceRun *run = user;
    SemioEnhanceReport mine = { 0 };
    Tools tools = { 0 };
    int r = 0;
    for (size_t a, b;
         r == 0 && workers_take(w, &run->next, run->items, run->n, sizeof(Item), &a, &b);)
        r = enhance_recording(s, w, run, a, b, &tools, &mine, err);
    semio_face_detector_close(&tools.det);
    pthread_mutex_lock(&w->lock);
    add_report(run->rep, &mine);
    pthread_mutex_unlock(&w->lock);
    return r;
}

int semio_enhance(SemioStudy *s, const SemioEnhanceSettings *set, SemioEnhanceReport *rep,
                  SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    int keypoints = !strcmp(set->view, "pose") || !strcmp(set->view, "face");
    if (!keypoints && strcmp(set->view, "audio") && strcmp(set->view, "denoise"))
        return semio_fail(err, SEMIO_ERR_INVALID, "enhance: view %s is not one semio makes "
                          "(audio, denoise, pose, face)", set->view);
    /* a part semio was built without is said once, not as a failed view each */
    if (!strcmp(set->view, "pose") && !semio_feature_built("overlay"))
        return semio_fail_not_built(err, "overlay");
    if (!strcmp(set->view, "denoise") && !semio_feature_built("denoise"))
        return semio_fail_not_built(err, "denoise");
    if (set->jobs < 0 || set->jobs > 256)
        return semio_fail(err, SEMIO_ERR_INVALID, "jobs must be between 0 (the cores) and 256");
    EnhanceRun run = { .set = set, .rep = rep };
    int r = keypoints ? find_sampling(s, &run, err) : 0;
    if (r == 0)
        r = load_items(s, &run, err);
    if (r == 0)
        r = workers_run(s, set->jobs, set->stop, enhance_worker, &run, err);
    if (r == 0 && set->progress)
        set->progress(set->progress_user, "enhance", (int64_t)run.n, (int64_t)run.n, NULL);
    free_items(run.items, run.n);
    return r;
}
