/*
 * The study: one SQLite database (WAL) that every stage reads and writes, plus a
 * cache folder beside it for sampled frames and views. The stages that fill and read it
 * are in semio/stages.h.
 */
#ifndef SEMIO_STUDY_H
#define SEMIO_STUDY_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioStudy SemioStudy;

/** Called as a stage advances: `done` of `total` items, `item` names the current one. */
typedef void (*SemioProgressFn)(void *user, const char *stage, int64_t done, int64_t total,
                                const char *item);

/** How a study is opened. */
typedef enum SemioStudyMode {
    SEMIO_STUDY_WRITE = 0,  /**< a study that exists, to read and write (most stages) */
    SEMIO_STUDY_CREATE = 1, /**< the same, created where there is none (ingest, run) */
    SEMIO_STUDY_READ = 2,   /**< only read, so it works in a read-only folder too (status,
                                 export, eval) */
} SemioStudyMode;

/**
 * Opens the study database at `path`; its cache is PATH minus ".db" plus ".cache". A study
 * that does not exist is SEMIO_ERR_NOT_FOUND unless mode is SEMIO_STUDY_CREATE (a mistyped
 * path never becomes a new, empty study). Every open checks the database quickly (SQLite's
 * quick_check): a damaged study is SEMIO_ERR_DB saying how to recover it, and nothing is
 * written into it.
 */
SEMIO_API int semio_study_open(SemioStudy **out, const char *path, SemioStudyMode mode,
                               SemioError *err);

/**
 * Checks a study file's database fully (SQLite's integrity_check), whatever its state:
 * *report gets "ok" or SQLite's list of problems (free with semio_free). Returns 0 when
 * the check ran, whether or not it found damage.
 */
SEMIO_API int semio_study_check(const char *path, char **report, SemioError *err);
SEMIO_API void semio_study_close(SemioStudy **s);

/** The cache folder of the study at `path` (PATH minus ".db", plus ".cache"); free with
 *  semio_free; NULL when out of memory. */
SEMIO_API char *semio_study_cache_for(const char *path);

/**
 * Checks a run's name: a name, never a path (exports are written as NAME.csv), so 1 to
 * 128 bytes of valid UTF-8 without '/', '\\' or control characters, and not "." or "..".
 */
SEMIO_API int semio_run_name_check(const char *name, SemioError *err);

SEMIO_API const char *semio_study_path(const SemioStudy *s);
SEMIO_API const char *semio_study_cache_dir(const SemioStudy *s);

/* ---- labels ------------------------------------------------------------ */

/** What a label file changed in the study (semio_ingest_labels, semio/stages.h). */
typedef struct SemioLabelsReport {
    int rows;         /**< data rows read */
    int new_videos;   /**< rows whose recording is not (yet) in the study: "no file" */
    int sign_columns; /**< columns recognized as signs */
    int values_set;   /**< sign values stored or changed */
    int unchanged;    /**< sign values already stored as they are */
    int removed;      /**< values the file said before and says no more (a column or a row
                           gone): the file is a source, re-ingesting it replaces what it said */
    int bounds_changed; /**< recordings whose seizure start or end changed: segments made
                           within the old bounds are replaced by the next semio segment */
} SemioLabelsReport;

/* ---- status ------------------------------------------------------------ */

/** A JSON summary of the study (recordings, labels, segments, samples, problems). */
SEMIO_API int semio_status_json(SemioStudy *s, char **json, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
