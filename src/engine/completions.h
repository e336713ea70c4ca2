/*
 * Answers an engine has ready, waiting for the ask loop to collect them: the CPU engines
 * (kinematic, model) answer a window's questions when it is submitted and hand the
 * answers over, in the order they came, on wait.
 */
#ifndef SEMIO_ENGINE_COMPLETIONS_H
#define SEMIO_ENGINE_COMPLETIONS_H

#include <stddef.h>

#include "semio/engine.h"

typedef struct SemioQueued SemioQueued;

/* Zeroed (calloc) is an empty queue. */
typedef struct SemioCompletions {
    SemioQueued *head, **tail;
    size_t pending;
} SemioCompletions;

/* Fills in what the engine's own item says of one answer (ok, answer, p_yes, raw, error);
 * the queue has set the question's user, the latency, one attempt and no token counts. */
typedef void (*SemioQueuedFn)(void *item, SemioCompletion *c);

/*
 * A zeroed item of `size` bytes at the end of the queue, for the engine to fill, answering
 * the question whose user is `user`; NULL when out of memory (err says so).
 */
void *semio_completions_add(SemioCompletions *q, size_t size, void *user, double latency_ms,
                            SemioError *err);

/* Hands every queued answer to fn, first in first out, and frees it. */
void semio_completions_deliver(SemioCompletions *q, SemioQueuedFn fill, SemioCompletionFn fn,
                               void *user);

/* Frees the answers never collected. */
void semio_completions_free(SemioCompletions *q);

#endif
