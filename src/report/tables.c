/* Evaluation tables: Markdown, CSV, LaTeX, JSON and the pilot study's metrics CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "report/report_internal.h"
#include "semio/report.h"
#include "util/error.h"

static const char *const format_names[] = { "md", "csv", "tex", "json", "pilot-csv" };

int semio_table_format_parse(const char *name, SemioTableFormat *out)
{
    for (int i = 0; name && i < 5; i++)
        if (!strcasecmp(name, format_names[i])) {
            *out = (SemioTableFormat)i;
            return 0;
        }
    if (name && (!strcasecmp(name, "markdown") || !strcasecmp(name, "latex"))) {
        *out = !strcasecmp(name, "latex") ? SEMIO_TABLE_LATEX : SEMIO_TABLE_MARKDOWN;
        return 0;
    }
    return SEMIO_ERR_INVALID;
}

/* Python's repr(round(x, 3)): "0.85", "0.434", "11.0", "nan" (what the pilot wrote). */
const char *report_short3(double x, char buf[32])
{
    if (isnan(x))
        return "nan";
    snprintf(buf, 32, "%.3f", x);
    char *end = buf + strlen(buf) - 1;
    while (end > buf && *end == '0' && end[-1] != '.')
        *end-- = '\0';
    return buf;
}

const char *report_fixed3(double x, char buf[32])
{
    if (isnan(x))
        return "n/a";
    snprintf(buf, 32, "%.3f", x);
    return buf;
}

static void write_pilot_csv(const SemioEval *ev, FILE *f)
{
    static const struct {
        const char *label;
        SemioMetricId m;
    } rows[] = { { "Accuracy", SEMIO_METRIC_ACCURACY }, { "Precision", SEMIO_METRIC_PRECISION },
                 { "Recall", SEMIO_METRIC_RECALL }, { "F1 Score", SEMIO_METRIC_F1 } };
    size_t R = semio_eval_runs(ev), S = semio_eval_signs(ev);
    char b[32];
    fprintf(f, "%sMetric", R > 1 ? "run," : "");
    for (size_t s = 0; s < S; s++)
        fprintf(f, ",%s", semio_eval_sign(ev, s));
    fputc('\n', f);
    for (size_t run = 0; run < R; run++) {
        for (size_t i = 0; i < 5; i++) {
            if (R > 1)
                fprintf(f, "%s,", semio_eval_run_name(ev, run));
            fputs(i < 4 ? rows[i].label : "Positive Num", f);
            for (size_t s = 0; s < S; s++) {
                const SemioMetrics *m = semio_eval_metrics(ev, run, s);
                fprintf(f, ",%s", report_short3(i < 4 ? m->value[rows[i].m]
                                                      : (double)m->positives, b));
            }
            fputc('\n', f);
        }
        report_review_pilot_csv(ev, run, f);
    }
}

static const char *excluded(const SemioMetrics *m, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    const struct {
        int64_t v;
        const char *what;
    } parts[] = { { m->excluded_unknown, "unknown label" }, { m->excluded_failed, "failed" },
                  { m->excluded_na, "na" }, { m->excluded_missing, "no answer" } };
    for (int i = 0; i < 4; i++)
        if (parts[i].v && n < size)
            n += (size_t)snprintf(buf + n, size - n, "%s%lld %s", n ? ", " : "",
                                  (long long)parts[i].v, parts[i].what);
    return n ? buf : "-";
}

static void cell_ci(const SemioEval *ev, size_t run, size_t s, SemioMetricId m, char *out,
                    size_t size)
{
    const SemioMetrics *mm = semio_eval_metrics(ev, run, s);
    const SemioInterval *ci = semio_eval_interval(ev, run, s, m);
    char a[32], b[32], c[32];
    if (ci->defined)
        snprintf(out, size, "%s [%s, %s]", report_fixed3(mm->value[m], a), report_fixed3(ci->lo, b),
                 report_fixed3(ci->hi, c));
    else
        snprintf(out, size, "%s", report_fixed3(mm->value[m], a));
}

static void describe(const SemioEval *ev, FILE *f, const char *prefix)
{
    const SemioEvalSettings *s = semio_eval_settings(ev);
    fprintf(f, "%srules: %s; ", prefix, semio_rules_name(s->rules));
    if (s->resamples)
        fprintf(f, "%.0f%% CI: bootstrap over %zu patients, %d resamples, seed %llu\n",
                s->level * 100, semio_eval_patients(ev), s->resamples,
                (unsigned long long)s->seed);
    else
        fprintf(f, "no confidence intervals (0 resamples)\n");
}

static int best_run(const SemioEval *ev, size_t s, double *best)
{
    *best = -INFINITY;
    for (size_t r = 0; r < semio_eval_runs(ev); r++) {
        double v = semio_eval_metrics(ev, r, s)->value[SEMIO_METRIC_F1];
        if (!isnan(v) && v > *best)
            *best = v;
    }
    return *best > -INFINITY;
}

static int any_raters(const SemioEval *ev)
{
    for (size_t s = 0; s < semio_eval_signs(ev); s++)
        if (semio_eval_agreement(ev, s, NULL, NULL) >= 2)
            return 1;
    return 0;
}

int report_visual_wins(const SemioEval *ev, size_t a, size_t b, int *better, int *sure)
{
    int visual = 0;
    *better = *sure = 0;
    for (size_t s = 0; s < semio_eval_signs(ev); s++) {
        SemioComparison cmp;
        if (!strcmp(semio_eval_sign_group(ev, s), "audio") ||
            semio_eval_compare(ev, a, b, s, &cmp, NULL) < 0 || isnan(cmp.delta_f1))
            continue;
        visual++;
        *better += cmp.delta_f1 > 0;
        *sure += cmp.delta_ci.defined && cmp.delta_ci.lo > 0;
    }
    return visual;
}

size_t report_pairs(const SemioEval *ev, size_t *a, size_t *b, size_t max)
{
    size_t R = semio_eval_runs(ev), n = 0, named = 0;
    for (size_t run = 0; run < R; run++)
        named += !semio_eval_run_derived(ev, run);
    *a = 0;
    for (size_t run = 1; run < R && n < max; run++)
        if (named < 2 || !semio_eval_run_derived(ev, run))
            b[n++] = run;
    return n;
}

/* The paired table and summary line of runs a and b. */
static void markdown_pair(const SemioEval *ev, size_t a, size_t b, FILE *f)
{
    const char *na = semio_eval_run_name(ev, a), *nb = semio_eval_run_name(ev, b);
    fprintf(f, "\n### %s vs %s (paired)\n\n| sign | F1 change [CI] | only %s right | "
               "only %s right | McNemar p |\n|---|---|---:|---:|---:|\n", nb, na, na, nb);
    for (size_t s = 0; s < semio_eval_signs(ev); s++) {
        SemioComparison cmp;
        if (semio_eval_compare(ev, a, b, s, &cmp, NULL) < 0)
            continue;
        fprintf(f, "| %s | %+.3f", semio_eval_sign(ev, s), cmp.delta_f1);
        if (cmp.delta_ci.defined)
            fprintf(f, " [%+.3f, %+.3f]", cmp.delta_ci.lo, cmp.delta_ci.hi);
        fprintf(f, " | %lld | %lld | %.4g |\n", (long long)cmp.a_only, (long long)cmp.b_only,
                cmp.mcnemar_p);
    }
    int better, sure, visual = report_visual_wins(ev, a, b, &better, &sure);
    fprintf(f, "\n%s beats %s on %d of %d visual signs (%d with an interval above zero).\n", nb,
            na, better, visual, sure);
}

static void write_markdown(const SemioEval *ev, FILE *f)
{
    size_t R = semio_eval_runs(ev), S = semio_eval_signs(ev), G = semio_eval_groups(ev);
    char a[32], b[32], c[32], d[32], e[32], k[32], ex[160], f1[128];
    describe(ev, f, "");
    if (any_raters(ev)) {
        fprintf(f, "\n### Agreement among raters (labels are the majority)\n\n"
                   "| sign | raters | Fleiss' kappa | ties (label unknown) |\n|---|---:|---:|---:|\n");
        for (size_t s = 0; s < S; s++) {
            double kappa;
            int ties, n = semio_eval_agreement(ev, s, &kappa, &ties);
            if (n >= 2)
                fprintf(f, "| %s | %d | %s | %d |\n", semio_eval_sign(ev, s), n,
                        report_fixed3(kappa, a), ties);
        }
    }
    for (size_t run = 0; run < R; run++) {
        fprintf(f, "\n### %s\n\n%s\n\n", semio_eval_run_name(ev, run),
                semio_eval_run_provenance(ev, run));
        fprintf(f, "| sign | group | n | yes | accuracy | precision | recall | F1 [CI] | "
                   "specificity | bal. acc. | kappa | left out |\n"
                   "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
        for (size_t s = 0; s < S; s++) {
            const SemioMetrics *m = semio_eval_metrics(ev, run, s);
            cell_ci(ev, run, s, SEMIO_METRIC_F1, f1, sizeof(f1));
            fprintf(f, "| %s%s | %s | %lld | %lld | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                    semio_eval_sign(ev, s), m->averaged ? " (macro)" : "",
                    semio_eval_sign_group(ev, s), (long long)m->support,
                    (long long)m->positives, report_fixed3(m->value[SEMIO_METRIC_ACCURACY], a),
                    report_fixed3(m->value[SEMIO_METRIC_PRECISION], b),
                    report_fixed3(m->value[SEMIO_METRIC_RECALL], c), f1,
                    report_fixed3(m->value[SEMIO_METRIC_SPECIFICITY], d),
                    report_fixed3(m->value[SEMIO_METRIC_BALANCED_ACCURACY], e),
                    report_fixed3(m->value[SEMIO_METRIC_KAPPA], k), excluded(m, ex, sizeof(ex)));
        }
        for (size_t g = 0; g < G; g++) {
            SemioInterval ci;
            double v = semio_eval_macro(ev, run, g, SEMIO_METRIC_F1, &ci);
            fprintf(f, "| **macro %s** | | | | %s | %s | %s | %s", semio_eval_group(ev, g),
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_ACCURACY, NULL), a),
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_PRECISION, NULL), b),
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_RECALL, NULL), c),
                    report_fixed3(v, d));
            if (ci.defined)
                fprintf(f, " [%s, %s]", report_fixed3(ci.lo, a), report_fixed3(ci.hi, b));
            fprintf(f, " | %s | %s | %s | |\n",
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_SPECIFICITY, NULL), a),
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_BALANCED_ACCURACY,
                                                   NULL), b),
                    report_fixed3(semio_eval_macro(ev, run, g, SEMIO_METRIC_KAPPA, NULL), c));
        }
    }
    if (R < 2)
        return;
    fprintf(f, "\n### F1 by run (best per sign in bold)\n\n| sign |");
    for (size_t run = 0; run < R; run++)
        fprintf(f, " %s |", semio_eval_run_name(ev, run));
    fprintf(f, "\n|---|");
    for (size_t run = 0; run < R; run++)
        fprintf(f, "---|");
    fputc('\n', f);
    for (size_t s = 0; s < S; s++) {
        double best;
        int any = best_run(ev, s, &best);
        fprintf(f, "| %s |", semio_eval_sign(ev, s));
        for (size_t run = 0; run < R; run++) {
            int bold = any && semio_eval_metrics(ev, run, s)->value[SEMIO_METRIC_F1] == best;
            cell_ci(ev, run, s, SEMIO_METRIC_F1, f1, sizeof(f1));
            fprintf(f, " %s%s%s |", bold ? "**" : "", f1, bold ? "**" : "");
        }
        fputc('\n', f);
    }
    size_t base, bs[64], n = report_pairs(ev, &base, bs, 64);
    for (size_t i = 0; i < n; i++)
        markdown_pair(ev, base, bs[i], f);
}

static void write_csv(const SemioEval *ev, FILE *f)
{
    fprintf(f, "run,sign,group,metric,value,ci_lo,ci_hi,support,positives,left_out_unknown,"
               "left_out_failed,left_out_na,left_out_missing,macro_over_classes\n");
    for (size_t run = 0; run < semio_eval_runs(ev); run++) {
        for (size_t s = 0; s < semio_eval_signs(ev); s++) {
            const SemioMetrics *m = semio_eval_metrics(ev, run, s);
            for (int k = 0; k < SEMIO_METRIC_COUNT; k++) {
                const SemioInterval *ci = semio_eval_interval(ev, run, s, (SemioMetricId)k);
                fprintf(f, "%s,%s,%s,%s,%.17g,%.17g,%.17g,%lld,%lld,%lld,%lld,%lld,%lld,%d\n",
                        semio_eval_run_name(ev, run), semio_eval_sign(ev, s),
                        semio_eval_sign_group(ev, s), semio_metric_name((SemioMetricId)k),
                        m->value[k], ci->lo, ci->hi, (long long)m->support,
                        (long long)m->positives, (long long)m->excluded_unknown,
                        (long long)m->excluded_failed, (long long)m->excluded_na,
                        (long long)m->excluded_missing, m->averaged);
            }
        }
        for (size_t g = 0; g < semio_eval_groups(ev); g++)
            for (int k = 0; k < SEMIO_METRIC_COUNT; k++) {
                SemioInterval ci;
                double v = semio_eval_macro(ev, run, g, (SemioMetricId)k, &ci);
                fprintf(f, "%s,macro,%s,%s,%.17g,%.17g,%.17g,,,,,,,\n",
                        semio_eval_run_name(ev, run), semio_eval_group(ev, g),
                        semio_metric_name((SemioMetricId)k), v, ci.lo, ci.hi);
            }
    }
}

void report_tex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("_&%$#{}", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void write_latex(const SemioEval *ev, FILE *f)
{
    size_t R = semio_eval_runs(ev), S = semio_eval_signs(ev);
    char a[32], b[32], c[32];
    fprintf(f, "%% semio eval: F1 per sign and run, 95%% bootstrap CI; best per row in bold\n");
    describe(ev, f, "% ");
    fprintf(f, "\\begin{tabular}{l");
    for (size_t r = 0; r < R; r++)
        fputc('c', f);
    fprintf(f, "}\n\\toprule\nSign");
    for (size_t r = 0; r < R; r++) {
        fputs(" & ", f);
        report_tex_escape(f, semio_eval_run_name(ev, r));
    }
    fprintf(f, " \\\\\n\\midrule\n");
    for (size_t s = 0; s < S; s++) {
        double best;
        int any = best_run(ev, s, &best);
        report_tex_escape(f, semio_eval_sign(ev, s));
        for (size_t r = 0; r < R; r++) {
            const SemioMetrics *m = semio_eval_metrics(ev, r, s);
            const SemioInterval *ci = semio_eval_interval(ev, r, s, SEMIO_METRIC_F1);
            int bold = any && m->value[SEMIO_METRIC_F1] == best;
            fprintf(f, " & %s%s", bold ? "\\textbf{" : "",
                    report_fixed3(m->value[SEMIO_METRIC_F1], a));
            if (ci->defined)
                fprintf(f, " {\\scriptsize [%s, %s]}", report_fixed3(ci->lo, b),
                        report_fixed3(ci->hi, c));
            fputs(bold ? "}" : "", f);
        }
        fprintf(f, " \\\\\n");
    }
    fprintf(f, "\\midrule\nMacro");
    for (size_t r = 0; r < R; r++)
        fprintf(f, " & %s", report_fixed3(semio_eval_macro(ev, r, 0, SEMIO_METRIC_F1, NULL), a));
    fprintf(f, " \\\\\n\\bottomrule\n\\end{tabular}\n");
}

static json_object *num(double v)
{
    return isnan(v) ? NULL : json_object_new_double(v);
}

json_object *report_json_metric(double v, const SemioInterval *ci)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "value", num(v));
    if (ci && ci->defined) {
        json_object *a = json_object_new_array();
        json_object_array_add(a, num(ci->lo));
        json_object_array_add(a, num(ci->hi));
        json_object_object_add(o, "ci", a);
    }
    return o;
}

/* The paired summaries' counts (report_pairs), for scripts. */
static json_object *json_comparisons(const SemioEval *ev)
{
    json_object *all = json_object_new_array();
    size_t a, bs[64], n = report_pairs(ev, &a, bs, 64);
    for (size_t i = 0; i < n; i++) {
        size_t b = bs[i];
        int better, sure, visual = report_visual_wins(ev, a, b, &better, &sure);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "a", json_object_new_string(semio_eval_run_name(ev, a)));
        json_object_object_add(o, "b", json_object_new_string(semio_eval_run_name(ev, b)));
        json_object_object_add(o, "visual_signs", json_object_new_int(visual));
        json_object_object_add(o, "b_better", json_object_new_int(better));
        json_object_object_add(o, "b_better_ci_above_zero", json_object_new_int(sure));
        json_object_array_add(all, o);
    }
    return all;
}

static void write_json(const SemioEval *ev, FILE *f)
{
    const SemioEvalSettings *set = semio_eval_settings(ev);
    json_object *root = json_object_new_object(), *runs = json_object_new_array();
    json_object_object_add(root, "rules", json_object_new_string(semio_rules_name(set->rules)));
    json_object_object_add(root, "resamples", json_object_new_int(set->resamples));
    json_object_object_add(root, "seed", json_object_new_int64((int64_t)set->seed));
    json_object_object_add(root, "level", json_object_new_double(set->level));
    json_object_object_add(root, "patients", json_object_new_int64((int64_t)semio_eval_patients(ev)));
    for (size_t r = 0; r < semio_eval_runs(ev); r++) {
        json_object *run = json_object_new_object(), *signs = json_object_new_array();
        json_object_object_add(run, "name", json_object_new_string(semio_eval_run_name(ev, r)));
        json_object_object_add(run, "provenance",
                               json_object_new_string(semio_eval_run_provenance(ev, r)));
        for (size_t s = 0; s < semio_eval_signs(ev); s++) {
            const SemioMetrics *m = semio_eval_metrics(ev, r, s);
            json_object *o = json_object_new_object(), *mo = json_object_new_object();
            json_object_object_add(o, "sign", json_object_new_string(semio_eval_sign(ev, s)));
            json_object_object_add(o, "group", json_object_new_string(semio_eval_sign_group(ev, s)));
            json_object_object_add(o, "support", json_object_new_int64(m->support));
            json_object_object_add(o, "positives", json_object_new_int64(m->positives));
            json_object_object_add(o, "tp", json_object_new_int64(m->tp));
            json_object_object_add(o, "fp", json_object_new_int64(m->fp));
            json_object_object_add(o, "tn", json_object_new_int64(m->tn));
            json_object_object_add(o, "fn", json_object_new_int64(m->fn));
            json_object_object_add(o, "na_answers", json_object_new_int64(m->na_answers));
            json_object_object_add(o, "left_out_unknown", json_object_new_int64(m->excluded_unknown));
            json_object_object_add(o, "left_out_failed", json_object_new_int64(m->excluded_failed));
            json_object_object_add(o, "left_out_na", json_object_new_int64(m->excluded_na));
            json_object_object_add(o, "left_out_missing", json_object_new_int64(m->excluded_missing));
            json_object_object_add(o, "macro_over_classes", json_object_new_boolean(m->averaged));
            for (int k = 0; k < SEMIO_METRIC_COUNT; k++)
                json_object_object_add(mo, semio_metric_name((SemioMetricId)k),
                                       report_json_metric(m->value[k],
                                                  semio_eval_interval(ev, r, s, (SemioMetricId)k)));
            json_object_object_add(o, "metrics", mo);
            json_object_array_add(signs, o);
        }
        json_object_object_add(run, "signs", signs);
        json_object *macro = json_object_new_object();
        for (size_t g = 0; g < semio_eval_groups(ev); g++) {
            json_object *mo = json_object_new_object();
            for (int k = 0; k < SEMIO_METRIC_COUNT; k++) {
                SemioInterval ci;
                double v = semio_eval_macro(ev, r, g, (SemioMetricId)k, &ci);
                json_object_object_add(mo, semio_metric_name((SemioMetricId)k),
                                       report_json_metric(v, &ci));
            }
            json_object_object_add(macro, semio_eval_group(ev, g), mo);
        }
        json_object_object_add(run, "macro", macro);
        json_object_array_add(runs, run);
    }
    json_object_object_add(root, "runs", runs);
    json_object_object_add(root, "comparisons", json_comparisons(ev));
    json_object *agree = json_object_new_array();
    for (size_t s = 0; s < semio_eval_signs(ev); s++) {
        double kappa;
        int ties, n = semio_eval_agreement(ev, s, &kappa, &ties);
        if (n < 2)
            continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "sign", json_object_new_string(semio_eval_sign(ev, s)));
        json_object_object_add(o, "raters", json_object_new_int(n));
        json_object_object_add(o, "fleiss_kappa", num(kappa));
        json_object_object_add(o, "ties", json_object_new_int(ties));
        json_object_array_add(agree, o);
    }
    json_object_object_add(root, "agreement", agree);
    report_review_json(ev, root);
    fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE), f);
    fputc('\n', f);
    json_object_put(root);
}

int semio_eval_write(const SemioEval *ev, SemioTableFormat format, FILE *out, SemioError *err)
{
    if (!semio_eval_metrics(ev, 0, 0) && semio_eval_runs(ev))
        return semio_fail(err, SEMIO_ERR_INVALID, "eval: compute before writing tables");
    switch (format) {
    case SEMIO_TABLE_MARKDOWN:
        write_markdown(ev, out);
        report_review_markdown(ev, out);
        break;
    case SEMIO_TABLE_CSV:
        write_csv(ev, out);
        report_review_csv(ev, out);
        break;
    case SEMIO_TABLE_LATEX:
        write_latex(ev, out);
        report_review_latex(ev, out);
        break;
    case SEMIO_TABLE_JSON: write_json(ev, out); break;
    case SEMIO_TABLE_PILOT_CSV: write_pilot_csv(ev, out); break;
    default: return semio_fail(err, SEMIO_ERR_INVALID, "unknown table format");
    }
    if (ferror(out))
        return semio_fail(err, SEMIO_ERR_IO, "cannot write the tables: %s", strerror(errno));
    return 0;
}
