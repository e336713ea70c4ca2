/*
 * Reading a chat completion's body: the message content becomes an answer (answer.c reads
 * it tolerantly), the answer token's top_logprobs become P(yes), usage gives the tokens.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/reply.h"

/* A token's text in lower case without the characters in `drop`; "" for a null token
 * (a server may send one: json-c then has no string to give). */
static void token_word(json_object *tok, const char *drop, char *word, size_t size)
{
    size_t k = 0;
    for (const char *c = json_object_get_string(tok); c && *c && k + 1 < size; c++)
        if (!strchr(drop, *c))
            word[k++] = (char)(*c | 0x20);
    word[k] = '\0';
}

/* P(yes) from the answer token's top_logprobs: p(yes) / (p(yes) + p(no)). */
static double p_yes_of(json_object *choice)
{
    json_object *lp, *content;
    if (!json_object_object_get_ex(choice, "logprobs", &lp) || !lp ||
        !json_object_object_get_ex(lp, "content", &content) ||
        !json_object_is_type(content, json_type_array))
        return NAN;
    int after_key = 0;
    for (size_t i = 0; i < json_object_array_length(content); i++) {
        json_object *t = json_object_array_get_idx(content, i), *tok, *top;
        if (!json_object_object_get_ex(t, "token", &tok))
            continue;
        char word[32];
        token_word(tok, "\" :", word, sizeof(word));
        if (strstr(word, "answer")) {
            after_key = 1;
            continue;
        }
        if (!after_key || (strcmp(word, "yes") && strcmp(word, "no")))
            continue;
        if (!json_object_object_get_ex(t, "top_logprobs", &top) ||
            !json_object_is_type(top, json_type_array))
            return NAN;
        double py = 0, pn = 0;
        for (size_t m = 0; m < json_object_array_length(top); m++) {
            json_object *alt = json_object_array_get_idx(top, m), *at, *al;
            if (!json_object_object_get_ex(alt, "token", &at) ||
                !json_object_object_get_ex(alt, "logprob", &al))
                continue;
            char w[32];
            token_word(at, "\" ", w, sizeof(w));
            double p = exp(json_object_get_double(al));
            if (!strcmp(w, "yes"))
                py += p;
            else if (!strcmp(w, "no"))
                pn += p;
        }
        return py + pn > 0 ? py / (py + pn) : NAN;
    }
    return NAN;
}

static int usage_of(json_object *root, const char *key)
{
    json_object *u, *v;
    if (json_object_object_get_ex(root, "usage", &u) && u && json_object_object_get_ex(u, key, &v))
        return json_object_get_int(v);
    return -1;
}

int semio_chat_reply_read(const char *body, int allow_na, SemioChatReply *out, char *error,
                          size_t error_size)
{
    memset(out, 0, sizeof(*out));
    out->p_yes = NAN;
    out->prompt_tokens = out->completion_tokens = -1;
    json_object *root = json_tokener_parse(body), *choices, *choice, *msg, *content;
    int r = -1;
    if (!root) {
        snprintf(error, error_size, "the response is not JSON");
    } else if (!json_object_object_get_ex(root, "choices", &choices) ||
               !json_object_is_type(choices, json_type_array) ||
               !json_object_array_length(choices)) {
        snprintf(error, error_size, "the response has no choices");
    } else if (!(choice = json_object_array_get_idx(choices, 0)) ||
               !json_object_object_get_ex(choice, "message", &msg) ||
               !json_object_object_get_ex(msg, "content", &content) || !content) {
        snprintf(error, error_size, "the response has no message content");
    } else {
        out->content = strdup(json_object_get_string(content));
        char why[160];
        if (semio_parse_model_answer(out->content, allow_na, &out->answer, why, sizeof(why)) == 0) {
            r = 0;
            out->p_yes = p_yes_of(choice);
            out->prompt_tokens = usage_of(root, "prompt_tokens");
            out->completion_tokens = usage_of(root, "completion_tokens");
        } else {
            snprintf(error, error_size, "unusable answer: %s", why);
        }
    }
    json_object_put(root);
    return r;
}
