/*
 * The optional parts (meson features) and FFmpeg's log. Whatever this semio was built with,
 * every part's entry points exist: a part built in does its work, a missing one answers
 * SEMIO_ERR_NOT_BUILT with what to install, before any work starts. FFmpeg's messages
 * reach stderr as "semio: ffmpeg:" lines at the level asked for, and none by default.
 */
#include <fcntl.h>
#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "semio/semio.h"

static void features_listed(void)
{
    static const char *const names[] = { "phantom", "dlib", "blazeface", "onnx", "pocketsphinx",
                                         "denoise", "overlay", "serve", "learn", "llamacpp" };
    size_t n;
    const SemioFeature *f = semio_optional_parts(&n);
    CHECK_INT(n, 10);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(f[i].name, names[i]);
        CHECK(f[i].what && f[i].what[0] && f[i].needs && f[i].needs[0]);
        CHECK_INT(semio_feature_built(f[i].name), f[i].built);
    }
    CHECK_INT(semio_feature_built("opencv"), 0);
    CHECK_INT(semio_feature_built(NULL), 0);
    CHECK_INT(semio_face_blazeface_built(), semio_feature_built("blazeface"));
    /* BlazeFace finds faces, dlib places their landmarks: never one without the other */
    CHECK(!semio_feature_built("blazeface") || semio_feature_built("dlib"));
    CHECK_STR(semio_strerror(SEMIO_ERR_NOT_BUILT), "not built into this semio");
}

/* r is what an entry point of `part` returned: work (or a complaint about its arguments)
 * where the part is built in, else SEMIO_ERR_NOT_BUILT with the feature and what to do. */
static int said(const char *part, int r, const SemioError *err)
{
    if (semio_feature_built(part)) {
        if (r == SEMIO_ERR_NOT_BUILT) {
            test_fail(__FILE__, __LINE__, "%s is built in, yet: %s", part, err->message);
            return 0;
        }
        return 1;
    }
    char feature[64];
    snprintf(feature, sizeof(feature), "(meson feature '%s': ", part);
    if (r != SEMIO_ERR_NOT_BUILT || !strstr(err->message, "semio was built without ") ||
        !strstr(err->message, feature) || !strstr(err->message, " and rebuild)")) {
        test_fail(__FILE__, __LINE__, "%s is not built in, yet %d: %s", part, r, err->message);
        return 0;
    }
    return 1;
}

static void entry_points_of_every_part(void)
{
    SemioError err = { 0 };
    SemioPhantomSettings ps;
    SemioPhantomReport prep;
    semio_phantom_default_settings(&ps); /* no folder: refused either way, nothing written */
    CHECK(said("phantom", semio_phantom(&ps, &prep, &err), &err));

    SemioFaceDetectorSettings fs;
    SemioFaceDetector *d = NULL;
    semio_face_detector_default_settings(&fs);
    fs.backend = SEMIO_FACE_DLIB;
    fs.predictor = test_path("none.dat"); /* a missing model: no time spent loading one */
    err = (SemioError){ 0 };
    CHECK(said("dlib", semio_face_detector_open(&d, &fs, &err), &err) && !d);
    fs.backend = SEMIO_FACE_BLAZEFACE;
    err = (SemioError){ 0 };
    CHECK(said(semio_feature_built("dlib") ? "blazeface" : "dlib",
               semio_face_detector_open(&d, &fs, &err), &err) && !d);

    SemioAudio a = { calloc(320, sizeof(float)), 320, 16000 };
    CHECK(a.samples);
    err = (SemioError){ 0 };
    CHECK(said("denoise", semio_audio_denoise(&a, -30, &err), &err));
    SemioImage img;
    SemioPerson none = { .npoints = 25 };
    CHECK_OK(semio_image_alloc(&img, 8, 8), err);
    err = (SemioError){ 0 };
    CHECK(said("overlay", semio_draw_skeleton(&img, &none, 8, 8, 0.1f, &err), &err));
    semio_image_free(&img);
    a.rate = 8000; /* refused by pocketsphinx: no model loaded */
    char *text = NULL;
    err = (SemioError){ 0 };
    CHECK(said("pocketsphinx", semio_sphinx_transcribe(&a, NULL, &text, &err), &err));
    CHECK(!text);
    semio_audio_free(&a);
    /* a server on a port the kernel picks, so a built one starts wherever the test runs */
    SemioServeSettings set;
    semio_serve_default_settings(&set);
    set.listen = "127.0.0.1:0";
    SemioServer *srv = NULL;
    err = (SemioError){ 0 };
    int r = semio_serve_start(&srv, test_path("none.db"), &set, &err);
    CHECK(semio_feature_built("serve") ? r == SEMIO_ERR_NOT_FOUND : said("serve", r, &err));
    CHECK(!srv);
}

/* A study stage that needs a missing part stops at once, rather than recording a failed
 * view or transcript per segment that a rebuilt semio would then not redo. */
static void study_stages_stop_before_work(void)
{
    SemioStudy *s;
    SemioError err = { 0 };
    CHECK_OK(semio_study_open(&s, test_path("study.db"), SEMIO_STUDY_CREATE, &err), err);
    SemioEnhanceSettings es;
    SemioEnhanceReport erep;
    semio_enhance_default_settings(&es);
    es.view = "denoise";
    int r = semio_enhance(s, &es, &erep, &err);
    CHECK(said("denoise", r, &err));
    es.view = "pose";
    err = (SemioError){ 0 };
    r = semio_enhance(s, &es, &erep, &err);
    /* built in, pose finds nothing to draw on in an empty study: 0; else it says so */
    CHECK(semio_feature_built("overlay") ? r == 0 || r == SEMIO_ERR_NOT_FOUND : said("overlay", r, &err));
    SemioTranscribeSettings ts = { .source = "audio" };
    SemioTranscribeReport trep;
    err = (SemioError){ 0 };
    int t = semio_transcribe(s, &ts, &trep, &err);
    semio_study_close(&s);
    CHECK(said("pocketsphinx", t, &err));
    CHECK_INT(test_sql(test_path("study.db"), "SELECT count(*) FROM views"), 0);
    CHECK_INT(test_sql(test_path("study.db"), "SELECT count(*) FROM transcripts"), 0);
}

/* What FFmpeg says at each level reaches stderr at `level` or more serious only. */
static void ffmpeg_log_levels(void)
{
    const char *path = test_path("stderr.txt");
    fflush(stderr);
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    for (int level = SEMIO_LOG_QUIET; level <= SEMIO_LOG_DEBUG; level++) {
        semio_log_set_level((SemioLogLevel)level);
        av_log(NULL, AV_LOG_ERROR, "error at %d\n", level);
        av_log(NULL, AV_LOG_WARNING, "warning at %d", level); /* no newline: still one line */
        av_log(NULL, AV_LOG_INFO, "info at %d\n", level);
        av_log(NULL, AV_LOG_DEBUG, "debug at %d\n", level);
    }
    semio_log_set_level(SEMIO_LOG_QUIET);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    FILE *f = fopen(path, "r");
    CHECK(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    static const char *const kinds[] = { "error", "warning", "info", "debug" };
    /* a message of kind k (0 error .. 3 debug) shows from level max(k, 1) on */
    for (int level = SEMIO_LOG_QUIET; level <= SEMIO_LOG_DEBUG; level++)
        for (int k = 0; k < 4; k++) {
            char line[64];
            snprintf(line, sizeof(line), "semio: ffmpeg: %s at %d\n", kinds[k], level);
            int shown = level > 0 && level >= k;
            CHECK_MSG(!strstr(text, line) == !shown, "'%s at %d' %s:\n%s", kinds[k], level,
                      shown ? "missing" : "shown", text);
        }
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(features_listed),
        TEST(entry_points_of_every_part),
        TEST(study_stages_stop_before_work),
        TEST(ffmpeg_log_levels),
    };
    semio_log_set_level(SEMIO_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
