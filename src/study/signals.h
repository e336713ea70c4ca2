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

/*
 * Loads segment `segment`: the patient's keypoints in every frame of the window (OpenPose
 * files in `keypoints_dir`, or NULL for the recording's folder; frame i is taken at
 * i / avg_fps; the patient chosen by semio_choose_patient's rule), its audio view when
 * there is one, and its transcript. Keypoints that cannot be found leave the window
 * without a body (the engine then says what it cannot measure); a malformed file is an
 * error naming it.
 */
int semio_window_signals(SemioStudy *s, int64_t segment, const char *keypoints_dir,
                         WindowSignals *w, SemioError *err);
void semio_window_signals_free(WindowSignals *w);

#endif
