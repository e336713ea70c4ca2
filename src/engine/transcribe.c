/* Speech to text through an OpenAI-compatible /audio/transcriptions endpoint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "engine/http.h"
#include "semio/engine.h"
#include "util/error.h"

void semio_transcript_free(SemioTranscript *t)
{
    free(t->text);
    free(t->segments_json);
    t->text = t->segments_json = NULL;
}

/* One attempt: 0 done, 1 worth retrying, < 0 refused for good. */
static int attempt(CURL *c, const SemioOpenAISettings *s, const char *url,
                   struct curl_slist *headers, const uint8_t *wav, size_t size,
                   SemioTranscript *out, SemioHttpReply *reply, SemioError *err)
{
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filename(part, "window.wav");
    curl_mime_type(part, "audio/wav");
    curl_mime_data(part, (const char *)wav, size);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "model");
    curl_mime_data(part, s->model, CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "response_format");
    curl_mime_data(part, "verbose_json", CURL_ZERO_TERMINATED);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, semio_http_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, semio_http_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, reply);
    semio_http_stoppable(c, s->stop);
    CURLcode code = curl_easy_perform(c);
    long http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    curl_mime_free(mime);
    if (code != CURLE_OK) {
        semio_fail(err, SEMIO_ERR_IO, "%s: %s", url, curl_easy_strerror(code));
        return 1;
    }
    if (semio_http_retryable(http)) {
        semio_fail(err, SEMIO_ERR_IO, "%s: HTTP %ld", url, http);
        return 1;
    }
    if (http != 200)
        return semio_fail(err, SEMIO_ERR_CONFLICT, "%s: HTTP %ld: %.300s", url, http,
                          reply->data ? reply->data : "");
    json_object *root = json_tokener_parse(reply->data ? reply->data : ""), *text, *segs;
    if (!root || !json_object_object_get_ex(root, "text", &text) ||
        !json_object_is_type(text, json_type_string)) {
        json_object_put(root);
        semio_fail(err, SEMIO_ERR_FORMAT, "%s: the reply has no text", url);
        return 1;
    }
    out->text = strdup(json_object_get_string(text));
    if (json_object_object_get_ex(root, "segments", &segs) &&
        json_object_is_type(segs, json_type_array)) {
        json_object *keep = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(segs); i++) {
            json_object *g = json_object_array_get_idx(segs, i), *v, *o = json_object_new_object();
            static const char *const keys[3] = { "start", "end", "text" };
            for (int k = 0; k < 3; k++)
                if (json_object_object_get_ex(g, keys[k], &v))
                    json_object_object_add(o, keys[k], json_object_get(v));
            json_object_array_add(keep, o);
        }
        out->segments_json = strdup(json_object_to_json_string_ext(keep, JSON_C_TO_STRING_PLAIN));
        json_object_put(keep);
    }
    json_object_put(root);
    return out->text ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

static int transcribe(const SemioOpenAISettings *s, const uint8_t *wav, size_t size,
                      SemioTranscript *out, SemioError *err)
{
    if (!s->model || !s->nurls)
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: a server URL and a model are required");
    if (strncmp(s->urls[0], "http://", 7) && strncmp(s->urls[0], "https://", 8))
        return semio_fail(err, SEMIO_ERR_INVALID, "transcribe: '%s' is not an http(s) URL",
                          s->urls[0]);
    char url[2048], auth[1024];
    size_t n = strlen(s->urls[0]);
    while (n && s->urls[0][n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "%.*s/audio/transcriptions", (int)n, s->urls[0]);
    struct curl_slist *headers = NULL;
    const char *key = s->api_key_env ? getenv(s->api_key_env) : NULL;
    if (key && *key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        headers = curl_slist_append(headers, auth);
    }
    CURL *c = curl_easy_init();
    if (!c) {
        curl_slist_free_all(headers);
        return semio_fail(err, SEMIO_ERR_NOMEM, "transcribe: cannot start libcurl");
    }
    int r = 1;
    uint64_t rng = ((uint64_t)(uintptr_t)out ^ (uint64_t)getpid() << 20) | 1;
    for (int tries = 0; r == 1; tries++) {
        SemioHttpReply reply = { 0 };
        r = attempt(c, s, url, headers, wav, size, out, &reply, err);
        free(reply.data);
        if (s->stop && *s->stop)
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "%s: interrupted", url);
        else if (r == 1 && tries >= s->max_retries)
            r = err ? err->code : SEMIO_ERR_IO;
        else if (r == 1 &&
                 semio_sleep_unless_stopped(semio_retry_delay(s, tries + 1, reply.retry_after,
                                                              &rng), s->stop))
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "%s: interrupted", url);
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    memset(auth, 0, sizeof(auth));
    return r < 0 ? r : 0;
}

int semio_transcribe_wav(const SemioOpenAISettings *s, const uint8_t *wav, size_t size,
                         SemioTranscript *out, SemioError *err)
{
    memset(out, 0, sizeof(*out));
    int r = transcribe(s, wav, size, out, err);
    if (r < 0 && err) { /* an error may quote the URL or a reply that echoes the key */
        SemioSecrets secrets = { 0 };
        semio_secrets_add(&secrets, s->api_key_env ? getenv(s->api_key_env) : NULL);
        for (size_t i = 0; i < s->nurls; i++)
            semio_secrets_add_url(&secrets, s->urls[i]);
        char *shown = semio_secrets_redact(&secrets, err->message);
        snprintf(err->message, sizeof(err->message), "%s", shown ? shown : "(redacted)");
        free(shown);
        semio_secrets_clear(&secrets);
    }
    return r;
}
