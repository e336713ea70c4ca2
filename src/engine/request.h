/*
 * A chat-completions request as semio sends it, shared by the OpenAI engine and the judge:
 * the settings checked and opened once (endpoints, headers with the key, the server's
 * profile, the extra fields), and the body of one request.
 */
#ifndef SEMIO_ENGINE_REQUEST_H
#define SEMIO_ENGINE_REQUEST_H

#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "engine/http.h"
#include "engine/profiles.h"
#include "semio/engine.h"

/* Text no prompt has a reason to hold: a body is built with it where each picture's base64
 * goes, then spliced (a request whose text holds it is not built). */
#define SEMIO_CHAT_MARK "@semio-blob-"

/* What every request to one set of servers shares, parsed and checked once. */
typedef struct SemioChatSetup {
    SemioOpenAISettings set;    /* the caller's, with the model copied; the URLs, the extra
                                   and the key's variable are not kept here, only below */
    char **endpoints;           /* each base URL's /chat/completions */
    size_t nendpoints;
    char *model;
    json_object *extra;         /* the extra fields, or NULL */
    SemioProfileRequest profile;
    struct curl_slist *headers; /* JSON, and the key's Authorization where one is set */
    SemioSecrets secrets;       /* the key and the URLs' passwords: never stored or printed */
} SemioChatSetup;

/*
 * Checks the settings (a model, http(s) URLs, concurrency 1..1024, the extra a JSON
 * object, the profile's settings) and opens what requests share; errors start with
 * `who` ("openai", "judge"). On failure nothing is left to close.
 */
int semio_chat_setup_open(SemioChatSetup *c, const SemioOpenAISettings *s, const char *who,
                          SemioError *err);
void semio_chat_setup_close(SemioChatSetup *c);

/* The response_format that asks for JSON following `schema_json`, under `name`. */
json_object *semio_chat_schema(const char *name, const char *schema_json);

/* Each picture's id (its JPEG's SHA-256) where the profile sends ids; NULL otherwise (or
 * without memory, or no pictures). */
char (*semio_chat_image_ids(const SemioProfileRequest *pr, const SemioImagePart *im,
                            size_t n))[65];

/*
 * The body of one request: one user message of the pictures in time order (each after a
 * "Frame at MM:SS.d" text where s->timestamps), the sound, then r->text; temperature,
 * `response_format` (taken: the call puts it; NULL for none), logprobs when asked, the
 * profile's fields, the extra fields, and max_tokens last (the extra's where it has one),
 * so a caller may rewrite it at the body's tail. NULL without memory, or when the text or
 * extra holds the marker reserved for splicing pictures in.
 */
char *semio_chat_body(const SemioOpenAISettings *s, json_object *extra,
                      const SemioProfileRequest *pr, char (*ids)[65], const SemioRequest *r,
                      json_object *response_format, int logprobs, size_t *len);

/*
 * A reply cut off at max_tokens (finish_reason "length"): the body (its tail as
 * semio_chat_body left it) is rewritten once to ask for twice the tokens, at most 8192
 * (SEMIO_HTTP_AGAIN_NOW), or the request gives up (SEMIO_HTTP_GIVE_UP); `error` says which
 * limits it met. *grown_from: the max_tokens before that one growth (0 until then).
 */
SemioHttpNext semio_chat_after_cut_off(char **body, size_t *len, long *grown_from, char *error,
                                       size_t size);

#endif
