/* The test runner behind harness.h. */
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

static int failed_now;
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
    int passed = 0, failed = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t i = 0; i < n; i++) {
        if (only && !strstr(cases[i].name, only))
            continue;
        failed_now = 0;
        cases[i].fn();
        printf("%s - %s\n", failed_now ? "FAIL" : "ok", cases[i].name);
        fflush(stdout);
        failed_now ? failed++ : passed++;
    }
    if (dir[0] && !getenv("KEEP_TEST_FILES"))
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
