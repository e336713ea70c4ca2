/*
 * The tables and report section of what raters said (semio/eval.h): the faithfulness of
 * each run's justifications, the human raters' agreement, model judges against them, and
 * how far the runs' claimed seizure onsets were. Each format's writer calls in after its
 * own tables; an evaluation without ratings or onsets gets nothing from here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

static const char *const score_names[6] = { "0", "20", "40", "60", "80", "100" };

int report_has_ratings(const SemioEval *ev)
{
    for (size_t r = 0; r < semio_eval_runs(ev); r++)
        if (semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS))
            return 1;
    return 0;
}

int report_has_onsets(const SemioEval *ev)
{
    for (size_t r = 0; r < semio_eval_runs(ev); r++)
        if (semio_eval_onset(ev, r))
            return 1;
    return 0;
}

static int any_judge(const SemioEval *ev)
{
    for (size_t j = 0; j < semio_eval_judges(ev); j++)
        for (size_t r = 0; r < semio_eval_runs(ev); r++)
            if (semio_eval_judge_agreement(ev, j, r))
                return 1;
    return 0;
}

/* A score on the 0-100 scale: one decimal, "n/a" when undefined. */
static const char *fixed1(double x, char buf[32])
{
    if (isnan(x))
        return "n/a";
    snprintf(buf, 32, "%.1f", x);
    return buf;
}

/* "v [lo, hi]" with the interval where the bootstrap defined it. */
static const char *with_ci(const char *(*fmt)(double, char[32]), double v,
                           const SemioInterval *ci, char *out, size_t size)
{
    char a[32], b[32], c[32];
    if (ci->defined && !isnan(v))
        snprintf(out, size, "%s [%s, %s]", fmt(v, a), fmt(ci->lo, b), fmt(ci->hi, c));
    else
        snprintf(out, size, "%s", fmt(v, a));
    return out;
}

/* Alpha, or why there is none: no answer two raters scored, or no variation to agree on. */
static const char *alpha_text(const SemioFaithfulness *f, char *out, size_t size)
{
    if (!f->pairable)
        return "undefined: no answer scored by two raters";
    if (isnan(f->alpha))
        return "undefined: every score the same";
    return with_ci(report_fixed3, f->alpha, &f->alpha_ci, out, size);
}

static const char *left_out(const SemioFaithfulness *f, char *out, size_t size)
{
    if (!f->left_out_gone && !f->left_out_outside)
        return "-";
    size_t n = 0;
    out[0] = '\0';
    if (f->left_out_gone)
        n += (size_t)snprintf(out, size, "%lld no longer in the study",
                              (long long)f->left_out_gone);
    if (f->left_out_outside && n < size)
        snprintf(out + n, size - n, "%s%lld without a label row or scored sign", n ? ", " : "",
                 (long long)f->left_out_outside);
    return out;
}

/* ---- Markdown ------------------------------------------------------------------ */

static void faith_row(const SemioEval *ev, size_t run, const char *sign,
                      const SemioFaithfulness *f, FILE *out)
{
    char a[128], b[128], c[128], d[160], e[160];
    fprintf(out, "| %s | %s | %lld | %d | %lld | %lld | %s | %s | %s | %s | %lld | %s |\n",
            semio_eval_run_name(ev, run), sign, (long long)f->rated, f->raters,
            (long long)f->correct, (long long)f->wrong,
            with_ci(report_fixed3, f->faithful, &f->faithful_ci, a, sizeof(a)),
            with_ci(fixed1, f->mean_correct, &f->mean_correct_ci, b, sizeof(b)),
            with_ci(fixed1, f->mean_wrong, &f->mean_wrong_ci, c, sizeof(c)),
            alpha_text(f, d, sizeof(d)), (long long)f->pairable, left_out(f, e, sizeof(e)));
}

void report_review_markdown(const SemioEval *ev, FILE *f)
{
    char a[128], b[32], c[32];
    if (report_has_ratings(ev)) {
        fprintf(f, "\n### Faithfulness of justifications\n\n"
                   "An answer's score is the mean of its human raters' scores (0-100); it is "
                   "correct when it agrees with the recording's label. Judges are not counted "
                   "here.\n\n"
                   "| run | sign | rated | raters | correct | wrong | >= 60 of correct [CI] | "
                   "mean, correct [CI] | mean, wrong [CI] | Krippendorff's alpha [CI] | "
                   "scored twice | left out |\n"
                   "|---|---|---:|---:|---:|---:|---|---|---|---|---:|---|\n");
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioFaithfulness *all = semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS);
            if (!all)
                continue;
            for (size_t s = 0; s < semio_eval_signs(ev); s++) {
                const SemioFaithfulness *one = semio_eval_faithfulness(ev, r, s);
                if (one)
                    faith_row(ev, r, semio_eval_sign(ev, s), one, f);
            }
            faith_row(ev, r, "**all**", all, f);
        }
    }
    if (any_judge(ev)) {
        fprintf(f, "\n### Model judges against the human raters\n\n"
                   "Krippendorff's alpha between each judge's score and the human raters' "
                   "score (their mean) of the same answers.\n\n"
                   "| judge | run | answers | judge's mean | humans' mean | "
                   "Krippendorff's alpha [CI] |\n|---|---|---:|---:|---:|---|\n");
        for (size_t j = 0; j < semio_eval_judges(ev); j++)
            for (size_t r = 0; r < semio_eval_runs(ev); r++) {
                const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, j, r);
                if (g)
                    fprintf(f, "| %s | %s | %lld | %s | %s | %s |\n",
                            semio_eval_judge_name(ev, j), semio_eval_run_name(ev, r),
                            (long long)g->answers, fixed1(g->judge_mean, b),
                            fixed1(g->human_mean, c),
                            isnan(g->alpha) ? "undefined: every score the same"
                                            : with_ci(report_fixed3, g->alpha, &g->alpha_ci,
                                                      a, sizeof(a)));
            }
    }
    if (report_has_onsets(ev)) {
        fprintf(f, "\n### Seizure onset\n\n"
                   "Per recording, the onset of the run's first yes answer that gives one, "
                   "against the label file's start_time (else the median of the raters' "
                   "marked onsets).\n\n"
                   "| run | recordings | median absolute error, s [CI] | within 5 s [CI] |\n"
                   "|---|---:|---|---|\n");
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioOnsetError *o = semio_eval_onset(ev, r);
            char m[128];
            if (o)
                fprintf(f, "| %s | %lld | %s | %s |\n", semio_eval_run_name(ev, r),
                        (long long)o->recordings,
                        with_ci(fixed1, o->median_abs_s, &o->median_ci, m, sizeof(m)),
                        with_ci(report_fixed3, o->within_5s, &o->within_ci, a, sizeof(a)));
        }
    }
}

/* ---- CSV: more rows of the same long table ------------------------------------------- */

static void csv_row(FILE *f, const char *run, const char *sign, const char *group,
                    const char *metric, double v, const SemioInterval *ci, int64_t support)
{
    fprintf(f, "%s,%s,%s,%s,%.17g,%.17g,%.17g,%lld,,,,,,\n", run, sign, group, metric, v,
            ci ? ci->lo : NAN, ci ? ci->hi : NAN, (long long)support);
}

void report_review_csv(const SemioEval *ev, FILE *f)
{
    for (size_t r = 0; r < semio_eval_runs(ev); r++) {
        const char *run = semio_eval_run_name(ev, r);
        for (size_t s = 0; s <= semio_eval_signs(ev); s++) {
            int all = s == semio_eval_signs(ev);
            const SemioFaithfulness *x =
                semio_eval_faithfulness(ev, r, all ? SEMIO_EVAL_ALL_SIGNS : s);
            const char *sign = all ? "all" : semio_eval_sign(ev, s);
            if (!x)
                continue;
            csv_row(f, run, sign, "faithfulness", "rated", (double)x->rated, NULL, x->rated);
            csv_row(f, run, sign, "faithfulness", "faithful_share_of_correct", x->faithful,
                    &x->faithful_ci, x->correct);
            csv_row(f, run, sign, "faithfulness", "mean_score_correct", x->mean_correct,
                    &x->mean_correct_ci, x->correct);
            csv_row(f, run, sign, "faithfulness", "mean_score_wrong", x->mean_wrong,
                    &x->mean_wrong_ci, x->wrong);
            csv_row(f, run, sign, "faithfulness", "krippendorff_alpha_humans", x->alpha,
                    &x->alpha_ci, x->pairable);
            if (all) {
                csv_row(f, run, sign, "faithfulness", "left_out_gone",
                        (double)x->left_out_gone, NULL, x->left_out_gone);
                csv_row(f, run, sign, "faithfulness", "left_out_outside",
                        (double)x->left_out_outside, NULL, x->left_out_outside);
            }
        }
        for (size_t j = 0; j < semio_eval_judges(ev); j++) {
            const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, j, r);
            char group[160];
            if (!g)
                continue;
            snprintf(group, sizeof(group), "judge:%s", semio_eval_judge_name(ev, j));
            csv_row(f, run, "all", group, "krippendorff_alpha_vs_humans", g->alpha,
                    &g->alpha_ci, g->answers);
            csv_row(f, run, "all", group, "judge_mean", g->judge_mean, NULL, g->answers);
            csv_row(f, run, "all", group, "human_mean", g->human_mean, NULL, g->answers);
        }
        const SemioOnsetError *o = semio_eval_onset(ev, r);
        if (o) {
            csv_row(f, run, "all", "onset", "median_abs_error_s", o->median_abs_s,
                    &o->median_ci, o->recordings);
            csv_row(f, run, "all", "onset", "within_5s", o->within_5s, &o->within_ci,
                    o->recordings);
        }
    }
}

/* ---- LaTeX: each run's overall line -------------------------------------------------- */

static void tex_ci(FILE *f, const char *(*fmt)(double, char[32]), double v,
                   const SemioInterval *ci)
{
    char a[32], b[32], c[32];
    fprintf(f, " & %s", fmt(v, a));
    if (ci->defined && !isnan(v))
        fprintf(f, " {\\scriptsize [%s, %s]}", fmt(ci->lo, b), fmt(ci->hi, c));
}

void report_review_latex(const SemioEval *ev, FILE *f)
{
    if (report_has_ratings(ev)) {
        fprintf(f, "\n%% faithfulness of justifications: an answer's score is the mean of its "
                   "human raters'; 95%% bootstrap CI\n\\begin{tabular}{lrcccc}\n\\toprule\n"
                   "Run & Rated & $\\geq$60 (correct) & Mean (correct) & Mean (wrong) & "
                   "$\\alpha$ \\\\\n\\midrule\n");
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioFaithfulness *x = semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS);
            if (!x)
                continue;
            report_tex_escape(f, semio_eval_run_name(ev, r));
            fprintf(f, " & %lld", (long long)x->rated);
            tex_ci(f, report_fixed3, x->faithful, &x->faithful_ci);
            tex_ci(f, fixed1, x->mean_correct, &x->mean_correct_ci);
            tex_ci(f, fixed1, x->mean_wrong, &x->mean_wrong_ci);
            tex_ci(f, report_fixed3, x->alpha, &x->alpha_ci);
            fprintf(f, " \\\\\n");
        }
        fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    }
    if (any_judge(ev)) {
        fprintf(f, "\n%% model judges: Krippendorff's alpha with the human raters' mean\n"
                   "\\begin{tabular}{llrc}\n\\toprule\nJudge & Run & Answers & $\\alpha$ "
                   "\\\\\n\\midrule\n");
        for (size_t j = 0; j < semio_eval_judges(ev); j++)
            for (size_t r = 0; r < semio_eval_runs(ev); r++) {
                const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, j, r);
                if (!g)
                    continue;
                report_tex_escape(f, semio_eval_judge_name(ev, j));
                fputs(" & ", f);
                report_tex_escape(f, semio_eval_run_name(ev, r));
                fprintf(f, " & %lld", (long long)g->answers);
                tex_ci(f, report_fixed3, g->alpha, &g->alpha_ci);
                fprintf(f, " \\\\\n");
            }
        fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    }
    if (report_has_onsets(ev)) {
        fprintf(f, "\n%% seizure onset: the first yes answer's claimed onset per recording\n"
                   "\\begin{tabular}{lrcc}\n\\toprule\nRun & Recordings & Median error (s) & "
                   "Within 5 s \\\\\n\\midrule\n");
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioOnsetError *o = semio_eval_onset(ev, r);
            if (!o)
                continue;
            report_tex_escape(f, semio_eval_run_name(ev, r));
            fprintf(f, " & %lld", (long long)o->recordings);
            tex_ci(f, fixed1, o->median_abs_s, &o->median_ci);
            tex_ci(f, report_fixed3, o->within_5s, &o->within_ci);
            fprintf(f, " \\\\\n");
        }
        fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    }
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_object *faith_json(const SemioEval *ev, size_t r, const char *sign,
                               const SemioFaithfulness *x, int all)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "run", json_object_new_string(semio_eval_run_name(ev, r)));
    json_object_object_add(o, "sign", json_object_new_string(sign));
    json_object_object_add(o, "rated", json_object_new_int64(x->rated));
    json_object_object_add(o, "raters", json_object_new_int(x->raters));
    json_object_object_add(o, "correct", json_object_new_int64(x->correct));
    json_object_object_add(o, "wrong", json_object_new_int64(x->wrong));
    json_object_object_add(o, "scored_twice", json_object_new_int64(x->pairable));
    json_object_object_add(o, "faithful_share_of_correct",
                           report_json_metric(x->faithful, &x->faithful_ci));
    json_object_object_add(o, "mean_score_correct",
                           report_json_metric(x->mean_correct, &x->mean_correct_ci));
    json_object_object_add(o, "mean_score_wrong",
                           report_json_metric(x->mean_wrong, &x->mean_wrong_ci));
    json_object_object_add(o, "krippendorff_alpha", report_json_metric(x->alpha, &x->alpha_ci));
    if (all) {
        int64_t counts[6];
        json_object *c = json_object_new_object();
        semio_eval_score_counts(ev, r, counts);
        for (int k = 0; k < 6; k++)
            json_object_object_add(c, score_names[k], json_object_new_int64(counts[k]));
        json_object_object_add(o, "human_scores", c);
        json_object_object_add(o, "left_out_gone", json_object_new_int64(x->left_out_gone));
        json_object_object_add(o, "left_out_outside", json_object_new_int64(x->left_out_outside));
    }
    return o;
}

void report_review_json(const SemioEval *ev, json_object *root)
{
    if (report_has_ratings(ev)) {
        json_object *a = json_object_new_array();
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioFaithfulness *all = semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS);
            for (size_t s = 0; all && s < semio_eval_signs(ev); s++) {
                const SemioFaithfulness *x = semio_eval_faithfulness(ev, r, s);
                if (x)
                    json_object_array_add(a, faith_json(ev, r, semio_eval_sign(ev, s), x, 0));
            }
            if (all)
                json_object_array_add(a, faith_json(ev, r, "all", all, 1));
        }
        json_object_object_add(root, "faithfulness", a);
    }
    if (any_judge(ev)) {
        json_object *a = json_object_new_array();
        for (size_t j = 0; j < semio_eval_judges(ev); j++)
            for (size_t r = 0; r < semio_eval_runs(ev); r++) {
                const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, j, r);
                if (!g)
                    continue;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "judge",
                                       json_object_new_string(semio_eval_judge_name(ev, j)));
                json_object_object_add(o, "run",
                                       json_object_new_string(semio_eval_run_name(ev, r)));
                json_object_object_add(o, "answers", json_object_new_int64(g->answers));
                json_object_object_add(o, "judge_mean", report_json_metric(g->judge_mean, NULL));
                json_object_object_add(o, "human_mean", report_json_metric(g->human_mean, NULL));
                json_object_object_add(o, "krippendorff_alpha",
                                       report_json_metric(g->alpha, &g->alpha_ci));
                json_object_array_add(a, o);
            }
        json_object_object_add(root, "judges", a);
    }
    if (report_has_onsets(ev)) {
        json_object *a = json_object_new_array();
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioOnsetError *x = semio_eval_onset(ev, r);
            if (!x)
                continue;
            json_object *o = json_object_new_object();
            json_object_object_add(o, "run", json_object_new_string(semio_eval_run_name(ev, r)));
            json_object_object_add(o, "recordings", json_object_new_int64(x->recordings));
            json_object_object_add(o, "median_abs_error_s",
                                   report_json_metric(x->median_abs_s, &x->median_ci));
            json_object_object_add(o, "within_5s", report_json_metric(x->within_5s, &x->within_ci));
            json_object_array_add(a, o);
        }
        json_object_object_add(root, "onset", a);
    }
}

/* ---- the pilot's CSV: more rows, one per measure ---------------------------------------- */

void report_review_pilot_csv(const SemioEval *ev, size_t run, FILE *f)
{
    static const char *const rows[] = { "Faithful >=60% (correct)", "Mean rating (correct)",
                                        "Mean rating (wrong)", "Krippendorff alpha" };
    if (!semio_eval_faithfulness(ev, run, SEMIO_EVAL_ALL_SIGNS))
        return;
    char b[32];
    for (int i = 0; i < 4; i++) {
        if (semio_eval_runs(ev) > 1)
            fprintf(f, "%s,", semio_eval_run_name(ev, run));
        fputs(rows[i], f);
        for (size_t s = 0; s < semio_eval_signs(ev); s++) {
            const SemioFaithfulness *x = semio_eval_faithfulness(ev, run, s);
            double v = !x ? NAN : i == 0 ? x->faithful : i == 1 ? x->mean_correct
                                : i == 2 ? x->mean_wrong : x->alpha;
            fprintf(f, ",%s", report_short3(v, b));
        }
        fputc('\n', f);
    }
}

/* ---- HTML --------------------------------------------------------------------------- */

/* Per run, its human scores as one bar split by score (0 ... 100), widths their shares. */
static void score_bars(const SemioEval *ev, FILE *f)
{
    size_t R = semio_eval_runs(ev), shown = 0;
    for (size_t r = 0; r < R; r++)
        shown += semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS) != NULL;
    int left = 190, width = 420, bh = 18, gap = 8, top = 10;
    int h = top + (int)shown * (bh + gap) + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"human faithfulness scores per run\">\n",
            left + width + 60, h);
    int y = top;
    for (size_t r = 0; r < R; r++) {
        if (!semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS))
            continue;
        int64_t counts[6], total = 0;
        semio_eval_score_counts(ev, r, counts);
        for (int k = 0; k < 6; k++)
            total += counts[k];
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", left - 8,
                y + bh - 5);
        report_html_esc(f, semio_eval_run_name(ev, r));
        fputs("</text>\n", f);
        double x = left;
        for (int k = 0; k < 6 && total; k++) {
            double w = width * (double)counts[k] / (double)total;
            char c[8];
            report_html_color(k / 5.0, c);
            if (counts[k])
                fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                           "<title>score %s: %lld of %lld</title></rect>\n", x, y, w, bh, c,
                        score_names[k], (long long)counts[k], (long long)total);
            x += w;
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"lbl\">%lld</text>\n", left + width + 6,
                y + bh - 5, (long long)total);
        y += bh + gap;
    }
    for (int k = 0; k < 6; k++) { /* the legend */
        char c[8];
        report_html_color(k / 5.0, c);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/><text "
                   "x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>", left + k * 60, y + 4, c,
                left + k * 60 + 18, y + 13, score_names[k]);
    }
    fputs("\n</svg>\n", f);
}

static void html_ci(FILE *f, double v, const SemioInterval *ci, int score)
{
    char a[32], b[32], c[32];
    const char *(*fmt)(double, char[32]) = score ? fixed1 : report_fixed3;
    fprintf(f, "<td>%s", fmt(v, a));
    if (ci->defined && !isnan(v))
        fprintf(f, " <small>[%s, %s]</small>", fmt(ci->lo, b), fmt(ci->hi, c));
    fputs("</td>", f);
}

static void html_faith_row(FILE *f, const char *sign, const SemioFaithfulness *x, int all)
{
    char buf[160];
    fprintf(f, "<tr%s><td>", all ? " class=\"macro\"" : "");
    report_html_esc(f, sign);
    fprintf(f, "</td><td>%lld</td><td>%d</td><td>%lld</td><td>%lld</td>", (long long)x->rated,
            x->raters, (long long)x->correct, (long long)x->wrong);
    html_ci(f, x->faithful, &x->faithful_ci, 0);
    html_ci(f, x->mean_correct, &x->mean_correct_ci, 1);
    html_ci(f, x->mean_wrong, &x->mean_wrong_ci, 1);
    fprintf(f, "<td>%s</td><td>%lld</td><td>", alpha_text(x, buf, sizeof(buf)),
            (long long)x->pairable);
    report_html_esc(f, left_out(x, buf, sizeof(buf)));
    fputs("</td></tr>\n", f);
}

void report_review_html(const SemioEval *ev, FILE *f)
{
    if (report_has_ratings(ev)) {
        fputs("<h2>Faithfulness of justifications</h2>\n<p>Clinicians scored how faithfully "
              "each justification describes the recording (0-100%). An answer's score is the "
              "mean of its human raters' scores; it is correct when it agrees with the "
              "recording's label, and the pilot's measure is the share of correct answers "
              "scored at least 60. Agreement among the human raters is Krippendorff's alpha "
              "(interval); model judges are shown apart and never counted here.</p>\n", f);
        score_bars(ev, f);
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioFaithfulness *all = semio_eval_faithfulness(ev, r, SEMIO_EVAL_ALL_SIGNS);
            if (!all)
                continue;
            fputs("<h3>", f);
            report_html_esc(f, semio_eval_run_name(ev, r));
            fputs("</h3>\n<table><thead><tr><th>sign</th><th>rated</th><th>raters</th>"
                  "<th>correct</th><th>wrong</th><th>&ge; 60 of correct [95% CI]</th>"
                  "<th>mean, correct</th><th>mean, wrong</th><th>Krippendorff's &alpha;</th>"
                  "<th>scored twice</th><th>left out</th></tr></thead><tbody>\n", f);
            for (size_t s = 0; s < semio_eval_signs(ev); s++) {
                const SemioFaithfulness *x = semio_eval_faithfulness(ev, r, s);
                if (x)
                    html_faith_row(f, semio_eval_sign(ev, s), x, 0);
            }
            html_faith_row(f, "all signs", all, 1);
            fputs("</tbody></table>\n", f);
        }
    }
    if (any_judge(ev)) {
        fputs("<h2>Model judges against the human raters</h2>\n<table><thead><tr><th>judge"
              "</th><th>run</th><th>answers</th><th>judge's mean</th><th>humans' mean</th>"
              "<th>Krippendorff's &alpha; [95% CI]</th></tr></thead><tbody>\n", f);
        for (size_t j = 0; j < semio_eval_judges(ev); j++)
            for (size_t r = 0; r < semio_eval_runs(ev); r++) {
                const SemioJudgeAgreement *g = semio_eval_judge_agreement(ev, j, r);
                char a[32], b[32];
                if (!g)
                    continue;
                fputs("<tr><td>", f);
                report_html_esc(f, semio_eval_judge_name(ev, j));
                fputs("</td><td>", f);
                report_html_esc(f, semio_eval_run_name(ev, r));
                fprintf(f, "</td><td>%lld</td><td>%s</td><td>%s</td>", (long long)g->answers,
                        fixed1(g->judge_mean, a), fixed1(g->human_mean, b));
                if (isnan(g->alpha))
                    fputs("<td>undefined: every score the same</td>", f);
                else
                    html_ci(f, g->alpha, &g->alpha_ci, 0);
                fputs("</tr>\n", f);
            }
        fputs("</tbody></table>\n", f);
    }
    if (report_has_onsets(ev)) {
        fputs("<h2>Seizure onset</h2>\n<p>Per recording, the onset of the run's first yes "
              "answer that gives one, against the label file's start time (else the median "
              "of the raters' marked onsets).</p>\n<table><thead><tr><th>run</th>"
              "<th>recordings</th><th>median absolute error, s [95% CI]</th>"
              "<th>within 5 s</th></tr></thead><tbody>\n", f);
        for (size_t r = 0; r < semio_eval_runs(ev); r++) {
            const SemioOnsetError *o = semio_eval_onset(ev, r);
            if (!o)
                continue;
            fputs("<tr><td>", f);
            report_html_esc(f, semio_eval_run_name(ev, r));
            fprintf(f, "</td><td>%lld</td>", (long long)o->recordings);
            html_ci(f, o->median_abs_s, &o->median_ci, 1);
            html_ci(f, o->within_5s, &o->within_ci, 0);
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
}
