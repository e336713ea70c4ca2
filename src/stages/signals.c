/* Loading a segment's signals for the kinematic engine. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/pose.h"
#include "stages/signals.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_window_signals_free(WindowSignals *w)
{
    free(w->frames);
    semio_audio_free(&w->audio);
    free(w->transcript);
    memset(w, 0, sizeof(*w));
}

void semio_keypoint_cache_close(KeypointCache *c)
{
    semio_keypoints_close(&c->kd);
    memset(c, 0, sizeof(*c));
}

static int load_keypoints(WindowSignals *w, const char *dir, const char *file_name, int64_t first,
                          size_t n, int width, int height, KeypointCache *cache, SemioError *err)
{
    if (!cache->open || strcmp(cache->file_name, file_name)) {
        SemioError none = { 0 };
        semio_keypoint_cache_close(cache);
        semio_keypoints_open(&cache->kd, dir, file_name, &none);
        snprintf(cache->file_name, sizeof(cache->file_name), "%s", file_name);
        cache->open = 1;
    }
    const SemioKeypointDir *kd = cache->kd;
    if (!kd)
        return 0; /* no keypoints: nothing to measure the body with, said per sign */
    if (w->frame_count > 0 && semio_keypoints_last(kd) >= w->frame_count) {
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: keypoints for %s go past its %lld frames: "
                          "made for another recording or frame rate", dir, file_name,
                          (long long)w->frame_count);
    }
    SemioPerson **people = calloc(n + 1, sizeof(*people));
    size_t *counts = calloc(n + 1, sizeof(*counts));
    int *choice = calloc(n + 1, sizeof(*choice));
    int r = people && counts && choice ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *path = semio_keypoints_path(kd, first + (int64_t)i);
        if (!path)
            continue;
        w->keypoint_files++;
        r = semio_openpose_read(path, &people[i], &counts[i], err);
    }
    if (r == 0) {
        semio_choose_patient(people, counts, n, width, height, choice);
        for (size_t i = 0; i < n; i++)
            if (choice[i] >= 0)
                w->frames[i] = people[i][choice[i]];
    }
    for (size_t i = 0; people && i < n; i++)
        free(people[i]);
    free(people);
    free(counts);
    free(choice);
    return r;
}

int semio_window_signals(SemioStudy *s, int64_t segment, const char *keypoints_dir,
                         KeypointCache *cache, WindowSignals *w, SemioError *err)
{
    memset(w, 0, sizeof(*w));
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT v.path, v.file_name, g.start_s, g.end_s, v.avg_fps, v.width, v.height, "
        "v.rotation, v.frame_count, (SELECT path FROM views WHERE segment_id = g.id AND kind = 'audio' AND "
        "status = 'ok'), (SELECT text FROM transcripts WHERE segment_id = g.id AND status = "
        "'ok' ORDER BY source = 'audio' DESC LIMIT 1) FROM segments g JOIN videos v ON "
        "v.id = g.video_id WHERE g.id = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no segment %lld", s->path,
                          (long long)segment);
    }
    const char *video = (const char *)sqlite3_column_text(st, 0);
    double start = sqlite3_column_double(st, 2), end = sqlite3_column_double(st, 3);
    double fps = sqlite3_column_double(st, 4);
    int quarter = sqlite3_column_int(st, 7) % 180 == 90;
    int width = sqlite3_column_int(st, quarter ? 6 : 5), height = sqlite3_column_int(st, quarter ? 5 : 6);
    w->frame_count = sqlite3_column_int64(st, 8);
    int64_t first = (int64_t)ceil(start * fps - 1e-6), last = (int64_t)floor(end * fps - 1e-6);
    size_t n = fps > 0 && last >= first ? (size_t)(last - first + 1) : 0;
    w->sig = (SemioSignals){ .n = n, .fps = fps, .t0 = first / (fps > 0 ? fps : 1),
                             .audio_t0 = start };
    if (!(w->frames = calloc(n + 1, sizeof(*w->frames))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && video && n) {
        char dir[PATH_MAX];
        const char *slash = strrchr(video, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - video) : 1, slash ? video : ".");
        r = load_keypoints(w, keypoints_dir ? keypoints_dir : dir,
                           (const char *)sqlite3_column_text(st, 1), first, n, width, height, cache,
                           err);
    }
    if (r == 0 && sqlite3_column_type(st, 9) != SQLITE_NULL) {
        char wav[PATH_MAX + 256];
        if ((r = semio_study_file(s, (const char *)sqlite3_column_text(st, 9), wav,
                                  sizeof(wav), err)) == 0 &&
            (r = semio_audio_extract(wav, 0, -1, 16000, &w->audio, err)) == 0)
            w->sig.audio = &w->audio;
    }
    if (r == 0 && sqlite3_column_type(st, 10) != SQLITE_NULL)
        w->sig.transcript = w->transcript = strdup((const char *)sqlite3_column_text(st, 10));
    sqlite3_finalize(st);
    w->sig.frames = w->frames;
    if (r < 0)
        semio_window_signals_free(w);
    return r;
}
