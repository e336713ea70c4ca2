/*
 * semio enhance: views of each segment that help a model, written to the cache and
 * recorded one row per (segment, view), so a rerun makes only what is missing. Audio
 * for now: the window's sound as 16 kHz mono WAV, raw or denoised (the pilot's SEGAN
 * step, here SpeexDSP).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/audio.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_enhance_default_settings(SemioEnhanceSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->view = "audio";
    s->suppress_db = -30;
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

int semio_enhance(SemioStudy *s, const SemioEnhanceSettings *set, SemioEnhanceReport *rep,
                  SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    int denoise = !strcmp(set->view, "denoise");
    if (!denoise && strcmp(set->view, "audio"))
        return semio_fail(err, SEMIO_ERR_INVALID, "enhance: --view %s is not made yet (audio, "
                          "denoise)", set->view);
    sqlite3_stmt *st;
    char sql[700];
    snprintf(sql, sizeof(sql),
             "SELECT g.id, g.video_id, g.start_s, g.end_s, v.path, EXISTS (SELECT 1 FROM views w "
             "WHERE w.segment_id = g.id AND w.kind = ?2) FROM segments g JOIN videos v ON "
             "v.id = g.video_id WHERE v.status = 'ok' AND g.set_id = (SELECT id FROM segment_sets "
             "%s) ORDER BY g.video_id, g.start_s",
             set->segments ? "WHERE name = ?1" : "ORDER BY id DESC LIMIT 1");
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if (set->segments)
        sqlite3_bind_text(st, 1, set->segments, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, set->view, -1, SQLITE_STATIC);
    int64_t done = 0; /* segments seen */
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (set->stop && *set->stop) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        done++;
        if (sqlite3_column_int(st, 5)) {
            rep->skipped++;
            continue;
        }
        int64_t seg = sqlite3_column_int64(st, 0), vid = sqlite3_column_int64(st, 1);
        SemioAudio a;
        SemioError why = { 0 };
        char rel[256], dir[PATH_MAX], path[PATH_MAX + 300];
        snprintf(rel, sizeof(rel), "audio/v%lld/s%lld-%s.wav", (long long)vid, (long long)seg,
                 set->view);
        if ((r = semio_path(err, dir, sizeof(dir), "%s/audio/v%lld", s->cache_dir,
                            (long long)vid)) < 0 ||
            (r = semio_mkdirs(dir, err)) < 0 ||
            (r = semio_path(err, path, sizeof(path), "%s/%s", s->cache_dir, rel)) < 0)
            break;
        int e = semio_audio_extract((const char *)sqlite3_column_text(st, 4),
                                    sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                                    16000, &a, &why);
        if (e == 0 && denoise)
            e = semio_audio_denoise(&a, set->suppress_db, &why);
        if (e == 0)
            e = semio_wav_write(path, &a, &why);
        if (e == SEMIO_ERR_IO || e == SEMIO_ERR_NOMEM) { /* the disk, not the recording */
            semio_audio_free(&a);
            r = semio_fail(err, e, "%s", why.message);
            break;
        }
        char note[64];
        snprintf(note, sizeof(note), "%.2f s at 16 kHz", e == 0 ? (double)a.n / 16000 : 0.0);
        r = record(s, seg, set->view, e == 0 ? rel : NULL, e == 0 ? note : NULL,
                   e == 0 ? NULL : why.message, err);
        e == 0 ? rep->made++ : rep->failed++;
        semio_audio_free(&a);
    }
    sqlite3_finalize(st);
    return r;
}
