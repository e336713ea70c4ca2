/*
 * Kinematic features of a window: the kinematic engine's measured series (analyze.c's
 * Window: joint angles in degrees, positions in torso lengths, the face's ratios) turned
 * into fixed numbers a classifier can learn from. No body (or no face) is NaN, never 0:
 * a classifier must not read "not seen" as "still".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "learn/features.h"
#include "learn/spectrum.h"
#include "util/error.h"
#include "util/rhythm.h"
#include "util/series.h"

#define PCT(name, what) \
    { name "_p10", "10th percentile of " what }, { name "_p50", "median of " what }, \
    { name "_p90", "90th percentile of " what }
#define RHYTHM(name, what) \
    { name "_pow_05to3hz", "share of the power of " what " between 0.5 and Nyquist that lies in 0.5-3 Hz" }, \
    { name "_pow_3to6hz", "share of the power of " what " in 3-6 Hz" }, \
    { name "_pow_6to9hz", "share of the power of " what " in 6-9 Hz (NaN above Nyquist)" }, \
    { name "_rhythm_hz", "rate of the autocorrelation peak of " what " in 0.5-9 Hz, Hz (0: none)" }, \
    { name "_rhythm_corr", "height of that autocorrelation peak, -1..1 (0: none)" }
#define ANGLE(name, what) \
    PCT(name "_angle", "the " what " angle, degrees"), \
    PCT(name "_speed", "the " what " angular speed, degrees/s"), RHYTHM(name, "the " what " angle")
#define WRIST(name, what) \
    PCT(name "_y", "the " what " wrist's height below the neck, torso lengths"), \
    PCT(name "_speed", "the " what " wrist's speed, torso lengths/s"), \
    RHYTHM(name, "the " what " wrist's height")

static const SemioFeatureDoc docs[] = {
    { "body_seen", "share of the window's frames with a person, 0-1" },
    ANGLE("elbow_r", "right elbow"),
    ANGLE("elbow_l", "left elbow"),
    ANGLE("shoulder_abd_r", "right shoulder abduction (upper arm against the trunk)"),
    ANGLE("shoulder_abd_l", "left shoulder abduction (upper arm against the trunk)"),
    WRIST("wrist_r", "right"),
    WRIST("wrist_l", "left"),
    { "wrist_speed_asym", "(right - left) / (right + left) of the wrists' mean speeds, -1..1" },
    { "elbow_speed_asym", "(right - left) / (right + left) of the elbows' mean angular speeds" },
    { "wrist_speed_corr", "Pearson correlation of the two wrists' speeds" },
    { "elbow_velocity_corr", "Pearson correlation of the two elbows' signed angular velocities" },
    { "trunk_len_rms", "rms of the neck-to-hip length about its mean, torso lengths" },
    RHYTHM("trunk_len", "the neck-to-hip length"),
    PCT("ear", "the eyes' aspect ratio (open about 0.3, closed under 0.15)"),
    PCT("mar", "the mouth's aspect ratio (inner lips' opening over width)"),
    PCT("yaw", "the head's yaw, -1 (turned right) to 1 (left)"),
};

const SemioFeatureDoc *learn_kinematic_docs(size_t *n)
{
    *n = sizeof(docs) / sizeof(docs[0]);
    return docs;
}

void learn_percentiles(const double *x, size_t n, double *out)
{
    static const double q[3] = { 0.1, 0.5, 0.9 };
    for (int i = 0; i < 3; i++)
        out[i] = n ? semio_nth_smallest(x, n, (size_t)floor(q[i] * (double)(n - 1))) : NAN;
}

/* Signed rate of change by central differences (one-sided at the ends). */
static void velocity(const double *x, double *v, size_t n, double fps)
{
    for (size_t i = 0; i < n; i++) {
        size_t a = i ? i - 1 : 0, b = i + 1 < n ? i + 1 : i;
        v[i] = b > a ? (x[b] - x[a]) * fps / (double)(b - a) : 0;
    }
}

static double mean(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i] / (double)n;
    return n ? m : NAN;
}

/* The rhythm block: band shares, then the autocorrelation peak. -1 when out of memory. */
static int rhythm(const SemioKinematic *k, const double *x, size_t n, double fps, double *out)
{
    static const double bands[3][2] = LEARN_BANDS;
    if (learn_series_bands(x, n, fps, bands, 3, out) < 0)
        return -1;
    double rms;
    semio_rhythm(x, n, fps, 0.5, 9, k->p[P_RHYTHM_DIP], &out[4], &out[3], &rms);
    return 0;
}

/* One joint: its value's and speed's percentiles and its rhythm (11 numbers). */
static int joint(const SemioKinematic *k, const Window *w, const double *x, const double *speed,
                 double *out)
{
    learn_percentiles(x, w->n, out);
    learn_percentiles(speed, w->n, out + 3);
    return rhythm(k, x, w->n, w->fps, out + 6);
}

static double asym(double r, double l)
{
    return r + l > 0 ? (r - l) / (r + l) : 0;
}

/* Everything that needs a body, from out[1] on. -1 when out of memory. */
static int body(const SemioKinematic *k, const Window *w, double *out)
{
    size_t n = w->n, m = n + 1;
    int h = (int)fmax(1, lround(w->fps / 10));
    double *buf = calloc(5 * m, sizeof(double));
    if (!buf)
        return -1;
    double *sm = buf, *zero = buf + m, *speed = buf + 2 * m, *vel[2] = { buf + 3 * m, buf + 4 * m };
    double espeed[2] = { 0, 0 };
    int r = 0;
    for (int j = 0; j < 4 && r == 0; j++) { /* elbows, then shoulder abduction */
        const double *x = w->x[X_ELB_R + j];
        /* speeds from the angle smoothed as analyze.c smooths positions: jitter is not speed */
        semio_smooth(x, sm, n, h);
        semio_track_speed(sm, zero, speed, n, w->fps, (size_t)h);
        if (j < 2)
            espeed[j] = mean(speed, n);
        r = joint(k, w, x, speed, out + 11 * j);
    }
    for (int j = 0; j < 2 && r == 0; j++)
        r = joint(k, w, w->x[X_WY_R + 2 * j], w->wrist_speed[j], out + 44 + 11 * j);
    if (r == 0) {
        double *a = out + 66;
        a[0] = asym(mean(w->wrist_speed[0], n), mean(w->wrist_speed[1], n));
        a[1] = asym(espeed[0], espeed[1]);
        a[2] = semio_pearson(w->wrist_speed[0], w->wrist_speed[1], n);
        velocity(w->x[X_ELB_R], vel[0], n, w->fps);
        velocity(w->x[X_ELB_L], vel[1], n, w->fps);
        a[3] = semio_pearson(vel[0], vel[1], n);
        a[4] = semio_rms_about_mean(w->x[X_TORSO], n);
        r = rhythm(k, w->x[X_TORSO], n, w->fps, a + 5);
    }
    free(buf);
    return r;
}

int semio_features_kinematic(const SemioSignals *sig, double *out, SemioError *err)
{
    size_t nd;
    learn_kinematic_docs(&nd);
    for (size_t i = 0; i < nd; i++)
        out[i] = NAN;
    SemioKinematic k = { 0 };
    semio_kinematic_default_settings(&k.set);
    k.p = k.set.v;
    if (!sig->n || !(sig->fps > 0))
        return 0;
    Window w;
    int r = semio_kin_measure(&k, sig, &w, err);
    if (r < 0)
        return r;
    out[0] = k.seen;
    if (k.body && body(&k, &w, out + 1) < 0)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    static const int face[3] = { X_EAR, X_MAR, X_YAW };
    for (int s = 0; r == 0 && k.face && s < 3; s++)
        learn_percentiles(w.x[face[s]], w.n, out + nd - 9 + 3 * s);
    semio_kin_window_free(&w);
    return r;
}
