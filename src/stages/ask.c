/*
 * semio ask: questions about every (segment, sign) of a run, to an engine, answers
 * into the study one committed row at a time.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "semio/engine.h"
#include "semio/eval.h"
#include "semio/kinematic.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "stages/signals.h"
#include "study/db.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"

void semio_ask_default_settings(SemioAskSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->engine = "openai";
    s->signs = "all";
    s->view = "raw";
}

typedef struct Question {
    const SemioSign *sign;
    const char *text;
    char hash[65];
} Question;

typedef struct Segment {
    int64_t id, video;
} Segment;

typedef struct Pending {
    int64_t segment, video;
    const Question *q;
    char hash[65]; /* of the exact text sent (with a transcript, it differs per segment) */
    const char *view; /* what the answer records as its view */
} Pending;

typedef struct Ctx {
    SemioStudy *s;
    const SemioAskSettings *set;
    const char *view;
    SemioAskReport *rep;
    int64_t run, sampling;
    sqlite3_stmt *insert;
    int db_error;
    SemioError *err;
} Ctx;

/* Which signs to ask: a comma list of sign ids and groups ("all", "limb", "facial",
 * "audio"), e.g. "limb,facial" or "facial,clonic". */
static int wanted(const char *spec, const SemioSign *g)
{
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!strcmp(t, "all") || !strcmp(t, g->group) || !strcmp(t, g->id))
            return 1;
    return 0;
}

static int choose_signs(const SemioSignSet *cat, const char *spec, const char *view,
                        const SemioSign **out, size_t *n, int *skipped, SemioError *err)
{
    *n = 0;
    *skipped = 0;
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, "all") && strcmp(t, "limb") && strcmp(t, "facial") && strcmp(t, "audio") &&
            !semio_signs_find(cat, t))
            return semio_fail(err, SEMIO_ERR_INVALID,
                              "--signs: '%s' is neither a sign of the catalog nor all, limb, "
                              "facial or audio", t);
    for (size_t i = 0; i < semio_signs_count(cat); i++) {
        const SemioSign *g = semio_signs_get(cat, i);
        if (!wanted(spec, g))
            continue;
        /* Frames cannot show a sound: audio signs need the audio view. The kinematic
         * engine measures every signal it has. */
        if (strcmp(view, "signals") && !strcmp(g->modality, "audio") != !strcmp(view, "audio")) {
            (*skipped)++;
            continue;
        }
        out[(*n)++] = g;
    }
    if (*n == 0)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "--signs %s with --view %s leaves nothing to ask%s", spec, view,
                          *skipped ? " (audio signs need the audio view, video signs a video "
                                     "view)" : "");
    return 0;
}

static int one_text(SemioStudy *s, const char *sql, const char *arg, char *out, size_t size,
                    int64_t *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        if (id)
            *id = sqlite3_column_int64(st, 0);
        if (out)
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return found;
}

static char *settings_json(const SemioAskSettings *set, const SemioOpenAISettings *o,
                           const char *prompts, const SemioAskReport *rep)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "engine", json_object_new_string(set->engine));
    if (!o) { /* the kinematic engine: its parameters are its prompt */
        json_object_object_add(j, "parameters", json_object_new_string(prompts));
        json_object_object_add(j, "signs", json_object_new_string(set->signs));
        json_object_object_add(j, "segments", json_object_new_string(rep->segments));
        json_object_object_add(j, "keypoints", set->keypoints ? json_object_new_string(set->keypoints) : NULL);
    } else {
        json_object_object_add(j, "model", json_object_new_string(o->model));
        json_object_object_add(j, "view", json_object_new_string(set->view));
        json_object_object_add(j, "denoised", json_object_new_boolean(set->denoised));
        json_object_object_add(j, "with_transcript", json_object_new_boolean(set->with_transcript));
        json_object_object_add(j, "signs", json_object_new_string(set->signs));
        json_object_object_add(j, "prompts", json_object_new_string(prompts));
        json_object_object_add(j, "segments", json_object_new_string(rep->segments));
        json_object_object_add(j, "sampling", json_object_new_string(rep->sampling));
        json_object_object_add(j, "temperature", json_object_new_double(o->temperature));
        json_object_object_add(j, "max_tokens", json_object_new_int(o->max_tokens));
        json_object_object_add(j, "structured", json_object_new_boolean(o->structured));
        json_object_object_add(j, "logprobs", json_object_new_boolean(o->logprobs));
        json_object_object_add(j, "timestamps", json_object_new_boolean(o->timestamps));
        json_object_object_add(j, "extra", o->extra_json ? json_tokener_parse(o->extra_json) : NULL);
    }
    char *out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return out;
}

/* Creates the run, or checks that an existing one was made with the same settings. */
static int open_run(Ctx *c, const SemioOpenAISettings *o, const char *prompts)
{
    SemioStudy *s = c->s;
    char *settings = settings_json(c->set, o, prompts, c->rep);
    if (!settings)
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, settings_json FROM runs WHERE name = ?", c->err);
    if (r == 0) {
        sqlite3_bind_text(st, 1, c->set->run, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            c->run = sqlite3_column_int64(st, 0);
            if (strcmp((const char *)sqlite3_column_text(st, 1), settings))
                r = semio_fail(c->err, SEMIO_ERR_CONFLICT,
                               "%s: run '%s' was started with other settings (%s); resume it "
                               "with the same ones or name a new run", s->path, c->set->run,
                               (const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
    }
    if (r == 0 && !c->run && !c->set->dry_run) {
        char urls[4096] = "", now[32];
        for (size_t i = 0; o && i < o->nurls; i++)
            snprintf(urls + strlen(urls), sizeof(urls) - strlen(urls), "%s%s", i ? "," : "",
                     o->urls[i]);
        if ((r = semio_db_prepare(s, &st, "INSERT INTO runs(name, engine, model, base_urls, view, "
                                          "segment_set, sampling, prompt_set, settings_json, "
                                          "version, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                  c->err)) == 0) {
            const char *v[11] = { c->set->run, c->set->engine, o ? o->model : "kinematic", urls,
                                  o ? c->set->view : "signals",
                                  c->rep->segments, c->rep->sampling, prompts, settings,
                                  semio_version(), semio_db_now(now) };
            for (int i = 0; i < 11; i++)
                sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
            r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, c->err, "cannot create run");
            sqlite3_finalize(st);
            c->run = sqlite3_last_insert_rowid(s->db);
        }
    }
    free(settings);
    return r;
}

static int answered(sqlite3_stmt *q, int64_t run, int64_t seg, const char *sign,
                    const char *view, const char *hash)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_int64(q, 2, seg);
    sqlite3_bind_text(q, 3, sign, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, view, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, hash, -1, SQLITE_STATIC);
    return sqlite3_step(q) == SQLITE_ROW;
}

/* The segment's transcript (source "audio" or "denoise"), malloc'ed, or NULL. */
static char *transcript_of(SemioStudy *s, int64_t segment, const char *source)
{
    sqlite3_stmt *st;
    char *text = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT text FROM transcripts WHERE segment_id = ? AND "
                                  "source = ? AND status = 'ok'", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return text;
}

/* The question with the window's transcript, as the pilot's audio+text variant asked. */
static char *with_transcript(const char *question, const char *transcript)
{
    static const char fmt[] = "%s\n\nA speech-to-text transcript of this window's sound (it "
                              "may contain errors): \"%s\"";
    size_t n = strlen(question) + strlen(transcript) + sizeof(fmt);
    char *t = malloc(n);
    if (t)
        snprintf(t, n, fmt, question, transcript);
    return t;
}

/* The frames of one segment: JPEG bytes and times, in order. */
typedef struct Frames {
    int64_t segment;
    SemioImagePart *parts;
    uint8_t **data;
    size_t n;
    int width, height;
    uint8_t *wav;    /* the segment's audio view, for --view audio */
    size_t wav_size;
    int loaded;
} Frames;

static void free_frames(Frames *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->data[i]);
    free(f->data);
    free(f->parts);
    free(f->wav);
    memset(f, 0, sizeof(*f));
}

/* Whether the segment has a view of this kind made. */
static int has_view(SemioStudy *s, int64_t segment, const char *kind)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM views WHERE segment_id = ? AND kind = ? AND "
                                  "status = 'ok'", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* The segment's WAV (view `kind`), or 0 with nothing loaded when there is none. */
static int load_audio(SemioStudy *s, int64_t segment, const char *kind, Frames *f,
                      SemioError *err)
{
    free_frames(f);
    f->segment = segment;
    f->loaded = 1;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT path FROM views WHERE segment_id = ? AND kind = ? "
                                     "AND status = 'ok'", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        char path[PATH_MAX + 256], *data;
        if ((r = semio_path(err, path, sizeof(path), "%s/%s", s->cache_dir,
                            (const char *)sqlite3_column_text(st, 0))) == 0 &&
            (r = semio_read_file(path, &data, &f->wav_size, err)) == 0)
            f->wav = (uint8_t *)data;
    }
    sqlite3_finalize(st);
    return r;
}

/* The sampled frames of a segment, or with `kind` ("pose", "face") that view of them (none
 * when the segment has no such view). */
static int load_frames(SemioStudy *s, int64_t segment, int64_t sampling, const char *kind,
                       Frames *f, SemioError *err)
{
    free_frames(f);
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, kind
        ? "SELECT w.path || substr(f.path, length(rtrim(f.path, replace(f.path, '/', ''))))"
          ", f.time_s, x.width, x.height FROM frames f JOIN samples x USING (segment_id, "
          "sampling_id) JOIN views w ON w.segment_id = f.segment_id AND w.kind = ?3 AND "
          "w.status = 'ok' WHERE f.segment_id = ?1 AND f.sampling_id = ?2 ORDER BY f.ordinal"
        : "SELECT f.path, f.time_s, x.width, x.height FROM frames f "
          "JOIN samples x USING (segment_id, sampling_id) "
          "WHERE f.segment_id = ? AND f.sampling_id = ? ORDER BY f.ordinal", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_int64(st, 2, sampling);
    if (kind)
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (f->n == cap) {
            cap = cap ? cap * 2 : 64;
            SemioImagePart *np = realloc(f->parts, cap * sizeof(*np));
            uint8_t **nd = np ? realloc(f->data, cap * sizeof(*nd)) : NULL;
            if (np)
                f->parts = np;
            if (!np || !nd) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            f->data = nd;
        }
        char path[PATH_MAX + 256];
        char *data;
        size_t size;
        if ((r = semio_path(err, path, sizeof(path), "%s/%s", s->cache_dir,
                            (const char *)sqlite3_column_text(st, 0))) < 0 ||
            (r = semio_read_file(path, &data, &size, err)) < 0)
            break;
        f->data[f->n] = (uint8_t *)data;
        f->parts[f->n] = (SemioImagePart){ (uint8_t *)data, size, sqlite3_column_double(st, 1) };
        f->width = sqlite3_column_int(st, 2);
        f->height = sqlite3_column_int(st, 3);
        f->n++;
        /* a view's pictures need not have the sampled size (face crops are square) */
        if (kind && semio_jpeg_size((const uint8_t *)data, size, &f->width, &f->height) < 0) {
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a JPEG", path);
            break;
        }
    }
    sqlite3_finalize(st);
    f->segment = segment;
    f->loaded = 1;
    return r;
}

/* Qwen2.5-VL's count: one token per 28x28 patch after rounding to multiples of 28. */
static int64_t image_tokens(int w, int h)
{
    int64_t pw = lround(w / 28.0), ph = lround(h / 28.0);
    return (pw < 1 ? 1 : pw) * (ph < 1 ? 1 : ph);
}

static void on_answer(void *user, const SemioCompletion *c)
{
    Ctx *x = user;
    Pending *p = c->user;
    static const char *const words[] = { "no", "yes", "na" };
    sqlite3_stmt *st = x->insert;
    char now[32];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, x->run);
    sqlite3_bind_int64(st, 2, p->video);
    sqlite3_bind_int64(st, 3, p->segment);
    sqlite3_bind_text(st, 4, p->q->sign->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->view, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, p->hash, -1, SQLITE_STATIC);
    if (c->ok)
        sqlite3_bind_text(st, 7, words[c->answer.answer], -1, SQLITE_STATIC);
    if (c->ok && !isnan(c->p_yes))
        sqlite3_bind_double(st, 8, c->p_yes);
    if (c->ok && c->answer.justification)
        sqlite3_bind_text(st, 9, c->answer.justification, -1, SQLITE_STATIC);
    if (c->ok && !isnan(c->answer.onset_s))
        sqlite3_bind_double(st, 10, c->answer.onset_s);
    if (c->raw)
        sqlite3_bind_text(st, 11, c->raw, -1, SQLITE_STATIC);
    else if (c->error)
        sqlite3_bind_text(st, 11, c->error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, c->ok ? "ok" : "failed", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, c->attempts);
    sqlite3_bind_double(st, 14, c->latency_ms);
    if (c->prompt_tokens >= 0)
        sqlite3_bind_int(st, 15, c->prompt_tokens);
    if (c->completion_tokens >= 0)
        sqlite3_bind_int(st, 16, c->completion_tokens);
    sqlite3_bind_text(st, 17, semio_db_now(now), -1, SQLITE_STATIC);
    /* One row, one commit (autocommit): a crash keeps every answer that arrived. */
    if (sqlite3_step(st) != SQLITE_DONE && !x->db_error)
        x->db_error = semio_db_fail(x->s, x->err, "cannot store an answer");
    c->ok ? x->rep->answered++ : x->rep->failed++;
    free(p);
}

/* The statements every engine's loop uses: "is this answered?" and "store an answer". */
static int prepare_answers(SemioStudy *s, sqlite3_stmt **done_q, sqlite3_stmt **insert,
                           SemioError *err)
{
    int r = semio_db_prepare(s, done_q, "SELECT 1 FROM answers WHERE run_id = ? AND "
                                        "segment_id = ? AND sign = ? AND view = ? AND "
                                        "prompt_hash = ?", err);
    if (r == 0)
        r = semio_db_prepare(s, insert, "INSERT INTO answers(run_id, video_id, segment_id, "
                                        "sign, view, prompt_hash, answer, p_yes, "
                                        "justification, onset_s, raw, status, attempts, "
                                        "latency_ms, prompt_tokens, completion_tokens, "
                                        "answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                        "?,?)", err);
    return r;
}

/* The segment set asked about (named, or the newest). */
static int find_segment_set(SemioStudy *s, const SemioAskSettings *set, SemioAskReport *rep,
                            int64_t *set_id, SemioError *err)
{
    int found = set->segments
        ? one_text(s, "SELECT id, name FROM segment_sets WHERE name = ?", set->segments,
                   rep->segments, sizeof(rep->segments), set_id)
        : one_text(s, "SELECT id, name FROM segment_sets ORDER BY id DESC LIMIT 1", NULL,
                   rep->segments, sizeof(rep->segments), set_id);
    if (found <= 0)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: %s", s->path,
                          set->segments ? "no such segment set" : "no segments: run semio segment");
    return 0;
}

/*
 * The kinematic engine: each segment's signals are loaded and measured once, and every
 * sign is read from the measurements. A sign without a signal is stored as a failed
 * answer whose text says what could not be measured.
 */
static int ask_kinematic(Ctx *c, const SemioSign *const *signs, size_t nq)
{
    SemioStudy *s = c->s;
    const SemioAskSettings *set = c->set;
    SemioAskReport *rep = c->rep;
    SemioKinematicSettings ks;
    if (set->kinematic)
        ks = *set->kinematic;
    else
        semio_kinematic_default_settings(&ks);
    char described[4096], hash[65];
    semio_kinematic_describe(&ks, described, sizeof(described));
    semio_text_hash(described, hash);
    int64_t set_id;
    sqlite3_stmt *seg_q = NULL, *done_q = NULL;
    int r = find_segment_set(s, set, rep, &set_id, c->err);
    if (r == 0)
        r = open_run(c, NULL, described);
    if (r == 0)
        r = semio_db_prepare(s, &seg_q, "SELECT g.id, g.video_id FROM segments g JOIN videos v "
                                        "ON v.id = g.video_id WHERE g.set_id = ? AND v.status = "
                                        "'ok' ORDER BY g.video_id, g.start_s", c->err);
    if (r == 0)
        r = prepare_answers(s, &done_q, &c->insert, c->err);
    if (r < 0)
        goto done;
    sqlite3_bind_int64(seg_q, 1, set_id);
    int64_t nseg = 0;
    while (sqlite3_step(seg_q) == SQLITE_ROW)
        nseg++;
    rep->planned = nseg * (int64_t)nq;
    sqlite3_reset(seg_q);
    Question *qs = calloc(nq, sizeof(*qs));
    if (!qs) {
        r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nq; i++) {
        qs[i].sign = signs[i];
        qs[i].text = described;
        memcpy(qs[i].hash, hash, sizeof(hash));
    }
    KeypointCache keypoints = { 0 };
    while (r == 0 && sqlite3_step(seg_q) == SQLITE_ROW) {
        if (set->stop && *set->stop) {
            r = semio_fail(c->err, SEMIO_ERR_INTERRUPTED, "interrupted: %lld questions not asked",
                           (long long)(rep->planned - rep->done_before - rep->answered - rep->failed));
            break;
        }
        int64_t seg = sqlite3_column_int64(seg_q, 0), vid = sqlite3_column_int64(seg_q, 1);
        size_t missing = 0;
        for (size_t k = 0; k < nq; k++)
            missing += !(c->run && answered(done_q, c->run, seg, qs[k].sign->id, "signals", hash));
        rep->done_before += (int64_t)(nq - missing);
        if (!missing || set->dry_run)
            continue;
        WindowSignals w;
        SemioKinematic *kin = NULL;
        double t_start = semio_monotonic_s();
        if ((r = semio_window_signals(s, seg, set->keypoints, &keypoints, &w, c->err)) < 0 ||
            (r = semio_kinematic_analyze(&kin, &ks, &w.sig, c->err)) < 0) {
            semio_window_signals_free(&w);
            break;
        }
        double ms = (semio_monotonic_s() - t_start) * 1000;
        rep->requests++;
        for (size_t k = 0; k < nq && r == 0; k++) {
            if (answered(done_q, c->run, seg, qs[k].sign->id, "signals", hash))
                continue;
            SemioKinematicAnswer a;
            semio_kinematic_answer(kin, qs[k].sign->id, &a);
            Pending *p = malloc(sizeof(*p));
            if (!p) {
                r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *p = (Pending){ seg, vid, &qs[k], "", "signals" };
            memcpy(p->hash, hash, sizeof(hash));
            int ok = a.answer >= 0;
            SemioCompletion done = {
                .user = p, .ok = ok,
                .answer = { ok ? a.answer : 0, ok ? a.justification : NULL, a.onset_s },
                .p_yes = ok ? a.score : NAN, .raw = a.justification, .attempts = 1,
                .latency_ms = ms / (double)missing, .prompt_tokens = -1, .completion_tokens = -1,
                .error = ok ? NULL : a.justification,
            };
            on_answer(c, &done);
            r = c->db_error;
        }
        semio_kinematic_free(&kin);
        semio_window_signals_free(&w);
        if (set->progress)
            set->progress(set->progress_user, "ask", rep->done_before + rep->answered + rep->failed,
                          rep->planned, NULL);
    }
    free(qs);
    semio_keypoint_cache_close(&keypoints);
done:
    sqlite3_finalize(seg_q);
    sqlite3_finalize(done_q);
    sqlite3_finalize(c->insert);
    c->insert = NULL;
    return r;
}

static uint64_t affinity(int64_t segment, const char *view)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)segment;
    for (const char *c = view; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ULL;
    return h * 0x9e3779b97f4a7c15ULL >> 1;
}

int semio_ask(SemioStudy *s, const SemioAskSettings *set, SemioAskReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (!set->run || !set->run[0])
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: --run NAME is required");
    if (!strcmp(set->engine, "kinematic")) {
        if (strcmp(set->view, "raw") || set->denoised || set->with_transcript)
            return semio_fail(err, SEMIO_ERR_INVALID, "ask: the kinematic engine measures "
                              "keypoints and sound itself; --view, --denoised and "
                              "--with-transcript do not apply");
        Ctx c = { .s = s, .set = set, .rep = rep, .err = err, .view = "signals" };
        SemioSignSet *cat = NULL;
        const SemioSign *chosen[256];
        size_t nq = 0;
        int r = semio_signs_load(&cat, NULL, err);
        if (r == 0)
            r = choose_signs(cat, set->signs ? set->signs : "all", "signals", chosen, &nq,
                             &rep->signs_skipped, err);
        if (r == 0)
            r = ask_kinematic(&c, chosen, nq);
        semio_signs_free(&cat);
        return r;
    }
    if (strcmp(set->engine, "openai"))
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: no engine '%s' (openai, kinematic)",
                          set->engine);
    int audio = !strcmp(set->view, "audio"), face = !strcmp(set->view, "face");
    int pose = !strcmp(set->view, "pose") || face; /* views drawn from keypoints */
    if (set->fallback_raw && !face)
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: --fallback raw goes with --view face");
    if (strcmp(set->view, "raw") && !audio && !pose)
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: --view %s needs its enhanced view, which "
                          "semio does not make; --view raw asks on the sampled frames, "
                          "pose and face on semio enhance's views, audio on its sound", set->view);
    if ((set->denoised || set->with_transcript) && !audio)
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: --denoised and --with-transcript go with "
                          "--view audio");
    /* what answers record as their view, and which enhanced file audio questions send */
    const char *view = !audio ? set->view
                     : set->with_transcript ? (set->denoised ? "audio-denoised+text" : "audio+text")
                     : set->denoised ? "audio-denoised" : "audio";
    const char *audio_kind = set->denoised ? "denoise" : "audio";
    if (!set->openai)
        return semio_fail(err, SEMIO_ERR_INVALID, "ask: no engine settings");
    Ctx c = { .s = s, .set = set, .rep = rep, .err = err, .view = view };
    SemioSignSet *cat = NULL;
    SemioPromptSet *ps = NULL;
    SemioEngine *engine = NULL;
    Question *qs = NULL;
    Segment *segs = NULL;
    size_t nq = 0, nseg = 0;
    sqlite3_stmt *seg_q = NULL, *done_q = NULL;
    Frames frames = { 0 };
    int64_t set_id = 0;
    int r = semio_signs_load(&cat, NULL, err);
    if (r == 0)
        r = semio_prompts_load(&ps, set->prompts, err);
    if (r < 0)
        goto done;
    const SemioSign *chosen[256];
    if ((r = choose_signs(cat, set->signs ? set->signs : "all", set->view, chosen, &nq,
                          &rep->signs_skipped, err)) < 0)
        goto done;
    if (!(qs = calloc(nq, sizeof(*qs)))) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nq; i++) {
        qs[i].sign = chosen[i];
        if (!(qs[i].text = semio_prompt_text(ps, chosen[i], err))) {
            r = err ? err->code : SEMIO_ERR_NOT_FOUND;
            goto done;
        }
        semio_text_hash(qs[i].text, qs[i].hash);
    }
    /* the segment set and the sampling whose frames are sent */
    if ((r = find_segment_set(s, set, rep, &set_id, err)) < 0)
        goto done;
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT m.id, m.key FROM samplings m JOIN samples x ON "
             "x.sampling_id = m.id JOIN segments g ON g.id = x.segment_id WHERE g.set_id = %lld "
             "%s ORDER BY x.sampled_at DESC, m.id DESC LIMIT 1", (long long)set_id,
             set->sampling ? "AND m.key = ?" : "");
    if (audio)
        snprintf(rep->sampling, sizeof(rep->sampling), "%s", audio_kind);
    else if (one_text(s, sql, set->sampling, rep->sampling, sizeof(rep->sampling), &c.sampling) <= 0) {
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: segment set '%s' has no sampled frames%s%s:"
                       " run semio sample", s->path, rep->segments,
                       set->sampling ? " with sampling " : "", set->sampling ? set->sampling : "");
        goto done;
    }
    if ((r = open_run(&c, set->openai, semio_prompts_name(ps))) < 0)
        goto done;
    /* segments with frames, in order: one segment's questions go out together */
    if ((r = semio_db_prepare(s, &seg_q, audio
            ? "SELECT g.id, g.video_id FROM segments g JOIN videos v ON v.id = g.video_id WHERE "
              "?1 IS NOT NULL AND g.set_id = ?2 AND v.status = 'ok' ORDER BY g.video_id, g.start_s"
            : "SELECT g.id, g.video_id FROM segments g JOIN samples x "
              "ON x.segment_id = g.id AND x.sampling_id = ?1 WHERE "
              "g.set_id = ?2 AND x.written > 0 ORDER BY g.video_id, g.start_s", err)) < 0 ||
        (r = prepare_answers(s, &done_q, &c.insert, err)) < 0)
        goto done;
    sqlite3_bind_int64(seg_q, 1, c.sampling);
    sqlite3_bind_int64(seg_q, 2, set_id);
    size_t cap = 0;
    while (sqlite3_step(seg_q) == SQLITE_ROW) {
        if (nseg == cap) {
            Segment *ns = realloc(segs, (cap = cap ? 2 * cap : 256) * sizeof(*ns));
            if (!ns) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                goto done;
            }
            segs = ns;
        }
        segs[nseg++] = (Segment){ sqlite3_column_int64(seg_q, 0), sqlite3_column_int64(seg_q, 1) };
    }
    rep->planned = (int64_t)(nseg * nq);
    if (!set->dry_run && (r = semio_openai_open(&engine, set->openai, err)) < 0)
        goto done;
    int concurrency = set->openai->concurrency > 0 ? set->openai->concurrency : 8;
    char *transcript = NULL;
    for (size_t i = 0; i < nseg && r == 0; i++) {
        free(transcript);
        transcript = set->with_transcript ? transcript_of(s, segs[i].id, audio_kind) : NULL;
        if (set->with_transcript && !transcript) {
            rep->no_view += (int64_t)nq; /* not transcribed (semio transcribe) */
            continue;
        }
        /* a window without a face view is asked on its raw frames only when allowed; its
         * answers say so in their view */
        const char *seg_view = view, *kind = pose ? set->view : NULL;
        if (face && set->fallback_raw && !has_view(s, segs[i].id, "face")) {
            seg_view = "face>raw";
            kind = NULL;
        }
        for (size_t k = 0; k < nq && r == 0; k++) {
            char *text = transcript ? with_transcript(qs[k].text, transcript) : NULL;
            char hash[65];
            if (transcript && !text) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            if (text)
                semio_text_hash(text, hash);
            else
                memcpy(hash, qs[k].hash, sizeof(hash));
            if (c.run && answered(done_q, c.run, segs[i].id, qs[k].sign->id, seg_view, hash)) {
                free(text);
                rep->done_before++;
                continue;
            }
            if (set->stop && *set->stop) {
                free(text);
                break;
            }
            if (frames.segment != segs[i].id || !frames.loaded)
                if ((r = audio ? load_audio(s, segs[i].id, audio_kind, &frames, err)
                               : load_frames(s, segs[i].id, c.sampling, kind, &frames, err)) < 0) {
                    free(text);
                    break;
                }
            if ((audio && !frames.wav) || (pose && !frames.n)) {
                free(text);
                rep->no_view++;
                continue;
            }
            rep->requests++;
            rep->bytes += (int64_t)(frames.wav_size + 2) / 3 * 4;
            rep->images += (int64_t)frames.n;
            for (size_t f = 0; f < frames.n; f++) {
                rep->bytes += (int64_t)(frames.parts[f].size + 2) / 3 * 4;
                rep->image_tokens += image_tokens(frames.width, frames.height);
            }
            if (set->dry_run) {
                free(text);
                continue;
            }
            Pending *p = malloc(sizeof(*p));
            if (!p) {
                free(text);
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *p = (Pending){ segs[i].id, segs[i].video, &qs[k], "", seg_view };
            memcpy(p->hash, hash, sizeof(hash));
            SemioRequest req = { .text = text ? text : qs[k].text, .images = frames.parts,
                                 .nimages = frames.n, .wav = frames.wav,
                                 .wav_size = frames.wav_size,
                                 .allow_na = semio_sign_allows_na(qs[k].sign),
                                 .affinity = affinity(segs[i].id, view), .user = p };
            r = semio_engine_submit(engine, &req, err); /* the body is built: text is done */
            free(text);
            if (r < 0) {
                free(p);
                break;
            }
            /* keep at most two rounds of requests built ahead of the wire */
            while (r == 0 && semio_engine_pending(engine) >= (size_t)(2 * concurrency)) {
                int w = semio_engine_wait(engine, on_answer, &c, err);
                r = w < 0 ? w : c.db_error;
                if (set->progress)
                    set->progress(set->progress_user, "ask",
                                  rep->done_before + rep->answered + rep->failed, rep->planned,
                                  NULL);
            }
        }
        if (set->stop && *set->stop)
            break;
    }
    free(transcript);
    /* Let everything in flight land, even when stopping. */
    while (engine && semio_engine_pending(engine) && (r == 0 || r == SEMIO_ERR_INTERRUPTED)) {
        int w = semio_engine_wait(engine, on_answer, &c, err);
        if (w < 0)
            r = w;
        else if (c.db_error)
            r = c.db_error;
        if (set->progress)
            set->progress(set->progress_user, "ask", rep->done_before + rep->answered + rep->failed,
                          rep->planned, NULL);
    }
    if (r == 0 && set->stop && *set->stop)
        r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted: %lld questions not asked",
                       (long long)(rep->planned - rep->done_before - rep->answered - rep->failed));
done:
    semio_engine_close(&engine);
    free_frames(&frames);
    sqlite3_finalize(seg_q);
    sqlite3_finalize(done_q);
    sqlite3_finalize(c.insert);
    free(segs);
    free(qs);
    semio_prompts_free(&ps);
    semio_signs_free(&cat);
    return r;
}
