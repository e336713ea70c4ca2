/*
 * Review app benchmark, with the peers measured in the same run:
 *  1. an item page's latency: 8 clients (libcurl, keep-alive, one thread each) on loopback
 *     asking GET /api/rounds/R/items/I for random I for N seconds, as logged-in raters;
 *     the peer is nginx serving a static file holding one such page (the same bytes), to
 *     the same 8 clients: what any server pays for HTTP on this machine;
 *  2. the proxy clip's cost per second of video: GET /media/clip/SEG.mp4 with the clip
 *     cache emptied first, for the 10 s windows of a 30 s 1280x720 30 fps H.264 recording
 *     (GOP 60, adaptive B-frames, AAC); the peer is semio_clip_write cutting the same
 *     window in this process, so the difference is what serving adds.
 * The study's answers come from semio ask against nginx answering every question at once
 * (bench/zero_latency_server.sh), so the item pages are real ones: frames, question,
 * answer, justification, a blinded round.
 * Usage: bench_serve [DIR [SECONDS]] (DIR keeps the recordings between runs; default
 * bench/out, 10 s per contender).
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "semio/semio.h"
#include "testvideo.h"

#define CLIENTS 8
#define SMALL 3       /* 10 s recordings beside the 720p one */
#define WINDOW 10.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double load1(void)
{
    double l[1] = { -1 };
    return getloadavg(l, 1) == 1 ? l[0] : -1;
}

/* ---- the study ------------------------------------------------------------------------ */

static int make_once(const char *path, int width, int height, int frames, int scene)
{
    if (access(path, F_OK) == 0)
        return 0;
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = width;
    s.height = height;
    s.gop = 60;
    s.bframes = 3;
    s.bframes_adaptive = 1;
    s.preset = "veryfast";
    s.audio_rate = 44100;
    fprintf(stderr, "bench: encoding %s (once)\n", path);
    char tmp[1300];
    snprintf(tmp, sizeof(tmp), "%s.part.mp4", path);
    int r = scene ? testvideo_make_scene(tmp, &s, frames) : testvideo_make(tmp, &s, frames);
    return r == 0 ? rename(tmp, path) : -1;
}

/* Two runs' answers for every window and video sign (from nginx: "yes", "fixed"), a
 * blinded round of all of them, and a rater; *secret gets the rater's login key. */
static int make_study(const char *dir, const char *db, char **secret, SemioError *err)
{
    char rec[1024], paths[SMALL + 1][1200], cmd[1400], url[128];
    const char *list[SMALL + 1];
    snprintf(rec, sizeof(rec), "%s/serve-rec", dir);
    mkdir(rec, 0755);
    snprintf(paths[0], sizeof(paths[0]), "%s/P0@1-1-2024@R0@sz_v1.mp4", rec);
    for (int i = 0; i <= SMALL; i++) {
        if (i)
            snprintf(paths[i], sizeof(paths[i]), "%s/P%d@1-1-2024@R%d@sz_v1.mp4", rec, i, i);
        if (i ? make_once(paths[i], 320, 240, 300, 0) : make_once(paths[0], 1280, 720, 900, 1)) {
            snprintf(err->message, sizeof(err->message), "cannot write %.900s", paths[i]);
            return -1;
        }
        list[i] = paths[i];
    }
    /* a new study each run (its WAL too, which would otherwise be replayed into it) */
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd), "%s%s", db, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
        remove(cmd);
    }
    int port = 19000 + (int)(getpid() % 1000);
    snprintf(cmd, sizeof(cmd), "bench/zero_latency_server.sh start %s/serve-nginx-ask %d", dir,
             port);
    if (system(cmd) != 0) {
        snprintf(err->message, sizeof(err->message), "nginx did not start (scripts/install-deps "
                 "--bench installs it)");
        return -1;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
    const char *urls[1] = { url };
    SemioStudy *s = NULL;
    SemioIngestReport irep;
    SemioSegmentSettings seg;
    SemioSegmentReport srep;
    SemioSampleSettings smp;
    SemioSampleReport prep;
    SemioOpenAISettings oa;
    SemioAskSettings ask;
    SemioAskReport arep;
    SemioRoundSettings round;
    semio_segment_default_settings(&seg);
    seg.window = WINDOW;
    semio_sample_default_settings(&smp);
    smp.frames = 16;
    semio_openai_default_settings(&oa);
    oa.model = "bench";
    oa.urls = urls;
    oa.nurls = 1;
    oa.logprobs = 0;
    semio_ask_default_settings(&ask);
    ask.engine_settings = &oa;
    ask.view = "raw";
    semio_round_default_settings(&round);
    round.runs = "model-one,model-two";
    round.blinded = 1;
    int count = 0;
    int r = semio_study_open(&s, db, SEMIO_STUDY_CREATE, err);
    if (r == 0)
        r = semio_ingest(s, list, SMALL + 1, NULL, &irep, err);
    if (r == 0)
        r = semio_segment(s, &seg, &srep, err);
    if (r == 0)
        r = semio_sample(s, &smp, &prep, err);
    for (int i = 0; r == 0 && i < 2; i++) {
        ask.run = i ? "model-two" : "model-one";
        r = semio_ask(s, &ask, &arep, err);
    }
    if (r == 0)
        r = semio_round_add(s, "bench", &round, &count, err);
    if (r == 0)
        r = semio_rater_add(s, "bench", secret, err);
    semio_study_close(&s);
    snprintf(cmd, sizeof(cmd), "bench/zero_latency_server.sh stop %s/serve-nginx-ask", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not stop nginx\n");
    return r;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

typedef struct Body {
    char *data;
    size_t size;
} Body;

static size_t keep(char *data, size_t size, size_t n, void *user)
{
    Body *b = user;
    char *grown = realloc(b->data, b->size + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->size, data, size * n);
    b->data = grown;
    b->size += size * n;
    b->data[b->size] = '\0';
    return size * n;
}

/* GET url on handle h with the cookie; the status, the body in *b (reset first). */
static long fetch(CURL *h, const char *url, const char *cookie, Body *b)
{
    b->size = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_COOKIE, cookie);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The session cookie of the rater with this login key. */
static int login(const char *base, const char *secret, char *cookie, size_t size)
{
    char url[512];
    snprintf(url, sizeof(url), "%s/login?key=%s", base, secret);
    CURL *h = curl_easy_init();
    Body b = { 0 };
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""); /* the cookie engine reads Set-Cookie */
    long st = fetch(h, url, "", &b);
    struct curl_slist *cookies = NULL;
    curl_easy_getinfo(h, CURLINFO_COOKIELIST, &cookies);
    int ok = 0;
    for (struct curl_slist *c = cookies; c && st == 200; c = c->next) {
        /* Netscape format: the name and value are the last two fields */
        const char *value = strrchr(c->data, '\t'), *name = value;
        while (name && name > c->data && name[-1] != '\t')
            name--;
        if (value && !strncmp(name, "semio_session\t", 14))
            ok = snprintf(cookie, size, "semio_session=%s", value + 1) > 0;
    }
    curl_slist_free_all(cookies);
    curl_easy_cleanup(h);
    free(b.data);
    return ok ? 0 : -1;
}

/* ---- 1. an item page's latency --------------------------------------------------------------- */

typedef struct Client {
    const char *base, *cookie;
    int items;          /* > 0: random items of round 1; 0: GET base/item.json */
    double until;
    unsigned seed;
    double *lat;        /* seconds per request */
    size_t n, cap;
    long failed;
    size_t bytes;
} Client;

static void *client_run(void *arg)
{
    Client *c = arg;
    CURL *h = curl_easy_init();
    Body b = { 0 };
    char url[512];
    while (h && now() < c->until) {
        if (c->items)
            snprintf(url, sizeof(url), "%s/api/rounds/1/items/%d", c->base,
                     rand_r(&c->seed) % c->items);
        else
            snprintf(url, sizeof(url), "%s/item.json", c->base);
        double t0 = now();
        long st = fetch(h, url, c->cookie, &b);
        double t = now() - t0;
        if (st != 200) {
            c->failed++;
            continue;
        }
        if (c->n == c->cap) {
            double *grown = realloc(c->lat, (c->cap = c->cap ? 2 * c->cap : 4096) * sizeof(double));
            if (!grown)
                break;
            c->lat = grown;
        }
        c->lat[c->n++] = t;
        c->bytes += b.size;
    }
    free(b.data);
    curl_easy_cleanup(h);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct Latency {
    double rate, p50, p99, bytes;
    long failed;
} Latency;

/* CLIENTS threads for `seconds`; p50 and p99 in milliseconds. */
static Latency measure(const char *base, const char *cookie, int items, double seconds)
{
    Client c[CLIENTS];
    pthread_t t[CLIENTS];
    double t0 = now();
    for (int i = 0; i < CLIENTS; i++) {
        c[i] = (Client){ .base = base, .cookie = cookie, .items = items, .until = t0 + seconds,
                         .seed = 1234u + (unsigned)i };
        pthread_create(&t[i], NULL, client_run, &c[i]);
    }
    size_t n = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        n += c[i].n;
    }
    double took = now() - t0;
    Latency l = { 0 };
    double *all = malloc((n ? n : 1) * sizeof(double));
    size_t at = 0, bytes = 0;
    for (int i = 0; i < CLIENTS; i++) {
        if (all)
            memcpy(all + at, c[i].lat, c[i].n * sizeof(double));
        at += c[i].n;
        bytes += c[i].bytes;
        l.failed += c[i].failed;
        free(c[i].lat);
    }
    if (all && n) {
        qsort(all, n, sizeof(double), by_value);
        l.p50 = 1e3 * all[n / 2];
        l.p99 = 1e3 * all[(size_t)(0.99 * (double)(n - 1))];
        l.rate = (double)n / took;
        l.bytes = (double)bytes / (double)n;
    }
    free(all);
    return l;
}

/* nginx serving DIR/serve-nginx/item.json on port; 0 when it runs. */
static int nginx_static(const char *dir, int port, int start)
{
    char path[1200], cmd[1400];
    snprintf(path, sizeof(path), "%s/serve-nginx", dir);
    if (!start) {
        snprintf(cmd, sizeof(cmd), "kill $(cat '%s/nginx.pid') 2>/dev/null", path);
        return system(cmd);
    }
    mkdir(path, 0755);
    char *abs = realpath(path, NULL);
    snprintf(cmd, sizeof(cmd), "%s/nginx.conf", path);
    FILE *f = abs ? fopen(cmd, "w") : NULL;
    if (!f) {
        free(abs);
        return -1;
    }
    /* as many workers as cores, keep-alive as long as the clients keep it */
    fprintf(f, "worker_processes auto;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
               "events { worker_connections 1024; }\n"
               "http {\n  access_log off;\n  keepalive_requests 1000000;\n"
               "  server {\n    listen 127.0.0.1:%d;\n"
               "    location = /item.json { root %s; default_type application/json; "
               "add_header Cache-Control no-store; }\n  }\n}\n", abs, abs, port, abs);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "nginx -c '%s/nginx.conf' -p '%s' 2>/dev/null", abs, abs);
    free(abs);
    return system(cmd);
}

/* ---- 2. the proxy clip ------------------------------------------------------------------------ */

static void empty_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char file[2048];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        remove(file);
    }
    if (d)
        closedir(d);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/out";
    double seconds = argc > 2 ? atof(argv[2]) : 10;
    semio_log_set_level(SEMIO_LOG_QUIET);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!semio_feature_built("serve"))
        return fprintf(stderr, "bench: semio was built without the review app (serve)\n"), 1;
    mkdir(dir, 0755);
    char db[1024], cache[1100], cookie[128];
    snprintf(db, sizeof(db), "%s/serve-study.db", dir);
    snprintf(cache, sizeof(cache), "%s/serve-study.cache/clips", dir);
    SemioError err = { 0 };
    char *secret = NULL;
    if (make_study(dir, db, &secret, &err) < 0)
        return fprintf(stderr, "bench: %s\n", err.message), 1;
    SemioServer *srv = NULL;
    SemioServeSettings set;
    semio_serve_default_settings(&set);
    set.listen = "127.0.0.1:0";
    if (semio_serve_start(&srv, db, &set, &err) < 0)
        return fprintf(stderr, "bench: %s\n", err.message), 1;
    const char *base = semio_serve_url(srv);
    if (login(base, secret, cookie, sizeof(cookie)) < 0)
        return fprintf(stderr, "bench: cannot log in\n"), 1;
    semio_free(secret);

    /* the round's size, and one page as the peer's file */
    CURL *h = curl_easy_init();
    Body page = { 0 };
    char url[512];
    snprintf(url, sizeof(url), "%s/api/rounds/1/items/0", base);
    int items = 0;
    if (fetch(h, url, cookie, &page) == 200) {
        const char *c = strstr(page.data, "\"count\":");
        items = c ? atoi(c + 8) : 0;
    }
    char file[1200];
    snprintf(file, sizeof(file), "%s/serve-nginx", dir);
    mkdir(file, 0755);
    snprintf(file, sizeof(file), "%s/serve-nginx/item.json", dir);
    FILE *f = fopen(file, "w");
    if (!items || !f || fwrite(page.data, 1, page.size, f) != page.size || fclose(f) != 0)
        return fprintf(stderr, "bench: no item page to copy\n"), 1;

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("item page: GET /api/rounds/1/items/I (I random of %d, a blinded round, 16 frames "
           "a window), %d clients (libcurl, keep-alive) on loopback, %.0f s each; %ld cores, "
           "load %.2f\n", items, CLIENTS, seconds, cores, load1());
    measure(base, cookie, items, 1); /* warm: connections, the study's pages in memory */
    Latency se = measure(base, cookie, items, seconds);
    int port = 19500 + (int)(getpid() % 400);
    char nbase[64];
    snprintf(nbase, sizeof(nbase), "http://127.0.0.1:%d", port);
    Latency ng = { 0 };
    if (nginx_static(dir, port, 1) == 0) {
        usleep(200000);
        measure(nbase, cookie, 0, 1);
        ng = measure(nbase, cookie, 0, seconds);
        nginx_static(dir, port, 0);
    }
    printf("  %-26s %11s %8s %8s %8s %7s\n", "contender", "requests/s", "p50 ms", "p99 ms",
           "bytes", "failed");
    printf("  %-26s %11.0f %8.2f %8.2f %8.0f %7ld\n", "semio serve", se.rate, se.p50, se.p99,
           se.bytes, se.failed);
    if (ng.rate > 0) {
        printf("  %-26s %11.0f %8.2f %8.2f %8.0f %7ld\n", "nginx (the page as a file)", ng.rate,
               ng.p50, ng.p99, ng.bytes, ng.failed);
        printf("  ratio semio / nginx: p50 %.1f, p99 %.1f, requests/s %.2f\n", se.p50 / ng.p50,
               se.p99 / ng.p99, se.rate / ng.rate);
    } else {
        printf("  nginx: not measured (scripts/install-deps --bench installs nginx-light)\n");
    }
    printf("  load after: %.2f\n", load1());

    /* 2. cold proxy clips of the 720p recording's windows, and the same cut in-process */
    int64_t seg[3] = { 0 };
    double start[3] = { 0 }, end[3] = { 0 };
    char src[1200];
    snprintf(src, sizeof(src), "%s/serve-rec/P0@1-1-2024@R0@sz_v1.mp4", dir);
    sqlite3 *sq = NULL;
    sqlite3_stmt *st = NULL;
    int nseg = 0;
    if (sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(sq, "SELECT g.id, g.start_s, g.end_s FROM segments g JOIN videos v "
                               "ON v.id = g.video_id WHERE v.width = 1280 ORDER BY g.start_s",
                           -1, &st, NULL) == SQLITE_OK) {
        for (; nseg < 3 && sqlite3_step(st) == SQLITE_ROW; nseg++) {
            seg[nseg] = sqlite3_column_int64(st, 0);
            start[nseg] = sqlite3_column_double(st, 1);
            end[nseg] = sqlite3_column_double(st, 2);
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(sq);
    if (nseg != 3)
        return fprintf(stderr, "bench: the 720p recording has %d windows, not 3\n", nseg), 1;
    double served = 1e9, direct = 1e9, cached = 1e9;
    size_t clip_bytes = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(url, sizeof(url), "%s/media/clip/%lld.mp4", base, (long long)seg[i]);
        empty_dir(cache);
        double t0 = now();
        long status = fetch(h, url, cookie, &page);
        double t = now() - t0;
        if (status != 200 || page.size < 8 || memcmp(page.data + 4, "ftyp", 4))
            return fprintf(stderr, "bench: %s: %ld\n", url, status), 1;
        served = t < served ? t : served;
        clip_bytes = page.size;
        t0 = now();
        fetch(h, url, cookie, &page);
        t = now() - t0;
        cached = t < cached ? t : cached;
        char out[1300];
        snprintf(out, sizeof(out), "%s/serve-direct.mp4", dir);
        t0 = now();
        if (semio_clip_write(src, start[i], end[i], NULL, out, NULL, &err) < 0)
            return fprintf(stderr, "bench: %s\n", err.message), 1;
        t = now() - t0;
        direct = t < direct ? t : direct;
    }
    printf("proxy clip, cold (cache emptied): %.0f s windows of a 1280x720 30 fps H.264 "
           "recording, clip 480 lines CRF 26 (%zu kB); best of 3 windows; load %.2f\n", WINDOW,
           clip_bytes / 1024, load1());
    printf("  GET /media/clip/SEG.mp4, cold: %.0f ms = %.0f ms per second of video\n",
           1e3 * served, 1e3 * served / WINDOW);
    printf("  semio_clip_write alone:        %.0f ms = %.0f ms per second of video\n",
           1e3 * direct, 1e3 * direct / WINDOW);
    printf("  ratio served / alone: %.2f; served again from the cache: %.1f ms\n",
           served / direct, 1e3 * cached);
    free(page.data);
    curl_easy_cleanup(h);
    semio_serve_stop(&srv);
    curl_global_cleanup();
    return 0;
}
