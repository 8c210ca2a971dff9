/* error.c - error reporting for every library call (see mlpt/error.h). */
#include "mlpt/error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mlpt_fail(mlpt_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->command_line = false;
    }
    return -1;
}

const char *mlpt_noun(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int mlpt_fail_at(mlpt_error *err, const char *path, const char *field, const char *fmt, ...)
{
    if (err) {
        char what[MLPT_ERROR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        if (field)
            mlpt_fail(err, "%s: %s: %s", path, field, what);
        else
            mlpt_fail(err, "%s: %s", path, what);
    }
    return -1;
}

const char *mlpt_quote(const char *text, char *buf, size_t cap)
{
    size_t i = 0;
    for (; text[i] && i + 4 < cap; i++)
        buf[i] = iscntrl((unsigned char)text[i]) ? '?' : text[i];
    strcpy(buf + i, text[i] ? "..." : "");
    return buf;
}
