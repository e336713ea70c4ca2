/*
 * Which answers a review may rate (status ok, a yes or no answer with a justification, of
 * the runs and signs asked, correct or wrong against the expert label where asked), and a
 * seeded draw of some of them: review rounds and the judge choose alike.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "review/review.h"
#include "util/error.h"

json_object *review_list_json(const char *list)
{
    json_object *a = json_object_new_array();
    char *copy = strdup(list ? list : "");
    char *items[256];
    size_t n = copy ? semio_list_split(copy, items, 256) : 0;
    for (size_t i = 0; i < n && i < 256; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    free(copy);
    return a;
}

static const char candidates_sql[] =
    "SELECT a.rowid FROM answers a "
    "JOIN runs u ON u.id = a.run_id LEFT JOIN labels l ON l.video_id = a.video_id AND "
    "l.sign = a.sign WHERE u.name IN (SELECT value FROM json_each(?1)) AND a.status = 'ok' "
    "AND a.answer IN ('yes', 'no') AND ifnull(a.justification, '') <> '' AND "
    "(?2 IS NULL OR a.sign IN (SELECT value FROM json_each(?2))) AND "
    "(?3 = 0 OR (l.value IS NOT NULL AND ((a.answer = 'yes') = l.value) = (?3 = 1))) "
    "ORDER BY a.run_id, a.video_id, a.segment_id, a.sign, a.view, a.prompt_hash";

int review_candidates(SemioStudy *s, json_object *runs, json_object *signs,
                      SemioReviewOnly only, int64_t **ids, size_t *n, SemioError *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, candidates_sql, err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, json_object_to_json_string(runs), -1, SQLITE_TRANSIENT);
    if (signs)
        sqlite3_bind_text(st, 2, json_object_to_json_string(signs), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, (int)only);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            int64_t *grown = realloc(*ids, (cap = cap ? 2 * cap : 256) * sizeof(**ids));
            if (!grown) {
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
                break;
            }
            *ids = grown;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (r == 0 && step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot list the answers to review");
    sqlite3_finalize(st);
    if (r < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return r;
}

static int ascending(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int review_draw(int64_t *ids, size_t *n, size_t take, uint64_t seed, SemioError *err)
{
    if (take == 0 || take >= *n)
        return 0;
    int64_t *pos = malloc(*n * sizeof(*pos));
    if (!pos)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    /* a partial Fisher-Yates draw of positions, kept in the list's order */
    uint64_t state = seed;
    for (size_t i = 0; i < *n; i++)
        pos[i] = (int64_t)i;
    for (size_t i = 0; i < take; i++) {
        size_t j = i + (size_t)(review_random(&state) % (*n - i));
        int64_t t = pos[i];
        pos[i] = pos[j];
        pos[j] = t;
    }
    qsort(pos, take, sizeof(*pos), ascending);
    for (size_t i = 0; i < take; i++)
        ids[i] = ids[pos[i]]; /* pos[i] >= i: nothing read is overwritten first */
    free(pos);
    *n = take;
    return 0;
}
