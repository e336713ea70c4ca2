/*
 * Asking engines about signs: prompt sets, the tolerant reading of a model's answer,
 * and the engine interface (submit requests, wait for completions, close) with the
 * OpenAI-compatible client behind it.
 */
#ifndef SEMIO_ENGINE_H
#define SEMIO_ENGINE_H

#include "semio/answer.h"
#include "semio/audio.h"
#include "semio/common.h"
#include "semio/pose.h"
#include "semio/signs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- prompts ------------------------------------------------------------- */

typedef struct SemioPromptSet SemioPromptSet;

/**
 * Loads a prompt set: a built-in one by its name (data/prompts/NAME.tsv, embedded), else a
 * file (key<TAB>text; see data/prompts/plain.tsv); a spec with a '/' or ending in .tsv is
 * always a file. NULL: the default set (plain), named "built-in".
 */
SEMIO_API int semio_prompts_open(SemioPromptSet **out, const char *spec, SemioError *err);
SEMIO_API void semio_prompts_close(SemioPromptSet **ps);

/** The built-in sets' names by index ("plain" first); NULL past the last. */
SEMIO_API const char *semio_prompts_builtin_at(size_t i);

/** Whether a --prompts item names a file rather than a built-in set: it has a '/' or ends
 *  in .tsv. */
SEMIO_API int semio_prompts_is_file(const char *spec);

/** "built-in", a built-in set's name or the file's path, as given. */
SEMIO_API const char *semio_prompts_name(const SemioPromptSet *ps);

/**
 * The exact text asked about a sign: its question and the answer-format instruction
 * ("na" allowed for verbal_responsiveness). NULL (with err) when the set has none.
 * The string lives as long as the set.
 */
SEMIO_API const char *semio_prompt_text(SemioPromptSet *ps, const SemioSign *sign, SemioError *err);

/** The set's own wording of a sign's question, as in its file (no format); NULL if none. */
SEMIO_API const char *semio_prompt_question(const SemioPromptSet *ps, const SemioSign *sign);

/**
 * Any question asked as the set asks its own: {sign} and {definition} replaced and the
 * set's answer-format instruction appended (what a prompt search's candidates are sent
 * as; the format is never the candidate's). Free with free(); NULL without memory.
 */
SEMIO_API char *semio_prompt_compose(const SemioPromptSet *ps, const SemioSign *sign,
                                     const char *question);

/** Whether a sign's answer may be "na" (nobody addressed the patient). */
SEMIO_API int semio_sign_allows_na(const SemioSign *sign);

/** SHA-256 of a text as 64 hex digits: what identifies the exact prompt sent. */
SEMIO_API void semio_text_hash(const char *text, char hex[65]);

/* ---- reading a model's answer ---------------------------------------------- */

typedef struct SemioParsedAnswer {
    SemioAnswer answer;    /**< yes, no or na */
    char *justification;   /**< may be NULL */
    double onset_s;        /**< start_time in seconds, NaN for "N/A" or none */
} SemioParsedAnswer;

/**
 * Reads the JSON object a model was asked for, tolerantly: code fences, text around
 * it, the first balanced {...}; "Yes", "YES", "yes.", true normalized; "na" only when
 * allowed; start_time as MM:SS (or H:MM:SS) or N/A. Returns 0, or -1 with `why` filled
 * when nothing usable is there (the caller retries, then stores a failure).
 */
SEMIO_API int semio_parse_model_answer(const char *text, int allow_na, SemioParsedAnswer *out, char *why,
                             size_t why_size);
SEMIO_API void semio_parsed_answer_free(SemioParsedAnswer *a);

/* ---- engines ----------------------------------------------------------------- */

/*
 * An engine answers questions about one window of a recording at a time. Every engine
 * (the OpenAI-compatible client, the weight-free kinematic engine, ...) sits behind the
 * same calls: open it by name with its own settings struct, submit a window with its
 * questions, wait for completions, close. semio_ask drives them all through one loop.
 */

/** What an engine can be given about a window (flags). */
typedef enum SemioEngineInput {
    SEMIO_INPUT_IMAGES = 1 << 0,  /**< pictures (sampled frames or an enhanced view of them) */
    SEMIO_INPUT_AUDIO = 1 << 1,   /**< the window's sound as a WAV file */
    SEMIO_INPUT_SIGNALS = 1 << 2, /**< measured signals: keypoints, face points, sound */
    SEMIO_INPUT_PIXELS = 1 << 3,  /**< with IMAGES: the pictures' pixels (SemioImagePart.rgb)
                                       rather than JPEG, the sampled frames decoded again
                                       from the recording */
} SemioEngineInput;

/**
 * One picture of a request and the time it shows (seconds into the recording): JPEG bytes,
 * or for an engine that takes SEMIO_INPUT_PIXELS packed RGB24 rows (stride 3 * width), as
 * semio ask gives it (jpeg is then NULL).
 */
typedef struct SemioImagePart {
    const uint8_t *jpeg;
    size_t size;
    double time;
    const uint8_t *rgb;
    int width, height;
} SemioImagePart;

/** What the measuring engines look at for one window. */
typedef struct SemioSignals {
    const SemioPerson *frames; /**< the patient in each frame (npoints 0: not seen) */
    size_t n;                  /**< frames, consecutive at fps */
    double fps;
    double t0;                 /**< time of frames[0] on the recording's timeline (s) */
    const SemioAudio *audio;   /**< the window's sound (mono), or NULL */
    double audio_t0;
    const char *transcript;    /**< the window's transcript, or NULL */
} SemioSignals;

/** One question about a window. */
typedef struct SemioQuestion {
    const SemioSign *sign;
    const char *text;             /**< the exact text asked (engines that read text) */
    void *user;                   /**< handed back with its completion */
} SemioQuestion;

/**
 * A window and every question about it. Only the inputs the engine takes are read
 * (semio_engine_inputs); the engine copies what it keeps, so all of it may be freed
 * once semio_engine_submit returns.
 */
typedef struct SemioWindow {
    const SemioImagePart *images; /**< in time order, sent first */
    size_t nimages;
    const uint8_t *wav;           /**< audio as WAV bytes, or NULL */
    size_t wav_size;
    const SemioSignals *signals;  /**< measured signals, or NULL */
    uint64_t affinity;            /**< windows with one key go to one replica */
    const SemioQuestion *questions;
    size_t nquestions;
} SemioWindow;

typedef struct SemioCompletion {
    void *user;                   /**< the question's */
    int ok;                       /**< 1: an answer; 0: failed after all attempts */
    SemioParsedAnswer answer;
    double p_yes;                 /**< P(yes) (logprobs, or the evidence's strength); NaN if none */
    const char *raw;              /**< the model's text (or, without one, the last error body) */
    int attempts;
    double latency_ms;            /**< of the last attempt */
    int prompt_tokens, completion_tokens; /**< -1 when not reported */
    int cached_tokens;            /**< prompt tokens served from the server's prefix cache; -1
                                       when not reported */
    int replica;                  /**< which base URL answered */
    const char *error;            /**< why it failed, when it did ("HTTP 500: its words",
                                       "unusable answer: ...", "cut off at max_tokens ...") */
    int http_status;              /**< the server's last status, 0 when there was none */
    int stop_run;                 /**< 1: the server cannot do what every question asks (the
                                       model is not there, it takes no pictures or sound):
                                       asking on is pointless; `error` names it and its words */
} SemioCompletion;

typedef void (*SemioCompletionFn)(void *user, const SemioCompletion *c);

typedef struct SemioEngine SemioEngine;

/** The registered engines' names, in order: i = 0, 1, ... until NULL. */
SEMIO_API const char *semio_engine_name_at(size_t i);

/**
 * Opens the engine called `name` with its own settings struct (SemioOpenAISettings for
 * "openai", SemioKinematicSettings for "kinematic"; NULL: its defaults where it has
 * usable ones). SEMIO_ERR_NOT_FOUND names the known engines.
 */
SEMIO_API int semio_engine_open(SemioEngine **out, const char *name, const void *settings,
                      SemioError *err);

SEMIO_API const char *semio_engine_name(const SemioEngine *e);

/** The SemioEngineInput flags the engine takes. */
SEMIO_API unsigned semio_engine_inputs(const SemioEngine *e);

/** Queues the questions about one window. */
SEMIO_API int semio_engine_submit(SemioEngine *e, const SemioWindow *w, SemioError *err);

/**
 * Drives the engine until at least one question completes, nothing is queued, or a
 * quarter of a second has passed (so a caller can stop between calls), calling `fn` for
 * each completion. Returns the number still pending.
 */
SEMIO_API int semio_engine_wait(SemioEngine *e, SemioCompletionFn fn, void *user, SemioError *err);

/** Questions queued or in flight. */
SEMIO_API size_t semio_engine_pending(const SemioEngine *e);

/** How many questions the engine works on at once (what is worth queueing ahead). */
SEMIO_API size_t semio_engine_capacity(const SemioEngine *e);

SEMIO_API void semio_engine_close(SemioEngine **e);

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
    const char *server;        /**< the server's profile: "generic" (NULL), "vllm", "sglang",
                                    "lmdeploy", "llama-server" or "ollama": where it reads
                                    what the common API has no field for */
    const char *mm_json;       /**< image processing settings as a JSON object (InternVL's
                                    {"max_dynamic_patch": 1}, Qwen2.5-VL's {"max_pixels": N}),
                                    placed where the profile's server reads them */
    const char *image_fields_json; /**< a JSON object added beside every image's url */
    int image_ids;             /**< send each picture's SHA-256 as its id where the profile's
                                    server takes one, so it skips hashing it (default 1) */
    int max_retries;           /**< attempts after the first (default 10, as the pilot) */
    double backoff_s;          /**< first retry delay (default 1), doubled each time */
    double max_wait_s;         /**< the longest one wait lasts, backoff or the server's
                                    Retry-After alike (default 60) */
    const volatile int *stop;  /**< non-zero: waits end at once, the call returns (transcription:
                                    SEMIO_ERR_INTERRUPTED); may be NULL */
};

SEMIO_API void semio_openai_default_settings(SemioOpenAISettings *s);

/**
 * Applies a named preset (the pilot's set-ups: "qwen2.5-vl-32b" on vLLM,
 * "internvl3.5-38b" on LMDeploy): its server profile, model and image processing
 * settings. Fails naming the presets semio has.
 */
SEMIO_API int semio_openai_preset(SemioOpenAISettings *s, const char *name, SemioError *err);

/** The i-th preset's name and what it is (NULL past the last), for help texts. */
SEMIO_API const char *semio_openai_preset_at(size_t i, const char **summary);

/* ---- the in-process engine (llama.cpp) ------------------------------------------- */

/**
 * The engine "llamacpp": a GGUF model and its multimodal projector run inside semio through
 * libllama and libmtmd (meson feature llamacpp). A window's pictures are evaluated once and
 * every question about it continues from them; answers are constrained to the answer's JSON
 * by a grammar and P(yes) is read from the whole vocabulary's probabilities.
 */
typedef struct SemioLlamacppSettings {
    const char *gguf;          /**< the model (required) */
    const char *mmproj;        /**< its projector, for pictures (required) */
    int gpu_layers;            /**< layers offloaded to a GPU (default 0: CPU only) */
    int threads;               /**< default 1 */
    int n_ctx;                 /**< context length (default 8192) */
    int max_tokens;            /**< the answer's limit (default 512) */
    uint32_t seed;             /**< the sampler's (default 0; sampling is greedy) */
    int share_prefix;          /**< 1 (default): a window's pictures evaluated once for all its
                                    questions; 0: every question from scratch (benchmarks) */
    const char *kv_cache;      /**< the KV cache's number type: "f16" (NULL, the default) or
                                    "q8_0" (half the memory, with flash attention; answers
                                    may differ a little; not faster on an H200) */
} SemioLlamacppSettings;

SEMIO_API void semio_llamacpp_default_settings(SemioLlamacppSettings *s);

/**
 * What the in-process engine runs on, for semio version: llama.cpp's version and commit and
 * the devices its ggml backends find, "llama.cpp (ggml 0.9.4, commit 0ad4a86), backends: CPU
 * (AMD EPYC 9554)" (or why none loaded), into out. Loads the backends (once a process).
 * SEMIO_ERR_NOT_BUILT, out empty, where semio was built without llamacpp.
 */
SEMIO_API int semio_llamacpp_build_info(char *out, size_t size);

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
SEMIO_API int semio_transcribe_wav(const SemioOpenAISettings *s, const uint8_t *wav, size_t size,
                         SemioTranscript *out, SemioError *err);
SEMIO_API void semio_transcript_free(SemioTranscript *t);

/** One question with its window's pictures and sound, as the OpenAI engine sends it. */
typedef struct SemioRequest {
    const char *text;             /**< the question, sent last */
    const SemioImagePart *images; /**< in time order, sent first */
    size_t nimages;
    const uint8_t *wav;           /**< audio as WAV bytes, or NULL */
    size_t wav_size;
    int allow_na;
} SemioRequest;

/**
 * The request body semio sends for r (for tests and benchmarks); free with semio_free.
 * The API key is never part of it.
 */
SEMIO_API char *semio_openai_request_body(const SemioOpenAISettings *s, const SemioRequest *r);

#ifdef __cplusplus
}
#endif
#endif
