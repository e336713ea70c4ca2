/* The stretches of a window that detectors report: the longest run of a condition, and
 * the longest rhythmic stretch of a series. */
#include "engine/kinematic/measure.h"
#include "util/rhythm.h"

/* The longest run of frames where cond[i] holds; in seconds. */
Span semio_kin_longest(const unsigned char *cond, size_t n, double fps, double t0)
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

/*
 * The longest stretch where x is rhythmic in [lo, hi] with rms at least min_rms; test
 * windows hop by a quarter. `gate` (may be NULL) must also hold in a window's middle
 * frame. The stretch spans its rhythmic windows, less a quarter window at either end.
 */
Span semio_kin_rhythmic_span(const SemioKinematic *k, const double *x, size_t n, double fps,
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
