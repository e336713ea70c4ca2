/* semio export: a run's answers for notebooks (the pilot's CSV) or machines (JSONL), the
 * labels in the pilot's label layout, or every rating. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_export(int argc, char **argv)
{
    const Command *cmd = cli_find("export");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "run", required_argument, NULL, 'r' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "labels", no_argument, NULL, 'l' },
        { "ratings", no_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *run = NULL, *output = NULL;
    SemioExportFormat format = SEMIO_EXPORT_PILOT_CSV;
    int opt, status, labels = 0, ratings = 0, formatted = 0;
    while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'r')
            run = optarg;
        else if (opt == 'o')
            output = optarg;
        else if (opt == 'l')
            labels = 1;
        else if (opt == 'R')
            ratings = 1;
        else if (opt == 'f') {
            formatted = 1;
            if (!strcmp(optarg, "pilot-csv"))
                format = SEMIO_EXPORT_PILOT_CSV;
            else if (!strcmp(optarg, "jsonl"))
                format = SEMIO_EXPORT_JSONL;
            else
                return cli_error("--format: '%s' is not pilot-csv or jsonl", optarg), 2;
        }
    }
    if (!study || (!!run + labels + ratings) != 1)
        return cli_error("export: --study and one of --run, --labels or --ratings are "
                         "required"), 2;
    if (formatted && !run)
        return cli_error("export: --format is for a run's answers (--labels and --ratings "
                         "are CSV)"), 2;
    SemioError err = { 0 };
    SemioStudy *s = NULL;
    /* Put in place only once whole: an export killed in the writing (found by
     * tests/test_kill.sh: fopen's truncation left an empty CSV where a whole one had been)
     * or failed (no such run, a damaged study) leaves the export it found. */
    CliOutput out;
    if (cli_output_open(&out, output) != 0)
        return 1;
    int r = semio_study_open(&s, study, SEMIO_STUDY_READ, &err);
    if (r == 0)
        r = labels ? semio_export_labels(s, out.f, &err)
          : ratings ? semio_export_ratings(s, out.f, &err)
          : semio_export(s, run, format, out.f, &err);
    semio_study_close(&s);
    int closed = cli_output_close(&out, r == 0);
    return r < 0 ? cli_fail(&err, r) : closed;
}
