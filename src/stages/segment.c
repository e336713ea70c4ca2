/*
 * semio segment: the windows questions are asked about. Segments are time spans;
 * the sampler turns them into exact frame ranges with the recording's own timestamps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "semio/stages.h"
#include "study/db.h"
#include "util/error.h"

void semio_segment_default_settings(SemioSegmentSettings *s)
{
    memset(s, 0, sizeof(*s));
}

static void set_name(const SemioSegmentSettings *set, char *out, size_t size)
{
    if (set->name) {
        snprintf(out, size, "%s", set->name);
        return;
    }
    int n = set->window > 0 ? snprintf(out, size, "w%g-o%g", set->window, set->overlap)
                            : snprintf(out, size, "whole");
    if (set->within_labels && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, "-labels-m%g", set->margin);
}

/* Finds or creates the set; an existing set must have the same settings. */
static int find_set(SemioStudy *s, const SemioSegmentSettings *set, const char *name,
                    int64_t *id, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT id, window, overlap, within_labels, margin "
                                     "FROM segment_sets WHERE name = ?", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        int same = sqlite3_column_double(st, 1) == set->window &&
                   sqlite3_column_double(st, 2) == set->overlap &&
                   sqlite3_column_int(st, 3) == set->within_labels &&
                   sqlite3_column_double(st, 4) == set->margin;
        sqlite3_finalize(st);
        if (!same)
            return semio_fail(err, SEMIO_ERR_CONFLICT,
                              "%s: segment set '%s' already exists with other settings; choose "
                              "another name", s->path, name);
        return 0;
    }
    sqlite3_finalize(st);
    char now[32];
    if ((r = semio_db_prepare(s, &st, "INSERT INTO segment_sets(name, window, overlap, "
                                      "within_labels, margin, created_at) VALUES (?,?,?,?,?,?)",
                              err)) < 0)
        return r;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, set->window);
    sqlite3_bind_double(st, 3, set->overlap);
    sqlite3_bind_int(st, 4, set->within_labels);
    sqlite3_bind_double(st, 5, set->margin);
    sqlite3_bind_text(st, 6, semio_db_now(now), -1, SQLITE_STATIC);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot create segment set");
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(s->db);
    return r;
}

static int add_segment(SemioStudy *s, sqlite3_stmt *ins, int64_t set_id, int64_t video, int ord,
                       double a, double b, SemioError *err)
{
    sqlite3_bind_int64(ins, 1, set_id);
    sqlite3_bind_int64(ins, 2, video);
    sqlite3_bind_int(ins, 3, ord);
    sqlite3_bind_double(ins, 4, a);
    sqlite3_bind_double(ins, 5, b);
    int r = sqlite3_step(ins);
    sqlite3_reset(ins);
    return r == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot store a segment");
}

/* Drops a recording's segments of one set, and with them (by the schema's cascades) the
 * records of their samples, views, transcripts and answers; the answers are counted. */
static int drop_segments(SemioStudy *s, int64_t set_id, int64_t video, SemioSegmentReport *rep,
                         SemioError *err)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM answers WHERE segment_id IN (SELECT id FROM segments WHERE "
        "set_id = ?1 AND video_id = ?2)",
        "DELETE FROM segments WHERE set_id = ?1 AND video_id = ?2",
    };
    int r = 0;
    for (int i = 0; i < 2 && r == 0; i++) {
        sqlite3_stmt *st;
        if ((r = semio_db_prepare(s, &st, sql[i], err)) < 0)
            break;
        sqlite3_bind_int64(st, 1, set_id);
        sqlite3_bind_int64(st, 2, video);
        int step = sqlite3_step(st);
        if (i == 0 && step == SQLITE_ROW)
            rep->answers_dropped += sqlite3_column_int64(st, 0);
        else if (step != SQLITE_DONE)
            r = semio_db_fail(s, err, "cannot replace stale segments");
        sqlite3_finalize(st);
    }
    return r;
}

/* Splits [a, b) into windows; the last one ends at b. Returns segments made or < 0. */
static int split(SemioStudy *s, sqlite3_stmt *ins, int64_t set_id, int64_t video,
                 const SemioSegmentSettings *set, double a, double b, SemioError *err)
{
    if (set->window <= 0)
        return add_segment(s, ins, set_id, video, 0, a, b, err) < 0 ? -1 : 1;
    double step = set->window - set->overlap;
    int n = 0;
    for (double t = a;; t = a + step * n) {
        double e = fmin(t + set->window, b);
        if (add_segment(s, ins, set_id, video, n, t, e, err) < 0)
            return -1;
        n++;
        if (e >= b - 1e-9)
            break;
    }
    return n;
}

int semio_segment(SemioStudy *s, const SemioSegmentSettings *set, SemioSegmentReport *rep,
                  SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (set->window < 0 || set->overlap < 0 || set->margin < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "window, overlap and margin cannot be negative");
    if (set->window > 0 && set->overlap >= set->window)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "overlap (%g s) must be shorter than the window (%g s)", set->overlap,
                          set->window);
    if (set->window == 0 && set->overlap > 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "an overlap needs a window");
    set_name(set, rep->set_name, sizeof(rep->set_name));

    sqlite3_stmt *videos = NULL, *ins = NULL;
    int64_t set_id;
    int r = semio_db_begin(s, err);
    if (r < 0)
        return r;
    if ((r = find_set(s, set, rep->set_name, &set_id, err)) < 0 ||
        (r = semio_db_prepare(s, &videos,
                              "SELECT v.id, v.duration, v.seizure_start, v.seizure_end, "
                              "EXISTS (SELECT 1 FROM segments g WHERE g.set_id = ?1 AND "
                              "g.video_id = v.id), (SELECT min(start_s) FROM segments g WHERE "
                              "g.set_id = ?1 AND g.video_id = v.id), (SELECT max(end_s) FROM "
                              "segments g WHERE g.set_id = ?1 AND g.video_id = v.id) FROM videos "
                              "v WHERE v.status = 'ok' ORDER BY v.id", err)) < 0 ||
        (r = semio_db_prepare(s, &ins, "INSERT INTO segments(set_id, video_id, ordinal, "
                                       "start_s, end_s) VALUES (?,?,?,?,?)", err)) < 0)
        goto done;
    sqlite3_bind_int64(videos, 1, set_id);
    while (r == 0 && sqlite3_step(videos) == SQLITE_ROW) {
        int64_t vid = sqlite3_column_int64(videos, 0);
        double dur = sqlite3_column_double(videos, 1), a = 0, b = dur;
        int bounded = sqlite3_column_type(videos, 2) != SQLITE_NULL &&
                      sqlite3_column_type(videos, 3) != SQLITE_NULL;
        if (set->within_labels && bounded) {
            a = fmax(0, sqlite3_column_double(videos, 2) - set->margin);
            b = fmin(dur, sqlite3_column_double(videos, 3) + set->margin);
        }
        if (sqlite3_column_int(videos, 4)) {
            /* segments made within bounds the labels no longer give are stale */
            int stale = set->within_labels &&
                        (!bounded || fabs(sqlite3_column_double(videos, 5) - a) > 1e-6 ||
                         fabs(sqlite3_column_double(videos, 6) - b) > 1e-6);
            if (!stale) {
                rep->skipped++;
                continue;
            }
            if ((r = drop_segments(s, set_id, vid, rep, err)) < 0)
                break;
            rep->replaced++;
        }
        if (set->within_labels && !bounded) {
            rep->unusable++;
            continue;
        }
        if (!(b > a)) {
            rep->unusable++;
            continue;
        }
        int n = split(s, ins, set_id, vid, set, a, b, err);
        if (n < 0)
            r = SEMIO_ERR_DB;
        rep->segments += n > 0 ? n : 0;
        rep->videos++;
    }
done:
    sqlite3_finalize(videos);
    sqlite3_finalize(ins);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0)
        semio_db_rollback(s);
    return r;
}
