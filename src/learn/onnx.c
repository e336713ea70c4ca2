/*
 * The feature set "onnx" (learn/onnx.h): a window's frames, preprocessed as torchvision's
 * video models expect, through a network exported to ONNX, run by ONNX Runtime's C API
 * (third_party/onnxruntime, from scripts/fetch-blazeface). Built only where that is.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onnxruntime_c_api.h>

#include "engine/profiles.h"
#include "learn/onnx.h"
#include "semio/image.h"
#include "semio/sampler.h"
#include "util/error.h"
#include "util/fs.h"

/* Bounds that keep one input tensor under 1 GiB of floats and catch a misplaced digit. */
enum { MAX_FRAMES = 512, MAX_SIZE = 1024, MAX_INPUT = 1 << 28 };

struct LearnOnnx {
    const OrtApi *api;
    OrtEnv *env;
    OrtSessionOptions *options;
    OrtSession *session;
    OrtMemoryInfo *memory;
    char *model;               /* the file, for messages */
    char *input_name, *output_name;
    int frames, size, ntchw;   /* ntchw: "NTCHW", else "NCTHW" */
    double mean[3], std[3];
    size_t dim;
    float *input;              /* the tensor fed, ninput floats */
    size_t ninput;
    int fed;                   /* input holds a window's frames */
    char *settings;            /* canonical JSON */
    SemioSampler *sampler;     /* the last recording's, kept for its next windows */
    char *sampler_path;
};

/* ONNX Runtime's failure as semio's error, naming the model; st is released. */
static int ort_fail(const LearnOnnx *o, OrtStatus *st, SemioError *err, const char *what)
{
    int r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: %s: %s", o->model, what,
                       o->api->GetErrorMessage(st));
    o->api->ReleaseStatus(st);
    return r;
}

void learn_onnx_close(LearnOnnx **op)
{
    LearnOnnx *o = *op;
    if (!o)
        return;
    if (o->memory)
        o->api->ReleaseMemoryInfo(o->memory);
    if (o->session)
        o->api->ReleaseSession(o->session);
    if (o->options)
        o->api->ReleaseSessionOptions(o->options);
    if (o->env)
        o->api->ReleaseEnv(o->env);
    semio_sampler_close(&o->sampler);
    free(o->sampler_path);
    free(o->model);
    free(o->input_name);
    free(o->output_name);
    free(o->input);
    free(o->settings);
    free(o);
    *op = NULL;
}

/* ---- settings ---------------------------------------------------------------------- */

static int bad_setting(const LearnOnnx *o, SemioError *err, const char *key, const char *want,
                       json_object *v)
{
    return semio_fail(err, SEMIO_ERR_INVALID, "%s: setting \"%s\" must be %s, not %.80s",
                      o->model, key, want, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int int_setting(const LearnOnnx *o, json_object *v, const char *key, int most, int *out,
                       SemioError *err)
{
    char want[64];
    snprintf(want, sizeof(want), "a whole number from 1 to %d", most);
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
        json_object_get_int64(v) > most)
        return bad_setting(o, err, key, want, v);
    *out = (int)json_object_get_int64(v);
    return 0;
}

/* Three numbers, one per channel (R, G, B); std's must be above 0. */
static int rgb_setting(const LearnOnnx *o, json_object *v, const char *key, int positive,
                       double out[3], SemioError *err)
{
    const char *want = positive ? "3 numbers above 0 (R, G, B)" : "3 numbers (R, G, B)";
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 3)
        return bad_setting(o, err, key, want, v);
    for (size_t c = 0; c < 3; c++) {
        json_object *x = json_object_array_get_idx(v, c);
        double d = json_object_get_double(x);
        if ((!json_object_is_type(x, json_type_int) && !json_object_is_type(x, json_type_double)) ||
            !isfinite(d) || (positive && d <= 0))
            return bad_setting(o, err, key, want, v);
        out[c] = d;
    }
    return 0;
}

static int one_setting(LearnOnnx *o, const char *key, json_object *v, SemioError *err)
{
    if (!strcmp(key, "frames"))
        return int_setting(o, v, key, MAX_FRAMES, &o->frames, err);
    if (!strcmp(key, "size"))
        return int_setting(o, v, key, MAX_SIZE, &o->size, err);
    if (!strcmp(key, "mean"))
        return rgb_setting(o, v, key, 0, o->mean, err);
    if (!strcmp(key, "std"))
        return rgb_setting(o, v, key, 1, o->std, err);
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (!strcmp(key, "layout")) {
        if (!s || (strcmp(s, "NCTHW") && strcmp(s, "NTCHW")))
            return bad_setting(o, err, key, "\"NCTHW\" or \"NTCHW\"", v);
        o->ntchw = !strcmp(s, "NTCHW");
        return 0;
    }
    if (!strcmp(key, "output")) {
        if (!s || !*s)
            return bad_setting(o, err, key, "an output's name", v);
        free(o->output_name);
        return (o->output_name = strdup(s)) ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    /* a misspelt key would otherwise quietly keep its default */
    return semio_fail(err, SEMIO_ERR_INVALID, "%s: unknown setting \"%s\" (frames, size, mean, "
                      "std, layout, output)", o->model, key);
}

/* The settings JSON over the defaults (torchvision's Kinetics-400 video models). */
static int parse_settings(LearnOnnx *o, const char *json, SemioError *err)
{
    static const double mean[3] = { 0.43216, 0.394666, 0.37645 };
    static const double std[3] = { 0.22803, 0.22145, 0.216989 };
    o->frames = 16;
    o->size = 112;
    memcpy(o->mean, mean, sizeof(mean));
    memcpy(o->std, std, sizeof(std));
    if (!json)
        return 0;
    json_object *root = json_tokener_parse(json);
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the settings are not a JSON object: %.80s",
                          o->model, json);
    }
    int r = 0;
    json_object_object_foreach(root, key, v) {
        if ((r = one_setting(o, key, v, err)) < 0)
            break;
    }
    json_object_put(root);
    if (r == 0 && (size_t)o->frames * 3 * o->size * o->size > MAX_INPUT)
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: %d frames of %dx%d make an input too large",
                       o->model, o->frames, o->size, o->size);
    return r;
}

/* The shortest text that reads back as d, so that 0.43216 stays 0.43216. */
static json_object *number(double d)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof(buf), "%.17g", d);
    return json_object_new_double_s(d, buf);
}

static json_object *rgb(const double v[3])
{
    json_object *a = json_object_new_array();
    for (int c = 0; c < 3; c++)
        json_object_array_add(a, number(v[c]));
    return a;
}

/* Every setting, defaults filled in, with what identifies the network. */
static int make_settings(LearnOnnx *o, const char *sha256, SemioError *err)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "frames", json_object_new_int(o->frames));
    json_object_object_add(j, "size", json_object_new_int(o->size));
    json_object_object_add(j, "mean", rgb(o->mean));
    json_object_object_add(j, "std", rgb(o->std));
    json_object_object_add(j, "layout", json_object_new_string(o->ntchw ? "NTCHW" : "NCTHW"));
    json_object_object_add(j, "input", json_object_new_string(o->input_name));
    json_object_object_add(j, "output", json_object_new_string(o->output_name));
    json_object_object_add(j, "dim", json_object_new_int64((int64_t)o->dim));
    json_object_object_add(j, "sha256", json_object_new_string(sha256));
    o->settings = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
    json_object_put(j);
    return o->settings ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

/* ---- the network ------------------------------------------------------------------- */

static void shape_text(const int64_t *d, size_t n, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (size_t i = 0; i < n && at < size; i++)
        at += d[i] < 0 ? (size_t)snprintf(buf + at, size - at, "%s?", i ? "," : "")
                       : (size_t)snprintf(buf + at, size - at, "%s%lld", i ? "," : "",
                                          (long long)d[i]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
}

/* The input tensor's shape the settings make. */
static void settings_shape(const LearnOnnx *o, int64_t shape[5])
{
    shape[0] = 1;
    shape[1] = o->ntchw ? o->frames : 3;
    shape[2] = o->ntchw ? 3 : o->frames;
    shape[3] = shape[4] = o->size;
}

/* The dimensions of a tensor input or output (type info released), rank in *n (at most 8:
 * an embedding network's tensors have fewer); `what` is "input" or "output". */
static int tensor_dims(LearnOnnx *o, OrtTypeInfo *ti, const char *what, int64_t dims[8],
                       size_t *n, SemioError *err)
{
    const OrtApi *api = o->api;
    const OrtTensorTypeAndShapeInfo *t = NULL;
    ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    OrtStatus *s = api->CastTypeInfoToTensorInfo(ti, &t);
    if (!s && t && !(s = api->GetTensorElementType(t, &type)) &&
        !(s = api->GetDimensionsCount(t, n)) && *n <= 8)
        s = api->GetDimensions(t, dims, *n);
    api->ReleaseTypeInfo(ti);
    if (s)
        return ort_fail(o, s, err, what);
    if (!t || type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || *n > 8)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: the network's %s is not a tensor of float32 "
                          "of rank 8 or less", o->model, what);
    return 0;
}

/* Its one input: a float tensor whose shape agrees with the settings (a free dimension,
 * "?", agrees with anything). */
static int check_input(LearnOnnx *o, SemioError *err)
{
    const OrtApi *api = o->api;
    size_t nin = 0, n = 0;
    OrtTypeInfo *ti = NULL;
    OrtStatus *s = api->SessionGetInputCount(o->session, &nin);
    if (!s && nin != 1)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: the network takes %zu inputs, not one "
                          "(a video clip)", o->model, nin);
    if (s || (s = api->SessionGetInputTypeInfo(o->session, 0, &ti)))
        return ort_fail(o, s, err, "input");
    int64_t dims[8], want[5];
    int r = tensor_dims(o, ti, "input", dims, &n, err);
    if (r < 0)
        return r;
    settings_shape(o, want);
    int agree = n == 5;
    for (size_t i = 0; i < n && agree; i++)
        agree = dims[i] < 0 || dims[i] == want[i];
    if (!agree) {
        char got[128], set[128];
        shape_text(dims, n, got, sizeof(got));
        shape_text(want, 5, set, sizeof(set));
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: the network's input is %s but the settings "
                          "make %s (%s: frames %d, size %d)", o->model, got, set,
                          o->ntchw ? "NTCHW" : "NCTHW", o->frames, o->size);
    }
    return 0;
}

/* An input or output's name, copied (ONNX Runtime's copy freed). */
static int io_name(LearnOnnx *o, int output, size_t i, char **name, SemioError *err)
{
    const OrtApi *api = o->api;
    OrtAllocator *a;
    char *n = NULL;
    OrtStatus *s = api->GetAllocatorWithDefaultOptions(&a);
    if (!s)
        s = output ? api->SessionGetOutputName(o->session, i, a, &n)
                   : api->SessionGetInputName(o->session, i, a, &n);
    if (s)
        return ort_fail(o, s, err, "names");
    *name = strdup(n);
    if ((s = api->AllocatorFree(a, n))) /* its own allocator failing to free: nothing to do */
        api->ReleaseStatus(s);
    return *name ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

/* The output asked for (or the first), its index in *at. */
static int find_output(LearnOnnx *o, size_t *at, SemioError *err)
{
    size_t nout = 0;
    OrtStatus *s = o->api->SessionGetOutputCount(o->session, &nout);
    if (s)
        return ort_fail(o, s, err, "outputs");
    for (size_t i = 0; i < nout; i++) {
        char *name;
        int r = io_name(o, 1, i, &name, err);
        if (r < 0)
            return r;
        if (!o->output_name || !strcmp(name, o->output_name)) {
            free(o->output_name);
            o->output_name = name;
            *at = i;
            return 0;
        }
        free(name);
    }
    return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: the network has no output named \"%s\"",
                      o->model, o->output_name ? o->output_name : "");
}

/* Runs the network on o->input; *result is the output's n floats (valid while *value is,
 * which the caller releases). */
static int run(LearnOnnx *o, OrtValue **value, const float **result, size_t *n,
               SemioError *err)
{
    const OrtApi *api = o->api;
    int64_t shape[5];
    settings_shape(o, shape);
    OrtValue *in = NULL;
    OrtTensorTypeAndShapeInfo *info = NULL;
    const char *in_name = o->input_name, *out_name = o->output_name;
    *value = NULL;
    OrtStatus *s = api->CreateTensorWithDataAsOrtValue(o->memory, o->input,
                                                       sizeof(float) * o->ninput, shape, 5,
                                                       ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &in);
    if (!s)
        s = api->Run(o->session, NULL, &in_name, (const OrtValue *const *)&in, 1, &out_name, 1,
                     value);
    if (!s && !(s = api->GetTensorTypeAndShape(*value, &info))) {
        s = api->GetTensorShapeElementCount(info, n);
        api->ReleaseTensorTypeAndShapeInfo(info);
    }
    if (!s)
        s = api->GetTensorMutableData(*value, (void **)result);
    if (in)
        api->ReleaseValue(in);
    return s ? ort_fail(o, s, err, "running the network") : 0;
}

/* The embedding's length: from the output's shape where every dimension past the batch
 * is fixed, else from one run on a blank clip. */
static int find_dim(LearnOnnx *o, size_t at, SemioError *err)
{
    OrtTypeInfo *ti = NULL;
    OrtStatus *s = o->api->SessionGetOutputTypeInfo(o->session, at, &ti);
    if (s)
        return ort_fail(o, s, err, "output");
    int64_t dims[8];
    size_t n = 0;
    int r = tensor_dims(o, ti, "output", dims, &n, err);
    if (r < 0)
        return r;
    o->dim = 1;
    for (size_t i = n > 1; i < n && o->dim; i++)
        o->dim = dims[i] > 0 ? o->dim * (size_t)dims[i] : 0;
    if (o->dim)
        return 0;
    OrtValue *v;
    const float *y;
    if ((r = run(o, &v, &y, &o->dim, err)) == 0 && o->dim == 0)
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: the network's output is empty", o->model);
    if (v)
        o->api->ReleaseValue(v);
    return r;
}

/* ONNX Runtime with one thread: semio runs one network per worker side by side, and a
 * single thread gives the same numbers every time. */
static int start_runtime(LearnOnnx *o, const void *bytes, size_t size, SemioError *err)
{
    const OrtApi *api = o->api;
    OrtStatus *s;
    if ((s = api->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "semio", &o->env)) ||
        (s = api->CreateSessionOptions(&o->options)) ||
        (s = api->SetIntraOpNumThreads(o->options, 1)) ||
        (s = api->SetInterOpNumThreads(o->options, 1)) ||
        (s = api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &o->memory)))
        return ort_fail(o, s, err, "cannot start ONNX Runtime");
    if ((s = api->CreateSessionFromArray(o->env, bytes, size, o->options, &o->session)))
        return ort_fail(o, s, err, "not an ONNX model ONNX Runtime can load");
    return 0;
}

/* The model's bytes are read once: hashed, then handed to ONNX Runtime, so the hash is
 * of exactly the network that runs. */
static int load(LearnOnnx *o, const char *settings_json, SemioError *err)
{
    char *bytes, sha[65];
    size_t size;
    int r = parse_settings(o, settings_json, err);
    if (r < 0 || (r = semio_read_file(o->model, &bytes, &size, err)) < 0)
        return r;
    semio_data_hash((const uint8_t *)bytes, size, sha);
    r = start_runtime(o, bytes, size, err);
    free(bytes);
    size_t at = 0;
    o->ninput = (size_t)o->frames * 3 * o->size * o->size;
    if (r == 0 && !(o->input = calloc(o->ninput, sizeof(float))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && (r = check_input(o, err)) == 0 && (r = io_name(o, 0, 0, &o->input_name, err)) == 0 &&
        (r = find_output(o, &at, err)) == 0 && (r = find_dim(o, at, err)) == 0)
        r = make_settings(o, sha, err);
    return r;
}

int learn_onnx_open(LearnOnnx **out, const char *model_path, const char *settings_json,
                    SemioError *err)
{
    *out = NULL;
    const OrtApi *api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    if (!api)
        return semio_fail(err, SEMIO_ERR_IO, "ONNX Runtime %s does not offer the C API version %d "
                          "semio was built with", OrtGetApiBase()->GetVersionString(),
                          ORT_API_VERSION);
    LearnOnnx *o = calloc(1, sizeof(*o));
    if (!o || !(o->model = strdup(model_path))) {
        free(o);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    o->api = api;
    int r = load(o, settings_json, err);
    if (r < 0)
        learn_onnx_close(&o);
    *out = o;
    return r;
}

size_t learn_onnx_dim(const LearnOnnx *o)
{
    return o->dim;
}

void learn_onnx_feature_name(const LearnOnnx *o, size_t i, char *buf, size_t size)
{
    int digits = 3;
    for (size_t last = o->dim ? o->dim - 1 : 0; last >= 1000; last /= 10)
        digits++;
    snprintf(buf, size, "emb_%0*zu", digits, i);
}

const char *learn_onnx_settings(const LearnOnnx *o)
{
    return o->settings;
}

const float *learn_onnx_last_input(const LearnOnnx *o, size_t *n)
{
    *n = o->fed ? o->ninput : 0;
    return o->fed ? o->input : NULL;
}

/* ---- a window's frames --------------------------------------------------------------- */

/* The recording's sampler, kept open for the next window of the same recording. Native
 * pixels (scaled once, here) on one decoder thread: workers run side by side. */
static int open_recording(LearnOnnx *o, const char *path, SemioError *err)
{
    if (o->sampler && !strcmp(o->sampler_path, path))
        return 0;
    semio_sampler_close(&o->sampler);
    free(o->sampler_path);
    if (!(o->sampler_path = strdup(path)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.threads = 1;
    ss.max_pixels = 0;
    return semio_sampler_open(&o->sampler, path, &ss, err);
}

typedef struct Fill {
    LearnOnnx *o;
    size_t read, unique;  /* frames received, frames asked for */
    SemioError *err;
} Fill;

/* Puts the scaled picture's centre square, normalised, into frame slot t of the input. */
static void put_slot(LearnOnnx *o, const SemioImage *sc, int t)
{
    int s = o->size;
    /* torchvision's CenterCrop: round((h - size) / 2), half to even as lrint does */
    long x0 = lrint((sc->width - s) / 2.0), y0 = lrint((sc->height - s) / 2.0);
    for (int c = 0; c < 3; c++) {
        size_t plane = o->ntchw ? (size_t)t * 3 + (size_t)c : (size_t)c * o->frames + (size_t)t;
        float *dst = o->input + plane * s * s;
        float k = (float)(1 / (255 * o->std[c])), m = (float)(o->mean[c] / o->std[c]);
        for (int y = 0; y < s; y++) {
            const uint8_t *row = sc->data + (size_t)(y + y0) * sc->stride + (size_t)x0 * 3 + c;
            for (int x = 0; x < s; x++)
                dst[(size_t)y * s + x] = row[3 * x] * k - m;
        }
    }
}

/* One decoded frame into every slot it fills: with fewer distinct frames than slots each
 * is repeated evenly (slot t shows frame t * unique / frames). */
static int fill_frame(void *user, const SemioFrame *f)
{
    Fill *fl = user;
    LearnOnnx *o = fl->o;
    size_t j = fl->read++;
    if (f->error)
        return semio_fail(fl->err, SEMIO_ERR_DECODE, "%s: %s", o->sampler_path, f->error);
    /* torchvision's Resize(size): the short side to size, the long side truncated */
    int shorter = f->width < f->height ? f->width : f->height, s = o->size;
    int w = f->width == shorter ? s : (int)((int64_t)s * f->width / shorter);
    int h = f->width == shorter ? (int)((int64_t)s * f->height / shorter) : s;
    SemioImage sc, src = { (uint8_t *)f->rgb, f->width, f->height, f->stride }; /* read only */
    if (semio_image_alloc(&sc, w, h) < 0)
        return semio_fail(fl->err, SEMIO_ERR_NOMEM, "out of memory");
    int r = semio_image_crop_scale(&src, 0, 0, f->width, f->height, &sc, fl->err);
    for (int t = 0; t < o->frames && r == 0; t++)
        if ((size_t)t * fl->unique / (size_t)o->frames == j)
            put_slot(o, &sc, t);
    semio_image_free(&sc);
    return r;
}

/* The window's frames, evenly spaced, into o->input. */
static int fill_input(LearnOnnx *o, const char *path, double start, double end,
                      SemioError *err)
{
    int r = open_recording(o, path, err);
    if (r < 0)
        return r;
    int64_t first = semio_sampler_frame_at(o->sampler, start);
    int64_t stop = semio_sampler_frame_at(o->sampler, end);
    if (!(end > start) || first >= stop)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: no frames in [%.3f, %.3f) s", path,
                          start, end);
    int64_t *idx = malloc(sizeof(*idx) * (size_t)o->frames);
    if (!idx)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    Fill fl = { o, 0, semio_pick_uniform(first, stop - 1, (size_t)o->frames, idx), err };
    o->fed = 0;
    r = semio_sampler_read(o->sampler, idx, fl.unique, fill_frame, &fl, err);
    free(idx);
    o->fed = r == 0;
    return r;
}

int learn_onnx_embed(LearnOnnx *o, const char *path, double start, double end, double *out,
                     SemioError *err)
{
    int r = fill_input(o, path, start, end, err);
    if (r < 0)
        return r;
    OrtValue *v;
    const float *y;
    size_t n = 0;
    if ((r = run(o, &v, &y, &n, err)) == 0 && n != o->dim)
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: the network gave %zu numbers, not the %zu it "
                       "gave before", o->model, n, o->dim);
    for (size_t i = 0; i < o->dim && r == 0; i++)
        out[i] = y[i];
    if (v)
        o->api->ReleaseValue(v);
    return r;
}
