/* One chat completion at a time, waited for, retried as the OpenAI engine retries (chat.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine/chat.h"
#include "engine/reply.h"
#include "util/clock.h"
#include "util/error.h"

struct SemioChat {
    SemioChatSetup setup;
    const char *endpoint;
    char who[32];
    CURL *easy;
    uint64_t rng;
    int curl_ready; /* curl_global_init succeeded: owe one curl_global_cleanup */
};

int semio_chat_open(SemioChat **out, const SemioOpenAISettings *s, size_t replica,
                    const char *who, SemioError *err)
{
    *out = NULL;
    SemioChat *c = calloc(1, sizeof(*c));
    if (!c)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = semio_chat_setup_open(&c->setup, s, who, err);
    if (r < 0) {
        free(c);
        return r;
    }
    snprintf(c->who, sizeof(c->who), "%s", who);
    c->endpoint = c->setup.endpoints[replica % c->setup.nendpoints];
    c->rng = ((uint64_t)getpid() << 20 ^ (uint64_t)(semio_monotonic_s() * 1e6) ^
              (uint64_t)(uintptr_t)c) | 1;
    if (!(c->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) ||
        !(c->easy = curl_easy_init())) {
        semio_chat_close(&c);
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: cannot start libcurl", who);
    }
    *out = c;
    return 0;
}

void semio_chat_close(SemioChat **pc)
{
    SemioChat *c = *pc;
    if (!c)
        return;
    if (c->easy)
        curl_easy_cleanup(c->easy);
    if (c->curl_ready)
        curl_global_cleanup();
    semio_chat_setup_close(&c->setup);
    free(c);
    *pc = NULL;
}

void semio_chat_result_free(SemioChatResult *res)
{
    free(res->text);
    res->text = NULL;
}

/* libcurl's reasons for a server that is not there at all (not a slow or a refusing one). */
static int unreachable(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_COULDNT_RESOLVE_PROXY;
}

/* The tokens a reply says it cost, added to the result's (a retried request costs again). */
static void add_usage(const char *body, SemioChatResult *res)
{
    json_object *o = json_tokener_parse(body), *usage, *v;
    if (o && json_object_object_get_ex(o, "usage", &usage)) {
        if (json_object_object_get_ex(usage, "prompt_tokens", &v) &&
            json_object_is_type(v, json_type_int))
            res->prompt_tokens = (res->prompt_tokens < 0 ? 0 : res->prompt_tokens) +
                                 json_object_get_int(v);
        if (json_object_object_get_ex(usage, "completion_tokens", &v) &&
            json_object_is_type(v, json_type_int))
            res->completion_tokens = (res->completion_tokens < 0 ? 0 : res->completion_tokens) +
                                     json_object_get_int(v);
    }
    json_object_put(o);
}

/* What a 200 reply leaves to do: its text checked, or a cut-off one asked with more room. */
static SemioHttpNext after_reply(const char *body, char **payload, size_t *len, long *grown,
                                 SemioChatCheck check, void *user, SemioChatResult *res)
{
    char *text;
    int cut;
    add_usage(body, res);
    if (semio_chat_content(body, &text, &cut, res->error, sizeof(res->error)) < 0)
        return SEMIO_HTTP_AGAIN;
    free(res->text);
    res->text = text;
    if (cut)
        return semio_chat_after_cut_off(payload, len, grown, res->error, sizeof(res->error));
    char why[512];
    if (check(text, user, why, sizeof(why)) == 0) {
        res->ok = 1;
        return SEMIO_HTTP_DONE;
    }
    snprintf(res->error, sizeof(res->error), "unusable answer: %s", why);
    return SEMIO_HTTP_AGAIN;
}

/* The attempts of one request: 0, or SEMIO_ERR_INTERRUPTED on a stop. */
static int attempts(SemioChat *c, char **payload, size_t *len, SemioChatCheck check,
                    void *user, SemioChatResult *res)
{
    const SemioOpenAISettings *set = &c->setup.set;
    SemioHttpReply reply = { 0 };
    char *last_500 = NULL, shown[2048];
    long grown = 0;
    int r = 0;
    semio_url_redacted(c->endpoint, shown, sizeof(shown));
    for (;;) {
        semio_http_post(c->easy, c->endpoint, c->setup.headers, *payload, *len, set, &reply);
        semio_http_stoppable(c->easy, set->stop);
        CURLcode code = curl_easy_perform(c->easy);
        long http = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &http);
        res->attempts++;
        res->http_status = (int)http;
        if (set->stop && *set->stop) {
            r = SEMIO_ERR_INTERRUPTED;
            break;
        }
        SemioHttpNext next = semio_http_next(c->endpoint, code, http, reply.data, &last_500,
                                             res->error, sizeof(res->error));
        if (next == SEMIO_HTTP_DONE)
            next = after_reply(reply.data ? reply.data : "", payload, len, &grown, check, user,
                               res);
        else if (http == 401 || http == 403) { /* no request will fare better */
            snprintf(res->error, sizeof(res->error), "the server %.900s refused the request "
                     "(HTTP %ld): check the API key and any credentials in the URL", shown, http);
            next = SEMIO_HTTP_STOP_RUN;
        }
        if (next == SEMIO_HTTP_DONE)
            break;
        if ((next == SEMIO_HTTP_AGAIN || next == SEMIO_HTTP_AGAIN_NOW) &&
            res->attempts <= set->max_retries) {
            double wait = next == SEMIO_HTTP_AGAIN_NOW
                              ? 0 : semio_retry_delay(set, res->attempts, reply.retry_after,
                                                      &c->rng);
            if (semio_sleep_unless_stopped(wait, set->stop)) {
                r = SEMIO_ERR_INTERRUPTED;
                break;
            }
            continue;
        }
        if (code != CURLE_OK && unreachable(code)) { /* every attempt: it is not there */
            snprintf(res->error, sizeof(res->error), "the server %.900s cannot be reached: %s",
                     shown, curl_easy_strerror(code));
            next = SEMIO_HTTP_STOP_RUN;
        }
        res->stop_run = next == SEMIO_HTTP_STOP_RUN;
        break;
    }
    free(last_500);
    free(reply.data);
    return r;
}

int semio_chat_ask(SemioChat *c, const SemioRequest *r, json_object *response_format,
                   SemioChatCheck check, void *user, SemioChatResult *res, SemioError *err)
{
    memset(res, 0, sizeof(*res));
    res->prompt_tokens = res->completion_tokens = -1;
    SemioChatSetup *u = &c->setup;
    char (*ids)[65] = semio_chat_image_ids(&u->profile, r->images, r->nimages);
    if (u->profile.image_ids && r->nimages && !ids) {
        json_object_put(response_format);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    size_t len;
    char *body = semio_chat_body(&u->set, u->extra, &u->profile, ids, r, response_format, 0, &len);
    free(ids);
    if (!body)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: cannot build the request (out of "
                          "memory, or the text contains the reserved text " SEMIO_CHAT_MARK ")",
                          c->who);
    int rc = attempts(c, &body, &len, check, user, res);
    free(body);
    /* a gateway may echo the request's headers: nothing of the key leaves here */
    char *text = semio_secrets_redact(&u->secrets, res->text);
    char *error = semio_secrets_redact(&u->secrets, res->error);
    free(res->text);
    res->text = text;
    snprintf(res->error, sizeof(res->error), "%s", error ? error : "(redacted)");
    free(error);
    if (rc == SEMIO_ERR_INTERRUPTED)
        return semio_fail(err, rc, "%s: interrupted", c->who);
    return 0;
}

int semio_chat_reachable(SemioChat *c, SemioError *err)
{
    /* the base URL is the endpoint without its /chat/completions */
    char base[2048], url[2100], shown[2048];
    snprintf(base, sizeof(base), "%.*s", (int)(strlen(c->endpoint) - strlen("/chat/completions")),
             c->endpoint);
    snprintf(url, sizeof(url), "%s/models", base);
    SemioHttpReply reply = { 0 };
    curl_easy_reset(c->easy);
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->setup.headers);
    curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, c->setup.set.connect_timeout_ms);
    curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, c->setup.set.connect_timeout_ms);
    curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, semio_http_on_data);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &reply);
    semio_http_stoppable(c->easy, c->setup.set.stop);
    CURLcode code = curl_easy_perform(c->easy);
    free(reply.data);
    curl_easy_reset(c->easy);
    if (c->setup.set.stop && *c->setup.set.stop)
        return semio_fail(err, SEMIO_ERR_INTERRUPTED, "%s: interrupted", c->who);
    /* a slow reply still says the server is there; only one never reached is not */
    if (code == CURLE_OK || !unreachable(code))
        return 0;
    semio_url_redacted(base, shown, sizeof(shown));
    return semio_fail(err, SEMIO_ERR_IO, "%s: the server %s cannot be reached: %s", c->who,
                      shown, curl_easy_strerror(code));
}
