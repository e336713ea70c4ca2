/* semio phantom: render a study with known ground truth. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "640x360" */
static int size_option(const char *text, int *w, int *h)
{
    char tail;
    if (sscanf(text, "%dx%d%c", w, h, &tail) != 2)
        return cli_error("phantom: --size wants WIDTHxHEIGHT, e.g. 1920x1080 (got '%s')", text),
               -1;
    return 0;
}

int cmd_phantom(int argc, char **argv)
{
    const Command *cmd = cli_find("phantom");
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "videos", required_argument, NULL, 'n' },
        { "patients", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, 'S' },
        { "size", required_argument, NULL, 'z' },
        { "seconds", required_argument, NULL, 't' },
        { "fps", required_argument, NULL, 'f' },
        { "threads", required_argument, NULL, 'j' },
        { "no-keypoints", no_argument, NULL, 'K' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    SemioPhantomSettings set;
    semio_phantom_default_settings(&set);
    int opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 'o': set.dir = optarg; break;
        case 'n': if (cli_int("videos", optarg, 1, 100000, &v)) return 2; set.videos = (int)v; break;
        case 'p': if (cli_int("patients", optarg, 1, 100000, &v)) return 2; set.patients = (int)v; break;
        case 'S': if (cli_int("seed", optarg, 0, 1LL << 62, &v)) return 2; set.seed = (uint64_t)v; break;
        case 'z': if (size_option(optarg, &set.width, &set.height)) return 2; break;
        case 't': if (cli_double("seconds", optarg, 8, 3600, &set.seconds)) return 2; break;
        case 'f': if (cli_int("fps", optarg, 5, 120, &v)) return 2; set.fps = (int)v; break;
        case 'j': if (cli_int("threads", optarg, 1, 64, &v)) return 2; set.threads = (int)v; break;
        case 'K': set.keypoints = 0; break;
        }
    }
    SemioError err = { 0 };
    SemioPhantomReport rep;
    if (!semio_feature_built("phantom")) /* say so before asking for anything else */
        return cli_fail(&err, semio_phantom(&set, &rep, &err));
    if (!set.dir)
        return cli_error("phantom: give the output folder with -o DIR"), 2;
    cli_catch_signals();
    set.stop = &cli_stop_flag;
    set.progress = cli_progress;
    int r = semio_phantom(&set, &rep, &err);
    if (r < 0)
        return cli_fail(&err, r);
    printf("phantom: %d recordings rendered, %d already there; labels: %s\n", rep.made,
           rep.skipped, rep.labels);
    return 0;
}
