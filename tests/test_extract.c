/*
 * The learned features on inputs made here: a limb at 4 Hz puts its power in the 3-6 Hz
 * band and its autocorrelation at 4 Hz; no body or no sound is NaN, never 0; a loud tone
 * is loud and pitched where silence is neither; a moving square moves where a still one
 * does not; every set's names are documented and unique; stored features read back as a
 * matrix in recording and time order, NaN where missing.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "harness.h"
#include "semio/semio.h"

enum { FPS = 30, N = 300 };

/* A figure (torso 90 px) whose right elbow flexes by flex radians; the left arm rests. */
static void figure(SemioPerson *p, double flex)
{
    memset(p, 0, sizeof(*p));
    p->npoints = 25;
    SemioKeypoint *b = p->body;
    b[SEMIO_NECK] = (SemioKeypoint){ 320, 100, 0.9f };
    b[SEMIO_MIDHIP] = (SemioKeypoint){ 320, 190, 0.9f };
    for (int s = 0; s < 2; s++) {
        double sg = s ? 1 : -1, f = s ? 0.2 : flex;
        int j = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER;
        b[j] = (SemioKeypoint){ (float)(320 + sg * 33), 105, 0.9f };
        b[j + 1] = (SemioKeypoint){ (float)(320 + sg * 40), 148, 0.9f };
        b[j + 2] = (SemioKeypoint){ (float)(320 + sg * 40 - sg * 39 * sin(f)),
                                    (float)(148 + 39 * cos(f)), 0.9f };
    }
}

/* The value of the documented feature `name` of `set` in out[]. */
static double get(const char *set, const double *out, const char *name)
{
    size_t n;
    const SemioFeatureDoc *d = semio_feature_docs(set, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(d[i].name, name))
            return out[i];
    fprintf(stderr, "no feature %s:%s\n", set, name);
    abort();
}

static void test_names_documented_once(void)
{
    const char *sets[] = { "kinematic", "motion", "sound" };
    for (int s = 0; s < 3; s++) {
        size_t n;
        const SemioFeatureDoc *d = semio_feature_docs(sets[s], &n);
        CHECK(d && n > 5);
        for (size_t i = 0; i < n; i++) {
            CHECK_MSG(d[i].doc && strlen(d[i].doc) > 10, "%s: %s undocumented", sets[s], d[i].name);
            for (size_t j = 0; j < i; j++)
                CHECK_MSG(strcmp(d[i].name, d[j].name), "%s: %s twice", sets[s], d[i].name);
        }
    }
    size_t n = 9;
    CHECK(semio_feature_docs("import", &n) == NULL && n == 0);
    CHECK_STR(semio_feature_set_at(0), "kinematic");
    CHECK(semio_feature_set_at(5) == NULL);
}

static void test_limb_at_4hz(void)
{
    SemioPerson *f = calloc(N, sizeof(*f));
    for (int i = 0; i < N; i++)
        figure(&f[i], 0.6 + 0.4 * sin(2 * M_PI * 4 * i / (double)FPS));
    SemioSignals sig = { .frames = f, .n = N, .fps = FPS };
    size_t n;
    semio_feature_docs("kinematic", &n);
    double *out = malloc(n * sizeof(double));
    SemioError err = { 0 };
    int r = semio_features_kinematic(&sig, out, &err);
    free(f);
    double lo = get("kinematic", out, "elbow_r_pow_05to3hz"), mid = get("kinematic", out, "elbow_r_pow_3to6hz");
    double hi = get("kinematic", out, "elbow_r_pow_6to9hz"), rate = get("kinematic", out, "elbow_r_rhythm_hz");
    double seen = get("kinematic", out, "body_seen"), ear = get("kinematic", out, "ear_p50");
    double left = get("kinematic", out, "elbow_l_speed_p90");
    free(out);
    CHECK_OK(r, err);
    CHECK_MSG(mid > 0.8 && mid > lo && mid > hi, "bands %.3f %.3f %.3f", lo, mid, hi);
    CHECK_MSG(fabs(rate - 4) < 0.3, "rhythm %.2f Hz", rate);
    CHECK(seen == 1);
    CHECK_MSG(isnan(ear), "no face: ear %g", ear);
    CHECK_MSG(left >= 0 && left < 1, "the resting arm moves: %g deg/s", left);
}

static void test_no_body_is_nan(void)
{
    SemioPerson *f = calloc(N, sizeof(*f)); /* nobody in any frame */
    SemioSignals sig = { .frames = f, .n = N, .fps = FPS };
    size_t n;
    const SemioFeatureDoc *d = semio_feature_docs("kinematic", &n);
    double *out = malloc(n * sizeof(double));
    SemioError err = { 0 };
    int r = semio_features_kinematic(&sig, out, &err);
    size_t numbers = 0;
    for (size_t i = 0; i < n; i++)
        numbers += !isnan(out[i]) && strcmp(d[i].name, "body_seen");
    double seen = get("kinematic", out, "body_seen");
    free(out);
    free(f);
    CHECK_OK(r, err);
    CHECK_MSG(numbers == 0, "%zu features are numbers without a body", numbers);
    CHECK(seen == 0);
}

static void sound_of(const SemioAudio *au, double *out, SemioError *err, int *r)
{
    SemioSignals sig = { .n = 0, .fps = FPS, .audio = au };
    *r = semio_features_sound(&sig, out, err);
}

static void test_sound_loud_and_silent(void)
{
    size_t n;
    semio_feature_docs("sound", &n);
    double *tone = malloc(n * sizeof(double)), *quiet = malloc(n * sizeof(double)),
           *none = malloc(n * sizeof(double));
    SemioAudio au = { .n = 32000, .rate = 16000, .samples = malloc(32000 * sizeof(float)) };
    /* 200 Hz with a harmonic, a voice-like tone, after 0.6 s of a quiet room (voicing is
     * judged against the room's level) */
    for (size_t i = 0; i < au.n; i++)
        au.samples[i] = i < 9600 ? (float)(1e-3 * sin(i * 0.37))
                                 : (float)(0.3 * sin(2 * M_PI * 200 * i / 16000.0) +
                                           0.1 * sin(2 * M_PI * 400 * i / 16000.0));
    SemioError err = { 0 };
    int r1, r2, r3;
    sound_of(&au, tone, &err, &r1);
    for (size_t i = 0; i < au.n; i++)
        au.samples[i] = 0;
    sound_of(&au, quiet, &err, &r2);
    sound_of(NULL, none, &err, &r3);
    free(au.samples);
    double loud = get("sound", tone, "loudness_p50"), silent = get("sound", quiet, "loudness_p50");
    double pitch = get("sound", tone, "pitch_p50"), qpitch = get("sound", quiet, "pitch_p50");
    double voiced = get("sound", tone, "voiced_fraction"), low = get("sound", tone, "band_0_300");
    double high = get("sound", tone, "band_3000_up"), flat = get("sound", tone, "flatness_p50");
    size_t numbers = 0;
    for (size_t i = 0; i < n; i++)
        numbers += !isnan(none[i]);
    free(tone);
    free(quiet);
    free(none);
    CHECK(r1 == 0 && r2 == 0 && r3 == 0);
    CHECK_MSG(loud > -15 && loud < -5, "tone %.1f dBFS", loud);
    CHECK_MSG(silent <= -100, "silence %.1f dBFS", silent);
    CHECK_MSG(fabs(pitch - 200) < 10, "pitch %.1f Hz", pitch);
    CHECK_MSG(voiced > 0.6 && voiced < 0.75, "voiced %.2f", voiced);
    CHECK_MSG(isnan(qpitch), "silence has a pitch: %g", qpitch);
    CHECK_MSG(low > 0.8 && high < 0.01, "bands %.3f %.3f", low, high);
    CHECK_MSG(flat < 0.1, "a tone's flatness %.3f", flat);
    CHECK_MSG(numbers == 0, "%zu sound features without sound", numbers);
}

/* 6 s at 20 fps, 160 x 120: a white square on grey, oscillating across at 2 Hz or still. */
static int square_video(const char *path, int moving)
{
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = 160;
    ws.height = 120;
    ws.fps_num = 20;
    ws.fps_den = 1;
    SemioWriter *w;
    SemioError err = { 0 };
    if (semio_writer_open(&w, path, &ws, &err) < 0)
        return -1;
    uint8_t *rgb = malloc(160 * 120 * 3);
    int r = 0;
    for (int k = 0; k < 120 && r == 0; k++) {
        int x0 = moving ? 60 + (int)lround(40 * sin(2 * M_PI * 2 * k / 20.0)) : 60;
        for (int y = 0; y < 120; y++)
            for (int x = 0; x < 160; x++)
                memset(rgb + (y * 160 + x) * 3,
                       x >= x0 && x < x0 + 30 && y >= 45 && y < 75 ? 240 : 90, 3);
        r = semio_writer_video(w, rgb, 160 * 3, k / 20.0, &err);
    }
    free(rgb);
    return semio_writer_close(&w, &err) < 0 ? -1 : r;
}

static void test_motion_square(void)
{
    const char *moving = test_path("moving.mp4"), *still = test_path("still.mp4");
    CHECK(square_video(moving, 1) == 0 && square_video(still, 0) == 0);
    SemioMotionSettings m;
    semio_motion_default_settings(&m);
    size_t n;
    semio_feature_docs("motion", &n);
    double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
    SemioError err = { 0 };
    int r1 = semio_features_motion(moving, 0.5, 5.5, &m, a, &err);
    int r2 = r1 < 0 ? r1 : semio_features_motion(still, 0.5, 5.5, &m, b, &err);
    double am = get("motion", a, "all_mean"), bm = get("motion", b, "all_mean");
    double band = get("motion", a, "all_pow_3to6hz"), corner = get("motion", a, "cell00_mean");
    double mid = get("motion", a, "cell11_mean");
    int r3 = semio_features_motion(test_path("none.mp4"), 0, 1, &m, b, &err);
    free(a);
    free(b);
    CHECK_OK(r1 < 0 ? r1 : r2, err);
    CHECK_MSG(am > 0.01 && bm < 0.002 && am > 10 * bm, "moving %g, still %g", am, bm);
    /* the square's edges pass twice a period: its energy pulses at 4 Hz */
    CHECK_MSG(band > 0.3, "3-6 Hz share %.3f", band);
    CHECK_MSG(mid > 5 * corner, "the middle %g, a corner %g", mid, corner);
    CHECK_MSG(r3 < 0 && strstr(err.message, "none.mp4"), "a missing file: %d %s", r3, err.message);
}

static void test_matrix(void)
{
    const char *db = test_path("m.db");
    SemioStudy *s;
    SemioError err = { 0 };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    semio_study_close(&s);
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    int rc = sqlite3_exec(h,
        "INSERT INTO videos(id, file_name, patient, path, status) VALUES "
        "(1, 'b.mp4', 'P1', 'b.mp4', 'ok'), (2, 'a.mp4', 'P2', 'a.mp4', 'ok');"
        "INSERT INTO segment_sets VALUES (1, 'w', 10, 0, 0, 0, 'now');"
        "INSERT INTO segments VALUES (10, 1, 2, 1, 10, 20), (11, 1, 1, 0, 0, 10),"
        " (12, 1, 2, 0, 0, 10), (13, 1, 1, 1, 10, 20);"
        "INSERT INTO features VALUES (10, 'kinematic', 'a', 1), (10, 'kinematic', 'b', NULL),"
        " (11, 'kinematic', 'a', 2), (12, 'sound', 'z', 3), (12, 'kinematic', 'b', 4),"
        " (13, 'motion', 'm', 5);", NULL, NULL, NULL);
    sqlite3_close(h);
    CHECK(rc == SQLITE_OK);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_READ, &err), err);
    SemioFeatureMatrix m;
    int r = semio_feature_matrix(s, NULL, "sound,kinematic", &m, &err);
    SemioFeatureMatrix none;
    SemioError err2 = { 0 };
    int r2 = semio_feature_matrix(s, "w", "onnx", &none, &err2);
    semio_study_close(&s);
    CHECK_OK(r, err);
    static const double want[3][3] = { { 2, NAN, NAN }, { NAN, 4, 3 }, { 1, NAN, NAN } };
    int good = m.nrows == 3 && m.ncols == 3 && m.segment[0] == 11 && m.segment[1] == 12 &&
               m.segment[2] == 10 && m.video[0] == 1 && m.video[2] == 2 &&
               !strcmp(m.column[0], "kinematic:a") && !strcmp(m.column[1], "kinematic:b") &&
               !strcmp(m.column[2], "sound:z");
    for (int i = 0; good && i < 9; i++) {
        double w = want[i / 3][i % 3], x = m.x[i];
        good = isnan(w) ? isnan(x) : x == w;
    }
    semio_feature_matrix_free(&m);
    CHECK_MSG(good, "the matrix's rows, columns or values are not as stored");
    CHECK_MSG(r2 == SEMIO_ERR_NOT_FOUND && strstr(err2.message, "semio features --set onnx"),
              "a set not stored: %d %s", r2, err2.message);
}

int main(int argc, char **argv)
{
    semio_log_set_level(SEMIO_LOG_QUIET);
    static const TestCase cases[] = {
        TEST(test_names_documented_once), TEST(test_limb_at_4hz), TEST(test_no_body_is_nan),
        TEST(test_sound_loud_and_silent), TEST(test_motion_square), TEST(test_matrix),
    };
    return test_main(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
