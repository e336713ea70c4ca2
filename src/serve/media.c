/*
 * The review app's media: the frames a model was sent, the view drawn over them, and
 * short H.264 proxy clips of the windows (and whole recordings, for labeling), cut by
 * semio itself and cached in the study's cache. Everything is found by numbers in the
 * study, never by a path in the URL, and the original recording is never served.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "semio/clip.h"
#include "serve/serve.h"
#include "stages/views.h"
#include "stages/window.h"
#include "util/error.h"

/* One clip is cut at a time: two raters opening the same window wait for one encode, and
 * the encoder has the machine's cores to itself. */
static pthread_mutex_t clip_lock = PTHREAD_MUTEX_INITIALIZER;

/* The part of a file of `total` bytes a Range header asks for; 0: the whole file, -1: none
 * of it can be given (416). One range only: a list of ranges gets the whole file. */
static int byte_range(const char *range, uint64_t total, uint64_t *from, uint64_t *len)
{
    *from = 0;
    *len = total;
    if (!range)
        return 0;
    unsigned long long a = 0, b = 0;
    int n = 0;
    if (strchr(range, ','))
        return 0;
    if (sscanf(range, "bytes=-%llu%n", &b, &n) == 1 && !range[n]) { /* the last b bytes */
        if (b == 0 || total == 0)
            return -1;
        *len = b < total ? b : total;
        *from = total - *len;
        return 1;
    }
    n = 0;
    if (sscanf(range, "bytes=%llu-%n", &a, &n) == 1 && n && !range[n]) {
        b = total ? total - 1 : 0;
    } else if (n = 0, sscanf(range, "bytes=%llu-%llu%n", &a, &b, &n) != 2 || range[n] || b < a) {
        return 0; /* not a range this server knows: the whole file, as RFC 9110 allows */
    }
    if (a >= total)
        return -1;
    if (b >= total)
        b = total - 1;
    *from = a;
    *len = b - a + 1;
    return 1;
}

/* Answers with the file at `path` (or the Range's part of it). */
static int send_file(ServeRequest *rq, const char *path, const char *type, ServeResponse *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return serve_error(out, MHD_HTTP_NOT_FOUND, "the file is gone from the study's cache");
    }
    uint64_t from, len;
    int part = byte_range(rq->range, (uint64_t)st.st_size, &from, &len);
    out->total = (uint64_t)st.st_size;
    if (part < 0) {
        close(fd);
        return serve_error(out, MHD_HTTP_RANGE_NOT_SATISFIABLE, "range beyond the file");
    }
    out->fd = fd;
    out->offset = from;
    out->length = len;
    out->partial = part;
    out->type = type;
    out->cache = 3600;
    out->status = part ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK;
    return out->status;
}

static int frame(ServeRequest *rq, int64_t segment, int64_t sampling, int64_t ordinal,
                 ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT path FROM frames WHERE segment_id = ? AND "
                                     "sampling_id = ? AND ordinal = ?", NULL) < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "the study refused");
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_int64(st, 2, sampling);
    sqlite3_bind_int64(st, 3, ordinal);
    char path[4096];
    int found = sqlite3_step(st) == SQLITE_ROW &&
                semio_study_file(rq->s, (const char *)sqlite3_column_text(st, 0), path,
                                 sizeof(path), NULL) == 0;
    sqlite3_finalize(st);
    if (!found)
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such frame");
    return send_file(rq, path, "image/jpeg", out);
}

/* The view's picture drawn over a frame (the face crop, the skeleton), as the run sent it. */
static int view_image(ServeRequest *rq, int64_t run, int64_t segment, int64_t ordinal,
                      ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT u.view, m.id FROM runs u JOIN samplings m ON "
                                     "m.key = u.sampling WHERE u.id = ?", NULL) < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "the study refused");
    sqlite3_bind_int64(st, 1, run);
    const SemioViewSpec *view = NULL;
    int64_t sampling = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        view = semio_view_find((const char *)sqlite3_column_text(st, 0));
        sampling = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (!view || !view->kind || !view->sampled)
        return serve_error(out, MHD_HTTP_NOT_FOUND, "the run sent no such pictures");
    WindowInputs in = { 0 };
    WindowSource src = { .sampling = sampling, .audio_kind = "audio" };
    int present = 0;
    if (semio_window_load(rq->s, segment, view, &src, &in, &present, NULL) == 0 && present &&
        ordinal >= 0 && (size_t)ordinal < in.media.n) {
        const SemioImagePart *p = &in.media.parts[ordinal];
        if ((out->data = malloc(p->size ? p->size : 1))) {
            memcpy(out->data, p->jpeg, p->size);
            out->size = p->size;
            out->type = "image/jpeg";
            out->cache = 3600;
            out->status = MHD_HTTP_OK;
        }
    }
    semio_window_close(&in);
    return out->status ? out->status : serve_error(out, MHD_HTTP_NOT_FOUND, "no such picture");
}

/* A proxy clip of [start, end) of a recording: made once, then served from the cache. */
static int clip(ServeRequest *rq, const char *sql, int64_t id, ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, sql, NULL) < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "the study refused");
    sqlite3_bind_int64(st, 1, id);
    char *source = NULL;
    double start = 0, end = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        source = strdup((const char *)sqlite3_column_text(st, 0));
        start = sqlite3_column_double(st, 1);
        end = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
    if (!source)
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such recording");
    SemioClipSettings set;
    semio_clip_default_settings(&set);
    SemioError err = { 0 };
    char *path = NULL;
    pthread_mutex_lock(&clip_lock);
    int r = semio_clip_cached(semio_study_cache_dir(rq->s), source, start, end, &set, &path,
                              &err);
    pthread_mutex_unlock(&clip_lock);
    free(source);
    if (r < 0) /* the recording moved or is damaged: say so, it is the unit's own file */
        return serve_error(out, MHD_HTTP_NOT_FOUND, "cannot cut the clip: %s", err.message);
    send_file(rq, path, "video/mp4", out);
    semio_free(path);
    return out->status;
}

int serve_media(ServeRequest *rq, ServeResponse *out)
{
    const char *p = rq->path;
    int64_t v[3];
    if (serve_route(p, "/media/frames/#/#/#.jpg", v))
        frame(rq, v[0], v[1], v[2], out);
    else if (serve_route(p, "/media/view/#/#/#.jpg", v))
        view_image(rq, v[0], v[1], v[2], out);
    else if (serve_route(p, "/media/clip/#.mp4", v))
        clip(rq, "SELECT v.path, g.start_s, g.end_s FROM segments g JOIN videos v ON v.id = "
                 "g.video_id WHERE g.id = ? AND v.status = 'ok'", v[0], out);
    else if (serve_route(p, "/media/recording/#.mp4", v))
        clip(rq, "SELECT path, 0, duration FROM videos WHERE id = ? AND status = 'ok'", v[0],
             out);
    else
        return 0;
    return 1;
}
