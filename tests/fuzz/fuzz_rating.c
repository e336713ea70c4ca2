/* Fuzzes the reading of a judge's rating (engine/rating.c: the score on the raters' scale and
 * a reason, read as tolerantly as answers are). */
#include <stdlib.h>

#include "engine/rating.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    if (!text)
        return 0;
    int score;
    char *reason, why[160];
    if (semio_rating_read(text, &score, &reason, why, sizeof(why)) == 0 &&
        !semio_rating_on_scale(score))
        abort(); /* a score off the scale must never be handed on */
    free(reason);
    free(text);
    return 0;
}
