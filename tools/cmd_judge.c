/* semio judge: a multimodal model rates a run's justifications beside the human raters. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Each answer that got no rating, as it happens: nothing is stored for it, and running the
 * command again asks it again. */
static void on_failed(void *user, const char *item, const char *message)
{
    (void)user;
    fprintf(stderr, "semio: judge: no rating for %s: %s\n", item, message);
}

int cmd_judge(int argc, char **argv)
{
    const Command *cmd = cli_find("judge");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "run", required_argument, NULL, 'r' },
        { "url", required_argument, NULL, 'u' },
        CLI_CHAT_OPTIONS,
        { "name", required_argument, NULL, 'N' },
        { "signs", required_argument, NULL, 'g' },
        { "only", required_argument, NULL, 'O' },
        { "limit", required_argument, NULL, 'l' },
        { "redo", no_argument, NULL, 'D' },
        { "concurrency", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *urls[32], *preset = NULL;
    size_t nurls = 0;
    SemioJudgeSettings set;
    SemioOpenAISettings oa;
    SemioError err = { 0 };
    semio_judge_default_settings(&set);
    semio_openai_default_settings(&oa);
    int opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        int server = cli_chat_option(opt, optarg, &oa, &preset);
        if (server < 0)
            return 2;
        if (server)
            continue;
        switch (opt) {
        case 's': study = optarg; break;
        case 'r': set.run = optarg; break;
        case 'u':
            if (cli_list_add(optarg, urls, &nurls, 32, "judge: at most 32 --url replicas"))
                return 2;
            break;
        case 'N': set.name = optarg; break;
        case 'g': set.signs = optarg; break;
        case 'O':
            if (cli_review_only(optarg, &set.only))
                return 2;
            break;
        case 'l':
            if (cli_int("limit", optarg, 1, 100000000, &v)) return 2;
            set.limit = (int)v;
            break;
        case 'D': set.redo = 1; break;
        case 'c':
            if (cli_int("concurrency", optarg, 1, 256, &v)) return 2;
            oa.concurrency = (int)v;
            break;
        }
    }
    if (optind < argc)
        return cli_error("judge: unexpected argument '%s'", argv[optind]), 2;
    if (cli_chat_preset(&oa, preset))
        return 2;
    if (!study || !set.run)
        return cli_error("judge: --study and --run are required"), 2;
    if (!nurls || !oa.model)
        return cli_error("judge: --url and --model (or --preset) name the judging server"), 2;
    oa.urls = urls;
    oa.nurls = nurls;
    oa.stop = &cli_stop_flag;
    set.engine = &oa;
    set.stop = &cli_stop_flag;
    set.on_error = on_failed;
    SemioStudy *s;
    SemioJudgeReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_judge(s, &set, &rep, cli_progress, NULL, &err);
    semio_study_close(&s);
    if (r < 0 && r != SEMIO_ERR_INTERRUPTED)
        return cli_fail(&err, r);
    printf("judge '%s' on run '%s': %d answers qualify, %d rated before, %d rated now, "
           "%d failed (nothing stored for them: running again asks them again)\n", rep.rater,
           set.run, rep.qualified, rep.done_before, rep.rated, rep.failed);
    return r == SEMIO_ERR_INTERRUPTED ? cli_fail(&err, r) : 0;
}
