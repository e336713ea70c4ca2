/* Audio: extraction on the video's timeline, WAV files, SpeexDSP denoising measured. */
#include <libavutil/log.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? sqrt(s / (double)n) : 0;
}

static int crossings(const float *x, size_t n)
{
    int c = 0;
    for (size_t i = 1; i < n; i++)
        c += (x[i - 1] < 0) != (x[i] < 0);
    return c;
}

static const char *clip(const char *name, int audio_rate)
{
    const char *path = test_path(name);
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = 160;
    s.height = 120;
    s.preset = "ultrafast";
    s.audio_rate = audio_rate;
    return testvideo_make(path, &s, 300) == 0 ? path : NULL; /* 10 s, 440 Hz tone */
}

static void extracts_a_window_at_16k(void)
{
    const char *path = clip("tone.mp4", 44100);
    CHECK(path);
    SemioAudio a;
    SemioError err = { 0 };
    CHECK_OK(semio_audio_extract(path, 2.0, 5.0, 16000, &a, &err), err);
    CHECK_INT(a.rate, 16000);
    CHECK_MSG(labs((long)a.n - 48000) <= 160, "%zu samples for 3 s", a.n);
    /* a 440 Hz sine crosses zero 880 times a second */
    int c = crossings(a.samples, a.n);
    CHECK_MSG(abs(c - 3 * 880) < 20, "%d zero crossings", c);
    CHECK_MSG(fabs(rms(a.samples, a.n) - 0.2 / sqrt(2)) < 0.02, "rms %g", rms(a.samples, a.n));
    semio_audio_free(&a);
    CHECK_OK(semio_audio_extract(path, 0, -1, 16000, &a, &err), err);
    CHECK_MSG(labs((long)a.n - 160000) <= 1600, "%zu samples for the whole 10 s", a.n);
    semio_audio_free(&a);
}

static void wav_round_trip_and_silence(void)
{
    SemioAudio a = { calloc(16000, sizeof(float)), 16000, 16000 };
    CHECK(a.samples);
    for (size_t i = 8000; i < 16000; i++)
        a.samples[i] = 0.5f * (float)sin(2 * M_PI * 300 * (double)i / 16000);
    const char *wav = test_path("half-silent.wav");
    SemioError err = { 0 };
    CHECK_OK(semio_wav_write(wav, &a, &err), err);
    SemioAudio b;
    CHECK_OK(semio_audio_extract(wav, 0, -1, 16000, &b, &err), err);
    CHECK_INT(b.n, 16000);
    double maxdiff = 0;
    for (size_t i = 0; i < b.n; i++)
        maxdiff = fmax(maxdiff, fabs(a.samples[i] - b.samples[i]));
    CHECK_MSG(maxdiff < 1e-4, "WAV round trip differs by %g", maxdiff);
    /* silence stays silence through the denoiser, and nothing turns into NaN; a semio
     * without it says so and leaves the samples alone */
    memset(b.samples, 0, b.n * sizeof(float));
    if (semio_feature_built("denoise")) {
        CHECK_OK(semio_audio_denoise(&b, -30, &err), err);
    } else {
        CHECK_INT(semio_audio_denoise(&b, -30, &err), SEMIO_ERR_NOT_BUILT);
        CHECK_MSG(strstr(err.message, "meson feature 'denoise'"), "%s", err.message);
    }
    CHECK(rms(b.samples, b.n) < 1e-4);
    semio_audio_free(&a);
    semio_audio_free(&b);
    FILE *f = fopen(wav, "rb");
    char head[12];
    CHECK(f && fread(head, 1, 12, f) == 12);
    fclose(f);
    CHECK(!memcmp(head, "RIFF", 4) && !memcmp(head + 8, "WAVE", 4));
}

static void no_audio_is_said_clearly(void)
{
    const char *path = clip("mute.mp4", 0);
    CHECK(path);
    SemioAudio a;
    SemioError err = { 0 };
    CHECK(semio_audio_extract(path, 0, 5, 16000, &a, &err) == SEMIO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "mute.mp4") && strstr(err.message, "no audio stream"));
    CHECK(a.samples == NULL);
    CHECK(semio_audio_extract(test_path("absent.wav"), 0, 5, 16000, &a, &err) == SEMIO_ERR_IO);
}

/* Speech from espeak-ng, noise from a fan: hum and brown noise. */
static int speech(SemioAudio *out)
{
    const char *wav = test_path("speech.wav");
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             "espeak-ng -w '%s' 'Can you hear me? Squeeze my hand. What is your name? "
             "You are in the hospital, everything is fine.' 2>/dev/null", wav);
    if (system(cmd) != 0)
        return -1;
    SemioError err = { 0 };
    return semio_audio_extract(wav, 0, -1, 16000, out, &err);
}

static void fan_noise(float *x, size_t n, uint32_t seed)
{
    double brown = 0;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        brown = 0.995 * brown + ((double)(seed >> 8) / 16777216.0 - 0.5) * 0.2;
        double t = (double)i / 16000;
        x[i] = (float)(brown + 0.3 * sin(2 * M_PI * 50 * t) + 0.15 * sin(2 * M_PI * 100 * t) +
                       0.05 * sin(2 * M_PI * 150 * t));
    }
}

static void denoising_gains_snr_on_fan_noise(void)
{
    SKIP_UNLESS_BUILT("denoise");
    SemioAudio clean;
    CHECK_MSG(speech(&clean) == 0, "espeak-ng is needed (scripts/install-deps installs it)");
    float *noise = malloc(clean.n * sizeof(float)), *mix = malloc(clean.n * sizeof(float));
    CHECK(noise && mix);
    fan_noise(noise, clean.n, 7);
    double ps = rms(clean.samples, clean.n), pn = rms(noise, clean.n);
    static const int snr_db[3] = { 0, 5, 10 };
    for (int k = 0; k < 3; k++) {
        double g = ps / pn / pow(10, snr_db[k] / 20.0);
        for (size_t i = 0; i < clean.n; i++)
            mix[i] = clean.samples[i] + (float)(g * noise[i]);
        double before = semio_segmental_snr(clean.samples, mix, clean.n, 16000);
        SemioAudio d = { mix, clean.n, 16000 };
        SemioError err = { 0 };
        CHECK_OK(semio_audio_denoise(&d, -30, &err), err);
        double after = semio_segmental_snr(clean.samples, mix, clean.n, 16000);
        printf("    fan noise at %d dB: segmental SNR %.2f -> %.2f dB (gain %+.2f)\n", snr_db[k],
               before, after, after - before);
        CHECK_MSG(after - before > 1.0, "no gain at %d dB", snr_db[k]);
    }
    free(noise);
    free(mix);
    semio_audio_free(&clean);
}

static void word_error_rate(void)
{
    CHECK(fabs(semio_word_error_rate("he was not an ill disposed young man",
                                     "he was not an ill disposed young man") - 0) < 1e-12);
    /* one substitution, one deletion, one insertion over 8 words */
    CHECK(fabs(semio_word_error_rate("he was not an ill disposed young man",
                                     "she was not an disposed young old man") - 3.0 / 8) < 1e-12);
    CHECK(fabs(semio_word_error_rate("Can you HEAR me?", "can you hear me") - 0) < 1e-12);
    CHECK(isnan(semio_word_error_rate("", "anything")));
}

/* The LibriVox readings of Debian's pocketsphinx-testdata, with their transcripts. */
static void pocketsphinx_on_librivox(void)
{
    SKIP_UNLESS_BUILT("pocketsphinx");
    const char *dir = "/usr/share/pocketsphinx/test/data/librivox";
    FILE *t = fopen("/usr/share/pocketsphinx/test/data/librivox/transcription", "r");
    CHECK_MSG(t, "pocketsphinx-testdata is needed (scripts/install-deps installs it)");
    char line[2048];
    double edits = 0, total = 0;
    int files = 0;
    while (fgets(line, sizeof(line), t)) {
        char *open = strrchr(line, '('), *close = open ? strchr(open, ')') : NULL;
        if (!open || !close)
            continue;
        *close = '\0';
        *open = '\0';
        char wav[1024];
        snprintf(wav, sizeof(wav), "%s/%s.wav", dir, open + 1);
        char *ref = line;
        char *s_tag = strstr(ref, "<s>"), *e_tag = strstr(ref, "</s>");
        if (s_tag)
            ref = s_tag + 3;
        if (e_tag)
            *e_tag = '\0';
        SemioAudio a;
        SemioError err = { 0 };
        CHECK_OK(semio_audio_extract(wav, 0, -1, 16000, &a, &err), err);
        char *hyp;
        CHECK_OK(semio_sphinx_transcribe(&a, NULL, &hyp, &err), err);
        double wer = semio_word_error_rate(ref, hyp);
        size_t nref = 0; /* reference words, to pool the rate over files */
        for (const char *p = ref; *p; p++)
            nref += *p != ' ' && (p == ref || p[-1] == ' ');
        edits += wer * (double)nref;
        total += (double)nref;
        files++;
        semio_free(hyp);
        semio_audio_free(&a);
    }
    fclose(t);
    CHECK_INT(files, 5);
    printf("    pocketsphinx word error rate on 5 LibriVox readings: %.1f%%\n", 100 * edits / total);
    CHECK_MSG(edits / total < 0.6, "WER %.2f", edits / total);
    SemioAudio a = { NULL, 0, 8000 };
    char *hyp;
    SemioError err = { 0 };
    CHECK(semio_sphinx_transcribe(&a, NULL, &hyp, &err) == SEMIO_ERR_INVALID);
    a.rate = 16000;
    CHECK(semio_sphinx_transcribe(&a, "/nonexistent", &hyp, &err) == SEMIO_ERR_NOT_FOUND);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(extracts_a_window_at_16k),
        TEST(wav_round_trip_and_silence),
        TEST(no_audio_is_said_clearly),
        TEST(denoising_gains_snr_on_fan_noise),
        TEST(word_error_rate),
        TEST(pocketsphinx_on_librivox),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
