/*
 * The review app over HTTP: semio_serve_start on 127.0.0.1:0 in this process, libcurl as
 * the browser, and the study read back with SQLite to see what each request left in it.
 * One study is built once and shared by the cases (two short recordings, labels for ten,
 * two imported runs with justifications, three rounds, a rater or two per case); a last
 * case runs `semio serve` as a child and kills it with SIGKILL in the middle of ratings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "harness.h"
#include "semio/semio.h"
#include "testvideo.h"

extern char **environ;

#define VIDEOS 10     /* label rows; the first RECORDINGS of them have a recording */
#define RECORDINGS 2
#define ALL_ITEMS (2 * VIDEOS * 20) /* round "all": both runs, every video and sign */
#define BLIND_ITEMS 12
#define STORM 200     /* ratings each of two raters sends at once */

enum { DR_A, DR_B, DR_GONE, STORM_A, STORM_B, KILL_A, KILL_B, KILL_C, NRATERS };
static const char *const rater_names[NRATERS] = { "DrA", "DrB", "DrGone", "StormA", "StormB",
                                                  "KillA", "KillB", "KillC" };

/* The study and the server every case shares. */
static struct {
    int tried, ok;
    const char *db;
    SemioServer *srv;
    char url[320];
    unsigned port;
    char key[NRATERS][64];
    int64_t round_all, round_blind, round_hidden;
    int64_t video, segment, sampling; /* a recording, its first window, the window's frames */
} F;

/* ---- SQLite, to see what the server stored ------------------------------------------------- */

/* The first column of the first row as text ("" for NULL or no row); -1 if it fails. */
static int sql_text(const char *sql, char *out, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int r = -1;
    out[0] = '\0';
    if (sqlite3_open_v2(F.db, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(db, 30000) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
        r = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
    }
    if (r < 0)
        printf("    sql: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return r;
}

/* The first column of the first row as a number (-1 when it fails or is not one). */
static long long sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long sql_int(const char *fmt, ...)
{
    char sql[2048], text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    char *end;
    if (sql_text(sql, text, sizeof(text)) < 0 || !text[0])
        return -1;
    long long v = strtoll(text, &end, 10);
    return *end ? -1 : v;
}

static int64_t rater_id(int who)
{
    return sql_int("SELECT id FROM raters WHERE name = '%s'", rater_names[who]);
}

/* ---- HTTP ---------------------------------------------------------------------------------- */

typedef struct Resp {
    long status;
    CURLcode rc;
    char *body;
    size_t size;
    char head[8192]; /* the final response's header lines */
    size_t hsize;
} Resp;

/* What a request sends. A POST without `origin` sends this server's own. */
typedef struct Req {
    const char *base;   /* the server's URL; NULL: the shared server's */
    const char *method; /* NULL: GET, or POST when there is a body */
    const char *path;   /* sent as it is (CURLOPT_PATH_AS_IS) */
    const char *token;  /* the session cookie's value */
    const char *csrf;
    const char *origin;
    int no_origin;
    const char *body;
    size_t body_len;    /* 0: strlen(body) */
    const char *range;
    const char *extra;  /* one more header line */
} Req;

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    Resp *r = user;
    char *grown = realloc(r->body, r->size + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + r->size, data, size * n);
    r->body = grown;
    r->size += size * n;
    r->body[r->size] = '\0';
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    Resp *r = user;
    if (size * n >= 5 && !memcmp(data, "HTTP/", 5))
        r->hsize = 0; /* a 100 Continue's headers are not the answer's */
    size_t take = size * n < sizeof(r->head) - 1 - r->hsize ? size * n
                                                            : sizeof(r->head) - 1 - r->hsize;
    memcpy(r->head + r->hsize, data, take);
    r->hsize += take;
    r->head[r->hsize] = '\0';
    return size * n;
}

static void resp_free(Resp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* Sends q on handle h (NULL: a handle of its own); r gets the answer. Returns the status,
 * or 0 when no answer came. */
static long request(CURL *h, const Req *q, Resp *r)
{
    memset(r, 0, sizeof(*r));
    CURL *own = h ? NULL : curl_easy_init();
    if (!h)
        h = own;
    if (!h)
        return 0;
    curl_easy_reset(h); /* keeps the connection: a storm's requests share one */
    char url[128 * 1024], line[512];
    snprintf(url, sizeof(url), "%s%s", q->base ? q->base : F.url, q->path);
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
    if (q->token) {
        snprintf(line, sizeof(line), "Cookie: semio_session=%s", q->token);
        hdr = curl_slist_append(hdr, line);
    }
    if (q->csrf) {
        snprintf(line, sizeof(line), "X-CSRF-Token: %s", q->csrf);
        hdr = curl_slist_append(hdr, line);
    }
    const char *method = q->method ? q->method : q->body ? "POST" : "GET";
    if (!q->no_origin && (q->origin || !strcmp(method, "POST"))) {
        snprintf(line, sizeof(line), "Origin: %s", q->origin ? q->origin
                                                   : q->base ? q->base : F.url);
        hdr = curl_slist_append(hdr, line);
    }
    if (q->range) {
        snprintf(line, sizeof(line), "Range: %s", q->range);
        hdr = curl_slist_append(hdr, line);
    }
    if (q->body)
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
    if (q->extra)
        hdr = curl_slist_append(hdr, q->extra);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (q->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(q->body_len ? q->body_len : strlen(q->body)));
    }
    if (strcmp(method, "HEAD") && strcmp(method, q->body ? "POST" : "GET"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    r->rc = curl_easy_perform(h);
    if (r->rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdr);
    if (own)
        curl_easy_cleanup(own);
    return r->status;
}

/* The value of header `name` in r (the first of them), or NULL. */
static const char *header(const Resp *r, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *line = r->head; line && *line; line = strchr(line, '\n')) {
        line += *line == '\n';
        if (!strncasecmp(line, name, n) && line[n] == ':') {
            const char *v = line + n + 1;
            v += strspn(v, " \t");
            size_t len = strcspn(v, "\r\n");
            snprintf(out, size, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

/* The answer's body as JSON (NULL when it is not). */
static json_object *json_of(const Resp *r)
{
    return r->body ? json_tokener_parse(r->body) : NULL;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* Sends raw bytes on a socket of its own and returns the status of the answer (0: none;
 * the connection was closed without one). For requests libcurl would not write. */
static int raw_request(const char *text, size_t len, char *body_out, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)F.port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { .tv_sec = 30 };
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (size_t sent = 0; sent < len;) {
        ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may close before reading it all: its answer may be there */
        sent += (size_t)n;
    }
    char buf[16384];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 && (n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    if (body_out)
        snprintf(body_out, size, "%s", buf);
    return status;
}

/* ---- the study ----------------------------------------------------------------------------- */

static int make_recording(const char *path, int width, int height)
{
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = width;
    s.height = height;
    s.gop = 30;
    s.bframes = 2;
    s.preset = "ultrafast";
    return testvideo_make(path, &s, 240); /* 8 s at 30 fps */
}

static void video_name(char *out, size_t size, int v)
{
    snprintf(out, size, "P%d@1-1-2024@R%d@sz_v1.mp4", v + 1, v + 1);
}

/* Labels for every video (yes, no or unknown by a pattern), or run `variant`'s answers
 * with a justification each that names the variant, never the run. */
static int write_csv(const char *path, const SemioSignSet *cat, int variant)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t n = semio_signs_count(cat);
    fputs("file_name", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, ",%s", semio_signs_get(cat, i)->id);
    for (size_t i = 0; variant && i < n; i++)
        fprintf(f, ",justification_for_%s", semio_signs_get(cat, i)->id);
    fputc('\n', f);
    for (int v = 0; v < VIDEOS; v++) {
        char name[64];
        video_name(name, sizeof(name), v);
        fputs(name, f);
        for (size_t i = 0; i < n; i++) {
            static const char *const label[] = { "yes", "no", "" };
            fprintf(f, ",%s", variant ? ((v + (int)i + variant) % 2 ? "yes" : "no")
                                      : label[(v + (int)i) % 3]);
        }
        for (size_t i = 0; variant && i < n; i++)
            fprintf(f, ",variant %d saw %s in recording %d", variant, semio_signs_get(cat, i)->id,
                    v + 1);
        fputc('\n', f);
    }
    return fclose(f);
}

/* An error of the fixture's own, as the library words its own. */
static int fail(SemioError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(SemioError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return err->code = SEMIO_ERR_INVALID;
}

static int add_round(SemioStudy *s, const char *name, const char *runs, int items, int blinded,
                     int show_labels, uint64_t seed, SemioError *err)
{
    SemioRoundSettings set;
    semio_round_default_settings(&set);
    set.runs = runs;
    set.items = items;
    set.blinded = blinded;
    set.show_labels = show_labels;
    set.seed = seed;
    int count = 0;
    int r = semio_round_add(s, name, &set, &count, err);
    if (r == 0 && count != (items ? items : ALL_ITEMS))
        r = fail(err, "round %s has %d items", name, count);
    return r;
}

static int build_study(SemioError *err)
{
    char dir[1024], path[4096];
    snprintf(dir, sizeof(dir), "%s/rec", test_dir());
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return fail(err, "mkdir %s: %s", dir, strerror(errno));
    char paths[RECORDINGS][4096];
    const char *list[RECORDINGS];
    for (int v = 0; v < RECORDINGS; v++) {
        char name[64];
        video_name(name, sizeof(name), v);
        snprintf(paths[v], sizeof(paths[v]), "%s/%s", dir, name);
        if (make_recording(paths[v], 320 + 32 * v, 240) < 0)
            return fail(err, "cannot write %s", paths[v]);
        list[v] = paths[v];
    }
    SemioStudy *s = NULL;
    SemioSignSet *cat = NULL;
    SemioIngestReport irep;
    SemioLabelsReport lrep;
    SemioSegmentSettings seg;
    SemioSegmentReport srep;
    SemioSampleSettings smp;
    SemioSampleReport prep;
    SemioImportReport mrep;
    semio_segment_default_settings(&seg);
    seg.window = 4;
    seg.overlap = 1;
    semio_sample_default_settings(&smp);
    smp.frames = 4;
    int r = semio_signs_open(&cat, NULL, err);
    if (r == 0)
        r = semio_study_open(&s, F.db, SEMIO_STUDY_CREATE, err);
    if (r == 0)
        r = semio_ingest(s, list, RECORDINGS, NULL, &irep, err);
    snprintf(path, sizeof(path), "%s/labels.csv", test_dir());
    if (r == 0 && (r = write_csv(path, cat, 0)) == 0)
        r = semio_ingest_labels(s, path, NULL, &lrep, err);
    if (r == 0)
        r = semio_segment(s, &seg, &srep, err);
    if (r == 0)
        r = semio_sample(s, &smp, &prep, err);
    for (int run = 1; r == 0 && run <= 2; run++) {
        snprintf(path, sizeof(path), "%s/run%d.csv", test_dir(), run);
        if ((r = write_csv(path, cat, run)) == 0)
            r = semio_import_predictions(s, path, run == 1 ? "alpha" : "beta", 0, &mrep, err);
    }
    if (r == 0)
        r = add_round(s, "all", "alpha,beta", 0, 0, 1, 1, err);
    if (r == 0)
        r = add_round(s, "blind", "alpha,beta", BLIND_ITEMS, 1, 1, 7, err);
    if (r == 0)
        r = add_round(s, "hidden", "alpha", 4, 0, 0, 3, err);
    for (int i = 0; r == 0 && i < NRATERS; i++) {
        char *secret = NULL;
        if ((r = semio_rater_add(s, rater_names[i], &secret, err)) == 0)
            snprintf(F.key[i], sizeof(F.key[i]), "%s", secret);
        semio_free(secret);
    }
    semio_study_close(&s);
    semio_signs_close(&cat);
    return r;
}

/* Builds the study and starts the server, once; 0 when both are there. */
static int fixture(void)
{
    if (F.tried)
        return F.ok ? 0 : -1;
    F.tried = 1;
    F.db = test_path("study.db");
    SemioError err = { 0 };
    int r = build_study(&err);
    SemioServeSettings set;
    semio_serve_default_settings(&set);
    set.listen = "127.0.0.1:0";
    if (r == 0)
        r = semio_serve_start(&F.srv, F.db, &set, &err);
    if (r < 0) {
        printf("    the study or its server: %s\n", err.message);
        return -1;
    }
    snprintf(F.url, sizeof(F.url), "%s", semio_serve_url(F.srv));
    const char *colon = strrchr(F.url, ':');
    F.port = colon ? (unsigned)atoi(colon + 1) : 0;
    F.round_all = sql_int("SELECT id FROM rounds WHERE name = 'all'");
    F.round_blind = sql_int("SELECT id FROM rounds WHERE name = 'blind'");
    F.round_hidden = sql_int("SELECT id FROM rounds WHERE name = 'hidden'");
    F.video = sql_int("SELECT id FROM videos WHERE status = 'ok' ORDER BY id LIMIT 1");
    F.segment = sql_int("SELECT id FROM segments WHERE video_id = %lld ORDER BY ordinal LIMIT 1",
                        (long long)F.video);
    F.sampling = sql_int("SELECT sampling_id FROM frames WHERE segment_id = %lld LIMIT 1",
                         (long long)F.segment);
    F.ok = F.port > 0 && F.round_all > 0 && F.round_blind > 0 && F.round_hidden > 0 &&
           F.video > 0 && F.segment > 0 && F.sampling > 0;
    return F.ok ? 0 : -1;
}

#define FIXTURE()                                                                      \
    do {                                                                               \
        SKIP_UNLESS_BUILT("serve");                                                    \
        CHECK_MSG(fixture() == 0, "no study or server to test");                       \
    } while (0)

/* ---- sessions ------------------------------------------------------------------------------ */

typedef struct Session {
    char token[64], csrf[64];
} Session;

/* Logs rater `who` in on the server at base (NULL: the shared one): the cookie, then the
 * CSRF token from /api/me. 0 when both came. */
static int login_at(const char *base, int who, Session *s)
{
    char path[160], cookie[512];
    snprintf(path, sizeof(path), "/login?key=%s", F.key[who]);
    Resp r;
    Req q = { .base = base, .path = path };
    memset(s, 0, sizeof(*s));
    int ok = request(NULL, &q, &r) == 200 && header(&r, "Set-Cookie", cookie, sizeof(cookie)) &&
             sscanf(cookie, "semio_session=%63[^;]", s->token) == 1;
    resp_free(&r);
    Req me = { .base = base, .path = "/api/me", .token = s->token };
    if (ok && request(NULL, &me, &r) == 200) {
        json_object *o = json_of(&r);
        const char *csrf = jstr(o, "csrf");
        ok = csrf && snprintf(s->csrf, sizeof(s->csrf), "%s", csrf) == 43;
        json_object_put(o);
    } else {
        ok = 0;
    }
    resp_free(&r);
    return ok ? 0 : -1;
}

static int login(int who, Session *s)
{
    return login_at(NULL, who, s);
}

/* POSTs body to path as session s with its CSRF token and this server's Origin. */
static long post(const Session *s, const char *path, const char *body, Resp *r)
{
    Req q = { .path = path, .token = s->token, .csrf = s->csrf, .body = body };
    return request(NULL, &q, r);
}

static long get(const Session *s, const char *path, Resp *r)
{
    Req q = { .path = path, .token = s ? s->token : NULL };
    return request(NULL, &q, r);
}

/* ---- login and sessions -------------------------------------------------------------------- */

static void login_sets_a_strict_session_cookie(void)
{
    FIXTURE();
    long long before = sql_int("SELECT count(*) FROM rater_sessions");
    char path[160], cookie[512], type[128];
    snprintf(path, sizeof(path), "/login?key=%s", F.key[DR_A]);
    Resp r;
    Req q = { .path = path };
    CHECK_INT(request(NULL, &q, &r), 200);
    CHECK(header(&r, "Set-Cookie", cookie, sizeof(cookie)));
    CHECK(header(&r, "Content-Type", type, sizeof(type)) && !strncmp(type, "text/html", 9));
    CHECK(r.body && strstr(r.body, "/login.js")); /* the page that moves on to the app */
    resp_free(&r);
    char token[128] = "";
    CHECK_MSG(sscanf(cookie, "semio_session=%127[^;]", token) == 1 && strlen(token) == 43,
              "Set-Cookie: %s", cookie);
    CHECK_MSG(strstr(cookie, "; HttpOnly") && strstr(cookie, "; SameSite=Strict") &&
              strstr(cookie, "; Path=/"), "Set-Cookie: %s", cookie);
    CHECK_INT(sql_int("SELECT count(*) FROM rater_sessions"), before + 1);
    /* only the token's hash is stored */
    CHECK_INT(sql_int("SELECT count(*) FROM rater_sessions WHERE token_hash = '%s' OR csrf = "
                      "'%s'", token, token), 0);

    Session s = { 0 };
    snprintf(s.token, sizeof(s.token), "%s", token);
    CHECK_INT(get(&s, "/", &r), 200);
    CHECK(r.body && strstr(r.body, "app.js"));
    resp_free(&r);
    CHECK_INT(get(NULL, "/", &r), 401);
    resp_free(&r);
    CHECK_INT(get(NULL, "/app.js", &r), 200);
    CHECK(header(&r, "Content-Type", type, sizeof(type)) && strstr(type, "javascript"));
    resp_free(&r);
    CHECK_INT(get(NULL, "/app.css", &r), 200);
    resp_free(&r);
    CHECK_INT(get(NULL, "/login.js", &r), 200);
    resp_free(&r);

    CHECK_INT(get(&s, "/api/me", &r), 200);
    json_object *me = json_of(&r), *rounds;
    resp_free(&r);
    CHECK(me);
    int good = jstr(me, "name") && !strcmp(jstr(me, "name"), "DrA") && jstr(me, "csrf") &&
               strlen(jstr(me, "csrf")) == 43 && strcmp(jstr(me, "csrf"), token) &&
               json_object_object_get_ex(me, "rounds", &rounds) &&
               json_object_array_length(rounds) == 3;
    json_object_put(me);
    CHECK(good);
}

static void a_wrong_or_missing_key_opens_nothing(void)
{
    FIXTURE();
    long long before = sql_int("SELECT count(*) FROM rater_sessions");
    char wrong[64], path[256], cookie[512];
    snprintf(wrong, sizeof(wrong), "%s", F.key[DR_A]);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A'; /* one character off */
    const char *keys[] = { wrong, "", "short", "%00" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        snprintf(path, sizeof(path), "/login?key=%s", keys[i]);
        Resp r;
        Req q = { .path = path };
        CHECK_MSG(request(NULL, &q, &r) == 401, "%s: %ld", path, r.status);
        CHECK_MSG(!header(&r, "Set-Cookie", cookie, sizeof(cookie)), "%s set a cookie", path);
        resp_free(&r);
    }
    /* the right key with more after it */
    snprintf(path, sizeof(path), "/login?key=%s%%00", F.key[DR_A]);
    Resp r;
    Req q = { .path = path };
    CHECK_INT(request(NULL, &q, &r), 401);
    resp_free(&r);
    q.path = "/login";
    CHECK_INT(request(NULL, &q, &r), 401);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM rater_sessions"), before);
}

static void sessions_need_a_cookie_the_study_knows(void)
{
    FIXTURE();
    Resp r;
    CHECK_INT(get(NULL, "/api/me", &r), 401);
    CHECK(!strstr(r.body ? r.body : "", "csrf"));
    resp_free(&r);
    Session forged = { 0 };
    memset(forged.token, 'A', 43); /* the right length, no session */
    CHECK_INT(get(&forged, "/api/me", &r), 401);
    resp_free(&r);
    snprintf(forged.token, sizeof(forged.token), "x");
    CHECK_INT(get(&forged, "/api/me", &r), 401);
    resp_free(&r);
    /* a real session's token under another cookie name, and the secret itself as a token */
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char line[160];
    snprintf(line, sizeof(line), "Cookie: session=%s", a.token);
    Req q = { .path = "/api/me", .extra = line };
    CHECK_INT(request(NULL, &q, &r), 401);
    resp_free(&r);
    Session secret = { 0 };
    snprintf(secret.token, sizeof(secret.token), "%s", F.key[DR_A]);
    CHECK_INT(get(&secret, "/api/me", &r), 401);
    resp_free(&r);
    CHECK_INT(get(&a, "/api/me", &r), 200);
    resp_free(&r);
}

static void a_removed_rater_is_logged_out(void)
{
    FIXTURE();
    Session g;
    CHECK(login(DR_GONE, &g) == 0);
    Resp r;
    CHECK_INT(get(&g, "/api/me", &r), 200);
    resp_free(&r);
    SemioStudy *s = NULL;
    SemioError err = { 0 };
    CHECK_OK(semio_study_open(&s, F.db, SEMIO_STUDY_WRITE, &err), err);
    int rm = semio_rater_remove(s, "DrGone", &err);
    semio_study_close(&s);
    CHECK_MSG(rm == 0, "%s", err.message);
    CHECK_INT(get(&g, "/api/me", &r), 401);
    resp_free(&r);
    CHECK_INT(post(&g, "/api/rounds/1/position", "{\"index\": 0}", &r), 401);
    resp_free(&r);
    char path[160];
    snprintf(path, sizeof(path), "/login?key=%s", F.key[DR_GONE]);
    Req q = { .path = path };
    CHECK_INT(request(NULL, &q, &r), 401);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM rater_sessions WHERE rater_id = %lld",
                      (long long)rater_id(DR_GONE)), 0);
}

/* ---- what a POST must carry ---------------------------------------------------------------- */

static long long position_of(int who, int64_t round)
{
    return sql_int("SELECT position FROM round_progress WHERE rater_id = %lld AND round_id = "
                   "%lld", (long long)rater_id(who), (long long)round);
}

static void posts_need_the_csrf_token_and_this_origin(void)
{
    FIXTURE();
    Session a, b;
    CHECK(login(DR_A, &a) == 0);
    CHECK(login(DR_B, &b) == 0);
    char path[96], localhost[96];
    snprintf(path, sizeof(path), "/api/rounds/%lld/position", (long long)F.round_all);
    snprintf(localhost, sizeof(localhost), "http://localhost:%u", F.port);
    const char *body = "{\"index\": 7}";
    char wrong[64];
    snprintf(wrong, sizeof(wrong), "%s", a.csrf);
    wrong[42] = wrong[42] == 'A' ? 'B' : 'A';
    const struct {
        const char *what, *csrf, *origin;
        int no_origin;
    } refused[] = {
        { "no CSRF token", NULL, NULL, 0 },
        { "a wrong CSRF token", wrong, NULL, 0 },
        { "a CSRF token cut short", "abc", NULL, 0 },
        { "the other rater's CSRF token", b.csrf, NULL, 0 },
        { "a foreign Origin", a.csrf, "http://evil.example", 0 },
        { "Origin null", a.csrf, "null", 0 },
        { "this host on another port", a.csrf, "http://127.0.0.1:1", 0 },
        { "no Origin", a.csrf, NULL, 1 },
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        Resp r;
        Req q = { .path = path, .token = a.token, .csrf = refused[i].csrf,
                  .origin = refused[i].origin, .no_origin = refused[i].no_origin, .body = body };
        CHECK_MSG(request(NULL, &q, &r) == 403, "%s: %ld", refused[i].what, r.status);
        resp_free(&r);
    }
    CHECK_MSG(position_of(DR_A, F.round_all) != 7, "a refused POST was stored");
    Resp r;
    CHECK_INT(post(&a, path, body, &r), 200);
    resp_free(&r);
    CHECK_INT(position_of(DR_A, F.round_all), 7);
    Req q = { .path = path, .token = a.token, .csrf = a.csrf, .origin = localhost,
              .body = "{\"index\": 8}" };
    CHECK_INT(request(NULL, &q, &r), 200); /* loopback, as browsers name it */
    resp_free(&r);
    CHECK_INT(position_of(DR_A, F.round_all), 8);
    /* B's own token works for B, and B's position is B's */
    CHECK_INT(post(&b, path, "{\"index\": 2}", &r), 200);
    resp_free(&r);
    CHECK_INT(position_of(DR_B, F.round_all), 2);
    CHECK_INT(position_of(DR_A, F.round_all), 8);
    /* an index past the round */
    snprintf(wrong, sizeof(wrong), "{\"index\": %d}", ALL_ITEMS);
    CHECK_INT(post(&a, path, wrong, &r), 404);
    resp_free(&r);
}

static void bodies_are_json_objects_within_the_limit(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char rating[96], position[96];
    snprintf(rating, sizeof(rating), "/api/rounds/%lld/items/5/rating", (long long)F.round_all);
    snprintf(position, sizeof(position), "/api/rounds/%lld/position", (long long)F.round_all);
    int64_t ra = rater_id(DR_A);
    long long stored = sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra);
    Resp r;
    /* not JSON (json-c alone takes a trailing comma), not an object, or not what a rating
     * holds (a comment that is not UTF-8 among them) */
    const char *bad[] = {
        "score=20", "{\"index\": 1} junk", "{\"index\": 1}{}", "[1]", "\"index\"", "{", "null",
        "{\"index\": 1,}", "{\"index\": 1, }", "{\"index\": 1}\n\"x\"",
        "{\"score\": 30}", "{\"score\": \"20\"}", "{\"score\": 20.5}", "{\"comment\": 5}",
        "{\"score\": 20, \"comment\": \"\xff\xfe\"}", "{\"score\": NaN}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        CHECK_MSG(post(&a, i < 10 ? position : rating, bad[i], &r) == 400, "%s: %ld", bad[i],
                  r.status);
        resp_free(&r);
    }
    Req empty = { .method = "POST", .path = position, .token = a.token, .csrf = a.csrf };
    CHECK_INT(request(NULL, &empty, &r), 400);
    resp_free(&r);
    /* a comment past 4000 bytes; a body past 64 KiB, read to its end and refused */
    size_t n = 70 * 1024;
    char *big = malloc(n + 64);
    CHECK(big);
    int at = snprintf(big, n + 64, "{\"score\": 40, \"comment\": \"");
    memset(big + at, 'x', n);
    snprintf(big + at + n, 64, "\"}");
    big[at + 5000] = '\0';
    snprintf(big + at + 5000, 64, "\"}");
    long st5000 = post(&a, rating, big, &r);
    resp_free(&r);
    memset(big + at, 'x', n);
    snprintf(big + at + n, 64, "\"}");
    long st70k = post(&a, rating, big, &r);
    resp_free(&r);
    free(big);
    CHECK_INT(st5000, 400);
    CHECK_INT(st70k, 413);
    /* the same connection's server still answers, and nothing above was stored */
    CHECK_INT(get(&a, "/api/me", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra), stored);
    /* a GET has no body */
    Req g = { .method = "GET", .path = "/api/me", .token = a.token, .body = "{}" };
    CHECK_INT(request(NULL, &g, &r), 400);
    resp_free(&r);
}

static void other_methods_are_405_with_allow(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char rating[96], allow[128];
    snprintf(rating, sizeof(rating), "/api/rounds/%lld/items/0/rating", (long long)F.round_all);
    const struct {
        const char *method, *path;
    } cases[] = {
        { "PUT", "/api/me" }, { "DELETE", "/api/me" }, { "PATCH", rating },
        { "DELETE", rating }, { "OPTIONS", "/" }, { "TRACE", "/" }, { "GET", rating },
        { "POST", "/api/me" }, { "POST", "/api/recordings" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        Resp r;
        Req q = { .method = cases[i].method, .path = cases[i].path, .token = a.token,
                  .csrf = a.csrf, .body = !strcmp(cases[i].method, "POST") ? "{}" : NULL };
        CHECK_MSG(request(NULL, &q, &r) == 405, "%s %s: %ld", cases[i].method, cases[i].path,
                  r.status);
        CHECK_MSG(header(&r, "Allow", allow, sizeof(allow)), "%s %s: no Allow",
                  cases[i].method, cases[i].path);
        /* what Allow names is allowed there */
        int post_only = !strcmp(cases[i].path, rating);
        CHECK_MSG(strstr(allow, post_only ? "POST" : "GET"), "%s %s: Allow: %s",
                  cases[i].method, cases[i].path, allow);
        resp_free(&r);
    }
    Resp r;
    Req head = { .method = "HEAD", .path = "/api/me", .token = a.token };
    CHECK_INT(request(NULL, &head, &r), 200);
    CHECK_INT(r.size, 0);
    resp_free(&r);
}

/* ---- URLs ---------------------------------------------------------------------------------- */

static void long_urls_are_refused(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char *path = malloc(100 * 1024 + 1);
    CHECK(path);
    Resp r;
    long at_limit, over, query, huge;
    /* 2048 bytes is the longest URL taken */
    memcpy(path, "/api/", 5);
    memset(path + 5, 'a', 2048 - 5);
    path[2048] = '\0';
    at_limit = get(&a, path, &r);
    resp_free(&r);
    path[2048] = 'a';
    path[2049] = '\0';
    over = get(&a, path, &r);
    resp_free(&r);
    snprintf(path, 64, "/api/me?x=");
    memset(path + 10, 'a', 3000);
    path[3010] = '\0';
    query = get(&a, path, &r);
    resp_free(&r);
    memset(path + 5, 'a', 100 * 1024 - 5);
    path[100 * 1024] = '\0';
    huge = get(&a, path, &r);
    CURLcode rc = r.rc;
    resp_free(&r);
    free(path);
    CHECK_INT(at_limit, 404);
    CHECK_INT(over, 414);
    CHECK_MSG(query == 414, "a 3000-byte query: %ld", query);
    /* far past the server's buffer: refused by libmicrohttpd (414 or the connection shut) */
    CHECK_MSG(huge == 414 || huge == 431 || (huge == 0 && rc != CURLE_OK),
              "a 100 KB URL: %ld (%s)", huge, curl_easy_strerror(rc));
    /* a huge header, too */
    char *cookie = malloc(40 * 1024);
    CHECK(cookie);
    snprintf(cookie, 16, "Cookie: x=");
    memset(cookie + 10, 'c', 40 * 1024 - 11);
    cookie[40 * 1024 - 1] = '\0';
    Req q = { .path = "/api/me", .extra = cookie };
    long big_header = request(NULL, &q, &r);
    rc = r.rc;
    resp_free(&r);
    free(cookie);
    CHECK_MSG(big_header == 431 || big_header == 413 || big_header == 400 ||
              (big_header == 0 && rc != CURLE_OK), "a 40 KB header: %ld", big_header);
    CHECK_INT(get(&a, "/api/me", &r), 200); /* and the server is still there */
    resp_free(&r);
}

/* Whether r's body is one of the server's own error objects (not a file's bytes). */
static int error_answer(const Resp *r)
{
    json_object *o = json_of(r);
    int yes = o && jstr(o, "error");
    json_object_put(o);
    return yes;
}

static void paths_never_name_files(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char frame[128];
    snprintf(frame, sizeof(frame), "/media/frames/%lld/%lld/0.jpg", (long long)F.segment,
             (long long)F.sampling);
    char p[64][256];
    int n = 0;
    const char *fixed[] = {
        "/../../../../etc/passwd", "/media/../../../../etc/passwd",
        "/media/frames/../../study.db", "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/%2E%2E/study.db", "/%2e%2e/study.db", "/media/frames/%2e%2e%2fstudy.db",
        "/media/clip/1.mp4%00", "/media/clip/%00", "/api/me%00", "/app.js%00.txt",
        "//etc/passwd", "/media//clip/1.mp4", "/app.js/..", "/app.js/../study.db",
        "/./app.js", "/media/./clip/1.mp4", "/media/clip/1.mp4/.", "/media\\..\\study.db",
        "/media/clip/..\\..\\study.db", "/media/clip/1.mp4/../../study.db",
        "/media/recording/..%2f..%2fstudy.db", "/media/frames/1/1/-1.jpg",
        "/media/frames/1/1/99999999999999999999.jpg", "/study.db", "/etc/passwd",
        "/media/clip/1.mp4?../../study.db", "/api/rounds/1/items/0/../../../../study.db",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        snprintf(p[n++], sizeof(p[0]), "%s", fixed[i]);
    snprintf(p[n++], sizeof(p[0]), "%s/../0.jpg", frame);
    snprintf(p[n++], sizeof(p[0]), "%s%%00", frame);
    snprintf(p[n++], sizeof(p[0]), "%s/", frame);
    for (int i = 0; i < n; i++) {
        Resp r;
        long st = get(&a, p[i], &r);
        /* "/media/clip/1.mp4?.." is clip 1 with a query: the clip, never the study */
        int clip = strchr(p[i], '?') && st == 200 && r.size > 8 && !memcmp(r.body + 4, "ftyp", 4);
        CHECK_MSG(clip || ((st == 400 || st == 404) && error_answer(&r)), "%s: %ld %.40s", p[i],
                  st, r.body ? r.body : "");
        CHECK_MSG(!r.body || (!strstr(r.body, "SQLite format 3") && !strstr(r.body, "root:")),
                  "%s: a file's content", p[i]);
        resp_free(&r);
    }
    /* What libcurl would not send: a literal NUL, a tab, a bare backslash and DEL in the
     * request line. libmicrohttpd ends the request target at a NUL, so the server sees only
     * what comes before it: "/api/me" here, whose answer is allowed, never the rest's. */
    static const struct {
        char target[48];
        size_t len;
        int prefix_ok; /* the answer may be /api/me's */
    } raw[] = {
#define RAW(target, prefix_ok) { target, sizeof(target) - 1, prefix_ok }
        RAW("/api/me\0/../../study.db", 1),
        RAW("/api/me\t", 1),
        RAW("\\..\\study.db", 0),
        RAW("/media/frames/1/1/0.jpg\x7f", 0),
#undef RAW
    };
    char req[512], answer[16384];
    for (size_t i = 0; i < sizeof(raw) / sizeof(*raw); i++) {
        int len = snprintf(req, sizeof(req), "GET ");
        memcpy(req + len, raw[i].target, raw[i].len);
        len += (int)raw[i].len;
        len += snprintf(req + len, sizeof(req) - (size_t)len, " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Cookie: semio_session=%s\r\nConnection: close\r\n\r\n", a.token);
        int st = raw_request(req, (size_t)len, answer, sizeof(answer));
        int prefix = raw[i].prefix_ok && st == 200 && strstr(answer, "\"csrf\"");
        CHECK_MSG(prefix || st == 0 || st == 400 || st == 404, "raw request %zu: %d %.200s", i,
                  st, answer);
        CHECK_MSG(!strstr(answer, "SQLite format 3") && !strstr(answer, "ftyp"),
                  "raw request %zu: a file's content", i);
    }
    Resp r;
    CHECK_INT(get(&a, frame, &r), 200); /* the frame itself, by its numbers */
    resp_free(&r);
}

/* ---- media --------------------------------------------------------------------------------- */

/* Checks the headers every answer carries. */
static int secure_headers(const Resp *r, char *why, size_t size)
{
    char v[512];
    if (!header(r, "Content-Security-Policy", v, sizeof(v)) || !strstr(v, "default-src 'none'"))
        return snprintf(why, size, "Content-Security-Policy: %s", v), 0;
    if (!header(r, "X-Content-Type-Options", v, sizeof(v)) || strcmp(v, "nosniff"))
        return snprintf(why, size, "no nosniff"), 0;
    if (!header(r, "X-Frame-Options", v, sizeof(v)) || strcmp(v, "DENY"))
        return snprintf(why, size, "no X-Frame-Options: DENY"), 0;
    if (!header(r, "Referrer-Policy", v, sizeof(v)) || strcmp(v, "no-referrer"))
        return snprintf(why, size, "no Referrer-Policy (the login link's secret)"), 0;
    return 1;
}

static void every_answer_carries_security_headers(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char path[160], why[600], cc[128];
    snprintf(path, sizeof(path), "/media/frames/%lld/%lld/0.jpg", (long long)F.segment,
             (long long)F.sampling);
    const struct {
        const Session *s;
        const char *path;
        long status;
    } cases[] = {
        { NULL, "/app.js", 200 }, { &a, "/", 200 }, { NULL, "/", 401 }, { &a, "/api/me", 200 },
        { NULL, "/api/me", 401 }, { &a, "/api/nothing", 404 }, { &a, path, 200 },
        { NULL, "/login?key=x", 401 }, { &a, "/%2e", 400 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        Resp r;
        CHECK_MSG(get(cases[i].s, cases[i].path, &r) == cases[i].status, "%s: %ld",
                  cases[i].path, r.status);
        CHECK_MSG(secure_headers(&r, why, sizeof(why)), "%s: %s", cases[i].path, why);
        if (!strncmp(cases[i].path, "/api/", 5))
            CHECK_MSG(header(&r, "Cache-Control", cc, sizeof(cc)) && !strcmp(cc, "no-store"),
                      "%s: the API's answers are not kept", cases[i].path);
        resp_free(&r);
    }
    snprintf(path, sizeof(path), "/login?key=%s", F.key[DR_A]);
    Resp r;
    Req q = { .path = path };
    CHECK_INT(request(NULL, &q, &r), 200);
    CHECK_MSG(secure_headers(&r, why, sizeof(why)), "login: %s", why);
    CHECK(header(&r, "Cache-Control", cc, sizeof(cc)) && !strcmp(cc, "no-store"));
    resp_free(&r);
}

static void frames_are_the_sampled_jpegs(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char path[160], type[64], file[64];
    for (int ord = 0; ord < 4; ord++) {
        snprintf(path, sizeof(path), "/media/frames/%lld/%lld/%d.jpg", (long long)F.segment,
                 (long long)F.sampling, ord);
        Resp r;
        CHECK_INT(get(&a, path, &r), 200);
        CHECK(header(&r, "Content-Type", type, sizeof(type)) && !strcmp(type, "image/jpeg"));
        CHECK_MSG(r.size > 4 && !memcmp(r.body, "\xff\xd8\xff", 3) &&
                  !memcmp(r.body + r.size - 2, "\xff\xd9", 2), "%s is not a JPEG", path);
        /* the picture is the frame the study says: its drawn index */
        snprintf(file, sizeof(file), "frame%d.jpg", ord);
        FILE *f = fopen(test_path(file), "wb");
        CHECK(f && fwrite(r.body, 1, r.size, f) == r.size && fclose(f) == 0);
        resp_free(&r);
        SemioImage img = { 0 };
        SemioError err = { 0 };
        CHECK_OK(semio_jpeg_read(test_path(file), &img, &err), err);
        int64_t drawn = testvideo_read(img.data, img.width, img.height, img.stride);
        semio_image_free(&img);
        CHECK_INT(drawn, sql_int("SELECT frame_index FROM frames WHERE segment_id = %lld AND "
                                 "sampling_id = %lld AND ordinal = %d", (long long)F.segment,
                                 (long long)F.sampling, ord));
    }
    char missing[5][128];
    snprintf(missing[0], sizeof(missing[0]), "/media/frames/%lld/%lld/4.jpg",
             (long long)F.segment, (long long)F.sampling);
    snprintf(missing[1], sizeof(missing[1]), "/media/frames/%lld/999/0.jpg", (long long)F.segment);
    snprintf(missing[2], sizeof(missing[2]), "/media/view/1/%lld/0.jpg", (long long)F.segment);
    snprintf(missing[3], sizeof(missing[3]), "/media/clip/99999.mp4");
    snprintf(missing[4], sizeof(missing[4]), "/media/recording/99999.mp4");
    for (size_t i = 0; i < 5; i++) {
        Resp r;
        CHECK_MSG(get(&a, missing[i], &r) == 404, "%s: %ld", missing[i], r.status);
        resp_free(&r);
    }
    Resp r;
    CHECK_INT(get(NULL, "/media/frames/1/1/0.jpg", &r), 401); /* media need a session too */
    resp_free(&r);
}

static void clips_are_mp4_and_served_in_ranges(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    char path[96], v[256], want[256], type[64];
    snprintf(path, sizeof(path), "/media/clip/%lld.mp4", (long long)F.segment);
    Resp full;
    CHECK_INT(get(&a, path, &full), 200);
    size_t n = full.size;
    int mp4 = n > 64 && !memcmp(full.body + 4, "ftyp", 4);
    int typed = header(&full, "Content-Type", type, sizeof(type)) && !strcmp(type, "video/mp4");
    int ranges = header(&full, "Accept-Ranges", v, sizeof(v)) && !strcmp(v, "bytes");
    char why[600];
    int secure = secure_headers(&full, why, sizeof(why));
    if (!mp4 || !typed || !ranges || !secure)
        resp_free(&full);
    CHECK_MSG(mp4, "the clip is not an MP4");
    CHECK(typed && ranges);
    CHECK_MSG(secure, "%s", why);

    struct {
        char range[64];
        size_t from, len; /* len 0: the whole file, 200 */
    } parts[] = {
        { "bytes=100-199", 100, 100 },
        { "bytes=0-0", 0, 1 },
        { "", n - 10, 10 },        /* from n - 10 to the end */
        { "bytes=-25", n - 25, 25 },
        { "", 0, n },              /* the last n + 1000 bytes: all n of them */
        { "", 0, n },              /* an end past the file's */
        { "bytes=0-1,5-9", 0, 0 }, /* two ranges: the whole file */
        { "bytes=20-10", 0, 0 },   /* not a range: ignored */
        { "items=0-5", 0, 0 },
    };
    snprintf(parts[2].range, sizeof(parts[2].range), "bytes=%zu-", n - 10);
    snprintf(parts[4].range, sizeof(parts[4].range), "bytes=-%zu", n + 1000);
    snprintf(parts[5].range, sizeof(parts[5].range), "bytes=0-%zu", n + 1000);
    for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
        const char *range = parts[i].range;
        Resp r;
        Req q = { .path = path, .token = a.token, .range = range };
        long st = request(NULL, &q, &r);
        int whole = parts[i].len == 0;
        size_t from = parts[i].from, len = whole ? n : parts[i].len;
        snprintf(want, sizeof(want), "bytes %zu-%zu/%zu", from, from + len - 1, n);
        int good = st == (whole ? 200 : 206) && r.size == len &&
                   !memcmp(r.body, full.body + from, len) &&
                   (whole ? !header(&r, "Content-Range", v, sizeof(v))
                          : header(&r, "Content-Range", v, sizeof(v)) && !strcmp(v, want));
        if (!good)
            printf("    %s: %ld, %zu bytes, Content-Range %s (want %s)\n", range, st, r.size,
                   header(&r, "Content-Range", v, sizeof(v)) ? v : "none", whole ? "none" : want);
        resp_free(&r);
        if (!good)
            resp_free(&full);
        CHECK_MSG(good, "Range: %s", range);
    }
    resp_free(&full);
    snprintf(want, sizeof(want), "bytes */%zu", n);
    char unsatisfiable[3][64];
    snprintf(unsatisfiable[0], sizeof(unsatisfiable[0]), "bytes=%zu-", n);
    snprintf(unsatisfiable[1], sizeof(unsatisfiable[1]), "bytes=%zu-%zu", n, n + 5);
    snprintf(unsatisfiable[2], sizeof(unsatisfiable[2]), "bytes=-0");
    for (size_t i = 0; i < 3; i++) {
        const char *range = unsatisfiable[i];
        Resp r;
        Req q = { .path = path, .token = a.token, .range = range };
        CHECK_MSG(request(NULL, &q, &r) == 416, "Range: %s: %ld", range, r.status);
        CHECK_MSG(header(&r, "Content-Range", v, sizeof(v)) && !strcmp(v, want),
                  "Range: %s: Content-Range %s", range, v);
        resp_free(&r);
    }
    Resp r;
    Req head = { .method = "HEAD", .path = path, .token = a.token };
    CHECK_INT(request(NULL, &head, &r), 200);
    CHECK_INT(r.size, 0);
    snprintf(want, sizeof(want), "%zu", n);
    CHECK(header(&r, "Content-Length", v, sizeof(v)) && !strcmp(v, want));
    resp_free(&r);
    head.range = "bytes=10-19";
    CHECK_INT(request(NULL, &head, &r), 206);
    CHECK(header(&r, "Content-Length", v, sizeof(v)) && !strcmp(v, "10"));
    resp_free(&r);
    /* a whole recording, for labeling */
    snprintf(path, sizeof(path), "/media/recording/%lld.mp4", (long long)F.video);
    CHECK_INT(get(&a, path, &r), 200);
    CHECK(r.size > 64 && !memcmp(r.body + 4, "ftyp", 4));
    resp_free(&r);
}

/* ---- items and ratings --------------------------------------------------------------------- */

/* Item `index` of round `round` as rater s sees it (NULL when not 200). */
static json_object *item_of(const Session *s, int64_t round, int index, long *status)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/rounds/%lld/items/%d", (long long)round, index);
    Resp r;
    *status = get(s, path, &r);
    json_object *o = *status == 200 ? json_of(&r) : NULL;
    resp_free(&r);
    return o;
}

/* What identifies an answer to a rater: recording, sign, answer and justification. */
static void item_key(json_object *o, char *out, size_t size)
{
    snprintf(out, size, "%s|%s|%s|%s", jstr(o, "file_name"), jstr(o, "sign"), jstr(o, "answer"),
             jstr(o, "justification"));
}

static int by_text(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The keys of a blinded round's items in rater s's order; codes[v] is the model code s
 * saw for variant v + 1 (0 when it changed between items). */
static int blind_items(const Session *s, char keys[][160], char codes[2], char *why, size_t size)
{
    codes[0] = codes[1] = '?';
    for (int i = 0; i < BLIND_ITEMS; i++) {
        long st;
        json_object *o = item_of(s, F.round_blind, i, &st);
        const char *model = jstr(o, "model"), *just = jstr(o, "justification");
        const char *text = json_object_to_json_string(o);
        int variant = just && !strncmp(just, "variant ", 8) ? just[8] - '1' : -1;
        int ok = st == 200 && model && strlen(model) == 7 && !strncmp(model, "model ", 6) &&
                 (model[6] == 'A' || model[6] == 'B') && (variant == 0 || variant == 1) &&
                 !strstr(text, "alpha") && !strstr(text, "beta");
        if (!ok) {
            snprintf(why, size, "item %d: %ld %.300s", i, st, o ? text : "");
            json_object_put(o);
            return -1;
        }
        if (codes[variant] == '?')
            codes[variant] = model[6];
        else if (codes[variant] != model[6])
            codes[variant] = 0;
        item_key(o, keys[i], 160);
        json_object_put(o);
    }
    return 0;
}

static void blinded_items_in_each_raters_own_order(void)
{
    FIXTURE();
    Session a, b;
    CHECK(login(DR_A, &a) == 0);
    CHECK(login(DR_B, &b) == 0);
    /* zeroed: the keys are compared whole, bytes past their ends included */
    char ka[BLIND_ITEMS][160] = { 0 }, kb[BLIND_ITEMS][160] = { 0 },
         again[BLIND_ITEMS][160] = { 0 }, why[512];
    char ca[2], cb[2], cagain[2];
    CHECK_MSG(blind_items(&a, ka, ca, why, sizeof(why)) == 0, "DrA: %s", why);
    CHECK_MSG(blind_items(&b, kb, cb, why, sizeof(why)) == 0, "DrB: %s", why);
    CHECK_MSG(blind_items(&a, again, cagain, why, sizeof(why)) == 0, "DrA again: %s", why);
    /* one code per run for a rater, the two runs apart, the same each time */
    CHECK(ca[0] && ca[1] && ca[0] != '?' && ca[1] != '?' && ca[0] != ca[1]);
    CHECK(cb[0] && cb[1] && cb[0] != cb[1]);
    CHECK(!memcmp(ca, cagain, 2));
    CHECK_MSG(!memcmp(ka, again, sizeof(ka)), "DrA's order changed between two readings");
    CHECK_MSG(memcmp(ka, kb, sizeof(ka)), "DrA and DrB see the items in one order");
    qsort(ka, BLIND_ITEMS, sizeof(ka[0]), by_text);
    qsort(kb, BLIND_ITEMS, sizeof(kb[0]), by_text);
    CHECK_MSG(!memcmp(ka, kb, sizeof(ka)), "DrA and DrB see different items");
    for (int i = 1; i < BLIND_ITEMS; i++)
        CHECK_MSG(strcmp(ka[i - 1], ka[i]), "an item is shown twice");
    long st;
    json_object *o = item_of(&a, F.round_blind, BLIND_ITEMS, &st);
    json_object_put(o);
    CHECK_INT(st, 404);
    o = item_of(&a, 99999, 0, &st);
    json_object_put(o);
    CHECK_INT(st, 404);
    o = item_of(NULL, F.round_blind, 0, &st);
    json_object_put(o);
    CHECK_INT(st, 401);
}

static void labels_shown_unless_hidden_and_runs_named_unless_blinded(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    long st;
    json_object *v;
    for (int i = 0; i < 8; i++) {
        json_object *o = item_of(&a, F.round_all, i * 37, &st);
        const char *model = jstr(o, "model"), *label = jstr(o, "label");
        int ok = st == 200 && model && (!strcmp(model, "alpha") || !strcmp(model, "beta")) &&
                 label && (!strcmp(label, "yes") || !strcmp(label, "no") ||
                           !strcmp(label, "unknown")) &&
                 json_object_object_get_ex(o, "count", &v) &&
                 json_object_get_int(v) == ALL_ITEMS && jstr(o, "clip");
        json_object_put(o);
        CHECK_MSG(ok, "round all, item %d", i * 37);
    }
    for (int i = 0; i < 4; i++) {
        json_object *o = item_of(&a, F.round_hidden, i, &st);
        int ok = st == 200 && !json_object_object_get_ex(o, "label", &v) && jstr(o, "model") &&
                 !strcmp(jstr(o, "model"), "alpha");
        json_object_put(o);
        CHECK_MSG(ok, "round hidden, item %d shows its label", i);
    }
}

/* The rating json of item `index` for rater s (a new reference; NULL for none). */
static json_object *rating_of(const Session *s, int64_t round, int index)
{
    long st;
    json_object *o = item_of(s, round, index, &st), *r = NULL;
    if (o && json_object_object_get_ex(o, "rating", &r))
        json_object_get(r);
    json_object_put(o);
    return r;
}

static void ratings_are_stored_and_undone(void)
{
    FIXTURE();
    Session a;
    CHECK(login(DR_A, &a) == 0);
    int64_t ra = rater_id(DR_A);
    char path[96];
    snprintf(path, sizeof(path), "/api/rounds/%lld/items/3/rating", (long long)F.round_blind);
    long long before = sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra);
    Resp r;
    CHECK_INT(post(&a, path, "{\"score\": 60, \"comment\": \"names the arm\", "
                             "\"label_wrong\": true}", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld AND score = 60 AND "
                      "comment = 'names the arm' AND label_wrong = 1 AND video_unusable = 0 AND "
                      "rated_at IS NOT NULL", (long long)ra), 1);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra),
              before + 1);
    CHECK_INT(position_of(DR_A, F.round_blind), 3);
    json_object *rt = rating_of(&a, F.round_blind, 3), *v;
    int shown = rt && json_object_object_get_ex(rt, "score", &v) && json_object_get_int(v) == 60 &&
                jstr(rt, "comment") && !strcmp(jstr(rt, "comment"), "names the arm");
    json_object_put(rt);
    CHECK_MSG(shown, "the item does not show its rating");
    /* changed: replaced, not added */
    CHECK_INT(post(&a, path, "{\"score\": 100}", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra),
              before + 1);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld AND score = 100 AND "
                      "comment IS NULL AND label_wrong = 0", (long long)ra), 1);
    /* undo */
    CHECK_INT(post(&a, path, "{\"clear\": true}", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra), before);
    rt = rating_of(&a, F.round_blind, 3);
    CHECK_MSG(!rt, "the item still shows a rating after undo");
    /* a flag without a score */
    CHECK_INT(post(&a, path, "{\"video_unusable\": true}", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld AND score IS NULL AND "
                      "video_unusable = 1", (long long)ra), 1);
    CHECK_INT(post(&a, path, "{\"clear\": true}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/rounds/%lld/items/%d/rating", (long long)F.round_blind,
             BLIND_ITEMS);
    CHECK_INT(post(&a, path, "{\"score\": 20}", &r), 404);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)ra), before);
}

static void labels_and_marks_are_the_raters_own(void)
{
    FIXTURE();
    Session a, b;
    CHECK(login(DR_A, &a) == 0);
    CHECK(login(DR_B, &b) == 0);
    int64_t ra = rater_id(DR_A);
    Resp r;
    CHECK_INT(get(&a, "/api/recordings", &r), 200);
    json_object *o = json_of(&r), *list, *v;
    resp_free(&r);
    int listed = json_object_object_get_ex(o, "recordings", &list) &&
                 json_object_array_length(list) == RECORDINGS; /* not the label-only rows */
    json_object_put(o);
    CHECK(listed);
    char path[96], mark[96];
    snprintf(path, sizeof(path), "/api/recordings/%lld/label", (long long)F.video);
    snprintf(mark, sizeof(mark), "/api/recordings/%lld/mark", (long long)F.video);
    const struct {
        const char *body;
        long long stored; /* -2: NULL */
    } values[] = { { "{\"sign\": \"tonic\", \"value\": \"yes\"}", 1 },
                   { "{\"sign\": \"tonic\", \"value\": \"no\"}", 0 },
                   { "{\"sign\": \"tonic\", \"value\": \"unknown\"}", -2 },
                   { "{\"sign\": \"clonic\", \"value\": \"yes\"}", 1 } };
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        CHECK_MSG(post(&a, path, values[i].body, &r) == 200, "%s: %ld", values[i].body, r.status);
        resp_free(&r);
        long long got = sql_int("SELECT ifnull(value, -2) FROM rater_labels WHERE rater_id = "
                                "%lld AND video_id = %lld AND sign = '%s'", (long long)ra,
                                (long long)F.video, i == 3 ? "clonic" : "tonic");
        CHECK_MSG(got == values[i].stored, "%s: stored %lld", values[i].body, got);
    }
    const char *bad[] = { "{\"sign\": \"tonic\", \"value\": \"maybe\"}",
                          "{\"sign\": \"nope\", \"value\": \"yes\"}",
                          "{\"sign\": \"tonic\", \"value\": 1}", "{\"value\": \"yes\"}",
                          "{\"sign\": \"tonic\", \"value\": \"YES\"}" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        CHECK_MSG(post(&a, path, bad[i], &r) == 400, "%s: %ld", bad[i], r.status);
        resp_free(&r);
    }
    CHECK_INT(sql_int("SELECT count(*) FROM rater_labels WHERE rater_id = %lld", (long long)ra), 2);
    CHECK_INT(sql_int("SELECT count(*) FROM rater_labels WHERE rater_id = %lld",
                      (long long)rater_id(DR_B)), 0);
    int64_t label_only = sql_int("SELECT id FROM videos WHERE status = 'no_file' LIMIT 1");
    CHECK(label_only > 0);
    char missing[3][96];
    snprintf(missing[0], sizeof(missing[0]), "/api/recordings/99999/label");
    snprintf(missing[1], sizeof(missing[1]), "/api/recordings/%lld/label", (long long)label_only);
    snprintf(missing[2], sizeof(missing[2]), "/api/recordings/99999/mark");
    for (size_t i = 0; i < 3; i++) {
        CHECK_MSG(post(&a, missing[i], i == 2 ? "{\"onset\": 1}" : values[0].body, &r) == 404,
                  "%s: %ld", missing[i], r.status);
        resp_free(&r);
    }
    CHECK_INT(get(&a, "/api/recordings/99999", &r), 404);
    resp_free(&r);

    CHECK_INT(post(&a, mark, "{\"onset\": 1.5, \"end\": 4, \"comment\": \"arm first\"}", &r), 200);
    resp_free(&r);
    CHECK_INT(sql_int("SELECT count(*) FROM rater_marks WHERE rater_id = %lld AND video_id = %lld "
                      "AND onset_s = 1.5 AND end_s = 4 AND comment = 'arm first'", (long long)ra,
                      (long long)F.video), 1);
    const char *bad_marks[] = { "{\"onset\": 5, \"end\": 2}", "{\"onset\": -1}",
                                "{\"onset\": \"1\"}", "{\"end\": 1e300}", "{\"comment\": 3}" };
    for (size_t i = 0; i < sizeof(bad_marks) / sizeof(*bad_marks); i++) {
        CHECK_MSG(post(&a, mark, bad_marks[i], &r) == 400, "%s: %ld", bad_marks[i], r.status);
        resp_free(&r);
    }
    /* what the rater sees of the recording: their labels and marks, not the other's */
    snprintf(path, sizeof(path), "/api/recordings/%lld", (long long)F.video);
    CHECK_INT(get(&a, path, &r), 200);
    o = json_of(&r);
    resp_free(&r);
    json_object *signs;
    const char *clonic = NULL;
    int n = json_object_object_get_ex(o, "signs", &signs) ? (int)json_object_array_length(signs)
                                                          : 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(jstr(json_object_array_get_idx(signs, i), "id"), "clonic"))
            clonic = jstr(json_object_array_get_idx(signs, i), "value");
    int shown = n == 20 && clonic && !strcmp(clonic, "yes") &&
                json_object_object_get_ex(o, "onset", &v) && json_object_get_double(v) == 1.5;
    json_object_put(o);
    CHECK(shown);
    CHECK_INT(get(&b, path, &r), 200);
    o = json_of(&r);
    resp_free(&r);
    int apart = o && json_object_object_get_ex(o, "onset", &v) && !v;
    json_object_put(o);
    CHECK_MSG(apart, "DrB sees DrA's marks");
}

/* ---- two raters at once -------------------------------------------------------------------- */

typedef struct Storm {
    const char *base;
    Session s;
    int64_t round;
    int first, step, count; /* items first, first + step, ... */
    const char *tag;        /* the comments say "TAG INDEX" */
    atomic_int acked, failed5xx, other;
    unsigned char acked_item[ALL_ITEMS];
    char first_error[256];
} Storm;

static void *storm_run(void *arg)
{
    Storm *w = arg;
    CURL *h = curl_easy_init();
    for (int k = 0; h && k < w->count; k++) {
        int i = w->first + k * w->step;
        char path[96], body[160];
        snprintf(path, sizeof(path), "/api/rounds/%lld/items/%d/rating", (long long)w->round, i);
        snprintf(body, sizeof(body), "{\"score\": %d, \"comment\": \"%s %d\"}", i % 6 * 20,
                 w->tag, i);
        Resp r;
        Req q = { .base = w->base, .path = path, .token = w->s.token, .csrf = w->s.csrf,
                  .body = body };
        long st = request(h, &q, &r);
        if (st == 200) {
            w->acked_item[i] = 1;
            atomic_fetch_add(&w->acked, 1);
        } else {
            if (st >= 500)
                atomic_fetch_add(&w->failed5xx, 1);
            else
                atomic_fetch_add(&w->other, 1);
            if (!w->first_error[0])
                snprintf(w->first_error, sizeof(w->first_error), "item %d: %ld %s %.120s", i, st,
                         curl_easy_strerror(r.rc), r.body ? r.body : "");
        }
        resp_free(&r);
        if (st == 0)
            break; /* the server is gone */
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Whether rater `who`'s ratings are whole: a valid score, a time, a comment "TAG I" on item
 * I of their order, and every acknowledged one there. Checked through the server (base). */
static int ratings_whole(int who, const Storm *w, const Session *s, const char *base, char *why,
                         size_t size)
{
    int64_t id = rater_id(who);
    long long broken = sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld AND (score "
                               "IS NULL OR score NOT IN (0, 20, 40, 60, 80, 100) OR rated_at IS "
                               "NULL OR rated_at = '' OR comment NOT LIKE '%s %%' OR score <> "
                               "CAST(substr(comment, %zu) AS INTEGER) %% 6 * 20)", (long long)id,
                               w->tag, strlen(w->tag) + 2);
    if (broken != 0)
        return snprintf(why, size, "%s: %lld ratings not whole", rater_names[who], broken), -1;
    for (int i = 0; i < ALL_ITEMS; i++) {
        if (!w->acked_item[i])
            continue;
        char path[96], want[64];
        snprintf(path, sizeof(path), "/api/rounds/%lld/items/%d", (long long)w->round, i);
        snprintf(want, sizeof(want), "%s %d", w->tag, i);
        Resp r;
        Req q = { .base = base, .path = path, .token = s->token };
        long st = request(NULL, &q, &r);
        json_object *o = st == 200 ? json_of(&r) : NULL, *rt;
        resp_free(&r);
        const char *comment = o && json_object_object_get_ex(o, "rating", &rt) ? jstr(rt, "comment")
                                                                               : NULL;
        int same = comment && !strcmp(comment, want);
        json_object_put(o);
        if (!same)
            return snprintf(why, size, "%s: item %d was acknowledged but shows %s",
                            rater_names[who], i, comment ? comment : "no rating"), -1;
    }
    return 0;
}

static int integrity_ok(char *why, size_t size)
{
    char text[256];
    if (sql_text("PRAGMA integrity_check", text, sizeof(text)) < 0 || strcmp(text, "ok"))
        return snprintf(why, size, "integrity_check: %s", text), 0;
    if (sql_text("PRAGMA foreign_key_check", text, sizeof(text)) < 0 || text[0])
        return snprintf(why, size, "foreign_key_check: %s", text), 0;
    return 1;
}

static void two_raters_rating_at_once(void)
{
    FIXTURE();
    static Storm w[2]; /* acked_item is large */
    memset(w, 0, sizeof(w));
    pthread_t t[2];
    for (int k = 0; k < 2; k++) {
        CHECK(login(k ? STORM_B : STORM_A, &w[k].s) == 0);
        w[k].round = F.round_all;
        w[k].first = 0;
        w[k].step = 1;
        w[k].count = STORM;
        w[k].tag = k ? "storm B" : "storm A";
    }
    for (int k = 0; k < 2; k++)
        CHECK(pthread_create(&t[k], NULL, storm_run, &w[k]) == 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    for (int k = 0; k < 2; k++) {
        CHECK_MSG(w[k].acked == STORM && w[k].failed5xx == 0 && w[k].other == 0,
                  "%s: %d stored, %d 5xx, %d other; first: %s", w[k].tag, (int)w[k].acked,
                  (int)w[k].failed5xx, (int)w[k].other, w[k].first_error);
        int who = k ? STORM_B : STORM_A;
        int64_t id = rater_id(who);
        CHECK_INT(sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld", (long long)id),
                  STORM);
        CHECK_INT(sql_int("SELECT count(DISTINCT comment) FROM ratings WHERE rater_id = %lld",
                          (long long)id), STORM);
        char why[512];
        CHECK_MSG(ratings_whole(who, &w[k], &w[k].s, NULL, why, sizeof(why)) == 0, "%s", why);
    }
    char why[512];
    CHECK_MSG(integrity_ok(why, sizeof(why)), "%s", why);
}

/* ---- kill -9 in the middle of ratings ------------------------------------------------------ */

/* build/tests/test_serve -> build/tools/semio */
static int semio_program(char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(out, size, "%s/../tools/semio", self);
    return access(out, X_OK);
}

/* Starts `semio serve` on port 0; *pid and its URL, read from its first line. */
static int serve_child(const char *semio, pid_t *pid, char *url, size_t size)
{
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    char *argv[] = { (char *)semio, "serve", "--study", (char *)F.db, "--listen",
                     "127.0.0.1:0", NULL };
    int r = posix_spawn(pid, semio, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (r != 0) {
        close(fd[0]);
        return -1;
    }
    char line[1024] = "";
    size_t got = 0;
    struct pollfd p = { .fd = fd[0], .events = POLLIN };
    while (got < sizeof(line) - 1 && !strchr(line, '\n') && poll(&p, 1, 60000) > 0) {
        ssize_t n = read(fd[0], line + got, sizeof(line) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        line[got] = '\0';
    }
    close(fd[0]); /* it prints nothing more */
    const char *at = strstr(line, " on http://");
    if (!at || sscanf(at + 4, "%255s", url) != 1 || size < 256) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        printf("    semio serve said: %s\n", line);
        return -1;
    }
    return 0;
}

static void a_server_killed_mid_ratings_leaves_a_whole_study(void)
{
    FIXTURE();
    char semio[PATH_MAX + 32];
    SKIP_UNLESS(semio_program(semio, sizeof(semio)) == 0, "no semio program beside the tests");
    const char *env = getenv("SEMIO_KILL_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    srand(seed);
    static Storm w[3][2];
    memset(w, 0, sizeof(w));
    for (int kill_no = 0; kill_no < 3; kill_no++) {
        int who = KILL_A + kill_no;
        pid_t pid;
        char url[256], tag[16];
        CHECK_MSG(serve_child(semio, &pid, url, sizeof(url)) == 0, "semio serve did not start");
        Session s;
        int in = login_at(url, who, &s);
        if (in < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        CHECK_MSG(in == 0, "no session on semio serve");
        snprintf(tag, sizeof(tag), "kill %d", kill_no);
        pthread_t t[2];
        for (int k = 0; k < 2; k++) {
            Storm *x = &w[kill_no][k];
            x->base = url;
            x->s = s;
            x->round = F.round_all;
            x->first = k;
            x->step = 2;
            x->count = ALL_ITEMS / 2;
            x->tag = tag;
            if (pthread_create(&t[k], NULL, storm_run, x) != 0)
                x->count = 0;
        }
        /* kill it once some ratings are in, at a random point of the storm */
        int after = 20 + rand() % 150;
        for (int spin = 0; spin < 60000; spin++) {
            if (w[kill_no][0].acked + w[kill_no][1].acked >= after)
                break;
            usleep(1000);
        }
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        for (int k = 0; k < 2; k++)
            pthread_join(t[k], NULL);
        int acked = w[kill_no][0].acked + w[kill_no][1].acked;
        CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "semio serve ended before the kill (status %d)", status);
        CHECK_MSG(acked < ALL_ITEMS, "the storm ended before the kill (seed %u)", seed);
        CHECK_MSG(w[kill_no][0].failed5xx + w[kill_no][1].failed5xx == 0, "a 5xx: %s (seed %u)",
                  w[kill_no][0].first_error, seed);
        char why[512];
        CHECK_MSG(integrity_ok(why, sizeof(why)), "after kill %d: %s (seed %u)", kill_no, why,
                  seed);
        long long stored = sql_int("SELECT count(*) FROM ratings WHERE rater_id = %lld",
                                   (long long)rater_id(who));
        /* every acknowledged rating, and at most the two in flight besides */
        CHECK_MSG(stored >= acked && stored <= acked + 2, "kill %d: %d acknowledged, %lld "
                  "stored (seed %u)", kill_no, acked, stored, seed);
        /* read back through the in-process server, on the same session: it outlived its
         * server */
        Storm both = { .round = F.round_all, .tag = tag };
        for (int i = 0; i < ALL_ITEMS; i++)
            both.acked_item[i] = w[kill_no][0].acked_item[i] | w[kill_no][1].acked_item[i];
        CHECK_MSG(ratings_whole(who, &both, &s, NULL, why, sizeof(why)) == 0, "kill %d: %s "
                  "(seed %u)", kill_no, why, seed);
    }
    /* the study opens and serves after all that */
    pid_t pid;
    char url[256];
    CHECK_MSG(serve_child(semio, &pid, url, sizeof(url)) == 0, "semio serve did not start again");
    Resp r;
    Req q = { .base = url, .path = "/app.js" };
    long st = request(NULL, &q, &r);
    resp_free(&r);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK_INT(st, 200);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "semio serve on SIGTERM: %d", status);
}

/* ---- the end ------------------------------------------------------------------------------- */

static void stop_refuses_new_connections(void)
{
    FIXTURE();
    char url[320];
    snprintf(url, sizeof(url), "%s", F.url);
    semio_serve_stop(&F.srv);
    F.ok = 0; /* no case after this one has a server */
    Resp r;
    Req q = { .base = url, .path = "/app.js" };
    CHECK_INT(request(NULL, &q, &r), 0);
    CHECK(r.rc == CURLE_COULDNT_CONNECT);
    resp_free(&r);
    char why[512];
    CHECK_MSG(integrity_ok(why, sizeof(why)), "%s", why);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    semio_log_set_level(SEMIO_LOG_QUIET);
    static const TestCase cases[] = {
        TEST(login_sets_a_strict_session_cookie),
        TEST(a_wrong_or_missing_key_opens_nothing),
        TEST(sessions_need_a_cookie_the_study_knows),
        TEST(a_removed_rater_is_logged_out),
        TEST(posts_need_the_csrf_token_and_this_origin),
        TEST(bodies_are_json_objects_within_the_limit),
        TEST(other_methods_are_405_with_allow),
        TEST(long_urls_are_refused),
        TEST(paths_never_name_files),
        TEST(every_answer_carries_security_headers),
        TEST(frames_are_the_sampled_jpegs),
        TEST(clips_are_mp4_and_served_in_ranges),
        TEST(blinded_items_in_each_raters_own_order),
        TEST(labels_shown_unless_hidden_and_runs_named_unless_blinded),
        TEST(ratings_are_stored_and_undone),
        TEST(labels_and_marks_are_the_raters_own),
        TEST(two_raters_rating_at_once),
        TEST(a_server_killed_mid_ratings_leaves_a_whole_study),
        TEST(stop_refuses_new_connections),
    };
    int r = test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
    semio_serve_stop(&F.srv);
    curl_global_cleanup();
    return r;
}
