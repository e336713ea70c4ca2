/*
 * Cost of the pose and face views per 60-frame window relative to sampling that window
 * (target < 0.5x): sampling = exact decode + scale + JPEG of 60 frames of the 3-minute
 * 1080p bench recording; pose view = JPEG read + skeleton drawing + JPEG write of the
 * same 60; face view = JPEG read + crop + scale to 448x448 + JPEG write, with the faces
 * from keypoints, or found by a built-in detector on every 4th frame (semio enhance's
 * default): dlib upright only, dlib with the turned copies a lying patient needs, and
 * BlazeFace (where semio was built with it), each with dlib's landmarks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <libavutil/log.h>

#include "semio/semio.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct Out {
    const char *dir;
    int n;
} Out;

static int write_frame(void *user, const SemioFrame *f)
{
    Out *o = user;
    char path[1024];
    snprintf(path, sizeof(path), "%s/f%02d.jpg", o->dir, o->n++);
    return f->error ? 0 : semio_jpeg_write(path, f->rgb, f->width, f->height, f->stride, 90, NULL);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/out";
    char video[1024], frames[1024];
    snprintf(video, sizeof(video), "%s/bench-1080p30-gop60-ibbbp.mp4", dir);
    snprintf(frames, sizeof(frames), "%s/views", dir);
    av_log_set_level(AV_LOG_QUIET);
    SemioError err = { 0 };
    mkdir(frames, 0777); /* bench/out exists: bench_sample made the recording there */
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.threads = 2;
    SemioSampler *sm;
    double t0 = now();
    if (semio_sampler_open(&sm, video, &ss, &err) < 0)
        return fprintf(stderr, "%s (run build/bench/bench_sample first)\n", err.message), 1;
    int64_t idx[60];
    semio_pick_uniform(0, semio_sampler_frame_count(sm) - 1, 60, idx);
    Out o = { frames, 0 };
    if (semio_sampler_read(sm, idx, 60, write_frame, &o, &err) < 0)
        return fprintf(stderr, "%s\n", err.message), 1;
    semio_sampler_close(&sm);
    double sampling = now() - t0;

    SemioPerson p = { .npoints = 25 };
    static const float pts[9][2] = { { 960, 300 }, { 960, 400 }, { 860, 400 }, { 800, 550 },
                                     { 800, 700 }, { 1060, 400 }, { 1120, 550 }, { 1120, 700 },
                                     { 960, 700 } };
    for (int k = 0; k < 9; k++)
        p.body[k] = (SemioKeypoint){ pts[k][0], pts[k][1], 0.9f };
    t0 = now();
    for (int i = 0; i < 60; i++) {
        char in[1100], out[1100];
        snprintf(in, sizeof(in), "%s/f%02d.jpg", frames, i);
        snprintf(out, sizeof(out), "%s/pose%02d.jpg", frames, i);
        SemioImage img;
        if (semio_jpeg_read(in, &img, &err) < 0 ||
            semio_draw_skeleton(&img, &p, 1920, 1080, 0.1f, &err) < 0 ||
            semio_jpeg_write(out, img.data, img.width, img.height, img.stride, 90, &err) < 0)
            return fprintf(stderr, "%s\n", err.message), 1;
        semio_image_free(&img);
    }
    double pose = now() - t0;
    enum { KEYPOINTS, DLIB_UPRIGHT, DLIB_TURNS, BLAZEFACE, MODES };
    double took[MODES] = { 0 };
    for (int mode = 0; mode < MODES; mode++) {
        SemioFaceDetector *det = NULL;
        SemioFaceDetectorSettings ds;
        semio_face_detector_default_settings(&ds);
        ds.backend = mode == BLAZEFACE ? SEMIO_FACE_BLAZEFACE : SEMIO_FACE_DLIB;
        ds.turns = mode == DLIB_TURNS;
        if ((mode == BLAZEFACE && !semio_face_blazeface_built()) ||
            (mode != KEYPOINTS && !semio_feature_built("dlib")))
            continue;
        if (mode != KEYPOINTS && semio_face_detector_open(&det, &ds, &err) < 0)
            return fprintf(stderr, "%s\n", err.message), 1;
        t0 = now();
        /* as semio enhance does it: the searched frames first, then the window's crop of
         * every frame (the searched ones are read twice) */
        for (int i = 0; det && i < 60; i += 4) {
            char in[1100];
            snprintf(in, sizeof(in), "%s/f%02d.jpg", frames, i);
            SemioImage img;
            SemioFace *faces = NULL;
            size_t nf = 0;
            if (semio_jpeg_read(in, &img, &err) < 0 ||
                semio_face_detect(det, &img, &faces, &nf, &err) < 0)
                return fprintf(stderr, "%s\n", err.message), 1;
            free(faces);
            semio_image_free(&img);
        }
        for (int i = 0; i < 60; i++) {
            char in[1100], out[1100];
            snprintf(in, sizeof(in), "%s/f%02d.jpg", frames, i);
            snprintf(out, sizeof(out), "%s/face%02d.jpg", frames, i);
            SemioImage img, crop;
            if (semio_jpeg_read(in, &img, &err) < 0 || semio_image_alloc(&crop, 448, 448) < 0 ||
                semio_image_crop_scale(&img, 400, 100, 300, 300, &crop, &err) < 0 ||
                semio_jpeg_write(out, crop.data, 448, 448, crop.stride, 90, &err) < 0)
                return fprintf(stderr, "%s\n", err.message), 1;
            semio_image_free(&img);
            semio_image_free(&crop);
        }
        took[mode] = now() - t0;
        semio_face_detector_close(&det);
    }
    printf("60-frame window of the 3-minute 1080p recording (frames at 1034x581):\n");
    printf("  sampling it (exact decode, scale, JPEG): %.3f s\n", sampling);
    printf("  pose view (JPEG read, skeleton, JPEG write): %.3f s -> %.2fx the sampling time "
           "(target < 0.5x)\n", pose, pose / sampling);
    static const char *const what[MODES] = {
        "from keypoints (JPEG read, crop, 448x448, JPEG write)",
        "dlib on every 4th frame, upright only",
        "dlib on every 4th frame, with +-45/+-90 degree copies",
        "BlazeFace on every 4th frame (whole frame and tiles)",
    };
    for (int mode = 0; mode < MODES; mode++)
        if (took[mode] > 0)
            printf("  face view, %s: %.3f s -> %.2fx%s\n", what[mode], took[mode],
                   took[mode] / sampling, mode == KEYPOINTS || mode == BLAZEFACE ? " (target < 0.5x)" : "");
        else
            printf("  face view, %s: not built (%s)\n", what[mode],
                   !semio_feature_built("dlib") ? "meson feature 'dlib'"
                                                : "scripts/fetch-blazeface, then rebuild");
    return 0;
}
