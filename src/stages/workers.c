/* Runs a stage's worker loop on several threads, each with its own study connection. */
#include <stdlib.h>
#include <unistd.h>

#include "stages/workers.h"
#include "util/error.h"

typedef struct Worker {
    pthread_t thread;
    SemioStudy *s;
    Workers *w;
    WorkerFn fn;
    void *user;
    SemioError err;
    int r;
} Worker;

int workers_count(int jobs)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return jobs > 0 ? jobs : cores > 0 ? (int)cores : 1;
}

int workers_halted(const Workers *w)
{
    return w->failed || (w->stop && *w->stop);
}

static int64_t video_at(const void *items, size_t stride, size_t i)
{
    return ((const WorkKey *)(const void *)((const char *)items + i * stride))->video;
}

int workers_take(Workers *w, size_t *next, const void *items, size_t n, size_t stride,
                 size_t *a, size_t *b)
{
    pthread_mutex_lock(&w->lock);
    *a = *next;
    while (*next < n && video_at(items, stride, *next) == video_at(items, stride, *a))
        (*next)++;
    *b = *next;
    pthread_mutex_unlock(&w->lock);
    return *a < *b;
}

static void *work(void *arg)
{
    Worker *k = arg;
    k->r = k->fn(k->s, k->w, k->user, &k->err);
    if (k->r < 0 && k->r != SEMIO_ERR_INTERRUPTED)
        k->w->failed = 1;
    return NULL;
}

int workers_run(SemioStudy *s, int jobs, volatile int *stop, WorkerFn fn, void *user,
                SemioError *err)
{
    int n = workers_count(jobs), r = 0;
    Workers w = { .stop = stop };
    Worker *k = calloc((size_t)n, sizeof(*k));
    if (!k)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&w.lock, NULL);
    int started = 1;
    for (int i = 0; i < n; i++)
        k[i] = (Worker){ .s = s, .w = &w, .fn = fn, .user = user };
    for (int i = 1; i < n && r == 0; i++, started++) {
        if ((r = semio_study_connect(s, &k[i].s, err)) < 0)
            break;
        if (pthread_create(&k[i].thread, NULL, work, &k[i]) != 0) {
            semio_study_close(&k[i].s);
            r = semio_fail(err, SEMIO_ERR_NOMEM, "cannot start a worker thread");
            break;
        }
    }
    if (r < 0)
        w.failed = 1; /* the ones started stop at once */
    work(&k[0]);
    for (int i = 1; i < started; i++) {
        pthread_join(k[i].thread, NULL);
        semio_study_close(&k[i].s);
    }
    /* the first real error; a stop only where nothing else went wrong */
    for (int i = 0; i < started && r == 0; i++)
        if (k[i].r < 0 && k[i].r != SEMIO_ERR_INTERRUPTED)
            r = semio_fail(err, k[i].r, "%s", k[i].err.message);
    for (int i = 0; i < started && r == 0; i++)
        if (k[i].r < 0)
            r = semio_fail(err, k[i].r, "%s", k[i].err.message);
    pthread_mutex_destroy(&w.lock);
    free(k);
    return r;
}
