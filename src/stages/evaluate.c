/*
 * Evaluations from a study: labels from its labels table, answers from its runs. A
 * recording's answers over windows, views and prompts merge by one rule (any-yes,
 * like the pilot, unless told otherwise) before they are scored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "semio/eval.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "stages/evaluate.h"
#include "study/db.h"
#include "util/error.h"

typedef struct RunInfo {
    int64_t id;
    char name[256];
    char provenance[2048];
} RunInfo;

static void describe_run(sqlite3_stmt *st, RunInfo *ri)
{
    /* id, name, engine, model, base_urls, view, segment_set, sampling, prompt_set, source, version, created_at */
    ri->id = sqlite3_column_int64(st, 0);
    snprintf(ri->name, sizeof(ri->name), "%s", (const char *)sqlite3_column_text(st, 1));
    size_t w = (size_t)snprintf(ri->provenance, sizeof(ri->provenance), "engine %s",
                                (const char *)sqlite3_column_text(st, 2));
    static const char *const what[] = { "model", "server", "view", "segments", "sampling",
                                         "prompts", "from", "semio", "created" };
    for (int c = 3; c <= 11 && w < sizeof(ri->provenance); c++)
        if (sqlite3_column_type(st, c) != SQLITE_NULL)
            w += (size_t)snprintf(ri->provenance + w, sizeof(ri->provenance) - w, "; %s %s",
                                  what[c - 3], (const char *)sqlite3_column_text(st, c));
}

/* Why the run's answers failed, its three most frequent reasons, after its provenance:
 * a report shows what left its rows out, not only how many. */
static void add_failures(SemioStudy *s, RunInfo *ri)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(error, 'reason not stored') "
                                  "FROM answers WHERE run_id = ? AND status = 'failed' GROUP BY "
                                  "error ORDER BY count(*) DESC, error LIMIT 3", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, ri->id);
    size_t w = strlen(ri->provenance);
    for (int i = 0; sqlite3_step(st) == SQLITE_ROW && w < sizeof(ri->provenance); i++)
        w += (size_t)snprintf(ri->provenance + w, sizeof(ri->provenance) - w, "%s%lld (%s)",
                              i ? ", " : "; failed: ", (long long)sqlite3_column_int64(st, 0),
                              (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
}

static int load_runs(SemioStudy *s, const char *const *names, size_t n, RunInfo **out,
                     size_t *count, SemioError *err)
{
    static const char cols[] = "SELECT id, name, engine, model, base_urls, view, segment_set, "
                               "sampling, prompt_set, source, version, created_at FROM runs";
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof(sql), "%s %s", cols, n ? "WHERE name = ?" : "ORDER BY id");
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    size_t cap = n ? n : 64, k = 0;
    RunInfo *ri = calloc(cap, sizeof(*ri));
    if (!ri) {
        sqlite3_finalize(st);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    if (n) {
        for (size_t i = 0; i < n && r == 0; i++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                describe_run(st, &ri[k++]);
            else
                r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no run named '%s' (semio status "
                               "lists them)", s->path, names[i]);
        }
    } else {
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (k == cap) {
                RunInfo *nr = realloc(ri, (cap *= 2) * sizeof(*ri));
                if (!nr) {
                    r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                    break;
                }
                ri = nr;
            }
            describe_run(st, &ri[k++]);
        }
        if (r == 0 && k == 0)
            r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no runs yet (semio ask, or semio "
                           "import for published predictions)", s->path);
    }
    sqlite3_finalize(st);
    if (r < 0) {
        free(ri);
        return r;
    }
    for (size_t i = 0; i < k; i++)
        add_failures(s, &ri[i]);
    *out = ri;
    *count = k;
    return 0;
}

/* Does any of the runs answer this sign? */
static int answered(SemioStudy *s, const RunInfo *runs, size_t nruns, const char *sign)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM answers WHERE run_id = ? AND sign = ? LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    int any = 0;
    for (size_t i = 0; i < nruns && !any; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, runs[i].id);
        sqlite3_bind_text(st, 2, sign, -1, SQLITE_STATIC);
        any = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return any;
}

static int index_of_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] == id)
            return (int)mid;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int sign_index(const char *const *ids, size_t n, const char *sign)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ids[i], sign))
            return (int)i;
    return -1;
}

int semio_eval_frame_row(const EvalFrame *f, int64_t id)
{
    return index_of_id(f->vids, f->nrows, id);
}

int semio_eval_frame_sign(const EvalFrame *f, const char *id)
{
    return sign_index(f->signs, f->nsigns, id);
}

/* Merges each (recording, sign) group of one run's answers into answers[s * rows + r]. */
static int run_answers(SemioStudy *s, int64_t run, const int64_t *vids, size_t nrows,
                       const char *const *sign_ids, const SemioSignMerge *merges, size_t nsigns,
                       const SemioStudyEvalSettings *opt, uint8_t *answers, double *p_yes,
                       int *has_p, SemioError *err)
{
    memset(answers, SEMIO_ANSWER_MISSING, nrows * nsigns);
    for (size_t i = 0; i < nrows * nsigns; i++)
        p_yes[i] = NAN;
    *has_p = 0;
    sqlite3_stmt *st;
    /* a recording's windows in time order: a sign merged by its first window needs it */
    int r = semio_db_prepare(s, &st, "SELECT a.video_id, a.sign, a.answer, a.p_yes, a.status "
                                     "FROM answers a LEFT JOIN segments g ON g.id = a.segment_id "
                                     "WHERE a.run_id = ? ORDER BY a.video_id, a.sign, g.start_s, "
                                     "a.rowid", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, run);
    size_t cap = 64, n = 0;
    uint8_t *a = malloc(cap);
    double *p = malloc(cap * sizeof(double));
    int cur_row = -2, cur_sign = -2;
    int more;
    do {
        more = sqlite3_step(st) == SQLITE_ROW;
        int row = more ? index_of_id(vids, nrows, sqlite3_column_int64(st, 0)) : -3;
        int sg = more ? sign_index(sign_ids, nsigns, (const char *)sqlite3_column_text(st, 1))
                      : -3;
        if ((row != cur_row || sg != cur_sign) && n) {
            if (cur_row >= 0 && cur_sign >= 0) {
                size_t at = (size_t)cur_sign * nrows + (size_t)cur_row;
                /* a sign about how the seizure began takes its first window, whatever the
                 * rule for the others */
                semio_aggregate(merges[cur_sign] == SEMIO_SIGN_MERGE_FIRST ? SEMIO_AGG_FIRST
                                                                           : opt->merge,
                                opt->k, opt->threshold, a, p, n, &answers[at], &p_yes[at]);
                *has_p |= !isnan(p_yes[at]);
            }
            n = 0;
        }
        cur_row = row;
        cur_sign = sg;
        if (!more)
            break;
        if (n == cap) {
            cap *= 2;
            uint8_t *na = realloc(a, cap);
            double *np = realloc(p, cap * sizeof(double));
            a = na ? na : a;
            p = np ? np : p;
            if (!na || !np) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
        }
        const char *text = (const char *)sqlite3_column_text(st, 2);
        a[n] = !strcmp((const char *)sqlite3_column_text(st, 4), "failed") ? SEMIO_ANSWER_FAILED
             : !text ? SEMIO_ANSWER_MISSING
             : !strcmp(text, "yes") ? SEMIO_ANSWER_YES
             : !strcmp(text, "no") ? SEMIO_ANSWER_NO : SEMIO_ANSWER_NA;
        p[n] = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
        n++;
    } while (more && r == 0);
    sqlite3_finalize(st);
    free(a);
    free(p);
    return r;
}

/* Fleiss' kappa among the raters: the label files' columns (SIGN@RATER) and the review
 * app's human raters, one vote each (the view rater_votes: the app's word wins). */
static int rater_agreement(SemioStudy *s, SemioEval *ev, size_t k, const char *sign,
                           const int64_t *vids, size_t nrows, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT video_id, value, count(*) OVER (PARTITION BY "
                                     "video_id) FROM rater_votes WHERE sign = ?1 ORDER BY "
                                     "video_id", err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, sign, -1, SQLITE_STATIC);
    int *yes = calloc(nrows + 1, sizeof(int)), *votes = calloc(nrows + 1, sizeof(int));
    int raters = 0;
    if (!yes || !votes) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    } else {
        while (sqlite3_step(st) == SQLITE_ROW) {
            int row = index_of_id(vids, nrows, sqlite3_column_int64(st, 0));
            int n = sqlite3_column_int(st, 2);
            raters = n > raters ? n : raters;
            if (row < 0 || sqlite3_column_type(st, 1) == SQLITE_NULL)
                continue; /* an empty cell, or "unknown" in the app, is no vote */
            votes[row]++;
            yes[row] += sqlite3_column_int(st, 1) == 1;
        }
        int ties = 0;
        for (size_t i = 0; i < nrows; i++)
            ties += votes[i] && 2 * yes[i] == votes[i];
        if (raters >= 2)
            semio_eval_set_agreement(ev, k, raters, semio_fleiss_kappa(yes, votes, nrows), ties);
    }
    sqlite3_finalize(st);
    free(yes);
    free(votes);
    return r;
}

void semio_study_eval_default_settings(SemioStudyEvalSettings *o)
{
    o->merge = SEMIO_AGG_ANY_YES;
    o->k = 1;
    o->threshold = 0.5;
    o->tune_folds = 3;
    o->seed = 1;
}

int semio_eval_from_study(SemioEval **out, SemioStudy *s, const char *const *run_names,
                          size_t n, const SemioStudyEvalSettings *options, SemioError *err)
{
    *out = NULL;
    SemioStudyEvalSettings opt;
    semio_study_eval_default_settings(&opt);
    if (options)
        opt = *options;
    RunInfo *runs = NULL;
    size_t nruns = 0, nrows = 0, nsigns = 0;
    SemioSignSet *catalog = NULL;
    const char **sign_ids = NULL, **groups = NULL;
    SemioSignMerge *merges = NULL;
    int64_t *vids = NULL;
    char **names = NULL, **patients = NULL;
    int8_t *labels = NULL;
    uint8_t *answers = NULL;
    double *p_yes = NULL;
    int64_t *run_ids = NULL;
    size_t *run_index = NULL;
    sqlite3_stmt *st = NULL;
    int r = load_runs(s, run_names, n, &runs, &nruns, err);
    if (r == 0)
        r = semio_signs_open(&catalog, NULL, err);
    if (r < 0)
        goto done;
    size_t ncat = semio_signs_count(catalog);
    sign_ids = calloc(ncat, sizeof(char *));
    groups = calloc(ncat, sizeof(char *));
    merges = calloc(ncat, sizeof(*merges));
    if (!sign_ids || !groups || !merges) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ncat; i++) {
        const SemioSign *g = semio_signs_get(catalog, i);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM labels WHERE sign = ? LIMIT 1", -1, &q,
                               NULL) != SQLITE_OK)
            continue;
        sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
        int has = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (has && answered(s, runs, nruns, g->id)) {
            sign_ids[nsigns] = g->id;
            merges[nsigns] = g->merge;
            groups[nsigns++] = g->group;
        }
    }
    if (!nsigns) {
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no sign has both labels and answers in "
                       "these runs", s->path);
        goto done;
    }
    /* Rows: every recording with a label row, in id order (binary search by id). */
    if ((r = semio_db_prepare(s, &st, "SELECT DISTINCT v.id, v.file_name, v.patient FROM videos v "
                                      "JOIN labels l ON l.video_id = v.id ORDER BY v.id", err)) < 0)
        goto done;
    size_t cap = 256;
    vids = malloc(cap * sizeof(int64_t));
    names = malloc(cap * sizeof(char *));
    patients = malloc(cap * sizeof(char *));
    while (r == 0 && vids && names && patients && sqlite3_step(st) == SQLITE_ROW) {
        if (nrows == cap) {
            cap *= 2;
            int64_t *nv = realloc(vids, cap * sizeof(int64_t));
            char **nn = realloc(names, cap * sizeof(char *)), **np = realloc(patients, cap * sizeof(char *));
            vids = nv ? nv : vids;
            names = nn ? nn : names;
            patients = np ? np : patients;
            if (!nv || !nn || !np) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
        }
        vids[nrows] = sqlite3_column_int64(st, 0);
        names[nrows] = strdup((const char *)sqlite3_column_text(st, 1));
        patients[nrows] = strdup((const char *)sqlite3_column_text(st, 2));
        if (!names[nrows] || !patients[nrows])
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        nrows++;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (r < 0)
        goto done;
    labels = malloc(nrows * nsigns + 1);
    answers = malloc(nrows * nsigns + 1);
    p_yes = malloc((nrows * nsigns + 1) * sizeof(double));
    run_ids = malloc((nruns + 1) * sizeof(int64_t));
    run_index = malloc((nruns + 1) * sizeof(size_t));
    if (!vids || !names || !patients || !labels || !answers || !p_yes || !run_ids || !run_index) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    memset(labels, SEMIO_LABEL_UNKNOWN, nrows * nsigns);
    if ((r = semio_db_prepare(s, &st, "SELECT video_id, sign, value FROM labels "
                                      "WHERE value IS NOT NULL", err)) < 0)
        goto done;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int row = index_of_id(vids, nrows, sqlite3_column_int64(st, 0));
        int sg = sign_index(sign_ids, nsigns, (const char *)sqlite3_column_text(st, 1));
        if (row >= 0 && sg >= 0)
            labels[(size_t)sg * nrows + (size_t)row] = (int8_t)sqlite3_column_int(st, 2);
    }
    if ((r = semio_eval_open(out, nrows, (const char *const *)names, (const char *const *)patients,
                            nsigns, sign_ids, groups, labels, err)) < 0)
        goto done;
    for (size_t k = 0; k < nsigns && r == 0; k++)
        r = rater_agreement(s, *out, k, sign_ids[k], vids, nrows, err);
    for (size_t i = 0; i < nruns && r == 0; i++) {
        int has_p = 0;
        run_ids[i] = runs[i].id;
        run_index[i] = semio_eval_runs(*out);
        r = run_answers(s, runs[i].id, vids, nrows, sign_ids, merges, nsigns, &opt, answers,
                        p_yes, &has_p, err);
        if (r == 0)
            r = semio_eval_add_run(*out, runs[i].name, runs[i].provenance, answers, err);
        if (r == 0 && has_p)
            r = semio_eval_add_p_runs(*out, runs[i].name, p_yes, opt.tune_folds, opt.seed, err);
    }
    EvalFrame frame = { vids, nrows, sign_ids, nsigns, run_ids, run_index, nruns };
    if (r == 0)
        r = semio_eval_review_from_study(s, *out, &frame, err);
    if (r < 0)
        semio_eval_close(out);
done:
    sqlite3_finalize(st);
    for (size_t i = 0; i < nrows; i++) {
        free(names ? names[i] : NULL);
        free(patients ? patients[i] : NULL);
    }
    free(names);
    free(patients);
    free(vids);
    free(labels);
    free(answers);
    free(p_yes);
    free(run_ids);
    free(run_index);
    free(sign_ids);
    free(groups);
    free(merges);
    free(runs);
    semio_signs_close(&catalog);
    return r;
}
