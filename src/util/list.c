/* Comma lists as people write them: "limb, facial", "http://a/v1 , http://b/v1". */
#include <ctype.h>
#include <string.h>

#include "semio/common.h"

/* Cuts the whitespace around an item in place; returns where it now starts. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

size_t semio_list_split(char *text, char **items, size_t max)
{
    size_t n = 0;
    for (char *p = text; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *item = trim(p);
        if (*item) { /* "a,,b" and a trailing comma name nothing */
            if (n < max)
                items[n] = item;
            n++;
        }
        p = comma ? comma + 1 : NULL;
    }
    return n;
}
