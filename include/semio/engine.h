/*
 * Asking engines about signs: prompt sets, the tolerant reading of a model's answer,
 * and the engine interface (submit requests, wait for completions, close) with the
 * OpenAI-compatible client behind it.
 */
#ifndef SEMIO_ENGINE_H
#define SEMIO_ENGINE_H

#include "semio/common.h"
#include "semio/signs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- prompts ------------------------------------------------------------- */

typedef struct SemioPromptSet SemioPromptSet;

/** Loads a prompt file (key<TAB>text; see data/prompts.tsv), or the built-in set. */
int semio_prompts_load(SemioPromptSet **out, const char *path, SemioError *err);
void semio_prompts_free(SemioPromptSet **ps);

/** "built-in" or the file's path. */
const char *semio_prompts_name(const SemioPromptSet *ps);

/**
 * The exact text asked about a sign: its question and the answer-format instruction
 * ("na" allowed for verbal_responsiveness). NULL (with err) when the set has none.
 * The string lives as long as the set.
 */
const char *semio_prompt_text(SemioPromptSet *ps, const SemioSign *sign, SemioError *err);

/** Whether a sign's answer may be "na" (nobody addressed the patient). */
int semio_sign_allows_na(const SemioSign *sign);

/** SHA-256 of a text as 64 hex digits: what identifies the exact prompt sent. */
void semio_text_hash(const char *text, char hex[65]);

/* ---- reading a model's answer ---------------------------------------------- */

typedef struct SemioParsedAnswer {
    int answer;            /**< SemioAnswer: yes, no or na */
    char *justification;   /**< may be NULL */
    double onset_s;        /**< start_time in seconds, NaN for "N/A" or none */
} SemioParsedAnswer;

/**
 * Reads the JSON object a model was asked for, tolerantly: code fences, text around
 * it, the first balanced {...}; "Yes", "YES", "yes.", true normalized; "na" only when
 * allowed; start_time as MM:SS (or H:MM:SS) or N/A. Returns 0, or -1 with `why` filled
 * when nothing usable is there (the caller retries, then stores a failure).
 */
int semio_parse_model_answer(const char *text, int allow_na, SemioParsedAnswer *out, char *why,
                             size_t why_size);
void semio_parsed_answer_clear(SemioParsedAnswer *a);

/* ---- engines ----------------------------------------------------------------- */

/** One picture of a request: JPEG bytes and the time it shows (seconds into the recording). */
typedef struct SemioImagePart {
    const uint8_t *jpeg;
    size_t size;
    double time;
} SemioImagePart;

typedef struct SemioRequest {
    const char *text;             /**< the question, sent last */
    const SemioImagePart *images; /**< in time order, sent first */
    size_t nimages;
    const uint8_t *wav;           /**< audio as WAV bytes, or NULL */
    size_t wav_size;
    int allow_na;
    uint64_t affinity;            /**< requests with one key go to one replica */
    void *user;                   /**< handed back with the completion */
} SemioRequest;

typedef struct SemioCompletion {
    void *user;
    int ok;                       /**< 1: parsed answer; 0: failed after all attempts */
    SemioParsedAnswer answer;
    double p_yes;                 /**< from logprobs, NaN when the server gave none */
    const char *raw;              /**< the model's text (or the last error body) */
    int attempts;
    double latency_ms;            /**< of the last attempt */
    int prompt_tokens, completion_tokens; /**< -1 when not reported */
    int replica;                  /**< which base URL answered */
    const char *error;            /**< why it failed, when it did */
} SemioCompletion;

typedef void (*SemioCompletionFn)(void *user, const SemioCompletion *c);

typedef struct SemioEngine SemioEngine;

/** Queues a request (copies what it needs). */
int semio_engine_submit(SemioEngine *e, const SemioRequest *r, SemioError *err);

/**
 * Drives transfers until at least one request completes (or nothing is queued),
 * calling `fn` for each completion. Returns the number still pending.
 */
int semio_engine_wait(SemioEngine *e, SemioCompletionFn fn, void *user, SemioError *err);

/** Requests queued or in flight. */
size_t semio_engine_pending(const SemioEngine *e);

void semio_engine_close(SemioEngine **e);

/* ---- the OpenAI-compatible engine ---------------------------------------------- */

typedef struct SemioOpenAISettings SemioOpenAISettings;
struct SemioOpenAISettings {
    const char *model;
    const char *const *urls;   /**< base URLs, e.g. http://127.0.0.1:8000/v1; several = replicas */
    size_t nurls;
    const char *api_key_env;   /**< environment variable holding the key (never stored) */
    int concurrency;           /**< requests in flight (default 8) */
    long connect_timeout_ms;   /**< default 10000 */
    long timeout_ms;           /**< whole request, default 600000 */
    double temperature;        /**< default 0 */
    int max_tokens;            /**< default 512 */
    int structured;            /**< response_format json_schema (default 1) */
    int logprobs;              /**< ask for logprobs to compute P(yes) (default 1) */
    int timestamps;            /**< a text part with each frame's time before it (default 1) */
    const char *extra_json;    /**< a JSON object merged into every request body */
    int max_retries;           /**< attempts after the first (default 10, as the pilot) */
    double backoff_s;          /**< first retry delay (default 1), doubled each time */
    double backoff_max_s;      /**< default 60 */
};

void semio_openai_default_settings(SemioOpenAISettings *s);

int semio_openai_open(SemioEngine **e, const SemioOpenAISettings *s, SemioError *err);

/* ---- speech to text ----------------------------------------------------------- */

typedef struct SemioTranscript {
    char *text;           /**< the whole window's text */
    char *segments_json;  /**< [{"start": s, "end": s, "text": ...}, ...] or NULL */
} SemioTranscript;

/**
 * Transcribes a WAV through POST {urls[0]}/audio/transcriptions (multipart: file,
 * model, response_format verbose_json), as vLLM, SGLang and whisper.cpp's server serve
 * it; the model, key, timeouts and retry settings are the engine's. Retries connection
 * errors, timeouts, 5xx and 429 (Retry-After honoured) with backoff.
 */
int semio_transcribe_wav(const SemioOpenAISettings *s, const uint8_t *wav, size_t size,
                         SemioTranscript *out, SemioError *err);
void semio_transcript_clear(SemioTranscript *t);

/**
 * The request body semio sends for r (for tests and --dry-run); free with semio_free.
 * The API key is never part of it.
 */
char *semio_openai_request_body(const SemioOpenAISettings *s, const SemioRequest *r);

#ifdef __cplusplus
}
#endif
#endif
