/*
 * semio export --ratings: every rating raters gave, one CSV row each, with the answer it
 * rates and the recording's label beside it, for notebooks. A rating outlives an answer
 * asked again or deleted: its answer cell is then empty.
 */
#include <stdio.h>

#include "semio/stages.h"
#include "study/db.h"
#include "util/csv.h"
#include "util/error.h"

static const char *const header[] = {
    "rater", "kind", "run", "file_name", "patient", "segment_start", "segment_end", "sign",
    "view", "answer", "label", "score", "label_wrong", "video_unusable", "comment", "reason",
    "rated_at",
};

/* A number as its shortest faithful text ("25", "12.5"); NULL stays an empty cell. */
static const char *number(sqlite3_stmt *st, int col, char buf[32])
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    snprintf(buf, 32, "%.15g", sqlite3_column_double(st, col));
    return buf;
}

int semio_export_ratings(SemioStudy *s, FILE *out, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st,
        "SELECT r.name, r.kind, u.name, v.file_name, v.patient, g.start_s, g.end_s, t.sign, "
        "t.view, CASE WHEN a.status IS NULL THEN NULL WHEN a.status = 'ok' THEN a.answer ELSE "
        "'fail' END, CASE l.value WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END, t.score, "
        "t.label_wrong, t.video_unusable, t.comment, t.reason, t.rated_at FROM ratings t "
        "JOIN raters r ON r.id = t.rater_id JOIN runs u ON u.id = t.run_id JOIN videos v ON "
        "v.id = t.video_id LEFT JOIN segments g ON g.id = t.segment_id LEFT JOIN answers a ON "
        "a.run_id = t.run_id AND a.video_id = t.video_id AND a.segment_id IS t.segment_id AND "
        "a.sign = t.sign AND a.view = t.view AND a.prompt_hash = t.prompt_hash LEFT JOIN "
        "labels l ON l.video_id = t.video_id AND l.sign = t.sign ORDER BY u.name, "
        "v.file_name, g.start_s, t.sign, t.view, t.prompt_hash, r.name", err);
    if (r < 0)
        return r;
    size_t ncols = sizeof(header) / sizeof(*header);
    for (size_t i = 0; i < ncols; i++)
        semio_csv_write_field(out, header[i], i == 0);
    fputc('\n', out);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < ncols; i++) {
            char buf[32];
            int c = (int)i;
            /* the segment's bounds and the score are numbers; the rest is text */
            const char *text = c == 5 || c == 6 || c == 11
                                   ? number(st, c, buf)
                                   : (const char *)sqlite3_column_text(st, c);
            semio_csv_write_field(out, text, i == 0);
        }
        fputc('\n', out);
    }
    if (step != SQLITE_DONE)
        r = semio_db_fail(s, err, "cannot read the ratings");
    sqlite3_finalize(st);
    if (r == 0 && ferror(out))
        r = semio_fail(err, SEMIO_ERR_IO, "export: write failed");
    return r;
}
