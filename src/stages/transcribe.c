/* semio transcribe: each segment's speech as text, once, from a transcription server. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/audio.h"
#include "semio/engine.h"
#include "semio/stages.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

int semio_transcribe(SemioStudy *s, const SemioTranscribeSettings *set,
                     SemioTranscribeReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    const char *source = set->source ? set->source : "audio";
    int offline = !set->server || !set->server->nurls;
    const char *model = offline ? "pocketsphinx en-us" : set->server->model;
    if (!offline && strncmp(set->server->urls[0], "http://", 7) &&
        strncmp(set->server->urls[0], "https://", 8))
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: '%s' is not an http(s) URL",
                          set->server->urls[0]);
    if (strcmp(source, "audio") && strcmp(source, "denoise"))
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: the source is audio or denoise");
    if (offline && !semio_feature_built("pocketsphinx")) /* not a failed transcript each */
        return semio_fail_not_built(err, "pocketsphinx");
    char sql[700];
    snprintf(sql, sizeof(sql),
             "SELECT g.id, w.path, EXISTS (SELECT 1 FROM transcripts t WHERE t.segment_id = g.id "
             "AND t.source = ?2) FROM segments g LEFT JOIN views w ON w.segment_id = g.id AND "
             "w.kind = ?2 AND w.status = 'ok' WHERE g.set_id = (SELECT id FROM segment_sets %s) "
             "ORDER BY g.video_id, g.start_s",
             set->segments ? "WHERE name = ?1" : "ORDER BY id DESC LIMIT 1");
    sqlite3_stmt *st, *ins;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if ((r = semio_db_prepare(s, &ins, "INSERT OR REPLACE INTO transcripts(segment_id, source, "
                                       "model, text, segments_json, status, error, made_at) "
                                       "VALUES (?,?,?,?,?,?,?,?)", err)) < 0) {
        sqlite3_finalize(st);
        return r;
    }
    if (set->segments)
        sqlite3_bind_text(st, 1, set->segments, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (set->stop && *set->stop) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        if (sqlite3_column_int(st, 2)) {
            rep->skipped++;
            continue;
        }
        if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
            rep->no_audio++;
            continue;
        }
        char path[PATH_MAX + 256], *wav;
        size_t size;
        if ((r = semio_study_file(s, (const char *)sqlite3_column_text(st, 1), path,
                                  sizeof(path), err)) < 0)
            break;
        SemioTranscript t = { 0 };
        SemioError why = { 0 };
        int e;
        if (offline) { /* pocketsphinx on the 16 kHz WAV */
            SemioAudio a;
            e = semio_audio_extract(path, 0, -1, 16000, &a, &why);
            if (e == 0)
                e = semio_sphinx_transcribe(&a, set->sphinx_model, &t.text, &why);
            semio_audio_free(&a);
            if (e == SEMIO_ERR_NOT_FOUND) { /* no model: nothing will work */
                r = semio_fail(err, e, "%s", why.message);
                break;
            }
        } else {
            if ((r = semio_read_file(path, &wav, &size, err)) < 0)
                break;
            e = semio_transcribe_wav(set->server, (const uint8_t *)wav, size, &t, &why);
            free(wav);
        }
        if (e == SEMIO_ERR_INVALID) {
            r = semio_fail(err, e, "%s", why.message);
            break;
        }
        char now[32];
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, sqlite3_column_int64(st, 0));
        sqlite3_bind_text(ins, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, model, -1, SQLITE_STATIC);
        if (e == 0) {
            sqlite3_bind_text(ins, 4, t.text, -1, SQLITE_STATIC);
            if (t.segments_json)
                sqlite3_bind_text(ins, 5, t.segments_json, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_text(ins, 7, why.message, -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(ins, 6, e == 0 ? "ok" : "failed", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, semio_db_now(now), -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot store a transcript");
        e == 0 ? rep->made++ : rep->failed++;
        semio_transcript_free(&t);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    return r;
}
