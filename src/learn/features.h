/* Inside the learned features: what each set's file offers the driver and the docs table. */
#ifndef SEMIO_LEARN_FEATURES_H
#define SEMIO_LEARN_FEATURES_H

#include "semio/learn.h"

/* The bands every rhythm is cut into (Hz): slow movement, clonic jerks, tremor-like shaking. */
#define LEARN_BANDS { { 0.5, 3 }, { 3, 6 }, { 6, 9 } }

/* Each set's documented names, in the order its function fills out[]. */
const SemioFeatureDoc *learn_kinematic_docs(size_t *n);
const SemioFeatureDoc *learn_sound_docs(size_t *n);
const SemioFeatureDoc *learn_motion_docs(size_t *n);

/* The motion set's size and i-th name for a grid (the docs list the default 4 x 4). */
size_t learn_motion_count(int grid);
void learn_motion_name(size_t i, int grid, char *out, size_t size);

/* The motion set's reader, kept open over the windows of one recording. */
typedef struct LearnMotion LearnMotion;
int learn_motion_open(LearnMotion **out, SemioError *err);
int learn_motion_compute(LearnMotion *lm, const char *path, double start, double end,
                         const SemioMotionSettings *m, double *out, SemioError *err);
void learn_motion_close(LearnMotion *lm);

/* What one window's features are computed from. */
typedef struct LearnWindow {
    const SemioSignals *sig;  /* keypoints, sound (NULL audio: none) */
    const char *path;         /* the recording */
    double start, end;        /* seconds on its timeline */
} LearnWindow;

/*
 * A feature set as the driver (stages/features.c) runs it: one entry per set, so adding a
 * set is one line of learn/sets.c. A set that loads something once per run (a network) has
 * `open`, and what it returns is handed to its other functions as `state`; `per_window` 0:
 * its values come whole from a file (import), not from each window.
 */
typedef struct LearnSet {
    const char *name;
    int per_window;
    int needs_signals;        /* keypoints or sound: semio_window_signals first */
    int needs_audio;          /* the window's sound, from the recording when no view has it */
    const SemioFeatureDoc *(*docs)(size_t *n); /* fixed names; else count and name_at */
    int (*open)(void **state, const SemioFeatureSettings *set, SemioError *err);
    void (*close)(void *state);
    size_t (*count)(const SemioFeatureSettings *set, void *state);
    void (*name_at)(const SemioFeatureSettings *set, void *state, size_t i, char *out,
                    size_t size);
    int (*compute)(const LearnWindow *w, const SemioFeatureSettings *set, void *state,
                   double *out, SemioError *err);
    void (*describe)(const SemioFeatureSettings *set, void *state, char *json, size_t size);
} LearnSet;

/* The set called `name`, or NULL. */
const LearnSet *learn_set_find(const char *name);

/* How many values a set has under these settings, and the i-th one's name. */
size_t learn_set_count(const LearnSet *ls, const SemioFeatureSettings *set, void *state);
void learn_set_name(const LearnSet *ls, const SemioFeatureSettings *set, void *state, size_t i,
                    char *out, size_t size);

/* The segment set `name` (NULL: the newest): *id, its name into shown; SEMIO_ERR_NOT_FOUND
 * saying so when there is none. */
int learn_segment_set(SemioStudy *s, const char *name, int64_t *id, char *shown, size_t size,
                      SemioError *err);

/* One imported file of features (set import): one row per window, NaN for an empty cell. */
typedef struct LearnImport {
    size_t ncols, nrows;
    char **column;            /* feature names, the header's after file_name, start, end */
    char **file_name;         /* of each row */
    double *start, *end;
    double *x;                /* x[row * ncols + col] */
    size_t *line;             /* each row's line in the file */
} LearnImport;

/* Reads and checks FILE.csv: one clear error naming the file, line and what is wrong. */
int learn_import_read(const char *path, LearnImport *im, SemioError *err);
void learn_import_free(LearnImport *im);

/* p10, p50 and p90 of x[0..n) into out[0..3); NaN when n is 0. */
void learn_percentiles(const double *x, size_t n, double *out);

#endif
