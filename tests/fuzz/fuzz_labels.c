/* Fuzzes the label CSV reader (formats/label_csv.c) against the built-in sign catalog. */
#include <stdlib.h>

#include "formats/label_csv.h"
#include "fuzz.h"
#include "semio/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SemioSignSet *signs; /* read once: the catalog is not what is fuzzed here */
    static FuzzFile file;
    SemioError err;
    if (!signs && semio_signs_open(&signs, NULL, &err) < 0)
        abort();
    SemioLabelCsv lc;
    if (semio_label_csv_load(&lc, fuzz_file(&file, data, size), signs, &err) == 0)
        semio_label_csv_free(&lc);
    return 0;
}
