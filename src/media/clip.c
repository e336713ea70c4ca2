/*
 * Proxy clips (semio/clip.h): the sampler's exact frames of one window, laid on a constant
 * frame rate and encoded as H.264 in MP4 by the writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media/demux.h"
#include "semio/clip.h"
#include "semio/sampler.h"
#include "semio/writer.h"
#include "util/error.h"
#include "util/fs.h"

/* x264's preset: veryfast encodes a 480-line proxy several times faster than real time on
 * one core, and the slower presets' smaller files matter little for a short cached clip. */
#define CLIP_PRESET "veryfast"
#define CLIP_MAX_FPS 240.0

void semio_clip_default_settings(SemioClipSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->max_height = 480;
    s->crf = 26;
}

static int check_request(const char *src, double start, double end, const SemioClipSettings *s,
                         const char *out, SemioError *err)
{
    if (!src || !*src || !out || !*out)
        return semio_fail(err, SEMIO_ERR_INVALID, "clip: the source and output paths are needed");
    if (!isfinite(start) || !isfinite(end) || start < 0 || end <= start)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: window %g..%g s is empty or negative: "
                          "0 <= start < end is needed", src, start, end);
    if (!(s->fps >= 0 && s->fps <= CLIP_MAX_FPS))
        return semio_fail(err, SEMIO_ERR_INVALID, "clip setting fps %g is outside 0..%g (0: the "
                          "source's rate)", s->fps, CLIP_MAX_FPS);
    if (s->max_height < 0 || s->max_height == 1)
        return semio_fail(err, SEMIO_ERR_INVALID, "clip setting max_height %d: 2 or more, or 0 "
                          "for the native height", s->max_height);
    if (s->crf < 0 || s->crf > 51)
        return semio_fail(err, SEMIO_ERR_INVALID, "clip setting crf %d is outside 0..51", s->crf);
    return 0;
}

/* The stream's average frame rate from its header (0/1 if it has none). */
static int source_rate(const char *path, AVRational *rate, SemioError *err)
{
    AVFormatContext *fmt;
    int v, r = semio_demux_open(&fmt, &v, path, err);
    if (r < 0)
        return r;
    if (v < 0) {
        avformat_close_input(&fmt);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: has no video stream (audio-only?)", path);
    }
    const AVStream *st = fmt->streams[v];
    *rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate
          : st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0   ? st->r_frame_rate
                                                                   : (AVRational){ 0, 1 };
    avformat_close_input(&fmt);
    return 0;
}

/*
 * The clip's size for the sampler's upright w x h pictures: at most max_height lines, the
 * width in proportion rounded to an even number (as ffmpeg's scale=-2:H), and what of the
 * picture goes in (*in_w x *in_h): all of it when scaled, else all but an odd last column
 * or row, cut off rather than scaled by a pixel.
 */
static void clip_size(int w, int h, int max_height, int *cw, int *ch, int *in_w, int *in_h)
{
    if (max_height > 1 && h > max_height) {
        *ch = max_height & ~1;
        *cw = 2 * (int)lround((double)w * *ch / h / 2);
        *in_w = w;
        *in_h = h;
    } else {
        *cw = *in_w = w & ~1;
        *ch = *in_h = h & ~1;
    }
}

/* The clip's rate: asked for, else the source's divided down to 30 or less. */
static AVRational clip_rate(const SemioClipSettings *s, AVRational src_rate, double measured)
{
    if (s->fps > 0)
        return av_d2q(s->fps, 1000000);
    AVRational r = src_rate.num > 0 ? src_rate : av_d2q(measured > 0 ? measured : 30, 1000000);
    int n = (int)ceil(av_q2d(r) / 30.0 - 1e-9);
    return n > 1 ? av_div_q(r, (AVRational){ n, 1 }) : r;
}

static int takes_yuv420p(const AVCodec *c)
{
    if (!c->pix_fmts)
        return 1; /* it does not say */
    for (const enum AVPixelFormat *f = c->pix_fmts; *f != AV_PIX_FMT_NONE; f++)
        if (*f == AV_PIX_FMT_YUV420P)
            return 1;
    return 0;
}

/* The H.264 encoder: libx264 by name, else the first FFmpeg lists that takes yuv420p. */
static const AVCodec *h264_encoder(void)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    void *it = NULL;
    while (!c && (c = av_codec_iterate(&it)))
        if (!av_codec_is_encoder(c) || c->id != AV_CODEC_ID_H264 || !takes_yuv420p(c))
            c = NULL;
    return c;
}

/* One cut in progress: the plan, then the encoding as the sampler hands frames over. */
typedef struct Cut {
    const char *out;
    AVRational rate;
    int64_t frames;       /* clip frames */
    int64_t *source;      /* source[j]: the source frame clip frame j holds */
    int64_t *wanted;      /* the distinct source frames, increasing */
    size_t nwanted;
    SemioWriter *writer;
    int width, height;    /* encoded (even) */
    int in_w, in_h;       /* what of the sampler's picture is encoded (scaled to the above) */
    int64_t seen;         /* clip frames whose source frame the sampler has handed over */
    int64_t next;         /* the next clip frame to encode (< seen while none decoded yet) */
    int64_t missing;
    SemioError *err;
} Cut;

/* The clip frame source frame k lands in (see semio/clip.h). */
static int64_t landing(const SemioSampler *sm, int64_t k, double start, double rate)
{
    return (int64_t)floor((semio_sampler_frame_time(sm, k) - start + SEMIO_CLIP_SLACK) * rate);
}

/*
 * Which source frame each clip frame holds: the first that lands in it, else the last that
 * landed before (still on screen). So a clip at the source's own rate holds every frame of
 * the window once, and one at half of it every other frame, those shown at its frames' times.
 */
static int plan(Cut *c, const SemioSampler *sm, double start, SemioError *err)
{
    double r = av_q2d(c->rate);
    int64_t count = semio_sampler_frame_count(sm);
    c->source = malloc(sizeof(int64_t) * (size_t)c->frames);
    c->wanted = malloc(sizeof(int64_t) * (size_t)c->frames);
    if (!c->source || !c->wanted)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", c->out);
    /* m: the first frame landing at or after clip frame j. A frame before start - 2 * SLACK
     * lands before clip frame 0, and frame 0 (time 0 <= start) never after it. */
    int64_t m = semio_sampler_frame_at(sm, start - 2 * SEMIO_CLIP_SLACK) - 1;
    if (m < 0)
        m = 0;
    for (int64_t j = 0; j < c->frames; j++) {
        while (m < count && landing(sm, m, start, r) < j)
            m++;
        int64_t k = m < count && landing(sm, m, start, r) == j ? m : m - 1;
        c->source[j] = k;
        if (!c->nwanted || c->wanted[c->nwanted - 1] != k)
            c->wanted[c->nwanted++] = k;
    }
    return 0;
}

static double clip_time(const Cut *c, int64_t j)
{
    return (double)j * c->rate.den / c->rate.num;
}

/* Clip frames up to `upto`: the first from rgb (NULL: the last picture), the rest held. */
static int encode(Cut *c, const uint8_t *rgb, int stride, int64_t upto)
{
    for (; c->next < upto; c->next++, rgb = NULL) {
        int r = rgb ? semio_writer_video_scaled(c->writer, rgb, c->in_w, c->in_h, stride,
                                                clip_time(c, c->next), c->err)
                    : semio_writer_video_again(c->writer, clip_time(c, c->next), c->err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A source frame from the sampler: encoded for every clip frame that holds it. */
static int on_frame(void *user, const SemioFrame *f)
{
    Cut *c = user;
    int64_t from = c->seen;
    while (c->seen < c->frames && c->source[c->seen] <= f->index)
        c->seen++;
    if (f->error) {
        c->missing += c->seen - from;
        /* the picture before stands in; before any, the clip frames wait for the first */
        return c->next > 0 ? encode(c, NULL, 0, c->seen) : 0;
    }
    if (f->width < c->in_w || f->height < c->in_h)
        return semio_fail(c->err, SEMIO_ERR_DECODE, "%s: a frame of %dx%d pixels where the "
                          "recording's are %dx%d", c->out, f->width, f->height, c->in_w, c->in_h);
    return encode(c, f->rgb, f->stride, c->seen);
}

static int open_writer(Cut *c, const char *tmp, const AVCodec *codec, int crf, SemioError *err)
{
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = c->width;
    ws.height = c->height;
    ws.fps_num = c->rate.num;
    ws.fps_den = c->rate.den;
    ws.video_codec = codec->name;
    /* A keyframe every 2 s: a browser seeking in the clip decodes at most that much (a
     * few ms at 480 lines); every second made the clip a quarter larger, 250 frames (x264's
     * default) only a tenth smaller. */
    ws.gop = (int)fmax(1, round(2 * av_q2d(c->rate)));
    /* No B-frames: decode order is display order, so the MP4 needs no composition offsets
     * or edit list, which browsers have handled differently; on bench_clip's recording
     * B-frames saved neither time nor size. */
    ws.bframes = 0;
    ws.quality = crf;
    ws.preset = CLIP_PRESET;
    ws.audio_rate = 0;
    ws.container = "mp4";
    return semio_writer_open(&c->writer, tmp, &ws, err);
}

/* Encodes the planned cut into tmp. */
static int encode_cut(Cut *c, SemioSampler *sm, const char *tmp, const AVCodec *codec, int crf,
                      SemioError *err)
{
    int r = open_writer(c, tmp, codec, crf, err);
    if (r < 0)
        return r;
    c->err = err;
    r = semio_sampler_read(sm, c->wanted, c->nwanted, on_frame, c, err);
    if (r >= 0 && c->next == 0)
        r = semio_fail(err, SEMIO_ERR_DECODE, "%s: no frame of the window could be decoded",
                       c->out);
    int rc = semio_writer_close(&c->writer, r < 0 ? NULL : err);
    return r < 0 ? r : rc;
}

/* Creates the temporary file itself first, so an output folder it cannot write into is
 * reported with the clip's name and the system's reason, not the muxer's. */
static int create_temp(const char *out, const char *tmp, SemioError *err)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", out,
                          SEMIO_WRITE_ERR(errno, out));
    close(fd);
    return 0;
}

/* The window within the recording and its clip frame count; fills info's window. */
static int place_window(Cut *c, const SemioSampler *sm, const char *src, double *start,
                        double *end, SemioError *err)
{
    int64_t n = semio_sampler_frame_count(sm);
    double last = semio_sampler_frame_time(sm, n - 1);
    /* as semio_probe measures a recording: the last frame lasts a mean frame duration */
    double length = n > 1 ? last * (double)n / (double)(n - 1) : (double)c->rate.den / c->rate.num;
    if (*start >= length)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the window starts at %g s, where the "
                          "recording has ended (it lasts %.3f s)", src, *start, length);
    if (*end > length)
        *end = length;
    c->frames = llround((*end - *start) * av_q2d(c->rate));
    if (c->frames < 1)
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the window %g..%g s is shorter than half "
                          "a frame at %.3f fps", src, *start, *end, av_q2d(c->rate));
    return 0;
}

static void fill_info(SemioClipInfo *info, const Cut *c, double start, double end,
                      const AVCodec *codec)
{
    memset(info, 0, sizeof(*info));
    info->fps = av_q2d(c->rate);
    info->frames = c->frames;
    info->width = c->width;
    info->height = c->height;
    info->start = start;
    info->end = end;
    info->missing = c->missing;
    snprintf(info->encoder, sizeof(info->encoder), "%s", codec->name);
}

static int cut(const char *src, double start, double end, const SemioClipSettings *s,
               const char *out, SemioClipInfo *info, SemioError *err)
{
    AVRational src_rate = { 0, 1 };
    int r = source_rate(src, &src_rate, err);
    if (r < 0)
        return r;
    const AVCodec *codec = h264_encoder();
    if (!codec)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: this FFmpeg has no H.264 encoder "
                          "(libx264 is the one semio uses; Debian's libavcodec has it)", out);
    /* Native pictures: the writer scales them as it converts them to YUV, in one pass
     * that is several times cheaper than swscale's scaled conversion to RGB. */
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.max_pixels = 0;
    SemioSampler *sm;
    if ((r = semio_sampler_open(&sm, src, &ss, err)) < 0)
        return r;
    int64_t n = semio_sampler_frame_count(sm);
    double span = semio_sampler_frame_time(sm, n - 1);
    double measured = span > 0 ? (double)(n - 1) / span : 0; /* where the header has no rate */
    Cut c = { .out = out, .rate = clip_rate(s, src_rate, measured) };
    char tmp[4200];
    semio_temp_name(tmp, sizeof(tmp), out);
    int w, h;
    semio_sampler_output_size(sm, &w, &h);
    clip_size(w, h, s->max_height, &c.width, &c.height, &c.in_w, &c.in_h);
    if (c.width < 2 || c.height < 2)
        r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: frames of %dx%d pixels are too small for "
                       "an H.264 clip", src, w, h);
    if (r >= 0 && (r = place_window(&c, sm, src, &start, &end, err)) >= 0 &&
        (r = plan(&c, sm, start, err)) >= 0 && (r = create_temp(out, tmp, err)) >= 0) {
        r = encode_cut(&c, sm, tmp, codec, s->crf, err);
        if (r >= 0 && rename(tmp, out) != 0)
            r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot finish writing: %s", out,
                           SEMIO_WRITE_ERR(errno, out));
        if (r < 0)
            unlink(tmp);
    }
    if (r >= 0 && info)
        fill_info(info, &c, start, end, codec);
    semio_sampler_close(&sm);
    free(c.source);
    free(c.wanted);
    return r;
}

int semio_clip_write(const char *src, double start, double end, const SemioClipSettings *s,
                     const char *out, SemioClipInfo *info, SemioError *err)
{
    SemioClipSettings def;
    if (!s) {
        semio_clip_default_settings(&def);
        s = &def;
    }
    int r = check_request(src, start, end, s, out, err);
    return r < 0 ? r : cut(src, start, end, s, out, info, err);
}
