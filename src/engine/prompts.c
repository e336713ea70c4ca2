/* Prompt sets: one question per sign and the answer-format instruction, from a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "semio/engine.h"
#include "engine/profiles.h"
#include "util/error.h"
#include "util/fs.h"

extern const char semio_data_prompts_plain_tsv[], semio_data_prompts_clinical_tsv[],
    semio_data_prompts_describe_tsv[], semio_data_prompts_short_tsv[];

/* The sets shipped in data/prompts/, embedded; the first is the default. */
static const struct {
    const char *name, *text;
} builtin[] = {
    { "plain", semio_data_prompts_plain_tsv },
    { "clinical", semio_data_prompts_clinical_tsv },
    { "describe", semio_data_prompts_describe_tsv },
    { "short", semio_data_prompts_short_tsv },
};

typedef struct Entry {
    const char *key, *text; /* into the set's buffer */
    char *composed;         /* question + format, made on first use */
} Entry;

struct SemioPromptSet {
    char *name;
    char *buf;
    Entry *entries;
    size_t n;
};

static Entry *find(const SemioPromptSet *ps, const char *key)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->entries[i].key, key))
            return &ps->entries[i];
    return NULL;
}

static int parse(SemioPromptSet *ps, SemioError *err)
{
    size_t cap = 0, line = 0;
    int header = 0;
    char *save = NULL;
    for (char *l = strtok_r(ps->buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t len = strlen(l);
        if (len && l[len - 1] == '\r')
            l[--len] = '\0';
        if (!len || l[0] == '#')
            continue;
        char *tab = strchr(l, '\t');
        if (!tab)
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: expected key<TAB>text", ps->name,
                              line);
        *tab = '\0';
        if (!header) {
            if (strcmp(l, "key") || strcmp(tab + 1, "text"))
                return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: the header must be key<TAB>text",
                                  ps->name, line);
            header = 1;
            continue;
        }
        if (find(ps, l))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: '%s' appears twice", ps->name,
                              line, l);
        if (ps->n == cap) {
            cap = cap ? 2 * cap : 32;
            Entry *e = realloc(ps->entries, cap * sizeof(*e));
            if (!e)
                return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            ps->entries = e;
        }
        ps->entries[ps->n++] = (Entry){ l, tab + 1, NULL };
    }
    if (!find(ps, "_format"))
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: no _format line (the answer instruction)",
                          ps->name);
    return 0;
}

const char *semio_prompts_builtin_at(size_t i)
{
    return i < sizeof(builtin) / sizeof(builtin[0]) ? builtin[i].name : NULL;
}

int semio_prompts_is_file(const char *spec)
{
    size_t n = strlen(spec);
    return strchr(spec, '/') || (n >= 4 && !strcmp(spec + n - 4, ".tsv"));
}

static const char *builtin_text(const char *name)
{
    for (size_t i = 0; semio_prompts_builtin_at(i); i++)
        if (!strcmp(builtin[i].name, name))
            return builtin[i].text;
    return NULL;
}

/* The set's text: a built-in set by its name, else a file (a name with a '/' or ending in
 * .tsv always is one). NULL: the default set, named "built-in" as runs have recorded it. */
static int load(SemioPromptSet *ps, const char *spec, SemioError *err)
{
    const char *text = !spec ? builtin[0].text : semio_prompts_is_file(spec) ? NULL
                     : builtin_text(spec);
    if (!(ps->name = strdup(spec ? spec : "built-in")))
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (text)
        return (ps->buf = strdup(text)) ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    SemioError why = { 0 };
    int r = semio_read_file(spec, &ps->buf, NULL, &why);
    if (r < 0 && !semio_prompts_is_file(spec)) {
        char names[256] = "";
        for (size_t i = 0; semio_prompts_builtin_at(i); i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                     builtin[i].name);
        return semio_fail(err, r, "prompts: '%s' is neither a built-in set (%s) nor a file (%s)",
                          spec, names, why.message);
    }
    return r < 0 ? semio_fail(err, r, "%s", why.message) : 0;
}

int semio_prompts_open(SemioPromptSet **out, const char *spec, SemioError *err)
{
    *out = NULL;
    SemioPromptSet *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = load(ps, spec, err);
    if (r == 0)
        r = parse(ps, err);
    if (r < 0) {
        semio_prompts_close(&ps);
        return r;
    }
    *out = ps;
    return 0;
}

void semio_prompts_close(SemioPromptSet **pps)
{
    SemioPromptSet *ps = *pps;
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++)
        free(ps->entries[i].composed);
    free(ps->entries);
    free(ps->buf);
    free(ps->name);
    free(ps);
    *pps = NULL;
}

const char *semio_prompts_name(const SemioPromptSet *ps)
{
    return ps->name;
}

int semio_sign_allows_na(const SemioSign *sign)
{
    return !strcmp(sign->id, "verbal_responsiveness");
}

/* Copies src to dst replacing {sign} and {definition}; returns the length. */
static size_t expand(char *dst, const char *src, const SemioSign *sign)
{
    size_t n = 0;
    for (const char *p = src; *p;) {
        const char *with = NULL;
        size_t skip = 0;
        if (!strncmp(p, "{sign}", 6))
            with = sign->id, skip = 6;
        else if (!strncmp(p, "{definition}", 12))
            with = sign->definition, skip = 12;
        if (with) {
            size_t w = strlen(with);
            if (dst)
                memcpy(dst + n, with, w);
            n += w;
            p += skip;
        } else {
            if (dst)
                dst[n] = *p;
            n++;
            p++;
        }
    }
    return n;
}

const char *semio_prompt_text(SemioPromptSet *ps, const SemioSign *sign, SemioError *err)
{
    Entry *q = find(ps, sign->id);
    if (!q) {
        semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no question for sign %s", ps->name, sign->id);
        return NULL;
    }
    if (!q->composed && !(q->composed = semio_prompt_compose(ps, sign, q->text)))
        semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    return q->composed;
}

const char *semio_prompt_question(const SemioPromptSet *ps, const SemioSign *sign)
{
    const Entry *q = find(ps, sign->id);
    return q ? q->text : NULL;
}

char *semio_prompt_compose(const SemioPromptSet *ps, const SemioSign *sign, const char *question)
{
    const Entry *fmt = semio_sign_allows_na(sign) && find(ps, "_format_na")
                           ? find(ps, "_format_na") : find(ps, "_format");
    size_t a = expand(NULL, question, sign), b = expand(NULL, fmt->text, sign);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    expand(s, question, sign);
    s[a] = ' ';
    expand(s + a + 1, fmt->text, sign);
    s[a + 1 + b] = '\0';
    return s;
}

void semio_text_hash(const char *text, char hex[65])
{
    semio_data_hash((const uint8_t *)text, strlen(text), hex);
}

void semio_data_hash(const uint8_t *data, size_t size, char hex[65])
{
    uint8_t digest[32];
    struct AVSHA *sha = av_sha_alloc();
    if (!sha || av_sha_init(sha, 256) < 0) {
        av_free(sha);
        snprintf(hex, 65, "%064d", 0);
        return;
    }
    for (size_t at = 0; at < size; at += 1u << 30) /* av_sha_update takes an int before 6.0 */
        av_sha_update(sha, data + at, (unsigned)(size - at < (1u << 30) ? size - at : 1u << 30));
    av_sha_final(sha, digest);
    av_free(sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}
