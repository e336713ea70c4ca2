/*
 * The exact frame sampler. Frames are identified by presentation index through the
 * frame index (media/frame_index.c); the decoder's output is mapped back through the
 * same index, so a seek that lands somewhere unexpected costs time, never exactness.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>

#include "media/demux.h"
#include "media/frame_index.h"
#include "media/packet_reader.h"
#include "semio/image.h"
#include "semio/sampler.h"
#include "util/error.h"

struct SemioSampler {
    char *path;
    SemioSamplerSettings set;
    AVFormatContext *fmt;
    int vidx;
    SemioPacketReader *packets; /* the index and the decoder read the same packets */
    AVCodecContext *dec;
    SemioFrameIndex idx;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    SemioImage scaled;   /* after scaling, before rotation */
    SemioImage upright;  /* after rotation (unused when rotation is 0) */
    int rotation;

    /* Decoder position, in presentation indices. */
    int positioned;      /* outputs follow from a known keyframe */
    int64_t pos;         /* last frame the decoder produced */
    int64_t floor;       /* outputs below this are leading pictures of the seek point: dropped */
    int fresh_seek;      /* nothing produced since the last seek */
    int draining;        /* the decoder has been sent its flush packet */
    int at_eof;          /* ... because the demuxer reached the end (or a read error) */
    int decode_error;    /* the decoder's last complaint since the seek (0: none) */

    const int64_t *targets;
    size_t ntargets;
    size_t cur;          /* the target being decoded */
    atomic_llong pictures; /* pictures the decoder allocated: its real work */
    SemioSamplerStats stats;
};

void semio_sampler_default_settings(SemioSamplerSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->threads = 0;
    s->max_pixels = 602112;
    s->apply_rotation = 1;
    s->skip_nonref = 1;
}

void semio_fit_pixels(int w, int h, int64_t max_pixels, int *ow, int *oh)
{
    *ow = w;
    *oh = h;
    if (max_pixels <= 0 || (int64_t)w * h <= max_pixels)
        return;
    double s = sqrt((double)max_pixels / ((double)w * (double)h));
    int x = (int)floor(w * s), y = (int)floor(h * s);
    while ((int64_t)x * y > max_pixels) {
        if (x >= y)
            x--;
        else
            y--;
    }
    *ow = x > 0 ? x : 1;
    *oh = y > 0 ? y : 1;
}

size_t semio_pick_uniform(int64_t first, int64_t last, size_t n, int64_t *out)
{
    if (n == 0 || last < first)
        return 0;
    int64_t avail = last - first + 1;
    if ((int64_t)n >= avail) {
        for (int64_t i = 0; i < avail; i++)
            out[i] = first + i;
        return (size_t)avail;
    }
    if (n == 1) {
        out[0] = first;
        return 1;
    }
    /* numpy.linspace: step = (stop - start) / (num - 1); y = arange(num) * step + start;
     * y[-1] = stop. The float arithmetic is kept so the indices match it bit for bit. */
    double step = (double)(last - first) / (double)(n - 1);
    for (size_t i = 0; i + 1 < n; i++)
        out[i] = (int64_t)((double)i * step + (double)first);
    out[n - 1] = last;
    return n;
}

/* Counts every picture the decoder decodes, including those flushed before output. */
static int counting_get_buffer(AVCodecContext *dec, AVFrame *f, int flags)
{
    SemioSampler *s = dec->opaque;
    atomic_fetch_add_explicit(&s->pictures, 1, memory_order_relaxed);
    return avcodec_default_get_buffer2(dec, f, flags);
}

static int open_decoder(SemioSampler *s, SemioError *err)
{
    const AVCodecParameters *par = semio_packet_reader_codecpar(s->packets);
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return semio_fail(err, SEMIO_ERR_DECODE, "%s: no decoder for video codec %s", s->path,
                          avcodec_get_name(par->codec_id));
    s->dec = avcodec_alloc_context3(codec);
    if (!s->dec)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", s->path);
    int r = avcodec_parameters_to_context(s->dec, par);
    if (r >= 0) {
        s->dec->thread_count = s->set.threads;
        s->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
        s->dec->pkt_timebase = s->fmt->streams[s->vidx]->time_base;
        s->dec->opaque = s;
        s->dec->get_buffer2 = counting_get_buffer;
#if FF_API_THREAD_SAFE_CALLBACKS
        /* FFmpeg 5 requires it and only warns; the field goes away in 6. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        s->dec->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
        r = avcodec_open2(s->dec, codec, NULL);
    }
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_DECODE, "%s: cannot open the %s decoder: %s", s->path,
                          codec->name, SEMIO_AVERR(r));
    return 0;
}

static int setup_output(SemioSampler *s, SemioError *err)
{
    const AVStream *st = s->fmt->streams[s->vidx];
    int w = st->codecpar->width, h = st->codecpar->height;
    if (w <= 0 || h <= 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: video stream has no picture size", s->path);
    /* Non-square pixels are stretched to their display shape before fitting. */
    AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio
                                                 : st->codecpar->sample_aspect_ratio;
    int dw = w;
    if (sar.num > 0 && sar.den > 0 && sar.num != sar.den)
        dw = (int)lround(w * av_q2d(sar));
    int sw, sh;
    semio_fit_pixels(dw, h, s->set.max_pixels, &sw, &sh);
    s->rotation = s->set.apply_rotation ? semio_demux_rotation(st) : 0;
    if (semio_image_alloc(&s->scaled, sw, sh) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", s->path);
    if (s->rotation == 90 || s->rotation == 270) {
        if (semio_image_alloc(&s->upright, sh, sw) < 0)
            return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", s->path);
    } else if (s->rotation == 180) {
        if (semio_image_alloc(&s->upright, sw, sh) < 0)
            return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", s->path);
    }
    return 0;
}

int semio_sampler_open(SemioSampler **out, const char *path, const SemioSamplerSettings *set,
                       SemioError *err)
{
    *out = NULL;
    SemioSampler *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", path);
    }
    if (set)
        s->set = *set;
    else
        semio_sampler_default_settings(&s->set);
    int r = semio_demux_open(&s->fmt, &s->vidx, path, err);
    if (r < 0)
        goto fail;
    if (s->vidx < 0) {
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: has no video stream (audio-only?)", path);
        goto fail;
    }
    if ((r = semio_packet_reader_open(&s->packets, s->fmt, s->vidx)) < 0) {
        r = semio_fail(err, r, "%s: out of memory", path);
        goto fail;
    }
    if ((r = semio_frame_index_build(&s->idx, s->fmt, s->vidx, s->packets, path, err)) < 0)
        goto fail;
    if (s->idx.count == 0) {
        r = semio_fail(err, SEMIO_ERR_DECODE, "%s: no readable video frames%s%s", path,
                       s->idx.truncated ? ": " : "", s->idx.read_error);
        goto fail;
    }
    for (unsigned i = 0; i < s->fmt->nb_streams; i++)
        if ((int)i != s->vidx)
            s->fmt->streams[i]->discard = AVDISCARD_ALL;
    if ((r = open_decoder(s, err)) < 0 || (r = setup_output(s, err)) < 0)
        goto fail;
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    if (!s->pkt || !s->frame) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    s->pos = -1;
    *out = s;
    return 0;
fail:
    semio_sampler_close(&s);
    return r;
}

void semio_sampler_close(SemioSampler **ps)
{
    SemioSampler *s = *ps;
    if (!s)
        return;
    avcodec_free_context(&s->dec);
    semio_packet_reader_close(&s->packets);
    avformat_close_input(&s->fmt);
    av_packet_free(&s->pkt);
    av_frame_free(&s->frame);
    sws_freeContext(s->sws);
    semio_image_free(&s->scaled);
    semio_image_free(&s->upright);
    semio_frame_index_free(&s->idx);
    free(s->path);
    free(s);
    *ps = NULL;
}

int64_t semio_sampler_frame_count(const SemioSampler *s)
{
    return s->idx.count;
}

double semio_sampler_frame_time(const SemioSampler *s, int64_t k)
{
    return semio_frame_index_time(&s->idx, k);
}

int64_t semio_sampler_frame_at(const SemioSampler *s, double seconds)
{
    return semio_frame_index_at(&s->idx, seconds);
}

void semio_sampler_output_size(const SemioSampler *s, int *w, int *h)
{
    const SemioImage *img = s->rotation ? &s->upright : &s->scaled;
    *w = img->width;
    *h = img->height;
}

void semio_sampler_stats(const SemioSampler *s, SemioSamplerStats *stats)
{
    *stats = s->stats;
    stats->frames_decoded = atomic_load_explicit(&s->pictures, memory_order_relaxed);
}

static int is_target(const SemioSampler *s, int64_t k)
{
    size_t lo = 0, hi = s->ntargets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->targets[mid] == k)
            return 1;
        if (s->targets[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/*
 * Where to seek (backward) to land on keyframe `key` (NULL: the first packet). Its own pts
 * lands on it: its dts is never later. But a keyframe shown after the next keyframe is
 * decoded (AVI's back-to-back I-frames, whose pts is the next slot) would land on that
 * next one, and so would the first frame's pts: there, the dts is the place.
 */
static int64_t seek_target(const SemioSampler *s, const SemioKeyframe *key)
{
    const SemioFrameIndex *idx = &s->idx;
    if (!key)
        return idx->first_dts != AV_NOPTS_VALUE ? idx->first_dts : idx->start_pts;
    const SemioKeyframe *next = key + 1 < idx->keys + idx->nkeys ? key + 1 : NULL;
    if (next && key->dts != AV_NOPTS_VALUE && next->dts != AV_NOPTS_VALUE &&
        next->dts <= key->pts)
        return key->dts;
    return key->pts;
}

/* Seeks the demuxer to keyframe `key` (NULL: the start of the file) and resets the decoder. */
static int seek_to(SemioSampler *s, const SemioKeyframe *key, SemioError *err)
{
    avcodec_flush_buffers(s->dec);
    s->draining = 0;
    s->at_eof = 0;
    s->decode_error = 0;
    s->stats.seeks++;
    int64_t ts = seek_target(s, key);
    int r = av_seek_frame(s->fmt, s->vidx, ts, AVSEEK_FLAG_BACKWARD);
    if (r < 0 && !key)
        r = av_seek_frame(s->fmt, s->vidx, 0, AVSEEK_FLAG_BYTE);
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_DECODE, "%s: cannot seek: %s", s->path, SEMIO_AVERR(r));
    semio_packet_reader_seeked(s->packets);
    s->positioned = 1;
    s->floor = key ? key->index : 0;
    s->pos = s->floor - 1;
    s->fresh_seek = 1;
    return 0;
}

static int64_t frame_position(const SemioSampler *s, const AVFrame *f)
{
    int64_t t = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    int64_t k = t != AV_NOPTS_VALUE ? semio_frame_index_find(&s->idx, t) : -1;
    if (k < 0 && !s->dec->has_b_frames)
        k = s->pos + 1; /* No reordering: the next frame out is the next frame shown. */
    return k;
}

static int deliver(SemioSampler *s, int64_t k, SemioFrameCallback cb, void *user)
{
    AVFrame *f = s->frame;
    SemioImage *img = &s->scaled;
    s->sws = sws_getCachedContext(s->sws, f->width, f->height, f->format, img->width,
                                  img->height, AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
    SemioFrame out = { .index = k, .time = semio_frame_index_time(&s->idx, k) };
    if (!s->sws) {
        out.error = "cannot convert this picture's pixel format to RGB";
        return cb(user, &out);
    }
    int cs = f->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709
           : f->colorspace == AVCOL_SPC_UNSPECIFIED && f->height >= 720 ? SWS_CS_ITU709
           : f->colorspace == AVCOL_SPC_BT2020_NCL ? SWS_CS_BT2020
           : SWS_CS_ITU601;
    int full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
               f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P;
    sws_setColorspaceDetails(s->sws, sws_getCoefficients(cs), full,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    uint8_t *dst[4] = { img->data };
    int dst_stride[4] = { img->stride };
    sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    if (s->rotation) {
        semio_image_rotate(img, s->rotation, &s->upright);
        img = &s->upright;
    }
    out.rgb = img->data;
    out.width = img->width;
    out.height = img->height;
    out.stride = img->stride;
    out.corrupt = (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags;
    s->stats.frames_out++;
    return cb(user, &out);
}

static int report_missing(SemioSampler *s, int64_t t, const char *why, SemioFrameCallback cb,
                          void *user)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "frame %lld could not be decoded: %s", (long long)t, why);
    SemioFrame out = { .index = t, .time = semio_frame_index_time(&s->idx, t), .error = msg };
    return cb(user, &out);
}

/* Reports frame t lost at the end of what was fed: `why`, unless no picture came out
 * since the seek and the decoder complained, which says more than where the stream ends
 * (frames whose data it refuses, as MJPEG frames of a size it will not decode). */
static int report_lost(SemioSampler *s, int64_t t, const char *why, SemioFrameCallback cb,
                       void *user)
{
    char msg[320];
    if (s->pos < s->floor && s->decode_error) {
        snprintf(msg, sizeof(msg), "the decoder refused the data from keyframe %lld on: %s",
                 (long long)s->floor, SEMIO_AVERR(s->decode_error));
        why = msg;
    }
    return report_missing(s, t, why, cb, user);
}

/* Whether the target after the current one will be reached by a seek. */
static int seeks_after(const SemioSampler *s)
{
    if (s->cur + 1 >= s->ntargets)
        return 1;
    int64_t t = s->targets[s->cur], next = s->targets[s->cur + 1];
    const SemioKeyframe *key = semio_frame_index_key_before(&s->idx, next);
    return key && key->index > t + 1;
}

/* Feeds the decoder one more video packet (or the end-of-stream flush). */
static int feed(SemioSampler *s)
{
    for (;;) {
        int r = semio_packet_reader_read(s->packets, s->pkt);
        if (r < 0) {
            /* End of file or a read error (truncation): flush what the decoder holds. */
            s->draining = 1;
            s->at_eof = 1;
            return avcodec_send_packet(s->dec, NULL);
        }
        /* A packet the demuxer knows is cut short (truncated file) would decode to a
         * broken picture: leave it out, so its frame is reported instead. */
        if (s->pkt->flags & AV_PKT_FLAG_CORRUPT) {
            av_packet_unref(s->pkt);
            continue;
        }
        int64_t t = s->pkt->pts != AV_NOPTS_VALUE ? s->pkt->pts : s->pkt->dts;
        int64_t k = t != AV_NOPTS_VALUE ? semio_frame_index_find(&s->idx, t) : -1;
        int skip = s->set.skip_nonref && k >= 0 && !is_target(s, k);
        s->dec->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
        s->stats.frames_skipped += skip;
        s->stats.packets_sent++;
        r = avcodec_send_packet(s->dec, s->pkt);
        av_packet_unref(s->pkt);
        if (r < 0 && r != AVERROR(EAGAIN))
            s->decode_error = r;
        if (r == AVERROR_INVALIDDATA)
            r = 0; /* the decoder conceals; a frame that never comes out is reported later */
        if (r >= 0 && k == s->targets[s->cur] && seeks_after(s)) {
            /* Nothing after this packet is needed before the next seek: flush now
             * instead of feeding packets just to push the target out of the
             * decoder's reorder and thread delay. */
            s->draining = 1;
            r = avcodec_send_packet(s->dec, NULL);
        }
        return r;
    }
}

/* Decodes until frame t comes out; reports it or why it did not. */
static int read_target(SemioSampler *s, int64_t t, SemioFrameCallback cb, void *user,
                       SemioError *err)
{
    const SemioKeyframe *key = semio_frame_index_key_before(&s->idx, t);
    int64_t key_index = key ? key->index : 0;
    int r;
    /* Seek when the decoder is lost, past t, or a keyframe lies between it and t. */
    if (!s->positioned || s->pos >= t || key_index > s->pos + 1)
        if ((r = seek_to(s, key, err)) < 0)
            return r;

    for (;;) {
        r = avcodec_receive_frame(s->dec, s->frame);
        if (r == 0) {
            int64_t k = frame_position(s, s->frame);
            int first = s->fresh_seek;
            s->fresh_seek = 0;
            if (k < 0 || k < s->floor) {
                av_frame_unref(s->frame);
                continue;
            }
            s->pos = k;
            if (k == t) {
                r = deliver(s, k, cb, user);
                av_frame_unref(s->frame);
                if (s->draining)
                    s->positioned = 0; /* flushed early: the next target seeks */
                return r;
            }
            av_frame_unref(s->frame);
            if (k < t)
                continue;
            /* Overshoot. Right after a seek, the demuxer landed past our keyframe:
             * go back one keyframe at a time, then to the start. */
            if (first && key) {
                key = key > s->idx.keys ? key - 1 : NULL;
                if ((r = seek_to(s, key, err)) < 0)
                    return r;
                continue;
            }
            if (first && !key)
                return report_missing(s, t, "the stream cannot be decoded up to it", cb, user);
            return report_missing(s, t, "the decoder dropped it (damaged data)", cb, user);
        }
        if (r == AVERROR(EAGAIN)) {
            if (s->draining) /* cannot happen with a well-behaved decoder */
                r = AVERROR_EOF;
            else if ((r = feed(s)) >= 0 || r == AVERROR(EAGAIN))
                continue;
        }
        if (r == AVERROR_EOF) {
            s->positioned = 0;
            if (!s->at_eof)
                return report_lost(s, t, "the decoder dropped it (damaged data)", cb, user);
            char why[320];
            snprintf(why, sizeof(why), "the stream ends after frame %lld%s%s", (long long)s->pos,
                     s->idx.truncated ? " (file truncated: " : "",
                     s->idx.truncated ? s->idx.read_error : "");
            if (s->idx.truncated)
                strncat(why, ")", sizeof(why) - strlen(why) - 1);
            return report_lost(s, t, why, cb, user);
        }
        if (r < 0)
            s->decode_error = r;
        if (r < 0 && r != AVERROR_INVALIDDATA) {
            s->positioned = 0;
            return report_missing(s, t, SEMIO_AVERR(r), cb, user);
        }
    }
}

int semio_sampler_read(SemioSampler *s, const int64_t *indices, size_t n, SemioFrameCallback cb,
                       void *user, SemioError *err)
{
    for (size_t i = 0; i < n; i++) {
        if (indices[i] < 0 || indices[i] >= s->idx.count)
            return semio_fail(err, SEMIO_ERR_INVALID, "%s: frame %lld is out of range (0..%lld)",
                              s->path, (long long)indices[i], (long long)s->idx.count - 1);
        if (i && indices[i] <= indices[i - 1])
            return semio_fail(err, SEMIO_ERR_INVALID,
                              "%s: frame indices must be strictly increasing", s->path);
    }
    semio_error_clear(err);
    s->targets = indices;
    s->ntargets = n;
    int r = 0;
    for (s->cur = 0; s->cur < n && r >= 0; s->cur++)
        r = read_target(s, indices[s->cur], cb, user, err);
    s->targets = NULL;
    s->ntargets = 0;
    if (r < 0 && err && err->code == SEMIO_OK)
        semio_fail(err, r, "%s: stopped: %s", s->path, semio_strerror(r));
    return r < 0 ? r : 0;
}
