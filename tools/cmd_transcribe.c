/* semio transcribe: each segment's speech as text, from a transcription server. */
#include <stdio.h>

#include "cli.h"

int cmd_transcribe(int argc, char **argv)
{
    const Command *cmd = cli_find("transcribe");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "url", required_argument, NULL, 'u' },
        { "model", required_argument, NULL, 'm' },
        { "source", required_argument, NULL, 'S' },
        { "segments", required_argument, NULL, 'g' },
        { "api-key-env", required_argument, NULL, 'k' },
        { "timeout", required_argument, NULL, 'T' },
        { "max-retries", required_argument, NULL, 'R' },
        { "max-wait", required_argument, NULL, 'X' },
        { "sphinx-model", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *url = NULL;
    SemioOpenAISettings server;
    semio_openai_default_settings(&server);
    server.max_retries = 5;
    SemioTranscribeSettings set = { .server = &server, .source = "audio" };
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        int server_opt = cli_server_option(opt, optarg, &server, 100);
        if (server_opt < 0)
            return 2;
        if (server_opt)
            continue;
        switch (opt) {
        case 's': study = optarg; break;
        case 'u': url = optarg; break;
        case 'S': set.source = optarg; break;
        case 'g': set.segments = optarg; break;
        case 'P': set.sphinx_model = optarg; break;
        }
    }
    if (!study)
        return cli_error("transcribe: --study is required"), 2;
    if (url && !server.model)
        return cli_error("transcribe: --url needs --model"), 2;
    server.urls = url ? &url : NULL;
    server.nurls = url ? 1 : 0;
    set.stop = &cli_stop_flag;
    server.stop = &cli_stop_flag;
    SemioError err = { 0 };
    SemioStudy *s;
    SemioTranscribeReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_transcribe(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    printf("transcripts of '%s' audio: %d made, %d made before, %d failed (reason kept), %d "
           "segments without that audio view\n", set.source, rep.made, rep.skipped, rep.failed,
           rep.no_audio);
    if (rep.elsewhere)
        printf("%d segments left to another process transcribing the same study\n",
               rep.elsewhere);
    return 0;
}
