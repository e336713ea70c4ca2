/*
 * What raters said about a study's answers, and the seizure onsets its runs claimed,
 * handed to an evaluation: every rated answer with each rater's score, and per run and
 * recording one claimed onset beside the one it is measured against.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/eval.h"
#include "stages/evaluate.h"
#include "util/error.h"

typedef struct Raters {
    int64_t *ids; /* ascending */
    size_t n;
} Raters;

/* "(1,2,3)": the runs' ids for an IN list (integers from the study, not user text). */
static char *id_list(const EvalFrame *f)
{
    char *sql = malloc(24 * f->nruns + 3);
    if (!sql)
        return NULL;
    size_t w = (size_t)sprintf(sql, "(");
    for (size_t i = 0; i < f->nruns; i++)
        w += (size_t)sprintf(sql + w, "%s%lld", i ? "," : "", (long long)f->run_ids[i]);
    sprintf(sql + w, ")");
    return sql;
}

/* Names every rater who scored an answer of the runs; none: *raters stays empty. */
static int load_raters(SemioStudy *s, SemioEval *ev, const char *runs, Raters *raters,
                       SemioError *err)
{
    static const char head[] = "SELECT id, name, kind = 'judge' FROM raters WHERE id IN "
                               "(SELECT rater_id FROM ratings WHERE score IS NOT NULL AND "
                               "run_id IN ", tail[] = ") ORDER BY id";
    size_t len = sizeof(head) + strlen(runs) + sizeof(tail);
    char *sql = malloc(len);
    if (!sql)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    snprintf(sql, len, "%s%s%s", head, runs, tail);
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    free(sql);
    if (r < 0)
        return r;
    size_t cap = 0;
    char **names = NULL;
    int *judge = NULL, step;
    while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (raters->n == cap) {
            cap = cap ? 2 * cap : 16;
            int64_t *ids = realloc(raters->ids, cap * sizeof(int64_t));
            raters->ids = ids ? ids : raters->ids;
            char **nn = ids ? realloc(names, cap * sizeof(char *)) : NULL;
            names = nn ? nn : names;
            int *nj = nn ? realloc(judge, cap * sizeof(int)) : NULL;
            judge = nj ? nj : judge;
            if (!nj) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
        }
        raters->ids[raters->n] = sqlite3_column_int64(st, 0);
        judge[raters->n] = sqlite3_column_int(st, 2);
        if (!(names[raters->n++] = strdup((const char *)sqlite3_column_text(st, 1))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the raters");
    sqlite3_finalize(st);
    if (r == 0 && raters->n)
        r = semio_eval_set_raters(ev, raters->n, (const char *const *)names, judge, err);
    for (size_t i = 0; i < raters->n && names; i++)
        free(names[i]);
    free(names);
    free(judge);
    return r;
}

static size_t rater_of(const Raters *raters, int64_t id)
{
    size_t lo = 0, hi = raters->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (raters->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo; /* every rater of a rating was named: load_raters read the same runs */
}

static uint8_t answer_of(sqlite3_stmt *st, int status_col, int answer_col)
{
    const char *status = (const char *)sqlite3_column_text(st, status_col);
    const char *a = (const char *)sqlite3_column_text(st, answer_col);
    if (!status)
        return SEMIO_ANSWER_MISSING; /* the answer is gone; its rating stayed */
    if (strcmp(status, "ok") || !a)
        return SEMIO_ANSWER_FAILED;
    return !strcmp(a, "yes") ? SEMIO_ANSWER_YES : !strcmp(a, "no") ? SEMIO_ANSWER_NO
                                                                  : SEMIO_ANSWER_NA;
}

/*
 * One run's rated answers. Ratings are keyed by the answer (run, recording, segment, sign,
 * view, prompt) as answers are, so a rating outlives an answer asked again or deleted: its
 * answer is then missing, and the evaluation counts it as left out.
 */
static int load_rated(SemioStudy *s, SemioEval *ev, const EvalFrame *f, size_t i,
                      const Raters *raters, double *scores, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT t.rater_id, t.video_id, ifnull(t.segment_id, -1), t.sign, t.view, "
        "t.prompt_hash, t.score, a.status, a.answer FROM ratings t LEFT JOIN answers a ON "
        "a.run_id = t.run_id AND a.video_id = t.video_id AND a.segment_id IS t.segment_id AND "
        "a.sign = t.sign AND a.view = t.view AND a.prompt_hash = t.prompt_hash WHERE "
        "t.run_id = ? AND t.score IS NOT NULL ORDER BY t.video_id, 3, t.sign, t.view, "
        "t.prompt_hash, t.rater_id", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, f->run_ids[i]);
    int64_t video = 0, segment = 0;
    char sign[64] = "", view[64] = "", hash[80] = "";
    uint8_t answer = SEMIO_ANSWER_MISSING;
    int any = 0, step;
    for (;;) {
        step = sqlite3_step(st);
        int more = step == SQLITE_ROW;
        const char *g = more ? (const char *)sqlite3_column_text(st, 3) : "";
        const char *v = more ? (const char *)sqlite3_column_text(st, 4) : "";
        const char *h = more ? (const char *)sqlite3_column_text(st, 5) : "";
        int same = more && any && sqlite3_column_int64(st, 1) == video &&
                   sqlite3_column_int64(st, 2) == segment && !strcmp(g, sign) &&
                   !strcmp(v, view) && !strcmp(h, hash);
        if (any && !same) { /* the answer before is complete */
            int row = semio_eval_frame_row(f, video), k = semio_eval_frame_sign(f, sign);
            r = semio_eval_add_rated(ev, f->run_index[i], row < 0 ? SIZE_MAX : (size_t)row,
                                     k < 0 ? SIZE_MAX : (size_t)k, answer, scores, err);
            any = 0;
        }
        if (!more || r < 0)
            break;
        if (!any) {
            video = sqlite3_column_int64(st, 1);
            segment = sqlite3_column_int64(st, 2);
            snprintf(sign, sizeof(sign), "%s", g);
            snprintf(view, sizeof(view), "%s", v);
            snprintf(hash, sizeof(hash), "%s", h);
            answer = answer_of(st, 7, 8);
            for (size_t k = 0; k < raters->n; k++)
                scores[k] = NAN;
            any = 1;
        }
        scores[rater_of(raters, sqlite3_column_int64(st, 0))] = sqlite3_column_double(st, 6);
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the ratings");
    sqlite3_finalize(st);
    return r;
}

static int load_ratings(SemioStudy *s, SemioEval *ev, const EvalFrame *f, SemioError *err)
{
    char *runs = id_list(f);
    if (!runs)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    Raters raters = { 0 };
    int r = load_raters(s, ev, runs, &raters, err);
    double *scores = malloc((raters.n + 1) * sizeof(double));
    if (r == 0 && !scores)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && raters.n && i < f->nruns; i++)
        r = load_rated(s, ev, f, i, &raters, scores, err);
    free(scores);
    free(raters.ids);
    free(runs);
    return r;
}

/* ---- onsets --------------------------------------------------------------------- */

/*
 * Where each recording's seizure began: the label file's start_time where it gives one,
 * else the median of the human raters' marked onsets (truth[row], NaN: neither).
 */
static int true_onsets(SemioStudy *s, const EvalFrame *f, double *truth, SemioError *err)
{
    for (size_t i = 0; i < f->nrows; i++)
        truth[i] = NAN;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT m.video_id, m.onset_s FROM rater_marks m JOIN "
                                     "raters r ON r.id = m.rater_id WHERE r.kind = 'human' AND "
                                     "m.onset_s IS NOT NULL ORDER BY m.video_id, m.onset_s", err);
    if (r < 0)
        return r;
    size_t n = 0, cap = 16;
    double *marks = malloc(cap * sizeof(double));
    int64_t video = -1;
    for (int more = 1; marks && more;) {
        more = sqlite3_step(st) == SQLITE_ROW;
        int64_t id = more ? sqlite3_column_int64(st, 0) : -1;
        if (n && id != video) { /* the marks of `video` are all in */
            int row = semio_eval_frame_row(f, video);
            if (row >= 0)
                truth[row] = semio_quantile(marks, n, 0.5);
            n = 0;
        }
        video = id;
        if (more && n == cap) {
            double *grown = realloc(marks, (cap *= 2) * sizeof(double));
            if (!grown)
                free(marks);
            marks = grown;
        }
        if (more && marks)
            marks[n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (!marks)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    free(marks);
    if ((r = semio_db_prepare(s, &st, "SELECT id, seizure_start FROM videos WHERE "
                                      "seizure_start IS NOT NULL", err)) < 0)
        return r;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int row = semio_eval_frame_row(f, sqlite3_column_int64(st, 0));
        if (row >= 0)
            truth[row] = sqlite3_column_double(st, 1); /* the file's word first */
    }
    sqlite3_finalize(st);
    return 0;
}

/*
 * A run's claimed onset per recording: the onset of its first yes answer that gives one,
 * windows in time order (the earliest onset within that window). Onsets are stored in
 * recording time, as the frames' "Frame at MM:SS" told the model (and the kinematic
 * engine measures); where the model had no such clock, an audio view's clip or a run
 * without timestamps, it counted from the window's start, so the window's start is added.
 */
static int claimed_onsets(SemioStudy *s, SemioEval *ev, const EvalFrame *f, size_t i,
                          const double *truth, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT a.video_id, a.onset_s + CASE WHEN a.view = 'audio' OR CASE WHEN "
        "json_valid(u.settings_json) THEN json_extract(u.settings_json, '$.timestamps') END = 0 "
        "THEN ifnull(g.start_s, 0) ELSE 0 END AS onset FROM answers a JOIN runs u ON "
        "u.id = a.run_id LEFT JOIN segments g ON g.id = a.segment_id WHERE a.run_id = ? AND "
        "a.status = 'ok' AND a.answer = 'yes' AND a.onset_s IS NOT NULL ORDER BY a.video_id, "
        "ifnull(g.start_s, 0), onset", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, f->run_ids[i]);
    int64_t last = -1;
    int step;
    while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t video = sqlite3_column_int64(st, 0);
        int row = semio_eval_frame_row(f, video);
        if (video == last || row < 0 || isnan(truth[row]))
            continue;
        last = video;
        r = semio_eval_add_onset(ev, f->run_index[i], (size_t)row, sqlite3_column_double(st, 1),
                                 truth[row], err);
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the answers' onsets");
    sqlite3_finalize(st);
    return r;
}

static int load_onsets(SemioStudy *s, SemioEval *ev, const EvalFrame *f, SemioError *err)
{
    double *truth = malloc((f->nrows + 1) * sizeof(double));
    if (!truth)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = true_onsets(s, f, truth, err);
    for (size_t i = 0; r == 0 && i < f->nruns; i++)
        r = claimed_onsets(s, ev, f, i, truth, err);
    free(truth);
    return r;
}

int semio_eval_review_from_study(SemioStudy *s, SemioEval *ev, const EvalFrame *f,
                                 SemioError *err)
{
    int r = load_ratings(s, ev, f, err);
    return r == 0 ? load_onsets(s, ev, f, err) : r;
}
