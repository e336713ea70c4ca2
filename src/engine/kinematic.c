/*
 * The kinematic engine. Positions are measured in torso lengths (neck to mid-hip, the
 * median over the window), angles in degrees, times in seconds; every threshold is a
 * named parameter below, set by reasoning about the sign's definition and the
 * estimator's noise, not tuned on any study. Positions are smoothed over a fifth of a
 * second before speeds are taken (an estimator's frame-to-frame jitter would otherwise
 * look like movement); rhythm is the autocorrelation of a signal one period later.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/eval.h"
#include "semio/kinematic.h"
#include "util/error.h"
#include "util/rhythm.h"
#include "util/series.h"

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

/* ---- measurements ---------------------------------------------------------------- */

enum { MIN_FRAMES = 60 };   /* a window shorter than this measures nothing */

typedef struct Span {       /* the longest stretch found, in frames (or audio frames) */
    int found;
    double a, b;            /* seconds on the recording's timeline */
    double value;           /* what was measured there (rate, count, ...) */
    double amp;             /* how strongly (rms of the rhythmic signal) */
    int side;
} Span;

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
 * The longest stretch where x is rhythmic in [lo, hi] with rms at least min_rms; test
 * windows hop by a quarter. `gate` (may be NULL) must also hold in a window's middle
 * frame. The stretch runs from its first window's start to its last window's end.
 */
static Span rhythmic_span(const SemioKinematic *k, const double *x, size_t n, double fps,
                          double t0, double lo, double hi, double min_rms,
                          const unsigned char *gate)
{
    Span best = { 0 };
    size_t win = semio_rhythm_frames(fps, lo), hop = win / 4 ? win / 4 : 1;
    int run = 0;
    double run_a = 0, run_b = 0, sum_hz = 0, sum_rms = 0;
    for (size_t s = 0; s <= n; s += hop) {
        double corr = 0, rate = 0, rms = 0;
        int ok = s + win <= n;
        if (ok) {
            semio_rhythm(x + s, win, fps, lo, hi, k->p[P_RHYTHM_DIP], &corr, &rate, &rms);
            ok = corr >= k->p[P_RHYTHM_CORR] && rms >= min_rms && (!gate || gate[s + win / 2]);
        }
        if (ok) {
            if (!run)
                run_a = t0 + s / fps, sum_hz = sum_rms = 0;
            run++;
            sum_hz += rate;
            sum_rms += rms;
            run_b = t0 + (s + win) / fps;
            continue;
        }
        /* a window is rhythmic once the rhythm fills most of it: the stretch is
         * reported a quarter window in from its windows' outer edges */
        double q = win / 4.0 / fps;
        if (run && (!best.found || run_b - run_a > best.b - best.a + 2 * q))
            best = (Span){ 1, run_a + q, run_b - q, sum_hz / run, sum_rms / run, 0 };
        run = 0;
        if (s + win > n)
            break;
    }
    return best;
}

/* The longest run of frames where cond[i] holds; in seconds. */
static Span longest(const unsigned char *cond, size_t n, double fps, double t0)
{
    Span best = { 0 };
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && cond[i]) {
            if (i == 0 || !cond[i - 1])
                start = i;
            continue;
        }
        if (i > 0 && cond[i - 1] && (!best.found || (i - start) / fps > best.b - best.a))
            best = (Span){ 1, t0 + start / fps, t0 + i / fps, 0, 0, 0 };
    }
    return best;
}

static double dist(SemioKeypoint a, SemioKeypoint b)
{
    return hypot(a.x - b.x, a.y - b.y);
}

/* Interior angle at b, degrees. */
static double angle(double ax, double ay, double bx, double by, double cx, double cy)
{
    double ux = ax - bx, uy = ay - by, vx = cx - bx, vy = cy - by;
    double d = hypot(ux, uy) * hypot(vx, vy);
    return d > 0 ? acos(fmax(-1, fmin(1, (ux * vx + uy * vy) / d))) * 180 / M_PI : NAN;
}

/* Series of one window: [series][frame], NaN where unseen, filled afterwards. */
enum {
    X_NECK_X, X_NECK_Y, X_TORSO, X_ELB_R, X_ELB_L, X_ABD_R, X_ABD_L, X_WX_R, X_WY_R, X_WX_L,
    X_WY_L, X_EX_R, X_EY_R, X_EX_L, X_EY_L, X_EAR, X_MAR, X_PULL, X_CRX, X_CRY, X_CLX, X_CLY,
    X_YAW, X_SERIES
};

static void body_series(const SemioKinematic *k, const SemioPerson *p, double torso, double *row)
{
    const SemioKeypoint *b = p->body;
    double mc = k->p[P_MIN_CONF];
#define OK(i) (p->npoints > (i) && b[i].c >= mc)
    if (OK(SEMIO_NECK)) {
        row[X_NECK_X] = b[SEMIO_NECK].x / torso;
        row[X_NECK_Y] = b[SEMIO_NECK].y / torso;
    }
    if (OK(SEMIO_NECK) && OK(SEMIO_MIDHIP))
        row[X_TORSO] = dist(b[SEMIO_NECK], b[SEMIO_MIDHIP]) / torso;
    for (int s = 0; s < 2; s++) {
        int sh = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER;
        if (OK(sh) && OK(sh + 1) && OK(sh + 2))
            row[X_ELB_R + s] = angle(b[sh].x, b[sh].y, b[sh + 1].x, b[sh + 1].y, b[sh + 2].x,
                                     b[sh + 2].y);
        if (OK(sh) && OK(sh + 1) && OK(SEMIO_NECK) && OK(SEMIO_MIDHIP)) {
            /* the upper arm against the trunk's downward direction */
            double dx = b[SEMIO_MIDHIP].x - b[SEMIO_NECK].x, dy = b[SEMIO_MIDHIP].y - b[SEMIO_NECK].y;
            row[X_ABD_R + s] = angle(b[sh].x + dx, b[sh].y + dy, b[sh].x, b[sh].y, b[sh + 1].x,
                                     b[sh + 1].y);
        }
        if (OK(sh + 2) && OK(SEMIO_NECK)) {
            row[X_WX_R + 2 * s] = (b[sh + 2].x - b[SEMIO_NECK].x) / torso;
            row[X_WY_R + 2 * s] = (b[sh + 2].y - b[SEMIO_NECK].y) / torso;
        }
        if (OK(sh + 1) && OK(SEMIO_NECK)) {
            row[X_EX_R + 2 * s] = (b[sh + 1].x - b[SEMIO_NECK].x) / torso;
            row[X_EY_R + 2 * s] = (b[sh + 1].y - b[SEMIO_NECK].y) / torso;
        }
    }
#undef OK
}

static void face_series(const SemioPerson *p, double *row)
{
    const SemioKeypoint *f = p->face;
    if (p->nface < 70)
        return;
    for (int i = 0; i < 68; i++)
        if (f[i].c < 0.1f)
            return;
    /* face axes: x from the right jaw end to the left one, y toward the chin */
    double ax = f[16].x - f[0].x, ay = f[16].y - f[0].y, w = hypot(ax, ay);
    if (w <= 0)
        return;
    ax /= w;
    ay /= w;
#define FX(i) (((f[i].x - f[33].x) * ax + (f[i].y - f[33].y) * ay) / w)
#define FY(i) ((-(f[i].x - f[33].x) * ay + (f[i].y - f[33].y) * ax) / w)
    double ear_r = (dist(f[37], f[41]) + dist(f[38], f[40])) / (2 * dist(f[36], f[39]));
    double ear_l = (dist(f[43], f[47]) + dist(f[44], f[46])) / (2 * dist(f[42], f[45]));
    row[X_EAR] = (ear_r + ear_l) / 2;
    row[X_MAR] = dist(f[62], f[66]) / dist(f[60], f[64]);
    row[X_PULL] = FY(48) - FY(54); /* > 0: the left corner higher */
    row[X_CRX] = FX(48);
    row[X_CRY] = FY(48);
    row[X_CLX] = FX(54);
    row[X_CLY] = FY(54);
    double mid = ((f[0].x + f[16].x) / 2 - f[30].x) * ax + ((f[0].y + f[16].y) / 2 - f[30].y) * ay;
    row[X_YAW] = -mid / (w / 2);
#undef FX
#undef FY
}

/* ---- sound ------------------------------------------------------------------------ */

typedef struct Utterance {
    double a, b, f0;
    double longest_voiced, flatness;
} Utterance;

static void audio_signs(SemioKinematic *k, const SemioAudio *au, double t0)
{
    const double *p = k->p;
    int rate = au->rate, len = rate / 25, hop = rate / 100; /* 40 ms frames, 10 ms hop */
    size_t nf = au->n > (size_t)len ? (au->n - (size_t)len) / (size_t)hop + 1 : 0;
    double *energy = calloc(nf + 1, sizeof(double)), *f0 = calloc(nf + 1, sizeof(double));
    unsigned char *voiced = calloc(nf + 1, 1);
    if (!energy || !f0 || !voiced)
        goto done;
    int lag_lo = rate / 400, lag_hi = rate / 70;
    for (size_t i = 0; i < nf; i++) {
        const float *x = au->samples + i * (size_t)hop;
        double e0 = 0;
        for (int j = 0; j < len; j++)
            e0 += (double)x[j] * x[j];
        energy[i] = sqrt(e0 / len);
        double corr; /* the pitch: the frame's best period between 70 and 400 Hz */
        int lag = semio_autocorr_peak(x, len, lag_lo, lag_hi, &corr);
        f0[i] = lag ? (double)rate / lag : 0;
        voiced[i] = corr >= p[P_VOICED_CORR];
    }
    double floor_e = nf ? semio_nth_smallest(energy, nf, nf / 10) : 0; /* the room's level */
    if (isnan(floor_e))
        floor_e = 0;
    for (size_t i = 0; i < nf; i++)
        voiced[i] = voiced[i] && energy[i] >= p[P_VOICE_SNR] * floor_e && energy[i] > 1e-4;
    /* utterances: voiced frames with gaps under 0.3 s joined */
    Utterance u[256];
    int nu = 0;
    for (size_t i = 0; i < nf && nu < 256;) {
        if (!voiced[i]) {
            i++;
            continue;
        }
        size_t a = i, last = i, run_start = i, best_a = i, best_b = i;
        double f0s = 0, cnt = 0;
        for (; i < nf && (i - last) * (size_t)hop <= (size_t)(0.3 * rate); i++)
            if (voiced[i]) {
                if (i != last + 1 && i != a)
                    run_start = i;
                last = i;
                f0s += f0[i];
                cnt++;
                if (i - run_start > best_b - best_a) {
                    best_a = run_start;
                    best_b = i;
                }
            }
        /* steadiness of the loudness inside the longest voiced run, its attack and
         * release left out: the coefficient of variation */
        size_t edge = (size_t)(0.15 * rate / hop), from = best_a + edge, to = best_b > edge ? best_b - edge : 0;
        double m = 0, sd = 0, flat = 1;
        if (to > from) {
            for (size_t j = from; j <= to; j++)
                m += energy[j] / (double)(to - from + 1);
            for (size_t j = from; j <= to; j++)
                sd += (energy[j] - m) * (energy[j] - m) / (double)(to - from + 1);
            flat = m > 0 ? sqrt(sd) / m : 1;
        }
        u[nu++] = (Utterance){ t0 + (double)a * hop / rate, t0 + ((double)last * hop + len) / rate,
                               cnt ? f0s / cnt : 0, (double)(best_b - best_a + 1) * hop / rate, flat };
    }
    /* groans: a long steady voiced sound; speech: the rest, in turns */
    Utterance *speech[256];
    int ns = 0;
    for (int i = 0; i < nu; i++) {
        if (u[i].longest_voiced >= p[P_GROAN_S] && u[i].flatness < p[P_GROAN_FLAT]) {
            if (!k->groan.found || u[i].longest_voiced > k->groan.value)
                k->groan = (Span){ 1, u[i].a, u[i].b, u[i].longest_voiced, u[i].f0, 0 };
        } else if (u[i].b - u[i].a >= 0.3) {
            speech[ns++] = &u[i];
        }
    }
    k->speech_turns = ns;
    for (int i = 0; i + 1 < ns && !k->reply.found; i++) {
        double gap = speech[i + 1]->a - speech[i]->b;
        double hi = fmax(speech[i]->f0, speech[i + 1]->f0), lo = fmin(speech[i]->f0, speech[i + 1]->f0);
        if (gap >= 0 && gap <= p[P_REPLY_S] && hi > 0 && (hi - lo) / hi >= p[P_REPLY_PITCH])
            k->reply = (Span){ 1, speech[i + 1]->a, speech[i + 1]->b, speech[i]->f0,
                               speech[i + 1]->f0, 0 };
    }
done:
    free(energy);
    free(f0);
    free(voiced);
}

/* ---- the analysis ----------------------------------------------------------------- */

/* Still, abnormal posture: the longest such stretch. */
static void posture_signs(SemioKinematic *k, double **x, const double *speed, size_t n,
                          double fps, double t0)
{
    const double *p = k->p;
    unsigned char *c = calloc(n + 1, 1);
    unsigned char *flex[2] = { calloc(n + 1, 1), calloc(n + 1, 1) };
    unsigned char *str[2] = { calloc(n + 1, 1), calloc(n + 1, 1) };
    if (!c || !flex[0] || !flex[1] || !str[0] || !str[1])
        goto done;
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 2; s++) {
            flex[s][i] = x[X_ELB_R + s][i] < p[P_FLEX_DEG];
            str[s][i] = x[X_ELB_R + s][i] > p[P_STRAIGHT_DEG] && x[X_ABD_R + s][i] > p[P_RAISED_DEG];
        }
    for (int s = 0; s < 2; s++) {
        Span f = longest(flex[s], n, fps, t0), st = longest(str[s], n, fps, t0);
        if (f.found && f.b - f.a >= p[P_HOLD_S] && (!k->flex.found || f.b - f.a > k->flex.b - k->flex.a)) {
            k->flex = f;
            k->flex.side = s;
        }
        if (st.found && st.b - st.a >= p[P_HOLD_S] &&
            (!k->straight.found || st.b - st.a > k->straight.b - k->straight.a)) {
            k->straight = st;
            k->straight.side = s;
        }
    }
    for (size_t i = 0; i < n; i++)
        c[i] = (flex[0][i] && str[1][i]) || (flex[1][i] && str[0][i]);
    Span f4 = longest(c, n, fps, t0);
    if (f4.found && f4.b - f4.a >= p[P_HOLD_S]) {
        k->fig4 = f4;
        size_t i = (size_t)((f4.a - t0) * fps);
        k->fig4.side = i < n && flex[0][i] ? 0 : 1; /* the flexed arm */
    }
    for (size_t i = 0; i < n; i++)
        c[i] = speed[i] < p[P_STILL_SPEED] && (flex[0][i] || flex[1][i] || str[0][i] || str[1][i]);
    Span t = longest(c, n, fps, t0);
    if (t.found && t.b - t.a >= p[P_TONIC_S])
        k->tonic = t;
done:
    free(c);
    for (int s = 0; s < 2; s++) {
        free(flex[s]);
        free(str[s]);
    }
}

/* Arms together or apart: elbow velocities correlated over 3 s spans where both move. */
static void pairing_signs(SemioKinematic *k, double **x, size_t n, double fps, double t0)
{
    const double *p = k->p;
    size_t span = (size_t)(3 * fps), hop = (size_t)(0.5 * fps);
    double *va = malloc(n * sizeof(double)), *vb = malloc(n * sizeof(double));
    double together = 0, apart = 0, first_t = NAN, first_a = NAN, r_sum = 0;
    int nt = 0;
    if (!va || !vb || n < span)
        goto done;
    for (size_t i = 1; i < n; i++) {
        va[i] = x[X_ELB_R][i] - x[X_ELB_R][i - 1];
        vb[i] = x[X_ELB_L][i] - x[X_ELB_L][i - 1];
    }
    va[0] = vb[0] = 0;
    for (size_t s = 0; s + span <= n; s += hop) {
        if (semio_rms_about_mean(x[X_ELB_R] + s, span) < p[P_BOTH_DEG] ||
            semio_rms_about_mean(x[X_ELB_L] + s, span) < p[P_BOTH_DEG])
            continue;
        double r = semio_pearson(va + s, vb + s, span);
        if (r >= p[P_SIMUL_CORR]) {
            together += hop / fps;
            r_sum += r;
            nt++;
            if (isnan(first_t))
                first_t = t0 + s / fps;
        } else if (fabs(r) < p[P_ASYNC_CORR]) {
            apart += hop / fps;
            if (isnan(first_a))
                first_a = t0 + s / fps;
        }
    }
    if (together >= p[P_PAIR_S])
        k->simul = (Span){ 1, first_t, first_t + together, r_sum / nt, 0, 0 };
    if (apart >= p[P_PAIR_S])
        k->async = (Span){ 1, first_a, first_a + apart, 0, 0, 0 };
done:
    free(va);
    free(vb);
}

/* A hand moving without rhythm, in a small space, for a while. */
static void automatism_signs(SemioKinematic *k, double **x, double *const wrist_speed[2],
                             size_t n, double fps, double t0)
{
    const double *p = k->p;
    size_t span = (size_t)(p[P_AUTO_S] * fps);
    for (int s = 0; s < 2 && !k->autom.found; s++) {
        const double *wx = x[X_WX_R + 2 * s], *wy = x[X_WY_R + 2 * s];
        for (size_t a = 0; a + span <= n; a += (size_t)(fps / 2)) {
            size_t moving = 0;
            double minx = wx[a], maxx = wx[a], miny = wy[a], maxy = wy[a];
            for (size_t i = a; i < a + span; i++) {
                moving += wrist_speed[s][i] >= p[P_MOVE_SPEED];
                minx = fmin(minx, wx[i]);
                maxx = fmax(maxx, wx[i]);
                miny = fmin(miny, wy[i]);
                maxy = fmax(maxy, wy[i]);
            }
            double range = hypot(maxx - minx, maxy - miny), corr, rate, rms;
            semio_rhythm(x[X_ELB_R + s] + a, span, fps, p[P_CLONIC_LO], p[P_CLONIC_HI],
                         p[P_RHYTHM_DIP], &corr, &rate, &rms);
            if (moving >= span * 6 / 10 && range <= p[P_AUTO_RANGE] && corr < p[P_RHYTHM_CORR]) {
                k->autom = (Span){ 1, t0 + a / fps, t0 + (a + span) / fps, range, 0, s };
                break;
            }
        }
    }
}

static void face_signs(SemioKinematic *k, double **x, const double *speed,
                       size_t n, double fps, double t0)
{
    const double *p = k->p;
    unsigned char *c = calloc(n + 1, 1);
    if (!c)
        return;
    const double *ear = x[X_EAR];
    /* closed runs, blinks (short closures between open eyes) */
    size_t first_open = n, first_move = n;
    for (size_t i = 0; i < n; i++) {
        if (ear[i] > p[P_EAR_OPEN] && first_open == n)
            first_open = i;
        if (speed[i] >= p[P_MOVE_SPEED] && first_move == n)
            first_move = i;
    }
    size_t episode = first_open < first_move ? first_open : first_move;
    for (size_t i = 0; i < n; i++)
        c[i] = i >= episode && ear[i] < p[P_EAR_CLOSED];
    Span cl = longest(c, n, fps, t0);
    if (cl.found && cl.b - cl.a >= p[P_CLOSED_S])
        k->closed = cl;
    double blinks[4096];
    int nb = 0;
    for (size_t i = 1; i < n && nb < 4096; i++) {
        if (!(ear[i] < p[P_EAR_CLOSED] && ear[i - 1] >= p[P_EAR_CLOSED]))
            continue;
        size_t j = i;
        while (j < n && ear[j] < p[P_EAR_OPEN])
            j++;
        if (j < n && (j - i) / fps <= p[P_BLINK_S])
            blinks[nb++] = t0 + i / fps;
        i = j;
    }
    for (int i = 0; i < nb; i++) {
        int in5 = 0;
        while (i + in5 < nb && blinks[i + in5] - blinks[i] <= 5.0)
            in5++;
        if (in5 >= p[P_BLINK_COUNT] && (!k->blink.found || in5 > k->blink.value))
            k->blink = (Span){ 1, blinks[i], blinks[i + in5 - 1], in5, 0, 0 };
    }
    /* stare: open, no blink, face and body still */
    for (size_t i = 0; i < n; i++)
        c[i] = ear[i] > p[P_EAR_OPEN] && speed[i] < p[P_STILL_SPEED];
    for (int i = 0; i < nb; i++) { /* a blink breaks a stare */
        size_t f = (size_t)((blinks[i] - t0) * fps);
        for (size_t j = f > 3 ? f - 3 : 0; j < f + 6 && j < n; j++)
            c[j] = 0;
    }
    double *mar = malloc(n * sizeof(double)); /* so does the mouth or the head moving */
    if (mar) {
        semio_smooth(x[X_MAR], mar, n, (int)lround(fps / 10));
        size_t h3 = (size_t)lround(fps / 10);
        for (size_t i = h3; i + h3 < n; i++)
            if (fabs(mar[i + h3] - mar[i - h3]) * fps / (2 * h3) > 0.3 ||
                fabs(x[X_YAW][i + h3] - x[X_YAW][i - h3]) * fps / (2 * h3) > 0.5)
                c[i] = 0;
        free(mar);
    }
    Span st = longest(c, n, fps, t0);
    if (st.found && st.b - st.a >= p[P_STARE_S])
        k->stare = st;
    /* sleep: the window opens with eyes closed and the body still */
    size_t lead = (size_t)(p[P_SLEEP_S] * fps), closed = 0, still = 0;
    if (n > lead + (size_t)fps) {
        for (size_t i = 0; i < lead; i++) {
            closed += ear[i] < p[P_EAR_CLOSED];
            still += speed[i] < p[P_STILL_SPEED];
        }
        if (closed >= lead * 8 / 10 && still >= lead * 8 / 10 && (first_open < n || first_move < n))
            k->sleep = (Span){ 1, t0, t0 + (double)(first_open < first_move ? first_open : first_move) / fps, 0, 0, 0 };
    }
    /* the mouth: rhythmic opening; pulled to one side */
    k->oral = rhythmic_span(k, x[X_MAR], n, fps, t0, p[P_ORAL_LO], p[P_ORAL_HI], p[P_ORAL_AMP], NULL);
    if (k->oral.found && k->oral.b - k->oral.a < p[P_ORAL_S])
        k->oral.found = 0;
    for (size_t i = 0; i < n; i++)
        c[i] = fabs(x[X_PULL][i]) >= p[P_PULL];
    Span pl = longest(c, n, fps, t0);
    if (pl.found && pl.b - pl.a >= p[P_PULL_S]) {
        k->pull = pl;
        size_t i = (size_t)((pl.a - t0) * fps);
        k->pull.side = x[X_PULL][i] > 0; /* 1: the left corner drawn up */
        k->pull.value = x[X_PULL][i];
    }
    /* twitches: one corner jumps off its own running median, the other does not */
    size_t h = (size_t)(0.3 * fps);
    double tw[4096];
    int nt = 0;
    double *res[2] = { malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    if (res[0] && res[1]) {
        for (int s = 0; s < 2; s++)
            for (size_t i = 0; i < n; i++) {
                size_t a = i > h ? i - h : 0, b = i + h < n ? i + h : n - 1;
                const double *cx = x[s ? X_CLX : X_CRX], *cy = x[s ? X_CLY : X_CRY];
                res[s][i] = hypot(cx[i] - semio_median(cx + a, b - a + 1),
                                  cy[i] - semio_median(cy + a, b - a + 1));
            }
        double last = -1;
        for (size_t i = 1; i < n && nt < 4096; i++)
            for (int s = 0; s < 2; s++) {
                double v = (res[s][i] + res[s][i - 1]) / 2, o = (res[!s][i] + res[!s][i - 1]) / 2;
                double t = t0 + i / fps;
                if (v >= p[P_TWITCH_AMP] && o < v / 2 && t - last > 0.15) {
                    tw[nt++] = t;
                    last = t;
                }
            }
        for (int i = 0; i < nt; i++) {
            int in4 = 0;
            while (i + in4 < nt && tw[i + in4] - tw[i] <= 4.0)
                in4++;
            if (in4 >= p[P_TWITCH_COUNT] && (!k->twitch.found || in4 > k->twitch.value))
                k->twitch = (Span){ 1, tw[i], tw[i + in4 - 1], in4, 0, 0 };
        }
    }
    free(res[0]);
    free(res[1]);
    /* head turning: the nose off the face's centre, against the window's first second */
    double base = semio_median(x[X_YAW], (size_t)fps < n ? (size_t)fps : n);
    for (size_t i = 0; i < n; i++)
        c[i] = fabs(x[X_YAW][i] - base) >= p[P_TURN];
    Span tu = longest(c, n, fps, t0);
    if (tu.found && tu.b - tu.a >= p[P_TURN_S]) {
        k->turn = tu;
        size_t i = (size_t)((tu.a + tu.b) / 2 * fps - t0 * fps);
        k->turn.value = x[X_YAW][i < n ? i : n - 1] - base;
    }
    free(c);
}

int semio_kinematic_analyze(SemioKinematic **out, const SemioKinematicSettings *set,
                            const SemioSignals *sig, SemioError *err)
{
    *out = NULL;
    SemioKinematic *k = calloc(1, sizeof(*k));
    if (!k)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    k->set = *set;
    k->p = k->set.v;
    const double *p = k->p;
    if (sig->transcript)
        snprintf(k->transcript, sizeof(k->transcript), "%s", sig->transcript);
    size_t n = sig->n;
    double fps = sig->fps, t0 = sig->t0;
    double *x[X_SERIES] = { 0 }, *speed = NULL, *tmp = NULL, *wrist_speed[2] = { 0 };
    unsigned char *calm = NULL;
    int r = 0;
    for (int i = 0; i < X_SERIES; i++)
        if (!(x[i] = malloc((n + 1) * sizeof(double))))
            r = -1;
    speed = calloc(n + 1, sizeof(double));
    tmp = calloc(n + 1, sizeof(double));
    wrist_speed[0] = calloc(n + 1, sizeof(double));
    wrist_speed[1] = calloc(n + 1, sizeof(double));
    calm = calloc(n + 1, 1);
    if (r < 0 || !speed || !tmp || !wrist_speed[0] || !wrist_speed[1] || !calm) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the body's scale: the median torso length */
    size_t nt = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        const SemioPerson *pp = &sig->frames[i];
        seen += pp->npoints > 0;
        if (pp->npoints > SEMIO_MIDHIP && pp->body[SEMIO_NECK].c >= p[P_MIN_CONF] &&
            pp->body[SEMIO_MIDHIP].c >= p[P_MIN_CONF])
            tmp[nt++] = dist(pp->body[SEMIO_NECK], pp->body[SEMIO_MIDHIP]);
    }
    k->seen = n ? (double)seen / n : 0;
    double torso = nt ? semio_median(tmp, nt) : 0;
    for (size_t i = 0; i < n; i++) {
        double row[X_SERIES];
        for (int s = 0; s < X_SERIES; s++)
            row[s] = NAN;
        if (torso > 0)
            body_series(k, &sig->frames[i], torso, row);
        face_series(&sig->frames[i], row);
        for (int s = 0; s < X_SERIES; s++)
            x[s][i] = row[s];
    }
    size_t have_body = 0, have_face = 0;
    for (int s = 0; s < X_EAR; s++) {
        size_t h = semio_fill_gaps(x[s], n);
        if (s == X_ELB_R || s == X_ELB_L)
            have_body += h;
    }
    for (int s = X_EAR; s < X_SERIES; s++)
        have_face = semio_fill_gaps(x[s], n);
    k->body = n >= MIN_FRAMES && torso > 0 && have_body >= (size_t)(p[P_MIN_SEEN] * 2 * n);
    k->face = n >= MIN_FRAMES && have_face >= (size_t)(p[P_MIN_SEEN] * n);
    /* the held-shape measures smoothed over about a fifth of a second; rhythms and
     * blinks are measured raw (smoothing would hide a 5 Hz shake or a blink) */
    int h = (int)lround(fps / 10);
    for (int s = X_PULL; s <= X_YAW; s += X_YAW - X_PULL) {
        semio_smooth(x[s], tmp, n, h);
        memcpy(x[s], tmp, n * sizeof(double));
    }
    if (k->body) {
        /* limb speed: the fastest wrist or elbow, from positions smoothed over a fifth
         * of a second (an estimator's jitter would otherwise look like movement) */
        double *sx = malloc(n * sizeof(double)), *sy = malloc(n * sizeof(double));
        for (int s = 0; s < 4 && sx && sy; s++) {
            int cx = s < 2 ? X_WX_R + 2 * s : X_EX_R + 2 * (s - 2);
            semio_smooth(x[cx], sx, n, h);
            semio_smooth(x[cx + 1], sy, n, h);
            semio_track_speed(sx, sy, s < 2 ? wrist_speed[s] : tmp, n, fps, (size_t)h);
            for (size_t i = 0; i < n; i++)
                speed[i] = fmax(speed[i], s < 2 ? wrist_speed[s][i] : tmp[i]);
        }
        free(sx);
        free(sy);
        /* trunk shaking gates clonic: a rhythm the trunk shares is shaking */
        k->shake = rhythmic_span(k, x[X_NECK_X], n, fps, t0, p[P_SHAKE_LO], p[P_SHAKE_HI],
                                 p[P_SHAKE_TRUNK], NULL);
        if (k->shake.found && k->shake.b - k->shake.a < p[P_SHAKE_S])
            k->shake.found = 0;
        for (size_t i = 0; i < n; i++) {
            double t = t0 + i / fps;
            calm[i] = !(k->shake.found && t >= k->shake.a && t <= k->shake.b);
        }
        for (int s = 0; s < 2; s++) {
            Span c = rhythmic_span(k, x[X_ELB_R + s], n, fps, t0, p[P_CLONIC_LO], p[P_CLONIC_HI],
                                   p[P_CLONIC_DEG], calm);
            if (c.found && c.b - c.a >= p[P_CLONIC_S] &&
                (!k->clonic.found || c.b - c.a > k->clonic.b - k->clonic.a)) {
                k->clonic = c;
                k->clonic.side = s;
            }
        }
        k->thrust = rhythmic_span(k, x[X_TORSO], n, fps, t0, p[P_THRUST_LO], p[P_THRUST_HI],
                                  p[P_THRUST_AMP], NULL);
        if (k->thrust.found && k->thrust.b - k->thrust.a < p[P_THRUST_S])
            k->thrust.found = 0;
        posture_signs(k, x, speed, n, fps, t0);
        pairing_signs(k, x, n, fps, t0);
        automatism_signs(k, x, wrist_speed, n, fps, t0);
    }
    if (k->face)
        face_signs(k, x, speed, n, fps, t0); /* without a body, limbs count as still */
    if (sig->audio && sig->audio->n > (size_t)sig->audio->rate) {
        k->audio = 1;
        audio_signs(k, sig->audio, sig->audio_t0);
    }
done:
    for (int i = 0; i < X_SERIES; i++)
        free(x[i]);
    free(speed);
    free(tmp);
    free(wrist_speed[0]);
    free(wrist_speed[1]);
    free(calm);
    if (r < 0) {
        free(k);
        return r;
    }
    *out = k;
    return 0;
}

void semio_kinematic_free(SemioKinematic **k)
{
    free(*k);
    *k = NULL;
}

/* ---- answers ----------------------------------------------------------------------- */

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
