/*
 * What the prompt search's files share: a search's rows, its items (a window of a patient
 * of one part with the sign's label) and the asker that scores a question on items with
 * the search's own run as the answer cache.
 */
#ifndef SEMIO_SEARCH_INTERNAL_H
#define SEMIO_SEARCH_INTERNAL_H

#include "semio/search.h"
#include "stages/window.h"
#include "study/db.h"

typedef struct SearchItem {
    int64_t segment, video;
    int patient;            /* index into the search's patients */
    int label;              /* 1 yes, 0 no */
    int test;               /* a test patient's: never asked before the final scoring */
} SearchItem;

typedef struct SearchRow {
    int64_t id;
    char signs[1024];
    char settings[4096];
    uint64_t seed;
} SearchRow;

/* The search by name: 1 found, 0 not, < 0 an error. */
int search_find(SemioStudy *s, const char *name, SearchRow *row, SemioError *err);

/* A sign's labelled windows of one part ("train", "validation", "test") ordered by
 * segment; patients numbered by their order in the study. */
int search_items(SemioStudy *s, int64_t search, int64_t set_id, int64_t sampling,
                 const char *sign, const char *part, SearchItem **out, size_t *n,
                 SemioError *err);

/* One answer read back: whether it was right, and what was said. */
typedef struct SearchAnswer {
    int correct;
    char answer[8];         /* yes, no, na, or "" for a failure */
    char *justification;
} SearchAnswer;

typedef struct Asker {
    SemioStudy *s;
    SemioEngine *engine;
    int64_t run, sampling, set_id;
    WindowInputs in;
    sqlite3_stmt *find, *insert, *keep_prompt;
    int final;              /* the final scoring: test windows may go */
    /* the (segment, question) pairs this search has needed so far, in its order: what the
     * budget counts, the same on a rerun that finds them answered */
    struct { int64_t segment; uint64_t hash; } *seen;
    size_t nseen, capseen;
    int64_t sent;           /* requests this process sent (the rest came from the cache) */
    int fatal;
    SemioError *err;
} Asker;

/* Opens the search's run (made on first use, its engine settings checked after). */
int asker_open(Asker *a, SemioStudy *s, const char *search, const SemioSearchSettings *set,
               SemioError *err);
void asker_close(Asker *a);

/* How many of items[] the question has not needed before (what asking them would cost). */
int64_t asker_cost(const Asker *a, const char *hash, const SearchItem *items, size_t n);

/* Asks what is not answered and reads every answer back into out[] (each justification
 * the caller's to free, with search_answers_free). */
int asker_score(Asker *a, const SemioSign *sign, const char *text, const char *hash,
                const SearchItem *items, size_t n, SearchAnswer *out);
void search_answers_free(SearchAnswer *out, size_t n);

/* The reflection: a rewrite of `question` from the sign's definition and wrong cases. */
typedef struct ReflectCase {
    const char *answer, *justification;
    int label;
} ReflectCase;

char *reflect_request(const SemioSign *sign, const char *question, const ReflectCase *cases,
                      size_t n);

/* Reads {"question": ...} from a reply; NULL with why when it holds none. */
char *reflect_read(const char *reply, char *why, size_t size);

/* Whether a candidate is one yes/no question about what is seen or heard: NULL, or why not. */
const char *reflect_check(const char *question, char *why, size_t size);

#endif
