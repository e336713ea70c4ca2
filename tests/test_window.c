/*
 * What a window gives an engine that takes pixels (the in-process one): the sampled frames
 * decoded again from the recording, the very frames (their index code reads back), closer to
 * what was filmed than the stored JPEGs; a drawn view's pictures decoded from their files;
 * a recording that changed since it was sampled refused, naming it.
 */
#include <libavutil/log.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "harness.h"
#include "semio/semio.h"
#include "stages/window.h"
#include "testvideo.h"

#define W 160
#define H 120

/* Mean absolute difference of two packed RGB pictures, below the code band. */
static double mean_diff(const uint8_t *a, const uint8_t *b, int width, int height)
{
    double sum = 0;
    size_t n = 0;
    for (int y = height / 4; y < height; y++)
        for (int x = 0; x < width * 3; x++, n++)
            sum += fabs((double)a[(size_t)y * (size_t)width * 3 + (size_t)x] -
                        (double)b[(size_t)y * (size_t)width * 3 + (size_t)x]);
    return sum / (double)n;
}

/* A study of one recording, segmented and sampled (8 frames a window). */
static SemioStudy *sampled_study(const char *dir, const char *clip, int frames, SemioError *err)
{
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = W;
    ws.height = H;
    ws.gop = 30;
    ws.bframes = 2;
    ws.preset = "ultrafast";
    mkdir(dir, 0755);
    if (testvideo_make(clip, &ws, frames))
        return NULL;
    const char *db = test_path("window.db");
    unlink(db);
    SemioStudy *s;
    if (semio_study_open(&s, db, SEMIO_STUDY_CREATE, err))
        return NULL;
    SemioIngestReport irep;
    SemioSegmentSettings seg;
    SemioSegmentReport srep;
    SemioSampleSettings smp;
    SemioSampleReport prep;
    semio_segment_default_settings(&seg);
    semio_sample_default_settings(&smp);
    smp.frames = 8;
    const char *paths[1] = { dir };
    if (semio_ingest(s, paths, 1, NULL, &irep, err) || semio_segment(s, &seg, &srep, err) ||
        semio_sample(s, &smp, &prep, err)) {
        semio_study_close(&s);
        return NULL;
    }
    return s;
}

static long long one(SemioStudy *s, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void pixels_are_the_sampled_frames(void)
{
    const char *dir = test_path("window-rec");
    char clip[1024];
    snprintf(clip, sizeof(clip), "%s/P1@1-1-2024@R1@sz_v1.mp4", dir);
    SemioError err = { 0 };
    SemioStudy *s = sampled_study(dir, clip, 150, &err);
    CHECK_MSG(s != NULL, "%s", err.message);
    int64_t sampling = one(s, "SELECT id FROM samplings");
    int64_t nseg = one(s, "SELECT count(*) FROM segments");
    CHECK(nseg >= 1);
    const SemioViewSpec *raw = semio_view_find("raw");
    WindowSource jpeg_src = { .sampling = sampling };
    WindowSource pixel_src = { .sampling = sampling, .pixels = 1 };
    WindowInputs jp = { 0 }, px = { 0 };
    uint8_t *truth = malloc((size_t)W * H * 3);
    double jpeg_err = 0, pixel_err = 0;
    int frames = 0;
    for (int64_t seg = 1; seg <= nseg; seg++) {
        int present = 0;
        CHECK_OK(semio_window_load(s, seg, raw, &jpeg_src, &jp, &present, &err), err);
        CHECK(present);
        CHECK_OK(semio_window_load(s, seg, raw, &pixel_src, &px, &present, &err), err);
        CHECK(present);
        CHECK_INT((long long)px.media.n, (long long)jp.media.n);
        for (size_t i = 0; i < px.media.n; i++) {
            const SemioImagePart *p = &px.media.parts[i], *j = &jp.media.parts[i];
            CHECK(p->rgb && !p->jpeg && p->width == W && p->height == H);
            CHECK(p->time == j->time);
            char sql[160];
            snprintf(sql, sizeof(sql), "SELECT frame_index FROM frames WHERE segment_id = %lld "
                     "AND ordinal = %zu", (long long)seg, i);
            int64_t index = one(s, sql);
            CHECK_INT(testvideo_read(p->rgb, W, H, W * 3), index);
            SemioImage dec = { 0 };
            CHECK_OK(semio_jpeg_decode(j->jpeg, j->size, "frame", &dec, &err), err);
            testvideo_draw(truth, W, H, W * 3, index);
            jpeg_err += mean_diff(dec.data, truth, W, H);
            pixel_err += mean_diff(p->rgb, truth, W, H);
            semio_image_free(&dec);
            frames++;
        }
    }
    printf("# %d frames: mean error against the drawn frame %.3f (pixels), %.3f (JPEG)\n",
           frames, pixel_err / frames, jpeg_err / frames);
    CHECK(frames >= 8);
    CHECK_MSG(pixel_err < jpeg_err, "the pixels (%.3f) are no closer to the frame than the "
              "JPEG (%.3f)", pixel_err / frames, jpeg_err / frames);

    /* the recording touched after sampling: refused, naming it */
    struct utimbuf later = { time(NULL) + 50, time(NULL) + 50 };
    CHECK(utime(clip, &later) == 0);
    semio_window_close(&px); /* the open recording too: it is opened, and checked, again */
    int present = 0;
    int r = semio_window_load(s, 1, raw, &pixel_src, &px, &present, &err);
    CHECK_INT(r, SEMIO_ERR_INVALID);
    CHECK_MSG(strstr(err.message, clip) && strstr(err.message, "changed since it was sampled"),
              "%s", err.message);
    /* gone: named too */
    unlink(clip);
    r = semio_window_load(s, 1, raw, &pixel_src, &px, &present, &err);
    CHECK_INT(r, SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, clip) != NULL, "%s", err.message);
    /* the JPEGs are still there for engines that take them */
    CHECK_OK(semio_window_load(s, 1, raw, &jpeg_src, &jp, &present, &err), err);
    free(truth);
    semio_window_close(&jp);
    semio_window_close(&px);
    semio_study_close(&s);
}

int main(int argc, char **argv)
{
    av_log_set_level(AV_LOG_QUIET);
    static const TestCase cases[] = {
        TEST(pixels_are_the_sampled_frames),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
