/* The phantom's parts: the episode script, the figure, the sound. */
#ifndef SEMIO_PHANTOM_INTERNAL_H
#define SEMIO_PHANTOM_INTERNAL_H

#include <stdint.h>

#include "semio/audio.h"
#include "semio/common.h"
#include "semio/pose.h"

/* What the episode does over an interval [a, b) of seconds. */
typedef enum ActKind {
    ACT_TONIC,       /* posture held still (with a posture act) */
    ACT_CLONIC,      /* rhythmic jerks of one arm or both, slowing */
    ACT_FLEX,        /* elbow(s) flexed and held */
    ACT_STRAIGHT,    /* arm(s) extended and raised */
    ACT_FIGURE4,     /* one arm extended, the other flexed */
    ACT_AUTOMATISM,  /* one hand fumbling */
    ACT_ASYNC,       /* limbs flailing out of phase */
    ACT_THRUST,      /* pelvis forward and back */
    ACT_SHAKE,       /* the whole body trembling */
    ACT_HEADTURN,    /* head turned to one side and held */
    ACT_EYES_CLOSED,
    ACT_BLINK,       /* rapid repeated blinking */
    ACT_CHEW,        /* periodic mouth opening */
    ACT_PULL,        /* the mouth drawn to one side */
    ACT_TWITCH,      /* brief jerks of one mouth corner and cheek */
    ACT_STARE,       /* eyes open, no blinking, face still */
    ACT_GROAN,       /* sound: voiced non-speech */
    ACT_NURSE,       /* a nurse beside the bed (walks in and out) */
    ACT_COUNT
} ActKind;

typedef struct Act {
    ActKind kind;
    double a, b;
    int side;        /* 0 right, 1 left, 2 both */
    double freq;     /* Hz where rhythmic (clonic starts at freq, ends at freq2) */
    double freq2;
    double amp;
} Act;

typedef struct Speech {
    double at;       /* seconds */
    int nurse;       /* 1: the nurse's voice, 0: the patient's */
    char text[96];
} Speech;

enum { PHANTOM_MAX_ACTS = 24, PHANTOM_MAX_SPEECH = 8, PHANTOM_SIGNS = 20 };

typedef struct Episode {
    uint64_t seed;
    double seconds, onset, end;   /* seizure bounds */
    int asleep;                   /* night, infrared, eyes closed until onset */
    int male, epileptic, blanket;
    double fan;                   /* fan noise level */
    Act acts[PHANTOM_MAX_ACTS];
    int nacts;
    Speech speech[PHANTOM_MAX_SPEECH];
    int nspeech;
    int truth[PHANTOM_SIGNS];     /* per sign of the catalog order below: 1 yes, 0 no, -1 unknown */
    double blink_phase, blink_period; /* natural blinking when awake */
} Episode;

/* The catalog's sign ids, in the order of Episode.truth. */
extern const char *const phantom_sign_ids[PHANTOM_SIGNS];

/* The figure's degrees of freedom at one instant. Angles in radians. */
typedef struct Pose {
    double body_x;            /* sideways shift of the whole body (body units) */
    double pelvis;            /* pelvis shift along the body axis (thrusting) */
    double shoulder[2];       /* abduction away from the body: 0 along it; [0] right, [1] left */
    double elbow[2];          /* flexion: 0 straight */
    double hip[2], knee[2];
    double head_yaw, head_roll;
    double eye_open[2];       /* 0 closed .. 1 open */
    double mouth_open;        /* 0 .. 1 */
    double mouth_pull;        /* -1 .. 1: corners drawn to the patient's right (-) or left (+) */
    double twitch;            /* 0 .. 1: the left mouth corner and cheek jerked */
    double breath;
} Pose;

/* The scene's geometry: the frame size and the body unit in pixels. */
typedef struct Stage {
    int width, height;
    double unit;
    double cx, cy;            /* the pelvis at rest */
} Stage;

void phantom_stage(Stage *st, int width, int height);

/* Writes recording `index`'s script (depends only on seed and index). */
void phantom_script(Episode *e, uint64_t seed, int index, double seconds);

/* The patient's pose at time t. */
void phantom_pose(const Episode *e, double t, Pose *p);

/* Exact keypoints of the patient for a pose (confidence 1; the estimator's noise is added
 * when they are written). */
void phantom_patient_points(const Stage *st, const Pose *p, SemioPerson *out);

/* The nurse at time t, if she is in the frame (returns 0 when not). */
int phantom_nurse_points(const Stage *st, const Episode *e, double t, SemioPerson *out);

/* Draws a frame into xRGB32 pixels (cairo's RGB24), stride in bytes. */
int phantom_draw(const Stage *st, const Episode *e, const SemioPerson *patient,
                 const SemioPerson *nurse, uint8_t *pixels, int stride);

/* The episode's sound: 44.1 kHz mono, e->seconds long. */
int phantom_sound(const Episode *e, SemioAudio *out, SemioError *err);

/* xorshift64*: the one random source, so a seed gives the same study everywhere. */
static inline uint64_t phantom_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static inline double phantom_uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(phantom_rand(s) >> 11) * (1.0 / 9007199254740992.0);
}

double phantom_gauss(uint64_t *s);

#endif
