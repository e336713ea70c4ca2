/* semio enhance: views that help the models, into the study's cache. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_enhance(int argc, char **argv)
{
    const Command *cmd = cli_find("enhance");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "view", required_argument, NULL, 'v' },
        { "segments", required_argument, NULL, 'g' },
        { "suppress-db", required_argument, NULL, 'd' },
        { "keypoints", required_argument, NULL, 'k' },
        { "sampling", required_argument, NULL, 'p' },
        { "min-conf", required_argument, NULL, 'c' },
        { "face-size", required_argument, NULL, 'z' },
        { "face-every", required_argument, NULL, 'e' },
        { "no-face-turns", no_argument, NULL, 'T' },
        { "face-detector", required_argument, NULL, 'D' },
        { "face-model", required_argument, NULL, 'M' },
        { "face-min", required_argument, NULL, 'm' },
        { "jobs", required_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    SemioEnhanceSettings set;
    semio_enhance_default_settings(&set);
    int opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'v')
            set.view = optarg;
        else if (opt == 'g')
            set.segments = optarg;
        else if (opt == 'k')
            set.keypoints = optarg;
        else if (opt == 'p')
            set.sampling = optarg;
        else if (opt == 'c') {
            double d;
            if (cli_double("min-conf", optarg, 0, 1, &d))
                return 2;
            set.min_conf = (float)d;
        }
        else if (opt == 'z') {
            if (cli_int("face-size", optarg, 32, 4096, &v))
                return 2;
            set.face_size = (int)v;
        }
        else if (opt == 'e') {
            if (cli_int("face-every", optarg, 1, 1000, &v))
                return 2;
            set.face_every = (int)v;
        }
        else if (opt == 'T')
            set.detector.turns = 0;
        else if (opt == 'D') {
            set.face_detector = strcmp(optarg, "none") != 0;
            if (set.face_detector && semio_face_backend_parse(optarg, &set.detector.backend) < 0)
                return cli_error("enhance: --face-detector %s: not auto, blazeface, dlib or "
                                 "none", optarg), 2;
        }
        else if (opt == 'M')
            set.detector.model = optarg;
        else if (opt == 'm') {
            if (cli_int("face-min", optarg, 8, 4096, &v))
                return 2;
            set.detector.min_face = (int)v;
        }
        else if (opt == 'j') {
            if (cli_int("jobs", optarg, 1, 256, &v))
                return 2;
            set.jobs = (int)v;
        }
        else if (opt == 'd') {
            if (cli_int("suppress-db", optarg, -100, -1, &v))
                return 2;
            set.suppress_db = (int)v;
        }
    }
    if (!study)
        return cli_error("enhance: --study is required"), 2;
    set.stop = &cli_stop_flag;
    set.progress = cli_progress;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioEnhanceReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_enhance(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    printf("view '%s': %d made, %d made before, %d impossible (see semio status)\n", set.view,
           rep.made, rep.skipped, rep.failed);
    if (rep.elsewhere)
        printf("%d segments left to another process enhancing the same study\n", rep.elsewhere);
    return 0;
}
