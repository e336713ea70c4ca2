/*
 * Evaluation benchmark: 90 recordings of 29 patients x 20 signs x 10 runs with 10,000
 * patient-bootstrap resamples on one core (target < 2 s), against a numpy peer
 * (bench/eval_peer.py: the same weighted confusion tables per resample with
 * np.bincount) timed on fewer resamples in the same run and compared per resample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "semio/semio.h"

enum { ROWS = 90, PATIENTS = 29, SIGNS = 20, RUNS = 10 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int resamples = argc > 1 ? atoi(argv[1]) : 10000;
    const char *peer = argc > 2 ? argv[2] : "bench/eval_peer.py";
    static char names[ROWS][16], pats[ROWS][16], sign_names[SIGNS][16], run_names[RUNS][16];
    const char *rows[ROWS], *pat[ROWS], *signs[SIGNS], *groups[SIGNS];
    static int8_t labels[SIGNS * ROWS];
    static uint8_t answers[RUNS][SIGNS * ROWS];
    srand(42);
    for (int r = 0; r < ROWS; r++) {
        snprintf(names[r], 16, "v%d", r);
        snprintf(pats[r], 16, "p%d", r % PATIENTS);
        rows[r] = names[r];
        pat[r] = pats[r];
    }
    for (int s = 0; s < SIGNS; s++) {
        snprintf(sign_names[s], 16, "sign%d", s);
        signs[s] = sign_names[s];
        groups[s] = s < 11 ? "limb" : s < 18 ? "facial" : "audio";
        for (int r = 0; r < ROWS; r++)
            labels[s * ROWS + r] = rand() % 10 == 0 ? SEMIO_LABEL_UNKNOWN : (int8_t)(rand() % 2);
    }
    FILE *data = fopen("bench/out/eval-data.txt", "w");
    if (!data) {
        perror("bench/out/eval-data.txt");
        return 1;
    }
    for (int r = 0; r < ROWS; r++)
        fprintf(data, "%d%c", r % PATIENTS, r + 1 < ROWS ? ' ' : '\n');
    for (int i = 0; i < SIGNS * ROWS; i++)
        fprintf(data, "%d%c", labels[i], i + 1 < SIGNS * ROWS ? ' ' : '\n');
    for (int k = 0; k < RUNS; k++) {
        snprintf(run_names[k], 16, "run%d", k);
        for (int i = 0; i < SIGNS * ROWS; i++) {
            int x = rand() % 100;
            answers[k][i] = x < 3 ? SEMIO_ANSWER_FAILED : x < 6 ? SEMIO_ANSWER_NA
                          : (uint8_t)(rand() % 100 < 70 ? labels[i] == 1 : rand() % 2);
            fprintf(data, "%d%c", answers[k][i], i + 1 < SIGNS * ROWS ? ' ' : '\n');
        }
    }
    fclose(data);

    SemioEval *ev;
    SemioError err = { 0 };
    if (semio_eval_open(&ev, ROWS, rows, pat, SIGNS, signs, groups, labels, &err) < 0)
        return fprintf(stderr, "%s\n", err.message), 1;
    for (int k = 0; k < RUNS; k++)
        if (semio_eval_add_run(ev, run_names[k], "bench", answers[k], &err) < 0)
            return fprintf(stderr, "%s\n", err.message), 1;
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = resamples;
    double t0 = now();
    if (semio_eval_compute(ev, &set, &err) < 0)
        return fprintf(stderr, "%s\n", err.message), 1;
    double secs = now() - t0;
    semio_eval_close(&ev);

    int peer_resamples = resamples / 50 > 20 ? resamples / 50 : 20;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s bench/out/eval-data.txt %d", peer,
             peer_resamples);
    double peer_secs = -1;
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%lf", &peer_secs) != 1)
        peer_secs = -1;
    if (p)
        pclose(p);

    printf("eval: %d recordings, %d patients, %d signs, %d runs, %d resamples\n", ROWS,
           PATIENTS, SIGNS, RUNS, resamples);
    printf("  semio (one core):    %.3f s, %.0f resamples/s (target < 2 s)\n", secs,
           resamples / secs);
    if (peer_secs > 0) {
        printf("  numpy peer:          %.3f s for %d resamples, %.1f resamples/s\n", peer_secs,
               peer_resamples, peer_resamples / peer_secs);
        printf("  ratio:               %.0fx faster per resample\n",
               (resamples / secs) / (peer_resamples / peer_secs));
    } else {
        printf("  numpy peer:          not available (scripts/install-deps --bench)\n");
    }
    return 0;
}
