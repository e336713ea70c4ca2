/*
 * What the clients of OpenAI-compatible servers share: a reply collected from libcurl,
 * the server's Retry-After, and how long to wait before trying again.
 */
#ifndef SEMIO_ENGINE_HTTP_H
#define SEMIO_ENGINE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "semio/engine.h"

typedef struct SemioHttpReply {
    char *data;          /* NUL-terminated body, or NULL */
    size_t len, cap;
    double retry_after;  /* seconds the server asked for; 0 if it did not (or gave a date) */
} SemioHttpReply;

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION with a SemioHttpReply as their data. */
size_t semio_http_on_data(char *ptr, size_t size, size_t n, void *reply);
size_t semio_http_on_header(char *line, size_t size, size_t n, void *reply);

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

/* Sleeps `seconds` in short slices; returns early (1) once *stop is non-zero. */
int semio_sleep_unless_stopped(double seconds, const volatile int *stop);

#endif

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
