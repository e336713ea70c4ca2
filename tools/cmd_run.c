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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "run_config.h"

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
static void push_section(Argv *a, const RunConfig *c, const char *section, const char *const *skip)
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

typedef struct Timing {
    double seconds[16];
    double total;
} Timing;

/* Runs one command line; prints it first, as make does. */
static int run_argv(const RunConfig *c, const char *label, Argv *a, Timing *t, int stage)
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

static int run_stages(const RunConfig *c, int from, int only, Timing *t)
{
    const char *study = run_config_get(c, "study", "path");
    if (!study)
        return cli_error("run: %s: [study] needs path = STUDY.db", c->path), 2;
    Argv a = { 0 };
    int status = 0;
    for (int s = from; run_stage_names[s] && status == 0; s++) {
        if (only >= 0 && s != only)
            continue;
        const char *name = run_stage_names[s];
        if (!strcmp(name, "phantom")) {
            if (!run_config_has_section(c, "phantom"))
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
            const char *rec = run_config_get(c, "study", "recordings");
            if (!rec)
                rec = run_config_get(c, "phantom", "output");
            char copy[4096], *items[64];
            snprintf(copy, sizeof(copy), "%s", rec ? rec : "");
            size_t n = semio_list_split(copy, items, 64);
            for (size_t i = 0; i < n && i < 64; i++)
                push(&a, items[i]);
            status = run_argv(c, name, &a, t, s);
        } else if (!strcmp(name, "segment") || !strcmp(name, "sample") ||
                   !strcmp(name, "transcribe") || !strcmp(name, "eval") ||
                   !strcmp(name, "report")) {
            if (!run_config_has_section(c, name) &&
                (!strcmp(name, "transcribe") || !strcmp(name, "report") || !strcmp(name, "eval")))
                continue;
            push(&a, name);
            push(&a, "--study");
            push(&a, study);
            push_section(&a, c, name, NULL);
            status = run_argv(c, name, &a, t, s);
        } else if (!strcmp(name, "enhance")) {
            static const char *const skip[] = { "views", NULL };
            char copy[512], *items[16];
            const char *views = run_config_get(c, "enhance", "views");
            snprintf(copy, sizeof(copy), "%s", views ? views : "");
            size_t n = semio_list_split(copy, items, 16);
            for (size_t i = 0; i < n && i < 16 && status == 0; i++) {
                const char *v = items[i];
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
                    const char *dir = run_config_get(c, "export", "folder");
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
        if ((*which = run_stage_index(optarg)) < 0)
            return cli_error("run: no stage '%s' (phantom, ingest, segment, sample, enhance, "
                             "transcribe, ask, export, eval, report)", optarg), 2;
    }
    if (optind != argc - 1)
        return cli_error("run: give one CONFIG file (see semio help run)"), 2;
    RunConfig c;
    char why[2048];
    if ((status = run_config_load(&c, argv[optind], why, sizeof(why))) != 0)
        return cli_error("%s", why), status;
    /* relative paths in the config are relative to its folder */
    char dir[PATH_MAX], cwd[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", c.path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (!getcwd(cwd, sizeof(cwd)) || (slash && chdir(dir) != 0)) {
        cli_error("run: %s: cannot enter its folder: %s", c.path, strerror(errno));
        run_config_free(&c);
        return 1;
    }
    Timing t = { 0 };
    double t0 = now_s();
    status = run_stages(&c, from, only, &t);
    t.total = now_s() - t0;
    if (chdir(cwd) != 0)
        status = status ? status : 1;
    printf("== time:");
    for (int s = 0; run_stage_names[s]; s++)
        if (t.seconds[s] > 0)
            printf(" %s %.2f s (%.0f%%)", run_stage_names[s], t.seconds[s],
                   100 * t.seconds[s] / t.total);
    printf("; total %.2f s\n", t.total);
    run_config_free(&c);
    return status;
}
