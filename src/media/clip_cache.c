/*
 * The proxy clips' cache (semio_clip_cached): one file per source, window and settings in
 * CACHE/clips/, named so that a changed source or setting never finds an old clip.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "semio/clip.h"
#include "util/error.h"
#include "util/fs.h"

/* Bumped when the same request would make a different clip (encoder settings, frame rule),
 * so clips made by an older semio are not served. */
#define CLIP_RECIPE 1

/* The first 16 hex digits of the SHA-256 of text: 64 bits, enough for one cache's clips. */
static int key_hash(const char *text, char hex[17])
{
    uint8_t digest[32];
    struct AVSHA *sha = av_sha_alloc();
    if (!sha || av_sha_init(sha, 256) < 0) {
        av_free(sha);
        return -1;
    }
    av_sha_update(sha, (const uint8_t *)text, (unsigned)strlen(text));
    av_sha_final(sha, digest);
    av_free(sha);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return 0;
}

/* The source's name without folder and extension, in characters safe in any file name, so
 * a person looking into clips/ sees whose clips they are. */
static void name_stem(const char *src, char *out, size_t size)
{
    const char *base = semio_basename(src), *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base), o = 0;
    for (size_t i = 0; i < n && o + 1 < size && o < 48; i++) {
        char ch = base[i];
        int safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        out[o++] = safe ? ch : '_';
    }
    out[o] = '\0';
}

/* "clips/STEM-HASH.mp4" under cache_dir, HASH over the source's identity, the window and
 * the settings; the times as hexadecimal floats, exactly. */
static int clip_path(const char *cache_dir, const char *src, const struct stat *st, double start,
                     double end, const SemioClipSettings *s, char *out, size_t size,
                     SemioError *err)
{
    char full[PATH_MAX], text[PATH_MAX + 512], hex[17], stem[64];
    if (!realpath(src, full))
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open: %s", src, strerror(errno));
    snprintf(text, sizeof(text), "semio clip %d\n%s\n%lld\n%lld.%09ld\n%a\n%a\n%a\n%d\n%d\n",
             CLIP_RECIPE, full, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
             st->st_mtim.tv_nsec, start, end, s->fps, s->max_height, s->crf);
    if (key_hash(text, hex) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", src);
    name_stem(full, stem, sizeof(stem));
    return semio_path(err, out, size, "%s/clips/%s-%s.mp4", cache_dir, stem, hex);
}

/* Whether the clip at path is there and no older than the source. */
static int fresh(const char *path, const struct stat *src)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return st.st_mtim.tv_sec > src->st_mtim.tv_sec ||
           (st.st_mtim.tv_sec == src->st_mtim.tv_sec && st.st_mtim.tv_nsec >= src->st_mtim.tv_nsec);
}

int semio_clip_cached(const char *cache_dir, const char *src, double start, double end,
                      const SemioClipSettings *s, char **path, SemioError *err)
{
    *path = NULL;
    SemioClipSettings def;
    if (!s) {
        semio_clip_default_settings(&def);
        s = &def;
    }
    if (!cache_dir || !*cache_dir || !src || !*src)
        return semio_fail(err, SEMIO_ERR_INVALID, "clip: the cache folder and source are needed");
    struct stat st;
    if (stat(src, &st) != 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open: %s", src, strerror(errno));
    char out[PATH_MAX], dir[PATH_MAX];
    int r = clip_path(cache_dir, src, &st, start, end, s, out, sizeof(out), err);
    if (r < 0)
        return r;
    if (!fresh(out, &st)) {
        if ((r = semio_path(err, dir, sizeof(dir), "%s/clips", cache_dir)) < 0 ||
            (r = semio_mkdirs(dir, err)) < 0)
            return r;
        semio_remove_stale_temps(dir); /* a killed maker's */
        if ((r = semio_clip_write(src, start, end, s, out, NULL, err)) < 0)
            return r;
    }
    if (!(*path = strdup(out)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", out);
    return 0;
}
