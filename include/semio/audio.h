/* The sound of recordings: 16 kHz mono extraction, WAV files, denoising, and SNR. */
#ifndef SEMIO_AUDIO_H
#define SEMIO_AUDIO_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Mono samples in [-1, 1]. */
typedef struct SemioAudio {
    float *samples;
    size_t n;
    int rate;
} SemioAudio;

/**
 * Decodes the first audio stream of `path` from start_s to end_s (seconds on the video's
 * timeline: 0 is the first video frame; end_s < 0 means to the end), resampled to `rate`
 * Hz mono with libswresample. WAV and audio-only files work too (their timeline starts
 * at 0). A file without audio is SEMIO_ERR_NOT_FOUND with a message saying so.
 */
SEMIO_API int semio_audio_extract(const char *path, double start_s, double end_s, int rate,
                        SemioAudio *out, SemioError *err);
SEMIO_API void semio_audio_free(SemioAudio *a);

/**
 * Suppresses stationary noise (fans, hum, hiss) with SpeexDSP's preprocessor, in place.
 * `suppress_db` is the most attenuation applied to noise (negative, e.g. -30).
 * SEMIO_ERR_NOT_BUILT, the samples untouched, where semio was built without the
 * optional part "denoise".
 */
SEMIO_API int semio_audio_denoise(SemioAudio *a, int suppress_db, SemioError *err);

/** Writes 16-bit PCM WAV through libavformat; the file appears whole or not at all. */
SEMIO_API int semio_wav_write(const char *path, const SemioAudio *a, SemioError *err);

/**
 * Segmental SNR in dB of `test` against `clean` (20 ms frames, each clamped to
 * [-10, 35] dB, frames of silence in `clean` skipped), the usual speech-enhancement
 * measure.
 */
SEMIO_API double semio_segmental_snr(const float *clean, const float *test, size_t n, int rate);

/**
 * Offline speech to text with pocketsphinx and an acoustic model folder (NULL: Debian's
 * /usr/share/pocketsphinx/model/en-us, package pocketsphinx-en-us). Weak next to Whisper,
 * but real weights that install here. *text is lower case, freed with semio_free.
 * SEMIO_ERR_NOT_BUILT where semio was built without the optional part "pocketsphinx".
 */
SEMIO_API int semio_sphinx_transcribe(const SemioAudio *a, const char *model_dir, char **text,
                            SemioError *err);

/** Word error rate of `hypothesis` against `reference`: word edits / reference words. */
SEMIO_API double semio_word_error_rate(const char *reference, const char *hypothesis);

#ifdef __cplusplus
}
#endif
#endif
