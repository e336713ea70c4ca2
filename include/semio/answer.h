/*
 * The answers and labels every part of semio speaks: what an engine answered about a sign
 * in a recording, and what the experts said. Prediction files, the study, the engines and
 * eval all use these values.
 */
#ifndef SEMIO_ANSWER_H
#define SEMIO_ANSWER_H

#ifdef __cplusplus
extern "C" {
#endif

/** An answer about one sign in one recording. */
typedef enum SemioAnswer {
    SEMIO_ANSWER_NO = 0,
    SEMIO_ANSWER_YES = 1,
    SEMIO_ANSWER_NA = 2,      /**< "not applicable" (verbal_responsiveness: nobody asked) */
    SEMIO_ANSWER_FAILED = 3,  /**< no usable answer after all retries */
    SEMIO_ANSWER_MISSING = 4, /**< never asked / absent from the predictions */
} SemioAnswer;

/** Labels: 1 yes, 0 no, -1 unknown (an empty cell). */
#define SEMIO_LABEL_UNKNOWN (-1)

#ifdef __cplusplus
}
#endif
#endif
