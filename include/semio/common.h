/* Error codes, error messages and version: what every other semio header uses. */
#ifndef SEMIO_COMMON_H
#define SEMIO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
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
    SEMIO_ERR_REFUSED = -10,  /**< a server refused the request for good (credentials) */
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

/** A sentence describing a SemioCode. Never NULL. */
const char *semio_strerror(int code);

/** The library version, "MAJOR.MINOR.PATCH". */
const char *semio_version(void);

#ifdef __cplusplus
}
#endif
#endif
