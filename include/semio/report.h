/*
 * Reports of an evaluation (semio/eval.h): its tables in Markdown, CSV, LaTeX, JSON or the
 * pilot's metrics CSV, and one self-contained HTML page.
 */
#ifndef SEMIO_REPORT_H
#define SEMIO_REPORT_H

#include <stdio.h>

#include "semio/common.h"
#include "semio/eval.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum SemioTableFormat {
    SEMIO_TABLE_MARKDOWN,
    SEMIO_TABLE_CSV,
    SEMIO_TABLE_LATEX,
    SEMIO_TABLE_JSON,
    SEMIO_TABLE_PILOT_CSV, /**< the pilot's metrics CSV: rows = metrics, columns = signs */
} SemioTableFormat;

/** Parses md, csv, tex, json, pilot-csv (markdown, latex) into *out; SEMIO_ERR_INVALID otherwise. */
SEMIO_API int semio_table_format_parse(const char *name, SemioTableFormat *out);

/** Writes the evaluation's tables (after compute). */
SEMIO_API int semio_eval_write(const SemioEval *ev, SemioTableFormat format, FILE *out, SemioError *err);

/**
 * Writes the evaluation as one self-contained HTML page (inline CSS and SVG, no
 * scripts or network): tables, an F1 heatmap of signs x runs, F1 bars with their
 * intervals, confusion counts and each run's provenance.
 */
SEMIO_API int semio_report_html(const SemioEval *ev, const char *title, FILE *out, SemioError *err);

/**
 * Robustness to wording (semio_robustness_compute) as a table per sign, most sensitive
 * first, with the macro row: md, csv or json.
 */
SEMIO_API int semio_robustness_write(const SemioEval *ev, const SemioRobustness *rb,
                                     SemioTableFormat format, FILE *out, SemioError *err);

/** semio_report_html with a section on robustness to wording (its table and a plot of each
 *  sign's F1 range); rb NULL gives the plain report. */
SEMIO_API int semio_report_html_robustness(const SemioEval *ev, const SemioRobustness *rb,
                                           const char *title, FILE *out, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
