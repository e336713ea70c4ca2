/*
 * Prints the faces the built-in detector finds in JPEG files, one line per face:
 * FILE x y w h score angle; the time per picture on stderr.
 * Usage: face_detect [--detector dlib|blazeface] [--turns] [--upsample N] [--min-face PX]
 *        FILE.jpg...  (bench/face_recall.sh uses it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "semio/semio.h"

int main(int argc, char **argv)
{
    SemioFaceDetectorSettings set;
    semio_face_detector_default_settings(&set);
    set.backend = SEMIO_FACE_DLIB;
    set.turns = 0;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--turns"))
            set.turns = 1;
        else if (!strcmp(argv[first], "--upsample") && first + 1 < argc)
            set.upsample = atoi(argv[++first]);
        else if (!strcmp(argv[first], "--min-face") && first + 1 < argc)
            set.min_face = atoi(argv[++first]);
        else if (!strcmp(argv[first], "--detector") && first + 1 < argc &&
                 semio_face_backend_parse(argv[first + 1], &set.backend) == 0)
            first++;
        else {
            fprintf(stderr, "face_detect: unknown option %s\n", argv[first]);
            return 2;
        }
    }
    SemioError err = { 0 };
    SemioFaceDetector *d;
    if (semio_face_detector_open(&d, &set, &err) < 0) {
        fprintf(stderr, "face_detect: %s\n", err.message);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = first; i < argc; i++) {
        SemioImage img;
        SemioFace *f;
        size_t n;
        if (semio_jpeg_read(argv[i], &img, &err) < 0 || semio_face_detect(d, &img, &f, &n, &err) < 0) {
            fprintf(stderr, "face_detect: %s\n", err.message);
            return 1;
        }
        for (size_t k = 0; k < n; k++)
            printf("%s %.1f %.1f %.1f %.1f %.3f %.0f\n", argv[i], f[k].x, f[k].y, f[k].w, f[k].h,
                   f[k].score, f[k].angle);
        free(f);
        semio_image_free(&img);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "face_detect: %.1f ms per picture\n",
            ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / (argc - first));
    semio_face_detector_close(&d);
    return 0;
}
