/*
 * What the fuzz targets share: libFuzzer's entry point, and the input handed to parsers
 * that take a NUL-terminated string or a path.
 */
#ifndef SEMIO_TESTS_FUZZ_H
#define SEMIO_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Each fuzz_<name>.c defines it; libFuzzer (or replay.c) calls it once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (malloc'ed, the caller frees): cut at its first NUL, as a
 * parser reading a file or a reply body sees it. NULL when out of memory. */
char *fuzz_string(const uint8_t *data, size_t size);

/* A file in memory (memfd) that every call rewrites: one per input a target needs. */
typedef struct FuzzFile {
    int fd; /* 0 until first written */
    char path[32];
} FuzzFile;

/* Makes f hold exactly data[0..size) and returns its path (/proc/self/fd/N); aborts when
 * the memfd cannot be made or written, since no input could then be tried. */
const char *fuzz_file(FuzzFile *f, const void *data, size_t size);

#endif
