/* Scoring a question on a search's windows: each window asked once per exact text, its
 * answer stored in the search's own run (the cache optimize and evaluate share). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "search/search.h"
#include "stages/answers.h"
#include "util/error.h"

static const char VIEW[] = "raw";

/* The segment set and sampling: named, or the newest (the newest sampling on the set). */
static int find_inputs(Asker *a, const SemioSearchSettings *set, char *segments, char *sampling)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(a->s, &st, set->segments
        ? "SELECT id, name FROM segment_sets WHERE name = ?"
        : "SELECT id, name FROM segment_sets ORDER BY id DESC LIMIT 1", a->err);
    if (r < 0)
        return r;
    if (set->segments)
        sqlite3_bind_text(st, 1, set->segments, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        a->set_id = sqlite3_column_int64(st, 0);
        snprintf(segments, 256, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!a->set_id)
        return semio_fail(a->err, SEMIO_ERR_NOT_FOUND, "%s: %s", a->s->path, set->segments
                          ? "no such segment set" : "no segments: run semio segment");
    if ((r = semio_db_prepare(a->s, &st, "SELECT m.id, m.key FROM samplings m JOIN samples x ON "
                              "x.sampling_id = m.id JOIN segments g ON g.id = x.segment_id "
                              "WHERE g.set_id = ?1 AND (?2 IS NULL OR m.key = ?2) ORDER BY "
                              "x.sampled_at DESC, m.id DESC LIMIT 1", a->err)) < 0)
        return r;
    sqlite3_bind_int64(st, 1, a->set_id);
    if (set->sampling)
        sqlite3_bind_text(st, 2, set->sampling, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        a->sampling = sqlite3_column_int64(st, 0);
        snprintf(sampling, 256, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!a->sampling)
        return semio_fail(a->err, SEMIO_ERR_NOT_FOUND, "%s: segment set '%s' has no sampled "
                          "frames: run semio sample", a->s->path, segments);
    return 0;
}

/* What shapes the answers, recorded with the run and compared on every later use: the
 * OpenAI engine's own record of its settings (as ask keeps it: URLs redacted, into
 * base_urls, never into the settings), and the windows asked. */
static char *run_settings(const SemioOpenAISettings *e, const char *segments,
                          const char *sampling, char *model, size_t model_size,
                          char *endpoints, size_t endpoints_size)
{
    json_object *j = json_object_new_object();
    semio_engine_openai.describe(e, j, model, model_size, endpoints, endpoints_size);
    json_object_object_add(j, "segments", json_object_new_string(segments));
    json_object_object_add(j, "sampling", json_object_new_string(sampling));
    char *out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return out;
}

/* The search's run "search:NAME": made once, its settings the same on every use. */
static int open_run(Asker *a, const char *search, const SemioOpenAISettings *e,
                    const char *segments, const char *sampling)
{
    char name[300], now[32];
    snprintf(name, sizeof(name), "search:%s", search);
    char model[512], endpoints[4096];
    char *settings = run_settings(e, segments, sampling, model, sizeof(model), endpoints,
                                  sizeof(endpoints));
    if (!settings)
        return semio_fail(a->err, SEMIO_ERR_NOMEM, "out of memory");
    sqlite3_stmt *st;
    int r = semio_db_prepare(a->s, &st, "SELECT id, settings_json FROM runs WHERE name = ?",
                             a->err);
    if (r == 0) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            a->run = sqlite3_column_int64(st, 0);
            if (!semio_db_same_json((const char *)sqlite3_column_text(st, 1), settings))
                r = semio_fail(a->err, SEMIO_ERR_CONFLICT, "%s: search '%s' asked with other "
                               "settings (%s); use them again, or name a new search",
                               a->s->path, search, (const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
    }
    if (r == 0 && !a->run &&
        (r = semio_db_prepare(a->s, &st, "INSERT INTO runs(name, engine, model, base_urls, view, "
                              "segment_set, sampling, prompt_set, settings_json, version, "
                              "created_at) VALUES (?, 'openai', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              a->err)) == 0) {
        const char *v[10] = { name, model, endpoints, VIEW, segments,
                              sampling, name, settings, semio_version(), semio_db_now(now) };
        for (int i = 0; i < 10; i++)
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(a->s, a->err, "cannot make "
                                                                "the search's run");
        sqlite3_finalize(st);
        a->run = sqlite3_last_insert_rowid(a->s->db);
    }
    free(settings);
    return r;
}

int asker_open(Asker *a, SemioStudy *s, const char *search, const SemioSearchSettings *set,
               SemioError *err)
{
    memset(a, 0, sizeof(*a));
    a->s = s;
    a->err = err;
    char segments[256] = "", sampling[256] = "";
    if (!set->engine || !set->engine->model || !set->engine->nurls)
        return semio_fail(err, SEMIO_ERR_INVALID, "prompts: the model asked needs --url and "
                          "--model");
    int r = find_inputs(a, set, segments, sampling);
    if (r == 0)
        r = open_run(a, search, set->engine, segments, sampling);
    if (r == 0)
        r = semio_db_prepare(s, &a->find, "SELECT status, answer, justification FROM answers "
                             "WHERE run_id = ? AND segment_id = ? AND sign = ? AND view = ? "
                             "AND prompt_hash = ?", err);
    if (r == 0)
        r = semio_answers_prepare_insert(s, &a->insert, err);
    if (r == 0)
        r = semio_db_prepare(s, &a->keep_prompt, "INSERT INTO prompts(hash, text) VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING", err);
    if (r == 0)
        r = semio_engine_open(&a->engine, "openai", set->engine, err);
    if (r < 0)
        asker_close(a);
    return r;
}

void asker_close(Asker *a)
{
    semio_engine_close(&a->engine);
    semio_window_close(&a->in);
    sqlite3_finalize(a->find);
    sqlite3_finalize(a->insert);
    sqlite3_finalize(a->keep_prompt);
    free(a->seen);
    memset(a, 0, sizeof(*a));
}

static uint64_t short_hash(const char *hex)
{
    uint64_t h = 0;
    for (int i = 0; i < 16; i++)
        h = h << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    return h;
}

static int was_seen(const Asker *a, int64_t segment, uint64_t h)
{
    for (size_t i = 0; i < a->nseen; i++)
        if (a->seen[i].segment == segment && a->seen[i].hash == h)
            return 1;
    return 0;
}

int64_t asker_cost(const Asker *a, const char *hash, const SearchItem *items, size_t n)
{
    uint64_t h = short_hash(hash);
    int64_t cost = 0;
    for (size_t i = 0; i < n; i++)
        cost += !was_seen(a, items[i].segment, h);
    return cost;
}

static int see(Asker *a, int64_t segment, uint64_t h)
{
    if (was_seen(a, segment, h))
        return 0;
    if (a->nseen == a->capseen) {
        size_t cap = a->capseen ? 2 * a->capseen : 256;
        void *ns = realloc(a->seen, cap * sizeof(*a->seen));
        if (!ns)
            return semio_fail(a->err, SEMIO_ERR_NOMEM, "out of memory");
        a->seen = ns;
        a->capseen = cap;
    }
    a->seen[a->nseen].segment = segment;
    a->seen[a->nseen++].hash = h;
    return 0;
}

/* What a question in flight stores with its answer. */
typedef struct Flight {
    Asker *a;
    const SearchItem *item;
    const SemioSign *sign;
    const char *hash;
} Flight;

static void on_answer(void *user, const SemioCompletion *c)
{
    (void)user;
    Flight *f = c->user;
    Asker *a = f->a;
    if (!c->ok && (c->stop_run || c->http_status == 401 || c->http_status == 403)) {
        if (!a->fatal)
            a->fatal = semio_fail(a->err, SEMIO_ERR_REFUSED, "prompts: %s; nothing was stored "
                                  "for the refused question", c->error ? c->error : "refused");
        return;
    }
    if (semio_store_answer(a->insert, a->run, f->item->video, f->item->segment, f->sign->id,
                           VIEW, f->hash, c) < 0 && !a->fatal)
        a->fatal = semio_db_fail(a->s, a->err, "cannot store an answer");
}

/* 1 with out filled when the window has an answer (or a failure) to this text. */
static int read_answer(Asker *a, const SemioSign *sign, const char *hash, const SearchItem *it,
                       SearchAnswer *out)
{
    sqlite3_stmt *st = a->find;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, a->run);
    sqlite3_bind_int64(st, 2, it->segment);
    sqlite3_bind_text(st, 3, sign->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, VIEW, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        return 0;
    const char *answer = (const char *)sqlite3_column_text(st, 1);
    const char *why = (const char *)sqlite3_column_text(st, 2);
    snprintf(out->answer, sizeof(out->answer), "%s", answer ? answer : "");
    out->justification = why ? strdup(why) : NULL;
    out->correct = answer && ((it->label == 1 && !strcmp(answer, "yes")) ||
                              (it->label == 0 && !strcmp(answer, "no")));
    sqlite3_reset(st);
    return 1;
}

static int drain(Asker *a, size_t left)
{
    while (!a->fatal && semio_engine_pending(a->engine) > left)
        if (semio_engine_wait(a->engine, on_answer, a, a->err) < 0)
            return a->err->code;
    return a->fatal;
}

int asker_score(Asker *a, const SemioSign *sign, const char *text, const char *hash,
                const SearchItem *items, size_t n, SearchAnswer *out)
{
    Flight *fl = calloc(n ? n : 1, sizeof(*fl));
    if (!fl)
        return semio_fail(a->err, SEMIO_ERR_NOMEM, "out of memory");
    const SemioViewSpec *view = semio_view_find(VIEW);
    WindowSource src = { .sampling = a->sampling };
    size_t cap = semio_engine_capacity(a->engine);
    uint64_t h = short_hash(hash);
    int r = 0;
    sqlite3_reset(a->keep_prompt);
    sqlite3_bind_text(a->keep_prompt, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->keep_prompt, 2, text, -1, SQLITE_STATIC);
    if (sqlite3_step(a->keep_prompt) != SQLITE_DONE)
        r = semio_db_fail(a->s, a->err, "cannot store a prompt's text");
    for (size_t i = 0; i < n && r == 0; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        if ((r = see(a, items[i].segment, h)) < 0 || read_answer(a, sign, hash, &items[i], &out[i]))
            continue;
        /* the test patients are the final report's: nothing of theirs goes out before */
        if (items[i].test && !a->final) {
            r = semio_fail(a->err, SEMIO_ERR_INVALID, "prompts: internal error: a test "
                           "patient's window was about to be asked before the final scoring");
            break;
        }
        int present = 0;
        if ((r = semio_window_load(a->s, items[i].segment, view, &src, &a->in, &present,
                                   a->err)) < 0)
            break;
        if (!present)
            continue; /* no frames: scored as a failure below */
        fl[i] = (Flight){ a, &items[i], sign, hash };
        SemioQuestion q = { sign, text, &fl[i] };
        const WindowMedia *m = &a->in.media;
        SemioWindow w = { .images = m->parts, .nimages = m->n, .affinity = (uint64_t)items[i].segment,
                          .questions = &q, .nquestions = 1 };
        if ((r = semio_engine_submit(a->engine, &w, a->err)) == 0) {
            a->sent++;
            r = drain(a, cap ? cap - 1 : 0);
        }
    }
    if (r == 0)
        r = drain(a, 0);
    for (size_t i = 0; i < n && r == 0; i++)
        if (!out[i].answer[0] && !out[i].justification)
            read_answer(a, sign, hash, &items[i], &out[i]);
    free(fl);
    return r;
}

void search_answers_free(SearchAnswer *out, size_t n)
{
    for (size_t i = 0; out && i < n; i++)
        free(out[i].justification);
}
