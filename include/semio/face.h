/*
 * Built-in face detection and facial landmarks: dlib's HOG frontal face detector and its
 * 68-point shape predictor (Debian's libdlib-data), behind a C interface.
 */
#ifndef SEMIO_FACE_H
#define SEMIO_FACE_H

#include "semio/common.h"
#include "semio/image.h"
#include "semio/pose.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where Debian's libdlib-data puts the 68-point predictor. */
#define SEMIO_DLIB_PREDICTOR "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

typedef struct SemioFace {
    double x, y, w, h;        /**< the detector's box, in the picture's pixels */
    double score;             /**< the detector's confidence (HOG SVM margin) */
    double angle;             /**< degrees the picture was turned to find it (0, +-45, +-90) */
    SemioKeypoint points[70]; /**< the 68 landmarks in OpenPose's face order, then the pupils
                                   (eye centres); confidence 1 */
} SemioFace;

typedef struct SemioFaceDetector SemioFaceDetector;

/**
 * Loads the shape predictor (NULL: SEMIO_DLIB_PREDICTOR). `upsample`: the picture is
 * doubled this many times first (the detector finds faces of about 80 px and up).
 * `turns`: also search the picture turned by +-45 and +-90 degrees, since a patient
 * lying in bed shows a face at any angle and the detector is frontal and upright.
 */
int semio_face_detector_open(SemioFaceDetector **out, const char *predictor, int upsample,
                             int turns, SemioError *err);

/** Finds faces in an RGB picture; *faces freed with semio_free. */
int semio_face_detect(SemioFaceDetector *d, const SemioImage *img, SemioFace **faces, size_t *n,
                      SemioError *err);

void semio_face_detector_close(SemioFaceDetector **d);

/** A detected face as a person with face points only, for the keypoint views. */
void semio_face_to_person(const SemioFace *f, SemioPerson *p);

#ifdef __cplusplus
}
#endif
#endif
