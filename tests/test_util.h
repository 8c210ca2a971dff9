/* tests/test_util.h - small helpers shared by the Criterion tests.
 *
 * The scratch folder needs mkdtemp and PATH_MAX: define _POSIX_C_SOURCE
 * 200809L before any include (the build is -std=c11). */
#ifndef MLPT_TEST_UTIL_H
#define MLPT_TEST_UTIL_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L before any include (mkdtemp, PATH_MAX)"
#endif

#include <criterion/criterion.h>

#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 1 when all len bytes at p are zero. */
static inline int is_zeroed(const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

/* A whole file's bytes (free p), read or the test fails. */
typedef struct file_bytes {
    unsigned char *p;
    size_t len;
} file_bytes;

static inline file_bytes read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    file_bytes b = {malloc((size_t)size + 1), (size_t)size};
    cr_assert(b.p);
    cr_assert_eq(fread(b.p, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

/* ---- a scratch folder per test ----
 * Criterion runs each test in a process of its own, so one folder per
 * process is one per test: make it in the suite's .init, remove it in .fini.
 * It lives in the build folder, never in the source tree. */

/* The folder's path ("" before scratch_make). */
static inline char *scratch_dir(void)
{
    static char dir[PATH_MAX];
    return dir;
}

/* Makes MLPT_BINARY_DIR/<prefix>.XXXXXX. */
static inline void scratch_make(const char *prefix)
{
    char *dir = scratch_dir();
    int n = snprintf(dir, PATH_MAX, "%s/%s.XXXXXX", MLPT_BINARY_DIR, prefix);
    cr_assert(n > 0 && n < PATH_MAX, "scratch folder name too long");
    cr_assert(mkdtemp(dir), "mkdtemp %s failed", dir);
}

/* scratch_dir()/name, in one of 8 rotating buffers (so a few can be held
 * at once). */
static inline const char *scratch_path(const char *name)
{
    static char paths[8][PATH_MAX];
    static unsigned next;
    char *p = paths[next++ % 8];
    int n = snprintf(p, PATH_MAX, "%s/%s", scratch_dir(), name);
    cr_assert(n > 0 && n < PATH_MAX, "path too long: %s/%s", scratch_dir(), name);
    return p;
}

/* Entries in the folder, "." and ".." aside; the first one's name goes to
 * first (capacity cap) unless first is NULL. */
static inline int scratch_count(char *first, size_t cap)
{
    DIR *d = opendir(scratch_dir());
    cr_assert(d, "cannot open %s", scratch_dir());
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n++ == 0 && first)
            snprintf(first, cap, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

/* Removes the folder and the files in it (tests make no subfolders). */
static inline void scratch_remove(void)
{
    if (!scratch_dir()[0])
        return;
    char name[NAME_MAX + 1], path[PATH_MAX + NAME_MAX + 2];
    while (scratch_count(name, sizeof name) > 0) {
        snprintf(path, sizeof path, "%s/%s", scratch_dir(), name);
        /* asserted: a file that stays would loop for ever */
        cr_assert_eq(unlink(path), 0, "cannot remove %s", path);
    }
    cr_assert_eq(rmdir(scratch_dir()), 0, "cannot remove %s", scratch_dir());
}

#endif
