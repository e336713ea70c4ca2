/* What a recording is: container, codecs, exact frame count, rotation, audio. */
#ifndef SEMIO_PROBE_H
#define SEMIO_PROBE_H

#include "semio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SemioProbe {
    char container[64];     /**< demuxer short name, e.g. "mov" or "matroska" */
    int64_t size;           /**< file size in bytes */
    int has_video;
    char video_codec[32];
    int width, height;      /**< coded picture size, before rotation */
    int rotation;           /**< clockwise degrees to turn the picture for display: 0/90/180/270 */
    double duration;        /**< seconds from first to last frame plus one frame, else container's */
    double avg_fps;         /**< the stream's average frame rate (0 if unknown) */
    double real_fps;        /**< the stream's base frame rate (r_frame_rate) */
    int64_t frame_count;    /**< frames counted from the packets, in presentation order */
    int64_t declared_frames;/**< what the container claims, -1 if nothing */
    int vfr;                /**< frame durations vary by more than 1% */
    int reorders;           /**< the stream has B-frames (decode order != presentation order) */
    int64_t keyframes;
    int audio_streams;
    char audio_codec[32];   /**< first audio stream */
    int audio_rate;
    int audio_channels;
    char warning[512];      /**< what looked wrong but did not stop the probe (truncation...) */
} SemioProbe;

/**
 * Probes `path` completely: reads every video packet to count the frames exactly.
 * A file with no video stream is probed (has_video = 0), not an error.
 */
SEMIO_API int semio_probe(const char *path, SemioProbe *out, SemioError *err);

/** The probe as a JSON object; free the string with semio_free(). */
SEMIO_API char *semio_probe_to_json(const SemioProbe *p);

#ifdef __cplusplus
}
#endif
#endif
