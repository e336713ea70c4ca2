/* The study's SQLite database: schema, the SemioStudy struct, small query helpers, labels. */
#ifndef SEMIO_STUDY_DB_H
#define SEMIO_STUDY_DB_H

#include <regex.h>
#include <sqlite3.h>

#include "formats/label_csv.h"
#include "semio/study.h"

struct SemioStudy {
    sqlite3 *db;
    char *path;
    char *cache_dir;
    char host[256];  /* this machine, for the claims (study/claims.c) */
    char owner[320]; /* this connection as the owner of claims: host:pid:number */
};

/**
 * Another connection to the study `s` is open on, for a worker thread: the study was
 * checked when `s` was opened, so this one only connects (writable, with the same busy
 * timeout and pragmas) and is a claims owner of its own.
 */
int semio_study_connect(const SemioStudy *s, SemioStudy **out, SemioError *err);

/** Names this connection as an owner of claims (done by every writable open). */
void semio_claims_identify(SemioStudy *s);

/**
 * Claims the work called `what` ("sample n60-p602112-q90 v3", "ask 2 s17"...) for this
 * connection: *got is 1 when it was free, stale (its process gone, or not renewed for
 * 15 minutes) or already ours, 0 when another worker holds it. Having got it, check that
 * the work is still undone before doing it.
 */
int semio_claim(SemioStudy *s, const char *what, int *got, SemioError *err);

/** Says the claim's owner is still at work on it (a long piece of work renews it). */
int semio_claim_renew(SemioStudy *s, const char *what, SemioError *err);

/** Frees the claim; in the transaction that stores the work, so no one redoes it. */
int semio_claim_release(SemioStudy *s, const char *what, SemioError *err);

/** Frees every claim of this connection (on closing it, after an error or a stop). */
void semio_claims_release_all(SemioStudy *s);

/** Runs one or more statements without results. */
int semio_db_exec(SemioStudy *s, const char *sql, SemioError *err);

/** Prepares one statement; errors name the study file and SQLite's reason. */
int semio_db_prepare(SemioStudy *s, sqlite3_stmt **st, const char *sql, SemioError *err);

/** Fails with SQLite's current message for the study, returning SEMIO_ERR_DB. */
int semio_db_fail(SemioStudy *s, SemioError *err, const char *what);

/**
 * Steps `st` once for whether it has a row, then resets it. A statement left on a row
 * keeps its read snapshot, and the connection's next write, if another worker wrote in
 * between, fails at once ("database is locked": SQLite does not wait on a stale
 * snapshot) instead of waiting its turn.
 */
int semio_db_exists(sqlite3_stmt *st);

int semio_db_begin(SemioStudy *s, SemioError *err);
int semio_db_commit(SemioStudy *s, SemioError *err);
void semio_db_rollback(SemioStudy *s);

/** The current row of `st` as a JSON object keyed by column names (NULL -> null). */
struct json_object *semio_db_row_json(sqlite3_stmt *st);

/** Whether two JSON texts (settings stored and settings now) hold the same value; 0 when
 *  either does not parse. */
int semio_db_same_json(const char *a, const char *b);

/**
 * The file a path stored in the study names: relative to its cache, never outside it. A
 * path that is absolute, climbs out with "..", or leads out through a link is refused as
 * the sign of an edited or damaged study (SEMIO_ERR_FORMAT, naming the study and path).
 */
int semio_study_file(const SemioStudy *s, const char *stored, char *out, size_t size,
                     SemioError *err);

/** The current UTC time as ISO 8601, for *_at columns. */
const char *semio_db_now(char buf[32]);

/**
 * Stores a label file read and checked by semio_label_csv_load, in one transaction: each
 * row's recording (added with status "no_file" and its patient by `patient_rule` when the
 * study has none), its signs (where only SIGN@RATER columns exist, the majority of those
 * and of the review app's raters: semio_labels_refresh), its other columns and seizure
 * bounds; then every recording the app's raters labeled gets its majority again, as the
 * file may have taken rows or columns away. `path` is recorded as the labels' source.
 */
int semio_store_labels(SemioStudy *s, const char *path, const SemioLabelCsv *lc,
                       const SemioSignSet *signs, const regex_t *patient_rule,
                       SemioLabelsReport *rep, SemioError *err);

/**
 * Recomputes the label of `sign` in recording `video` where no label file's plain SIGN
 * column gives it: the majority of the raters' votes (the view rater_votes: label files'
 * SIGN@RATER columns and human raters' labels in the review app, the app's word winning
 * for a rater who gave both), a tie or no vote unknown; with no rater left, no label row.
 * The review app calls it after each label it saves; ingest after each label file. In the
 * caller's transaction, or in one of its own when there is none.
 */
int semio_labels_refresh(SemioStudy *s, int64_t video, const char *sign, SemioError *err);

#endif
