/* The facial signs from the 70 face points: eyes closed, blinking, blank stare, sleep,
 * oral automatisms (chewing), face pulling, face twitching, head turning. */
#include <math.h>
#include <stdlib.h>

#include "engine/kinematic/measure.h"
#include "util/series.h"

/* Eye and mouth aspect ratios, the mouth corners and the yaw, on the face's own axes in
 * face widths (so a tilted or distant face measures the same). */
void semio_kin_face_series(const SemioPerson *p, double *row)
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
    double ear_r = (keypoint_dist(f[37], f[41]) + keypoint_dist(f[38], f[40])) /
                   (2 * keypoint_dist(f[36], f[39]));
    double ear_l = (keypoint_dist(f[43], f[47]) + keypoint_dist(f[44], f[46])) /
                   (2 * keypoint_dist(f[42], f[45]));
    row[X_EAR] = (ear_r + ear_l) / 2;
    row[X_MAR] = keypoint_dist(f[62], f[66]) / keypoint_dist(f[60], f[64]);
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

/* The eyes, by their aspect ratio: closed, blinking, staring, asleep before the episode. */
static void eye_signs(SemioKinematic *k, double *const *x, const double *speed, size_t n,
                      double fps, double t0, unsigned char *c)
{
    const double *p = k->p;
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
    Span cl = semio_kin_longest(c, n, fps, t0);
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
    Span st = semio_kin_longest(c, n, fps, t0);
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
}

/* The mouth: opening and closing in rhythm (oral automatisms), drawn to one side, twitching. */
static void mouth_signs(SemioKinematic *k, double *const *x, size_t n, double fps, double t0,
                        unsigned char *c)
{
    const double *p = k->p;
    k->oral = semio_kin_rhythmic_span(k, x[X_MAR], n, fps, t0, p[P_ORAL_LO], p[P_ORAL_HI],
                                      p[P_ORAL_AMP], NULL);
    if (k->oral.found && k->oral.b - k->oral.a < p[P_ORAL_S])
        k->oral.found = 0;
    /* pulled: one corner higher than the other, for a while */
    for (size_t i = 0; i < n; i++)
        c[i] = fabs(x[X_PULL][i]) >= p[P_PULL];
    Span pl = semio_kin_longest(c, n, fps, t0);
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
}

/* Head turning: the nose off the face's centre, against the window's first second. */
static void head_signs(SemioKinematic *k, double *const *x, size_t n, double fps, double t0,
                       unsigned char *c)
{
    const double *p = k->p;
    double base = semio_median(x[X_YAW], (size_t)fps < n ? (size_t)fps : n);
    for (size_t i = 0; i < n; i++)
        c[i] = fabs(x[X_YAW][i] - base) >= p[P_TURN];
    Span tu = semio_kin_longest(c, n, fps, t0);
    if (tu.found && tu.b - tu.a >= p[P_TURN_S]) {
        k->turn = tu;
        size_t i = (size_t)((tu.a + tu.b) / 2 * fps - t0 * fps);
        k->turn.value = x[X_YAW][i < n ? i : n - 1] - base;
    }
}

void semio_kin_face_signs(SemioKinematic *k, const Window *w)
{
    unsigned char *c = calloc(w->n + 1, 1); /* each sign's per-frame condition, in turn */
    if (!c)
        return;
    /* without a body, speed is 0: the limbs count as still */
    eye_signs(k, w->x, w->speed, w->n, w->fps, w->t0, c);
    mouth_signs(k, w->x, w->n, w->fps, w->t0, c);
    head_signs(k, w->x, w->n, w->fps, w->t0, c);
    free(c);
}
