/*
 * semio ask: plan -> submit -> store. Every (segment, sign) of a run without an answer
 * is planned; each window's questions go to the engine together with the inputs its view
 * gives (frames, sound or measured signals); answers are stored one committed row at a
 * time as they complete. One loop for every engine: what differs is in the engine's
 * class (src/engine/) and the view's spec (stages/views.c). Several prompt sets
 * (paraphrases) make a run each and are asked together, window by window, so a window's
 * images are sent once to its replica for all of them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "semio/eval.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "stages/answers.h"
#include "stages/window.h"
#include "stages/workers.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_ask_default_settings(SemioAskSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->engine = "openai";
    s->signs = "all";
}

/* One prompt set of the ask and the run its answers go to: several sets (paraphrases)
 * make a run each, asked together window by window. */
typedef struct RunSet {
    char name[256];         /* the run's: RUN, or RUN-SET with several sets */
    char stem[128];         /* the set's: a built-in name, or the file's name less .tsv */
    char fingerprint[4096]; /* what the run records as its prompts */
    const char *spec;       /* as given: a built-in name, a file, or NULL (the default) */
    SemioPromptSet *ps;
    int64_t run;            /* its id; 0 in a dry run of a run not made yet */
} RunSet;

typedef struct Question {
    const SemioSign *sign;
    const RunSet *rs;       /* whose run the answer goes to */
    const char *text;
    char hash[65];
} Question;

typedef struct Segment {
    int64_t id, video;
} Segment;

/* A question handed to the engine. The run owns every one in its `live` list, so those
 * abandoned in flight (a stop, an error) are freed with the run. */
typedef struct Pending {
    struct Pending *prev, *next;
    int64_t segment, video;
    const Question *q;
    char hash[65]; /* of the exact text sent (with a transcript, it differs per segment) */
    const char *view; /* what the answer records as its view */
} Pending;

/* One ask: what is settled before any question goes out, read by every worker. */
typedef struct Ctx {
    SemioStudy *s;
    const SemioAskSettings *set;
    const SemioEngineClass *cls;
    const void *settings;   /* the engine's: the caller's, or its defaults (owned) */
    void *own_settings;
    const SemioViewSpec *view;
    const char *view_name; /* what answers record as their view */
    const char *audio_kind; /* the views table's kind of the sound sent */
    SemioAskReport *rep;
    int64_t sampling;
    RunSet *sets;           /* one per prompt set; the questions point into it */
    size_t nsets;
    const Question *qs;     /* a sign's questions in every set follow each other */
    size_t nq;
    Segment *segs;          /* ordered by recording: a worker takes one recording's */
    size_t nseg, next;
    WindowSource source;
    int64_t handled;        /* questions stored or found stored, for progress */
    SemioEngine *first;     /* opened to check the settings; the first worker's */
    SemioError *err;
} Ctx;

/* A window this worker claimed, until its last question is stored. */
typedef struct Claimed {
    struct Claimed *next;
    int64_t segment;
    size_t left;            /* its questions not yet stored */
    char what[160];
} Claimed;

/* One worker's loop: its connection, engine, statements and questions in flight. */
typedef struct Worker {
    Ctx *c;
    Workers *w;
    SemioStudy *s;
    SemioAskReport rep;     /* added to the ask's when the worker ends */
    sqlite3_stmt *insert, *done_q, *keep_prompt;
    int fatal;      /* an error that ends the run: the database, or a server's refusal */
    Pending *live;
    Claimed *claims;
    SemioError *err;
} Worker;

static int stopping(const Worker *k)
{
    return workers_halted(k->w);
}

/* A question of a claimed window is settled: the window's claim goes with its last. */
static void settle(Worker *k, int64_t segment)
{
    for (Claimed **pc = &k->claims; *pc; pc = &(*pc)->next) {
        Claimed *cl = *pc;
        if (cl->segment != segment || --cl->left > 0)
            continue;
        if (semio_claim_release(k->s, cl->what, k->err) < 0 && !k->fatal)
            k->fatal = k->err->code;
        *pc = cl->next;
        free(cl);
        return;
    }
}

static void unlink_pending(Worker *k, Pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        k->live = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p);
}

/* Which signs to ask: a comma list of sign ids and groups ("all", "limb", "facial",
 * "audio"), e.g. "limb,facial" or "facial,clonic". */
static int wanted(char *const *items, size_t n, const SemioSign *g)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i], "all") || !strcmp(items[i], g->group) || !strcmp(items[i], g->id))
            return 1;
    return 0;
}

static int choose_signs(const SemioSignSet *cat, const char *spec, const SemioViewSpec *view,
                        const SemioSign **out, size_t *n, int *skipped, SemioError *err)
{
    *n = 0;
    *skipped = 0;
    char copy[1024], *items[64];
    snprintf(copy, sizeof(copy), "%s", spec);
    size_t nitems = semio_list_split(copy, items, 64);
    if (nitems > 64)
        return semio_fail(err, SEMIO_ERR_INVALID, "signs: at most 64 names in the list");
    for (size_t i = 0; i < nitems; i++)
        if (strcmp(items[i], "all") && strcmp(items[i], "limb") && strcmp(items[i], "facial") &&
            strcmp(items[i], "audio") && !semio_signs_find(cat, items[i]))
            return semio_fail(err, SEMIO_ERR_INVALID,
                              "signs: '%s' is neither a sign of the catalog nor all, limb, "
                              "facial or audio", items[i]);
    for (size_t i = 0; i < semio_signs_count(cat); i++) {
        const SemioSign *g = semio_signs_get(cat, i);
        if (!wanted(items, nitems, g))
            continue;
        if (!semio_view_shows(view, g->modality)) {
            (*skipped)++;
            continue;
        }
        out[(*n)++] = g;
    }
    if (*n == 0)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "signs %s with view %s leaves nothing to ask%s", spec, view->name,
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

/* What the run records of its settings: the ask loop's choices that shape the answers,
 * and the engine's own. Resuming compares them as JSON values, not as text. */
static char *settings_json(const Ctx *c, const char *prompts)
{
    const SemioAskSettings *set = c->set;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "engine", json_object_new_string(c->cls->name));
    json_object_object_add(j, "signs", json_object_new_string(set->signs));
    json_object_object_add(j, "segments", json_object_new_string(c->rep->segments));
    if (c->cls->reads_text)
        json_object_object_add(j, "prompts", json_object_new_string(prompts));
    if (c->view->input & SEMIO_INPUT_SIGNALS) {
        json_object_object_add(j, "keypoints",
                               set->keypoints ? json_object_new_string(set->keypoints) : NULL);
    } else {
        json_object_object_add(j, "view", json_object_new_string(c->view->name));
        json_object_object_add(j, "denoised", json_object_new_boolean(set->denoised));
        json_object_object_add(j, "with_transcript", json_object_new_boolean(set->with_transcript));
        json_object_object_add(j, "sampling", json_object_new_string(c->rep->sampling));
    }
    char model[512], endpoints[4096];
    c->cls->describe(c->settings, j, model, sizeof(model), endpoints, sizeof(endpoints));
    char *out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return out;
}

/* Creates a set's run, or checks that an existing one was made with the same settings. */
static int open_run(Ctx *c, RunSet *rs)
{
    SemioStudy *s = c->s;
    const char *prompts = rs->fingerprint;
    char *settings = settings_json(c, prompts);
    if (!settings)
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, settings_json FROM runs WHERE name = ?", c->err);
    if (r == 0) {
        sqlite3_bind_text(st, 1, rs->name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            rs->run = sqlite3_column_int64(st, 0);
            if (!semio_db_same_json((const char *)sqlite3_column_text(st, 1), settings))
                r = semio_fail(c->err, SEMIO_ERR_CONFLICT,
                               "%s: run '%s' was started with other settings (%s); resume it "
                               "with the same ones or name a new run", s->path, rs->name,
                               (const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
    }
    if (r == 0 && !rs->run && !c->set->dry_run) {
        char model[512], endpoints[4096], now[32];
        json_object *scratch = json_object_new_object();
        c->cls->describe(c->settings, scratch, model, sizeof(model), endpoints,
                         sizeof(endpoints));
        json_object_put(scratch);
        if ((r = semio_db_prepare(s, &st, "INSERT INTO runs(name, engine, model, base_urls, view, "
                                          "segment_set, sampling, prompt_set, settings_json, "
                                          "version, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                  c->err)) == 0) {
            const char *v[11] = { rs->name, c->cls->name, model, endpoints, c->view->name,
                                  c->rep->segments, c->rep->sampling, prompts, settings,
                                  semio_version(), semio_db_now(now) };
            for (int i = 0; i < 11; i++)
                sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
            r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, c->err, "cannot create run");
            sqlite3_finalize(st);
            rs->run = sqlite3_last_insert_rowid(s->db);
        }
    }
    free(settings);
    return r;
}

/* Every set's run, in one transaction: two processes starting the same runs make them
 * once, and one run refused (other settings) leaves none of the others made. */
static int open_runs(Ctx *c)
{
    int r = c->set->dry_run ? 0 : semio_db_begin(c->s, c->err);
    for (size_t i = 0; i < c->nsets && r == 0; i++)
        r = open_run(c, &c->sets[i]);
    if (!c->set->dry_run) {
        if (r == 0)
            r = semio_db_commit(c->s, c->err);
        if (r < 0)
            semio_db_rollback(c->s);
    }
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
    return semio_db_exists(q);
}

/* Qwen2.5-VL's count: one token per 28x28 patch after rounding to multiples of 28. */
static int64_t image_tokens(int w, int h)
{
    int64_t pw = lround(w / 28.0), ph = lround(h / 28.0);
    return (pw < 1 ? 1 : pw) * (ph < 1 ? 1 : ph);
}

static void on_answer(void *user, const SemioCompletion *c)
{
    Worker *x = user;
    Pending *p = c->user;
    int64_t segment = p->segment;
    /* Credentials refused: no question will fare better, and a stored failure would keep
     * the corrected run from asking it again. Nothing is stored; the run stops. */
    if (!c->ok && (c->http_status == 401 || c->http_status == 403)) {
        if (!x->fatal)
            x->fatal = semio_fail(x->err, SEMIO_ERR_REFUSED, "%s: the server refused the "
                                  "request (HTTP %d): check the API key (its environment "
                                  "variable) and any credentials in the URL; nothing was "
                                  "stored for the refused questions", x->s->path,
                                  c->http_status);
        unlink_pending(x, p);
        settle(x, segment);
        return;
    }
    /* A server that cannot do what every question asks (the model is not there, it takes
     * no pictures or no sound): the same path, naming the server and its words. */
    if (!c->ok && c->stop_run) {
        if (!x->fatal)
            x->fatal = semio_fail(x->err, SEMIO_ERR_REFUSED, "%s: %s; the run stops: no "
                                  "other question would fare better. Nothing was stored for "
                                  "the refused questions: fix the server or the run's "
                                  "settings and ask again", x->s->path, c->error);
        unlink_pending(x, p);
        settle(x, segment);
        return;
    }
    /* One row, one commit (autocommit): a crash keeps every answer that arrived. */
    if (semio_store_answer(x->insert, p->q->rs->run, p->video, p->segment, p->q->sign->id,
                           p->view, p->hash, c) < 0 && !x->fatal)
        x->fatal = semio_db_fail(x->s, x->err, "cannot store an answer");
    c->ok ? x->rep.answered++ : x->rep.failed++;
    if (c->prompt_tokens >= 0 && c->cached_tokens >= 0) {
        x->rep.cached_tokens += c->cached_tokens;
        x->rep.reported_tokens += c->prompt_tokens;
    }
    unlink_pending(x, p);
    settle(x, segment);
    pthread_mutex_lock(&x->w->lock);
    x->c->handled++;
    pthread_mutex_unlock(&x->w->lock);
}

/* The statements every engine's loop uses: "is this answered?" and "store an answer". */
static int prepare_answers(SemioStudy *s, sqlite3_stmt **done_q, sqlite3_stmt **insert,
                           SemioError *err)
{
    int r = semio_db_prepare(s, done_q, "SELECT 1 FROM answers WHERE run_id = ? AND "
                                        "segment_id = ? AND sign = ? AND view = ? AND "
                                        "prompt_hash = ?", err);
    if (r == 0)
        r = semio_answers_prepare_insert(s, insert, err);
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

static uint64_t affinity(int64_t segment, const char *view)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)segment;
    for (const char *c = view; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ULL;
    return h * 0x9e3779b97f4a7c15ULL >> 1;
}

/* Counts what a window's questions send: --dry-run's figures. */
static void count_sent(SemioAskReport *rep, const WindowMedia *f, size_t questions)
{
    int64_t bytes = (int64_t)(f->wav_size + 2) / 3 * 4, tokens = 0;
    for (size_t i = 0; i < f->n; i++) {
        bytes += (int64_t)(f->parts[i].size + 2) / 3 * 4;
        tokens += image_tokens(f->width, f->height);
    }
    rep->requests += (int64_t)questions;
    rep->bytes += bytes * (int64_t)questions;
    rep->images += (int64_t)(f->n * questions);
    rep->image_tokens += tokens * (int64_t)questions;
}

static void report_progress(Worker *k)
{
    const Ctx *c = k->c;
    pthread_mutex_lock(&k->w->lock);
    if (c->set->progress)
        c->set->progress(c->set->progress_user, "ask", c->handled, c->rep->planned, NULL);
    pthread_mutex_unlock(&k->w->lock);
}

/* Collects completions until at most `left` questions are pending, or a stop is asked
 * for: then what is in flight is abandoned, and what was stored stays. */
static int drain(Worker *k, SemioEngine *engine, size_t left)
{
    int r = 0;
    while (r == 0 && engine && semio_engine_pending(engine) > left && !stopping(k)) {
        int w = semio_engine_wait(engine, on_answer, k, k->err);
        r = w < 0 ? w : k->fatal;
        report_progress(k);
    }
    return r;
}

/* A window's planned question: its text (with the transcript, its own copy) and hash. */
typedef struct Planned {
    const Question *q;
    char *own_text;
    char hash[65];
} Planned;

static void free_plan(Planned *plan, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(plan[i].own_text);
}

/* The text asked, by its hash, so a reviewer reads the question as it was sent. */
static int keep_prompt(Worker *k, const char *hash, const char *text)
{
    if (!k->keep_prompt)
        return 0;
    sqlite3_reset(k->keep_prompt);
    sqlite3_bind_text(k->keep_prompt, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->keep_prompt, 2, text, -1, SQLITE_STATIC);
    int r = sqlite3_step(k->keep_prompt) == SQLITE_DONE
        ? 0 : semio_db_fail(k->s, k->err, "cannot store a prompt's text");
    sqlite3_reset(k->keep_prompt);
    return r;
}

/* The window's questions that have no answer yet; the others count as done before. */
static int plan_window(Worker *k, int64_t segment, const char *view, const char *transcript,
                       Planned *plan, size_t *n)
{
    Ctx *c = k->c;
    *n = 0;
    for (size_t i = 0; i < c->nq; i++) {
        const Question *q = &c->qs[i];
        Planned p = { q, NULL, "" };
        if (transcript) {
            if (!(p.own_text = semio_window_question(q->text, transcript)))
                return semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
            semio_text_hash(p.own_text, p.hash);
        } else {
            memcpy(p.hash, q->hash, sizeof(p.hash));
        }
        if (q->rs->run && answered(k->done_q, q->rs->run, segment, q->sign->id, view, p.hash)) {
            free(p.own_text);
            k->rep.done_before++;
            pthread_mutex_lock(&k->w->lock);
            k->c->handled++;
            pthread_mutex_unlock(&k->w->lock);
            continue;
        }
        plan[(*n)++] = p;
    }
    return 0;
}

/* Hands a window's planned questions to the engine; their answers come back to on_answer. */
static int submit_window(Worker *k, SemioEngine *engine, const Segment *g, const char *view,
                         const WindowInputs *in, const Planned *plan, size_t n)
{
    const Ctx *c = k->c;
    SemioQuestion *qv = calloc(n, sizeof(*qv));
    if (!qv)
        return semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        Pending *p = malloc(sizeof(*p));
        if (!p) {
            r = semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        *p = (Pending){ NULL, k->live, g->id, g->video, plan[i].q, "", view };
        memcpy(p->hash, plan[i].hash, sizeof(p->hash));
        if (k->live)
            k->live->prev = p;
        k->live = p;
        qv[i] = (SemioQuestion){ plan[i].q->sign,
                                 plan[i].own_text ? plan[i].own_text : plan[i].q->text, p };
        r = keep_prompt(k, plan[i].hash, qv[i].text);
    }
    const WindowMedia *f = &in->media;
    SemioWindow w = { .images = f->parts, .nimages = f->n, .wav = f->wav, .wav_size = f->wav_size,
                      .signals = (c->view->input & SEMIO_INPUT_SIGNALS) ? &in->signals.sig : NULL,
                      .affinity = affinity(g->id, c->view_name), .questions = qv,
                      .nquestions = n };
    if (r == 0)
        r = semio_engine_submit(engine, &w, k->err);
    free(qv);
    return r;
}

/* Checks the settings against the engine and the view before anything is stored. */
static int check_settings(Ctx *c)
{
    const SemioAskSettings *set = c->set;
    if (semio_run_name_check(set->run, c->err) < 0)
        return SEMIO_ERR_INVALID;
    if (!(c->cls = semio_engine_find(set->engine, c->err)))
        return SEMIO_ERR_INVALID;
    const char *name = set->view ? set->view : c->cls->default_view;
    if (!(c->view = semio_view_find(name)))
        return semio_fail(c->err, SEMIO_ERR_INVALID, "ask: no view '%s' (%s)", name,
                          semio_view_names());
    if (!(c->view->input & c->cls->inputs)) {
        const SemioViewSpec *own = semio_view_find(c->cls->default_view);
        return semio_fail(c->err, SEMIO_ERR_INVALID, "ask: the %s engine cannot take the %s "
                          "view (%s); it takes %s", c->cls->name, name,
                          c->view->input & SEMIO_INPUT_SIGNALS ? "measured signals"
                          : c->view->input & SEMIO_INPUT_AUDIO ? "sound" : "pictures",
                          own ? own->name : c->cls->default_view);
    }
    int audio = (c->view->input & SEMIO_INPUT_AUDIO) != 0;
    if (set->fallback_raw && strcmp(c->view->name, "face"))
        return semio_fail(c->err, SEMIO_ERR_INVALID, "ask: the raw fallback goes with the face view");
    if ((set->denoised || set->with_transcript) && !audio)
        return semio_fail(c->err, SEMIO_ERR_INVALID, "ask: denoised sound and the transcript go "
                          "with the audio view");
    c->audio_kind = set->denoised ? "denoise" : "audio";
    c->view_name = !audio ? c->view->name
                 : set->with_transcript ? (set->denoised ? "audio-denoised+text" : "audio+text")
                 : set->denoised ? "audio-denoised" : "audio";
    if (!(c->settings = set->engine_settings)) {
        if (!c->cls->default_settings)
            return semio_fail(c->err, SEMIO_ERR_INVALID, "ask: the %s engine needs its settings",
                              c->cls->name);
        if (!(c->settings = c->own_settings = c->cls->default_settings()))
            return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* The stem that names a set's run: a built-in set's name, a file's name less .tsv. */
static void set_stem(const char *spec, char *stem, size_t size)
{
    const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
    size_t n = strlen(base);
    if (n >= 4 && !strcmp(base + n - 4, ".tsv"))
        n -= 4;
    snprintf(stem, size, "%.*s", (int)n, base);
}

/* The prompt sets of --prompts (a comma list of built-in names and files; NULL: the
 * default) and their runs' names: RUN with one set, as ever; RUN-STEM each with several. */
static int make_sets(Ctx *c, char *list)
{
    char *items[16];
    size_t n = list ? semio_list_split(list, items, 16) : 1;
    if (n > 16)
        return semio_fail(c->err, SEMIO_ERR_INVALID, "prompts: at most 16 sets at once");
    if (n == 0 || (list && n == 1 && !*items[0]))
        return semio_fail(c->err, SEMIO_ERR_INVALID, "prompts: no set named (a built-in set's "
                          "name or a file)");
    if (!list)
        items[0] = NULL;
    if (n > 1 && !c->cls->reads_text)
        return semio_fail(c->err, SEMIO_ERR_INVALID, "prompts: the %s engine reads no "
                          "questions: several prompt sets make no sense for it", c->cls->name);
    if (!(c->sets = calloc(n, sizeof(*c->sets))))
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    c->nsets = n;
    for (size_t i = 0; i < n; i++) {
        RunSet *rs = &c->sets[i];
        rs->spec = items[i];
        if (n == 1) {
            snprintf(rs->name, sizeof(rs->name), "%s", c->set->run);
            continue;
        }
        if (!*items[i])
            return semio_fail(c->err, SEMIO_ERR_INVALID, "prompts: an empty item in '%s'",
                              c->set->prompts);
        set_stem(items[i], rs->stem, sizeof(rs->stem));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->sets[j].stem, rs->stem))
                return semio_fail(c->err, SEMIO_ERR_INVALID, "prompts: %s and %s would both "
                                  "make run '%s-%s': give the files different names",
                                  c->sets[j].spec, items[i], c->set->run, rs->stem);
        if (semio_path(c->err, rs->name, sizeof(rs->name), "%s-%s", c->set->run, rs->stem) < 0 ||
            semio_run_name_check(rs->name, c->err) < 0)
            return SEMIO_ERR_INVALID;
    }
    return 0;
}

/* The questions: every set's text per sign, a sign's paraphrases one after another, or
 * for an engine that reads no text its fingerprint, which then names the run's "prompts"
 * and identifies its answers. */
static int make_questions(Ctx *c, const SemioSignSet *cat, Question **out, size_t *nq)
{
    const SemioSign *chosen[256];
    size_t nsigns;
    int r = choose_signs(cat, c->set->signs ? c->set->signs : "all", c->view, chosen, &nsigns,
                         &c->rep->signs_skipped, c->err);
    for (size_t i = 0; i < c->nsets && r == 0; i++) {
        RunSet *rs = &c->sets[i];
        if (!c->cls->reads_text) {
            c->cls->fingerprint(c->settings, rs->fingerprint, sizeof(rs->fingerprint));
        } else if ((r = semio_prompts_open(&rs->ps, rs->spec, c->err)) == 0) {
            snprintf(rs->fingerprint, sizeof(rs->fingerprint), "%s", semio_prompts_name(rs->ps));
        }
    }
    if (r < 0)
        return r;
    Question *qs = calloc(nsigns * c->nsets, sizeof(*qs));
    if (!qs)
        return semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
    *out = qs;
    *nq = 0;
    for (size_t i = 0; i < nsigns; i++)
        for (size_t j = 0; j < c->nsets; j++) {
            Question *q = &qs[(*nq)++];
            RunSet *rs = &c->sets[j];
            q->sign = chosen[i];
            q->rs = rs;
            q->text = rs->ps ? semio_prompt_text(rs->ps, chosen[i], c->err) : rs->fingerprint;
            if (!q->text)
                return c->err ? c->err->code : SEMIO_ERR_NOT_FOUND;
            semio_text_hash(q->text, q->hash);
        }
    return 0;
}

/* The segments asked about, in order: one segment's questions go out together. */
static int list_segments(Ctx *c, int64_t set_id, Segment **out, size_t *n)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(c->s, &st, c->view->sampled
        ? "SELECT g.id, g.video_id FROM segments g JOIN samples x "
          "ON x.segment_id = g.id AND x.sampling_id = ?1 WHERE "
          "g.set_id = ?2 AND x.written > 0 ORDER BY g.video_id, g.start_s"
        : "SELECT g.id, g.video_id FROM segments g JOIN videos v ON v.id = g.video_id WHERE "
          "g.set_id = ?2 AND v.status = 'ok' ORDER BY g.video_id, g.start_s", c->err);
    if (r < 0)
        return r;
    if (c->view->sampled)
        sqlite3_bind_int64(st, 1, c->sampling);
    sqlite3_bind_int64(st, 2, set_id);
    size_t cap = 0;
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            Segment *ns = realloc(*out, (cap = cap ? 2 * cap : 256) * sizeof(*ns));
            if (!ns) {
                r = semio_fail(c->err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *out = ns;
        }
        (*out)[(*n)++] = (Segment){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1) };
    }
    sqlite3_finalize(st);
    return r;
}

/* The sampling whose frames are sent (named, or the newest made on the segment set). */
static int find_sampling(Ctx *c, int64_t set_id)
{
    const SemioAskSettings *set = c->set;
    SemioAskReport *rep = c->rep;
    if (c->view->input & SEMIO_INPUT_AUDIO) {
        snprintf(rep->sampling, sizeof(rep->sampling), "%s", c->audio_kind);
        return 0;
    }
    if (!c->view->sampled)
        return 0;
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT m.id, m.key FROM samplings m JOIN samples x ON "
             "x.sampling_id = m.id JOIN segments g ON g.id = x.segment_id WHERE g.set_id = %lld "
             "%s ORDER BY x.sampled_at DESC, m.id DESC LIMIT 1", (long long)set_id,
             set->sampling ? "AND m.key = ?" : "");
    if (one_text(c->s, sql, set->sampling, rep->sampling, sizeof(rep->sampling), &c->sampling) <= 0)
        return semio_fail(c->err, SEMIO_ERR_NOT_FOUND, "%s: segment set '%s' has no sampled "
                          "frames%s%s: run semio sample", c->s->path, rep->segments,
                          set->sampling ? " with sampling " : "",
                          set->sampling ? set->sampling : "");
    return 0;
}

/* Claims a window for this worker: 0 and *got, or an error. Another worker's window is
 * left to it, its questions counted as asked elsewhere. */
static int claim_window(Worker *k, const Segment *g, const char *view_name, int *got)
{
    Claimed *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
    /* one claim for the window across every run asked together ("ask 3+4+5 s12 face") */
    char runs[96] = "";
    for (size_t i = 0; i < k->c->nsets; i++)
        snprintf(runs + strlen(runs), sizeof(runs) - strlen(runs), "%s%lld", i ? "+" : "",
                 (long long)k->c->sets[i].run);
    snprintf(cl->what, sizeof(cl->what), "ask %s s%lld %s", runs, (long long)g->id, view_name);
    int r = semio_claim(k->s, cl->what, got, k->err);
    if (r < 0 || !*got) {
        free(cl);
        k->rep.elsewhere += r < 0 ? 0 : (int64_t)k->c->nq;
        return r;
    }
    cl->segment = g->id;
    cl->next = k->claims;
    k->claims = cl;
    return 0;
}

/* Frees the window just claimed: it needs nothing asked. */
static int unclaim_window(Worker *k)
{
    Claimed *cl = k->claims;
    k->claims = cl->next;
    int r = semio_claim_release(k->s, cl->what, k->err);
    free(cl);
    return r;
}

/* Asks one window what it lacks. */
static int ask_window(Worker *k, SemioEngine *engine, const Segment *g, WindowInputs *in,
                      Planned *plan, size_t ahead)
{
    const Ctx *c = k->c;
    const SemioAskSettings *set = c->set;
    char *transcript = set->with_transcript ? semio_window_transcript(k->s, g->id,
                                                                      c->audio_kind) : NULL;
    if (set->with_transcript && !transcript) {
        k->rep.no_view += (int64_t)c->nq; /* not transcribed (semio transcribe) */
        return 0;
    }
    /* a window without a face view is asked on its raw frames only when allowed; its
     * answers say so in their view */
    const SemioViewSpec *view = c->view;
    const char *view_name = c->view_name;
    if (set->fallback_raw && !semio_window_has_view(k->s, g->id, "face")) {
        view = semio_view_find("raw");
        view_name = "face>raw";
    }
    int got = 1, r = set->dry_run ? 0 : claim_window(k, g, view_name, &got);
    size_t n = 0;
    if (r == 0 && got)
        r = plan_window(k, g->id, view_name, transcript, plan, &n);
    free(transcript);
    if (r < 0 || !got)
        return r;
    if (!n)
        return set->dry_run ? 0 : unclaim_window(k);
    int present = 1;
    if (!(set->dry_run && (view->input & SEMIO_INPUT_SIGNALS)))
        r = semio_window_load(k->s, g->id, view, &c->source, in, &present, k->err);
    if (r == 0 && !present) {
        k->rep.no_view += (int64_t)n;
        if (!set->dry_run)
            r = unclaim_window(k);
    } else if (r == 0) {
        count_sent(&k->rep, &in->media, n);
        if (!set->dry_run) {
            k->claims->left = n;
            k->rep.prefix_shared += (int64_t)n - 1; /* after the first, the images are there */
            if ((r = submit_window(k, engine, g, view_name, in, plan, n)) == 0)
                r = drain(k, engine, ahead ? ahead - 1 : 0);
        }
    }
    free_plan(plan, n);
    return r;
}

static void add_report(SemioAskReport *to, const SemioAskReport *r)
{
    to->done_before += r->done_before;
    to->answered += r->answered;
    to->failed += r->failed;
    to->requests += r->requests;
    to->images += r->images;
    to->bytes += r->bytes;
    to->image_tokens += r->image_tokens;
    to->no_view += r->no_view;
    to->elsewhere += r->elsewhere;
    to->cached_tokens += r->cached_tokens;
    to->reported_tokens += r->reported_tokens;
    to->prefix_shared += r->prefix_shared;
}

/* A worker: its own connection's statements and engine, windows taken a recording at a
 * time, each window's questions asked together. */
static int ask_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    Ctx *c = user;
    Worker k = { .c = c, .w = w, .s = s, .err = err };
    SemioEngine *engine = NULL;
    WindowInputs in = { 0 };
    Planned *plan = calloc(c->nq, sizeof(*plan));
    int r = plan ? prepare_answers(s, &k.done_q, &k.insert, err)
                 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && c->sets[0].run)
        r = semio_db_prepare(s, &k.keep_prompt, "INSERT INTO prompts(hash, text) VALUES (?, ?) "
                                                "ON CONFLICT DO NOTHING", err);
    /* the first worker takes the engine opened to check the settings */
    pthread_mutex_lock(&w->lock);
    engine = c->first;
    c->first = NULL;
    pthread_mutex_unlock(&w->lock);
    if (r == 0 && !engine && !c->set->dry_run)
        r = semio_engine_open(&engine, c->set->engine, c->settings, err);
    size_t ahead = engine ? 2 * semio_engine_capacity(engine) : 0; /* two rounds built ahead */
    for (size_t a, b;
         r == 0 && workers_take(w, &c->next, c->segs, c->nseg, sizeof(Segment), &a, &b);)
        for (size_t i = a; i < b && r == 0 && !stopping(&k); i++)
            r = ask_window(&k, engine, &c->segs[i], &in, plan, ahead);
    if (r == 0)
        r = drain(&k, engine, 0);
    if (r == 0 && stopping(&k))
        r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
    semio_engine_close(&engine); /* abandons what is still in flight */
    while (k.live)
        unlink_pending(&k, k.live);
    while (k.claims) { /* released with the connection too; here for the caller's own */
        Claimed *cl = k.claims;
        k.claims = cl->next;
        semio_claim_release(s, cl->what, NULL);
        free(cl);
    }
    semio_window_close(&in);
    sqlite3_finalize(k.done_q);
    sqlite3_finalize(k.insert);
    sqlite3_finalize(k.keep_prompt);
    free(plan);
    pthread_mutex_lock(&w->lock);
    add_report(c->rep, &k.rep);
    pthread_mutex_unlock(&w->lock);
    return r;
}

/* The runs' names for the report: "R" or "R-plain, R-clinical". */
static void name_runs(const Ctx *c, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < c->nsets; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? ", " : "", c->sets[i].name);
}

int semio_ask(SemioStudy *s, const SemioAskSettings *set, SemioAskReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    Ctx c = { .s = s, .set = set, .rep = rep, .err = err };
    SemioSignSet *cat = NULL;
    Question *qs = NULL;
    char *list = set->prompts ? strdup(set->prompts) : NULL;
    int64_t set_id = 0;
    int r = set->prompts && !list ? semio_fail(err, SEMIO_ERR_NOMEM, "out of memory")
                                  : check_settings(&c);
    if (r == 0)
        r = make_sets(&c, list);
    if (r == 0)
        r = semio_signs_open(&cat, NULL, err);
    if (r == 0)
        r = make_questions(&c, cat, &qs, &c.nq);
    c.qs = qs;
    if (r == 0)
        name_runs(&c, rep->runs, sizeof(rep->runs));
    if (r == 0)
        r = find_segment_set(s, set, rep, &set_id, err);
    if (r == 0)
        r = find_sampling(&c, set_id);
    /* the engine checks its settings before the run is stored: a refused command leaves
     * no run behind to refuse the corrected one */
    if (r == 0 && !set->dry_run)
        r = semio_engine_open(&c.first, set->engine, c.settings, err);
    if (r == 0)
        r = open_runs(&c);
    if (r == 0)
        r = list_segments(&c, set_id, &c.segs, &c.nseg);
    if (r == 0) {
        rep->planned = (int64_t)(c.nseg * c.nq);
        c.source = (WindowSource){ c.sampling, c.audio_kind, set->keypoints,
                                   (c.cls->inputs & SEMIO_INPUT_PIXELS) != 0 };
        /* an engine that measures on this machine's cores gets a worker per core; one
         * that waits on servers keeps its requests in flight from one */
        int jobs = set->jobs ? set->jobs : c.cls->cpu_bound && !set->dry_run ? 0 : 1;
        r = workers_run(s, jobs, set->stop, ask_worker, &c, err);
    }
    if (r == SEMIO_ERR_INTERRUPTED)
        r = semio_fail(err, r, "interrupted: %lld questions not asked",
                       (long long)(rep->planned - rep->done_before - rep->answered -
                                   rep->failed - rep->elsewhere));
    semio_engine_close(&c.first);
    free(c.own_settings);
    free(c.segs);
    free(qs);
    for (size_t i = 0; i < c.nsets; i++)
        semio_prompts_close(&c.sets[i].ps);
    free(c.sets);
    free(list);
    semio_signs_close(&cat);
    return r;
}
