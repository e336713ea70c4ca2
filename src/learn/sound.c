/*
 * Sound features of a window: loudness, voicing and pitch from the kinematic engine's own
 * frames (engine/kinematic/sound.c), the spectrum's flatness and band shares from
 * libavutil's FFT. No sound is NaN throughout, never silence.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/kinematic/measure.h"
#include "learn/features.h"
#include "learn/spectrum.h"
#include "util/error.h"
#include "util/series.h"

static const SemioFeatureDoc docs[] = {
    { "loudness_p50", "median rms of 40 ms frames, dBFS (-120 for digital silence)" },
    { "loudness_p90", "90th percentile of the frames' rms, dBFS" },
    { "voiced_fraction", "share of frames voiced (a pitch between 70 and 400 Hz, above the room's level), 0-1" },
    { "pitch_p50", "median pitch of the voiced frames, Hz (NaN: none voiced)" },
    { "pitch_iqr", "interquartile range of the voiced frames' pitch, Hz (NaN: none voiced)" },
    { "flatness_p50", "median spectral flatness of the frames that are not silent (0 a tone, 1 white noise)" },
    { "band_0_300", "share of the sound's power below 300 Hz" },
    { "band_300_1000", "share of the sound's power in 300-1000 Hz" },
    { "band_1000_3000", "share of the sound's power in 1000-3000 Hz" },
    { "band_3000_up", "share of the sound's power above 3000 Hz" },
};
enum { N_SOUND = sizeof(docs) / sizeof(docs[0]) };

const SemioFeatureDoc *learn_sound_docs(size_t *n)
{
    *n = N_SOUND;
    return docs;
}

/* Loudness, voicing and pitch (out[0..5)). -1 when out of memory. */
static int voice(const SemioAudio *au, double *out)
{
    SemioKinematicSettings ks;
    semio_kinematic_default_settings(&ks);
    SoundFrames f;
    if (semio_kin_sound_frames(au, ks.v[P_VOICED_CORR], ks.v[P_VOICE_SNR], &f) < 0)
        return -1;
    double *db = malloc((f.n + 1) * sizeof(double)), *f0 = malloc((f.n + 1) * sizeof(double));
    int r = db && f0 ? 0 : -1;
    size_t nv = 0;
    for (size_t i = 0; i < f.n && r == 0; i++) {
        db[i] = f.energy[i] > 1e-6 ? 20 * log10(f.energy[i]) : -120;
        if (f.voiced[i] && f.f0[i] > 0)
            f0[nv++] = f.f0[i];
    }
    if (r == 0 && f.n) {
        double p[3];
        learn_percentiles(db, f.n, p);
        out[0] = p[1];
        out[1] = p[2];
        out[2] = (double)nv / (double)f.n;
    }
    if (r == 0 && nv) {
        out[3] = semio_median(f0, nv);
        out[4] = semio_nth_smallest(f0, nv, 3 * (nv - 1) / 4) - semio_nth_smallest(f0, nv, (nv - 1) / 4);
    }
    free(db);
    free(f0);
    semio_kin_sound_frames_free(&f);
    return r;
}

/* Geometric over arithmetic mean of the power; NaN for a silent frame. */
static double flatness(const double *power, size_t bins)
{
    double lg = 0, ar = 0;
    for (size_t k = 1; k < bins; k++) {
        lg += log(power[k] + 1e-20);
        ar += power[k];
    }
    ar /= (double)(bins - 1);
    return ar > 1e-12 ? exp(lg / (double)(bins - 1)) / ar : NAN;
}

/* Flatness and band shares (out[5..10)) over 32 ms frames, half overlapping. */
static int spectrum(const SemioAudio *au, double *out)
{
    static const double bands[4][2] = { { 0, 300 }, { 300, 1000 }, { 1000, 3000 }, { 3000, INFINITY } };
    size_t len = (size_t)(au->rate * 0.032), hop = len / 2;
    Spectrum *sp;
    if (learn_spectrum_open(&sp, len) < 0)
        return -1;
    size_t bins = learn_spectrum_bins(sp), nf = au->n >= len ? (au->n - len) / hop + 1 : 0;
    double *total = calloc(bins, sizeof(double)), *one = calloc(bins, sizeof(double));
    double *x = malloc(len * sizeof(double)), *flat = malloc((nf + 1) * sizeof(double));
    int r = total && one && x && flat ? 0 : -1;
    size_t nflat = 0;
    for (size_t i = 0; i < nf && r == 0; i++) {
        for (size_t j = 0; j < len; j++)
            x[j] = au->samples[i * hop + j];
        for (size_t k = 0; k < bins; k++)
            one[k] = 0;
        learn_spectrum_add(sp, x, len, one);
        double fl = flatness(one, bins);
        if (!isnan(fl))
            flat[nflat++] = fl;
        for (size_t k = 0; k < bins; k++)
            total[k] += one[k];
    }
    if (r == 0) {
        out[5] = nflat ? semio_median(flat, nflat) : NAN;
        learn_band_shares(total, learn_spectrum_len(sp), au->rate, bands, 4, out + 6);
    }
    free(total);
    free(one);
    free(x);
    free(flat);
    learn_spectrum_close(&sp);
    return r;
}

int semio_features_sound(const SemioSignals *sig, double *out, SemioError *err)
{
    for (int i = 0; i < N_SOUND; i++)
        out[i] = NAN;
    const SemioAudio *au = sig->audio;
    if (!au || au->rate <= 0 || au->n < (size_t)au->rate / 10)
        return 0; /* no sound, or too little to have a pitch or a spectrum */
    if (voice(au, out) < 0 || spectrum(au, out) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return 0;
}
