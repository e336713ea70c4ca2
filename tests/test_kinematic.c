/*
 * The kinematic engine on signals made here: a rhythmic elbow is clonic and a held
 * one is not, a still posture is tonic, what has no signal says so; parameters by name;
 * face points in OpenPose JSON, and face arrays of the wrong length refused.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "semio/semio.h"

enum { FPS = 30, N = 300 };

/* A lying figure (torso 90 px) whose right elbow angle follows elbow(t) in radians of
 * flexion; the left arm rests. */
static void figure(SemioPerson *p, double flex_right, double flex_left)
{
    memset(p, 0, sizeof(*p));
    p->npoints = 25;
    SemioKeypoint *b = p->body;
    b[SEMIO_NECK] = (SemioKeypoint){ 320, 100, 0.9f };
    b[SEMIO_MIDHIP] = (SemioKeypoint){ 320, 190, 0.9f };
    for (int s = 0; s < 2; s++) {
        double sg = s ? 1 : -1, flex = s ? flex_left : flex_right;
        int j = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER;
        b[j] = (SemioKeypoint){ (float)(320 + sg * 33), 105, 0.9f };
        b[j + 1] = (SemioKeypoint){ (float)(320 + sg * 40), 148, 0.9f };
        b[j + 2] = (SemioKeypoint){ (float)(320 + sg * 40 - sg * 39 * sin(flex)),
                                    (float)(148 + 39 * cos(flex)), 0.9f };
    }
}

static void answer(SemioPerson *frames, const char *sign, SemioKinematicAnswer *a)
{
    SemioSignals sig = { .frames = frames, .n = N, .fps = FPS, .t0 = 10 };
    SemioKinematicSettings ks;
    semio_kinematic_default_settings(&ks);
    SemioKinematic *k = NULL;
    SemioError err = { 0 };
    if (semio_kinematic_analyze(&k, &ks, &sig, &err) < 0) {
        a->answer = -2;
        return;
    }
    semio_kinematic_answer(k, sign, a);
    semio_kinematic_close(&k);
}

static void test_clonic_arm(void)
{
    SemioPerson *f = calloc(N, sizeof(*f));
    for (int i = 0; i < N; i++) {
        double t = (double)i / FPS;
        double jerk = t >= 2 && t < 8 ? 0.5 * pow(fmax(0, sin(2 * M_PI * 3 * t)), 3) : 0;
        figure(&f[i], 0.2 + jerk, 0.2);
    }
    SemioKinematicAnswer a;
    answer(f, "clonic", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_YES, "clonic: %d %s", a.answer, a.justification);
    CHECK_MSG(strstr(a.justification, "3.0 Hz") && strstr(a.justification, "right arm"),
              "%s", a.justification);
    /* t0 10 + 2 s, to within half a 2 s test window */
    CHECK_MSG(a.onset_s >= 10.9 && a.onset_s <= 13.1, "onset %.2f", a.onset_s);
    CHECK(a.score > 0.5 && a.score <= 1);
    answer(f, "tonic", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_NO, "%s", a.justification);
    answer(f, "full_body_shaking", &a);
    CHECK(a.answer == SEMIO_ANSWER_NO);
    free(f);
}

static void test_tonic_flexion(void)
{
    SemioPerson *f = calloc(N, sizeof(*f));
    for (int i = 0; i < N; i++) {
        double t = (double)i / FPS;
        double flex = t < 2 ? 0.2 + 0.4 * sin(2 * M_PI * 0.7 * t) * t : 1.9; /* moves, then held */
        figure(&f[i], flex, t < 2 ? 0.2 : 1.9);
    }
    SemioKinematicAnswer a;
    answer(f, "tonic", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_YES, "%s", a.justification);
    answer(f, "arm_flexion", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_YES, "%s", a.justification);
    answer(f, "clonic", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_NO, "%s", a.justification);
    answer(f, "figure4", &a);
    CHECK(a.answer == SEMIO_ANSWER_NO);
    free(f);
}

static void test_cannot_measure(void)
{
    SemioPerson *f = calloc(N, sizeof(*f)); /* nobody seen */
    SemioKinematicAnswer a;
    answer(f, "clonic", &a);
    CHECK(a.answer == -1);
    CHECK(strstr(a.justification, "cannot measure") != NULL);
    answer(f, "close_eyes", &a); /* no face points */
    CHECK(a.answer == -1);
    answer(f, "ictal_vocalization", &a); /* no audio */
    CHECK(a.answer == -1 && strstr(a.justification, "audio") != NULL);
    figure(&f[0], 0.2, 0.2);
    answer(f, "no_such_sign", &a);
    CHECK(a.answer == -1);
    free(f);
}

static void test_silence_is_not_speech(void)
{
    SemioAudio au = { calloc(16000 * 5, sizeof(float)), 16000 * 5, 16000 };
    SemioPerson *f = calloc(N, sizeof(*f));
    SemioSignals sig = { .frames = f, .n = N, .fps = FPS, .audio = &au };
    SemioKinematicSettings ks;
    semio_kinematic_default_settings(&ks);
    SemioKinematic *k = NULL;
    CHECK(semio_kinematic_analyze(&k, &ks, &sig, NULL) == 0);
    SemioKinematicAnswer a;
    semio_kinematic_answer(k, "verbal_responsiveness", &a);
    CHECK_MSG(a.answer == SEMIO_ANSWER_NA, "%d %s", a.answer, a.justification);
    semio_kinematic_answer(k, "ictal_vocalization", &a);
    CHECK(a.answer == SEMIO_ANSWER_NO);
    semio_kinematic_close(&k);
    free(au.samples);
    free(f);
}

static void test_parameters(void)
{
    SemioKinematicSettings ks;
    semio_kinematic_default_settings(&ks);
    SemioError err = { 0 };
    CHECK(semio_kinematic_set(&ks, "clonic_s=2.5", &err) == 0);
    char text[4096];
    semio_kinematic_describe(&ks, text, sizeof(text));
    CHECK(strstr(text, "clonic_s=2.5") != NULL);
    CHECK(semio_kinematic_set(&ks, "clonic_s=fast", &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "clonic_s") != NULL);
    CHECK(semio_kinematic_set(&ks, "bogus=1", &err) == SEMIO_ERR_INVALID);
    CHECK(semio_kinematic_set(&ks, "no equals sign", &err) == SEMIO_ERR_INVALID);
    size_t n;
    const SemioKinematicParam *p = semio_kinematic_params(&n);
    CHECK(n > 40);
    for (size_t i = 0; i < n; i++)
        CHECK(p[i].doc && p[i].doc[0] && p[i].unit);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_face_points_read(void)
{
    char json[8192] = "{\"people\":[{\"pose_keypoints_2d\":[";
    for (int k = 0; k < 75; k++)
        snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s1", k ? "," : "");
    strcat(json, "],\"face_keypoints_2d\":[");
    for (int k = 0; k < 210; k++)
        snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s%d", k ? "," : "", k);
    strcat(json, "]}]}");
    const char *path = test_path("face_keypoints.json");
    write_file(path, json);
    SemioPerson *p = NULL;
    size_t n = 0;
    SemioError err = { 0 };
    CHECK(semio_openpose_read(path, &p, &n, &err) == 0 && n == 1);
    CHECK(p[0].nface == 70 && p[0].face[69].x == 207 && p[0].face[69].c == 209);
    free(p);
    /* 69 points: the wrong length, refused with the file named */
    char *cut = strstr(json, ",207,208,209]");
    strcpy(cut, "]}]}");
    write_file(path, json);
    CHECK(semio_openpose_read(path, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "face_keypoints.json") && strstr(err.message, "207 face numbers"));
    /* an empty face array is "no face", as OpenPose writes without --face */
    write_file(path, "{\"people\":[{\"pose_keypoints_2d\":[" "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
                     "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"
                     "],\"face_keypoints_2d\":[]}]}");
    CHECK(semio_openpose_read(path, &p, &n, &err) == 0 && p[0].nface == 0 && p[0].npoints == 18);
    free(p);
}

/* Sapiens writes COCO-WholeBody: 133 [x, y] pairs; point i sits at (i, 1000 + i) here. */
static void write_wholebody(const char *path, int points)
{
    FILE *f = fopen(path, "w");
    fputs("{\"instance_info\":[{\"keypoints\":[", f);
    for (int i = 0; i < points; i++)
        fprintf(f, "%s[%d,%d]", i ? "," : "", i, 1000 + i);
    fputs("],\"keypoint_scores\":[", f);
    for (int i = 0; i < points; i++)
        fprintf(f, "%s0.9", i ? "," : "");
    fputs("],\"bbox\":[[0,0,10,10]]}],\"meta_info\":{}}", f);
    fclose(f);
}

static void test_wholebody_read(void)
{
    char dir[1024], path[1100];
    snprintf(dir, sizeof(dir), "%s/W1@d@r@sz_v1", test_dir());
    mkdir(dir, 0777);
    snprintf(path, sizeof(path), "%s/000007.json", dir);
    write_wholebody(path, 133);
    SemioPerson *p = NULL;
    size_t n = 0;
    SemioError err = { 0 };
    CHECK_OK(semio_openpose_read(path, &p, &n, &err), err);
    CHECK(n == 1 && p[0].npoints == 25 && p[0].nface == 70);
    CHECK(p[0].body[SEMIO_LSHOULDER].x == 5 && p[0].body[SEMIO_RSHOULDER].x == 6);
    CHECK(p[0].body[SEMIO_RWRIST].x == 10 && p[0].body[SEMIO_RHEEL].x == 22);
    CHECK(p[0].body[SEMIO_NECK].x == 5.5f && p[0].body[SEMIO_MIDHIP].y == 1011.5f);
    CHECK(p[0].face[0].x == 23 && p[0].face[67].x == 90);
    free(p);
    /* found by frame number in the recording's folder */
    SemioKeypointDir *kd;
    CHECK_OK(semio_keypoints_open(&kd, test_dir(), "W1@d@r@sz_v1.mp4", &err), err);
    CHECK(semio_keypoints_path(kd, 7) && !semio_keypoints_path(kd, 6));
    semio_keypoints_close(&kd);
    write_wholebody(path, 132);
    CHECK(semio_openpose_read(path, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "000007.json") && strstr(err.message, "133 keypoints"));
    FILE *f = fopen(path, "w");
    fputs("{\"something\": []}", f);
    fclose(f);
    CHECK(semio_openpose_read(path, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "neither OpenPose") != NULL);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        { "a 3 Hz elbow rhythm is clonic, cited with its rate, side and onset", test_clonic_arm },
        { "a flexed posture held still is tonic and arm flexion", test_tonic_flexion },
        { "without a signal the engine says it cannot measure", test_cannot_measure },
        { "silence: nobody spoke (na), no vocalization", test_silence_is_not_speech },
        { "parameters by name, bad ones refused", test_parameters },
        { "OpenPose face points read; wrong lengths refused", test_face_points_read },
        { "COCO-WholeBody (Sapiens) keypoints read and found by frame", test_wholebody_read },
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
