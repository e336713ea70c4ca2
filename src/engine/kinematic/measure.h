/* Inside the kinematic engine: its parameters, the series measured over a window, the
 * stretches the detectors find, and what each detector family offers analyze.c. */
#ifndef SEMIO_ENGINE_KINEMATIC_MEASURE_H
#define SEMIO_ENGINE_KINEMATIC_MEASURE_H

#include <math.h>

#include "semio/kinematic.h"

/* The parameters: indices into SemioKinematicSettings.v, in params.c's table order. */
enum {
    P_MIN_CONF, P_MIN_SEEN, P_STILL_SPEED, P_MOVE_SPEED, P_RHYTHM_CORR, P_RHYTHM_DIP, P_CLONIC_LO,
    P_CLONIC_HI, P_CLONIC_DEG, P_CLONIC_S, P_SHAKE_LO, P_SHAKE_HI, P_SHAKE_TRUNK, P_SHAKE_S,
    P_TONIC_S, P_FLEX_DEG, P_STRAIGHT_DEG, P_RAISED_DEG, P_HOLD_S, P_SIMUL_CORR, P_ASYNC_CORR,
    P_BOTH_DEG, P_PAIR_S, P_AUTO_S, P_AUTO_RANGE, P_THRUST_LO, P_THRUST_HI, P_THRUST_AMP,
    P_THRUST_S, P_EAR_CLOSED, P_EAR_OPEN, P_CLOSED_S, P_BLINK_S, P_BLINK_COUNT, P_STARE_S,
    P_SLEEP_S, P_ORAL_LO, P_ORAL_HI, P_ORAL_AMP, P_ORAL_S, P_PULL, P_PULL_S, P_TWITCH_AMP,
    P_TWITCH_COUNT, P_TURN, P_TURN_S, P_VOICED_CORR, P_VOICE_SNR, P_GROAN_S, P_GROAN_FLAT,
    P_REPLY_S, P_REPLY_PITCH, P_COUNT
};

typedef struct Span {       /* where a sign was found: for most signs, its longest stretch */
    int found;
    double a, b;            /* seconds on the recording's timeline */
    double value;           /* what was measured there (rate, count, ...) */
    double amp;             /* how strongly (rms of the rhythmic signal) */
    int side;
} Span;

/* What a window's analysis found: one stretch per sign, read by answer.c. */
struct SemioKinematic {
    const double *p;
    SemioKinematicSettings set;
    int body, face, audio;  /* what could be measured */
    double seen;            /* share of frames with the patient */
    Span clonic, shake, tonic, flex, straight, fig4, simul, async, autom, thrust;
    Span closed, blink, stare, sleep, oral, pull, twitch, turn, groan, reply;
    int speech_turns;
    char transcript[160];
};

/*
 * Series of one window: [series][frame], NaN where unseen, filled afterwards. The body's
 * come first and the face's from X_EAR on: analyze.c fills and checks them by that split.
 */
enum {
    X_NECK_X, X_NECK_Y, X_TORSO, X_ELB_R, X_ELB_L, X_ABD_R, X_ABD_L, X_WX_R, X_WY_R, X_WX_L,
    X_WY_L, X_EX_R, X_EY_R, X_EX_L, X_EY_L, X_EAR, X_MAR, X_PULL, X_CRX, X_CRY, X_CLX, X_CLY,
    X_YAW, X_SERIES
};

/* One window as the detectors read it, measured by analyze.c. */
typedef struct Window {
    double *x[X_SERIES];    /* the series, gaps filled */
    double *speed;          /* per frame, the fastest wrist or elbow (torso/s); 0 without a body */
    double *wrist_speed[2]; /* right, left */
    size_t n;               /* frames */
    double fps, t0;         /* t0: time of frame 0 on the recording's timeline */
} Window;

static inline double keypoint_dist(SemioKeypoint a, SemioKeypoint b)
{
    return hypot(a.x - b.x, a.y - b.y);
}

/*
 * analyze.c: measures a window's series into *w (gaps filled, held shapes smoothed, limb
 * speeds when there is a body) and sets k->body, k->face and k->seen; k->p must be set.
 * What the detectors read, and the learned features too (src/learn/kinematic.c). Free
 * with semio_kin_window_free, also after an error.
 */
int semio_kin_measure(SemioKinematic *k, const SemioSignals *sig, Window *w, SemioError *err);
void semio_kin_window_free(Window *w);

/* span.c: the stretches detectors report. */
Span semio_kin_longest(const unsigned char *cond, size_t n, double fps, double t0);
Span semio_kin_rhythmic_span(const SemioKinematic *k, const double *x, size_t n, double fps,
                             double t0, double lo, double hi, double min_rms,
                             const unsigned char *gate);

/* limb.c: one frame's body series (row[X_NECK_X..X_EY_L]), scaled by the torso length;
 * the limb signs, -1 when out of memory. */
void semio_kin_body_series(const SemioKinematic *k, const SemioPerson *p, double torso,
                           double *row);
int semio_kin_limb_signs(SemioKinematic *k, const Window *w);

/* face.c: one frame's face series (row[X_EAR..X_YAW]); the facial signs. */
void semio_kin_face_series(const SemioPerson *p, double *row);
void semio_kin_face_signs(SemioKinematic *k, const Window *w);

/* sound.c: the window's sound in 40 ms frames every 10 ms: rms, pitch (70-400 Hz by the
 * autocorrelation peak, 0 when none) and whether voiced (the peak at least voiced_corr, the
 * frame voice_snr times louder than the room's level); -1 when out of memory. */
typedef struct SoundFrames {
    size_t n;
    int len, hop;          /* samples */
    double *energy, *f0;
    unsigned char *voiced;
} SoundFrames;
int semio_kin_sound_frames(const SemioAudio *au, double voiced_corr, double voice_snr,
                           SoundFrames *f);
void semio_kin_sound_frames_free(SoundFrames *f);

/* sound.c: the vocal signs from the window's sound, t0 its start on the timeline. */
void semio_kin_sound_signs(SemioKinematic *k, const SemioAudio *au, double t0);

#endif
