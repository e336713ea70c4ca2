/* Loading what a window gives an engine from the study (see window.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "semio/image.h"
#include "stages/window.h"
#include "util/error.h"
#include "util/fs.h"

char *semio_window_transcript(SemioStudy *s, int64_t segment, const char *source)
{
    sqlite3_stmt *st;
    char *text = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT text FROM transcripts WHERE segment_id = ? AND "
                                  "source = ? AND status = 'ok'", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return text;
}

char *semio_window_question(const char *question, const char *transcript)
{
    static const char fmt[] = "%s\n\nA speech-to-text transcript of this window's sound (it "
                              "may contain errors): \"%s\"";
    size_t n = strlen(question) + strlen(transcript) + sizeof(fmt);
    char *t = malloc(n);
    if (t)
        snprintf(t, n, fmt, question, transcript);
    return t;
}

static void free_media(WindowMedia *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->data[i]);
    free(f->data);
    free(f->parts);
    free(f->wav);
    memset(f, 0, sizeof(*f));
}

int semio_window_has_view(SemioStudy *s, int64_t segment, const char *kind)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM views WHERE segment_id = ? AND kind = ? AND "
                                  "status = 'ok'", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* The segment's WAV (view `kind`), or 0 with nothing loaded when there is none. */
static int load_audio(SemioStudy *s, int64_t segment, const char *kind, WindowMedia *f,
                      SemioError *err)
{
    free_media(f);
    f->segment = segment;
    f->loaded = 1;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, "SELECT path FROM views WHERE segment_id = ? AND kind = ? "
                                     "AND status = 'ok'", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        char path[PATH_MAX + 256], *data;
        if ((r = semio_study_file(s, (const char *)sqlite3_column_text(st, 0), path,
                                  sizeof(path), err)) == 0 &&
            (r = semio_read_file(path, &data, &f->wav_size, err)) == 0)
            f->wav = (uint8_t *)data;
        /* only a WAV file goes to a server as the window's sound */
        if (r == 0 && (f->wav_size < 12 || memcmp(data, "RIFF", 4) || memcmp(data + 8, "WAVE", 4)))
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a WAV file", path);
    }
    sqlite3_finalize(st);
    return r;
}

/* Room in f's arrays (*cap of them) for one more picture, its bytes NULL until read. */
static int make_room(WindowMedia *f, size_t *cap, SemioError *err)
{
    if (f->n == *cap) {
        size_t want = *cap ? *cap * 2 : 64;
        SemioImagePart *np = realloc(f->parts, want * sizeof(*np));
        if (np)
            f->parts = np;
        uint8_t **nd = np ? realloc(f->data, want * sizeof(*nd)) : NULL;
        if (!nd)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        f->data = nd;
        *cap = want;
    }
    f->data[f->n] = NULL;
    return 0;
}

/* Picture i's JPEG bytes replaced by their pixels. */
static int to_pixels(WindowMedia *f, size_t i, const char *path, SemioError *err)
{
    SemioImage img = { 0 };
    int r = semio_jpeg_decode(f->parts[i].jpeg, f->parts[i].size, path, &img, err);
    if (r < 0)
        return r;
    free(f->data[i]);
    f->data[i] = img.data;
    f->parts[i] = (SemioImagePart){ .time = f->parts[i].time, .rgb = img.data,
                                    .width = img.width, .height = img.height };
    return 0;
}

/* Where the pixels of one sampler read go. */
typedef struct PixelRead {
    WindowMedia *f;
    size_t at;
    const char *path;
    SemioError *err;
} PixelRead;

static int take_frame(void *user, const SemioFrame *fr)
{
    PixelRead *p = user;
    WindowMedia *f = p->f;
    if (fr->error)
        return semio_fail(p->err, SEMIO_ERR_FORMAT, "%s: frame %lld: %s", p->path,
                          (long long)fr->index, fr->error);
    if (fr->width != f->width || fr->height != f->height)
        return semio_fail(p->err, SEMIO_ERR_FORMAT, "%s: frame %lld decodes at %dx%d, but was "
                          "sampled at %dx%d", p->path, (long long)fr->index, fr->width,
                          fr->height, f->width, f->height);
    size_t row = (size_t)fr->width * 3;
    uint8_t *rgb = malloc(row * (size_t)fr->height);
    if (!rgb)
        return semio_fail(p->err, SEMIO_ERR_NOMEM, "out of memory");
    for (int y = 0; y < fr->height; y++)
        memcpy(rgb + row * (size_t)y, fr->rgb + (size_t)fr->stride * (size_t)y, row);
    f->data[p->at] = rgb;
    f->parts[p->at].rgb = rgb;
    f->parts[p->at].width = fr->width;
    f->parts[p->at].height = fr->height;
    p->at++;
    return 0;
}

/* The recording `video` open in the reader, checked to be the file that was sampled. */
static int open_recording(RecordingReader *rd, int64_t video, const char *path, int64_t size,
                          int64_t mtime_ns, int64_t max_pixels, SemioError *err)
{
    if (rd->sampler && rd->video == video)
        return 0;
    semio_sampler_close(&rd->sampler);
    struct stat st;
    if (stat(path, &st) < 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open the recording to decode its "
                          "sampled frames again", path);
    if ((int64_t)st.st_size != size ||
        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != mtime_ns)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the recording changed since it was "
                          "sampled (semio ingest, then semio sample, again)", path);
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.max_pixels = max_pixels;
    int r = semio_sampler_open(&rd->sampler, path, &ss, err);
    rd->video = r == 0 ? video : 0;
    return r;
}

/* The sampled frames of a segment as pixels, decoded again from the recording: the frames
 * the JPEGs were written from, without their loss. */
static int load_pixels(SemioStudy *s, int64_t segment, int64_t sampling, RecordingReader *rd,
                       WindowMedia *f, SemioError *err)
{
    free_media(f);
    f->segment = segment;
    f->loaded = 1;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT f.frame_index, f.time_s, x.width, x.height, v.id, v.path, v.size, v.mtime_ns, "
        "m.max_pixels FROM frames f JOIN samples x USING (segment_id, sampling_id) "
        "JOIN segments g ON g.id = f.segment_id JOIN videos v ON v.id = g.video_id "
        "JOIN samplings m ON m.id = f.sampling_id "
        "WHERE f.segment_id = ? AND f.sampling_id = ? ORDER BY f.ordinal", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_int64(st, 2, sampling);
    int64_t *index = NULL;
    size_t cap = 0;
    char path[PATH_MAX];
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        size_t had = cap;
        if ((r = make_room(f, &cap, err)) < 0)
            break;
        int64_t *ni = cap != had ? realloc(index, cap * sizeof(*ni)) : index;
        if (!ni) {
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            break;
        }
        index = ni;
        if (!f->n) {
            snprintf(path, sizeof(path), "%s", (const char *)sqlite3_column_text(st, 5));
            f->width = sqlite3_column_int(st, 2);
            f->height = sqlite3_column_int(st, 3);
            r = open_recording(rd, sqlite3_column_int64(st, 4), path, sqlite3_column_int64(st, 6),
                               sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8), err);
        }
        index[f->n] = sqlite3_column_int64(st, 0);
        f->parts[f->n] = (SemioImagePart){ .time = sqlite3_column_double(st, 1) };
        f->n++;
    }
    sqlite3_finalize(st);
    if (r == 0 && f->n) {
        PixelRead p = { f, 0, path, err };
        r = semio_sampler_read(rd->sampler, index, f->n, take_frame, &p, err);
    }
    free(index);
    return r;
}

/* The sampled frames of a segment, or with `kind` ("pose", "face") that view of them (none
 * when the segment has no such view). */
static int load_frames(SemioStudy *s, int64_t segment, int64_t sampling, const char *kind,
                       int pixels, WindowMedia *f, SemioError *err)
{
    free_media(f);
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, kind
        ? "SELECT w.path || substr(f.path, length(rtrim(f.path, replace(f.path, '/', ''))))"
          ", f.time_s, x.width, x.height FROM frames f JOIN samples x USING (segment_id, "
          "sampling_id) JOIN views w ON w.segment_id = f.segment_id AND w.kind = ?3 AND "
          "w.status = 'ok' WHERE f.segment_id = ?1 AND f.sampling_id = ?2 ORDER BY f.ordinal"
        : "SELECT f.path, f.time_s, x.width, x.height FROM frames f "
          "JOIN samples x USING (segment_id, sampling_id) "
          "WHERE f.segment_id = ? AND f.sampling_id = ? ORDER BY f.ordinal", err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, segment);
    sqlite3_bind_int64(st, 2, sampling);
    if (kind)
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if ((r = make_room(f, &cap, err)) < 0)
            break;
        char path[PATH_MAX + 256];
        char *data;
        size_t size;
        if ((r = semio_study_file(s, (const char *)sqlite3_column_text(st, 0), path,
                                  sizeof(path), err)) < 0 ||
            (r = semio_read_file(path, &data, &size, err)) < 0)
            break;
        f->data[f->n] = (uint8_t *)data;
        f->parts[f->n] = (SemioImagePart){ .jpeg = (uint8_t *)data, .size = size,
                                           .time = sqlite3_column_double(st, 1) };
        f->width = sqlite3_column_int(st, 2);
        f->height = sqlite3_column_int(st, 3);
        f->n++;
        /* only JPEG goes to a server; a view's pictures need not have the sampled size
         * (face crops are square) */
        int w, h;
        if (semio_jpeg_size((const uint8_t *)data, size, &w, &h) < 0) {
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a JPEG", path);
            break;
        }
        if (kind) {
            f->width = w;
            f->height = h;
        }
        if (pixels) /* a drawn view's pictures exist only as JPEG: decoded here, once */
            r = to_pixels(f, f->n - 1, path, err);
    }
    sqlite3_finalize(st);
    f->segment = segment;
    f->loaded = 1;
    return r;
}


int semio_window_load(SemioStudy *s, int64_t segment, const SemioViewSpec *view,
                      const WindowSource *src, WindowInputs *in, int *present, SemioError *err)
{
    int r = 0;
    semio_window_clear(in);
    if (view->input & SEMIO_INPUT_SIGNALS) {
        r = semio_window_signals(s, segment, src->keypoints, &in->keypoints, &in->signals, err);
        *present = r == 0;
    } else if (view->input & SEMIO_INPUT_AUDIO) {
        r = load_audio(s, segment, src->audio_kind, &in->media, err);
        *present = in->media.wav != NULL;
    } else {
        r = src->pixels && !view->kind
                ? load_pixels(s, segment, src->sampling, &in->recording, &in->media, err)
                : load_frames(s, segment, src->sampling, view->kind, src->pixels, &in->media, err);
        *present = in->media.n > 0;
    }
    return r;
}

void semio_window_clear(WindowInputs *in)
{
    semio_window_signals_free(&in->signals);
    free_media(&in->media);
}

void semio_window_close(WindowInputs *in)
{
    semio_window_clear(in);
    semio_sampler_close(&in->recording.sampler);
    semio_keypoint_cache_close(&in->keypoints);
}
