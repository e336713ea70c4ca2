/* semio eval: the paper's metrics, with confidence intervals, from prediction files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_eval(int argc, char **argv)
{
    const Command *cmd = cli_find("eval");
    static const struct option opts[] = {
        { "labels", required_argument, NULL, 'l' },
        { "predictions", required_argument, NULL, 'p' },
        { "rules", required_argument, NULL, 'r' },
        { "format", required_argument, NULL, 'f' },
        { "resamples", required_argument, NULL, 'b' },
        { "seed", required_argument, NULL, 's' },
        { "level", required_argument, NULL, 'c' },
        { "patient-regex", required_argument, NULL, 'x' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *labels = NULL, *regex = NULL, *output = NULL;
    const char *preds[64];
    size_t npreds = 0;
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    int format = SEMIO_TABLE_MARKDOWN, opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 'l': labels = optarg; break;
        case 'p':
            for (char *save = NULL, *t = strtok_r(optarg, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                if (npreds == sizeof(preds) / sizeof(*preds))
                    return cli_error("eval: at most 64 prediction files"), 2;
                preds[npreds++] = t;
            }
            break;
        case 'r':
            if ((set.rules = (SemioRules)semio_rules_parse(optarg)) == (SemioRules)-1)
                return cli_error("--rules: '%s' is not pilot, binary or strict", optarg), 2;
            break;
        case 'f':
            if ((format = semio_table_format_parse(optarg)) < 0)
                return cli_error("--format: '%s' is not md, csv, tex, json or pilot-csv",
                                 optarg), 2;
            break;
        case 'b':
            if (cli_int("resamples", optarg, 0, 10000000, &v)) return 2;
            set.resamples = (int)v;
            break;
        case 's':
            if (cli_int("seed", optarg, 0, 1LL << 62, &v)) return 2;
            set.seed = (uint64_t)v;
            break;
        case 'c': if (cli_double("level", optarg, 0.5, 0.9999, &set.level)) return 2; break;
        case 'x': regex = optarg; break;
        case 'o': output = optarg; break;
        }
    }
    if (!labels || !npreds)
        return cli_error("eval: give --labels and --predictions (evaluating study runs "
                         "comes with semio ask)"), 2;
    SemioError err = { 0 };
    SemioEval *ev = NULL;
    int r = semio_eval_from_csv(&ev, labels, preds, npreds, regex, &err);
    if (r == 0)
        r = semio_eval_compute(ev, &set, &err);
    FILE *out = stdout;
    if (r == 0 && output && !(out = fopen(output, "w")))
        r = -1, snprintf(err.message, sizeof(err.message), "%s: cannot write: %s", output,
                         strerror(errno));
    if (r == 0)
        r = semio_eval_write(ev, (SemioTableFormat)format, out, &err);
    if (out && out != stdout && fclose(out) != 0 && r == 0)
        r = -1, snprintf(err.message, sizeof(err.message), "%s: cannot write", output);
    semio_eval_free(&ev);
    return r < 0 ? cli_fail(&err, r) : 0;
}
