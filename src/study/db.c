/* Opens the study database and keeps its schema; every stage's tables live here. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/utf8.h"

#define SCHEMA_VERSION 10

/* How long a statement waits for another worker's write transaction before giving up:
 * every writer keeps its transactions short (one recording's frames, one answer). */
#define BUSY_TIMEOUT_MS 60000

/* Version 1: recordings, labels, segments, samples. */
static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    /* One row per recording, keyed by file name because label files refer to it. */
    "CREATE TABLE videos(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  file_name TEXT NOT NULL UNIQUE,\n"
    "  patient TEXT NOT NULL,\n"
    "  path TEXT,\n"
    "  size INTEGER, mtime_ns INTEGER,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok','no_file','no_video','error')),\n"
    "  error TEXT,\n"
    "  changed INTEGER NOT NULL DEFAULT 0,\n"
    "  container TEXT, video_codec TEXT, width INTEGER, height INTEGER, rotation INTEGER,\n"
    "  duration REAL, avg_fps REAL, real_fps REAL, frame_count INTEGER,\n"
    "  declared_frames INTEGER, vfr INTEGER, b_frames INTEGER, keyframes INTEGER,\n"
    "  audio_streams INTEGER, audio_codec TEXT, audio_rate INTEGER, audio_channels INTEGER,\n"
    "  warning TEXT, probe_json TEXT, probed_at TEXT,\n"
    "  seizure_start REAL, seizure_end REAL\n"
    ");\n"
    "CREATE TABLE label_sources(id INTEGER PRIMARY KEY, path TEXT NOT NULL,\n"
    "  rows INTEGER NOT NULL, ingested_at TEXT NOT NULL);\n"
    /* value: 1 yes, 0 no, NULL unknown (an empty cell is never 'no'). */
    "CREATE TABLE labels(\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL,\n"
    "  value INTEGER CHECK (value IN (0, 1)),\n"
    "  source_id INTEGER REFERENCES label_sources(id),\n"
    "  PRIMARY KEY (video_id, sign));\n"
    "CREATE TABLE label_fields(\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL, value TEXT,\n"
    "  PRIMARY KEY (video_id, name));\n"
    "CREATE TABLE segment_sets(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
    "  window REAL NOT NULL, overlap REAL NOT NULL, within_labels INTEGER NOT NULL,\n"
    "  margin REAL NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE TABLE segments(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  set_id INTEGER NOT NULL REFERENCES segment_sets(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  ordinal INTEGER NOT NULL,\n"
    "  start_s REAL NOT NULL, end_s REAL NOT NULL,\n"
    "  UNIQUE (set_id, video_id, ordinal));\n"
    "CREATE TABLE samplings(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,\n"
    "  frames INTEGER NOT NULL, fps REAL NOT NULL, max_pixels INTEGER NOT NULL,\n"
    "  quality INTEGER NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE TABLE samples(\n"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  sampling_id INTEGER NOT NULL REFERENCES samplings(id) ON DELETE CASCADE,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok','partial','failed')),\n"
    "  first_frame INTEGER, last_frame INTEGER, requested INTEGER NOT NULL,\n"
    "  written INTEGER NOT NULL, width INTEGER, height INTEGER,\n"
    "  note TEXT, error TEXT, sampled_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (segment_id, sampling_id));\n"
    "CREATE TABLE frames(\n"
    "  segment_id INTEGER NOT NULL, sampling_id INTEGER NOT NULL,\n"
    "  ordinal INTEGER NOT NULL, frame_index INTEGER NOT NULL, time_s REAL NOT NULL,\n"
    "  path TEXT NOT NULL, corrupt INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (segment_id, sampling_id, ordinal),\n"
    "  FOREIGN KEY (segment_id, sampling_id) REFERENCES samples(segment_id, sampling_id)\n"
    "    ON DELETE CASCADE);\n"
    "CREATE INDEX segments_by_video ON segments(video_id);\n";

/*
 * Version 2: runs and their answers. An answer is about one sign in one segment (or,
 * with segment_id NULL, about a whole recording, as imported predictions are), from one
 * view and one prompt text (its hash). A failed answer keeps its raw text and attempts.
 */
static const char schema_v2[] =
    "CREATE TABLE runs(\n"
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
    "  engine TEXT NOT NULL, model TEXT, base_urls TEXT, view TEXT,\n"
    "  segment_set TEXT, sampling TEXT, prompt_set TEXT,\n"
    "  settings_json TEXT NOT NULL, source TEXT,\n"
    "  version TEXT NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE TABLE answers(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, view TEXT NOT NULL DEFAULT 'raw',\n"
    "  prompt_hash TEXT NOT NULL DEFAULT '',\n"
    "  answer TEXT CHECK (answer IN ('yes', 'no', 'na')),\n"
    "  p_yes REAL CHECK (p_yes BETWEEN 0 AND 1),\n"
    "  justification TEXT, onset_s REAL, raw TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n"
    "  attempts INTEGER NOT NULL DEFAULT 1, latency_ms REAL,\n"
    "  prompt_tokens INTEGER, completion_tokens INTEGER,\n"
    "  answered_at TEXT NOT NULL,\n"
    "  CHECK ((status = 'ok') = (answer IS NOT NULL)));\n"
    "CREATE UNIQUE INDEX answers_per_segment ON answers(run_id, segment_id, sign, view,\n"
    "  prompt_hash) WHERE segment_id IS NOT NULL;\n"
    "CREATE UNIQUE INDEX answers_per_recording ON answers(run_id, video_id, sign, view,\n"
    "  prompt_hash) WHERE segment_id IS NULL;\n"
    "CREATE INDEX answers_by_video ON answers(run_id, video_id);\n";

/* Version 3: enhanced views of segments (audio WAV, denoised audio; face and pose later). */
static const char schema_v3[] =
    "CREATE TABLE views(\n"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  kind TEXT NOT NULL, path TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n"
    "  note TEXT, error TEXT, made_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (segment_id, kind));\n";

/* Version 4: transcripts of each segment's sound (raw or denoised). */
static const char schema_v4[] =
    "CREATE TABLE transcripts(\n"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  source TEXT NOT NULL, model TEXT NOT NULL, text TEXT, segments_json TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,\n"
    "  made_at TEXT NOT NULL, PRIMARY KEY (segment_id, source));\n";

/* Version 5: claims on work by the workers (processes, threads) sharing the study. */
static const char schema_v5[] =
    "CREATE TABLE claims(\n"
    "  what TEXT PRIMARY KEY,\n"
    "  owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,\n"
    "  beat REAL NOT NULL);\n";
/*
 * Version 6: why an answer failed, apart from the raw text it failed on (raw held one or
 * the other: an HTTP error's body, or the unusable text of a model). NULL for answers
 * stored before, whose raw may hold either.
 */
static const char schema_v6[] = "ALTER TABLE answers ADD COLUMN error TEXT;\n";

/*
 * Version 7: the clinicians' review. Raters (people with a secret login link, of which
 * only a SHA-256 is kept, or model judges, which never log in); their sessions; review
 * rounds (a fixed list of answers, the same for every rater); ratings of answers'
 * justifications (faithfulness 0-100 by 20), keyed by the answer itself so a rating
 * outlives the round it was given in; raters' own labels and marks of the seizure; and
 * the text of every prompt asked, by its hash, so a rater reads the question as it was sent.
 * Removing a rater revokes the link and keeps what they said.
 */
static const char schema_v7[] =
    "CREATE TABLE raters(\n"
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('human', 'judge')),\n"
    "  secret_hash TEXT UNIQUE, model TEXT,\n"
    "  created_at TEXT NOT NULL, removed_at TEXT);\n"
    "CREATE TABLE rater_sessions(\n"
    "  token_hash TEXT PRIMARY KEY,\n"
    "  rater_id INTEGER NOT NULL REFERENCES raters(id) ON DELETE CASCADE,\n"
    "  csrf TEXT NOT NULL, created_at REAL NOT NULL, seen_at REAL NOT NULL);\n"
    "CREATE TABLE rounds(\n"
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
    "  blinded INTEGER NOT NULL, show_labels INTEGER NOT NULL, seed INTEGER NOT NULL,\n"
    "  settings_json TEXT NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE TABLE round_items(\n"
    "  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,\n"
    "  ordinal INTEGER NOT NULL,\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, view TEXT NOT NULL, prompt_hash TEXT NOT NULL,\n"
    "  PRIMARY KEY (round_id, ordinal));\n"
    "CREATE TABLE round_progress(\n"
    "  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,\n"
    "  rater_id INTEGER NOT NULL REFERENCES raters(id) ON DELETE CASCADE,\n"
    "  position INTEGER NOT NULL, PRIMARY KEY (round_id, rater_id));\n"
    "CREATE TABLE ratings(\n"
    "  rater_id INTEGER NOT NULL REFERENCES raters(id) ON DELETE CASCADE,\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, view TEXT NOT NULL, prompt_hash TEXT NOT NULL,\n"
    "  score INTEGER CHECK (score IN (0, 20, 40, 60, 80, 100)),\n"
    "  comment TEXT, label_wrong INTEGER NOT NULL DEFAULT 0,\n"
    "  video_unusable INTEGER NOT NULL DEFAULT 0, reason TEXT,\n"
    "  rated_at TEXT NOT NULL);\n"
    "CREATE UNIQUE INDEX ratings_once ON ratings(rater_id, run_id, video_id,\n"
    "  ifnull(segment_id, -1), sign, view, prompt_hash);\n"
    "CREATE TABLE rater_labels(\n"
    "  rater_id INTEGER NOT NULL REFERENCES raters(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, value INTEGER CHECK (value IN (0, 1)),\n"
    "  labeled_at TEXT NOT NULL, PRIMARY KEY (rater_id, video_id, sign));\n"
    "CREATE TABLE rater_marks(\n"
    "  rater_id INTEGER NOT NULL REFERENCES raters(id) ON DELETE CASCADE,\n"
    "  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,\n"
    "  onset_s REAL, end_s REAL, comment TEXT, marked_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (rater_id, video_id));\n"
    "CREATE TABLE prompts(hash TEXT PRIMARY KEY, text TEXT NOT NULL);\n";

/*
 * Version 8: raters' labels from the review app count. A recording's label is what a label
 * file's plain SIGN column says (from_raters 0), or else the majority of every rater's vote
 * (from_raters 1): the label files' SIGN@RATER columns (kept in label_fields) and the human
 * raters' labels in the app, which the view rater_votes gathers, a rater who gave both
 * counting once, by what they said in the app (NULL there: they say "unknown" now, no vote).
 * Labels stored before were the majority where the recording has rater columns for the
 * sign and the value is their majority (a file with both kinds of column whose plain value
 * was the majority anyway is taken for a majority: the same value until the app's labels
 * come in; ingesting that file again marks it right).
 */
static const char schema_v8[] =
    "ALTER TABLE labels ADD COLUMN from_raters INTEGER NOT NULL DEFAULT 0\n"
    "  CHECK (from_raters IN (0, 1));\n"
    "CREATE VIEW rater_votes(video_id, sign, rater, value) AS\n"
    "  SELECT l.video_id, l.sign, r.name, l.value FROM rater_labels l\n"
    "    JOIN raters r ON r.id = l.rater_id WHERE r.kind = 'human'\n"
    "  UNION ALL\n"
    "  SELECT f.video_id, substr(f.name, 1, instr(f.name, '@') - 1),\n"
    "    substr(f.name, instr(f.name, '@') + 1),\n"
    "    CASE lower(trim(f.value, char(9, 10, 11, 12, 13, 32))) WHEN 'yes' THEN 1\n"
    "      WHEN 'no' THEN 0 END\n"
    "  FROM label_fields f WHERE instr(f.name, '@') > 1 AND NOT EXISTS (\n"
    "    SELECT 1 FROM rater_labels l JOIN raters r ON r.id = l.rater_id\n"
    "    WHERE r.kind = 'human' AND l.video_id = f.video_id\n"
    "      AND l.sign = substr(f.name, 1, instr(f.name, '@') - 1)\n"
    "      AND r.name = substr(f.name, instr(f.name, '@') + 1));\n"
    "UPDATE labels SET from_raters = 1 WHERE EXISTS (SELECT 1 FROM label_fields f\n"
    "    WHERE f.video_id = labels.video_id\n"
    "      AND substr(f.name, 1, length(labels.sign) + 1) = labels.sign || '@')\n"
    "  AND value IS (SELECT CASE WHEN sum(v = 1) > sum(v = 0) THEN 1\n"
    "    WHEN sum(v = 0) > sum(v = 1) THEN 0 END FROM (SELECT CASE lower(trim(f.value,\n"
    "      char(9, 10, 11, 12, 13, 32))) WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END AS v\n"
    "    FROM label_fields f WHERE f.video_id = labels.video_id\n"
    "      AND substr(f.name, 1, length(labels.sign) + 1) = labels.sign || '@'));\n";

/*
 * Version 9: supervised baselines. Features: named numbers per segment, grouped in sets
 * (kinematic, motion, sound, onnx, import), NULL where the signal was missing (never 0);
 * feature_sets records how each set was made. A trained run (engine "model") keeps which
 * fold each patient was in, each (sign, fold) model's threshold or why it failed, and the
 * out-of-fold P(yes) of every segment; its answers are per recording (segment_id NULL),
 * the segments' P(yes) merged by max or mean.
 */
static const char schema_v9[] =
    "CREATE TABLE feature_sets(name TEXT PRIMARY KEY, settings_json TEXT NOT NULL,\n"
    "  made_at TEXT NOT NULL);\n"
    "CREATE TABLE features(\n"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  feature_set TEXT NOT NULL, name TEXT NOT NULL, value REAL,\n"
    "  PRIMARY KEY (segment_id, feature_set, name)) WITHOUT ROWID;\n"
    "CREATE TABLE run_folds(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  patient TEXT NOT NULL, fold INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, patient)) WITHOUT ROWID;\n"
    "CREATE TABLE fold_models(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, fold INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,\n"
    "  threshold REAL, train_rows INTEGER, train_positives INTEGER,\n"
    "  PRIMARY KEY (run_id, sign, fold)) WITHOUT ROWID;\n"
    "CREATE TABLE fold_predictions(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, fold INTEGER NOT NULL, p_yes REAL,\n"
    "  PRIMARY KEY (run_id, segment_id, sign)) WITHOUT ROWID;\n";

/*
 * Version 10: prompt searches (semio prompts). A search splits the patients once into
 * train, validation and test; its candidates (the base question, parent NULL, and the
 * reflection model's rewrites, each with its parent, or why it was rejected) and their
 * scores per part; each reflection's exchange. Its answers live in a run of its own
 * (named "search:NAME"), keyed by prompt_hash as every answer: the cache evaluate shares.
 */
static const char schema_v10[] =
    "CREATE TABLE prompt_searches(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
    "  signs TEXT NOT NULL, settings_json TEXT NOT NULL, seed INTEGER NOT NULL,\n"
    "  run_id INTEGER REFERENCES runs(id), created_at TEXT NOT NULL);\n"
    "CREATE TABLE prompt_splits(\n"
    "  search_id INTEGER NOT NULL REFERENCES prompt_searches(id) ON DELETE CASCADE,\n"
    "  patient TEXT NOT NULL,\n"
    "  part TEXT NOT NULL CHECK (part IN ('train', 'validation', 'test')),\n"
    "  PRIMARY KEY (search_id, patient)) WITHOUT ROWID;\n"
    "CREATE TABLE prompt_candidates(id INTEGER PRIMARY KEY,\n"
    "  search_id INTEGER NOT NULL REFERENCES prompt_searches(id) ON DELETE CASCADE,\n"
    "  sign TEXT NOT NULL, step INTEGER NOT NULL, text TEXT NOT NULL,\n"
    "  prompt_hash TEXT, parent_id INTEGER REFERENCES prompt_candidates(id),\n"
    "  status TEXT NOT NULL CHECK (status IN ('base', 'kept', 'dropped', 'rejected')),\n"
    "  why TEXT, created_at TEXT NOT NULL,\n"
    "  UNIQUE (search_id, sign, step));\n"
    "CREATE TABLE candidate_scores(\n"
    "  candidate_id INTEGER NOT NULL REFERENCES prompt_candidates(id) ON DELETE CASCADE,\n"
    "  part TEXT NOT NULL, items INTEGER NOT NULL, correct INTEGER NOT NULL,\n"
    "  PRIMARY KEY (candidate_id, part)) WITHOUT ROWID;\n"
    "CREATE TABLE reflections(\n"
    "  candidate_id INTEGER PRIMARY KEY REFERENCES prompt_candidates(id) ON DELETE CASCADE,\n"
    "  request TEXT NOT NULL, reply TEXT, attempts INTEGER NOT NULL,\n"
    "  prompt_tokens INTEGER, completion_tokens INTEGER,\n"
    "  asked_at TEXT NOT NULL);\n";

/* migrations[v] takes a study from version v to v + 1. */
static const char *const migrations[SCHEMA_VERSION] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6, schema_v7, schema_v8,
    schema_v9, schema_v10
};

/*
 * Whether the last failure on db was a full disk (or quota). SQLite says SQLITE_FULL for a
 * write cut short, but "disk I/O error" (SQLITE_IOERR_SHMSIZE, errno ENOSPC) when the WAL's
 * shared-memory file cannot grow, which happens on opening, before any query.
 */
static int disk_full(sqlite3 *db, int *e)
{
    int code = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_OK;
    *e = db ? sqlite3_system_errno(db) : 0;
    if (code == SQLITE_IOERR && (*e == ENOSPC || *e == EDQUOT))
        return 1;
    if (code != SQLITE_FULL)
        return 0;
    *e = *e == EDQUOT ? EDQUOT : ENOSPC; /* SQLite clears errno for a short write */
    return 1;
}

/* SQLite's words for the last failure on s, or where the disk is full. */
static const char *db_reason(SemioStudy *s, char *buf, size_t size)
{
    int e;
    if (disk_full(s->db, &e))
        return semio_write_strerror(e, s->path, buf, size);
    return s->db ? sqlite3_errmsg(s->db) : "out of memory";
}

#define DB_REASON(s) db_reason((s), (char[1024]){0}, 1024)

int semio_db_fail(SemioStudy *s, SemioError *err, const char *what)
{
    return semio_fail(err, SEMIO_ERR_DB, "%s: %s: %s", s->path, what, DB_REASON(s));
}

int semio_db_exec(SemioStudy *s, const char *sql, SemioError *err)
{
    char *msg = NULL;
    int e;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int r = semio_fail(err, SEMIO_ERR_DB, "%s: %s", s->path,
                           disk_full(s->db, &e) ? DB_REASON(s) : msg ? msg : "database error");
        sqlite3_free(msg);
        return r;
    }
    return 0;
}

int semio_db_prepare(SemioStudy *s, sqlite3_stmt **st, const char *sql, SemioError *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return semio_db_fail(s, err, "cannot prepare a query");
    return 0;
}

int semio_db_exists(sqlite3_stmt *st)
{
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return found;
}

int semio_db_begin(SemioStudy *s, SemioError *err)
{
    return semio_db_exec(s, "BEGIN IMMEDIATE", err);
}

int semio_db_commit(SemioStudy *s, SemioError *err)
{
    return semio_db_exec(s, "COMMIT", err);
}

void semio_db_rollback(SemioStudy *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int semio_db_same_json(const char *a, const char *b)
{
    json_object *x = a ? json_tokener_parse(a) : NULL, *y = b ? json_tokener_parse(b) : NULL;
    int same = x && y && json_object_equal(x, y);
    json_object_put(x);
    json_object_put(y);
    return same;
}

json_object *semio_db_row_json(sqlite3_stmt *st)
{
    json_object *o = json_object_new_object();
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        json_object *v = NULL;
        switch (sqlite3_column_type(st, c)) {
        case SQLITE_INTEGER: v = json_object_new_int64(sqlite3_column_int64(st, c)); break;
        case SQLITE_FLOAT: v = json_object_new_double(sqlite3_column_double(st, c)); break;
        case SQLITE_TEXT: { /* a file name or a server's text may be any bytes: JSON is UTF-8 */
            const char *t = (const char *)sqlite3_column_text(st, c);
            char *mended = semio_utf8_valid(t) ? NULL : semio_utf8_mend(t);
            v = json_object_new_string(mended ? mended : t);
            free(mended);
            break;
        }
        default: break;
        }
        json_object_object_add(o, sqlite3_column_name(st, c), v);
    }
    return o;
}

const char *semio_db_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static int user_version(SemioStudy *s, int *v, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "PRAGMA user_version", err);
    if (r < 0)
        return r;
    if (sqlite3_step(st) != SQLITE_ROW) {
        int e, full = disk_full(s->db, &e);
        char why[1024];
        db_reason(s, why, sizeof(why));
        sqlite3_finalize(st);
        return semio_fail(err, SEMIO_ERR_DB, "%s: %s: %s", s->path,
                          full ? "cannot read the study" : "not an SQLite database", why);
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/*
 * WAL mode. Two processes that open a new study at once both ask for it, and SQLite answers
 * one of them "database is locked" at once, without waiting (the busy handler is not called
 * for that lock): asked again a moment later, the study is in WAL mode already.
 */
static int set_wal(SemioStudy *s, SemioError *err)
{
    for (int tries = 0;; tries++) {
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        if (tries * 20 >= BUSY_TIMEOUT_MS)
            break;
        nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000000L }, NULL);
    }
    return semio_db_fail(s, err, "cannot set the study's journal to WAL");
}

static int ensure_schema(SemioStudy *s, SemioError *err)
{
    int v = 0, r = user_version(s, &v, err);
    if (r < 0)
        return r;
    if (v == SCHEMA_VERSION)
        return 0;
    if (v > SCHEMA_VERSION)
        return semio_fail(err, SEMIO_ERR_CONFLICT,
                          "%s: made by a newer semio (schema %d, this one knows %d)", s->path, v,
                          SCHEMA_VERSION);
    sqlite3_stmt *st;
    if ((r = semio_db_prepare(s, &st, "SELECT count(*) FROM sqlite_master", err)) < 0)
        return r;
    int tables = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (tables && v == 0)
        return semio_fail(err, SEMIO_ERR_CONFLICT,
                          "%s: an SQLite database that is not a semio study", s->path);
    char sql[256];
    if ((r = semio_db_begin(s, err)) < 0)
        return r;
    /* another process may have set the schema up while this one waited for the lock */
    if ((r = user_version(s, &v, err)) < 0 || v == SCHEMA_VERSION) {
        if (r == 0)
            return semio_db_commit(s, err);
        semio_db_rollback(s);
        return r;
    }
    for (int from = v; r == 0 && from < SCHEMA_VERSION; from++)
        r = semio_db_exec(s, migrations[from], err);
    if (r == 0 && v == 0) {
        char now[32];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO meta VALUES ('created_at', '%s'), ('created_by', 'semio %s');",
                 semio_db_now(now), semio_version());
        r = semio_db_exec(s, sql, err);
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", SCHEMA_VERSION);
    if (r == 0)
        r = semio_db_exec(s, sql, err);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    return r;
}

char *semio_study_cache_for(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".db"))
        n -= 3;
    char *dir = malloc(n + 7);
    if (dir)
        snprintf(dir, n + 7, "%.*s.cache", (int)n, path);
    return dir;
}

/* The words every refusal of a damaged study ends with. */
static int damaged(SemioStudy *s, const char *what, SemioError *err)
{
    return semio_fail(err, SEMIO_ERR_DB, "%s: the study is damaged (%s); semio writes nothing "
                      "into it. 'semio status --study %s --check' lists the damage; 'semio "
                      "recover %s NEW.db' copies what can still be read into a new study",
                      s->path, what, s->path, s->path);
}

/* The check's failure where it says nothing of the study: a full disk, or memory run out
 * (SQLite's NOMEM, or a shared-memory map the system refused); 0 for any other. */
static int not_damage(SemioStudy *s, SemioError *err)
{
    int e;
    if (disk_full(s->db, &e))
        return semio_db_fail(s, err, "cannot read the study");
    int code = sqlite3_extended_errcode(s->db) & 0xff;
    if (code == SQLITE_NOMEM || (code == SQLITE_IOERR && sqlite3_system_errno(s->db) == ENOMEM))
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: cannot read the study: out of memory",
                          s->path);
    return 0;
}

/* SQLite's quick_check: the b-trees and their pages, without the index cross-checks.
 * Measured: 0.42 s for a 170 MB study of 200,000 answers (integrity_check: 0.68 s), so
 * every command pays it once on opening. */
static int quick_check(SemioStudy *s, SemioError *err)
{
    sqlite3_stmt *st;
    int r;
    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
        return (r = not_damage(s, err)) ? r : damaged(s, sqlite3_errmsg(s->db), err);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && (r = not_damage(s, err))) {
        sqlite3_finalize(st);
        return r;
    }
    char what[512];
    snprintf(what, sizeof(what), "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                                        : sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    for (char *c = what; *c; c++)
        *c = *c == '\n' ? ' ' : *c; /* one line: "*** in database main *** Page 6: ..." */
    /* a page it could not read for want of memory (SQLITE_NOMEM is 7) says nothing of it */
    static const char nomem[] = "unable to get the page. error code=7";
    const char *code = strstr(what, nomem);
    if (code && !isdigit((unsigned char)code[sizeof(nomem) - 1]))
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: cannot read the study: out of memory",
                          s->path);
    return rc == SQLITE_ROW && !strcmp(what, "ok") ? 0 : damaged(s, what, err);
}

/* A file name as an SQLite URI path ("file:" + the path, '%', '?' and '#' escaped). */
static char *uri_of(const char *path, const char *query)
{
    size_t n = strlen(path), k = 5;
    char *u = malloc(5 + 3 * n + strlen(query) + 1);
    if (!u)
        return NULL;
    memcpy(u, "file:", 5);
    for (const char *c = path; *c; c++)
        k += (size_t)(strchr("%?#", *c) ? sprintf(u + k, "%%%02X", (unsigned char)*c)
                                        : (u[k] = *c, 1));
    strcpy(u + k, query);
    return u;
}

/* Opens for reading only. In a folder semio may not write, SQLite cannot make the WAL's
 * shared-memory file: the study is then read as immutable, which is safe when no -wal
 * file holds changes (a cleanly closed study has none). */
static int open_read(SemioStudy *s, SemioError *err)
{
    char *uri = uri_of(s->path, "?mode=ro");
    int rc = uri ? sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL)
                 : SQLITE_NOMEM;
    free(uri);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) {
        char wal[PATH_MAX + 8];
        struct stat st;
        snprintf(wal, sizeof(wal), "%s-wal", s->path);
        if (stat(wal, &st) == 0 && st.st_size > 0)
            return semio_fail(err, SEMIO_ERR_IO, "%s: cannot read the study here: its folder is "
                              "read-only and %s holds changes not yet in it (open it once "
                              "where it can be written)", s->path, wal);
        sqlite3_close(s->db);
        s->db = NULL;
        uri = uri_of(s->path, "?immutable=1");
        rc = uri ? sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL)
                 : SQLITE_NOMEM;
        free(uri);
    }
    if (rc != SQLITE_OK && rc != SQLITE_CORRUPT && rc != SQLITE_NOTADB)
        return semio_db_fail(s, err, "cannot open the study");
    return 0;
}

/* The schema as this semio writes it: a study read only is not upgraded. */
static int schema_is_current(SemioStudy *s, SemioError *err)
{
    int v = 0, r = user_version(s, &v, err);
    if (r == 0 && v != SCHEMA_VERSION)
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: schema %d, this semio reads %d: %s", s->path,
                       v, SCHEMA_VERSION, v > SCHEMA_VERSION ? "made by a newer semio"
                       : "open it once with a command that writes (semio segment, say) to "
                         "upgrade it");
    return r;
}

int semio_study_open(SemioStudy **out, const char *path, SemioStudyMode mode, SemioError *err)
{
    *out = NULL;
    struct stat st;
    if (mode != SEMIO_STUDY_CREATE && stat(path, &st) != 0)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no such study (semio ingest makes one)",
                          path);
    SemioStudy *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path)) || !(s->cache_dir = semio_study_cache_for(path))) {
        semio_study_close(&s);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    int r;
    if (mode == SEMIO_STUDY_READ) {
        if ((r = open_read(s, err)) < 0)
            goto fail;
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        if ((r = quick_check(s, err)) < 0 || (r = schema_is_current(s, err)) < 0)
            goto fail;
        *out = s;
        return 0;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        r = semio_db_fail(s, err, "cannot open the study");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if ((r = quick_check(s, err)) < 0)
        goto fail;
    if ((r = set_wal(s, err)) < 0 ||
        (r = semio_db_exec(s, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
                              "PRAGMA cell_size_check = ON;", err)) < 0 ||
        (r = ensure_schema(s, err)) < 0)
        goto fail;
    semio_claims_identify(s);
    *out = s;
    return 0;
fail:
    semio_study_close(&s);
    return r;
}

int semio_study_connect(const SemioStudy *from, SemioStudy **out, SemioError *err)
{
    *out = NULL;
    SemioStudy *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(from->path)) || !(s->cache_dir = strdup(from->cache_dir))) {
        semio_study_close(&s);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    int r = 0;
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        r = semio_fail(err, SEMIO_ERR_DB, "%s: cannot open the study: %s", s->path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
    if (r == 0) {
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        r = semio_db_exec(s, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
                             "PRAGMA cell_size_check = ON;", err);
    }
    if (r < 0) {
        semio_study_close(&s);
        return r;
    }
    semio_claims_identify(s);
    *out = s;
    return 0;
}

int semio_study_check(const char *path, char **report, SemioError *err)
{
    *report = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no such study", path);
    SemioStudy s = { .path = (char *)path };
    int r = open_read(&s, err);
    sqlite3_stmt *q = NULL;
    if (r == 0 && sqlite3_prepare_v2(s.db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK)
        *report = strdup(sqlite3_errmsg(s.db));
    size_t len = 0;
    for (int rc; r == 0 && q && (rc = sqlite3_step(q)) != SQLITE_DONE;) {
        const char *line = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0)
                                            : sqlite3_errmsg(s.db);
        char *grown = realloc(*report, len + strlen(line) + 2);
        if (!grown) {
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        *report = grown;
        len += (size_t)sprintf(*report + len, "%s%s", len ? "\n" : "", line);
        if (rc != SQLITE_ROW)
            break;
    }
    sqlite3_finalize(q);
    sqlite3_close(s.db);
    if (r == 0 && !*report && !(*report = strdup("ok")))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return r;
}

void semio_study_close(SemioStudy **ps)
{
    SemioStudy *s = *ps;
    if (!s)
        return;
    if (s->db)
        semio_claims_release_all(s);
    sqlite3_close(s->db);
    free(s->path);
    free(s->cache_dir);
    free(s);
    *ps = NULL;
}

const char *semio_study_path(const SemioStudy *s)
{
    return s->path;
}

const char *semio_study_cache_dir(const SemioStudy *s)
{
    return s->cache_dir;
}

/* Whether a relative path has a ".." component. */
static int climbs(const char *path)
{
    for (const char *c = path; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
            return 1;
    return 0;
}

int semio_study_file(const SemioStudy *s, const char *stored, char *out, size_t size,
                     SemioError *err)
{
    if (!stored || !stored[0] || stored[0] == '/' || climbs(stored))
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: the stored path '%s' leads outside the "
                          "study's cache %s: the study was edited or is damaged", s->path,
                          stored ? stored : "", s->cache_dir);
    int r = semio_path(err, out, size, "%s/%s", s->cache_dir, stored);
    char real[PATH_MAX], root[PATH_MAX];
    if (r == 0 && realpath(out, real) && realpath(s->cache_dir, root)) {
        size_t n = strlen(root);
        if (strncmp(real, root, n) || real[n] != '/')
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: the stored path '%s' leads through a "
                           "link to %s, outside the study's cache %s", s->path, stored, real,
                           s->cache_dir);
    }
    return r;
}

int semio_run_name_check(const char *name, SemioError *err)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 128)
        return semio_fail(err, SEMIO_ERR_INVALID, "a run needs a name of 1 to 128 bytes");
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return semio_fail(err, SEMIO_ERR_INVALID, "'%s' is not a run name", name);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '/' || *c == '\\')
            return semio_fail(err, SEMIO_ERR_INVALID, "run name '%s': a name, not a path (no "
                              "'/', '\\' or control characters)", name);
    if (!semio_utf8_valid(name))
        return semio_fail(err, SEMIO_ERR_INVALID, "run name: not valid UTF-8");
    return 0;
}
