/*
 * The stages of the pipeline, each a function over a study (semio/study.h): ingest
 * recordings and labels, segment, sample, enhance, transcribe, ask, export, import
 * published predictions, and evaluate. Stages are idempotent: each records what it
 * finished and skips it next time.
 */
#ifndef SEMIO_STAGES_H
#define SEMIO_STAGES_H

#include <stdio.h>

#include "semio/common.h"
#include "semio/eval.h"
#include "semio/face.h"
#include "semio/study.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ingest ------------------------------------------------------------ */

typedef struct SemioIngestSettings {
    /** POSIX extended regex with one group that captures the patient id from the
     *  file name; default "^([^@]+)@" (the pilot's <patient>@<date>@<id>@sz_vN.mp4). */
    const char *patient_regex;
    SemioProgressFn progress;
    void *progress_user;
    /** Called for each file that could not be ingested; the rest go on. */
    void (*on_error)(void *user, const char *path, const char *message);
    void *error_user;
} SemioIngestSettings;

SEMIO_API void semio_ingest_default_settings(SemioIngestSettings *s);

typedef struct SemioIngestReport {
    int added;      /**< new recordings probed */
    int unchanged;  /**< already known with the same size and modification time */
    int changed;    /**< known but modified since: re-probed, old samples dropped */
    int failed;     /**< stored with status "error" (unreadable, not a video...) */
    int no_patient; /**< file names the patient rule did not match (the stem was used) */
    int elsewhere;  /**< left to another process ingesting the same file at the same time */
} SemioIngestReport;

/**
 * Ingests recordings: each path is a file or a folder searched recursively for
 * video files. One transaction per file.
 */
SEMIO_API int semio_ingest(SemioStudy *s, const char *const *paths, size_t npaths,
                 const SemioIngestSettings *set, SemioIngestReport *rep, SemioError *err);

/**
 * Ingests a label CSV in the pilot study's format: `file_name`, one column per sign
 * (yes/no/empty = unknown), `start_time`/`end_time` (M:SS), other columns kept.
 * All rows or none: any error leaves the study as it was.
 */
SEMIO_API int semio_ingest_labels(SemioStudy *s, const char *csv_path, const SemioIngestSettings *set,
                        SemioLabelsReport *rep, SemioError *err);

/* ---- segment ----------------------------------------------------------- */

typedef struct SemioSegmentSettings {
    double window;      /**< seconds; 0 = one segment per whole recording (the pilot) */
    double overlap;     /**< seconds shared by consecutive windows */
    int within_labels;  /**< only inside the labeled seizure bounds */
    double margin;      /**< seconds added around the labeled bounds */
    const char *name;   /**< name of the segment set; NULL = derived from the settings */
} SemioSegmentSettings;

SEMIO_API void semio_segment_default_settings(SemioSegmentSettings *s);

typedef struct SemioSegmentReport {
    char set_name[128];
    int videos;       /**< recordings segmented now */
    int segments;     /**< segments created now */
    int skipped;      /**< recordings already segmented in this set */
    int unusable;     /**< recordings without frames or bounds, left out (see status) */
    int replaced;     /**< recordings whose labeled bounds changed: their old segments were
                           dropped (with their frames' records, views and answers) and made anew */
    int64_t answers_dropped; /**< answers about the dropped segments */
} SemioSegmentReport;

SEMIO_API int semio_segment(SemioStudy *s, const SemioSegmentSettings *set, SemioSegmentReport *rep,
                  SemioError *err);

/* ---- sample ------------------------------------------------------------ */

typedef struct SemioSampleSettings {
    int frames;          /**< frames per segment (default 60) */
    double fps;          /**< > 0: this many frames per second, capped at `frames` */
    int64_t max_pixels;  /**< pixel budget per frame (default 602112) */
    int quality;         /**< JPEG quality (default 90) */
    int threads;         /**< decoder threads per recording, 0 = auto (1 with several jobs) */
    int jobs;            /**< recordings sampled at once, 0 = the machine's cores */
    const char *segments;/**< segment set name; NULL = the newest */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;  /**< set to non-zero to stop after the current segment */
} SemioSampleSettings;

SEMIO_API void semio_sample_default_settings(SemioSampleSettings *s);

typedef struct SemioSampleReport {
    char key[64];          /**< the sampling's name in the cache, e.g. "n60-p602112-q90" */
    int segments_done;     /**< sampled now */
    int segments_skipped;  /**< sampled before with the same settings */
    int segments_partial;  /**< some frames could not be decoded */
    int segments_failed;   /**< nothing could be sampled */
    int64_t frames_written;
    int64_t frames_reused; /**< already in the cache from an overlapping window */
    int segments_elsewhere; /**< left to another worker (a process that claimed them) */
} SemioSampleReport;

SEMIO_API int semio_sample(SemioStudy *s, const SemioSampleSettings *set, SemioSampleReport *rep,
                 SemioError *err);

/* ---- enhance ---------------------------------------------------------------- */

typedef struct SemioEnhanceSettings {
    const char *view;       /**< "audio" (16 kHz mono WAV), "denoise" (the same, denoised),
                                 "pose" (skeleton over the sampled frames) or "face" (one
                                 square crop of the patient's head per window, from the face
                                 keypoints, scaled to face_size) */
    const char *segments;   /**< segment set; NULL = the newest */
    const char *sampling;   /**< pose: the sampled frames to draw on; NULL = the newest */
    const char *keypoints;  /**< pose: folder of OpenPose JSON; NULL = each recording's folder */
    float min_conf;         /**< pose, face: keypoints below this confidence are left out (0.1) */
    int face_size;          /**< face: the crop's side in pixels (448) */
    double face_margin;     /**< face: added around the face points, as a share of the face (0.6) */
    int face_detector;      /**< face: without keypoints, find faces with the built-in
                                 detector (default 1) */
    SemioFaceDetectorSettings detector; /**< face: which detector and how (semio/face.h) */
    int face_every;         /**< face: run the detector on every Nth sampled frame (4) */
    int suppress_db;        /**< denoiser's most noise attenuation (default -30) */
    int jobs;               /**< recordings worked on at once, 0 = the machine's cores */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;
} SemioEnhanceSettings;

SEMIO_API void semio_enhance_default_settings(SemioEnhanceSettings *s);

typedef struct SemioEnhanceReport {
    int made, skipped, failed;  /**< views written now, present before, impossible (reason kept) */
    int elsewhere;              /**< left to another worker (a process that claimed them) */
} SemioEnhanceReport;

/** Makes a view of every segment of a set into the cache (resumable, one row per view).
 *  "denoise" where semio was built without that optional part: SEMIO_ERR_NOT_BUILT, with
 *  nothing made or recorded. */
SEMIO_API int semio_enhance(SemioStudy *s, const SemioEnhanceSettings *set, SemioEnhanceReport *rep,
                  SemioError *err);

/* ---- transcribe --------------------------------------------------------------- */

typedef struct SemioTranscribeSettings {
    const struct SemioOpenAISettings *server; /**< url, model, key, timeouts, retries;
                                                   NULL or no URL: pocketsphinx, offline */
    const char *sphinx_model;  /**< pocketsphinx model folder; NULL = Debian's en-us */
    const char *source;     /**< "audio" or "denoise": which audio view to transcribe */
    const char *segments;   /**< segment set; NULL = the newest */
    volatile int *stop;
} SemioTranscribeSettings;

typedef struct SemioTranscribeReport {
    int made, skipped, failed, no_audio;
    int elsewhere; /**< left to another process that claimed their recording */
} SemioTranscribeReport;

/** Transcribes each segment's audio view once (resumable); failures keep the reason.
 *  Offline where semio was built without pocketsphinx: SEMIO_ERR_NOT_BUILT, nothing recorded. */
SEMIO_API int semio_transcribe(SemioStudy *s, const SemioTranscribeSettings *set,
                     SemioTranscribeReport *rep, SemioError *err);

/* ---- ask ------------------------------------------------------------------ */

typedef struct SemioAskSettings {
    const char *run;          /**< the run's name: answers are stored under it */
    const char *engine;       /**< a registered engine (semio_engine_name_at): "openai" (default)
                                   or "kinematic" */
    const void *engine_settings; /**< that engine's settings struct (SemioOpenAISettings,
                                   SemioKinematicSettings); NULL: its defaults */
    const char *keypoints;    /**< view signals: OpenPose folder; NULL = each recording's folder */
    const char *signs;        /**< "all", "limb", "facial", "audio" or a comma list (default all) */
    const char *view;         /**< "raw" (sampled frames), "pose", "face", "audio" (semio enhance)
                                   or "signals" (measured); NULL: the engine's own */
    int fallback_raw;         /**< with view face: a window without a face is asked on its raw
                                   frames (its answers record view "face>raw") */
    int denoised;             /**< with view audio: send the denoised WAV */
    int with_transcript;      /**< with view audio: add the window's transcript to the question */
    const char *prompts;      /**< a prompt set (a built-in name or a file), or a comma list of
                                   them: a run per set, RUN-SET, each window's questions of
                                   every set asked together; NULL = the built-in set */
    const char *segments;     /**< segment set; NULL = the newest */
    const char *sampling;     /**< sampling key; NULL = the newest used on that set */
    int dry_run;              /**< count what would be sent, send nothing */
    int jobs;                 /**< windows asked at once by separate workers; 0: one per core
                                   for an engine that measures here (kinematic), else 1 (a
                                   server engine keeps many requests in flight from one) */
    SemioProgressFn progress;
    void *progress_user;
    volatile int *stop;       /**< non-zero: send nothing more, let answers in flight land */
} SemioAskSettings;

SEMIO_API void semio_ask_default_settings(SemioAskSettings *s);

typedef struct SemioAskReport {
    int64_t planned;          /**< questions this run asks in all */
    int64_t done_before;      /**< already answered (resumed) */
    int64_t answered, failed; /**< stored now */
    int64_t requests, images, bytes, image_tokens; /**< what was (or would be) sent */
    int signs_skipped;        /**< signs the chosen view cannot show (audio signs on frames) */
    int64_t no_view;          /**< questions not asked: the segment has no such view (no sound) */
    int64_t elsewhere;        /**< questions left to another process asking the same run */
    int64_t cached_tokens;    /**< prompt tokens the server served from its prefix cache... */
    int64_t reported_tokens;  /**< ...of these prompt tokens, of the answers whose server said */
    int64_t prefix_shared;    /**< requests sent right after another of their window to its
                                   replica: its images were already there */
    char sampling[64];
    char segments[128];
    char runs[1024];          /**< the runs asked: "RUN", or "RUN-SET, ..." with several sets */
} SemioAskReport;

/**
 * Asks every (segment, sign) of the run that has no answer yet: frames of each
 * segment first, then the question; all of one segment's questions go consecutively
 * to one replica. Each answer is committed as it arrives, so a killed run loses only
 * what was in flight, and running again asks only what is missing. The run's settings
 * are stored once; resuming with other settings is refused.
 */
SEMIO_API int semio_ask(SemioStudy *s, const SemioAskSettings *set, SemioAskReport *rep, SemioError *err);

/* ---- export -------------------------------------------------------------- */

typedef enum SemioExportFormat {
    SEMIO_EXPORT_PILOT_CSV, /**< file_name, then SIGN and justification_for_SIGN per sign */
    SEMIO_EXPORT_JSONL,     /**< one JSON object per stored answer, with everything */
} SemioExportFormat;

/**
 * Writes a run's answers. The pilot's CSV has one row per recording, windows merged
 * by any-yes: "yes" with the yes-windows' justifications joined without repeats,
 * else "no"/"na", "fail" when no window has an answer, empty when never asked.
 */
SEMIO_API int semio_export(SemioStudy *s, const char *run, SemioExportFormat format, FILE *out,
                 SemioError *err);

/**
 * Writes every recording's labels in the pilot's label layout: file_name; per sign the
 * consensus (SIGN: the label file's plain column, else the raters' majority) and every
 * rater's vote (SIGN@RATER: label files' rater columns and the review app's human raters,
 * the app's word winning for a rater in both); start_time and end_time (M:SS); each
 * rater's marked onset and end (start_time@RATER, end_time@RATER); then the label files'
 * other columns. Ingested into a new study, it gives the same consensus (as plain columns).
 */
SEMIO_API int semio_export_labels(SemioStudy *s, FILE *out, SemioError *err);

/**
 * Writes every rating as CSV: rater, kind (human or judge), run, file_name, patient,
 * segment_start, segment_end (empty for an answer about a whole recording), sign, view,
 * answer (yes, no, na, fail; empty when the answer is no longer in the study), label (the
 * recording's consensus), score (0-100, empty: none given), label_wrong, video_unusable,
 * comment, reason, rated_at.
 */
SEMIO_API int semio_export_ratings(SemioStudy *s, FILE *out, SemioError *err);

/* ---- runs from elsewhere ------------------------------------------------ */

typedef struct SemioImportReport {
    int rows;        /**< prediction rows read */
    int answers;     /**< answers stored (yes/no/na) */
    int failed;      /**< failed answers stored (raw text kept) */
    int signs;       /**< sign columns recognized */
} SemioImportReport;

/**
 * Imports a prediction CSV in the pilot's layout as run `run`: file_name, a column per
 * sign (yes/no/na/fail/empty), optional justification_for_SIGN and SIGN_prob columns.
 * Rows match recordings (or label-only rows) by name without extension and
 * punctuation; a row that matches nothing stops the import. All or nothing; an
 * existing run is refused unless `replace`.
 */
SEMIO_API int semio_import_predictions(SemioStudy *s, const char *csv_path, const char *run, int replace,
                             SemioImportReport *rep, SemioError *err);

/* ---- evaluate --------------------------------------------------------------- */

typedef struct SemioStudyEvalSettings {
    SemioAggregateRule merge; /**< how a recording's answers merge (default any-yes) */
    int k;                    /**< for k-of-n */
    double threshold;         /**< for the P(yes) rules (default 0.5) */
    int tune_folds;           /**< runs with P(yes) also get tuned runs (default 3; 0 off) */
    uint64_t seed;            /**< for the folds (default 1) */
} SemioStudyEvalSettings;

SEMIO_API void semio_study_eval_default_settings(SemioStudyEvalSettings *o);

/**
 * Builds an evaluation (semio/eval.h) of the study's runs (all of them when nruns is 0)
 * against its labels: every recording with a label row, every sign with labels and answers.
 */
SEMIO_API int semio_eval_from_study(SemioEval **out, SemioStudy *s, const char *const *runs,
                          size_t nruns, const SemioStudyEvalSettings *options, SemioError *err);

/**
 * Robustness to wording (semio/eval.h) of runs that asked the same windows with different
 * prompt sets, all of them runs of `ev` (built by semio_eval_from_study). Windows are the
 * runs' own answers per (recording, segment, view) of the labeled recordings; a set's
 * several answers on one window merge by any-yes. At least two runs, of one segment set
 * and sharing windows: otherwise an error names the run.
 */
SEMIO_API int semio_robustness_from_study(SemioRobustness **out, SemioStudy *s, const SemioEval *ev,
                                          const char *const *runs, size_t nruns, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
