/* Cells of prediction files: answers, probabilities, and the name key rows match by. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/cells.h"
#include "formats/label_csv.h"
#include "semio/answer.h"
#include "util/csv.h"
#include "util/fs.h"

/* Lower case letters and digits, every other run of characters one '_', no extension. */
void semio_name_key(const char *name, char *key, size_t size)
{
    const char *base = semio_basename(name);
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base && strlen(dot) <= 6 ? (size_t)(dot - base) : strlen(base);
    size_t k = 0;
    int sep = 0;
    for (size_t i = 0; i < n && k + 2 < size; i++) {
        unsigned char c = (unsigned char)base[i];
        if (isalnum(c) || c >= 0x80) {
            if (sep && k)
                key[k++] = '_';
            key[k++] = (char)tolower(c);
            sep = 0;
        } else {
            sep = 1;
        }
    }
    key[k] = '\0';
}

int semio_parse_answer(const char *cell, uint8_t *out)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%s", cell);
    semio_trim(buf);
    int v;
    int known = semio_parse_yes_no(buf, &v);
    if (known > 0)
        *out = (uint8_t)v;
    else if (known == 0)
        *out = SEMIO_ANSWER_MISSING;
    else if (!strcasecmp(buf, "na") || !strcasecmp(buf, "n/a"))
        *out = SEMIO_ANSWER_NA;
    else if (!strcasecmp(buf, "fail") || !strcasecmp(buf, "failed") || !strcasecmp(buf, "error"))
        *out = SEMIO_ANSWER_FAILED;
    else
        return -1;
    return 0;
}

int semio_parse_prob(const char *cell, double *p)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", cell);
    semio_trim(buf);
    if (!buf[0]) {
        *p = NAN;
        return 0;
    }
    char *end;
    *p = strtod(buf, &end);
    return *end || !(*p >= 0 && *p <= 1) ? -1 : 0;
}
