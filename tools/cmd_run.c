/*
 * semio run: the whole pipeline from one INI file (read with inih). Each section
 * becomes the command line of a stage, run in this process in the pipeline's order;
 * since every stage is resumable, running again does only what is missing.
 *
 *   [study]      path, recordings, labels, patient_regex     -> ingest
 *   [phantom]    output, videos, patients, seed, size, ...   -> phantom (first)
 *   [segment] [sample] [transcribe]                          -> their commands
 *   [enhance]    views = audio, pose ...; keypoints          -> enhance, once per view
 *   [ask NAME]   engine, url, model, view, signs, param.X ... -> ask --run NAME
 *   [export]     folder                                      -> export of every run
 *   [eval] [report]                                          -> their commands
 *
 * A key becomes --key (underscores as dashes), "yes"/"no" values become a flag or
 * nothing, param.NAME = V becomes --param NAME=V. Relative paths are relative to the
 * config's folder.
 */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

typedef struct Entry {
    char *section, *key, *value;
} Entry;

typedef struct Config {
    Entry *e;
    size_t n, cap;
    const char *path;
} Config;

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    Config *c = user;
    if (c->n == c->cap) {
        Entry *ne = realloc(c->e, (c->cap = c->cap ? 2 * c->cap : 64) * sizeof(*ne));
        if (!ne)
            return 0;
        c->e = ne;
    }
    Entry *e = &c->e[c->n];
    if (!(e->section = strdup(section)) || !(e->key = strdup(key)) || !(e->value = strdup(value)))
        return 0;
    c->n++;
    return 1;
}

static void free_config(Config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
}

static const char *get(const Config *c, const char *section, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
            return c->e[i].value;
    return NULL;
}

static int has_section(const Config *c, const char *section)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section))
            return 1;
    return 0;
}

/* A command line being built; strings live in a pool freed with it. */
typedef struct Argv {
    char *v[128];
    int n;
} Argv;

static void push(Argv *a, const char *s)
{
    if (a->n < 126)
        a->v[a->n++] = strdup(s);
    a->v[a->n] = NULL;
}

static void push_option(Argv *a, const char *key, const char *value)
{
    char opt[160];
    if (!strncmp(key, "param.", 6)) {
        char kv[512];
        snprintf(kv, sizeof(kv), "%s=%s", key + 6, value);
        push(a, "--param");
        push(a, kv);
        return;
    }
    snprintf(opt, sizeof(opt), "--%s", key);
    for (char *p = opt; *p; p++)
        if (*p == '_')
            *p = '-';
    if (!strcmp(value, "yes") || !strcmp(value, "true"))
        push(a, opt);
    else if (strcmp(value, "no") && strcmp(value, "false")) {
        push(a, opt);
        push(a, value);
    }
}

/* Every key of a section as options, but those in `skip`. */
static void push_section(Argv *a, const Config *c, const char *section, const char *const *skip)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].section, section))
            continue;
        int skipped = 0;
        for (int k = 0; skip && skip[k]; k++)
            skipped |= !strcmp(skip[k], c->e[i].key);
        if (!skipped)
            push_option(a, c->e[i].key, c->e[i].value);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const stages[] = { "phantom", "ingest", "segment", "sample", "enhance",
                                      "transcribe", "ask", "export", "eval", "report", NULL };

static int stage_index(const char *name)
{
    for (int i = 0; stages[i]; i++)
        if (!strcmp(stages[i], name))
            return i;
    return -1;
}

typedef struct Timing {
    double seconds[16];
    double total;
} Timing;

/* Runs one command line; prints it first, as make does. */
static int run_argv(const Config *c, const char *label, Argv *a, Timing *t, int stage)
{
    printf("== %s:", label);
    for (int i = 0; i < a->n; i++)
        printf(" %s", a->v[i]);
    printf("\n");
    fflush(stdout);
    const Command *cmd = cli_find(a->v[0]);
    optind = 0; /* getopt starts afresh for each command */
    double t0 = now_s();
    int status = cmd->run(a->n, a->v);
    t->seconds[stage] += now_s() - t0;
    fflush(stdout);
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
    if (status != 0)
        fprintf(stderr, "semio: run: %s: stage %s failed (exit %d); fix it and run again: what "
                "is done is kept\n", c->path, label, status);
    return status;
}

static int run_stages(const Config *c, int from, int only, Timing *t)
{
    const char *study = get(c, "study", "path");
    if (!study)
        return cli_error("run: %s: [study] needs path = STUDY.db", c->path), 2;
    Argv a = { 0 };
    int status = 0;
    for (int s = from; stages[s] && status == 0; s++) {
        if (only >= 0 && s != only)
            continue;
        const char *name = stages[s];
        if (!strcmp(name, "phantom")) {
            if (!has_section(c, "phantom"))
                continue;
            push(&a, "phantom");
            push_section(&a, c, "phantom", NULL);
            status = run_argv(c, name, &a, t, s);
        } else if (!strcmp(name, "ingest")) {
            static const char *const skip[] = { "path", "recordings", NULL };
            push(&a, "ingest");
            push(&a, "--study");
            push(&a, study);
            push_section(&a, c, "study", skip);
            const char *rec = get(c, "study", "recordings");
            if (!rec)
                rec = get(c, "phantom", "output");
            char copy[4096];
            snprintf(copy, sizeof(copy), "%s", rec ? rec : "");
            for (char *save = NULL, *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
                push(&a, p);
            status = run_argv(c, name, &a, t, s);
        } else if (!strcmp(name, "segment") || !strcmp(name, "sample") ||
                   !strcmp(name, "transcribe") || !strcmp(name, "eval") ||
                   !strcmp(name, "report")) {
            if (!has_section(c, name) && (!strcmp(name, "transcribe") || !strcmp(name, "report") ||
                                          !strcmp(name, "eval")))
                continue;
            push(&a, name);
            push(&a, "--study");
            push(&a, study);
            push_section(&a, c, name, NULL);
            status = run_argv(c, name, &a, t, s);
        } else if (!strcmp(name, "enhance")) {
            static const char *const skip[] = { "views", NULL };
            char copy[512];
            snprintf(copy, sizeof(copy), "%s", get(c, "enhance", "views") ? get(c, "enhance", "views") : "");
            for (char *save = NULL, *v = strtok_r(copy, ", ", &save); v && status == 0;
                 v = strtok_r(NULL, ", ", &save)) {
                push(&a, "enhance");
                push(&a, "--study");
                push(&a, study);
                push(&a, "--view");
                push(&a, v);
                if (strcmp(v, "pose")) { /* keypoints and sampling are the pose view's */
                    static const char *const pose_only[] = { "views", "keypoints", "sampling",
                                                             "min_conf", NULL };
                    push_section(&a, c, "enhance", pose_only);
                } else {
                    push_section(&a, c, "enhance", skip);
                }
                status = run_argv(c, name, &a, t, s);
            }
        } else { /* ask and export: once per [ask NAME] section, in the file's order */
            for (size_t i = 0; i < c->n && status == 0; i++) {
                const char *sec = c->e[i].section;
                if (strncmp(sec, "ask ", 4) || (i > 0 && !strcmp(c->e[i - 1].section, sec)))
                    continue;
                const char *run = sec + 4;
                if (!strcmp(name, "ask")) {
                    push(&a, "ask");
                    push(&a, "--study");
                    push(&a, study);
                    push(&a, "--run");
                    push(&a, run);
                    push_section(&a, c, sec, NULL);
                } else {
                    const char *dir = get(c, "export", "folder");
                    if (!dir)
                        break;
                    char out[PATH_MAX];
                    snprintf(out, sizeof(out), "%s/%s.csv", dir, run);
                    push(&a, "export");
                    push(&a, "--study");
                    push(&a, study);
                    push(&a, "--run");
                    push(&a, run);
                    push(&a, "-o");
                    push(&a, out);
                }
                status = run_argv(c, name, &a, t, s);
            }
        }
        if (cli_stop_flag && status == 0)
            status = 1;
    }
    return status;
}

int cmd_run(int argc, char **argv)
{
    const Command *cmd = cli_find("run");
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "only", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    int opt, status, from = 0, only = -1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        int *which = opt == 'f' ? &from : &only;
        if ((*which = stage_index(optarg)) < 0)
            return cli_error("run: no stage '%s' (phantom, ingest, segment, sample, enhance, "
                             "transcribe, ask, export, eval, report)", optarg), 2;
    }
    if (optind != argc - 1)
        return cli_error("run: give one CONFIG file (see semio help run)"), 2;
    Config c = { .path = argv[optind] };
    int line = ini_parse(c.path, on_entry, &c);
    if (line != 0) {
        free_config(&c);
        if (line < 0)
            return cli_error("run: %s: cannot read: %s", c.path, strerror(errno)), 1;
        return cli_error("run: %s:%d: not a valid INI line", c.path, line), 1;
    }
    for (size_t i = 0; i < c.n; i++) {
        const char *sec = c.e[i].section;
        if (strncmp(sec, "ask ", 4) && strcmp(sec, "study") && strcmp(sec, "export") &&
            (stage_index(sec) < 0 || !strcmp(sec, "ask") || !strcmp(sec, "ingest"))) {
            cli_error("run: %s: unknown section [%s] (study, phantom, segment, sample, enhance, "
                      "transcribe, ask NAME, export, eval, report)", c.path, sec);
            free_config(&c);
            return 2;
        }
        SemioError err = { 0 };
        if (!strncmp(sec, "ask ", 4) && semio_run_name_check(sec + 4, &err) < 0) {
            cli_error("run: %s: [%s]: %s", c.path, sec, err.message);
            free_config(&c);
            return 2;
        }
    }
    /* relative paths in the config are relative to its folder */
    char dir[PATH_MAX], cwd[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", c.path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (!getcwd(cwd, sizeof(cwd)) || (slash && chdir(dir) != 0)) {
        cli_error("run: %s: cannot enter its folder: %s", c.path, strerror(errno));
        free_config(&c);
        return 1;
    }
    Timing t = { 0 };
    double t0 = now_s();
    status = run_stages(&c, from, only, &t);
    t.total = now_s() - t0;
    if (chdir(cwd) != 0)
        status = status ? status : 1;
    printf("== time:");
    for (int s = 0; stages[s]; s++)
        if (t.seconds[s] > 0)
            printf(" %s %.2f s (%.0f%%)", stages[s], t.seconds[s], 100 * t.seconds[s] / t.total);
    printf("; total %.2f s\n", t.total);
    free_config(&c);
    return status;
}
