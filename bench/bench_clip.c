/*
 * Proxy clip benchmark: a 10 s window of a 30 s 1280x720 30 fps H.264 recording with AAC
 * (GOP 60, adaptive B-frames) cut into a 480-line CRF 26 clip, by semio_clip_write and by
 * the ffmpeg command measured in the same run:
 *   ffmpeg -ss START -t 10 -i SRC -an -vf fps=30,scale=-2:480 -c:v libx264 -crf 26
 *          -preset veryfast -movflags +faststart OUT
 * (-an: semio's clip has no sound, so neither does the peer's). Both use x264's veryfast,
 * semio's preset (src/media/clip.c says why), and FFmpeg's default threads. Each runs in
 * its own process, timed on the wall clock and in CPU time (less disturbed by the rest of
 * a busy machine); the best of N runs is kept for each. Each clip is then decoded and
 * every frame's drawn index compared with the source frame shown at its time.
 * Usage: bench_clip [DIR [RUNS]] (DIR keeps the recording between runs; default bench/out).
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "semio/semio.h"
#include "testvideo.h"

#define SECONDS 30
#define FPS 30
#define START 10.0
#define DURATION 10.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_recording(const char *path)
{
    if (access(path, F_OK) == 0)
        return 0;
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = 1280;
    s.height = 720;
    s.gop = 60;
    s.bframes = 3;
    s.bframes_adaptive = 1;
    s.preset = "veryfast";
    s.audio_rate = 44100;
    fprintf(stderr, "bench: encoding a %d s 720p30 recording (once) to %s\n", SECONDS, path);
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.part.mp4", path);
    if (testvideo_make_scene(tmp, &s, SECONDS * FPS) != 0)
        return -1;
    return rename(tmp, path);
}

typedef struct Result {
    double seconds;      /* best wall time */
    double cpu;          /* best CPU time (user + system) */
    long long frames;    /* frames in the clip */
    long long exact;     /* frames holding the source frame shown at their time */
    int width, height;
    long long bytes;
} Result;

/* Decodes a clip and counts frames j whose drawn index is the source frame at START + j/R. */
static void check_clip(const char *path, Result *r)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0)
        return;
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    const AVCodecParameters *par = fmt->streams[v]->codecpar;
    r->width = par->width;
    r->height = par->height;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, par);
    avcodec_open2(dec, codec, NULL);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    uint8_t *rgb = malloc((size_t)par->width * par->height * 3 + 64);
    int stride = 3 * par->width;
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
            sws = sws_getCachedContext(sws, f->width, f->height, f->format, f->width, f->height,
                                       AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
            sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, &rgb,
                      &stride);
            r->exact += testvideo_read(rgb, f->width, f->height, stride) ==
                        (int64_t)llround(START * FPS) + r->frames;
            r->frames++;
            av_frame_unref(f);
        }
    }
    struct stat st;
    r->bytes = stat(path, &st) == 0 ? (long long)st.st_size : 0;
    sws_freeContext(sws);
    free(rgb);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
}

/* Runs one contender in a child process: its wall time and CPU time (user + system, its
 * own and its children's), which the other processes on a busy machine disturb less. */
static int timed(void (*fn)(const char *, const char *), const char *src, const char *out,
                 double *wall, double *cpu)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        fn(src, out);
        _exit(1);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    *wall = now() - t0;
    *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
    return 0;
}

static void run_semio(const char *src, const char *out)
{
    SemioClipSettings s;
    semio_clip_default_settings(&s); /* the source's 30 fps, 480 lines, CRF 26 */
    SemioError err = { 0 };
    if (semio_clip_write(src, START, START + DURATION, &s, out, NULL, &err) < 0) {
        fprintf(stderr, "semio: %s\n", err.message);
        _exit(1);
    }
    _exit(0);
}

static void run_ffmpeg(const char *src, const char *out)
{
    char ss[32], t[32], vf[64];
    snprintf(ss, sizeof(ss), "%g", START);
    snprintf(t, sizeof(t), "%g", DURATION);
    snprintf(vf, sizeof(vf), "fps=%d,scale=-2:480", FPS);
    execlp("ffmpeg", "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", ss,
           "-t", t, "-i", src, "-an", "-vf", vf, "-c:v", "libx264", "-crf", "26", "-preset",
           "veryfast", "-movflags", "+faststart", out, (char *)NULL);
    fprintf(stderr, "bench: cannot run ffmpeg: %s\n", strerror(errno));
    _exit(1);
}

/* What opening the sampler costs (indexing every packet of the recording, which grows
 * with its length, not the window's): best wall time of `runs`. */
static double index_seconds(const char *src, int runs)
{
    double best = 0;
    for (int i = 0; i < runs; i++) {
        SemioSamplerSettings s;
        semio_sampler_default_settings(&s);
        s.max_pixels = 0;
        SemioSampler *sm;
        SemioError err = { 0 };
        double t0 = now();
        if (semio_sampler_open(&sm, src, &s, &err) < 0)
            return -1;
        double t = now() - t0;
        semio_sampler_close(&sm);
        if (i == 0 || t < best)
            best = t;
    }
    return best;
}

/* The best wall time and the best CPU time of `runs`. */
static int best_of(int runs, void (*fn)(const char *, const char *), const char *src,
                   const char *out, Result *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < runs; i++) {
        double wall, cpu;
        if (timed(fn, src, out, &wall, &cpu) < 0) {
            fprintf(stderr, "bench: a contender failed\n");
            return -1;
        }
        if (i == 0 || wall < r->seconds)
            r->seconds = wall;
        if (i == 0 || cpu < r->cpu)
            r->cpu = cpu;
    }
    check_clip(out, r);
    return 0;
}

static void print_row(const char *name, const Result *r)
{
    printf("%-34s %7.3f %7.3f %10.1f %9.2f %3lld/%-4lld %4dx%-4d %6lld kB\n", name, r->seconds,
           r->cpu, 1000 * r->seconds / DURATION,
           r->frames ? 1000 * r->seconds / (double)r->frames : 0, r->exact, r->frames, r->width,
           r->height, r->bytes / 1024);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/out";
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    char src[1024], out_semio[1100], out_ffmpeg[1100];
    snprintf(src, sizeof(src), "%s/bench-720p30-%ds.mp4", dir, SECONDS);
    snprintf(out_semio, sizeof(out_semio), "%s/clip-semio.mp4", dir);
    snprintf(out_ffmpeg, sizeof(out_ffmpeg), "%s/clip-ffmpeg.mp4", dir);
    av_log_set_level(AV_LOG_QUIET);
    if (make_recording(src) != 0)
        return 1;
    double load[3] = { 0 };
    getloadavg(load, 3);
    Result se, ff;
    if (best_of(runs, run_semio, src, out_semio, &se) < 0 ||
        best_of(runs, run_ffmpeg, src, out_ffmpeg, &ff) < 0)
        return 1;
    printf("%s: 1280x720 %d fps, %d s; window %.0f..%.0f s; best of %d runs; %ld cores, "
           "load %.2f %.2f %.2f before\n", src, FPS, SECONDS, START, START + DURATION, runs,
           sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    printf("%-34s %7s %7s %10s %9s %8s %9s %9s\n", "contender", "wall s", "CPU s",
           "ms/s video", "ms/frame", "exact", "size", "file");
    print_row("semio_clip_write (sampler, x264)", &se);
    print_row("ffmpeg -ss -t -vf fps,scale", &ff);
    printf("of semio's wall time, opening the sampler (indexing all %d s): %.3f s\n", SECONDS,
           index_seconds(src, runs));
    printf("ratio semio / ffmpeg: wall time %.2f, CPU time %.2f\n", se.seconds / ff.seconds,
           se.cpu / ff.cpu);
    return se.exact == se.frames && se.frames == (long long)llround(DURATION * FPS) ? 0 : 1;
}
