/*
 * Body keypoints from external pose estimators (OpenPose's per-frame JSON), the rule
 * that picks the patient among the people seen, and the skeleton overlay drawn on
 * sampled frames for the pose view.
 */
#ifndef SEMIO_POSE_H
#define SEMIO_POSE_H

#include "semio/common.h"
#include "semio/image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioKeypoint {
    float x, y, c; /**< pixels in the estimator's frame; c = confidence (0: not found) */
} SemioKeypoint;

/**
 * One person: BODY_25 (25 points) or COCO-18 (18 points), OpenPose's order; and the
 * 70 face points when the estimator gave them (dlib's 68 in iBUG 300-W order, then the
 * right and left pupils).
 */
typedef struct SemioPerson {
    SemioKeypoint body[25];
    int npoints;
    SemioKeypoint face[70];
    int nface;              /**< 70, or 0 when the file has no face points */
} SemioPerson;

/** BODY_25 indices. */
enum {
    SEMIO_NOSE, SEMIO_NECK, SEMIO_RSHOULDER, SEMIO_RELBOW, SEMIO_RWRIST, SEMIO_LSHOULDER,
    SEMIO_LELBOW, SEMIO_LWRIST, SEMIO_MIDHIP, SEMIO_RHIP, SEMIO_RKNEE, SEMIO_RANKLE, SEMIO_LHIP,
    SEMIO_LKNEE, SEMIO_LANKLE, SEMIO_REYE, SEMIO_LEYE, SEMIO_REAR, SEMIO_LEAR, SEMIO_LBIGTOE,
    SEMIO_LSMALLTOE, SEMIO_LHEEL, SEMIO_RBIGTOE, SEMIO_RSMALLTOE, SEMIO_RHEEL
};

/**
 * Reads one frame's keypoint file: OpenPose's people[].pose_keypoints_2d (and
 * face_keypoints_2d, when present and not empty), or COCO-WholeBody as Sapiens writes it
 * (instance_info[].keypoints, 133 [x, y] pairs, and keypoint_scores), whose body, feet
 * and face become BODY_25 (neck and mid-hip as midpoints) and the 70 face points (pupils
 * as eye centres). *people freed with semio_free. A point found (confidence above 0) at no
 * place in a picture (NaN, infinite, or more than 100000 pixels out) or a confidence that
 * is not a number is a format error naming the file, person and point; a point not found
 * reads as (0, 0, 0) whatever place it was given.
 */
SEMIO_API int semio_openpose_read(const char *path, SemioPerson **people, size_t *n, SemioError *err);

/**
 * The per-frame files of one recording in `dir`: OpenPose writes NAME_<frame>_keypoints.json,
 * either directly in dir (NAME = the recording's name without extension) or in dir/NAME/;
 * in dir/NAME/, files named <frame>.json (Sapiens) count too.
 */
typedef struct SemioKeypointDir SemioKeypointDir;
SEMIO_API int semio_keypoints_open(SemioKeypointDir **out, const char *dir, const char *video_file_name,
                         SemioError *err);
/** The file for frame `index`, or NULL when the estimator wrote none for it. */
SEMIO_API const char *semio_keypoints_path(const SemioKeypointDir *d, int64_t index);
SEMIO_API size_t semio_keypoints_count(const SemioKeypointDir *d);
/** The highest frame number with a file (-1 when none). */
SEMIO_API int64_t semio_keypoints_last(const SemioKeypointDir *d);
SEMIO_API void semio_keypoints_close(SemioKeypointDir **d);

/**
 * Picks the patient in each of n frames (choice[f] indexes people[f], -1 when none).
 * Rule: people are linked into tracks frame to frame (nearest centroid of confident
 * body points, or face points for a face alone, within a fifth of the frame's diagonal); the track seen in the most frames is
 * the patient, ties going to the track nearest the frame's centre on average. Nurses
 * pass through; the patient stays.
 */
SEMIO_API void semio_choose_patient(SemioPerson *const *people, const size_t *counts, size_t n, int width,
                          int height, int *choice);

/**
 * Draws a person's skeleton on img: limbs as thick anti-aliased lines, joints as dots,
 * one fixed color per limb (right arm red, left arm green, right leg orange, left leg
 * blue, torso yellow, head magenta), points under min_conf left out. Keypoints are in
 * a src_w x src_h frame and are scaled to img.
 */
SEMIO_API int semio_draw_skeleton(SemioImage *img, const SemioPerson *p, int src_w, int src_h,
                        float min_conf, SemioError *err);

/**
 * Where a person's face is in one frame: centre and size (the larger of the face points'
 * width and height, jaw to brows), from face_keypoints_2d points at least min_conf sure;
 * without face points, from the body's nose, eyes and ears (size: twice the ear-to-ear or
 * eye-to-eye span). Returns 0 when there is not enough to place it (or what there is is
 * not finite).
 */
SEMIO_API int semio_face_box(const SemioPerson *p, float min_conf, double *cx, double *cy, double *size);

/**
 * One square crop for a whole window, as the pilot's temporal crop: per-frame boxes
 * (found[i] == 0 where none) are filled in by linear interpolation, smoothed over three
 * frames, and covered by one box (their 10th to 90th percentile extent, so one stray
 * detection does not blow it up) widened by `margin` (0.6: the whole head, forehead to
 * chin) and lifted toward the forehead, made square and clamped inside the frame.
 * Returns the number of frames that had a face; 0 leaves *x, *y, *side unset.
 */
SEMIO_API size_t semio_face_window_box(const double *cx, const double *cy, const double *size,
                             const int *found, size_t n, int width, int height, double margin,
                             int *x, int *y, int *side);

#ifdef __cplusplus
}
#endif
#endif
