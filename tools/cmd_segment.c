/* semio segment: whole recordings or overlapping windows, optionally inside the labels. */
#include <stdio.h>

#include "cli.h"

int cmd_segment(int argc, char **argv)
{
    const Command *cmd = cli_find("segment");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "window", required_argument, NULL, 'w' },
        { "overlap", required_argument, NULL, 'o' },
        { "within-labels", no_argument, NULL, 'l' },
        { "margin", required_argument, NULL, 'm' },
        { "name", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    SemioSegmentSettings set;
    semio_segment_default_settings(&set);
    int opt, status, margin_given = 0;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 's': study = optarg; break;
        case 'w': if (cli_double("window", optarg, 0.001, 1e7, &set.window)) return 2; break;
        case 'o': if (cli_double("overlap", optarg, 0, 1e7, &set.overlap)) return 2; break;
        case 'l': set.within_labels = 1; break;
        case 'm':
            if (cli_double("margin", optarg, 0, 1e7, &set.margin))
                return 2;
            margin_given = 1;
            break;
        case 'n': set.name = optarg; break;
        }
    }
    if (!study)
        return cli_error("segment: --study is required"), 2;
    if (margin_given && !set.within_labels)
        return cli_error("segment: --margin needs --within-labels"), 2;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioSegmentReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_segment(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    printf("segments '%s': %d new over %d recordings, %d recordings already segmented",
           rep.set_name, rep.segments, rep.videos, rep.skipped);
    if (rep.unusable)
        printf(", %d left out (%s)", rep.unusable,
               set.within_labels ? "no labeled seizure bounds inside the recording"
                                 : "no frames");
    printf("\n");
    if (rep.replaced)
        printf("note: %d recordings' labeled seizure bounds changed: their old segments were "
               "dropped and made anew, with %lld answers about them\n", rep.replaced,
               (long long)rep.answers_dropped);
    return 0;
}
