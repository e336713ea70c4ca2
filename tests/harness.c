/* The test runner behind harness.h. */
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

static int failed_now, skipped_now;
static char skip_why[512];
static char dir[256];

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "    %s:%d: ", file, line);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    failed_now = 1;
}

void test_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(skip_why, sizeof(skip_why), fmt, ap);
    va_end(ap);
    skipped_now = 1;
}

const char *test_dir(void)
{
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/semio-test-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

/* Every path handed out stays valid until the binary exits. */
static char **paths;
static size_t npaths;

const char *test_path(const char *name)
{
    char **grown = realloc(paths, (npaths + 1) * sizeof(char *));
    if (!grown || asprintf(&grown[npaths], "%s/%s", test_dir(), name) < 0) {
        perror("test_path");
        exit(2);
    }
    paths = grown;
    return paths[npaths++];
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

int test_main(const TestCase *cases, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t i = 0; i < n; i++) {
        if (only && !strstr(cases[i].name, only))
            continue;
        failed_now = skipped_now = 0;
        cases[i].fn();
        if (failed_now) {
            printf("FAIL - %s\n", cases[i].name);
            failed++;
        } else if (skipped_now) {
            printf("skip - %s: %s\n", cases[i].name, skip_why);
            skipped++;
        } else {
            printf("ok - %s\n", cases[i].name);
            passed++;
        }
        fflush(stdout);
    }
    if (dir[0] && !getenv("KEEP_TEST_FILES"))
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    if (skipped)
        printf("%d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

long long test_sql(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_open(db, &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    } else {
        printf("    test_sql: %s: %s\n", db, sqlite3_errmsg(h));
    }
    sqlite3_close(h);
    return v;
}
