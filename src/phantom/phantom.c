/*
 * semio phantom: renders the study (recordings, keypoints, labels), several recordings
 * at once, each written under a temporary name and renamed when whole.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phantom_internal.h"
#include "semio/phantom.h"
#include "semio/writer.h"
#include "semio_config.h"
#include "util/error.h"
#include "util/fs.h"

void semio_phantom_default_settings(SemioPhantomSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->videos = 12;
    s->seed = 1;
    s->width = 1920;
    s->height = 1080;
    s->seconds = 30;
    s->fps = 30;
    s->keypoints = 1;
}

#if SEMIO_HAVE_PHANTOM
/* The pilot's column order. */
static const char *const label_columns[] = {
    "occur_during_sleep", "blank_stare", "ictal_vocalization", "close_eyes", "eye_blinking",
    "tonic", "clonic", "arm_flexion", "arm_straightening", "figure4", "oral_automatisms",
    "limb_automatisms", "face_pulling", "face_twitching", "head_turning",
    "asynchronous_movement", "pelvic_thrusting", "verbal_responsiveness", NULL,
    "full_body_shaking", "arms_move_simultaneously",
};

typedef struct Job {
    const SemioPhantomSettings *set;
    SemioPhantomReport *rep;
    pthread_mutex_t lock;
    int next, failed;
    int64_t frames_done, frames_total;
    SemioError err;
} Job;

static void name_of(const SemioPhantomSettings *s, int i, char *out, size_t size)
{
    int patients = s->patients > 0 ? s->patients : (s->videos + 1) / 2;
    int p = (int)((int64_t)i * patients / s->videos), v = 1;
    for (int k = 0; k < i; k++)
        v += (int)((int64_t)k * patients / s->videos) == p;
    snprintf(out, size, "PH%02d@11-24-2026@S%04d@sz_v%d", p + 1, i + 1, v);
}

/* An estimator's imperfection: jitter, dropped points, unsure legs under a blanket. */
static void estimate(SemioPerson *p, const Stage *st, int blanket, uint64_t *r)
{
    double u = st->unit, hip_y = p->body[SEMIO_MIDHIP].y;
    for (int k = 0; k < p->npoints; k++) {
        SemioKeypoint *q = &p->body[k];
        int leg = k == SEMIO_RKNEE || k == SEMIO_RANKLE || k == SEMIO_LKNEE ||
                  k == SEMIO_LANKLE || k >= SEMIO_LBIGTOE;
        int hidden = blanket && leg && q->y > hip_y + 0.9 * u;
        double sd = hidden ? 0.08 * u : 0.012 * u;
        q->x += (float)(sd * phantom_gauss(r));
        q->y += (float)(sd * phantom_gauss(r));
        if (hidden)
            q->c = (float)fmin(q->c, 0.3);
        if (phantom_uniform(r, 0, 1) < 0.01)
            *q = (SemioKeypoint){ 0, 0, 0 };
    }
    for (int k = 0; k < p->nface; k++) {
        p->face[k].x += (float)(0.005 * u * phantom_gauss(r));
        p->face[k].y += (float)(0.005 * u * phantom_gauss(r));
    }
}

static void write_points(FILE *f, const char *key, const SemioKeypoint *k, int n)
{
    fprintf(f, "\"%s\":[", key);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.2f,%.2f,%.3f", i ? "," : "", k[i].c > 0 ? k[i].x : 0,
                k[i].c > 0 ? k[i].y : 0, k[i].c);
    fputc(']', f);
}

/* One frame's file in OpenPose's layout. */
static int write_json(const char *path, const SemioPerson *people, int n, SemioError *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    fputs("{\"version\":1.3,\"people\":[", f);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"person_id\":[-1],", i ? "," : "");
        write_points(f, "pose_keypoints_2d", people[i].body, people[i].npoints);
        fputc(',', f);
        write_points(f, "face_keypoints_2d", people[i].face, people[i].nface);
        fputs(",\"hand_left_keypoints_2d\":[],\"hand_right_keypoints_2d\":[],"
              "\"pose_keypoints_3d\":[],\"face_keypoints_3d\":[],"
              "\"hand_left_keypoints_3d\":[],\"hand_right_keypoints_3d\":[]}", f);
    }
    fputs("]}\n", f);
    if (fclose(f) != 0)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* The camera: cairo's xRGB to packed RGB, with sensor noise; at night, dim infrared gray. */
static void expose(const uint32_t *src, int sstride, uint8_t *dst, int w, int h, int night,
                   const int8_t *noise, uint64_t *r)
{
    for (int y = 0; y < h; y++) {
        const uint32_t *s = (const uint32_t *)((const uint8_t *)src + (size_t)y * sstride);
        uint8_t *d = dst + (size_t)y * w * 3;
        const int8_t *nz = noise + (phantom_rand(r) & 0xffff);
        for (int x = 0; x < w; x++) {
            int rr = s[x] >> 16 & 255, gg = s[x] >> 8 & 255, bb = s[x] & 255;
            if (night) {
                int g = ((rr * 77 + gg * 150 + bb * 29) >> 8) * 9 / 16 + 12 + 2 * nz[x];
                g = g < 0 ? 0 : g > 255 ? 255 : g;
                d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = (uint8_t)g;
            } else {
                int c[3] = { rr + nz[x], gg + nz[x + 1], bb + nz[x + 2] };
                for (int k = 0; k < 3; k++)
                    d[3 * x + k] = (uint8_t)(c[k] < 0 ? 0 : c[k] > 255 ? 255 : c[k]);
            }
        }
    }
}

static int render(Job *job, int index, SemioError *err)
{
    const SemioPhantomSettings *s = job->set;
    char name[128], video[PATH_MAX], part[PATH_MAX], kdir[PATH_MAX], kpart[PATH_MAX];
    name_of(s, index, name, sizeof(name));
    int r;
    if ((r = semio_path(err, video, sizeof(video), "%s/%s.mp4", s->dir, name)) < 0 ||
        (r = semio_path(err, part, sizeof(part), "%s/%s.part.mp4", s->dir, name)) < 0 ||
        (r = semio_path(err, kdir, sizeof(kdir), "%s/%s", s->dir, name)) < 0 ||
        (r = semio_path(err, kpart, sizeof(kpart), "%s/%s.part", s->dir, name)) < 0)
        return r;
    struct stat sb;
    int64_t nframes = (int64_t)floor(s->seconds * s->fps);
    if (stat(video, &sb) == 0 && (!s->keypoints || stat(kdir, &sb) == 0)) {
        pthread_mutex_lock(&job->lock);
        job->rep->skipped++;
        job->frames_done += nframes;
        pthread_mutex_unlock(&job->lock);
        return 0;
    }
    Episode e;
    phantom_script(&e, s->seed, index, s->seconds);
    Stage st;
    phantom_stage(&st, s->width, s->height);
    SemioAudio sound;
    if ((r = phantom_sound(&e, &sound, err)) < 0)
        return r;
    if (s->keypoints) {
        if ((r = semio_remove_tree(kpart, err)) < 0 || (r = semio_mkdirs(kpart, err)) < 0) {
            semio_audio_free(&sound);
            return r;
        }
    }
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = s->width;
    ws.height = s->height;
    ws.fps_num = s->fps;
    ws.fps_den = 1;
    ws.gop = 2 * s->fps;
    ws.bframes = 2;
    ws.bframes_adaptive = 1;
    ws.threads = 1;
    ws.quality = 26;
    ws.audio_rate = sound.rate;
    ws.audio_channels = 1;
    SemioWriter *w = NULL;
    int stride = s->width * 4;
    uint32_t *canvas = malloc((size_t)stride * s->height);
    uint8_t *rgb = malloc((size_t)s->width * s->height * 3 + 64);
    int8_t *noise = malloc(65536 + (size_t)s->width + 8);
    if (!canvas || !rgb || !noise)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    else
        r = semio_writer_open(&w, part, &ws, err);
    uint64_t rng = e.seed ^ 0xd1b54a32d192ed03ULL;
    for (size_t k = 0; noise && k < 65536 + (size_t)s->width + 8; k++)
        noise[k] = (int8_t)lrint(fmax(-120, fmin(120, (e.asleep ? 6 : 3.5) * phantom_gauss(&rng))));
    size_t audio_at = 0;
    for (int64_t f = 0; f < nframes && r == 0; f++) {
        if (s->stop && *s->stop) {
            r = semio_fail(err, SEMIO_ERR_INTERRUPTED, "interrupted");
            break;
        }
        double t = (double)f / s->fps;
        Pose pose;
        phantom_pose(&e, t, &pose);
        SemioPerson people[2];
        phantom_patient_points(&st, &pose, &people[0]);
        int nurse = phantom_nurse_points(&st, &e, t, &people[1]);
        if (phantom_draw(&st, &e, &people[0], nurse ? &people[1] : NULL, (uint8_t *)canvas,
                         stride) < 0) {
            r = semio_fail(err, SEMIO_ERR_IO, "phantom: cairo failed to draw");
            break;
        }
        int night = e.asleep && t < e.onset + 2; /* the lights come on after the onset */
        expose(canvas, stride, rgb, s->width, s->height, night, noise, &rng);
        if ((r = semio_writer_video(w, rgb, s->width * 3, t, err)) < 0)
            break;
        size_t until = (size_t)((double)(f + 1) / s->fps * sound.rate);
        if (until > sound.n)
            until = sound.n;
        if (until > audio_at &&
            (r = semio_writer_audio(w, sound.samples + audio_at, (int)(until - audio_at), err)) < 0)
            break;
        audio_at = until;
        if (s->keypoints) {
            char path[PATH_MAX + 256];
            estimate(&people[0], &st, e.blanket, &rng);
            if (nurse)
                estimate(&people[1], &st, 0, &rng);
            /* the estimator lists people in its own order: the nurse first when she is there */
            SemioPerson order[2] = { nurse ? people[1] : people[0], people[0] };
            snprintf(path, sizeof(path), "%s/%s_%012lld_keypoints.json", kpart, name, (long long)f);
            if ((r = write_json(path, order, nurse ? 2 : 1, err)) < 0)
                break;
        }
        if (f % 30 == 29) {
            pthread_mutex_lock(&job->lock);
            job->frames_done += 30;
            if (s->progress)
                s->progress(s->progress_user, "phantom", job->frames_done, job->frames_total, name);
            pthread_mutex_unlock(&job->lock);
        }
    }
    if (w) {
        SemioError close_err;
        int c = semio_writer_close(&w, r == 0 ? err : &close_err);
        if (r == 0)
            r = c;
    }
    free(canvas);
    free(rgb);
    free(noise);
    semio_audio_free(&sound);
    if (r == 0 && s->keypoints && rename(kpart, kdir) != 0)
        r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot rename to %s: %s", kpart, kdir, strerror(errno));
    if (r == 0 && rename(part, video) != 0)
        r = semio_fail(err, SEMIO_ERR_IO, "%s: cannot rename to %s: %s", part, video, strerror(errno));
    if (r < 0) {
        unlink(part);
        semio_remove_tree(kpart, NULL);
        return r;
    }
    pthread_mutex_lock(&job->lock);
    job->rep->made++;
    job->rep->frames += nframes;
    job->frames_done += nframes % 30;
    pthread_mutex_unlock(&job->lock);
    return 0;
}

static void *worker(void *arg)
{
    Job *job = arg;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        int i = job->failed ? job->set->videos : job->next++;
        pthread_mutex_unlock(&job->lock);
        if (i >= job->set->videos)
            return NULL;
        SemioError err = { 0 };
        if (render(job, i, &err) < 0) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = 1;
                job->err = err;
            }
            pthread_mutex_unlock(&job->lock);
            return NULL;
        }
    }
}

static const char *mmss(double s, int up, char *buf)
{
    int v = up ? (int)ceil(s) : (int)floor(s);
    snprintf(buf, 16, "%d:%02d", v / 60, v % 60);
    return buf;
}

static int write_labels(const SemioPhantomSettings *s, const char *path, SemioError *err)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.part", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    fputs("file_name,gender", f);
    for (size_t c = 0; c < sizeof(label_columns) / sizeof(*label_columns); c++)
        fprintf(f, ",%s", label_columns[c] ? label_columns[c] : "start_time,end_time,label");
    fputc('\n', f);
    for (int i = 0; i < s->videos; i++) {
        Episode e;
        char name[128], a[16], b[16];
        phantom_script(&e, s->seed, i, s->seconds);
        name_of(s, i, name, sizeof(name));
        fprintf(f, "%s.mp4,%s", name, e.male ? "male" : "female");
        for (size_t c = 0; c < sizeof(label_columns) / sizeof(*label_columns); c++) {
            if (!label_columns[c]) {
                fprintf(f, ",%s,%s,%d", mmss(e.onset, 0, a), mmss(e.end, 1, b), e.epileptic);
                continue;
            }
            for (int k = 0; k < PHANTOM_SIGNS; k++)
                if (!strcmp(phantom_sign_ids[k], label_columns[c]))
                    fprintf(f, ",%s", e.truth[k] < 0 ? "" : e.truth[k] ? "yes" : "no");
        }
        fputc('\n', f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

int semio_phantom(const SemioPhantomSettings *s, SemioPhantomReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    if (!s->dir || !s->dir[0])
        return semio_fail(err, SEMIO_ERR_INVALID, "phantom: give the output folder (-o DIR)");
    if (s->videos < 1 || s->videos > 100000)
        return semio_fail(err, SEMIO_ERR_INVALID, "phantom: videos must be 1..100000");
    if (s->patients < 0 || s->patients > s->videos)
        return semio_fail(err, SEMIO_ERR_INVALID, "phantom: patients must be 1..%d (the "
                          "number of recordings)", s->videos);
    if (s->width < 64 || s->height < 64 || s->width % 2 || s->height % 2 || s->width > 7680 ||
        s->height > 4320)
        return semio_fail(err, SEMIO_ERR_INVALID, "phantom: the frame size must be even, "
                          "64x64 to 7680x4320 (got %dx%d)", s->width, s->height);
    if (!(s->seconds >= 8 && s->seconds <= 3600) || s->fps < 5 || s->fps > 120)
        return semio_fail(err, SEMIO_ERR_INVALID, "phantom: recordings last 8 to 3600 s at 5 to "
                          "120 fps");
    int r = semio_mkdirs(s->dir, err);
    if (r < 0)
        return r;
    if ((r = semio_path(err, rep->labels, sizeof(rep->labels), "%s/labels.csv", s->dir)) < 0 ||
        (r = write_labels(s, rep->labels, err)) < 0)
        return r;
    Job job = { .set = s, .rep = rep, .lock = PTHREAD_MUTEX_INITIALIZER };
    job.frames_total = (int64_t)s->videos * (int64_t)floor(s->seconds * s->fps);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = s->threads > 0 ? s->threads : cores > 0 ? (int)cores : 1;
    if (n > s->videos)
        n = s->videos;
    pthread_t th[64];
    int started = 0;
    for (; started < n && started < 64; started++)
        if (pthread_create(&th[started], NULL, worker, &job) != 0)
            break;
    if (!started)
        worker(&job);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&job.lock);
    if (job.failed) {
        if (err)
            *err = job.err;
        return job.err.code ? job.err.code : SEMIO_ERR_IO;
    }
    return 0;
}
#else
/* Built without cairo and espeak-ng (meson feature 'phantom'): the figure cannot be drawn
 * nor its voices spoken. */
int semio_phantom(const SemioPhantomSettings *s, SemioPhantomReport *rep, SemioError *err)
{
    memset(rep, 0, sizeof(*rep));
    return semio_fail_not_built(err, "phantom");
}
#endif
