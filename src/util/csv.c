/* CSV tables through libcsv: the label files and published predictions, and the fields
 * of the CSV files semio writes. */
#include <ctype.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/csv.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct Builder {
    SemioCsv *csv;
    SemioCsvRow cur;
    size_t cap_rows, cap_fields;
    int nomem;
} Builder;

static void on_field(void *data, size_t len, void *user)
{
    Builder *b = user;
    if (b->nomem)
        return;
    if (b->cur.nfields == b->cap_fields) {
        size_t cap = b->cap_fields ? 2 * b->cap_fields : 16;
        char **f = realloc(b->cur.fields, cap * sizeof(char *));
        if (!f) {
            b->nomem = 1;
            return;
        }
        b->cur.fields = f;
        b->cap_fields = cap;
    }
    char *s = malloc(len + 1);
    if (!s) {
        b->nomem = 1;
        return;
    }
    memcpy(s, data, len);
    s[len] = '\0';
    b->cur.fields[b->cur.nfields++] = s;
}

static void free_row(SemioCsvRow *r)
{
    for (size_t i = 0; i < r->nfields; i++)
        free(r->fields[i]);
    free(r->fields);
    memset(r, 0, sizeof(*r));
}

static void on_row(int c, void *user)
{
    Builder *b = user;
    int blank = b->cur.nfields == 1 && b->cur.fields[0][0] == '\0';
    if (b->nomem || blank) {
        free_row(&b->cur);
        b->cap_fields = 0;
        return;
    }
    SemioCsv *csv = b->csv;
    if (csv->nrows == b->cap_rows) {
        size_t cap = b->cap_rows ? 2 * b->cap_rows : 64;
        SemioCsvRow *r = realloc(csv->rows, cap * sizeof(*r));
        if (!r) {
            b->nomem = 1;
            free_row(&b->cur);
            return;
        }
        csv->rows = r;
        b->cap_rows = cap;
    }
    csv->rows[csv->nrows++] = b->cur;
    memset(&b->cur, 0, sizeof(b->cur));
    b->cap_fields = 0;
}

int semio_csv_read(const char *path, SemioCsv *csv, SemioError *err)
{
    memset(csv, 0, sizeof(*csv));
    char *text;
    size_t len;
    int r = semio_read_file(path, &text, &len, err);
    if (r < 0)
        return r;
    const char *p = text;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
        p += 3;
        len -= 3;
    }
    if (memchr(p, '\0', len)) {
        free(text);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: binary data, not a CSV text file", path);
    }
    struct csv_parser parser;
    Builder b = { .csv = csv };
    /* Strict: a stray quote is an error to report, not data to guess at. */
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    size_t done = csv_parse(&parser, p, len, on_field, on_row, &b);
    int perr = done != len ? csv_error(&parser) : 0;
    if (!perr && csv_fini(&parser, on_field, on_row, &b) != 0)
        perr = csv_error(&parser);
    csv_free(&parser);
    free_row(&b.cur);
    size_t line = 1;
    for (size_t i = 0; perr && i < done && i < len; i++)
        line += p[i] == '\n';
    free(text);
    if (perr) {
        semio_csv_free(csv);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not valid CSV near line %zu: %s", path,
                          line, csv_strerror(perr));
    }
    if (b.nomem) {
        semio_csv_free(csv);
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", path);
    }
    if (csv->nrows == 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: empty file, no header row", path);
    for (size_t i = 1; i < csv->nrows; i++) {
        if (csv->rows[i].nfields != csv->rows[0].nfields) {
            r = semio_fail(err, SEMIO_ERR_FORMAT,
                           "%s: data row %zu has %zu fields but the header has %zu", path, i,
                           csv->rows[i].nfields, csv->rows[0].nfields);
            semio_csv_free(csv);
            return r;
        }
    }
    return 0;
}

void semio_csv_free(SemioCsv *csv)
{
    for (size_t i = 0; i < csv->nrows; i++)
        free_row(&csv->rows[i]);
    free(csv->rows);
    memset(csv, 0, sizeof(*csv));
}

char *semio_trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
    return s;
}

int semio_csv_column(const SemioCsv *csv, const char *name)
{
    const SemioCsvRow *h = &csv->rows[0];
    for (size_t i = 0; i < h->nfields; i++)
        if (!strcasecmp(h->fields[i], name))
            return (int)i;
    return -1;
}

void semio_csv_write_field(FILE *f, const char *text, int first)
{
    if (!first)
        fputc(',', f);
    if (!text)
        return;
    size_t n = strlen(text);
    if (strpbrk(text, ",\"\r\n") || (n && (text[0] == ' ' || text[n - 1] == ' ')))
        csv_fwrite(f, text, n);
    else
        fputs(text, f);
}
