/*
 * The phantom's sound: a fan and a monitor in the room, the patient's groans
 * (a voiced source through vowel formants), and speech from espeak-ng (the nurse's
 * questions, the patient's answers), resampled with libswresample.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>

#include "phantom_internal.h"
#include "util/error.h"

enum { RATE = 44100 };

/* espeak-ng keeps global state: one synthesis at a time in the process. */
static pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
static int espeak_rate;

typedef struct Pcm {
    short *s;
    size_t n, cap;
} Pcm;

static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
    Pcm *p = ev ? ev->user_data : NULL;
    if (!p || !wav || n <= 0)
        return 0;
    if (p->n + (size_t)n > p->cap) {
        size_t cap = (p->n + (size_t)n) * 2;
        short *ns = realloc(p->s, cap * sizeof(*ns));
        if (!ns)
            return 1; /* stop: out of memory */
        p->s = ns;
        p->cap = cap;
    }
    memcpy(p->s + p->n, wav, (size_t)n * sizeof(*wav));
    p->n += (size_t)n;
    return 0;
}

/* Speaks `text` and mixes it into out at `at` seconds. */
static int speak(const Episode *e, const Speech *sp, float *out, size_t n, SemioError *err)
{
    Pcm pcm = { 0 };
    pthread_mutex_lock(&espeak_lock);
    if (!espeak_rate)
        espeak_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
    int ok = espeak_rate > 0;
    if (ok) {
        espeak_SetSynthCallback(on_samples);
        ok = espeak_SetVoiceByName(sp->nurse ? "en+f4" : e->male ? "en+m3" : "en+f2") == EE_OK;
        espeak_SetParameter(espeakPITCH, sp->nurse ? 75 : e->male ? 25 : 15, 0);
        espeak_SetParameter(espeakRATE, 150, 0);
        ok = ok && espeak_Synth(sp->text, strlen(sp->text) + 1, 0, POS_CHARACTER, 0,
                                espeakCHARS_UTF8, NULL, &pcm) == EE_OK;
    }
    int in_rate = espeak_rate;
    pthread_mutex_unlock(&espeak_lock);
    if (!ok || !pcm.n) {
        free(pcm.s);
        return semio_fail(err, SEMIO_ERR_IO, "phantom: espeak-ng could not speak \"%s\" (is "
                          "espeak-ng-data installed? scripts/install-deps)", sp->text);
    }
    SwrContext *swr = NULL;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    int max = (int)((double)pcm.n * RATE / in_rate) + 256;
    float *res = malloc((size_t)max * sizeof(*res));
    int got = -1;
    if (res && swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, RATE, &mono,
                                   AV_SAMPLE_FMT_S16, in_rate, 0, NULL) == 0 && swr_init(swr) == 0) {
        const uint8_t *in[1] = { (const uint8_t *)pcm.s };
        uint8_t *o[1] = { (uint8_t *)res };
        got = swr_convert(swr, o, max, in, (int)pcm.n);
        if (got >= 0) {
            uint8_t *rest[1] = { (uint8_t *)(res + got) };
            int tail = swr_convert(swr, rest, max - got, NULL, 0);
            got += tail > 0 ? tail : 0;
        }
    }
    swr_free(&swr);
    free(pcm.s);
    if (got < 0) {
        free(res);
        return semio_fail(err, SEMIO_ERR_NOMEM, "phantom: cannot resample speech");
    }
    size_t at = (size_t)(sp->at * RATE);
    for (int i = 0; i < got && at + (size_t)i < n; i++)
        out[at + (size_t)i] += 0.55f * res[i];
    free(res);
    return 0;
}

/* Groans: a voiced source at 95-160 Hz through the formants of "ah", 0.9-1.8 s each. */
static void groan(const Act *a, uint64_t *r, float *out, size_t n)
{
    double f0 = phantom_uniform(r, 95, 160);
    for (double t = a->a; t < a->b - 0.6;) {
        double len = fmin(phantom_uniform(r, 0.9, 1.8), a->b - t), phase = 0;
        size_t from = (size_t)(t * RATE), count = (size_t)(len * RATE);
        for (size_t i = 0; i < count && from + i < n; i++) {
            double u = (double)i / RATE;
            double f = f0 * (1 - 0.12 * u / len) * (1 + 0.02 * sin(2 * M_PI * 5 * u));
            phase += 2 * M_PI * f / RATE;
            double v = 0;
            for (int k = 1; k * f < 3500; k++) {
                double hz = k * f;
                double env = exp(-pow((hz - 700) / 180, 2)) + 0.7 * exp(-pow((hz - 1150) / 220, 2)) +
                             0.25 / k;
                v += env * sin(k * phase);
            }
            double amp = fmin(1, fmin(u / 0.15, (len - u) / 0.3));
            out[from + i] += (float)(0.09 * amp * v);
        }
        t += len + phantom_uniform(r, 0.4, 0.8);
    }
}

int phantom_sound(const Episode *e, SemioAudio *out, SemioError *err)
{
    memset(out, 0, sizeof(*out));
    size_t n = (size_t)(e->seconds * RATE);
    float *s = calloc(n, sizeof(*s));
    if (!s)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    uint64_t r = e->seed ^ 0x5851f42d4c957f2dULL;
    /* the fan: brown noise and its 100 Hz hum; a monitor beeping once a second */
    double brown = 0;
    for (size_t i = 0; i < n; i++) {
        brown = 0.995 * brown + 0.1 * phantom_gauss(&r);
        double t = (double)i / RATE, beep = fmod(t + 0.37, 1.0) < 0.08 ? 0.01 : 0;
        s[i] = (float)(e->fan * (brown + 0.3 * sin(2 * M_PI * 100 * t)) +
                       beep * sin(2 * M_PI * 880 * t));
    }
    for (int i = 0; i < e->nacts; i++)
        if (e->acts[i].kind == ACT_GROAN)
            groan(&e->acts[i], &r, s, n);
    for (int i = 0; i < e->nspeech; i++)
        if (speak(e, &e->speech[i], s, n, err) < 0) {
            free(s);
            return err ? err->code : SEMIO_ERR_IO;
        }
    for (size_t i = 0; i < n; i++)
        s[i] = s[i] > 1 ? 1 : s[i] < -1 ? -1 : s[i];
    out->samples = s;
    out->n = n;
    out->rate = RATE;
    return 0;
}
