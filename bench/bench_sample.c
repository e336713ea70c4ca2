/*
 * Frame sampling benchmark: 60 frames from a 3-minute 1080p30 H.264 recording with AAC
 * (GOP 60, B-frames), against the peers measured in the same run:
 *   - decoding every frame with FFmpeg (2 threads) and keeping the 60 (the pilot's loader),
 *   - the same, converting every frame to RGB as the pilot's loader did,
 *   - OpenCV VideoCapture seeking with CAP_PROP_POS_FRAMES (bench/opencv_seek.py),
 *   - the minimal decode work the GOP's reference structure forces.
 * Every contender runs in its own child process so peak RSS is its own.
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "semio/semio.h"
#include "testvideo.h"

#define NFRAMES 5400
#define NPICK 60

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct Result {
    double seconds;
    long long decoded;
    int exact;     /* frames whose drawn index matched */
    long maxrss_kb;
} Result;

/* Runs fn in a child; the child writes its Result into a pipe. */
static Result in_child(void (*fn)(const char *, const int64_t *, Result *), const char *path,
                       const int64_t *idx)
{
    int fd[2];
    Result r = { 0 };
    if (pipe(fd))
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        fn(path, idx, &r);
        if (write(fd[1], &r, sizeof(r)) != sizeof(r))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (read(fd[0], &r, sizeof(r)) != sizeof(r))
        fprintf(stderr, "bench: a contender failed\n");
    close(fd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    r.maxrss_kb = ru.ru_maxrss;
    return r;
}

static int count_exact(void *user, const SemioFrame *f)
{
    Result *r = user;
    if (!f->error && testvideo_read(f->rgb, f->width, f->height, f->stride) == f->index)
        r->exact++;
    return 0;
}

static void run_semio(const char *path, const int64_t *idx, Result *r)
{
    SemioSamplerSettings s;
    semio_sampler_default_settings(&s);
    s.threads = 2;
    SemioSampler *sm;
    SemioError err = { 0 };
    double t0 = now();
    if (semio_sampler_open(&sm, path, &s, &err) < 0 ||
        semio_sampler_read(sm, idx, NPICK, count_exact, r, &err) < 0) {
        fprintf(stderr, "semio: %s\n", err.message);
        exit(1);
    }
    r->seconds = now() - t0;
    SemioSamplerStats st;
    semio_sampler_stats(sm, &st);
    r->decoded = st.frames_decoded;
    semio_sampler_close(&sm);
}

/* The peer: decode every frame in order with 2 threads; convert the 60 (or all). */
static void decode_all(const char *path, const int64_t *idx, Result *r, int convert_all)
{
    AVFormatContext *fmt = NULL;
    double t0 = now();
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0)
        exit(1);
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    const AVCodec *codec = avcodec_find_decoder(fmt->streams[v]->codecpar->codec_id);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[v]->codecpar);
    dec->thread_count = 2;
    dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    avcodec_open2(dec, codec, NULL);
    int ow, oh;
    semio_fit_pixels(dec->width, dec->height, 602112, &ow, &oh);
    struct SwsContext *sws = sws_getContext(dec->width, dec->height, dec->pix_fmt, ow, oh,
                                            AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
    uint8_t *rgb = malloc((size_t)ow * oh * 3 + 64); /* swscale writes past the end */
    int stride = 3 * ow;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int64_t k = 0;
    int next = 0, eof = 0;
    while (!eof || avcodec_receive_frame(dec, f) == 0) {
        if (!eof) {
            int rr = av_read_frame(fmt, pkt);
            if (rr < 0) {
                eof = 1;
                avcodec_send_packet(dec, NULL);
            } else {
                if (pkt->stream_index == v)
                    avcodec_send_packet(dec, pkt);
                av_packet_unref(pkt);
            }
        }
        while (avcodec_receive_frame(dec, f) == 0) {
            int want = next < NPICK && idx[next] == k;
            if (want || convert_all)
                sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, &rgb,
                          &stride);
            if (want) {
                r->exact += testvideo_read(rgb, ow, oh, stride) == k;
                next++;
            }
            k++;
            av_frame_unref(f);
        }
    }
    r->seconds = now() - t0;
    r->decoded = k;
    free(rgb);
    sws_freeContext(sws);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
}

static void run_decode_all(const char *path, const int64_t *idx, Result *r)
{
    decode_all(path, idx, r, 0);
}

static void run_decode_all_convert(const char *path, const int64_t *idx, Result *r)
{
    decode_all(path, idx, r, 1);
}

/* H.264 nal_ref_idc of a length-prefixed (MP4) packet's first picture slice. */
static int is_reference(const AVPacket *pkt, int len_size)
{
    const uint8_t *p = pkt->data, *end = pkt->data + pkt->size;
    while (p + len_size < end) {
        uint32_t n = 0;
        for (int i = 0; i < len_size; i++)
            n = (n << 8) | p[i];
        p += len_size;
        if (n == 0 || p + n > end)
            break;
        int type = p[0] & 0x1f;
        if (type == 1 || type == 5)
            return (p[0] >> 5) & 3;
        p += n;
    }
    return 1;
}

/*
 * The least decoding the reference structure allows: for each target, the reference
 * pictures from its GOP's keyframe up to it in decode order, plus the target itself.
 */
static long long minimal_work(const char *path, const int64_t *idx)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0)
        return -1;
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    const uint8_t *ex = fmt->streams[v]->codecpar->extradata;
    int len_size = ex && fmt->streams[v]->codecpar->extradata_size > 4 ? (ex[4] & 3) + 1 : 4;
    int64_t *pts = malloc(sizeof(int64_t) * NFRAMES * 2), n = 0;
    int *ref = malloc(sizeof(int) * NFRAMES * 2), *key = malloc(sizeof(int) * NFRAMES * 2);
    AVPacket *pkt = av_packet_alloc();
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == v && n < NFRAMES * 2) {
            pts[n] = pkt->pts;
            ref[n] = is_reference(pkt, len_size) != 0;
            key[n] = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
            n++;
        }
        av_packet_unref(pkt);
    }
    /* presentation rank of each decode-order packet */
    int64_t *sorted = malloc(sizeof(int64_t) * (size_t)n);
    memcpy(sorted, pts, sizeof(int64_t) * (size_t)n);
    for (int64_t i = 1; i < n; i++)
        for (int64_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int64_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    char *need = calloc((size_t)n, 1);
    for (int t = 0; t < NPICK; t++) {
        int64_t d = 0;
        while (d < n && pts[d] != sorted[idx[t]])
            d++;
        int64_t k = d;
        while (k > 0 && !key[k])
            k--;
        for (int64_t i = k; i < d; i++)
            if (ref[i])
                need[i] = 1;
        need[d] = 1;
    }
    long long total = 0;
    for (int64_t i = 0; i < n; i++)
        total += need[i];
    free(pts);
    free(ref);
    free(key);
    free(sorted);
    free(need);
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return total;
}

static int run_opencv(const char *path, const char *script, Result *r)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' %d %d", script, path, NFRAMES, NPICK);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    double secs = 0;
    int exact = 0;
    long rss = 0;
    int got = fscanf(p, "%lf %d %ld", &secs, &exact, &rss);
    int status = pclose(p);
    if (got != 3 || status != 0)
        return -1;
    r->seconds = secs;
    r->exact = exact;
    r->maxrss_kb = rss;
    return 0;
}

static int make_recording(const char *path, int adaptive)
{
    if (access(path, F_OK) == 0)
        return 0;
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = 1920;
    s.height = 1080;
    s.gop = 60;
    s.bframes = 3;
    s.bframes_adaptive = adaptive;
    s.preset = "veryfast";
    s.audio_rate = 44100;
    fprintf(stderr, "bench: encoding a 3-minute 1080p30 recording (once) to %s\n", path);
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.part.mp4", path);
    if (testvideo_make_scene(tmp, &s, NFRAMES) != 0)
        return -1;
    return rename(tmp, path);
}

static Result best_of(int runs, void (*fn)(const char *, const int64_t *, Result *),
                      const char *path, const int64_t *idx)
{
    Result best = { 0 };
    for (int i = 0; i < runs; i++) {
        Result r = in_child(fn, path, idx);
        if (i == 0 || r.seconds < best.seconds) {
            long rss = best.maxrss_kb > r.maxrss_kb ? best.maxrss_kb : r.maxrss_kb;
            best = r;
            best.maxrss_kb = rss;
        }
    }
    return best;
}

/* Runs every contender on one recording and prints the table and ratios. */
static int bench_one(const char *path, const char *structure, const char *script, int runs)
{
    int64_t idx[NPICK];
    semio_pick_uniform(0, NFRAMES - 1, NPICK, idx);
    Result semio = best_of(runs, run_semio, path, idx);
    Result all = best_of(runs, run_decode_all, path, idx);
    Result conv = best_of(runs, run_decode_all_convert, path, idx);
    Result cv = { 0 };
    int have_cv = 0;
    for (int i = 0; i < runs; i++) {
        Result r;
        if (run_opencv(path, script, &r) == 0 && (!have_cv || r.seconds < cv.seconds)) {
            cv = r;
            have_cv = 1;
        }
    }
    long long minimal = minimal_work(path, idx);

    printf("\n== %s\n%s: 5400 frames, 1920x1080, GOP 60, AAC; %d frames wanted; best of %d "
           "runs; %ld cores\n", structure, path, NPICK, runs, sysconf(_SC_NPROCESSORS_ONLN));
    printf("%-40s %8s %8s %6s %9s\n", "contender", "seconds", "decoded", "exact", "peak RSS");
    printf("%-40s %8.3f %8lld %3d/%d %6ld MB\n", "semio sampler (2 threads)", semio.seconds,
           semio.decoded, semio.exact, NPICK, semio.maxrss_kb / 1024);
    printf("%-40s %8.3f %8lld %3d/%d %6ld MB\n", "ffmpeg decode all, keep 60 (2 threads)",
           all.seconds, all.decoded, all.exact, NPICK, all.maxrss_kb / 1024);
    printf("%-40s %8.3f %8lld %3d/%d %6ld MB\n", "ffmpeg decode+convert all (pilot loader)",
           conv.seconds, conv.decoded, conv.exact, NPICK, conv.maxrss_kb / 1024);
    if (have_cv)
        printf("%-40s %8.3f %8s %3d/%d %6ld MB\n", "OpenCV VideoCapture POS_FRAMES seek",
               cv.seconds, "?", cv.exact, NPICK, cv.maxrss_kb / 1024);
    else
        printf("%-40s (not available: scripts/install-deps --bench)\n", "OpenCV VideoCapture");
    printf("%-40s %8s %8lld\n", "minimal decode work (reference chain)", "", minimal);
    printf("ratios:\n");
    printf("  speed vs ffmpeg decode-all:          %.2fx (target >= 3)\n",
           all.seconds / semio.seconds);
    printf("  speed vs pilot loader (convert all): %.2fx\n", conv.seconds / semio.seconds);
    if (have_cv)
        printf("  speed vs OpenCV seeking:             %.2fx (target >= 1)\n",
               cv.seconds / semio.seconds);
    printf("  decoded / minimal work:              %.2f (target <= 1.3)\n",
           (double)semio.decoded / (double)minimal);
    printf("  peak RSS:                            %ld MB (target < 200)\n",
           semio.maxrss_kb / 1024);
    printf("  exact frames:                        %d/%d\n", semio.exact, NPICK);
    fflush(stdout);
    return semio.exact == NPICK ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/out";
    const char *script = argc > 2 ? argv[2] : "bench/opencv_seek.py";
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    char fixed[1024], adaptive[1024];
    snprintf(fixed, sizeof(fixed), "%s/bench-1080p30-gop60-ibbbp.mp4", dir);
    snprintf(adaptive, sizeof(adaptive), "%s/bench-1080p30-gop60-adaptive.mp4", dir);
    av_log_set_level(AV_LOG_QUIET);
    if (make_recording(fixed, 0) != 0 || make_recording(adaptive, 1) != 0)
        return 1;
    int bad = bench_one(fixed, "fixed IBBBP pattern (3 B-frames, pyramid), as the target asks",
                        script, runs);
    bad |= bench_one(adaptive, "x264 adaptive B-frames (mostly IPPP on this scene)", script,
                     runs);
    return bad;
}
