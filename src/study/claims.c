/*
 * Claims: the work one worker is doing, which the others leave alone while the claim is
 * fresh. A worker is a connection to the study (a process, or a thread of `--jobs` with
 * its own connection). A claim names its owner's host and pid, so one whose process is
 * gone (killed, crashed) is free again at once on the same machine; any claim not
 * renewed within CLAIM_TTL_S is free everywhere. Whoever takes a claim checks again that
 * the work is still undone: the one before may have finished it and released the claim
 * in the same transaction that stored it.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "study/db.h"
#include "util/error.h"

/* Long enough for the slowest unit of work between renewals (a recording's window asked
 * with retries capped by --max-wait), short enough that work left by a machine that
 * went away is picked up the same day. */
#define CLAIM_TTL_S 900.0

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void semio_claims_identify(SemioStudy *s)
{
    static atomic_uint connections;
    if (gethostname(s->host, sizeof(s->host)) != 0)
        snprintf(s->host, sizeof(s->host), "localhost");
    s->host[sizeof(s->host) - 1] = '\0';
    snprintf(s->owner, sizeof(s->owner), "%s:%ld:%u", s->host, (long)getpid(),
             atomic_fetch_add(&connections, 1));
}

/* Whether the process holding a claim is gone: only knowable on its own machine. */
static int holder_gone(const SemioStudy *s, const char *host, int64_t pid)
{
    if (strcmp(host, s->host) || pid == (int64_t)getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int semio_claim(SemioStudy *s, const char *what, int *got, SemioError *err)
{
    *got = 0;
    sqlite3_stmt *st = NULL;
    int r = semio_db_begin(s, err);
    if (r < 0)
        return r;
    if ((r = semio_db_prepare(s, &st, "SELECT owner, host, pid, beat FROM claims WHERE what = ?",
                              err)) == 0) {
        sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
        int free_ = 1;
        if (sqlite3_step(st) == SQLITE_ROW)
            free_ = !strcmp((const char *)sqlite3_column_text(st, 0), s->owner) ||
                    sqlite3_column_double(st, 3) < now_s() - CLAIM_TTL_S ||
                    holder_gone(s, (const char *)sqlite3_column_text(st, 1),
                                sqlite3_column_int64(st, 2));
        sqlite3_finalize(st);
        st = NULL;
        if (free_ && (r = semio_db_prepare(s, &st, "INSERT OR REPLACE INTO claims(what, owner, "
                                                   "host, pid, beat) VALUES (?,?,?,?,?)",
                                           err)) == 0) {
            sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, s->owner, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, s->host, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, (int64_t)getpid());
            sqlite3_bind_double(st, 5, now_s());
            r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot claim work");
            *got = r == 0;
        }
    }
    sqlite3_finalize(st);
    if (r == 0)
        r = semio_db_commit(s, err);
    if (r < 0) {
        semio_db_rollback(s);
        *got = 0;
    }
    return r;
}

/* Runs `sql` with the claim's name and this worker as its owner. */
static int own_claim(SemioStudy *s, const char *sql, const char *what, SemioError *err)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(s, &st, sql, err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->owner, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, now_s());
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot update a claim");
    sqlite3_finalize(st);
    return r;
}

int semio_claim_renew(SemioStudy *s, const char *what, SemioError *err)
{
    return own_claim(s, "UPDATE claims SET beat = ?3 WHERE what = ?1 AND owner = ?2", what, err);
}

int semio_claim_release(SemioStudy *s, const char *what, SemioError *err)
{
    return own_claim(s, "DELETE FROM claims WHERE what = ?1 AND owner = ?2 AND ?3 IS NOT NULL",
                     what, err);
}

void semio_claims_release_all(SemioStudy *s)
{
    sqlite3_stmt *st;
    if (!s->owner[0] || sqlite3_db_readonly(s->db, "main") != 0 ||
        sqlite3_prepare_v2(s->db, "DELETE FROM claims WHERE owner = ?", -1, &st, NULL) !=
            SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, s->owner, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}
