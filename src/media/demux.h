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

/** Clockwise rotation in degrees (0, 90, 180, 270) from the stream's display matrix. */
int semio_demux_rotation(const AVStream *st);

#endif
