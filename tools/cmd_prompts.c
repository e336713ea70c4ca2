/* semio prompts split|optimize|evaluate: the prompt search, and semio as the evaluation
 * backend of optimizers written elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

/* evaluate's text form: one line per sign. */
static void print_scores(const char *json)
{
    json_object *j = json_tokener_parse(json);
    json_object_object_foreach(j, sign, v) {
        json_object *a, *i, *c, *q;
        json_object_object_get_ex(v, "accuracy", &a);
        json_object_object_get_ex(v, "items", &i);
        json_object_object_get_ex(v, "correct", &c);
        json_object_object_get_ex(v, "requests_sent", &q);
        printf("%s: %d of %d right (accuracy %.3f), %d questions sent\n", sign,
               json_object_get_int(c), json_object_get_int(i), json_object_get_double(a),
               json_object_get_int(q));
    }
    json_object_put(j);
}

int cmd_prompts(int argc, char **argv)
{
    const Command *cmd = cli_find("prompts");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "name", required_argument, NULL, 'n' },
        { "search", required_argument, NULL, 'n' },
        { "signs", required_argument, NULL, 'g' },
        { "prompts", required_argument, NULL, 'p' },
        { "segments", required_argument, NULL, 'G' },
        { "sampling", required_argument, NULL, 'P' },
        { "url", required_argument, NULL, 'u' },
        { "model", required_argument, NULL, 'm' },
        { "engine", required_argument, NULL, 'e' },
        { "reflect-url", required_argument, NULL, 'U' },
        { "reflect-model", required_argument, NULL, 'M' },
        { "budget", required_argument, NULL, 'b' },
        { "minibatch", required_argument, NULL, 'B' },
        { "patience", required_argument, NULL, 'W' },
        { "cases", required_argument, NULL, 'c' },
        { "finalists", required_argument, NULL, 'F' },
        { "seed", required_argument, NULL, 'S' },
        { "patients", required_argument, NULL, 'a' },
        { "format", required_argument, NULL, 'f' },
        { "concurrency", required_argument, NULL, 'j' },
        { "api-key-env", required_argument, NULL, 'k' },
        { "timeout", required_argument, NULL, 'T' },
        { "connect-timeout", required_argument, NULL, 'C' },
        { "max-retries", required_argument, NULL, 'R' },
        { "max-wait", required_argument, NULL, 'X' },
        { "no-structured", no_argument, NULL, 'N' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *urls[32], *rurls[32], *patients = NULL, *format = "text";
    size_t nurls = 0, nrurls = 0;
    SemioOpenAISettings oa, ra;
    semio_openai_default_settings(&oa);
    semio_openai_default_settings(&ra);
    SemioSearchSettings set;
    semio_search_default_settings(&set);
    long long v;
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        int server = cli_server_option(opt, optarg, &oa, 1000);
        if (server < 0)
            return 2;
        if (server > 0) {
            if (opt == 'k') /* one key for both servers */
                ra.api_key_env = optarg;
            continue;
        }
        switch (opt) {
        case 's': study = optarg; break;
        case 'n': set.name = optarg; break;
        case 'g': set.signs = optarg; break;
        case 'p': set.prompts = optarg; break;
        case 'G': set.segments = optarg; break;
        case 'P': set.sampling = optarg; break;
        case 'M': ra.model = optarg; break;
        case 'a': patients = optarg; break;
        case 'f': format = optarg; break;
        case 'N': oa.structured = 0; break;
        case 'e':
            if (strcmp(optarg, "openai"))
                return cli_error("prompts: only the openai engine reads questions "
                                 "(not '%s')", optarg), 2;
            break;
        case 'u':
            if (cli_list_add(optarg, urls, &nurls, 32, "prompts: at most 32 --url replicas"))
                return 2;
            break;
        case 'U':
            if (cli_list_add(optarg, rurls, &nrurls, 32, "prompts: at most 32 --reflect-url"))
                return 2;
            break;
        case 'b':
            if (cli_int("budget", optarg, 1, 100000000, &v)) return 2;
            set.budget = v;
            break;
        case 'B':
            if (cli_int("minibatch", optarg, 1, 10000, &v)) return 2;
            set.minibatch = (int)v;
            break;
        case 'c':
            if (cli_int("cases", optarg, 1, 100, &v)) return 2;
            set.cases = (int)v;
            break;
        case 'F':
            if (cli_int("finalists", optarg, 1, 100, &v)) return 2;
            set.finalists = (int)v;
            break;
        case 'W':
            if (cli_int("patience", optarg, 0, 1000000, &v)) return 2;
            set.patience = (int)v;
            break;
        case 'S':
            if (cli_int("seed", optarg, 0, INT64_MAX, &v)) return 2;
            set.seed = (uint64_t)v;
            break;
        case 'j':
            if (cli_int("concurrency", optarg, 1, 256, &v)) return 2;
            oa.concurrency = (int)v;
            break;
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc)
        return cli_error("prompts: unexpected argument '%s'", argv[optind + 1]), 2;
    int split = verb && !strcmp(verb, "split"), optimize = verb && !strcmp(verb, "optimize"),
        evaluate = verb && !strcmp(verb, "evaluate");
    if (!study || !set.name || (!split && !optimize && !evaluate))
        return cli_error("prompts: --study, --name and split, optimize or evaluate are "
                         "required"), 2;
    if ((split || optimize) && !set.signs)
        return cli_error("prompts %s: --signs is required", verb), 2;
    if ((optimize || evaluate) && (!nurls || !oa.model))
        return cli_error("prompts %s: --url and --model name the model asked", verb), 2;
    if (optimize && (!nrurls || !ra.model))
        return cli_error("prompts optimize: --reflect-url and --reflect-model name the model "
                         "that rewrites"), 2;
    if (evaluate && (!patients || !set.prompts))
        return cli_error("prompts evaluate: --prompts FILE and --patients train|validation "
                         "are required"), 2;
    if (strcmp(format, "text") && strcmp(format, "json"))
        return cli_error("prompts: --format is text or json"), 2;
    oa.urls = urls;
    oa.nurls = nurls;
    oa.stop = &cli_stop_flag;
    ra.urls = rurls;
    ra.nurls = nrurls;
    ra.stop = &cli_stop_flag;
    set.engine = &oa;
    set.reflect = &ra;
    cli_catch_signals();
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    char *json = NULL;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0 && split && (r = semio_prompt_split(s, set.name, set.signs, set.seed, &err)) == 0)
        printf("search %s: patients split into train, validation and test (seed %llu)\n",
               set.name, (unsigned long long)set.seed);
    if (r == 0 && optimize && (r = semio_prompt_optimize(s, &set, &json, &err)) == 0)
        puts(json);
    if (r == 0 && evaluate && (r = semio_prompt_evaluate(s, &set, patients, &json, &err)) == 0)
        strcmp(format, "json") ? print_scores(json) : (void)puts(json);
    semio_free(json);
    semio_study_close(&s);
    return r < 0 ? cli_fail(&err, r) : 0;
}
