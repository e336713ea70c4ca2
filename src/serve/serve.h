/*
 * What the review app's request handlers share: one request as they see it (its rater,
 * its connection to the study, its body) and the answers they give. The server
 * (server.c) checks everything that does not depend on the page: method, length, session,
 * CSRF token and Origin, before a handler runs.
 */
#ifndef SEMIO_SERVE_H
#define SEMIO_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "review/review.h"

/* The largest request body taken: a rating's comment is the longest thing sent. */
#define SERVE_MAX_BODY (64 * 1024)

typedef struct ServeApp ServeApp;

/* One request, after the server's checks. */
typedef struct ServeRequest {
    ServeApp *app;
    SemioStudy *s;         /* this request's connection (from the server's pool) */
    const char *method;    /* GET, HEAD or POST */
    const char *path;      /* the URL's path, decoded by libmicrohttpd, without the query */
    const char *range;     /* the Range header, or NULL */
    json_object *body;     /* a POST's JSON object (the server refuses any other body) */
    int64_t rater;         /* the logged-in rater (0: none; only the login page has none) */
    const char *rater_name;
    const char *csrf;      /* the session's CSRF token, which the page sends with a POST */
} ServeRequest;

/* What a handler answers: JSON, a file (or part of one), or bytes it owns. */
typedef struct ServeResponse {
    int status;
    json_object *json;     /* owned; the body when set */
    const char *type;      /* Content-Type of data or of the file */
    uint8_t *data;         /* owned (free) */
    size_t size;
    int fd;                /* a file to send from offset (fd >= 0; the server closes it) */
    uint64_t offset, length, total; /* a Range's part of a file of total bytes */
    int partial;           /* 206 with Content-Range */
    int cache;             /* seconds a browser may keep it (media that never changes) */
} ServeResponse;

/* The study's path, cache folder and the settings the app was started with. */
const char *serve_study_path(const ServeApp *app);

/* An error answer: {"error": message}; returns the status. */
int serve_error(ServeResponse *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether `path` is `pattern` with a number of digits for each '#': the numbers in v. */
int serve_route(const char *path, const char *pattern, int64_t *v);

/* The JSON API (api.c): returns 1 when it handled the path, 0 when the path is not its. */
int serve_api(ServeRequest *rq, ServeResponse *out);

/* Media (media.c): the frames and views a model was sent, and the proxy clips. */
int serve_media(ServeRequest *rq, ServeResponse *out);

/* A review item: a round's answer in a rater's order, with what identifies the answer. */
typedef struct ServeItem {
    int64_t round, ordinal, count;
    ReviewKey key;
    int blinded, show_labels;
    uint64_t seed;
} ServeItem;

/* The item the rater sees at `index` of round item->round: 0, or the status of the error
 * answer put in out (404 when there is none). */
int serve_item_find(ServeRequest *rq, int64_t index, ServeItem *item, ServeResponse *out);

#endif
