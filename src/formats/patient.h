/* The rule that takes a patient id out of a recording's file name. */
#ifndef SEMIO_FORMATS_PATIENT_H
#define SEMIO_FORMATS_PATIENT_H

#include <regex.h>
#include <stddef.h>

#include "semio/common.h"

#define SEMIO_DEFAULT_PATIENT_REGEX "^([^@]+)@"

/** Compiles the rule; it must have at least one capture group. */
int semio_patient_rule(regex_t *re, const char *pattern, SemioError *err);

/**
 * Writes the patient of `file_name` into out. Returns 1 when the rule matched, 0 when
 * it did not and the file name without its extension was used instead.
 */
int semio_patient_of(const regex_t *re, const char *file_name, char *out, size_t size);

#endif
