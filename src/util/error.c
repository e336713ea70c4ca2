/* Error codes to sentences, and the one place SemioError gets filled. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>

#include "semio_config.h"
#include "util/error.h"

const char *semio_strerror(int code)
{
    switch (code) {
    case SEMIO_OK: return "success";
    case SEMIO_ERR_INVALID: return "invalid argument";
    case SEMIO_ERR_NOMEM: return "out of memory";
    case SEMIO_ERR_IO: return "input/output error";
    case SEMIO_ERR_FORMAT: return "malformed input";
    case SEMIO_ERR_DECODE: return "decoding failed";
    case SEMIO_ERR_DB: return "study database error";
    case SEMIO_ERR_NOT_FOUND: return "not found";
    case SEMIO_ERR_CONFLICT: return "conflicts with stored data";
    case SEMIO_ERR_INTERRUPTED: return "interrupted";
    case SEMIO_ERR_REFUSED: return "a server refused the request";
    case SEMIO_ERR_NOT_BUILT: return "not built into this semio";
    }
    return "unknown error";
}

const char *semio_version(void)
{
    return SEMIO_VERSION;
}

int semio_fail(SemioError *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void semio_error_clear(SemioError *err)
{
    if (err) {
        err->code = SEMIO_OK;
        err->message[0] = '\0';
    }
}

const char *semio_averr(int averr, char *buf, size_t size)
{
    if (av_strerror(averr, buf, size) < 0)
        snprintf(buf, size, "FFmpeg error %d", averr);
    return buf;
}

const char *semio_write_strerror(int e, const char *path, char *buf, size_t size)
{
    if (e != ENOSPC && e != EDQUOT) {
        snprintf(buf, size, "%s", strerror(e));
        return buf;
    }
    /* the folder, absolute: "the device holding ." would not say which */
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    snprintf(buf, size, "%s on the device holding %s",
             e == ENOSPC ? "no space left" : "the disk quota is used up",
             realpath(dir, real) ? real : dir);
    return buf;
}

void semio_free(void *ptr)
{
    free(ptr);
}
