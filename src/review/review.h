/* What the review's parts share: the key of an answer, ratings, raters' secrets and labels. */
#ifndef SEMIO_REVIEW_INTERNAL_H
#define SEMIO_REVIEW_INTERNAL_H

#include <stdint.h>

#include <json-c/json.h>

#include "semio/review.h"
#include "study/db.h"

/* An answer, as the answers table keys it (segment 0: an answer about a whole recording). */
typedef struct ReviewKey {
    int64_t run, video, segment;
    char sign[64], view[64], hash[65];
} ReviewKey;

/* What a rater says about one answer. score -1: no score (a comment or a flag alone). */
typedef struct ReviewRating {
    int score;
    const char *comment, *reason;
    int label_wrong, video_unusable;
} ReviewRating;

/* The scale: 0-100 by 20, keys 0-5. */
int review_score_valid(int score);

/* A new random secret, 32 bytes as base64url (43 characters), and its SHA-256 in hex. */
int review_secret(char out[44], SemioError *err);
void review_secret_hash(const char *secret, char hex[65]);

/* The rater named `name` of kind "judge" (made when absent); a human of that name is
 * SEMIO_ERR_CONFLICT, so a judge is never mixed into the human raters. */
int review_judge_rater(SemioStudy *s, const char *name, const char *model, int64_t *id,
                       SemioError *err);

/* Stores (replaces) a rater's rating of an answer, in one statement. */
int review_rate(SemioStudy *s, int64_t rater, const ReviewKey *k, const ReviewRating *r,
                SemioError *err);

/* Takes a rater's rating of an answer back (undo of a first rating). */
int review_unrate(SemioStudy *s, int64_t rater, const ReviewKey *k, SemioError *err);

/* A rater's label of a sign in a recording: value 1 yes, 0 no, -1 unknown (cleared); the
 * recording's consensus label follows (semio_labels_refresh) in the same transaction. */
int review_label(SemioStudy *s, int64_t rater, int64_t video, const char *sign, int value,
                 SemioError *err);

/* A rater's marks of a recording's seizure (NAN: not marked) and comment. */
int review_mark(SemioStudy *s, int64_t rater, int64_t video, double onset, double end,
                const char *comment, SemioError *err);

/* Binds a key to ?first.. ?first+5 as run, video, segment (NULL for 0), sign, view, hash. */
void review_bind_key(sqlite3_stmt *st, int first, const ReviewKey *k);

/* A comma list as a JSON array of its items (trimmed), for json_each in a query. */
json_object *review_list_json(const char *list);

/*
 * The rowids of the answers a review may rate, in a fixed order (run, recording, window,
 * sign, view, prompt): of the runs in `runs` (a JSON array of names), the signs in `signs`
 * (NULL: all), status ok, a yes or no answer with a justification, and for `only` correct
 * or wrong a known expert label that it agrees or disagrees with. *ids: malloc'ed.
 */
int review_candidates(SemioStudy *s, json_object *runs, json_object *signs,
                      SemioReviewOnly only, int64_t **ids, size_t *n, SemioError *err);

/* Keeps `take` of the n ids (0, or n or more: all), drawn with the seed, in their order:
 * the same list, take and seed always keep the same ones. */
int review_draw(int64_t *ids, size_t *n, size_t take, uint64_t seed, SemioError *err);

/* A seeded 64-bit generator (splitmix64): the same seed gives the same draw everywhere. */
uint64_t review_random(uint64_t *state);

/* Rater `rater`'s order of a round's n items: order[i] is the ordinal shown i-th. */
void review_order(uint64_t seed, int64_t rater, int64_t *order, size_t n);

/* Rater `rater`'s code for each of a round's nruns runs: code[i] is 'A' + a permutation. */
void review_codes(uint64_t seed, int64_t rater, char *code, size_t nruns);

#endif
