/* The pose view: OpenPose JSON, the patient among several people, the overlay's pixels. */
#include <libavutil/log.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

/* A BODY_25 person standing at (cx, cy) in a 320x240 frame; right forearm vertical. */
static void person_json(FILE *f, double cx, double cy, double right_arm_conf)
{
    double pts[25][3] = { 0 };
    pts[0][0] = cx, pts[0][1] = cy - 60, pts[0][2] = 0.9;       /* nose */
    pts[1][0] = cx, pts[1][1] = cy - 40, pts[1][2] = 0.9;       /* neck */
    pts[2][0] = cx - 20, pts[2][1] = cy - 40, pts[2][2] = 0.9;  /* right shoulder */
    pts[3][0] = cx - 30, pts[3][1] = cy - 10, pts[3][2] = 0.9;  /* right elbow */
    pts[4][0] = cx - 30, pts[4][1] = cy + 30, pts[4][2] = right_arm_conf; /* right wrist */
    pts[5][0] = cx + 20, pts[5][1] = cy - 40, pts[5][2] = 0.9;  /* left shoulder */
    pts[6][0] = cx + 30, pts[6][1] = cy - 10, pts[6][2] = 0.9;
    pts[7][0] = cx + 30, pts[7][1] = cy + 30, pts[7][2] = 0.9;
    pts[8][0] = cx, pts[8][1] = cy + 20, pts[8][2] = 0.9;       /* mid hip */
    fputs("{\"version\":1.3,\"people\":[{\"person_id\":[-1],\"pose_keypoints_2d\":[", f);
    for (int k = 0; k < 25; k++)
        fprintf(f, "%s%.1f,%.1f,%.2f", k ? "," : "", pts[k][0], pts[k][1], pts[k][2]);
    fputs("],\"face_keypoints_2d\":[]}", f);
}

static void write_frame(const char *dir, const char *stem, int k, int nurse)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s_%012d_keypoints.json", dir, stem, k);
    FILE *f = fopen(path, "w");
    person_json(f, 160, 140, 0.9);
    if (nurse) { /* someone passing at the edge of the picture */
        fputs(",{\"pose_keypoints_2d\":[", f);
        for (int p = 0; p < 25; p++)
            fprintf(f, "%s%.1f,%.1f,%.2f", p ? "," : "", 300.0, 40.0 + p, p < 9 ? 0.8 : 0.0);
        fputs("]}", f);
    }
    fputs("]}\n", f);
    fclose(f);
}

static int is_red(const uint8_t *px)
{
    return px[0] > 170 && px[1] < 90 && px[2] < 90;
}

static void reads_openpose_json(void)
{
    const char *dir = test_path("kp");
    mkdir(dir, 0777);
    write_frame(dir, "clip", 7, 1);
    SemioPerson *p;
    size_t n;
    SemioError err = { 0 };
    char path[1024];
    snprintf(path, sizeof(path), "%s/clip_000000000007_keypoints.json", dir);
    CHECK_OK(semio_openpose_read(path, &p, &n, &err), err);
    CHECK_INT(n, 2);
    CHECK_INT(p[0].npoints, 25);
    CHECK(fabsf(p[0].body[4].y - 170) < 1e-3);
    semio_free(p);
    FILE *f = fopen(path, "w");
    fputs("{\"people\":[{\"pose_keypoints_2d\":[1,2,3,4]}]}", f);
    fclose(f);
    CHECK(semio_openpose_read(path, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "not 75 (BODY_25) or 54 (COCO-18)"));
    f = fopen(path, "w");
    fputs("not json", f);
    fclose(f);
    CHECK(semio_openpose_read(path, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "clip_000000000007_keypoints.json"));

    SemioKeypointDir *kd;
    write_frame(dir, "clip", 3, 0);
    CHECK_OK(semio_keypoints_open(&kd, dir, "clip.mp4", &err), err);
    CHECK_INT(semio_keypoints_count(kd), 2);
    CHECK(semio_keypoints_path(kd, 3) != NULL);
    CHECK(semio_keypoints_path(kd, 4) == NULL);
    semio_keypoints_close(&kd);
    CHECK(semio_keypoints_open(&kd, dir, "other.mp4", &err) == SEMIO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "no OpenPose keypoints for other.mp4"));
}

static void the_patient_stays_the_nurse_passes(void)
{
    SemioPerson patient = { .npoints = 25 }, nurse = { .npoints = 25 };
    for (int k = 0; k < 9; k++) {
        patient.body[k] = (SemioKeypoint){ 160.0f + k, 120.0f + k, 0.9f };
        nurse.body[k] = (SemioKeypoint){ 20.0f + k, 20.0f, 0.9f };
    }
    SemioPerson f0[2] = { nurse, patient }, f1[1] = { patient }, f2[2] = { patient, nurse };
    SemioPerson *people[3] = { f0, f1, f2 };
    size_t counts[3] = { 2, 1, 2 };
    int choice[3];
    semio_choose_patient(people, counts, 3, 320, 240, choice);
    CHECK_INT(choice[0], 1);
    CHECK_INT(choice[1], 0);
    CHECK_INT(choice[2], 0);
    size_t none[2] = { 0, 0 };
    semio_choose_patient(people, none, 2, 320, 240, choice);
    CHECK_INT(choice[0], -1);
}

static void overlay_pixels(void)
{
    SKIP_UNLESS_BUILT("overlay");
    SemioImage img;
    CHECK(semio_image_alloc(&img, 640, 480) == 0);
    memset(img.data, 128, (size_t)img.stride * 480);
    SemioPerson p = { .npoints = 25 };
    p.body[3] = (SemioKeypoint){ 100, 50, 0.9f };  /* right elbow */
    p.body[4] = (SemioKeypoint){ 100, 150, 0.9f }; /* right wrist */
    p.body[6] = (SemioKeypoint){ 200, 50, 0.9f };  /* left elbow */
    p.body[7] = (SemioKeypoint){ 200, 150, 0.05f }; /* left wrist, unsure */
    SemioError err = { 0 };
    /* keypoints in a 320x240 frame, drawn on 640x480: everything doubles */
    CHECK_OK(semio_draw_skeleton(&img, &p, 320, 240, 0.1f, &err), err);
    const uint8_t *mid = img.data + (size_t)200 * img.stride + 3 * 200; /* (200, 200) */
    CHECK_MSG(is_red(mid), "right forearm pixel is %d,%d,%d", mid[0], mid[1], mid[2]);
    const uint8_t *left = img.data + (size_t)200 * img.stride + 3 * 400;
    CHECK_MSG(left[0] == 128 && left[1] == 128, "an unsure limb was drawn");
    const uint8_t *away = img.data + (size_t)400 * img.stride + 3 * 600;
    CHECK(away[0] == 128 && away[1] == 128 && away[2] == 128);
    /* points far off the picture or not numbers at all draw nothing and touch no memory
     * outside it (the sanitizer build checks) */
    p.body[3] = (SemioKeypoint){ NAN, 50, 0.9f };
    p.body[4] = (SemioKeypoint){ 1e12f, -1e12f, 0.9f };
    p.body[6] = (SemioKeypoint){ -400, 100, 0.9f };
    p.body[7] = (SemioKeypoint){ 319, 239, 0.9f }; /* the corner: drawn up to the edge */
    CHECK_OK(semio_draw_skeleton(&img, &p, 320, 240, 0.1f, &err), err);
    CHECK(semio_draw_skeleton(&img, &p, 0, 240, 0.1f, &err) == SEMIO_ERR_INVALID);
    p.npoints = 12;
    CHECK(semio_draw_skeleton(&img, &p, 320, 240, 0.1f, &err) == SEMIO_ERR_INVALID);
    semio_image_free(&img);
}


/* A study of the recordings in `rec`: ingested, one segment each, `frames` sampled. */
static int sampled_study(const char *db, const char *rec, int frames, SemioStudy **s,
                         SemioError *err)
{
    SemioIngestReport irep;
    SemioSegmentReport grep_;
    SemioSegmentSettings seg;
    SemioSampleSettings smp;
    SemioSampleReport srep;
    const char *paths[1] = { rec };
    semio_segment_default_settings(&seg);
    semio_sample_default_settings(&smp);
    smp.frames = frames;
    int r = semio_study_open(s, db, SEMIO_STUDY_CREATE, err);
    if (r == 0 && (r = semio_ingest(*s, paths, 1, NULL, &irep, err)) == 0 &&
        (r = semio_segment(*s, &seg, &grep_, err)) == 0)
        r = semio_sample(*s, &smp, &srep, err);
    if (r < 0)
        semio_study_close(s);
    return r;
}

static void pose_view_of_a_study(void)
{
    SKIP_UNLESS_BUILT("overlay");
    const char *rec = test_path("rec");
    mkdir(rec, 0777);
    char a[1024], b[1024], sub[1024];
    snprintf(a, sizeof(a), "%s/K1@d@r@sz_v1.mp4", rec);
    snprintf(b, sizeof(b), "%s/K2@d@r@sz_v1.mp4", rec);
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = 320;
    ws.height = 240;
    ws.preset = "ultrafast";
    CHECK(testvideo_make(a, &ws, 60) == 0 && testvideo_make(b, &ws, 60) == 0);
    snprintf(sub, sizeof(sub), "%s/K1@d@r@sz_v1", rec); /* OpenPose's folder per video */
    mkdir(sub, 0777);
    for (int k = 0; k < 60; k++)
        write_frame(sub, "K1@d@r@sz_v1", k, k % 3 == 0);
    const char *db = test_path("pose.db");
    SemioStudy *s;
    SemioError err = { 0 };
    CHECK_OK(sampled_study(db, rec, 4, &s, &err), err);
    SemioEnhanceSettings set;
    SemioEnhanceReport rep;
    semio_enhance_default_settings(&set);
    set.view = "pose";
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    CHECK_INT(rep.made, 1);
    CHECK_INT(rep.failed, 1); /* K2 has no keypoints */
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    CHECK_INT(rep.skipped, 2);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views WHERE kind = 'pose' AND status = 'failed' AND "
                     "error LIKE '%no OpenPose keypoints for K2@d@r@sz_v1.mp4%'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views WHERE note = '4 of 4 frames show the "
                     "patient''s skeleton'"), 1);
    /* the overlay of frame 0: the right forearm (x 130, y 150..170) is red, the index
     * band on top still reads */
    char overlay[1200];
    snprintf(overlay, sizeof(overlay), "%.*s.cache/pose/v1/n4-p602112-q90/f0000000.jpg",
             (int)strlen(db) - 3, db);
    SemioImage img;
    CHECK_OK(semio_jpeg_read(overlay, &img, &err), err);
    CHECK(is_red(img.data + (size_t)160 * img.stride + 3 * 130));
    CHECK_INT(testvideo_read(img.data, img.width, img.height, img.stride), 0);
    semio_image_free(&img);
}

/* OpenPose JSON of one person whose 70 face points ring a face at (cx, cy), `size` across;
 * `x0`, when not NULL, is written as the first jaw point's x (its confidence `c0`). */
static void face_json(const char *path, double cx, double cy, double size, const char *x0,
                      double c0)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs("{\"version\":1.3,\"people\":[{\"pose_keypoints_2d\":[", f);
    for (int k = 0; k < 25; k++)
        fprintf(f, "%s%.1f,%.1f,%.2f", k ? "," : "", cx, cy + 4 * k, 0.9);
    fputs("],\"face_keypoints_2d\":[", f);
    for (int k = 0; k < 70; k++) {
        double a = 2 * M_PI * k / 27; /* jaw and brows (0..26) go all round */
        if (k == 0 && x0)
            fprintf(f, "%s,%.1f,%.2f", x0, cy, c0);
        else
            fprintf(f, "%s%.1f,%.1f,0.90", k ? "," : "", cx + size / 2 * cos(a),
                    cy + size / 2 * sin(a));
    }
    fputs("]}]}\n", f);
    fclose(f);
}

/* Keypoints at no place in a picture (NaN, 1e30) or outside the recording: the reader
 * refuses what no picture holds, naming the file, the person and the point, and the face
 * view fails for the window, never stores a crop of a picture's corner as the face. */
static void absurd_keypoints_fail_the_face_view(void)
{
    const char *kp = test_path("one.json");
    SemioPerson *p = NULL;
    size_t n;
    SemioError err = { 0 };
    face_json(kp, 160, 100, 60, "NaN", 0.0); /* not found: no place, whatever is written */
    CHECK_OK(semio_openpose_read(kp, &p, &n, &err), err);
    CHECK(p[0].face[0].x == 0 && p[0].face[0].c == 0);
    semio_free(p);
    face_json(kp, 160, 100, 60, "NaN", 0.9);
    CHECK(semio_openpose_read(kp, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK_MSG(strstr(err.message, "one.json: person 0, face point 0 is at (nan, 100) with "
                     "confidence 0.90: not a place in any picture"), "%s", err.message);
    face_json(kp, 160, 100, 60, "1e30", 0.9);
    CHECK(semio_openpose_read(kp, &p, &n, &err) == SEMIO_ERR_FORMAT);
    CHECK_MSG(strstr(err.message, "face point 0 is at (1e+30, 100)"), "%s", err.message);

    const char *rec = test_path("absurd");
    mkdir(rec, 0777);
    char clip[1024], sub[1024], first[1200];
    snprintf(clip, sizeof(clip), "%s/A1@d@r@sz_v1.mp4", rec);
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = 320;
    ws.height = 240;
    ws.preset = "ultrafast";
    CHECK(testvideo_make(clip, &ws, 60) == 0);
    snprintf(sub, sizeof(sub), "%s/A1@d@r@sz_v1", rec);
    mkdir(sub, 0777);
    for (int k = 0; k < 60; k++) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/A1@d@r@sz_v1_%012d_keypoints.json", sub, k);
        face_json(path, 160, 100, 60, NULL, 0);
    }
    snprintf(first, sizeof(first), "%s/A1@d@r@sz_v1_000000000000_keypoints.json", sub);
    const char *db = test_path("absurd.db");
    SemioStudy *s;
    CHECK_OK(sampled_study(db, rec, 4, &s, &err), err);
    SemioEnhanceSettings set;
    SemioEnhanceReport rep;
    semio_enhance_default_settings(&set);
    set.view = "face";
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.made, 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views WHERE status = 'ok' AND note LIKE "
                           "'4 of 4 frames had a face (keypoints)%'"), 1);
    static const struct { const char *x; const char *error; /* as SQL text */ } bad[] = {
        { "NaN", "A1@d@r@sz_v1_000000000000_keypoints.json: person 0, face point 0 is at (nan, "
                 "100) with confidence 0.90: not a place in any picture" },
        { "-1e30", "A1@d@r@sz_v1_000000000000_keypoints.json: person 0, face point 0 is at "
                   "(-1e+30, 100) with confidence 0.90: not a place in any picture" },
        { "5000", "A1@d@r@sz_v1_000000000000_keypoints.json: the patient''s face is at (2565, "
                  "100) and 4870 pixels across, outside the 320x240 recording (frame 0)" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        face_json(first, 160, 100, 60, bad[i].x, 0.9);
        sqlite3 *raw;
        CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
        CHECK(sqlite3_exec(raw, "DELETE FROM views", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(raw);
        CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
        CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
        semio_study_close(&s);
        CHECK_MSG(rep.failed == 1 && rep.made == 0, "x %s: %d made, %d failed", bad[i].x,
                  (int)rep.made, (int)rep.failed);
        char sql[600];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM views WHERE status = 'failed' AND "
                 "path IS NULL AND instr(error, '%s') > 0", bad[i].error);
        CHECK_MSG(test_sql(db, sql) == 1, "x %s: the error is not '%s'", bad[i].x, bad[i].error);
    }
}

/* A real face no one here drew (python3-skimage's astronaut.png) lying sideways, as a
 * patient in bed: dlib finds it only by searching turned copies, BlazeFace (where built)
 * as it is. */
static void face_view_with_the_builtin_detector(void)
{
    SKIP_UNLESS_BUILT("dlib");
    static const char astronaut[] = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
    SemioError err = { 0 };
    SemioImage up = { 0 }, lying;
    CHECK_MSG(test_read_picture(astronaut, &up, &err) == 0, "%s (python3-skimage is needed: "
              "scripts/install-deps)", err.message);
    CHECK_OK(semio_image_alloc(&lying, up.height, up.width), err);
    semio_image_rotate(&up, 90, &lying);
    const char *rec = test_path("faces");
    mkdir(rec, 0777);
    char clip[1024];
    snprintf(clip, sizeof(clip), "%s/F1@d@r@sz_v1.mp4", rec);
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = lying.width;
    ws.height = lying.height;
    ws.fps_num = 10;
    ws.preset = "ultrafast";
    SemioWriter *w;
    CHECK_OK(semio_writer_open(&w, clip, &ws, &err), err);
    for (int k = 0; k < 20; k++)
        CHECK_OK(semio_writer_video(w, lying.data, lying.stride, k / 10.0, &err), err);
    CHECK_OK(semio_writer_close(&w, &err), err);
    semio_image_free(&up);
    semio_image_free(&lying);
    const char *db = test_path("faces.db");
    SemioStudy *s;
    CHECK_OK(sampled_study(db, rec, 2, &s, &err), err);
    SemioEnhanceSettings set;
    SemioEnhanceReport rep;
    semio_enhance_default_settings(&set);
    set.view = "face";
    set.detector.backend = SEMIO_FACE_DLIB;
    set.detector.turns = 0; /* upright search only: the lying face is missed */
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    CHECK_INT(rep.failed, 1);
    semio_study_close(&s);
    sqlite3 *raw;
    CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, "DELETE FROM views", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    set.detector.turns = 1;
    set.face_every = 2; /* one of the two frames searched: the turned search is the slow part */
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.made, 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views WHERE kind = 'face' AND note LIKE "
                           "'1 of 1 frames searched had a face (dlib)%'"), 1);
    /* the face sits at (223, 114) of the upright picture: turned a quarter clockwise it is
     * at (511 - 114, 223); the crop must hold it, and not be much more than a head */
    long long x = test_sql(db, "SELECT CAST(substr(note, instr(note, 'at (') + 4) AS INTEGER) FROM views");
    long long y = test_sql(db, "SELECT CAST(substr(note, instr(note, ', ') + 2) AS INTEGER) FROM views");
    long long side = test_sql(db, "SELECT CAST(substr(note, instr(note, 'crop ') + 5) AS INTEGER) FROM views");
    CHECK_MSG(x <= 397 && 397 <= x + side && y <= 223 && 223 <= y + side && side < 260,
              "crop %lldx%lld at (%lld, %lld)", side, side, x, y);
    if (!semio_face_blazeface_built())
        return;
    /* BlazeFace finds the lying face itself, on both frames */
    CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, "DELETE FROM views", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    set.detector.backend = SEMIO_FACE_BLAZEFACE;
    set.face_every = 1;
    CHECK_OK(semio_enhance(s, &set, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.made, 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM views WHERE kind = 'face' AND note LIKE "
                           "'2 of 2 frames searched had a face (blazeface)%'"), 1);
    x = test_sql(db, "SELECT CAST(substr(note, instr(note, 'at (') + 4) AS INTEGER) FROM views");
    y = test_sql(db, "SELECT CAST(substr(note, instr(note, ', ') + 2) AS INTEGER) FROM views");
    side = test_sql(db, "SELECT CAST(substr(note, instr(note, 'crop ') + 5) AS INTEGER) FROM views");
    CHECK_MSG(x <= 397 && 397 <= x + side && y <= 223 && 223 <= y + side && side < 260,
              "BlazeFace: crop %lldx%lld at (%lld, %lld)", side, side, x, y);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(face_view_with_the_builtin_detector),
        TEST(reads_openpose_json),
        TEST(the_patient_stays_the_nurse_passes),
        TEST(overlay_pixels),
        TEST(pose_view_of_a_study),
        TEST(absurd_keypoints_fail_the_face_view),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
