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

/* Sleeps `seconds` in short slices; returns early (1) once *stop is non-zero. */
int semio_sleep_unless_stopped(double seconds, const volatile int *stop);

#endif
