/* Offline transcripts with pocketsphinx, and the word error rate that measures them. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "semio/audio.h"
#include "semio_config.h"
#include "util/error.h"

#if SEMIO_HAVE_POCKETSPHINX
#include <pocketsphinx.h>

int semio_sphinx_transcribe(const SemioAudio *a, const char *model_dir, char **text,
                            SemioError *err)
{
    *text = NULL;
    if (a->rate != 16000)
        return semio_fail(err, SEMIO_ERR_INVALID, "pocketsphinx wants 16 kHz audio, not %d Hz",
                          a->rate);
    const char *dir = model_dir ? model_dir : "/usr/share/pocketsphinx/model/en-us";
    char hmm[1024], lm[1024], dict[1024];
    snprintf(hmm, sizeof(hmm), "%s/en-us", dir);
    snprintf(lm, sizeof(lm), "%s/en-us.lm.bin", dir);
    snprintf(dict, sizeof(dict), "%s/cmudict-en-us.dict", dir);
    FILE *probe = fopen(lm, "rb");
    if (!probe)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no pocketsphinx model (en-us.lm.bin); "
                          "install pocketsphinx-en-us or give its folder", dir);
    fclose(probe);
    cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict,
                                   "-logfn", "/dev/null", NULL);
    ps_decoder_t *ps = config ? ps_init(config) : NULL;
    if (!ps) {
        if (config)
            cmd_ln_free_r(config);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: pocketsphinx cannot load this model", dir);
    }
    int16 *pcm = malloc(a->n * sizeof(int16) + 1);
    int r = 0;
    if (!pcm) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < a->n; i++) {
            float v = a->samples[i] * 32767.0f;
            pcm[i] = (int16)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
        ps_start_utt(ps);
        ps_process_raw(ps, pcm, a->n, FALSE, TRUE);
        ps_end_utt(ps);
        int32 score;
        const char *hyp = ps_get_hyp(ps, &score);
        if (!(*text = strdup(hyp ? hyp : "")))
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    free(pcm);
    ps_free(ps);
    cmd_ln_free_r(config);
    return r;
}

#else
int semio_sphinx_transcribe(const SemioAudio *a, const char *model_dir, char **text,
                            SemioError *err)
{
    *text = NULL;
    return semio_fail_not_built(err, "pocketsphinx");
}
#endif

/* Splits lower-cased words (letters, digits, apostrophes); returns the count. */
static size_t words(const char *s, char (**out)[64])
{
    size_t n = 0, cap = 0;
    *out = NULL;
    while (*s) {
        while (*s && !isalnum((unsigned char)*s) && *s != '\'')
            s++;
        if (!*s)
            break;
        if (n == cap) {
            char (*w)[64] = realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof(**out));
            if (!w)
                break;
            *out = w;
        }
        size_t k = 0;
        while (*s && (isalnum((unsigned char)*s) || *s == '\'')) {
            if (k + 1 < 64)
                (*out)[n][k++] = (char)tolower((unsigned char)*s);
            s++;
        }
        (*out)[n++][k] = '\0';
    }
    return n;
}

double semio_word_error_rate(const char *reference, const char *hypothesis)
{
    char (*ref)[64], (*hyp)[64];
    size_t nr = words(reference, &ref), nh = words(hypothesis, &hyp);
    size_t *prev = malloc((nh + 1) * sizeof(size_t)), *cur = malloc((nh + 1) * sizeof(size_t));
    double wer = NAN;
    if (prev && cur && nr) {
        for (size_t j = 0; j <= nh; j++)
            prev[j] = j;
        for (size_t i = 1; i <= nr; i++) { /* Levenshtein over words */
            cur[0] = i;
            for (size_t j = 1; j <= nh; j++) {
                size_t sub = prev[j - 1] + (strcmp(ref[i - 1], hyp[j - 1]) != 0);
                size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
            size_t *t = prev;
            prev = cur;
            cur = t;
        }
        wer = (double)prev[nh] / (double)nr;
    }
    free(prev);
    free(cur);
    free(ref);
    free(hyp);
    return wer;
}
