/*
 * The phantom's episodes: five kinds of seizure scripted from the sign catalog, with
 * random timing and optional signs, and the figure's pose at any instant. The ground
 * truth is what the script plays, so labels and pictures cannot disagree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "phantom_internal.h"

const char *const phantom_sign_ids[PHANTOM_SIGNS] = {
    "arm_flexion", "arm_straightening", "arms_move_simultaneously", "tonic", "clonic",
    "figure4", "limb_automatisms", "asynchronous_movement", "pelvic_thrusting",
    "full_body_shaking", "occur_during_sleep", "blank_stare", "close_eyes", "eye_blinking",
    "oral_automatisms", "face_pulling", "face_twitching", "head_turning",
    "verbal_responsiveness", "ictal_vocalization",
};

enum {
    S_FLEXION, S_STRAIGHT, S_SIMULTANEOUS, S_TONIC, S_CLONIC, S_FIGURE4, S_AUTOMATISMS,
    S_ASYNC, S_THRUST, S_SHAKING, S_SLEEP, S_STARE, S_CLOSE_EYES, S_BLINKING, S_ORAL,
    S_PULLING, S_TWITCHING, S_HEADTURN, S_VERBAL, S_VOCAL
};

double phantom_gauss(uint64_t *s)
{
    double u = phantom_uniform(s, 1e-12, 1), v = phantom_uniform(s, 0, 1);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int chance(uint64_t *r, double p)
{
    return phantom_uniform(r, 0, 1) < p;
}

static Act *act(Episode *e, ActKind kind, double a, double b, int side)
{
    if (e->nacts == PHANTOM_MAX_ACTS)
        return NULL;
    if (b > e->seconds - 0.5)
        b = e->seconds - 0.5;
    Act *x = &e->acts[e->nacts++];
    *x = (Act){ .kind = kind, .a = a, .b = b, .side = side, .amp = 1 };
    return x;
}

static void say(Episode *e, double at, int nurse, const char *text)
{
    if (e->nspeech == PHANTOM_MAX_SPEECH || at > e->seconds - 2)
        return;
    Speech *s = &e->speech[e->nspeech++];
    s->at = at;
    s->nurse = nurse;
    snprintf(s->text, sizeof(s->text), "%s", text);
}

/* The nurse comes in, asks, and the patient answers or not. */
static void questions(Episode *e, uint64_t *r, double from, int answers)
{
    static const char *const asked[] = { "Can you hear me?", "What is your name?",
                                         "Squeeze my hand.", "Where are you right now?" };
    static const char *const replies[] = { "Yes, I can hear you.", "My name is Alex.",
                                           "Okay.", "I am in the hospital." };
    int first = (int)(phantom_rand(r) % 4);
    act(e, ACT_NURSE, from - 2.0, from + 9.5, 0);
    for (int k = 0; k < 2; k++) {
        double at = from + 4.5 * k;
        int q = (first + k) % 4;
        say(e, at, 1, asked[q]);
        if (answers)
            say(e, at + 2.0, 0, replies[q]);
    }
    e->truth[S_VERBAL] = answers;
}

static void script_tonic_clonic(Episode *e, uint64_t *r)
{
    double on = e->onset, len = e->end - e->onset;
    if (chance(r, 0.5)) {
        act(e, ACT_HEADTURN, on, on + phantom_uniform(r, 3, 5), (int)(phantom_rand(r) % 2));
        e->truth[S_HEADTURN] = 1;
    }
    if (chance(r, 0.8)) {
        act(e, ACT_GROAN, on + 0.5, on + 3.5, 0);
        e->truth[S_VOCAL] = 1;
    }
    double t_end = on + 0.5 + 0.4 * len;
    int posture = (int)(phantom_rand(r) % 3);
    act(e, ACT_TONIC, on + 0.5, t_end, 2);
    e->truth[S_TONIC] = 1;
    if (posture == 0) {
        act(e, ACT_STRAIGHT, on + 0.5, t_end, 2);
        e->truth[S_STRAIGHT] = 1;
    } else if (posture == 1) {
        act(e, ACT_FLEX, on + 0.5, t_end, 2);
        e->truth[S_FLEXION] = 1;
    } else {
        act(e, ACT_FIGURE4, on + 0.5, t_end, (int)(phantom_rand(r) % 2));
        e->truth[S_FIGURE4] = e->truth[S_FLEXION] = e->truth[S_STRAIGHT] = 1;
    }
    Act *c = act(e, ACT_CLONIC, t_end + 0.3, e->end, 2);
    c->freq = phantom_uniform(r, 3.5, 4.5);
    c->freq2 = phantom_uniform(r, 1.8, 2.3);
    c->amp = 0.55;
    e->truth[S_CLONIC] = e->truth[S_SIMULTANEOUS] = 1;
    if (chance(r, 0.5)) {
        act(e, ACT_TWITCH, t_end + 0.3, e->end, 1);
        e->truth[S_TWITCHING] = 1;
    }
    if (chance(r, 0.5)) {
        act(e, ACT_EYES_CLOSED, t_end, e->end + 1, 2);
        e->truth[S_CLOSE_EYES] = 1;
    } else {
        act(e, ACT_STARE, on, t_end, 2);
        e->truth[S_STARE] = 1;
    }
}

static void script_focal_impaired(Episode *e, uint64_t *r)
{
    double on = e->onset, stare_end = on + phantom_uniform(r, 5.5, 7);
    act(e, ACT_STARE, on, stare_end, 2);
    e->truth[S_STARE] = 1;
    if (chance(r, 0.8)) {
        Act *c = act(e, ACT_CHEW, stare_end - 0.5, e->end, 2);
        c->freq = phantom_uniform(r, 1.0, 1.6);
        e->truth[S_ORAL] = 1;
    }
    if (chance(r, 0.7)) {
        act(e, ACT_AUTOMATISM, stare_end, e->end, (int)(phantom_rand(r) % 2));
        e->truth[S_AUTOMATISMS] = 1;
    }
    if (chance(r, 0.4)) {
        act(e, ACT_HEADTURN, stare_end + 1, stare_end + 5, (int)(phantom_rand(r) % 2));
        e->truth[S_HEADTURN] = 1;
    }
    if (chance(r, 0.35)) {
        act(e, ACT_BLINK, e->end - 5, e->end - 1.5, 2);
        e->truth[S_BLINKING] = 1;
    }
    if (chance(r, 0.3)) {
        act(e, ACT_GROAN, stare_end, stare_end + 2.5, 0);
        e->truth[S_VOCAL] = 1;
    }
    if (chance(r, 0.8))
        questions(e, r, on + 3, 0);
}

static void script_hypermotor(Episode *e, uint64_t *r)
{
    double on = e->onset, len = e->end - e->onset, mid = on + 0.6 * len;
    Act *a = act(e, ACT_ASYNC, on + 0.5, mid, 2);
    a->amp = phantom_uniform(r, 0.8, 1.1);
    e->truth[S_ASYNC] = 1;
    if (chance(r, 0.6)) {
        Act *t = act(e, ACT_THRUST, on + 2, on + 2 + phantom_uniform(r, 5, 8), 2);
        t->freq = phantom_uniform(r, 1.0, 1.8);
        e->truth[S_THRUST] = 1;
    }
    if (chance(r, 0.5)) { /* elbows pulled in while flailing */
        act(e, ACT_FLEX, on + 1.5, mid, (int)(phantom_rand(r) % 3));
        e->truth[S_FLEXION] = 1;
    }
    if (chance(r, 0.7)) {
        act(e, ACT_GROAN, on + 1, on + 5, 0);
        e->truth[S_VOCAL] = 1;
    }
    if (chance(r, 0.4)) {
        act(e, ACT_PULL, on + 1, on + 7, (int)(phantom_rand(r) % 2));
        e->truth[S_PULLING] = 1;
    }
}

static void script_functional(Episode *e, uint64_t *r)
{
    double on = e->onset;
    e->epileptic = 0;
    if (chance(r, 0.8)) {
        act(e, ACT_EYES_CLOSED, on, e->end + 1, 2);
        e->truth[S_CLOSE_EYES] = 1;
    }
    Act *s = act(e, ACT_SHAKE, on + 1, e->end - 7, 2);
    s->freq = phantom_uniform(r, 4.5, 6.5);
    e->truth[S_SHAKING] = e->truth[S_SIMULTANEOUS] = 1;
    if (chance(r, 0.45)) {
        Act *a = act(e, ACT_ASYNC, e->end - 6.5, e->end - 1, 2);
        a->amp = 0.8;
        e->truth[S_ASYNC] = 1;
    }
    if (chance(r, 0.3)) {
        Act *t = act(e, ACT_THRUST, on + 2, on + 8, 2);
        t->freq = phantom_uniform(r, 1.0, 1.6);
        e->truth[S_THRUST] = 1;
    }
    if (chance(r, 0.3)) {
        act(e, ACT_GROAN, on + 0.5, on + 3, 0);
        e->truth[S_VOCAL] = 1;
    }
    if (chance(r, 0.8))
        questions(e, r, on + 3, chance(r, 0.7));
}

static void script_focal_motor(Episode *e, uint64_t *r)
{
    double on = e->onset;
    int side = (int)(phantom_rand(r) % 2);
    act(e, ACT_PULL, on, on + phantom_uniform(r, 6, 9), side);
    act(e, ACT_TWITCH, on + 1, e->end - 3, 1);
    e->truth[S_PULLING] = e->truth[S_TWITCHING] = 1;
    Act *c = act(e, ACT_CLONIC, on + 3, e->end - 1, 1 - side);
    c->freq = phantom_uniform(r, 2.5, 4);
    c->freq2 = phantom_uniform(r, 1.6, 2);
    c->amp = 0.55;
    e->truth[S_CLONIC] = 1;
    if (chance(r, 0.5)) {
        act(e, ACT_HEADTURN, on, on + 4, side);
        e->truth[S_HEADTURN] = 1;
    }
    if (chance(r, 0.4)) {
        act(e, ACT_BLINK, on + 2, on + 6, 2);
        e->truth[S_BLINKING] = 1;
    }
    if (chance(r, 0.8))
        questions(e, r, on + 6, 1);
}

void phantom_script(Episode *e, uint64_t seed, int index, double seconds)
{
    memset(e, 0, sizeof(*e));
    uint64_t r = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)index + 1) * 0xbf58476d1ce4e5b9ULL;
    for (int i = 0; i < 4; i++)
        phantom_rand(&r);
    e->seed = phantom_rand(&r);
    e->seconds = seconds;
    e->onset = phantom_uniform(&r, 0.15, 0.22) * seconds;
    e->end = seconds - phantom_uniform(&r, 2, 3.5);
    e->male = chance(&r, 0.35);
    e->epileptic = 1;
    e->blanket = chance(&r, 0.5);
    e->fan = phantom_uniform(&r, 0.004, 0.02);
    e->blink_period = phantom_uniform(&r, 2.0, 3.0);
    e->blink_phase = phantom_uniform(&r, 0, e->blink_period);
    for (int i = 0; i < PHANTOM_SIGNS; i++)
        e->truth[i] = 0;
    e->truth[S_VERBAL] = -1; /* nobody asked: unknown, as in the pilot's labels */
    int kind = (int)(((uint64_t)index + seed) % 5);
    if (kind != 3 && kind != 4)
        e->asleep = chance(&r, kind == 2 ? 0.6 : 0.45);
    e->truth[S_SLEEP] = e->asleep;
    switch (kind) {
    case 0: script_tonic_clonic(e, &r); break;
    case 1: script_focal_impaired(e, &r); break;
    case 2: script_hypermotor(e, &r); break;
    case 3: script_functional(e, &r); break;
    default: script_focal_motor(e, &r); break;
    }
    /* a nurse walking through, saying nothing, where nobody came to ask */
    if (e->truth[S_VERBAL] < 0 && chance(&r, 0.4)) {
        double at = phantom_uniform(&r, 1, seconds - 8);
        act(e, ACT_NURSE, at, at + 5, 1);
    }
}

/* 0 outside [a, b], 1 inside, smooth ramps of `ramp` seconds at both ends. */
static double envelope(double t, double a, double b, double ramp)
{
    if (t <= a || t >= b)
        return 0;
    double w = fmin((t - a) / ramp, (b - t) / ramp);
    if (w >= 1)
        return 1;
    return w * w * (3 - 2 * w);
}

static double mix(double from, double to, double w)
{
    return from + (to - from) * w;
}

/* A smooth aperiodic wiggle in about [-1, 1]: incommensurate sines. */
static double wiggle(double t, double f, double phase)
{
    return 0.55 * sin(2 * M_PI * f * t + phase) + 0.3 * sin(2 * M_PI * f * 1.618 * t + 2.1 * phase) +
           0.25 * sin(2 * M_PI * f * 2.414 * t + 0.7 + phase);
}

/* Brief jerks at irregular instants: the event k starts at a hash of (seed, k). */
static double jerks(uint64_t seed, double t, double a)
{
    double at = a;
    for (uint64_t k = 0; at <= t; k++) {
        uint64_t h = seed ^ (k * 0x9e3779b97f4a7c15ULL);
        phantom_rand(&h);
        double next = at + phantom_uniform(&h, 0.35, 0.8);
        if (t < at + 0.12)
            return 1 - fabs(t - at - 0.06) / 0.06;
        at = next;
    }
    return 0;
}

static int covers(int side, int s)
{
    return side == 2 || side == s;
}

void phantom_pose(const Episode *e, double t, Pose *p)
{
    *p = (Pose){ .shoulder = { 0.25, 0.25 }, .elbow = { 0.25, 0.25 }, .hip = { 0.06, 0.06 },
                 .knee = { 0.1, 0.1 }, .eye_open = { 1, 1 }, .mouth_open = 0.06 };
    p->breath = sin(2 * M_PI * t / 4.0);
    int awake = !(e->asleep && t < e->onset);
    double still = 0; /* how much a stare or tonic phase freezes the face */
    for (int i = 0; i < e->nacts; i++) {
        const Act *a = &e->acts[i];
        double w = envelope(t, a->a, a->b, 0.4);
        if (w <= 0)
            continue;
        for (int s = 0; s < 2; s++) {
            if (!covers(a->side, s) && a->kind != ACT_FIGURE4)
                continue;
            if (a->kind == ACT_FLEX) {
                p->shoulder[s] = mix(p->shoulder[s], 0.45, w);
                p->elbow[s] = mix(p->elbow[s], 1.95, w);
            } else if (a->kind == ACT_STRAIGHT) {
                p->shoulder[s] = mix(p->shoulder[s], 1.15, w);
                p->elbow[s] = mix(p->elbow[s], 0.03, w);
            } else if (a->kind == ACT_FIGURE4) {
                int extended = s == a->side;
                p->shoulder[s] = mix(p->shoulder[s], extended ? 1.25 : 0.55, w);
                p->elbow[s] = mix(p->elbow[s], extended ? 0.02 : 2.0, w);
            }
        }
        if (a->kind == ACT_STARE || a->kind == ACT_TONIC)
            still = fmax(still, w);
    }
    /* movements add to the posture */
    for (int i = 0; i < e->nacts; i++) {
        const Act *a = &e->acts[i];
        double w = envelope(t, a->a, a->b, a->kind == ACT_HEADTURN ? 1.0 : 0.4);
        if (w <= 0)
            continue;
        double u = t - a->a, len = a->b - a->a;
        switch (a->kind) {
        case ACT_CLONIC: {
            double ph = 2 * M_PI * (a->freq * u + (a->freq2 - a->freq) * u * u / (2 * len));
            double j = pow(fmax(0, sin(ph)), 3) * a->amp * w;
            for (int s = 0; s < 2; s++)
                if (covers(a->side, s)) {
                    p->elbow[s] += j;
                    p->shoulder[s] += 0.4 * j;
                }
            break;
        }
        case ACT_AUTOMATISM: {
            int s = a->side;
            p->elbow[s] = mix(p->elbow[s], 0.6, w) + 0.35 * w * wiggle(t, 0.75, s);
            p->shoulder[s] += 0.15 * w * wiggle(t, 0.6, 1.3 + s);
            break;
        }
        case ACT_ASYNC:
            for (int s = 0; s < 2; s++) {
                p->shoulder[s] += 0.55 * a->amp * w * (0.6 + 0.6 * wiggle(t, 0.55 + 0.37 * s, 3.0 * s));
                p->elbow[s] += 0.5 * a->amp * w * (0.8 + wiggle(t, 0.8 + 0.29 * s, 1.0 + s));
                p->hip[s] += 0.25 * a->amp * w * (0.5 + wiggle(t, 0.45 + 0.21 * s, 5.0 * s));
                p->knee[s] += 0.5 * a->amp * w * (1 + wiggle(t, 0.7 + 0.33 * s, 2.0 + s));
            }
            p->body_x += 0.1 * w * wiggle(t, 0.3, 0.5);
            break;
        case ACT_THRUST:
            p->pelvis += 0.35 * w * sin(2 * M_PI * a->freq * u);
            break;
        case ACT_SHAKE: {
            double g = w * (0.65 + 0.35 * sin(2 * M_PI * 0.25 * u)), v = sin(2 * M_PI * a->freq * u);
            p->body_x += 0.07 * g * v;
            p->head_roll += 0.05 * g * v;
            for (int s = 0; s < 2; s++) {
                p->elbow[s] += 0.12 * g * v;
                p->shoulder[s] += 0.06 * g * v;
                p->knee[s] += 0.1 * g * v;
            }
            break;
        }
        case ACT_HEADTURN:
            p->head_yaw += (a->side ? 0.85 : -0.85) * w;
            break;
        case ACT_EYES_CLOSED:
            p->eye_open[0] = p->eye_open[1] = 1 - w;
            break;
        case ACT_BLINK: {
            double ph = fmod(u, 0.4);
            if (ph < 0.12)
                p->eye_open[0] = p->eye_open[1] = fmin(p->eye_open[0], 0.05);
            break;
        }
        case ACT_CHEW:
            p->mouth_open = mix(p->mouth_open, 0.1 + 0.45 * (0.5 - 0.5 * cos(2 * M_PI * a->freq * u)), w);
            break;
        case ACT_PULL:
            p->mouth_pull += (a->side ? 0.85 : -0.85) * w;
            break;
        case ACT_TWITCH:
            p->twitch = fmax(p->twitch, w * jerks(e->seed + (uint64_t)i, t, a->a));
            break;
        default:
            break;
        }
    }
    for (int s = 0; s < 2; s++)
        p->elbow[s] = fmin(p->elbow[s], 2.5);
    if (!awake) {
        p->eye_open[0] = p->eye_open[1] = 0;
    } else if (still < 0.5 && p->eye_open[0] > 0.5) {
        /* natural blinking, and a little restlessness of the head */
        double ph = fmod(t + e->blink_phase, e->blink_period);
        if (ph < 0.15)
            p->eye_open[0] = p->eye_open[1] = 0.05;
    }
    if (awake && still < 0.5)
        p->head_yaw += 0.04 * wiggle(t, 0.1, 0.3);
}
