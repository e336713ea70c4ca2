/* The answer about one sign: yes with the evidence cited, no with what was looked for, or
 * what could not be measured. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "semio/eval.h"

static const char *clock_text(double s, char *buf)
{
    int v = (int)floor(s + 1e-6);
    snprintf(buf, 16, "%02d:%02d", v / 60, v % 60);
    return buf;
}

static const char *const side_names[2] = { "right", "left" };

/* Evidence against a threshold -> score: 0.5 at the threshold, toward 1 above. */
static double strength(double measured, double threshold)
{
    return 1 / (1 + exp(-4 * (measured / threshold - 1)));
}

static void yes(SemioKinematicAnswer *out, const Span *s, double score, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void yes(SemioKinematicAnswer *out, const Span *s, double score, const char *fmt, ...)
{
    out->answer = SEMIO_ANSWER_YES;
    out->score = fmax(0.5, fmin(1, score));
    out->onset_s = s->a;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->justification, sizeof(out->justification), fmt, ap);
    va_end(ap);
}

static void no(SemioKinematicAnswer *out, const char *text)
{
    out->answer = SEMIO_ANSWER_NO;
    out->score = 0.1;
    snprintf(out->justification, sizeof(out->justification), "%s", text);
}

void semio_kinematic_answer(const SemioKinematic *k, const char *sign, SemioKinematicAnswer *out)
{
    const double *p = k->p;
    char a[16], b[16];
    memset(out, 0, sizeof(*out));
    out->answer = -1;
    out->onset_s = NAN;
    int audio = !strcmp(sign, "ictal_vocalization") || !strcmp(sign, "verbal_responsiveness");
    int facial = !strcmp(sign, "blank_stare") || !strcmp(sign, "close_eyes") ||
                 !strcmp(sign, "eye_blinking") || !strcmp(sign, "oral_automatisms") ||
                 !strcmp(sign, "face_pulling") || !strcmp(sign, "face_twitching") ||
                 !strcmp(sign, "head_turning") || !strcmp(sign, "occur_during_sleep");
    if (audio && !k->audio) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: the window "
                 "has no audio view (semio enhance --view audio)");
        return;
    }
    if (facial && !k->face) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: no face "
                 "keypoints for the patient in enough frames of this window");
        return;
    }
    if (!audio && !facial && !k->body) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: no arm "
                 "keypoints for the patient in enough frames (seen in %.0f%%)", 100 * k->seen);
        return;
    }
    const Span *s;
    if (!strcmp(sign, "clonic")) {
        s = &k->clonic;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_CLONIC_S]), "rhythmic %.1f Hz jerking of the "
                "%s arm from %s to %s (elbow swinging %.0f deg rms)", s->value,
                side_names[s->side], clock_text(s->a, a), clock_text(s->b, b), s->amp);
        else
            no(out, k->shake.found ? "the rhythm is shared by the trunk (shaking), no limb rhythm "
                                     "of its own" : "no limb moves rhythmically at 1.5-6 Hz for 3 s");
    } else if (!strcmp(sign, "full_body_shaking")) {
        s = &k->shake;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_SHAKE_S]), "the trunk shakes at %.1f Hz with the "
                "limbs from %s to %s", s->value, clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "the trunk does not shake (no 3-9 Hz sway of the neck)");
    } else if (!strcmp(sign, "tonic")) {
        s = &k->tonic;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_TONIC_S]), "limbs held still in a flexed or "
                "extended posture from %s to %s (%.1f s)", clock_text(s->a, a), clock_text(s->b, b),
                s->b - s->a);
        else
            no(out, "no abnormal posture is held still for 3 s");
    } else if (!strcmp(sign, "arm_flexion")) {
        s = &k->flex;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_HOLD_S]), "the %s elbow is flexed under %.0f deg "
                "from %s to %s", side_names[s->side], p[P_FLEX_DEG], clock_text(s->a, a),
                clock_text(s->b, b));
        else
            no(out, "neither elbow stays flexed");
    } else if (!strcmp(sign, "arm_straightening")) {
        s = &k->straight;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_HOLD_S]), "the %s arm is straight and raised "
                "away from the body from %s to %s", side_names[s->side], clock_text(s->a, a),
                clock_text(s->b, b));
        else
            no(out, "no arm is held straight away from the body");
    } else if (!strcmp(sign, "figure4")) {
        s = &k->fig4;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_HOLD_S]), "the %s arm flexed while the %s arm "
                "is extended, from %s to %s", side_names[s->side], side_names[!s->side],
                clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "never one elbow flexed while the other arm is extended");
    } else if (!strcmp(sign, "arms_move_simultaneously")) {
        s = &k->simul;
        if (s->found)
            yes(out, s, strength(s->value, p[P_SIMUL_CORR]), "both arms move together (elbow "
                "velocities correlate at r = %.2f) from %s", s->value, clock_text(s->a, a));
        else
            no(out, "the arms do not move together");
    } else if (!strcmp(sign, "asynchronous_movement")) {
        s = &k->async;
        if (s->found)
            yes(out, s, 0.5 + 0.1 * (s->b - s->a), "both arms move but out of step (elbow "
                "velocities uncorrelated) for %.1f s from %s", s->b - s->a, clock_text(s->a, a));
        else
            no(out, "the limbs do not move out of step");
    } else if (!strcmp(sign, "limb_automatisms")) {
        s = &k->autom;
        if (s->found)
            yes(out, s, 0.7, "the %s hand keeps moving without rhythm in a small space "
                "(%.2f torso lengths) from %s to %s", side_names[s->side], s->value,
                clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "no hand keeps fumbling without rhythm");
    } else if (!strcmp(sign, "pelvic_thrusting")) {
        s = &k->thrust;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_THRUST_S]), "the pelvis moves to and fro at "
                "%.1f Hz from %s to %s", s->value, clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "the pelvis does not move rhythmically");
    } else if (!strcmp(sign, "occur_during_sleep")) {
        s = &k->sleep;
        if (s->found)
            yes(out, s, 0.8, "eyes closed and body still from %s until %s, then the episode",
                clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "the window does not open with eyes closed and the body still");
    } else if (!strcmp(sign, "blank_stare")) {
        s = &k->stare;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_STARE_S]), "eyes open without a blink, face "
                "and limbs still, from %s to %s", clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "no stretch of open, unblinking eyes with a still face");
    } else if (!strcmp(sign, "close_eyes")) {
        s = &k->closed;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_CLOSED_S]), "eyes closed (aspect ratio under "
                "%.2f) from %s to %s during the episode", p[P_EAR_CLOSED], clock_text(s->a, a),
                clock_text(s->b, b));
        else
            no(out, "the eyes stay open during the episode");
    } else if (!strcmp(sign, "eye_blinking")) {
        s = &k->blink;
        if (s->found)
            yes(out, s, strength(s->value, p[P_BLINK_COUNT]), "%.0f blinks within 5 s from %s",
                s->value, clock_text(s->a, a));
        else
            no(out, "no run of rapid blinks");
    } else if (!strcmp(sign, "oral_automatisms")) {
        s = &k->oral;
        if (s->found)
            yes(out, s, strength(s->b - s->a, p[P_ORAL_S]), "the mouth opens and closes at %.1f "
                "Hz from %s to %s", s->value, clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "the mouth does not move rhythmically");
    } else if (!strcmp(sign, "face_pulling")) {
        s = &k->pull;
        if (s->found)
            yes(out, s, strength(fabs(s->value), p[P_PULL]), "the mouth is drawn up to the "
                "patient's %s (corners %.2f face widths apart in height) from %s to %s", side_names[s->side],
                fabs(s->value), clock_text(s->a, a), clock_text(s->b, b));
        else
            no(out, "the mouth corners stay level");
    } else if (!strcmp(sign, "face_twitching")) {
        s = &k->twitch;
        if (s->found)
            yes(out, s, strength(s->value, p[P_TWITCH_COUNT]), "%.0f brief one-sided jerks of the "
                "mouth corner within 4 s from %s", s->value, clock_text(s->a, a));
        else
            no(out, "no repeated one-sided jerks of the face");
    } else if (!strcmp(sign, "head_turning")) {
        s = &k->turn;
        if (s->found)
            yes(out, s, strength(fabs(s->value), p[P_TURN]), "the head turns to the patient's %s "
                "from %s to %s", s->value > 0 ? "left" : "right", clock_text(s->a, a),
                clock_text(s->b, b));
        else
            no(out, "the head keeps facing the same way");
    } else if (!strcmp(sign, "ictal_vocalization")) {
        s = &k->groan;
        if (s->found)
            yes(out, s, strength(s->value, p[P_GROAN_S]), "a steady voiced sound of %.1f s at "
                "about %.0f Hz (not syllables) from %s", s->value, s->amp, clock_text(s->a, a));
        else
            no(out, "no steady voiced non-speech sound");
    } else if (!strcmp(sign, "verbal_responsiveness")) {
        s = &k->reply;
        if (s->found) {
            yes(out, s, 0.75, "a second voice (%.0f Hz against %.0f Hz) replies at %s%s%s%s",
                s->amp, s->value, clock_text(s->a, a), k->transcript[0] ? "; transcript: \"" : "",
                k->transcript, k->transcript[0] ? "\"" : "");
        } else if (k->speech_turns == 0) {
            out->answer = SEMIO_ANSWER_NA;
            out->score = 0;
            snprintf(out->justification, sizeof(out->justification), "nobody speaks in this "
                     "window: responsiveness was not tested");
        } else {
            no(out, "speech without a reply in another voice");
        }
    } else {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: the kinematic "
                 "engine has no rule for '%s'", sign);
    }
}
