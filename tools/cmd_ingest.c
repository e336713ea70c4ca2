/* semio ingest: recordings and label files into a study. */
#include <stdio.h>

#include "cli.h"

static void on_file_error(void *user, const char *path, const char *message)
{
    int *count = user;
    (*count)++;
    cli_error("%s", message);
}

int cmd_ingest(int argc, char **argv)
{
    const Command *cmd = cli_find("ingest");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "labels", required_argument, NULL, 'l' },
        { "patient-regex", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *labels = NULL;
    SemioIngestSettings set;
    semio_ingest_default_settings(&set);
    int opt, status, file_errors = 0;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'l')
            labels = optarg;
        else if (opt == 'p')
            set.patient_regex = optarg;
    }
    if (!study)
        return cli_error("ingest: --study is required"), 2;
    if (!labels && optind >= argc)
        return cli_error("ingest: name recordings or folders, or --labels"), 2;
    set.progress = cli_progress;
    set.on_error = on_file_error;
    set.error_user = &file_errors;

    SemioError err = { 0 };
    SemioStudy *s;
    int r = semio_study_open(&s, study, SEMIO_STUDY_CREATE, &err);
    if (r < 0)
        return cli_fail(&err, r);
    if (optind < argc) {
        SemioIngestReport rep;
        r = semio_ingest(s, (const char *const *)argv + optind, (size_t)(argc - optind), &set,
                         &rep, &err);
        if (r < 0) {
            semio_study_close(&s);
            return cli_fail(&err, r);
        }
        printf("recordings: %d added, %d unchanged, %d changed (re-probed), %d failed\n",
               rep.added, rep.unchanged, rep.changed, rep.failed);
        if (rep.added + rep.unchanged + rep.changed + rep.failed == 0)
            fprintf(stderr, "semio ingest: no recordings found in what was named (folders are "
                    "searched for video files by extension)\n");
        if (rep.elsewhere)
            printf("%d files left to another process ingesting them at the same time\n",
                   rep.elsewhere);
        if (rep.no_patient)
            printf("note: %d file names did not match the patient rule; their name without "
                   "extension is the patient id\n", rep.no_patient);
    }
    if (labels) {
        SemioLabelsReport rep;
        r = semio_ingest_labels(s, labels, &set, &rep, &err);
        if (r < 0) {
            semio_study_close(&s);
            return cli_fail(&err, r);
        }
        printf("labels: %d rows, %d sign columns, %d values stored, %d unchanged, %d removed, "
               "seizure bounds changed for %d recordings, "
               "%d rows without a recording (no file)\n",
               rep.rows, rep.sign_columns, rep.values_set, rep.unchanged, rep.removed,
               rep.bounds_changed, rep.new_videos);
        if (rep.bounds_changed)
            printf("note: segments made within the old seizure bounds are replaced by the next "
                   "semio segment --within-labels (their frames and answers with them)\n");
    }
    semio_study_close(&s);
    return file_errors ? 1 : 0;
}
