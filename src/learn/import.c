/*
 * Features made elsewhere (set import): a CSV of file_name, start, end and one column per
 * feature, read and checked whole before anything is matched or stored, so a bad file is
 * one clear error naming its line and nothing else happens.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "learn/features.h"
#include "util/csv.h"
#include "util/error.h"

void learn_import_free(LearnImport *im)
{
    for (size_t i = 0; im->column && i < im->ncols; i++)
        free(im->column[i]);
    for (size_t i = 0; im->file_name && i < im->nrows; i++)
        free(im->file_name[i]);
    free(im->column);
    free(im->file_name);
    free(im->start);
    free(im->end);
    free(im->x);
    free(im->line);
    memset(im, 0, sizeof(*im));
}

/* A number, or NaN for an empty cell (missing); -1 for anything else. */
static int number(char *text, int empty_ok, double *out)
{
    char *t = semio_trim(text), *end;
    if (!*t) {
        *out = NAN;
        return empty_ok ? 0 : -1;
    }
    errno = 0;
    *out = strtod(t, &end);
    return *end || errno || !isfinite(*out) ? -1 : 0;
}

static int check_header(const char *path, const SemioCsv *csv, SemioError *err)
{
    static const char *need[3] = { "file_name", "start", "end" };
    const SemioCsvRow *h = &csv->rows[0];
    for (int i = 0; i < 3; i++)
        if (h->nfields <= (size_t)i || strcasecmp(semio_trim(h->fields[i]), need[i]))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line 1: column %d must be '%s' (the "
                              "columns are file_name, start, end, then one per feature)",
                              path, i + 1, need[i]);
    if (h->nfields < 4)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line 1: no feature column after "
                          "file_name, start, end", path);
    for (size_t i = 3; i < h->nfields; i++) {
        if (!*semio_trim(h->fields[i]))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line 1: column %zu has no name",
                              path, i + 1);
        for (size_t j = 3; j < i; j++)
            if (!strcmp(h->fields[i], h->fields[j]))
                return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line 1: column '%s' twice",
                                  path, h->fields[i]);
    }
    return 0;
}

/* One data row (row >= 1, on line row + 1: the header is line 1). */
static int read_row(const char *path, SemioCsvRow *row, size_t i, LearnImport *im,
                    SemioError *err)
{
    size_t line = i + 2;
    im->line[i] = line;
    const char *name = semio_trim(row->fields[0]);
    if (!*name)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line %zu: no file_name", path, line);
    if (!(im->file_name[i] = strdup(name)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (number(row->fields[1], 0, &im->start[i]) < 0 || number(row->fields[2], 0, &im->end[i]) < 0
        || !(im->end[i] > im->start[i]))
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line %zu: start '%s' and end '%s' must be "
                          "seconds with start before end", path, line, row->fields[1],
                          row->fields[2]);
    for (size_t c = 0; c < im->ncols; c++)
        if (number(row->fields[3 + c], 1, &im->x[i * im->ncols + c]) < 0)
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: line %zu, column %s: '%s' is not a "
                              "number (leave the cell empty for a missing value)", path, line,
                              im->column[c], row->fields[3 + c]);
    return 0;
}

int learn_import_read(const char *path, LearnImport *im, SemioError *err)
{
    memset(im, 0, sizeof(*im));
    SemioCsv csv;
    int r = semio_csv_read(path, &csv, err);
    if (r < 0)
        return r;
    if (csv.nrows < 2)
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: no data rows", path);
    if (r == 0)
        r = check_header(path, &csv, err);
    if (r == 0) {
        im->ncols = csv.rows[0].nfields - 3;
        im->nrows = csv.nrows - 1;
        im->column = calloc(im->ncols, sizeof(char *));
        im->file_name = calloc(im->nrows, sizeof(char *));
        im->start = calloc(im->nrows, sizeof(double));
        im->end = calloc(im->nrows, sizeof(double));
        im->line = calloc(im->nrows, sizeof(size_t));
        im->x = calloc(im->nrows * im->ncols, sizeof(double));
        if (!im->column || !im->file_name || !im->start || !im->end || !im->line || !im->x)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t c = 0; r == 0 && c < im->ncols; c++)
        if (!(im->column[c] = strdup(semio_trim(csv.rows[0].fields[3 + c]))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; r == 0 && i < im->nrows; i++)
        r = read_row(path, &csv.rows[i + 1], i, im, err);
    semio_csv_free(&csv);
    if (r < 0)
        learn_import_free(im);
    return r;
}
