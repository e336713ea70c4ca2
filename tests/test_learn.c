/*
 * The supervised baselines' building blocks: patient folds, the best-F1 threshold, the AUC
 * (by hand, and against scikit-learn's roc_auc_score) and the logistic learner against
 * scikit-learn's LogisticRegression(solver="liblinear") on the same data and folds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "semio/semio.h"

/* A small reproducible generator for the test data (not the library's). */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* n rows of 30 patients (1 to 4 rows each) with a target of ~40% prevalence per patient. */
static size_t make_patients(int *patient, int8_t *y, size_t cap, uint64_t seed)
{
    size_t n = 0;
    for (int p = 0; p < 30; p++) {
        int rows = 1 + (int)(uniform(&seed) * 4);
        int8_t cls = uniform(&seed) < 0.4;
        for (int r = 0; r < rows && n < cap; r++) {
            patient[n] = p;
            y[n++] = cls;
        }
    }
    return n;
}

static void folds_keep_patients_whole_and_balance(void)
{
    int patient[200], fold[200], again[200];
    int8_t y[200];
    size_t n = make_patients(patient, y, 200, 7);
    SemioError err = { 0 };
    CHECK_OK(semio_patient_folds(patient, n, y, 1, 3, 1, fold, &err), err);
    int fold_of[30];
    for (int p = 0; p < 30; p++)
        fold_of[p] = -1;
    double rows[3] = { 0 }, pos[3] = { 0 }, all_pos = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(fold[i] >= 0 && fold[i] < 3);
        CHECK_MSG(fold_of[patient[i]] < 0 || fold_of[patient[i]] == fold[i],
                  "patient %d split between folds", patient[i]);
        fold_of[patient[i]] = fold[i];
        rows[fold[i]]++;
        pos[fold[i]] += y[i];
        all_pos += y[i];
    }
    for (int f = 0; f < 3; f++) {
        CHECK_MSG(fabs(rows[f] / (double)n - 1.0 / 3) < 0.1, "fold %d has %g of %zu rows", f,
                  rows[f], n);
        CHECK_MSG(fabs(pos[f] / rows[f] - all_pos / (double)n) < 0.12,
                  "fold %d's prevalence %g, overall %g", f, pos[f] / rows[f], all_pos / (double)n);
    }
    CHECK_OK(semio_patient_folds(patient, n, y, 1, 3, 1, again, &err), err);
    CHECK(!memcmp(fold, again, n * sizeof(int)));
    CHECK(semio_patient_folds(patient, n, y, 1, 31, 1, fold, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "30 patients"));
}

static void best_f1_threshold_by_hand(void)
{
    /* yes where P >= t: t = 0.35 takes both positives and one negative, F1 0.8, the best */
    const double p[] = { 0.1, 0.4, 0.35, 0.8 };
    const int8_t y[] = { 0, 0, 1, 1 };
    CHECK(fabs(semio_best_f1_threshold(p, y, 4) - 0.35) < 1e-12);
}

/* learn.h: "0.5 when one class is absent", so a fold of one class sets no threshold */
static void best_f1_threshold_of_one_class_is_half(void)
{
    const double p[] = { 0.1, 0.4, 0.35, 0.8 };
    const int8_t none[] = { 0, 0, 0, 0 }, all[] = { 1, 1, 1, 1 };
    CHECK(semio_best_f1_threshold(p, none, 4) == 0.5);
    CHECK_MSG(semio_best_f1_threshold(p, all, 4) == 0.5, "every row positive: threshold %g",
              semio_best_f1_threshold(p, all, 4));
}

static void auc_by_hand(void)
{
    const double p[] = { 0.1, 0.4, 0.35, 0.8 };
    const int8_t y[] = { 0, 0, 1, 1 };
    CHECK(fabs(semio_auc(p, y, 4) - 0.75) < 1e-12);
    /* a positive tied with a negative counts half: (0.5 + 1 + 1 + 1) / 4 */
    const double tied[] = { 0.5, 0.5, 0.2, 0.9 };
    const int8_t yt[] = { 1, 0, 0, 1 };
    CHECK(fabs(semio_auc(tied, yt, 4) - 0.875) < 1e-12);
    const int8_t one_class[] = { 1, 1, 1, 1 };
    CHECK(isnan(semio_auc(p, one_class, 4)));
    CHECK(fabs(semio_auc(p, y, 4) + semio_auc((const double[]){ 0.9, 0.6, 0.65, 0.2 }, y, 4)
               - 1) < 1e-12);
}

#define ROWS 120
#define DIMS 4

/* Rows of 4 features (one often missing, one constant) whose target follows a logistic
 * model, 30 patients, and a score with ties for the AUC. */
typedef struct Data {
    size_t n;
    int patient[ROWS], fold[ROWS];
    int8_t y[ROWS];
    double x[ROWS * DIMS], score[ROWS];
} Data;

static void make_data(Data *d)
{
    uint64_t s = 42;
    d->n = ROWS;
    for (size_t i = 0; i < ROWS; i++) {
        double *x = d->x + i * DIMS;
        d->patient[i] = (int)(i % 30);
        x[0] = uniform(&s) * 2 - 1;
        x[1] = uniform(&s) < 0.5;
        x[2] = uniform(&s) < 0.25 ? NAN : 10 + 5 * uniform(&s);
        x[3] = 3;
        double z = 2 * x[0] - 1.5 * x[1] + (isnan(x[2]) ? 0 : 0.3 * (x[2] - 12.5));
        d->y[i] = uniform(&s) < 1 / (1 + exp(-z));
        d->score[i] = round(uniform(&s) * 10 + d->y[i] * 3) / 10; /* ties on purpose */
    }
}

/* Writes the data for tests/sklearn_logistic.py and runs it; 0, or 3 without sklearn. */
static int run_sklearn(const Data *d, const SemioLearnerParams *lp, double *p, double *auc)
{
    const char *in = test_path("learn_in.txt"), *out = test_path("learn_out.txt");
    FILE *f = fopen(in, "w");
    if (!f)
        return -1;
    fprintf(f, "%zu %d 3 %.17g %.17g %d\n", d->n, DIMS, lp->c, lp->eps, lp->balanced);
    for (size_t i = 0; i < d->n; i++) {
        fprintf(f, "%d %d %.17g", d->fold[i], d->y[i], d->score[i]);
        for (int j = 0; j < DIMS; j++)
            fprintf(f, " %.17g", d->x[i * DIMS + j]);
        fputc('\n', f);
    }
    fclose(f);
    const char *root = getenv("SEMIO_SOURCE_ROOT");
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/sklearn_logistic.py' '%s' '%s'",
             root ? root : ".", in, out);
    int st = system(cmd);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    f = fopen(out, "r");
    int ok = f != NULL;
    for (size_t i = 0; ok && i < d->n; i++)
        ok = fscanf(f, "%lf", &p[i]) == 1;
    ok = ok && fscanf(f, "%lf", auc) == 1;
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

/* Out-of-fold P(1) of every row from semio's learner, fold by fold. */
static int semio_oof(const Data *d, const SemioLearnerParams *lp, double *p, SemioError *err)
{
    double xt[ROWS * DIMS], xs[ROWS * DIMS], ps[ROWS];
    int8_t yt[ROWS];
    for (int f = 0; f < 3; f++) {
        size_t nt = 0, ns = 0, at[ROWS];
        for (size_t i = 0; i < d->n; i++) {
            double *dst = d->fold[i] == f ? xs + ns * DIMS : xt + nt * DIMS;
            memcpy(dst, d->x + i * DIMS, DIMS * sizeof(double));
            if (d->fold[i] == f)
                at[ns++] = i;
            else
                yt[nt++] = d->y[i];
        }
        SemioClassifier *c = NULL;
        int r = semio_classifier_fit(&c, lp, xt, nt, DIMS, yt, err);
        if (r == 0)
            r = semio_classifier_predict(c, xs, ns, ps, err);
        semio_classifier_free(&c);
        if (r < 0)
            return r;
        for (size_t i = 0; i < ns; i++)
            p[at[i]] = ps[i];
    }
    return 0;
}

static void logistic_and_auc_agree_with_sklearn(void)
{
    SKIP_UNLESS_BUILT("learn");
    Data d;
    make_data(&d);
    SemioError err = { 0 };
    CHECK_OK(semio_patient_folds(d.patient, d.n, d.y, 1, 3, 5, d.fold, &err), err);
    SemioLearnerParams lp;
    semio_learner_default_params(&lp, SEMIO_LEARNER_LOGISTIC);
    lp.eps = 1e-8; /* both solvers run to the end, so they agree to more than the tolerance */
    double mine[ROWS], theirs[ROWS], auc = NAN;
    for (int balanced = 0; balanced <= 1; balanced++) {
        lp.balanced = balanced;
        int r = run_sklearn(&d, &lp, theirs, &auc);
        SKIP_UNLESS(r != 3, "/usr/bin/python3 has no scikit-learn (python3-sklearn)");
        CHECK_MSG(r == 0, "tests/sklearn_logistic.py failed (%d)", r);
        CHECK_OK(semio_oof(&d, &lp, mine, &err), err);
        double worst = 0;
        for (size_t i = 0; i < d.n; i++)
            worst = fmax(worst, fabs(mine[i] - theirs[i]));
        CHECK_MSG(worst < 1e-4, "balanced %d: P differs from scikit-learn's by up to %g",
                  balanced, worst);
    }
    CHECK_MSG(fabs(semio_auc(d.score, d.y, d.n) - auc) < 1e-12, "AUC %.12g, sklearn %.12g",
              semio_auc(d.score, d.y, d.n), auc);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(folds_keep_patients_whole_and_balance),
        TEST(best_f1_threshold_by_hand),
        TEST(best_f1_threshold_of_one_class_is_half),
        TEST(auc_by_hand),
        TEST(logistic_and_auc_agree_with_sklearn),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
