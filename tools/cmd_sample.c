/* semio sample: exact frames of every segment as JPEG in the study's cache. */
#include <stdio.h>

#include "cli.h"

int cmd_sample(int argc, char **argv)
{
    const Command *cmd = cli_find("sample");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "frames", required_argument, NULL, 'n' },
        { "fps", required_argument, NULL, 'f' },
        { "max-pixels", required_argument, NULL, 'p' },
        { "quality", required_argument, NULL, 'q' },
        { "threads", required_argument, NULL, 't' },
        { "jobs", required_argument, NULL, 'j' },
        { "segments", required_argument, NULL, 'g' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    SemioSampleSettings set;
    semio_sample_default_settings(&set);
    long long v;
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 's': study = optarg; break;
        case 'n':
            if (cli_int("frames", optarg, 1, 100000, &v)) return 2;
            set.frames = (int)v;
            break;
        case 'f': if (cli_double("fps", optarg, 0.001, 1000, &set.fps)) return 2; break;
        case 'p':
            if (cli_int("max-pixels", optarg, 0, 1LL << 40, &v)) return 2;
            set.max_pixels = v;
            break;
        case 'q':
            if (cli_int("quality", optarg, 1, 100, &v)) return 2;
            set.quality = (int)v;
            break;
        case 't':
            if (cli_int("threads", optarg, 0, 256, &v)) return 2;
            set.threads = (int)v;
            break;
        case 'j':
            if (cli_int("jobs", optarg, 1, 256, &v)) return 2;
            set.jobs = (int)v;
            break;
        case 'g': set.segments = optarg; break;
        }
    }
    if (!study)
        return cli_error("sample: --study is required"), 2;
    set.progress = cli_progress;
    set.stop = &cli_stop_flag;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioSampleReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_sample(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0 && r != SEMIO_ERR_INTERRUPTED)
        return cli_fail(&err, r);
    printf("sampled '%s': %d segments done, %d partial, %d failed, %d already done; "
           "%lld frames written, %lld shared with overlapping windows\n",
           rep.key, rep.segments_done, rep.segments_partial, rep.segments_failed,
           rep.segments_skipped, (long long)rep.frames_written, (long long)rep.frames_reused);
    if (rep.segments_elsewhere)
        printf("%d segments left to another process sampling the same study\n",
               rep.segments_elsewhere);
    if (r == SEMIO_ERR_INTERRUPTED)
        return cli_fail(&err, r);
    if (rep.segments_partial || rep.segments_failed)
        fprintf(stderr, "semio: some frames could not be decoded; see semio status --study %s\n",
                study);
    return 0;
}
