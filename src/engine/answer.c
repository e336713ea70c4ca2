/*
 * Reading what a model answered. Models wrap JSON in code fences, add prose around it,
 * write "Yes." or true: all of that is read, as the pilot's scripts did. What cannot be
 * read is reported, never guessed.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "engine/reply.h"
#include "formats/cells.h"
#include "semio/answer.h"
#include "semio/engine.h"

/* The first balanced {...} outside strings, or NULL. */
static const char *first_object(const char *s, size_t *len)
{
    const char *start = strchr(s, '{');
    while (start) {
        int depth = 0, in_str = 0;
        for (const char *p = start; *p; p++) {
            if (in_str) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    in_str = 0;
            } else if (*p == '"') {
                in_str = 1;
            } else if (*p == '{') {
                depth++;
            } else if (*p == '}' && --depth == 0) {
                *len = (size_t)(p - start + 1);
                return start;
            }
        }
        start = strchr(start + 1, '{');
    }
    return NULL;
}

json_object *semio_json_get_ci(json_object *o, const char *key)
{
    json_object_object_foreach(o, k, v) if (!strcasecmp(k, key)) return v;
    return NULL;
}

json_object *semio_model_object(const char *text, char *why, size_t why_size)
{
    if (!text || !*text) {
        snprintf(why, why_size, "empty answer");
        return NULL;
    }
    size_t len;
    const char *obj = first_object(text, &len);
    if (!obj) {
        snprintf(why, why_size, "no JSON object in the answer");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    json_object *root = tok ? json_tokener_parse_ex(tok, obj, (int)len) : NULL;
    json_tokener_free(tok);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        snprintf(why, why_size, "the answer's {...} is not valid JSON");
        return NULL;
    }
    return root;
}

/* yes/no/na from a string or boolean, any case, with trailing punctuation: -1 if none. */
static int read_answer(json_object *v, int allow_na)
{
    if (!v)
        return -1;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? SEMIO_ANSWER_YES : SEMIO_ANSWER_NO;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
    size_t n = strlen(buf);
    while (n && (ispunct((unsigned char)buf[n - 1]) || isspace((unsigned char)buf[n - 1])) &&
           buf[n - 1] != '/')
        buf[--n] = '\0';
    const char *b = buf;
    while (isspace((unsigned char)*b))
        b++;
    if (!strcasecmp(b, "yes") || !strcasecmp(b, "true"))
        return SEMIO_ANSWER_YES;
    if (!strcasecmp(b, "no") || !strcasecmp(b, "false"))
        return SEMIO_ANSWER_NO;
    if (allow_na && (!strcasecmp(b, "na") || !strcasecmp(b, "n/a")))
        return SEMIO_ANSWER_NA;
    return -1;
}

int semio_parse_model_answer(const char *text, int allow_na, SemioParsedAnswer *out, char *why,
                             size_t why_size)
{
    out->answer = SEMIO_ANSWER_FAILED; /* until a yes, no or na is read */
    out->justification = NULL;
    out->onset_s = NAN;
    json_object *root = semio_model_object(text, why, why_size);
    if (!root)
        return -1;
    int answer = read_answer(semio_json_get_ci(root, "answer"), allow_na);
    if (answer < 0) {
        json_object *a = semio_json_get_ci(root, "answer");
        snprintf(why, why_size, "\"answer\" is %s, not %s", a ? json_object_to_json_string(a)
                                                              : "missing",
                 allow_na ? "yes, no or na" : "yes or no");
        json_object_put(root);
        return -1;
    }
    out->answer = (SemioAnswer)answer;
    json_object *j = semio_json_get_ci(root, "justification");
    if (j && json_object_is_type(j, json_type_string))
        out->justification = strdup(json_object_get_string(j));
    json_object *t = semio_json_get_ci(root, "start_time");
    if (t && json_object_is_type(t, json_type_string)) {
        double s;
        const char *ts = json_object_get_string(t);
        if (strchr(ts, ':') && semio_parse_clock(ts, &s) == 0)
            out->onset_s = s; /* anything else ("N/A", "unknown", "3:75") is no onset */
    }
    json_object_put(root);
    return 0;
}

/* Past the JSON string whose opening quote is at p: after its closing quote, or NULL. */
static const char *skip_string(const char *p)
{
    for (p++; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Past the JSON value at p (string, object, array or literal), or NULL. */
static const char *skip_value(const char *p)
{
    if (*p == '"')
        return skip_string(p);
    int depth = 0;
    for (; *p; p++) {
        if (*p == '"') {
            if (!(p = skip_string(p)))
                return NULL;
            p--;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (depth-- == 0)
                return p; /* the end of the enclosing object */
            if (depth == 0)
                return p + 1;
        } else if (*p == ',' && depth == 0) {
            return p;
        }
    }
    return NULL;
}

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/*
 * The object semio_parse_model_answer reads is the first balanced {...}; its top-level
 * members are walked here without decoding them, to find where the "answer" key's value
 * begins. Anything this walk does not expect (an escaped key, a second "answer" key in
 * any case, single quotes) makes the place unsure: -1, as with no answer at all.
 */
long semio_answer_value_at(const char *text)
{
    size_t len;
    const char *obj = text ? first_object(text, &len) : NULL;
    if (!obj)
        return -1;
    long found = -1;
    const char *p = skip_space(obj + 1);
    while (*p == '"') {
        const char *key = p + 1, *end = skip_string(p);
        if (!end || memchr(key, '\\', (size_t)(end - 1 - key)))
            return -1;
        int is_answer = end - 1 - key == 6 && !strncasecmp(key, "answer", 6);
        p = skip_space(end);
        if (*p++ != ':')
            return -1;
        p = skip_space(p);
        if (is_answer) {
            if (found >= 0)
                return -1; /* which one the parser keeps is not worth guessing */
            found = (long)(p - text);
        }
        if (!(p = skip_value(p)))
            return -1;
        p = skip_space(p);
        if (*p == '}')
            return found;
        if (*p++ != ',')
            return -1;
        p = skip_space(p);
    }
    return -1;
}

void semio_parsed_answer_free(SemioParsedAnswer *a)
{
    free(a->justification);
    a->justification = NULL;
}
