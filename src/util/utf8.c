/* Checking UTF-8, and mending it where a file name or a server's text is not. */
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

static int cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

size_t semio_utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return cont(p[1]) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
    }
    return 0;
}

int semio_utf8_valid(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = semio_utf8_len(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

char *semio_utf8_mend(const char *text)
{
    size_t bad = 0, len = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; len++) {
        size_t n = semio_utf8_len(p);
        bad += !n;
        p += n ? n : 1;
    }
    char *out = malloc(strlen(text) + 2 * bad + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = semio_utf8_len(p);
        if (n) {
            memcpy(o, p, n);
            o += n;
            p += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            p++;
        }
    }
    *o = '\0';
    return out;
}
