/*
 * Evaluations from files: a label CSV and prediction CSVs in the pilot study's layout.
 * Prediction rows find their label rows by a name key that ignores the extension and
 * punctuation, so "A0002@5-13-2021@UA6693LK@sz_v1.wav" matches the ".mp4" label row.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/cells.h"
#include "formats/label_csv.h"
#include "formats/patient.h"
#include "semio/eval.h"
#include "semio/signs.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct Inputs {
    SemioSignSet *catalog;
    SemioLabelCsv labels;
    SemioCsv *preds;
    size_t npreds;
    char (*keys)[256];  /* label row -> key */
    const SemioSign **sign_of_label_col;
} Inputs;

static void free_inputs(Inputs *in)
{
    for (size_t i = 0; i < in->npreds; i++)
        semio_csv_free(&in->preds[i]);
    free(in->preds);
    free(in->keys);
    free(in->sign_of_label_col);
    semio_label_csv_free(&in->labels);
    semio_signs_close(&in->catalog);
}

static int find_row(const Inputs *in, const char *key)
{
    for (size_t r = 1; r < in->labels.csv.nrows; r++)
        if (!strcmp(in->keys[r], key))
            return (int)r;
    return -1;
}

/* Whether the labels have the sign, as one column or as rater columns. */
static int labeled(const Inputs *in, const SemioSign *sign)
{
    if (semio_csv_column(&in->labels.csv, sign->id) >= 0)
        return 1;
    const SemioCsvRow *h = &in->labels.csv.rows[0];
    for (size_t c = 0; c < h->nfields; c++)
        if (in->labels.kind[c] == SEMIO_COL_RATER &&
            semio_label_rater_sign(in->catalog, h->fields[c]) == sign)
            return 1;
    return 0;
}

/*
 * The labels of one sign: its column, or the majority of its raters (tie: unknown).
 * Records the raters' agreement in ev when there are two or more.
 */
static void sign_labels(const Inputs *in, const SemioSign *sign, size_t s, size_t nrows,
                        int8_t *labels, int *yes, int *votes, int *raters_out, int *ties_out)
{
    const SemioCsvRow *h = &in->labels.csv.rows[0];
    int plain = semio_csv_column(&in->labels.csv, sign->id), raters = 0, ties = 0;
    memset(yes, 0, nrows * sizeof(int));
    memset(votes, 0, nrows * sizeof(int));
    for (size_t c = 0; c < h->nfields; c++) {
        if (in->labels.kind[c] != SEMIO_COL_RATER ||
            semio_label_rater_sign(in->catalog, h->fields[c]) != sign)
            continue;
        raters++;
        for (size_t row = 0; row < nrows; row++) {
            int v = 0;
            if (semio_parse_yes_no(in->labels.csv.rows[row + 1].fields[c], &v) > 0) {
                votes[row]++;
                yes[row] += v;
            }
        }
    }
    for (size_t row = 0; row < nrows; row++) {
        int v = 0;
        int8_t *l = &labels[s * nrows + row];
        if (plain >= 0)
            *l = semio_parse_yes_no(in->labels.csv.rows[row + 1].fields[plain], &v) > 0
                     ? (int8_t)v : SEMIO_LABEL_UNKNOWN;
        else if (2 * yes[row] > votes[row])
            *l = 1;
        else if (votes[row] && 2 * yes[row] < votes[row])
            *l = 0;
        else
            *l = SEMIO_LABEL_UNKNOWN;
        ties += plain < 0 && votes[row] && 2 * yes[row] == votes[row];
    }
    *raters_out = raters;
    *ties_out = ties;
}

/* Signs scored: those of the catalog that the labels and some prediction file have. */
static size_t scored_signs(const Inputs *in, const SemioSign **out)
{
    size_t n = 0;
    for (size_t i = 0; i < semio_signs_count(in->catalog); i++) {
        const SemioSign *s = semio_signs_get(in->catalog, i);
        if (!labeled(in, s))
            continue;
        char prob[96];
        snprintf(prob, sizeof(prob), "%s_prob", s->id);
        for (size_t p = 0; p < in->npreds; p++)
            if (semio_csv_column(&in->preds[p], s->id) >= 0 ||
                semio_csv_column(&in->preds[p], prob) >= 0) {
                out[n++] = s;
                break;
            }
    }
    return n;
}

/* Fills answers[s * nrows + row] for one prediction file. */
/* Fills answers and P(yes) ([s * nrows + row], NaN where absent) for one file;
 * *has_p tells whether it had any P(yes) column. */
static int read_run(const Inputs *in, const SemioCsv *pred, const char *path,
                    const SemioSign **signs, size_t nsigns, uint8_t *answers, double *p_yes,
                    int *has_p, SemioError *err)
{
    size_t nrows = in->labels.csv.nrows - 1;
    memset(answers, SEMIO_ANSWER_MISSING, nsigns * nrows);
    for (size_t i = 0; i < nsigns * nrows; i++)
        p_yes[i] = NAN;
    *has_p = 0;
    int fcol = semio_csv_column(pred, "file_name");
    if (fcol < 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: no file_name column", path);
    char *seen = calloc(nrows + 1, 1);
    if (!seen)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = 0, unmatched = 0;
    char first_unmatched[256] = "";
    for (size_t row = 1; row < pred->nrows && r == 0; row++) {
        const char *name = semio_trim(pred->rows[row].fields[fcol]);
        char key[256];
        semio_name_key(name, key, sizeof(key));
        int lr = find_row(in, key);
        if (lr < 0) {
            if (!unmatched++)
                snprintf(first_unmatched, sizeof(first_unmatched), "%s", name);
            continue;
        }
        if (seen[lr - 1]) {
            r = semio_fail(err, SEMIO_ERR_FORMAT,
                           "%s: data row %zu (%s) predicts %s a second time", path, row, name,
                           in->labels.csv.rows[lr].fields[in->labels.file_col]);
            break;
        }
        seen[lr - 1] = 1;
        for (size_t s = 0; s < nsigns && r == 0; s++) {
            char prob[96];
            snprintf(prob, sizeof(prob), "%s_prob", signs[s]->id);
            int pc = semio_csv_column(pred, prob);
            if (pc >= 0) {
                *has_p = 1;
                if (semio_parse_prob(pred->rows[row].fields[pc], &p_yes[s * nrows + (size_t)lr - 1])) {
                    r = semio_fail(err, SEMIO_ERR_FORMAT,
                                   "%s: data row %zu (%s), column %s: '%s' is not a "
                                   "probability between 0 and 1", path, row, name, prob,
                                   pred->rows[row].fields[pc]);
                    break;
                }
            }
            int c = semio_csv_column(pred, signs[s]->id);
            if (c < 0)
                continue;
            if (semio_parse_answer(pred->rows[row].fields[c], &answers[s * nrows + (size_t)lr - 1])) {
                r = semio_fail(err, SEMIO_ERR_FORMAT,
                               "%s: data row %zu (%s), column %s: '%s' is not yes, no, na, "
                               "fail or empty", path, row, name, signs[s]->id,
                               pred->rows[row].fields[c]);
                break;
            }
        }
    }
    free(seen);
    if (r == 0 && unmatched)
        r = semio_fail(err, SEMIO_ERR_FORMAT,
                       "%s: %d prediction rows match no label row (first: %s); names are "
                       "matched without extension and punctuation", path, unmatched,
                       first_unmatched);
    return r;
}

static int load_inputs(Inputs *in, const char *labels_csv, const char *const *pred_csvs,
                       size_t nruns, SemioError *err)
{
    int r = semio_signs_open(&in->catalog, NULL, err);
    if (r == 0)
        r = semio_label_csv_load(&in->labels, labels_csv, in->catalog, err);
    if (r < 0)
        return r;
    size_t nrows = in->labels.csv.nrows;
    in->keys = calloc(nrows, sizeof(*in->keys));
    in->preds = calloc(nruns, sizeof(SemioCsv));
    if (!in->keys || !in->preds)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t row = 1; row < nrows; row++) {
        semio_name_key(in->labels.csv.rows[row].fields[in->labels.file_col], in->keys[row],
                 sizeof(in->keys[row]));
        int other = find_row(in, in->keys[row]);
        if (other > 0 && (size_t)other < row)
            return semio_fail(err, SEMIO_ERR_FORMAT,
                              "%s: rows %d and %zu name the same recording once extension and "
                              "punctuation are ignored (%s, %s)", labels_csv, other, row,
                              in->labels.csv.rows[other].fields[in->labels.file_col],
                              in->labels.csv.rows[row].fields[in->labels.file_col]);
    }
    for (size_t i = 0; i < nruns; i++) {
        if ((r = semio_csv_read(pred_csvs[i], &in->preds[i], err)) < 0)
            return r;
        in->npreds++;
    }
    return 0;
}

int semio_eval_from_csv(SemioEval **out, const char *labels_csv,
                        const char *const *pred_csvs, size_t nruns,
                        const SemioCsvSettings *options, SemioError *err)
{
    *out = NULL;
    SemioCsvSettings opt = { NULL, 0, 1 };
    if (options)
        opt = *options;
    if (opt.tune_folds > 64)
        return semio_fail(err, SEMIO_ERR_INVALID, "at most 64 folds");
    Inputs in = { 0 };
    regex_t rule;
    int r = semio_patient_rule(&rule, opt.patient_regex ? opt.patient_regex
                                                        : SEMIO_DEFAULT_PATIENT_REGEX, err);
    if (r < 0)
        return r;
    const SemioSign **signs = NULL;
    char **names = NULL, **patients = NULL;
    const char **sign_ids = NULL, **groups = NULL;
    int8_t *labels = NULL;
    uint8_t *answers = NULL;
    double *p_yes = NULL;
    int *yes = NULL, *votes = NULL, *raters = NULL, *ties = NULL;
    size_t nrows = 0, nsigns = 0;
    if ((r = load_inputs(&in, labels_csv, pred_csvs, nruns, err)) < 0)
        goto done;
    nrows = in.labels.csv.nrows - 1;
    signs = calloc(semio_signs_count(in.catalog) + 1, sizeof(*signs));
    if (!signs) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    nsigns = scored_signs(&in, signs);
    if (nsigns == 0) {
        r = semio_fail(err, SEMIO_ERR_FORMAT,
                       "no sign is both labeled in %s and predicted in the prediction files",
                       labels_csv);
        goto done;
    }
    names = calloc(nrows + 1, sizeof(char *));
    patients = calloc(nrows + 1, sizeof(char *));
    sign_ids = calloc(nsigns, sizeof(char *));
    groups = calloc(nsigns, sizeof(char *));
    labels = malloc(nrows * nsigns + 1);
    answers = malloc(nrows * nsigns + 1);
    p_yes = malloc((nrows * nsigns + 1) * sizeof(double));
    yes = malloc((nrows + 1) * sizeof(int));
    votes = malloc((nrows + 1) * sizeof(int));
    raters = calloc(nsigns, sizeof(int));
    ties = calloc(nsigns, sizeof(int));
    if (!names || !patients || !sign_ids || !groups || !labels || !answers || !p_yes || !yes ||
        !votes || !raters || !ties) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t row = 0; row < nrows && r == 0; row++) {
        names[row] = in.labels.csv.rows[row + 1].fields[in.labels.file_col];
        if (!(patients[row] = malloc(256)))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        else
            semio_patient_of(&rule, names[row], patients[row], 256);
    }
    for (size_t s = 0; s < nsigns && r == 0; s++) {
        sign_ids[s] = signs[s]->id;
        groups[s] = signs[s]->group;
        sign_labels(&in, signs[s], s, nrows, labels, yes, votes, &raters[s], &ties[s]);
    }
    if (r == 0)
        r = semio_eval_open(out, nrows, (const char *const *)names,
                           (const char *const *)patients, nsigns, sign_ids, groups, labels, err);
    for (size_t s = 0; s < nsigns && r == 0; s++) {
        if (raters[s] < 2)
            continue;
        sign_labels(&in, signs[s], s, nrows, labels, yes, votes, &raters[s], &ties[s]);
        semio_eval_set_agreement(*out, s, raters[s], semio_fleiss_kappa(yes, votes, nrows),
                                 ties[s]);
    }
    for (size_t i = 0; i < nruns && r == 0; i++) {
        int has_p = 0;
        r = read_run(&in, &in.preds[i], pred_csvs[i], signs, nsigns, answers, p_yes, &has_p,
                     err);
        char prov[1100];
        snprintf(prov, sizeof(prov), "predictions file %s", pred_csvs[i]);
        const char *base = semio_basename(pred_csvs[i]);
        if (r == 0)
            r = semio_eval_add_run(*out, base, prov, answers, err);
        if (r == 0 && has_p)
            r = semio_eval_add_p_runs(*out, base, p_yes, opt.tune_folds, opt.seed, err);
    }
    if (r < 0)
        semio_eval_close(out);
done:
    for (size_t row = 0; patients && row < nrows; row++)
        free(patients[row]);
    free(patients);
    free(names);
    free(sign_ids);
    free(groups);
    free(signs);
    free(labels);
    free(answers);
    free(p_yes);
    free(yes);
    free(votes);
    free(raters);
    free(ties);
    free_inputs(&in);
    regfree(&rule);
    return r;
}
