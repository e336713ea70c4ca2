/*
 * semio recover: what a damaged study still holds, copied into a new one by SQLite's own
 * tool (the sqlite3 program's .dump, which reads each table up to a damaged page and again
 * from its end backwards), then checked. (Its .recover would read more, but Debian 12's
 * sqlite3 is built without the sqlite_dbpage table it needs.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Output of `sqlite3 ARGS...` (its first line), or "" when it fails. */
static void sqlite3_line(char *out, size_t size, const char *db, const char *sql)
{
    int fd[2];
    out[0] = '\0';
    if (pipe(fd) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execlp("sqlite3", "sqlite3", db, sql, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    ssize_t n = pid > 0 ? read(fd[0], out, size - 1) : -1;
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    close(fd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* The schema version lives in the file's header, which .dump does not write. */
static int copy_version(const char *src, const char *dst)
{
    char v[64], sql[96], ro[PATH_MAX + 32];
    snprintf(ro, sizeof(ro), "file:%s?mode=ro", src);
    sqlite3_line(v, sizeof(v), ro, "PRAGMA user_version");
    char *end;
    long n = strtol(v, &end, 10);
    if (!v[0] || *end || n <= 0)
        return -1;
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %ld", n);
    sqlite3_line(v, sizeof(v), dst, sql);
    return 0;
}

/* Starts `sqlite3 ARGS...` with its stdin from `in` or its stdout to `out` (-1: unchanged). */
static pid_t run_sqlite3(int in, int out, const char *a, const char *b, const char *c)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (in >= 0)
            dup2(in, STDIN_FILENO);
        if (out >= 0)
            dup2(out, STDOUT_FILENO);
        execlp("sqlite3", "sqlite3", a, b, c, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/*
 * Runs `sqlite3 -readonly SRC .dump | sqlite3 DST` with semio in the middle: a dump that met
 * damage ends "ROLLBACK; -- due to errors", which would throw away everything it could
 * read, so that last line becomes COMMIT. Then DST gets the schema version SRC had (.dump
 * leaves it out). 0 when all ended well, 127 without the sqlite3 program.
 */
static int recover_into(const char *src, const char *dst)
{
    int dump[2], load[2];
    if (pipe(dump) != 0)
        return -1;
    if (pipe(load) != 0) {
        close(dump[0]);
        close(dump[1]);
        return -1;
    }
    /* each child keeps only the end it was given (dup2 clears the flag on its copy) */
    for (int i = 0; i < 2; i++) {
        fcntl(dump[i], F_SETFD, FD_CLOEXEC);
        fcntl(load[i], F_SETFD, FD_CLOEXEC);
    }
    pid_t reader = run_sqlite3(-1, dump[1], "-readonly", src, ".dump");
    pid_t writer = run_sqlite3(load[0], -1, "-batch", dst, NULL);
    close(dump[1]);
    close(load[0]);
    FILE *from = fdopen(dump[0], "r"), *to = fdopen(load[1], "w");
    char *line = NULL, *held = NULL;
    size_t cap = 0;
    for (ssize_t n; from && to && (n = getline(&line, &cap, from)) >= 0;) {
        if (held)
            fputs(held, to);
        free(held);
        held = strdup(line);
    }
    if (held && to)
        fputs(strncmp(held, "ROLLBACK; -- due to errors", 26) ? held : "COMMIT;\n", to);
    free(held);
    free(line);
    from ? fclose(from) : close(dump[0]);
    to ? fclose(to) : close(load[1]);
    int a = 1, b = 1;
    if (reader > 0)
        waitpid(reader, &a, 0);
    if (writer > 0)
        waitpid(writer, &b, 0);
    if ((WIFEXITED(a) && WEXITSTATUS(a) == 127) || (WIFEXITED(b) && WEXITSTATUS(b) == 127))
        return 127;
    if (!WIFEXITED(a) || !WIFEXITED(b) || WEXITSTATUS(b))
        return -1;
    return copy_version(src, dst);
}

int cmd_recover(int argc, char **argv)
{
    const Command *cmd = cli_find("recover");
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1)
        if (cli_common_option(cmd, opt, &status))
            return status;
    if (argc - optind != 2)
        return cli_error("recover: give the damaged study and the new one"), 2;
    const char *src = argv[optind], *dst = argv[optind + 1];
    struct stat st;
    if (stat(src, &st) != 0)
        return cli_error("%s: no such study", src);
    if (stat(dst, &st) == 0)
        return cli_error("%s: already exists; name a new file", dst);
    int r = recover_into(src, dst);
    if (r == 127)
        return cli_error("recover: needs the sqlite3 program (Debian's sqlite3 package)");
    if (r != 0) {
        unlink(dst);
        return cli_error("%s: SQLite's recovery failed; nothing was written", src);
    }
    /* what came back must be a sound study of this semio's schema */
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    char *report = NULL;
    if ((r = semio_study_open(&s, dst, SEMIO_STUDY_WRITE, &err)) < 0 ||
        (r = semio_study_check(dst, &report, &err)) < 0) {
        semio_study_close(&s);
        return cli_fail(&err, r);
    }
    int sound = !strcmp(report, "ok");
    semio_free(report);
    char *json = NULL;
    if (sound)
        r = semio_status_json(s, &json, &err);
    semio_study_close(&s);
    if (!sound)
        return cli_error("%s: recovered, but still not sound: check it with semio status --check",
                         dst);
    /* the frames and views stay where they are: the new study's cache points at them */
    char *old_cache = semio_study_cache_for(src), *new_cache = semio_study_cache_for(dst);
    char real[PATH_MAX];
    const char *linked = NULL;
    if (old_cache && new_cache && realpath(old_cache, real) && stat(new_cache, &st) != 0 &&
        symlink(real, new_cache) == 0)
        linked = real;
    printf("%s: recovered from %s and sound%s%s\n", dst, src,
           linked ? "; its cache is " : "", linked ? linked : "");
    if (r == 0 && json)
        printf("semio status --study %s shows what came back\n", dst);
    semio_free(json);
    semio_free(old_cache);
    semio_free(new_cache);
    return r < 0 ? cli_fail(&err, r) : 0;
}
