/* semio_probe: one recording's facts, with the frame count taken from its packets. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>
#include <libavutil/display.h>

#include "media/demux.h"
#include "media/frame_index.h"
#include "media/packet_reader.h"
#include "semio/probe.h"
#include "util/error.h"

int semio_demux_check_size(const char *path, int64_t w, int64_t h, SemioError *err)
{
    if (w <= SEMIO_MAX_FRAME_SIDE && h <= SEMIO_MAX_FRAME_SIDE && w * h <= SEMIO_MAX_FRAME_PIXELS)
        return 0;
    return semio_fail(err, SEMIO_ERR_DECODE, "%s: frames of %lldx%lld pixels are larger than "
                      "semio decodes (at most %lld pixels, as 8192x8192, and %d a side)", path,
                      (long long)w, (long long)h, SEMIO_MAX_FRAME_PIXELS, SEMIO_MAX_FRAME_SIDE);
}

/* The frame size a YUV4MPEG2 header declares ("YUV4MPEG2 W720 H576 F25:1 ..."): FFmpeg
 * refuses one too large for it with a misleading EBUSY (its error code plus the length of
 * "FRAME\n"), so semio reads it first. 0 if `head` is no such header. */
static int y4m_size(const char *head, int64_t *w, int64_t *h)
{
    if (strncmp(head, "YUV4MPEG2 ", 10))
        return 0;
    *w = *h = 0;
    for (const char *t = head + 9; t && *t == ' '; t = strpbrk(t + 1, " \n")) {
        if (t[1] == 'W')
            *w = strtoll(t + 2, NULL, 10);
        else if (t[1] == 'H')
            *h = strtoll(t + 2, NULL, 10);
    }
    return 1;
}

enum { MOOV_NONE, MOOV_CUT, MOOV_WHOLE };

/* Walks the top-level boxes of an ISO media file (MP4, MOV) for its moov box, which a
 * camera or muxer writes last: a recording cut short, or still being written, lacks it. */
static int find_moov(FILE *f, int64_t file_size)
{
    uint64_t at = 0, end = (uint64_t)file_size;
    unsigned char b[16];
    size_t got;
    while (at + 8 <= end && fseeko(f, (off_t)at, SEEK_SET) == 0 &&
           (got = fread(b, 1, 16, f)) >= 8) {
        uint64_t size = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | b[2] << 8 | b[3];
        if (size == 1 && got < 16)
            break;
        if (size == 1) /* a 64-bit size follows the type */
            for (int i = 8; i < 16; i++)
                size = (i == 8 ? 0 : size << 8) | b[i];
        else if (size == 0) /* to the end of the file */
            size = end - at;
        if (!memcmp(b + 4, "moov", 4))
            return size <= end - at ? MOOV_WHOLE : MOOV_CUT;
        if (size < 8 || size > end - at)
            break;
        at += size;
    }
    return MOOV_NONE;
}

/* The first bytes of `path` into head (NUL-terminated) and, for an ISO media file (its
 * ftyp box first; QuickTime's may begin with wide or mdat), where its moov box stands. */
static int read_head(const char *path, int64_t file_size, char *head, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, size - 1, f) : 0;
    head[n] = '\0';
    int moov = MOOV_WHOLE;
    if (n >= 8 && (!memcmp(head + 4, "ftyp", 4) || !memcmp(head + 4, "wide", 4) ||
                   !memcmp(head + 4, "mdat", 4)))
        moov = find_moov(f, file_size);
    if (f)
        fclose(f);
    return moov;
}

static int moov_missing(const char *path, int moov, SemioError *err)
{
    return semio_fail(err, SEMIO_ERR_FORMAT, "%s: cannot read the recording: %s (the file is "
                      "truncated or not finished being written)", path,
                      moov == MOOV_CUT ? "its moov atom is cut short" : "moov atom not found");
}

/* Why FFmpeg could not open `path` (averr), in words about the file where semio can tell. */
static int open_failed(const char *path, int64_t file_size, int averr, SemioError *err)
{
    char head[257];
    int64_t w, h;
    int moov = read_head(path, file_size, head, sizeof(head));
    int r;
    if (y4m_size(head, &w, &h) && (r = semio_demux_check_size(path, w, h, err)) < 0)
        return r;
    if (moov != MOOV_WHOLE)
        return moov_missing(path, moov, err);
    return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a recording FFmpeg can open: %s", path,
                      SEMIO_AVERR(averr));
}

/* Refuses frames too large to decode, in any video stream that is not cover art: checked
 * before FFmpeg reads (and tries to decode) a first frame of them. */
static int check_sizes(AVFormatContext *fmt, const char *path, SemioError *err)
{
    int r = 0;
    for (unsigned i = 0; i < fmt->nb_streams && r == 0; i++) {
        const AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            r = semio_demux_check_size(path, st->codecpar->width, st->codecpar->height, err);
    }
    return r;
}

int semio_demux_open(AVFormatContext **out, int *video, const char *path, SemioError *err)
{
    struct stat stbuf;
    *out = NULL;
    *video = -1;
    if (stat(path, &stbuf) != 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(stbuf.st_mode))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: is a directory, not a recording", path);
    if (stbuf.st_size == 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: file is empty (0 bytes)", path);

    AVFormatContext *fmt = avformat_alloc_context();
    if (!fmt)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", path);
    /* Containers such as AVI store no presentation times for B-frames: have libavformat
     * derive them from the picture types, so frame order is known before decoding. */
    fmt->flags |= AVFMT_FLAG_GENPTS;
    int r = avformat_open_input(&fmt, path, NULL, NULL);
    if (r < 0)
        return open_failed(path, stbuf.st_size, r, err);
    /* FFmpeg reads what it can of a moov box cut short: tracks go missing, and a recording
     * would seem to have no video */
    char head[257];
    int moov = strncmp(fmt->iformat->name, "mov,", 4) ? MOOV_WHOLE
                                                      : read_head(path, stbuf.st_size, head,
                                                                  sizeof(head));
    if (moov != MOOV_WHOLE) {
        avformat_close_input(&fmt);
        return moov_missing(path, moov, err);
    }
    if ((r = check_sizes(fmt, path, err)) < 0) {
        avformat_close_input(&fmt);
        return r;
    }
    if ((r = avformat_find_stream_info(fmt, NULL)) < 0) {
        avformat_close_input(&fmt);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: cannot read stream information: %s", path,
                          SEMIO_AVERR(r));
    }
    /* sizes only the decoder knew (a raw H.264 stream, MPEG-TS) are known now */
    if ((r = check_sizes(fmt, path, err)) < 0) {
        avformat_close_input(&fmt);
        return r;
    }
    r = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    /* Cover art is a "video" stream of one picture; it is not a recording. */
    if (r >= 0 && !(fmt->streams[r]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        *video = r;
    *out = fmt;
    return 0;
}

int semio_demux_rotation(const AVStream *st)
{
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m)
        return 0;
    double ccw = av_display_rotation_get((const int32_t *)m); /* counter-clockwise degrees */
    if (isnan(ccw))
        return 0;
    int cw = (int)lround(-ccw) % 360;
    if (cw < 0)
        cw += 360;
    return ((cw + 45) / 90 * 90) % 360;
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* Frame timing facts from the index: duration, VFR, and a frame rate from the median gap. */
static void probe_timing(SemioProbe *p, const SemioFrameIndex *idx)
{
    if (idx->count < 2)
        return;
    double tb = av_q2d(idx->time_base);
    int64_t n = idx->count - 1, lo = INT64_MAX, hi = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t d = idx->pts[i + 1] - idx->pts[i];
        if (d < lo)
            lo = d;
        if (d > hi)
            hi = d;
    }
    double mean = (double)(idx->pts[n] - idx->pts[0]) / (double)n;
    p->duration = mean * tb * (double)idx->count;
    /* Timestamps are integers: allow one tick of rounding on top of 1%. */
    p->vfr = (double)(hi - lo) > 0.01 * mean + 1.0;
}

int semio_probe(const char *path, SemioProbe *p, SemioError *err)
{
    memset(p, 0, sizeof(*p));
    p->declared_frames = -1;
    AVFormatContext *fmt = NULL;
    int video, ret = semio_demux_open(&fmt, &video, path, err);
    if (ret < 0)
        return ret;

    struct stat stbuf;
    if (stat(path, &stbuf) == 0)
        p->size = stbuf.st_size;
    copy_str(p->container, sizeof(p->container), fmt->iformat->name);
    char *comma = strchr(p->container, ',');
    if (comma)
        *comma = '\0';
    if (fmt->duration != AV_NOPTS_VALUE)
        p->duration = (double)fmt->duration / AV_TIME_BASE;

    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type != AVMEDIA_TYPE_AUDIO)
            continue;
        if (p->audio_streams++ == 0) {
            copy_str(p->audio_codec, sizeof(p->audio_codec), avcodec_get_name(par->codec_id));
            p->audio_rate = par->sample_rate;
            p->audio_channels = par->ch_layout.nb_channels;
        }
    }
    if (video < 0) {
        avformat_close_input(&fmt);
        return 0;
    }

    AVStream *st = fmt->streams[video];
    p->has_video = 1;
    copy_str(p->video_codec, sizeof(p->video_codec), avcodec_get_name(st->codecpar->codec_id));
    p->width = st->codecpar->width;
    p->height = st->codecpar->height;
    p->rotation = semio_demux_rotation(st);
    p->avg_fps = st->avg_frame_rate.den ? av_q2d(st->avg_frame_rate) : 0;
    p->real_fps = st->r_frame_rate.den ? av_q2d(st->r_frame_rate) : 0;
    p->declared_frames = st->nb_frames > 0 ? st->nb_frames : -1;
    p->reorders = st->codecpar->video_delay > 0;

    SemioFrameIndex idx;
    SemioPacketReader *packets;
    ret = semio_packet_reader_open(&packets, fmt, video);
    if (ret < 0)
        ret = semio_fail(err, ret, "%s: out of memory", path);
    else
        ret = semio_frame_index_build(&idx, fmt, video, packets, path, err);
    semio_packet_reader_close(&packets);
    avformat_close_input(&fmt);
    if (ret < 0)
        return ret;
    p->frame_count = idx.count;
    p->keyframes = idx.nkeys;
    probe_timing(p, &idx);

    size_t w = 0;
    if (idx.truncated)
        w += (size_t)snprintf(p->warning + w, sizeof(p->warning) - w,
                              "reading stopped after frame %lld: %s; ", (long long)idx.count,
                              idx.read_error);
    if (idx.corrupt_packets && w < sizeof(p->warning))
        w += (size_t)snprintf(p->warning + w, sizeof(p->warning) - w, "%lld corrupt packets; ",
                              (long long)idx.corrupt_packets);
    if (p->declared_frames >= 0 && p->declared_frames != p->frame_count && w < sizeof(p->warning))
        w += (size_t)snprintf(p->warning + w, sizeof(p->warning) - w,
                              "container declares %lld frames but %lld %s; ",
                              (long long)p->declared_frames, (long long)p->frame_count,
                              p->frame_count < p->declared_frames
                                  ? "could be read (file truncated?)"
                                  : "were found");
    if (p->frame_count == 0 && w < sizeof(p->warning))
        w += (size_t)snprintf(p->warning + w, sizeof(p->warning) - w, "no readable video frames; ");
    if (w >= 2 && w < sizeof(p->warning))
        p->warning[w - 2] = '\0';
    semio_frame_index_free(&idx);
    return 0;
}

char *semio_probe_to_json(const SemioProbe *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "container", json_object_new_string(p->container));
    json_object_object_add(o, "size", json_object_new_int64(p->size));
    json_object_object_add(o, "has_video", json_object_new_boolean(p->has_video));
    if (p->has_video) {
        json_object_object_add(o, "video_codec", json_object_new_string(p->video_codec));
        json_object_object_add(o, "width", json_object_new_int(p->width));
        json_object_object_add(o, "height", json_object_new_int(p->height));
        json_object_object_add(o, "rotation", json_object_new_int(p->rotation));
        json_object_object_add(o, "avg_fps", json_object_new_double(p->avg_fps));
        json_object_object_add(o, "real_fps", json_object_new_double(p->real_fps));
        json_object_object_add(o, "frame_count", json_object_new_int64(p->frame_count));
        json_object_object_add(o, "declared_frames",
                               p->declared_frames >= 0 ? json_object_new_int64(p->declared_frames)
                                                       : NULL);
        json_object_object_add(o, "keyframes", json_object_new_int64(p->keyframes));
        json_object_object_add(o, "vfr", json_object_new_boolean(p->vfr));
        json_object_object_add(o, "b_frames", json_object_new_boolean(p->reorders));
    }
    json_object_object_add(o, "duration", json_object_new_double(p->duration));
    json_object_object_add(o, "audio_streams", json_object_new_int(p->audio_streams));
    if (p->audio_streams) {
        json_object_object_add(o, "audio_codec", json_object_new_string(p->audio_codec));
        json_object_object_add(o, "audio_rate", json_object_new_int(p->audio_rate));
        json_object_object_add(o, "audio_channels", json_object_new_int(p->audio_channels));
    }
    json_object_object_add(o, "warning", p->warning[0] ? json_object_new_string(p->warning) : NULL);
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}
