/*
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing
 * fetched) with the tables, an F1 heatmap of signs x runs, per-sign F1 bars with their
 * confidence intervals, confusion counts and each run's provenance.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/report_internal.h"
#include "semio/report.h"
#include "util/error.h"

void report_html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void report_html_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("n/a", f);
    else
        fprintf(f, "%.3f", v);
}

/* A perceptually ordered scale (viridis anchors) from 0 to 1. */
void report_html_color(double v, char out[8])
{
    static const unsigned char anchors[5][3] = {
        { 68, 1, 84 }, { 59, 82, 139 }, { 33, 145, 140 }, { 94, 201, 98 }, { 253, 231, 37 },
    };
    if (isnan(v)) {
        snprintf(out, 8, "#dddddd");
        return;
    }
    double x = fmin(fmax(v, 0), 1) * 4;
    int i = x >= 4 ? 3 : (int)x;
    double t = x - i;
    int rgb[3];
    for (int k = 0; k < 3; k++)
        rgb[k] = (int)lround(anchors[i][k] + t * (anchors[i + 1][k] - anchors[i][k]));
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void heatmap(const SemioEval *ev, FILE *f)
{
    size_t R = semio_eval_runs(ev), S = semio_eval_signs(ev);
    int cw = 110, ch = 22, left = 190, top = 120;
    /* room on the right for the last run's name, written at -35 degrees */
    int w = left + (int)R * cw + 120, h = top + (int)S * ch + 40;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"F1 per sign and run\">\n", w, h);
    for (size_t r = 0; r < R; r++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" transform=\"rotate(-35 %d %d)\" "
                   "class=\"lbl\">", left + (int)r * cw + cw / 2, top - 8,
                left + (int)r * cw + cw / 2, top - 8);
        report_html_esc(f, semio_eval_run_name(ev, r));
        fputs("</text>\n", f);
    }
    for (size_t s = 0; s < S; s++) {
        int y = top + (int)s * ch;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", left - 8,
                y + ch - 7);
        report_html_esc(f, semio_eval_sign(ev, s));
        fputs("</text>\n", f);
        for (size_t r = 0; r < R; r++) {
            double v = semio_eval_metrics(ev, r, s)->value[SEMIO_METRIC_F1];
            char c[8];
            report_html_color(v, c);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                       "<title>", left + (int)r * cw, y, cw - 2, ch - 2, c);
            report_html_esc(f, semio_eval_sign(ev, s));
            fputs(" / ", f);
            report_html_esc(f, semio_eval_run_name(ev, r));
            fputs(": F1 ", f);
            report_html_num(f, v);
            fprintf(f, "</title></rect><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                       "class=\"%s\">", left + (int)r * cw + cw / 2 - 1, y + ch - 7,
                    isnan(v) || v > 0.6 ? "dark" : "light");
            report_html_num(f, v);
            fputs("</text>\n", f);
        }
    }
    /* the scale */
    int sy = top + (int)S * ch + 14;
    for (int i = 0; i <= 10; i++) {
        char c[8];
        report_html_color(i / 10.0, c);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"10\" fill=\"%s\"/>",
                left + i * 18, sy, c);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"lbl\">0</text><text x=\"%d\" y=\"%d\" "
               "class=\"lbl\">1 (F1)</text>\n</svg>\n", left - 12, sy + 9, left + 11 * 18 + 4,
            sy + 9);
}

void report_html_f1_axis(FILE *f, int left, int width, int height, const char *label)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"%s\">\n", left + width + 40, height, label);
    for (int t = 0; t <= 10; t += 2) {
        int x = left + width * t / 10;
        fprintf(f, "<line x1=\"%d\" y1=\"14\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>"
                   "<text x=\"%d\" y=\"10\" text-anchor=\"middle\" class=\"lbl\">%.1f</text>\n",
                x, x, height - 10, x, t / 10.0);
    }
}

static void bars(const SemioEval *ev, FILE *f)
{
    size_t R = semio_eval_runs(ev), S = semio_eval_signs(ev);
    int bh = 10, gap = 8, left = 190, width = 420;
    int row = (int)R * bh + gap, h = 40 + (int)S * row;
    report_html_f1_axis(f, left, width, h, "F1 with confidence intervals");
    for (size_t s = 0; s < S; s++) {
        int y0 = 20 + (int)s * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", left - 8,
                y0 + (int)R * bh / 2 + 4);
        report_html_esc(f, semio_eval_sign(ev, s));
        fputs("</text>\n", f);
        for (size_t r = 0; r < R; r++) {
            double v = semio_eval_metrics(ev, r, s)->value[SEMIO_METRIC_F1];
            const SemioInterval *ci = semio_eval_interval(ev, r, s, SEMIO_METRIC_F1);
            char c[8];
            report_html_color(R > 1 ? (double)r / (double)(R - 1) * 0.85 : 0.35, c);
            int y = y0 + (int)r * bh;
            if (!isnan(v))
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
                        left, y, (int)lround(width * v), bh - 1, c);
            if (ci->defined)
                fprintf(f, "<line x1=\"%ld\" y1=\"%d\" x2=\"%ld\" y2=\"%d\" class=\"ci\"/>"
                           "<line x1=\"%ld\" y1=\"%d\" x2=\"%ld\" y2=\"%d\" class=\"ci\"/>"
                           "<line x1=\"%ld\" y1=\"%d\" x2=\"%ld\" y2=\"%d\" class=\"ci\"/>",
                        left + lround(width * ci->lo), y + bh / 2, left + lround(width * ci->hi),
                        y + bh / 2, left + lround(width * ci->lo), y + 1,
                        left + lround(width * ci->lo), y + bh - 2, left + lround(width * ci->hi),
                        y + 1, left + lround(width * ci->hi), y + bh - 2);
            fputc('\n', f);
        }
    }
    fputs("</svg>\n", f);
    if (R > 1) {
        fputs("<p class=\"legend\">", f);
        for (size_t r = 0; r < R; r++) {
            char c[8];
            report_html_color((double)r / (double)(R - 1) * 0.85, c);
            fprintf(f, "<span style=\"background:%s\"></span>", c);
            report_html_esc(f, semio_eval_run_name(ev, r));
            fputs(" &nbsp; ", f);
        }
        fputs("</p>\n", f);
    }
}

static void metrics_table(const SemioEval *ev, size_t r, FILE *f)
{
    fputs("<table><thead><tr><th>sign</th><th>group</th><th>n</th><th>yes</th><th>accuracy</th>"
          "<th>precision</th><th>recall</th><th>F1 [95% CI]</th><th>specificity</th>"
          "<th>bal. acc.</th><th>&kappa;</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th>"
          "<th>na</th><th>left out</th></tr></thead><tbody>\n", f);
    for (size_t s = 0; s < semio_eval_signs(ev); s++) {
        const SemioMetrics *m = semio_eval_metrics(ev, r, s);
        const SemioInterval *ci = semio_eval_interval(ev, r, s, SEMIO_METRIC_F1);
        fputs("<tr><td>", f);
        report_html_esc(f, semio_eval_sign(ev, s));
        if (m->averaged)
            fputs(" <small>(macro over yes/no/na)</small>", f);
        fputs("</td><td>", f);
        report_html_esc(f, semio_eval_sign_group(ev, s));
        fprintf(f, "</td><td>%lld</td><td>%lld</td>", (long long)m->support,
                (long long)m->positives);
        for (int k = 0; k < SEMIO_METRIC_COUNT; k++) {
            fputs("<td>", f);
            report_html_num(f, m->value[k]);
            if (k == SEMIO_METRIC_F1 && ci->defined) {
                fputs(" <small>[", f);
                report_html_num(f, ci->lo);
                fputs(", ", f);
                report_html_num(f, ci->hi);
                fputs("]</small>", f);
            }
            fputs("</td>", f);
        }
        fprintf(f, "<td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
                (long long)m->tp, (long long)m->fp, (long long)m->tn, (long long)m->fn,
                (long long)m->na_answers);
        const char *sep = "";
        if (m->excluded_unknown)
            fprintf(f, "%s%lld unknown label", sep, (long long)m->excluded_unknown), sep = ", ";
        if (m->excluded_failed)
            fprintf(f, "%s%lld failed", sep, (long long)m->excluded_failed), sep = ", ";
        if (m->excluded_na)
            fprintf(f, "%s%lld na", sep, (long long)m->excluded_na), sep = ", ";
        if (m->excluded_missing)
            fprintf(f, "%s%lld no answer", sep, (long long)m->excluded_missing);
        fputs("</td></tr>\n", f);
    }
    for (size_t g = 0; g < semio_eval_groups(ev); g++) {
        fputs("<tr class=\"macro\"><td>macro ", f);
        report_html_esc(f, semio_eval_group(ev, g));
        fputs("</td><td></td><td></td><td></td>", f);
        for (int k = 0; k < SEMIO_METRIC_COUNT; k++) {
            SemioInterval ci;
            fputs("<td>", f);
            report_html_num(f, semio_eval_macro(ev, r, g, (SemioMetricId)k, &ci));
            if (k == SEMIO_METRIC_F1 && ci.defined) {
                fputs(" <small>[", f);
                report_html_num(f, ci.lo);
                fputs(", ", f);
                report_html_num(f, ci.hi);
                fputs("]</small>", f);
            }
            fputs("</td>", f);
        }
        fputs("<td colspan=\"6\"></td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The runs report_pairs picks, each against the first, on the same patient resamples. */
static void comparisons(const SemioEval *ev, FILE *f)
{
    size_t a, bs[64], n = report_pairs(ev, &a, bs, 64);
    if (n == 0)
        return;
    fputs("<h2>Paired comparisons</h2>\n<table><thead><tr><th>sign</th><th>runs</th>"
          "<th>F1 change [95% CI]</th><th>only first right</th><th>only second right</th>"
          "<th>McNemar exact p</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < semio_eval_signs(ev); s++) {
            SemioComparison c;
            size_t b = bs[i];
            if (semio_eval_compare(ev, a, b, s, &c, NULL) < 0)
                continue;
            fputs("<tr><td>", f);
            report_html_esc(f, semio_eval_sign(ev, s));
            fputs("</td><td>", f);
            report_html_esc(f, semio_eval_run_name(ev, b));
            fputs(" &minus; ", f);
            report_html_esc(f, semio_eval_run_name(ev, a));
            fprintf(f, "</td><td>%+.3f", c.delta_f1);
            if (c.delta_ci.defined)
                fprintf(f, " <small>[%+.3f, %+.3f]</small>", c.delta_ci.lo, c.delta_ci.hi);
            fprintf(f, "</td><td>%lld</td><td>%lld</td><td>%.4g</td></tr>\n",
                    (long long)c.a_only, (long long)c.b_only, c.mcnemar_p);
        }
    fputs("</tbody></table>\n", f);
    for (size_t i = 0; i < n; i++) {
        int better, sure, visual = report_visual_wins(ev, a, bs[i], &better, &sure);
        fputs("<p>", f);
        report_html_esc(f, semio_eval_run_name(ev, bs[i]));
        fputs(" beats ", f);
        report_html_esc(f, semio_eval_run_name(ev, a));
        fprintf(f, " on %d of %d visual signs (%d with an interval above zero).</p>\n", better,
                visual, sure);
    }
}

static void agreement(const SemioEval *ev, FILE *f)
{
    int any = 0;
    for (size_t s = 0; s < semio_eval_signs(ev); s++) {
        double kappa;
        int ties, n = semio_eval_agreement(ev, s, &kappa, &ties);
        if (n < 2)
            continue;
        if (!any++)
            fputs("<h2>Agreement among raters</h2>\n<p>Labels are the raters' majority; a "
                  "tie leaves the label unknown.</p>\n<table><thead><tr><th>sign</th>"
                  "<th>raters</th><th>Fleiss' &kappa;</th><th>ties</th></tr></thead><tbody>\n",
                  f);
        fputs("<tr><td>", f);
        report_html_esc(f, semio_eval_sign(ev, s));
        fprintf(f, "</td><td>%d</td><td>", n);
        report_html_num(f, kappa);
        fprintf(f, "</td><td>%d</td></tr>\n", ties);
    }
    if (any)
        fputs("</tbody></table>\n", f);
}

static const char css[] =
    "body{font:14px/1.45 'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;"
    "max-width:1200px;color:#222;padding:0 1em}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:1em 0;font-size:12.5px}"
    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child,td:nth-child(2){text-align:left}"
    "tr.macro td{background:#f8f8ff;font-weight:600}.meta{color:#555}"
    "svg text{font:11px 'DejaVu Sans',Helvetica,Arial,sans-serif}svg .lbl{fill:#333}"
    "svg .dark{fill:#111}svg .light{fill:#fff}svg .grid{stroke:#ddd}"
    "svg .ci{stroke:#222;stroke-width:1.2}"
    ".legend span{display:inline-block;width:12px;height:12px;margin-right:4px;"
    "vertical-align:middle}code{background:#f3f3f3;padding:0 3px}";

int semio_report_html(const SemioEval *ev, const char *title, FILE *f, SemioError *err)
{
    return semio_report_html_robustness(ev, NULL, title, f, err);
}

int semio_report_html_robustness(const SemioEval *ev, const SemioRobustness *rb, const char *title,
                                 FILE *f, SemioError *err)
{
    if (semio_eval_runs(ev) == 0 || !semio_eval_metrics(ev, 0, 0))
        return semio_fail(err, SEMIO_ERR_INVALID, "report: nothing computed to report");
    const SemioEvalSettings *set = semio_eval_settings(ev);
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<title>", f);
    report_html_esc(f, title);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>", css);
    report_html_esc(f, title);
    fprintf(f, "</h1>\n<p class=\"meta\">semio %s &middot; %s &middot; %zu runs, %zu signs, "
               "%zu patients &middot; rules <code>%s</code> &middot; ",
            semio_version(), when, semio_eval_runs(ev), semio_eval_signs(ev),
            semio_eval_patients(ev), semio_rules_name(set->rules));
    if (set->resamples)
        fprintf(f, "%.0f%% intervals from %d patient-bootstrap resamples (seed %llu)</p>\n",
                set->level * 100, set->resamples, (unsigned long long)set->seed);
    else
        fputs("no confidence intervals</p>\n", f);

    fputs("<h2>F1 per sign and run</h2>\n", f);
    heatmap(ev, f);
    fputs("<h2>F1 with confidence intervals</h2>\n", f);
    bars(ev, f);
    for (size_t r = 0; r < semio_eval_runs(ev); r++) {
        fputs("<h2>", f);
        report_html_esc(f, semio_eval_run_name(ev, r));
        fputs("</h2>\n<p class=\"meta\">", f);
        report_html_esc(f, semio_eval_run_provenance(ev, r));
        fputs("</p>\n", f);
        metrics_table(ev, r, f);
    }
    comparisons(ev, f);
    agreement(ev, f);
    report_review_html(ev, f);
    if (rb)
        report_robustness_html(ev, rb, f);
    fputs("<h2>How these numbers were made</h2>\n<p>Rows with an unknown label are left out "
          "of every score. ", f);
    if (set->rules == SEMIO_RULES_PILOT)
        fputs("Under the pilot study's rules failed answers are left out too, and "
              "<code>na</code> is a class of its own that is never right; where an "
              "<code>na</code> answer appears, precision, recall and F1 are macro averages "
              "over the classes present.", f);
    else if (set->rules == SEMIO_RULES_BINARY)
        fputs("<code>na</code> and failed answers are left out; scores are yes/no with yes "
              "positive.", f);
    else
        fputs("<code>na</code> and failed answers count as wrong answers.", f);
    fputs(" Confidence intervals resample patients, not recordings, so recordings of one "
          "patient stay together.</p>\n</body></html>\n", f);
    if (ferror(f))
        return semio_fail(err, SEMIO_ERR_IO, "report: write failed");
    return 0;
}
