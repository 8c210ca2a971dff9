/* tests/fuzz/fuzz_tmp.h - for the fuzz targets of path-based readers: the
 * temporary file each input is written to (one per process, reused,
 * removed at exit), and the check that an error names that file. */
#ifndef MLPT_FUZZ_TMP_H
#define MLPT_FUZZ_TMP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_tmp_path[512];

static void fuzz_tmp_remove(void)
{
    unlink(fuzz_tmp_path);
}

/* $TMPDIR/mlpt_fuzz_<tag>.<pid><suffix>, chosen on the first call. */
static const char *fuzz_tmp_name(const char *tag, const char *suffix)
{
    if (!fuzz_tmp_path[0]) {
        const char *dir = getenv("TMPDIR");
        int n = snprintf(fuzz_tmp_path, sizeof fuzz_tmp_path, "%s/mlpt_fuzz_%s.%ld%s",
                         dir && *dir ? dir : "/tmp", tag, (long)getpid(), suffix);
        if (n < 0 || (size_t)n >= sizeof fuzz_tmp_path) {
            fprintf(stderr, "fuzz_%s: TMPDIR is too long\n", tag);
            abort();
        }
        atexit(fuzz_tmp_remove);
    }
    return fuzz_tmp_path;
}

/* Writes data to the temporary file and returns its path; aborts on error. */
static const char *fuzz_write_tmp(const char *tag, const char *suffix, const uint8_t *data,
                                  size_t size)
{
    const char *path = fuzz_tmp_name(tag, suffix);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    size_t wrote = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || wrote != size) {
        perror(path);
        abort();
    }
    return path;
}

/* Aborts unless msg (a buffer of cap bytes) is terminated within it and
 * reads "path: what is wrong", as every reader's errors do. */
static void fuzz_check_error(const char *msg, size_t cap, const char *path)
{
    const size_t plen = strlen(path);
    if (strnlen(msg, cap) == cap || strncmp(msg, path, plen) != 0 ||
        strncmp(msg + plen, ": ", 2) != 0)
        abort();
}

#endif
