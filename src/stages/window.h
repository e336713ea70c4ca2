/*
 * What one window gives an engine, loaded from the study: the view's pictures (sampled
 * frames, or the pose or face view drawn from them), its sound, or the measured signals.
 */
#ifndef SEMIO_STAGES_WINDOW_H
#define SEMIO_STAGES_WINDOW_H

#include "semio/engine.h"
#include "semio/sampler.h"
#include "stages/signals.h"
#include "stages/views.h"
#include "study/db.h"

/* A window's pictures (JPEG bytes, or RGB pixels, and times, in order) and sound (WAV). */
typedef struct WindowMedia {
    int64_t segment;
    SemioImagePart *parts;
    uint8_t **data;  /* each picture's bytes (JPEG or RGB), owned */
    size_t n;
    int width, height;
    uint8_t *wav;    /* the segment's audio view, for --view audio */
    size_t wav_size;
    int loaded;
} WindowMedia;

/* The recording whose frames were decoded last, kept open for its next window. */
typedef struct RecordingReader {
    SemioSampler *sampler;
    int64_t video;
} RecordingReader;

/* What one window gives its engine: the view's pictures or sound, or measured signals. */
typedef struct WindowInputs {
    WindowMedia media;
    WindowSignals signals;
    KeypointCache keypoints; /* kept across windows: one recording's folder scanned once */
    RecordingReader recording;
} WindowInputs;

/* Where a window's inputs come from: the sampling whose frames are sent, the kind of sound
 * ("audio" or "denoise"), the keypoint folder (NULL: each recording's), and whether the
 * engine takes pixels: then the sampled frames are decoded again from the recording (the
 * very frames, without JPEG's loss) and a view's pictures from their JPEG files. */
typedef struct WindowSource {
    int64_t sampling;
    const char *audio_kind;
    const char *keypoints;
    int pixels;
} WindowSource;

/* Loads a window's inputs for the view; *present is 0, with nothing loaded, when the
 * segment has no such view. Every file is checked: inside the study's cache, and JPEG or
 * WAV as the view says; a recording decoded again must be the one that was sampled. */
int semio_window_load(SemioStudy *s, int64_t segment, const SemioViewSpec *view,
                      const WindowSource *src, WindowInputs *in, int *present, SemioError *err);

/* Frees what the last load held (the keypoint folder stays open for the next window). */
void semio_window_clear(WindowInputs *in);

/* Frees everything, the keypoint folder and the open recording too. */
void semio_window_close(WindowInputs *in);

/* The segment's transcript (source "audio" or "denoise"), malloc'ed, or NULL. */
char *semio_window_transcript(SemioStudy *s, int64_t segment, const char *source);

/* The question with the window's transcript, as the pilot's audio+text variant asked it
 * (malloc'ed; NULL without memory): what ask sends, and what the judge finds again. */
char *semio_window_question(const char *question, const char *transcript);

/* Whether the segment has a view of this kind made. */
int semio_window_has_view(SemioStudy *s, int64_t segment, const char *kind);

#endif
