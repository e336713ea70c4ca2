/* A model's answer stored as a row of the answers table (answers.h). */
#include <math.h>

#include "stages/answers.h"

int semio_answers_prepare_insert(SemioStudy *s, sqlite3_stmt **insert, SemioError *err)
{
    /* DO NOTHING: where a window's claim went stale while its worker still asked (a
     * machine asleep for 15 minutes), the answer stored first stays */
    return semio_db_prepare(s, insert, "INSERT INTO answers(run_id, video_id, segment_id, "
                                       "sign, view, prompt_hash, answer, p_yes, "
                                       "justification, onset_s, raw, status, attempts, "
                                       "latency_ms, prompt_tokens, completion_tokens, "
                                       "answered_at, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
                                       "?,?,?,?,?,?) ON CONFLICT DO NOTHING", err);
}

int semio_store_answer(sqlite3_stmt *st, int64_t run, int64_t video, int64_t segment,
                       const char *sign, const char *view, const char *hash,
                       const SemioCompletion *c)
{
    static const char *const words[] = { "no", "yes", "na" };
    char now[32];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, video);
    sqlite3_bind_int64(st, 3, segment);
    sqlite3_bind_text(st, 4, sign, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, view, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, hash, -1, SQLITE_STATIC);
    if (c->ok)
        sqlite3_bind_text(st, 7, words[c->answer.answer], -1, SQLITE_STATIC);
    if (c->ok && !isnan(c->p_yes))
        sqlite3_bind_double(st, 8, c->p_yes);
    if (c->ok && c->answer.justification)
        sqlite3_bind_text(st, 9, c->answer.justification, -1, SQLITE_STATIC);
    if (c->ok && !isnan(c->answer.onset_s))
        sqlite3_bind_double(st, 10, c->answer.onset_s);
    if (c->raw)
        sqlite3_bind_text(st, 11, c->raw, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, c->ok ? "ok" : "failed", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, c->attempts);
    sqlite3_bind_double(st, 14, c->latency_ms);
    if (c->prompt_tokens >= 0)
        sqlite3_bind_int(st, 15, c->prompt_tokens);
    if (c->completion_tokens >= 0)
        sqlite3_bind_int(st, 16, c->completion_tokens);
    sqlite3_bind_text(st, 17, semio_db_now(now), -1, SQLITE_STATIC);
    if (!c->ok) /* the reason beside the raw text it failed on: neither hides the other */
        sqlite3_bind_text(st, 18, c->error ? c->error : "failed (no reason given)", -1,
                          SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}
