/*
 * semio train: a classifier per sign on the segments' stored features, scored with
 * patient-stratified cross-validation. Everything is computed in memory first and stored
 * in one transaction (train_store.c); the model file of --final is train_final.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/train_internal.h"
#include "study/db.h"
#include "util/error.h"
#include "util/fs.h"

void semio_train_default_settings(SemioTrainSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->features = "kinematic,motion,sound";
    s->signs = "all";
    semio_learner_default_params(&s->params, SEMIO_LEARNER_XGBOOST);
    s->folds = 3;
    s->seed = 1;
    s->merge = SEMIO_MERGE_MAX;
    s->min_positives = 3;
}

/* ---- the data ---------------------------------------------------------------- */

/* "all", a group (limb, facial, audio) or sign ids, as semio ask takes them. */
static int choose_signs(const SemioSignSet *cat, const char *spec, TrainData *d,
                        SemioError *err)
{
    char copy[1024], *items[64];
    snprintf(copy, sizeof(copy), "%s", spec);
    size_t n = semio_list_split(copy, items, 64);
    if (n > 64 || n == 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "signs: between 1 and 64 names in the list");
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], "all") && strcmp(items[i], "limb") && strcmp(items[i], "facial") &&
            strcmp(items[i], "audio") && !semio_signs_find(cat, items[i]))
            return semio_fail(err, SEMIO_ERR_INVALID, "signs: '%s' is neither a sign of the "
                              "catalog nor all, limb, facial or audio", items[i]);
    for (size_t g = 0; g < semio_signs_count(cat) && d->nsigns < TRAIN_MAX_SIGNS; g++) {
        const SemioSign *sg = semio_signs_get(cat, g);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(items[i], "all") || !strcmp(items[i], sg->group) ||
                !strcmp(items[i], sg->id)) {
                d->sign[d->nsigns++] = sg;
                break;
            }
    }
    return 0;
}

/* The matrix's rows come in recording order: each recording is one run of rows. */
static int group_recordings(TrainData *d, SemioError *err)
{
    size_t n = d->m.nrows;
    d->video = malloc((n ? n : 1) * sizeof(*d->video));
    d->first = malloc((n ? n : 1) * sizeof(*d->first));
    d->count = calloc(n ? n : 1, sizeof(*d->count));
    if (!d->video || !d->first || !d->count)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < n; r++) {
        if (d->nrec && d->video[d->nrec - 1] == d->m.video[r]) {
            d->count[d->nrec - 1]++;
            continue;
        }
        for (size_t i = 0; i < d->nrec; i++)
            if (d->video[i] == d->m.video[r])
                return semio_fail(err, SEMIO_ERR_INVALID, "train: the feature matrix's rows of "
                                  "recording %lld are not together", (long long)d->m.video[r]);
        d->video[d->nrec] = d->m.video[r];
        d->first[d->nrec] = r;
        d->count[d->nrec++] = 1;
    }
    return 0;
}

static int load_patients(SemioStudy *s, TrainData *d, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT patient FROM videos WHERE id = ?", err);
    if (r < 0)
        return r;
    d->patient = calloc(d->nrec ? d->nrec : 1, sizeof(*d->patient));
    for (size_t i = 0; r == 0 && d->patient && i < d->nrec; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, d->video[i]);
        if (sqlite3_step(st) != SQLITE_ROW)
            r = semio_db_fail(s, err, "cannot read a recording's patient");
        else if (!(d->patient[i] = strdup((const char *)sqlite3_column_text(st, 0))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (!d->patient)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return r;
}

/* labels.value: 1, 0 or NULL (unknown); no row is unknown too. */
static int load_labels(SemioStudy *s, TrainData *d, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT value FROM labels WHERE video_id = ? AND sign = ?",
                             err);
    if (r < 0)
        return r;
    size_t nl = d->nsigns * d->nrec;
    d->label = malloc((nl ? nl : 1) * sizeof(*d->label));
    for (size_t l = 0; d->label && l < d->nsigns; l++)
        for (size_t i = 0; i < d->nrec; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, d->video[i]);
            sqlite3_bind_text(st, 2, d->sign[l]->id, -1, SQLITE_STATIC);
            int row = sqlite3_step(st) == SQLITE_ROW;
            d->label[l * d->nrec + i] = row && sqlite3_column_type(st, 0) != SQLITE_NULL
                                        ? (int8_t)sqlite3_column_int(st, 0) : -1;
        }
    sqlite3_finalize(st);
    return d->label ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

/* The segment set's name, for the runs row (named, or the newest as the matrix takes it). */
static int segment_set_name(SemioStudy *s, const char *name, char *out, size_t size,
                            SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, name ? "SELECT name FROM segment_sets WHERE name = ?"
                                          : "SELECT name FROM segment_sets ORDER BY id DESC "
                                            "LIMIT 1", err);
    if (r < 0)
        return r;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: %s", s->path,
                       name ? "no such segment set" : "no segments: run semio segment");
    sqlite3_finalize(st);
    return r;
}

/* No patient may sit in two folds: a patient's recordings on both sides of a split would
 * let the model learn the patient, not the sign. */
static int check_folds(const TrainData *d, SemioError *err)
{
    for (size_t i = 0; i < d->nrec; i++)
        for (size_t j = i + 1; j < d->nrec; j++)
            if (!strcmp(d->patient[i], d->patient[j]) && d->fold[i] != d->fold[j])
                return semio_fail(err, SEMIO_ERR_INVALID, "train: patient %s is in folds %d "
                                  "and %d (a bug)", d->patient[i], d->fold[i], d->fold[j]);
    return 0;
}

/* Numbers the patients of the recordings in mask `in` (NULL: all) 0, 1, ... in order of
 * appearance, as semio_patient_folds takes them: id[t] for the t-th such recording. */
static size_t number_patients(const TrainData *d, const uint8_t *in, int *id)
{
    size_t n = 0, t = 0;
    for (size_t i = 0; i < d->nrec; i++) {
        if (in && !in[i])
            continue;
        size_t j = 0, u = 0;
        for (; j < i; j++) {
            if (in && !in[j])
                continue;
            if (!strcmp(d->patient[i], d->patient[j]))
                break;
            u++;
        }
        id[t] = j < i ? id[u] : (int)n++;
        t++;
    }
    return n;
}

static int make_folds(const TrainData *d, const SemioTrainSettings *set, SemioError *err)
{
    int r = semio_patient_folds(d->pid, d->nrec, d->label, d->nsigns, set->folds, set->seed,
                                d->fold, err);
    return r < 0 ? r : check_folds(d, err);
}

static int load_data(SemioStudy *s, const SemioTrainSettings *set, TrainData *d,
                     SemioError *err)
{
    int r = semio_signs_open(&d->catalog, NULL, err);
    if (r == 0)
        r = choose_signs(d->catalog, set->signs ? set->signs : "all", d, err);
    if (r == 0)
        r = segment_set_name(s, set->segments, d->segment_set, sizeof(d->segment_set), err);
    if (r == 0)
        r = semio_feature_matrix(s, d->segment_set, set->features, &d->m, err);
    if (r == 0 && !d->m.nrows)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: segment set %s has no features of %s",
                       s->path, d->segment_set, set->features);
    if (r == 0)
        r = group_recordings(d, err);
    if (r == 0)
        r = load_patients(s, d, err);
    if (r == 0)
        r = load_labels(s, d, err);
    if (r == 0 && (!(d->fold = calloc(d->nrec, sizeof(*d->fold))) ||
                   !(d->pid = calloc(d->nrec, sizeof(*d->pid)))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    d->npatients = r == 0 ? number_patients(d, NULL, d->pid) : 0;
    if (r == 0)
        r = make_folds(d, set, err);
    return r;
}

static void free_data(TrainData *d)
{
    semio_feature_matrix_free(&d->m);
    for (size_t i = 0; d->patient && i < d->nrec; i++)
        free(d->patient[i]);
    free(d->patient);
    free(d->video);
    free(d->first);
    free(d->count);
    free(d->label);
    free(d->fold);
    free(d->pid);
    semio_signs_close(&d->catalog);
}

/* ---- fitting ------------------------------------------------------------------- */

double train_merge(const TrainData *d, const double *p_row, size_t i, SemioMergeRule rule)
{
    double best = NAN, sum = 0;
    size_t n = 0;
    for (size_t r = d->first[i]; r < d->first[i] + d->count[i]; r++) {
        if (isnan(p_row[r]))
            continue;
        best = isnan(best) || p_row[r] > best ? p_row[r] : best;
        sum += p_row[r];
        n++;
    }
    return rule == SEMIO_MERGE_MAX ? best : n ? sum / (double)n : NAN;
}

/* The rows of the recordings in mask `in`, copied with the recordings' label for sign l. */
static int gather(const TrainData *d, size_t l, const uint8_t *in, double **x, int8_t **y,
                  size_t *n, SemioError *err)
{
    size_t rows = 0, nc = d->m.ncols;
    for (size_t i = 0; i < d->nrec; i++)
        rows += in[i] ? d->count[i] : 0;
    *x = malloc((rows ? rows : 1) * nc * sizeof(**x) + 1);
    *y = malloc(rows ? rows : 1);
    if (!*x || !*y)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < d->nrec; i++)
        for (size_t r = d->first[i]; in[i] && r < d->first[i] + d->count[i]; r++, k++) {
            memcpy(*x + k * nc, d->m.x + r * nc, nc * sizeof(**x));
            (*y)[k] = d->label[l * d->nrec + i];
        }
    *n = rows;
    return 0;
}

int train_fit(const TrainData *d, const SemioTrainSettings *set, size_t l, const uint8_t *in,
              SemioClassifier **c, SemioError *err)
{
    double *x = NULL;
    int8_t *y = NULL;
    size_t n = 0;
    SemioLearnerParams p = set->params;
    p.seed = set->seed; /* one seed for the folds and the learners */
    int r = gather(d, l, in, &x, &y, &n, err);
    if (r == 0)
        r = semio_classifier_fit(c, &p, x, n, d->m.ncols, y, err);
    free(x);
    free(y);
    return r;
}

/* P(yes) of the rows of the recordings in mask `in`, into p_row at their own rows. */
static int predict_into(const TrainData *d, const SemioClassifier *c, const uint8_t *in,
                        double *p_row, SemioError *err)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < d->nrec; i++)
        if (in[i])
            r = semio_classifier_predict(c, d->m.x + d->first[i] * d->m.ncols, d->count[i],
                                         p_row + d->first[i], err);
    return r;
}

void train_check_counts(const TrainData *d, const SemioTrainSettings *set, size_t l,
                        const uint8_t *in, const char *where, TrainFold *tf)
{
    int64_t pos = 0, neg = 0;
    tf->train_rows = tf->train_positives = 0;
    for (size_t i = 0; i < d->nrec; i++) {
        if (!in[i])
            continue;
        int8_t y = d->label[l * d->nrec + i];
        pos += y == 1;
        neg += y == 0;
        tf->train_rows += (int64_t)d->count[i];
        tf->train_positives += y == 1 ? (int64_t)d->count[i] : 0;
    }
    tf->ok = pos >= set->min_positives && neg >= set->min_positives;
    tf->error[0] = 0;
    if (!tf->ok)
        snprintf(tf->error, sizeof(tf->error), "%lld %s recordings in %s, at least %d needed",
                 (long long)(pos < set->min_positives ? pos : neg),
                 pos < set->min_positives ? "positive" : "negative", where, set->min_positives);
}

/* ---- the inner cross-validation that picks a threshold ----------------------------- */

/* The threshold sees only recordings outside the outer test fold: asserted, not assumed. */
static int assert_outside(const TrainData *d, const uint8_t *in, int outer, SemioError *err)
{
    for (size_t i = 0; outer >= 0 && i < d->nrec; i++)
        if (in[i] && d->fold[i] == outer)
            return semio_fail(err, SEMIO_ERR_INVALID, "train: a recording of test fold %d "
                              "reached its threshold (a bug)", outer);
    return 0;
}

typedef struct Inner {
    size_t n;           /* training recordings */
    size_t *rec;        /* their indices in d */
    int *pid;           /* their patients, numbered within the training side */
    int8_t *y;
    int *fold;
} Inner;

static int inner_setup(const TrainData *d, size_t l, const uint8_t *in, Inner *q,
                       SemioError *err)
{
    q->rec = malloc((d->nrec + 1) * sizeof(*q->rec));
    q->pid = malloc((d->nrec + 1) * sizeof(*q->pid));
    q->y = malloc(d->nrec + 1);
    q->fold = malloc((d->nrec + 1) * sizeof(*q->fold));
    if (!q->rec || !q->pid || !q->y || !q->fold)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < d->nrec; i++)
        if (in[i]) {
            q->rec[q->n] = i;
            q->y[q->n++] = d->label[l * d->nrec + i];
        }
    return 0;
}

static void inner_free(Inner *q)
{
    free(q->rec);
    free(q->pid);
    free(q->y);
    free(q->fold);
}

/* One inner fold: fit on the other inner folds, P(yes) of this one's recordings into p. */
static int inner_fold(const TrainData *d, const SemioTrainSettings *set, size_t l,
                      const Inner *q, int j, uint8_t *mask, double *p_row, double *p,
                      SemioError *err)
{
    int pos = 0, neg = 0;
    memset(mask, 0, d->nrec);
    for (size_t t = 0; t < q->n; t++)
        if (q->fold[t] != j) {
            mask[q->rec[t]] = 1;
            pos += q->y[t] == 1;
            neg += q->y[t] == 0;
        }
    if (!pos || !neg) /* nothing to learn from: these recordings give no threshold evidence */
        return 0;
    SemioClassifier *c = NULL;
    int r = train_fit(d, set, l, mask, &c, err);
    memset(mask, 0, d->nrec);
    for (size_t t = 0; t < q->n; t++)
        mask[q->rec[t]] = q->fold[t] == j;
    if (r == 0)
        r = predict_into(d, c, mask, p_row, err);
    for (size_t t = 0; r == 0 && t < q->n; t++)
        if (q->fold[t] == j)
            p[t] = train_merge(d, p_row, q->rec[t], set->merge);
    semio_classifier_free(&c);
    return r;
}

int train_inner_threshold(const TrainData *d, const SemioTrainSettings *set, size_t l,
                          const uint8_t *in, int kin, int outer, uint64_t seed, double *thr,
                          SemioError *err)
{
    Inner q = { 0 };
    uint8_t *mask = malloc(d->nrec + 1);
    double *p_row = malloc((d->m.nrows + 1) * sizeof(*p_row));
    double *p = malloc((d->nrec + 1) * sizeof(*p));
    int r = assert_outside(d, in, outer, err);
    if (r == 0 && (!mask || !p_row || !p))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = inner_setup(d, l, in, &q, err);
    size_t np = r == 0 ? number_patients(d, in, q.pid) : 0;
    kin = (size_t)kin > np ? (int)np : kin;
    *thr = 0.5; /* one patient only: no cross-validation possible, the neutral threshold */
    if (r == 0 && kin >= 2)
        r = semio_patient_folds(q.pid, q.n, q.y, 1, kin, seed, q.fold, err);
    for (size_t t = 0; t < q.n; t++)
        p[t] = NAN;
    for (int j = 0; r == 0 && kin >= 2 && j < kin; j++)
        r = inner_fold(d, set, l, &q, j, mask, p_row, p, err);
    size_t n = 0;
    for (size_t t = 0; r == 0 && kin >= 2 && t < q.n; t++)
        if (!isnan(p[t])) { /* compacted in place: only recordings an inner model scored */
            p[n] = p[t];
            q.y[n++] = q.y[t];
        }
    if (r == 0 && n)
        *thr = semio_best_f1_threshold(p, q.y, n);
    inner_free(&q);
    free(mask);
    free(p_row);
    free(p);
    return r;
}

/* ---- the outer cross-validation ----------------------------------------------------- */

static int outer_fold(const TrainData *d, const SemioTrainSettings *set, size_t l, int f,
                      uint8_t *mask, TrainResult *res, SemioError *err)
{
    TrainFold *tf = &res->fold[l * (size_t)res->k + (size_t)f];
    for (size_t i = 0; i < d->nrec; i++)
        mask[i] = d->fold[i] != f && d->label[l * d->nrec + i] >= 0;
    train_check_counts(d, set, l, mask, "the training folds", tf);
    if (!tf->ok)
        return 0; /* stored as failed with the reason; its test recordings are never guessed */
    int kin = set->folds - 1 < 2 ? 2 : set->folds - 1;
    int r = train_inner_threshold(d, set, l, mask, kin, f, set->seed + 1 + (uint64_t)f,
                                  &tf->threshold, err);
    SemioClassifier *c = NULL;
    if (r == 0)
        r = train_fit(d, set, l, mask, &c, err);
    for (size_t i = 0; i < d->nrec; i++)
        mask[i] = d->fold[i] == f;
    if (r == 0)
        r = predict_into(d, c, mask, res->p_row + l * d->m.nrows, err);
    semio_classifier_free(&c);
    return r;
}

static int cross_validate(const TrainData *d, const SemioTrainSettings *set, TrainResult *res,
                          SemioError *err)
{
    size_t nf = d->nsigns * (size_t)set->folds;
    res->k = set->folds;
    res->fold = calloc(nf ? nf : 1, sizeof(*res->fold));
    res->p_row = malloc((d->nsigns * d->m.nrows + 1) * sizeof(*res->p_row));
    res->p_rec = malloc((d->nsigns * d->nrec + 1) * sizeof(*res->p_rec));
    uint8_t *mask = malloc(d->nrec + 1);
    int r = res->fold && res->p_row && res->p_rec && mask
            ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < d->nsigns * d->m.nrows; i++)
        res->p_row[i] = NAN;
    for (size_t l = 0; r == 0 && l < d->nsigns; l++) {
        for (int f = 0; r == 0 && f < set->folds; f++) {
            if (set->stop && *set->stop)
                r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "train: stopped");
            else
                r = outer_fold(d, set, l, f, mask, res, err);
            if (set->progress)
                set->progress(set->progress_user, "train", (int64_t)(l * (size_t)set->folds) + f
                              + 1, (int64_t)nf, d->sign[l]->id);
        }
        for (size_t i = 0; r == 0 && i < d->nrec; i++)
            res->p_rec[l * d->nrec + i] = train_merge(d, res->p_row + l * d->m.nrows, i,
                                                      set->merge);
    }
    free(mask);
    return r;
}

static int check_settings(const SemioTrainSettings *set, SemioError *err)
{
    if (semio_run_name_check(set->run, err) < 0)
        return SEMIO_ERR_INVALID;
    if (set->folds < 2 || set->folds > 100)
        return semio_fail(err, SEMIO_ERR_INVALID, "train: folds must be 2 to 100 (got %d)",
                          set->folds);
    if (set->min_positives < 1)
        return semio_fail(err, SEMIO_ERR_INVALID, "train: min_positives must be at least 1");
    if (!set->features || !*set->features)
        return semio_fail(err, SEMIO_ERR_INVALID, "train: no feature sets named");
    return 0;
}

static void fill_report(const TrainData *d, const TrainResult *res, SemioTrainReport *rep)
{
    rep->recordings = (int64_t)d->nrec;
    rep->segments = (int64_t)d->m.nrows;
    rep->patients = (int64_t)d->npatients;
    rep->signs = (int)d->nsigns;
    rep->columns = (int)d->m.ncols;
    for (size_t i = 0; res->fold && i < d->nsigns * (size_t)res->k; i++)
        rep->failed_folds += !res->fold[i].ok;
}

int semio_train(SemioStudy *s, const SemioTrainSettings *set, SemioTrainReport *rep,
                SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    TrainData d = { 0 };
    TrainResult res = { 0 };
    int r = check_settings(set, err);
    if (r == 0)
        r = train_check_run(s, set, err);
    if (r == 0)
        r = load_data(s, set, &d, err);
    if (r == 0)
        r = cross_validate(&d, set, &res, err);
    if (r == 0)
        fill_report(&d, &res, rep);
    char *model = NULL; /* the model file's text, written once the run is stored */
    if (r == 0 && set->final_model)
        r = train_final(&d, set, &model, err);
    if (r == 0)
        r = train_store(s, &d, set, &res, err);
    if (r == 0 && model)
        r = semio_write_atomic(set->final_model, model, strlen(model), err);
    free(model);
    free(res.fold);
    free(res.p_row);
    free(res.p_rec);
    free_data(&d);
    return r;
}
