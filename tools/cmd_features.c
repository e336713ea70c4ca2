/* semio features: the named numbers of every segment the supervised baselines learn from. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* --list: every documented feature, as set, name, doc (tab-separated). */
static int list_features(void)
{
    for (size_t i = 0; semio_feature_set_at(i); i++) {
        const char *set = semio_feature_set_at(i);
        size_t n;
        const SemioFeatureDoc *d = semio_feature_docs(set, &n);
        if (!n)
            printf("%s\t*\tnames from %s\n", set, !strcmp(set, "import")
                   ? "the --import file's header" : "the network");
        for (size_t k = 0; k < n; k++)
            printf("%s\t%s\t%s\n", set, d[k].name, d[k].doc);
    }
    return 0;
}

int cmd_features(int argc, char **argv)
{
    const Command *cmd = cli_find("features");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "set", required_argument, NULL, 'S' },
        { "import", required_argument, NULL, 'i' },
        { "onnx-model", required_argument, NULL, 'o' },
        { "onnx-settings", required_argument, NULL, 'O' },
        { "segments", required_argument, NULL, 'g' },
        { "keypoints", required_argument, NULL, 'K' },
        { "motion-fps", required_argument, NULL, 'f' },
        { "motion-grid", required_argument, NULL, 'G' },
        { "jobs", required_argument, NULL, 'j' },
        { "redo", no_argument, NULL, 'r' },
        { "list", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    SemioFeatureSettings set;
    semio_feature_default_settings(&set);
    int opt, status, list = 0;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 's': study = optarg; break;
        case 'S': set.sets = optarg; break;
        case 'i': set.import_csv = optarg; break;
        case 'o': set.onnx_model = optarg; break;
        case 'O': set.onnx_settings_json = optarg; break;
        case 'g': set.segments = optarg; break;
        case 'K': set.keypoints = optarg; break;
        case 'f': if (cli_double("motion-fps", optarg, 1, 120, &set.motion.fps)) return 2; break;
        case 'G':
            if (cli_int("motion-grid", optarg, 1, 8, &v))
                return 2;
            set.motion.grid = (int)v;
            break;
        case 'j':
            if (cli_int("jobs", optarg, 1, 256, &v))
                return 2;
            set.jobs = (int)v;
            break;
        case 'r': set.redo = 1; break;
        case 'l': list = 1; break;
        }
    }
    if (list)
        return list_features();
    if (!study)
        return cli_error("features: --study is required"), 2;
    set.progress = cli_progress;
    set.stop = &cli_stop_flag;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioFeatureReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_features(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0 && r != SEMIO_ERR_INTERRUPTED)
        return cli_fail(&err, r);
    printf("features of segments '%s' (%lld segments): %lld computed, %lld kept, %lld failed; "
           "%lld values stored, %lld of them missing\n", rep.segment_set,
           (long long)rep.segments, (long long)rep.computed, (long long)rep.kept,
           (long long)rep.failed, (long long)rep.values, (long long)rep.missing);
    if (rep.failed)
        printf("note: the first failure: %s\n", rep.failure);
    return r == SEMIO_ERR_INTERRUPTED ? cli_fail(&err, r) : 0;
}
