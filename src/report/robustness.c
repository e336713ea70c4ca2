/*
 * Robustness to wording in the report: the per-sign table (Markdown, CSV, JSON) ranked
 * by sensitivity, and the HTML section with each sign's F1 range as a plot.
 */
#include <math.h>
#include <stdio.h>

#include <json-c/json.h>

#include "report/report_internal.h"
#include "semio/report.h"
#include "util/error.h"

static const char rule[] =
    "F1 per set on recordings under the evaluation's rules; SD is the sample SD (n - 1). "
    "Flips, kappa and consistency are over windows every set answered yes or no (windows "
    "where a set failed, said na or gave no answer are counted apart as left out): flips is "
    "the share of windows whose answer differs between at least two sets, kappa is Fleiss' "
    "with the sets as raters, consistency the mean share of sets agreeing with a window's "
    "majority (full: every set alike). Signs are ranked by F1 range, then SD.";

static void markdown_row(FILE *f, const char *name, const SemioRobustSign *g)
{
    char a[32], b[32], c[32], d[32], e[32], k[32], m[32], n[32], o[32];
    fprintf(f, "| %s | %s ± %s | %s | %s | %s | %s | %s | %s (%s full) | %lld | %lld |\n", name,
            report_fixed3(g->f1_mean, a), report_fixed3(g->f1_sd, b), report_fixed3(g->f1_min, c),
            report_fixed3(g->f1_max, d), report_fixed3(g->f1_range, e), report_fixed3(g->flips, k),
            report_fixed3(g->kappa, m), report_fixed3(g->consistency, n),
            report_fixed3(g->full_agreement, o), (long long)g->windows, (long long)g->left_out);
}

static void write_markdown(const SemioEval *ev, const SemioRobustness *rb, FILE *f)
{
    fputs("## Robustness to wording\n\nPrompt sets (runs):", f);
    for (size_t k = 0; k < rb->nsets; k++)
        fprintf(f, "%s %s", k ? "," : "", semio_eval_run_name(ev, rb->runs[k]));
    fprintf(f, ".\n\n%s\n\n| sign | F1 mean ± SD | min | max | range | flips | kappa | "
               "consistency | windows | left out |\n|---|---:|---:|---:|---:|---:|---:|---:|"
               "---:|---:|\n", rule);
    for (size_t i = 0; i < rb->nsigns; i++)
        markdown_row(f, semio_eval_sign(ev, rb->order[i]), &rb->signs[rb->order[i]]);
    markdown_row(f, "**macro**", &rb->macro);
}

static void csv_num(FILE *f, double v)
{
    if (isnan(v))
        fputs(",", f);
    else
        fprintf(f, ",%.17g", v);
}

static void csv_row(FILE *f, const char *name, const SemioRobustSign *g)
{
    fputs(name, f);
    const double v[9] = { g->f1_mean, g->f1_sd, g->f1_min, g->f1_max, g->f1_range, g->flips,
                          g->kappa, g->consistency, g->full_agreement };
    for (int i = 0; i < 9; i++)
        csv_num(f, v[i]);
    fprintf(f, ",%lld,%lld\n", (long long)g->windows, (long long)g->left_out);
}

static void write_csv(const SemioEval *ev, const SemioRobustness *rb, FILE *f)
{
    fputs("sign,f1_mean,f1_sd,f1_min,f1_max,f1_range,flips,kappa,consistency,full_agreement,"
          "windows,left_out\n", f);
    for (size_t i = 0; i < rb->nsigns; i++)
        csv_row(f, semio_eval_sign(ev, rb->order[i]), &rb->signs[rb->order[i]]);
    csv_row(f, "macro", &rb->macro);
}

static json_object *json_sign(const SemioEval *ev, const SemioRobustness *rb, const char *name,
                              const SemioRobustSign *g, size_t sign)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sign", json_object_new_string(name));
    if (sign != SEMIO_EVAL_ALL_SIGNS) {
        json_object *f1 = json_object_new_object();
        for (size_t k = 0; k < rb->nsets; k++) {
            double v = semio_eval_metrics(ev, rb->runs[k], sign)->value[SEMIO_METRIC_F1];
            json_object_object_add(f1, semio_eval_run_name(ev, rb->runs[k]),
                                   isnan(v) ? NULL : json_object_new_double(v));
        }
        json_object_object_add(o, "f1", f1);
    }
    static const char *const keys[9] = { "f1_mean", "f1_sd", "f1_min", "f1_max", "f1_range",
                                         "flips", "kappa", "consistency", "full_agreement" };
    const double v[9] = { g->f1_mean, g->f1_sd, g->f1_min, g->f1_max, g->f1_range, g->flips,
                          g->kappa, g->consistency, g->full_agreement };
    for (int i = 0; i < 9; i++)
        json_object_object_add(o, keys[i], isnan(v[i]) ? NULL : json_object_new_double(v[i]));
    json_object_object_add(o, "windows", json_object_new_int64(g->windows));
    json_object_object_add(o, "left_out", json_object_new_int64(g->left_out));
    return o;
}

static void write_json(const SemioEval *ev, const SemioRobustness *rb, FILE *f)
{
    json_object *root = json_object_new_object(), *sets = json_object_new_array(),
                *signs = json_object_new_array();
    for (size_t k = 0; k < rb->nsets; k++)
        json_object_array_add(sets, json_object_new_string(semio_eval_run_name(ev, rb->runs[k])));
    for (size_t i = 0; i < rb->nsigns; i++)
        json_object_array_add(signs, json_sign(ev, rb, semio_eval_sign(ev, rb->order[i]),
                                               &rb->signs[rb->order[i]], rb->order[i]));
    json_object_object_add(root, "sets", sets);
    json_object_object_add(root, "rules", json_object_new_string(semio_rules_name(
                                              semio_eval_settings(ev)->rules)));
    json_object_object_add(root, "signs", signs);
    json_object_object_add(root, "macro", json_sign(ev, rb, "macro", &rb->macro,
                                                    SEMIO_EVAL_ALL_SIGNS));
    json_object_object_add(root, "how", json_object_new_string(rule));
    fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE), f);
    fputc('\n', f);
    json_object_put(root);
}

int semio_robustness_write(const SemioEval *ev, const SemioRobustness *rb, SemioTableFormat format,
                           FILE *f, SemioError *err)
{
    switch (format) {
    case SEMIO_TABLE_MARKDOWN: write_markdown(ev, rb, f); break;
    case SEMIO_TABLE_CSV: write_csv(ev, rb, f); break;
    case SEMIO_TABLE_JSON: write_json(ev, rb, f); break;
    default:
        return semio_fail(err, SEMIO_ERR_INVALID, "robustness: the table comes as md, csv or "
                          "json");
    }
    return ferror(f) ? semio_fail(err, SEMIO_ERR_IO, "robustness: write failed") : 0;
}

/* Each sign's F1 from min to max as a bar with its mean as a dot, widest range first. */
static void range_plot(const SemioEval *ev, const SemioRobustness *rb, FILE *f)
{
    int row = 18, left = 190, width = 420, h = 40 + (int)rb->nsigns * row;
    report_html_f1_axis(f, left, width, h, "F1 range across prompt sets");
    for (size_t i = 0; i < rb->nsigns; i++) {
        const SemioRobustSign *g = &rb->signs[rb->order[i]];
        int y = 20 + (int)i * row + row / 2;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", left - 8, y + 4);
        report_html_esc(f, semio_eval_sign(ev, rb->order[i]));
        fputs("</text>", f);
        if (!isnan(g->f1_range)) {
            char c[8];
            report_html_color(0.35, c);
            fprintf(f, "<rect x=\"%ld\" y=\"%d\" width=\"%ld\" height=\"8\" fill=\"%s\" "
                       "opacity=\"0.6\"><title>F1 %.3f to %.3f</title></rect>"
                       "<circle cx=\"%ld\" cy=\"%d\" r=\"3.5\" class=\"dark\"/>",
                    left + lround(width * g->f1_min), y - 4,
                    lround(width * g->f1_max) - lround(width * g->f1_min) + 1, c, g->f1_min,
                    g->f1_max, left + lround(width * g->f1_mean), y);
        }
        fputc('\n', f);
    }
    fputs("</svg>\n", f);
}

static void html_row(FILE *f, const char *name, const SemioRobustSign *g, int macro)
{
    fprintf(f, "<tr%s><td>", macro ? " class=\"macro\"" : "");
    report_html_esc(f, name);
    fputs("</td><td>", f);
    report_html_num(f, g->f1_mean);
    fputs(" &plusmn; ", f);
    report_html_num(f, g->f1_sd);
    const double v[7] = { g->f1_min, g->f1_max, g->f1_range, g->flips, g->kappa,
                          g->consistency, g->full_agreement };
    for (int i = 0; i < 7; i++) {
        fputs("</td><td>", f);
        report_html_num(f, v[i]);
    }
    fprintf(f, "</td><td>%lld</td><td>%lld</td></tr>\n", (long long)g->windows,
            (long long)g->left_out);
}

void report_robustness_html(const SemioEval *ev, const SemioRobustness *rb, FILE *f)
{
    fputs("<h2>Robustness to wording</h2>\n<p class=\"meta\">Prompt sets (runs): ", f);
    for (size_t k = 0; k < rb->nsets; k++) {
        fputs(k ? ", " : "", f);
        report_html_esc(f, semio_eval_run_name(ev, rb->runs[k]));
    }
    fprintf(f, ". %s</p>\n", rule);
    range_plot(ev, rb, f);
    fputs("<table><thead><tr><th>sign</th><th>F1 mean &plusmn; SD</th><th>min</th><th>max</th>"
          "<th>range</th><th>flips</th><th>Fleiss' &kappa;</th><th>consistency</th>"
          "<th>full agreement</th><th>windows</th><th>left out</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < rb->nsigns; i++)
        html_row(f, semio_eval_sign(ev, rb->order[i]), &rb->signs[rb->order[i]], 0);
    html_row(f, "macro", &rb->macro, 1);
    fputs("</tbody></table>\n", f);
}
