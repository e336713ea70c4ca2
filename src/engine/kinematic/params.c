/* The kinematic engine's named thresholds, set by name. Each was set by reasoning about its
 * sign's definition and the estimator's noise, not tuned on any study. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "util/error.h"

/* In the order of measure.h's P_ indices. */
static const SemioKinematicParam params[P_COUNT] = {
    { "min_conf", 0.2, "", "keypoints less sure than this are treated as missing" },
    { "min_seen", 0.5, "share", "a window needs the patient in this share of frames" },
    { "still_speed", 0.06, "torso/s", "a wrist or elbow slower than this is still" },
    { "move_speed", 0.15, "torso/s", "a wrist faster than this is moving" },
    { "rhythm_corr", 0.5, "r", "a motion is rhythmic when its autocorrelation one period later reaches this" },
    { "rhythm_dip", 0.5, "r", "...and that peak rises this much above the trough at a shorter lag" },
    { "clonic_lo", 1.5, "Hz", "clonic band, low end" },
    { "clonic_hi", 6.0, "Hz", "clonic band, high end" },
    { "clonic_deg", 4.0, "deg", "clonic: least rms swing of the elbow angle" },
    { "clonic_s", 3.0, "s", "clonic: least duration of the rhythm" },
    { "shake_lo", 3.0, "Hz", "shaking band, low end" },
    { "shake_hi", 9.0, "Hz", "shaking band, high end" },
    { "shake_trunk", 0.008, "torso", "shaking: least rms sway of the neck (the trunk shakes too)" },
    { "shake_s", 3.0, "s", "shaking: least duration" },
    { "tonic_s", 3.0, "s", "tonic: least time an abnormal posture is held still" },
    { "flex_deg", 115.0, "deg", "an elbow angle under this is flexed (180 = straight)" },
    { "straight_deg", 155.0, "deg", "an elbow angle over this is straight" },
    { "raised_deg", 45.0, "deg", "an upper arm this far from the trunk is raised away from it" },
    { "hold_s", 1.0, "s", "flexion, straightening, figure 4: least time held" },
    { "simul_corr", 0.6, "r", "arms move together: correlation of their elbow velocities" },
    { "async_corr", 0.3, "r", "limbs move asynchronously: correlation under this" },
    { "both_deg", 3.0, "deg", "an arm counts as moving in a 3 s span when its elbow swings this much (rms)" },
    { "pair_s", 2.0, "s", "together / asynchronous: least time both arms move" },
    { "auto_s", 3.0, "s", "automatisms: least time a hand keeps moving without rhythm" },
    { "auto_range", 0.35, "torso", "automatisms: most wrist excursion (fumbling is small)" },
    { "thrust_lo", 0.5, "Hz", "pelvic thrusting band, low end" },
    { "thrust_hi", 3.0, "Hz", "pelvic thrusting band, high end" },
    { "thrust_amp", 0.03, "torso", "pelvic thrusting: least rms change of the trunk length" },
    { "thrust_s", 3.0, "s", "pelvic thrusting: least duration" },
    { "ear_closed", 0.15, "EAR", "eye aspect ratio under this: eyes closed" },
    { "ear_open", 0.2, "EAR", "eye aspect ratio over this: eyes open" },
    { "closed_s", 2.0, "s", "eyes closed: least time shut, after the episode starts" },
    { "blink_s", 0.5, "s", "a closure shorter than this is a blink" },
    { "blink_count", 6.0, "blinks", "eye blinking: this many blinks within 5 s (people at rest blink about 1.5 times)" },
    { "stare_s", 4.0, "s", "blank stare: least time eyes open without a blink, face and limbs still" },
    { "sleep_s", 3.0, "s", "occurs during sleep: the window opens with eyes closed and body still this long" },
    { "oral_lo", 0.5, "Hz", "oral automatisms band, low end" },
    { "oral_hi", 3.0, "Hz", "oral automatisms band, high end" },
    { "oral_amp", 0.05, "MAR", "oral automatisms: least rms of the mouth aspect ratio" },
    { "oral_s", 3.0, "s", "oral automatisms: least duration" },
    { "pull", 0.02, "face", "face pulling: one mouth corner this much higher than the other (face widths)" },
    { "pull_s", 2.0, "s", "face pulling: least time held" },
    { "twitch_amp", 0.025, "face", "a twitch moves one mouth corner this far (face widths)" },
    { "twitch_count", 4.0, "twitches", "face twitching: this many within 4 s" },
    { "turn", 0.3, "yaw", "head turning: nose offset from the face's centre (half face widths)" },
    { "turn_s", 1.5, "s", "head turning: least time turned" },
    { "voiced_corr", 0.5, "r", "a sound frame is voiced when its autocorrelation peak (70-400 Hz) reaches this" },
    { "voice_snr", 4.0, "x", "a voiced frame is this much louder than the room (10th percentile)" },
    { "groan_s", 0.7, "s", "ictal vocalization: least length of one steady voiced sound" },
    { "groan_flat", 0.35, "cv", "a groan's loudness varies less than this (speech goes by syllables)" },
    { "reply_s", 4.0, "s", "verbal responsiveness: a reply starts this soon after a question ends" },
    { "reply_pitch", 0.2, "share", "a reply's voice differs in pitch from the question's by this share" },
};

const SemioKinematicParam *semio_kinematic_params(size_t *n)
{
    *n = P_COUNT;
    return params;
}

void semio_kinematic_default_settings(SemioKinematicSettings *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < P_COUNT; i++)
        s->v[i] = params[i].value;
}

int semio_kinematic_set(SemioKinematicSettings *s, const char *assignment, SemioError *err)
{
    const char *eq = strchr(assignment, '=');
    char *end;
    for (int i = 0; eq && i < P_COUNT; i++)
        if (strlen(params[i].name) == (size_t)(eq - assignment) &&
            !strncmp(params[i].name, assignment, (size_t)(eq - assignment))) {
            double v = strtod(eq + 1, &end);
            if (end == eq + 1 || *end || !isfinite(v))
                return semio_fail(err, SEMIO_ERR_INVALID, "kinematic: %s wants a number, not "
                                  "'%s'", params[i].name, eq + 1);
            s->v[i] = v;
            return 0;
        }
    return semio_fail(err, SEMIO_ERR_INVALID, "kinematic: '%s' is not NAME=VALUE with a known "
                      "parameter (semio help kinematic lists them)", assignment);
}

void semio_kinematic_describe(const SemioKinematicSettings *s, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < P_COUNT && at < size; i++)
        at += (size_t)snprintf(out + at, size - at, "%s%s=%g", i ? "," : "", params[i].name, s->v[i]);
}
