/* What the kinematic engine looks at for one segment, loaded from the study. */
#ifndef SEMIO_STUDY_SIGNALS_H
#define SEMIO_STUDY_SIGNALS_H

#include "semio/kinematic.h"
#include "semio/study.h"

typedef struct WindowSignals {
    SemioSignals sig;
    SemioPerson *frames;
    SemioAudio audio;
    char *transcript;
    int keypoint_files;   /* frames of the window that had a keypoint file */
    int64_t frame_count;  /* the recording's */
} WindowSignals;

/* The keypoint folder of the last recording loaded, kept while its windows are loaded:
 * scanning a folder of per-frame files once per window would repeat the same I/O. */
typedef struct KeypointCache {
    char file_name[512];
    SemioKeypointDir *kd;   /* NULL: the recording has no keypoints */
    int open;
} KeypointCache;

void semio_keypoint_cache_close(KeypointCache *c);

/*
 * Loads segment `segment`: the patient's keypoints in every frame of the window (OpenPose
 * files in `keypoints_dir`, or NULL for the recording's folder; frame i is taken at
 * i / avg_fps; the patient chosen by semio_choose_patient's rule), its audio view when
 * there is one, and its transcript. Keypoints that cannot be found leave the window
 * without a body (the engine then says what it cannot measure); a malformed file is an
 * error naming it.
 */
int semio_window_signals(SemioStudy *s, int64_t segment, const char *keypoints_dir,
                         KeypointCache *cache, WindowSignals *w, SemioError *err);
void semio_window_signals_free(WindowSignals *w);

#endif
