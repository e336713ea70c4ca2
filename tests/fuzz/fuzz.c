/* The fuzz targets' shared helpers: inputs as strings and as files in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

const char *fuzz_file(FuzzFile *f, const void *data, size_t size)
{
    if (!f->fd) {
        f->fd = memfd_create("semio-fuzz", MFD_CLOEXEC);
        if (f->fd < 0) {
            perror("fuzz: memfd_create");
            abort();
        }
        snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
    }
    if (ftruncate(f->fd, 0) != 0 || (size && pwrite(f->fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz: writing the input");
        abort();
    }
    return f->path;
}
