/* Parses the sign catalog, a tab-separated file with a header row and # comments. */
#include <stdlib.h>
#include <string.h>

#include "semio/signs.h"
#include "util/error.h"
#include "util/fs.h"

extern const char semio_data_signs_tsv[];

struct SemioSignSet {
    char *text; /* every string in `signs` points into this buffer */
    SemioSign *signs;
    size_t count;
};

static const char *const columns[] = { "id", "group", "modality", "view", "merge", "definition" };

static int parse(SemioSignSet *set, const char *name, SemioError *err)
{
    size_t cap = 0, line = 0;
    int header = 0, want = 6; /* 5 in catalogs written before the merge column */
    for (char *save = NULL, *l = strtok_r(set->text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t n = strlen(l);
        if (n && l[n - 1] == '\r')
            l[n - 1] = '\0';
        if (l[0] == '#' || l[0] == '\0')
            continue;
        char *f[6];
        int nf = 0;
        for (char *p = l; nf < 6; nf++) {
            f[nf] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nf++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (!header) {
            want = nf == 5 ? 5 : 6;
            int ok = nf == want;
            for (int i = 0, k = 0; ok && i < nf; i++, k++) {
                if (want == 5 && k == 4)
                    k++; /* no merge column */
                ok = !strcmp(f[i], columns[k]);
            }
            if (!ok)
                return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: header must be id, group, "
                                  "modality, view, merge, definition", name, line);
            header = 1;
            continue;
        }
        if (nf != want)
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: expected %d tab-separated fields, "
                              "got %d", name, line, want, nf);
        if (want == 5) { /* no merge column: every sign merges by any */
            f[5] = f[4];
            f[4] = "any";
        }
        if (semio_signs_find(set, f[0]))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: sign %s is listed twice", name, line,
                              f[0]);
        if (strcmp(f[1], "limb") && strcmp(f[1], "facial") && strcmp(f[1], "audio"))
            return semio_fail(err, SEMIO_ERR_FORMAT,
                              "%s:%zu: group of %s must be limb, facial or audio, not '%s'", name,
                              line, f[0], f[1]);
        if (strcmp(f[4], "any") && strcmp(f[4], "first"))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s:%zu: merge of %s must be any or first, "
                              "not '%s'", name, line, f[0], f[4]);
        if (set->count == cap) {
            cap = cap ? 2 * cap : 32;
            SemioSign *s = realloc(set->signs, cap * sizeof(*s));
            if (!s)
                return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            set->signs = s;
        }
        set->signs[set->count++] = (SemioSign){ f[0], f[1], f[2], f[3], f[5],
                                                !strcmp(f[4], "first") ? SEMIO_SIGN_MERGE_FIRST
                                                                       : SEMIO_SIGN_MERGE_ANY };
    }
    if (!set->count)
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: no signs", name);
    return 0;
}

int semio_signs_open(SemioSignSet **out, const char *path, SemioError *err)
{
    *out = NULL;
    SemioSignSet *set = calloc(1, sizeof(*set));
    if (!set)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = 0;
    if (path)
        r = semio_read_file(path, &set->text, NULL, err);
    else if (!(set->text = strdup(semio_data_signs_tsv)))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = parse(set, path ? path : "built-in data/signs.tsv", err);
    if (r < 0) {
        semio_signs_close(&set);
        return r;
    }
    *out = set;
    return 0;
}

void semio_signs_close(SemioSignSet **pset)
{
    if (!*pset)
        return;
    free((*pset)->text);
    free((*pset)->signs);
    free(*pset);
    *pset = NULL;
}

size_t semio_signs_count(const SemioSignSet *set)
{
    return set->count;
}

const SemioSign *semio_signs_get(const SemioSignSet *set, size_t i)
{
    return i < set->count ? &set->signs[i] : NULL;
}

const SemioSign *semio_signs_find(const SemioSignSet *set, const char *id)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->signs[i].id, id))
            return &set->signs[i];
    return NULL;
}
