/* UTF-8 as the formats semio writes require it: checked, or mended with U+FFFD. */
#ifndef SEMIO_UTIL_UTF8_H
#define SEMIO_UTIL_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at p (1-4), or 0 where it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
size_t semio_utf8_len(const unsigned char *p);

/* Whether text is well-formed UTF-8. */
int semio_utf8_valid(const char *text);

/* A copy with every byte that starts no well-formed sequence replaced by U+FFFD (so
 * "\xff\xfe" reads as two replacement characters); NULL when out of memory. */
char *semio_utf8_mend(const char *text);

#endif
