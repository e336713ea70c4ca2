/*
 * Proxy clips: cut from recordings whose frames carry their index, then decoded with plain
 * libavcodec, so each clip frame says which source frame it holds and when it is shown.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

#define MAX_CLIP_FRAMES 1024

/* A clip as a player sees it. */
typedef struct Clip {
    int64_t n;
    double pts[MAX_CLIP_FRAMES];    /* seconds */
    int64_t code[MAX_CLIP_FRAMES];  /* the source index drawn in the picture, -1 illegible */
    AVRational rate, time_base;
    int width, height, profile, pix_fmt, audio_streams;
    int64_t keyframes;
    int moov_first;                 /* the moov box comes before mdat */
} Clip;

/* The top-level box types of an MP4 in order: is moov before mdat? */
static int moov_before_mdat(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char b[8];
    long at = 0;
    int moov = -1, mdat = -1;
    for (int i = 0; f && i < 16 && fseek(f, at, SEEK_SET) == 0 && fread(b, 1, 8, f) == 8; i++) {
        long size = (long)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
        if (!memcmp(b + 4, "moov", 4))
            moov = i;
        if (!memcmp(b + 4, "mdat", 4))
            mdat = i;
        if (size < 8)
            break;
        at += size;
    }
    if (f)
        fclose(f);
    return moov >= 0 && mdat >= 0 && moov < mdat;
}

static void keep_frame(Clip *c, const AVFrame *f, struct SwsContext **sws, uint8_t *rgb,
                       AVRational tb)
{
    *sws = sws_getCachedContext(*sws, f->width, f->height, f->format, f->width, f->height,
                                AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
    uint8_t *dst[4] = { rgb };
    int stride[4] = { 3 * f->width };
    sws_scale(*sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);
    if (c->n < MAX_CLIP_FRAMES) {
        int64_t t = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
        c->pts[c->n] = (double)t * av_q2d(tb);
        c->code[c->n] = testvideo_read(rgb, f->width, f->height, stride[0]);
    }
    c->n++;
    c->keyframes += f->key_frame != 0;
}

/* Decodes every frame of the clip at `path`. */
static int read_clip(const char *path, Clip *c)
{
    memset(c, 0, sizeof(*c));
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0)
        return -1;
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        c->audio_streams += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    const AVStream *st = fmt->streams[v];
    c->rate = st->avg_frame_rate;
    c->time_base = st->time_base;
    c->width = st->codecpar->width;
    c->height = st->codecpar->height;
    c->profile = st->codecpar->profile;
    c->pix_fmt = st->codecpar->format;
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, st->codecpar);
    dec->pkt_timebase = st->time_base;
    avcodec_open2(dec, codec, NULL);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    uint8_t *rgb = malloc((size_t)c->width * c->height * 3 + 64);
    struct SwsContext *sws = NULL;
    for (int eof = 0; !eof;) {
        if (av_read_frame(fmt, pkt) < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else {
            if (pkt->stream_index == v)
                avcodec_send_packet(dec, pkt);
            av_packet_unref(pkt);
        }
        while (avcodec_receive_frame(dec, f) == 0) {
            keep_frame(c, f, &sws, rgb, st->time_base);
            av_frame_unref(f);
        }
    }
    sws_freeContext(sws);
    free(rgb);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    c->moov_first = moov_before_mdat(path);
    return 0;
}

/* The clip frame a player shows at `t` seconds: the last whose time is not after it. */
static int64_t shown_at(const Clip *c, double t)
{
    int64_t j = -1;
    for (int64_t i = 0; i < c->n && c->pts[i] <= t; i++)
        j = i;
    return j;
}

static void settings(SemioWriterSettings *s, int w, int h, int fps)
{
    semio_writer_default_settings(s);
    s->width = w;
    s->height = h;
    s->fps_num = fps;
    s->gop = fps;
    s->bframes = 2;
    s->preset = "ultrafast";
}

static const char *make(const char *name, const SemioWriterSettings *s, int64_t frames)
{
    const char *path = test_path(name);
    if (access(path, F_OK) != 0 && testvideo_make(path, s, frames) != 0)
        return NULL;
    return path;
}

static int64_t landing(double t, double start, double rate)
{
    return (int64_t)floor((t - start + SEMIO_CLIP_SLACK) * rate);
}

/*
 * Checks a clip of [start, ...) of a recording made with `ws` (frames `frames`) against the
 * rule, worked out here from the times the recording was made with: clip frame j holds the
 * first source frame landing in it, else the last one landed before; and seeking to
 * t_k - start + SLACK shows frame k wherever k is the first to land in its clip frame.
 */
static int check_frames(const Clip *c, const SemioClipInfo *info, const SemioWriterSettings *ws,
                        int64_t frames)
{
    double r = info->fps, start = info->start;
    int64_t bad = 0, seeks = 0;
    for (int64_t j = 0; j < c->n; j++) {
        int64_t want = -1;
        for (int64_t k = 0; k < frames; k++) {
            int64_t l = landing(testvideo_time(ws, k), start, r);
            if (l < j)
                want = k;
            else {
                if (l == j)
                    want = k;
                break;
            }
        }
        if (c->code[j] != want && bad++ < 5)
            printf("    clip frame %lld holds source frame %lld, not %lld\n", (long long)j,
                   (long long)c->code[j], (long long)want);
    }
    for (int64_t k = 0; k < frames; k++) {
        double t = testvideo_time(ws, k);
        int64_t l = landing(t, start, r);
        if (l < 0 || l >= c->n || (k > 0 && landing(testvideo_time(ws, k - 1), start, r) == l))
            continue;
        int64_t j = shown_at(c, t - start + SEMIO_CLIP_SLACK);
        seeks++;
        if ((j < 0 || c->code[j] != k) && bad++ < 5)
            printf("    at %.4f s the clip shows source frame %lld, not %lld\n",
                   t - start + SEMIO_CLIP_SLACK, j < 0 ? -1LL : (long long)c->code[j],
                   (long long)k);
    }
    if (seeks == 0)
        printf("    no source frame to seek to\n");
    return bad == 0 && seeks > 0 ? 0 : -1;
}

/* Constant rate R: pts j / R exactly (to the clip's time base), frames as the info says. */
static int check_cfr(const Clip *c, const SemioClipInfo *info)
{
    if (c->n != info->frames) {
        printf("    %lld frames decoded, the info says %lld\n", (long long)c->n,
               (long long)info->frames);
        return -1;
    }
    if (fabs(av_q2d(c->rate) - info->fps) > 1e-9) {
        printf("    stream rate %d/%d, clip rate %g\n", c->rate.num, c->rate.den, info->fps);
        return -1;
    }
    double tick = av_q2d(c->time_base);
    for (int64_t j = 0; j < c->n; j++)
        if (fabs(c->pts[j] - (double)j / info->fps) > tick / 2 + 1e-9) {
            printf("    frame %lld at %.6f s, not %.6f\n", (long long)j, c->pts[j],
                   (double)j / info->fps);
            return -1;
        }
    return 0;
}

/* Leftover temporary files ("*.tmpPID.TID") in dir. */
static int temps_in(const char *dir)
{
    char pattern[4400];
    snprintf(pattern, sizeof(pattern), "%s/*.tmp*", dir);
    glob_t g;
    int n = glob(pattern, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    globfree(&g);
    return n;
}

static const char *source_30fps(SemioWriterSettings *ws)
{
    settings(ws, 640, 360, 30);
    ws->audio_rate = 16000; /* the clip leaves it out */
    return make("cfr30.mp4", ws, 360);
}

static void cfr_clip_shows_each_frame_at_its_time(void)
{
    SemioWriterSettings ws;
    const char *src = source_30fps(&ws);
    CHECK(src);
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.max_height = 240;
    /* on the source's frames, and between them */
    static const double win[3][2] = { { 2.0, 6.0 }, { 3.31, 5.52 }, { 0.0, 1.0 } };
    for (int i = 0; i < 3; i++) {
        const char *out = test_path("cfr-window.mp4");
        SemioClipInfo info;
        SemioError err = { 0 };
        CHECK_OK(semio_clip_write(src, win[i][0], win[i][1], &cs, out, &info, &err), err);
        CHECK(info.fps == 30.0);
        CHECK_INT(info.frames, llround((win[i][1] - win[i][0]) * 30));
        CHECK(info.start == win[i][0] && info.end == win[i][1]);
        CHECK_INT(info.missing, 0);
        Clip c;
        CHECK_INT(read_clip(out, &c), 0);
        CHECK_INT(check_cfr(&c, &info), 0);
        CHECK_MSG(check_frames(&c, &info, &ws, 360) == 0, "window %g..%g", win[i][0], win[i][1]);
        CHECK_INT(c.width, 426);
        CHECK_INT(c.height, 240);
        CHECK_INT(info.width, 426);
        CHECK_INT(info.height, 240);
    }
}

static void clip_is_what_browsers_play(void)
{
    SemioWriterSettings ws;
    const char *src = source_30fps(&ws);
    CHECK(src);
    const char *out = test_path("browser.mp4");
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 1.0, 4.0, NULL, out, &info, &err), err);
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_STR(info.encoder, "libx264");
    CHECK(c.moov_first);
    CHECK_INT(c.pix_fmt, AV_PIX_FMT_YUV420P);
    CHECK_MSG(c.profile == FF_PROFILE_H264_HIGH || c.profile == FF_PROFILE_H264_MAIN,
              "H.264 profile %d", c.profile);
    CHECK_INT(c.audio_streams, 0);
    CHECK_INT(c.width % 2, 0);
    CHECK_INT(c.height, 360); /* 360 lines are within the default 480: never upscaled */
    CHECK_INT(c.keyframes, 2); /* one every 2 s */
}

static void vfr_source(void)
{
    SemioWriterSettings ws;
    settings(&ws, 320, 240, 30);
    ws.vfr = 1;
    const char *src = make("vfr.mkv", &ws, 240);
    CHECK(src);
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.fps = 30;
    const char *out = test_path("vfr-window.mp4");
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 1.5, 4.25, &cs, out, &info, &err), err);
    CHECK_INT(info.frames, llround(2.75 * 30));
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_INT(check_cfr(&c, &info), 0);
    CHECK_INT(check_frames(&c, &info, &ws, 240), 0);

    /* the source's own (average) rate */
    cs.fps = 0;
    CHECK_OK(semio_clip_write(src, 1.5, 4.25, &cs, out, &info, &err), err);
    CHECK_MSG(info.fps > 20 && info.fps <= 30, "fps %g", info.fps);
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_INT(check_cfr(&c, &info), 0);
    CHECK_INT(check_frames(&c, &info, &ws, 240), 0);
}

static void fast_source_keeps_every_other_frame(void)
{
    SemioWriterSettings ws;
    settings(&ws, 320, 240, 60);
    const char *src = make("cfr60.mp4", &ws, 300);
    CHECK(src);
    const char *out = test_path("halved.mp4");
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 1.0, 3.0, NULL, out, &info, &err), err);
    CHECK(info.fps == 30.0);
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_INT(check_cfr(&c, &info), 0);
    CHECK_INT(c.n, 60);
    for (int64_t j = 0; j < c.n; j++)
        CHECK_INT(c.code[j], 60 + 2 * j); /* each the frame shown at its time */
    CHECK_INT(check_frames(&c, &info, &ws, 300), 0);
}

static void rotated_source_is_upright(void)
{
    SemioWriterSettings ws;
    settings(&ws, 640, 360, 30);
    ws.rotation = 90;
    const char *src = make("rot90.mp4", &ws, 90);
    CHECK(src);
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.max_height = 400;
    const char *out = test_path("rot90-clip.mp4");
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 0.5, 2.5, &cs, out, &info, &err), err);
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_MSG(c.height <= 400 && c.height >= 398 && c.width < c.height && c.width % 2 == 0,
              "%dx%d", c.width, c.height);
    CHECK_INT(check_frames(&c, &info, &ws, 90), 0);
}

static void window_past_the_end_is_cut_there(void)
{
    SemioWriterSettings ws;
    const char *src = source_30fps(&ws); /* 12 s */
    CHECK(src);
    const char *out = test_path("end.mp4");
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.max_height = 120;
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 10.0, 15.0, &cs, out, &info, &err), err);
    CHECK_MSG(fabs(info.end - 12.0) < 1e-6, "end %.6f", info.end);
    CHECK_INT(info.frames, 60);
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_INT(c.n, 60);
    CHECK_INT(c.code[59], 359);

    CHECK(semio_clip_write(src, 12.0, 13.0, &cs, out, &info, &err) == SEMIO_ERR_INVALID);
    CHECK_MSG(strstr(err.message, src) && strstr(err.message, "ended"), "%s", err.message);
}

/* Cuts into `dir` made read-only, as a user it is read-only for: root writes anywhere, so
 * as root the cut runs in a child that has become nobody. Returns the cut's code. */
static int write_unwritable(const char *src, const char *dir, const char *out, char *why,
                            size_t size)
{
    if (geteuid() != 0) {
        SemioError err = { 0 };
        chmod(dir, 0555);
        int r = semio_clip_write(src, 0, 1, NULL, out, NULL, &err);
        chmod(dir, 0777);
        snprintf(why, size, "%s", err.message);
        return r;
    }
    int fd[2];
    if (chmod(test_dir(), 0755) != 0 || chmod(dir, 0755) != 0 || pipe(fd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        SemioError err = { 0 };
        int r = setgid(65534) == 0 && setuid(65534) == 0
                    ? semio_clip_write(src, 0, 1, NULL, out, NULL, &err) : 1;
        if (write(fd[1], err.message, strlen(err.message)) < 0)
            r = 1;
        _exit(-r);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], why, size - 1);
    why[n > 0 ? n : 0] = '\0';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    chmod(dir, 0777);
    chmod(test_dir(), 0700);
    return WIFEXITED(status) ? -WEXITSTATUS(status) : 1;
}

static void bad_requests_fail_clearly(void)
{
    SemioWriterSettings ws;
    const char *src = source_30fps(&ws);
    CHECK(src);
    const char *dir = test_path("bad");
    CHECK(mkdir(dir, 0777) == 0);
    char out[4200];
    snprintf(out, sizeof(out), "%s/clip.mp4", dir);
    SemioError err = { 0 };

    const char *missing = test_path("no-such-recording.mp4");
    CHECK(semio_clip_write(missing, 0, 1, NULL, out, NULL, &err) < 0);
    CHECK_MSG(strstr(err.message, missing), "%s", err.message);
    CHECK(semio_clip_write(src, 2, 2, NULL, out, NULL, &err) == SEMIO_ERR_INVALID);
    CHECK_MSG(strstr(err.message, src), "%s", err.message);
    CHECK(semio_clip_write(src, -1, 2, NULL, out, NULL, &err) == SEMIO_ERR_INVALID);
    CHECK(semio_clip_write(src, 1, NAN, NULL, out, NULL, &err) == SEMIO_ERR_INVALID);
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.crf = 60;
    CHECK(semio_clip_write(src, 0, 1, &cs, out, NULL, &err) == SEMIO_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "crf"), "%s", err.message);
    CHECK(access(out, F_OK) != 0);

    /* an output folder that is not there, and one that cannot be written to */
    char nowhere[4300];
    snprintf(nowhere, sizeof(nowhere), "%s/missing/clip.mp4", dir);
    CHECK(semio_clip_write(src, 0, 1, NULL, nowhere, NULL, &err) == SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, nowhere) && !strstr(err.message, ".tmp"), "%s", err.message);
    char under_file[4400];
    snprintf(under_file, sizeof(under_file), "%s/clip.mp4", src); /* a folder that is a file */
    CHECK(semio_clip_write(src, 0, 1, NULL, under_file, NULL, &err) == SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, under_file) && strstr(err.message, "Not a directory"), "%s",
              err.message);
    char why[1024] = "";
    CHECK_INT(write_unwritable(src, dir, out, why, sizeof(why)), SEMIO_ERR_IO);
    CHECK_MSG(strstr(why, out) && strstr(why, "ermission denied"), "%s", why);
    CHECK_INT(temps_in(dir), 0);
    CHECK(access(out, F_OK) != 0);
}

static void failure_mid_cut_leaves_nothing(void)
{
    /* the output path is a folder: everything works up to the rename into place */
    SemioWriterSettings ws;
    const char *src = source_30fps(&ws);
    CHECK(src);
    const char *dir = test_path("mid");
    char out[4200], inside[4300];
    snprintf(out, sizeof(out), "%s/clip.mp4", dir);
    snprintf(inside, sizeof(inside), "%s/keep", out);
    CHECK(mkdir(dir, 0777) == 0 && mkdir(out, 0777) == 0 && mkdir(inside, 0777) == 0);
    SemioError err = { 0 };
    CHECK(semio_clip_write(src, 0.5, 1.5, NULL, out, NULL, &err) == SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, out) && !strstr(err.message, ".tmp"), "%s", err.message);
    CHECK_INT(temps_in(dir), 0);
}

static void damaged_frames_repeat_the_one_before(void)
{
    /* cut short: the last frames the index holds do not decode */
    SemioWriterSettings ws;
    settings(&ws, 320, 240, 30);
    const char *whole = make("whole.mp4", &ws, 300);
    CHECK(whole);
    const char *src = test_path("truncated.mp4");
    struct stat st;
    CHECK(stat(whole, &st) == 0);
    char cmd[8500];
    snprintf(cmd, sizeof(cmd), "head -c %lld '%s' > '%s'", (long long)st.st_size * 55 / 100,
             whole, src);
    CHECK(system(cmd) == 0);
    const char *out = test_path("truncated-clip.mp4");
    SemioClipInfo info;
    SemioError err = { 0 };
    CHECK_OK(semio_clip_write(src, 3.0, 10.0, NULL, out, &info, &err), err);
    CHECK_MSG(info.missing >= 1 && info.end < 10.0, "missing %lld, end %g",
              (long long)info.missing, info.end);
    Clip c;
    CHECK_INT(read_clip(out, &c), 0);
    CHECK_INT(c.n, info.frames);
    int64_t repeats = 0;
    for (int64_t j = 0; j < c.n; j++) {
        CHECK_MSG(c.code[j] >= 90 && (j == 0 || c.code[j] >= c.code[j - 1]),
                  "clip frame %lld holds %lld", (long long)j, (long long)c.code[j]);
        repeats += j > 0 && c.code[j] == c.code[j - 1];
    }
    /* a missing frame repeats the one before (so do clip frames in the gap the frames left
     * out by the cut leave: the index keeps a frame shown after them) */
    CHECK_MSG(repeats >= info.missing, "%lld repeats", (long long)repeats);
    CHECK_INT(c.code[c.n - 1], c.code[c.n - 2]);
}

static void cache_reuses_its_clip(void)
{
    SemioWriterSettings ws;
    settings(&ws, 320, 240, 30);
    const char *src = make("cached-src.mp4", &ws, 150);
    CHECK(src);
    const char *cache = test_path("cache");
    SemioError err = { 0 };
    char *a = NULL, *b = NULL, *other = NULL;
    CHECK_OK(semio_clip_cached(cache, src, 1.0, 3.0, NULL, &a, &err), err);
    struct stat s1, s2;
    CHECK(stat(a, &s1) == 0);
    CHECK_MSG(strstr(a, "/clips/cached-src-") && strstr(a, ".mp4"), "%s", a);
    sleep(1); /* a remade clip would have a later time */
    CHECK_OK(semio_clip_cached(cache, src, 1.0, 3.0, NULL, &b, &err), err);
    CHECK_STR(a, b);
    CHECK(stat(b, &s2) == 0);
    CHECK(s1.st_ino == s2.st_ino && s1.st_mtim.tv_sec == s2.st_mtim.tv_sec &&
          s1.st_mtim.tv_nsec == s2.st_mtim.tv_nsec);

    /* another window, other settings: other clips */
    CHECK_OK(semio_clip_cached(cache, src, 1.0, 3.5, NULL, &other, &err), err);
    CHECK(strcmp(other, a) != 0);
    semio_free(other);
    SemioClipSettings cs;
    semio_clip_default_settings(&cs);
    cs.crf = 30;
    CHECK_OK(semio_clip_cached(cache, src, 1.0, 3.0, &cs, &other, &err), err);
    CHECK(strcmp(other, a) != 0);
    semio_free(other);

    /* the recording changes: a new clip of the new content */
    SemioWriterSettings ws2 = ws;
    ws2.fps_num = 15;
    CHECK(testvideo_make(src, &ws2, 75) == 0);
    CHECK_OK(semio_clip_cached(cache, src, 1.0, 3.0, NULL, &other, &err), err);
    CHECK(strcmp(other, a) != 0);
    Clip c;
    CHECK_INT(read_clip(other, &c), 0);
    CHECK_INT(c.n, 30);
    CHECK_INT(c.code[0], 15);
    semio_free(other);
    semio_free(a);
    semio_free(b);

    CHECK(semio_clip_cached(cache, test_path("absent.mp4"), 0, 1, NULL, &a, &err) < 0);
    CHECK(a == NULL);
    CHECK_MSG(strstr(err.message, "absent.mp4"), "%s", err.message);
}

static void two_processes_make_one_clip(void)
{
    SemioWriterSettings ws;
    settings(&ws, 640, 360, 30);
    const char *src = make("shared.mp4", &ws, 300);
    CHECK(src);
    const char *cache = test_path("shared-cache");
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        CHECK(pid[i] >= 0);
        if (pid[i] == 0) {
            SemioError err = { 0 };
            char *path = NULL;
            int r = semio_clip_cached(cache, src, 0.0, 8.0, NULL, &path, &err);
            if (r < 0)
                fprintf(stderr, "    child %d: %s\n", i, err.message);
            _exit(r < 0 ? 1 : 0);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;
        CHECK(waitpid(pid[i], &status, 0) == pid[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    SemioError err = { 0 };
    char *path = NULL;
    CHECK_OK(semio_clip_cached(cache, src, 0.0, 8.0, NULL, &path, &err), err);
    Clip c;
    int r = read_clip(path, &c);
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/clips", cache);
    semio_free(path);
    CHECK_INT(r, 0);
    CHECK_INT(c.n, 240);
    CHECK_INT(c.code[239], 239);
    CHECK_INT(temps_in(dir), 0);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(cfr_clip_shows_each_frame_at_its_time),
        TEST(clip_is_what_browsers_play),
        TEST(vfr_source),
        TEST(fast_source_keeps_every_other_frame),
        TEST(rotated_source_is_upright),
        TEST(window_past_the_end_is_cut_there),
        TEST(bad_requests_fail_clearly),
        TEST(failure_mid_cut_leaves_nothing),
        TEST(damaged_frames_repeat_the_one_before),
        TEST(cache_reuses_its_clip),
        TEST(two_processes_make_one_clip),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
