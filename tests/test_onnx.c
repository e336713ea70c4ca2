/*
 * The feature set "onnx" (src/learn/onnx.c) on a tiny random 3-D convolutional network that
 * tests/make_tiny_r3d.py writes: the embedding against numpy's output on the very tensor
 * semio fed, the tensor against pictures of known colour, layouts, and the errors.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "learn/onnx.h"
#include "semio/semio.h"
#include "testvideo.h"

#define PYTHON "/usr/bin/python3"
/* the tiny network's input: 4 frames of 32 x 32 */
#define TINY "{\"frames\":4,\"size\":32}"

static const char *script(void)
{
    static char path[4096];
    const char *root = getenv("SEMIO_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/tests/make_tiny_r3d.py", root ? root : ".");
    return path;
}

/* Whether the script can run: Debian's python3 with python3-onnx and numpy. */
static int have_python(void)
{
    static int have = -1;
    if (have < 0)
        have = access(PYTHON, X_OK) == 0 &&
               system(PYTHON " -c 'import onnx, numpy' >/dev/null 2>&1") == 0;
    return have;
}

/* The script's network of `kind` (model, ntchw, dynamic, bad-rank), written once. */
static const char *tiny(const char *kind)
{
    char name[64], cmd[8192];
    snprintf(name, sizeof(name), "%s.onnx", kind);
    const char *path = test_path(name);
    snprintf(cmd, sizeof(cmd), PYTHON " '%s' %s '%s'", script(), kind, path);
    if (access(path, F_OK) != 0 && system(cmd) != 0)
        return NULL;
    return path;
}

/* A recording of scene pictures: 80 x 48 (wider than high, so the crop matters), 30 fps. */
static const char *video(void)
{
    const char *path = test_path("scene.mp4");
    if (access(path, F_OK) == 0)
        return path;
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = 80;
    s.height = 48;
    s.gop = 12;
    s.preset = "ultrafast";
    return testvideo_make_scene(path, &s, 60) == 0 ? path : NULL;
}

#define NEED_TINY(kind, var)                                                          \
    SKIP_UNLESS_BUILT("onnx");                                                        \
    SKIP_UNLESS(have_python(), "no " PYTHON " with python3-onnx and python3-numpy");  \
    const char *var = tiny(kind);                                                     \
    CHECK_MSG(var, "make_tiny_r3d.py %s failed", kind)

/* numpy's output of the tiny network on the tensor semio last fed it. */
static int reference(const LearnOnnx *o, double ref[4])
{
    size_t n;
    const float *x = learn_onnx_last_input(o, &n);
    const char *in = test_path("input.f32");
    FILE *f = fopen(in, "wb");
    if (!x || !f || fwrite(x, sizeof(float), n, f) != n) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), PYTHON " '%s' reference '%s'", script(), in);
    FILE *p = popen(cmd, "r");
    int got = 0;
    while (p && got < 4 && fscanf(p, "%lf", &ref[got]) == 1)
        got++;
    return (p ? pclose(p) : -1) == 0 && got == 4 ? 0 : -1;
}

static void test_embedding(void)
{
    NEED_TINY("model", model);
    const char *rec = video();
    CHECK(rec);
    SemioError err = { 0 };
    LearnOnnx *o;
    CHECK_OK(learn_onnx_open(&o, model, TINY, &err), err);
    CHECK_INT(learn_onnx_dim(o), 4);
    double a[4], b[4], c[4], ref[4];
    int r = learn_onnx_embed(o, rec, 0, 1, a, &err);
    if (r == 0)
        r = reference(o, ref);
    if (r == 0)
        r = learn_onnx_embed(o, rec, 0, 1, b, &err);
    if (r == 0)
        r = learn_onnx_embed(o, rec, 1, 2, c, &err);
    char first[16], last[16];
    learn_onnx_feature_name(o, 0, first, sizeof(first));
    learn_onnx_feature_name(o, 3, last, sizeof(last));
    const char *set = learn_onnx_settings(o);
    int has = strstr(set, "\"frames\":4") && strstr(set, "\"sha256\":\"") &&
              strstr(set, "\"mean\":[0.43216,0.394666,0.37645]") && strstr(set, "\"dim\":4");
    printf("    settings %s\n    [0,1) s: %.6g %.6g %.6g %.6g (numpy %.6g %.6g %.6g %.6g)\n", set,
           a[0], a[1], a[2], a[3], ref[0], ref[1], ref[2], ref[3]);
    learn_onnx_close(&o);
    CHECK_MSG(r == 0, "embed or reference failed: %s", err.message);
    CHECK_MSG(has, "settings lack what identifies them");
    CHECK_STR(first, "emb_000");
    CHECK_STR(last, "emb_003");
    int same = 1, differs = 0, nonzero = 0;
    for (int i = 0; i < 4; i++) {
        CHECK(isfinite(a[i]));
        CHECK_MSG(fabs(a[i] - ref[i]) <= 1e-5 + 1e-5 * fabs(ref[i]),
                  "value %d: %.9g, numpy %.9g", i, a[i], ref[i]);
        same &= a[i] == b[i];
        differs |= a[i] != c[i];
        nonzero |= a[i] != 0;
    }
    CHECK_MSG(same, "the same window twice gave different numbers");
    CHECK_MSG(differs, "another window gave the same numbers");
    CHECK_MSG(nonzero, "every value is 0: the check above proves little");
}

/* A recording whose frame k is one colour: (8k, 255 - 8k, 128). */
static const char *colours(void)
{
    const char *path = test_path("colours.mp4");
    if (access(path, F_OK) == 0)
        return path;
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = 64;
    s.height = 96;
    s.quality = 1;
    s.preset = "ultrafast";
    SemioError err = { 0 };
    SemioWriter *w;
    uint8_t rgb[64 * 96 * 3];
    int r = semio_writer_open(&w, path, &s, &err);
    for (int k = 0; k < 30 && r == 0; k++) {
        for (int i = 0; i < 64 * 96; i++) {
            rgb[3 * i] = (uint8_t)(8 * k);
            rgb[3 * i + 1] = (uint8_t)(255 - 8 * k);
            rgb[3 * i + 2] = 128;
        }
        r = semio_writer_video(w, rgb, 64 * 3, k / 30.0, &err);
    }
    if (w && semio_writer_close(&w, &err) < 0)
        r = -1;
    return r == 0 ? path : NULL;
}

/* The tensor against pictures of known colour: frames evenly spaced (numpy's linspace),
 * channels in order, normalised, laid out as asked; then the NTCHW network agrees. */
static void test_tensor(void)
{
    NEED_TINY("model", model);
    const char *ntchw = tiny("ntchw"), *rec = colours();
    CHECK(ntchw && rec);
    SemioError err = { 0 };
    LearnOnnx *o, *p;
    CHECK_OK(learn_onnx_open(&o, model, TINY, &err), err);
    double a[4], b[4];
    int r = learn_onnx_embed(o, rec, 0, 1, a, &err);
    /* frames 0..29: linspace(0, 29, 4) -> 0, 9, 19, 29 */
    static const int pick[4] = { 0, 9, 19, 29 };
    static const double mean[3] = { 0.43216, 0.394666, 0.37645 };
    static const double sd[3] = { 0.22803, 0.22145, 0.216989 };
    size_t n = 0;
    const float *x = learn_onnx_last_input(o, &n);
    double worst = 0;
    for (int c = 0; c < 3 && r == 0; c++)
        for (int t = 0; t < 4; t++) {
            int k = pick[t], v = c == 0 ? 8 * k : c == 1 ? 255 - 8 * k : 128;
            double want = (v / 255.0 - mean[c]) / sd[c];
            for (size_t i = 0; i < 32 * 32; i++)
                worst = fmax(worst, fabs(x[((size_t)c * 4 + t) * 32 * 32 + i] - want) * sd[c] * 255);
        }
    float first[3 * 4 * 32 * 32];
    if (r == 0)
        memcpy(first, x, sizeof(first));
    if (r == 0 && (r = learn_onnx_open(&p, ntchw, "{\"frames\":4,\"size\":32,\"layout\":\"NTCHW\"}",
                                        &err)) == 0) {
        r = learn_onnx_embed(p, rec, 0, 1, b, &err);
        x = learn_onnx_last_input(p, &n);
        for (int c = 0; c < 3 && r == 0; c++)
            for (int t = 0; t < 4; t++)
                if (memcmp(x + ((size_t)t * 3 + c) * 1024, first + ((size_t)c * 4 + t) * 1024,
                           1024 * sizeof(float)))
                    r = 1;
        learn_onnx_close(&p);
    }
    learn_onnx_close(&o);
    printf("    largest error against the colours: %.2f levels of 255\n", worst);
    CHECK_MSG(r <= 0, "the NTCHW tensor is not the NCTHW one transposed");
    CHECK_MSG(r == 0, "%s", err.message);
    CHECK_INT(n, 3 * 4 * 32 * 32);
    /* x264 at CRF 1 and the round trip through 4:2:0 YUV of limited range move a flat
     * colour by up to 3 levels */
    CHECK_MSG(worst < 4, "the tensor is %.2f levels from the colours", worst);
    for (int i = 0; i < 4; i++)
        CHECK_MSG(fabs(a[i] - b[i]) < 1e-6, "NTCHW: %.9g, NCTHW %.9g", b[i], a[i]);
}

/* A window of fewer frames than the network takes repeats them evenly; an output whose
 * shape ONNX leaves free is measured by running once. */
static void test_short_window(void)
{
    NEED_TINY("dynamic", model);
    const char *rec = colours();
    CHECK(rec);
    SemioError err = { 0 };
    LearnOnnx *o;
    CHECK_OK(learn_onnx_open(&o, model, TINY, &err), err);
    CHECK_INT(learn_onnx_dim(o), 4);
    double a[4];
    /* frames 3 and 4 (at 0.1 and 0.133 s) fill slots 0, 1 and 2, 3 */
    int r = learn_onnx_embed(o, rec, 0.09, 0.16, a, &err);
    size_t n = 0;
    const float *x = learn_onnx_last_input(o, &n);
    int ok = r == 0;
    for (int c = 0; c < 3 && ok; c++) {
        const float *plane = x + (size_t)c * 4 * 1024;
        ok = !memcmp(plane, plane + 1024, 4096) && !memcmp(plane + 2048, plane + 3072, 4096);
    }
    /* and they are frames 3 and 4: red 24 and 32, each within 3 levels (blue is the same) */
    double red3 = ok ? x[0] * 0.22803 + 0.43216 : 0, red4 = ok ? x[2048] * 0.22803 + 0.43216 : 0;
    learn_onnx_close(&o);
    CHECK_MSG(r == 0, "%s", err.message);
    CHECK_MSG(ok, "slots are not frames 3, 3, 4, 4");
    CHECK_MSG(fabs(red3 * 255 - 24) < 3 && fabs(red4 * 255 - 32) < 3, "red %.1f and %.1f, not 24 "
              "and 32", red3 * 255, red4 * 255);
}

/* Each error is one message naming the file (and, for a shape, both shapes). */
static int says(int r, int code, const SemioError *err, const char *a, const char *b)
{
    printf("    %s\n", err->message);
    return r == code && strstr(err->message, a) && (!b || strstr(err->message, b));
}

static void test_errors(void)
{
    NEED_TINY("bad-rank", bad);
    const char *model = tiny("model"), *missing = test_path("none.onnx");
    CHECK(model);
    SemioError err = { 0 };
    LearnOnnx *o = (LearnOnnx *)1;
    int r = learn_onnx_open(&o, missing, TINY, &err);
    CHECK(says(r, SEMIO_ERR_IO, &err, missing, NULL) && !o);
    r = learn_onnx_open(&o, bad, TINY, &err);
    CHECK(says(r, SEMIO_ERR_FORMAT, &err, bad, "[1,3,32,32] but the settings make [1,3,4,32,32]"));
    r = learn_onnx_open(&o, model, "{\"frames\":16,\"size\":32}", &err);
    CHECK(says(r, SEMIO_ERR_FORMAT, &err, model, "[1,3,4,32,32] but the settings make [1,3,16,32,32]"));
    r = learn_onnx_open(&o, model, "[4, 32]", &err);
    CHECK(says(r, SEMIO_ERR_INVALID, &err, model, "not a JSON object"));
    r = learn_onnx_open(&o, model, "{\"frames\":4,", &err);
    CHECK(says(r, SEMIO_ERR_INVALID, &err, model, "not a JSON object"));
    r = learn_onnx_open(&o, model, "{\"frames\":0,\"size\":32}", &err);
    CHECK(says(r, SEMIO_ERR_INVALID, &err, model, "\"frames\" must be a whole number"));
    r = learn_onnx_open(&o, model, "{\"frames\":4,\"size\":32,\"std\":[1,0,1]}", &err);
    CHECK(says(r, SEMIO_ERR_INVALID, &err, model, "\"std\" must be 3 numbers above 0"));
    r = learn_onnx_open(&o, model, "{\"frames\":4,\"sise\":32}", &err);
    CHECK(says(r, SEMIO_ERR_INVALID, &err, model, "unknown setting \"sise\""));
    r = learn_onnx_open(&o, model, "{\"frames\":4,\"size\":32,\"output\":\"logits\"}", &err);
    CHECK(says(r, SEMIO_ERR_NOT_FOUND, &err, model, "no output named \"logits\""));
    /* a file that is no network at all */
    const char *junk = test_path("junk.onnx");
    FILE *f = fopen(junk, "w");
    CHECK(f);
    fputs("not a network\n", f);
    fclose(f);
    r = learn_onnx_open(&o, junk, TINY, &err);
    CHECK(says(r, SEMIO_ERR_FORMAT, &err, junk, "not an ONNX model"));
    /* a window with no frames, a recording that is not there */
    CHECK_OK(learn_onnx_open(&o, model, TINY, &err), err);
    double v[4];
    const char *rec = colours(), *gone = test_path("gone.mp4");
    int r1 = rec ? learn_onnx_embed(o, rec, 5, 6, v, &err) : -99;
    int ok1 = says(r1, SEMIO_ERR_INVALID, &err, "colours.mp4", "no frames in [5.000, 6.000)");
    int r2 = learn_onnx_embed(o, gone, 0, 1, v, &err);
    int ok2 = r2 < 0 && strstr(err.message, gone);
    printf("    %s\n", err.message);
    int r3 = rec ? learn_onnx_embed(o, rec, 0, 1, v, &err) : -99; /* still works */
    learn_onnx_close(&o);
    CHECK(ok1 && ok2);
    CHECK_MSG(r3 == 0, "after errors: %s", err.message);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(test_embedding),
        TEST(test_tensor),
        TEST(test_short_window),
        TEST(test_errors),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
