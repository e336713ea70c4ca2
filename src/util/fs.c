/* File helpers shared by every stage that writes into the study's cache. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

int semio_mkdirs(const char *path, SemioError *err)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(buf))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: path is empty or too long", path);
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return semio_fail(err, SEMIO_ERR_IO, "%s: cannot create folder: %s", buf,
                                  SEMIO_WRITE_ERR(errno, buf));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

void semio_temp_name(char *out, size_t size, const char *path)
{
    snprintf(out, size, "%s.tmp%ld.%ld", path, (long)getpid(), (long)gettid());
}

int semio_write_atomic(const char *path, const void *data, size_t size, SemioError *err)
{
    char tmp[4200];
    semio_temp_name(tmp, sizeof(tmp), path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", path,
                          SEMIO_WRITE_ERR(errno, path));
    const char *p = data;
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", path,
                              SEMIO_WRITE_ERR(e, path));
        }
        p += w;
        size -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot finish writing: %s", path,
                          SEMIO_WRITE_ERR(e, path));
    }
    return 0;
}

int semio_read_file(const char *path, char **data, size_t *size, SemioError *err)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory reading file", path);
    if (bad) {
        free(buf);
        return semio_fail(err, SEMIO_ERR_IO, "%s: read error", path);
    }
    buf[len] = '\0';
    *data = buf;
    if (size)
        *size = len;
    return 0;
}

const char *semio_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int semio_path(SemioError *err, char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        return semio_fail(err, SEMIO_ERR_INVALID, "path too long: %.200s...", buf);
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int semio_remove_tree(const char *path, SemioError *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0 && errno == ENOENT)
        return 0;
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return 0;
}

void semio_remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        const char *tmp = strstr(e->d_name, ".tmp");
        char *end;
        if (!tmp || !tmp[4])
            continue;
        long pid = strtol(tmp + 4, &end, 10);
        if (*end == '.') /* the writing thread */
            strtol(end + 1, &end, 10);
        if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* a live writer's, or not ours to judge */
        char path[PATH_MAX + 256];
        if (semio_path(NULL, path, sizeof(path), "%s/%s", dir, e->d_name) == 0)
            unlink(path);
    }
    closedir(d);
}
