/* OpenPose keypoint files: reading them, finding a recording's, and choosing the patient. */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "semio/pose.h"
#include "util/error.h"
#include "util/fs.h"

/* Pixels: no frame is that large (semio decodes at most 16384 a side); an estimator that
 * writes such a place, or NaN, has lost the person, and a crop or a speed made of it would
 * be nonsense taken for a measurement. */
#define MAX_COORD 1e5f

/*
 * Refuses a point found (confidence above 0) at no place in a picture, or a confidence that
 * is not a number. A point not found keeps no place: some writers leave NaN there.
 */
static int check_points(const char *path, size_t person, const char *kind, SemioKeypoint *k,
                        int n, SemioError *err)
{
    for (int i = 0; i < n; i++) {
        if (!isfinite(k[i].c))
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: person %zu, %s point %d: confidence "
                              "%g is not a number", path, person, kind, i, k[i].c);
        if (k[i].c <= 0) {
            k[i] = (SemioKeypoint){ 0, 0, 0 };
            continue;
        }
        if (!isfinite(k[i].x) || !isfinite(k[i].y) || fabsf(k[i].x) > MAX_COORD ||
            fabsf(k[i].y) > MAX_COORD)
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: person %zu, %s point %d is at (%g, "
                              "%g) with confidence %.2f: not a place in any picture", path,
                              person, kind, i, k[i].x, k[i].y, k[i].c);
    }
    return 0;
}

static void read_points(json_object *a, SemioKeypoint *out, int n)
{
    for (int k = 0; k < n; k++)
        out[k] = (SemioKeypoint){
            (float)json_object_get_double(json_object_array_get_idx(a, (size_t)k * 3)),
            (float)json_object_get_double(json_object_array_get_idx(a, (size_t)k * 3 + 1)),
            (float)json_object_get_double(json_object_array_get_idx(a, (size_t)k * 3 + 2)) };
}

/* COCO-WholeBody's 133 points (17 body, 6 feet, 68 face, 42 hands) as BODY_25 + face. */
static void from_wholebody(json_object *pts, json_object *scores, SemioPerson *p)
{
    static const int body[23] = { SEMIO_NOSE, SEMIO_LEYE, SEMIO_REYE, SEMIO_LEAR, SEMIO_REAR,
                                  SEMIO_LSHOULDER, SEMIO_RSHOULDER, SEMIO_LELBOW, SEMIO_RELBOW,
                                  SEMIO_LWRIST, SEMIO_RWRIST, SEMIO_LHIP, SEMIO_RHIP,
                                  SEMIO_LKNEE, SEMIO_RKNEE, SEMIO_LANKLE, SEMIO_RANKLE,
                                  SEMIO_LBIGTOE, SEMIO_LSMALLTOE, SEMIO_LHEEL, SEMIO_RBIGTOE,
                                  SEMIO_RSMALLTOE, SEMIO_RHEEL };
    SemioKeypoint k[91];
    for (int i = 0; i < 91; i++) {
        json_object *xy = json_object_array_get_idx(pts, (size_t)i);
        k[i] = (SemioKeypoint){ (float)json_object_get_double(json_object_array_get_idx(xy, 0)),
                                (float)json_object_get_double(json_object_array_get_idx(xy, 1)),
                                (float)json_object_get_double(json_object_array_get_idx(scores, (size_t)i)) };
    }
    p->npoints = 25;
    for (int i = 0; i < 23; i++)
        p->body[body[i]] = k[i];
    /* OpenPose's neck and mid-hip are the midpoints of the shoulders and of the hips */
    const int mids[2][3] = { { SEMIO_NECK, 5, 6 }, { SEMIO_MIDHIP, 11, 12 } };
    for (int m = 0; m < 2; m++) {
        SemioKeypoint a = k[mids[m][1]], b = k[mids[m][2]];
        p->body[mids[m][0]] = (SemioKeypoint){ (a.x + b.x) / 2, (a.y + b.y) / 2, fminf(a.c, b.c) };
    }
    p->nface = 70;
    for (int i = 0; i < 68; i++)
        p->face[i] = k[23 + i];
    for (int e = 0; e < 2; e++) { /* pupils: the eye's centre */
        SemioKeypoint c = { 0, 0, 1 };
        for (int i = 0; i < 6; i++) {
            c.x += p->face[36 + 6 * e + i].x / 6;
            c.y += p->face[36 + 6 * e + i].y / 6;
            c.c = fminf(c.c, p->face[36 + 6 * e + i].c);
        }
        p->face[68 + e] = c;
    }
}

/* 133 [x, y] pairs: anything else in their place would reach json-c's array calls, which
 * abort on what is not an array. */
static int wholebody_points(json_object *pts)
{
    if (!json_object_is_type(pts, json_type_array) || json_object_array_length(pts) != 133)
        return 0;
    for (size_t i = 0; i < 133; i++) {
        json_object *xy = json_object_array_get_idx(pts, i);
        if (!json_object_is_type(xy, json_type_array) || json_object_array_length(xy) < 2)
            return 0;
    }
    return 1;
}

/* Sapiens' per-image JSON: instance_info[] with keypoints [[x, y], ...] and keypoint_scores. */
static int read_wholebody(const char *path, json_object *instances, SemioPerson **out,
                          size_t *n, SemioError *err)
{
    size_t count = json_object_array_length(instances);
    SemioPerson *p = calloc(count ? count : 1, sizeof(*p));
    if (!p)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_object *inst = json_object_array_get_idx(instances, i), *pts, *scores;
        if (!json_object_object_get_ex(inst, "keypoints", &pts) ||
            !json_object_object_get_ex(inst, "keypoint_scores", &scores) ||
            !wholebody_points(pts) || !json_object_is_type(scores, json_type_array) ||
            json_object_array_length(scores) != 133) {
            free(p);
            return semio_fail(err, SEMIO_ERR_FORMAT, "%s: instance %zu is not COCO-WholeBody "
                              "(133 keypoints, each [x, y], and 133 keypoint_scores)", path, i);
        }
        from_wholebody(pts, scores, &p[i]);
        int r = check_points(path, i, "body", p[i].body, p[i].npoints, err);
        if (r == 0)
            r = check_points(path, i, "face", p[i].face, p[i].nface, err);
        if (r < 0) {
            free(p);
            return r;
        }
    }
    *out = p;
    *n = count;
    return 0;
}

int semio_openpose_read(const char *path, SemioPerson **out, size_t *n, SemioError *err)
{
    *out = NULL;
    *n = 0;
    char *text;
    int r = semio_read_file(path, &text, NULL, err);
    if (r < 0)
        return r;
    json_object *root = json_tokener_parse(text), *people;
    free(text);
    if (root && json_object_object_get_ex(root, "instance_info", &people) &&
        json_object_is_type(people, json_type_array)) {
        r = read_wholebody(path, people, out, n, err);
        json_object_put(root);
        return r;
    }
    if (!root || !json_object_object_get_ex(root, "people", &people) ||
        !json_object_is_type(people, json_type_array)) {
        json_object_put(root);
        return semio_fail(err, SEMIO_ERR_FORMAT, "%s: neither OpenPose JSON (a people array) "
                          "nor COCO-WholeBody (an instance_info array)", path);
    }
    size_t count = json_object_array_length(people);
    SemioPerson *p = calloc(count ? count : 1, sizeof(*p));
    if (!p) {
        json_object_put(root);
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < count && r == 0; i++) {
        json_object *kp;
        if (!json_object_object_get_ex(json_object_array_get_idx(people, i),
                                       "pose_keypoints_2d", &kp) ||
            !json_object_is_type(kp, json_type_array)) {
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: person %zu has no pose_keypoints_2d",
                           path, i);
            break;
        }
        size_t len = json_object_array_length(kp);
        if (len != 75 && len != 54) {
            r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: person %zu has %zu numbers, not 75 "
                           "(BODY_25) or 54 (COCO-18)", path, i, len);
            break;
        }
        p[i].npoints = (int)len / 3;
        read_points(kp, p[i].body, p[i].npoints);
        if ((r = check_points(path, i, "body", p[i].body, p[i].npoints, err)) < 0)
            break;
        json_object *face;
        if (json_object_object_get_ex(json_object_array_get_idx(people, i), "face_keypoints_2d",
                                      &face) && json_object_is_type(face, json_type_array) &&
            json_object_array_length(face) > 0) {
            if (json_object_array_length(face) != 210) {
                r = semio_fail(err, SEMIO_ERR_FORMAT, "%s: person %zu has %zu face numbers, "
                               "not 210 (70 points)", path, i, json_object_array_length(face));
                break;
            }
            p[i].nface = 70;
            read_points(face, p[i].face, 70);
            if ((r = check_points(path, i, "face", p[i].face, 70, err)) < 0)
                break;
        }
    }
    json_object_put(root);
    if (r < 0) {
        free(p);
        return r;
    }
    *out = p;
    *n = count;
    return 0;
}

typedef struct Entry {
    int64_t index;
    char *path;
} Entry;

struct SemioKeypointDir {
    Entry *e;
    size_t n;
};

static int cmp_entry(const void *a, const void *b)
{
    int64_t x = ((const Entry *)a)->index, y = ((const Entry *)b)->index;
    return (x > y) - (x < y);
}

/*
 * Adds dir's files named STEM_<digits>_keypoints.json (OpenPose; any STEM when stem is
 * NULL) and, with stem NULL, <digits>.json (Sapiens and other COCO-WholeBody writers name
 * each file after its frame).
 */
static int scan(SemioKeypointDir *d, const char *dir, const char *stem, SemioError *err)
{
    DIR *h = opendir(dir);
    if (!h)
        return 0;
    size_t cap = d->n;
    for (struct dirent *de; (de = readdir(h));) {
        const char *name = de->d_name, *suffix = strstr(name, "_keypoints.json");
        size_t len = strlen(name);
        int bare = !stem && !suffix && len > 5 && !strcmp(name + len - 5, ".json") &&
                   strspn(name, "0123456789") == len - 5;
        if (bare)
            suffix = name + len - 5;
        else if (!suffix || suffix[15] != '\0')
            continue;
        const char *digits = suffix;
        while (digits > name && digits[-1] >= '0' && digits[-1] <= '9')
            digits--;
        if (!bare && (digits == suffix || digits == name || digits[-1] != '_'))
            continue;
        if (stem && ((size_t)(digits - 1 - name) != strlen(stem) ||
                     strncmp(name, stem, strlen(stem))))
            continue;
        if (d->n == cap) {
            cap = cap ? 2 * cap : 256;
            Entry *ne = realloc(d->e, cap * sizeof(*ne));
            if (!ne) {
                closedir(h);
                return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
            }
            d->e = ne;
        }
        char path[PATH_MAX + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        d->e[d->n].index = strtoll(digits, NULL, 10);
        if (!(d->e[d->n].path = strdup(path))) {
            closedir(h);
            return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        }
        d->n++;
    }
    closedir(h);
    return 0;
}

int semio_keypoints_open(SemioKeypointDir **out, const char *dir, const char *video,
                         SemioError *err)
{
    *out = NULL;
    char stem[512], sub[PATH_MAX];
    snprintf(stem, sizeof(stem), "%s", semio_basename(video));
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    SemioKeypointDir *d = calloc(1, sizeof(*d));
    if (!d)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int r = scan(d, dir, stem, err);
    if (r == 0 && semio_path(NULL, sub, sizeof(sub), "%s/%s", dir, stem) == 0)
        r = scan(d, sub, NULL, err);
    if (r == 0 && d->n == 0)
        r = semio_fail(err, SEMIO_ERR_NOT_FOUND, "%s: no OpenPose keypoints for %s (looked for "
                       "%s_<frame>_keypoints.json there and in %s/)", dir, semio_basename(video),
                       stem, stem);
    if (r < 0) {
        semio_keypoints_close(&d);
        return r;
    }
    qsort(d->e, d->n, sizeof(Entry), cmp_entry);
    *out = d;
    return 0;
}

const char *semio_keypoints_path(const SemioKeypointDir *d, int64_t index)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->e[mid].index == index)
            return d->e[mid].path;
        if (d->e[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int64_t semio_keypoints_last(const SemioKeypointDir *d)
{
    return d->n ? d->e[d->n - 1].index : -1;
}

size_t semio_keypoints_count(const SemioKeypointDir *d)
{
    return d->n;
}

void semio_keypoints_close(SemioKeypointDir **pd)
{
    SemioKeypointDir *d = *pd;
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->e[i].path);
    free(d->e);
    free(d);
    *pd = NULL;
}

static int centroid(const SemioPerson *p, double *x, double *y)
{
    double sx = 0, sy = 0;
    int n = 0;
    for (int k = 0; k < p->npoints; k++)
        if (p->body[k].c > 0.1f) {
            sx += p->body[k].x;
            sy += p->body[k].y;
            n++;
        }
    for (int k = 0; !n && k < p->nface; k++) /* a face alone (a face detector's find) */
        if (p->face[k].c > 0.1f) {
            sx += p->face[k].x;
            sy += p->face[k].y;
            n++;
        }
    if (!n)
        return 0;
    *x = sx / n;
    *y = sy / n;
    return 1;
}

void semio_choose_patient(SemioPerson *const *people, const size_t *counts, size_t n, int width,
                          int height, int *choice)
{
    enum { MAX_TRACKS = 64 };
    double tx[MAX_TRACKS], ty[MAX_TRACKS], center_dist[MAX_TRACKS];
    int frames[MAX_TRACKS], ntracks = 0;
    int *track_of = malloc((n + 1) * 64 * sizeof(int)); /* [frame][person], persons < 64 */
    double reach = 0.2 * hypot(width, height);
    for (size_t f = 0; f < n; f++) {
        choice[f] = -1;
        for (size_t i = 0; i < counts[f] && i < 64; i++) {
            double x, y;
            int t = -1;
            if (track_of)
                track_of[f * 64 + i] = -1;
            if (!centroid(&people[f][i], &x, &y))
                continue;
            double best = reach;
            for (int k = 0; k < ntracks; k++) {
                double dd = hypot(tx[k] - x, ty[k] - y);
                if (dd < best) {
                    best = dd;
                    t = k;
                }
            }
            if (t < 0 && ntracks < MAX_TRACKS) {
                t = ntracks++;
                frames[t] = 0;
                center_dist[t] = 0;
            }
            if (t < 0)
                continue;
            tx[t] = x;
            ty[t] = y;
            frames[t]++;
            center_dist[t] += hypot(x - width / 2.0, y - height / 2.0);
            if (track_of)
                track_of[f * 64 + i] = t;
        }
    }
    int patient = -1;
    for (int k = 0; k < ntracks; k++)
        if (patient < 0 || frames[k] > frames[patient] ||
            (frames[k] == frames[patient] &&
             center_dist[k] / frames[k] < center_dist[patient] / frames[patient]))
            patient = k;
    for (size_t f = 0; f < n && track_of && patient >= 0; f++)
        for (size_t i = 0; i < counts[f] && i < 64; i++)
            if (track_of[f * 64 + i] == patient && choice[f] < 0)
                choice[f] = (int)i;
    free(track_of);
}
