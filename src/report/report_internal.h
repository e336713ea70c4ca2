/*
 * What the report's files share: number formats, escapes and colors (tables.c, html.c),
 * and the tables and page section of what raters said (review.c), which the writers of
 * each format call after their own tables.
 */
#ifndef SEMIO_REPORT_INTERNAL_H
#define SEMIO_REPORT_INTERNAL_H

#include <stdio.h>

#include <json-c/json.h>

#include "semio/report.h"

/* Python's repr(round(x, 3)) as the pilot wrote it ("0.85", "nan"); "%.3f" or "n/a". */
const char *report_short3(double x, char buf[32]);
const char *report_fixed3(double x, char buf[32]);
void report_tex_escape(FILE *f, const char *s);
/* {"value": v, "ci": [lo, hi]} (the interval where defined; null for NaN) */
json_object *report_json_metric(double v, const SemioInterval *ci);

/*
 * The paired comparison's summary: of the visual signs (group not "audio") whose F1 change
 * from run a to run b is defined, how many b improves (*better) and how many with the
 * change's interval above zero (*sure); returns how many signs there are.
 */
int report_visual_wins(const SemioEval *ev, size_t a, size_t b, int *better, int *sure);

/*
 * The runs a report compares, each against the first (*a): every later run the user named,
 * the ones derived from P(yes) aside (comparing "R" with "R P>=0.5" says nothing about two
 * systems); with one named run, its derived runs. Returns how many go into b[0..max).
 */
size_t report_pairs(const SemioEval *ev, size_t *a, size_t *b, size_t max);

void report_html_esc(FILE *f, const char *s);
void report_html_num(FILE *f, double v);
/* An SVG plot's opening (named `label` for screen readers) and its F1 axis from 0 to 1 along
 * the top, over `width` pixels from `left`, with grid lines down to `height` - 10. */
void report_html_f1_axis(FILE *f, int left, int width, int height, const char *label);
/* A perceptually ordered scale (viridis) from 0 to 1, as "#rrggbb". */
void report_html_color(double v, char out[8]);

/* The HTML section on robustness to wording: the F1 range plot and the table. */
void report_robustness_html(const SemioEval *ev, const SemioRobustness *rb, FILE *f);

/* Whether the evaluation holds ratings or onsets: without, every writer is as before. */
int report_has_ratings(const SemioEval *ev);
int report_has_onsets(const SemioEval *ev);

void report_review_markdown(const SemioEval *ev, FILE *f);
void report_review_csv(const SemioEval *ev, FILE *f);
void report_review_latex(const SemioEval *ev, FILE *f);
void report_review_json(const SemioEval *ev, json_object *root);
/* The pilot's layout (rows = measures, columns = signs) for one run's ratings. */
void report_review_pilot_csv(const SemioEval *ev, size_t run, FILE *f);
void report_review_html(const SemioEval *ev, FILE *f);

#endif
