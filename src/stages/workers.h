/*
 * Workers: one stage's loop run on several threads at once (`--jobs N`), each on its own
 * connection to the study, sharing the work through claims (study/claims.c) exactly as
 * separate processes do. The first worker runs in the caller's thread on its connection.
 */
#ifndef SEMIO_STAGES_WORKERS_H
#define SEMIO_STAGES_WORKERS_H

#include <pthread.h>

#include "study/db.h"

typedef struct Workers {
    pthread_mutex_t lock;    /* for what the workers share: the stage's report, progress */
    volatile int *stop;      /* the caller's: set on SIGINT, SIGTERM */
    volatile int failed;     /* a worker failed: the others stop at their next step */
} Workers;

/* A worker's loop: takes work until none is left, stopping early when workers_halted. */
typedef int (*WorkerFn)(SemioStudy *s, Workers *w, void *user, SemioError *err);

/** The workers `jobs` asks for: itself when positive, else the machine's cores. */
int workers_count(int jobs);

/**
 * Runs `fn` on `jobs` workers (see workers_count) and waits for them all. A worker's
 * error stops the others; the first error that is not a stop is returned.
 */
int workers_run(SemioStudy *s, int jobs, volatile int *stop, WorkerFn fn, void *user,
                SemioError *err);

/* The first members of a stage's work item: workers take a recording's items together. */
typedef struct WorkKey {
    int64_t segment, video;
} WorkKey;

/**
 * Takes the next recording's items of `items` (n of `stride` bytes, each starting with a
 * WorkKey, ordered by recording): items[*a..*b). 0 when none is left. `*next` is the
 * stage's shared cursor, moved under the workers' lock.
 */
int workers_take(Workers *w, size_t *next, const void *items, size_t n, size_t stride,
                 size_t *a, size_t *b);

/** Whether a worker should stop: the caller asked, or another worker failed. */
int workers_halted(const Workers *w);

#endif
