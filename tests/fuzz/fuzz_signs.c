/* Fuzzes sign catalogs (semio_signs_open: id group modality view [merge] definition), and
 * checks what a catalog promises: every sign is found by its id (no id twice). */
#include <stdlib.h>

#include "fuzz.h"
#include "semio/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzFile file;
    SemioSignSet *signs;
    SemioError err;
    if (semio_signs_open(&signs, fuzz_file(&file, data, size), &err) < 0)
        return 0;
    for (size_t i = 0; i < semio_signs_count(signs); i++) {
        const SemioSign *s = semio_signs_get(signs, i);
        if (semio_signs_find(signs, s->id) != s)
            abort();
    }
    semio_signs_close(&signs);
    return 0;
}
