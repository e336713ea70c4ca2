/* The queue of answers a CPU engine has ready for the ask loop (completions.h). */
#include <stddef.h>
#include <stdlib.h>

#include "engine/completions.h"
#include "util/error.h"

struct SemioQueued {
    SemioQueued *next;
    void *user;
    double latency_ms;
    max_align_t item[]; /* the engine's own, of the size it asked for */
};

void *semio_completions_add(SemioCompletions *q, size_t size, void *user, double latency_ms,
                            SemioError *err)
{
    SemioQueued *d = calloc(1, sizeof(*d) + size);
    if (!d) {
        semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->user = user;
    d->latency_ms = latency_ms;
    if (!q->tail)
        q->tail = &q->head;
    *q->tail = d;
    q->tail = &d->next;
    q->pending++;
    return d->item;
}

void semio_completions_deliver(SemioCompletions *q, SemioQueuedFn fill, SemioCompletionFn fn,
                               void *user)
{
    while (q->head) {
        SemioQueued *d = q->head;
        /* off the queue before fn sees it, so the queue is whole whatever fn does */
        if (!(q->head = d->next))
            q->tail = &q->head;
        q->pending--;
        SemioCompletion c = {
            .user = d->user, .attempts = 1, .latency_ms = d->latency_ms,
            .prompt_tokens = -1, .completion_tokens = -1, .cached_tokens = -1,
        };
        fill(d->item, &c);
        fn(user, &c);
        free(d);
    }
}

void semio_completions_free(SemioCompletions *q)
{
    while (q->head) {
        SemioQueued *d = q->head;
        q->head = d->next;
        free(d);
    }
    q->tail = &q->head;
    q->pending = 0;
}
