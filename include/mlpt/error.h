/* mlpt/error.h - error reporting for every mlptrain library call.
 *
 * Library functions never print and never exit. A function that can fail
 * returns 0 on success and -1 on failure, and on failure fills the
 * caller's mlpt_error with one line that names the file (or flag) and, where
 * there is one, the line or field, then says what was expected. */
#ifndef MLPT_ERROR_H
#define MLPT_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_ERROR_LEN 1024

typedef struct mlpt_error {
    char msg[MLPT_ERROR_LEN]; /* NUL-terminated, no trailing newline */
    /* The fault is in a value given on the command line (a flag or --set),
     * not in a file: the command line is what must change. */
    bool command_line;
} mlpt_error;

/* Formats msg into err (printf-style), clears command_line, and returns
 * -1, so that error paths read `return mlpt_fail(err, "%s: ...", path);`.
 * err may be NULL. */
int mlpt_fail(mlpt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same for a reader's usual message, "path: field: what", or
 * "path: what" when field is NULL. */
int mlpt_fail_at(mlpt_error *err, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* text fit to quote in a one-line message, into buf: clipped to cap - 4
 * bytes with "..." after, control characters as '?', so that a hostile
 * file cannot put line breaks or terminal escapes into an error. Returns
 * buf (cap >= 4). */
const char *mlpt_quote(const char *text, char *buf, size_t cap);

/* `one` when n is 1, else `many`: counts in messages read "1 sample",
 * "2 samples" (`"%zu %s", n, mlpt_noun(n, "sample", "samples")`). */
const char *mlpt_noun(size_t n, const char *one, const char *many);

#ifdef __cplusplus
}
#endif
#endif
