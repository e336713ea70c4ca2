/*
 * Chat-completions requests as semio sends them (request.h): the settings opened once,
 * and each body built with its pictures spliced in as base64.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/base64.h>

#include "engine/request.h"
#include "util/error.h"

int semio_chat_setup_open(SemioChatSetup *c, const SemioOpenAISettings *s, const char *who,
                          SemioError *err)
{
    memset(c, 0, sizeof(*c));
    if (!s->model || !s->model[0])
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a model is required", who);
    if (!s->nurls)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: give at least one server URL", who);
    if (s->concurrency < 1 || s->concurrency > 1024)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: concurrency must be 1..1024", who);
    for (size_t i = 0; i < s->nurls; i++)
        if (strncmp(s->urls[i], "http://", 7) && strncmp(s->urls[i], "https://", 8)) {
            char shown[2048];
            semio_url_redacted(s->urls[i], shown, sizeof(shown));
            return semio_fail(err, SEMIO_ERR_INVALID, "%s: '%s' is not an http(s) URL", who,
                              shown);
        }
    c->set = *s;
    c->endpoints = calloc(s->nurls, sizeof(char *));
    c->model = strdup(s->model);
    int r = 0;
    if (!c->endpoints || !c->model)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < s->nurls; i++, c->nendpoints++) {
        size_t n = strlen(s->urls[i]);
        while (n && s->urls[i][n - 1] == '/')
            n--;
        if (!(c->endpoints[i] = malloc(n + sizeof("/chat/completions"))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            snprintf(c->endpoints[i], n + sizeof("/chat/completions"), "%.*s/chat/completions",
                     (int)n, s->urls[i]);
    }
    if (r == 0 && s->extra_json) {
        c->extra = json_tokener_parse(s->extra_json);
        if (!c->extra || !json_object_is_type(c->extra, json_type_object))
            r = semio_fail(err, SEMIO_ERR_INVALID, "%s: extra '%s' is not a JSON object", who,
                           s->extra_json);
    }
    if (r == 0)
        r = semio_profile_open(&c->profile, s->server, s->mm_json, s->image_fields_json,
                               s->image_ids, err);
    c->set.model = c->model;
    c->set.urls = NULL;
    c->set.extra_json = NULL;
    c->set.api_key_env = NULL;
    const char *key = s->api_key_env ? getenv(s->api_key_env) : NULL;
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (key && *key && c->headers) {
        char auth[1024];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        struct curl_slist *h = curl_slist_append(c->headers, auth); /* copies it */
        memset(auth, 0, sizeof(auth));
        if (h)
            c->headers = h;
        else
            r = r < 0 ? r : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    if (!c->headers && r == 0)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    semio_secrets_add(&c->secrets, key);
    for (size_t i = 0; i < s->nurls; i++)
        semio_secrets_add_url(&c->secrets, s->urls[i]);
    if (r < 0)
        semio_chat_setup_close(c);
    return r;
}

void semio_chat_setup_close(SemioChatSetup *c)
{
    if (c->headers) { /* the key's header is wiped before it is freed */
        for (struct curl_slist *h = c->headers; h; h = h->next) {
            volatile char *p = h->data;
            while (*p)
                *p++ = 0;
        }
        curl_slist_free_all(c->headers);
    }
    semio_secrets_clear(&c->secrets);
    for (size_t i = 0; i < c->nendpoints; i++)
        free(c->endpoints[i]);
    free(c->endpoints);
    free(c->model);
    json_object_put(c->extra);
    semio_profile_close(&c->profile);
    memset(c, 0, sizeof(*c));
}

json_object *semio_chat_schema(const char *name, const char *schema_json)
{
    json_object *js = json_object_new_object(), *rf = json_object_new_object();
    json_object_object_add(js, "name", json_object_new_string(name));
    json_object_object_add(js, "strict", json_object_new_boolean(1));
    json_object_object_add(js, "schema", json_tokener_parse(schema_json));
    json_object_object_add(rf, "type", json_object_new_string("json_schema"));
    json_object_object_add(rf, "json_schema", js);
    return rf;
}

/*
 * Pictures are megabytes of base64: rather than pass them through json-c's string
 * escaping, the body is serialized with a marker in their place and the base64 is
 * written straight into it (its alphabet needs no JSON escaping).
 */
#define MARK SEMIO_CHAT_MARK

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

char *semio_chat_body(const SemioOpenAISettings *s, json_object *extra,
                      const SemioProfileRequest *pr, char (*ids)[65], const SemioRequest *r,
                      json_object *response_format, int logprobs, size_t *len)
{
    if (strstr(r->text, MARK) || (extra && strstr(json_object_to_json_string(extra), MARK))) {
        json_object_put(response_format);
        return NULL; /* the marker is reserved; no prompt has a reason to contain it */
    }
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
    if (response_format)
        json_object_object_add(root, "response_format", response_format);
    if (logprobs) {
        json_object_object_add(root, "logprobs", json_object_new_boolean(1));
        json_object_object_add(root, "top_logprobs", json_object_new_int(5));
    }
    semio_profile_request(pr, root);
    if (extra) {
        json_object_object_foreach(extra, k, v)
            json_object_object_add(root, k, json_object_get(v));
    }
    /* max_tokens goes last (the extra's, where it has one): an answer cut off there is
     * asked again with more room by rewriting the body's tail (openai.c), without
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

char (*semio_chat_image_ids(const SemioProfileRequest *pr, const SemioImagePart *im,
                            size_t n))[65]
{
    char (*ids)[65] = pr->image_ids && n ? malloc(n * sizeof(*ids)) : NULL;
    for (size_t i = 0; ids && i < n; i++)
        semio_data_hash(im[i].jpeg, im[i].size, ids[i]);
    return ids;
}

/* ---- a reply cut off at max_tokens ------------------------------------------------ */

/* Past this, a longer answer is not going to end: three short fields need a few hundred
 * tokens, a model that thinks aloud first a few thousand. */
#define MAX_TOKENS_CAP 8192

/* The max_tokens a body asks for (its last member: semio_chat_body puts it there) and where
 * its digits start; -1 when the tail is not that. */
static long tail_max_tokens(const char *b, size_t len, size_t *at)
{
    static const char key[] = "\"max_tokens\":";
    const size_t klen = sizeof(key) - 1;
    const char *end = b + len, *d = end - 1;
    if (len < klen + 2 || *d != '}')
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
static int grow_max_tokens(char **body, size_t *len, long *grown_from)
{
    size_t at;
    long n = tail_max_tokens(*body, *len, &at);
    if (n <= 0 || n >= MAX_TOKENS_CAP)
        return 0;
    char tail[32];
    int k = snprintf(tail, sizeof(tail), "%ld}", n < MAX_TOKENS_CAP / 2 ? n * 2 : MAX_TOKENS_CAP);
    char *grown = realloc(*body, at + (size_t)k + 1);
    if (!grown)
        return 0;
    memcpy(grown + at, tail, (size_t)k + 1);
    *body = grown;
    *len = at + (size_t)k;
    *grown_from = n;
    return 1;
}

SemioHttpNext semio_chat_after_cut_off(char **body, size_t *len, long *grown_from, char *error,
                                       size_t size)
{
    size_t at;
    long now = tail_max_tokens(*body, *len, &at);
    if (*grown_from)
        snprintf(error, size, "cut off at max_tokens (finish_reason length): at %ld tokens and "
                 "again at %ld", *grown_from, now);
    else if (now > 0)
        snprintf(error, size, "cut off at max_tokens (finish_reason length) at %ld tokens", now);
    else /* an extra whose max_tokens is not a plain number */
        snprintf(error, size, "cut off at max_tokens (finish_reason length)");
    return !*grown_from && grow_max_tokens(body, len, grown_from) ? SEMIO_HTTP_AGAIN_NOW
                                                                  : SEMIO_HTTP_GIVE_UP;
}
