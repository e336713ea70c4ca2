/* semio raters and semio rounds: who reviews, and what they review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "semio raters add NAME" and the like: the verb and its one argument after the options. */
static int verb_args(int argc, char **argv, const char **verb, const char **name)
{
    *verb = optind < argc ? argv[optind] : NULL;
    *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    return optind + 2 < argc;
}

static int print_json(char *json)
{
    puts(json);
    semio_free(json);
    return 0;
}

int cmd_raters(int argc, char **argv)
{
    const Command *cmd = cli_find("raters");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "url", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *url = "http://127.0.0.1:8640", *verb, *name;
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'u')
            url = optarg;
    }
    if (verb_args(argc, argv, &verb, &name))
        return cli_error("raters: one name at a time"), 2;
    if (!study || !verb)
        return cli_error("raters: --study and add, list or remove are required"), 2;
    int add = !strcmp(verb, "add"), remove = !strcmp(verb, "remove");
    if (!add && !remove && strcmp(verb, "list"))
        return cli_error("raters: '%s' is not add, list or remove", verb), 2;
    if ((add || remove) && !name)
        return cli_error("raters %s: which rater? (semio raters %s NAME)", verb, verb), 2;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    int r = semio_study_open(&s, study, add || remove ? SEMIO_STUDY_WRITE : SEMIO_STUDY_READ,
                             &err);
    char *text = NULL;
    if (r == 0 && add && (r = semio_rater_add(s, name, &text, &err)) == 0) {
        /* the secret is shown once: only its hash is kept */
        printf("%s's login link (send it to them alone; it is shown only now):\n"
               "%s/login?key=%s\n", name, url, text);
        semio_free(text);
    } else if (r == 0 && remove && (r = semio_rater_remove(s, name, &err)) == 0) {
        printf("%s's link no longer works; what they said stays in the study\n", name);
    } else if (r == 0 && !add && !remove && (r = semio_raters_json(s, &text, &err)) == 0) {
        print_json(text);
    }
    semio_study_close(&s);
    return r < 0 ? cli_fail(&err, r) : 0;
}

int cmd_rounds(int argc, char **argv)
{
    const Command *cmd = cli_find("rounds");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "run", required_argument, NULL, 'r' },
        { "signs", required_argument, NULL, 'g' },
        { "only", required_argument, NULL, 'o' },
        { "items", required_argument, NULL, 'n' },
        { "blind", no_argument, NULL, 'b' },
        { "hide-labels", no_argument, NULL, 'L' },
        { "seed", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *verb, *name;
    SemioRoundSettings set;
    semio_round_default_settings(&set);
    long long v;
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 's': study = optarg; break;
        case 'r': set.runs = optarg; break;
        case 'g': set.signs = optarg; break;
        case 'b': set.blinded = 1; break;
        case 'L': set.show_labels = 0; break;
        case 'o':
            if (cli_review_only(optarg, &set.only))
                return 2;
            break;
        case 'n':
            if (cli_int("--items", optarg, 1, 1000000, &v) < 0)
                return 2;
            set.items = (int)v;
            break;
        case 'S':
            if (cli_int("--seed", optarg, 0, INT64_MAX, &v) < 0)
                return 2;
            set.seed = (uint64_t)v;
            break;
        }
    }
    if (verb_args(argc, argv, &verb, &name))
        return cli_error("rounds: one round at a time"), 2;
    if (!study || !verb)
        return cli_error("rounds: --study and add or list are required"), 2;
    int add = !strcmp(verb, "add");
    if (!add && strcmp(verb, "list"))
        return cli_error("rounds: '%s' is not add or list", verb), 2;
    if (add && (!name || !set.runs))
        return cli_error("rounds add: a name and --run are required"), 2;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    int r = semio_study_open(&s, study, add ? SEMIO_STUDY_WRITE : SEMIO_STUDY_READ, &err), n;
    char *text = NULL;
    if (r == 0 && add && (r = semio_round_add(s, name, &set, &n, &err)) == 0)
        printf("round %s: %d items; every rater gets them in an order of their own\n", name, n);
    else if (r == 0 && !add && (r = semio_rounds_json(s, &text, &err)) == 0)
        print_json(text);
    semio_study_close(&s);
    return r < 0 ? cli_fail(&err, r) : 0;
}
