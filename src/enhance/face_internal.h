/*
 * The two face detectors behind semio/face.h. face.c chooses between them; dlib also
 * places the 68 landmarks in the faces BlazeFace finds.
 */
#ifndef SEMIO_FACE_INTERNAL_H
#define SEMIO_FACE_INTERNAL_H

#include "semio/face.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dlib (face_dlib.cpp): the HOG detector, upright or with turned copies, and the shape
 * predictor. */
typedef struct SemioDlib SemioDlib;
int semio_dlib_open(SemioDlib **out, const char *predictor, int upsample, int turns,
                    SemioError *err);
int semio_dlib_detect(SemioDlib *d, const SemioImage *img, SemioFace **faces, size_t *n,
                      SemioError *err);
/* The 68 landmarks of faces another detector found: each one's box and roll (angle,
 * degrees) in, its points and the box they span out. */
int semio_dlib_landmarks(SemioDlib *d, const SemioImage *img, SemioFace *faces, size_t n,
                         SemioError *err);
void semio_dlib_close(SemioDlib **d);

/* BlazeFace (face_blazeface.c, built where ONNX Runtime is): the box, score and roll of each
 * face; points stay empty. */
typedef struct SemioBlazeFace SemioBlazeFace;
int semio_blazeface_open(SemioBlazeFace **out, const char *model, int min_face, float min_score,
                         SemioError *err);
int semio_blazeface_detect(SemioBlazeFace *b, const SemioImage *img, SemioFace **faces,
                           size_t *n, SemioError *err);
void semio_blazeface_close(SemioBlazeFace **b);

#ifdef __cplusplus
}
#endif
#endif
