/* Audio: extraction with libavcodec/libswresample, WAV through libavformat, SpeexDSP. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "media/demux.h"
#include "semio/audio.h"
#include "semio_config.h"
#include "util/error.h"
#include "util/fs.h"

#if SEMIO_HAVE_DENOISE
#include <speex/speex_preprocess.h>
#endif

void semio_audio_free(SemioAudio *a)
{
    free(a->samples);
    memset(a, 0, sizeof(*a));
}

static int append(SemioAudio *a, size_t *cap, const float *s, size_t n)
{
    if (a->n + n > *cap) {
        size_t c = *cap ? *cap : 1 << 16;
        while (c < a->n + n)
            c *= 2;
        float *p = realloc(a->samples, c * sizeof(float));
        if (!p)
            return -1;
        a->samples = p;
        *cap = c;
    }
    memcpy(a->samples + a->n, s, n * sizeof(float));
    a->n += n;
    return 0;
}

int semio_audio_extract(const char *path, double start_s, double end_s, int rate,
                        SemioAudio *out, SemioError *err)
{
    memset(out, 0, sizeof(*out));
    out->rate = rate;
    AVFormatContext *fmt = NULL;
    int video, r = semio_demux_open(&fmt, &video, path, err);
    if (r < 0)
        return r;
    AVCodecContext *dec = NULL;
    SwrContext *swr = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    float *buf = NULL;
    size_t cap = 0;
    int a = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (a < 0) {
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: has no audio stream", path);
        goto done;
    }
    AVStream *st = fmt->streams[a];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec || !(dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(dec, st->codecpar) < 0 ||
        avcodec_open2(dec, codec, NULL) < 0) {
        r = semio_fail(err, SEMIO_ERR_DECODE, "%s: cannot decode its %s audio", path,
                       avcodec_get_name(st->codecpar->codec_id));
        goto done;
    }
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    if (swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, rate, &dec->ch_layout,
                            dec->sample_fmt, dec->sample_rate, 0, NULL) < 0 || swr_init(swr) < 0) {
        r = semio_fail(err, SEMIO_ERR_DECODE, "%s: cannot resample its audio", path);
        goto done;
    }
    /* Times are on the video's timeline when there is video: 0 = its first frame. */
    double origin = 0;
    if (video >= 0 && fmt->streams[video]->start_time != AV_NOPTS_VALUE)
        origin = fmt->streams[video]->start_time * av_q2d(fmt->streams[video]->time_base);
    double first_t = NAN; /* time of the first sample produced */
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != a)
            fmt->streams[i]->discard = AVDISCARD_ALL;
    if (start_s > 1.0)
        av_seek_frame(fmt, a, (int64_t)((start_s + origin - 1.0) / av_q2d(st->time_base)),
                      AVSEEK_FLAG_BACKWARD);
    int eof = 0;
    while (!eof) {
        int got = av_read_frame(fmt, pkt);
        if (got < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else {
            if (pkt->stream_index == a)
                avcodec_send_packet(dec, pkt); /* a damaged packet is skipped */
            av_packet_unref(pkt);
        }
        while (avcodec_receive_frame(dec, frame) == 0) {
            if (isnan(first_t)) {
                int64_t ts = frame->best_effort_timestamp;
                first_t = ts != AV_NOPTS_VALUE ? ts * av_q2d(st->time_base) - origin : 0;
            }
            int max = swr_get_out_samples(swr, frame->nb_samples);
            float *nb = realloc(buf, (size_t)(max > 0 ? max : 1) * sizeof(float));
            if (!nb) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                goto done;
            }
            buf = nb;
            uint8_t *o[1] = { (uint8_t *)buf };
            int n = swr_convert(swr, o, max, (const uint8_t **)frame->extended_data,
                                frame->nb_samples);
            av_frame_unref(frame);
            if (n > 0 && append(out, &cap, buf, (size_t)n) < 0) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                goto done;
            }
            if (end_s >= 0 && first_t + (double)out->n / rate >= end_s)
                eof = 1;
        }
    }
    if (isnan(first_t))
        first_t = 0;
    /* Trim to [start_s, end_s): samples before the start came with the seek. */
    size_t skip = start_s > first_t ? (size_t)llround((start_s - first_t) * rate) : 0;
    size_t keep = out->n > skip ? out->n - skip : 0;
    if (end_s >= 0) {
        size_t want = (size_t)llround((end_s - (start_s > first_t ? start_s : first_t)) * rate);
        keep = keep < want ? keep : want;
    }
    if (skip && keep)
        memmove(out->samples, out->samples + skip, keep * sizeof(float));
    out->n = keep;
    if (keep == 0)
        r = semio_fail(err, SEMIO_ERR_DECODE, "%s: no audio between %.2f s and %.2f s", path,
                       start_s, end_s);
done:
    free(buf);
    swr_free(&swr);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    if (r < 0)
        semio_audio_free(out);
    return r;
}

#if SEMIO_HAVE_DENOISE
int semio_audio_denoise(SemioAudio *a, int suppress_db, SemioError *err)
{
    int frame = a->rate / 50; /* 20 ms */
    SpeexPreprocessState *st = speex_preprocess_state_init(frame, a->rate);
    if (!st)
        return semio_fail(err, SEMIO_ERR_NOMEM, "cannot start the SpeexDSP denoiser");
    int on = 1, off = 0;
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &suppress_db);
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_AGC, &off); /* keep levels comparable */
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
    spx_int16_t *pcm = malloc((size_t)frame * sizeof(spx_int16_t));
    if (!pcm) {
        speex_preprocess_state_destroy(st);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    /* The preprocessor's output lags its input by one frame (measured: 320 samples at
     * 16 kHz): frame k of output belongs at frame k - 1. One extra frame of silence
     * flushes the last one out. */
    for (size_t at = 0; at < a->n + (size_t)frame; at += (size_t)frame) {
        for (size_t i = 0; i < (size_t)frame; i++) {
            float v = at + i < a->n ? a->samples[at + i] * 32767.0f : 0;
            pcm[i] = (spx_int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
        speex_preprocess_run(st, pcm);
        if (at == 0)
            continue;
        size_t to = at - (size_t)frame;
        for (size_t i = 0; i < (size_t)frame && to + i < a->n; i++)
            a->samples[to + i] = pcm[i] / 32768.0f;
    }
    free(pcm);
    speex_preprocess_state_destroy(st);
    return 0;
}
#else
int semio_audio_denoise(SemioAudio *a, int suppress_db, SemioError *err)
{
    return semio_fail_not_built(err, "denoise");
}
#endif

/* FFmpeg's error writing `path`; a full disk says which folder's device is full. */
static int write_failed(SemioError *err, const char *path, int averr)
{
    int e = AVUNERROR(averr);
    return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", path,
                      e == ENOSPC || e == EDQUOT ? SEMIO_WRITE_ERR(e, path) : SEMIO_AVERR(averr));
}

int semio_wav_write(const char *path, const SemioAudio *a, SemioError *err)
{
    char tmp[4200];
    semio_temp_name(tmp, sizeof(tmp), path);
    AVFormatContext *fmt = NULL;
    int r = avformat_alloc_output_context2(&fmt, NULL, "wav", tmp);
    AVStream *st = r >= 0 ? avformat_new_stream(fmt, NULL) : NULL;
    if (!st) {
        avformat_free_context(fmt);
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: cannot set up the WAV muxer", path);
    }
    st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
    st->codecpar->codec_id = AV_CODEC_ID_PCM_S16LE;
    st->codecpar->sample_rate = a->rate;
    st->codecpar->ch_layout = (AVChannelLayout)AV_CHANNEL_LAYOUT_MONO;
    st->codecpar->bits_per_coded_sample = 16;
    st->codecpar->block_align = 2;
    st->time_base = (AVRational){ 1, a->rate };
    AVPacket *pkt = av_packet_alloc();
    if (!pkt || (r = avio_open(&fmt->pb, tmp, AVIO_FLAG_WRITE)) < 0 ||
        (r = avformat_write_header(fmt, NULL)) < 0) {
        r = write_failed(err, path, r);
        goto done;
    }
    for (size_t at = 0; at < a->n && r >= 0; at += 4096) {
        size_t n = a->n - at < 4096 ? a->n - at : 4096;
        if ((r = av_new_packet(pkt, (int)(2 * n))) < 0)
            break;
        for (size_t i = 0; i < n; i++) {
            float v = a->samples[at + i] * 32767.0f;
            int16_t s = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrintf(v));
            pkt->data[2 * i] = (uint8_t)(s & 0xff);
            pkt->data[2 * i + 1] = (uint8_t)((uint16_t)s >> 8);
        }
        pkt->pts = pkt->dts = (int64_t)at;
        pkt->duration = (int64_t)n;
        r = av_write_frame(fmt, pkt);
        av_packet_unref(pkt);
    }
    if (r >= 0)
        r = av_write_trailer(fmt);
    if (r < 0)
        r = write_failed(err, path, r);
done:
    if (fmt->pb)
        avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    av_packet_free(&pkt);
    if (r >= 0 && rename(tmp, path) != 0)
        r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot finish writing: %s", path,
                       SEMIO_WRITE_ERR(errno, path));
    if (r < 0)
        unlink(tmp);
    return r < 0 ? r : 0;
}

double semio_segmental_snr(const float *clean, const float *test, size_t n, int rate)
{
    size_t frame = (size_t)rate / 50;
    double sum = 0;
    int frames = 0;
    for (size_t at = 0; at + frame <= n; at += frame) {
        double sig = 0, noise = 0;
        for (size_t i = at; i < at + frame; i++) {
            sig += (double)clean[i] * clean[i];
            double d = (double)clean[i] - test[i];
            noise += d * d;
        }
        if (sig < 1e-6 * (double)frame) /* silence in the reference */
            continue;
        double snr = 10 * log10(sig / (noise + 1e-12));
        sum += snr < -10 ? -10 : snr > 35 ? 35 : snr;
        frames++;
    }
    return frames ? sum / frames : NAN;
}
