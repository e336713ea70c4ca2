/* Reading a whole CSV file (libcsv) into rows of strings, header first. */
#ifndef SEMIO_UTIL_CSV_H
#define SEMIO_UTIL_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "semio/common.h"

typedef struct SemioCsvRow {
    char **fields;
    size_t nfields;
} SemioCsvRow;

typedef struct SemioCsv {
    SemioCsvRow *rows; /* rows[0] is the header */
    size_t nrows;
} SemioCsv;

/**
 * Parses `path` (UTF-8 with or without BOM, CRLF or LF, quoted fields; blank lines
 * skipped). Every row must have as many fields as the header.
 */
int semio_csv_read(const char *path, SemioCsv *csv, SemioError *err);

void semio_csv_free(SemioCsv *csv);

/** Column of `name` in the header (trimmed, case-insensitive), or -1. */
int semio_csv_column(const SemioCsv *csv, const char *name);

/**
 * Writes one field of a row, after a comma unless it is the row's first; NULL or "" is an
 * empty field. Quoted only where it must be (a comma, quote, line break, or a space at
 * either end), as pandas writes them.
 */
void semio_csv_write_field(FILE *f, const char *text, int first);

/** Trims ASCII white space in place and returns s. */
char *semio_trim(char *s);

#endif
