/* Fuzzes prompt files (semio_prompts_open), then composes every built-in sign's question
 * from what was read, as ask does. */
#include <stdlib.h>

#include "fuzz.h"
#include "semio/engine.h"
#include "semio/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SemioSignSet *signs;
    static FuzzFile file;
    SemioError err;
    if (!signs && semio_signs_open(&signs, NULL, &err) < 0)
        abort();
    SemioPromptSet *ps;
    if (semio_prompts_open(&ps, fuzz_file(&file, data, size), &err) < 0)
        return 0;
    for (size_t i = 0; i < semio_signs_count(signs); i++)
        semio_prompt_text(ps, semio_signs_get(signs, i), &err);
    semio_prompts_close(&ps);
    return 0;
}
