/*
 * semio prompts optimize: per sign, a reflective evolutionary search in the manner of GEPA
 * on the training patients (a parent from the Pareto front, a minibatch, its wrong answers
 * to the reflection model, the rewrite kept when it does better there), the choice on the
 * validation patients, and the base and the chosen question scored once on the test
 * patients. Everything asked or proposed is stored as it comes: a rerun replays the same
 * steps from the study (the same seed, the same answers, the stored proposals) and goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/chat.h"
#include "search/search.h"
#include "util/error.h"
#include "util/rng.h"

typedef struct Cand {
    int64_t id;
    char *text;             /* the question (the candidate) */
    char *sent;             /* as sent: with the set's format */
    char hash[65];
    int8_t *right;          /* per training item, once scored on them all */
    int train;              /* correct on the training items */
} Cand;

typedef struct Search {
    SemioStudy *s;
    const SemioSearchSettings *set;
    SearchRow row;
    Asker ask;
    SemioChat *chat;
    SemioPromptSet *ps;
    const SemioSign *sign;
    SearchItem *part[3];    /* train, validation, test */
    size_t npart[3];
    Cand *pool;             /* the base and the kept rewrites */
    size_t npool;
    int64_t reserve;        /* what the choice and the final scoring may cost */
    int rejected, dropped, reflections;
    SemioError *err;
} Search;

static const char *const PART[3] = { "train", "validation", "test" };

static void free_cand(Cand *c)
{
    free(c->text);
    free(c->sent);
    free(c->right);
}

static int make_cand(Search *x, Cand *c, int64_t id, const char *text)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    if (!(c->text = strdup(text)) || !(c->sent = semio_prompt_compose(x->ps, x->sign, text)))
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    semio_text_hash(c->sent, c->hash);
    return 0;
}

/* Scores c on items: the number right, each item's in right[] when given. */
static int score(Search *x, const Cand *c, const SearchItem *items, size_t n, int8_t *right,
                 int *correct, SearchAnswer **keep)
{
    SearchAnswer *ans = calloc(n ? n : 1, sizeof(*ans));
    if (!ans)
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    int r = asker_score(&x->ask, x->sign, c->sent, c->hash, items, n, ans);
    *correct = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        *correct += ans[i].correct;
        if (right)
            right[i] = (int8_t)ans[i].correct;
    }
    if (keep && r == 0) {
        *keep = ans;
        return 0;
    }
    search_answers_free(ans, n);
    free(ans);
    return r;
}

static int store_score(Search *x, int64_t cand, const char *part, size_t items, int correct)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(x->s, &st, "INSERT OR REPLACE INTO candidate_scores(candidate_id, "
                                        "part, items, correct) VALUES (?, ?, ?, ?)", x->err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, cand);
    sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)items);
    sqlite3_bind_int(st, 4, correct);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(x->s, x->err, "cannot store a score");
    sqlite3_finalize(st);
    return r;
}

/* The candidate stored for a step: 1 with its id, text and status, 0 none. */
static int stored_step(Search *x, int step, int64_t *id, char **text, char *status)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(x->s, &st, "SELECT id, text, status FROM prompt_candidates WHERE "
                                        "search_id = ? AND sign = ? AND step = ?", x->err);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, x->row.id);
    sqlite3_bind_text(st, 2, x->sign->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, step);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *id = sqlite3_column_int64(st, 0);
        *text = strdup((const char *)sqlite3_column_text(st, 1));
        snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 2));
        if (!*text)
            found = semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return found;
}

/* Stores a step's candidate and the reflection that made it, in one transaction. */
static int store_step(Search *x, int step, const char *text, const char *hash, int64_t parent,
                      const char *status, const char *why, const char *request,
                      const char *reply, const int usage[3], int64_t *id)
{
    char now[32];
    sqlite3_stmt *st;
    int r = semio_db_begin(x->s, x->err);
    if (r == 0 && (r = semio_db_prepare(x->s, &st, "INSERT INTO prompt_candidates(search_id, "
                                        "sign, step, text, prompt_hash, parent_id, status, why, "
                                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        x->err)) == 0) {
        sqlite3_bind_int64(st, 1, x->row.id);
        sqlite3_bind_text(st, 2, x->sign->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, step);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
        if (hash)
            sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
        if (parent)
            sqlite3_bind_int64(st, 6, parent);
        sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
        if (why)
            sqlite3_bind_text(st, 8, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, semio_db_now(now), -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(x->s, x->err, "cannot store a "
                                                                "candidate");
        sqlite3_finalize(st);
        *id = sqlite3_last_insert_rowid(x->s->db);
    }
    if (r == 0 && request &&
        (r = semio_db_prepare(x->s, &st, "INSERT INTO reflections(candidate_id, request, reply, "
                              "attempts, prompt_tokens, completion_tokens, asked_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)", x->err)) == 0) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, request, -1, SQLITE_STATIC);
        if (reply)
            sqlite3_bind_text(st, 3, reply, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, usage[0]);
        for (int k = 1; k < 3; k++) /* the tokens, where the server reported them */
            if (usage[k] >= 0)
                sqlite3_bind_int(st, 4 + k, usage[k]);
        sqlite3_bind_text(st, 7, semio_db_now(now), -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(x->s, x->err, "cannot store a "
                                                                "reflection");
        sqlite3_finalize(st);
    }
    if (r == 0)
        return semio_db_commit(x->s, x->err);
    semio_db_rollback(x->s);
    return r;
}

static int set_status(Search *x, const Cand *c, const char *status)
{
    sqlite3_stmt *st;
    int r = semio_db_prepare(x->s, &st, "UPDATE prompt_candidates SET status = ?, prompt_hash = ? "
                                        "WHERE id = ?", x->err);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, c->id);
    r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(x->s, x->err, "cannot store a status");
    sqlite3_finalize(st);
    return r;
}

/* Whether a is at least as right as b on every training item and righter on one. */
static int dominates(const Cand *a, const Cand *b, size_t n)
{
    int better = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->right[i] < b->right[i])
            return 0;
        better |= a->right[i] > b->right[i];
    }
    return better;
}

/* The Pareto front over the training items: indices into the pool, in pool order. */
static size_t front(const Search *x, size_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < x->npool; i++) {
        int kept = 1;
        for (size_t j = 0; j < x->npool && kept; j++)
            kept = j == i || !dominates(&x->pool[j], &x->pool[i], x->npart[0]);
        if (kept)
            out[m++] = i;
    }
    return m;
}

/*
 * A parent from the front, as GEPA draws it: each member weighs the training items it gets
 * right where some member does (its share of the front's best answers), so a question that
 * alone solves rare cases is tried again; uniform when no member gets any right.
 */
static const Cand *draw_parent(const Search *x, const size_t *fr, size_t nf, SemioRng *g)
{
    uint32_t total = 0, w[64];
    for (size_t k = 0; k < nf && k < 64; k++) {
        w[k] = 0;
        for (size_t i = 0; i < x->npart[0]; i++)
            w[k] += x->pool[fr[k]].right[i] > 0;
        total += w[k];
    }
    if (nf > 64 || total == 0)
        return &x->pool[fr[semio_rng_below(g, (uint32_t)nf)]];
    uint32_t at = semio_rng_below(g, total);
    size_t k = 0;
    while (at >= w[k])
        at -= w[k++];
    return &x->pool[fr[k]];
}

static int add_to_pool(Search *x, Cand *c)
{
    Cand *np = realloc(x->pool, (x->npool + 1) * sizeof(*np));
    if (!np)
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    x->pool = np;
    x->pool[x->npool++] = *c;
    memset(c, 0, sizeof(*c));
    return 0;
}

/* Scores a pool member on every training item (what the front compares). */
static int score_train(Search *x, Cand *c)
{
    if (!(c->right = calloc(x->npart[0] ? x->npart[0] : 1, 1)))
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    int r = score(x, c, x->part[0], x->npart[0], c->right, &c->train, NULL);
    return r ? r : store_score(x, c->id, "train", x->npart[0], c->train);
}

/* What the reflection model proposes for parent's wrong answers: the text, or NULL with
 * why; request, reply and attempts for the lineage. */
typedef struct Proposal {
    char *request, *reply, *text;
    char why[1100];
    int usage[3]; /* attempts, prompt and completion tokens (-1 unreported) */
} Proposal;

static int accept_any(const char *text, void *user, char *why, size_t size)
{
    (void)text, (void)user, (void)why, (void)size;
    return 0; /* a reply that proposes nothing usable is a rejected candidate, not a retry */
}

static int propose(Search *x, const Cand *parent, const ReflectCase *cases, size_t n,
                   Proposal *p)
{
    memset(p, 0, sizeof(*p));
    if (!(p->request = reflect_request(x->sign, parent->text, cases, n)))
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    SemioRequest req = { .text = p->request };
    SemioChatResult res;
    json_object *fmt = x->set->reflect->structured
        ? semio_chat_schema("question", "{\"type\": \"object\", \"properties\": {\"question\": "
                            "{\"type\": \"string\"}}, \"required\": [\"question\"]}") : NULL;
    int r = semio_chat_ask(x->chat, &req, fmt, accept_any, NULL, &res, x->err);
    if (r < 0)
        return r;
    x->reflections++;
    p->usage[0] = res.attempts;
    p->usage[1] = res.prompt_tokens;
    p->usage[2] = res.completion_tokens;
    if (res.text && !(p->reply = strdup(res.text)))
        r = semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && !res.ok && res.stop_run)
        r = semio_fail(x->err, SEMIO_ERR_REFUSED, "prompts: the reflection model: %s",
                       res.error);
    else if (r == 0 && !res.ok)
        snprintf(p->why, sizeof(p->why), "no reply: %s", res.error);
    else if (r == 0 && (p->text = reflect_read(res.text, p->why, sizeof(p->why))))
        reflect_check(p->text, p->why, sizeof(p->why));
    semio_chat_result_free(&res);
    return r;
}

static void free_proposal(Proposal *p)
{
    free(p->request);
    free(p->reply);
    free(p->text);
}

/* Whether a text is already a candidate of this sign (proposed again: nothing new). */
static int known(const Search *x, const char *text)
{
    for (size_t i = 0; i < x->npool; i++)
        if (!strcmp(x->pool[i].text, text))
            return 1;
    return 0;
}

/* One step: a parent from the front, a minibatch, a reflection on its wrong answers, the
 * rewrite scored there and kept (scored on all training items) when it does better (*kept
 * 1). 1 when the budget leaves no room for another step. */
static int step(Search *x, SemioRng *g, int n, int64_t *spent, int *kept)
{
    *kept = 0;
    const SemioSearchSettings *set = x->set;
    size_t ntr = x->npart[0], b = (size_t)set->minibatch < ntr ? (size_t)set->minibatch : ntr;
    size_t *fr = malloc(x->npool * sizeof(*fr)), *idx = malloc(ntr * sizeof(*idx));
    SearchItem *batch = malloc((b ? b : 1) * sizeof(*batch));
    ReflectCase *cases = malloc((size_t)set->cases * sizeof(*cases));
    if (!fr || !idx || !batch || !cases) {
        free(fr), free(idx), free(batch), free(cases);
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    }
    size_t nf = front(x, fr);
    const Cand *parent = draw_parent(x, fr, nf, g);
    free(fr);
    for (size_t i = 0; i < ntr; i++)
        idx[i] = i;
    for (size_t i = 0; i < b; i++) {
        size_t j = i + semio_rng_below(g, (uint32_t)(ntr - i)), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        batch[i] = x->part[0][idx[i]];
    }
    free(idx);
    /* the most the step may cost: the parent and a rewrite on the minibatch, the rewrite on
     * every training item */
    if (*spent + asker_cost(&x->ask, parent->hash, batch, b) + (int64_t)(b + ntr) + x->reserve >
        set->budget) {
        free(batch);
        free(cases);
        return 1;
    }
    int64_t before = (int64_t)x->ask.nseen;
    SearchAnswer *ans = NULL;
    int pc = 0, r = score(x, parent, batch, b, NULL, &pc, &ans);
    size_t nc = 0;
    for (size_t i = 0; r == 0 && i < b && nc < (size_t)set->cases; i++)
        if (!ans[i].correct)
            cases[nc++] = (ReflectCase){ ans[i].answer, ans[i].justification, batch[i].label };
    int64_t id = 0;
    char *text = NULL, status[16] = "";
    int found = r == 0 && nc ? stored_step(x, n, &id, &text, status) : 0;
    Proposal p = { 0 };
    if (found < 0)
        r = found;
    if (r == 0 && nc && !found && (r = propose(x, parent, cases, nc, &p)) == 0) {
        if (!p.why[0] && known(x, p.text))
            snprintf(p.why, sizeof(p.why), "the same as a candidate already kept");
        r = store_step(x, n, p.text ? p.text : "", NULL, parent->id, p.why[0] ? "rejected"
                       : "dropped", p.why[0] ? p.why : NULL, p.request, p.reply, p.usage, &id);
        snprintf(status, sizeof(status), "%s", p.why[0] ? "rejected" : "dropped");
        text = p.text;
        p.text = NULL;
    }
    Cand child = { 0 };
    if (r == 0 && nc && !strcmp(status, "rejected"))
        x->rejected++;
    else if (r == 0 && nc && (r = make_cand(x, &child, id, text)) == 0) {
        int cc = 0;
        if ((r = score(x, &child, batch, b, NULL, &cc, NULL)) == 0 && cc > pc) {
            if ((r = score_train(x, &child)) == 0 && (r = set_status(x, &child, "kept")) == 0 &&
                (r = add_to_pool(x, &child)) == 0)
                *kept = 1;
        } else if (r == 0) {
            x->dropped++;
            r = set_status(x, &child, "dropped");
        }
    }
    *spent += (int64_t)x->ask.nseen - before;
    free_cand(&child);
    free(text);
    free_proposal(&p);
    search_answers_free(ans, b);
    free(ans);
    free(batch);
    free(cases);
    return r;
}

/* The patients' resampled difference in accuracy, chosen minus base, on the test items. */
static void paired_interval(const Search *x, const int8_t *base, const int8_t *chosen,
                            double ci[2])
{
    const SearchItem *it = x->part[2];
    size_t n = x->npart[2];
    int npat = 0;
    for (size_t i = 0; i < n; i++)
        npat = it[i].patient + 1 > npat ? it[i].patient + 1 : npat;
    int resamples = x->set->resamples > 0 ? x->set->resamples : 0;
    double *d = calloc(resamples ? (size_t)resamples : 1, sizeof(*d));
    int *w = calloc((size_t)npat + 1, sizeof(*w)), *pats = calloc((size_t)npat + 1, sizeof(*pats));
    int np = 0, nd = 0;
    for (int p = 0; p < npat; p++)
        for (size_t i = 0; i < n; i++)
            if (it[i].patient == p) {
                pats[np++] = p;
                break;
            }
    SemioRng g;
    semio_rng_seed(&g, x->set->seed ^ 0x5eed);
    for (int k = 0; d && w && pats && np && k < resamples; k++) {
        memset(w, 0, (size_t)npat * sizeof(*w));
        for (int j = 0; j < np; j++)
            w[pats[semio_rng_below(&g, (uint32_t)np)]]++;
        double diff = 0, m = 0;
        for (size_t i = 0; i < n; i++) {
            diff += w[it[i].patient] * (chosen[i] - base[i]);
            m += w[it[i].patient];
        }
        if (m > 0)
            d[nd++] = diff / m;
    }
    for (int i = 1; i < nd; i++) /* insertion sort: a few thousand values */
        for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
            double t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    ci[0] = nd ? d[(int)(0.025 * (nd - 1))] : 0.0 / 0.0;
    ci[1] = nd ? d[(int)(0.975 * (nd - 1))] : 0.0 / 0.0;
    free(d);
    free(w);
    free(pats);
}

static json_object *part_json(size_t items, int correct)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "items", json_object_new_int64((int64_t)items));
    json_object_object_add(j, "correct", json_object_new_int(correct));
    json_object_object_add(j, "accuracy", items ? json_object_new_double((double)correct /
                                                                         (double)items) : NULL);
    return j;
}

/* The choice on validation among the base and the front's best on training, then the
 * final scoring of the base and the chosen on the test patients. */
static int finish(Search *x, json_object *out)
{
    size_t *fr = malloc(x->npool * sizeof(*fr));
    if (!fr)
        return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    size_t nf = front(x, fr);
    /* the front by training score (then age), its best `finalists`, and the base */
    for (size_t i = 1; i < nf; i++)
        for (size_t j = i; j > 0 && x->pool[fr[j - 1]].train < x->pool[fr[j]].train; j--) {
            size_t t = fr[j];
            fr[j] = fr[j - 1];
            fr[j - 1] = t;
        }
    size_t nfin = nf < (size_t)x->set->finalists ? nf : (size_t)x->set->finalists;
    int base_val = 0, best_val = -1, r = score(x, &x->pool[0], x->part[1], x->npart[1], NULL,
                                               &base_val, NULL);
    size_t best = 0;
    if (r == 0)
        r = store_score(x, x->pool[0].id, "validation", x->npart[1], base_val);
    best_val = base_val;
    for (size_t i = 0; r == 0 && i < nfin; i++) {
        int v = 0;
        if (fr[i] == 0)
            continue;
        if ((r = score(x, &x->pool[fr[i]], x->part[1], x->npart[1], NULL, &v, NULL)) == 0)
            r = store_score(x, x->pool[fr[i]].id, "validation", x->npart[1], v);
        if (r == 0 && v > best_val) /* ties stay with the base, then the earlier */
            best_val = v, best = fr[i];
    }
    size_t nt = x->npart[2];
    int8_t *tb = calloc(nt ? nt : 1, 1), *tc = calloc(nt ? nt : 1, 1);
    int base_test = 0, chosen_test = 0;
    if (r == 0 && (!tb || !tc))
        r = semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
    x->ask.final = 1; /* from here on, and only here, test windows may be asked */
    if (r == 0 && (r = score(x, &x->pool[0], x->part[2], nt, tb, &base_test, NULL)) == 0)
        r = store_score(x, x->pool[0].id, "test", nt, base_test);
    if (r == 0 && (r = score(x, &x->pool[best], x->part[2], nt, tc, &chosen_test, NULL)) == 0)
        r = store_score(x, x->pool[best].id, "test", nt, chosen_test);
    x->ask.final = 0;
    if (r == 0) {
        double ci[2];
        paired_interval(x, tb, tc, ci);
        json_object *base = json_object_new_object(), *ch = json_object_new_object();
        json_object_object_add(base, "question", json_object_new_string(x->pool[0].text));
        json_object_object_add(base, "train", part_json(x->npart[0], x->pool[0].train));
        json_object_object_add(base, "validation", part_json(x->npart[1], base_val));
        json_object_object_add(base, "test", part_json(nt, base_test));
        json_object_object_add(ch, "candidate", json_object_new_int64(x->pool[best].id));
        json_object_object_add(ch, "question", json_object_new_string(x->pool[best].text));
        json_object_object_add(ch, "train", part_json(x->npart[0], x->pool[best].train));
        json_object_object_add(ch, "validation", part_json(x->npart[1], best_val));
        json_object_object_add(ch, "test", part_json(nt, chosen_test));
        json_object *gain = json_object_new_object();
        json_object_object_add(gain, "accuracy", nt ? json_object_new_double(
                                   (double)(chosen_test - base_test) / (double)nt) : NULL);
        json_object_object_add(gain, "ci_low", json_object_new_double(ci[0]));
        json_object_object_add(gain, "ci_high", json_object_new_double(ci[1]));
        json_object_object_add(out, "base", base);
        json_object_object_add(out, "chosen", ch);
        json_object_object_add(out, "test_gain", gain);
    }
    free(tb);
    free(tc);
    free(fr);
    return r;
}

/* The base candidate (step 0): its row made once. */
static int base_candidate(Search *x, Cand *c)
{
    const char *q = semio_prompt_question(x->ps, x->sign);
    if (!q)
        return semio_fail(x->err, SEMIO_ERR_NOT_FOUND, "%s: no question for sign %s",
                          semio_prompts_name(x->ps), x->sign->id);
    int64_t id = 0;
    char *text = NULL, status[16];
    int r = stored_step(x, 0, &id, &text, status);
    if (r == 0) {
        char hash[65];
        char *sent = semio_prompt_compose(x->ps, x->sign, q);
        if (!sent)
            return semio_fail(x->err, SEMIO_ERR_NOMEM, "out of memory");
        semio_text_hash(sent, hash);
        free(sent);
        r = store_step(x, 0, q, hash, 0, "base", NULL, NULL, NULL, NULL, &id);
    } else if (r > 0 && strcmp(text, q)) {
        r = semio_fail(x->err, SEMIO_ERR_CONFLICT, "%s: the search began from another question "
                       "for %s; use the same prompts", x->s->path, x->sign->id);
    } else if (r > 0) {
        r = 0;
    }
    free(text);
    return r ? r : make_cand(x, c, id, q);
}

/* The spend on the model asked for this sign, from the stored answers. */
static void spend_json(Search *x, json_object *out, int64_t spent)
{
    sqlite3_stmt *st;
    int64_t rows = 0, pt = 0, ct = 0;
    if (semio_db_prepare(x->s, &st, "SELECT count(*), total(prompt_tokens), "
                         "total(completion_tokens) FROM answers WHERE run_id = ? AND sign = ? "
                         "AND prompt_hash IN (SELECT prompt_hash FROM prompt_candidates WHERE "
                         "search_id = ? AND sign = ?)", NULL) == 0) {
        sqlite3_bind_int64(st, 1, x->ask.run);
        sqlite3_bind_text(st, 2, x->sign->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, x->row.id);
        sqlite3_bind_text(st, 4, x->sign->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            rows = sqlite3_column_int64(st, 0);
            pt = (int64_t)sqlite3_column_double(st, 1);
            ct = (int64_t)sqlite3_column_double(st, 2);
        }
        sqlite3_finalize(st);
    }
    json_object_object_add(out, "questions", json_object_new_int64(spent));
    json_object_object_add(out, "budget", json_object_new_int64(x->set->budget));
    json_object_object_add(out, "answers_stored", json_object_new_int64(rows));
    json_object_object_add(out, "prompt_tokens", json_object_new_int64(pt));
    json_object_object_add(out, "completion_tokens", json_object_new_int64(ct));
    json_object_object_add(out, "reflections_asked_now", json_object_new_int(x->reflections));
    /* the reflection model's spend, from its stored exchanges (NULL where not reported) */
    int64_t refl[3] = { 0, 0, 0 };
    if (semio_db_prepare(x->s, &st, "SELECT count(*), total(f.prompt_tokens), "
                         "total(f.completion_tokens) FROM reflections f JOIN prompt_candidates "
                         "c ON c.id = f.candidate_id WHERE c.search_id = ? AND c.sign = ?",
                         NULL) == 0) {
        sqlite3_bind_int64(st, 1, x->row.id);
        sqlite3_bind_text(st, 2, x->sign->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            for (int k = 0; k < 3; k++)
                refl[k] = (int64_t)sqlite3_column_double(st, k);
        sqlite3_finalize(st);
    }
    json_object_object_add(out, "reflections", json_object_new_int64(refl[0]));
    json_object_object_add(out, "reflection_prompt_tokens", json_object_new_int64(refl[1]));
    json_object_object_add(out, "reflection_completion_tokens", json_object_new_int64(refl[2]));
    json_object_object_add(out, "kept", json_object_new_int((int)x->npool - 1));
    json_object_object_add(out, "dropped", json_object_new_int(x->dropped));
    json_object_object_add(out, "rejected", json_object_new_int(x->rejected));
}

static int search_sign(Search *x, json_object *out)
{
    const SemioSearchSettings *set = x->set;
    int r = 0;
    for (int p = 0; p < 3 && r == 0; p++)
        r = search_items(x->s, x->row.id, x->ask.set_id, x->ask.sampling, x->sign->id, PART[p],
                         &x->part[p], &x->npart[p], x->err);
    if (r == 0 && (!x->npart[0] || !x->npart[1] || !x->npart[2]))
        r = semio_fail(x->err, SEMIO_ERR_INVALID, "prompts: sign %s has %zu training, %zu "
                       "validation and %zu test windows with labels; each part needs some",
                       x->sign->id, x->npart[0], x->npart[1], x->npart[2]);
    x->reserve = (int64_t)((size_t)(set->finalists + 1) * x->npart[1] + 2 * x->npart[2]);
    int64_t spent = 0;
    Cand base;
    if (r == 0 && (r = base_candidate(x, &base)) == 0) {
        int64_t before = (int64_t)x->ask.nseen;
        r = score_train(x, &base);
        spent += (int64_t)x->ask.nseen - before;
        if (r == 0)
            r = add_to_pool(x, &base);
        free_cand(&base);
    }
    if (r == 0 && spent + x->reserve > set->budget)
        r = semio_fail(x->err, SEMIO_ERR_INVALID, "prompts: a budget of %lld questions leaves "
                       "nothing to search with for %s: the base on the training windows, the "
                       "choice and the final scoring take %lld", (long long)set->budget,
                       x->sign->id, (long long)(spent + x->reserve));
    SemioRng g;
    uint64_t seed = set->seed;
    for (const char *c = x->sign->id; *c; c++)
        seed = seed * 1099511628211ULL ^ (uint8_t)*c;
    semio_rng_seed(&g, seed);
    /* every step costs at least one new question, or proposes nothing new: so many steps
     * at most, whatever the reflection model says */
    char what[300];
    snprintf(what, sizeof(what), "prompts optimize %s", set->name);
    for (int n = 1, stale = 0; r == 0 && n <= set->budget; n++) {
        if ((r = semio_claim_renew(x->s, what, x->err)) < 0)
            break;
        int kept, full = step(x, &g, n, &spent, &kept);
        r = full < 0 ? full : 0;
        stale = kept ? 0 : stale + 1;
        if (full > 0 || (set->patience > 0 && stale >= set->patience))
            break;
    }
    if (r == 0) {
        int64_t before = (int64_t)x->ask.nseen;
        r = finish(x, out);
        spent += (int64_t)x->ask.nseen - before;
    }
    if (r == 0)
        spend_json(x, out, spent);
    for (int p = 0; p < 3; p++) {
        free(x->part[p]);
        x->part[p] = NULL;
    }
    for (size_t i = 0; i < x->npool; i++)
        free_cand(&x->pool[i]);
    free(x->pool);
    x->pool = NULL;
    x->npool = 0;
    return r;
}

/* What the search was begun with; a rerun must say the same. */
static char *search_settings(const SemioSearchSettings *set)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "budget", json_object_new_int64(set->budget));
    json_object_object_add(j, "minibatch", json_object_new_int(set->minibatch));
    json_object_object_add(j, "cases", json_object_new_int(set->cases));
    json_object_object_add(j, "finalists", json_object_new_int(set->finalists));
    json_object_object_add(j, "patience", json_object_new_int(set->patience));
    json_object_object_add(j, "prompts", json_object_new_string(set->prompts ? set->prompts
                                                                             : "built-in"));
    json_object_object_add(j, "reflect_model", json_object_new_string(set->reflect->model));
    char *out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return out;
}

static int begin(SemioStudy *s, const SemioSearchSettings *set, SearchRow *row, SemioError *err)
{
    int r = semio_prompt_split(s, set->name, set->signs, set->seed, err);
    if (r == 0 && (r = search_find(s, set->name, row, err)) > 0)
        r = 0;
    char *now = r == 0 ? search_settings(set) : NULL;
    if (r == 0 && !now)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0 && strcmp(row->signs, set->signs))
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: search '%s' is about %s, not %s", s->path,
                       set->name, row->signs, set->signs);
    if (r == 0 && row->seed != set->seed)
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: search '%s' was split with seed %llu",
                       s->path, set->name, (unsigned long long)row->seed);
    if (r == 0 && !strcmp(row->settings, "{}")) {
        sqlite3_stmt *st;
        if ((r = semio_db_prepare(s, &st, "UPDATE prompt_searches SET settings_json = ? WHERE "
                                          "id = ?", err)) == 0) {
            sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, row->id);
            r = sqlite3_step(st) == SQLITE_DONE ? 0 : semio_db_fail(s, err, "cannot store the "
                                                                    "search's settings");
            sqlite3_finalize(st);
        }
    } else if (r == 0 && !semio_db_same_json(row->settings, now)) {
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "%s: search '%s' was begun with other "
                       "settings (%s); resume it with the same ones", s->path, set->name,
                       row->settings);
    }
    free(now);
    return r;
}

int semio_prompt_optimize(SemioStudy *s, const SemioSearchSettings *set, char **json,
                          SemioError *err)
{
    *json = NULL;
    if (!set->name || !set->signs || !set->reflect || !set->reflect->model ||
        !set->reflect->nurls || set->budget < 1 || set->minibatch < 1 || set->cases < 1 ||
        set->finalists < 1)
        return semio_fail(err, SEMIO_ERR_INVALID, "prompts optimize: --name, --signs, "
                          "--reflect-url and --reflect-model are needed, and the budget, "
                          "minibatch, cases and finalists must be positive");
    Search x = { .s = s, .set = set, .err = err };
    SemioSignSet *cat = NULL;
    json_object *out = json_object_new_object(), *signs = json_object_new_object();
    /* one process per search: two would store the same steps (a dead owner's claim lapses) */
    char what[300];
    snprintf(what, sizeof(what), "prompts optimize %s", set->name);
    int got = 0, r = semio_claim(s, what, &got, err);
    if (r == 0 && !got)
        r = semio_fail(err, SEMIO_ERR_CONFLICT, "prompts optimize: another process is running "
                       "the search '%s' on this study; wait for it, or stop it first",
                       set->name);
    if (r == 0)
        r = begin(s, set, &x.row, err);
    if (r == 0)
        r = semio_signs_open(&cat, NULL, err);
    if (r == 0)
        r = semio_prompts_open(&x.ps, set->prompts, err);
    if (r == 0)
        r = asker_open(&x.ask, s, set->name, set, err);
    if (r == 0)
        r = semio_chat_open(&x.chat, set->reflect, 0, "reflection", err);
    char list[1024], *items[64];
    snprintf(list, sizeof(list), "%s", set->signs);
    size_t n = r == 0 ? semio_list_split(list, items, 64) : 0;
    for (size_t i = 0; r == 0 && i < n && i < 64; i++) {
        if (!(x.sign = semio_signs_find(cat, items[i]))) {
            r = semio_fail(err, SEMIO_ERR_INVALID, "prompts: '%s' is not a sign of the catalog",
                           items[i]);
            break;
        }
        json_object *one = json_object_new_object();
        json_object_object_add(signs, x.sign->id, one);
        x.rejected = x.dropped = x.reflections = 0;
        r = search_sign(&x, one);
    }
    if (r == 0) {
        json_object_object_add(out, "search", json_object_new_string(set->name));
        json_object_object_add(out, "requests_sent_now", json_object_new_int64(x.ask.sent));
        json_object_object_add(out, "signs", signs);
        signs = NULL;
        *json = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
        if (!*json)
            r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    json_object_put(signs);
    json_object_put(out);
    semio_chat_close(&x.chat);
    asker_close(&x.ask);
    semio_prompts_close(&x.ps);
    semio_signs_close(&cat);
    if (got)
        semio_claim_release(s, what, NULL);
    return r;
}
