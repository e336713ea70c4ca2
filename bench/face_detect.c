/*
 * Prints the faces dlib finds in JPEG files, one line per face: FILE x y w h score angle.
 * Usage: face_detect [--turns] [--upsample N] FILE.jpg...  (bench/face_recall.sh uses it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "semio/semio.h"

int main(int argc, char **argv)
{
    int turns = 0, upsample = 1, first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--turns"))
            turns = 1;
        else if (!strcmp(argv[first], "--upsample") && first + 1 < argc)
            upsample = atoi(argv[++first]);
    }
    SemioError err = { 0 };
    SemioFaceDetector *d;
    if (semio_face_detector_open(&d, NULL, upsample, turns, &err) < 0) {
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
