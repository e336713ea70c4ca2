/*
 * Label files in the pilot study's CSV layout: which column is what, and every cell
 * checked before anything is stored or scored. Shared by ingest and eval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/cells.h"
#include "formats/label_csv.h"
#include "util/error.h"

const SemioSign *semio_label_rater_sign(const SemioSignSet *signs, const char *column)
{
    const char *at = strchr(column, '@');
    if (!at || at == column || !at[1] || (size_t)(at - column) >= 64)
        return NULL;
    char id[64];
    snprintf(id, sizeof(id), "%.*s", (int)(at - column), column);
    return semio_signs_find(signs, id);
}

static int classify(const SemioCsv *csv, const SemioSignSet *signs, SemioLabelColumn *kind,
                    const char *path, int *sign_columns, SemioError *err)
{
    const SemioCsvRow *h = &csv->rows[0];
    int file_col = -1;
    for (size_t i = 0; i < h->nfields; i++) {
        char *name = semio_trim(h->fields[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcasecmp(name, h->fields[j]))
                return semio_fail(err, SEMIO_ERR_FORMAT, "%s: column '%s' appears twice", path,
                                  name);
        if (!strcasecmp(name, "file_name")) {
            kind[i] = SEMIO_COL_FILE;
            file_col = (int)i;
        } else if (semio_signs_find(signs, name)) {
            kind[i] = SEMIO_COL_SIGN;
            (*sign_columns)++;
        } else if (semio_label_rater_sign(signs, name)) {
            kind[i] = SEMIO_COL_RATER;
            (*sign_columns)++;
        } else if (!strcasecmp(name, "start_time")) {
            kind[i] = SEMIO_COL_START;
        } else if (!strcasecmp(name, "end_time")) {
            kind[i] = SEMIO_COL_END;
        } else {
            kind[i] = SEMIO_COL_OTHER;
        }
    }
    if (file_col < 0)
        return semio_fail(err, SEMIO_ERR_FORMAT,
                          "%s: no file_name column; the header must name the recording of each "
                          "row in a column called file_name", path);
    return 0;
}

static int check_rows(const SemioCsv *csv, const SemioLabelColumn *kind, const char *path,
                      SemioError *err)
{
    const SemioCsvRow *h = &csv->rows[0];
    int file_col = 0;
    while (kind[file_col] != SEMIO_COL_FILE)
        file_col++;
    for (size_t r = 1; r < csv->nrows; r++) {
        char *name = semio_trim(csv->rows[r].fields[file_col]);
        if (!name[0])
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: data row %zu has an empty file_name",
                              path, r);
        if (strchr(name, '/'))
            return semio_fail(err, SEMIO_ERR_FORMAT,
                              "%s: data row %zu: file_name '%s' must be a file name, not a path",
                              path, r, name);
        for (size_t q = 1; q < r; q++)
            if (!strcmp(name, csv->rows[q].fields[file_col]))
                return semio_fail(err, SEMIO_ERR_FORMAT,
                                  "%s: data rows %zu and %zu both label %s", path, q, r, name);
        for (size_t c = 0; c < h->nfields; c++) {
            const char *cell = csv->rows[r].fields[c];
            int v;
            double t;
            if ((kind[c] == SEMIO_COL_SIGN || kind[c] == SEMIO_COL_RATER) &&
                semio_parse_yes_no(cell, &v) < 0)
                return semio_fail(err, SEMIO_ERR_FORMAT,
                                  "%s: data row %zu (%s), column %s: '%s' is not yes, no or "
                                  "empty", path, r, name, h->fields[c], cell);
            if ((kind[c] == SEMIO_COL_START || kind[c] == SEMIO_COL_END) && *semio_trim(csv->rows[r].fields[c]) &&
                semio_parse_clock(cell, &t) < 0)
                return semio_fail(err, SEMIO_ERR_FORMAT,
                                  "%s: data row %zu (%s), column %s: '%s' is not a time "
                                  "(M:SS, H:MM:SS or seconds)", path, r, name, h->fields[c], cell);
        }
    }
    return 0;
}

int semio_label_csv_load(SemioLabelCsv *lc, const char *path, const SemioSignSet *signs,
                         SemioError *err)
{
    memset(lc, 0, sizeof(*lc));
    int r = semio_csv_read(path, &lc->csv, err);
    if (r < 0)
        return r;
    if (!(lc->kind = calloc(lc->csv.rows[0].nfields, sizeof(*lc->kind)))) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((r = classify(&lc->csv, signs, lc->kind, path, &lc->sign_columns, err)) < 0 ||
        (r = check_rows(&lc->csv, lc->kind, path, err)) < 0)
        goto fail;
    if (lc->sign_columns == 0 && semio_csv_column(&lc->csv, "start_time") < 0) {
        r = semio_fail(err, SEMIO_ERR_FORMAT,
                       "%s: no sign columns (such as tonic, clonic, figure4) and no start_time: "
                       "nothing to ingest", path);
        goto fail;
    }
    while (lc->kind[lc->file_col] != SEMIO_COL_FILE)
        lc->file_col++;
    return 0;
fail:
    semio_label_csv_free(lc);
    return r;
}

void semio_label_csv_free(SemioLabelCsv *lc)
{
    semio_csv_free(&lc->csv);
    free(lc->kind);
    memset(lc, 0, sizeof(*lc));
}
