/* semio prompts evaluate: a prompt set's questions scored on a search's train or
 * validation patients, with the search's answers as the cache (an outside optimizer's
 * evaluation backend). The test patients are refused: they are the final report's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "search/search.h"
#include "util/error.h"

static int score_sign(Asker *a, SemioPromptSet *ps, const SemioSign *sign, int64_t search,
                      const char *part, json_object *out, SemioError *err)
{
    const char *text = semio_prompt_text(ps, sign, err);
    if (!text)
        return err->code;
    char hash[65];
    semio_text_hash(text, hash);
    SearchItem *items = NULL;
    size_t n = 0;
    int r = search_items(a->s, search, a->set_id, a->sampling, sign->id, part, &items, &n, err);
    SearchAnswer *ans = r == 0 ? calloc(n ? n : 1, sizeof(*ans)) : NULL;
    if (r == 0 && !ans)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int64_t before = a->sent;
    if (r == 0)
        r = asker_score(a, sign, text, hash, items, n, ans);
    int correct = 0, yes = 0, tp = 0, pos = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        correct += ans[i].correct;
        yes += !strcmp(ans[i].answer, "yes");
        pos += items[i].label;
        tp += items[i].label && ans[i].correct;
    }
    if (r == 0) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "prompt_hash", json_object_new_string(hash));
        json_object_object_add(j, "items", json_object_new_int64((int64_t)n));
        json_object_object_add(j, "correct", json_object_new_int(correct));
        json_object_object_add(j, "accuracy", n ? json_object_new_double((double)correct /
                                                                         (double)n) : NULL);
        json_object_object_add(j, "f1", pos + yes ? json_object_new_double(2.0 * tp /
                                                                           (pos + yes)) : NULL);
        json_object_object_add(j, "requests_sent", json_object_new_int64(a->sent - before));
        json_object_object_add(out, sign->id, j);
    }
    search_answers_free(ans, n);
    free(ans);
    free(items);
    return r;
}

int semio_prompt_evaluate(SemioStudy *s, const SemioSearchSettings *set, const char *part,
                          char **json, SemioError *err)
{
    *json = NULL;
    if (part && !strcmp(part, "test"))
        return semio_fail(err, SEMIO_ERR_INVALID, "prompts evaluate: the test patients are "
                          "refused: they are kept for the search's final report, and a score "
                          "on them seen while choosing would no longer be a test; use train "
                          "or validation");
    if (!part || (strcmp(part, "train") && strcmp(part, "validation")))
        return semio_fail(err, SEMIO_ERR_INVALID, "prompts evaluate: --patients is train or "
                          "validation");
    SearchRow row;
    int r = search_find(s, set->name, &row, err);
    if (r == 0)
        return semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no search '%s' (semio prompts split "
                          "or optimize makes one)", s->path, set->name);
    if (r < 0)
        return r;
    SemioSignSet *cat = NULL;
    SemioPromptSet *ps = NULL;
    Asker a;
    memset(&a, 0, sizeof(a));
    json_object *out = json_object_new_object();
    r = semio_signs_open(&cat, NULL, err);
    if (r == 0)
        r = semio_prompts_open(&ps, set->prompts, err);
    if (r == 0)
        r = asker_open(&a, s, set->name, set, err);
    char list[1024], *items[64];
    snprintf(list, sizeof(list), "%s", set->signs ? set->signs : row.signs);
    size_t n = r == 0 ? semio_list_split(list, items, 64) : 0;
    for (size_t i = 0; r == 0 && i < n && i < 64; i++) {
        const SemioSign *sign = semio_signs_find(cat, items[i]);
        r = sign ? score_sign(&a, ps, sign, row.id, part, out, err)
                 : semio_fail(err, SEMIO_ERR_INVALID, "prompts: '%s' is not a sign of the "
                              "catalog", items[i]);
    }
    if (r == 0 && !(*json = strdup(json_object_to_json_string_ext(
                        out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE))))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    json_object_put(out);
    asker_close(&a);
    semio_prompts_close(&ps);
    semio_signs_close(&cat);
    return r;
}
