/*
 * What the clients of OpenAI-compatible servers share: a reply collected from libcurl,
 * the server's Retry-After, and how long to wait before trying again.
 */
#ifndef SEMIO_ENGINE_HTTP_H
#define SEMIO_ENGINE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "semio/engine.h"

typedef struct SemioHttpReply {
    char *data;          /* NUL-terminated body, or NULL */
    size_t len, cap;
    double retry_after;  /* seconds the server asked for; 0 if it did not (or gave a date) */
} SemioHttpReply;

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION with a SemioHttpReply as their data. */
size_t semio_http_on_data(char *ptr, size_t size, size_t n, void *reply);
size_t semio_http_on_header(char *line, size_t size, size_t n, void *reply);

/*
 * Sets up `c` to POST `body` (len bytes, kept by the caller until the transfer ends) to
 * `url` with `headers`, the settings' timeouts, http(s) only, the reply (emptied first)
 * and its Retry-After collected in `reply`.
 */
void semio_http_post(CURL *c, const char *url, const struct curl_slist *headers,
                     const char *body, size_t len, const SemioOpenAISettings *s,
                     SemioHttpReply *reply);

/* Makes a transfer on `c` end as soon as *stop is non-zero (NULL: never). */
void semio_http_stoppable(CURL *c, const volatile int *stop);

/* Empties the reply for another attempt (keeps its buffer). */
void semio_http_reply_reset(SemioHttpReply *r);

/*
 * The wait before attempt `attempt` + 1: exponential backoff from s->backoff_s with
 * jitter (x0.5 .. x1.5, from *rng), or the server's Retry-After when longer; never more
 * than s->max_wait_s, so no server can hold a run for longer than the user allows.
 */
double semio_retry_delay(const SemioOpenAISettings *s, int attempt, double retry_after,
                         uint64_t *rng);

/*
 * Whether another attempt can help after HTTP `status`: a timeout (408), too many requests
 * (429), a gateway or a server that is down or overloaded (502, 503, 504), or a server error
 * (500, which the caller stops retrying once it repeats itself). A refusal (400, 401, 403,
 * 404, 422 and the rest) comes back the same however often it is asked.
 */
int semio_http_retryable(long status);

/*
 * What a server's error body says, on one line of at most size - 1 bytes: the message of
 * {"error": {"message": ...}} (OpenAI, llama-server, Ollama), {"message": ...} (vLLM,
 * LMDeploy, SGLang), {"error": "..."} or {"detail": ...} (FastAPI), else the body itself
 * with its whitespace folded; "(no body)" for none.
 */
void semio_http_error_words(const char *body, char *out, size_t size);

/*
 * The phrase in a refusal's words that says the server cannot do what every question asks
 * (the model is not there, it takes no pictures or sound, or not as many as a window has),
 * or NULL. Their phrasing: vLLM "M is not a multimodal model", "The model `M` does not
 * exist." (LMDeploy alike), "At most 0 image(s) may be provided in one request.";
 * llama-server "image input is not supported by this server" (a 500); Ollama "this model
 * does not support image input", "model \"M\" not found, try pulling it first"; and the
 * "not supported" / "does not support" of SGLang and gateways.
 */
const char *semio_http_unsupported(const char *words);

/* What one attempt leaves to do. */
typedef enum SemioHttpNext {
    SEMIO_HTTP_DONE,      /* a 200 reply: the caller reads it */
    SEMIO_HTTP_AGAIN,     /* try again after a wait (semio_retry_delay) */
    SEMIO_HTTP_AGAIN_NOW, /* try again at once (a caller's own reason: more room to answer) */
    SEMIO_HTTP_GIVE_UP,   /* this request will not fare better */
    SEMIO_HTTP_STOP_RUN,  /* no request will: the server cannot do what semio asks */
} SemioHttpNext;

/*
 * What a finished transfer to `endpoint` leaves to do, with why in `error` (the OpenAI
 * engine's policy and the judge's alike): a 200 is DONE for the caller to read; a lost
 * connection or a timeout (libcurl's `curl_code`, not CURLE_OK) is tried again; a refusal
 * whose words say the server cannot do what every request asks stops the run, naming the
 * server and quoting it; a 500 is tried again until it says the same thing twice running
 * (*last_500 holds the previous attempt's 500 body, set and freed here; the caller frees
 * what is left when the request ends); 408, 429, 502, 503 and 504 are tried again; any
 * other status gives up.
 */
SemioHttpNext semio_http_next(const char *endpoint, int curl_code, long http, const char *body,
                              char **last_500, char *error, size_t size);

/* Sleeps `seconds` in short slices; returns early (1) once *stop is non-zero. */
int semio_sleep_unless_stopped(double seconds, const volatile int *stop);

/* ---- secrets -------------------------------------------------------------------- */

/* What must never be stored or printed: the API key, the passwords in server URLs. */
typedef struct SemioSecrets {
    char *items[72];
    size_t n;
} SemioSecrets;

/* Adds a secret (copied); texts shorter than 4 characters are not worth hiding. */
void semio_secrets_add(SemioSecrets *s, const char *secret);

/* Adds the password of a URL's user information, as written and as decoded. */
void semio_secrets_add_url(SemioSecrets *s, const char *url);

/* A copy of text with every secret replaced by "[redacted]"; NULL for NULL (or no memory). */
char *semio_secrets_redact(const SemioSecrets *s, const char *text);

/* Wipes and frees every secret. */
void semio_secrets_clear(SemioSecrets *s);

/* The URL with its password replaced by "redacted" (as stored in runs and printed). */
void semio_url_redacted(const char *url, char *out, size_t size);

#endif
