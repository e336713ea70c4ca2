/* The reflection: what the rewriting model is told (the sign's definition, the question,
 * the answers it got wrong) and how its proposal is read and checked. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "search/search.h"

char *reflect_request(const SemioSign *sign, const char *question, const ReflectCase *cases,
                      size_t n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    fprintf(f, "You improve a question that a vision-language model is asked about the frames "
               "of a video of a patient during a possible seizure.\n<sign>%s</sign>\n"
               "<definition>%s</definition>\n<current_question>\n%s\n</current_question>\n"
               "The model answered these windows wrongly:\n", sign->id, sign->definition,
            question);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "<case>The model answered \"%s\" and said: \"%s\". The expert label is "
                   "\"%s\".</case>\n", cases[i].answer[0] ? cases[i].answer : "nothing usable",
                cases[i].justification ? cases[i].justification : "",
                cases[i].label ? "yes" : "no");
    fputs("Rewrite the question so that the model answers windows like these correctly. It "
          "must stay one yes/no question about what can be seen or heard; say nothing about "
          "the form of the answer. Reply with JSON: {\"question\": \"...\"}.", f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *reflect_read(const char *reply, char *why, size_t size)
{
    const char *a = reply ? strchr(reply, '{') : NULL, *b = reply ? strrchr(reply, '}') : NULL;
    if (!a || !b || b < a) {
        snprintf(why, size, "no JSON object in the reply");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    json_object *j = tok ? json_tokener_parse_ex(tok, a, (int)(b - a + 1)) : NULL, *q;
    json_tokener_free(tok);
    char *out = NULL;
    if (j && json_object_object_get_ex(j, "question", &q) && json_object_is_type(q, json_type_string))
        out = strdup(json_object_get_string(q));
    else
        snprintf(why, size, "the reply's JSON has no \"question\" string");
    json_object_put(j);
    return out;
}

static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++)
        if (!strncasecmp(p, word, n))
            return 1;
    return 0;
}

/* The last sentence opens as a yes/no question does. */
static int yes_no(const char *q, const char *const *openers)
{
    const char *start = q;
    for (const char *p = q; *p; p++)
        if ((*p == '.' || *p == '!' || *p == ':') && p[1] == ' ')
            start = p + 2;
    while (isspace((unsigned char)*start))
        start++;
    for (int i = 0; openers[i]; i++) {
        size_t n = strlen(openers[i]);
        if (!strncasecmp(start, openers[i], n) && start[n] == ' ')
            return 1;
    }
    return 0;
}

const char *reflect_check(const char *q, char *why, size_t size)
{
    static const char *const format_words[] = { "json", "justification", "start_time",
                                                "answer with", "respond with", "reply with",
                                                "format", NULL };
    static const char *const openers[] = { "does", "do", "is", "are", "can", "could", "did",
                                           "was", "were", "has", "have", "will", NULL };
    why[0] = '\0';
    size_t n = strlen(q);
    while (n && isspace((unsigned char)q[n - 1]))
        n--;
    if (n < 20 || n > 600)
        snprintf(why, size, "%zu characters: a question has 20 to 600", n);
    else if (q[n - 1] != '?')
        snprintf(why, size, "it does not end with a question mark");
    else if (strchr(q, '?') != q + n - 1)
        snprintf(why, size, "more than one question");
    else if (!yes_no(q, openers))
        snprintf(why, size, "its last sentence is not a yes/no question (Does, Is, Are, Can, ...)");
    else if (strpbrk(q, "{}"))
        snprintf(why, size, "braces: the answer's format is not the question's");
    else
        for (int i = 0; format_words[i]; i++)
            if (has_word(q, format_words[i])) {
                snprintf(why, size, "it speaks of the answer's form (\"%s\"); the format "
                         "instruction is fixed", format_words[i]);
                return why;
            }
    return why[0] ? why : NULL;
}
