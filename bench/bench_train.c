/*
 * Training benchmark: the fits of `semio train`'s outer cross-validation on synthetic
 * features (90 recordings of 29 patients, 5 segments each, 100 features, 20 signs, 3
 * patient folds), for both learners: wall time and peak memory, against scikit-learn doing
 * the same fits on the same data and folds in the same run (bench/train_peer.py:
 * LogisticRegression(solver="liblinear") and HistGradientBoostingClassifier).
 * The peer runs on one thread (OMP_NUM_THREADS=1), as semio's learners do by default.
 * Usage: bench_train [PEER.py] (default bench/train_peer.py; run from the tree's root)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "semio/semio.h"

enum { RECS = 90, PATIENTS = 29, SEGS = 5, ROWS = RECS * SEGS, FEATS = 100, SIGNS = 20, K = 3 };

static double x[ROWS * FEATS], p[ROWS];
static int8_t label[SIGNS * RECS], ytr[ROWS];
static int patient[RECS], fold[RECS];
static double xtr[ROWS * FEATS];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double gauss(void)
{
    double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Each sign is carried by two features through noise; 5% of values are missing. */
static void make_data(void)
{
    srand(42);
    for (int i = 0; i < RECS; i++) {
        patient[i] = i % PATIENTS;
        for (int s = 0; s < SIGNS; s++)
            label[s * RECS + i] = rand() % 10 == 0 ? -1 : rand() % 3 == 0;
    }
    for (int r = 0; r < ROWS; r++)
        for (int f = 0; f < FEATS; f++) {
            int s = f / 5, i = r / SEGS;
            double v = gauss() + (f % 5 < 2 && s < SIGNS && label[s * RECS + i] == 1 ? 1.2 : 0);
            x[r * FEATS + f] = rand() % 20 == 0 ? NAN : v;
        }
}

static int write_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "fold");
    for (int c = 0; c < FEATS + SIGNS; c++)
        fprintf(f, ",c%d", c);
    fprintf(f, "\n");
    for (int r = 0; r < ROWS; r++) {
        fprintf(f, "%d", fold[r / SEGS]);
        for (int c = 0; c < FEATS; c++)
            fprintf(f, isnan(x[r * FEATS + c]) ? ",nan" : ",%.17g", x[r * FEATS + c]);
        for (int s = 0; s < SIGNS; s++)
            fprintf(f, ",%d", label[s * RECS + r / SEGS]);
        fprintf(f, "\n");
    }
    return fclose(f);
}

/* Every (sign, fold): fit on the other folds' labeled rows, predict the fold's rows. */
static double train_all(SemioLearnerKind kind)
{
    SemioLearnerParams prm;
    SemioError err = { 0 };
    semio_learner_default_params(&prm, kind);
    double t0 = now();
    for (int s = 0; s < SIGNS; s++)
        for (int k = 0; k < K; k++) {
            size_t n = 0, nt = 0;
            for (int r = 0; r < ROWS; r++) {
                int i = r / SEGS;
                if (fold[i] == k || label[s * RECS + i] < 0)
                    continue;
                for (int c = 0; c < FEATS; c++)
                    xtr[n * FEATS + c] = x[r * FEATS + c];
                ytr[n++] = label[s * RECS + i];
            }
            SemioClassifier *m = NULL;
            if (semio_classifier_fit(&m, &prm, xtr, n, FEATS, ytr, &err) < 0) {
                fprintf(stderr, "fit: %s\n", err.message);
                exit(1);
            }
            for (int r = 0; r < ROWS; r++)
                if (fold[r / SEGS] == k && semio_classifier_predict(m, x + r * FEATS, 1, p + nt++,
                                                                   &err) < 0)
                    exit(1);
            semio_classifier_free(&m);
        }
    return now() - t0;
}

int main(int argc, char **argv)
{
    const char *peer = argc > 1 ? argv[1] : "bench/train_peer.py";
    SemioError err = { 0 };
    make_data();
    if (semio_patient_folds(patient, RECS, label, SIGNS, K, 1, fold, &err) < 0)
        return fprintf(stderr, "folds: %s\n", err.message), 1;
    double lr = train_all(SEMIO_LEARNER_LOGISTIC), xg = train_all(SEMIO_LEARNER_XGBOOST);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("semio:   %d signs x %d folds on %d segments x %d features: logistic (%s) %.3f s, "
           "xgboost (%s) %.3f s, peak memory %.1f MB\n", SIGNS, K, ROWS, FEATS,
           semio_learner_version(SEMIO_LEARNER_LOGISTIC), lr,
           semio_learner_version(SEMIO_LEARNER_XGBOOST), xg, ru.ru_maxrss / 1024.0);
    char csv[] = "/tmp/bench_train_XXXXXX", cmd[512];
    int fd = mkstemp(csv);
    if (fd < 0 || write_csv(csv) < 0)
        return fprintf(stderr, "cannot write %s\n", csv), 1;
    snprintf(cmd, sizeof(cmd), "OMP_NUM_THREADS=1 /usr/bin/python3 %s %s %d %d", peer, csv, FEATS, SIGNS);
    FILE *f = popen(cmd, "r");
    double plr = NAN, pgb = NAN, pmb = NAN;
    if (!f || fscanf(f, "logistic %lf\nboosted %lf\nmaxrss %lf", &plr, &pgb, &pmb) != 3)
        fprintf(stderr, "the peer (%s) gave no figures\n", cmd);
    if (f)
        pclose(f);
    remove(csv);
    printf("sklearn: logistic (liblinear) %.3f s, HistGradientBoosting %.3f s, peak memory "
           "%.1f MB\n", plr, pgb, pmb);
    printf("ratios (sklearn / semio): logistic %.1fx, boosted trees %.1fx, memory %.1fx\n",
           plr / lr, pgb / xg, pmb / (ru.ru_maxrss / 1024.0));
    return 0;
}
