/*
 * The clinicians' review: raters, review rounds, ratings of the models' justifications,
 * raters' own labels, a model judge beside them, and the local web app (semio serve) in
 * which raters do both. Everything lives in the study (schema version 7).
 */
#ifndef SEMIO_REVIEW_H
#define SEMIO_REVIEW_H

#include "semio/common.h"
#include "semio/engine.h"
#include "semio/study.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- raters ------------------------------------------------------------ */

/**
 * Adds a rater called `name` (1 to 64 bytes of UTF-8, no control characters) and gives
 * them a new secret (*secret, 43 characters of base64url, free with semio_free): their
 * login link carries it, and the study keeps only its SHA-256. A name already in use is
 * SEMIO_ERR_CONFLICT; a removed rater's name may be added again, which gives them a new
 * link and keeps what they said before.
 */
SEMIO_API int semio_rater_add(SemioStudy *s, const char *name, char **secret, SemioError *err);

/** Revokes a rater's link and sessions; their ratings and labels stay in the study. */
SEMIO_API int semio_rater_remove(SemioStudy *s, const char *name, SemioError *err);

/** The raters as JSON: [{"name", "kind", "created_at", "removed_at", "ratings", "labels"}]. */
SEMIO_API int semio_raters_json(SemioStudy *s, char **json, SemioError *err);

/* ---- review rounds -------------------------------------------------------- */

typedef enum SemioReviewOnly {
    SEMIO_REVIEW_ALL = 0,
    SEMIO_REVIEW_CORRECT = 1, /**< answers that agree with the expert label */
    SEMIO_REVIEW_WRONG = 2,   /**< answers that do not */
} SemioReviewOnly;

typedef struct SemioRoundSettings {
    const char *runs;   /**< comma list of run names (required) */
    const char *signs;  /**< comma list of sign ids, or NULL for all */
    SemioReviewOnly only;
    int items;          /**< how many answers, drawn at random; 0 = all that qualify */
    int blinded;        /**< raters see "model A/B/..." by a code of their own */
    int show_labels;    /**< raters see the expert label (default 1) */
    uint64_t seed;      /**< the draw and every rater's order (default 1) */
} SemioRoundSettings;

SEMIO_API void semio_round_default_settings(SemioRoundSettings *s);

/**
 * Makes the review round `name`: the answers of the runs that qualify (status ok, a yes or
 * no answer, and for correct/wrong a known expert label), `items` of them drawn with the
 * seed. Every rater gets the same items, each in their own seeded order. *count gets the
 * number of items. A round of that name already there is SEMIO_ERR_CONFLICT.
 */
SEMIO_API int semio_round_add(SemioStudy *s, const char *name, const SemioRoundSettings *set,
                              int *count, SemioError *err);

/** The rounds as JSON: [{"name", "items", "blinded", "show_labels", "settings", "raters":
 *  [{"name", "rated"}]}]. */
SEMIO_API int semio_rounds_json(SemioStudy *s, char **json, SemioError *err);

/* ---- the model judge ----------------------------------------------------------- */

typedef struct SemioJudgeSettings {
    const char *run;        /**< the run whose justifications are rated (required) */
    const char *name;       /**< the rater it is stored as; NULL: "judge:" + the model */
    const char *signs;      /**< comma list of sign ids or groups (limb, facial, audio, all),
                                 or NULL for all */
    SemioReviewOnly only;   /**< all answers, or those that agree (disagree) with the label */
    int limit;              /**< at most this many answers, drawn with seed 1 as a review
                                 round of `limit` items over the run is; 0 = all */
    int redo;               /**< rate again what this judge rated already */
    const SemioOpenAISettings *engine; /**< the server that judges (required): model, URLs
                                 (several: replicas), key, profile, timeouts, retries;
                                 `concurrency` requests in flight, each from a worker of
                                 its own */
    volatile int *stop;     /**< non-zero: nothing more is sent, the requests in flight are
                                 abandoned (what was stored stays); may be NULL */
    /** Called for each answer that got no rating, with why (the rest go on). */
    void (*on_error)(void *user, const char *item, const char *message);
    void *error_user;
} SemioJudgeSettings;

SEMIO_API void semio_judge_default_settings(SemioJudgeSettings *s);

typedef struct SemioJudgeReport {
    int qualified;          /**< answers that qualify (after signs, only and limit) */
    int rated;              /**< rated now */
    int failed;             /**< no usable rating (each said to on_error); nothing stored */
    int done_before;        /**< rated by this judge before (resumed) */
    char rater[128];        /**< the name the ratings are stored under */
} SemioJudgeReport;

/**
 * Has a multimodal model rate the faithfulness of a run's justifications on the raters'
 * scale (0-100 by 20) with a short reason. It sees what the answering model saw (the
 * window's frames, or its view of them, or its sound), the question as it was sent and the
 * answer with its justification. Ratings are stored under a rater of kind "judge", which no
 * human consensus ever counts, one statement each as they arrive: running again rates only
 * what is missing. A rating off the scale or unreadable is asked again, then counted as
 * failed with nothing stored. A server that cannot be reached, refuses the credentials or
 * cannot take the pictures stops the whole call (SEMIO_ERR_IO, SEMIO_ERR_REFUSED).
 * progress(user, "judge", done, total, item) follows the answers rated or failed.
 */
SEMIO_API int semio_judge(SemioStudy *s, const SemioJudgeSettings *set, SemioJudgeReport *rep,
                          SemioProgressFn progress, void *user, SemioError *err);

/* ---- the web app ------------------------------------------------------------ */

typedef struct SemioServeSettings {
    const char *listen;    /**< "HOST:PORT"; default 127.0.0.1:8640; port 0 picks one */
    const char *tls_cert;  /**< PEM files; required for an address other than loopback */
    const char *tls_key;
    const char *origin;    /**< the Origin browsers send, when behind a proxy; NULL: derived
                                from listen */
} SemioServeSettings;

SEMIO_API void semio_serve_default_settings(SemioServeSettings *s);

typedef struct SemioServer SemioServer;

/**
 * Starts the review app on the study at `study_path` (opened by each request thread).
 * Returns once it listens; *url gets its base URL ("http://127.0.0.1:8640"). A
 * non-loopback address without TLS is SEMIO_ERR_INVALID.
 */
SEMIO_API int semio_serve_start(SemioServer **out, const char *study_path,
                                const SemioServeSettings *set, SemioError *err);

/** The base URL the server answers on (valid until semio_serve_stop). */
SEMIO_API const char *semio_serve_url(const SemioServer *srv);

/** Stops the server and waits for the requests in progress. */
SEMIO_API void semio_serve_stop(SemioServer **srv);

#ifdef __cplusplus
}
#endif
#endif
