/*
 * What semio features costs beside semio sample, measured in the same run on the same
 * segments: a phantom study (keypoints, sound, a moving figure) is rendered, ingested and
 * cut into 10 s windows; then the frames are sampled (60 a window, as the pilot did) and
 * every feature set computed, each timed, and reported as milliseconds per minute of
 * video with their ratio. One job each: the cost of one core; then all three in one run
 * (--redo) on 1 and on 2 jobs, what `semio features --jobs` gains.
 * Usage: bench_features [RECORDINGS [SECONDS [WIDTHxHEIGHT]]] (default 4 30 640x360)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "semio/semio.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_study(const char *dir, int videos, double seconds, int w, int h, SemioStudy **s,
                      SemioError *err)
{
    SemioPhantomSettings ps;
    semio_phantom_default_settings(&ps);
    ps.dir = dir;
    ps.videos = videos;
    ps.patients = videos > 1 ? videos / 2 : 1;
    ps.width = w;
    ps.height = h;
    ps.seconds = seconds;
    ps.fps = 15;
    ps.threads = 1;
    SemioPhantomReport pr;
    char db[4200];
    snprintf(db, sizeof(db), "%s/bench.db", dir);
    int r = semio_phantom(&ps, &pr, err);
    if (r == 0)
        r = semio_study_open(s, db, SEMIO_STUDY_CREATE, err);
    SemioIngestSettings is;
    semio_ingest_default_settings(&is);
    SemioIngestReport ir;
    const char *paths[1] = { dir };
    if (r == 0)
        r = semio_ingest(*s, paths, 1, &is, &ir, err);
    SemioSegmentSettings ss;
    semio_segment_default_settings(&ss);
    ss.window = 10;
    ss.overlap = 0;
    SemioSegmentReport sr;
    if (r == 0)
        r = semio_segment(*s, &ss, &sr, err);
    return r;
}

static int time_features(SemioStudy *s, const char *sets, int jobs, double *secs,
                         SemioError *err)
{
    SemioFeatureSettings fs;
    semio_feature_default_settings(&fs);
    fs.sets = sets;
    fs.jobs = jobs;
    fs.redo = 1;
    SemioFeatureReport rep;
    double t = now();
    int r = semio_features(s, &fs, &rep, err);
    *secs = now() - t;
    if (r == 0 && rep.failed)
        fprintf(stderr, "bench_features: %lld failed: %s\n", (long long)rep.failed, rep.failure);
    return r;
}

int main(int argc, char **argv)
{
    int videos = argc > 1 ? atoi(argv[1]) : 4, w = 640, h = 360;
    double seconds = argc > 2 ? atof(argv[2]) : 30;
    if (argc > 3 && sscanf(argv[3], "%dx%d", &w, &h) != 2)
        return fprintf(stderr, "usage: bench_features [RECORDINGS [SECONDS [WxH]]]\n"), 2;
    semio_log_set_level(SEMIO_LOG_QUIET);
    char dir[] = "/tmp/bench_features.XXXXXX";
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    int r = make_study(dir, videos, seconds, w, h, &s, &err);
    SemioSampleSettings ss;
    semio_sample_default_settings(&ss);
    ss.jobs = 1;
    ss.threads = 1;
    SemioSampleReport sr;
    double t = now(), sample = 0, kin = 0, mot = 0, snd = 0, one = 0, two = 0;
    if (r == 0 && (r = semio_sample(s, &ss, &sr, &err)) == 0)
        sample = now() - t;
    if (r == 0)
        r = time_features(s, "kinematic", 1, &kin, &err);
    if (r == 0)
        r = time_features(s, "motion", 1, &mot, &err);
    if (r == 0)
        r = time_features(s, "sound", 1, &snd, &err);
    if (r == 0)
        r = time_features(s, "kinematic,motion,sound", 1, &one, &err);
    if (r == 0)
        r = time_features(s, "kinematic,motion,sound", 2, &two, &err);
    semio_study_close(&s);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_features: could not remove %s\n", dir);
    if (r < 0)
        return fprintf(stderr, "bench_features: %s\n", err.message), 1;
    double minutes = videos * seconds / 60, all = kin + mot + snd;
    printf("%d recordings x %.0f s at %dx%d 15 fps (%.1f min of video), one job, 10 s windows\n",
           videos, seconds, w, h, minutes);
    printf("sample (60 frames a window, JPEG): %8.0f ms per minute of video\n", 1000 * sample / minutes);
    printf("features kinematic:                %8.0f ms per minute\n", 1000 * kin / minutes);
    printf("features motion (10 fps, 4x4):     %8.0f ms per minute\n", 1000 * mot / minutes);
    printf("features sound:                    %8.0f ms per minute\n", 1000 * snd / minutes);
    printf("features, all three:               %8.0f ms per minute (%.2f x sampling)\n",
           1000 * all / minutes, sample > 0 ? all / sample : 0);
    printf("features, all three in one run, 1 job:  %8.0f ms per minute\n", 1000 * one / minutes);
    printf("features, all three in one run, 2 jobs: %8.0f ms per minute (%.2f x faster)\n",
           1000 * two / minutes, two > 0 ? one / two : 0);
    return 0;
}
