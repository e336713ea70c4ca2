/*
 * The OpenAI-compatible engine (vLLM, SGLang, LMDeploy, llama-server, Ollama): chat
 * completions over libcurl's multi interface, a bounded number in flight, replicas
 * chosen by affinity so one window's questions meet the same prefix cache, retries of
 * what can help with exponential backoff and jitter (Retry-After honoured), and answers
 * read tolerantly. A request that never yields a usable answer completes as a failure
 * with its raw text and why: it is never turned into "no".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "engine/engine.h"
#include "engine/http.h"
#include "engine/profiles.h"
#include "engine/reply.h"
#include "engine/request.h"
#include "semio/eval.h"
#include "util/clock.h"
#include "util/error.h"

typedef struct Job {
    struct Job *next;
    char *body;
    size_t body_len;
    int allow_na, replica, attempts;
    void *user;
    double not_before, started;
    CURL *easy;
    SemioHttpReply resp;
    char *last_raw;          /* the model's last text, or else the last error body */
    int raw_is_text;         /* last_raw is the model's text: an error body does not replace it */
    char *last_500;          /* the body of the previous attempt when it was an HTTP 500 */
    long grown_from;         /* max_tokens before a cut-off answer doubled it; 0 if not */
    char error[1024];
} Job;

typedef struct OpenAI {
    SemioChatSetup chat; /* settings, endpoints, headers, profile: what requests share */
    CURLM *multi;
    Job *queue;       /* waiting (new or to be retried), in order */
    Job *active;      /* in flight */
    int in_flight;
    size_t pending;
    uint64_t rng;
    int curl_ready;   /* curl_global_init succeeded: owe one curl_global_cleanup */
} OpenAI;

void semio_openai_default_settings(SemioOpenAISettings *s)
{
    memset(s, 0, sizeof(*s));
    s->api_key_env = "OPENAI_API_KEY";
    s->concurrency = 8;
    s->connect_timeout_ms = 10000;
    s->timeout_ms = 600000;
    s->temperature = 0;
    s->max_tokens = 512;
    s->structured = 1;
    s->logprobs = 1;
    s->timestamps = 1;
    s->max_retries = 10;
    s->backoff_s = 1.0;
    s->max_wait_s = 60.0;
    s->image_ids = 1;
}

int semio_openai_preset(SemioOpenAISettings *s, const char *name, SemioError *err)
{
    const SemioServerPreset *p = semio_server_preset(name, err);
    if (!p)
        return SEMIO_ERR_INVALID;
    s->server = p->server;
    s->model = p->model;
    s->mm_json = p->mm_json;
    return 0;
}

const char *semio_openai_preset_at(size_t i, const char **summary)
{
    const SemioServerPreset *p = semio_server_preset_at(i);
    if (summary)
        *summary = p ? p->summary : NULL;
    return p ? p->name : NULL;
}

/* ---- the request body ------------------------------------------------------ */

/* The answer's schema, for response_format (structured output). */
static json_object *answer_schema(int allow_na)
{
    return semio_chat_schema(
        "sign_answer",
        allow_na
            ? "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\",\"enum\":"
              "[\"yes\",\"no\",\"na\"]},\"justification\":{\"type\":\"string\"},\"start_time\":"
              "{\"type\":\"string\"}},\"required\":[\"answer\",\"justification\",\"start_time\"],"
              "\"additionalProperties\":false}"
            : "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\",\"enum\":"
              "[\"yes\",\"no\"]},\"justification\":{\"type\":\"string\"},\"start_time\":"
              "{\"type\":\"string\"}},\"required\":[\"answer\",\"justification\",\"start_time\"],"
              "\"additionalProperties\":false}");
}

/* The body of one question; ids: each picture's stable id where the profile sends them. */
static char *build_body(const SemioOpenAISettings *s, json_object *extra,
                        const SemioProfileRequest *pr, char (*ids)[65], const SemioRequest *r,
                        size_t *len)
{
    return semio_chat_body(s, extra, pr, ids, r, s->structured ? answer_schema(r->allow_na) : NULL,
                           s->logprobs, len);
}

char *semio_openai_request_body(const SemioOpenAISettings *s, const SemioRequest *r)
{
    SemioProfileRequest pr;
    if (semio_profile_open(&pr, s->server, s->mm_json, s->image_fields_json, s->image_ids,
                           NULL) < 0)
        return NULL;
    json_object *extra = s->extra_json ? json_tokener_parse(s->extra_json) : NULL;
    char (*ids)[65] = semio_chat_image_ids(&pr, r->images, r->nimages);
    size_t len;
    char *body = build_body(s, extra, &pr, ids, r, &len);
    free(ids);
    json_object_put(extra);
    semio_profile_close(&pr);
    return body;
}

/* ---- opening ----------------------------------------------------------------- */

static void openai_close(void *priv);

static int openai_open(void **out, const void *settings, SemioError *err)
{
    const SemioOpenAISettings *set = settings;
    *out = NULL;
    OpenAI *e = calloc(1, sizeof(*e));
    if (!e)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = semio_chat_setup_open(&e->chat, set, "openai", err);
    if (r < 0) {
        free(e);
        return r;
    }
    e->rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(semio_monotonic_s() * 1e6);
    if ((e->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) &&
        !(e->multi = curl_multi_init()))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "openai: cannot start libcurl");
    else if (!e->curl_ready)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "openai: cannot start libcurl");
    if (r < 0) {
        openai_close(e);
        return r;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)set->concurrency);
    *out = e;
    return 0;
}

static void free_job(Job *j)
{
    if (!j)
        return;
    free(j->body);
    free(j->resp.data);
    free(j->last_raw);
    free(j->last_500);
    free(j);
}

static void openai_close(void *priv)
{
    OpenAI *e = priv;
    if (!e)
        return;
    while (e->queue) {
        Job *j = e->queue;
        e->queue = j->next;
        free_job(j);
    }
    while (e->active) { /* abandoned in flight */
        Job *j = e->active;
        e->active = j->next;
        curl_multi_remove_handle(e->multi, j->easy);
        curl_easy_cleanup(j->easy);
        free_job(j);
    }
    if (e->multi)
        curl_multi_cleanup(e->multi);
    if (e->curl_ready)
        curl_global_cleanup();
    semio_chat_setup_close(&e->chat);
    free(e);
}

static size_t openai_pending(const void *priv)
{
    return ((const OpenAI *)priv)->pending;
}

static size_t openai_capacity(const void *priv)
{
    return (size_t)((const OpenAI *)priv)->chat.set.concurrency;
}

/* Queues one question with its window's pictures and sound. */
static int submit_one(OpenAI *e, const SemioRequest *r, char (*ids)[65], uint64_t affinity,
                      void *user, SemioError *err)
{
    Job *j = calloc(1, sizeof(*j));
    if (!j)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    j->body = build_body(&e->chat.set, e->chat.extra, &e->chat.profile, ids, r, &j->body_len);
    if (!j->body) {
        free(j);
        return semio_fail(err, SEMIO_ERR_INVALID, "cannot build the request (out of memory, "
                          "or the prompt contains the reserved text " SEMIO_CHAT_MARK ")");
    }
    j->allow_na = r->allow_na;
    j->user = user;
    j->replica = (int)(affinity % e->chat.set.nurls);
    Job **tail = &e->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = j;
    e->pending++;
    return 0;
}

/* A window's questions become one request each, all to the window's replica. */
static int openai_submit(void *priv, const SemioWindow *w, SemioError *err)
{
    OpenAI *e = priv;
    /* the window's pictures are hashed once for all its questions */
    char (*ids)[65] = semio_chat_image_ids(&e->chat.profile, w->images, w->nimages);
    if (e->chat.profile.image_ids && w->nimages && !ids)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = 0;
    for (size_t i = 0; i < w->nquestions && r == 0; i++) {
        const SemioQuestion *q = &w->questions[i];
        SemioRequest req = { .text = q->text, .images = w->images, .nimages = w->nimages,
                             .wav = w->wav, .wav_size = w->wav_size,
                             .allow_na = semio_sign_allows_na(q->sign) };
        r = submit_one(e, &req, ids, w->affinity, q->user, err);
    }
    free(ids);
    return r;
}

/* ---- transfers --------------------------------------------------------------- */

static int start(OpenAI *e, Job *j)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    semio_http_post(c, e->chat.endpoints[j->replica], e->chat.headers, j->body, j->body_len,
                    &e->chat.set, &j->resp);
    curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    if (curl_multi_add_handle(e->multi, c) != CURLM_OK) {
        curl_easy_cleanup(c);
        return -1;
    }
    j->easy = c;
    j->attempts++;
    j->started = semio_monotonic_s();
    j->next = e->active;
    e->active = j;
    e->in_flight++;
    return 0;
}

/* Starts waiting jobs whose time has come, in order, up to the concurrency bound. */
static void start_ready(OpenAI *e)
{
    double t = semio_monotonic_s();
    for (Job **pj = &e->queue; *pj && e->in_flight < e->chat.set.concurrency;) {
        Job *j = *pj;
        if (j->not_before > t) {
            pj = &j->next;
            continue;
        }
        *pj = j->next;
        if (start(e, j) < 0) { /* could not even start: try again shortly */
            j->not_before = t + 0.1;
            j->next = *pj;
            *pj = j;
            return;
        }
    }
}

static double next_ready_in(const OpenAI *e)
{
    double t = semio_monotonic_s(), best = 1.0;
    for (const Job *j = e->queue; j; j = j->next)
        if (j->not_before - t < best)
            best = j->not_before - t;
    return best < 0 ? 0 : best;
}

static void unlink_active(OpenAI *e, Job *j)
{
    for (Job **pj = &e->active; *pj; pj = &(*pj)->next)
        if (*pj == j) {
            *pj = j->next;
            break;
        }
    e->in_flight--;
}

/* Puts a job back for another attempt, at once or after backoff with jitter; 0 if out of
 * attempts. */
static int retry(OpenAI *e, Job *j, int at_once)
{
    if (j->attempts > e->chat.set.max_retries)
        return 0;
    j->not_before = semio_monotonic_s() +
                    (at_once ? 0 : semio_retry_delay(&e->chat.set, j->attempts, j->resp.retry_after,
                                                     &e->rng));
    Job **tail = &e->queue;
    while (*tail)
        tail = &(*tail)->next;
    j->next = NULL;
    *tail = j;
    return 1;
}


/* An answer cut off at max_tokens: once more with twice the room, then a failure that
 * says so (its raw text is what was cut). */
static SemioHttpNext after_cut_off(Job *j)
{
    return semio_chat_after_cut_off(&j->body, &j->body_len, &j->grown_from, j->error,
                                    sizeof(j->error));
}

/* A 200 reply: an answer, or why not (an unusable one is asked again). */
static SemioHttpNext after_reply(Job *j, SemioCompletion *c)
{
    SemioChatReply reply;
    c->ok = semio_chat_reply_read(j->resp.data ? j->resp.data : "", j->allow_na, &reply,
                                  j->error, sizeof(j->error)) == 0;
    if (reply.content) {
        free(j->last_raw);
        j->last_raw = reply.content;
        j->raw_is_text = 1;
    }
    c->answer = reply.answer;
    c->p_yes = reply.p_yes;
    c->prompt_tokens = reply.prompt_tokens;
    c->completion_tokens = reply.completion_tokens;
    c->cached_tokens = reply.cached_tokens;
    return c->ok ? SEMIO_HTTP_DONE : reply.cut_off ? after_cut_off(j) : SEMIO_HTTP_AGAIN;
}

/*
 * Handles one finished transfer: a completion (1), or a retry scheduled (0). Only what can
 * help is tried again: a lost connection, a timeout, 429 and the gateway errors, a 500 until
 * it repeats itself, an unusable answer, a cut-off one once with more room.
 */
static int finish(OpenAI *e, Job *j, CURLcode code, SemioCompletionFn fn, void *user)
{
    long http = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    double latency = (semio_monotonic_s() - j->started) * 1000;
    curl_multi_remove_handle(e->multi, j->easy);
    curl_easy_cleanup(j->easy);
    j->easy = NULL;
    unlink_active(e, j);

    SemioCompletion c = { .user = j->user, .p_yes = NAN, .attempts = j->attempts,
                          .latency_ms = latency, .prompt_tokens = -1, .completion_tokens = -1,
                          .cached_tokens = -1,
                          .replica = j->replica };
    SemioHttpNext next = semio_http_next(e->chat.endpoints[j->replica], code, http,
                                         j->resp.data, &j->last_500, j->error, sizeof(j->error));
    if (next == SEMIO_HTTP_DONE)
        next = after_reply(j, &c);
    if (!c.ok && !j->raw_is_text && j->resp.data && j->resp.len) {
        free(j->last_raw); /* an error body is the raw text we have: the one said last */
        j->last_raw = strndup(j->resp.data, 4000);
    }
    if ((next == SEMIO_HTTP_AGAIN || next == SEMIO_HTTP_AGAIN_NOW) &&
        retry(e, j, next == SEMIO_HTTP_AGAIN_NOW))
        return 0;
    /* a gateway may echo the request's headers: nothing of the key leaves this engine */
    char *raw = semio_secrets_redact(&e->chat.secrets, j->last_raw);
    char *error = semio_secrets_redact(&e->chat.secrets, j->error);
    c.raw = raw;
    c.error = c.ok ? NULL : error ? error : "(redacted)";
    c.http_status = (int)http;
    c.stop_run = next == SEMIO_HTTP_STOP_RUN;
    fn(user, &c);
    free(raw);
    free(error);
    semio_parsed_answer_free(&c.answer);
    e->pending--;
    free_job(j);
    return 1;
}

static int openai_wait(void *priv, SemioCompletionFn fn, void *user, SemioError *err)
{
    OpenAI *e = priv;
    double give_up = semio_monotonic_s() + 0.25;
    for (;;) {
        start_ready(e);
        if (!e->in_flight && !e->queue)
            return 0;
        int running;
        if (curl_multi_perform(e->multi, &running) != CURLM_OK)
            return semio_fail(err, SEMIO_ERR_IO, "openai: libcurl failed");
        int done = 0, left;
        CURLMsg *m;
        while ((m = curl_multi_info_read(e->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            Job *j = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            done += finish(e, j, m->data.result, fn, user);
        }
        double now = semio_monotonic_s();
        if (done || now >= give_up || (e->chat.set.stop && *e->chat.set.stop))
            return (int)e->pending;
        int wait_ms = (int)(fmin(next_ready_in(e), give_up - now) * 1000);
        if (e->in_flight)
            curl_multi_poll(e->multi, NULL, 0, wait_ms > 0 ? wait_ms : 1, NULL);
        else if (wait_ms > 0)
            usleep((useconds_t)wait_ms * 1000);
    }
}

/* ---- the plug-in ------------------------------------------------------------- */

static int openai_describe(const void *settings, json_object *run, char *model,
                           size_t model_size, char *endpoints, size_t endpoints_size)
{
    const SemioOpenAISettings *o = settings;
    json_object_object_add(run, "model", json_object_new_string(o->model ? o->model : ""));
    json_object_object_add(run, "temperature", json_object_new_double(o->temperature));
    json_object_object_add(run, "max_tokens", json_object_new_int(o->max_tokens));
    json_object_object_add(run, "structured", json_object_new_boolean(o->structured));
    json_object_object_add(run, "logprobs", json_object_new_boolean(o->logprobs));
    json_object_object_add(run, "timestamps", json_object_new_boolean(o->timestamps));
    json_object_object_add(run, "extra", o->extra_json ? json_tokener_parse(o->extra_json) : NULL);
    /* recorded only where set, so runs made before profiles existed resume as they were */
    if (o->server && strcmp(o->server, "generic"))
        json_object_object_add(run, "server", json_object_new_string(o->server));
    if (o->mm_json)
        json_object_object_add(run, "mm", json_tokener_parse(o->mm_json));
    if (o->image_fields_json)
        json_object_object_add(run, "image_fields", json_tokener_parse(o->image_fields_json));
    snprintf(model, model_size, "%s", o->model ? o->model : "");
    endpoints[0] = '\0';
    for (size_t i = 0; i < o->nurls; i++) {
        char shown[2048];
        semio_url_redacted(o->urls[i], shown, sizeof(shown));
        snprintf(endpoints + strlen(endpoints), endpoints_size - strlen(endpoints), "%s%s",
                 i ? "," : "", shown);
    }
    return 0;
}

const SemioEngineClass semio_engine_openai = {
    .name = "openai",
    .summary = "any OpenAI-compatible server (vLLM, SGLang, LMDeploy, llama-server, Ollama)",
    .inputs = SEMIO_INPUT_IMAGES | SEMIO_INPUT_AUDIO,
    .default_view = "raw",
    .reads_text = 1,
    .default_settings = NULL, /* a model and a URL are the user's to give */
    .describe = openai_describe,
    .open = openai_open,
    .submit = openai_submit,
    .wait = openai_wait,
    .pending = openai_pending,
    .capacity = openai_capacity,
    .close = openai_close,
};
