/*
 * One chat completion at a time, waited for on the caller's thread, for callers that keep
 * several in flight on threads of their own (the judge). What is sent and how it is tried
 * again is the OpenAI engine's: the body of request.c, the policy of http.c (backoff with
 * jitter, Retry-After, a 500 until it repeats itself, a cut-off reply once with more room),
 * the key and the URLs' passwords kept out of every text it hands back.
 */
#ifndef SEMIO_ENGINE_CHAT_H
#define SEMIO_ENGINE_CHAT_H

#include <json-c/json.h>

#include "engine/request.h"

typedef struct SemioChat SemioChat;

/* Whether a reply's text is usable: 0 (it may keep what it read in `user`), or -1 with why;
 * an unusable reply is asked again, as the engine asks an unusable answer again. */
typedef int (*SemioChatCheck)(const char *text, void *user, char *why, size_t why_size);

typedef struct SemioChatResult {
    int ok;             /* the last reply's text passed the check */
    char *text;         /* that text (or an unusable one's), NULL when none came */
    char error[1024];   /* why not, when !ok */
    int attempts;
    int prompt_tokens, completion_tokens; /* spent over every attempt the server answered
                           and reported usage for; -1 when none did */
    int http_status;    /* the last reply's status, 0 when none came */
    int stop_run;       /* no other request would fare better: the server refused the
                           credentials (401, 403), said it cannot do what semio asks, or
                           could not be reached in any attempt; `error` names it */
} SemioChatResult;

/*
 * A client of the server at settings' URL number `replica`, on a connection of its own kept
 * between requests; its settings are copied (s->stop is read while it works). Errors name
 * `who` ("judge").
 */
int semio_chat_open(SemioChat **out, const SemioOpenAISettings *s, size_t replica,
                    const char *who, SemioError *err);
void semio_chat_close(SemioChat **c);

/*
 * Sends one request (r with `response_format`, which it takes; no logprobs) and waits for a
 * reply whose text `check` accepts, trying again what can help. 0 with *res filled, whether
 * or not it got one (free with semio_chat_result_free); SEMIO_ERR_INTERRUPTED as soon as
 * the settings' stop flag is raised, abandoning the transfer in flight.
 */
int semio_chat_ask(SemioChat *c, const SemioRequest *r, json_object *response_format,
                   SemioChatCheck check, void *user, SemioChatResult *res, SemioError *err);
void semio_chat_result_free(SemioChatResult *res);

/*
 * Whether the server answers at all, before any work is sent: GET {URL}/models, where any
 * HTTP reply will do (a server that lists no models, or wants a key, is still there). A
 * server that cannot be reached fails at once, naming it and libcurl's reason.
 */
int semio_chat_reachable(SemioChat *c, SemioError *err);

#endif
