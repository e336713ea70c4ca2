/* Error codes, error messages and version: what every other semio header uses. */
#ifndef SEMIO_COMMON_H
#define SEMIO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What libsemio exports: the functions declared in include/semio/, nothing else. The
 * library is compiled with hidden visibility and SEMIO_BUILDING, so this marks the public
 * API; for a program that includes the headers it is nothing.
 */
#if defined(SEMIO_BUILDING) && defined(__GNUC__)
#define SEMIO_API __attribute__((visibility("default")))
#else
#define SEMIO_API
#endif

/** Every fallible semio call returns 0 or one of these negative codes. */
typedef enum SemioCode {
    SEMIO_OK = 0,
    SEMIO_ERR_INVALID = -1,   /**< bad argument or option value */
    SEMIO_ERR_NOMEM = -2,     /**< out of memory */
    SEMIO_ERR_IO = -3,        /**< a file could not be read or written */
    SEMIO_ERR_FORMAT = -4,    /**< a file is not what it claims (media, CSV, JSON) */
    SEMIO_ERR_DECODE = -5,    /**< media that opened but could not be decoded */
    SEMIO_ERR_DB = -6,        /**< the study database refused an operation */
    SEMIO_ERR_NOT_FOUND = -7, /**< a named thing does not exist */
    SEMIO_ERR_CONFLICT = -8,  /**< the request contradicts what is stored */
    SEMIO_ERR_INTERRUPTED = -9,
    SEMIO_ERR_REFUSED = -10,  /**< a server refused the request for good (credentials, a
                                   model or an input it does not have) */
    SEMIO_ERR_NOT_BUILT = -11, /**< an optional part this semio was built without (see
                                    semio_optional_parts) */
} SemioCode;

/**
 * A human-readable account of the last failure. Callers own it (usually on the
 * stack); every fallible call takes one, which may be NULL when the caller
 * only wants the code.
 */
typedef struct SemioError {
    int code;
    char message[1024];
} SemioError;

/** Frees memory semio handed to the caller (strings, arrays); NULL is fine. */
SEMIO_API void semio_free(void *p);

/** A sentence describing a SemioCode. Never NULL. */
SEMIO_API const char *semio_strerror(int code);

/** The library version, "MAJOR.MINOR.PATCH". */
SEMIO_API const char *semio_version(void);

/**
 * An optional part of semio, chosen when it was built (a meson feature of the same name).
 * Where one is missing, its entry points still exist and return SEMIO_ERR_NOT_BUILT with a
 * message that says what to install.
 */
typedef struct SemioFeature {
    const char *name;  /**< the meson feature: "phantom", "dlib", "blazeface", "pocketsphinx"
                            or "denoise" */
    const char *what;  /**< what it gives, e.g. "the phantom renderer" */
    const char *needs; /**< what building it takes, e.g. "install libcairo2-dev and
                            libespeak-ng-dev" */
    int built;         /**< 1 where this semio has it */
} SemioFeature;

/** Every optional part, built in or not, in a fixed order; *n gets their count. */
SEMIO_API const SemioFeature *semio_optional_parts(size_t *n);

/** 1 if the optional part `name` is built in, 0 if not or if there is no such part. */
SEMIO_API int semio_feature_built(const char *name);

/**
 * Splits a comma-separated list in place, as every list semio reads is split (--url,
 * --signs, --run, a config's "url = a, b"): the whitespace around each item is cut and
 * empty items are skipped, so "limb, facial" and "limb,facial" name the same two items.
 * The first `max` items go to `items`, pointing into `text`; returns how many the list
 * holds, which may be more than `max` (the caller says its limit).
 */
SEMIO_API size_t semio_list_split(char *text, char **items, size_t max);

/** How much of FFmpeg's own log (libavformat, libavcodec, libx264...) reaches stderr. */
typedef enum SemioLogLevel {
    SEMIO_LOG_QUIET,   /**< nothing: semio's own errors say what failed */
    SEMIO_LOG_WARNING, /**< FFmpeg's errors and warnings (damaged packets, odd streams) */
    SEMIO_LOG_INFO,    /**< also what FFmpeg says by default: encoder statistics and the like */
    SEMIO_LOG_DEBUG,   /**< everything FFmpeg says, down to its debug messages */
} SemioLogLevel;

/**
 * Routes FFmpeg's log (av_log) to stderr as "semio: ffmpeg: [context] message" lines,
 * those at `level` or more serious only. It sets FFmpeg's log level and callback, which
 * FFmpeg keeps for the whole process: call it once, before work starts. Until it is
 * called FFmpeg logs as it does by default (to stderr, statistics included). semio keeps
 * no state of its own for this.
 */
SEMIO_API void semio_log_set_level(SemioLogLevel level);

#ifdef __cplusplus
}
#endif
#endif
