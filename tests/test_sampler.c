/* Exactness of probing and frame sampling on recordings whose frames carry their index. */
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "ffmpeg_frames.h"
#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

typedef struct Seen {
    int64_t n, wrong, errors, illegible;
    int width, height;
    int64_t first_error;
    double max_time_error;
    const SemioWriterSettings *ws;
} Seen;

static int check_frame(void *user, const SemioFrame *f)
{
    Seen *s = user;
    s->n++;
    if (f->error) {
        if (!s->errors++)
            s->first_error = f->index;
        return 0;
    }
    s->width = f->width;
    s->height = f->height;
    int64_t got = testvideo_read(f->rgb, f->width, f->height, f->stride);
    if (got < 0)
        s->illegible++;
    else if (got != f->index)
        s->wrong++;
    if (s->ws) {
        double e = fabs(f->time - testvideo_time(s->ws, f->index));
        if (e > s->max_time_error)
            s->max_time_error = e;
    }
    return 0;
}

static void settings(SemioWriterSettings *s, const char *codec, int w, int h, int gop, int bf)
{
    semio_writer_default_settings(s);
    s->video_codec = codec;
    s->width = w;
    s->height = h;
    s->gop = gop;
    s->bframes = bf;
    s->preset = "ultrafast";
}

/* Makes a recording (once per name) and returns its path. */
static const char *make(const char *name, const SemioWriterSettings *s, int64_t frames)
{
    const char *path = test_path(name);
    if (access(path, F_OK) != 0 && testvideo_make(path, s, frames) != 0)
        return NULL;
    return path;
}

/* Reads `idx` from `path` and checks every frame is exactly the one asked for. */
static int read_exact(const char *path, const int64_t *idx, size_t n, Seen *seen,
                      SemioSamplerStats *stats)
{
    SemioError err = { 0 };
    SemioSampler *sm;
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    if (semio_sampler_open(&sm, path, &ss, &err) < 0) {
        printf("    open: %s\n", err.message);
        return -1;
    }
    int r = semio_sampler_read(sm, idx, n, check_frame, seen, &err);
    if (stats)
        semio_sampler_stats(sm, stats);
    semio_sampler_close(&sm);
    if (r < 0)
        printf("    read: %s\n", err.message);
    return r;
}

static void exact_everywhere(const char *name, const SemioWriterSettings *ws, int64_t frames)
{
    const char *path = make(name, ws, frames);
    CHECK_MSG(path, "could not make %s", name);
    SemioProbe p;
    SemioError err = { 0 };
    CHECK_OK(semio_probe(path, &p, &err), err);
    CHECK_INT(p.frame_count, frames);

    /* Uniform 60, every frame, a seeded random subset, and repeated backward jumps. */
    int64_t idx[1024];
    size_t n = semio_pick_uniform(0, frames - 1, 60, idx);
    Seen seen = { .ws = ws };
    CHECK_INT(read_exact(path, idx, n, &seen, NULL), 0);
    CHECK_INT(seen.n, 60);
    CHECK_INT(seen.wrong + seen.illegible + seen.errors, 0);

    for (int64_t i = 0; i < frames; i++)
        idx[i] = i;
    memset(&seen, 0, sizeof(seen));
    seen.ws = ws;
    CHECK_INT(read_exact(path, idx, (size_t)frames, &seen, NULL), 0);
    CHECK_INT(seen.n, frames);
    CHECK_INT(seen.wrong + seen.illegible + seen.errors, 0);
    CHECK_MSG(seen.max_time_error < 0.0011, "frame times off by %.4f s", seen.max_time_error);

    srand(7);
    for (int round = 0; round < 20; round++) {
        size_t m = 0;
        for (int64_t i = 0; i < frames; i++)
            if (rand() % 17 == 0)
                idx[m++] = i;
        memset(&seen, 0, sizeof(seen));
        CHECK_INT(read_exact(path, idx, m, &seen, NULL), 0);
        CHECK_INT(seen.wrong + seen.illegible + seen.errors, 0);
    }
}

static void h264_mp4_bframes_long_gop(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 320, 240, 250, 3);
    s.audio_rate = 44100;
    exact_everywhere("h264-long-gop.mp4", &s, 600);
}

static void mpeg4_avi_bframes(void)
{
    SemioWriterSettings s;
    settings(&s, "mpeg4", 320, 240, 48, 2);
    exact_everywhere("mpeg4.avi", &s, 300);
}

static void vfr_mkv(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 320, 240, 30, 2);
    s.vfr = 1;
    exact_everywhere("vfr.mkv", &s, 240);
    SemioProbe p;
    SemioError err = { 0 };
    CHECK_OK(semio_probe(test_path("vfr.mkv"), &p, &err), err);
    CHECK(p.vfr);
}

static void odd_size(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 97, 55, 25, 2);
    exact_everywhere("odd.mkv", &s, 120);
}

static void rotated_phone_video(void)
{
    static const int rot[3] = { 90, 180, 270 };
    for (int i = 0; i < 3; i++) {
        SemioWriterSettings s;
        settings(&s, "libx264", 320, 180, 30, 2);
        s.rotation = rot[i];
        char name[32];
        snprintf(name, sizeof(name), "rot%d.mp4", rot[i]);
        const char *path = make(name, &s, 90);
        CHECK(path);
        SemioProbe p;
        SemioError err = { 0 };
        CHECK_OK(semio_probe(path, &p, &err), err);
        CHECK_INT(p.rotation, rot[i]);
        int64_t idx[10];
        size_t n = semio_pick_uniform(0, 89, 10, idx);
        Seen seen = { 0 };
        CHECK_INT(read_exact(path, idx, n, &seen, NULL), 0);
        CHECK_INT(seen.wrong + seen.illegible + seen.errors, 0);
        CHECK_INT(seen.width, rot[i] == 180 ? 320 : 180);
        CHECK_INT(seen.height, rot[i] == 180 ? 180 : 320);
    }
}

static void skips_work_it_does_not_need(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 320, 240, 60, 3);
    const char *path = make("gop60.mp4", &s, 900);
    CHECK(path);
    int64_t idx[60];
    size_t n = semio_pick_uniform(0, 899, 60, idx);
    Seen seen = { 0 };
    SemioSamplerStats st;
    CHECK_INT(read_exact(path, idx, n, &seen, &st), 0);
    CHECK_INT(seen.wrong + seen.errors + seen.illegible, 0);
    /* Targets every 15 frames in GOPs of 60: forward decoding, never a seek per target. */
    CHECK_MSG(st.seeks <= 16, "%lld seeks", (long long)st.seeks);
    CHECK_MSG(st.frames_skipped > 0, "non-reference frames were never skipped");
    CHECK_MSG(st.frames_decoded < 900, "decoded %lld of 900 frames", (long long)st.frames_decoded);

    /* Sparse targets far apart: one seek each, far less than decoding everything. */
    int64_t far[4] = { 100, 400, 650, 899 };
    memset(&seen, 0, sizeof(seen));
    CHECK_INT(read_exact(path, far, 4, &seen, &st), 0);
    CHECK_INT(seen.wrong + seen.errors + seen.illegible, 0);
    CHECK_MSG(st.frames_decoded < 4 * 70, "decoded %lld frames", (long long)st.frames_decoded);
}

static void scaling_keeps_aspect_within_budget(void)
{
    int w, h;
    semio_fit_pixels(1920, 1080, 602112, &w, &h);
    CHECK(w * h <= 602112);
    CHECK_INT(w, 1034);
    CHECK_INT(h, 581);
    semio_fit_pixels(320, 240, 602112, &w, &h); /* never upscaled */
    CHECK_INT(w, 320);
    CHECK_INT(h, 240);
    semio_fit_pixels(4000, 10, 1000, &w, &h);
    CHECK(w * h <= 1000 && h >= 1);
    semio_fit_pixels(1920, 1080, 0, &w, &h);
    CHECK_INT(w, 1920);
}

static void uniform_pick_matches_numpy(void)
{
    /* numpy.linspace(first, last, n).astype(int), computed with numpy 1.24. */
    int64_t out[60];
    CHECK_INT(semio_pick_uniform(0, 5399, 60, out), 60);
    CHECK_INT(out[0], 0);
    CHECK_INT(out[1], 91);
    CHECK_INT(out[2], 183);
    CHECK_INT(out[30], 2745);
    CHECK_INT(out[59], 5399);
    CHECK_INT(semio_pick_uniform(0, 99, 7, out), 7);
    int64_t want[7] = { 0, 16, 33, 49, 66, 82, 99 };
    for (int i = 0; i < 7; i++)
        CHECK_INT(out[i], want[i]);
    /* Exact float cases numpy rounds down: linspace(0, 29, 30) is 0..29. */
    CHECK_INT(semio_pick_uniform(0, 29, 30, out), 30);
    for (int i = 0; i < 30; i++)
        CHECK_INT(out[i], i);
    /* Fewer frames than asked: each once, no duplicates. */
    CHECK_INT(semio_pick_uniform(10, 19, 60, out), 10);
    for (int i = 0; i < 10; i++)
        CHECK_INT(out[i], 10 + i);
    CHECK_INT(semio_pick_uniform(5, 4, 60, out), 0);
    CHECK_INT(semio_pick_uniform(3, 900, 1, out), 1);
    CHECK_INT(out[0], 3);
}

static void truncated_file_samples_what_decodes(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 320, 240, 30, 2);
    const char *full = make("whole.mp4", &s, 300);
    CHECK(full);
    const char *cut = test_path("truncated.mp4");
    struct stat st;
    CHECK(stat(full, &st) == 0);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "head -c %lld '%s' > '%s'", (long long)st.st_size * 55 / 100,
             full, cut);
    CHECK(system(cmd) == 0);
    SemioProbe p;
    SemioError err = { 0 };
    CHECK_OK(semio_probe(cut, &p, &err), err);
    CHECK_MSG(p.frame_count > 50 && p.frame_count < 300, "frame_count %lld",
              (long long)p.frame_count);
    CHECK_MSG(p.warning[0], "no warning for a truncated file");
    int64_t idx[20];
    size_t n = semio_pick_uniform(0, p.frame_count - 1, 20, idx);
    Seen seen = { 0 };
    CHECK_INT(read_exact(cut, idx, n, &seen, NULL), 0);
    CHECK_INT(seen.wrong, 0);
    CHECK_MSG(seen.n == 20, "every target answered (frame or error)");
    CHECK_MSG(seen.errors <= 2, "%lld frames lost", (long long)seen.errors);
}

/* What a sampler reads at each index, as the index drawn in the picture (-1: none). */
typedef struct Readings {
    int64_t code[400];
    int errors;
} Readings;

static int record_reading(void *user, const SemioFrame *f)
{
    Readings *r = user;
    r->code[f->index] = f->error ? -1 : testvideo_read(f->rgb, f->width, f->height, f->stride);
    r->errors += f->error != NULL;
    return 0;
}

static void corrupt_file_reports_instead_of_crashing(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 320, 240, 30, 2);
    const char *path = make("corrupt.mkv", &s, 300);
    CHECK(path);
    /* Overwrite stretches of the file with garbage: packets and container both suffer. */
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    char junk[2048];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 131 + 7);
    for (int k = 1; k <= 3; k++)
        CHECK(pwrite(fd, junk, sizeof(junk), st.st_size * k / 4) == (ssize_t)sizeof(junk));
    close(fd);

    /* Reference: every frame in order, nothing skipped. Then seeking and skipping must
     * agree with it wherever the reference saw a legible picture. */
    SemioSampler *sm;
    SemioSamplerSettings ss;
    SemioError err = { 0 };
    semio_sampler_default_settings(&ss);
    ss.skip_nonref = 0;
    CHECK_OK(semio_sampler_open(&sm, path, &ss, &err), err);
    int64_t count = semio_sampler_frame_count(sm);
    CHECK(count > 100 && count <= 300);
    int64_t idx[300];
    for (int64_t i = 0; i < count; i++)
        idx[i] = i;
    static Readings ref, fast;
    memset(&ref, 0, sizeof(ref));
    CHECK_INT(semio_sampler_read(sm, idx, (size_t)count, record_reading, &ref, &err), 0);
    semio_sampler_close(&sm);
    int legible = 0;
    for (int64_t i = 0; i < count; i++)
        legible += ref.code[i] >= 0;
    CHECK_MSG(legible > count / 2, "only %d of %lld frames legible", legible, (long long)count);

    CHECK_OK(semio_sampler_open(&sm, path, NULL, &err), err);
    srand(11);
    for (int round = 0; round < 10; round++) {
        size_t m = 0;
        for (int64_t i = 0; i < count; i++)
            if (rand() % 9 == 0)
                idx[m++] = i;
        memset(&fast, 0xff, sizeof(fast.code));
        fast.errors = 0;
        CHECK_INT(semio_sampler_read(sm, idx, m, record_reading, &fast, &err), 0);
        for (size_t i = 0; i < m; i++) {
            int64_t k = idx[i];
            CHECK_MSG(ref.code[k] < 0 || fast.code[k] < 0 || ref.code[k] == fast.code[k],
                      "frame %lld: sequential decode shows %lld, sampled shows %lld",
                      (long long)k, (long long)ref.code[k], (long long)fast.code[k]);
        }
    }
    semio_sampler_close(&sm);
}

/* How many of the frames a sampler read were exactly ffmpeg's frame at the same index. */
typedef struct Agreement {
    const FfmpegFrames *ff;
    int64_t asked, matched;
    char first_miss[1100];
} Agreement;

static int agree_frame(void *user, const SemioFrame *f)
{
    Agreement *a = user;
    a->asked++;
    char miss[600] = "";
    if (f->error) {
        snprintf(miss, sizeof(miss), "%s", f->error);
    } else {
        uint8_t md5[16];
        ffmpeg_frames_md5(f->rgb, f->width, f->height, f->stride, md5);
        if (f->index < a->ff->count && !memcmp(md5, a->ff->md5[f->index], 16)) {
            a->matched++;
            return 0;
        }
        int64_t k = ffmpeg_frames_find(a->ff, md5, f->index);
        if (k >= 0)
            snprintf(miss, sizeof(miss), "frame %lld is ffmpeg's frame %lld", (long long)f->index,
                     (long long)k);
        else
            snprintf(miss, sizeof(miss), "frame %lld is no frame ffmpeg decodes",
                     (long long)f->index);
    }
    if (!a->first_miss[0])
        snprintf(a->first_miss, sizeof(a->first_miss), "%s", miss);
    return 0;
}

/* Reads idx from an open sampler into *a; a failed read counts as nothing matched. */
static void agree_read(SemioSampler *sm, const int64_t *idx, size_t n, Agreement *a)
{
    SemioError err = { 0 };
    if (semio_sampler_read(sm, idx, n, agree_frame, a, &err) < 0 && !a->first_miss[0])
        snprintf(a->first_miss, sizeof(a->first_miss), "read: %s", err.message);
}

/*
 * Samples `path` as `semio sample` does (30 uniform frames, as the report that found the
 * XviD bug did), then every frame, then random subsets that jump back and forth, and
 * compares every picture with ffmpeg's frame at the same index. Prints one line; returns
 * whether every frame and the frame counts agreed.
 */
static int agrees_with_ffmpeg(const char *path)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    SemioError err = { 0 };
    SemioProbe p;
    if (semio_probe(path, &p, &err) < 0) {
        printf("    %s: probe: %s\n", name, err.message);
        return 0;
    }
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.apply_rotation = 0; /* the reference does not turn pictures */
    SemioSampler *sm;
    if (semio_sampler_open(&sm, path, &ss, &err) < 0) {
        printf("    %s: open: %s\n", name, err.message);
        return 0;
    }
    int w, h;
    semio_sampler_output_size(sm, &w, &h);
    FfmpegFrames ff;
    char why[200];
    if (ffmpeg_frames_decode(path, w, h, &ff, why, sizeof(why)) < 0) {
        printf("    %s: reference decode: %s\n", name, why);
        semio_sampler_close(&sm);
        return 0;
    }
    int64_t count = semio_sampler_frame_count(sm);
    int64_t *idx = malloc((size_t)(count > 30 ? count : 30) * sizeof(int64_t));
    Agreement uni = { .ff = &ff }, all = { .ff = &ff }, rnd = { .ff = &ff };
    if (idx) {
        agree_read(sm, idx, semio_pick_uniform(0, count - 1, 30, idx), &uni);
        for (int64_t i = 0; i < count; i++)
            idx[i] = i;
        agree_read(sm, idx, (size_t)count, &all);
        srand(5);
        for (int round = 0; round < 8; round++) {
            size_t m = 0;
            for (int64_t i = 0; i < count; i++)
                if (rand() % 23 == 0)
                    idx[m++] = i;
            agree_read(sm, idx, m, &rnd);
        }
    }
    semio_sampler_close(&sm);
    const char *miss = uni.first_miss[0] ? uni.first_miss
                     : all.first_miss[0] ? all.first_miss : rnd.first_miss;
    printf("    %s (%s): ffmpeg %lld frames, probe %lld, sampler %lld; matched %lld/%lld "
           "uniform, %lld/%lld every frame, %lld/%lld random%s%s\n",
           name, p.video_codec, (long long)ff.count, (long long)p.frame_count,
           (long long)count, (long long)uni.matched, (long long)uni.asked,
           (long long)all.matched, (long long)all.asked, (long long)rnd.matched,
           (long long)rnd.asked, miss[0] ? "; first miss: " : "", miss);
    int ok = idx && p.frame_count == ff.count && count == ff.count &&
             uni.asked == (count < 30 ? count : 30) && uni.matched == uni.asked &&
             all.matched == count && rnd.matched == rnd.asked;
    free(idx);
    ffmpeg_frames_free(&ff);
    return ok;
}

#define DPKG_LISTS "/var/lib/dpkg/info/"
#define OPENCV_DOC_LIST DPKG_LISTS "opencv-doc.list"

/*
 * The video files installed Debian packages ship, from dpkg's file lists: those the
 * lists matching `lists` name, leaving out the list `except`. Returns how many were
 * found (at most max).
 */
static size_t packaged_videos(const char *lists, const char *except, char (*paths)[512],
                              size_t max)
{
    static const char *const exts[] = { ".avi", ".mp4", ".mkv", ".mov", ".webm", ".ogv",
                                        ".mpg", ".mpeg", ".m4v", ".flv", ".wmv", ".3gp" };
    glob_t g;
    size_t n = 0;
    if (glob(lists, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
        if (except && !strcmp(g.gl_pathv[i], except))
            continue;
        FILE *f = fopen(g.gl_pathv[i], "r");
        char line[512];
        while (f && n < max && fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = '\0';
            const char *dot = strrchr(line, '.');
            struct stat st;
            for (size_t e = 0; dot && e < sizeof(exts) / sizeof(*exts); e++)
                if (!strcasecmp(dot, exts[e]) && stat(line, &st) == 0 && S_ISREG(st.st_mode)) {
                    snprintf(paths[n++], sizeof(*paths), "%s", line);
                    break;
                }
        }
        if (f)
            fclose(f);
    }
    globfree(&g);
    return n;
}

static void videos_match_ffmpeg(const char *lists, const char *except, const char *none_found)
{
    static char paths[64][512];
    size_t n = packaged_videos(lists, except, paths, 64);
    if (n == 0) {
        test_skip("%s", none_found);
        return;
    }
    size_t agree = 0;
    for (size_t i = 0; i < n; i++)
        agree += agrees_with_ffmpeg(paths[i]);
    CHECK_MSG(agree == n, "%zu of %zu files sampled with frames other than ffmpeg's", n - agree,
              n);
}

/* OpenCV's samples: XviD with packed B-frames (Megamind.avi), DivX 3, Cinepak. */
static void opencv_samples_match_ffmpeg(void)
{
    videos_match_ffmpeg(OPENCV_DOC_LIST, NULL,
                        "opencv-doc is not installed (scripts/install-deps installs it)");
}

/* Whatever other videos the installed packages happen to ship. */
static void other_packaged_videos_match_ffmpeg(void)
{
    videos_match_ffmpeg(DPKG_LISTS "*.list", OPENCV_DOC_LIST,
                        "no other installed package ships a video file");
}

/* XviD, which packs B-frames in AVI the way DivX did. */
static int have_xvid(void)
{
    if (avcodec_find_encoder_by_name("libxvid"))
        return 1;
    test_skip("this libavcodec has no libxvid encoder");
    return 0;
}

/* A made XviD clip with packed B-frames. Unlike Megamind.avi, some of its keyframes are
 * packed with the B-frame shown before them (open GOPs), so seeking to them must leave
 * that B-frame out. */
static void xvid_packed_bframes(void)
{
    if (!have_xvid())
        return;
    SemioWriterSettings s;
    settings(&s, "libxvid", 320, 240, 48, 2);
    const char *path = make("xvid-packed.avi", &s, 300);
    CHECK(path);
    CHECK(agrees_with_ffmpeg(path));
}

/*
 * Copies the video of `in` (an AVI without B-frames) to `out`, with `extra` inserted after
 * every `every` packets; each packet takes the next time slot. 0 or -1.
 */
static int remux_inserting(const char *in, const char *out, const AVPacket *extra, int every)
{
    AVFormatContext *ifmt = NULL, *ofmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    int ret = -1;
    if (!pkt || avformat_open_input(&ifmt, in, NULL, NULL) < 0 ||
        avformat_find_stream_info(ifmt, NULL) < 0 ||
        avformat_alloc_output_context2(&ofmt, NULL, "avi", out) < 0)
        goto done;
    int v = av_find_best_stream(ifmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    AVStream *ost = v >= 0 ? avformat_new_stream(ofmt, NULL) : NULL;
    if (!ost || avcodec_parameters_copy(ost->codecpar, ifmt->streams[v]->codecpar) < 0)
        goto done;
    ost->time_base = ifmt->streams[v]->time_base;
    if (avio_open(&ofmt->pb, out, AVIO_FLAG_WRITE) < 0 || avformat_write_header(ofmt, NULL) < 0)
        goto done;
    int64_t slot = 0, copied = 0;
    while (av_read_frame(ifmt, pkt) >= 0) {
        int keep = pkt->stream_index == v;
        pkt->stream_index = 0;
        pkt->pts = pkt->dts = slot;
        slot += keep;
        if (keep && av_write_frame(ofmt, pkt) < 0)
            goto done;
        av_packet_unref(pkt);
        if (keep && ++copied % every == 0) {
            if (av_packet_ref(pkt, extra) < 0)
                goto done;
            pkt->stream_index = 0;
            pkt->pts = pkt->dts = slot++;
            pkt->flags &= ~AV_PKT_FLAG_KEY;
            if (av_write_frame(ofmt, pkt) < 0)
                goto done;
            av_packet_unref(pkt);
        }
    }
    ret = av_write_trailer(ofmt) < 0 ? -1 : 0;
done:
    av_packet_free(&pkt);
    avformat_close_input(&ifmt);
    if (ofmt)
        avio_closep(&ofmt->pb);
    avformat_free_context(ofmt);
    return ret;
}

/* The first packet of `path`'s video no longer than FFmpeg's MAX_NVOP_SIZE: in a packed
 * XviD stream, a placeholder VOP that is not coded. */
static int first_placeholder(const char *path, AVPacket *out)
{
    AVFormatContext *fmt = NULL;
    int found = 0;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return 0;
    while (!found && av_read_frame(fmt, out) >= 0) {
        found = out->size > 0 && out->size <= 19;
        if (!found)
            av_packet_unref(out);
    }
    avformat_close_input(&fmt);
    return found;
}

/*
 * XviD's dropped frames: VOPs that are not coded (N-VOPs) in a stream that is not packed.
 * ffmpeg decodes them and shows nothing, so they are not frames: frame k is still the
 * k-th picture encoded.
 */
static void xvid_not_coded_vops(void)
{
    if (!have_xvid())
        return;
    SemioWriterSettings s;
    settings(&s, "libxvid", 320, 240, 48, 2);
    const char *packed = make("xvid-packed.avi", &s, 300);
    settings(&s, "libxvid", 320, 240, 48, 0);
    const char *plain = make("xvid-plain.avi", &s, 300);
    CHECK(packed && plain);
    AVPacket *nvop = av_packet_alloc();
    CHECK(nvop);
    int found = first_placeholder(packed, nvop);
    const char *path = test_path("xvid-dropped.avi");
    int made = found && remux_inserting(plain, path, nvop, 10) == 0;
    av_packet_free(&nvop);
    CHECK_MSG(found, "libxvid wrote no placeholder VOP in %s", packed);
    CHECK(made);

    FfmpegFrames ff;
    char why[200];
    CHECK_MSG(ffmpeg_frames_decode(path, 320, 240, &ff, why, sizeof(why)) == 0, "%s", why);
    int64_t shown = ff.count;
    ffmpeg_frames_free(&ff);
    CHECK_INT(shown, 300); /* the 30 N-VOPs show nothing */
    CHECK(agrees_with_ffmpeg(path));
    int64_t idx[300];
    for (int i = 0; i < 300; i++)
        idx[i] = i;
    Seen seen = { 0 };
    CHECK_INT(read_exact(path, idx, 300, &seen, NULL), 0);
    CHECK_INT(seen.wrong + seen.illegible + seen.errors, 0);
}

static void bad_inputs_have_clear_errors(void)
{
    SemioProbe p;
    SemioError err = { 0 };
    CHECK(semio_probe(test_path("missing.mp4"), &p, &err) == SEMIO_ERR_IO);
    CHECK(strstr(err.message, "missing.mp4"));

    const char *empty = test_path("empty.mp4");
    FILE *f = fopen(empty, "w");
    CHECK(f);
    fclose(f);
    CHECK(semio_probe(empty, &p, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "empty"));

    const char *text = test_path("notes.mp4");
    f = fopen(text, "w");
    fputs("these are not the frames you are looking for\n", f);
    fclose(f);
    CHECK(semio_probe(text, &p, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "notes.mp4"));

    CHECK(semio_probe(test_dir(), &p, &err) == SEMIO_ERR_INVALID);

    /* Audio-only: probes fine, has no video; the sampler refuses it clearly. */
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = s.height = 0;
    s.audio_rate = 16000;
    const char *audio = make("voice.m4a", &s, 50);
    CHECK(audio);
    CHECK_OK(semio_probe(audio, &p, &err), err);
    CHECK_INT(p.has_video, 0);
    CHECK_INT(p.audio_streams, 1);
    CHECK_INT(p.audio_rate, 16000);
    SemioSampler *sm = NULL;
    CHECK(semio_sampler_open(&sm, audio, NULL, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "no video"));
    CHECK(sm == NULL);
}

/* y4m (YUV4MPEG2, raw pictures): ingest lists it, and it samples exactly. */
static void y4m_samples_exactly(void)
{
    SemioWriterSettings s;
    settings(&s, "wrapped_avframe", 160, 120, 1, 0); /* raw pictures, as y4m takes them */
    exact_everywhere("raw.y4m", &s, 60);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

/* The file's bytes (its size in *n), or NULL. */
static uint8_t *read_bytes(const char *path, size_t *n)
{
    char *data;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    data = malloc(*n + 1);
    if (data && fread(data, 1, *n, f) != *n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return (uint8_t *)data;
}

/* Probe and sampler both refuse `path` with a message naming it and containing `want`. */
static int refused(const char *path, const char *want)
{
    SemioProbe p;
    SemioError err = { 0 };
    SemioSampler *sm = NULL;
    const char *name = strrchr(path, '/') + 1;
    if (semio_probe(path, &p, &err) == 0 || !strstr(err.message, name) ||
        !strstr(err.message, want)) {
        printf("    probe of %s: %s\n", name, err.message);
        return 0;
    }
    memset(&err, 0, sizeof(err));
    if (semio_sampler_open(&sm, path, NULL, &err) == 0 || !strstr(err.message, name) ||
        !strstr(err.message, want)) {
        printf("    sampler of %s: %s\n", name, err.message);
        semio_sampler_close(&sm);
        return 0;
    }
    return 1;
}

/* Sets every JPEG frame header's size in an MJPEG file to w x h; returns how many. */
static int claim_size(const char *from, const char *to, int w, int h)
{
    size_t n;
    uint8_t *d = read_bytes(from, &n);
    int count = 0;
    for (size_t i = 0; d && i + 9 < n; i++)
        if (d[i] == 0xff && d[i + 1] == 0xc0 && d[i + 4] == 8) { /* SOF0, 8-bit samples */
            d[i + 5] = (uint8_t)(h >> 8), d[i + 6] = (uint8_t)h;
            d[i + 7] = (uint8_t)(w >> 8), d[i + 8] = (uint8_t)w;
            count++;
        }
    if (d)
        write_bytes(to, d, n);
    free(d);
    return count;
}

static int record_error(void *user, const SemioFrame *f)
{
    if (f->error && !((char *)user)[0])
        snprintf(user, 512, "%s", f->error);
    return 0;
}

/* Frames larger than semio decodes are refused on opening, with the file and its size, not
 * FFmpeg's "Device or resource busy" (y4m) or frames lost one by one (MJPEG). */
static void huge_frames_are_refused(void)
{
    /* more than FFmpeg decodes: it refuses the header itself */
    static const char header[] = "YUV4MPEG2 W60000 H60000 F25:1 Ip A1:1 C420jpeg\nFRAME\n";
    uint8_t data[4096] = { 0 };
    memcpy(data, header, sizeof(header) - 1);
    const char *y4m = test_path("huge.y4m");
    write_bytes(y4m, data, sizeof(data));
    CHECK(refused(y4m, "frames of 60000x60000 pixels are larger than semio decodes"));
    /* less than FFmpeg's limit, more than semio's */
    static const char big[] = "YUV4MPEG2 W12000 H12000 F25:1 C420jpeg\nFRAME\n";
    memset(data, 0, sizeof(data));
    memcpy(data, big, sizeof(big) - 1);
    const char *y4m_big = test_path("big.y4m");
    write_bytes(y4m_big, data, sizeof(data));
    CHECK(refused(y4m_big, "frames of 12000x12000 pixels are larger than semio decodes"));

    /* MJPEG whose container says 160x120 and whose every picture claims 65000x65000 */
    SemioWriterSettings s;
    settings(&s, "mjpeg", 160, 120, 1, 0);
    const char *mjpeg = make("mjpeg.avi", &s, 20);
    CHECK(mjpeg);
    const char *huge = test_path("huge-mjpeg.avi");
    CHECK_INT(claim_size(mjpeg, huge, 65000, 65000), 20);
    CHECK(refused(huge, "frames of 65000x65000 pixels are larger than semio decodes"));

    /* pictures of no width: the decoder refuses each, and each frame lost says so */
    const char *zero = test_path("zero-mjpeg.avi");
    CHECK_INT(claim_size(mjpeg, zero, 0, 120), 20);
    for (int threads = 1; threads <= 2; threads++) {
        SemioSamplerSettings ss;
        semio_sampler_default_settings(&ss);
        ss.threads = threads;
        SemioSampler *sm;
        SemioError err = { 0 };
        CHECK_OK(semio_sampler_open(&sm, zero, &ss, &err), err);
        int64_t all[20];
        for (int i = 0; i < 20; i++)
            all[i] = i;
        char first[512] = "";
        CHECK_OK(semio_sampler_read(sm, all, 20, record_error, first, &err), err);
        semio_sampler_close(&sm);
        CHECK_MSG(strstr(first, "frame 0 could not be decoded: the decoder refused the data "
                                "from keyframe 0 on: Invalid data"),
                  "%d threads: %s", threads, first);
    }
}

/* Writes box `type` of the ISO media file d (n bytes) to f: whole, or its first `part`
 * bytes. 0 if there is no such box. */
static int copy_box(FILE *f, const uint8_t *d, size_t n, const char *type, size_t part)
{
    for (size_t at = 0; at + 8 <= n;) {
        size_t size = (size_t)d[at] << 24 | (size_t)d[at + 1] << 16 | (size_t)d[at + 2] << 8 |
                      d[at + 3];
        if (size < 8 || at + size > n)
            return 0;
        if (!memcmp(d + at + 4, type, 4)) {
            fwrite(d + at, 1, part && part < size ? part : size, f);
            return 1;
        }
        at += size;
    }
    return 0;
}

/* An MP4 whose moov box, written last, is missing or cut short, as a recording is when the
 * camera stopped or the copy was cut: said in those words, with the file's name. */
static void truncated_mp4_is_named(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 160, 120, 30, 0);
    const char *whole = make("whole-clip.mp4", &s, 60);
    CHECK(whole);
    size_t n;
    uint8_t *d = read_bytes(whole, &n);
    CHECK(d);
    const char *nomoov = test_path("clip.mp4"), *cutmoov = test_path("cut-moov.mp4");
    FILE *f = fopen(nomoov, "wb"), *g = fopen(cutmoov, "wb");
    int ok = f && g && copy_box(f, d, n, "ftyp", 0) && copy_box(f, d, n, "mdat", 3000) &&
             copy_box(g, d, n, "ftyp", 0) && copy_box(g, d, n, "mdat", 0) &&
             copy_box(g, d, n, "moov", 200);
    if (f)
        fclose(f);
    if (g)
        fclose(g);
    free(d);
    CHECK(ok);
    SemioProbe p;
    SemioError err = { 0 };
    CHECK(semio_probe(nomoov, &p, &err) == SEMIO_ERR_FORMAT);
    CHECK_STR(strrchr(err.message, '/') + 1, "clip.mp4: cannot read the recording: moov atom "
              "not found (the file is truncated or not finished being written)");
    CHECK(refused(cutmoov, "cut-moov.mp4: cannot read the recording: its moov atom is cut "
                           "short (the file is truncated or not finished being written)"));
}

static void non_ascii_names(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 160, 120, 30, 0);
    const char *path = make("Ünïcødé 患者 clip.mp4", &s, 40);
    CHECK(path);
    int64_t idx[5];
    size_t n = semio_pick_uniform(0, 39, 5, idx);
    Seen seen = { 0 };
    CHECK_INT(read_exact(path, idx, n, &seen, NULL), 0);
    CHECK_INT(seen.wrong + seen.errors + seen.illegible, 0);
}

static void out_of_range_requests_rejected(void)
{
    SemioWriterSettings s;
    settings(&s, "libx264", 160, 120, 30, 0);
    const char *path = make("small.mp4", &s, 40);
    CHECK(path);
    SemioSampler *sm;
    SemioError err = { 0 };
    CHECK_OK(semio_sampler_open(&sm, path, NULL, &err), err);
    Seen seen = { 0 };
    int64_t bad[2] = { 5, 40 };
    CHECK(semio_sampler_read(sm, bad, 2, check_frame, &seen, &err) == SEMIO_ERR_INVALID);
    int64_t unsorted[2] = { 9, 3 };
    CHECK(semio_sampler_read(sm, unsorted, 2, check_frame, &seen, &err) == SEMIO_ERR_INVALID);
    CHECK_INT(seen.n, 0);
    semio_sampler_close(&sm);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(uniform_pick_matches_numpy),
        TEST(scaling_keeps_aspect_within_budget),
        TEST(h264_mp4_bframes_long_gop),
        TEST(mpeg4_avi_bframes),
        TEST(vfr_mkv),
        TEST(odd_size),
        TEST(rotated_phone_video),
        TEST(skips_work_it_does_not_need),
        TEST(truncated_file_samples_what_decodes),
        TEST(corrupt_file_reports_instead_of_crashing),
        TEST(bad_inputs_have_clear_errors),
        TEST(y4m_samples_exactly),
        TEST(huge_frames_are_refused),
        TEST(truncated_mp4_is_named),
        TEST(non_ascii_names),
        TEST(out_of_range_requests_rejected),
        TEST(opencv_samples_match_ffmpeg),
        TEST(other_packaged_videos_match_ffmpeg),
        TEST(xvid_packed_bframes),
        TEST(xvid_not_coded_vops),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
