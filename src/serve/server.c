/*
 * semio serve: the review app's HTTP server, on libmicrohttpd (a thread per connection).
 *
 * Everything a request must satisfy whatever it asks is checked here, before a handler
 * runs: the method (GET, HEAD, POST), the URL (short, no escapes, no "..": no path in it
 * ever names a file, media are found by numbers in the study), the body (POST only, JSON,
 * at most SERVE_MAX_BODY), the session cookie, and for a POST the session's CSRF token
 * and an Origin of this server's own. Every answer forbids other origins (CSP) and
 * sniffing; pages and scripts are compiled in (data/serve/), so nothing is fetched from
 * anywhere else and the app works offline beside patient data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/serve.h"
#include "util/error.h"
#include "util/fs.h"

#define MAX_URL 2048
#define COOKIE "semio_session"

/* data/serve/, compiled in by scripts/embed.py */
extern const char semio_serve_index_html[], semio_serve_app_js[], semio_serve_app_css[],
    semio_serve_login_js[], semio_serve_favicon_svg[];
extern const size_t semio_serve_index_html_size, semio_serve_app_js_size,
    semio_serve_app_css_size, semio_serve_login_js_size, semio_serve_favicon_svg_size;

struct ServeApp {
    struct MHD_Daemon *daemon;
    char *study_path;
    SemioStudy *study;    /* opened (and checked) once; the pool's connections come from it */
    pthread_mutex_t lock;
    SemioStudy **pool;
    size_t npool, cap;
    int tls;
    char url[320];
    char origins[3][320]; /* the Origins a POST may come from */
    char *cert, *key;
};

struct SemioServer {
    ServeApp app;
};

const char *serve_study_path(const ServeApp *app)
{
    return app->study_path;
}

int serve_error(ServeResponse *out, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_put(out->json);
    out->json = json_object_new_object();
    json_object_object_add(out->json, "error", json_object_new_string(msg));
    out->status = status;
    return status;
}

int serve_route(const char *path, const char *pattern, int64_t *v)
{
    for (; *pattern; pattern++) {
        if (*pattern != '#') {
            if (*path++ != *pattern)
                return 0;
            continue;
        }
        int64_t x = 0;
        int digits = 0;
        for (; *path >= '0' && *path <= '9'; path++, digits++) {
            if (digits == 18) /* past any id SQLite gives */
                return 0;
            x = 10 * x + (*path - '0');
        }
        if (!digits)
            return 0;
        *v++ = x;
    }
    return *path == '\0';
}

/* ---- the study's connections ------------------------------------------------------ */

static SemioStudy *take_connection(ServeApp *app)
{
    SemioStudy *s = NULL;
    pthread_mutex_lock(&app->lock);
    if (app->npool)
        s = app->pool[--app->npool];
    pthread_mutex_unlock(&app->lock);
    if (!s && semio_study_connect(app->study, &s, NULL) < 0)
        s = NULL;
    return s;
}

static void give_connection(ServeApp *app, SemioStudy *s)
{
    if (!s)
        return;
    semio_db_rollback(s); /* a handler's error never leaves a transaction open */
    pthread_mutex_lock(&app->lock);
    if (app->npool == app->cap) {
        size_t cap = app->cap ? 2 * app->cap : 8;
        SemioStudy **grown = realloc(app->pool, cap * sizeof(*grown));
        if (grown) {
            app->pool = grown;
            app->cap = cap;
        }
    }
    if (app->npool < app->cap) {
        app->pool[app->npool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&app->lock);
    semio_study_close(&s);
}

/* ---- answers ------------------------------------------------------------------------ */

static void add_common_headers(struct MHD_Response *r, const ServeApp *app, int cache)
{
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self'; media-src 'self'; connect-src 'self'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    if (app->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    char cc[64];
    if (cache > 0)
        snprintf(cc, sizeof(cc), "private, max-age=%d", cache);
    MHD_add_response_header(r, "Cache-Control", cache > 0 ? cc : "no-store");
}

static enum MHD_Result respond(struct MHD_Connection *c, ServeApp *app, ServeResponse *out)
{
    struct MHD_Response *r = NULL;
    if (out->json) {
        const char *text = json_object_to_json_string_ext(out->json, JSON_C_TO_STRING_PLAIN);
        r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
        out->type = "application/json; charset=utf-8";
    } else if (out->fd >= 0) {
        r = MHD_create_response_from_fd_at_offset64(out->length, out->fd, out->offset);
        if (r)
            out->fd = -1; /* the response closes it */
    } else {
        r = MHD_create_response_from_buffer(out->size, out->data, MHD_RESPMEM_MUST_FREE);
        if (r)
            out->data = NULL;
    }
    if (!r)
        return MHD_NO;
    add_common_headers(r, app, out->status < 300 ? out->cache : 0);
    if (out->type)
        MHD_add_response_header(r, "Content-Type", out->type);
    if (out->total || out->partial)
        MHD_add_response_header(r, "Accept-Ranges", "bytes");
    char range[96];
    if (out->partial) {
        snprintf(range, sizeof(range), "bytes %llu-%llu/%llu", (unsigned long long)out->offset,
                 (unsigned long long)(out->offset + out->length - 1),
                 (unsigned long long)out->total);
        MHD_add_response_header(r, "Content-Range", range);
    } else if (out->status == MHD_HTTP_RANGE_NOT_SATISFIABLE) {
        snprintf(range, sizeof(range), "bytes */%llu", (unsigned long long)out->total);
        MHD_add_response_header(r, "Content-Range", range);
    }
    if (out->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD, POST");
    if (out->status == MHD_HTTP_SEE_OTHER)
        MHD_add_response_header(r, "Location", "/");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)out->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void response_free(ServeResponse *out)
{
    json_object_put(out->json);
    free(out->data);
    if (out->fd >= 0)
        close(out->fd);
}

/* ---- sessions ------------------------------------------------------------------------ */

/* A session unused this long ends: a link left open on a ward's shared machine. */
#define SESSION_IDLE_S (14 * 86400)

/* The rater whose session the cookie names, with the session's CSRF token; 0 if none. */
static int64_t session_rater(SemioStudy *s, const char *token, char csrf[64], char *name,
                             size_t size)
{
    if (!token || strlen(token) != 43)
        return 0;
    char hash[65];
    review_secret_hash(token, hash);
    sqlite3_stmt *st;
    if (semio_db_prepare(s, &st, "SELECT r.id, x.csrf, r.name, x.seen_at < unixepoch('now') - "
                                 "3600 FROM rater_sessions x JOIN raters r ON r.id = x.rater_id "
                                 "WHERE x.token_hash = ? AND r.removed_at IS NULL AND r.kind = "
                                 "'human' AND x.seen_at > unixepoch('now') - ?", NULL) < 0)
        return 0;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, SESSION_IDLE_S);
    int64_t id = 0;
    int stale = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        snprintf(csrf, 64, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(name, size, "%s", (const char *)sqlite3_column_text(st, 2));
        stale = sqlite3_column_int(st, 3);
    }
    sqlite3_finalize(st);
    /* seen again: noted once an hour, not on every request */
    if (stale && semio_db_prepare(s, &st, "UPDATE rater_sessions SET seen_at = unixepoch('now') "
                                          "WHERE token_hash = ?", NULL) == 0) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return id;
}

/* Compares secrets in constant time: how much of a token matched never shows in timing. */
static int same_secret(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    unsigned char d = n != m;
    for (size_t i = 0; i < n && i < m; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* GET /login?key=SECRET: a new session for the key's rater, as an HttpOnly cookie. */
static enum MHD_Result login(struct MHD_Connection *c, ServeApp *app, SemioStudy *s)
{
    const char *key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
    char hash[65], token[44], csrf[44], tokhash[65];
    ServeResponse out = { .fd = -1 };
    sqlite3_stmt *st = NULL;
    int64_t rater = 0;
    if (key && strlen(key) == 43) {
        review_secret_hash(key, hash);
        if (semio_db_prepare(s, &st, "SELECT id FROM raters WHERE secret_hash = ? AND "
                                     "removed_at IS NULL AND kind = 'human'", NULL) == 0) {
            sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
            rater = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            sqlite3_finalize(st);
        }
    }
    if (!rater) {
        serve_error(&out, MHD_HTTP_UNAUTHORIZED, "this login link is not valid (ask for a new "
                                                 "one: semio raters add)");
        enum MHD_Result ok = respond(c, app, &out);
        response_free(&out);
        return ok;
    }
    int r = review_secret(token, NULL) == 0 && review_secret(csrf, NULL) == 0 ? 0 : -1;
    review_secret_hash(token, tokhash);
    if (r == 0 && semio_db_prepare(s, &st, "INSERT INTO rater_sessions(token_hash, rater_id, "
                                           "csrf, created_at, seen_at) VALUES (?, ?, ?, "
                                           "unixepoch('now'), unixepoch('now'))", NULL) == 0) {
        sqlite3_bind_text(st, 1, tokhash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rater);
        sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    } else {
        r = -1;
    }
    if (r < 0) {
        serve_error(&out, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot open a session");
        enum MHD_Result ok = respond(c, app, &out);
        response_free(&out);
        return ok;
    }
    /* A page of our own moves on to the app: a redirect from the link (followed from a
     * mail, another site) would be cross-site, and the SameSite=Strict cookie not sent. */
    static const char page[] = "<!doctype html><meta charset=utf-8><title>semio</title>"
                               "<link rel=icon href=/favicon.svg>"
                               "<script src=/login.js></script><p><a href=/>Continue</a>";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        sizeof(page) - 1, (void *)page, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    add_common_headers(resp, app, 0);
    char cookie[160];
    snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
             app->tls ? "; Secure" : "");
    MHD_add_response_header(resp, "Set-Cookie", cookie);
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* ---- requests ------------------------------------------------------------------------ */

typedef struct Upload {
    char *body;
    size_t size;
    int too_big;
    int started;     /* on_request has seen the headers */
    size_t uri_size; /* the request target's length, query included */
} Upload;

static int static_asset(const char *path, ServeResponse *out)
{
    static const struct {
        const char *path, *type;
        const char *data;
        const size_t *size;
    } assets[] = {
        { "/app.js", "text/javascript; charset=utf-8", semio_serve_app_js,
          &semio_serve_app_js_size },
        { "/app.css", "text/css; charset=utf-8", semio_serve_app_css, &semio_serve_app_css_size },
        { "/login.js", "text/javascript; charset=utf-8", semio_serve_login_js,
          &semio_serve_login_js_size },
        /* the pages name the icon; /favicon.ico is what a browser asks for on any other
         * page (an error's JSON), where a 404 would be an error in its console */
        { "/favicon.svg", "image/svg+xml", semio_serve_favicon_svg, &semio_serve_favicon_svg_size },
        { "/favicon.ico", "image/svg+xml", semio_serve_favicon_svg, &semio_serve_favicon_svg_size },
    };
    for (size_t i = 0; i < sizeof(assets) / sizeof(*assets); i++)
        if (!strcmp(path, assets[i].path)) {
            out->status = MHD_HTTP_OK;
            out->type = assets[i].type;
            out->size = *assets[i].size;
            out->data = malloc(out->size + 1);
            if (!out->data)
                return serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
            memcpy(out->data, assets[i].data, out->size);
            return 1;
        }
    return 0;
}

/* Whether the URL is one the app could have made: short, printable, no escapes or "..". */
static int plain_url(const char *url)
{
    if (url[0] != '/' || strlen(url) > MAX_URL)
        return 0;
    for (const unsigned char *c = (const unsigned char *)url; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f || *c == '%' || *c == '\\')
            return 0;
    return !strstr(url, "/..") && !strstr(url, "/./") && !strstr(url, "//");
}

static int origin_ok(const ServeApp *app, const char *origin)
{
    if (!origin)
        return 0;
    for (int i = 0; i < 3; i++)
        if (app->origins[i][0] && !strcmp(origin, app->origins[i]))
            return 1;
    return 0;
}

static void handle(struct MHD_Connection *c, ServeApp *app, ServeRequest *rq, const char *url,
                   Upload *up, ServeResponse *out)
{
    int get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
    int post = !strcmp(rq->method, "POST");
    if (!get && !post) {
        serve_error(out, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        return;
    }
    if (strlen(url) > MAX_URL || up->uri_size > MAX_URL) {
        serve_error(out, MHD_HTTP_URI_TOO_LONG, "URL too long");
        return;
    }
    if (!plain_url(url)) {
        serve_error(out, MHD_HTTP_BAD_REQUEST, "not a URL of this app");
        return;
    }
    if (up->too_big) {
        serve_error(out, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %d bytes",
                    SERVE_MAX_BODY);
        return;
    }
    if (get && up->size) {
        serve_error(out, MHD_HTTP_BAD_REQUEST, "a GET has no body");
        return;
    }
    rq->path = url;
    if (get && static_asset(url, out))
        return;
    char csrf[64] = "", name[128] = "";
    rq->rater = session_rater(rq->s, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE),
                              csrf, name, sizeof(name));
    rq->rater_name = name;
    rq->csrf = csrf;
    if (!strcmp(url, "/") && get) {
        out->status = rq->rater ? MHD_HTTP_OK : MHD_HTTP_UNAUTHORIZED;
        out->type = "text/html; charset=utf-8";
        out->size = semio_serve_index_html_size;
        if ((out->data = malloc(out->size + 1)))
            memcpy(out->data, semio_serve_index_html, out->size);
        else
            serve_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return; /* the page itself says "open your link" when it has no session */
    }
    if (!rq->rater) {
        serve_error(out, MHD_HTTP_UNAUTHORIZED, "not logged in: open your login link");
        return;
    }
    if (post) {
        const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!origin_ok(app, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))) {
            serve_error(out, MHD_HTTP_FORBIDDEN, "request from another origin");
            return;
        }
        if (!token || !same_secret(token, csrf)) {
            serve_error(out, MHD_HTTP_FORBIDDEN, "missing or wrong CSRF token");
            return;
        }
        json_tokener *tok = json_tokener_new();
        /* strict: json-c alone takes trailing commas; and UTF-8 only, since strings are
         * stored and sent back to every page (json-c 0.16 takes 'single quotes' even so) */
        if (tok)
            json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        rq->body = up->size && tok ? json_tokener_parse_ex(tok, up->body, (int)up->size) : NULL;
        int whole = tok && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == up->size;
        json_tokener_free(tok);
        if (!whole || !json_object_is_type(rq->body, json_type_object)) {
            serve_error(out, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object");
            return;
        }
    }
    rq->range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if (!strncmp(url, "/api/", 5)) {
        if (!serve_api(rq, out))
            serve_error(out, MHD_HTTP_NOT_FOUND, "no such page");
    } else if (!strncmp(url, "/media/", 7) && get) {
        if (!serve_media(rq, out))
            serve_error(out, MHD_HTTP_NOT_FOUND, "no such page");
    } else {
        serve_error(out, MHD_HTTP_NOT_FOUND, "no such page");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    ServeApp *app = cls;
    Upload *up = *con_cls;
    if (!up)
        return MHD_NO; /* on_uri could not make it */
    if (!up->started) {
        up->started = 1;
        return MHD_YES;
    }
    if (*upload_size) { /* more of the body: kept up to the limit, the rest read and dropped */
        if (!up->too_big && up->size + *upload_size <= SERVE_MAX_BODY) {
            char *grown = realloc(up->body, up->size + *upload_size + 1);
            if (!grown)
                return MHD_NO;
            memcpy(grown + up->size, upload_data, *upload_size);
            up->body = grown;
            up->size += *upload_size;
            up->body[up->size] = '\0';
        } else {
            up->too_big = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    ServeResponse out = { .fd = -1 };
    ServeRequest rq = { .app = app, .method = method };
    if (!strcmp(url, "/login") && !strcmp(method, "GET")) {
        if (!(rq.s = take_connection(app)))
            return MHD_NO;
        enum MHD_Result ok = login(c, app, rq.s);
        give_connection(app, rq.s);
        return ok;
    }
    if (!(rq.s = take_connection(app))) {
        serve_error(&out, MHD_HTTP_SERVICE_UNAVAILABLE, "the study cannot be opened");
    } else {
        handle(c, app, &rq, url, up, &out);
    }
    give_connection(app, rq.s);
    json_object_put(rq.body);
    enum MHD_Result ok = respond(c, app, &out);
    response_free(&out);
    return ok;
}

/* A request's state starts with its whole target: on_request sees the path alone, and a
 * long query is as much a URL the app never makes as a long path. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    Upload *up = calloc(1, sizeof(*up));
    if (up)
        up->uri_size = strlen(uri);
    return up;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    Upload *up = *con_cls;
    if (up) {
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}

/* URLs are taken as sent: an escape is refused (plain_url) rather than decoded into a
 * "..", a NUL or a character the app never writes. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

/* ---- start and stop -------------------------------------------------------------------- */

static int read_pem(const char *path, char **out, SemioError *err)
{
    size_t size;
    int r = semio_read_file(path, out, &size, err);
    if (r < 0)
        return r;
    if (!strstr(*out, "-----BEGIN "))
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: not a PEM file", path);
    return 0;
}

/* "HOST:PORT" or "[V6]:PORT" into an address; whether it is a loopback one. */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, socklen_t *len,
                        int *loopback, char *host, size_t hsize, SemioError *err)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen, *end = colon;
    if (listen[0] == '[') {
        h = listen + 1;
        end = strchr(listen, ']');
        if (!end || end[1] != ':')
            colon = NULL;
    }
    char *stop = NULL;
    long port = colon ? strtol(colon + 1, &stop, 10) : -1;
    if (!colon || !end || end == h || (size_t)(end - h) >= hsize || !stop || *stop ||
        colon[1] == '\0' || port < 0 || port > 65535)
        return semio_fail(err, SEMIO_ERR_INVALID, "--listen: '%s' is not HOST:PORT", listen);
    snprintf(host, hsize, "%.*s", (int)(end - h), h);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
    char ports[8];
    snprintf(ports, sizeof(ports), "%ld", port);
    int e = getaddrinfo(host, ports, &hints, &ai);
    if (e)
        return semio_fail(err, SEMIO_ERR_INVALID, "--listen: '%s': %s", host, gai_strerror(e));
    memcpy(sa, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    if (sa->ss_family == AF_INET)
        *loopback = (ntohl(((struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    else
        *loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

int semio_serve_start(SemioServer **out, const char *study_path, const SemioServeSettings *set,
                      SemioError *err)
{
    *out = NULL;
    SemioServeSettings def;
    semio_serve_default_settings(&def);
    if (!set)
        set = &def;
    struct sockaddr_storage sa;
    socklen_t salen;
    int loopback = 0;
    char host[256];
    int r = parse_listen(set->listen ? set->listen : def.listen, &sa, &salen, &loopback, host,
                         sizeof(host), err);
    if (r < 0)
        return r;
    int tls = set->tls_cert || set->tls_key;
    if (tls && !(set->tls_cert && set->tls_key))
        return semio_fail(err, SEMIO_ERR_INVALID, "--tls-cert and --tls-key go together");
    if (!loopback && !tls)
        return semio_fail(err, SEMIO_ERR_INVALID, "--listen %s: an address other machines "
                          "reach needs TLS (--tls-cert, --tls-key): the app carries patient "
                          "video and the raters' login secrets", set->listen);
    SemioServer *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    ServeApp *app = &srv->app;
    pthread_mutex_init(&app->lock, NULL);
    app->tls = tls;
    if (!(app->study_path = strdup(study_path)))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = semio_study_open(&app->study, study_path, SEMIO_STUDY_WRITE, err);
    if (r == 0 && tls && (r = read_pem(set->tls_cert, &app->cert, err)) == 0)
        r = read_pem(set->tls_key, &app->key, err);
    if (r == 0) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                         (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0);
        app->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, app,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, app,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
            MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, app,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(MAX_URL + 16 * 1024),
            /* without TLS the list ends here */
            tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, app->cert,
            MHD_OPTION_HTTPS_MEM_KEY, app->key, MHD_OPTION_END);
        if (!app->daemon)
            r = semio_fail(err, SEMIO_ERR_IO, "--listen %s: cannot listen there (%s)",
                           set->listen ? set->listen : def.listen,
                           errno ? strerror(errno) : "address in use or not this machine's");
    }
    if (r < 0) {
        semio_serve_stop(&srv);
        return r;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(app->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    int v6 = sa.ss_family == AF_INET6;
    snprintf(app->url, sizeof(app->url), "%s://%s%s%s:%u", tls ? "https" : "http", v6 ? "[" : "",
             host, v6 ? "]" : "", port);
    snprintf(app->origins[0], sizeof(app->origins[0]), "%s", app->url);
    if (set->origin)
        snprintf(app->origins[1], sizeof(app->origins[1]), "%s", set->origin);
    if (loopback) /* the same server, named as browsers name loopback */
        snprintf(app->origins[2], sizeof(app->origins[2]), "%s://localhost:%u",
                 tls ? "https" : "http", port);
    *out = srv;
    return 0;
}

const char *semio_serve_url(const SemioServer *srv)
{
    return srv->app.url;
}

void semio_serve_stop(SemioServer **srv)
{
    if (!srv || !*srv)
        return;
    ServeApp *app = &(*srv)->app;
    if (app->daemon)
        MHD_stop_daemon(app->daemon); /* waits for the connections' threads */
    for (size_t i = 0; i < app->npool; i++)
        semio_study_close(&app->pool[i]);
    free(app->pool);
    semio_study_close(&app->study);
    pthread_mutex_destroy(&app->lock);
    free(app->study_path);
    free(app->cert);
    free(app->key);
    free(*srv);
    *srv = NULL;
}
