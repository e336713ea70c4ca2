/*
 * Replays inputs through a fuzz target without libFuzzer: each file named, and each file
 * in each folder named, once, in name order. Built with the ordinary compiler, so the test
 * suite (and its sanitizer run) replays the corpus and every regression input.
 * Usage: replay_NAME FILE|FOLDER...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Runs one file; 0, or -1 when it cannot be read. A crash ends the process, as it should. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    struct stat st;
    uint8_t *data = NULL;
    size_t size = 0;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0) {
        size = (size_t)st.st_size;
        data = malloc(size ? size : 1); /* exactly the input: an overread is caught */
    }
    int ok = data && fread(data, 1, size, f) == size;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(data);
        return -1;
    }
    printf("%s\n", path); /* the last line printed names the input that crashed */
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_folder(const char *dir, size_t *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), r = n < 0 ? -1 : 0;
    if (n < 0)
        perror(dir);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path) < 0)
                r = -1;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
        return 2;
    }
    size_t count = 0;
    int r = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            r |= replay_folder(argv[i], &count);
        else if (replay_file(argv[i]) < 0)
            r = -1;
        else
            count++;
    }
    printf("replayed %zu inputs\n", count);
    return r ? 1 : 0;
}
