/*
 * Fuzzes prediction CSVs (semio_eval_from_csv) against a fixed, valid label file: the
 * pilot's 90 expert labels (tests/fixtures/paper/90_FeatureAnnotation.csv, compiled in so
 * the target runs from any folder), with tuned thresholds where P(yes) columns are given.
 */
#include "fuzz.h"
#include "semio/eval.h"

extern const char fuzz_labels_csv[];
extern const size_t fuzz_labels_csv_size;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzFile labels, predictions;
    if (!labels.fd)
        fuzz_file(&labels, fuzz_labels_csv, fuzz_labels_csv_size);
    const char *runs[] = { fuzz_file(&predictions, data, size) };
    SemioCsvSettings options = { .patient_regex = NULL, .tune_folds = 3, .seed = 1 };
    SemioEval *ev;
    SemioError err;
    if (semio_eval_from_csv(&ev, labels.path, runs, 1, &options, &err) == 0)
        semio_eval_close(&ev);
    return 0;
}
