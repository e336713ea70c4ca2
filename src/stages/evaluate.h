/* What an evaluation from a study shares between its parts: the labels and answers
 * (evaluate.c) and what raters said about them, with the onsets runs claimed
 * (evaluate_review.c). */
#ifndef SEMIO_STAGES_EVALUATE_H
#define SEMIO_STAGES_EVALUATE_H

#include "semio/eval.h"
#include "study/db.h"

/* The evaluation's rows and signs as the study knows them, and its runs. */
typedef struct EvalFrame {
    const int64_t *vids;      /* recording ids, ascending: row r is vids[r] */
    size_t nrows;
    const char *const *signs; /* sign ids: sign k */
    size_t nsigns;
    const int64_t *run_ids;   /* the study's runs evaluated */
    const size_t *run_index;  /* the evaluation's run of each (P(yes) runs come between) */
    size_t nruns;
} EvalFrame;

/* The row of recording `id`, or -1 when it is not one. */
int semio_eval_frame_row(const EvalFrame *f, int64_t id);

/* The index of sign `id`, or -1 when it is not scored. */
int semio_eval_frame_sign(const EvalFrame *f, const char *id);

/* Hands the evaluation the raters' scores of the runs' answers and the onsets the runs
 * claimed, where the study has any (nothing otherwise: the tables stay as they were). */
int semio_eval_review_from_study(SemioStudy *s, SemioEval *ev, const EvalFrame *f,
                                 SemioError *err);

#endif
