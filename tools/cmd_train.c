/* semio train: per-sign classifiers on stored features, scored out of fold, as a run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* What each sign scored out of fold, at the recording level (semio eval's binary rules). */
static int print_summary(SemioStudy *s, const char *run, SemioError *err)
{
    SemioStudyEvalSettings o;
    SemioEvalSettings es;
    SemioEval *ev = NULL;
    semio_study_eval_default_settings(&o);
    o.tune_folds = 0;
    semio_eval_default_settings(&es);
    es.rules = SEMIO_RULES_BINARY;
    es.resamples = 0;
    const char *runs[] = { run };
    int r = semio_eval_from_study(&ev, s, runs, 1, &o, err);
    if (r == 0)
        r = semio_eval_compute(ev, &es, err);
    for (size_t g = 0; r == 0 && g < semio_eval_signs(ev); g++) {
        const SemioMetrics *m = semio_eval_metrics(ev, 0, g);
        double f1 = m->value[SEMIO_METRIC_F1];
        char v[16] = "n/a";
        if (!isnan(f1))
            snprintf(v, sizeof(v), "%.2f", f1);
        printf("  %-24s out-of-fold F1 %s over %lld recordings (%lld positive)",
               semio_eval_sign(ev, g), v, (long long)m->support, (long long)m->positives);
        if (m->excluded_failed)
            printf(", %lld failed: too few examples in a fold", (long long)m->excluded_failed);
        printf("\n");
    }
    semio_eval_close(&ev);
    return r;
}

static int learner_option(int opt, const char *arg, SemioLearnerParams *p)
{
    long long v;
    switch (opt) {
    case 'n': if (cli_int("rounds", arg, 1, 100000, &v)) return -1; p->rounds = (int)v; break;
    case 'd': if (cli_int("max-depth", arg, 1, 64, &v)) return -1; p->max_depth = (int)v; break;
    case 'e': return cli_double("eta", arg, 1e-6, 1, &p->eta) ? -1 : 1;
    case 'b': if (cli_int("max-bin", arg, 2, 65536, &v)) return -1; p->max_bin = (int)v; break;
    case 'C': return cli_double("C", arg, 1e-9, 1e9, &p->c) ? -1 : 1;
    default: return 0;
    }
    return 1;
}

/* Parses the options into set (learner parameters kept apart: --model resets them). */
static int parse(int argc, char **argv, const char **study, SemioTrainSettings *set,
                 SemioLearnerParams *given, int *have_kind)
{
    const Command *cmd = cli_find("train");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' }, { "run", required_argument, NULL, 'r' },
        { "features", required_argument, NULL, 'f' }, { "model", required_argument, NULL, 'm' },
        { "folds", required_argument, NULL, 'k' }, { "seed", required_argument, NULL, 'S' },
        { "merge", required_argument, NULL, 'M' }, { "signs", required_argument, NULL, 'g' },
        { "segments", required_argument, NULL, 'G' },
        { "min-positives", required_argument, NULL, 'p' },
        { "rounds", required_argument, NULL, 'n' }, { "max-depth", required_argument, NULL, 'd' },
        { "eta", required_argument, NULL, 'e' }, { "C", required_argument, NULL, 'C' },
        { "max-bin", required_argument, NULL, 'b' },
        { "final", required_argument, NULL, 'F' }, { "replace", no_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' }, { 0 },
    };
    int opt, status, lo;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if ((lo = learner_option(opt, optarg, given)) != 0) {
            if (lo < 0)
                return 2;
            continue;
        }
        switch (opt) {
        case 's': *study = optarg; break;
        case 'r': set->run = optarg; break;
        case 'f': set->features = optarg; break;
        case 'm':
            if (semio_learner_parse(optarg, &given->kind) < 0)
                return cli_error("train: --model takes xgboost or logistic (got '%s')",
                                 optarg), 2;
            *have_kind = 1;
            break;
        case 'k': if (cli_int("folds", optarg, 2, 100, &v)) return 2; set->folds = (int)v; break;
        case 'S': if (cli_int("seed", optarg, 0, 1LL << 62, &v)) return 2;
            set->seed = (uint64_t)v;
            break;
        case 'M':
            if (strcmp(optarg, "max") && strcmp(optarg, "mean"))
                return cli_error("train: --merge takes max or mean (got '%s')", optarg), 2;
            set->merge = strcmp(optarg, "max") ? SEMIO_MERGE_MEAN : SEMIO_MERGE_MAX;
            break;
        case 'g': set->signs = optarg; break;
        case 'G': set->segments = optarg; break;
        case 'p': if (cli_int("min-positives", optarg, 1, 1000000, &v)) return 2;
            set->min_positives = (int)v;
            break;
        case 'F': set->final_model = optarg; break;
        case 'R': set->replace = 1; break;
        }
    }
    return -1;
}

/* The learner's defaults with what the command line named over them. */
static void apply_params(SemioTrainSettings *set, const SemioLearnerParams *given,
                         const SemioLearnerParams *untouched)
{
    semio_learner_default_params(&set->params, given->kind);
    if (given->rounds != untouched->rounds) set->params.rounds = given->rounds;
    if (given->max_depth != untouched->max_depth) set->params.max_depth = given->max_depth;
    if (given->eta != untouched->eta) set->params.eta = given->eta;
    if (given->max_bin != untouched->max_bin) set->params.max_bin = given->max_bin;
    if (given->c != untouched->c) set->params.c = given->c;
}

int cmd_train(int argc, char **argv)
{
    const char *study = NULL;
    SemioTrainSettings set;
    SemioLearnerParams given, untouched;
    int have_kind = 0;
    semio_train_default_settings(&set);
    memset(&given, 0, sizeof(given));
    untouched = given;
    int status = parse(argc, argv, &study, &set, &given, &have_kind);
    if (status >= 0)
        return status;
    if (!study || !set.run || !have_kind)
        return cli_error("train: --study, --run and --model (xgboost or logistic) are "
                         "required"), 2;
    apply_params(&set, &given, &untouched);
    set.progress = cli_progress;
    set.stop = &cli_stop_flag;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioTrainReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_train(s, &set, &rep, &err);
    if (r == 0) {
        printf("run '%s': %d signs on %lld recordings of %lld patients (%lld segments, %d "
               "features), %d folds, %d (sign, fold) models failed (stored with the reason)\n",
               set.run, rep.signs, (long long)rep.recordings, (long long)rep.patients,
               (long long)rep.segments, rep.columns, set.folds, rep.failed_folds);
        r = print_summary(s, set.run, &err);
    }
    if (r == 0 && set.final_model)
        printf("model file: %s\n", set.final_model);
    semio_study_close(&s);
    return r < 0 ? cli_fail(&err, r) : 0;
}
