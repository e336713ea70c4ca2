/*
 * The review app's JSON API: who is logged in, a round's items in the rater's own order,
 * their ratings, and the recordings they label. Each change is one statement, stored at
 * once: the page sends every keypress as it happens, so nothing waits for a "save".
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "semio/clip.h"
#include "semio/signs.h"
#include "serve/serve.h"
#include "util/error.h"

static json_object *text_or_null(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? json_object_new_string((const char *)t) : NULL;
}

static int db_error(ServeRequest *rq, ServeResponse *out)
{
    return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "the study refused: %s",
                       sqlite3_errmsg(rq->s->db));
}

/* ---- the rater and their rounds ------------------------------------------------------------ */

static int me(ServeRequest *rq, ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT o.id, o.name, o.blinded, (SELECT count(*) FROM "
                                     "round_items WHERE round_id = o.id), ifnull((SELECT "
                                     "position FROM round_progress WHERE round_id = o.id AND "
                                     "rater_id = ?1), 0), (SELECT count(g.score) FROM "
                                     "round_items i JOIN ratings g ON g.rater_id = ?1 AND "
                                     "g.run_id = i.run_id AND g.video_id = i.video_id AND "
                                     "ifnull(g.segment_id, -1) = ifnull(i.segment_id, -1) AND "
                                     "g.sign = i.sign AND g.view = i.view AND g.prompt_hash = "
                                     "i.prompt_hash WHERE i.round_id = o.id) FROM rounds o "
                                     "ORDER BY o.id", NULL) < 0)
        return db_error(rq, out);
    sqlite3_bind_int64(st, 1, rq->rater);
    json_object *rounds = json_object_new_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64(sqlite3_column_int64(st, 0)));
        json_object_object_add(o, "name", text_or_null(st, 1));
        json_object_object_add(o, "blinded", json_object_new_boolean(sqlite3_column_int(st, 2)));
        json_object_object_add(o, "items", json_object_new_int64(sqlite3_column_int64(st, 3)));
        json_object_object_add(o, "position", json_object_new_int64(sqlite3_column_int64(st, 4)));
        json_object_object_add(o, "rated", json_object_new_int64(sqlite3_column_int64(st, 5)));
        json_object_array_add(rounds, o);
    }
    sqlite3_finalize(st);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "name", json_object_new_string(rq->rater_name));
    json_object_object_add(out->json, "rounds", rounds);
    /* the page gets the CSRF token this way only: the session's cookie is HttpOnly */
    json_object_object_add(out->json, "csrf", json_object_new_string(rq->csrf));
    out->status = MHD_HTTP_OK;
    return out->status;
}

int serve_item_find(ServeRequest *rq, int64_t index, ServeItem *item, ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT blinded, show_labels, seed, (SELECT count(*) FROM "
                                     "round_items WHERE round_id = o.id) FROM rounds o WHERE "
                                     "id = ?", NULL) < 0)
        return db_error(rq, out);
    sqlite3_bind_int64(st, 1, item->round);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        item->blinded = sqlite3_column_int(st, 0);
        item->show_labels = sqlite3_column_int(st, 1);
        item->seed = (uint64_t)sqlite3_column_int64(st, 2);
        item->count = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (!found)
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such round");
    if (index < 0 || index >= item->count)
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such item");
    int64_t *order = malloc((size_t)item->count * sizeof(*order));
    if (!order)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    review_order(item->seed, rq->rater, order, (size_t)item->count);
    item->ordinal = order[index];
    free(order);
    if (semio_db_prepare(rq->s, &st, "SELECT run_id, video_id, ifnull(segment_id, 0), sign, "
                                     "view, prompt_hash FROM round_items WHERE round_id = ? AND "
                                     "ordinal = ?", NULL) < 0)
        return db_error(rq, out);
    sqlite3_bind_int64(st, 1, item->round);
    sqlite3_bind_int64(st, 2, item->ordinal);
    found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        ReviewKey *k = &item->key;
        k->run = sqlite3_column_int64(st, 0);
        k->video = sqlite3_column_int64(st, 1);
        k->segment = sqlite3_column_int64(st, 2);
        snprintf(k->sign, sizeof(k->sign), "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(k->view, sizeof(k->view), "%s", (const char *)sqlite3_column_text(st, 4));
        snprintf(k->hash, sizeof(k->hash), "%s", (const char *)sqlite3_column_text(st, 5));
    }
    sqlite3_finalize(st);
    return found ? 0 : serve_error(out, MHD_HTTP_NOT_FOUND, "no such item");
}

/* The run as this rater sees it: its name, or (blinded) "model X" by the rater's code. */
static json_object *model_name(ServeRequest *rq, const ServeItem *it)
{
    sqlite3_stmt *st;
    json_object *name = NULL;
    if (semio_db_prepare(rq->s, &st, "SELECT u.name, (SELECT count(*) FROM rounds o, "
                                     "json_each(o.settings_json, '$.runs') j WHERE o.id = ?2 AND "
                                     "j.key < (SELECT k.key FROM json_each(o.settings_json, "
                                     "'$.runs') k WHERE k.value = u.name)), (SELECT "
                                     "json_array_length(settings_json, '$.runs') FROM rounds "
                                     "WHERE id = ?2) FROM runs u WHERE u.id = ?1", NULL) < 0)
        return NULL;
    sqlite3_bind_int64(st, 1, it->key.run);
    sqlite3_bind_int64(st, 2, it->round);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (!it->blinded) {
            name = text_or_null(st, 0);
        } else {
            int at = sqlite3_column_int(st, 1), n = sqlite3_column_int(st, 2);
            char codes[64] = "", label[32];
            review_codes(it->seed, rq->rater, codes, n > 0 && n < 64 ? (size_t)n : 0);
            snprintf(label, sizeof(label), "model %c", at < n && at < 64 ? codes[at] : '?');
            name = json_object_new_string(label);
        }
    }
    sqlite3_finalize(st);
    return name;
}

static void add_sign(json_object *o, const char *id)
{
    SemioSignSet *cat = NULL;
    const SemioSign *g = semio_signs_open(&cat, NULL, NULL) == 0 ? semio_signs_find(cat, id) : NULL;
    json_object_object_add(o, "sign", json_object_new_string(id));
    json_object_object_add(o, "definition", g ? json_object_new_string(g->definition) : NULL);
    semio_signs_close(&cat);
}

/* The images the model was sent: the sampled frames, and the view's pictures over them. */
static void add_images(ServeRequest *rq, const ServeItem *it, int64_t sampling, double start,
                       json_object *o)
{
    json_object *frames = json_object_new_array();
    sqlite3_stmt *st;
    if (it->key.segment && sampling &&
        semio_db_prepare(rq->s, &st, "SELECT ordinal, time_s, frame_index FROM frames WHERE "
                                     "segment_id = ? AND sampling_id = ? ORDER BY ordinal",
                         NULL) == 0) {
        sqlite3_bind_int64(st, 1, it->key.segment);
        sqlite3_bind_int64(st, 2, sampling);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char url[128];
            json_object *f = json_object_new_object();
            snprintf(url, sizeof(url), "/media/frames/%" PRId64 "/%" PRId64 "/%d.jpg",
                     it->key.segment, sampling, sqlite3_column_int(st, 0));
            double t = sqlite3_column_double(st, 1);
            json_object_object_add(f, "time", json_object_new_double(t));
            /* where the proxy clip shows this frame (semio/clip.h: its frame rule) */
            json_object_object_add(f, "seek", json_object_new_double(t - start +
                                                                     SEMIO_CLIP_SLACK));
            json_object_object_add(f, "index", json_object_new_int64(sqlite3_column_int64(st, 2)));
            json_object_object_add(f, "url", json_object_new_string(url));
            if (strcmp(it->key.view, "raw") && strcmp(it->key.view, "audio") &&
                strcmp(it->key.view, "signals")) {
                snprintf(url, sizeof(url), "/media/view/%" PRId64 "/%" PRId64 "/%d.jpg",
                         it->key.run, it->key.segment, sqlite3_column_int(st, 0));
                json_object_object_add(f, "view_url", json_object_new_string(url));
            }
            json_object_array_add(frames, f);
        }
        sqlite3_finalize(st);
    }
    json_object_object_add(o, "frames", frames);
}

static int item(ServeRequest *rq, int64_t round, int64_t index, ServeResponse *out)
{
    ServeItem it = { .round = round };
    if (serve_item_find(rq, index, &it, out))
        return out->status;
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st,
                         "SELECT a.answer, a.p_yes, a.justification, a.onset_s, v.file_name, "
                         "g.start_s, g.end_s, l.value, p.text, m.id, v.duration, "
                         "r.score, r.comment, r.label_wrong, r.video_unusable, v.real_fps "
                         "FROM answers a JOIN videos v ON v.id = a.video_id "
                         "JOIN runs u ON u.id = a.run_id "
                         "LEFT JOIN segments g ON g.id = a.segment_id "
                         "LEFT JOIN labels l ON l.video_id = a.video_id AND l.sign = a.sign "
                         "LEFT JOIN prompts p ON p.hash = a.prompt_hash "
                         "LEFT JOIN samplings m ON m.key = u.sampling "
                         "LEFT JOIN ratings r ON r.rater_id = ?7 AND r.run_id = a.run_id AND "
                         "r.video_id = a.video_id AND ifnull(r.segment_id, -1) = "
                         "ifnull(a.segment_id, -1) AND r.sign = a.sign AND r.view = a.view AND "
                         "r.prompt_hash = a.prompt_hash "
                         "WHERE a.run_id = ?1 AND a.video_id = ?2 AND ifnull(a.segment_id, -1) "
                         "= ifnull(?3, -1) AND a.sign = ?4 AND a.view = ?5 AND a.prompt_hash "
                         "= ?6", NULL) < 0)
        return db_error(rq, out);
    review_bind_key(st, 1, &it.key);
    sqlite3_bind_int64(st, 7, rq->rater);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return serve_error(out, MHD_HTTP_NOT_FOUND, "the answer is no longer in the study");
    }
    json_object *o = out->json = json_object_new_object();
    json_object_object_add(o, "round", json_object_new_int64(round));
    json_object_object_add(o, "index", json_object_new_int64(index));
    json_object_object_add(o, "count", json_object_new_int64(it.count));
    json_object_object_add(o, "model", model_name(rq, &it));
    add_sign(o, it.key.sign);
    json_object_object_add(o, "view", json_object_new_string(it.key.view));
    json_object_object_add(o, "question", text_or_null(st, 8));
    json_object_object_add(o, "answer", text_or_null(st, 0));
    json_object_object_add(o, "p_yes", sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL
                               : json_object_new_double(sqlite3_column_double(st, 1)));
    json_object_object_add(o, "justification", text_or_null(st, 2));
    json_object_object_add(o, "onset", sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL
                               : json_object_new_double(sqlite3_column_double(st, 3)));
    json_object_object_add(o, "file_name", text_or_null(st, 4));
    if (it.show_labels)
        json_object_object_add(o, "label", json_object_new_string(
            sqlite3_column_type(st, 7) == SQLITE_NULL ? "unknown"
            : sqlite3_column_int(st, 7) ? "yes" : "no"));
    double start = sqlite3_column_type(st, 5) == SQLITE_NULL ? 0 : sqlite3_column_double(st, 5);
    double end = sqlite3_column_type(st, 6) == SQLITE_NULL ? sqlite3_column_double(st, 10)
                                                             : sqlite3_column_double(st, 6);
    json_object_object_add(o, "start", json_object_new_double(start));
    json_object_object_add(o, "end", json_object_new_double(end));
    json_object_object_add(o, "fps", json_object_new_double(sqlite3_column_double(st, 15)));
    char url[96];
    if (it.key.segment)
        snprintf(url, sizeof(url), "/media/clip/%" PRId64 ".mp4", it.key.segment);
    else
        snprintf(url, sizeof(url), "/media/recording/%" PRId64 ".mp4", it.key.video);
    json_object_object_add(o, "clip", json_object_new_string(url));
    json_object *rating = NULL;
    if (sqlite3_column_type(st, 12) != SQLITE_NULL || sqlite3_column_type(st, 11) != SQLITE_NULL ||
        sqlite3_column_int(st, 13) || sqlite3_column_int(st, 14)) {
        rating = json_object_new_object();
        json_object_object_add(rating, "score", sqlite3_column_type(st, 11) == SQLITE_NULL ? NULL
                                   : json_object_new_int(sqlite3_column_int(st, 11)));
        json_object_object_add(rating, "comment", text_or_null(st, 12));
        json_object_object_add(rating, "label_wrong",
                               json_object_new_boolean(sqlite3_column_int(st, 13)));
        json_object_object_add(rating, "video_unusable",
                               json_object_new_boolean(sqlite3_column_int(st, 14)));
    }
    json_object_object_add(o, "rating", rating);
    int64_t sampling = sqlite3_column_int64(st, 9);
    sqlite3_finalize(st);
    add_images(rq, &it, sampling, start, o);
    out->status = MHD_HTTP_OK;
    return out->status;
}

static int save_position(ServeRequest *rq, int64_t round, int64_t index)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "INSERT INTO round_progress VALUES (?1, ?2, ?3) ON "
                                     "CONFLICT DO UPDATE SET position = ?3", NULL) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, round);
    sqlite3_bind_int64(st, 2, rq->rater);
    sqlite3_bind_int64(st, 3, index);
    int r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return r;
}

static const char *body_text(ServeRequest *rq, const char *key, size_t max, int *bad)
{
    json_object *v;
    if (!json_object_object_get_ex(rq->body, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_string) || strlen(json_object_get_string(v)) > max) {
        *bad = 1;
        return NULL;
    }
    return json_object_get_string(v);
}

static int rate(ServeRequest *rq, int64_t round, int64_t index, ServeResponse *out)
{
    ServeItem it = { .round = round };
    if (serve_item_find(rq, index, &it, out))
        return out->status;
    json_object *v;
    int bad = 0, clear = json_object_object_get_ex(rq->body, "clear", &v) &&
                         json_object_get_boolean(v);
    ReviewRating rt = { .score = -1 };
    if (json_object_object_get_ex(rq->body, "score", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_int) || !review_score_valid(json_object_get_int(v)))
            return serve_error(out, MHD_HTTP_BAD_REQUEST, "score is 0, 20, 40, 60, 80 or 100");
        rt.score = json_object_get_int(v);
    }
    rt.comment = body_text(rq, "comment", 4000, &bad);
    rt.label_wrong = json_object_object_get_ex(rq->body, "label_wrong", &v) &&
                     json_object_get_boolean(v);
    rt.video_unusable = json_object_object_get_ex(rq->body, "video_unusable", &v) &&
                        json_object_get_boolean(v);
    if (bad)
        return serve_error(out, MHD_HTTP_BAD_REQUEST, "comment: text of at most 4000 bytes");
    SemioError err = { 0 };
    int r = clear ? review_unrate(rq->s, rq->rater, &it.key, &err)
                  : review_rate(rq->s, rq->rater, &it.key, &rt, &err);
    if (r < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err.message);
    save_position(rq, round, index);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "saved", json_object_new_boolean(1));
    out->status = MHD_HTTP_OK;
    return out->status;
}

static int position(ServeRequest *rq, int64_t round, ServeResponse *out)
{
    json_object *v;
    ServeItem it = { .round = round };
    int64_t index = json_object_object_get_ex(rq->body, "index", &v) &&
                    json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
    if (serve_item_find(rq, index, &it, out))
        return out->status;
    if (save_position(rq, round, index) < 0)
        return db_error(rq, out);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "saved", json_object_new_boolean(1));
    out->status = MHD_HTTP_OK;
    return out->status;
}

/* ---- labeling ------------------------------------------------------------------------- */

static int recordings(ServeRequest *rq, ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT v.id, v.file_name, v.duration, (SELECT count("
                                     "value) FROM rater_labels WHERE rater_id = ?1 AND video_id "
                                     "= v.id), (SELECT onset_s FROM rater_marks WHERE rater_id "
                                     "= ?1 AND video_id = v.id) FROM videos v WHERE v.status = "
                                     "'ok' ORDER BY v.file_name", NULL) < 0)
        return db_error(rq, out);
    sqlite3_bind_int64(st, 1, rq->rater);
    json_object *a = json_object_new_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64(sqlite3_column_int64(st, 0)));
        json_object_object_add(o, "file_name", text_or_null(st, 1));
        json_object_object_add(o, "duration", json_object_new_double(sqlite3_column_double(st, 2)));
        json_object_object_add(o, "labeled", json_object_new_int(sqlite3_column_int(st, 3)));
        json_object_object_add(o, "onset", sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL
                                   : json_object_new_double(sqlite3_column_double(st, 4)));
        json_object_array_add(a, o);
    }
    sqlite3_finalize(st);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "recordings", a);
    out->status = MHD_HTTP_OK;
    return out->status;
}

static int recording_exists(ServeRequest *rq, int64_t video)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT 1 FROM videos WHERE id = ? AND status = 'ok'",
                         NULL) < 0)
        return 0;
    sqlite3_bind_int64(st, 1, video);
    int found = semio_db_exists(st);
    sqlite3_finalize(st);
    return found;
}

static int recording(ServeRequest *rq, int64_t video, ServeResponse *out)
{
    sqlite3_stmt *st;
    if (semio_db_prepare(rq->s, &st, "SELECT file_name, duration, real_fps, m.onset_s, m.end_s, "
                                     "m.comment FROM videos v LEFT JOIN rater_marks m ON "
                                     "m.video_id = v.id AND m.rater_id = ?2 WHERE v.id = ?1 AND "
                                     "v.status = 'ok'", NULL) < 0)
        return db_error(rq, out);
    sqlite3_bind_int64(st, 1, video);
    sqlite3_bind_int64(st, 2, rq->rater);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such recording");
    }
    json_object *o = out->json = json_object_new_object();
    char url[64];
    snprintf(url, sizeof(url), "/media/recording/%" PRId64 ".mp4", video);
    json_object_object_add(o, "id", json_object_new_int64(video));
    json_object_object_add(o, "file_name", text_or_null(st, 0));
    json_object_object_add(o, "duration", json_object_new_double(sqlite3_column_double(st, 1)));
    json_object_object_add(o, "fps", json_object_new_double(sqlite3_column_double(st, 2)));
    json_object_object_add(o, "clip", json_object_new_string(url));
    for (int i = 0; i < 2; i++)
        json_object_object_add(o, i ? "end" : "onset",
                               sqlite3_column_type(st, 3 + i) == SQLITE_NULL ? NULL
                               : json_object_new_double(sqlite3_column_double(st, 3 + i)));
    json_object_object_add(o, "comment", text_or_null(st, 5));
    sqlite3_finalize(st);
    SemioSignSet *cat = NULL;
    json_object *signs = json_object_new_array();
    if (semio_signs_open(&cat, NULL, NULL) == 0 &&
        semio_db_prepare(rq->s, &st, "SELECT value FROM rater_labels WHERE rater_id = ? AND "
                                     "video_id = ? AND sign = ?", NULL) == 0) {
        for (size_t i = 0; i < semio_signs_count(cat); i++) {
            const SemioSign *g = semio_signs_get(cat, i);
            json_object *x = json_object_new_object();
            json_object_object_add(x, "id", json_object_new_string(g->id));
            json_object_object_add(x, "definition", json_object_new_string(g->definition));
            sqlite3_bind_int64(st, 1, rq->rater);
            sqlite3_bind_int64(st, 2, video);
            sqlite3_bind_text(st, 3, g->id, -1, SQLITE_STATIC);
            const char *value = "unknown";
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                value = sqlite3_column_int(st, 0) ? "yes" : "no";
            sqlite3_reset(st);
            json_object_object_add(x, "value", json_object_new_string(value));
            json_object_array_add(signs, x);
        }
        sqlite3_finalize(st);
    }
    semio_signs_close(&cat);
    json_object_object_add(o, "signs", signs);
    out->status = MHD_HTTP_OK;
    return out->status;
}

static int label(ServeRequest *rq, int64_t video, ServeResponse *out)
{
    int bad = 0;
    const char *sign = body_text(rq, "sign", 64, &bad), *value = body_text(rq, "value", 8, &bad);
    SemioSignSet *cat = NULL;
    int known = sign && semio_signs_open(&cat, NULL, NULL) == 0 && semio_signs_find(cat, sign);
    semio_signs_close(&cat);
    int v = !value || !strcmp(value, "unknown") ? -1 : !strcmp(value, "yes") ? 1
          : !strcmp(value, "no") ? 0 : -2;
    if (bad || !known || v == -2)
        return serve_error(out, MHD_HTTP_BAD_REQUEST, "a label is {\"sign\": a sign's id, "
                                                      "\"value\": \"yes\", \"no\" or \"unknown\"}");
    if (!recording_exists(rq, video))
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such recording");
    SemioError err = { 0 };
    if (review_label(rq->s, rq->rater, video, sign, v, &err) < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err.message);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "saved", json_object_new_boolean(1));
    out->status = MHD_HTTP_OK;
    return out->status;
}

static double body_time(ServeRequest *rq, const char *key, int *bad)
{
    json_object *v;
    if (!json_object_object_get_ex(rq->body, key, &v) || json_object_is_type(v, json_type_null))
        return NAN;
    double t = json_object_get_double(v);
    if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
        !isfinite(t) || t < 0 || t > 1e7)
        *bad = 1;
    return t;
}

static int mark(ServeRequest *rq, int64_t video, ServeResponse *out)
{
    int bad = 0;
    double onset = body_time(rq, "onset", &bad), end = body_time(rq, "end", &bad);
    const char *comment = body_text(rq, "comment", 4000, &bad);
    if (bad || (isfinite(onset) && isfinite(end) && end < onset))
        return serve_error(out, MHD_HTTP_BAD_REQUEST, "marks are {\"onset\": s, \"end\": s >= "
                                                      "onset, \"comment\": text}; null clears one");
    if (!recording_exists(rq, video))
        return serve_error(out, MHD_HTTP_NOT_FOUND, "no such recording");
    SemioError err = { 0 };
    if (review_mark(rq->s, rq->rater, video, onset, end, comment, &err) < 0)
        return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err.message);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "saved", json_object_new_boolean(1));
    out->status = MHD_HTTP_OK;
    return out->status;
}

static int only(ServeResponse *out, const char *method)
{
    return serve_error(out, MHD_HTTP_METHOD_NOT_ALLOWED, "%s only", method);
}

int serve_api(ServeRequest *rq, ServeResponse *out)
{
    const char *p = rq->path;
    int post = !strcmp(rq->method, "POST");
    int64_t v[2];
    if (!strcmp(p, "/api/me"))
        post ? only(out, "GET") : me(rq, out);
    else if (!strcmp(p, "/api/recordings"))
        post ? only(out, "GET") : recordings(rq, out);
    else if (serve_route(p, "/api/rounds/#/items/#/rating", v))
        post ? rate(rq, v[0], v[1], out) : only(out, "POST");
    else if (serve_route(p, "/api/rounds/#/items/#", v))
        post ? only(out, "GET") : item(rq, v[0], v[1], out);
    else if (serve_route(p, "/api/rounds/#/position", v))
        post ? position(rq, v[0], out) : only(out, "POST");
    else if (serve_route(p, "/api/recordings/#/label", v))
        post ? label(rq, v[0], out) : only(out, "POST");
    else if (serve_route(p, "/api/recordings/#/mark", v))
        post ? mark(rq, v[0], out) : only(out, "POST");
    else if (serve_route(p, "/api/recordings/#", v))
        post ? only(out, "GET") : recording(rq, v[0], out);
    else
        return 0;
    return 1;
}
