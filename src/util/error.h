/* Internal helpers to fill a SemioError with a message a person can act on. */
#ifndef SEMIO_UTIL_ERROR_H
#define SEMIO_UTIL_ERROR_H

#include "semio/common.h"

/** Sets err (if not NULL) and returns code, so callers can `return semio_fail(...)`. */
int semio_fail(SemioError *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Turns an FFmpeg error number into words (thread-safe, into buf). */
const char *semio_averr(int averr, char *buf, size_t size);

/**
 * Fails with SEMIO_ERR_NOT_BUILT: "semio was built without WHAT (meson feature 'NAME': what
 * to install and rebuild)", for an entry point of an optional part that is not built in.
 */
int semio_fail_not_built(SemioError *err, const char *feature);

/**
 * Words for errno `e` met while writing `path`: strerror's, except that a full disk (ENOSPC)
 * or a used-up quota (EDQUOT) names the folder whose device ran out ("no space left on the
 * device holding /data/s.cache/frames/v1"), since the file that failed is rarely where the
 * space went. Into buf, which it returns.
 */
const char *semio_write_strerror(int e, const char *path, char *buf, size_t size);

#define SEMIO_WRITE_ERR(e, path) semio_write_strerror((e), (path), (char[1024]){0}, 1024)

/** Clears err to SEMIO_OK with an empty message. */
void semio_error_clear(SemioError *err);

#define SEMIO_AVERR(e) semio_averr((e), (char[128]){0}, 128)

#endif
