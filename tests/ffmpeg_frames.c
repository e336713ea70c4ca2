/* The frames of a file as ffmpeg numbers them, hashed as the sampler's RGB pictures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/md5.h>
#include <libswscale/swscale.h>

#include "ffmpeg_frames.h"

void ffmpeg_frames_md5(const uint8_t *rgb, int width, int height, int stride, uint8_t md5[16])
{
    struct AVMD5 *ctx = av_md5_alloc();
    if (!ctx) {
        memset(md5, 0, 16);
        return;
    }
    av_md5_init(ctx);
    for (int y = 0; y < height; y++)
        av_md5_update(ctx, rgb + (size_t)y * stride, (size_t)width * 3);
    av_md5_final(ctx, md5);
    av_free(ctx);
}

/* The decode loop's state: one picture converted at a time, as src/media/sampler.c does. */
typedef struct Decode {
    AVCodecContext *dec;
    AVFrame *frame;
    struct SwsContext *sws;
    uint8_t *rgb;
    int width, height;
    FfmpegFrames *ff;
    int64_t cap;
} Decode;

/* The same conversion as the sampler's deliver(): the sampler's promise is exact frames,
 * so its picture of frame k must be this picture bit for bit. */
static int hash_frame(Decode *d)
{
    const AVFrame *f = d->frame;
    d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format, d->width, d->height,
                                  AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
    if (!d->sws)
        return -1;
    int cs = f->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709
           : f->colorspace == AVCOL_SPC_UNSPECIFIED && f->height >= 720 ? SWS_CS_ITU709
           : f->colorspace == AVCOL_SPC_BT2020_NCL ? SWS_CS_BT2020
           : SWS_CS_ITU601;
    int full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
               f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P;
    sws_setColorspaceDetails(d->sws, sws_getCoefficients(cs), full,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    uint8_t *dst[4] = { d->rgb };
    int stride[4] = { 3 * d->width };
    sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);

    FfmpegFrames *ff = d->ff;
    if (ff->count == d->cap) {
        int64_t cap = d->cap ? 2 * d->cap : 1024;
        void *p = realloc(ff->md5, (size_t)cap * sizeof(*ff->md5));
        if (!p)
            return -1;
        ff->md5 = p;
        d->cap = cap;
    }
    ffmpeg_frames_md5(d->rgb, d->width, d->height, stride[0], ff->md5[ff->count++]);
    return 0;
}

/* Takes every picture the decoder has ready. */
static int drain(Decode *d)
{
    for (;;) {
        int r = avcodec_receive_frame(d->dec, d->frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            continue; /* ffmpeg goes on after a damaged picture */
        r = hash_frame(d);
        av_frame_unref(d->frame);
        if (r < 0)
            return -1;
    }
}

int ffmpeg_frames_decode(const char *path, int width, int height, FfmpegFrames *ff, char *why,
                         size_t why_size)
{
    memset(ff, 0, sizeof(*ff));
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    Decode d = { .width = width, .height = height, .ff = ff, .frame = av_frame_alloc() };
    /* swscale may write a little past the last row */
    d.rgb = malloc((size_t)width * (size_t)height * 3 + 64);
    int ret = -1;
    if (!pkt || !d.frame || !d.rgb) {
        snprintf(why, why_size, "out of memory");
        goto done;
    }
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 ||
        avformat_find_stream_info(fmt, NULL) < 0) {
        snprintf(why, why_size, "libavformat cannot open it");
        goto done;
    }
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    const AVCodec *codec = v >= 0 ? avcodec_find_decoder(fmt->streams[v]->codecpar->codec_id)
                                  : NULL;
    if (!codec || !(d.dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(d.dec, fmt->streams[v]->codecpar) < 0) {
        snprintf(why, why_size, "no video stream libavcodec decodes");
        goto done;
    }
    d.dec->thread_count = 1;
    d.dec->pkt_timebase = fmt->streams[v]->time_base;
    if (avcodec_open2(d.dec, codec, NULL) < 0) {
        snprintf(why, why_size, "the %s decoder does not open", codec->name);
        goto done;
    }
    while (av_read_frame(fmt, pkt) >= 0) {
        int r = pkt->stream_index == v ? avcodec_send_packet(d.dec, pkt) : 0;
        av_packet_unref(pkt);
        if (r < 0 && r != AVERROR_INVALIDDATA) {
            snprintf(why, why_size, "the decoder refused a packet");
            goto done;
        }
        if (drain(&d) < 0) {
            snprintf(why, why_size, "out of memory");
            goto done;
        }
    }
    avcodec_send_packet(d.dec, NULL);
    if (drain(&d) < 0) {
        snprintf(why, why_size, "out of memory");
        goto done;
    }
    ret = 0;
done:
    if (ret < 0)
        ffmpeg_frames_free(ff);
    sws_freeContext(d.sws);
    free(d.rgb);
    av_frame_free(&d.frame);
    avcodec_free_context(&d.dec);
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return ret;
}

void ffmpeg_frames_free(FfmpegFrames *ff)
{
    free(ff->md5);
    memset(ff, 0, sizeof(*ff));
}

int64_t ffmpeg_frames_find(const FfmpegFrames *ff, const uint8_t md5[16], int64_t near)
{
    for (int64_t d = 0; d < ff->count; d++) {
        if (near - d >= 0 && near - d < ff->count && !memcmp(ff->md5[near - d], md5, 16))
            return near - d;
        if (d && near + d < ff->count && !memcmp(ff->md5[near + d], md5, 16))
            return near + d;
    }
    return -1;
}
