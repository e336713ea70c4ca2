/* Cell parsers shared by the label and prediction readers. */
#ifndef SEMIO_STUDY_LABELS_H
#define SEMIO_STUDY_LABELS_H

/** "[[H:]M:]S" (fractions allowed) to seconds; -1 if malformed. */
int semio_parse_clock(const char *text, double *seconds);

/** yes/no (any case, trimmed): 1 and *value set; empty: 0 (unknown); else -1. */
int semio_parse_yes_no(const char *text, int *value);

#endif
