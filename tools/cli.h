/* What every semio subcommand shares: the command table, option helpers, progress. */
#ifndef SEMIO_TOOLS_CLI_H
#define SEMIO_TOOLS_CLI_H

#include <getopt.h>
#include <signal.h>

#include "semio/semio.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full --help text */
} Command;

/** The signal (SIGINT, SIGTERM) that asked to stop, or 0; long stages stop cleanly when
 *  they see it, and the command exits 128 + its number. */
extern volatile int cli_stop_flag;

/** Installs the SIGINT/SIGTERM handler that sets cli_stop_flag. */
void cli_catch_signals(void);

/**
 * Takes -v, -vv, -vvv and --verbose out of argv (before or after the command; not after a
 * "--") and returns how many v's there were. An option's value that is literally "-v" must
 * be written --option=-v.
 */
int cli_take_verbose(int *argc, char **argv);

/** Prints "semio: error: MESSAGE" to stderr and returns exit status 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Prints err's message (or its code's sentence) and returns exit status 1 (128 + the
 *  signal when a signal interrupted the command). */
int cli_fail(const SemioError *err, int code);

/** Parses numbers from option values; prints a clear error and returns -1 if bad. */
int cli_double(const char *opt, const char *text, double min, double max, double *out);
int cli_int(const char *opt, const char *text, long long min, long long max, long long *out);

/**
 * Handles --help and unknown options uniformly: returns 1 if the command should
 * exit with *status (help printed or bad option), else 0.
 */
int cli_common_option(const Command *cmd, int opt, int *status);

/**
 * The options every command that talks to a server shares, by their short codes:
 * 'm' --model, 'k' --api-key-env, 'T' --timeout, 'C' --connect-timeout, 'R'
 * --max-retries (at most max_retries) and 'X' --max-wait. Returns 1 if opt was one of them, 0 if not,
 * -1 after printing why its value is bad.
 */
int cli_server_option(int opt, const char *arg, SemioOpenAISettings *s, int max_retries);

/**
 * The options of a command that asks a chat model (ask, judge): cli_server_option's (with
 * --max-retries up to 1000), and 't' --temperature, 'M' --max-tokens, 'S' --no-structured,
 * 'Z' --no-timestamps, 'x' --extra, 'y' --server, 'Y' --preset (its name into *preset; see
 * cli_chat_preset), 'o' --mm, 'i' --image-field and 'I' --no-image-ids. Returns as
 * cli_server_option does.
 */
int cli_chat_option(int opt, const char *arg, SemioOpenAISettings *s, const char **preset);

/** cli_chat_option's long options, for a command's table. */
#define CLI_CHAT_OPTIONS \
    { "model", required_argument, NULL, 'm' }, \
    { "api-key-env", required_argument, NULL, 'k' }, \
    { "timeout", required_argument, NULL, 'T' }, \
    { "connect-timeout", required_argument, NULL, 'C' }, \
    { "max-retries", required_argument, NULL, 'R' }, \
    { "max-wait", required_argument, NULL, 'X' }, \
    { "temperature", required_argument, NULL, 't' }, \
    { "max-tokens", required_argument, NULL, 'M' }, \
    { "no-structured", no_argument, NULL, 'S' }, \
    { "no-timestamps", no_argument, NULL, 'Z' }, \
    { "extra", required_argument, NULL, 'x' }, \
    { "server", required_argument, NULL, 'y' }, \
    { "preset", required_argument, NULL, 'Y' }, \
    { "mm", required_argument, NULL, 'o' }, \
    { "image-field", required_argument, NULL, 'i' }, \
    { "no-image-ids", no_argument, NULL, 'I' }

/**
 * Applies the --preset named (none when preset is NULL) beneath the --model, --server and
 * --mm the command line gave itself: 0, or 2 (the exit status) after saying why.
 */
int cli_chat_preset(SemioOpenAISettings *s, const char *preset);

/**
 * Adds the items of a comma-list option (`arg`, split in place and trimmed) to list[*n..],
 * at most `max` in all: 0, or 2 (the exit status) after saying `too_many`.
 */
int cli_list_add(char *arg, const char **list, size_t *n, size_t max, const char *too_many);

/** Reads --only (correct, wrong or all) into *only: 0, or 2 (the exit status) after saying why. */
int cli_review_only(const char *arg, SemioReviewOnly *only);

/** A SemioProgressFn: a bar on a terminal, a line every few seconds otherwise. */
void cli_progress(void *user, const char *stage, int64_t done, int64_t total, const char *item);

const Command *cli_find(const char *name);

/**
 * A file a command writes (export's CSV, eval's tables, report's page): written as
 * PATH.tmpPID and renamed over PATH once whole, so that a command killed (or failed) in the
 * writing leaves the file it found, never a torn one that reads as a shorter export. The
 * temporary files of writers since killed are removed on the next open of the same PATH.
 * A PATH that is not a regular file (a link, a pipe, /dev/stdout) is written in place.
 */
typedef struct CliOutput {
    FILE *f;          /* where to write */
    const char *path; /* NULL: standard output */
    char tmp[4200];   /* the temporary file renamed over path, or "" when written in place */
} CliOutput;

/** Opens `path` (NULL: standard output) for writing; returns 0, or 1 after printing why. */
int cli_output_open(CliOutput *o, const char *path);

/** Closes the output: with `keep`, puts the file in place (returns 0, or 1 after printing
 *  why); without, discards what was written and leaves the old file as it was. */
int cli_output_close(CliOutput *o, int keep);

/* What eval and report share: how to read the inputs, and where the result goes. */
typedef struct EvalOptions {
    SemioTableFormat format;
    const char *output; /* NULL: standard output */
    const char *title;
    SemioRobustness *robust; /* with --robustness: the prompt sets compared; else NULL */
} EvalOptions;

/**
 * Parses eval/report options and computes the evaluation. Returns -1 with *ev set
 * when the command should go on, else the exit status (help, bad option, error).
 */
int cli_load_eval(const Command *cmd, int argc, char **argv, EvalOptions *o, SemioEval **ev);

/** Writes through `write` to o->output or standard output; returns the exit status. */
int cli_write_output(const EvalOptions *o, const SemioEval *ev,
                     int (*write)(const EvalOptions *, const SemioEval *, FILE *, SemioError *));

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_ask(int argc, char **argv);
int cmd_enhance(int argc, char **argv);
int cmd_transcribe(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_phantom(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_raters(int argc, char **argv);
int cmd_rounds(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_judge(int argc, char **argv);
int cmd_prompts(int argc, char **argv);
int cmd_train(int argc, char **argv);

#endif
