/* semio ask: every (segment, sign) of a run to an engine: a server, a model run in-process, or
 * the kinematic engine. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_ask(int argc, char **argv)
{
    const Command *cmd = cli_find("ask");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "run", required_argument, NULL, 'r' },
        { "engine", required_argument, NULL, 'e' },
        { "url", required_argument, NULL, 'u' },
        CLI_CHAT_OPTIONS,
        { "signs", required_argument, NULL, 'g' },
        { "view", required_argument, NULL, 'v' },
        { "prompts", required_argument, NULL, 'p' },
        { "denoised", no_argument, NULL, 'D' },
        { "with-transcript", no_argument, NULL, 'W' },
        { "concurrency", required_argument, NULL, 'c' },
        { "jobs", required_argument, NULL, 'j' },
        { "dry-run", no_argument, NULL, 'n' },
        { "no-logprobs", no_argument, NULL, 'L' },
        { "segments", required_argument, NULL, 'G' },
        { "sampling", required_argument, NULL, 'P' },
        { "keypoints", required_argument, NULL, 'K' },
        { "fallback", required_argument, NULL, 'F' },
        { "param", required_argument, NULL, 'Q' },
        { "model-file", required_argument, NULL, 'B' },
        { "gguf", required_argument, NULL, 2001 },
        { "mmproj", required_argument, NULL, 2002 },
        { "gpu-layers", required_argument, NULL, 2003 },
        { "threads", required_argument, NULL, 2004 },
        { "n-ctx", required_argument, NULL, 2005 },
        { "no-share-prefix", no_argument, NULL, 2006 },
        { "kv-cache", required_argument, NULL, 2007 },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL, *urls[32], *preset = NULL;
    size_t nurls = 0;
    SemioAskSettings set;
    SemioOpenAISettings oa;
    SemioKinematicSettings ks;
    SemioModelSettings ms = { NULL };
    SemioLlamacppSettings ls;
    SemioError err = { 0 };
    semio_llamacpp_default_settings(&ls);
    semio_kinematic_default_settings(&ks);
    semio_ask_default_settings(&set);
    semio_openai_default_settings(&oa);
    int opt, status;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        int server = cli_chat_option(opt, optarg, &oa, &preset);
        if (server < 0)
            return 2;
        if (opt == 'M') /* the in-process model's limit too */
            ls.max_tokens = oa.max_tokens;
        if (server)
            continue;
        switch (opt) {
        case 's': study = optarg; break;
        case 'r': set.run = optarg; break;
        case 'e': set.engine = optarg; break;
        case 'u':
            if (cli_list_add(optarg, urls, &nurls, 32, "ask: at most 32 --url replicas"))
                return 2;
            break;
        case 'g': set.signs = optarg; break;
        case 'v': set.view = optarg; break;
        case 'p': set.prompts = optarg; break;
        case 'D': set.denoised = 1; break;
        case 'W': set.with_transcript = 1; break;
        case 'j':
            if (cli_int("jobs", optarg, 1, 256, &v)) return 2;
            set.jobs = (int)v;
            break;
        case 'c':
            if (cli_int("concurrency", optarg, 1, 1024, &v)) return 2;
            oa.concurrency = (int)v;
            break;
        case 'n': set.dry_run = 1; break;
        case 'L': oa.logprobs = 0; break;
        case 'G': set.segments = optarg; break;
        case 'P': set.sampling = optarg; break;
        case 'K': set.keypoints = optarg; break;
        case 'F':
            if (strcmp(optarg, "raw"))
                return cli_error("ask: --fallback takes raw (got '%s')", optarg), 2;
            set.fallback_raw = 1;
            break;
        case 'B': ms.model_file = optarg; break;
        case 2001: ls.gguf = optarg; break;
        case 2002: ls.mmproj = optarg; break;
        case 2003:
            if (cli_int("gpu-layers", optarg, 0, 100000, &v)) return 2;
            ls.gpu_layers = (int)v;
            break;
        case 2004:
            if (cli_int("threads", optarg, 1, 1024, &v)) return 2;
            ls.threads = (int)v;
            break;
        case 2005:
            if (cli_int("n-ctx", optarg, 64, 1 << 20, &v)) return 2;
            ls.n_ctx = (int)v;
            break;
        case 2006: ls.share_prefix = 0; break;
        case 2007: ls.kv_cache = optarg; break;
        case 'Q':
            if (semio_kinematic_set(&ks, optarg, &err) < 0)
                return cli_fail(&err, err.code), 2;
            break;
        }
    }
    if (cli_chat_preset(&oa, preset))
        return 2;
    int model = !strcmp(set.engine, "model");
    int kinematic = !strcmp(set.engine, "kinematic") || model; /* both measure, no server */
    if (!study || !set.run)
        return cli_error("ask: --study and --run are required"), 2;
    if (model && !ms.model_file)
        return cli_error("ask: --engine model needs --model-file (semio train --final)"), 2;
    int llamacpp = !strcmp(set.engine, "llamacpp");
    if (llamacpp && (!ls.gguf || !ls.mmproj))
        return cli_error("ask: --engine llamacpp needs --gguf MODEL.gguf and --mmproj PROJ.gguf"), 2;
    if (!kinematic && !llamacpp && !set.dry_run && (!nurls || !oa.model))
        return cli_error("ask: --url and --model are required (or --dry-run)"), 2;
    if (!oa.model)
        oa.model = "(dry run)";
    oa.urls = urls;
    oa.nurls = nurls;
    /* each engine's own settings; an engine not named here takes its defaults */
    set.engine_settings = model ? (const void *)&ms : kinematic ? (const void *)&ks
                        : llamacpp ? (const void *)&ls
                        : !strcmp(set.engine, "openai") ? (const void *)&oa : NULL;
    set.progress = cli_progress;
    set.stop = &cli_stop_flag;
    oa.stop = &cli_stop_flag;
    SemioStudy *s;
    SemioAskReport rep;
    int r = semio_study_open(&s, study, SEMIO_STUDY_WRITE, &err);
    if (r == 0)
        r = semio_ask(s, &set, &rep, &err);
    semio_study_close(&s);
    if (r < 0 && r != SEMIO_ERR_INTERRUPTED)
        return cli_fail(&err, r);
    if (rep.signs_skipped)
        printf("note: %d signs left out: the %s view cannot show them\n", rep.signs_skipped,
               set.view ? set.view : "engine's");
    if (rep.no_view)
        printf("note: %lld questions not asked: their segment has no %s view (semio enhance; a "
               "recording without sound has none)\n", (long long)rep.no_view,
               set.denoised ? "denoise" : set.view ? set.view : "engine's");
    if (set.dry_run) {
        printf("dry run '%s' on segments '%s', frames '%s': %lld questions (%lld answered "
               "before), %lld requests, %lld images, %.1f MB of base64 images, about %lld image "
               "tokens (Qwen2.5-VL: one per 28x28 pixels)\n",
               rep.runs, rep.segments, rep.sampling, (long long)rep.planned,
               (long long)rep.done_before, (long long)rep.requests, (long long)rep.images,
               (double)rep.bytes / 1e6, (long long)rep.image_tokens);
        return 0;
    }
    printf(kinematic ? "run '%s': %lld questions, %lld answered before, %lld answered now, "
                       "%lld not measurable (stored with the reason)\n"
                     : "run '%s': %lld questions, %lld answered before, %lld answered now, "
                       "%lld failed (stored with their raw text and why)\n", rep.runs,
           (long long)rep.planned, (long long)rep.done_before, (long long)rep.answered,
           (long long)rep.failed);
    if (rep.elsewhere)
        printf("%lld questions left to another process asking the same run\n",
               (long long)rep.elsewhere);
    if (rep.reported_tokens > 0)
        printf("prefix reuse: %lld of %lld prompt tokens %s (%.1f%%)\n",
               (long long)rep.cached_tokens, (long long)rep.reported_tokens,
               llamacpp ? "continued from the window's pictures already evaluated"
                        : "served from the server's cache",
               100.0 * (double)rep.cached_tokens / (double)rep.reported_tokens);
    else if (!kinematic && !llamacpp && rep.answered + rep.failed > 0)
        printf("prefix reuse: %lld of %lld requests followed another of their window to its "
               "replica (the server reports no cached tokens)\n", (long long)rep.prefix_shared,
               (long long)(rep.answered + rep.failed));
    return r == SEMIO_ERR_INTERRUPTED ? cli_fail(&err, r) : 0;
}
