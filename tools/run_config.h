/* semio run's config: the INI file read into entries, its sections and run names checked. */
#ifndef SEMIO_TOOLS_RUN_CONFIG_H
#define SEMIO_TOOLS_RUN_CONFIG_H

#include <stddef.h>

typedef struct RunEntry {
    char *section, *key, *value;
} RunEntry;

typedef struct RunConfig {
    RunEntry *e; /* in the file's order */
    size_t n, cap;
    const char *path;
} RunConfig;

/* The stages in the pipeline's order, NULL-terminated. */
extern const char *const run_stage_names[];

/* The position of stage `name` in run_stage_names, or -1. */
int run_stage_index(const char *name);

/*
 * Reads and checks the config at `path` (kept, not copied): every line INI, every section
 * one semio run knows, every [ask NAME] a valid run name. Returns 0, or the command's exit
 * status (1: unreadable or not INI; 2: a section or run name it refuses) with the reason,
 * a sentence for cli_error, in `why`; *c holds nothing then.
 */
int run_config_load(RunConfig *c, const char *path, char *why, size_t why_size);

void run_config_free(RunConfig *c);

/* The value of `key` in [section], or NULL. */
const char *run_config_get(const RunConfig *c, const char *section, const char *key);

int run_config_has_section(const RunConfig *c, const char *section);

#endif
