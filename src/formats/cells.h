/* Single cells of the pilot's files: labels, times, answers, probabilities, names. */
#ifndef SEMIO_FORMATS_CELLS_H
#define SEMIO_FORMATS_CELLS_H

#include <stddef.h>
#include <stdint.h>

/**
 * The key recordings are matched by: the file name without directory and extension,
 * lower case, every run of characters other than letters and digits one '_'. So
 * "A0002@5-13-2021@UA6693LK@sz_v1.wav" and "a0002_5-13-2021_ua6693lk_sz_v1.mp4" meet.
 */
void semio_name_key(const char *name, char *key, size_t size);

/** yes/no (any case, trimmed): 1 and *value set; empty: 0 (unknown); else -1. */
int semio_parse_yes_no(const char *text, int *value);

/** "[[H:]M:]S" (fractions allowed) to seconds; -1 if malformed. */
int semio_parse_clock(const char *text, double *seconds);

/** yes/no/na/n/a/fail/failed/error (any case) or empty (missing) to a SemioAnswer; -1 if none. */
int semio_parse_answer(const char *cell, uint8_t *out);

/** A probability in [0, 1], or NaN for an empty cell; -1 if malformed. */
int semio_parse_prob(const char *cell, double *p);

#endif
