/*
 * Single cells of the pilot's files: yes/no labels, times, answers, probabilities, and the
 * name key rows match by. Label files, prediction files and model replies all use them.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/cells.h"
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

int semio_parse_clock(const char *text, double *seconds)
{
    /* [[H:]M:]S with optional fractional seconds: "3:28", "1:02:03", "75.5". */
    double part[3];
    int n = 0;
    const char *p = text;
    while (n < 3) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        part[n++] = strtod(p, &end);
        p = end;
        if (*p != ':')
            break;
        p++;
    }
    if (*p != '\0')
        return -1;
    for (int i = 1; i < n; i++)
        if (part[i] >= 60)
            return -1;
    double t = 0;
    for (int i = 0; i < n; i++)
        t = t * 60 + part[i];
    *seconds = t;
    return 0;
}

int semio_parse_yes_no(const char *text, int *value)
{
    /* Returns 1 for a value, 0 for empty (unknown), -1 for anything else. */
    char buf[16];
    size_t n = strlen(text);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, text, n + 1);
    semio_trim(buf);
    if (!buf[0])
        return 0;
    if (!strcasecmp(buf, "yes")) {
        *value = 1;
        return 1;
    }
    if (!strcasecmp(buf, "no")) {
        *value = 0;
        return 1;
    }
    return -1;
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
