/*
 * The judge's question and the reading of its answer: how faithful a model's justification
 * is to what that model was shown, on the raters' scale (0-100 by 20), with a short reason.
 */
#ifndef SEMIO_ENGINE_RATING_H
#define SEMIO_ENGINE_RATING_H

#include <stddef.h>

#include <json-c/json.h>

/* What the answering model was given, sent again before the judge's question. */
typedef enum SemioRatingMedia {
    SEMIO_RATING_FRAMES, /* sampled frames */
    SEMIO_RATING_POSE,   /* the frames with the patient's skeleton drawn over them */
    SEMIO_RATING_FACE,   /* the frames cropped to the patient's face */
    SEMIO_RATING_SOUND,  /* the window's sound */
} SemioRatingMedia;

/* One answer to rate. */
typedef struct SemioRatingItem {
    SemioRatingMedia media;
    const char *question;      /* the exact text the model was asked */
    const char *answer;        /* "yes" or "no" */
    const char *justification;
    double onset_s;            /* the sign's start it gave, NaN for none */
} SemioRatingItem;

/* Whether a score is on the raters' scale: 0, 20, 40, 60, 80 or 100. */
int semio_rating_on_scale(int score);

/* The judge's question about an item, with the rubric (malloc'ed; NULL without memory). */
char *semio_rating_prompt(const SemioRatingItem *it);

/* The response_format asking for {"score": one of the scale, "reason": text}. */
json_object *semio_rating_format(void);

/*
 * Reads a judge's reply tolerantly, as answers are read (code fences, prose around the
 * JSON, keys in any case, the score as a number or a string such as "80" or "80%"): 0 with
 * *score and *reason (malloc'ed, trimmed), or -1 with why: no JSON, a score off the scale
 * (never moved onto it: 55 is not said to be 60), no reason.
 */
int semio_rating_read(const char *text, int *score, char **reason, char *why, size_t why_size);

#endif
