/* Patient ids from file names by a configurable regular expression (POSIX ERE). */
#include <stdio.h>
#include <string.h>

#include "formats/patient.h"
#include "util/error.h"

int semio_patient_rule(regex_t *re, const char *pattern, SemioError *err)
{
    int r = regcomp(re, pattern, REG_EXTENDED);
    if (r != 0) {
        char why[256];
        regerror(r, re, why, sizeof(why));
        return semio_fail(err, SEMIO_ERR_INVALID, "patient rule '%s' is not a valid regex: %s",
                          pattern, why);
    }
    if (re->re_nsub < 1) {
        regfree(re);
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "patient rule '%s' needs one (group) that captures the patient id",
                          pattern);
    }
    return 0;
}

int semio_patient_of(const regex_t *re, const char *file_name, char *out, size_t size)
{
    regmatch_t m[2];
    if (regexec(re, file_name, 2, m, 0) == 0 && m[1].rm_so >= 0 && m[1].rm_eo > m[1].rm_so) {
        snprintf(out, size, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), file_name + m[1].rm_so);
        return 1;
    }
    const char *dot = strrchr(file_name, '.');
    int n = dot && dot != file_name ? (int)(dot - file_name) : (int)strlen(file_name);
    snprintf(out, size, "%.*s", n, file_name);
    return 0;
}
