/*
 * Proxy clips: one window of a recording as a short constant-frame-rate H.264 MP4 that
 * browsers play, whose frames are the sampler's exact frames, so a review page can play
 * the window a model saw beside the frames it was shown, and never serves the original.
 */
#ifndef SEMIO_CLIP_H
#define SEMIO_CLIP_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * How far past a source frame's time a clip frame still counts as showing it, in seconds
 * (see semio_clip_write): absorbs timestamps rounded to the millisecond, as Matroska stores
 * them, and a player's microsecond rounding. Seek a clip to t_k - start + SEMIO_CLIP_SLACK
 * to show source frame k.
 */
#define SEMIO_CLIP_SLACK 0.001

typedef struct SemioClipSettings {
    double fps;     /**< the clip's frame rate, at most 240; 0 = the source's (its average
                         rate), divided by the smallest whole number that brings it to 30 or
                         less, so the clip keeps every n-th frame of a 60 fps source (default) */
    int max_height; /**< upright height at most this (never upscaled); 0 = native (default 480) */
    int crf;        /**< x264's constant rate factor, 0..51 (default 26) */
} SemioClipSettings;

/** The defaults: the source's rate capped at 30, 480 lines, CRF 26. */
SEMIO_API void semio_clip_default_settings(SemioClipSettings *s);

/** What a clip holds. */
typedef struct SemioClipInfo {
    double fps;         /**< its constant frame rate */
    int64_t frames;     /**< round((end - start) * fps) */
    int width, height;  /**< upright and even: scaled down to max_height lines with the width
                             in proportion, rounded to even (as ffmpeg's scale=-2:H), or, not
                             scaled, the picture less an odd last column or row */
    double start, end;  /**< the window cut, in seconds from frame 0; end is clamped to the
                             recording's end (last frame's time plus a mean frame duration) */
    int64_t missing;    /**< clip frames whose source frame could not be decoded: they repeat
                             the picture before (or, at the start, the first one decoded) */
    char encoder[32];   /**< the H.264 encoder used ("libx264" where FFmpeg has it) */
} SemioClipInfo;

/**
 * Cuts [start, end) seconds of `src` into an H.264 MP4 (yuv420p, no B-frames, no audio,
 * the moov box first so a browser plays it while it loads, a keyframe every 2 s) at
 * `out`, written whole or not at all (a temporary file renamed into place; removed on
 * failure). Times are the sampler's: seconds from frame 0 (semio_sampler_frame_time).
 *
 * Frames are decoded by the sampler (rotation applied): each clip frame is the sampler's
 * picture of its source frame, scaled as it is converted for the encoder. The clip has a
 * constant rate R = fps: source frame k, shown from t_k, lands in clip frame
 * j_k = floor((t_k - start + SEMIO_CLIP_SLACK) * R), and clip frame j (shown from j / R)
 * holds the first source frame that lands in it or, where none does, the one still on
 * screen (the last that landed before it, or before the window). So seeking the clip to
 * t_k - start + SEMIO_CLIP_SLACK shows frame k unless an earlier frame lands in the same
 * clip frame (frames closer than 1/R, as in a faster or VFR source). With R the source's
 * own constant rate the clip shows every frame of the window once; at half of it, every
 * other frame, each at its own time. Seeking to t_k - start itself may show the frame
 * before where t_k - start is a whole number of clip frames and the player's arithmetic
 * rounds it down.
 *
 * A window past the recording's end is cut at the end (info->end says where); one that
 * starts at or after it, start < 0, end <= start, or a window shorter than half a clip
 * frame fails with SEMIO_ERR_INVALID. `info` may be NULL.
 */
SEMIO_API int semio_clip_write(const char *src, double start, double end,
                               const SemioClipSettings *s, const char *out, SemioClipInfo *info,
                               SemioError *err);

/**
 * The clip of [start, end) of `src` kept in `cache_dir`/clips/, made with semio_clip_write
 * when it is not there or older than `src`. Its name holds a key of the source (its full
 * path, size and modification time: a changed recording gets a new clip), the window and
 * the settings. Processes making the same clip at once each write their own temporary file
 * and rename it into place, so each ends with a whole clip. *path (free with semio_free)
 * is the clip's path.
 */
SEMIO_API int semio_clip_cached(const char *cache_dir, const char *src, double start, double end,
                                const SemioClipSettings *s, char **path, SemioError *err);

#ifdef __cplusplus
}
#endif
#endif
