/*
 * Denoiser benchmark: SpeexDSP's real-time factor on one core (target < 0.02) and the
 * segmental SNR gain on espeak-ng speech mixed with hospital-like noise (a fan: hum and
 * brown noise; monitor beeps; babble of other voices) at 0, 5 and 10 dB.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/log.h>

#include "semio/semio.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int say(const char *dir, const char *name, const char *voice, const char *text,
               SemioAudio *out)
{
    char path[1024], cmd[4096];
    snprintf(path, sizeof(path), "%s/%s.wav", dir, name);
    snprintf(cmd, sizeof(cmd), "espeak-ng -v %s -s 150 -w '%s' '%s' 2>/dev/null", voice, path, text);
    if (system(cmd) != 0)
        return -1;
    SemioError err = { 0 };
    return semio_audio_extract(path, 0, -1, 16000, out, &err);
}

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/out";
    av_log_set_level(AV_LOG_QUIET);
    static const char *text =
        "Can you hear me? Open your eyes. Squeeze my hand. What is your name? Do you know "
        "where you are? You are in the hospital. Everything is fine, you had a seizure. "
        "Can you tell me what day it is today? Look at me. Follow my finger with your eyes.";
    SemioAudio speech, other[3];
    if (say(dir, "speech", "en-us", text, &speech) < 0 ||
        say(dir, "b1", "en-gb", "The monitor is beeping again, could someone check bed four "
            "and call the doctor on duty, thank you.", &other[0]) < 0 ||
        say(dir, "b2", "en-us+f3", "I will bring the medication in five minutes, the family is "
            "waiting outside in the corridor.", &other[1]) < 0 ||
        say(dir, "b3", "en-gb+m3", "Please write down the time it started, and the time it "
            "stopped, for the record.", &other[2]) < 0) {
        fprintf(stderr, "bench_audio: espeak-ng is needed (scripts/install-deps)\n");
        return 1;
    }
    size_t n = speech.n;
    /* 1 s of noise before the speech: a recording rarely starts on the first word */
    size_t lead = 16000, total = n + lead;
    float *clean = calloc(total, sizeof(float)), *noise = malloc(total * sizeof(float));
    float *mix = malloc(total * sizeof(float));
    memcpy(clean + lead, speech.samples, n * sizeof(float));
    static const char *kinds[3] = { "fan (hum + brown noise)", "monitor beeps", "babble" };
    printf("denoiser: SpeexDSP noise suppression (-30 dB), espeak-ng speech %.1f s, 16 kHz\n",
           (double)n / 16000);
    printf("%-26s %8s %8s %8s\n", "noise", "0 dB", "5 dB", "10 dB");
    double worst_rtf = 0;
    for (int kind = 0; kind < 3; kind++) {
        uint32_t seed = 99;
        double brown = 0;
        for (size_t i = 0; i < total; i++) {
            double t = (double)i / 16000;
            seed = seed * 1664525u + 1013904223u;
            double w = (double)(seed >> 8) / 16777216.0 - 0.5;
            brown = 0.995 * brown + 0.2 * w;
            if (kind == 0)
                noise[i] = (float)(brown + 0.3 * sin(2 * M_PI * 50 * t) + 0.15 * sin(2 * M_PI * 100 * t));
            else if (kind == 1)
                noise[i] = (float)(0.02 * w + (fmod(t, 1.0) < 0.15 ? 0.5 * sin(2 * M_PI * 1000 * t) : 0));
            else {
                double v = 0.01 * w;
                for (int k = 0; k < 3; k++)
                    v += other[k].samples[(i + (size_t)k * 7919) % other[k].n];
                noise[i] = (float)v;
            }
        }
        double ps = rms(speech.samples, n), pn = rms(noise, total);
        printf("%-26s", kinds[kind]);
        for (int db = 0; db <= 10; db += 5) {
            double g = ps / pn / pow(10, db / 20.0);
            for (size_t i = 0; i < total; i++)
                mix[i] = clean[i] + (float)(g * noise[i]);
            double before = semio_segmental_snr(clean + lead, mix + lead, n, 16000);
            SemioAudio a = { mix, total, 16000 };
            SemioError err = { 0 };
            double t0 = now();
            semio_audio_denoise(&a, -30, &err);
            double rtf = (now() - t0) / ((double)total / 16000);
            worst_rtf = rtf > worst_rtf ? rtf : worst_rtf;
            double after = semio_segmental_snr(clean + lead, mix + lead, n, 16000);
            printf(" %+7.2f ", after - before);
        }
        printf(" dB segmental SNR gain\n");
    }
    printf("real-time factor (worst of 9 runs, one core): %.4f (target < 0.02): %.0fx faster "
           "than real time\n", worst_rtf, 1 / worst_rtf);
    free(clean);
    free(noise);
    free(mix);
    semio_audio_free(&speech);
    for (int k = 0; k < 3; k++)
        semio_audio_free(&other[k]);
    return 0;
}
