/*
 * semio ingest --labels: expert labels in the pilot study's CSV layout. The whole file is
 * read and checked first (formats), then stored in one transaction (study), so a bad cell
 * leaves the study exactly as it was.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "formats/label_csv.h"
#include "formats/patient.h"
#include "semio/signs.h"
#include "semio/stages.h"
#include "study/db.h"

int semio_ingest_labels(SemioStudy *s, const char *path, const SemioIngestSettings *set,
                        SemioLabelsReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    const char *pattern = set && set->patient_regex ? set->patient_regex
                                                    : SEMIO_DEFAULT_PATIENT_REGEX;
    SemioLabelCsv lc = { 0 };
    SemioSignSet *signs = NULL;
    char real[PATH_MAX];
    regex_t rule;
    int r = semio_patient_rule(&rule, pattern, err);
    if (r < 0)
        return r;
    if ((r = semio_signs_open(&signs, NULL, err)) == 0 &&
        (r = semio_label_csv_load(&lc, path, signs, err)) == 0)
        r = semio_store_labels(s, realpath(path, real) ? real : path, &lc, signs, &rule, rep,
                               err); /* the file is known by where it is, however named */
    semio_label_csv_free(&lc);
    semio_signs_close(&signs);
    regfree(&rule);
    return r;
}
