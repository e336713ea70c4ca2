/* The answer about one sign, from one row per sign: yes with the evidence cited, no with
 * what was looked for, or what could not be measured. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "semio/eval.h"

enum Needs { BODY, FACE, AUDIO };   /* the measure a sign is read from */

/* How a found stretch becomes the score for yes (then kept within [0.5, 1]). */
enum ScoreKind {
    S_LENGTH,   /* its length against a parameter */
    S_VALUE,    /* its value against a parameter */
    S_SIZE,     /* its value's magnitude against a parameter */
    S_SECONDS,  /* 0.5 and a tenth per second of its length */
    S_FIXED,    /* a fixed score: what was found has no degree worth grading */
};

typedef struct Score {
    enum ScoreKind kind;
    int against;    /* the parameter (P_...) */
    double fixed;
} Score;

#define BY_LENGTH(param) { S_LENGTH, param, 0 }
#define BY_VALUE(param) { S_VALUE, param, 0 }
#define BY_SIZE(param) { S_SIZE, param, 0 }
#define BY_SECONDS { S_SECONDS, 0, 0 }
#define FIXED(score) { S_FIXED, 0, score }
#define AT(span) offsetof(SemioKinematic, span)

/*
 * A sign's row. The sentences' {placeholders}, from the stretch found: {from} and {to}
 * (its ends, mm:ss), {length:D} (seconds), {value:D}, {amp:D}, {size:D} (|value|), with D
 * decimals; {side} and {other} (right or left, by its side), {toward} (left when its
 * value is positive), {transcript}; or a parameter's name, {flex_deg:D}.
 */
typedef struct Row {
    const char *sign;
    enum Needs needs;
    size_t span;            /* the stretch in SemioKinematic */
    Score score;
    const char *yes;        /* the evidence, when the stretch was found */
    const char *no;         /* what was looked for, when it was not */
    size_t instead;         /* with no_instead: another stretch that explains the no */
    const char *no_instead; /* ...said instead when that one was found */
    const char *silent;     /* not applicable (NA) when nobody speaks, saying this */
} Row;

static const Row rows[] = {
    { "clonic", BODY, AT(clonic), BY_LENGTH(P_CLONIC_S),
      .yes = "rhythmic {value:1} Hz jerking of the {side} arm from {from} to {to} (elbow "
             "swinging {amp:0} deg rms)",
      .no = "no limb moves rhythmically at 1.5-6 Hz for 3 s",
      .instead = AT(shake),
      .no_instead = "the rhythm is shared by the trunk (shaking), no limb rhythm of its own" },
    { "full_body_shaking", BODY, AT(shake), BY_LENGTH(P_SHAKE_S),
      .yes = "the trunk shakes at {value:1} Hz with the limbs from {from} to {to}",
      .no = "the trunk does not shake (no 3-9 Hz sway of the neck)" },
    { "tonic", BODY, AT(tonic), BY_LENGTH(P_TONIC_S),
      .yes = "limbs held still in a flexed or extended posture from {from} to {to} ({length:1} s)",
      .no = "no abnormal posture is held still for 3 s" },
    { "arm_flexion", BODY, AT(flex), BY_LENGTH(P_HOLD_S),
      .yes = "the {side} elbow is flexed under {flex_deg:0} deg from {from} to {to}",
      .no = "neither elbow stays flexed" },
    { "arm_straightening", BODY, AT(straight), BY_LENGTH(P_HOLD_S),
      .yes = "the {side} arm is straight and raised away from the body from {from} to {to}",
      .no = "no arm is held straight away from the body" },
    { "figure4", BODY, AT(fig4), BY_LENGTH(P_HOLD_S),
      .yes = "the {side} arm flexed while the {other} arm is extended, from {from} to {to}",
      .no = "never one elbow flexed while the other arm is extended" },
    { "arms_move_simultaneously", BODY, AT(simul), BY_VALUE(P_SIMUL_CORR),
      .yes = "both arms move together (elbow velocities correlate at r = {value:2}) from {from}",
      .no = "the arms do not move together" },
    { "asynchronous_movement", BODY, AT(async), BY_SECONDS,
      .yes = "both arms move but out of step (elbow velocities uncorrelated) for {length:1} s "
             "from {from}",
      .no = "the limbs do not move out of step" },
    { "limb_automatisms", BODY, AT(autom), FIXED(0.7),
      .yes = "the {side} hand keeps moving without rhythm in a small space ({value:2} torso "
             "lengths) from {from} to {to}",
      .no = "no hand keeps fumbling without rhythm" },
    { "pelvic_thrusting", BODY, AT(thrust), BY_LENGTH(P_THRUST_S),
      .yes = "the pelvis moves to and fro at {value:1} Hz from {from} to {to}",
      .no = "the pelvis does not move rhythmically" },
    { "occur_during_sleep", FACE, AT(sleep), FIXED(0.8),
      .yes = "eyes closed and body still from {from} until {to}, then the episode",
      .no = "the window does not open with eyes closed and the body still" },
    { "blank_stare", FACE, AT(stare), BY_LENGTH(P_STARE_S),
      .yes = "eyes open without a blink, face and limbs still, from {from} to {to}",
      .no = "no stretch of open, unblinking eyes with a still face" },
    { "close_eyes", FACE, AT(closed), BY_LENGTH(P_CLOSED_S),
      .yes = "eyes closed (aspect ratio under {ear_closed:2}) from {from} to {to} during the "
             "episode",
      .no = "the eyes stay open during the episode" },
    { "eye_blinking", FACE, AT(blink), BY_VALUE(P_BLINK_COUNT),
      .yes = "{value:0} blinks within 5 s from {from}",
      .no = "no run of rapid blinks" },
    { "oral_automatisms", FACE, AT(oral), BY_LENGTH(P_ORAL_S),
      .yes = "the mouth opens and closes at {value:1} Hz from {from} to {to}",
      .no = "the mouth does not move rhythmically" },
    { "face_pulling", FACE, AT(pull), BY_SIZE(P_PULL),
      .yes = "the mouth is drawn up to the patient's {side} (corners {size:2} face widths apart "
             "in height) from {from} to {to}",
      .no = "the mouth corners stay level" },
    { "face_twitching", FACE, AT(twitch), BY_VALUE(P_TWITCH_COUNT),
      .yes = "{value:0} brief one-sided jerks of the mouth corner within 4 s from {from}",
      .no = "no repeated one-sided jerks of the face" },
    { "head_turning", FACE, AT(turn), BY_SIZE(P_TURN),
      .yes = "the head turns to the patient's {toward} from {from} to {to}",
      .no = "the head keeps facing the same way" },
    { "ictal_vocalization", AUDIO, AT(groan), BY_VALUE(P_GROAN_S),
      .yes = "a steady voiced sound of {value:1} s at about {amp:0} Hz (not syllables) from "
             "{from}",
      .no = "no steady voiced non-speech sound" },
    { "verbal_responsiveness", AUDIO, AT(reply), FIXED(0.75),
      .yes = "a second voice ({amp:0} Hz against {value:0} Hz) replies at {from}{transcript}",
      .no = "speech without a reply in another voice",
      .silent = "nobody speaks in this window: responsiveness was not tested" },
};

static const Span *span_at(const SemioKinematic *k, size_t offset)
{
    return (const Span *)(const void *)((const char *)k + offset);
}

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

static double score_of(const Score *sc, const SemioKinematic *k, const Span *s)
{
    switch (sc->kind) {
    case S_LENGTH:
        return strength(s->b - s->a, k->p[sc->against]);
    case S_VALUE:
        return strength(s->value, k->p[sc->against]);
    case S_SIZE:
        return strength(fabs(s->value), k->p[sc->against]);
    case S_SECONDS:
        return 0.5 + 0.1 * (s->b - s->a);
    case S_FIXED:
        break;
    }
    return sc->fixed;
}

/* Appends to out[0..size) at *at; what does not fit is cut, as by one snprintf of it all. */
static void put(char *out, size_t size, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *out, size_t size, size_t *at, const char *fmt, ...)
{
    if (*at >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(out + *at, size - *at, fmt, ap);
    va_end(ap);
    if (m > 0)
        *at += (size_t)m;
}

/* One {placeholder} (name[0..len), with `digits` decimals where a number) into out. */
static void put_field(char *out, size_t size, size_t *at, const char *name, size_t len,
                      int digits, const SemioKinematic *k, const Span *s)
{
    char buf[16];
#define IS(word) (len == sizeof(word) - 1 && !strncmp(name, word, len))
    if (IS("from"))
        put(out, size, at, "%s", clock_text(s->a, buf));
    else if (IS("to"))
        put(out, size, at, "%s", clock_text(s->b, buf));
    else if (IS("length"))
        put(out, size, at, "%.*f", digits, s->b - s->a);
    else if (IS("value"))
        put(out, size, at, "%.*f", digits, s->value);
    else if (IS("amp"))
        put(out, size, at, "%.*f", digits, s->amp);
    else if (IS("size"))
        put(out, size, at, "%.*f", digits, fabs(s->value));
    else if (IS("side"))
        put(out, size, at, "%s", side_names[s->side]);
    else if (IS("other"))
        put(out, size, at, "%s", side_names[!s->side]);
    else if (IS("toward"))
        put(out, size, at, "%s", s->value > 0 ? "left" : "right");
    else if (IS("transcript")) {
        if (k->transcript[0])
            put(out, size, at, "; transcript: \"%s\"", k->transcript);
    } else {
        size_t np;
        const SemioKinematicParam *params = semio_kinematic_params(&np);
        size_t i = 0;
        while (i < np && !(strlen(params[i].name) == len && !strncmp(params[i].name, name, len)))
            i++;
        if (i < np)
            put(out, size, at, "%.*f", digits, k->p[i]);
        else /* a row naming nothing: left as written, so the mistake shows */
            put(out, size, at, "{%.*s}", (int)len, name);
    }
#undef IS
}

/* A row's sentence into out, its {placeholders} filled from the stretch s. */
static void say(char *out, size_t size, const char *text, const SemioKinematic *k,
                const Span *s)
{
    size_t at = 0;
    out[0] = '\0';
    for (;;) {
        const char *open = strchr(text, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            put(out, size, &at, "%s", text);
            return;
        }
        put(out, size, &at, "%.*s", (int)(open - text), text);
        const char *name = open + 1, *colon = memchr(name, ':', (size_t)(close - name));
        size_t len = (size_t)((colon ? colon : close) - name);
        int digits = colon ? colon[1] - '0' : 0;
        put_field(out, size, &at, name, len, digits, k, s);
        text = close + 1;
    }
}

static void no(SemioKinematicAnswer *out, const char *text)
{
    out->answer = SEMIO_ANSWER_NO;
    out->score = 0.1;
    snprintf(out->justification, sizeof(out->justification), "%s", text);
}

void semio_kinematic_answer(const SemioKinematic *k, const char *sign, SemioKinematicAnswer *out)
{
    const Row *row = NULL;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && !row; i++)
        if (!strcmp(rows[i].sign, sign))
            row = &rows[i];
    memset(out, 0, sizeof(*out));
    out->answer = -1;
    out->onset_s = NAN;
    /* a sign without a row is checked as a limb sign first: no body, no measure */
    enum Needs needs = row ? row->needs : BODY;
    if (needs == AUDIO && !k->audio) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: the window "
                 "has no audio view (semio enhance --view audio)");
        return;
    }
    if (needs == FACE && !k->face) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: no face "
                 "keypoints for the patient in enough frames of this window");
        return;
    }
    if (needs == BODY && !k->body) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: no arm "
                 "keypoints for the patient in enough frames (seen in %.0f%%)", 100 * k->seen);
        return;
    }
    if (!row) {
        snprintf(out->justification, sizeof(out->justification), "cannot measure: the kinematic "
                 "engine has no rule for '%s'", sign);
        return;
    }
    const Span *s = span_at(k, row->span);
    if (s->found) {
        out->answer = SEMIO_ANSWER_YES;
        out->score = fmax(0.5, fmin(1, score_of(&row->score, k, s)));
        out->onset_s = s->a;
        say(out->justification, sizeof(out->justification), row->yes, k, s);
    } else if (row->no_instead && span_at(k, row->instead)->found) {
        no(out, row->no_instead);
    } else if (row->silent && k->speech_turns == 0) {
        out->answer = SEMIO_ANSWER_NA;
        out->score = 0;
        snprintf(out->justification, sizeof(out->justification), "%s", row->silent);
    } else {
        no(out, row->no);
    }
}
