/*
 * Reading a chat completion's body: the message content becomes an answer (answer.c reads
 * it tolerantly), the top_logprobs of the token where the answer's value begins become
 * P(yes), usage gives the tokens.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* p(yes) / (p(yes) + p(no)) over the alternatives of one position (its top_logprobs) that
 * spell yes or no once quotes, spaces and JSON punctuation are set aside. */
static double p_yes_among(json_object *t)
{
    json_object *top;
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
        token_word(at, "\" \t\n:,{}", w, sizeof(w));
        double p = exp(json_object_get_double(al));
        if (!strcmp(w, "yes"))
            py += p;
        else if (!strcmp(w, "no"))
            pn += p;
    }
    return py + pn > 0 ? py / (py + pn) : NAN;
}

/* The tokens' texts end to end, and where each begins in it (starts[n] is the end). */
static char *token_text(json_object *tokens, size_t **starts)
{
    size_t n = json_object_array_length(tokens), total = 0;
    *starts = malloc((n + 1) * sizeof(**starts));
    for (size_t i = 0; *starts && i < n; i++) {
        json_object *tok = NULL;
        json_object_object_get_ex(json_object_array_get_idx(tokens, i), "token", &tok);
        (*starts)[i] = total;
        total += strlen(json_object_get_string(tok) ? json_object_get_string(tok) : "");
    }
    char *text = *starts ? malloc(total + 1) : NULL;
    if (!text) {
        free(*starts);
        *starts = NULL;
        return NULL;
    }
    (*starts)[n] = total;
    for (size_t i = 0; i < n; i++) {
        json_object *tok = NULL;
        json_object_object_get_ex(json_object_array_get_idx(tokens, i), "token", &tok);
        const char *t = json_object_get_string(tok);
        memcpy(text + (*starts)[i], t ? t : "", (*starts)[i + 1] - (*starts)[i]);
    }
    text[total] = '\0';
    return text;
}

/*
 * Where the answer's word (yes or no, as it was read) starts in the content: inside the
 * "answer" value, past its quote and any spaces; -1 when it is not there as a whole word.
 */
static long answer_word_at(const char *content, SemioAnswer answer, size_t *len)
{
    long v = semio_answer_value_at(content);
    if (v < 0 || content[v] != '"' || (answer != SEMIO_ANSWER_YES && answer != SEMIO_ANSWER_NO))
        return -1;
    const char *w = content + v + 1;
    while (*w == ' ')
        w++;
    *len = answer == SEMIO_ANSWER_YES ? 3 : 2;
    if (strncasecmp(w, answer == SEMIO_ANSWER_YES ? "yes" : "no", *len) ||
        isalpha((unsigned char)w[*len]))
        return -1;
    return (long)(w - content);
}

/*
 * P(yes) from the token that carries the first letter of the answer's value, however the
 * tokenizer cut the text around it ("yes", " \"yes", "\":\"yes\"", "Yes"): the tokens are
 * laid end to end, the message content up to that word found in them, and the word placed
 * as the JSON parser placed it. A word split over tokens ("y" + "es"), tokens that do not
 * spell the content, or an unsure place give no P(yes): NaN, never another token's guess.
 */
static double p_yes_of(json_object *choice, const char *content, SemioAnswer answer)
{
    json_object *lp, *tokens;
    if (!json_object_object_get_ex(choice, "logprobs", &lp) || !lp ||
        !json_object_object_get_ex(lp, "content", &tokens) ||
        !json_object_is_type(tokens, json_type_array))
        return NAN;
    size_t len, *starts;
    long word = answer_word_at(content, answer, &len);
    char *text = word >= 0 ? token_text(tokens, &starts) : NULL;
    if (!text)
        return NAN;
    double p = NAN;
    /* the content up to the answer's word, once in the tokens: a server may leave out the
     * reasoning before it or outer spaces, and spell later characters its own way */
    size_t need = (size_t)word + len, have = starts[json_object_array_length(tokens)];
    const char *at = memmem(text, have, content, need);
    if (at && !memmem(at + 1, have - (size_t)(at + 1 - text), content, need)) {
        size_t target = (size_t)(at - text) + (size_t)word, n = json_object_array_length(tokens);
        for (size_t i = 0; i < n; i++)
            if (starts[i] <= target && target < starts[i + 1]) {
                if (target + len <= starts[i + 1]) /* the whole word in this token */
                    p = p_yes_among(json_object_array_get_idx(tokens, i));
                break;
            }
    }
    free(text);
    free(starts);
    return p;
}

static int usage_of(json_object *root, const char *key)
{
    json_object *u, *v;
    if (json_object_object_get_ex(root, "usage", &u) && u && json_object_object_get_ex(u, key, &v))
        return json_object_get_int(v);
    return -1;
}

/* The prompt tokens the server took from its prefix cache, as vLLM and llama-server report
 * them (OpenAI's usage.prompt_tokens_details.cached_tokens); -1 when it does not say. */
static int cached_of(json_object *root)
{
    json_object *u, *d, *v;
    if (json_object_object_get_ex(root, "usage", &u) && u &&
        json_object_object_get_ex(u, "prompt_tokens_details", &d) && d &&
        json_object_object_get_ex(d, "cached_tokens", &v) && json_object_is_type(v, json_type_int))
        return json_object_get_int(v);
    return -1;
}

/* The first choice of a parsed reply and its message content: 0, or -1 with why. */
static int first_message(json_object *root, json_object **choice, json_object **content,
                         char *error, size_t error_size)
{
    json_object *choices, *msg;
    if (!root) {
        snprintf(error, error_size, "the response is not JSON");
    } else if (!json_object_object_get_ex(root, "choices", &choices) ||
               !json_object_is_type(choices, json_type_array) ||
               !json_object_array_length(choices)) {
        snprintf(error, error_size, "the response has no choices");
    } else if (!(*choice = json_object_array_get_idx(choices, 0)) ||
               !json_object_object_get_ex(*choice, "message", &msg) ||
               !json_object_object_get_ex(msg, "content", content) || !*content) {
        snprintf(error, error_size, "the response has no message content");
    } else {
        return 0;
    }
    return -1;
}

static int cut_off(json_object *choice)
{
    json_object *reason;
    return json_object_object_get_ex(choice, "finish_reason", &reason) &&
           json_object_is_type(reason, json_type_string) &&
           !strcmp(json_object_get_string(reason), "length");
}

int semio_chat_content(const char *body, char **content, int *was_cut, char *error,
                       size_t error_size)
{
    *content = NULL;
    *was_cut = 0;
    json_object *root = json_tokener_parse(body), *choice, *text;
    int r = first_message(root, &choice, &text, error, error_size);
    if (r == 0) {
        *was_cut = cut_off(choice);
        if (!(*content = strdup(json_object_get_string(text)))) {
            snprintf(error, error_size, "out of memory");
            r = -1;
        }
    }
    json_object_put(root);
    return r;
}

int semio_chat_reply_read(const char *body, int allow_na, SemioChatReply *out, char *error,
                          size_t error_size)
{
    memset(out, 0, sizeof(*out));
    out->p_yes = NAN;
    out->prompt_tokens = out->completion_tokens = out->cached_tokens = -1;
    json_object *root = json_tokener_parse(body), *choice, *content;
    int r = -1;
    if (first_message(root, &choice, &content, error, error_size) == 0) {
        out->cut_off = cut_off(choice);
        out->content = strdup(json_object_get_string(content));
        char why[160];
        if (semio_parse_model_answer(out->content, allow_na, &out->answer, why, sizeof(why)) == 0) {
            r = 0;
            out->p_yes = p_yes_of(choice, out->content, out->answer.answer);
            out->prompt_tokens = usage_of(root, "prompt_tokens");
            out->completion_tokens = usage_of(root, "completion_tokens");
            out->cached_tokens = cached_of(root);
        } else {
            snprintf(error, error_size, "unusable answer: %s", why);
        }
    }
    json_object_put(root);
    return r;
}
