/* semio eval and semio report: the paper's metrics, with confidence intervals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_load_eval(const Command *cmd, int argc, char **argv, EvalOptions *o, SemioEval **ev)
{
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
        { "title", required_argument, NULL, 't' },
        { "folds", required_argument, NULL, 'k' },
        { "study", required_argument, NULL, 'S' },
        { "run", required_argument, NULL, 'R' },
        { "merge", required_argument, NULL, 'm' },
        { "unit", required_argument, NULL, 'L' },
        { "patient-merge", required_argument, NULL, 'P' },
        { "robustness", required_argument, NULL, 'W' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *labels = NULL, *study = NULL, *preds[64], *runs[64], *robust[64];
    size_t nruns = 0, nrobust = 0;
    int by_patient = 0;
    SemioAggregateRule patient_rule = SEMIO_AGG_ANY_YES;
    int patient_k = 1;
    SemioStudyEvalSettings merge;
    semio_study_eval_default_settings(&merge);
    SemioCsvSettings csv = { .patient_regex = NULL, .tune_folds = 3, .seed = 1 };
    size_t npreds = 0;
    char too_many[64];
    SemioEvalSettings set;
    semio_eval_default_settings(&set);
    o->format = SEMIO_TABLE_MARKDOWN;
    o->output = NULL;
    o->title = "semio evaluation";
    o->robust = NULL;
    *ev = NULL;
    int opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 'l': labels = optarg; break;
        case 'p':
            snprintf(too_many, sizeof(too_many), "%s: at most 64 prediction files", cmd->name);
            if (cli_list_add(optarg, preds, &npreds, 64, too_many))
                return 2;
            break;
        case 'r':
            if (semio_rules_parse(optarg, &set.rules) < 0)
                return cli_error("--rules: '%s' is not pilot, binary or strict", optarg), 2;
            break;
        case 'f':
            if (semio_table_format_parse(optarg, &o->format) < 0)
                return cli_error("--format: '%s' is not md, csv, tex, json or pilot-csv",
                                 optarg), 2;
            break;
        case 'b':
            if (cli_int("resamples", optarg, 0, 10000000, &v)) return 2;
            set.resamples = (int)v;
            break;
        case 's':
            if (cli_int("seed", optarg, 0, 1LL << 62, &v)) return 2;
            set.seed = csv.seed = merge.seed = (uint64_t)v;
            break;
        case 'c': if (cli_double("level", optarg, 0.5, 0.9999, &set.level)) return 2; break;
        case 'x': csv.patient_regex = optarg; break;
        case 'S': study = optarg; break;
        case 'R':
            snprintf(too_many, sizeof(too_many), "%s: at most 64 runs", cmd->name);
            if (cli_list_add(optarg, runs, &nruns, 64, too_many))
                return 2;
            break;
        case 'W':
            snprintf(too_many, sizeof(too_many), "%s: at most 64 runs", cmd->name);
            if (cli_list_add(optarg, robust, &nrobust, 64, too_many))
                return 2;
            break;
        case 'm':
            if (semio_aggregate_parse(optarg, &merge.merge, &merge.k) < 0)
                return cli_error("--merge: '%s' is not any-yes, max-p, mean-p or K-of-n",
                                 optarg), 2;
            break;
        case 'L':
            if (strcmp(optarg, "recording") && strcmp(optarg, "patient"))
                return cli_error("--unit: '%s' is not recording or patient", optarg), 2;
            by_patient = !strcmp(optarg, "patient");
            break;
        case 'P':
            if (semio_aggregate_parse(optarg, &patient_rule, &patient_k) < 0 ||
                patient_rule == SEMIO_AGG_MAX_P)
                return cli_error("--patient-merge: '%s' is not max, mean or K-of-n", optarg), 2;
            break;
        case 'k':
            if (cli_int("folds", optarg, 0, 64, &v)) return 2;
            csv.tune_folds = merge.tune_folds = (int)v;
            break;
        case 'o': o->output = optarg; break;
        case 't': o->title = optarg; break;
        }
    }
    if (!study == !(labels && npreds) || (study && (labels || npreds)))
        return cli_error("%s: give either --study (and --run) or --labels and --predictions",
                         cmd->name), 2;
    if (nrobust && (!study || by_patient))
        return cli_error("%s: --robustness compares a study's runs on their windows: give "
                         "--study, and no --unit patient", cmd->name), 2;
    if (nrobust == 1)
        return cli_error("%s: --robustness needs at least two runs (prompt sets), not only "
                         "'%s'", cmd->name, robust[0]), 2;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    int r;
    if (study) {
        if (access(study, F_OK) != 0)
            return cli_error("%s: no such study", study);
        r = semio_study_open(&s, study, SEMIO_STUDY_READ, &err);
        /* without --run, the prompt sets are the runs scored */
        if (r == 0)
            r = nruns || !nrobust ? semio_eval_from_study(ev, s, runs, nruns, &merge, &err)
                                  : semio_eval_from_study(ev, s, robust, nrobust, &merge, &err);
    } else {
        r = semio_eval_from_csv(ev, labels, preds, npreds, &csv, &err);
    }
    if (r == 0 && by_patient) {
        SemioEval *patients = NULL;
        r = semio_eval_by_patient(*ev, patient_rule, patient_k, &patients, &err);
        semio_eval_close(ev);
        *ev = patients;
    }
    if (r == 0)
        r = semio_eval_compute(*ev, &set, &err);
    if (r == 0 && nrobust)
        r = semio_robustness_from_study(&o->robust, s, *ev, robust, nrobust, &err);
    semio_study_close(&s);
    if (r < 0) {
        semio_eval_close(ev);
        return cli_fail(&err, r);
    }
    return -1;
}

/* Opens o->output (or stdout), runs write, closes: one error path for both commands. The
 * file is put in place only once whole (cli_output_open): a killed eval or report leaves the
 * tables or page it found. */
int cli_write_output(const EvalOptions *o, const SemioEval *ev,
                     int (*write)(const EvalOptions *, const SemioEval *, FILE *, SemioError *))
{
    SemioError err = { 0 };
    CliOutput out;
    if (cli_output_open(&out, o->output) != 0)
        return 1;
    int r = write(o, ev, out.f, &err);
    int status = cli_output_close(&out, r == 0);
    return r < 0 ? cli_fail(&err, r) : status;
}

static int write_tables(const EvalOptions *o, const SemioEval *ev, FILE *f, SemioError *err)
{
    if (o->robust)
        return semio_robustness_write(ev, o->robust, (SemioTableFormat)o->format, f, err);
    return semio_eval_write(ev, (SemioTableFormat)o->format, f, err);
}

int cmd_eval(int argc, char **argv)
{
    EvalOptions o;
    SemioEval *ev;
    int status = cli_load_eval(cli_find("eval"), argc, argv, &o, &ev);
    if (status >= 0)
        return status;
    status = cli_write_output(&o, ev, write_tables);
    semio_robustness_free(&o.robust);
    semio_eval_close(&ev);
    return status;
}
