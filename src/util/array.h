/* Growing arrays: room for one more element, doubling. */
#ifndef SEMIO_UTIL_ARRAY_H
#define SEMIO_UTIL_ARRAY_H

#include <stdlib.h>

#include "util/error.h"

/**
 * Makes room for element n of the array at *(T **)items, of *cap elements of `elem`
 * bytes, doubling it (64 at first): 0, or SEMIO_ERR_NOMEM with err set and the array as
 * it was.
 */
static inline int semio_reserve(void *items, size_t *cap, size_t n, size_t elem,
                                SemioError *err)
{
    if (n < *cap)
        return 0;
    size_t grown = *cap ? 2 * *cap : 64;
    void *p = realloc(*(void **)items, grown * elem);
    if (!p)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    *(void **)items = p;
    *cap = grown;
    return 0;
}

#endif
