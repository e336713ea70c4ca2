/*
 * Measuring one window: the patient's keypoints become series in torso lengths (neck to
 * mid-hip, the median over the window), degrees and face widths; then each detector family
 * reads them. Positions are smoothed over a fifth of a second before speeds are taken (an
 * estimator's frame-to-frame jitter would otherwise look like movement).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "util/error.h"
#include "util/series.h"

enum { MIN_FRAMES = 60 };   /* a window shorter than this measures nothing */

void semio_kin_window_free(Window *w)
{
    for (int i = 0; i < X_SERIES; i++)
        free(w->x[i]);
    free(w->speed);
    free(w->wrist_speed[0]);
    free(w->wrist_speed[1]);
    memset(w, 0, sizeof(*w));
}

/* limb speed: the fastest wrist or elbow, from positions smoothed over a fifth of a
 * second (an estimator's jitter would otherwise look like movement) */
static int limb_speeds(Window *w, int h, double *tmp)
{
    size_t n = w->n;
    double **x = w->x;
    double *sx = malloc((n + 1) * sizeof(double)), *sy = malloc((n + 1) * sizeof(double));
    for (int s = 0; s < 4 && sx && sy; s++) {
        int cx = s < 2 ? X_WX_R + 2 * s : X_EX_R + 2 * (s - 2);
        semio_smooth(x[cx], sx, n, h);
        semio_smooth(x[cx + 1], sy, n, h);
        semio_track_speed(sx, sy, s < 2 ? w->wrist_speed[s] : tmp, n, w->fps, (size_t)h);
        for (size_t i = 0; i < n; i++)
            w->speed[i] = fmax(w->speed[i], s < 2 ? w->wrist_speed[s][i] : tmp[i]);
    }
    int r = sx && sy ? 0 : -1;
    free(sx);
    free(sy);
    return r;
}

int semio_kin_measure(SemioKinematic *k, const SemioSignals *sig, Window *w, SemioError *err)
{
    const double *p = k->p;
    size_t n = sig->n;
    double fps = sig->fps;
    *w = (Window){ .n = n, .fps = fps, .t0 = sig->t0 };
    double **x = w->x, *tmp = NULL;
    int r = 0;
    for (int i = 0; i < X_SERIES; i++)
        if (!(x[i] = malloc((n + 1) * sizeof(double))))
            r = -1;
    w->speed = calloc(n + 1, sizeof(double));
    tmp = calloc(n + 1, sizeof(double));
    w->wrist_speed[0] = calloc(n + 1, sizeof(double));
    w->wrist_speed[1] = calloc(n + 1, sizeof(double));
    if (r < 0 || !w->speed || !tmp || !w->wrist_speed[0] || !w->wrist_speed[1])
        goto nomem;
    /* the body's scale: the median torso length */
    size_t nt = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        const SemioPerson *pp = &sig->frames[i];
        seen += pp->npoints > 0;
        if (pp->npoints > SEMIO_MIDHIP && pp->body[SEMIO_NECK].c >= p[P_MIN_CONF] &&
            pp->body[SEMIO_MIDHIP].c >= p[P_MIN_CONF])
            tmp[nt++] = keypoint_dist(pp->body[SEMIO_NECK], pp->body[SEMIO_MIDHIP]);
    }
    k->seen = n ? (double)seen / n : 0;
    double torso = nt ? semio_median(tmp, nt) : 0;
    for (size_t i = 0; i < n; i++) {
        double row[X_SERIES];
        for (int s = 0; s < X_SERIES; s++)
            row[s] = NAN;
        if (torso > 0)
            semio_kin_body_series(k, &sig->frames[i], torso, row);
        semio_kin_face_series(&sig->frames[i], row);
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
    if (k->body && limb_speeds(w, h, tmp) < 0)
        goto nomem;
    free(tmp);
    return 0;
nomem:
    free(tmp);
    semio_kin_window_free(w);
    return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
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
    if (sig->transcript)
        snprintf(k->transcript, sizeof(k->transcript), "%s", sig->transcript);
    Window w;
    int r = semio_kin_measure(k, sig, &w, err);
    if (r == 0 && k->body && semio_kin_limb_signs(k, &w) < 0)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && k->face)
        semio_kin_face_signs(k, &w);
    if (r == 0 && sig->audio && sig->audio->n > (size_t)sig->audio->rate) {
        k->audio = 1;
        semio_kin_sound_signs(k, sig->audio, sig->audio_t0);
    }
    semio_kin_window_free(&w);
    if (r < 0) {
        free(k);
        return r;
    }
    *out = k;
    return 0;
}

void semio_kinematic_close(SemioKinematic **k)
{
    free(*k);
    *k = NULL;
}
