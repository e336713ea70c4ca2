/*
 * The built-in face detectors on a real face no one here drew (python3-skimage's
 * astronaut.png): BlazeFace finds it small in a wide frame and turned as a patient lies,
 * its landmarks agree with dlib's own, and bad model files get one clear error. Where
 * semio was built without BlazeFace (scripts/fetch-blazeface had not run) or dlib, their
 * checks are skipped, and a detector asked for anyway says how to get it.
 */
#include <libavutil/log.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

static const char astronaut[] = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
/* the face's centre and size in astronaut.png, marked by hand */
enum { FACE_X = 223, FACE_Y = 114, FACE_SIZE = 97 };

static int load_astronaut(SemioImage *img)
{
    SemioError err = { 0 };
    int r = test_read_picture(astronaut, img, &err);
    if (r < 0)
        test_fail(__FILE__, __LINE__, "%s (python3-skimage is needed: scripts/install-deps)",
                  err.message);
    return r;
}

static int open_detector(SemioFaceDetector **d, SemioFaceBackend backend)
{
    SemioFaceDetectorSettings set;
    SemioError err = { 0 };
    semio_face_detector_default_settings(&set);
    set.backend = backend;
    set.turns = 0;
    int r = semio_face_detector_open(d, &set, &err);
    if (r < 0)
        test_fail(__FILE__, __LINE__, "%s", err.message);
    return r;
}

/* The face nearest (x, y), or NULL. */
static const SemioFace *nearest(const SemioFace *f, size_t n, double x, double y)
{
    const SemioFace *best = NULL;
    double d = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double e = hypot(f[i].x + f[i].w / 2 - x, f[i].y + f[i].h / 2 - y);
        if (e < d) {
            d = e;
            best = &f[i];
        }
    }
    return best;
}

/* The astronaut at half size (a face of about 48 px) lying in a 1280x720 bed, turned a
 * quarter each way and upright: too small for BlazeFace in the whole frame, found in the
 * tiles, with the roll and the landmarks where the face is. */
static void blazeface_finds_a_small_face_turned_any_way(void)
{
    SKIP_UNLESS_BUILT("blazeface");
    SemioImage up = { 0 }, half, turned, frame;
    SemioError err = { 0 };
    SemioFaceDetector *d;
    if (load_astronaut(&up) < 0 || open_detector(&d, SEMIO_FACE_BLAZEFACE) < 0) {
        semio_image_free(&up);
        return;
    }
    CHECK_OK(semio_image_alloc(&half, up.width / 2, up.height / 2), err);
    CHECK_OK(semio_image_crop_scale(&up, 0, 0, up.width, up.height, &half, &err), err);
    static const int degrees[] = { 0, 90, 270 };
    for (int t = 0; t < 3; t++) {
        int quarter = degrees[t] % 180 == 90;
        CHECK_OK(semio_image_alloc(&turned, quarter ? half.height : half.width,
                                   quarter ? half.width : half.height), err);
        semio_image_rotate(&half, degrees[t], &turned);
        CHECK_OK(semio_image_alloc(&frame, 1280, 720), err);
        memset(frame.data, 90, (size_t)frame.stride * 720);
        int ox = 880, oy = 300; /* where the picture lies in the bed */
        for (int y = 0; y < turned.height; y++)
            memcpy(frame.data + (size_t)(oy + y) * frame.stride + (size_t)ox * 3,
                   turned.data + (size_t)y * turned.stride, (size_t)turned.width * 3);
        /* the face's centre, turned with the picture (clockwise by `degrees`) */
        double fx = FACE_X / 2.0, fy = FACE_Y / 2.0, w = half.width, h = half.height;
        double tx = degrees[t] == 0 ? fx : degrees[t] == 90 ? h - 1 - fy : fy;
        double ty = degrees[t] == 0 ? fy : degrees[t] == 90 ? fx : w - 1 - fx;
        SemioFace *faces;
        size_t n;
        CHECK_OK(semio_face_detect(d, &frame, &faces, &n, &err), err);
        const SemioFace *f = nearest(faces, n, ox + tx, oy + ty);
        CHECK_MSG(f && hypot(f->x + f->w / 2 - ox - tx, f->y + f->h / 2 - oy - ty) < FACE_SIZE / 4.0,
                  "turned %d: the face at (%.0f, %.0f) not found (%zu faces)", degrees[t],
                  ox + tx, oy + ty, n);
        if (f) {
            double roll = degrees[t] > 180 ? degrees[t] - 360 : degrees[t];
            CHECK_MSG(fabs(f->angle - roll) < 20, "turned %d: roll %.0f", degrees[t], f->angle);
            CHECK_MSG(fabs(f->w - FACE_SIZE / 2.0) < FACE_SIZE / 4.0, "turned %d: face %.0f px "
                      "wide, not about %d", degrees[t], f->w, FACE_SIZE / 2);
            /* the pupils lie inside the face, a third of it apart */
            double eyes = hypot(f->points[68].x - f->points[69].x, f->points[68].y - f->points[69].y);
            CHECK_MSG(eyes > f->w / 5 && eyes < f->w * 0.6, "turned %d: pupils %.0f px apart "
                      "in a face of %.0f", degrees[t], eyes, f->w);
        }
        free(faces);
        semio_image_free(&turned);
        semio_image_free(&frame);
    }
    semio_face_detector_close(&d);
    semio_image_free(&half);
    semio_image_free(&up);
}

/* dlib's landmarks placed in BlazeFace's box agree with those in dlib's own box. */
static void blazeface_landmarks_agree_with_dlib(void)
{
    SKIP_UNLESS_BUILT("blazeface");
    SemioImage img = { 0 };
    SemioError err = { 0 };
    SemioFaceDetector *bf, *dl;
    if (load_astronaut(&img) < 0 || open_detector(&bf, SEMIO_FACE_BLAZEFACE) < 0) {
        semio_image_free(&img);
        return;
    }
    CHECK_OK(open_detector(&dl, SEMIO_FACE_DLIB), err);
    SemioFace *a, *b;
    size_t na, nb;
    CHECK_OK(semio_face_detect(bf, &img, &a, &na, &err), err);
    CHECK_OK(semio_face_detect(dl, &img, &b, &nb, &err), err);
    const SemioFace *fa = nearest(a, na, FACE_X, FACE_Y), *fb = nearest(b, nb, FACE_X, FACE_Y);
    CHECK(fa && fb);
    if (fa && fb) {
        double sum = 0;
        for (int k = 0; k < 68; k++)
            sum += hypot(fa->points[k].x - fb->points[k].x, fa->points[k].y - fb->points[k].y);
        CHECK_MSG(sum / 68 < FACE_SIZE * 0.05, "landmarks %.1f px apart on average", sum / 68);
        CHECK_STR(semio_face_detector_name(bf), "blazeface");
        CHECK_STR(semio_face_detector_name(dl), "dlib");
    }
    free(a);
    free(b);
    semio_face_detector_close(&bf);
    semio_face_detector_close(&dl);
    semio_image_free(&img);
}

/* Pictures no camera makes: tiny, a thin strip, flat grey. Searched without error or a
 * face out of nothing (the sanitizer build checks the tiles stay inside). */
static void blazeface_odd_pictures(void)
{
    SKIP_UNLESS_BUILT("blazeface");
    static const int sizes[][2] = { { 1, 1 }, { 24, 24 }, { 4000, 60 }, { 60, 3000 }, { 640, 480 } };
    SemioFaceDetector *d;
    SemioError err = { 0 };
    if (open_detector(&d, SEMIO_FACE_BLAZEFACE) < 0)
        return;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
        SemioImage img;
        CHECK_OK(semio_image_alloc(&img, sizes[i][0], sizes[i][1]), err);
        memset(img.data, 128, (size_t)img.stride * (size_t)img.height);
        SemioFace *faces;
        size_t n;
        int r = semio_face_detect(d, &img, &faces, &n, &err);
        semio_image_free(&img);
        CHECK_MSG(r == 0, "%dx%d: %s", sizes[i][0], sizes[i][1], err.message);
        free(faces);
        CHECK_MSG(n == 0, "%dx%d grey: %zu faces", sizes[i][0], sizes[i][1], n);
    }
    semio_face_detector_close(&d);
}

static void bad_model_files(void)
{
    SKIP_UNLESS_BUILT("blazeface");
    SemioFaceDetectorSettings set;
    SemioError err = { 0 };
    SemioFaceDetector *d = NULL;
    semio_face_detector_default_settings(&set);
    set.backend = SEMIO_FACE_BLAZEFACE;
    set.model = test_path("missing.onnx");
    CHECK(semio_face_detector_open(&d, &set, &err) < 0 && !d);
    CHECK_MSG(strstr(err.message, "missing.onnx") && strstr(err.message, "no BlazeFace model"),
              "%s", err.message);
    const char *junk = test_path("junk.onnx");
    FILE *f = fopen(junk, "w");
    fputs("not a model\n", f);
    fclose(f);
    set.model = junk;
    err = (SemioError){ 0 };
    CHECK(semio_face_detector_open(&d, &set, &err) < 0 && !d);
    CHECK_MSG(strstr(err.message, "junk.onnx") && strstr(err.message, "not an ONNX model"), "%s",
              err.message);
}

/* dlib's predictor is loaded for either detector. */
static void bad_predictor_file(void)
{
    SKIP_UNLESS_BUILT("dlib");
    SemioFaceDetectorSettings set;
    SemioError err = { 0 };
    SemioFaceDetector *d = NULL;
    const char *junk = test_path("junk.dat");
    FILE *f = fopen(junk, "w");
    fputs("not a model\n", f);
    fclose(f);
    semio_face_detector_default_settings(&set);
    set.backend = SEMIO_FACE_DLIB;
    set.predictor = junk;
    CHECK(semio_face_detector_open(&d, &set, &err) < 0 && !d);
    CHECK_MSG(strstr(err.message, "junk.dat") && strstr(err.message, "68-point"), "%s",
              err.message);
    SemioFaceBackend b;
    CHECK(semio_face_backend_parse("blazeface", &b) == 0 && b == SEMIO_FACE_BLAZEFACE);
    CHECK(semio_face_backend_parse("haar", &b) == SEMIO_ERR_INVALID);
}

/* A detector semio was built without says which part is missing and how to get it (with
 * both built in there is nothing to ask). */
static void missing_detectors_say_how_to_get_them(void)
{
    int dlib = semio_feature_built("dlib");
    SKIP_UNLESS(!dlib || !semio_face_blazeface_built(), "dlib and BlazeFace are both built in");
    SemioFaceDetectorSettings set;
    SemioFaceDetector *d = NULL;
    semio_face_detector_default_settings(&set);
    /* without dlib no detector opens (dlib places every face's landmarks) */
    for (int backend = dlib ? SEMIO_FACE_BLAZEFACE : SEMIO_FACE_AUTO;
         backend <= SEMIO_FACE_BLAZEFACE; backend++) {
        set.backend = (SemioFaceBackend)backend;
        SemioError err = { 0 };
        CHECK_INT(semio_face_detector_open(&d, &set, &err), SEMIO_ERR_NOT_BUILT);
        CHECK(!d);
        CHECK_MSG(strstr(err.message, dlib ? "scripts/fetch-blazeface" : "meson feature 'dlib'"),
                  "%s", err.message);
    }
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(bad_predictor_file),
        TEST(blazeface_finds_a_small_face_turned_any_way),
        TEST(blazeface_landmarks_agree_with_dlib),
        TEST(blazeface_odd_pictures),
        TEST(bad_model_files),
        TEST(missing_detectors_say_how_to_get_them),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
