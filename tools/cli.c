/* Option parsing, errors and progress shared by the subcommands. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

volatile int cli_stop_flag;

static void on_signal(int sig)
{
    cli_stop_flag = sig;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C ends semio at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_take_verbose(int *argc, char **argv)
{
    int level = 0, kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { /* what follows is not for us */
            while (i < *argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (!strcmp(a, "--verbose")) {
            level++;
            continue;
        }
        if (a[0] == '-' && a[1] == 'v' && a[1 + strspn(a + 1, "v")] == '\0') {
            level += (int)strspn(a + 1, "v");
            continue;
        }
        argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    *argc = kept;
    return level;
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("semio: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_fail(const SemioError *err, int code)
{
    cli_error("%s", err->message[0] ? err->message : semio_strerror(code));
    /* stopped by a signal: the shell's convention, 128 + its number */
    return code == SEMIO_ERR_INTERRUPTED && cli_stop_flag ? 128 + cli_stop_flag : 1;
}

int cli_double(const char *opt, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
        cli_error("--%s: '%s' is not a number between %g and %g", opt, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_int(const char *opt, const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        cli_error("--%s: '%s' is not a whole number between %lld and %lld", opt, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_common_option(const Command *cmd, int opt, int *status)
{
    if (opt == 'h') {
        fputs(cmd->usage, stdout);
        *status = 0;
        return 1;
    }
    if (opt == '?' || opt == ':') {
        fprintf(stderr, "%s", cmd->usage);
        *status = 2;
        return 1;
    }
    return 0;
}

int cli_server_option(int opt, const char *arg, SemioOpenAISettings *s, int max_retries)
{
    double d;
    long long v;
    switch (opt) {
    case 'm': s->model = arg; return 1;
    case 'k': s->api_key_env = arg; return 1;
    case 'T':
        if (cli_double("timeout", arg, 0.1, 86400, &d))
            return -1;
        s->timeout_ms = (long)(d * 1000);
        return 1;
    case 'C':
        if (cli_double("connect-timeout", arg, 0.1, 3600, &d))
            return -1;
        s->connect_timeout_ms = (long)(d * 1000);
        return 1;
    case 'R':
        if (cli_int("max-retries", arg, 0, max_retries, &v))
            return -1;
        s->max_retries = (int)v;
        return 1;
    case 'X':
        return cli_double("max-wait", arg, 0, 86400, &s->max_wait_s) ? -1 : 1;
    }
    return 0;
}

int cli_chat_option(int opt, const char *arg, SemioOpenAISettings *s, const char **preset)
{
    int server = cli_server_option(opt, arg, s, 1000);
    if (server)
        return server;
    long long v;
    switch (opt) {
    case 't': return cli_double("temperature", arg, 0, 2, &s->temperature) ? -1 : 1;
    case 'M':
        if (cli_int("max-tokens", arg, 1, 1 << 20, &v))
            return -1;
        s->max_tokens = (int)v;
        return 1;
    case 'S': s->structured = 0; return 1;
    case 'Z': s->timestamps = 0; return 1;
    case 'x': s->extra_json = arg; return 1;
    case 'y': s->server = arg; return 1;
    case 'Y': *preset = arg; return 1;
    case 'o': s->mm_json = arg; return 1;
    case 'i': s->image_fields_json = arg; return 1;
    case 'I': s->image_ids = 0; return 1;
    }
    return 0;
}

int cli_chat_preset(SemioOpenAISettings *s, const char *preset)
{
    if (!preset)
        return 0;
    SemioOpenAISettings given = *s; /* what the command line names itself wins over the preset */
    SemioError err = { 0 };
    if (semio_openai_preset(s, preset, &err) < 0)
        return cli_fail(&err, err.code), 2;
    s->model = given.model ? given.model : s->model;
    s->server = given.server ? given.server : s->server;
    s->mm_json = given.mm_json ? given.mm_json : s->mm_json;
    return 0;
}

int cli_list_add(char *arg, const char **list, size_t *n, size_t max, const char *too_many)
{
    size_t k = semio_list_split(arg, (char **)list + *n, max - *n);
    if (*n + k > max)
        return cli_error("%s", too_many), 2;
    *n += k;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct ProgressState {
    double start, last;
    char stage[32];
} ProgressState;

void cli_progress(void *user, const char *stage, int64_t done, int64_t total, const char *item)
{
    static ProgressState ps; /* the tool's own state; the library keeps none */
    double t = now_s();
    if (strcmp(ps.stage, stage) || done == 0) {
        snprintf(ps.stage, sizeof(ps.stage), "%s", stage);
        ps.start = t;
        ps.last = t;
        if (!isatty(STDERR_FILENO) && done == 0)
            return; /* logs get a line when there is progress to report */
    }
    double el = t - ps.start, rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    int tty = isatty(STDERR_FILENO);
    if (!tty && done != total && t - ps.last < 5.0)
        return;
    ps.last = t;
    int pct = total > 0 ? (int)(100 * done / total) : 100;
    if (tty) {
        char bar[21];
        int fill = pct / 5;
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        const char *name = item ? strrchr(item, '/') : NULL;
        fprintf(stderr, "\r\033[K%-7s [%s] %lld/%lld %3d%%  %.1f/s  ETA %d:%02d  %.40s", stage,
                bar, (long long)done, (long long)total, pct, rate, (int)eta / 60, (int)eta % 60,
                name ? name + 1 : item ? item : "");
        if (done == total)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %lld/%lld (%d%%), %.1f/s, ETA %ds\n", stage, (long long)done,
                (long long)total, pct, rate, (int)eta);
    }
    fflush(stderr);
    (void)user;
}

/* ---- output files: the old one whole or the new one whole ---------------------------- */

/* Removes "BASE.tmpPID" beside `path` where process PID is gone: what a writer of this same
 * file left when it was killed. Nothing else in the folder is touched (it is the user's),
 * nor the temporary file of a writer still at work. */
static void remove_dead_temps(const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    char dir[PATH_MAX], full[PATH_MAX + 300];
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    size_t n = strlen(base);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char *end;
        if (strncmp(e->d_name, base, n) || strncmp(e->d_name + n, ".tmp", 4) ||
            !isdigit((unsigned char)e->d_name[n + 4]))
            continue;
        long pid = strtol(e->d_name + n + 4, &end, 10);
        if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
        unlink(full);
    }
    if (d)
        closedir(d);
}

int cli_output_open(CliOutput *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->path = path;
    if (!path) {
        o->f = stdout;
        return 0;
    }
    struct stat st;
    int exists = lstat(path, &st) == 0;
    if (!exists || S_ISREG(st.st_mode)) {
        remove_dead_temps(path);
        snprintf(o->tmp, sizeof(o->tmp), "%s.tmp%ld", path, (long)getpid());
        if ((o->f = fopen(o->tmp, "w")) != NULL && exists)
            fchmod(fileno(o->f), st.st_mode & 07777); /* the old file's permissions */
        if (!o->f)
            o->tmp[0] = '\0'; /* a folder that takes no new file: the file itself, in place */
    }
    if (!o->f && !(o->f = fopen(path, "w")))
        return cli_error("%s: cannot write: %s", path, strerror(errno));
    return 0;
}

int cli_output_close(CliOutput *o, int keep)
{
    FILE *f = o->f;
    o->f = NULL;
    if (!f || f == stdout)
        return 0;
    int e = fclose(f) == 0 ? 0 : errno;
    if (o->tmp[0]) {
        if (keep && e == 0 && rename(o->tmp, o->path) != 0)
            e = errno;
        if (!keep || e)
            unlink(o->tmp);
    }
    return keep && e ? cli_error("%s: cannot write: %s", o->path, strerror(e)) : 0;
}

int cli_review_only(const char *arg, SemioReviewOnly *only)
{
    static const char *const names[] = { "all", "correct", "wrong" };
    static const SemioReviewOnly values[] = { SEMIO_REVIEW_ALL, SEMIO_REVIEW_CORRECT,
                                              SEMIO_REVIEW_WRONG };
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (!strcmp(arg, names[i])) {
            *only = values[i];
            return 0;
        }
    cli_error("--only: '%s' is not correct, wrong or all", arg);
    return 2;
}
