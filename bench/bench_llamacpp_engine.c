/*
 * Per-question time of the in-process engine at the scale of a real model: windows of many
 * frames (60 by default, as a 30 s window at 2 fps), every question of the built-in prompt
 * set about each, the engine driven through its plug-in interface as semio ask drives it.
 * The same windows and questions can go, in the same order, through semio's OpenAI engine
 * to a llama-server of the same model (--url), the peer: there the frames are JPEG, as ask
 * sends them. Printed: each window's first question (it evaluates the pictures) apart from
 * the others (they continue from them), with the tokens counted.
 *
 * It needs only the engines' own files, so it builds where semio's other dependencies are
 * missing (the GPU machine: bench/llamacpp_gpu.sh). Frames are drawn here, seeded: a room,
 * a moving figure and sensor noise, different in every window.
 *
 *   bench_llamacpp_engine --gguf M --mmproj P [--gpu-layers N] [--threads N] [--n-ctx N]
 *       [--frames 60] [--windows 3] [--questions 20] [--size 640x480] [--max-tokens 48]
 *       [--no-share-prefix] [--kv-cache f16|q8_0]
 *   bench_llamacpp_engine --url http://127.0.0.1:PORT/v1 --model NAME [same options]
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "util/clock.h"
#include "semio/image.h"
#include "semio/signs.h"

typedef struct Options {
    SemioLlamacppSettings lc;
    const char *url, *model;
    int frames, windows, questions, width, height, max_tokens;
} Options;

typedef struct Tally {
    int window, asked, ok;
    double first_ms, rest_ms, rest_n;
    double *rest;               /* each later question's time, for the median */
    long prompt, completion, cached;
} Tally;

/* Frame k of window w: a lit room, a figure that moves across it, sensor noise. */
static void draw(uint8_t *rgb, int width, int height, int w, int k)
{
    uint32_t seed = (uint32_t)(w * 7919 + k * 104729 + 1);
    int fx = (int)((0.2 + 0.6 * (k % 30) / 30.0) * width), fy = height / 2;
    int fw = width / 8, fh = height / 3;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t *p = rgb + ((size_t)y * (size_t)width + (size_t)x) * 3;
            int wall = y < height * 2 / 3;
            int v = wall ? 150 + 40 * x / width : 90 + 30 * y / height;
            seed = seed * 1664525u + 1013904223u;
            int noise = (int)(seed >> 28) - 8;
            int in = abs(x - fx) < fw / 2 && abs(y - fy) < fh / 2;
            p[0] = (uint8_t)(in ? 60 + 20 * w % 100 : v + noise);
            p[1] = (uint8_t)(in ? 80 : v - 10 + noise);
            p[2] = (uint8_t)(in ? 140 : v - 30 + noise);
        }
}

static void on_done(void *user, const SemioCompletion *c)
{
    Tally *t = user;
    int first = (int)(intptr_t)c->user == 0;
    t->asked++;
    t->ok += c->ok;
    if (first)
        t->first_ms += c->latency_ms;
    else
        t->rest[(int)t->rest_n++] = c->latency_ms, t->rest_ms += c->latency_ms;
    t->prompt += c->prompt_tokens > 0 ? c->prompt_tokens : 0;
    t->completion += c->completion_tokens > 0 ? c->completion_tokens : 0;
    t->cached += c->cached_tokens > 0 ? c->cached_tokens : 0;
    if (!c->ok && t->asked - t->ok <= 3)
        fprintf(stderr, "bench_llamacpp_engine: window %d: %s\n", t->window,
                c->error ? c->error : "failed");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_llamacpp_engine (--gguf M --mmproj P | --url URL --model NAME) "
                    "[--gpu-layers N] [--threads N] [--n-ctx N] [--frames N] [--windows N] "
                    "[--questions N] [--size WxH] [--max-tokens N] [--no-share-prefix] "
                    "[--kv-cache f16|q8_0]\n");
    return 2;
}

static int parse(int argc, char **argv, Options *o)
{
    static const struct option opts[] = {
        { "gguf", required_argument, NULL, 'g' },  { "mmproj", required_argument, NULL, 'p' },
        { "url", required_argument, NULL, 'u' },   { "model", required_argument, NULL, 'm' },
        { "gpu-layers", required_argument, NULL, 'l' },
        { "threads", required_argument, NULL, 't' },
        { "n-ctx", required_argument, NULL, 'c' }, { "frames", required_argument, NULL, 'f' },
        { "windows", required_argument, NULL, 'w' },
        { "questions", required_argument, NULL, 'q' },
        { "size", required_argument, NULL, 's' },
        { "max-tokens", required_argument, NULL, 'M' },
        { "no-share-prefix", no_argument, NULL, 'n' },
        { "kv-cache", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 },
    };
    semio_llamacpp_default_settings(&o->lc);
    o->frames = 60, o->windows = 3, o->questions = 20, o->width = 640, o->height = 480;
    o->max_tokens = 48;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'g': o->lc.gguf = optarg; break;
        case 'p': o->lc.mmproj = optarg; break;
        case 'u': o->url = optarg; break;
        case 'm': o->model = optarg; break;
        case 'l': o->lc.gpu_layers = atoi(optarg); break;
        case 't': o->lc.threads = atoi(optarg); break;
        case 'c': o->lc.n_ctx = atoi(optarg); break;
        case 'f': o->frames = atoi(optarg); break;
        case 'w': o->windows = atoi(optarg); break;
        case 'q': o->questions = atoi(optarg); break;
        case 's':
            if (sscanf(optarg, "%dx%d", &o->width, &o->height) != 2) return usage();
            break;
        case 'M': o->max_tokens = atoi(optarg); break;
        case 'n': o->lc.share_prefix = 0; break;
        case 'k': o->lc.kv_cache = optarg; break;
        default: return usage();
        }
    }
    if (o->url ? !o->model : !o->lc.gguf || !o->lc.mmproj)
        return usage();
    if (o->frames < 1 || o->windows < 1 || o->questions < 1 || o->width < 16 || o->height < 16)
        return usage();
    o->lc.max_tokens = o->max_tokens;
    return 0;
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    if (parse(argc, argv, &o))
        return 2;
    SemioError err = { 0 };
    SemioSignSet *signs = NULL;
    SemioPromptSet *prompts = NULL;
    if (semio_signs_open(&signs, NULL, &err) || semio_prompts_open(&prompts, NULL, &err)) {
        fprintf(stderr, "bench_llamacpp_engine: %s\n", err.message);
        return 1;
    }
    size_t nq = (size_t)o.questions;
    SemioQuestion *qs = calloc(nq, sizeof(*qs));
    for (size_t i = 0; i < nq; i++) {
        qs[i].sign = semio_signs_get(signs, i % semio_signs_count(signs));
        qs[i].text = semio_prompt_text(prompts, qs[i].sign, &err);
        qs[i].user = (void *)(intptr_t)i;
    }

    const char *const urls[1] = { o.url };
    SemioOpenAISettings oa;
    semio_openai_default_settings(&oa);
    oa.model = o.model, oa.urls = urls, oa.nurls = 1, oa.concurrency = 1;
    oa.server = "llama-server", oa.max_tokens = o.max_tokens;
    oa.max_retries = 0; /* an answer cut off at max_tokens is timed, not asked again */
    const SemioEngineClass *cls = o.url ? &semio_engine_openai : &semio_engine_llamacpp;
    void *engine = NULL;
    double t0 = semio_monotonic_s();
    if (cls->open(&engine, o.url ? (const void *)&oa : &o.lc, &err)) {
        fprintf(stderr, "bench_llamacpp_engine: %s\n", err.message);
        return 1;
    }
    printf("%s: opened in %.1f s\n", cls->name, semio_monotonic_s() - t0);

    size_t frame_size = (size_t)o.width * (size_t)o.height * 3;
    uint8_t *rgb = malloc(frame_size * (size_t)o.frames);
    SemioImagePart *parts = calloc((size_t)o.frames, sizeof(*parts));
    Tally t = { .rest = calloc((size_t)o.windows * nq, sizeof(double)) };
    int r = 0;
    for (int w = 0; w < o.windows && r == 0; w++) {
        for (int k = 0; k < o.frames; k++) {
            uint8_t *f = rgb + frame_size * (size_t)k;
            draw(f, o.width, o.height, w, k);
            parts[k] = (SemioImagePart){ .time = 30.0 * w + 0.5 * k };
            if (o.url) /* as ask sends them to a server: JPEG at the sampler's quality */
                r = semio_jpeg_encode(f, o.width, o.height, o.width * 3, 90,
                                      (uint8_t **)&parts[k].jpeg, &parts[k].size, &err);
            else
                parts[k].rgb = f, parts[k].width = o.width, parts[k].height = o.height;
        }
        SemioWindow win = { .images = parts, .nimages = (size_t)o.frames, .questions = qs,
                            .nquestions = nq };
        t.window = w;
        if (r == 0)
            r = cls->submit(engine, &win, &err);
        while (r >= 0 && cls->pending(engine) > 0)
            r = cls->wait(engine, on_done, &t, &err);
        for (int k = 0; k < o.frames && o.url; k++)
            semio_free((void *)parts[k].jpeg);
    }
    if (r < 0) {
        fprintf(stderr, "bench_llamacpp_engine: %s\n", err.message);
        return 1;
    }
    cls->close(engine);
    qsort(t.rest, (size_t)t.rest_n, sizeof(double), cmp_double);
    const char *kv = !o.url ? o.lc.kv_cache : NULL;
    printf("%s: %d windows of %d frames (%dx%d), %zu questions each, max_tokens %d%s%s%s\n",
           cls->name, o.windows, o.frames, o.width, o.height, nq, o.max_tokens,
           !o.url && !o.lc.share_prefix ? ", every question from scratch" : "",
           kv ? ", KV cache " : "", kv ? kv : "");
    printf("  answered ok: %d of %d\n", t.ok, t.asked);
    printf("  a window's first question: %.3f s (mean)\n", t.first_ms / o.windows / 1000);
    if (t.rest_n > 0)
        printf("  the later questions:       %.3f s mean, %.3f s median\n",
               t.rest_ms / t.rest_n / 1000, t.rest[(int)t.rest_n / 2] / 1000);
    printf("  tokens per question: %.0f prompt (%.0f from cache), %.1f completion\n",
           (double)t.prompt / t.asked, (double)t.cached / t.asked, (double)t.completion / t.asked);
    free(t.rest);
    free(parts);
    free(rgb);
    free(qs);
    semio_prompts_close(&prompts);
    semio_signs_close(&signs);
    return 0;
}
