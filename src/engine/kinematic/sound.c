/* The vocal signs from the window's sound: ictal vocalization (a steady voiced sound, not
 * syllables) and verbal responsiveness (a reply in a second voice). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kinematic/measure.h"
#include "util/rhythm.h"
#include "util/series.h"

/* Voiced frames with gaps under 0.3 s joined: when, the mean pitch, and the longest voiced
 * run with the steadiness of its loudness (a groan is long and steady, speech is not). */
typedef struct Utterance {
    double a, b, f0;
    double longest_voiced, flatness;
} Utterance;

void semio_kin_sound_frames_free(SoundFrames *f)
{
    free(f->energy);
    free(f->f0);
    free(f->voiced);
    memset(f, 0, sizeof(*f));
}

int semio_kin_sound_frames(const SemioAudio *au, double voiced_corr, double voice_snr,
                           SoundFrames *f)
{
    int rate = au->rate, len = rate / 25, hop = rate / 100; /* 40 ms frames, 10 ms hop */
    size_t nf = au->n > (size_t)len ? (au->n - (size_t)len) / (size_t)hop + 1 : 0;
    *f = (SoundFrames){ .n = nf, .len = len, .hop = hop };
    f->energy = calloc(nf + 1, sizeof(double));
    f->f0 = calloc(nf + 1, sizeof(double));
    f->voiced = calloc(nf + 1, 1);
    if (!f->energy || !f->f0 || !f->voiced) {
        semio_kin_sound_frames_free(f);
        return -1;
    }
    int lag_lo = rate / 400, lag_hi = rate / 70;
    for (size_t i = 0; i < nf; i++) {
        const float *x = au->samples + i * (size_t)hop;
        double e0 = 0;
        for (int j = 0; j < len; j++)
            e0 += (double)x[j] * x[j];
        f->energy[i] = sqrt(e0 / len);
        double corr; /* the pitch: the frame's best period between 70 and 400 Hz */
        int lag = semio_autocorr_peak(x, len, lag_lo, lag_hi, &corr);
        f->f0[i] = lag ? (double)rate / lag : 0;
        f->voiced[i] = corr >= voiced_corr;
    }
    double floor_e = nf ? semio_nth_smallest(f->energy, nf, nf / 10) : 0; /* the room's level */
    if (isnan(floor_e))
        floor_e = 0;
    for (size_t i = 0; i < nf; i++)
        f->voiced[i] = f->voiced[i] && f->energy[i] >= voice_snr * floor_e && f->energy[i] > 1e-4;
    return 0;
}

void semio_kin_sound_signs(SemioKinematic *k, const SemioAudio *au, double t0)
{
    const double *p = k->p;
    SoundFrames sf;
    if (semio_kin_sound_frames(au, p[P_VOICED_CORR], p[P_VOICE_SNR], &sf) < 0)
        return;
    int rate = au->rate, len = sf.len, hop = sf.hop;
    size_t nf = sf.n;
    const double *energy = sf.energy, *f0 = sf.f0;
    const unsigned char *voiced = sf.voiced;
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
    semio_kin_sound_frames_free(&sf);
}
