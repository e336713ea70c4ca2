/*
 * Built-in face detection and facial landmarks, behind a C interface. Two detectors:
 * MediaPipe's BlazeFace (ONNX, through ONNX Runtime; both from the npm registry, fetched by
 * scripts/fetch-blazeface, built in where they were present) and dlib's HOG frontal face
 * detector (Debian's libdlib). Both place dlib's 68 landmarks with its shape predictor
 * (Debian's libdlib-data). bench/face_recall.sh and bench_views compare them.
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
    double x, y, w, h;        /**< the box the 68 landmarks span, in the picture's pixels */
    double score;             /**< the detector's confidence (dlib: HOG SVM margin; BlazeFace:
                                   probability) */
    double angle;             /**< the face's roll in degrees, clockwise as seen (dlib: the turned copy
                                   it was found in, 0, +-45 or +-90; BlazeFace: from its eyes) */
    SemioKeypoint points[70]; /**< the 68 landmarks in OpenPose's face order, then the pupils
                                   (eye centres); confidence 1 */
} SemioFace;

typedef struct SemioFaceDetector SemioFaceDetector;

typedef enum SemioFaceBackend {
    SEMIO_FACE_AUTO,      /**< BlazeFace where semio was built with it, else dlib */
    SEMIO_FACE_DLIB,      /**< dlib's HOG detector: upright faces, turned copies searched too */
    SEMIO_FACE_BLAZEFACE, /**< BlazeFace: faces turned any way, about 100x faster */
} SemioFaceBackend;

typedef struct SemioFaceDetectorSettings {
    SemioFaceBackend backend;
    const char *predictor; /**< dlib's 68-point model; NULL = SEMIO_DLIB_PREDICTOR */
    int upsample;          /**< dlib: the picture is doubled this many times first; the
                                detector finds faces of about 80 px and up (1) */
    int turns;             /**< dlib: also search the picture turned by +-45 and +-90
                                degrees, since a patient lying in bed shows a face at any
                                angle and the detector is frontal and upright (1) */
    const char *model;     /**< BlazeFace's ONNX file; NULL = the one scripts/fetch-blazeface
                                fetched when semio was built */
    int min_face;          /**< BlazeFace: the smallest face to find, in picture pixels; the
                                picture is searched in tiles until such a face is big enough
                                for the model (40) */
    float min_score;       /**< BlazeFace: the least sureness a face needs (0.5) */
} SemioFaceDetectorSettings;

SEMIO_API void semio_face_detector_default_settings(SemioFaceDetectorSettings *s);

/** "auto", "dlib" or "blazeface"; 0, or SEMIO_ERR_INVALID for another name. */
SEMIO_API int semio_face_backend_parse(const char *name, SemioFaceBackend *backend);

/** Whether this semio was built with BlazeFace (ONNX Runtime was there); the same as
 *  semio_feature_built("blazeface"). */
SEMIO_API int semio_face_blazeface_built(void);

/**
 * Loads the detector and the landmark predictor. SEMIO_ERR_NOT_BUILT where semio was built
 * without the optional part "dlib" (it places the landmarks for either detector), or
 * without "blazeface" when BlazeFace is asked for.
 */
SEMIO_API int semio_face_detector_open(SemioFaceDetector **out, const SemioFaceDetectorSettings *s,
                             SemioError *err);

/** "dlib" or "blazeface". */
SEMIO_API const char *semio_face_detector_name(const SemioFaceDetector *d);

/** Finds faces in an RGB picture; *faces freed with semio_free. */
SEMIO_API int semio_face_detect(SemioFaceDetector *d, const SemioImage *img, SemioFace **faces, size_t *n,
                      SemioError *err);

SEMIO_API void semio_face_detector_close(SemioFaceDetector **d);

/** A detected face as a person with face points only, for the keypoint views. */
SEMIO_API void semio_face_to_person(const SemioFace *f, SemioPerson *p);

#ifdef __cplusplus
}
#endif
#endif
