/*
 * What raters said, counted: their labels in the consensus and in Fleiss' kappa,
 * Krippendorff's alpha against the book and a second implementation, the faithfulness of
 * justifications on a small study worked by hand, judges kept apart from the humans, the
 * bootstrap's seed, and the onset error.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "review/review.h"
#include "semio/semio.h"
#include "study/db.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

/* Runs SQL on the study's own connection (the test's view of what the app would write). */
static int sql(SemioStudy *s, const char *text)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stdout, "    SQL failed: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    return rc == SQLITE_OK;
}

static int64_t video_id(const char *db, const char *file)
{
    char q[512];
    snprintf(q, sizeof(q), "SELECT id FROM videos WHERE file_name = '%s'", file);
    return test_sql(db, q);
}

/* The label of a sign in a recording: 1, 0, -2 unknown (NULL), -3 no row. */
static long long label_of(const char *db, const char *file, const char *sign)
{
    char q[512];
    snprintf(q, sizeof(q), "SELECT ifnull((SELECT ifnull(l.value, -2) FROM labels l JOIN videos "
                           "v ON v.id = l.video_id WHERE v.file_name = '%s' AND l.sign = '%s'), "
                           "-3)", file, sign);
    return test_sql(db, q);
}

static char *markdown(const SemioEval *ev)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    SemioError err = { 0 };
    if (semio_eval_write(ev, SEMIO_TABLE_MARKDOWN, mem, &err) < 0)
        fprintf(stdout, "    %s\n", err.message);
    fclose(mem);
    return text;
}

/* ---- raters' labels in the consensus ---------------------------------------------- */

#define P1 "P1@d@r1@sz_v1.mp4"
#define P2 "P2@d@r2@sz_v1.mp4"

static void app_labels_count_in_the_consensus(void)
{
    const char *db = test_path("labels.db"), *csv = test_path("labels.csv");
    write_text(csv, "file_name,tonic,clonic@ann,clonic@bob\n" P1 ",yes,yes,no\n"
                    P2 ",no,no,no\n");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    CHECK_INT(label_of(db, P1, "clonic"), -2); /* ann yes, bob no: a tie */
    char *secret;
    CHECK_OK(semio_rater_add(s, "cy", &secret, &err), err);
    semio_free(secret);
    CHECK_OK(semio_rater_add(s, "bob", &secret, &err), err);
    semio_free(secret);
    int64_t cy = test_sql(db, "SELECT id FROM raters WHERE name = 'cy'");
    int64_t bob = test_sql(db, "SELECT id FROM raters WHERE name = 'bob'");
    int64_t judge;
    CHECK_OK(review_judge_rater(s, "judge:m", "m", &judge, &err), err);
    int64_t v1 = video_id(db, P1), v2 = video_id(db, P2);

    /* a third rater breaks the tie */
    CHECK_OK(review_label(s, cy, v1, "clonic", 1, &err), err);
    CHECK_OK(semio_labels_refresh(s, v1, "clonic", &err), err);
    CHECK_INT(label_of(db, P1, "clonic"), 1);
    /* bob in the app says no more than once: his app word replaces his column */
    CHECK_OK(review_label(s, bob, v1, "clonic", 1, &err), err);
    CHECK_OK(review_label(s, bob, v2, "clonic", 1, &err), err);
    CHECK_OK(review_label(s, cy, v2, "clonic", 1, &err), err);
    CHECK_OK(semio_labels_refresh(s, v2, "clonic", &err), err);
    CHECK_INT(label_of(db, P2, "clonic"), 1); /* ann no; bob (app) yes; cy yes */
    CHECK_INT(test_sql(db, "SELECT count(*) FROM rater_votes WHERE sign = 'clonic' AND "
                           "rater = 'bob'"), 2);
    /* a plain column's label stays whatever raters say */
    CHECK_OK(review_label(s, cy, v1, "tonic", 0, &err), err);
    CHECK_OK(review_label(s, bob, v1, "tonic", 0, &err), err);
    CHECK_OK(semio_labels_refresh(s, v1, "tonic", &err), err);
    CHECK_INT(label_of(db, P1, "tonic"), 1);
    /* a sign only the app labels gets a label; a judge's word is no vote */
    CHECK_OK(review_label(s, cy, v1, "figure4", 1, &err), err);
    CHECK_OK(review_label(s, judge, v1, "figure4", 0, &err), err);
    CHECK_OK(semio_labels_refresh(s, v1, "figure4", &err), err);
    CHECK_INT(label_of(db, P1, "figure4"), 1);
    CHECK_INT(test_sql(db, "SELECT from_raters FROM labels WHERE sign = 'figure4'"), 1);

    /* Fleiss' kappa counts ann, bob once and cy: three raters of clonic */
    const char *pred = test_path("labels-pred.csv");
    write_text(pred, "file_name,clonic,tonic,figure4\n" P1 ",yes,yes,yes\n" P2 ",no,no,no\n");
    SemioImportReport irep;
    CHECK_OK(semio_import_predictions(s, pred, "m", 0, &irep, &err), err);
    SemioEval *ev;
    CHECK_OK(semio_eval_from_study(&ev, s, NULL, 0, NULL, &err), err);
    size_t k = 0;
    while (k < semio_eval_signs(ev) && strcmp(semio_eval_sign(ev, k), "clonic"))
        k++;
    CHECK(k < semio_eval_signs(ev));
    double kappa;
    int ties;
    CHECK_INT(semio_eval_agreement(ev, k, &kappa, &ties), 3);
    /* P1 yes, yes, yes; P2 no, yes, yes: Fleiss' kappa of these votes */
    int yes[2] = { 3, 2 }, votes[2] = { 3, 3 };
    CHECK(near(kappa, semio_fleiss_kappa(yes, votes, 2), 1e-12));
    CHECK_INT(ties, 0);
    semio_eval_close(&ev);

    /* "unknown" in the app withdraws the rater's vote, file column and all */
    CHECK_OK(review_label(s, bob, v2, "clonic", -1, &err), err);
    CHECK_OK(semio_labels_refresh(s, v2, "clonic", &err), err);
    CHECK_INT(label_of(db, P2, "clonic"), -2); /* ann no, cy yes */

    /* The same file again keeps what the app's raters said. */
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    CHECK_INT(rep.values_set, 0);
    CHECK_INT(label_of(db, P1, "clonic"), 1);
    CHECK_INT(label_of(db, P1, "figure4"), 1);
    /* A file without the rater columns and without P2: the app's votes alone decide, and
     * P2, which raters labeled, stays in the study. */
    write_text(csv, "file_name,tonic\n" P1 ",yes\n");
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    CHECK_INT(label_of(db, P1, "clonic"), 1);   /* bob and cy: yes */
    CHECK_INT(label_of(db, P2, "clonic"), 1);   /* cy alone (bob withdrew) */
    CHECK_INT(label_of(db, P2, "tonic"), -3);  /* the file took it back */
    CHECK_INT(label_of(db, P1, "figure4"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE file_name = '" P2 "'"), 1);
    /* a rater removed keeps their labels; a rater deleted takes them along */
    CHECK_OK(semio_rater_remove(s, "cy", &err), err);
    CHECK_OK(semio_labels_refresh(s, v2, "clonic", &err), err);
    CHECK_INT(label_of(db, P2, "clonic"), 1);
    CHECK(sql(s, "DELETE FROM raters WHERE name = 'cy'"));
    CHECK_OK(semio_labels_refresh(s, v2, "clonic", &err), err);
    CHECK_INT(label_of(db, P2, "clonic"), -2); /* bob's "unknown" is all that is left */
    CHECK(sql(s, "DELETE FROM raters WHERE name = 'bob'"));
    CHECK_OK(semio_labels_refresh(s, v2, "clonic", &err), err);
    CHECK_INT(label_of(db, P2, "clonic"), -3); /* no rater left: no label */
    semio_study_close(&s);
}

/* ---- Krippendorff's alpha ---------------------------------------------------------- */

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of
 * section C: 4 observers, 12 units, values 1-5, missing ones; interval alpha = 0.849. */
static const double book[12][4] = {
    { 1, 1, NAN, 1 }, { 2, 2, 3, 2 }, { 3, 3, 3, 3 }, { 3, 3, 3, 3 },
    { 2, 2, 2, 2 },   { 1, 2, 3, 4 }, { 4, 4, 4, 4 }, { 1, 1, 2, 1 },
    { 2, 2, 2, 2 },   { NAN, 5, 5, 5 }, { NAN, NAN, 1, 1 }, { NAN, 3, NAN, NAN },
};

static void print_case(FILE *f, const double *v, size_t units, size_t coders)
{
    fprintf(f, "%zu %zu", units, coders);
    for (size_t i = 0; i < units * coders; i++)
        fprintf(f, isnan(v[i]) ? " nan" : " %.17g", v[i]);
    fputc('\n', f);
}

static void alpha_matches_the_book_and_a_second_implementation(void)
{
    double a = semio_krippendorff_alpha(&book[0][0], 12, 4);
    CHECK_MSG(near(a, 0.849, 0.0005), "alpha %.6f, the book says 0.849", a);
    /* edge cases: one coder, nothing to pair; every value the same; perfect agreement */
    double one[3] = { 1, 2, 3 }, same[4] = { 2, 2, 2, 2 }, perfect[4] = { 1, 1, 3, 3 };
    double apart[4] = { 0, NAN, NAN, 100 }; /* no unit with two values: no overlap */
    CHECK(isnan(semio_krippendorff_alpha(one, 3, 1)));
    CHECK(isnan(semio_krippendorff_alpha(same, 2, 2)));
    CHECK(near(semio_krippendorff_alpha(perfect, 2, 2), 1, 1e-15));
    CHECK(isnan(semio_krippendorff_alpha(apart, 2, 2)));
    CHECK(isnan(semio_krippendorff_alpha(NULL, 0, 3)));

    SKIP_UNLESS(access("/usr/bin/python3", X_OK) == 0 &&
                system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0,
                "/usr/bin/python3 with numpy is not installed");
    enum { CASES = 200 };
    static double cases[CASES][40 * 5];
    static size_t shape[CASES][2];
    const char *in = test_path("alpha-cases.txt"), *out = test_path("alpha-python.txt");
    FILE *f = fopen(in, "w");
    CHECK(f);
    print_case(f, &book[0][0], 12, 4);
    srand(31);
    for (int c = 0; c < CASES; c++) {
        size_t units = 1 + (size_t)(rand() % 40), coders = 1 + (size_t)(rand() % 5);
        int missing = rand() % 60, scale = rand() % 3;
        for (size_t i = 0; i < units * coders; i++) {
            /* the raters' scale (0-100 by 20), a few values, or any real number */
            double v = scale == 0 ? 20.0 * (rand() % 6) : scale == 1 ? rand() % 3
                                                                     : rand() / (double)RAND_MAX;
            cases[c][i] = rand() % 100 < missing ? NAN : v;
        }
        shape[c][0] = units;
        shape[c][1] = coders;
        print_case(f, cases[c], units, coders);
    }
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/krippendorff_check.py %s > %s",
             getenv("SEMIO_SOURCE_ROOT") ? getenv("SEMIO_SOURCE_ROOT") : ".", in, out);
    CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
    f = fopen(out, "r");
    CHECK(f);
    double want;
    CHECK(fscanf(f, "%lf", &want) == 1);
    CHECK_MSG(near(a, want, 1e-12), "the book's data: semio %.17g, python %.17g", a, want);
    int defined = 0;
    for (int c = 0; c < CASES; c++) {
        CHECK(fscanf(f, "%lf", &want) == 1);
        double got = semio_krippendorff_alpha(cases[c], shape[c][0], shape[c][1]);
        CHECK_MSG(isnan(got) == isnan(want) && (isnan(got) || near(got, want, 1e-9)),
                  "case %d (%zu x %zu): semio %.17g, python %.17g", c, shape[c][0],
                  shape[c][1], got, want);
        defined += !isnan(got);
    }
    fclose(f);
    CHECK_MSG(defined > CASES / 2, "only %d of %d cases had an alpha", defined, CASES);
}

/* ---- a small study, worked by hand -------------------------------------------------- */

#define A1 "A@d@r1@sz_v1.mp4"
#define A2 "A@d@r2@sz_v1.mp4"
#define B3 "B@d@r3@sz_v1.mp4"
#define C4 "C@d@r4@sz_v1.mp4"

typedef struct Small {
    SemioStudy *s;
    const char *db;
    int64_t ann, bob, judge, run;
} Small;

/* Four recordings of three patients, run "m1" answering tonic and clonic (and figure4,
 * which has no labels), two human raters and a judge. */
static int small_study(Small *t, const char *name, SemioError *err)
{
    char file[64];
    snprintf(file, sizeof(file), "%s.db", name);
    t->db = test_path(file);
    const char *labels = test_path("small-labels.csv"), *pred = test_path("small-pred.csv");
    write_text(labels, "file_name,tonic,clonic,start_time,end_time\n"
                       A1 ",yes,no,0:10,0:50\n" A2 ",no,yes,0:20,1:00\n"
                       B3 ",yes,yes,,\n" C4 ",no,,0:05,0:30\n");
    write_text(pred, "file_name,tonic,justification_for_tonic,clonic,justification_for_clonic,"
                     "figure4,justification_for_figure4\n"
                     A1 ",yes,arms stiff at 0:12,no,no rhythm,no,arms apart\n"
                     A2 ",yes,arms stiff,yes,jerks at 0:25,no,none\n"
                     B3 ",no,limp,yes,\"jerks, both arms\",yes,left arm bent\n"
                     C4 ",no,limp,yes,jerks,no,none\n");
    SemioLabelsReport lrep;
    SemioImportReport irep;
    char *secret;
    int r = semio_study_open(&t->s, t->db, SEMIO_STUDY_CREATE, err);
    if (r == 0)
        r = semio_ingest_labels(t->s, labels, NULL, &lrep, err);
    if (r == 0)
        r = semio_import_predictions(t->s, pred, "m1", 0, &irep, err);
    if (r == 0 && (r = semio_rater_add(t->s, "ann", &secret, err)) == 0)
        semio_free(secret);
    if (r == 0 && (r = semio_rater_add(t->s, "bob", &secret, err)) == 0)
        semio_free(secret);
    if (r == 0)
        r = review_judge_rater(t->s, "judge:m", "m", &t->judge, err);
    t->ann = test_sql(t->db, "SELECT id FROM raters WHERE name = 'ann'");
    t->bob = test_sql(t->db, "SELECT id FROM raters WHERE name = 'bob'");
    t->run = test_sql(t->db, "SELECT id FROM runs WHERE name = 'm1'");
    return r;
}

static int rate(Small *t, int64_t rater, const char *file, const char *sign, int score,
                SemioError *err)
{
    ReviewKey k = { .run = t->run, .video = video_id(t->db, file), .segment = 0 };
    snprintf(k.sign, sizeof(k.sign), "%s", sign);
    snprintf(k.view, sizeof(k.view), "raw");
    ReviewRating rt = { .score = score };
    return review_rate(t->s, rater, &k, &rt, err);
}

/*
 * tonic:  A1 yes/yes correct: ann 80, bob 60 (70)   A2 no/yes wrong: 20, 40 (30)
 *         B3 yes/no wrong:    ann 40 (40)           C4 no/no correct: 60, 40 (50)
 * clonic: A1 no/no correct: 100, 100 (100)          A2 yes/yes correct: bob 60 (60)
 *         B3 yes/yes correct: 0, 20 (10)            C4 ?/yes neither: ann 80 (80)
 * judge:  tonic A1 80, A2 20, B3 60; clonic A1 100, B3 0
 */
static int rate_all(Small *t, SemioError *err)
{
    static const struct {
        const char *file, *sign;
        int ann, bob, judge;
    } rows[] = {
        { A1, "tonic", 80, 60, 80 }, { A2, "tonic", 20, 40, 20 }, { B3, "tonic", 40, -1, 60 },
        { C4, "tonic", 60, 40, -1 }, { A1, "clonic", 100, 100, 100 },
        { A2, "clonic", -1, 60, -1 }, { B3, "clonic", 0, 20, 0 }, { C4, "clonic", 80, -1, -1 },
    };
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof(rows) / sizeof(*rows); i++) {
        if (rows[i].ann >= 0)
            r = rate(t, t->ann, rows[i].file, rows[i].sign, rows[i].ann, err);
        if (r == 0 && rows[i].bob >= 0)
            r = rate(t, t->bob, rows[i].file, rows[i].sign, rows[i].bob, err);
        if (r == 0 && rows[i].judge >= 0)
            r = rate(t, t->judge, rows[i].file, rows[i].sign, rows[i].judge, err);
    }
    return r;
}

static size_t sign_of(const SemioEval *ev, const char *sign)
{
    size_t k = 0;
    while (k < semio_eval_signs(ev) && strcmp(semio_eval_sign(ev, k), sign))
        k++;
    return k;
}

static int evaluate(SemioStudy *s, const char *run, int resamples, uint64_t seed, SemioEval **ev,
                    SemioError *err)
{
    const char *runs[1] = { run };
    int r = semio_eval_from_study(ev, s, runs, 1, NULL, err);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = resamples;
    set.seed = seed;
    if (r == 0 && (r = semio_eval_compute(*ev, &set, err)) < 0)
        semio_eval_close(ev);
    return r;
}

static void faithfulness_of_a_small_study(void)
{
    Small t;
    SemioError err = { 0 };
    CHECK_OK(small_study(&t, "small", &err), err);
    SemioEval *ev;
    /* before any rating: no faithfulness, and the tables as they always were */
    CHECK_OK(evaluate(t.s, "m1", 0, 1, &ev, &err), err);
    CHECK(!semio_eval_faithfulness(ev, 0, SEMIO_EVAL_ALL_SIGNS));
    char *before = markdown(ev);
    semio_eval_close(&ev);
    CHECK_OK(rate_all(&t, &err), err);
    /* a rating without a score (a comment alone) is no score */
    ReviewKey k = { .run = t.run, .video = video_id(t.db, C4), .segment = 0, .sign = "tonic",
                    .view = "raw" };
    CHECK_OK(review_rate(t.s, t.judge, &k, &(ReviewRating){ .score = -1, .comment = "?" }, &err),
             err);

    CHECK_OK(evaluate(t.s, "m1", 0, 1, &ev, &err), err);
    CHECK_INT(semio_eval_runs(ev), 1);
    const SemioFaithfulness *tonic = semio_eval_faithfulness(ev, 0, sign_of(ev, "tonic"));
    const SemioFaithfulness *clonic = semio_eval_faithfulness(ev, 0, sign_of(ev, "clonic"));
    const SemioFaithfulness *all = semio_eval_faithfulness(ev, 0, SEMIO_EVAL_ALL_SIGNS);
    CHECK(tonic && clonic && all);
    CHECK_INT(tonic->rated, 4);
    CHECK_INT(tonic->correct, 2);
    CHECK_INT(tonic->wrong, 2);
    CHECK_INT(tonic->raters, 2);
    CHECK_INT(tonic->pairable, 3);
    CHECK(near(tonic->faithful, 0.5, 1e-12));      /* A1 70 >= 60, C4 50 < 60 */
    CHECK(near(tonic->mean_correct, 60, 1e-12));   /* (70 + 50) / 2 */
    CHECK(near(tonic->mean_wrong, 35, 1e-12));     /* (30 + 40) / 2 */
    CHECK_INT(clonic->rated, 4);
    CHECK_INT(clonic->correct, 3);
    CHECK_INT(clonic->wrong, 0);
    CHECK(near(clonic->faithful, 2.0 / 3, 1e-12)); /* 100 and 60 of 100, 60, 10 */
    CHECK(near(clonic->mean_correct, 170.0 / 3, 1e-12));
    CHECK(isnan(clonic->mean_wrong));
    CHECK_INT(all->rated, 8);
    CHECK_INT(all->correct, 5);
    CHECK_INT(all->wrong, 2);
    CHECK(near(all->faithful, 0.6, 1e-12));
    CHECK(near(all->mean_correct, 58, 1e-12));
    CHECK(near(all->mean_wrong, 35, 1e-12));
    /* the humans' pairs (80,60) (20,40) (60,40) (100,100) (0,20): by hand,
     * 1 - (n - 1) sum D / (2 (n Q - S^2)) = 1 - 9 * 3200 / (2 * 105600) = 19/22 */
    CHECK_INT(all->pairable, 5);
    CHECK_MSG(near(all->alpha, 19.0 / 22, 1e-12), "alpha %.15f", all->alpha);
    CHECK_INT(all->left_out_gone, 0);
    CHECK_INT(all->left_out_outside, 0);
    CHECK(!semio_eval_faithfulness(ev, 0, sign_of(ev, "figure4")));
    int64_t counts[6];
    semio_eval_score_counts(ev, 0, counts);
    int64_t want_counts[6] = { 1, 2, 3, 3, 2, 2 }; /* every human score, C4's clonic too */
    for (int i = 0; i < 6; i++)
        CHECK_INT(counts[i], want_counts[i]);

    /* The judge apart: its scores change nothing above, and it is compared with the
     * humans' mean: (70,80) (30,20) (40,60) (100,100) (10,0) */
    CHECK_INT(semio_eval_judges(ev), 1);
    CHECK_STR(semio_eval_judge_name(ev, 0), "judge:m");
    const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, 0, 0);
    CHECK(g);
    CHECK_INT(g->answers, 5);
    CHECK(near(g->judge_mean, 52, 1e-12));
    CHECK(near(g->human_mean, 50, 1e-12));
    CHECK_MSG(near(g->alpha, 1 - 9.0 * 1400 / (2 * 118900), 1e-12), "judge alpha %.15f",
              g->alpha);
    char *text = markdown(ev);
    CHECK(strstr(text, "### Faithfulness of justifications"));
    CHECK(strstr(text, "| m1 | **all** | 8 | 2 | 5 | 2 | 0.600 | 58.0 | 35.0 | 0.864 | 5 | - |"));
    CHECK(strstr(text, "| judge:m | m1 | 5 | 52.0 | 50.0 | 0.947 |"));
    /* what was there before stays, word for word, in front */
    CHECK_MSG(!strncmp(text, before, strlen(before)), "the tables before ratings changed");
    free(text);
    free(before);
    semio_eval_close(&ev);

    /* A rating of an answer since deleted and of a sign not scored: left out, and said. */
    CHECK_OK(rate(&t, t.ann, A1, "figure4", 100, &err), err);
    CHECK(sql(t.s, "DELETE FROM answers WHERE sign = 'clonic' AND video_id = (SELECT id FROM "
                   "videos WHERE file_name = '" C4 "')"));
    CHECK_OK(evaluate(t.s, "m1", 0, 1, &ev, &err), err);
    all = semio_eval_faithfulness(ev, 0, SEMIO_EVAL_ALL_SIGNS);
    CHECK(all);
    CHECK_INT(all->rated, 7);
    CHECK_INT(all->left_out_gone, 1);
    CHECK_INT(all->left_out_outside, 1);
    CHECK_INT(semio_eval_faithfulness(ev, 0, sign_of(ev, "clonic"))->rated, 3);
    text = markdown(ev);
    CHECK(strstr(text, "1 no longer in the study, 1 without a label row or scored sign"));
    free(text);
    semio_eval_close(&ev);

    /* Deleting the run takes its ratings along; the study still evaluates. */
    CHECK(test_sql(t.db, "SELECT count(*) FROM ratings") > 0);
    CHECK(sql(t.s, "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE name = 'm1'"));
    CHECK_INT(test_sql(t.db, "SELECT count(*) FROM ratings"), 0);
    semio_study_close(&t.s);
}

/* Raters who never scored the same answer, and raters who always agree: alpha is
 * undefined, and the tables say why. */
static void alpha_undefined_is_said(void)
{
    Small t;
    SemioError err = { 0 };
    CHECK_OK(small_study(&t, "apart", &err), err);
    CHECK_OK(rate(&t, t.ann, A1, "tonic", 80, &err), err);
    CHECK_OK(rate(&t, t.bob, A2, "tonic", 20, &err), err);
    SemioEval *ev;
    CHECK_OK(evaluate(t.s, "m1", 200, 1, &ev, &err), err);
    const SemioFaithfulness *all = semio_eval_faithfulness(ev, 0, SEMIO_EVAL_ALL_SIGNS);
    CHECK(all && all->pairable == 0 && isnan(all->alpha) && !all->alpha_ci.defined);
    CHECK_INT(all->raters, 2);
    char *text = markdown(ev);
    CHECK(strstr(text, "undefined: no answer scored by two raters"));
    free(text);
    semio_eval_close(&ev);
    CHECK_OK(rate(&t, t.bob, A1, "tonic", 80, &err), err);
    CHECK_OK(rate(&t, t.ann, A2, "tonic", 80, &err), err);
    CHECK_OK(rate(&t, t.bob, A2, "tonic", 80, &err), err);
    CHECK_OK(evaluate(t.s, "m1", 200, 1, &ev, &err), err);
    all = semio_eval_faithfulness(ev, 0, SEMIO_EVAL_ALL_SIGNS);
    CHECK(all && all->pairable == 2 && isnan(all->alpha));
    text = markdown(ev);
    CHECK(strstr(text, "undefined: every score the same"));
    free(text);
    /* every format writes it without tripping */
    for (int fmt = SEMIO_TABLE_MARKDOWN; fmt <= SEMIO_TABLE_PILOT_CSV; fmt++) {
        char *out = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&out, &size);
        CHECK_OK(semio_eval_write(ev, (SemioTableFormat)fmt, mem, &err), err);
        fclose(mem);
        CHECK(size > 0);
        free(out);
    }
    FILE *html = fopen(test_path("apart.html"), "w");
    CHECK(html);
    CHECK_OK(semio_report_html(ev, "t", html, &err), err);
    fclose(html);
    semio_eval_close(&ev);
    semio_study_close(&t.s);
}

/* The same seed draws the same intervals; another seed others; each holds its estimate. */
static void bootstrap_is_seeded(void)
{
    Small t;
    SemioError err = { 0 };
    CHECK_OK(small_study(&t, "seeded", &err), err);
    CHECK_OK(rate_all(&t, &err), err);
    SemioEval *a, *b, *c;
    CHECK_OK(evaluate(t.s, "m1", 500, 7, &a, &err), err);
    CHECK_OK(evaluate(t.s, "m1", 500, 7, &b, &err), err);
    CHECK_OK(evaluate(t.s, "m1", 500, 8, &c, &err), err);
    const SemioFaithfulness *fa = semio_eval_faithfulness(a, 0, SEMIO_EVAL_ALL_SIGNS);
    const SemioFaithfulness *fb = semio_eval_faithfulness(b, 0, SEMIO_EVAL_ALL_SIGNS);
    const SemioFaithfulness *fc = semio_eval_faithfulness(c, 0, SEMIO_EVAL_ALL_SIGNS);
    CHECK(fa && fb && fc);
    CHECK(!memcmp(&fa->faithful_ci, &fb->faithful_ci, sizeof(SemioInterval)));
    CHECK(!memcmp(&fa->alpha_ci, &fb->alpha_ci, sizeof(SemioInterval)));
    CHECK(!memcmp(&fa->mean_correct_ci, &fb->mean_correct_ci, sizeof(SemioInterval)));
    CHECK(!memcmp(semio_eval_judge_agreement(a, 0, 0), semio_eval_judge_agreement(b, 0, 0),
                  sizeof(SemioJudgeAgreement)));
    CHECK(memcmp(&fa->mean_correct_ci, &fc->mean_correct_ci, sizeof(SemioInterval)) ||
          memcmp(&fa->alpha_ci, &fc->alpha_ci, sizeof(SemioInterval)));
    const SemioInterval *cis[3] = { &fa->faithful_ci, &fa->mean_correct_ci, &fa->mean_wrong_ci };
    double points[3] = { fa->faithful, fa->mean_correct, fa->mean_wrong };
    for (int i = 0; i < 3; i++)
        CHECK_MSG(cis[i]->defined > 0 && cis[i]->lo <= points[i] && points[i] <= cis[i]->hi,
                  "interval %d: %g not in [%g, %g]", i, points[i], cis[i]->lo, cis[i]->hi);
    /* three patients: a resample without A's two wrong tonic answers has no wrong at all */
    CHECK(fa->mean_wrong_ci.defined < 500);
    semio_eval_close(&a);
    semio_eval_close(&b);
    semio_eval_close(&c);
    semio_study_close(&t.s);
}

/* ---- the onset ------------------------------------------------------------------ */

static void onset_error(void)
{
    const char *db = test_path("onset.db"), *csv = test_path("onset.csv");
    /* R1-R3 have the file's start; R4 only raters' marks (median of 30, 34, 40: 34);
     * R5 neither */
    write_text(csv, "file_name,tonic,start_time\nP1@d@r1@sz_v1.mp4,yes,0:10\n"
                    "P2@d@r2@sz_v1.mp4,yes,0:20\nP3@d@r3@sz_v1.mp4,no,1:00\n"
                    "P4@d@r4@sz_v1.mp4,yes,\nP5@d@r5@sz_v1.mp4,yes,\n");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    char *secret;
    int64_t judge;
    const char *names[3] = { "ann", "bob", "cy" };
    double marks[3] = { 40, 30, 34 };
    for (int i = 0; i < 3; i++) {
        CHECK_OK(semio_rater_add(s, names[i], &secret, &err), err);
        semio_free(secret);
        CHECK_OK(review_mark(s, i + 1, 4, marks[i], NAN, NULL, &err), err);
    }
    /* a judge's mark (no judge marks; if one did) and a rater's mark where the file has a
     * start are not what the onset is measured against */
    CHECK_OK(review_judge_rater(s, "judge:m", "m", &judge, &err), err);
    CHECK_OK(review_mark(s, judge, 4, 100, NAN, NULL, &err), err);
    CHECK_OK(review_mark(s, 1, 1, 99, NAN, NULL, &err), err);
    CHECK(sql(s,
        "INSERT INTO runs(name, engine, settings_json, version, created_at) VALUES "
        "('k', 'kinematic', '{}', 't', 'now'), ('v', 'openai', '{\"timestamps\":false}', 't', "
        "'now'), ('i', 'import', 'not json', 't', 'now');"
        "INSERT INTO segment_sets(name, window, overlap, within_labels, margin, created_at) "
        "VALUES ('w', 30, 0, 0, 0, 'now');"
        "INSERT INTO segments(set_id, video_id, ordinal, start_s, end_s) SELECT 1, id, n, "
        "30 * n, 30 * n + 30 FROM videos, (SELECT 0 AS n UNION SELECT 1 UNION SELECT 2);"
        /* run k, recording time: R1's first yes window (0-30) says 12 (its 'no' at 3 does
         * not count; the later window's 8 comes after), error 2; R2 in window 30-60 says
         * 28 (error 8) while window 60-90 says 21; R3 'yes' at 61 (error 1); R4 33 (1 from
         * the marks' 34); R5 has no true onset */
        "INSERT INTO answers(run_id, video_id, segment_id, sign, answer, onset_s, status, "
        "answered_at) SELECT 1, g.video_id, g.id, x.sign, x.answer, x.onset, 'ok', 'now' "
        "FROM segments g JOIN (SELECT 1 AS v, 0 AS n, 'tonic' AS sign, 'no' AS answer, "
        "3.0 AS onset UNION ALL SELECT 1, 0, 'clonic', 'yes', 12 UNION ALL SELECT 1, 1, "
        "'tonic', 'yes', 8 UNION ALL SELECT 2, 1, 'tonic', 'yes', 28 UNION ALL SELECT 2, 2, "
        "'clonic', 'yes', 21 UNION ALL SELECT 3, 2, 'tonic', 'yes', 61 UNION ALL SELECT 4, "
        "1, 'tonic', 'yes', 33 UNION ALL SELECT 5, 0, 'tonic', 'yes', 1) x ON "
        "x.v = g.video_id AND x.n = g.ordinal;"
        /* a failed answer's onset and a yes without one change nothing */
        "INSERT INTO answers(run_id, video_id, segment_id, sign, status, onset_s, "
        "answered_at) SELECT 1, 3, id, 'clonic', 'failed', 60, 'now' FROM segments WHERE "
        "video_id = 3 AND ordinal = 0;"
        "INSERT INTO answers(run_id, video_id, segment_id, sign, answer, status, answered_at) "
        "SELECT 1, 3, id, 'figure4', 'yes', 'ok', 'now' FROM segments WHERE video_id = 3 AND "
        "ordinal = 0;"
        /* run v: no frame times, so from the window's start: R1 window 30-60 at 0:02 ->
         * 32 (error 22); an audio answer of run k's kind would be the same */
        "INSERT INTO answers(run_id, video_id, segment_id, sign, view, answer, onset_s, "
        "status, answered_at) SELECT 2, video_id, id, 'tonic', CASE video_id WHEN 1 THEN "
        "'raw' ELSE 'audio' END, 'yes', CASE video_id WHEN 1 THEN 2 ELSE 1 END, 'ok', 'now' "
        "FROM segments WHERE video_id IN (1, 2) AND ordinal = 1;"
        "INSERT INTO answers(run_id, video_id, sign, answer, onset_s, status, answered_at) "
        "VALUES (3, 1, 'tonic', 'yes', 14, 'ok', 'now');"));
    SemioEval *ev;
    CHECK_OK(semio_eval_from_study(&ev, s, NULL, 0, NULL, &err), err);
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    set.resamples = 300;
    CHECK_OK(semio_eval_compute(ev, &set, &err), err);
    CHECK_INT(semio_eval_runs(ev), 3);
    const SemioOnsetError *k = semio_eval_onset(ev, 0), *v = semio_eval_onset(ev, 1),
                          *imp = semio_eval_onset(ev, 2);
    CHECK(k && v && imp);
    CHECK_INT(k->recordings, 4); /* errors 2, 8, 1, 1 */
    CHECK(near(k->median_abs_s, 1.5, 1e-12));
    CHECK(near(k->within_5s, 0.75, 1e-12));
    CHECK(k->median_ci.defined && k->median_ci.lo <= 1.5 && k->median_ci.hi >= 1.5);
    CHECK_INT(v->recordings, 2); /* R1 32 (error 22), R2 audio 30 + 1 (error 11) */
    CHECK(near(v->median_abs_s, 16.5, 1e-12));
    CHECK(near(v->within_5s, 0, 1e-12));
    CHECK_INT(imp->recordings, 1); /* a whole-recording answer, settings not JSON: 14 */
    CHECK(near(imp->median_abs_s, 4, 1e-12));
    char *text = markdown(ev);
    CHECK(strstr(text, "### Seizure onset"));
    CHECK(strstr(text, "| k | 4 | 1.5 ["));
    CHECK(!strstr(text, "Faithfulness"));
    free(text);
    semio_eval_close(&ev);
    semio_study_close(&s);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(app_labels_count_in_the_consensus),
        TEST(alpha_matches_the_book_and_a_second_implementation),
        TEST(faithfulness_of_a_small_study),
        TEST(alpha_undefined_is_said),
        TEST(bootstrap_is_seeded),
        TEST(onset_error),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
