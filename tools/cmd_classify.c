/* semio classify: epileptic or functional, learned from a recording's signs. */
#include <json-c/json.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef enum Format { FORMAT_MARKDOWN, FORMAT_JSON, FORMAT_CSV } Format;

typedef struct Shown {
    const SemioClassifySettings *set;
    const char *model;
    int recordings; /* print each recording's out-of-fold P */
} Shown;

static void print_interval(FILE *f, const SemioInterval *ci, const char *sep)
{
    if (ci->defined)
        fprintf(f, "%.3f%s%.3f", ci->lo, sep, ci->hi);
    else
        fprintf(f, "%s", *sep == ',' ? "," : "n/a");
}

static void write_markdown(FILE *f, const SemioClassifyResult *r, const Shown *sh)
{
    const SemioClassifySettings *set = sh->set;
    fprintf(f, "# %s from %s\n\n", set->target, set->from);
    fprintf(f, "%s, %d patient-stratified folds, seed %llu; %lld recordings of %lld patients, "
               "%lld with %s 1; left out: %lld without %s, %lld without an input.\n\n",
            sh->model, r->folds, (unsigned long long)set->seed, (long long)r->recordings,
            (long long)r->patients, (long long)r->positives, set->target,
            (long long)r->no_target, set->target, (long long)r->no_input);
    fprintf(f, "| metric | out of fold | %g%% CI |\n| --- | ---: | --- |\n", set->level * 100);
    const char *names[] = { "accuracy", "F1", "AUC" };
    const double v[] = { r->accuracy, r->f1, r->auc };
    const SemioInterval *ci[] = { &r->accuracy_ci, &r->f1_ci, &r->auc_ci };
    for (int i = 0; i < 3; i++) {
        fprintf(f, "| %s | %.3f | ", names[i], v[i]);
        print_interval(f, ci[i], "-");
        fprintf(f, " |\n");
    }
    fprintf(f, "\n| input | weight |\n| --- | ---: |\n");
    for (size_t j = 0; j < r->ninputs; j++)
        fprintf(f, "| %s | %.4f |\n", r->input[j], r->weight[j]);
    if (sh->recordings) {
        fprintf(f, "\n| recording | %s | P(1) |\n| --- | ---: | ---: |\n", set->target);
        for (int64_t i = 0; i < r->recordings; i++)
            fprintf(f, "| %s | %d | %.4f |\n", r->recording[i], r->truth[i], r->p[i]);
    }
}

/* CSV of one table: section, name, value, lo, hi (lo, hi: a metric's interval; for a
 * recording, value is its P and lo its target). */
static void write_csv(FILE *f, const SemioClassifyResult *r, const Shown *sh)
{
    fprintf(f, "section,name,value,lo,hi\n");
    fprintf(f, "count,recordings,%lld,,\ncount,patients,%lld,,\ncount,positives,%lld,,\n"
               "count,no_target,%lld,,\ncount,no_input,%lld,,\n",
            (long long)r->recordings, (long long)r->patients, (long long)r->positives,
            (long long)r->no_target, (long long)r->no_input);
    const char *names[] = { "accuracy", "f1", "auc" };
    const double v[] = { r->accuracy, r->f1, r->auc };
    const SemioInterval *ci[] = { &r->accuracy_ci, &r->f1_ci, &r->auc_ci };
    for (int i = 0; i < 3; i++) {
        fprintf(f, "metric,%s,%.6f,", names[i], v[i]);
        print_interval(f, ci[i], ",");
        fprintf(f, "\n");
    }
    for (size_t j = 0; j < r->ninputs; j++)
        fprintf(f, "weight,%s,%.6f,,\n", r->input[j], r->weight[j]);
    for (int64_t i = 0; sh->recordings && i < r->recordings; i++)
        fprintf(f, "recording,\"%s\",%.6f,%d,\n", r->recording[i], r->p[i], r->truth[i]);
}

static json_object *json_number(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *json_metric(double v, const SemioInterval *ci)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "value", json_number(v));
    json_object_object_add(o, "lo", ci->defined ? json_number(ci->lo) : NULL);
    json_object_object_add(o, "hi", ci->defined ? json_number(ci->hi) : NULL);
    return o;
}

static void write_json(FILE *f, const SemioClassifyResult *r, const Shown *sh)
{
    json_object *o = json_object_new_object(), *w = json_object_new_array();
    json_object_object_add(o, "target", json_object_new_string(sh->set->target));
    json_object_object_add(o, "from", json_object_new_string(sh->set->from));
    json_object_object_add(o, "model", json_object_new_string(sh->model));
    json_object_object_add(o, "folds", json_object_new_int(r->folds));
    json_object_object_add(o, "seed", json_object_new_int64((int64_t)sh->set->seed));
    json_object_object_add(o, "level", json_object_new_double(sh->set->level));
    json_object_object_add(o, "recordings", json_object_new_int64(r->recordings));
    json_object_object_add(o, "patients", json_object_new_int64(r->patients));
    json_object_object_add(o, "positives", json_object_new_int64(r->positives));
    json_object_object_add(o, "no_target", json_object_new_int64(r->no_target));
    json_object_object_add(o, "no_input", json_object_new_int64(r->no_input));
    json_object_object_add(o, "accuracy", json_metric(r->accuracy, &r->accuracy_ci));
    json_object_object_add(o, "f1", json_metric(r->f1, &r->f1_ci));
    json_object_object_add(o, "auc", json_metric(r->auc, &r->auc_ci));
    for (size_t j = 0; j < r->ninputs; j++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "input", json_object_new_string(r->input[j]));
        json_object_object_add(e, "weight", json_number(r->weight[j]));
        json_object_array_add(w, e);
    }
    json_object_object_add(o, "weights", w);
    if (sh->recordings) {
        json_object *rec = json_object_new_array();
        for (int64_t i = 0; i < r->recordings; i++) {
            json_object *e = json_object_new_object();
            json_object_object_add(e, "file_name", json_object_new_string(r->recording[i]));
            json_object_object_add(e, "target", json_object_new_int(r->truth[i]));
            json_object_object_add(e, "p", json_number(r->p[i]));
            json_object_array_add(rec, e);
        }
        json_object_object_add(o, "recordings_p", rec);
    }
    fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static int parse_format(const char *text, Format *f)
{
    if (!strcmp(text, "markdown") || !strcmp(text, "md"))
        *f = FORMAT_MARKDOWN;
    else if (!strcmp(text, "json"))
        *f = FORMAT_JSON;
    else if (!strcmp(text, "csv"))
        *f = FORMAT_CSV;
    else
        return cli_error("--format: '%s' is not markdown, json or csv", text), -1;
    return 0;
}

/* The options after --study: 0 to go on, else the exit status. */
static int parse_options(const Command *cmd, int argc, char **argv, SemioClassifySettings *set,
                         const char **study, const char **model, Format *format,
                         const char **output, int *recordings)
{
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },   { "target", required_argument, NULL, 't' },
        { "from", required_argument, NULL, 'F' },    { "model", required_argument, NULL, 'm' },
        { "folds", required_argument, NULL, 'k' },   { "seed", required_argument, NULL, 'S' },
        { "resamples", required_argument, NULL, 'B' },
        { "level", required_argument, NULL, 'L' },   { "format", required_argument, NULL, 'f' },
        { "recordings", no_argument, NULL, 'r' },    { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },          { 0 },
    };
    long long v;
    int opt, status;
    while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if ((opt == 'k' && cli_int("--folds", optarg, 2, 100, &v) < 0) ||
            (opt == 'S' && cli_int("--seed", optarg, 0, INT64_MAX, &v) < 0) ||
            (opt == 'B' && cli_int("--resamples", optarg, 0, 1000000, &v) < 0) ||
            (opt == 'L' && cli_double("--level", optarg, 0.5, 0.999, &set->level) < 0) ||
            (opt == 'f' && parse_format(optarg, format) < 0))
            return 2;
        switch (opt) {
        case 's': *study = optarg; break;
        case 't': set->target = optarg; break;
        case 'F': set->from = optarg; break;
        case 'm': *model = optarg; break;
        case 'k': set->folds = (int)v; break;
        case 'S': set->seed = (uint64_t)v; break;
        case 'B': set->resamples = (int)v; break;
        case 'r': *recordings = 1; break;
        case 'o': *output = optarg; break;
        }
    }
    if (!*study || !set->from || optind != argc)
        return cli_error("classify: give --study and --from labels|RUN (see --help)"), 2;
    return 0;
}

int cmd_classify(int argc, char **argv)
{
    const Command *cmd = cli_find("classify");
    SemioClassifySettings set;
    semio_classify_default_settings(&set);
    const char *study = NULL, *model = "logistic", *output = NULL;
    Format format = FORMAT_MARKDOWN;
    int recordings = 0;
    int status = parse_options(cmd, argc, argv, &set, &study, &model, &format, &output,
                               &recordings);
    if (status)
        return status;
    SemioLearnerKind kind;
    if (semio_learner_parse(model, &kind) < 0)
        return cli_error("--model: '%s' is not logistic or xgboost", model), 2;
    semio_learner_default_params(&set.params, kind);
    set.params.seed = set.seed;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    SemioClassifyResult res;
    int r = semio_study_open(&s, study, SEMIO_STUDY_READ, &err);
    if (r == 0)
        r = semio_classify(s, &set, &res, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    CliOutput out;
    if (cli_output_open(&out, output)) {
        semio_classify_result_free(&res);
        return 1;
    }
    Shown sh = { &set, model, recordings };
    if (format == FORMAT_JSON)
        write_json(out.f, &res, &sh);
    else if (format == FORMAT_CSV)
        write_csv(out.f, &res, &sh);
    else
        write_markdown(out.f, &res, &sh);
    semio_classify_result_free(&res);
    return cli_output_close(&out, 1);
}
