/*
 * Reading an OpenAI-compatible chat completion: the answer in choices[0].message.content,
 * P(yes) from that choice's logprobs, the token counts in usage. Apart from the transfer
 * so that it can be tested and fuzzed without a server.
 */
#ifndef SEMIO_ENGINE_REPLY_H
#define SEMIO_ENGINE_REPLY_H

#include <stddef.h>

#include <json-c/json.h>

#include "semio/engine.h"

typedef struct SemioChatReply {
    SemioParsedAnswer answer; /* as semio_parse_model_answer left it; zeroed without content */
    double p_yes;             /* NaN unless an answer was read and its logprobs give P(yes) */
    int prompt_tokens, completion_tokens; /* -1 unless an answer was read and usage has them */
    int cached_tokens;        /* of the prompt's, served from the server's prefix cache
                                 (usage.prompt_tokens_details.cached_tokens); -1 unreported */
    char *content;            /* the message's text (the caller frees), NULL when it has none */
    int cut_off;              /* finish_reason "length": the text ran into max_tokens */
} SemioChatReply;

/*
 * Where the value of the "answer" key of the object semio_parse_model_answer reads begins
 * in `text` (answer.c): the offset of its opening quote, or of its first character when it
 * is not a string; -1 when there is none or its place is unsure (two "answer" keys in any
 * case, an escaped key, JSON this walk does not follow).
 */
long semio_answer_value_at(const char *text);

/*
 * The JSON object a model was asked for, read tolerantly (answer.c): the first balanced
 * {...} outside strings, so code fences and prose around it do not matter. NULL, with why
 * in `why`, when the text has none or it is not valid JSON; the caller puts it.
 */
json_object *semio_model_object(const char *text, char *why, size_t why_size);

/* A member of `o` by its key in any case ("Answer", "SCORE"), or NULL. */
json_object *semio_json_get_ci(json_object *o, const char *key);

/*
 * The message text of a 200 reply's first choice (*content, malloc'ed) and whether it ran
 * into max_tokens (*cut_off: finish_reason "length"): 0, or -1 with why in `error` (not
 * JSON, no choices, no message content).
 */
int semio_chat_content(const char *body, char **content, int *cut_off, char *error,
                       size_t error_size);

/*
 * Reads the NUL-terminated body of a 200 reply. Returns 0 when it holds an answer, or -1
 * with why (a sentence) in `error`. out->content is set whenever the reply had message
 * content, usable or not; out->answer is freed with semio_parsed_answer_free.
 */
int semio_chat_reply_read(const char *body, int allow_na, SemioChatReply *out, char *error,
                          size_t error_size);

#endif
