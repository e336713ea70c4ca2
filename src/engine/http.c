/* Collecting server replies, reading Retry-After, and the waits between attempts. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "engine/http.h"

size_t semio_http_on_data(char *ptr, size_t size, size_t n, void *reply)
{
    SemioHttpReply *b = reply;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + add + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0; /* libcurl fails the transfer; it is retried */
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

size_t semio_http_on_header(char *line, size_t size, size_t n, void *reply)
{
    SemioHttpReply *r = reply;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(line, "Retry-After:", 12)) {
        double d = strtod(line + 12, NULL); /* seconds; an HTTP date reads as 0 */
        r->retry_after = isfinite(d) && d > 0 ? d : 0;
    }
    return len;
}

void semio_http_reply_reset(SemioHttpReply *r)
{
    r->len = 0;
    if (r->data)
        r->data[0] = '\0';
    r->retry_after = 0;
}

void semio_http_post(CURL *c, const char *url, const struct curl_slist *headers,
                     const char *body, size_t len, const SemioOpenAISettings *s,
                     SemioHttpReply *reply)
{
    semio_http_reply_reset(reply);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, semio_http_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, semio_http_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, reply);
}

/* libcurl's progress callback: a transfer ends as soon as the user asks to stop. */
static int on_progress(void *stop, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const volatile int *flag = stop;
    (void)dt, (void)dn, (void)ut, (void)un;
    return flag && *flag;
}

void semio_http_stoppable(CURL *c, const volatile int *stop)
{
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
}

double semio_retry_delay(const SemioOpenAISettings *s, int attempt, double retry_after,
                         uint64_t *rng)
{
    double d = s->backoff_s * pow(2, attempt - 1);
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    d *= 0.5 + (double)(*rng >> 11) / 9007199254740992.0; /* jitter: x0.5 .. x1.5 */
    if (retry_after > d)
        d = retry_after; /* the server said when */
    return d < s->max_wait_s ? d : s->max_wait_s;
}

int semio_http_retryable(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 ||
           status == 503 || status == 504;
}

/* The text a server's error object gives, or NULL. */
static const char *message_of(json_object *root)
{
    static const char *const keys[] = { "error", "message", "detail" };
    for (int k = 0; k < 3; k++) {
        json_object *v, *m;
        if (!json_object_object_get_ex(root, keys[k], &v) || !v)
            continue;
        if (json_object_is_type(v, json_type_object) &&
            json_object_object_get_ex(v, "message", &m) && m)
            return json_object_get_string(m);
        return json_object_get_string(v); /* a string, or FastAPI's list as JSON */
    }
    return NULL;
}

void semio_http_error_words(const char *body, char *out, size_t size)
{
    json_object *root = body ? json_tokener_parse(body) : NULL;
    const char *text = root && json_object_is_type(root, json_type_object) ? message_of(root)
                                                                            : NULL;
    if (!text)
        text = body;
    size_t k = 0;
    int space = 0;
    for (const char *c = text; c && *c && k + 1 < size; c++) {
        if (isspace((unsigned char)*c)) {
            space = k > 0;
            continue;
        }
        if (space && k + 2 < size)
            out[k++] = ' ';
        space = 0;
        out[k++] = *c;
    }
    out[k] = '\0';
    if (!k)
        snprintf(out, size, "(no body)");
    json_object_put(root);
}

const char *semio_http_unsupported(const char *words)
{
    static const char *const phrases[] = {
        "not supported", "does not support", "is not a multimodal model",
        "not found, try pulling it first", "may be provided in one",
    };
    char low[1024];
    size_t k = 0;
    for (; words[k] && k + 1 < sizeof(low); k++)
        low[k] = (char)tolower((unsigned char)words[k]);
    low[k] = '\0';
    for (size_t i = 0; i < sizeof(phrases) / sizeof(*phrases); i++)
        if (strstr(low, phrases[i]))
            return phrases[i];
    /* "The model `M` does not exist." (vLLM, LMDeploy); not a path or a file */
    if (strstr(low, "model") && strstr(low, "does not exist"))
        return "does not exist";
    return NULL;
}

SemioHttpNext semio_http_next(const char *endpoint, int curl_code, long http, const char *body,
                              char **last_500, char *error, size_t size)
{
    if (curl_code != CURLE_OK || http != 500) { /* "twice" means two attempts in a row */
        free(*last_500);
        *last_500 = NULL;
    }
    if (curl_code != CURLE_OK) {
        snprintf(error, size, "%s", curl_easy_strerror((CURLcode)curl_code));
        return SEMIO_HTTP_AGAIN;
    }
    if (http == 200)
        return SEMIO_HTTP_DONE;
    char words[400], shown[2048];
    body = body ? body : "";
    semio_http_error_words(body, words, sizeof(words));
    if (semio_http_unsupported(words)) { /* so will every other request be refused */
        semio_url_redacted(endpoint, shown, sizeof(shown));
        snprintf(error, size, "the server %.500s cannot do what semio asks (HTTP %ld): \"%s\"",
                 shown, http, words);
        return SEMIO_HTTP_STOP_RUN;
    }
    snprintf(error, size, "HTTP %ld: %s", http, words);
    if (http == 500) { /* a fault that repeats itself word for word is not passing */
        if (*last_500 && !strcmp(*last_500, body)) {
            snprintf(error, size, "the server failed the same way twice: HTTP 500: %s", words);
            return SEMIO_HTTP_GIVE_UP;
        }
        free(*last_500);
        *last_500 = strdup(body);
        return SEMIO_HTTP_AGAIN;
    }
    return semio_http_retryable(http) ? SEMIO_HTTP_AGAIN : SEMIO_HTTP_GIVE_UP;
}

int semio_sleep_unless_stopped(double seconds, const volatile int *stop)
{
    while (seconds > 0) {
        if (stop && *stop)
            return 1;
        double slice = seconds < 0.1 ? seconds : 0.1;
        usleep((useconds_t)(slice * 1e6));
        seconds -= slice;
    }
    return stop && *stop;
}

/* ---- secrets -------------------------------------------------------------------- */

void semio_secrets_add(SemioSecrets *s, const char *secret)
{
    if (!secret || strlen(secret) < 4 || s->n == sizeof(s->items) / sizeof(*s->items))
        return;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i], secret))
            return;
    char *copy = strdup(secret);
    if (copy)
        s->items[s->n++] = copy;
}

void semio_secrets_add_url(SemioSecrets *s, const char *url)
{
    CURLU *h = curl_url();
    char *pw = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK) {
        if (curl_url_get(h, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK) {
            semio_secrets_add(s, pw);
            curl_free(pw);
        }
        if (curl_url_get(h, CURLUPART_PASSWORD, &pw, CURLU_URLDECODE) == CURLUE_OK) {
            semio_secrets_add(s, pw);
            curl_free(pw);
        }
    }
    curl_url_cleanup(h);
}

char *semio_secrets_redact(const SemioSecrets *s, const char *text)
{
    static const char mask[] = "[redacted]";
    if (!text)
        return NULL;
    char *out = strdup(text);
    for (size_t i = 0; out && i < s->n; i++) {
        size_t k = strlen(s->items[i]);
        for (char *hit = strstr(out, s->items[i]); hit; hit = strstr(out, s->items[i])) {
            size_t before = (size_t)(hit - out), after = strlen(hit + k);
            char *next = malloc(before + sizeof(mask) - 1 + after + 1);
            if (!next) {
                free(out);
                return NULL;
            }
            memcpy(next, out, before);
            memcpy(next + before, mask, sizeof(mask) - 1);
            memcpy(next + before + sizeof(mask) - 1, hit + k, after + 1);
            free(out);
            out = next;
        }
    }
    return out;
}

void semio_secrets_clear(SemioSecrets *s)
{
    for (size_t i = 0; i < s->n; i++) {
        volatile char *p = s->items[i];
        while (*p)
            *p++ = 0;
        free(s->items[i]);
    }
    s->n = 0;
}

void semio_url_redacted(const char *url, char *out, size_t size)
{
    CURLU *h = curl_url();
    char *pw = NULL, *clean = NULL;
    snprintf(out, size, "%s", url);
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK &&
        curl_url_set(h, CURLUPART_PASSWORD, "redacted", 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_URL, &clean, 0) == CURLUE_OK) {
        /* libcurl writes the URL in its normal form: keep the user's where nothing is hidden */
        snprintf(out, size, "%s", clean);
    }
    curl_free(pw);
    curl_free(clean);
    curl_url_cleanup(h);
}
