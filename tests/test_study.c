/* The study database: ingest, labels, segments, sampling, resumption, bad inputs. */
#include <json-c/json.h>
#include <math.h>
#include <libavutil/log.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

static const char *paper_labels(void)
{
    static char path[1024];
    const char *root = getenv("SEMIO_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/tests/fixtures/paper/90_FeatureAnnotation.csv",
             root ? root : ".");
    return path;
}


static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static const char *new_study(const char *name)
{
    const char *p = test_path(name);
    unlink(p);
    return p;
}

static int make_clip(const char *path, int frames, int w, int h)
{
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = w;
    s.height = h;
    s.gop = 30;
    s.bframes = 2;
    s.preset = "ultrafast";
    s.audio_rate = 16000;
    return testvideo_make(path, &s, frames);
}

static void paper_labels_ingest_as_they_are(void)
{
    const char *db = new_study("paper.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, paper_labels(), NULL, &rep, &err), err);
    CHECK_INT(rep.rows, 90);
    CHECK_INT(rep.sign_columns, 20);
    CHECK_INT(rep.new_videos, 90);
    CHECK_INT(rep.values_set, 1800);
    /* again: nothing changes */
    CHECK_OK(semio_ingest_labels(s, paper_labels(), NULL, &rep, &err), err);
    CHECK_INT(rep.values_set, 0);
    CHECK_INT(rep.unchanged, 1800);
    semio_study_close(&s);

    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE status = 'no_file'"), 90);
    CHECK_INT(test_sql(db, "SELECT count(DISTINCT patient) FROM videos"), 29); /* the paper's 29 */
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v1.mp4' AND sign = 'tonic'"), 1);
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v1.mp4' AND sign = 'close_eyes'"),
              0);
    /* empty = unknown, never "no" */
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v2.mp4' AND "
                     "sign = 'verbal_responsiveness'"), -2);
    CHECK_INT(test_sql(db, "SELECT seizure_start FROM videos WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v1.mp4'"), 208);
    CHECK_INT(test_sql(db, "SELECT seizure_end FROM videos WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v1.mp4'"), 305);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM label_fields WHERE name = 'gender'"), 90);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM label_fields WHERE name = 'label'"), 90);
    CHECK_INT(test_sql(db, "SELECT patient = 'A0002' FROM videos WHERE "
                     "file_name = 'A0002@5-13-2021@UA6693LK@sz_v1.mp4'"), 1);
}

static void label_csv_variants(void)
{
    /* BOM, CRLF, quoted fields with commas and quotes, blank lines, upper case values. */
    const char *csv = test_path("variant.csv");
    write_text(csv, "\xEF\xBB\xBF" "file_name,tonic,clonic,note,start_time,end_time\r\n"
                    "\"P1@a@b@sz_v1.mp4\",YES,no,\"bed 3, \"\"left\"\" side\",0:05,1:02:03\r\n"
                    "\r\n"
                    "P2@a@b@sz_v1.mp4, no ,,plain,,\r\n");
    const char *db = new_study("variant.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.rows, 2);
    CHECK_INT(rep.sign_columns, 2);
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id "
                     "WHERE file_name = 'P1@a@b@sz_v1.mp4' AND sign = 'tonic'"), 1);
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id "
                     "WHERE file_name = 'P2@a@b@sz_v1.mp4' AND sign = 'tonic'"), 0);
    CHECK_INT(test_sql(db, "SELECT value FROM labels JOIN videos v ON v.id = video_id "
                     "WHERE file_name = 'P2@a@b@sz_v1.mp4' AND sign = 'clonic'"), -2);
    CHECK_INT(test_sql(db, "SELECT seizure_end FROM videos WHERE file_name = 'P1@a@b@sz_v1.mp4'"),
              3723);
    CHECK_INT(test_sql(db, "SELECT value = 'bed 3, \"left\" side' FROM label_fields WHERE "
                     "name = 'note' AND video_id = 1"), 1);
}

static void bad_label_files_change_nothing(void)
{
    const char *db = new_study("bad-labels.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    const char *good = test_path("good.csv");
    write_text(good, "file_name,tonic\nP1@x@y@sz_v1.mp4,yes\n");
    CHECK_OK(semio_ingest_labels(s, good, NULL, &rep, &err), err);

    static const struct {
        const char *name, *text, *needle;
    } bad[] = {
        { "no-file-name.csv", "video,tonic\nP1@x@y@sz_v1.mp4,no\n", "no file_name column" },
        { "duplicate.csv", "file_name,tonic\nP9@x.mp4,no\nP8@x.mp4,yes\nP9@x.mp4,yes\n",
          "both label P9@x.mp4" },
        { "unknown-value.csv", "file_name,tonic\nP1@x@y@sz_v1.mp4,maybe\n", "'maybe'" },
        { "bad-time.csv", "file_name,tonic,start_time\nP1@x@y@sz_v1.mp4,no,3:75\n", "not a time" },
        { "ragged.csv", "file_name,tonic\nP1@x@y@sz_v1.mp4,no,extra\n", "has 3 fields" },
        { "dup-column.csv", "file_name,tonic,tonic\nP1@x@y@sz_v1.mp4,no,no\n", "appears twice" },
        { "empty.csv", "", "empty" },
        { "unterminated.csv", "file_name,tonic\n\"P1@x@y@sz_v1.mp4,no\n", "not valid CSV" },
        { "path.csv", "file_name,tonic\n/data/P1@x.mp4,no\n", "not a path" },
        { "no-signs.csv", "file_name,colour\nP1@x.mp4,red\n", "no sign columns" },
        { "empty-name.csv", "file_name,tonic\n ,no\n", "empty file_name" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *p = test_path(bad[i].name);
        write_text(p, bad[i].text);
        memset(&err, 0, sizeof(err));
        int r = semio_ingest_labels(s, p, NULL, &rep, &err);
        CHECK_MSG(r == SEMIO_ERR_FORMAT, "%s: returned %d (%s)", bad[i].name, r, err.message);
        CHECK_MSG(strstr(err.message, bad[i].name), "%s: message does not name the file: %s",
                  bad[i].name, err.message);
        CHECK_MSG(strstr(err.message, bad[i].needle), "%s: message lacks '%s': %s", bad[i].name,
                  bad[i].needle, err.message);
    }
    const char *binary = test_path("binary.csv");
    FILE *f = fopen(binary, "wb");
    fwrite("file_name\0\1\2", 1, 12, f);
    fclose(f);
    CHECK(semio_ingest_labels(s, binary, NULL, &rep, &err) == SEMIO_ERR_FORMAT);
    CHECK(semio_ingest_labels(s, test_path("absent.csv"), NULL, &rep, &err) == SEMIO_ERR_IO);
    semio_study_close(&s);
    /* nothing of the bad files got in */
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM labels"), 1);
    CHECK_INT(test_sql(db, "SELECT value FROM labels"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM label_sources"), 1);
}

static void patient_rule(void)
{
    const char *dir = test_path("patients");
    mkdir(dir, 0777);
    char a[600], b[600];
    snprintf(a, sizeof(a), "%s/P17_2021_run1.mp4", dir);
    snprintf(b, sizeof(b), "%s/nobody.mp4", dir);
    CHECK(make_clip(a, 10, 64, 48) == 0);
    CHECK(make_clip(b, 10, 64, 48) == 0);
    const char *db = new_study("patients.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestSettings set;
    SemioIngestReport rep;
    semio_ingest_default_settings(&set);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    set.patient_regex = "^(P[0-9]+";
    const char *paths[1] = { dir };
    CHECK(semio_ingest(s, paths, 1, &set, &rep, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "not a valid regex"));
    set.patient_regex = "^P[0-9]+_";
    CHECK(semio_ingest(s, paths, 1, &set, &rep, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "group"));
    set.patient_regex = "^(P[0-9]+)_";
    CHECK_OK(semio_ingest(s, paths, 1, &set, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.added, 2);
    CHECK_INT(rep.no_patient, 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE patient IN ('P17', 'nobody')"), 2);
}

typedef struct Errors {
    int n;
    char last[1200];
} Errors;

static void remember_error(void *user, const char *path, const char *msg)
{
    Errors *e = user;
    e->n++;
    snprintf(e->last, sizeof(e->last), "%s", msg);
}

static void ingest_is_idempotent_and_notices_changes(void)
{
    const char *dir = test_path("rec");
    mkdir(dir, 0777);
    char a[600], b[600], c[600];
    snprintf(a, sizeof(a), "%s/A1@d@r@sz_v1.mp4", dir);
    snprintf(b, sizeof(b), "%s/A2@d@r@sz_v1.mkv", dir);
    snprintf(c, sizeof(c), "%s/readme.txt", dir);
    CHECK(make_clip(a, 60, 160, 120) == 0);
    CHECK(make_clip(b, 45, 160, 120) == 0);
    write_text(c, "not a recording, and not named like one\n");
    const char *db = new_study("rec.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestReport rep;
    const char *paths[1] = { dir };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_INT(rep.added, 2);
    CHECK_INT(test_sql(db, "SELECT frame_count FROM videos WHERE file_name = 'A1@d@r@sz_v1.mp4'"), 60);
    CHECK_INT(test_sql(db, "SELECT frame_count FROM videos WHERE file_name = 'A2@d@r@sz_v1.mkv'"), 45);
    CHECK_INT(test_sql(db, "SELECT audio_rate FROM videos WHERE file_name = 'A2@d@r@sz_v1.mkv'"), 16000);

    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_INT(rep.added, 0);
    CHECK_INT(rep.unchanged, 2);

    /* Sample both, then change one file: it is re-probed and only its samples go. */
    SemioSegmentSettings seg;
    SemioSegmentReport srep;
    semio_segment_default_settings(&seg);
    CHECK_OK(semio_segment(s, &seg, &srep, &err), err);
    SemioSampleSettings smp;
    SemioSampleReport prep;
    semio_sample_default_settings(&smp);
    smp.frames = 5;
    CHECK_OK(semio_sample(s, &smp, &prep, &err), err);
    CHECK_INT(prep.segments_done, 2);
    CHECK(make_clip(a, 90, 160, 120) == 0);
    struct utimbuf later = { time(NULL) + 5, time(NULL) + 5 };
    utime(a, &later);
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_INT(rep.changed, 1);
    CHECK_INT(rep.unchanged, 1);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT frame_count FROM videos WHERE file_name = 'A1@d@r@sz_v1.mp4'"), 90);
    CHECK_INT(test_sql(db, "SELECT changed FROM videos WHERE file_name = 'A1@d@r@sz_v1.mp4'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM samples"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM frames"), 5);
}

static void bad_recordings_are_recorded_not_fatal(void)
{
    const char *dir = test_path("bad-rec");
    const char *other = test_path("other-dir");
    mkdir(dir, 0777);
    mkdir(other, 0777);
    char zero[600], text[600], audio[600], uni[600], dup[600];
    snprintf(zero, sizeof(zero), "%s/zero@x.mp4", dir);
    snprintf(text, sizeof(text), "%s/text@x.avi", dir);
    snprintf(audio, sizeof(audio), "%s/voice@x.mp4", dir); /* audio-only MP4 */
    snprintf(uni, sizeof(uni), "%s/Ünï@患者.mp4", dir);
    snprintf(dup, sizeof(dup), "%s/Ünï@患者.mp4", other);
    write_text(zero, "");
    write_text(text, "RIFF but not really\n");
    SemioWriterSettings ws;
    semio_writer_default_settings(&ws);
    ws.width = ws.height = 0;
    ws.audio_rate = 16000;
    CHECK(testvideo_make(audio, &ws, 30) == 0);
    CHECK(make_clip(uni, 20, 64, 48) == 0);
    CHECK(make_clip(dup, 20, 64, 48) == 0);

    const char *db = new_study("bad-rec.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestSettings set;
    SemioIngestReport rep;
    Errors errors = { 0 };
    semio_ingest_default_settings(&set);
    set.on_error = remember_error;
    set.error_user = &errors;
    const char *paths[2] = { dir, dup };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest(s, paths, 2, &set, &rep, &err), err);
    semio_study_close(&s);
    CHECK_INT(rep.added, 1);
    CHECK_INT(rep.failed, 4);
    CHECK_INT(errors.n, 4);
    CHECK_MSG(strstr(errors.last, "already in the study"), "%s", errors.last);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE status = 'ok'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE status = 'error'"), 2);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE status = 'no_video'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE error LIKE '%empty%'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos WHERE file_name = 'Ünï@患者.mp4' AND "
                     "patient = 'Ünï'"), 1);
}

static void labels_first_recordings_later(void)
{
    const char *dir = test_path("later");
    mkdir(dir, 0777);
    char a[600];
    snprintf(a, sizeof(a), "%s/B1@d@r@sz_v1.mp4", dir);
    CHECK(make_clip(a, 30, 64, 48) == 0);
    const char *csv = test_path("later.csv");
    write_text(csv, "file_name,clonic,start_time,end_time\nB1@d@r@sz_v1.mp4,yes,0:00,0:01\n");
    const char *db = new_study("later.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioLabelsReport lrep;
    SemioIngestReport rep;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &lrep, &err), err);
    CHECK_INT(lrep.new_videos, 1);
    const char *paths[1] = { a };
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_INT(rep.added, 1);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM videos"), 1);
    CHECK_INT(test_sql(db, "SELECT status = 'ok' AND frame_count = 30 FROM videos"), 1);
    CHECK_INT(test_sql(db, "SELECT value FROM labels WHERE sign = 'clonic'"), 1);
}

/* Segment bounds of one video in a set, as "a-b;" in tenths of seconds. */
static void segments_of(const char *db, const char *set, char *out, size_t size)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    out[0] = '\0';
    sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
    sqlite3_prepare_v2(h, "SELECT start_s, end_s FROM segments g JOIN segment_sets t ON "
                          "t.id = g.set_id WHERE t.name = ? ORDER BY g.ordinal", -1, &st, NULL);
    sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%.0f-%.0f;", sqlite3_column_double(st, 0) * 10,
                 sqlite3_column_double(st, 1) * 10);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void segments_windows_and_labels(void)
{
    const char *dir = test_path("seg");
    mkdir(dir, 0777);
    char a[600];
    snprintf(a, sizeof(a), "%s/C1@d@r@sz_v1.mp4", dir);
    CHECK(make_clip(a, 300, 64, 48) == 0); /* 10 s */
    const char *csv = test_path("seg.csv");
    write_text(csv, "file_name,tonic,start_time,end_time\nC1@d@r@sz_v1.mp4,yes,0:02,0:05\n");
    const char *db = new_study("seg.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestReport rep;
    SemioLabelsReport lrep;
    SemioSegmentReport srep;
    SemioSegmentSettings set;
    const char *paths[1] = { a };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_OK(semio_ingest_labels(s, csv, NULL, &lrep, &err), err);

    semio_segment_default_settings(&set);
    CHECK_OK(semio_segment(s, &set, &srep, &err), err);
    CHECK_STR(srep.set_name, "whole");
    CHECK_INT(srep.segments, 1);
    CHECK_OK(semio_segment(s, &set, &srep, &err), err);
    CHECK_INT(srep.segments, 0);
    CHECK_INT(srep.skipped, 1);

    set.window = 4;
    set.overlap = 1;
    CHECK_OK(semio_segment(s, &set, &srep, &err), err);
    CHECK_STR(srep.set_name, "w4-o1");
    CHECK_INT(srep.segments, 3);

    set.window = 0;
    set.overlap = 0;
    set.within_labels = 1;
    set.margin = 1;
    CHECK_OK(semio_segment(s, &set, &srep, &err), err);
    CHECK_STR(srep.set_name, "whole-labels-m1");

    set.within_labels = 0;
    set.margin = 0;
    set.name = "w4-o1";
    CHECK(semio_segment(s, &set, &srep, &err) == SEMIO_ERR_CONFLICT);
    set.name = NULL;
    set.window = 3;
    set.overlap = 3;
    CHECK(semio_segment(s, &set, &srep, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "overlap"));
    semio_study_close(&s);

    char got[256];
    segments_of(db, "whole", got, sizeof(got));
    CHECK_STR(got, "0-100;");
    segments_of(db, "w4-o1", got, sizeof(got));
    CHECK_STR(got, "0-40;30-70;60-100;");
    segments_of(db, "whole-labels-m1", got, sizeof(got));
    CHECK_STR(got, "10-60;");
}

typedef struct Check {
    int64_t n, bad;
} Check;

/*
 * Every recorded frame file decodes and shows the index the study says it is; with
 * by_time, the frame the study's timestamp says it is (30 fps clips).
 */
static void check_frames_as(const char *db, Check *c, int by_time)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    memset(c, 0, sizeof(*c));
    char cache[600];
    snprintf(cache, sizeof(cache), "%.*s.cache", (int)(strlen(db) - 3), db);
    sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
    sqlite3_prepare_v2(h, "SELECT frame_index, path, time_s FROM frames", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char path[1300];
        snprintf(path, sizeof(path), "%s/%s", cache, (const char *)sqlite3_column_text(st, 1));
        SemioImage img;
        SemioError err = { 0 };
        c->n++;
        if (semio_jpeg_read(path, &img, &err) < 0) {
            c->bad++;
            continue;
        }
        int64_t want = by_time ? llround(sqlite3_column_double(st, 2) * 30)
                               : sqlite3_column_int64(st, 0);
        if (testvideo_read(img.data, img.width, img.height, img.stride) != want)
            c->bad++;
        semio_image_free(&img);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void check_frames(const char *db, Check *c)
{
    check_frames_as(db, c, 0);
}

static void sampling_is_exact_and_resumable(void)
{
    const char *dir = test_path("smp");
    mkdir(dir, 0777);
    char a[600], b[600], c[600];
    snprintf(a, sizeof(a), "%s/D1@d@r@sz_v1.mp4", dir);
    snprintf(b, sizeof(b), "%s/D2@d@r@sz_v1.mp4", dir);
    snprintf(c, sizeof(c), "%s/D3@d@r@sz_v1.mp4", dir);
    CHECK(make_clip(a, 300, 320, 240) == 0);
    CHECK(make_clip(b, 150, 200, 120) == 0);
    CHECK(make_clip(c, 20, 96, 64) == 0); /* shorter than N */
    const char *db = new_study("smp.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestReport rep;
    SemioSegmentReport srep;
    SemioSegmentSettings seg;
    SemioSampleSettings set;
    SemioSampleReport prep;
    const char *paths[1] = { dir };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    semio_sample_default_settings(&set);
    CHECK(semio_sample(s, &set, &prep, &err) == SEMIO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "semio segment"));
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    semio_segment_default_settings(&seg);
    CHECK_OK(semio_segment(s, &seg, &srep, &err), err);
    semio_sample_default_settings(&set);
    set.frames = 30;
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    CHECK_STR(prep.key, "n30-p602112-q90");
    CHECK_INT(prep.segments_done, 3);
    CHECK_INT(prep.frames_written, 30 + 30 + 20);

    /* again: nothing to do */
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    CHECK_INT(prep.segments_skipped, 3);
    CHECK_INT(prep.frames_written, 0);
    semio_study_close(&s);

    Check chk;
    check_frames(db, &chk);
    CHECK_INT(chk.n, 80);
    CHECK_INT(chk.bad, 0);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM samples WHERE note LIKE '%fewer than the 30%'"), 1);
    CHECK_INT(test_sql(db, "SELECT count(DISTINCT frame_index) FROM frames f JOIN segments g ON "
                     "g.id = f.segment_id JOIN videos v ON v.id = g.video_id WHERE "
                     "v.file_name = 'D3@d@r@sz_v1.mp4'"), 20);
    /* The pilot's rule: linspace(0, 299, 30) floored. */
    CHECK_INT(test_sql(db, "SELECT frame_index FROM frames WHERE ordinal = 1 AND segment_id = 1"), 10);
    CHECK_INT(test_sql(db, "SELECT frame_index FROM frames WHERE ordinal = 29 AND segment_id = 1"), 299);
    CHECK_INT(test_sql(db, "SELECT round(time_s * 1000) FROM frames WHERE ordinal = 1 AND "
                     "segment_id = 1"), 333);

    /* A run killed before recording segment 2: only that one is sampled again, and
     * its frame files (already renamed into place) are reused. */
    sqlite3 *h;
    sqlite3_open(db, &h);
    sqlite3_exec(h, "PRAGMA foreign_keys = ON; DELETE FROM samples WHERE segment_id = 2", NULL,
                 NULL, NULL);
    sqlite3_close(h);
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    CHECK_INT(prep.segments_done, 1);
    CHECK_INT(prep.segments_skipped, 2);
    CHECK_INT(prep.frames_reused, 30);
    CHECK_INT(prep.frames_written, 0);

    /* F per second: a 10 s recording at 2 fps gives 20 frames, every 15th. */
    set.fps = 2;
    set.frames = 60;
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    CHECK_STR(prep.key, "fps2-n60-p602112-q90");
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT count(*) FROM frames f JOIN samplings m ON m.id = f.sampling_id "
                     "WHERE m.key = 'fps2-n60-p602112-q90' AND f.segment_id = 1"), 20);
    CHECK_INT(test_sql(db, "SELECT sum(frame_index % 15) FROM frames f JOIN samplings m ON "
                     "m.id = f.sampling_id WHERE m.key = 'fps2-n60-p602112-q90' AND "
                     "f.segment_id = 1"), 0);
    check_frames(db, &chk);
    CHECK_INT(chk.bad, 0);
}

static void sampling_scales_to_the_budget(void)
{
    const char *dir = test_path("budget");
    mkdir(dir, 0777);
    char a[600];
    snprintf(a, sizeof(a), "%s/E1@d@r@sz_v1.mp4", dir);
    CHECK(make_clip(a, 30, 640, 360) == 0);
    const char *db = new_study("budget.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestReport rep;
    SemioSegmentReport srep;
    SemioSegmentSettings seg;
    SemioSampleSettings set;
    SemioSampleReport prep;
    const char *paths[1] = { a };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    semio_segment_default_settings(&seg);
    CHECK_OK(semio_segment(s, &seg, &srep, &err), err);
    semio_sample_default_settings(&set);
    set.frames = 4;
    set.max_pixels = 320 * 180;
    set.quality = 80;
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    set.quality = 0;
    CHECK(semio_sample(s, &set, &prep, &err) == SEMIO_ERR_INVALID);
    semio_study_close(&s);
    CHECK_INT(test_sql(db, "SELECT width * 1000 + height FROM samples"), 320180);
    Check chk;
    check_frames(db, &chk);
    CHECK_INT(chk.n, 4);
    CHECK_INT(chk.bad, 0);
}

static void sampling_records_damage(void)
{
    const char *dir = test_path("damage");
    mkdir(dir, 0777);
    char a[600], cut[600];
    snprintf(a, sizeof(a), "%s/whole.mp4", test_dir());
    snprintf(cut, sizeof(cut), "%s/F1@d@r@sz_v1.mp4", dir);
    CHECK(make_clip(a, 300, 160, 120) == 0);
    struct stat st;
    CHECK(stat(a, &st) == 0);
    char cmd[1400];
    snprintf(cmd, sizeof(cmd), "head -c %lld '%s' > '%s'", (long long)st.st_size / 2, a, cut);
    CHECK(system(cmd) == 0);
    const char *db = new_study("damage.db");
    SemioStudy *s;
    SemioError err = { 0 };
    SemioIngestReport rep;
    SemioSegmentReport srep;
    SemioSegmentSettings seg;
    SemioSampleSettings set;
    SemioSampleReport prep;
    const char *paths[1] = { dir };
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_ingest(s, paths, 1, NULL, &rep, &err), err);
    CHECK_INT(rep.added, 1);
    semio_segment_default_settings(&seg);
    CHECK_OK(semio_segment(s, &seg, &srep, &err), err);
    semio_sample_default_settings(&set);
    set.frames = 20;
    CHECK_OK(semio_sample(s, &set, &prep, &err), err);
    semio_study_close(&s);
    CHECK(test_sql(db, "SELECT count(*) FROM videos WHERE warning LIKE '%truncated%'") == 1);
    /* B-frames cut off at the end are missing from the file, so the last indices count
     * the frames present; every frame's time stays exact. */
    Check chk;
    check_frames_as(db, &chk, 1);
    CHECK_INT(chk.bad, 0);
    CHECK(chk.n >= 18);
}

static void study_open_refuses_foreign_files(void)
{
    const char *text = test_path("not-a-study.db");
    write_text(text, "this is a text file that is long enough to not be a database header\n");
    SemioStudy *s = NULL;
    SemioError err = { 0 };
    CHECK(semio_study_open(&s, text, SEMIO_STUDY_CREATE, &err) == SEMIO_ERR_DB);
    CHECK(strstr(err.message, "not-a-study.db"));
    CHECK(s == NULL);
    const char *other = test_path("other.db");
    sqlite3 *h;
    sqlite3_open(other, &h);
    sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(h);
    CHECK(semio_study_open(&s, other, SEMIO_STUDY_CREATE, &err) == SEMIO_ERR_CONFLICT);
    CHECK(strstr(err.message, "not a semio study"));
    CHECK(semio_study_open(&s, "/nonexistent-dir/x.db", SEMIO_STUDY_CREATE, &err) == SEMIO_ERR_DB);
}

static void status_summarizes(void)
{
    const char *db = test_path("smp.db");
    SemioStudy *s;
    SemioError err = { 0 };
    char *json;
    CHECK_OK(semio_study_open(&s, db, SEMIO_STUDY_CREATE, &err), err);
    CHECK_OK(semio_status_json(s, &json, &err), err);
    semio_study_close(&s);
    json_object *root = json_tokener_parse(json);
    semio_free(json);
    CHECK(root);
    json_object *v, *n;
    CHECK(json_object_object_get_ex(root, "videos", &v));
    CHECK(json_object_object_get_ex(v, "ok", &n));
    CHECK_INT(json_object_get_int(n), 3);
    CHECK(json_object_object_get_ex(root, "samplings", &v));
    CHECK_INT(json_object_array_length(v), 2);
    json_object_put(root);
}

static void sign_catalog(void)
{
    SemioSignSet *set;
    SemioError err = { 0 };
    CHECK_OK(semio_signs_open(&set, NULL, &err), err);
    CHECK_INT(semio_signs_count(set), 20);
    int groups[3] = { 0 };
    for (size_t i = 0; i < semio_signs_count(set); i++) {
        const SemioSign *g = semio_signs_get(set, i);
        groups[!strcmp(g->group, "limb") ? 0 : !strcmp(g->group, "facial") ? 1 : 2]++;
        CHECK(strlen(g->definition) > 20);
    }
    CHECK_INT(groups[0], 11);
    CHECK_INT(groups[1], 7);
    CHECK_INT(groups[2], 2);
    CHECK_STR(semio_signs_find(set, "figure4")->view, "pose");
    CHECK_STR(semio_signs_find(set, "oral_automatisms")->view, "face");
    CHECK_STR(semio_signs_find(set, "ictal_vocalization")->modality, "audio");
    semio_signs_close(&set);
    const char *bad = test_path("signs.tsv");
    write_text(bad, "id\tgroup\tmodality\tview\tdefinition\nx\tlegs\tvideo\tpose\tsomething\n");
    CHECK(semio_signs_open(&set, bad, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "signs.tsv:2"));
}

/* A write into /dev/full fails with ENOSPC, as on a full disk: the temporary file the
 * writers fill first (NAME.tmpPID.TID) is made a link to it. */
static void a_full_disk_is_named(void)
{
    SKIP_UNLESS(access("/dev/full", W_OK) == 0, "/dev/full cannot be written here");
    char dir[1024], tmp[1200], want[1200];
    CHECK(realpath(test_dir(), dir));
    snprintf(want, sizeof(want), "no space left on the device holding %s", dir);
    const char *jpg = test_path("full.jpg");
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld.%ld", jpg, (long)getpid(), (long)gettid());
    CHECK(symlink("/dev/full", tmp) == 0);
    uint8_t rgb[16 * 16 * 3] = { 0 };
    SemioError err = { 0 };
    CHECK(semio_jpeg_write(jpg, rgb, 16, 16, 48, 90, &err) == SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, "full.jpg: cannot write: ") && strstr(err.message, want),
              "%s", err.message);
    CHECK(access(tmp, F_OK) != 0 && access(jpg, F_OK) != 0); /* nothing left behind */

    const char *wav = test_path("full.wav");
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld.%ld", wav, (long)getpid(), (long)gettid());
    CHECK(symlink("/dev/full", tmp) == 0);
    float samples[16000] = { 0 };
    SemioAudio a = { .samples = samples, .n = 16000, .rate = 16000 };
    CHECK(semio_wav_write(wav, &a, &err) == SEMIO_ERR_IO);
    CHECK_MSG(strstr(err.message, "full.wav: cannot write: ") && strstr(err.message, want),
              "%s", err.message);
    CHECK(access(tmp, F_OK) != 0 && access(wav, F_OK) != 0);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(sign_catalog),
        TEST(paper_labels_ingest_as_they_are),
        TEST(label_csv_variants),
        TEST(bad_label_files_change_nothing),
        TEST(patient_rule),
        TEST(ingest_is_idempotent_and_notices_changes),
        TEST(bad_recordings_are_recorded_not_fatal),
        TEST(labels_first_recordings_later),
        TEST(segments_windows_and_labels),
        TEST(sampling_is_exact_and_resumable),
        TEST(sampling_scales_to_the_budget),
        TEST(sampling_records_damage),
        TEST(study_open_refuses_foreign_files),
        TEST(status_summarizes),
        TEST(a_full_disk_is_named),
    };
    av_log_set_level(AV_LOG_QUIET);
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
