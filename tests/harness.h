/*
 * A small test harness: each test binary lists its cases; the runner prints one line
 * per case and "N passed, N failed" at the end. CHECK stops the current case.
 */
#ifndef SEMIO_TESTS_HARNESS_H
#define SEMIO_TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "semio/common.h"

typedef struct TestCase {
    const char *name;
    void (*fn)(void);
} TestCase;

void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Skips the current case, saying why (a part semio was built without, a package not
 * installed): it prints "skip - CASE: why" and counts apart from passed and failed. The
 * case should return right after; SKIP_UNLESS does both.
 */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** A fresh folder for this binary's files (removed at exit unless KEEP_TEST_FILES is set). */
const char *test_dir(void);

/** test_dir()/name; the string lives until the test binary exits. */
const char *test_path(const char *name);

int test_main(const TestCase *cases, size_t n, int argc, char **argv);

/** The first column of the first row of `sql` on the SQLite file `db`: -2 if NULL,
 *  -1 if the query fails (its message printed). */
long long test_sql(const char *db, const char *sql);

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            test_fail(__FILE__, __LINE__, "%s", #cond);                               \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        if (!(cond)) {                                                                \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                               \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define CHECK_INT(a, b)                                                               \
    do {                                                                              \
        long long a_ = (long long)(a), b_ = (long long)(b);                           \
        if (a_ != b_) {                                                               \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);  \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *a_ = (a), *b_ = (b);                                              \
        if (!a_ || !b_ || strcmp(a_, b_)) {                                           \
            test_fail(__FILE__, __LINE__, "%s == %s: '%s' != '%s'", #a, #b,           \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
            return;                                                                   \
        }                                                                             \
    } while (0)

/* Checks a library call returned 0, printing its error message otherwise. */
#define CHECK_OK(call, err)                                                           \
    do {                                                                              \
        int r_ = (call);                                                              \
        if (r_ != 0) {                                                                \
            test_fail(__FILE__, __LINE__, "%s returned %d: %s", #call, r_,            \
                      (err).message);                                                 \
            return;                                                                   \
        }                                                                             \
    } while (0)

/* Skips the current case unless cond holds. */
#define SKIP_UNLESS(cond, ...)                                                        \
    do {                                                                              \
        if (!(cond)) {                                                                \
            test_skip(__VA_ARGS__);                                                   \
            return;                                                                   \
        }                                                                             \
    } while (0)

/* Skips the current case unless semio was built with the optional part `name`. */
#define SKIP_UNLESS_BUILT(name)                                                       \
    SKIP_UNLESS(semio_feature_built(name), "semio was built without meson feature '%s'", name)

#define TEST(fn) { #fn, fn }

#endif
