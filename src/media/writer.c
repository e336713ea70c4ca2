/* Encodes RGB pictures and float audio into a container with libavcodec/libavformat. */
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "semio/writer.h"
#include "util/error.h"

struct SemioWriter {
    char *path;
    SemioWriterSettings set;
    AVFormatContext *fmt;
    AVCodecContext *venc, *aenc;
    AVStream *vst, *ast;
    struct SwsContext *sws;
    int sws_width, sws_height; /* the pictures sws takes */
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *vframe, *aframe;
    AVPacket *pkt;
    int64_t audio_pts;
    int64_t last_vpts;
    int have_picture; /* vframe holds a picture: video_again may repeat it */
};

void semio_writer_default_settings(SemioWriterSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->width = 640;
    s->height = 360;
    s->fps_num = 30;
    s->fps_den = 1;
    s->video_codec = "libx264";
    s->gop = 60;
    s->bframes = 3;
    s->preset = "veryfast";
    s->audio_channels = 1;
}

static int write_packets(SemioWriter *w, AVCodecContext *enc, AVStream *st, const AVFrame *f,
                         SemioError *err)
{
    int r = avcodec_send_frame(enc, f);
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: encoding failed: %s", w->path, SEMIO_AVERR(r));
    for (;;) {
        r = avcodec_receive_packet(enc, w->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return semio_fail(err, SEMIO_ERR_IO, "%s: encoding failed: %s", w->path,
                              SEMIO_AVERR(r));
        av_packet_rescale_ts(w->pkt, enc->time_base, st->time_base);
        w->pkt->stream_index = st->index;
        if ((r = av_interleaved_write_frame(w->fmt, w->pkt)) < 0)
            return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", w->path, SEMIO_AVERR(r));
    }
}

static int open_video(SemioWriter *w, SemioError *err)
{
    const SemioWriterSettings *s = &w->set;
    const AVCodec *codec = avcodec_find_encoder_by_name(s->video_codec);
    if (!codec)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "no video encoder named %s", s->video_codec);
    w->vst = avformat_new_stream(w->fmt, NULL);
    w->venc = avcodec_alloc_context3(codec);
    if (!w->vst || !w->venc)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    AVCodecContext *c = w->venc;
    c->width = s->width;
    c->height = s->height;
    c->time_base = s->vfr ? (AVRational){ 1, 1000 } : (AVRational){ s->fps_den, s->fps_num };
    c->framerate = (AVRational){ s->fps_num, s->fps_den };
    c->gop_size = s->gop;
    c->max_b_frames = s->bframes;
    /* 4:2:0 needs even sizes; odd-sized recordings keep full chroma instead. MJPEG (as IP
     * cameras record) takes JPEG's full range. */
    int full = codec->id == AV_CODEC_ID_MJPEG;
    c->pix_fmt = (s->width | s->height) & 1 ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
    if (full)
        c->pix_fmt = c->pix_fmt == AV_PIX_FMT_YUV444P ? AV_PIX_FMT_YUVJ444P : AV_PIX_FMT_YUVJ420P;
    c->thread_count = s->threads;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_range = full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *opts = NULL;
    if (!strcmp(codec->name, "libx264")) {
        av_dict_set(&opts, "preset", s->preset ? s->preset : "veryfast", 0);
        av_dict_set_int(&opts, "crf", s->quality ? s->quality : 23, 0);
        /* A fixed GOP (and, with B-frames, a fixed IBBBP pattern) so tests and
         * benchmarks know the structure, as a camera's encoder would make it. */
        av_dict_set(&opts, "x264-params",
                    s->bframes_adaptive ? "scenecut=0:open-gop=0"
                                        : "scenecut=0:open-gop=0:b-adapt=0", 0);
    } else if (s->quality) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * s->quality;
    }
    int r = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: cannot open encoder %s: %s", w->path,
                          codec->name, SEMIO_AVERR(r));
    avcodec_parameters_from_context(w->vst->codecpar, c);
    w->vst->time_base = c->time_base;
    w->vst->avg_frame_rate = c->framerate;
    if (s->rotation) {
        int32_t *m = (int32_t *)av_stream_new_side_data(w->vst, AV_PKT_DATA_DISPLAYMATRIX,
                                                          9 * sizeof(int32_t));
        if (!m)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        /* av_display_rotation_get() of this matrix is -rotation, which players read
         * (as the ffmpeg CLI does) as "turn clockwise by rotation". */
        av_display_rotation_set(m, s->rotation);
    }
    w->vframe = av_frame_alloc();
    if (!w->vframe)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    w->vframe->format = c->pix_fmt;
    w->vframe->width = c->width;
    w->vframe->height = c->height;
    if (av_frame_get_buffer(w->vframe, 0) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    w->last_vpts = AV_NOPTS_VALUE;
    return 0;
}

static int open_audio(SemioWriter *w, SemioError *err)
{
    const SemioWriterSettings *s = &w->set;
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "no AAC encoder");
    w->ast = avformat_new_stream(w->fmt, NULL);
    w->aenc = avcodec_alloc_context3(codec);
    if (!w->ast || !w->aenc)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    AVCodecContext *c = w->aenc;
    c->sample_rate = s->audio_rate;
    c->sample_fmt = AV_SAMPLE_FMT_FLTP;
    c->bit_rate = 96000;
    av_channel_layout_default(&c->ch_layout, s->audio_channels > 0 ? s->audio_channels : 1);
    c->time_base = (AVRational){ 1, s->audio_rate };
    if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int r = avcodec_open2(c, codec, NULL);
    if (r < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: cannot open the AAC encoder: %s", w->path,
                          SEMIO_AVERR(r));
    avcodec_parameters_from_context(w->ast->codecpar, c);
    w->ast->time_base = c->time_base;
    r = swr_alloc_set_opts2(&w->swr, &c->ch_layout, c->sample_fmt, c->sample_rate, &c->ch_layout,
                            AV_SAMPLE_FMT_FLT, c->sample_rate, 0, NULL);
    if (r < 0 || swr_init(w->swr) < 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: cannot set up audio conversion", w->path);
    w->fifo = av_audio_fifo_alloc(c->sample_fmt, c->ch_layout.nb_channels, c->frame_size * 4);
    w->aframe = av_frame_alloc();
    if (!w->fifo || !w->aframe)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return 0;
}

int semio_writer_open(SemioWriter **out, const char *path, const SemioWriterSettings *s,
                      SemioError *err)
{
    *out = NULL;
    SemioWriter *w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->pkt = av_packet_alloc())) {
        if (w)
            free(w->path);
        free(w);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    w->set = *s;
    int r = avformat_alloc_output_context2(&w->fmt, NULL, s->container, path);
    if (r < 0 && s->container) {
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: FFmpeg has no muxer named %s: %s", path,
                       s->container, SEMIO_AVERR(r));
        goto fail;
    }
    if (r < 0) {
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: no container for this file name: %s", path,
                       SEMIO_AVERR(r));
        goto fail;
    }
    if (s->width <= 0 && s->audio_rate <= 0) {
        r = semio_fail(err, SEMIO_ERR_INVALID, "%s: neither video nor audio to write", path);
        goto fail;
    }
    if ((s->width > 0 && (r = open_video(w, err)) < 0) ||
        (s->audio_rate > 0 && (r = open_audio(w, err)) < 0))
        goto fail;
    if ((r = avio_open(&w->fmt->pb, path, AVIO_FLAG_WRITE)) < 0) {
        r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot create: %s", path, SEMIO_AVERR(r));
        goto fail;
    }
    AVDictionary *mux = NULL;
    av_dict_set(&mux, "movflags", "+faststart", 0);
    r = avformat_write_header(w->fmt, &mux);
    av_dict_free(&mux);
    if (r < 0) {
        r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot write header: %s", path, SEMIO_AVERR(r));
        goto fail;
    }
    *out = w;
    return 0;
fail:
    if (w->fmt && w->fmt->pb)
        avio_closep(&w->fmt->pb);
    semio_writer_close(&w, NULL);
    return r;
}

/* The presentation time of the next picture, which must be later than the last one's. */
static int next_pts(SemioWriter *w, double seconds, int64_t *pts, SemioError *err)
{
    *pts = llrint(seconds / av_q2d(w->venc->time_base));
    if (w->last_vpts != AV_NOPTS_VALUE && *pts <= w->last_vpts)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: frame time %.6f s does not increase",
                          w->path, seconds);
    w->last_vpts = *pts;
    return 0;
}

int semio_writer_video_scaled(SemioWriter *w, const uint8_t *rgb, int width, int height,
                              int stride, double seconds, SemioError *err)
{
    AVCodecContext *c = w->venc;
    if (!c)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: was opened without video", w->path);
    if (width <= 0 || height <= 0)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a picture of %dx%d pixels", w->path,
                          width, height);
    int64_t pts;
    int r = next_pts(w, seconds, &pts, err);
    if (r < 0)
        return r;
    if (av_frame_make_writable(w->vframe) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (!w->sws || width != w->sws_width || height != w->sws_height) {
        sws_freeContext(w->sws);
        w->sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, c->width, c->height, c->pix_fmt,
                                SWS_BICUBIC, NULL, NULL, NULL);
        if (!w->sws)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        int full = c->color_range == AVCOL_RANGE_JPEG;
        sws_setColorspaceDetails(w->sws, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                 sws_getCoefficients(SWS_CS_ITU709), full, 0, 1 << 16, 1 << 16);
        w->sws_width = width;
        w->sws_height = height;
    }
    sws_scale(w->sws, &rgb, &stride, 0, height, w->vframe->data, w->vframe->linesize);
    w->vframe->pts = pts;
    w->have_picture = 1;
    return write_packets(w, c, w->vst, w->vframe, err);
}

int semio_writer_video_again(SemioWriter *w, double seconds, SemioError *err)
{
    if (!w->venc || !w->have_picture)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: no picture to repeat", w->path);
    int64_t pts;
    int r = next_pts(w, seconds, &pts, err);
    if (r < 0)
        return r;
    w->vframe->pts = pts;
    return write_packets(w, w->venc, w->vst, w->vframe, err);
}

int semio_writer_video(SemioWriter *w, const uint8_t *rgb, int stride, double seconds,
                       SemioError *err)
{
    if (!w->venc)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: was opened without video", w->path);
    return semio_writer_video_scaled(w, rgb, w->venc->width, w->venc->height, stride, seconds,
                                     err);
}

static int drain_fifo(SemioWriter *w, int final, SemioError *err)
{
    AVCodecContext *c = w->aenc;
    while (av_audio_fifo_size(w->fifo) >= c->frame_size ||
           (final && av_audio_fifo_size(w->fifo) > 0)) {
        int n = FFMIN(av_audio_fifo_size(w->fifo), c->frame_size);
        AVFrame *f = w->aframe;
        av_frame_unref(f);
        f->nb_samples = n;
        f->format = c->sample_fmt;
        f->sample_rate = c->sample_rate;
        av_channel_layout_copy(&f->ch_layout, &c->ch_layout);
        if (av_frame_get_buffer(f, 0) < 0)
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        av_audio_fifo_read(w->fifo, (void **)f->data, n);
        f->pts = w->audio_pts;
        w->audio_pts += n;
        int r = write_packets(w, c, w->ast, f, err);
        if (r < 0)
            return r;
    }
    return 0;
}

int semio_writer_audio(SemioWriter *w, const float *samples, int n, SemioError *err)
{
    if (!w->aenc)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: was opened without audio", w->path);
    uint8_t **planes = NULL;
    int ch = w->aenc->ch_layout.nb_channels;
    if (av_samples_alloc_array_and_samples(&planes, NULL, ch, n, w->aenc->sample_fmt, 0) < 0)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    const uint8_t *in[1] = { (const uint8_t *)samples };
    int got = swr_convert(w->swr, planes, n, in, n);
    int r = 0;
    if (got < 0 || av_audio_fifo_write(w->fifo, (void **)planes, got) < got)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "%s: cannot queue audio", w->path);
    av_freep(&planes[0]);
    av_freep(&planes);
    return r < 0 ? r : drain_fifo(w, 0, err);
}

int semio_writer_close(SemioWriter **pw, SemioError *err)
{
    SemioWriter *w = *pw;
    int r = 0;
    if (!w)
        return 0;
    if (w->fmt && w->fmt->pb) {
        if (w->aenc && r >= 0)
            r = drain_fifo(w, 1, err);
        if (w->venc && r >= 0)
            r = write_packets(w, w->venc, w->vst, NULL, err);
        if (w->aenc && r >= 0)
            r = write_packets(w, w->aenc, w->ast, NULL, err);
        int t = av_write_trailer(w->fmt);
        if (r >= 0 && t < 0)
            r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot finish: %s", w->path, SEMIO_AVERR(t));
        avio_closep(&w->fmt->pb);
    }
    avcodec_free_context(&w->venc);
    avcodec_free_context(&w->aenc);
    avformat_free_context(w->fmt);
    sws_freeContext(w->sws);
    swr_free(&w->swr);
    if (w->fifo)
        av_audio_fifo_free(w->fifo);
    av_frame_free(&w->vframe);
    av_frame_free(&w->aframe);
    av_packet_free(&w->pkt);
    free(w->path);
    free(w);
    *pw = NULL;
    return r;
}
