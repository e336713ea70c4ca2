/* The limb signs from the body's keypoints: clonic and tonic, flexion, straightening and
 * figure 4, arms together or out of step, automatisms, pelvic thrusting, full-body shaking. */
#include <math.h>
#include <stdlib.h>

#include "engine/kinematic/measure.h"
#include "util/rhythm.h"
#include "util/series.h"

/* Interior angle at b, degrees. */
static double angle(double ax, double ay, double bx, double by, double cx, double cy)
{
    double ux = ax - bx, uy = ay - by, vx = cx - bx, vy = cy - by;
    double d = hypot(ux, uy) * hypot(vx, vy);
    return d > 0 ? acos(fmax(-1, fmin(1, (ux * vx + uy * vy) / d))) * 180 / M_PI : NAN;
}

/* Elbow angles, arm raise, wrists and elbows from the neck: scaled by the torso length. */
void semio_kin_body_series(const SemioKinematic *k, const SemioPerson *p, double torso,
                           double *row)
{
    const SemioKeypoint *b = p->body;
    double mc = k->p[P_MIN_CONF];
#define OK(i) (p->npoints > (i) && b[i].c >= mc)
    if (OK(SEMIO_NECK)) {
        row[X_NECK_X] = b[SEMIO_NECK].x / torso;
        row[X_NECK_Y] = b[SEMIO_NECK].y / torso;
    }
    if (OK(SEMIO_NECK) && OK(SEMIO_MIDHIP))
        row[X_TORSO] = keypoint_dist(b[SEMIO_NECK], b[SEMIO_MIDHIP]) / torso;
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

/* Rhythms: the trunk shaking, an elbow's clonic jerks, the pelvis thrusting. Trunk shaking
 * gates clonic: a rhythm the trunk shares is shaking. -1 when out of memory. */
static int rhythm_signs(SemioKinematic *k, double *const *x, size_t n, double fps, double t0)
{
    const double *p = k->p;
    unsigned char *calm = calloc(n + 1, 1);
    if (!calm)
        return -1;
    k->shake = semio_kin_rhythmic_span(k, x[X_NECK_X], n, fps, t0, p[P_SHAKE_LO],
                                       p[P_SHAKE_HI], p[P_SHAKE_TRUNK], NULL);
    if (k->shake.found && k->shake.b - k->shake.a < p[P_SHAKE_S])
        k->shake.found = 0;
    for (size_t i = 0; i < n; i++) {
        double t = t0 + i / fps;
        calm[i] = !(k->shake.found && t >= k->shake.a && t <= k->shake.b);
    }
    for (int s = 0; s < 2; s++) {
        Span c = semio_kin_rhythmic_span(k, x[X_ELB_R + s], n, fps, t0, p[P_CLONIC_LO],
                                         p[P_CLONIC_HI], p[P_CLONIC_DEG], calm);
        if (c.found && c.b - c.a >= p[P_CLONIC_S] &&
            (!k->clonic.found || c.b - c.a > k->clonic.b - k->clonic.a)) {
            k->clonic = c;
            k->clonic.side = s;
        }
    }
    k->thrust = semio_kin_rhythmic_span(k, x[X_TORSO], n, fps, t0, p[P_THRUST_LO],
                                        p[P_THRUST_HI], p[P_THRUST_AMP], NULL);
    if (k->thrust.found && k->thrust.b - k->thrust.a < p[P_THRUST_S])
        k->thrust.found = 0;
    free(calm);
    return 0;
}

/* Postures, the longest stretch of each: an elbow flexed, an arm straight and raised, both
 * at once (figure 4), and any of them held still (tonic). */
static void posture_signs(SemioKinematic *k, double *const *x, const double *speed, size_t n,
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
        Span f = semio_kin_longest(flex[s], n, fps, t0);
        Span st = semio_kin_longest(str[s], n, fps, t0);
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
    Span f4 = semio_kin_longest(c, n, fps, t0);
    if (f4.found && f4.b - f4.a >= p[P_HOLD_S]) {
        k->fig4 = f4;
        size_t i = (size_t)((f4.a - t0) * fps);
        k->fig4.side = i < n && flex[0][i] ? 0 : 1; /* the flexed arm */
    }
    for (size_t i = 0; i < n; i++)
        c[i] = speed[i] < p[P_STILL_SPEED] && (flex[0][i] || flex[1][i] || str[0][i] || str[1][i]);
    Span t = semio_kin_longest(c, n, fps, t0);
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
static void pairing_signs(SemioKinematic *k, double *const *x, size_t n, double fps, double t0)
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
static void automatism_signs(SemioKinematic *k, double *const *x, double *const wrist_speed[2],
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

int semio_kin_limb_signs(SemioKinematic *k, const Window *w)
{
    if (rhythm_signs(k, w->x, w->n, w->fps, w->t0) < 0)
        return -1;
    posture_signs(k, w->x, w->speed, w->n, w->fps, w->t0);
    pairing_signs(k, w->x, w->n, w->fps, w->t0);
    automatism_signs(k, w->x, w->wrist_speed, w->n, w->fps, w->t0);
    return 0;
}
