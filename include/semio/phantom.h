/*
 * The phantom study: recordings of an articulated figure in a bed playing scripted
 * seizure episodes with known ground truth, rendered and encoded by semio itself, so a
 * group can check its whole set-up (cameras aside) before touching patient data.
 */
#ifndef SEMIO_PHANTOM_H
#define SEMIO_PHANTOM_H

#include "semio/common.h"
#include "semio/study.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioPhantomSettings {
    const char *dir;      /**< output folder (created) */
    int videos;           /**< recordings (default 12) */
    int patients;         /**< patients they belong to (default videos / 2, at least 1) */
    uint64_t seed;        /**< everything follows from it (default 1) */
    int width, height;    /**< frame size (default 1920 x 1080) */
    double seconds;       /**< length of each recording (default 30) */
    int fps;              /**< default 30 */
    int threads;          /**< recordings rendered at once (0: one per core) */
    int keypoints;        /**< write OpenPose JSON per frame (default 1) */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;
} SemioPhantomSettings;

SEMIO_API void semio_phantom_default_settings(SemioPhantomSettings *s);

typedef struct SemioPhantomReport {
    int made, skipped;    /**< recordings rendered now / already complete */
    int64_t frames;
    char labels[4096];    /**< path of the labels CSV */
} SemioPhantomReport;

/**
 * Renders the study into s->dir: PATIENT@DATE@ID@sz_v1.mp4 (H.264 + AAC mono 44.1 kHz),
 * beside each a folder of OpenPose JSON (NAME/NAME_<frame>_keypoints.json: BODY_25 and
 * 70 face points, with the noise and dropouts of a real estimator), and labels.csv in
 * the pilot study's layout with the ground truth. A recording whose file is complete is
 * kept (the script depends only on the seed and its number), so a stopped render
 * resumes; each file appears whole or not at all. SEMIO_ERR_NOT_BUILT, before anything
 * else, where semio was built without the optional part "phantom" (cairo, espeak-ng).
 */
SEMIO_API int semio_phantom(const SemioPhantomSettings *s, SemioPhantomReport *rep, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
