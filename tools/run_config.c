/*
 * Reading semio run's config with inih and checking it before any stage runs: an unknown
 * section or a bad run name is refused whole, so a typo never runs half a pipeline.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_config.h"
#include "semio/study.h"

const char *const run_stage_names[] = { "phantom", "ingest", "segment", "sample", "enhance",
                                        "transcribe", "ask", "export", "eval", "report", NULL };

int run_stage_index(const char *name)
{
    for (int i = 0; run_stage_names[i]; i++)
        if (!strcmp(run_stage_names[i], name))
            return i;
    return -1;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    RunConfig *c = user;
    if (c->n == c->cap) {
        RunEntry *ne = realloc(c->e, (c->cap = c->cap ? 2 * c->cap : 64) * sizeof(*ne));
        if (!ne)
            return 0;
        c->e = ne;
    }
    RunEntry *e = &c->e[c->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return 0;
    }
    c->n++;
    return 1;
}

/* 0, or 2 with why filled: the first section semio run does not know, or a bad run name. */
static int check_sections(const RunConfig *c, char *why, size_t why_size)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *sec = c->e[i].section;
        if (strncmp(sec, "ask ", 4) && strcmp(sec, "study") && strcmp(sec, "export") &&
            (run_stage_index(sec) < 0 || !strcmp(sec, "ask") || !strcmp(sec, "ingest"))) {
            snprintf(why, why_size, "run: %s: unknown section [%s] (study, phantom, segment, "
                     "sample, enhance, transcribe, ask NAME, export, eval, report)", c->path, sec);
            return 2;
        }
        SemioError err = { 0 };
        if (!strncmp(sec, "ask ", 4) && semio_run_name_check(sec + 4, &err) < 0) {
            snprintf(why, why_size, "run: %s: [%s]: %s", c->path, sec, err.message);
            return 2;
        }
    }
    return 0;
}

int run_config_load(RunConfig *c, const char *path, char *why, size_t why_size)
{
    *c = (RunConfig){ .path = path };
    int line = ini_parse(path, on_entry, c), status = 0;
    if (line < 0) {
        snprintf(why, why_size, "run: %s: cannot read: %s", path, strerror(errno));
        status = 1;
    } else if (line > 0) {
        snprintf(why, why_size, "run: %s:%d: not a valid INI line", path, line);
        status = 1;
    } else {
        status = check_sections(c, why, why_size);
    }
    if (status)
        run_config_free(c);
    return status;
}

void run_config_free(RunConfig *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    *c = (RunConfig){ .path = c->path };
}

const char *run_config_get(const RunConfig *c, const char *section, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
            return c->e[i].value;
    return NULL;
}

int run_config_has_section(const RunConfig *c, const char *section)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section))
            return 1;
    return 0;
}
