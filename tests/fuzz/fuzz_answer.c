/* Fuzzes the reading of a model's answer text (semio_parse_model_answer), with and
 * without "na" allowed. */
#include <stdlib.h>

#include "fuzz.h"
#include "semio/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    if (!text)
        return 0;
    for (int allow_na = 0; allow_na <= 1; allow_na++) {
        SemioParsedAnswer a;
        char why[160];
        semio_parse_model_answer(text, allow_na, &a, why, sizeof(why));
        semio_parsed_answer_free(&a);
    }
    free(text);
    return 0;
}
