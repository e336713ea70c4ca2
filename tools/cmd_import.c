/* semio import: published predictions as a run of the study. */
#include <stdio.h>

#include "cli.h"

int cmd_import(int argc, char **argv)
{
    const Command *cmd = cli_find("import");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "run", required_argument, NULL, 'r' },
        { "replace", no_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *run = NULL;
    int replace = 0, opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'r')
            run = optarg;
        else if (opt == 'R')
            replace = 1;
    }
    if (!study || !run || optind + 1 != argc)
        return cli_error("import: give --study, --run and one predictions CSV"), 2;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioImportReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_import_predictions(s, argv[optind], run, replace, &rep, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    printf("run '%s': %d rows, %d signs, %d answers, %d failed answers\n", run, rep.rows,
           rep.signs, rep.answers, rep.failed);
    return 0;
}
