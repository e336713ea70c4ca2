/* Label files in the pilot's CSV layout: read, every cell checked, columns classified. */
#ifndef SEMIO_FORMATS_LABEL_CSV_H
#define SEMIO_FORMATS_LABEL_CSV_H

#include "semio/signs.h"
#include "util/csv.h"

typedef enum SemioLabelColumn {
    SEMIO_COL_FILE,  /* file_name */
    SEMIO_COL_SIGN,  /* a sign of the catalog: yes/no/empty */
    SEMIO_COL_START, /* start_time */
    SEMIO_COL_END,   /* end_time */
    SEMIO_COL_RATER, /* SIGN@RATER: one rater's yes/no/empty for a sign */
    SEMIO_COL_OTHER, /* kept as it is */
} SemioLabelColumn;

typedef struct SemioLabelCsv {
    SemioCsv csv;            /* rows[0] is the header (trimmed) */
    SemioLabelColumn *kind;  /* one per column */
    int file_col;
    int sign_columns;
} SemioLabelCsv;

/**
 * Reads and checks a label file completely: a file_name column, no repeated or empty
 * names, sign cells yes/no/empty, times well formed. Errors name file, row and column.
 */
int semio_label_csv_load(SemioLabelCsv *lc, const char *path, const SemioSignSet *signs,
                         SemioError *err);
void semio_label_csv_free(SemioLabelCsv *lc);

/** The sign of a rater column "SIGN@RATER" (e.g. "tonic@neuro2"), or NULL. */
const SemioSign *semio_label_rater_sign(const SemioSignSet *signs, const char *column);

#endif
