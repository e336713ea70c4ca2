/* semio transcribe: each segment's speech as text, once, from a transcription server. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/audio.h"
#include "semio/engine.h"
#include "semio/stages.h"
#include "stages/workers.h"
#include "study/db.h"
#include "util/array.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct Item {
    int64_t segment, video; /* a WorkKey */
    char *wav;              /* the audio view, relative to the cache */
} Item;

typedef struct TranscribeRun {
    const SemioTranscribeSettings *set;
    SemioTranscribeReport *rep;
    const char *source, *model;
    int offline;
    Item *items;
    size_t n, next;
} TranscribeRun;

/* The segments without a transcript of the source, in recording order. */
static int load_items(SemioStudy *s, TranscribeRun *run, SemioError *err)
{
    char sql[700];
    snprintf(sql, sizeof(sql),
             "SELECT g.id, g.video_id, w.path, EXISTS (SELECT 1 FROM transcripts t WHERE "
             "t.segment_id = g.id AND t.source = ?2) FROM segments g LEFT JOIN views w ON "
             "w.segment_id = g.id AND w.kind = ?2 AND w.status = 'ok' WHERE g.set_id = (SELECT "
             "id FROM segment_sets %s) ORDER BY g.video_id, g.start_s",
             run->set->segments ? "WHERE name = ?1" : "ORDER BY id DESC LIMIT 1");
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    if (run->set->segments)
        sqlite3_bind_text(st, 1, run->set->segments, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run->source, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 3)) {
            run->rep->skipped++;
            continue;
        }
        if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
            run->rep->no_audio++;
            continue;
        }
        if ((r = semio_reserve(&run->items, &cap, run->n, sizeof(Item), err)) < 0)
            break;
        Item *it = &run->items[run->n++];
        *it = (Item){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      strdup((const char *)sqlite3_column_text(st, 2)) };
        if (!it->wav)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return r;
}

/* One segment's transcript, or why there is none: 0 or 1, < 0 for an error that ends the
 * command (no model, a bad setting, the disk). */
static int transcribe_one(SemioStudy *s, const TranscribeRun *run, const Item *it,
                          SemioTranscript *t, SemioError *why, SemioError *err)
{
    char path[PATH_MAX + 256], *wav;
    size_t size;
    int r = semio_study_file(s, it->wav, path, sizeof(path), err);
    if (r < 0)
        return r;
    int e;
    if (run->offline) { /* pocketsphinx on the 16 kHz WAV */
        SemioAudio a;
        e = semio_audio_extract(path, 0, -1, 16000, &a, why);
        if (e == 0)
            e = semio_sphinx_transcribe(&a, run->set->sphinx_model, &t->text, why);
        semio_audio_free(&a);
        if (e == SEMIO_ERR_NOT_FOUND) /* no model: nothing will work */
            return semio_fail(err, e, "%s", why->message);
    } else {
        if ((r = semio_read_file(path, &wav, &size, err)) < 0)
            return r;
        e = semio_transcribe_wav(run->set->server, (const uint8_t *)wav, size, t, why);
        free(wav);
    }
    if (e == SEMIO_ERR_INVALID)
        return semio_fail(err, e, "%s", why->message);
    return e < 0;
}

static int store(SemioStudy *s, const TranscribeRun *run, const Item *it,
                 const SemioTranscript *t, const char *error, SemioError *err)
{
    sqlite3_stmt *ins;
    int r = semio_db_prepare(s, &ins, "INSERT OR REPLACE INTO transcripts(segment_id, source, "
                                      "model, text, segments_json, status, error, made_at) "
                                      "VALUES (?,?,?,?,?,?,?,?)", err);
    if (r < 0)
        return r;
    char now[32];
    sqlite3_bind_int64(ins, 1, it->segment);
    sqlite3_bind_text(ins, 2, run->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, run->model, -1, SQLITE_STATIC);
    if (!error) {
        sqlite3_bind_text(ins, 4, t->text, -1, SQLITE_STATIC);
        if (t->segments_json)
            sqlite3_bind_text(ins, 5, t->segments_json, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(ins, 7, error, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(ins, 6, error ? "failed" : "ok", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, semio_db_now(now), -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot store a transcript");
    sqlite3_finalize(ins);
    return r;
}

/* One recording's segments under its claim; another process's are left to it. */
static int transcribe_recording(SemioStudy *s, Workers *w, TranscribeRun *run, size_t a,
                                size_t b, SemioError *err)
{
    char what[128];
    int got = 0;
    snprintf(what, sizeof(what), "transcribe %s v%lld", run->source,
             (long long)run->items[a].video);
    int r = semio_claim(s, what, &got, err);
    if (r < 0 || !got) {
        run->rep->elsewhere += (int)(b - a);
        return r;
    }
    sqlite3_stmt *done = NULL;
    if ((r = semio_db_prepare(s, &done, "SELECT 1 FROM transcripts WHERE segment_id = ? AND "
                                        "source = ?", err)) < 0)
        return r;
    for (size_t i = a; i < b && r == 0; i++) {
        if (workers_halted(w)) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        sqlite3_bind_int64(done, 1, run->items[i].segment);
        sqlite3_bind_text(done, 2, run->source, -1, SQLITE_STATIC);
        if (semio_db_exists(done)) { /* by a process that had the claim before */
            run->rep->skipped++;
            continue;
        }
        SemioTranscript t = { 0 };
        SemioError why = { 0 };
        int e = transcribe_one(s, run, &run->items[i], &t, &why, err);
        if (e >= 0)
            r = store(s, run, &run->items[i], &t, e ? why.message : NULL, err);
        else
            r = e;
        if (e >= 0)
            e == 0 ? run->rep->made++ : run->rep->failed++;
        semio_transcript_free(&t);
        if (r == 0)
            r = semio_claim_renew(s, what, err);
    }
    sqlite3_finalize(done);
    if (r == 0)
        r = semio_claim_release(s, what, err);
    return r;
}

static int transcribe_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    TranscribeRun *run = user;
    int r = 0;
    for (size_t a, b;
         r == 0 && workers_take(w, &run->next, run->items, run->n, sizeof(Item), &a, &b);)
        r = transcribe_recording(s, w, run, a, b, err);
    return r;
}

int semio_transcribe(SemioStudy *s, const SemioTranscribeSettings *set,
                     SemioTranscribeReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    TranscribeRun run = { .set = set, .rep = rep };
    run.source = set->source ? set->source : "audio";
    run.offline = !set->server || !set->server->nurls;
    run.model = run.offline ? "pocketsphinx en-us" : set->server->model;
    if (!run.offline && strncmp(set->server->urls[0], "http://", 7) &&
        strncmp(set->server->urls[0], "https://", 8))
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: '%s' is not an http(s) URL",
                          set->server->urls[0]);
    if (strcmp(run.source, "audio") && strcmp(run.source, "denoise"))
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: the source is audio or denoise");
    if (run.offline && !semio_feature_built("pocketsphinx")) /* not a failed transcript each */
        return semio_fail_not_built(err, "pocketsphinx");
    int r = load_items(s, &run, err);
    /* one worker: a server transcribes in parallel by itself, pocketsphinx is quick */
    if (r == 0)
        r = workers_run(s, 1, set->stop, transcribe_worker, &run, err);
    for (size_t i = 0; i < run.n; i++)
        free(run.items[i].wav);
    free(run.items);
    return r;
}
