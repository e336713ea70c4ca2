/* Opening a recording with libavformat: shared by the probe and the sampler. */
#ifndef SEMIO_MEDIA_DEMUX_H
#define SEMIO_MEDIA_DEMUX_H

#include <libavformat/avformat.h>

#include "semio/common.h"

/**
 * Opens `path`, reads stream info and finds the best video stream (-1 in *video if
 * there is none). Errors name the file and the reason.
 */
int semio_demux_open(AVFormatContext **fmt, int *video, const char *path, SemioError *err);

/**
 * The largest frames semio decodes: 8K UHD (7680 x 4320) with room to spare. FFmpeg's own
 * limit is about 16384 x 16384, where a frame alone takes a gigabyte to decode and scale.
 */
#define SEMIO_MAX_FRAME_PIXELS (8192LL * 8192)
#define SEMIO_MAX_FRAME_SIDE 16384

/** 0 if frames of w x h are within those limits; else fails naming `path` and the size. */
int semio_demux_check_size(const char *path, int64_t w, int64_t h, SemioError *err);

/** Clockwise rotation in degrees (0, 90, 180, 270) from the stream's display matrix. */
int semio_demux_rotation(const AVStream *st);

#endif
