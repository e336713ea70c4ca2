/* Files and folders: atomic writes, recursive mkdir, whole-file reads. */
#ifndef SEMIO_UTIL_FS_H
#define SEMIO_UTIL_FS_H

#include <stddef.h>

#include "semio/common.h"

/** mkdir -p. */
int semio_mkdirs(const char *path, SemioError *err);

/** rm -rf: removes a folder and what it holds (a missing one is not an error). */
int semio_remove_tree(const char *path, SemioError *err);

/** Writes `size` bytes to `path` through a temporary file and rename(2): whole or nothing. */
int semio_write_atomic(const char *path, const void *data, size_t size, SemioError *err);

/**
 * Removes the "NAME.tmpPID" files a killed writer left in `dir` (semio_write_atomic's and
 * the WAV writer's), only those whose process is gone: another process writing into the
 * same folder keeps its own.
 */
void semio_remove_stale_temps(const char *dir);

/** The name a file is written under before it is renamed into place: "PATH.tmpPID.TID",
 * so writers never share one and semio_remove_stale_temps knows a dead writer's. */
void semio_temp_name(char *out, size_t size, const char *path);

/** Reads a whole file into a NUL-terminated malloc'ed buffer. */
int semio_read_file(const char *path, char **data, size_t *size, SemioError *err);

/** snprintf for paths: fails with a clear error instead of truncating. */
int semio_path(SemioError *err, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** The last path component (pointer into `path`). */
const char *semio_basename(const char *path);

#endif
