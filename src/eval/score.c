/*
 * Per-sign metrics. The pilot study's published table is reproduced by these rules
 * (checked in tests against tests/fixtures/paper): rows with an unknown label and
 * failed answers are dropped; "na" is kept as a third class that is never right; with
 * no "na" the scores are binary with "yes" positive, otherwise scikit-learn's macro
 * average over the classes present (what its binary average falls back to when a
 * third class appears), zero where a ratio is undefined.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "eval/score.h"

static const char *const metric_names[SEMIO_METRIC_COUNT] = {
    "accuracy", "precision", "recall", "f1", "specificity", "balanced_accuracy", "kappa",
};

const char *semio_metric_name(SemioMetricId m)
{
    return m < SEMIO_METRIC_COUNT ? metric_names[m] : "?";
}

static const char *const rule_names[] = { "pilot", "binary", "strict" };

int semio_rules_parse(const char *name, SemioRules *out)
{
    for (int i = 0; i < 3; i++)
        if (name && !strcasecmp(name, rule_names[i])) {
            *out = (SemioRules)i;
            return 0;
        }
    return SEMIO_ERR_INVALID;
}

const char *semio_rules_name(SemioRules rules)
{
    return (unsigned)rules < 3 ? rule_names[rules] : "?";
}

int semio_cell(int8_t label, uint8_t answer, SemioRules rules, SemioMetrics *m)
{
    if (label != 0 && label != 1) {
        if (m)
            m->excluded_unknown++;
        return -1;
    }
    if (m && label == 1)
        m->positives++;
    switch (answer) {
    case SEMIO_ANSWER_NO:
    case SEMIO_ANSWER_YES:
        return label * 3 + answer;
    case SEMIO_ANSWER_NA:
        if (rules == SEMIO_RULES_PILOT)
            return label * 3 + 2;
        if (rules == SEMIO_RULES_STRICT)
            return label * 3 + !label; /* the wrong answer */
        if (m)
            m->excluded_na++;
        return -1;
    case SEMIO_ANSWER_FAILED:
        if (rules == SEMIO_RULES_STRICT)
            return label * 3 + !label;
        if (m)
            m->excluded_failed++;
        return -1;
    default:
        if (m)
            m->excluded_missing++;
        return -1;
    }
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0.0;
}

double semio_f1(double p, double r)
{
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

int semio_metrics_from_cells(const double c[SEMIO_CELLS], double v[SEMIO_METRIC_COUNT])
{
    double row[2] = { c[0] + c[1] + c[2], c[3] + c[4] + c[5] };
    double col[3] = { c[0] + c[3], c[1] + c[4], c[2] + c[5] };
    double n = row[0] + row[1];
    for (int i = 0; i < SEMIO_METRIC_COUNT; i++)
        v[i] = NAN;
    if (n <= 0)
        return 0;
    double diag = c[0] + c[4];
    v[SEMIO_METRIC_ACCURACY] = diag / n;

    /* Cohen's kappa over the classes present; undefined when chance agreement is 1. */
    double pe = (row[0] * col[0] + row[1] * col[1]) / (n * n);
    v[SEMIO_METRIC_KAPPA] = pe < 1 ? (diag / n - pe) / (1 - pe) : NAN;

    /* Balanced accuracy: mean recall over the classes present among the labels. */
    double rsum = 0;
    int rcount = 0;
    for (int t = 0; t < 2; t++)
        if (row[t] > 0) {
            rsum += c[t * 3 + t] / row[t];
            rcount++;
        }
    v[SEMIO_METRIC_BALANCED_ACCURACY] = rsum / rcount;

    if (col[2] <= 0) {
        double tp = c[4], fp = c[1], fn = c[3], tn = c[0];
        v[SEMIO_METRIC_PRECISION] = ratio(tp, tp + fp);
        v[SEMIO_METRIC_RECALL] = ratio(tp, tp + fn);
        v[SEMIO_METRIC_F1] = semio_f1(v[SEMIO_METRIC_PRECISION], v[SEMIO_METRIC_RECALL]);
        v[SEMIO_METRIC_SPECIFICITY] = ratio(tn, tn + fp);
        return 0;
    }
    /* Macro over the classes present in labels or answers (no, yes, na). */
    double p = 0, r = 0, f = 0, spec = 0;
    int k = 0;
    for (int cls = 0; cls < 3; cls++) {
        double rw = cls < 2 ? row[cls] : 0, tp = cls < 2 ? c[cls * 3 + cls] : 0;
        if (rw <= 0 && col[cls] <= 0)
            continue;
        double pc = ratio(tp, col[cls]), rc = ratio(tp, rw);
        double fp = col[cls] - tp, tn = n - rw - fp;
        p += pc;
        r += rc;
        f += semio_f1(pc, rc);
        spec += ratio(tn, tn + fp);
        k++;
    }
    v[SEMIO_METRIC_PRECISION] = p / k;
    v[SEMIO_METRIC_RECALL] = r / k;
    v[SEMIO_METRIC_F1] = f / k;
    v[SEMIO_METRIC_SPECIFICITY] = spec / k;
    return 1;
}

void semio_score(const int8_t *labels, const uint8_t *answers, size_t n, SemioRules rules,
                 SemioMetrics *m)
{
    memset(m, 0, sizeof(*m));
    double cells[SEMIO_CELLS] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int cell = semio_cell(labels[i], answers[i], rules, m);
        if (cell >= 0)
            cells[cell] += 1;
    }
    m->tp = (int64_t)cells[4];
    m->fn = (int64_t)(cells[3] + cells[5]);
    m->fp = (int64_t)cells[1];
    m->tn = (int64_t)(cells[0] + cells[2]);
    m->na_answers = (int64_t)(cells[2] + cells[5]);
    m->support = m->tp + m->fn + m->fp + m->tn;
    m->averaged = semio_metrics_from_cells(cells, m->value);
}
