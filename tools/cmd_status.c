/* semio status: a study's summary, for people or (--json) for programs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

static long long num(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? (long long)json_object_get_int64(v) : 0;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* Why a run's answers failed: its most frequent reasons, with how many each. */
static void print_failures(json_object *root, const char *run)
{
    enum { SHOWN = 5 };
    json_object *arr;
    json_object_object_get_ex(root, "failures", &arr);
    size_t shown = 0, more = 0;
    long long rest = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        const char *r = str(o, "run");
        if (!r || strcmp(r, run))
            continue;
        if (shown++ < SHOWN)
            printf("  %lld failed: %s\n", num(o, "answers"), str(o, "error"));
        else
            more++, rest += num(o, "answers");
    }
    if (more)
        printf("  %lld failed for %zu other reasons (semio status --json lists them)\n", rest,
               more);
}

static void print_text(json_object *root)
{
    json_object *v, *l, *arr;
    json_object_object_get_ex(root, "videos", &v);
    json_object_object_get_ex(root, "labels", &l);
    double seconds = 0;
    json_object *sec;
    if (json_object_object_get_ex(v, "seconds", &sec))
        seconds = json_object_get_double(sec);
    printf("study:      %s\ncache:      %s\n", str(root, "study"), str(root, "cache"));
    printf("recordings: %lld (%lld ok, %lld labels only, %lld without video, %lld failed, "
           "%lld changed since first ingest)\n",
           num(v, "total"), num(v, "ok"), num(v, "no_file"), num(v, "no_video"), num(v, "error"),
           num(v, "changed"));
    printf("patients:   %lld\nfootage:    %.1f min, %lld frames\n", num(v, "patients"),
           seconds / 60, num(v, "frames"));
    printf("labels:     %lld files, %lld recordings, %lld signs: %lld yes, %lld no, "
           "%lld unknown\n",
           num(l, "files"), num(l, "videos"), num(l, "signs"), num(l, "yes"), num(l, "no"),
           num(l, "unknown"));
    json_object_object_get_ex(root, "segment_sets", &arr);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        printf("segments:   %s: %lld over %lld recordings\n", str(o, "name"), num(o, "segments"),
               num(o, "videos"));
    }
    json_object_object_get_ex(root, "samplings", &arr);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        printf("samples:    %s: %lld segments ok, %lld partial, %lld failed, %lld frames\n",
               str(o, "key"), num(o, "ok"), num(o, "partial"), num(o, "failed"),
               num(o, "frames"));
    }
    json_object_object_get_ex(root, "runs", &arr);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        const char *model = str(o, "model");
        printf("run:        %s (%s%s%s): %lld answers, %lld failed\n", str(o, "name"),
               str(o, "engine"), model ? ", " : "", model ? model : "", num(o, "answers"),
               num(o, "failed"));
        print_failures(root, str(o, "name"));
    }
    json_object_object_get_ex(root, "claims", &arr);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i), *age;
        json_object_object_get_ex(o, "seconds_since_renewed", &age);
        printf("working:    %s, by process %lld on %s (renewed %.0f s ago)\n", str(o, "what"),
               num(o, "pid"), str(o, "host"), json_object_get_double(age));
    }
    json_object_object_get_ex(root, "problems", &arr);
    size_t n = json_object_array_length(arr);
    if (n)
        printf("problems:   %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        const char *e = str(o, "error"), *w = str(o, "warning");
        printf("  %s [%s%s] %s%s%s\n", str(o, "file_name"), str(o, "status"),
               num(o, "changed") ? ", changed" : "", e ? e : "", e && w ? "; " : "", w ? w : "");
    }
}

int cmd_status(int argc, char **argv)
{
    const Command *cmd = cli_find("status");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "check", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    int json = 0, check = 0, opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        if (opt == 's')
            study = optarg;
        else if (opt == 'j')
            json = 1;
        else if (opt == 'c')
            check = 1;
    }
    if (!study)
        return cli_error("status: --study is required"), 2;
    SemioError err = { 0 };
    SemioStudy *s;
    char *text = NULL;
    if (check) { /* the full check reads a damaged study too, and lists what it finds */
        int r = semio_study_check(study, &text, &err);
        if (r < 0)
            return cli_fail(&err, r);
        int ok = !strcmp(text, "ok");
        printf(ok ? "%s: the database is sound (integrity_check: ok)\n"
                  : "%s: the database is damaged; semio writes nothing into it. 'semio recover "
                    "%s NEW.db' copies what can still be read into a new study. SQLite found:\n",
               study, study);
        if (!ok)
            printf("%s\n", text);
        semio_free(text);
        return ok ? 0 : 1;
    }
    int r = semio_study_open(&s, study, SEMIO_STUDY_READ, &err);
    if (r == 0)
        r = semio_status_json(s, &text, &err);
    semio_study_close(&s);
    if (r < 0)
        return cli_fail(&err, r);
    if (json) {
        printf("%s\n", text);
    } else {
        json_object *root = json_tokener_parse(text);
        print_text(root);
        json_object_put(root);
    }
    semio_free(text);
    return 0;
}
