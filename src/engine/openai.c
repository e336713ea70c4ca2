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
#include <libavutil/base64.h>

#include "engine/engine.h"
#include "engine/http.h"
#include "engine/profiles.h"
#include "engine/reply.h"
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
    SemioOpenAISettings set;
    char **urls;
    char *model, *extra_text;
    json_object *extra;
    char auth[1024];
    SemioSecrets secrets; /* the key and the URLs' passwords: never stored or printed */
    SemioProfileRequest profile; /* where the server reads what the common API lacks */
    CURLM *multi;
    struct curl_slist *headers;
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

/*
 * Pictures are megabytes of base64: rather than pass them through json-c's string
 * escaping, the body is serialized with a marker in their place and the base64 is
 * written straight into it (its alphabet needs no JSON escaping).
 */
#define MARK "@semio-blob-"

static char *splice(const char *text, size_t n, const SemioRequest *r, size_t *len)
{
    static const char jpeg[] = "data:image/jpeg;base64,";
    size_t total = n;
    for (size_t i = 0; i < r->nimages; i++)
        total += sizeof(jpeg) + AV_BASE64_SIZE(r->images[i].size);
    if (r->wav)
        total += AV_BASE64_SIZE(r->wav_size);
    char *out = malloc(total + 1), *w = out;
    if (!out)
        return NULL;
    for (const char *p = text, *end = text + n; p < end;) {
        const char *m = strstr(p, MARK);
        if (!m) {
            memcpy(w, p, (size_t)(end - p));
            w += end - p;
            break;
        }
        memcpy(w, p, (size_t)(m - p));
        w += m - p;
        char *after;
        size_t k = strtoul(m + sizeof(MARK) - 1, &after, 10);
        const uint8_t *data = k < r->nimages ? r->images[k].jpeg : r->wav;
        size_t size = k < r->nimages ? r->images[k].size : r->wav_size;
        if (k < r->nimages) {
            memcpy(w, jpeg, sizeof(jpeg) - 1);
            w += sizeof(jpeg) - 1;
        }
        av_base64_encode(w, (int)AV_BASE64_SIZE(size), data, (int)size);
        w += strlen(w);
        p = after + 1; /* past the closing '@' */
    }
    *w = '\0';
    *len = (size_t)(w - out);
    return out;
}

static json_object *text_part(const char *text)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "type", json_object_new_string("text"));
    json_object_object_add(p, "text", json_object_new_string(text));
    return p;
}

static json_object *answer_schema(int allow_na)
{
    json_object *schema = json_tokener_parse(
        allow_na
            ? "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\",\"enum\":"
              "[\"yes\",\"no\",\"na\"]},\"justification\":{\"type\":\"string\"},\"start_time\":"
              "{\"type\":\"string\"}},\"required\":[\"answer\",\"justification\",\"start_time\"],"
              "\"additionalProperties\":false}"
            : "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\",\"enum\":"
              "[\"yes\",\"no\"]},\"justification\":{\"type\":\"string\"},\"start_time\":"
              "{\"type\":\"string\"}},\"required\":[\"answer\",\"justification\",\"start_time\"],"
              "\"additionalProperties\":false}");
    json_object *js = json_object_new_object(), *rf = json_object_new_object();
    json_object_object_add(js, "name", json_object_new_string("sign_answer"));
    json_object_object_add(js, "strict", json_object_new_boolean(1));
    json_object_object_add(js, "schema", schema);
    json_object_object_add(rf, "type", json_object_new_string("json_schema"));
    json_object_object_add(rf, "json_schema", js);
    return rf;
}

/* The body of one question; ids: each picture's stable id where the profile sends them. */
static char *build_body(const SemioOpenAISettings *s, json_object *extra,
                        const SemioProfileRequest *pr, char (*ids)[65], const SemioRequest *r,
                        size_t *len)
{
    if (strstr(r->text, MARK) || (extra && strstr(json_object_to_json_string(extra), MARK)))
        return NULL; /* the marker is reserved; no prompt has a reason to contain it */
    json_object *root = json_object_new_object(), *content = json_object_new_array();
    json_object_object_add(root, "model", json_object_new_string(s->model ? s->model : ""));
    for (size_t i = 0; i < r->nimages; i++) {
        if (s->timestamps) {
            char t[64];
            int ms = (int)lround(r->images[i].time * 1000);
            snprintf(t, sizeof(t), "Frame at %02d:%02d.%d", ms / 60000, ms / 1000 % 60,
                     ms % 1000 / 100);
            json_object_array_add(content, text_part(t));
        }
        json_object *p = json_object_new_object(), *u = json_object_new_object();
        char mark[48];
        snprintf(mark, sizeof(mark), MARK "%zu@", i);
        json_object_object_add(u, "url", json_object_new_string(mark));
        json_object_object_add(p, "type", json_object_new_string("image_url"));
        json_object_object_add(p, "image_url", u);
        semio_profile_image(pr, p, u, ids ? ids[i] : NULL);
        json_object_array_add(content, p);
    }
    if (r->wav) {
        json_object *p = json_object_new_object(), *a = json_object_new_object();
        char mark[48];
        snprintf(mark, sizeof(mark), MARK "%zu@", r->nimages);
        json_object_object_add(a, "data", json_object_new_string(mark));
        json_object_object_add(a, "format", json_object_new_string("wav"));
        json_object_object_add(p, "type", json_object_new_string("input_audio"));
        json_object_object_add(p, "input_audio", a);
        json_object_array_add(content, p);
    }
    json_object_array_add(content, text_part(r->text));
    json_object *msg = json_object_new_object(), *messages = json_object_new_array();
    json_object_object_add(msg, "role", json_object_new_string("user"));
    json_object_object_add(msg, "content", content);
    json_object_array_add(messages, msg);
    json_object_object_add(root, "messages", messages);
    json_object_object_add(root, "temperature", json_object_new_double(s->temperature));
    if (s->structured)
        json_object_object_add(root, "response_format", answer_schema(r->allow_na));
    if (s->logprobs) {
        json_object_object_add(root, "logprobs", json_object_new_boolean(1));
        json_object_object_add(root, "top_logprobs", json_object_new_int(5));
    }
    semio_profile_request(pr, root);
    if (extra) {
        json_object_object_foreach(extra, k, v)
            json_object_object_add(root, k, json_object_get(v));
    }
    /* max_tokens goes last (the extra's, where it has one): an answer cut off there is
     * asked again with more room by rewriting the body's tail (grow_max_tokens), without
     * building it again from pictures that are no longer at hand */
    json_object *most;
    if (json_object_object_get_ex(root, "max_tokens", &most)) {
        json_object_get(most);
        json_object_object_del(root, "max_tokens");
    } else {
        most = json_object_new_int(s->max_tokens);
    }
    json_object_object_add(root, "max_tokens", most);
    size_t n;
    const char *text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE,
                                                         &n);
    char *out = splice(text, n, r, len);
    json_object_put(root);
    return out;
}

/* Each picture's id (its JPEG's SHA-256), where the profile sends ids; NULL otherwise. */
static char (*image_ids(const SemioProfileRequest *pr, const SemioImagePart *im, size_t n))[65]
{
    char (*ids)[65] = pr->image_ids && n ? malloc(n * sizeof(*ids)) : NULL;
    for (size_t i = 0; ids && i < n; i++)
        semio_data_hash(im[i].jpeg, im[i].size, ids[i]);
    return ids;
}

char *semio_openai_request_body(const SemioOpenAISettings *s, const SemioRequest *r)
{
    SemioProfileRequest pr;
    if (semio_profile_open(&pr, s->server, s->mm_json, s->image_fields_json, s->image_ids,
                           NULL) < 0)
        return NULL;
    json_object *extra = s->extra_json ? json_tokener_parse(s->extra_json) : NULL;
    char (*ids)[65] = image_ids(&pr, r->images, r->nimages);
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
    if (!set->model || !set->model[0])
        return semio_fail(err, SEMIO_ERR_INVALID, "openai: a model is required");
    if (!set->nurls)
        return semio_fail(err, SEMIO_ERR_INVALID, "openai: give at least one server URL");
    if (set->concurrency < 1 || set->concurrency > 1024)
        return semio_fail(err, SEMIO_ERR_INVALID, "openai: concurrency must be 1..1024");
    for (size_t i = 0; i < set->nurls; i++)
        if (strncmp(set->urls[i], "http://", 7) && strncmp(set->urls[i], "https://", 8)) {
            char shown[2048];
            semio_url_redacted(set->urls[i], shown, sizeof(shown));
            return semio_fail(err, SEMIO_ERR_INVALID, "openai: '%s' is not an http(s) URL",
                              shown);
        }
    OpenAI *e = calloc(1, sizeof(*e));
    if (!e)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    e->set = *set;
    e->urls = calloc(set->nurls, sizeof(char *));
    e->model = strdup(set->model);
    int r = 0;
    if (!e->urls || !e->model)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < set->nurls; i++) {
        size_t n = strlen(set->urls[i]);
        while (n && set->urls[i][n - 1] == '/')
            n--;
        if (!(e->urls[i] = malloc(n + sizeof("/chat/completions"))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            snprintf(e->urls[i], n + sizeof("/chat/completions"), "%.*s/chat/completions",
                     (int)n, set->urls[i]);
    }
    if (r == 0 && set->extra_json) {
        e->extra = json_tokener_parse(set->extra_json);
        if (!e->extra || !json_object_is_type(e->extra, json_type_object))
            r = semio_fail(err, SEMIO_ERR_INVALID, "openai: extra '%s' is not a JSON object",
                           set->extra_json);
    }
    if (r == 0)
        r = semio_profile_open(&e->profile, set->server, set->mm_json, set->image_fields_json,
                               set->image_ids, err);
    e->set.model = e->model;
    e->set.urls = NULL;
    e->set.extra_json = NULL;
    e->set.api_key_env = NULL;
    const char *key = set->api_key_env ? getenv(set->api_key_env) : NULL;
    e->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (key && *key) {
        snprintf(e->auth, sizeof(e->auth), "Authorization: Bearer %s", key);
        e->headers = curl_slist_append(e->headers, e->auth);
    }
    semio_secrets_add(&e->secrets, key);
    for (size_t i = 0; i < set->nurls; i++)
        semio_secrets_add_url(&e->secrets, set->urls[i]);
    e->rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(semio_monotonic_s() * 1e6);
    if (r == 0 && (e->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) &&
        !(e->multi = curl_multi_init()))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "openai: cannot start libcurl");
    else if (r == 0 && !e->curl_ready)
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
    curl_slist_free_all(e->headers);
    memset(e->auth, 0, sizeof(e->auth));
    semio_secrets_clear(&e->secrets);
    for (size_t i = 0; e->urls && i < e->set.nurls; i++)
        free(e->urls[i]);
    free(e->urls);
    free(e->model);
    json_object_put(e->extra);
    semio_profile_close(&e->profile);
    free(e);
}

static size_t openai_pending(const void *priv)
{
    return ((const OpenAI *)priv)->pending;
}

static size_t openai_capacity(const void *priv)
{
    return (size_t)((const OpenAI *)priv)->set.concurrency;
}

/* Queues one question with its window's pictures and sound. */
static int submit_one(OpenAI *e, const SemioRequest *r, char (*ids)[65], uint64_t affinity,
                      void *user, SemioError *err)
{
    Job *j = calloc(1, sizeof(*j));
    if (!j)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    j->body = build_body(&e->set, e->extra, &e->profile, ids, r, &j->body_len);
    if (!j->body) {
        free(j);
        return semio_fail(err, SEMIO_ERR_INVALID, "cannot build the request (out of memory, "
                          "or the prompt contains the reserved text " MARK ")");
    }
    j->allow_na = r->allow_na;
    j->user = user;
    j->replica = (int)(affinity % e->set.nurls);
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
    char (*ids)[65] = image_ids(&e->profile, w->images, w->nimages);
    if (e->profile.image_ids && w->nimages && !ids)
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
    semio_http_reply_reset(&j->resp);
    curl_easy_setopt(c, CURLOPT_URL, e->urls[j->replica]);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->set.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->set.timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, semio_http_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &j->resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, semio_http_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &j->resp);
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
    for (Job **pj = &e->queue; *pj && e->in_flight < e->set.concurrency;) {
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
    if (j->attempts > e->set.max_retries)
        return 0;
    j->not_before = semio_monotonic_s() +
                    (at_once ? 0 : semio_retry_delay(&e->set, j->attempts, j->resp.retry_after,
                                                     &e->rng));
    Job **tail = &e->queue;
    while (*tail)
        tail = &(*tail)->next;
    j->next = NULL;
    *tail = j;
    return 1;
}

/* What an attempt leaves to do: nothing (an answer), try again (after a wait, or at once),
 * give up on the question, or stop the run. */
typedef enum Next { DONE, AGAIN, AGAIN_NOW, GIVE_UP, STOP_RUN } Next;

/* Past this, a longer answer is not going to end: three short fields need a few hundred
 * tokens, a model that thinks aloud first a few thousand. */
#define MAX_TOKENS_CAP 8192

/* The max_tokens a body asks for (its last member: build_body puts it there) and where its
 * digits start; -1 when the tail is not that. */
static long tail_max_tokens(const Job *j, size_t *at)
{
    static const char key[] = "\"max_tokens\":";
    const size_t klen = sizeof(key) - 1;
    const char *b = j->body, *end = b + j->body_len, *d = end - 1;
    if (j->body_len < klen + 2 || *d != '}')
        return -1;
    while (d > b && d[-1] >= '0' && d[-1] <= '9')
        d--;
    if (d == end - 1 || (size_t)(d - b) < klen || memcmp(d - klen, key, klen))
        return -1;
    *at = (size_t)(d - b);
    return strtol(d, NULL, 10);
}

/* Asks for twice the tokens, up to MAX_TOKENS_CAP, by rewriting the body's tail; 0 when it
 * cannot (already there, or a tail it does not know). */
static int grow_max_tokens(Job *j)
{
    size_t at;
    long n = tail_max_tokens(j, &at);
    if (n <= 0 || n >= MAX_TOKENS_CAP)
        return 0;
    char tail[32];
    int k = snprintf(tail, sizeof(tail), "%ld}", n < MAX_TOKENS_CAP / 2 ? n * 2 : MAX_TOKENS_CAP);
    char *body = realloc(j->body, at + (size_t)k + 1);
    if (!body)
        return 0;
    memcpy(body + at, tail, (size_t)k + 1);
    j->body = body;
    j->body_len = at + (size_t)k;
    j->grown_from = n;
    return 1;
}

/* An answer cut off at max_tokens: once more with twice the room, then a failure that
 * says so (its raw text is what was cut). */
static Next after_cut_off(Job *j)
{
    size_t at;
    long now = tail_max_tokens(j, &at);
    if (j->grown_from)
        snprintf(j->error, sizeof(j->error), "cut off at max_tokens (finish_reason length): at "
                 "%ld tokens and again at %ld", j->grown_from, now);
    else if (now > 0)
        snprintf(j->error, sizeof(j->error), "cut off at max_tokens (finish_reason length) at "
                 "%ld tokens", now);
    else /* an extra whose max_tokens is not a plain number */
        snprintf(j->error, sizeof(j->error), "cut off at max_tokens (finish_reason length)");
    return !j->grown_from && grow_max_tokens(j) ? AGAIN_NOW : GIVE_UP;
}

/* A reply other than 200: what its status and words say can help. */
static Next after_refusal(OpenAI *e, Job *j, long http)
{
    char words[400], shown[2048];
    const char *body = j->resp.data ? j->resp.data : "";
    semio_http_error_words(body, words, sizeof(words));
    if (semio_http_unsupported(words)) { /* so will every other question be refused */
        semio_url_redacted(e->urls[j->replica], shown, sizeof(shown));
        snprintf(j->error, sizeof(j->error), "the server %s cannot do what semio asks (HTTP "
                 "%ld): \"%s\"", shown, http, words);
        return STOP_RUN;
    }
    snprintf(j->error, sizeof(j->error), "HTTP %ld: %s", http, words);
    if (http == 500) { /* a fault that repeats itself word for word is not passing */
        if (j->last_500 && !strcmp(j->last_500, body)) {
            snprintf(j->error, sizeof(j->error), "the server failed the same way twice: HTTP "
                     "500: %s", words);
            return GIVE_UP;
        }
        free(j->last_500);
        j->last_500 = strdup(body);
        return AGAIN;
    }
    return semio_http_retryable(http) ? AGAIN : GIVE_UP;
}

/* A 200 reply: an answer, or why not (an unusable one is asked again). */
static Next after_reply(Job *j, SemioCompletion *c)
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
    return c->ok ? DONE : reply.cut_off ? after_cut_off(j) : AGAIN;
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
                          .replica = j->replica };
    Next next;
    if (code != CURLE_OK) {
        snprintf(j->error, sizeof(j->error), "%s", curl_easy_strerror(code));
        next = AGAIN;
    } else {
        next = http == 200 ? after_reply(j, &c) : after_refusal(e, j, http);
    }
    if (code != CURLE_OK || http != 500) { /* "twice" means two attempts in a row */
        free(j->last_500);
        j->last_500 = NULL;
    }
    if (!c.ok && !j->raw_is_text && j->resp.data && j->resp.len) {
        free(j->last_raw); /* an error body is the raw text we have: the one said last */
        j->last_raw = strndup(j->resp.data, 4000);
    }
    if ((next == AGAIN || next == AGAIN_NOW) && retry(e, j, next == AGAIN_NOW))
        return 0;
    /* a gateway may echo the request's headers: nothing of the key leaves this engine */
    char *raw = semio_secrets_redact(&e->secrets, j->last_raw);
    char *error = semio_secrets_redact(&e->secrets, j->error);
    c.raw = raw;
    c.error = c.ok ? NULL : error ? error : "(redacted)";
    c.http_status = (int)http;
    c.stop_run = next == STOP_RUN;
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
        if (done || now >= give_up || (e->set.stop && *e->set.stop))
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
