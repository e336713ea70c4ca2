/* Evaluation: the paper's table reproduced, metrics against scikit-learn, statistics. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "semio/semio.h"

static const char *fixture(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    const char *root = getenv("SEMIO_SOURCE_ROOT");
    snprintf(p, sizeof(path[0]), "%s/tests/fixtures/paper/%s", root ? root : ".", name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

/* The published file without BOM and carriage returns. */
static char *published(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f), k = 0;
    fclose(f);
    size_t start = n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (size_t i = start; i < n; i++)
        if (buf[i] != '\r')
            buf[k++] = buf[i];
    buf[k] = '\0';
    return buf;
}

static void reproduces_the_papers_audio_table(void)
{
    const char *preds[1] = { fixture("AF3_90_audio_feature.csv") };
    SemioEval *ev;
    SemioError err = { 0 };
    CHECK_OK(semio_eval_from_csv(&ev, fixture("90_FeatureAnnotation.csv"), preds, 1, NULL, &err),
             err);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 200;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    CHECK_OK(semio_eval_write(ev, SEMIO_TABLE_PILOT_CSV, mem, &err), err);
    fclose(mem);
    const char *want = published(fixture("audio_base_metrics.csv"));
    CHECK(want);
    CHECK_MSG(!strcmp(text, want), "semio wrote:\n%s\nthe paper has:\n%s", text, want);
    free(text);
    /* The rows each sign scored, and why others were left out. */
    CHECK_STR(semio_eval_sign(ev, 0), "verbal_responsiveness");
    const SemioMetrics *vr = semio_eval_metrics(ev, 0, 0), *iv = semio_eval_metrics(ev, 0, 1);
    CHECK_INT(vr->support, 53);
    CHECK_INT(vr->excluded_unknown, 37);
    CHECK_INT(vr->na_answers, 21);
    CHECK_INT(vr->averaged, 1);
    CHECK_INT(iv->support, 85);
    CHECK_INT(iv->excluded_failed, 5);
    CHECK_INT(iv->averaged, 0);
    CHECK_INT(semio_eval_patients(ev), 29);
    semio_eval_close(&ev);
}

static uint8_t answer_of(char c)
{
    switch (c) {
    case 'y': return SEMIO_ANSWER_YES;
    case 'n': return SEMIO_ANSWER_NO;
    case 'a': return SEMIO_ANSWER_NA;
    case 'f': return SEMIO_ANSWER_FAILED;
    default: return SEMIO_ANSWER_MISSING;
    }
}

static void metrics_agree_with_scikit_learn(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import sklearn' 2>/dev/null") != 0) {
        CHECK_MSG(0, "scikit-learn is not installed (scripts/install-deps installs "
                     "python3-sklearn)");
    }
    enum { CASES = 3000 };
    static char labels[CASES][128], answers[CASES][128];
    static int rules[CASES];
    const char *cases = test_path("cases.txt"), *expect = test_path("expected.txt");
    FILE *f = fopen(cases, "w");
    CHECK(f);
    srand(20251);
    for (int i = 0; i < CASES; i++) {
        int n = 1 + rand() % (i % 10 == 0 ? 4 : 100);
        /* Skewed mixes so that degenerate tables (one class, all na...) come up too. */
        int pna = rand() % 4 == 0 ? rand() % 60 : 0, pfail = rand() % 3 == 0 ? rand() % 30 : 0;
        int pyes = rand() % 101, pright = rand() % 101, punk = rand() % 3 == 0 ? 20 : 0;
        for (int k = 0; k < n; k++) {
            int lab = rand() % 100 < pyes;
            labels[i][k] = rand() % 100 < punk ? 'u' : lab ? 'y' : 'n';
            int x = rand() % 100;
            answers[i][k] = x < pna ? 'a' : x < pna + pfail ? 'f' : x < pna + pfail + 3 ? 'm'
                          : (rand() % 100 < pright) == lab ? 'y' : 'n';
        }
        labels[i][n] = answers[i][n] = '\0';
        rules[i] = i % 3;
        fprintf(f, "%s %s %s\n", semio_rules_name((SemioRules)rules[i]), labels[i], answers[i]);
    }
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/sklearn_check.py' '%s' > '%s'",
             getenv("SEMIO_SOURCE_ROOT") ? getenv("SEMIO_SOURCE_ROOT") : ".", cases, expect);
    CHECK(system(cmd) == 0);
    f = fopen(expect, "r");
    CHECK(f);
    int compared = 0;
    for (int i = 0; i < CASES; i++) {
        double want[SEMIO_METRIC_COUNT];
        for (int m = 0; m < SEMIO_METRIC_COUNT; m++)
            CHECK(fscanf(f, "%lf", &want[m]) == 1);
        size_t n = strlen(labels[i]);
        int8_t lab[128];
        uint8_t ans[128];
        for (size_t k = 0; k < n; k++) {
            lab[k] = labels[i][k] == 'y' ? 1 : labels[i][k] == 'n' ? 0 : SEMIO_LABEL_UNKNOWN;
            ans[k] = answer_of(answers[i][k]);
        }
        SemioMetrics got;
        semio_score(lab, ans, n, (SemioRules)rules[i], &got);
        for (int m = 0; m < SEMIO_METRIC_COUNT; m++) {
            double g = got.value[m];
            CHECK_MSG((isnan(g) && isnan(want[m])) || fabs(g - want[m]) <= 1e-9,
                      "case %d (%s %s %s): %s is %.17g, scikit-learn says %.17g", i,
                      semio_rules_name((SemioRules)rules[i]), labels[i], answers[i],
                      semio_metric_name((SemioMetricId)m), g, want[m]);
            compared++;
        }
    }
    fclose(f);
    CHECK_INT(compared, CASES * SEMIO_METRIC_COUNT);
}

static void quantiles_match_numpy(void)
{
    const char *in = test_path("q.txt"), *out = test_path("q-numpy.txt");
    FILE *f = fopen(in, "w");
    CHECK(f);
    static double v[200][64], copy[64];
    static int n[200];
    srand(3);
    for (int i = 0; i < 200; i++) {
        n[i] = 1 + rand() % 60;
        for (int k = 0; k < n[i]; k++) {
            v[i][k] = (double)(rand() % (i % 3 ? 1000 : 4)) / 7.0; /* ties too */
            fprintf(f, "%.17g ", v[i][k]);
        }
        fputc('\n', f);
    }
    fclose(f);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 -c 'import numpy as np,sys\n"
             "for l in open(sys.argv[1]):\n"
             "  x=np.array(l.split(),dtype=float)\n"
             "  print(*(repr(float(np.percentile(x,q))) for q in (2.5,50,97.5)))' '%s' > '%s'",
             in, out);
    CHECK(system(cmd) == 0);
    f = fopen(out, "r");
    CHECK(f);
    for (int i = 0; i < 200; i++) {
        static const double q[3] = { 0.025, 0.5, 0.975 };
        for (int j = 0; j < 3; j++) {
            double want;
            CHECK(fscanf(f, "%lf", &want) == 1);
            memcpy(copy, v[i], sizeof(double) * (size_t)n[i]);
            double got = semio_quantile(copy, (size_t)n[i], q[j]);
            CHECK_MSG(fabs(got - want) <= 1e-12 * (1 + fabs(want)), "row %d q %g: %.17g vs numpy %.17g",
                      i, q[j], got, want);
        }
    }
    fclose(f);
    double none[1];
    CHECK(isnan(semio_quantile(none, 0, 0.5)));
}

static SemioEval *small_eval(void)
{
    /* 6 recordings of 3 patients, 3 signs of two groups. */
    const char *rows[6] = { "a1", "a2", "b1", "b2", "c1", "c2" };
    const char *pat[6] = { "A", "A", "B", "B", "C", "C" };
    const char *signs[3] = { "tonic", "clonic", "blank_stare" };
    const char *groups[3] = { "limb", "limb", "facial" };
    int8_t labels[18] = { 1, 0, 1, 0, 1, 0, /**/ 1, 1, 0, 0, 1, -1, /**/ 0, 0, 0, 1, 1, 1 };
    uint8_t run1[18] = { 1, 0, 1, 1, 1, 0, /**/ 1, 0, 0, 0, 1, 1, /**/ 0, 0, 1, 1, 1, 3 };
    uint8_t run2[18] = { 1, 0, 0, 0, 1, 0, /**/ 1, 1, 0, 0, 1, 1, /**/ 0, 1, 1, 1, 0, 0 };
    SemioEval *ev = NULL;
    SemioError err = { 0 };
    if (semio_eval_open(&ev, 6, rows, pat, 3, signs, groups, labels, &err) < 0 ||
        semio_eval_add_run(ev, "one", "test", run1, &err) < 0 ||
        semio_eval_add_run(ev, "two", "test", run2, &err) < 0)
        printf("    %s\n", err.message);
    return ev;
}

static void macro_averages_per_group(void)
{
    SemioEval *ev = small_eval();
    CHECK(ev);
    SemioError err = { 0 };
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 0;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    CHECK_INT(semio_eval_groups(ev), 3);
    CHECK_STR(semio_eval_group(ev, 1), "limb");
    double f[3];
    for (int s = 0; s < 3; s++)
        f[s] = semio_eval_metrics(ev, 0, (size_t)s)->value[SEMIO_METRIC_F1];
    CHECK(fabs(semio_eval_macro(ev, 0, 0, SEMIO_METRIC_F1, NULL) - (f[0] + f[1] + f[2]) / 3) < 1e-12);
    CHECK(fabs(semio_eval_macro(ev, 0, 1, SEMIO_METRIC_F1, NULL) - (f[0] + f[1]) / 2) < 1e-12);
    CHECK(fabs(semio_eval_macro(ev, 0, 2, SEMIO_METRIC_F1, NULL) - f[2]) < 1e-12);
    /* tonic run one: tp 3 fp 1 fn 0 -> F1 = 6/7 */
    CHECK(fabs(f[0] - 6.0 / 7.0) < 1e-12);
    SemioInterval ci;
    semio_eval_macro(ev, 0, 0, SEMIO_METRIC_F1, &ci);
    CHECK_INT(ci.defined, 0);
    semio_eval_close(&ev);
}

static void bootstrap_is_seeded_and_sane(void)
{
    SemioEval *ev = small_eval();
    CHECK(ev);
    SemioError err = { 0 };
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 2000;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    SemioInterval a = *semio_eval_interval(ev, 0, 0, SEMIO_METRIC_F1);
    CHECK_INT(a.defined, 2000);
    double v = semio_eval_metrics(ev, 0, 0)->value[SEMIO_METRIC_F1];
    CHECK(a.lo <= v && v <= a.hi);
    CHECK(a.lo >= 0 && a.hi <= 1);
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    SemioInterval b = *semio_eval_interval(ev, 0, 0, SEMIO_METRIC_F1);
    CHECK(a.lo == b.lo && a.hi == b.hi);
    /* Kappa is undefined in resamples with one class: counted, not invented. */
    CHECK(semio_eval_interval(ev, 0, 0, SEMIO_METRIC_KAPPA)->defined <= 2000);
    set.level = 1.5;
    CHECK(semio_eval_compute(ev, &set, &err) == SEMIO_ERR_INVALID);
    semio_eval_close(&ev);
}

/* 300 recordings of 60 patients: enough for the seed to move the interval. */
static void seed_changes_the_resamples(void)
{
    enum { N = 300 };
    static char names[N][16], pats[N][16];
    const char *rows[N], *pat[N], *sign[1] = { "tonic" };
    int8_t lab[N];
    uint8_t ans[N];
    srand(5);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "r%d", i);
        snprintf(pats[i], sizeof(pats[i]), "p%d", i % 60);
        rows[i] = names[i];
        pat[i] = pats[i];
        lab[i] = (int8_t)(rand() % 2);
        ans[i] = rand() % 4 ? (uint8_t)lab[i] : (uint8_t)!lab[i];
    }
    SemioEval *ev;
    SemioError err = { 0 };
    CHECK_OK(semio_eval_open(&ev, N, rows, pat, 1, sign, NULL, lab, &err), err);
    CHECK_OK(semio_eval_add_run(ev, "r", "", ans, &err), err);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 1000;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    SemioInterval a = *semio_eval_interval(ev, 0, 0, SEMIO_METRIC_F1);
    set.seed = 2;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    SemioInterval b = *semio_eval_interval(ev, 0, 0, SEMIO_METRIC_F1);
    CHECK(a.lo != b.lo || a.hi != b.hi);
    CHECK(fabs(a.lo - b.lo) < 0.03 && fabs(a.hi - b.hi) < 0.03);
    semio_eval_close(&ev);
}

static void paired_comparison(void)
{
    CHECK(fabs(semio_mcnemar_exact(0, 5) - 0.0625) < 1e-12);
    CHECK(fabs(semio_mcnemar_exact(3, 3) - 1.0) < 1e-12);
    CHECK(fabs(semio_mcnemar_exact(2, 8) - 0.109375) < 1e-12);
    CHECK(fabs(semio_mcnemar_exact(0, 0) - 1.0) < 1e-12);
    CHECK(semio_mcnemar_exact(100, 300) < 1e-20);
    SemioEval *ev = small_eval();
    CHECK(ev);
    SemioError err = { 0 };
    SemioComparison cmp;
    CHECK(semio_eval_compare(ev, 0, 1, 0, &cmp, &err) == SEMIO_ERR_INVALID);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 500;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    CHECK_OK(semio_eval_compare(ev, 0, 1, 0, &cmp, &err), err);
    /* tonic: run one wrong on b2, run two wrong on b1 */
    CHECK_INT(cmp.a_only, 1);
    CHECK_INT(cmp.b_only, 1);
    CHECK(fabs(cmp.mcnemar_p - 1.0) < 1e-12);
    CHECK(cmp.delta_ci.defined == 500);
    CHECK(cmp.delta_ci.lo <= cmp.delta_f1 && cmp.delta_f1 <= cmp.delta_ci.hi);
    /* blank_stare: a failed answer in run one leaves c2 out of the pair */
    CHECK_OK(semio_eval_compare(ev, 0, 1, 2, &cmp, &err), err);
    CHECK_INT(cmp.a_only, 2);
    CHECK_INT(cmp.b_only, 0);
    semio_eval_close(&ev);
}

static void prediction_files_match_and_fail_clearly(void)
{
    const char *labels = test_path("labels.csv");
    write_text(labels, "file_name,tonic,ictal_vocalization\n"
                       "P1@1-1-2020@X@sz_v1.mp4,yes,no\n"
                       "P1@1-1-2020@Y@sz_v1.mp4,no,yes\n"
                       "P2@2-2-2020@Z@sz_v1.mp4,yes,\n");
    const char *renamed = test_path("renamed.csv");
    write_text(renamed, "\xEF\xBB\xBF" "file_name,ictal_vocalization\r\n"
                        "P1_1-1-2020_X_sz_v1.wav,YES\r\n"
                        "p1@1-1-2020@y@sz_v1.WAV,na\r\n");
    SemioEval *ev;
    SemioError err = { 0 };
    const char *one[1] = { renamed };
    CHECK_OK(semio_eval_from_csv(&ev, labels, one, 1, NULL, &err), err);
    CHECK_INT(semio_eval_signs(ev), 1); /* only the predicted sign */
    CHECK_OK(semio_eval_compute(ev, &(SemioEvalSettings){ .resamples = 0, .level = 0.95 }, &err),
             err);
    const SemioMetrics *m = semio_eval_metrics(ev, 0, 0);
    CHECK_INT(m->support, 2);
    CHECK_INT(m->excluded_unknown, 1);
    CHECK_INT(m->na_answers, 1);
    CHECK_INT(semio_eval_patients(ev), 2);
    semio_eval_close(&ev);

    static const struct {
        const char *name, *text, *needle;
    } bad[] = {
        { "stranger.csv", "file_name,tonic\nQ9@x@y@sz_v1.mp4,yes\n", "match no label row (first: Q9@x@y@sz_v1.mp4)" },
        { "twice.csv", "file_name,tonic\nP1@1-1-2020@X@sz_v1.mp4,yes\nP1@1-1-2020@X@sz_v1.wav,no\n",
          "a second time" },
        { "value.csv", "file_name,tonic\nP1@1-1-2020@X@sz_v1.mp4,probably\n",
          "column tonic: 'probably'" },
        { "nofile.csv", "name,tonic\nP1@1-1-2020@X@sz_v1.mp4,yes\n", "no file_name column" },
        { "nosign.csv", "file_name,mood\nP1@1-1-2020@X@sz_v1.mp4,calm\n", "no sign is both" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *p = test_path(bad[i].name);
        write_text(p, bad[i].text);
        const char *runs[1] = { p };
        memset(&err, 0, sizeof(err));
        ev = NULL;
        CHECK_MSG(semio_eval_from_csv(&ev, labels, runs, 1, NULL, &err) == SEMIO_ERR_FORMAT,
                  "%s: accepted", bad[i].name);
        CHECK(ev == NULL);
        CHECK_MSG(strstr(err.message, bad[i].needle), "%s: %s", bad[i].name, err.message);
    }
    const char *same = test_path("same-key.csv");
    write_text(same, "file_name,tonic\nA@b.mp4,yes\nA_b.mp4,no\n");
    const char *runs[1] = { renamed };
    CHECK(semio_eval_from_csv(&ev, same, runs, 1, NULL, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "same recording"));
}

static void tables_in_every_format(void)
{
    SemioEval *ev = small_eval();
    CHECK(ev);
    SemioError err = { 0 };
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 100;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    static const char *const needles[] = { "| **macro limb** |", "one,tonic,limb,f1,",
                                           "\\textbf{", "\"macro_over_classes\"",
                                           "run,Metric,tonic" };
    for (int fmt = 0; fmt <= SEMIO_TABLE_PILOT_CSV; fmt++) {
        char *text = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&text, &size);
        CHECK_OK(semio_eval_write(ev, (SemioTableFormat)fmt, mem, &err), err);
        fclose(mem);
        CHECK_MSG(strstr(text, needles[fmt]), "format %d lacks %s:\n%s", fmt, needles[fmt], text);
        free(text);
    }
    SemioTableFormat tf;
    SemioRules rules;
    CHECK(semio_table_format_parse("tex", &tf) == 0 && tf == SEMIO_TABLE_LATEX);
    CHECK(semio_table_format_parse("pilot-csv", &tf) == 0 && tf == SEMIO_TABLE_PILOT_CSV);
    CHECK_INT(semio_table_format_parse("xls", &tf), SEMIO_ERR_INVALID);
    CHECK(semio_rules_parse("STRICT", &rules) == 0 && rules == SEMIO_RULES_STRICT);
    CHECK_INT(semio_rules_parse("lenient", &rules), SEMIO_ERR_INVALID);
    semio_eval_close(&ev);
}

static void aggregation_rules(void)
{
    uint8_t a, ans[4] = { SEMIO_ANSWER_NO, SEMIO_ANSWER_FAILED, SEMIO_ANSWER_YES, SEMIO_ANSWER_NO };
    double p, py[4] = { 0.1, NAN, 0.7, 0.3 };
    semio_aggregate(SEMIO_AGG_ANY_YES, 1, 0.5, ans, py, 4, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_YES);
    CHECK(p == 0.7);
    semio_aggregate(SEMIO_AGG_MEAN_P, 1, 0.5, ans, py, 4, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_NO);
    CHECK(fabs(p - 1.1 / 3) < 1e-12);
    semio_aggregate(SEMIO_AGG_MAX_P, 1, 0.5, ans, py, 4, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_YES);
    semio_aggregate(SEMIO_AGG_K_OF_N, 2, 0.5, ans, py, 4, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_NO);
    /* no P(yes) at all: a P rule does not guess */
    uint8_t none[2] = { SEMIO_ANSWER_NA, SEMIO_ANSWER_FAILED };
    semio_aggregate(SEMIO_AGG_MAX_P, 1, 0.5, none, NULL, 2, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_NA);
    CHECK(isnan(p));
    uint8_t failed[2] = { SEMIO_ANSWER_FAILED, SEMIO_ANSWER_MISSING };
    semio_aggregate(SEMIO_AGG_ANY_YES, 1, 0.5, failed, NULL, 2, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_FAILED);
    semio_aggregate(SEMIO_AGG_ANY_YES, 1, 0.5, failed, NULL, 0, &a, &p);
    CHECK_INT(a, SEMIO_ANSWER_MISSING);
    SemioAggregateRule rule;
    int k;
    CHECK(semio_aggregate_parse("3-of-n", &rule, &k) == 0 && rule == SEMIO_AGG_K_OF_N && k == 3);
    CHECK(semio_aggregate_parse("mean", &rule, &k) == 0 && rule == SEMIO_AGG_MEAN_P);
    CHECK(semio_aggregate_parse("median", &rule, &k) < 0);
    const char *texts[5] = { "jerking at 00:12", "", "jerking at 00:12", NULL, "arm stiff" };
    char *joined = semio_join_unique(texts, 5, " | ");
    CHECK_STR(joined, "jerking at 00:12 | arm stiff");
    semio_free(joined);
}

static void fleiss_kappa(void)
{
    /* 4 subjects, 3 raters: P = 2/3, Pe = 1/2 -> kappa = 1/3 (worked by hand). */
    int yes[5] = { 3, 0, 2, 1, 1 }, raters[5] = { 3, 3, 3, 3, 2 };
    CHECK(fabs(semio_fleiss_kappa(yes, raters, 5) - 1.0 / 3) < 1e-12);
    int agree[3] = { 2, 0, 2 }, two[3] = { 2, 2, 2 };
    CHECK(fabs(semio_fleiss_kappa(agree, two, 3) - 1.0) < 1e-12);
    int all_yes[2] = { 2, 2 };
    CHECK(isnan(semio_fleiss_kappa(all_yes, two, 2)));
    CHECK(isnan(semio_fleiss_kappa(yes, (int[5]){ 1, 1, 1, 1, 1 }, 5)));
}

/* Hand cases: three prompt sets (run one twice, run two) over 4 windows per sign. */
static void robustness_by_hand(void)
{
    SemioEval *ev = small_eval();
    CHECK(ev);
    SemioError err = { 0 };
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 0;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    /* tonic: every set agrees; clonic: the third set inverts every answer; blank_stare:
     * a failed and an na window are left out, the other two split 2-1 and agree. */
    size_t sign[12] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 };
    uint8_t a[36] = { 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, /* tonic */
                      1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, /* clonic */
                      1, 3, 1, 0, 2, 0, 1, 1, 0, 0, 0, 0 /* blank_stare */ };
    size_t runs[3] = { 0, 0, 1 };
    SemioRobustness *rb = NULL;
    CHECK_OK(semio_robustness_compute(ev, runs, 3, sign, a, 12, &rb, &err), err);
    const SemioRobustSign *t = &rb->signs[0], *c = &rb->signs[1], *b = &rb->signs[2];
    CHECK(fabs(t->kappa - 1) < 1e-12 && t->flips == 0 && t->consistency == 1);
    CHECK(t->full_agreement == 1 && t->windows == 4 && t->left_out == 0);
    CHECK(c->flips == 1 && c->full_agreement == 0);
    CHECK(fabs(c->consistency - 2.0 / 3) < 1e-12);
    /* clonic: P = 1/3, yes share 1/2 -> Pe = 1/2, kappa = -1/3 */
    CHECK(fabs(c->kappa + 1.0 / 3) < 1e-12);
    CHECK(b->windows == 2 && b->left_out == 2 && b->flips == 0.5);
    CHECK(fabs(b->consistency - (2.0 / 3 + 1) / 2) < 1e-12);
    /* F1 over sets (one, one, two): sample SD, range; tonic (6/7, 6/7, 2/3) */
    double f1 = semio_eval_metrics(ev, 0, 0)->value[SEMIO_METRIC_F1],
           f2 = semio_eval_metrics(ev, 1, 0)->value[SEMIO_METRIC_F1], m = (2 * f1 + f2) / 3;
    CHECK(fabs(t->f1_mean - m) < 1e-12 && fabs(t->f1_range - fabs(f1 - f2)) < 1e-12);
    CHECK(fabs(t->f1_sd - sqrt((2 * (f1 - m) * (f1 - m) + (f2 - m) * (f2 - m)) / 2)) < 1e-12);
    CHECK(rb->order[0] != rb->order[1]);
    for (size_t i = 1; i < 3; i++)
        CHECK(rb->signs[rb->order[i - 1]].f1_range >= rb->signs[rb->order[i]].f1_range);
    CHECK(fabs(rb->macro.flips - (0 + 1 + 0.5) / 3) < 1e-12 && rb->macro.windows == 10);
    semio_robustness_free(&rb);
    CHECK(semio_robustness_compute(ev, runs, 1, sign, a, 12, &rb, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "at least two runs"));
    semio_eval_close(&ev);
}

static void raters_and_probabilities_from_csv(void)
{
    const char *labels = test_path("raters.csv");
    FILE *f = fopen(labels, "w");
    CHECK(f);
    fprintf(f, "file_name,tonic@ann,tonic@bob,tonic@cy,clonic\n");
    /* 12 patients x 2 recordings; tonic by majority; P(yes) separates at 0.3 */
    for (int i = 0; i < 24; i++) {
        int y = i % 3 == 0;
        const char *ann = y ? "yes" : "no", *bob = y ? "yes" : i % 5 == 0 ? "yes" : "no";
        const char *cy = "no";
        if (i == 4) /* a tie: one yes, one no, one empty */
            ann = "yes", bob = "no", cy = "";
        fprintf(f, "P%02d@d@r%d@sz_v1.mp4,%s,%s,%s,%s\n", i / 2, i, ann, bob, cy,
                i % 2 ? "yes" : "no");
    }
    fclose(f);
    const char *pred = test_path("probs.wav.csv");
    f = fopen(pred, "w");
    CHECK(f);
    fprintf(f, "file_name,tonic,tonic_prob\n");
    for (int i = 0; i < 24; i++)
        fprintf(f, "P%02d@d@r%d@sz_v1.wav,yes,%.2f\n", i / 2, i, i % 3 == 0 ? 0.35 : 0.2);
    fclose(f);
    SemioEval *ev;
    SemioError err = { 0 };
    SemioCsvSettings opt = { NULL, 3, 7 };
    const char *runs[1] = { pred };
    CHECK_OK(semio_eval_from_csv(&ev, labels, runs, 1, &opt, &err), err);
    CHECK_INT(semio_eval_signs(ev), 1);
    CHECK_INT(semio_eval_runs(ev), 3);
    CHECK_STR(semio_eval_run_name(ev, 1), "probs.wav.csv P>=0.5");
    CHECK_STR(semio_eval_run_name(ev, 2), "probs.wav.csv tuned");
    double kappa;
    int ties;
    CHECK_INT(semio_eval_agreement(ev, 0, &kappa, &ties), 3);
    CHECK_INT(ties, 1); /* row 4: one yes, one no, one empty */
    CHECK(kappa > 0 && kappa < 1);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 100;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    /* P >= 0.5 says no everywhere; the tuned threshold (0.35 on every fold) is perfect */
    CHECK(semio_eval_metrics(ev, 1, 0)->value[SEMIO_METRIC_F1] == 0);
    CHECK(semio_eval_metrics(ev, 2, 0)->value[SEMIO_METRIC_F1] == 1);
    CHECK(strstr(semio_eval_run_provenance(ev, 2), "0.35/0.35/0.35"));
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    CHECK_OK(semio_eval_write(ev, SEMIO_TABLE_MARKDOWN, mem, &err), err);
    fclose(mem);
    CHECK(strstr(text, "Agreement among raters"));
    free(text);
    semio_eval_close(&ev);

    /* The same raters through a study: consensus stored at ingest, kappa at eval. */
    const char *db = test_path("raters.db");
    SemioStudy *st;
    SemioLabelsReport lrep;
    SemioImportReport irep;
    CHECK_OK(semio_study_open(&st, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(st, labels, NULL, &lrep, &err), err);
    CHECK_OK(semio_import_predictions(st, pred, "probs", 0, &irep, &err), err);
    CHECK_OK(semio_eval_from_study(&ev, st, NULL, 0, NULL, &err), err);
    double kappa2;
    int ties2;
    CHECK_INT(semio_eval_agreement(ev, semio_eval_signs(ev) > 1 ? 1 : 0, &kappa2, &ties2), 3);
    CHECK(fabs(kappa2 - kappa) < 1e-12);
    CHECK_INT(ties2, 1);
    semio_eval_close(&ev);
    semio_study_close(&st);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM labels WHERE sign = 'tonic' AND value IS NULL"),
              1);

    f = fopen(pred, "w");
    fprintf(f, "file_name,tonic_prob\nP00@d@r0@sz_v1.mp4,1.7\n");
    fclose(f);
    CHECK(semio_eval_from_csv(&ev, labels, runs, 1, &opt, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "not a probability"));
    int8_t l[4] = { 1, 0, 1, 0 };
    double p[4] = { 0.9, 0.1, 0.8, 0.2 };
    int pat[4] = { 0, 0, 1, 1 };
    uint8_t a[4];
    double th[3];
    CHECK(semio_tune_threshold(l, p, pat, 4, 3, 1, a, th, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "2 patients"));
}

static void study_runs_imported_and_scored(void)
{
    const char *db = test_path("runs.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport lrep;
    SemioImportReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, fixture("90_FeatureAnnotation.csv"), NULL, &lrep, &err), err);
    CHECK_OK(semio_import_predictions(s, fixture("AF3_90_audio_feature.csv"), "af3", 0, &rep,
                                      &err), err);
    CHECK_INT(rep.rows, 90);
    CHECK_INT(rep.answers, 175);
    CHECK_INT(rep.failed, 5);
    CHECK(semio_import_predictions(s, fixture("AF3_90_audio_feature.csv"), "af3", 0, &rep,
                                   &err) == SEMIO_ERR_CONFLICT);
    CHECK_OK(semio_import_predictions(s, fixture("AF3_90_audio_feature.csv"), "af3", 1, &rep,
                                      &err), err);

    /* Bad files leave the study as it was. */
    const char *stranger = test_path("stranger-run.csv");
    write_text(stranger, "file_name,tonic\nA0002@5-13-2021@UA6693LK@sz_v1.mp4,yes\nZZ@x.mp4,no\n");
    CHECK(semio_import_predictions(s, stranger, "x", 0, &rep, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "ZZ@x.mp4"));
    const char *badval = test_path("badval-run.csv");
    write_text(badval, "file_name,tonic\nA0002@5-13-2021@UA6693LK@sz_v1.mp4,sometimes\n");
    CHECK(semio_import_predictions(s, badval, "y", 0, &rep, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "'sometimes'"));

    SemioEval *ev;
    const char *runs[1] = { "af3" };
    CHECK_OK(semio_eval_from_study(&ev, s, runs, 1, NULL, &err), err);
    CHECK_OK(semio_eval_compute(ev, &(SemioEvalSettings){ .resamples = 0, .level = 0.95 }, &err),
             err);
    CHECK_INT(semio_eval_signs(ev), 2);
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    CHECK_OK(semio_eval_write(ev, SEMIO_TABLE_PILOT_CSV, mem, &err), err);
    fclose(mem);
    CHECK_MSG(!strcmp(text, published(fixture("audio_base_metrics.csv"))), "%s", text);
    free(text);
    semio_eval_close(&ev);
    const char *none[1] = { "nope" };
    CHECK(semio_eval_from_study(&ev, s, none, 1, NULL, &err) == SEMIO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "'nope'"));
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM runs"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM answers"), 180);

    /* Window answers (as an engine run writes them) merge per recording. */
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h,
        "PRAGMA foreign_keys = ON;"
        "INSERT INTO runs(name, engine, model, settings_json, version, created_at) VALUES "
        "('windows', 'openai', 'some-vlm', '{}', 'test', 'now');"
        "INSERT INTO segment_sets(name, window, overlap, within_labels, margin, created_at) "
        "VALUES ('w30', 30, 5, 0, 0, 'now');"
        "INSERT INTO segments(set_id, video_id, ordinal, start_s, end_s) VALUES "
        "(1, 1, 0, 0, 30), (1, 1, 1, 25, 55), (1, 2, 0, 0, 30), (1, 2, 1, 25, 55);"
        "INSERT INTO answers(run_id, video_id, segment_id, sign, answer, p_yes, status, answered_at)"
        " VALUES (2, 1, 1, 'tonic', 'no', 0.2, 'ok', 'now'), (2, 1, 2, 'tonic', 'yes', 0.6, 'ok', 'now'),"
        " (2, 2, 3, 'tonic', 'no', 0.1, 'ok', 'now'),"
        " (2, 2, 4, 'tonic', NULL, NULL, 'failed', 'now');", NULL, NULL, NULL) == SQLITE_OK);
    /* the same segment answered twice is refused */
    CHECK(sqlite3_exec(h, "INSERT INTO answers(run_id, video_id, segment_id, sign, answer, status,"
                          " answered_at) VALUES (2, 1, 1, 'tonic', 'yes', 'ok', 'now')",
                       NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(h);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    const char *w[1] = { "windows" };
    SemioStudyEvalSettings opt;
    semio_study_eval_default_settings(&opt);
    CHECK_OK(semio_eval_from_study(&ev, s, w, 1, &opt, &err), err);
    CHECK_OK(semio_eval_compute(ev, &(SemioEvalSettings){ .resamples = 0, .level = 0.95 }, &err),
             err);
    CHECK_STR(semio_eval_sign(ev, 0), "tonic");
    const SemioMetrics *m = semio_eval_metrics(ev, 0, 0);
    /* recording 1 (tonic yes): any-yes -> yes; recording 2 (tonic no): no */
    CHECK_INT(m->support, 2);
    CHECK_INT(m->tp, 1);
    CHECK_INT(m->tn, 1);
    CHECK(strstr(semio_eval_run_provenance(ev, 0), "model some-vlm"));
    /* its P(yes) gives the 0.5 run (merged max 0.6 -> yes) and a tuned one */
    CHECK_INT(semio_eval_runs(ev), 3);
    CHECK_STR(semio_eval_run_name(ev, 1), "windows P>=0.5");
    CHECK_INT(semio_eval_metrics(ev, 1, 0)->tp, 1);
    semio_eval_close(&ev);
    opt.merge = SEMIO_AGG_MEAN_P; /* recording 1: mean 0.4 -> no */
    CHECK_OK(semio_eval_from_study(&ev, s, w, 1, &opt, &err), err);
    CHECK_OK(semio_eval_compute(ev, &(SemioEvalSettings){ .resamples = 0, .level = 0.95 }, &err),
             err);
    CHECK_INT(semio_eval_metrics(ev, 0, 0)->fn, 1);
    semio_eval_close(&ev);
    semio_study_close(&s);
}

static void patient_level(void)
{
    SemioEval *ev = small_eval(), *pat = NULL;
    CHECK(ev);
    SemioError err = { 0 };
    CHECK_OK(semio_eval_by_patient(ev, SEMIO_AGG_ANY_YES, 1, &pat, &err), err);
    CHECK_OK(semio_eval_compute(pat, &(SemioEvalSettings){ .resamples = 50, .level = 0.95 }, &err),
             err);
    CHECK_INT(semio_eval_patients(pat), 3);
    /* tonic: every patient has a yes recording; run one says yes for all -> 3 tp */
    const SemioMetrics *m = semio_eval_metrics(pat, 0, 0);
    CHECK_INT(m->support, 3);
    CHECK_INT(m->tp, 3);
    /* clonic patient C: labels yes and unknown -> yes; patient B: no, no -> no */
    CHECK_INT(semio_eval_metrics(pat, 0, 1)->positives, 2);
    semio_eval_close(&pat);
    /* mean: run two on tonic says yes for A (1, 0 -> 0.5 >= 0.5), no for B (0, 0) */
    CHECK_OK(semio_eval_by_patient(ev, SEMIO_AGG_MEAN_P, 1, &pat, &err), err);
    CHECK_OK(semio_eval_compute(pat, &(SemioEvalSettings){ .resamples = 0, .level = 0.95 }, &err),
             err);
    CHECK_INT(semio_eval_metrics(pat, 1, 0)->tp, 2);
    CHECK_INT(semio_eval_metrics(pat, 1, 0)->fn, 1);
    semio_eval_close(&pat);
    semio_eval_close(&ev);
}

static void old_studies_are_migrated(void)
{
    const char *db = test_path("v1.db");
    SemioStudy *s;
    SemioError err = { 0 };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    semio_study_close(&s);
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "DROP TABLE reflections; DROP TABLE candidate_scores; "
                          "DROP TABLE prompt_candidates; DROP TABLE prompt_splits; "
                          "DROP TABLE prompt_searches; "
                          "DROP TABLE fold_predictions; DROP TABLE fold_models; DROP TABLE run_folds; "
                          "DROP TABLE features; DROP TABLE feature_sets; "
                          "DROP VIEW rater_votes; ALTER TABLE labels DROP COLUMN from_raters; "
                          "DROP TABLE prompts; DROP TABLE rater_marks; DROP TABLE rater_labels; "
                          "DROP TABLE ratings; DROP TABLE round_progress; DROP TABLE round_items; "
                          "DROP TABLE rounds; DROP TABLE rater_sessions; DROP TABLE raters; "
                          "DROP TABLE claims; DROP TABLE transcripts; DROP TABLE views; "
                          "DROP TABLE answers; DROP TABLE runs; "
                          "PRAGMA user_version = 1;"
                          "INSERT INTO videos(file_name, patient, status) VALUES ('a.mp4', 'a', "
                          "'no_file')", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "PRAGMA user_version"), 10);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM prompt_candidates"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM claims"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM runs"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM features"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM fold_predictions"), 0);
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err) == SEMIO_ERR_CONFLICT);
    CHECK(strstr(err.message, "newer semio"));
}

/* A study made before answers kept why they failed (schema 4): opened to write, it gains
 * the error column, its answers kept as they were; opened to read, it asks for that. */
static void v4_studies_gain_the_error_column(void)
{
    const char *db = test_path("v4.db");
    SemioStudy *s;
    SemioError err = { 0 };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    semio_study_close(&s);
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "DROP TABLE reflections; DROP TABLE candidate_scores; "
                          "DROP TABLE prompt_candidates; DROP TABLE prompt_splits; "
                          "DROP TABLE prompt_searches; "
                          "DROP TABLE fold_predictions; DROP TABLE fold_models; DROP TABLE run_folds; "
                          "DROP TABLE features; DROP TABLE feature_sets; "
                          "INSERT INTO videos(file_name, patient, status) VALUES ('a.mp4', 'a', "
                          "'no_file');"
                          "INSERT INTO runs(name, engine, settings_json, version, created_at) "
                          "VALUES ('old', 'openai', '{}', '0.1.0', 'then');"
                          "ALTER TABLE answers DROP COLUMN error; DROP TABLE claims;"
                          "DROP VIEW rater_votes; ALTER TABLE labels DROP COLUMN from_raters;"
                          "DROP TABLE prompts; DROP TABLE rater_marks; DROP TABLE rater_labels; "
                          "DROP TABLE ratings; DROP TABLE round_progress; DROP TABLE round_items; "
                          "DROP TABLE rounds; DROP TABLE rater_sessions; DROP TABLE raters; "
                          "INSERT INTO answers(run_id, video_id, sign, raw, status, answered_at) "
                          "VALUES (1, 1, 'tonic', 'HTTP 500 from the server', 'failed', 'then');"
                          "PRAGMA user_version = 4;", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK(semio_study_open(&s, db, SEMIO_STUDY_READ, &err) == SEMIO_ERR_CONFLICT);
    CHECK(strstr(err.message, "schema 4"));
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_WRITE, &err), err);
    char *status = NULL;
    CHECK_OK(semio_status_json(s, &status, &err), err);
    semio_study_close(&s);
    CHECK_MSG(strstr(status, "no reason stored apart from the raw text"), "%s", status);
    semio_free(status);
    CHECK_INT(test_sql(db, "PRAGMA user_version"), 10);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM claims"), 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM answers WHERE raw = 'HTTP 500 from the server' "
                           "AND error IS NULL AND status = 'failed'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM pragma_table_info('answers') WHERE name = "
                           "'error'"), 1);
}

/* A study of schema 7 learns which labels were the raters' majority: those of recordings
 * with rater columns for the sign whose value is their majority; a plain column's label
 * that differs from its raters stays plain. */
static void v7_labels_learn_their_origin(void)
{
    const char *db = test_path("v7.db"), *csv = test_path("v7-labels.csv");
    write_text(csv, "file_name,tonic@ann,tonic@bob,tonic@cy,clonic,clonic@ann,clonic@bob\n"
                    "P1@d@r1@sz_v1.mp4,yes,yes,no,no,yes,yes\n"
                    "P2@d@r2@sz_v1.mp4,yes,no,,yes,yes,yes\n");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    semio_study_close(&s);
    static const char origin[] = "SELECT group_concat(l.sign || ':' || ifnull(l.value, '-') || "
                                 "':' || l.from_raters, ' ') FROM (SELECT * FROM labels ORDER BY "
                                 "video_id, sign) l";
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(h, origin, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    char before[256];
    snprintf(before, sizeof(before), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    /* P1: tonic 2 of 3 yes, clonic plain no against its raters; P2: tonic a tie */
    CHECK_STR(before, "clonic:0:0 tonic:1:1 clonic:1:0 tonic:-:1");
    CHECK(sqlite3_exec(h, "DROP TABLE reflections; DROP TABLE candidate_scores; "
                          "DROP TABLE prompt_candidates; DROP TABLE prompt_splits; "
                          "DROP TABLE prompt_searches; "
                          "DROP TABLE fold_predictions; DROP TABLE fold_models; DROP TABLE run_folds; "
                          "DROP TABLE features; DROP TABLE feature_sets; "
                          "DROP VIEW rater_votes; ALTER TABLE labels DROP COLUMN from_raters; "
                          "PRAGMA user_version = 7;", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_WRITE, &err), err);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "PRAGMA user_version"), 10);
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(h, origin, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    /* P2's clonic: plain yes, its raters' majority yes too: taken for a majority */
    CHECK_STR((const char *)sqlite3_column_text(st, 0),
              "clonic:0:0 tonic:1:1 clonic:1:1 tonic:-:1");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(reproduces_the_papers_audio_table),
        TEST(metrics_agree_with_scikit_learn),
        TEST(quantiles_match_numpy),
        TEST(macro_averages_per_group),
        TEST(bootstrap_is_seeded_and_sane),
        TEST(seed_changes_the_resamples),
        TEST(paired_comparison),
        TEST(prediction_files_match_and_fail_clearly),
        TEST(tables_in_every_format),
        TEST(aggregation_rules),
        TEST(fleiss_kappa),
        TEST(robustness_by_hand),
        TEST(raters_and_probabilities_from_csv),
        TEST(study_runs_imported_and_scored),
        TEST(old_studies_are_migrated),
        TEST(v4_studies_gain_the_error_column),
        TEST(v7_labels_learn_their_origin),
        TEST(patient_level),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
