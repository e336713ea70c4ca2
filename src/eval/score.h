/* The scoring core shared by single scores and the bootstrap. */
#ifndef SEMIO_EVAL_SCORE_H
#define SEMIO_EVAL_SCORE_H

#include "semio/eval.h"

/* A confusion table: cell [label * 3 + answer], label no/yes, answer no/yes/na. */
#define SEMIO_CELLS 6

/**
 * The cell a row lands in under `rules`, or -1 when the row is left out; exclusions
 * and positives are counted into m when m is not NULL.
 */
int semio_cell(int8_t label, uint8_t answer, SemioRules rules, SemioMetrics *m);

/**
 * F1: the harmonic mean of precision and recall, 0 when both are 0. The one formula for
 * the scores and for choosing thresholds, so a tuned threshold maximizes what is reported.
 */
double semio_f1(double precision, double recall);

/** Every metric from a (possibly weighted) confusion table. Returns 1 if macro-averaged. */
int semio_metrics_from_cells(const double cells[SEMIO_CELLS], double value[SEMIO_METRIC_COUNT]);

#endif
