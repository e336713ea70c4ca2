/*
 * The built-in face detector: BlazeFace or dlib finds the faces, dlib's shape predictor
 * places the landmarks.
 */
#include <stdlib.h>
#include <string.h>

#include "enhance/face_internal.h"
#include "semio_config.h"
#include "util/error.h"

struct SemioFaceDetector {
    SemioDlib *dlib;           /* the landmarks, and the detector for SEMIO_FACE_DLIB */
    SemioBlazeFace *blazeface; /* the detector for SEMIO_FACE_BLAZEFACE */
};

void semio_face_detector_default_settings(SemioFaceDetectorSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->backend = SEMIO_FACE_AUTO;
    s->upsample = 1;
    s->turns = 1;
    s->min_face = 40;
    s->min_score = 0.5f;
}

int semio_face_backend_parse(const char *name, SemioFaceBackend *backend)
{
    static const char *const names[] = { "auto", "dlib", "blazeface" };
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) {
            *backend = (SemioFaceBackend)i;
            return 0;
        }
    return SEMIO_ERR_INVALID;
}

int semio_face_blazeface_built(void)
{
    return SEMIO_HAVE_BLAZEFACE;
}

void semio_face_detector_close(SemioFaceDetector **dp)
{
    if (!*dp)
        return;
#if SEMIO_HAVE_DLIB
    semio_dlib_close(&(*dp)->dlib);
#endif
#if SEMIO_HAVE_BLAZEFACE
    semio_blazeface_close(&(*dp)->blazeface);
#endif
    free(*dp);
    *dp = NULL;
}

int semio_face_detector_open(SemioFaceDetector **out, const SemioFaceDetectorSettings *s,
                             SemioError *err)
{
    *out = NULL;
#if !SEMIO_HAVE_DLIB
    /* either detector's faces get their landmarks from dlib */
    return semio_fail_not_built(err, "dlib");
#else
    SemioFaceBackend backend = s->backend;
    if (backend == SEMIO_FACE_AUTO)
        backend = semio_face_blazeface_built() ? SEMIO_FACE_BLAZEFACE : SEMIO_FACE_DLIB;
    if (backend == SEMIO_FACE_BLAZEFACE && !semio_face_blazeface_built())
        return semio_fail_not_built(err, "blazeface");
    SemioFaceDetector *d = calloc(1, sizeof(*d));
    if (!d)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = semio_dlib_open(&d->dlib, s->predictor, s->upsample, s->turns, err);
#if SEMIO_HAVE_BLAZEFACE
    if (r == 0 && backend == SEMIO_FACE_BLAZEFACE)
        r = semio_blazeface_open(&d->blazeface, s->model ? s->model : SEMIO_BLAZEFACE_MODEL,
                                 s->min_face, s->min_score, err);
#endif
    if (r < 0) {
        semio_face_detector_close(&d);
        return r;
    }
    *out = d;
    return 0;
#endif
}

const char *semio_face_detector_name(const SemioFaceDetector *d)
{
    return d->blazeface ? "blazeface" : "dlib";
}

int semio_face_detect(SemioFaceDetector *d, const SemioImage *img, SemioFace **faces, size_t *n,
                      SemioError *err)
{
#if SEMIO_HAVE_BLAZEFACE
    if (d->blazeface) {
        int r = semio_blazeface_detect(d->blazeface, img, faces, n, err);
        if (r == 0 && *n)
            r = semio_dlib_landmarks(d->dlib, img, *faces, *n, err);
        if (r < 0) {
            free(*faces);
            *faces = NULL;
            *n = 0;
        }
        return r;
    }
#endif
#if SEMIO_HAVE_DLIB
    return semio_dlib_detect(d->dlib, img, faces, n, err);
#else
    *faces = NULL; /* no detector opens without dlib */
    *n = 0;
    return semio_fail_not_built(err, "dlib");
#endif
}

void semio_face_to_person(const SemioFace *f, SemioPerson *p)
{
    memset(p, 0, sizeof(*p));
    p->nface = 70;
    memcpy(p->face, f->points, sizeof(p->face));
}
