/*
 * semio judge: a multimodal model rates the faithfulness of a run's justifications, stored
 * as a rater of kind "judge". Each answer's window goes to it as the answering run sent it
 * (the same sampling's frames, the same view of them, or the same sound) with the question
 * as it was sent; each rating is stored as it arrives, so a stopped judge resumes.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "engine/chat.h"
#include "engine/rating.h"
#include "review/review.h"
#include "semio/signs.h"
#include "stages/window.h"
#include "stages/workers.h"
#include "util/error.h"

void semio_judge_default_settings(SemioJudgeSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->only = SEMIO_REVIEW_ALL;
}

/* The run whose answers are rated, as the runs table keeps it. */
typedef struct Run {
    int64_t id;
    char engine[64], view[64], sampling[128], prompts[PATH_MAX], source[PATH_MAX];
} Run;

/* How an answer's view was sent: which view's files, which sound, how the judge is told. */
typedef struct Sent {
    const SemioViewSpec *spec;
    const char *audio_kind;
    SemioRatingMedia media;
} Sent;

/* One answer to rate. */
typedef struct Item {
    ReviewKey key;
    Sent sent;
    char answer[4];
    double onset_s;
    char *justification, *question;
    char *problem;           /* why it cannot be sent (no question text); failed at its turn */
    char what[400];          /* "RECORDING 0:04-0:08 SIGN", for progress and failures */
} Item;

typedef struct Ctx {
    SemioStudy *s;
    const SemioJudgeSettings *set;
    SemioOpenAISettings engine; /* the caller's, stopped by the judge's flag too */
    SemioJudgeReport *rep;
    SemioProgressFn progress;
    void *user;
    const Run *run;
    int64_t rater, sampling;
    Item *items;
    size_t n, next;
    int replicas;            /* handed out one per worker */
    int64_t handled;
} Ctx;

/* ---- what the answers were sent ------------------------------------------------------ */

/* The view an answer records (ask's names: raw, pose, face, face>raw, audio[-denoised][+text])
 * as the files and sound sent; -1 for answers made from no pictures or sound. */
static int sent_of(const char *view, Sent *out)
{
    if (!strcmp(view, "raw") || !strcmp(view, "face>raw"))
        *out = (Sent){ semio_view_find("raw"), NULL, SEMIO_RATING_FRAMES };
    else if (!strcmp(view, "pose"))
        *out = (Sent){ semio_view_find("pose"), NULL, SEMIO_RATING_POSE };
    else if (!strcmp(view, "face"))
        *out = (Sent){ semio_view_find("face"), NULL, SEMIO_RATING_FACE };
    else if (!strncmp(view, "audio", 5))
        *out = (Sent){ semio_view_find("audio"),
                       !strncmp(view, "audio-denoised", 14) ? "denoise" : "audio",
                       SEMIO_RATING_SOUND };
    else
        return -1;
    return out->spec ? 0 : -1;
}

static void column_text(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* The run, and whether what it answered from can be shown again. */
static int load_run(SemioStudy *s, const char *name, Run *run, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, engine, view, sampling, prompt_set, source "
                                     "FROM runs WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        run->id = sqlite3_column_int64(st, 0);
        column_text(st, 1, run->engine, sizeof(run->engine));
        column_text(st, 2, run->view, sizeof(run->view));
        column_text(st, 3, run->sampling, sizeof(run->sampling));
        column_text(st, 4, run->prompts, sizeof(run->prompts));
        column_text(st, 5, run->source, sizeof(run->source));
    }
    sqlite3_finalize(st);
    Sent sent;
    if (!found)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s'", s->path, name);
    if (!strcmp(run->engine, "import"))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: run '%s' was imported (%s): its answers "
                          "were not made here, so there are no frames they were made from to "
                          "show a judge", s->path, name, run->source);
    if (sent_of(run->view, &sent) < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: run '%s' answered from %s (the %s "
                          "engine, view %s), not from pictures or sound a judge could be shown",
                          s->path, name, !strcmp(run->view, "signals") ? "measured signals"
                          : "no pictures or sound", run->engine, run->view);
    return 0;
}

/* The signs asked for, as a JSON array of ids (NULL: all): ids and groups of the catalog. */
static int signs_json(SemioStudy *s, const char *list, json_object **out, SemioError *err)
{
    *out = NULL;
    if (!list)
        return 0;
    SemioSignSet *cat;
    int r = semio_signs_open(&cat, NULL, err);
    if (r < 0)
        return r;
    json_object *asked = review_list_json(list), *ids = json_object_new_array();
    int all = 0;
    for (size_t i = 0; r == 0 && i < json_object_array_length(asked); i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(asked, i));
        int matched = !strcmp(name, "all");
        all |= matched;
        for (size_t g = 0; g < semio_signs_count(cat); g++) {
            const SemioSign *sign = semio_signs_get(cat, g);
            if (!strcmp(name, sign->id) || !strcmp(name, sign->group)) {
                json_object_array_add(ids, json_object_new_string(sign->id));
                matched = 1;
            }
        }
        if (!matched)
            r = semio_fail(err, SEMIO_ERR_INVALID, "%s: signs: '%s' is neither a sign of the "
                           "catalog nor all, limb, facial or audio", s->path, name);
    }
    if (r == 0 && !json_object_array_length(asked))
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: signs: the list is empty", s->path);
    json_object_put(asked);
    semio_signs_close(&cat);
    if (r < 0 || all)
        json_object_put(ids);
    else
        *out = ids;
    return r;
}

/* The judge already in the study under `name`, if any (*id 0 when none): a human of that
 * name, or a judge that rated with another model, is a conflict, so no ratings mix. */
static int find_rater(SemioStudy *s, const char *name, const char *model, int64_t *id,
                      SemioError *err)
{
    *id = 0;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, kind, ifnull(model, '') FROM raters WHERE "
                                     "name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *had = (const char *)sqlite3_column_text(st, 2);
        if (strcmp(kind, "judge"))
            r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: '%s' is a human rater: name the judge "
                           "otherwise", s->path, name);
        else if (strcmp(had, model))
            r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: the judge '%s' rated with the model "
                           "'%s', not '%s': name this one otherwise", s->path, name, had, model);
        else
            *id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return r;
}

/* ---- the answers to rate -------------------------------------------------------------- */

static void free_items(Item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].justification);
        free(items[i].question);
        free(items[i].problem);
    }
    free(items);
}

static void clock_text(double t, char *out, size_t size)
{
    int s = (int)lround(t);
    snprintf(out, size, "%d:%02d", s / 60, s % 60);
}

/* The question as it was sent: kept by its hash since schema 7; in older studies made
 * again from the run's prompt set (and the window's transcript), when its hash agrees. */
typedef struct Questions {
    sqlite3_stmt *kept;
    SemioPromptSet *ps;
    SemioSignSet *cat;
    int tried;               /* the prompt set was opened, or could not be */
} Questions;

static char *made_again(SemioStudy *s, const Run *run, Questions *q, const Item *it)
{
    if (!q->tried) {
        q->tried = 1;
        const char *path = strcmp(run->prompts, "built-in") ? run->prompts : NULL;
        if (!*run->prompts || semio_prompts_open(&q->ps, path, NULL) < 0 ||
            semio_signs_open(&q->cat, NULL, NULL) < 0)
            semio_prompts_close(&q->ps);
    }
    const SemioSign *sign = q->ps ? semio_signs_find(q->cat, it->key.sign) : NULL;
    const char *text = sign ? semio_prompt_text(q->ps, sign, NULL) : NULL;
    if (!text)
        return NULL;
    char *full = NULL, hash[65];
    if (strstr(it->key.view, "+text")) {
        char *said = semio_window_transcript(s, it->key.segment, it->sent.audio_kind);
        full = said ? semio_window_question(text, said) : NULL;
        free(said);
    } else {
        full = strdup(text);
    }
    if (full)
        semio_text_hash(full, hash);
    if (full && strcmp(hash, it->key.hash)) {
        free(full);
        full = NULL;
    }
    return full;
}

static int find_question(SemioStudy *s, const Run *run, Questions *q, Item *it,
                         SemioError *err)
{
    sqlite3_reset(q->kept);
    sqlite3_bind_text(q->kept, 1, it->key.hash, -1, SQLITE_STATIC);
    if (sqlite3_step(q->kept) == SQLITE_ROW)
        it->question = strdup((const char *)sqlite3_column_text(q->kept, 0));
    else
        it->question = made_again(s, run, q, it);
    sqlite3_reset(q->kept);
    if (!it->question &&
        asprintf(&it->problem, "question text not kept: the study has no text for its prompt "
                 "%.12s (asked before semio kept them), and the run's prompt set (%s) gives "
                 "another", it->key.hash, *run->prompts ? run->prompts : "none") < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return 0;
}

/* Reads one answer into an item; *keep 0 when this judge rated it already. */
static int load_item(Ctx *c, sqlite3_stmt *get, sqlite3_stmt *rated, Questions *q,
                     int64_t rowid, Item *it, int *keep, SemioError *err)
{
    SemioStudy *s = c->s;
    *keep = 0;
    sqlite3_reset(get);
    sqlite3_bind_int64(get, 1, rowid);
    if (sqlite3_step(get) != SQLITE_ROW)
        return semio_db_fail(s, err, "cannot read an answer to rate");
    memset(it, 0, sizeof(*it));
    it->key.run = c->run->id;
    it->key.video = sqlite3_column_int64(get, 0);
    it->key.segment = sqlite3_column_int64(get, 1);
    column_text(get, 2, it->key.sign, sizeof(it->key.sign));
    column_text(get, 3, it->key.view, sizeof(it->key.view));
    column_text(get, 4, it->key.hash, sizeof(it->key.hash));
    column_text(get, 5, it->answer, sizeof(it->answer));
    it->onset_s = sqlite3_column_type(get, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(get, 7);
    char from[16], to[16];
    clock_text(sqlite3_column_double(get, 9), from, sizeof(from));
    clock_text(sqlite3_column_double(get, 10), to, sizeof(to));
    snprintf(it->what, sizeof(it->what), "%s %s-%s %s", (const char *)sqlite3_column_text(get, 8),
             from, to, it->key.sign);
    if (!(it->justification = strdup((const char *)sqlite3_column_text(get, 6))))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    sqlite3_reset(get);
    if (c->rater && !c->set->redo) {
        sqlite3_reset(rated);
        sqlite3_bind_int64(rated, 1, c->rater);
        review_bind_key(rated, 2, &it->key);
        if (semio_db_exists(rated)) {
            c->rep->done_before++;
            free(it->justification);
            return 0;
        }
    }
    *keep = 1;
    if (sent_of(it->key.view, &it->sent) < 0)
        return asprintf(&it->problem, "its view '%s' sent no pictures or sound", it->key.view)
                   < 0 ? semio_fail(err, SEMIO_ERR_NOMEM, "out of memory") : 0;
    return find_question(s, c->run, q, it, err);
}

/* The answers to rate, read whole before anything is written: the run's that qualify,
 * `limit` of them drawn as a review round draws, less those this judge rated already. */
static int load_items(Ctx *c, json_object *signs, SemioError *err)
{
    SemioStudy *s = c->s;
    json_object *runs = json_object_new_array();
    json_object_array_add(runs, json_object_new_string(c->set->run));
    int64_t *ids = NULL;
    size_t n = 0;
    int r = review_candidates(s, runs, signs, c->set->only, &ids, &n, err);
    json_object_put(runs);
    if (r == 0)
        r = review_draw(ids, &n, c->set->limit > 0 ? (size_t)c->set->limit : 0, 1, err);
    c->rep->qualified = (int)n;
    sqlite3_stmt *get = NULL, *rated = NULL;
    Questions q = { 0 };
    if (r == 0)
        r = semio_db_prepare(s, &get, "SELECT a.video_id, a.segment_id, a.sign, a.view, "
                                      "a.prompt_hash, a.answer, a.justification, a.onset_s, "
                                      "v.file_name, g.start_s, g.end_s FROM answers a JOIN "
                                      "videos v ON v.id = a.video_id JOIN segments g ON g.id = "
                                      "a.segment_id WHERE a.rowid = ?", err);
    if (r == 0)
        r = semio_db_prepare(s, &rated, "SELECT 1 FROM ratings WHERE rater_id = ?1 AND run_id "
                                        "= ?2 AND video_id = ?3 AND ifnull(segment_id, -1) = "
                                        "ifnull(?4, -1) AND sign = ?5 AND view = ?6 AND "
                                        "prompt_hash = ?7 AND score IS NOT NULL", err);
    if (r == 0)
        r = semio_db_prepare(s, &q.kept, "SELECT text FROM prompts WHERE hash = ?", err);
    if (r == 0 && n && !(c->items = calloc(n, sizeof(*c->items))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < n; i++) {
        int keep;
        r = load_item(c, get, rated, &q, ids[i], &c->items[c->n], &keep, err);
        c->n += (size_t)keep;
    }
    sqlite3_finalize(get);
    sqlite3_finalize(rated);
    sqlite3_finalize(q.kept);
    semio_prompts_close(&q.ps);
    semio_signs_close(&q.cat);
    free(ids);
    return r;
}

/* ---- rating -------------------------------------------------------------------------- */

/* One worker: its connection to the study, its client of one replica, its window loaded. */
typedef struct Worker {
    Ctx *c;
    Workers *w;
    SemioStudy *s;
    SemioChat *chat;
    WindowInputs in;
    const Item *loaded;      /* the item whose window `in` holds */
    SemioError *err;
} Worker;

/* What the judge said, kept by the check that read it. */
typedef struct Said {
    int score;
    char *reason;
} Said;

static int read_said(const char *text, void *user, char *why, size_t why_size)
{
    Said *said = user;
    free(said->reason);
    said->reason = NULL;
    return semio_rating_read(text, &said->score, &said->reason, why, why_size);
}

/* An answer done with (rated or failed): counted, said, and shown in the progress. */
static void settle(Worker *k, const Item *it, const char *failure)
{
    Ctx *c = k->c;
    pthread_mutex_lock(&k->w->lock);
    if (failure) {
        c->rep->failed++;
        if (c->set->on_error)
            c->set->on_error(c->set->error_user, it->what, failure);
    } else {
        c->rep->rated++;
    }
    c->handled++;
    if (c->progress)
        c->progress(c->user, "judge", c->handled, (int64_t)c->n, it->what);
    pthread_mutex_unlock(&k->w->lock);
}

/* The window's pictures or sound as the answer's run sent them: 0 with them loaded, 1 when
 * they are gone (why in `why`), < 0 on a fatal error. */
static int load_window(Worker *k, const Item *it, char *why, size_t size)
{
    if (k->loaded && k->loaded->key.segment == it->key.segment &&
        !strcmp(k->loaded->key.view, it->key.view))
        return 0;
    k->loaded = NULL;
    WindowSource src = { .sampling = k->c->sampling, .audio_kind = it->sent.audio_kind };
    SemioError e = { 0 };
    int present = 0;
    if (it->sent.spec->sampled && !k->c->sampling) {
        snprintf(why, size, "the run's frames (sampling %s) are no longer in the study",
                 k->c->run->sampling);
        return 1;
    }
    int r = semio_window_load(k->s, it->key.segment, it->sent.spec, &src, &k->in, &present, &e);
    if (r == SEMIO_ERR_NOMEM || r == SEMIO_ERR_DB)
        return semio_fail(k->err, r, "%s", e.message);
    if (r < 0) { /* a file of this window gone or damaged; the other windows may be fine */
        snprintf(why, size, "%s", e.message);
        return 1;
    }
    if (!present) {
        if (it->sent.spec->kind)
            snprintf(why, size, "the window has no %s view any more (semio enhance)",
                     it->sent.audio_kind ? it->sent.audio_kind : it->sent.spec->kind);
        else
            snprintf(why, size, "the window's frames (sampling %s) are no longer in the study "
                     "(semio sample)", k->c->run->sampling);
        return 1;
    }
    k->loaded = it;
    return 0;
}

/* Rates one answer: its rating stored, or a failure said; < 0 stops the judge. */
static int rate(Worker *k, const Item *it)
{
    Ctx *c = k->c;
    char why[1024];
    if (it->problem) {
        settle(k, it, it->problem);
        return 0;
    }
    int r = load_window(k, it, why, sizeof(why));
    if (r != 0) {
        if (r > 0)
            settle(k, it, why);
        return r < 0 ? r : 0;
    }
    SemioRatingItem ri = { it->sent.media, it->question, it->answer, it->justification,
                           it->onset_s };
    char *text = semio_rating_prompt(&ri);
    if (!text)
        return semio_fail(k->err, SEMIO_ERR_NOMEM, "out of memory");
    const WindowMedia *m = &k->in.media;
    int sound = it->sent.media == SEMIO_RATING_SOUND;
    SemioRequest req = { .text = text, .images = sound ? NULL : m->parts,
                         .nimages = sound ? 0 : m->n, .wav = sound ? m->wav : NULL,
                         .wav_size = sound ? m->wav_size : 0 };
    Said said = { -1, NULL };
    SemioChatResult res;
    r = semio_chat_ask(k->chat, &req, c->engine.structured ? semio_rating_format() : NULL,
                       read_said, &said, &res, k->err);
    free(text);
    if (r == 0 && res.ok) {
        ReviewRating rating = { .score = said.score, .reason = said.reason };
        if ((r = review_rate(k->s, c->rater, &it->key, &rating, k->err)) == 0)
            settle(k, it, NULL);
    } else if (r == 0 && res.stop_run) {
        r = semio_fail(k->err, res.http_status ? SEMIO_ERR_REFUSED : SEMIO_ERR_IO,
                       "judge: %s; nothing more is rated (what was rated stays)", res.error);
    } else if (r == 0) {
        settle(k, it, res.error);
    }
    free(said.reason);
    semio_chat_result_free(&res);
    return r;
}

/* The next window's answers: items[*a..*b), one window's together, so its pictures are
 * loaded once and meet the same replica's prefix cache. 0 when none is left. */
static int take(Worker *k, size_t *a, size_t *b)
{
    Ctx *c = k->c;
    pthread_mutex_lock(&k->w->lock);
    *a = c->next;
    while (c->next < c->n && c->items[c->next].key.segment == c->items[*a].key.segment)
        c->next++;
    *b = c->next;
    pthread_mutex_unlock(&k->w->lock);
    return *a < *b;
}

static int judge_worker(SemioStudy *s, Workers *w, void *user, SemioError *err)
{
    Ctx *c = user;
    Worker k = { .c = c, .w = w, .s = s, .err = err };
    pthread_mutex_lock(&w->lock);
    int replica = c->replicas++;
    pthread_mutex_unlock(&w->lock);
    int r = semio_chat_open(&k.chat, &c->engine, (size_t)replica, "judge", err);
    for (size_t a, b; r == 0 && !workers_halted(w) && take(&k, &a, &b);)
        for (size_t i = a; i < b && r == 0 && !workers_halted(w); i++)
            r = rate(&k, &c->items[i]);
    if (r == 0 && workers_halted(w))
        r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
    semio_chat_close(&k.chat);
    semio_window_close(&k.in);
    return r;
}

/* Every replica answers at all, before any answer is sent. */
static int check_servers(Ctx *c, SemioError *err)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < c->engine.nurls; i++) {
        SemioChat *chat;
        if ((r = semio_chat_open(&chat, &c->engine, i, "judge", err)) == 0)
            r = semio_chat_reachable(chat, err);
        semio_chat_close(&chat);
    }
    return r;
}

static int sampling_id(SemioStudy *s, const char *key, int64_t *id)
{
    sqlite3_stmt *st;
    *id = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM samplings WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int check_settings(const SemioJudgeSettings *set, SemioError *err)
{
    if (!set->run || !*set->run)
        return semio_fail(err, SEMIO_ERR_INVALID, "judge: which run's answers? (the run)");
    if (!set->engine)
        return semio_fail(err, SEMIO_ERR_INVALID, "judge: the judging server's settings are "
                          "required");
    if (!set->engine->model || !*set->engine->model)
        return semio_fail(err, SEMIO_ERR_INVALID, "judge: a model is required");
    if (!set->engine->nurls)
        return semio_fail(err, SEMIO_ERR_INVALID, "judge: give at least one server URL");
    if (set->limit < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "judge: the limit is 0 (all) or more");
    return 0;
}

int semio_judge(SemioStudy *s, const SemioJudgeSettings *set, SemioJudgeReport *rep,
                SemioProgressFn progress, void *user, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    int r = check_settings(set, err);
    if (r < 0)
        return r;
    Run run;
    Ctx c = { .s = s, .set = set, .engine = *set->engine, .rep = rep, .progress = progress,
              .user = user, .run = &run };
    if (!c.engine.stop)
        c.engine.stop = set->stop;
    if (set->name)
        snprintf(rep->rater, sizeof(rep->rater), "%s", set->name);
    else
        snprintf(rep->rater, sizeof(rep->rater), "judge:%s", c.engine.model);
    json_object *signs = NULL;
    int curl_ready = 0;
    if ((r = load_run(s, set->run, &run, err)) == 0)
        r = signs_json(s, set->signs, &signs, err);
    if (r == 0)
        r = find_rater(s, rep->rater, c.engine.model, &c.rater, err);
    if (r == 0 && run.sampling[0] && sampling_id(s, run.sampling, &c.sampling) < 0)
        r = semio_db_fail(s, err, "cannot find the run's sampling");
    if (r == 0)
        r = load_items(&c, signs, err);
    /* libcurl's global state, made once here rather than by each worker's client */
    if (r == 0 && c.n && !(curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "judge: cannot start libcurl");
    /* nothing is stored, and no server asked, before every server is known to answer */
    if (r == 0 && c.n)
        r = check_servers(&c, err);
    if (r == 0 && c.n)
        r = review_judge_rater(s, rep->rater, c.engine.model, &c.rater, err);
    if (r == 0 && c.n) {
        size_t windows = 0;
        for (size_t i = 0; i < c.n; i++)
            windows += i == 0 || c.items[i].key.segment != c.items[i - 1].key.segment;
        int jobs = c.engine.concurrency < 1 ? 1 : c.engine.concurrency;
        r = workers_run(s, (size_t)jobs < windows ? jobs : (int)windows, set->stop,
                        judge_worker, &c, err);
    }
    if (r == SEMIO_ERR_INTERRUPTED)
        r = semio_fail(err, r, "interrupted: %d answers not rated",
                       (int)c.n - rep->rated - rep->failed);
    if (curl_ready)
        curl_global_cleanup();
    json_object_put(signs);
    free_items(c.items, c.n);
    return r;
}
