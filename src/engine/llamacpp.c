/*
 * The engine "llamacpp": a GGUF model and its projector run in this process through
 * libllama and libmtmd. A window's pictures arrive as pixels (semio ask decodes the sampled
 * frames again from the recording: no JPEG between the video and the model) and, with the
 * text the OpenAI engine sends between them, are evaluated once into sequence 0; each
 * question continues from them and its own tokens are removed afterwards, so the next
 * question finds the prefix as it was. Answers are held to the answer's JSON by a grammar,
 * and P(yes) is read from the whole vocabulary's probabilities where the answer's word
 * begins.
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ggml-backend.h>
#include <gguf.h>
#include <llama.h>
#include <mtmd-helper.h>
#include <mtmd.h>

#include "engine/engine.h"
#include "semio/image.h"
#include "semio_config.h"
#include "util/clock.h"
#include "util/error.h"

/* The answer's JSON as semio_parse_model_answer reads it, in llama.cpp's GBNF. The
 * justification and start time are strings; one optional space where JSON writers put one
 * (unbounded whitespace lets a weak model loop on it). */
#define GBNF_HEAD "root ::= \"{\" sp \"\\\"answer\\\":\" sp \"\\\"\" ans \"\\\",\" sp " \
                  "\"\\\"justification\\\":\" sp str \",\" sp \"\\\"start_time\\\":\" sp str " \
                  "sp \"}\"\n" \
                  "sp ::= \" \"?\n" \
                  "str ::= \"\\\"\" ( [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" " \
                  "([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F]) )* " \
                  "\"\\\"\"\n"
#define GBNF_YES_NO GBNF_HEAD "ans ::= \"yes\" | \"no\"\n"
#define GBNF_YES_NO_NA GBNF_HEAD "ans ::= \"yes\" | \"no\" | \"na\"\n"

/* what splits the chat template around the user's message */
#define SPLIT "\x01semio-user-content\x01"

typedef struct Question {
    void *user;
    char *text;
    int allow_na;
} Question;

typedef struct Window {
    struct Window *next_window;
    mtmd_bitmap **bitmaps;
    size_t nbitmaps;
    char *prefix;              /* the template's start, each frame's time and marker */
    Question *q;
    size_t nq, at;             /* questions, the next one asked */
} Window;

typedef struct Llamacpp {
    SemioLlamacppSettings set;
    struct llama_model *model;
    struct llama_context *ctx;
    mtmd_context *mtmd;
    const struct llama_vocab *vocab;
    int n_vocab;
    char **pieces;             /* each token's text, for P(yes) */
    struct llama_sampler *grammar[2]; /* yes/no, yes/no/na */
    llama_token_data *cand;    /* the whole vocabulary, where the grammar must sort it */
    char *head, *tail;         /* the chat template before and after the user's content */
    Window *first, **last;
    size_t pending;
    const Window *in_seq;      /* whose prefix sequence 0 holds */
    llama_pos n_prefix;
    char *out;                 /* the answer being written */
    size_t out_size;
} Llamacpp;

/* ---- llama.cpp's process-wide state ------------------------------------------------ */

/* llama.cpp logs through one process-wide callback: the first error since a call began is
 * kept (per thread) to be cited, as it names the cause where later ones only say that
 * loading failed; the rest is dropped unless SEMIO_LLAMA_LOG is set. */
static _Thread_local char last_log_error[256];

/* An error as llama.cpp logs it, as a cause to quote inside one line of ours: the names of
 * the functions it passed through and "error:" left out ("llama_model_load: error: x" is
 * "x"), its lines joined with "; " (libmtmd adds a "hint:" line). */
static void keep_cause(char *out, size_t size, const char *text)
{
    static const char ident[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    size_t n;
    while ((n = strspn(text, ident)) > 0 && !strncmp(text + n, ": ", 2))
        text += n + 2;
    size_t k = 0;
    for (; *text && k + 3 < size; text++) {
        if (*text != '\n' && *text != '\r') {
            out[k++] = *text;
        } else if (k && text[strspn(text, "\r\n ")]) {
            out[k++] = ';';
            out[k++] = ' ';
            text += strspn(text, "\r\n ") - 1;
        }
    }
    while (k && (out[k - 1] == ' ' || out[k - 1] == ';'))
        k--;
    out[k] = '\0';
}

static void on_log(enum ggml_log_level level, const char *text, void *user)
{
    if (level == GGML_LOG_LEVEL_ERROR && !last_log_error[0])
        keep_cause(last_log_error, sizeof(last_log_error), text);
    if (getenv("SEMIO_LLAMA_LOG"))
        fputs(text, stderr);
}

/* for the end of a message: sep and the cause where llama.cpp logged one, else nothing */
#define CAUSE(sep) (last_log_error[0] ? (sep) : ""), last_log_error

/* whether what llama.cpp said is that memory ran out (a failed allocation, a failed mmap
 * of the file, C++'s bad_alloc) */
static int out_of_memory(const char *cause)
{
    return strstr(cause, "memory") || strstr(cause, "alloc");
}

/* the CPU backend every x86-64 processor runs (the others need newer instructions) */
#define CPU_BACKEND SEMIO_LLAMA_BIN "/libggml-cpu-x64.so"

static pthread_once_t backends_once = PTHREAD_ONCE_INIT;
static char backends_error[320]; /* written once, under backends_once */

/* the CPU backends are libraries of their own beside libggml (one per instruction set) */
static void load_backends(void)
{
    llama_log_set(on_log, NULL);
    mtmd_helper_log_set(on_log, NULL);
    ggml_backend_load_all_from_path(SEMIO_LLAMA_BIN);
    if (!ggml_backend_dev_count()) {
        /* ggml tried each in silence: the plain x86-64 one again, for the loader's reason */
        void *h = dlopen(CPU_BACKEND, RTLD_NOW | RTLD_LOCAL);
        const char *why = h ? NULL : dlerror();
        if (h) {
            dlclose(h);
            last_log_error[0] = '\0';
            ggml_backend_load(CPU_BACKEND);
            why = last_log_error;
        }
        if (!ggml_backend_dev_count() && why && *why) /* the reason names the file */
            snprintf(backends_error, sizeof(backends_error), "no ggml backend could be loaded: "
                     "%s", why);
        else if (!ggml_backend_dev_count())
            snprintf(backends_error, sizeof(backends_error), "no ggml backend could be loaded "
                     "from %s", SEMIO_LLAMA_BIN);
    }
    llama_backend_init();
}

/* The devices ggml's backends find, "CPU (its model), CUDA0 (NVIDIA H200)". */
static void list_devices(char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        const char *name = ggml_backend_dev_name(d), *desc = ggml_backend_dev_description(d);
        size_t k = strlen(out);
        if (desc && *desc && strcmp(desc, name))
            snprintf(out + k, size - k, "%s%s (%s)", k ? ", " : "", name, desc);
        else
            snprintf(out + k, size - k, "%s%s", k ? ", " : "", name);
    }
}

int semio_llamacpp_build_info(char *out, size_t size)
{
    if (!size)
        return SEMIO_ERR_INVALID;
    pthread_once(&backends_once, load_backends);
    char devices[512];
    list_devices(devices, sizeof(devices));
    snprintf(out, size, "llama.cpp (ggml %s, commit %s), backends: %s", ggml_version(),
             ggml_commit(), devices[0] ? devices : backends_error);
    return 0;
}

/* ---- opening ----------------------------------------------------------------------- */

static int is_gguf(const char *path, const char *what, SemioError *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: a folder, not the %s's GGUF file", path,
                          what);
    FILE *f = fopen(path, "rb");
    if (!f)
        return semio_fail(err, SEMIO_ERR_IO, "%s: cannot open the %s: %s", path, what,
                          strerror(errno));
    char magic[4] = { 0 };
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    if (n == 0)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: an empty file, not a GGUF file (the %s "
                          "must be one)", path, what);
    if (n != 4 || memcmp(magic, "GGUF", 4))
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a GGUF file (the %s must be one)", path,
                          what);
    return 0;
}

static char *piece_of(const struct llama_vocab *vocab, llama_token t)
{
    char buf[256];
    int n = llama_token_to_piece(vocab, t, buf, sizeof(buf) - 1, 0, false);
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    return strdup(buf);
}

/* The model's chat template around one user message, split where its content goes; a
 * template llama.cpp does not know (it reads no Jinja) falls back to ChatML. */
static int split_template(Llamacpp *l, SemioError *err)
{
    const char *tmpl = llama_model_chat_template(l->model, NULL);
    struct llama_chat_message m = { "user", SPLIT };
    char buf[4096];
    int n = llama_chat_apply_template(tmpl, &m, 1, true, buf, sizeof(buf));
    if (n < 0 || n >= (int)sizeof(buf))
        n = llama_chat_apply_template("chatml", &m, 1, true, buf, sizeof(buf));
    char *at = n > 0 && n < (int)sizeof(buf) ? strstr(buf, SPLIT) : NULL;
    if (!at)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: no usable chat template", l->set.gguf);
    *at = '\0';
    l->head = strdup(buf);
    l->tail = strdup(at + strlen(SPLIT));
    return l->head && l->tail ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

static void llamacpp_close(void *priv);

/* A GGUF file's architecture ("llama", "clip" for a projector) into out, or "" */
static void architecture_of(const char *path, char *out, size_t size)
{
    struct gguf_context *g = gguf_init_from_file(path, (struct gguf_init_params){ true, NULL });
    int64_t k = g ? gguf_find_key(g, "general.architecture") : -1;
    snprintf(out, size, "%s", k >= 0 && gguf_get_kv_type(g, k) == GGUF_TYPE_STRING
                              ? gguf_get_val_str(g, k) : "");
    if (g)
        gguf_free(g);
}

/* Why libmtmd refused the projector, in words: a model given for it, one made for another
 * model, memory, or a file it cannot read as one. */
static int projector_refused(const SemioLlamacppSettings *s, SemioError *err)
{
    char arch[64];
    architecture_of(s->mmproj, arch, sizeof(arch));
    if (*arch && strcmp(arch, "clip"))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: not a projector but a '%s' model (a "
                          "projector's GGUF architecture is 'clip')", s->mmproj, arch);
    if (strstr(last_log_error, "mismatch"))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the projector does not fit the model %s "
                          "(libmtmd: %s)", s->mmproj, s->gguf, last_log_error);
    if (out_of_memory(last_log_error))
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory loading the projector (%s)",
                          s->mmproj, last_log_error);
    return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a projector libmtmd can load for the "
                      "model %s%s%s", s->mmproj, s->gguf, CAUSE(": "));
}

static int open_model(Llamacpp *l, SemioError *err)
{
    const SemioLlamacppSettings *s = &l->set;
    int r;
    if ((r = is_gguf(s->gguf, "model", err)) < 0 || (r = is_gguf(s->mmproj, "projector", err)) < 0)
        return r;
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = s->gpu_layers;
    last_log_error[0] = '\0';
    if (!(l->model = llama_model_load_from_file(s->gguf, mp)))
        return out_of_memory(last_log_error)
            ? semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory loading the model (%s)",
                         s->gguf, last_log_error)
            : semio_fail(err, SEMIO_ERR_FORMAT, "%s: llama.cpp cannot load it as a model%s%s",
                         s->gguf, CAUSE(": "));
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)s->n_ctx;
    cp.n_batch = 2048;
    cp.n_threads = cp.n_threads_batch = s->threads;
    cp.n_seq_max = 1;
    cp.no_perf = true;
    if (s->kv_cache && !strcmp(s->kv_cache, "q8_0")) { /* a quantized V needs flash attention */
        cp.type_k = cp.type_v = GGML_TYPE_Q8_0;
        cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    }
    last_log_error[0] = '\0';
    if (!(l->ctx = llama_init_from_model(l->model, cp)))
        return out_of_memory(last_log_error)
            ? semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory for a context of %d tokens "
                         "(%s); a smaller n_ctx needs less memory", s->gguf, s->n_ctx,
                         last_log_error)
            : semio_fail(err, SEMIO_ERR_INVALID, "%s: a context of %d tokens could not be made%s%s",
                         s->gguf, s->n_ctx, CAUSE(": "));
    struct mtmd_context_params mtp = mtmd_context_params_default();
    mtp.use_gpu = s->gpu_layers > 0;
    mtp.n_threads = s->threads;
    mtp.print_timings = false;
    mtp.warmup = false;
    last_log_error[0] = '\0';
    if (!(l->mtmd = mtmd_init_from_file(s->mmproj, l->model, mtp)))
        return projector_refused(s, err);
    if (!mtmd_support_vision(l->mtmd))
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: the projector takes no pictures (%s)",
                          s->mmproj, mtmd_support_audio(l->mtmd) ? "a sound encoder only"
                                                                 : "no vision encoder");
    return 0;
}

static int llamacpp_open(void **out, const void *settings, SemioError *err)
{
    const SemioLlamacppSettings *s = settings;
    if (!s->gguf || !*s->gguf)
        return semio_fail(err, SEMIO_ERR_INVALID, "llamacpp: the model is required (--gguf)");
    if (!s->mmproj || !*s->mmproj)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "llamacpp: %s is asked with pictures: its projector is required "
                          "(--mmproj)", s->gguf);
    if (s->kv_cache && strcmp(s->kv_cache, "f16") && strcmp(s->kv_cache, "q8_0"))
        return semio_fail(err, SEMIO_ERR_INVALID, "llamacpp: no KV cache type '%s' (f16, q8_0)",
                          s->kv_cache);
    if (s->n_ctx < 64 || s->max_tokens < 1 || s->threads < 1)
        return semio_fail(err, SEMIO_ERR_INVALID,
                          "llamacpp: n_ctx, max_tokens and threads must be positive");
    if (s->max_tokens >= s->n_ctx) /* every question would fail: refused before any is asked */
        return semio_fail(err, SEMIO_ERR_INVALID, "llamacpp: a context of %d tokens leaves no "
                          "room for the pictures and the question before an answer of up to "
                          "%d tokens (max_tokens)", s->n_ctx, s->max_tokens);
    Llamacpp *l = calloc(1, sizeof(*l));
    if (!l)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    l->set = *s;
    l->last = &l->first;
    pthread_once(&backends_once, load_backends);
    int r = backends_error[0] ? semio_fail(err, SEMIO_ERR_IO, "llamacpp: %s", backends_error)
                              : open_model(l, err);
    if (r == 0)
        r = split_template(l, err);
    if (r == 0) {
        l->vocab = llama_model_get_vocab(l->model);
        l->n_vocab = llama_vocab_n_tokens(l->vocab);
        if (!(l->pieces = calloc((size_t)l->n_vocab, sizeof(*l->pieces))))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        for (int t = 0; r == 0 && t < l->n_vocab; t++)
            if (!(l->pieces[t] = piece_of(l->vocab, t)))
                r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; r == 0 && i < 2; i++) {
        struct llama_sampler *g = llama_sampler_init_grammar(
            l->vocab, i ? GBNF_YES_NO_NA : GBNF_YES_NO, "root");
        if (!g) {
            r = semio_fail(err, SEMIO_ERR_INVALID, "llamacpp: the answer's grammar is refused%s%s",
                           CAUSE(": "));
            break;
        }
        l->grammar[i] = g;
    }
    if (r == 0 && !(l->cand = malloc((size_t)l->n_vocab * sizeof(*l->cand))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r < 0) {
        llamacpp_close(l);
        return r;
    }
    *out = l;
    return 0;
}

/* ---- windows ------------------------------------------------------------------------ */

static void free_window(Window *w)
{
    for (size_t i = 0; i < w->nbitmaps; i++)
        mtmd_bitmap_free(w->bitmaps[i]);
    free(w->bitmaps);
    for (size_t i = 0; i < w->nq; i++)
        free(w->q[i].text);
    free(w->q);
    free(w->prefix);
    free(w);
}

/* The template's start, then each picture after its time as the OpenAI engine sends them
 * (timestamps on): "Frame at MM:SS.d" and the picture's marker. */
static char *prefix_text(const Llamacpp *l, const SemioWindow *sw)
{
    const char *marker = mtmd_default_marker();
    size_t size = strlen(l->head) + 1 + sw->nimages * (strlen(marker) + 64);
    char *p = malloc(size), *w = p;
    if (!p)
        return NULL;
    w += snprintf(w, size, "%s", l->head);
    for (size_t i = 0; i < sw->nimages; i++) {
        int ms = (int)lround(sw->images[i].time * 1000);
        w += snprintf(w, size - (size_t)(w - p), "Frame at %02d:%02d.%d\n%s\n", ms / 60000,
                      ms / 1000 % 60, ms % 1000 / 100, marker);
    }
    return p;
}

static int llamacpp_submit(void *priv, const SemioWindow *sw, SemioError *err)
{
    Llamacpp *l = priv;
    Window *w = calloc(1, sizeof(*w));
    if (!w || !(w->bitmaps = calloc(sw->nimages + 1, sizeof(*w->bitmaps))) ||
        !(w->q = calloc(sw->nquestions + 1, sizeof(*w->q))) || !(w->prefix = prefix_text(l, sw))) {
        if (w)
            free_window(w);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    /* libmtmd takes packed RGB: semio ask gives the pixels, another caller may give JPEG */
    for (size_t i = 0; i < sw->nimages; i++) {
        const SemioImagePart *im = &sw->images[i];
        SemioImage img = { 0 };
        if (!im->rgb) {
            int r = semio_jpeg_decode(im->jpeg, im->size, "llamacpp: a picture", &img, err);
            if (r < 0) {
                free_window(w);
                return r;
            }
        }
        w->bitmaps[i] = im->rgb ? mtmd_bitmap_init((uint32_t)im->width, (uint32_t)im->height,
                                                   im->rgb)
                                : mtmd_bitmap_init((uint32_t)img.width, (uint32_t)img.height,
                                                   img.data);
        semio_image_free(&img);
        if (!w->bitmaps[i]) {
            free_window(w);
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        }
        w->nbitmaps++;
    }
    for (size_t i = 0; i < sw->nquestions; i++) {
        w->q[i].user = sw->questions[i].user;
        w->q[i].allow_na = semio_sign_allows_na(sw->questions[i].sign);
        if (!(w->q[i].text = strdup(sw->questions[i].text ? sw->questions[i].text : ""))) {
            free_window(w);
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        }
        w->nq++;
    }
    if (!w->nq) {
        free_window(w);
        return 0;
    }
    *l->last = w;
    l->last = &w->next_window;
    l->pending += w->nq;
    return 0;
}

/* ---- one question ------------------------------------------------------------------- */

/* The answer's value in a JSON text (past "answer", the colon and the opening quote), or
 * NULL while the text has not reached it. */
static const char *value_of(const char *text)
{
    const char *p = strstr(text, "\"answer\"");
    if (!p)
        return NULL;
    p += 8;
    p += strspn(p, " \t\n");
    if (*p != ':')
        return NULL;
    p++;
    p += strspn(p, " \t\n");
    return *p == '"' ? p + 1 : NULL;
}

/* whether the value's first letters v (as far as they go) are those of `word` */
static int starts(const char *v, const char *word)
{
    size_t n = strlen(v) < strlen(word) ? strlen(v) : strlen(word);
    return n > 0 && !strncmp(v, word, n);
}

/* P(yes) / (P(yes) + P(no)) at the position where the answer's value begins: over the whole
 * vocabulary, each token that, after the text written so far, starts the value with "yes"
 * or with "no" (an "n" alone counts for no only where "na" cannot follow). */
static double p_yes_at(const Llamacpp *l, const float *logits, const char *before, int allow_na)
{
    float max = -INFINITY;
    for (int t = 0; t < l->n_vocab; t++)
        max = logits[t] > max ? logits[t] : max;
    size_t nb = strlen(before);
    char cand[512];
    if (nb >= sizeof(cand) - 256)
        return NAN;
    memcpy(cand, before, nb);
    double yes = 0, no = 0;
    for (int t = 0; t < l->n_vocab; t++) {
        snprintf(cand + nb, sizeof(cand) - nb, "%s", l->pieces[t]);
        const char *v = value_of(cand);
        if (!v || !*v)
            continue;
        double p = exp((double)(logits[t] - max));
        if (starts(v, "yes"))
            yes += p;
        else if (starts(v, "no") && (!allow_na || strlen(v) >= 2))
            no += p;
    }
    return yes + no > 0 ? yes / (yes + no) : NAN;
}

static int append(Llamacpp *l, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > l->out_size) {
        size_t size = (*len + n + 1) * 2;
        char *p = realloc(l->out, size);
        if (!p)
            return -1;
        l->out = p;
        l->out_size = size;
    }
    memcpy(l->out + *len, s, n + 1);
    *len += n;
    return 0;
}

/* The most likely token the grammar allows, which it then takes. The most likely token of
 * all is tried first, alone: the grammar walks the whole vocabulary only where it refuses
 * that one (as llama.cpp's own common sampler does), which is rare inside the answer's
 * strings and saves that walk on almost every token. The choice is the same either way. */
static llama_token next_token(Llamacpp *l, struct llama_sampler *grammar)
{
    const float *logits = llama_get_logits_ith(l->ctx, -1);
    llama_token best = 0;
    for (llama_token t = 1; t < l->n_vocab; t++)
        if (logits[t] > logits[best])
            best = t;
    llama_token_data one = { best, logits[best], 0.0f };
    llama_token_data_array arr = { &one, 1, -1, false };
    llama_sampler_apply(grammar, &arr);
    if (!isfinite(one.logit)) {
        for (llama_token t = 0; t < l->n_vocab; t++)
            l->cand[t] = (llama_token_data){ t, logits[t], 0.0f };
        arr = (llama_token_data_array){ l->cand, (size_t)l->n_vocab, -1, false };
        llama_sampler_apply(grammar, &arr);
        best = -1;
        for (size_t i = 0; i < arr.size; i++)
            if (isfinite(arr.data[i].logit) && (best < 0 || arr.data[i].logit > logits[best]))
                best = arr.data[i].id;
        if (best < 0) /* nothing allowed: the grammar is complete, so the end it must be */
            best = llama_vocab_eos(l->vocab);
    }
    llama_sampler_accept(grammar, best);
    return best;
}

/* Sequence 0 holds the window's prefix and nothing after it. */
static int ready_prefix(Llamacpp *l, const Window *w, int *cached, char *why, size_t why_size)
{
    llama_memory_t mem = llama_get_memory(l->ctx);
    if (l->set.share_prefix && l->in_seq == w) {
        llama_memory_seq_rm(mem, 0, l->n_prefix, -1);
        *cached = (int)l->n_prefix;
        return 0;
    }
    *cached = 0;
    llama_memory_clear(mem, true);
    l->in_seq = NULL;
    mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    mtmd_input_text text = { w->prefix, strlen(w->prefix), true, true };
    int r = chunks ? mtmd_tokenize(l->mtmd, chunks, &text, (const mtmd_bitmap **)w->bitmaps,
                                   w->nbitmaps) : -1;
    if (r != 0) {
        snprintf(why, why_size, "libmtmd could not take the window's pictures (%d)", r);
    } else {
        size_t need = mtmd_helper_get_n_tokens(chunks);
        if (need >= (size_t)l->set.n_ctx) {
            snprintf(why, why_size, "the window's pictures are %zu tokens: more than n_ctx %d",
                     need, l->set.n_ctx);
            r = -1;
        } else if (mtmd_helper_eval_chunks(l->mtmd, l->ctx, chunks, 0, 0,
                                           (int32_t)llama_n_batch(l->ctx), false,
                                           &l->n_prefix)) {
            snprintf(why, why_size, "evaluating the window's pictures failed%s%s",
                     last_log_error[0] ? ": " : "", last_log_error);
            r = -1;
        }
    }
    mtmd_input_chunks_free(chunks);
    if (r == 0)
        l->in_seq = w;
    return r ? -1 : 0;
}

typedef struct Asked {
    int ok;
    double p_yes;
    int prompt_tokens, completion_tokens, cached_tokens;
    char error[512];
} Asked;

/* Evaluates the question after its window's prefix and writes the answer into l->out. */
static void ask_one(Llamacpp *l, const Window *w, const Question *q, Asked *a)
{
    size_t len = 0;
    a->p_yes = NAN;
    a->prompt_tokens = a->completion_tokens = a->cached_tokens = -1;
    l->out[0] = '\0';
    if (ready_prefix(l, w, &a->cached_tokens, a->error, sizeof(a->error)) < 0)
        return;
    size_t tl = strlen(q->text) + strlen(l->tail) + 1;
    char *text = malloc(tl);
    int cap = (int)tl + 16;
    llama_token *tok = malloc((size_t)cap * sizeof(*tok));
    int n = -1;
    if (text && tok) {
        snprintf(text, tl, "%s%s", q->text, l->tail);
        n = llama_tokenize(l->vocab, text, (int32_t)strlen(text), tok, cap, false, true);
    }
    free(text);
    if (n <= 0) {
        free(tok);
        snprintf(a->error, sizeof(a->error), "the question could not be tokenized");
        return;
    }
    a->prompt_tokens = (int)l->n_prefix + n;
    if (a->prompt_tokens + l->set.max_tokens > l->set.n_ctx) {
        free(tok);
        snprintf(a->error, sizeof(a->error), "%d prompt tokens and max_tokens %d exceed n_ctx %d",
                 a->prompt_tokens, l->set.max_tokens, l->set.n_ctx);
        return;
    }
    int rc = llama_decode(l->ctx, llama_batch_get_one(tok, n));
    free(tok);
    if (rc) {
        snprintf(a->error, sizeof(a->error), "llama_decode failed (%d) on the question", rc);
        return;
    }
    struct llama_sampler *grammar = l->grammar[q->allow_na];
    llama_sampler_reset(grammar);
    int ended = 0, found = 0;
    a->completion_tokens = 0;
    while (a->completion_tokens < l->set.max_tokens) {
        llama_token t = next_token(l, grammar);
        if (llama_vocab_is_eog(l->vocab, t)) {
            ended = 1;
            break;
        }
        a->completion_tokens++;
        size_t before = len;
        if (append(l, &len, l->pieces[t]) < 0) {
            snprintf(a->error, sizeof(a->error), "out of memory");
            return;
        }
        const char *v = found ? NULL : value_of(l->out);
        if (v && *v) { /* this token began the answer's word: its alternatives decide P(yes) */
            found = 1;
            char keep = l->out[before];
            l->out[before] = '\0';
            a->p_yes = p_yes_at(l, llama_get_logits_ith(l->ctx, -1), l->out, q->allow_na);
            l->out[before] = keep;
        }
        if ((rc = llama_decode(l->ctx, llama_batch_get_one(&t, 1)))) {
            snprintf(a->error, sizeof(a->error), "llama_decode failed (%d) while answering", rc);
            return;
        }
    }
    if (!ended) {
        snprintf(a->error, sizeof(a->error), "cut off at max_tokens (%d tokens)",
                 l->set.max_tokens);
        return;
    }
    a->ok = 1;
}

static int llamacpp_wait(void *priv, SemioCompletionFn fn, void *user, SemioError *err)
{
    Llamacpp *l = priv;
    Window *w = l->first;
    if (!w)
        return 0;
    if (!l->out && !(l->out = malloc(l->out_size = 1024)))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    const Question *q = &w->q[w->at];
    double t0 = semio_monotonic_s();
    Asked a = { 0 };
    ask_one(l, w, q, &a);
    SemioParsedAnswer pa = { 0 };
    char why[256];
    if (a.ok && semio_parse_model_answer(l->out, q->allow_na, &pa, why, sizeof(why)) < 0) {
        a.ok = 0;
        snprintf(a.error, sizeof(a.error), "unusable answer: %s", why);
    }
    SemioCompletion c = {
        .user = q->user, .ok = a.ok, .answer = pa, .p_yes = a.ok ? a.p_yes : NAN,
        .raw = l->out, .attempts = 1, .latency_ms = (semio_monotonic_s() - t0) * 1000,
        .prompt_tokens = a.prompt_tokens, .completion_tokens = a.completion_tokens,
        .cached_tokens = a.cached_tokens, .error = a.ok ? NULL : a.error,
    };
    if (++w->at == w->nq) {
        if (!(l->first = w->next_window))
            l->last = &l->first;
        if (l->in_seq == w)
            l->in_seq = NULL; /* a later window may be allocated where this one was */
        free_window(w);
    }
    l->pending--;
    fn(user, &c);
    semio_parsed_answer_free(&pa);
    return (int)l->pending;
}

static size_t llamacpp_pending(const void *priv)
{
    return ((const Llamacpp *)priv)->pending;
}

static size_t llamacpp_capacity(const void *priv)
{
    return 1;
}

static void llamacpp_close(void *priv)
{
    Llamacpp *l = priv;
    if (!l)
        return;
    while (l->first) {
        Window *w = l->first;
        l->first = w->next_window;
        free_window(w);
    }
    for (int i = 0; i < 2; i++)
        if (l->grammar[i])
            llama_sampler_free(l->grammar[i]);
    free(l->cand);
    for (int t = 0; l->pieces && t < l->n_vocab; t++)
        free(l->pieces[t]);
    free(l->pieces);
    if (l->mtmd)
        mtmd_free(l->mtmd);
    if (l->ctx)
        llama_free(l->ctx);
    if (l->model)
        llama_model_free(l->model);
    free(l->head);
    free(l->tail);
    free(l->out);
    free(l);
}

/* ---- the plug-in --------------------------------------------------------------------- */

/* What shapes the answers: the files, the context and the answer's room (threads and GPU
 * layers do not). */
static int llamacpp_describe(const void *settings, json_object *run, char *model,
                             size_t model_size, char *endpoints, size_t endpoints_size)
{
    const SemioLlamacppSettings *s = settings;
    json_object_object_add(run, "gguf", json_object_new_string(s->gguf ? s->gguf : ""));
    json_object_object_add(run, "mmproj", json_object_new_string(s->mmproj ? s->mmproj : ""));
    json_object_object_add(run, "n_ctx", json_object_new_int(s->n_ctx));
    json_object_object_add(run, "max_tokens", json_object_new_int(s->max_tokens));
    json_object_object_add(run, "seed", json_object_new_int64(s->seed));
    /* f16 is left out, so the settings of runs made before the choice existed still match */
    if (s->kv_cache && strcmp(s->kv_cache, "f16"))
        json_object_object_add(run, "kv_cache", json_object_new_string(s->kv_cache));
    const char *base = s->gguf ? strrchr(s->gguf, '/') : NULL;
    snprintf(model, model_size, "%s", base ? base + 1 : s->gguf ? s->gguf : "");
    snprintf(endpoints, endpoints_size, "in-process");
    return 0;
}

const SemioEngineClass semio_engine_llamacpp = {
    .name = "llamacpp",
    .summary = "a GGUF model and its projector run in this process (llama.cpp's libllama, libmtmd)",
    .inputs = SEMIO_INPUT_IMAGES | SEMIO_INPUT_PIXELS,
    .default_view = "raw",
    .reads_text = 1,
    .cpu_bound = 0,
    .default_settings = NULL, /* the model and its projector are the user's to give */
    .describe = llamacpp_describe,
    .open = llamacpp_open,
    .submit = llamacpp_submit,
    .wait = llamacpp_wait,
    .pending = llamacpp_pending,
    .capacity = llamacpp_capacity,
    .close = llamacpp_close,
};
