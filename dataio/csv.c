/* csv.c - CSV tables (see mlpt/csv.h).
 *
 * The file is read whole (inflated first when it is gzip) and parsed in
 * place: unquoting only ever shortens a field, so each cell is rewritten,
 * NUL-terminated, at or before where it was read, and the table costs the
 * file's bytes plus one offset per cell. */
#include "mlpt/csv.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hash.h"
#include "mlpt/fileio.h"
#include "words.h"

/* Offsets are 32-bit: half the memory of size_t for tables of millions of
 * cells, and tables larger than this are better stored as .npy. */
#define MAX_TEXT ((uint64_t)UINT32_MAX)
#define CHUNK 65536

/* The whole file, inflated if it is gzip (zlib's gzread passes other files
 * through unchanged, and reads concatenated gzip members in turn). */
static int read_text(const char *path, char **text, size_t *len, mlpt_error *err)
{
    FILE *probe;
    uint64_t size;
    if (mlpt_open_regular(path, &probe, &size, err) < 0)
        return -1;
    fclose(probe);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return mlpt_fail_at(err, path, NULL, "cannot open");
    gzbuffer(f, CHUNK);
    size_t cap = size < CHUNK ? CHUNK : (size_t)size + 1, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : mlpt_fail_at(err, path, NULL, "out of memory for %zu bytes", cap);
    while (rc == 0) {
        if (cap - n < CHUNK) {
            char *grown = cap > MAX_TEXT ? NULL : realloc(buf, cap * 2);
            if (!grown) {
                rc = cap > MAX_TEXT ? mlpt_fail_at(err, path, NULL, "larger than %llu bytes: "
                                                   "store a table this large as .npy",
                                                   (unsigned long long)MAX_TEXT)
                                    : mlpt_fail_at(err, path, NULL, "out of memory");
                break;
            }
            buf = grown;
            cap *= 2;
        }
        const int got = gzread(f, buf + n, CHUNK);
        if (got < 0) {
            int code;
            const char *why = gzerror(f, &code);
            rc = mlpt_fail_at(err, path, NULL, "%s: %s",
                              code == Z_DATA_ERROR ? "corrupt gzip stream" : "read error", why);
        } else if (got == 0) {
            break;
        }
        n += got > 0 ? (size_t)got : 0;
    }
    gzclose(f);
    if (rc == 0 && n > MAX_TEXT)
        rc = mlpt_fail_at(err, path, NULL, "larger than %llu bytes: store a table this large "
                          "as .npy", (unsigned long long)MAX_TEXT);
    if (rc == 0 && memchr(buf, '\0', n))
        rc = mlpt_fail_at(err, path, NULL, "holds a NUL byte at offset %zu: not a text file",
                          (size_t)((char *)memchr(buf, '\0', n) - buf));
    if (rc < 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0'; /* cap > n: the loop keeps CHUNK bytes free */
    *text = buf;
    *len = n;
    return 0;
}

/* Growing arrays of cell offsets and line numbers. */
static int push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 1024;
        uint32_t *p = realloc(*a, grown * sizeof *p);
        if (!p)
            return -1;
        *a = p;
        *cap = grown;
    }
    (*a)[(*n)++] = v;
    return 0;
}

static bool at_eol(const char *s, size_t r, size_t len)
{
    return r < len && (s[r] == '\n' || (s[r] == '\r' && (r + 1 == len || s[r + 1] == '\n')));
}

/* Past the line end at r (LF, CRLF, or a CR that ends the file). */
static size_t past_eol(const char *s, size_t r, size_t len)
{
    return r + (s[r] == '\r' && r + 1 < len ? 2 : 1);
}

/* Parses every record in place; each cell's offset goes to t->cells. */
static int parse(mlpt_csv *t, char *s, size_t len, char delim, mlpt_error *err)
{
    size_t r = 0, w = 0, n_cells = 0, cap_cells = 0, n_lines = 0, cap_lines = 0;
    uint32_t line = 1;
    if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
        r = w = 3; /* the BOM is left in place, before the first cell */
    while (r < len) {
        if (at_eol(s, r, len)) { /* an empty line */
            r = past_eol(s, r, len);
            line++;
            continue;
        }
        const uint32_t record_line = line;
        size_t fields = 0;
        for (;;) {
            const size_t start = w;
            if (s[r] == '"') {
                const uint32_t quote_line = line;
                for (r++;; r++) {
                    if (r >= len)
                        return mlpt_fail(err, "%s:%u: a quoted field is never closed",
                                         t->path, quote_line);
                    if (s[r] == '"' && r + 1 < len && s[r + 1] == '"')
                        r++; /* "" is one quote */
                    else if (s[r] == '"')
                        break;
                    line += s[r] == '\n';
                    s[w++] = s[r];
                }
                r++;
                if (r < len && s[r] != delim && !at_eol(s, r, len))
                    return mlpt_fail(err, "%s:%u: text after a closing quote (a quote "
                                     "inside a quoted field is written \"\")", t->path, line);
            } else {
                while (r < len && s[r] != delim && !at_eol(s, r, len))
                    s[w++] = s[r++];
            }
            /* where the field ended: the NUL may land on it (w == r) */
            const bool more = r < len && s[r] == delim;
            const size_t next = more ? r + 1 : r < len ? past_eol(s, r, len) : r;
            s[w++] = '\0';
            fields++;
            if (push(&t->cells, &n_cells, &cap_cells, (uint32_t)start) < 0)
                return mlpt_fail_at(err, t->path, NULL, "out of memory for the cells");
            r = next;
            if (more)
                continue;
            line++;
            break;
        }
        if (n_lines == 0)
            t->n_cols = fields;
        else if (fields != t->n_cols)
            return mlpt_fail(err, "%s:%u: %zu fields, but the header has %zu columns", t->path,
                             record_line, fields, t->n_cols);
        if (push(&t->lines, &n_lines, &cap_lines, record_line) < 0)
            return mlpt_fail_at(err, t->path, NULL, "out of memory for the cells");
    }
    if (n_lines == 0)
        return mlpt_fail_at(err, t->path, NULL, "empty: a header row naming the columns is "
                            "needed");
    t->n_rows = n_lines - 1;
    return 0;
}

/* Header names: non-empty and distinct (sorted, so that a header of many
 * thousands of columns is checked in n log n). */
static int check_header(const mlpt_csv *t, mlpt_error *err)
{
    const char **names = malloc(t->n_cols * sizeof *names);
    if (!names)
        return mlpt_fail_at(err, t->path, NULL, "out of memory for the header");
    for (size_t c = 0; c < t->n_cols; c++)
        names[c] = mlpt_csv_name(t, c);
    qsort(names, t->n_cols, sizeof *names, words_by_bytes);
    const char *twice = NULL;
    for (size_t c = 1; c < t->n_cols && !twice; c++)
        if (!strcmp(names[c - 1], names[c]))
            twice = names[c];
    free(names);
    long first = -1;
    for (size_t c = 0; c < t->n_cols; c++) {
        const char *name = mlpt_csv_name(t, c);
        if (!*name)
            return mlpt_fail(err, "%s:%u: column %zu has no name in the header", t->path,
                             t->lines[0], c + 1);
        if (twice && !strcmp(name, twice) && first < 0)
            first = (long)c;
        else if (twice && !strcmp(name, twice))
            return mlpt_fail(err, "%s:%u: columns %ld and %zu are both named '%s'", t->path,
                             t->lines[0], first + 1, c + 1, name);
    }
    return 0;
}

int mlpt_csv_load(const char *path, char delimiter, mlpt_csv *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == '\0')
        return mlpt_fail_at(err, path, NULL, "a quote, a line end or NUL cannot be the "
                            "delimiter");
    mlpt_csv t = {.path = path};
    size_t len = 0;
    if (read_text(path, &t.text, &len, err) < 0)
        return -1;
    t.bytes = len;
    t.hash = mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)t.text, len);
    if (parse(&t, t.text, len, delimiter, err) < 0 || check_header(&t, err) < 0) {
        mlpt_csv_free(&t);
        return -1;
    }
    *out = t;
    return 0;
}

const char *mlpt_csv_name(const mlpt_csv *t, size_t c)
{
    return t->text + t->cells[c];
}

long mlpt_csv_column(const mlpt_csv *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (!strcmp(mlpt_csv_name(t, c), name))
            return (long)c;
    return -1;
}

static const char *column_name(const void *t, size_t c)
{
    return mlpt_csv_name(t, c);
}

const char *mlpt_csv_header(const mlpt_csv *t, char *buf, size_t cap)
{
    return words_join(t, t->n_cols, column_name, buf, cap);
}

const char *mlpt_csv_cell(const mlpt_csv *t, size_t r, size_t c)
{
    return t->text + t->cells[(r + 1) * t->n_cols + c];
}

int mlpt_csv_fail(const mlpt_csv *t, size_t r, size_t c, mlpt_error *err, const char *fmt, ...)
{
    char what[MLPT_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mlpt_fail(err, "%s:%u: column %zu (%s): %s", t->path, t->lines[r + 1], c + 1,
                     mlpt_csv_name(t, c), what);
}

int mlpt_csv_number(const mlpt_csv *t, size_t r, size_t c, double *v, mlpt_error *err)
{
    const char *cell = mlpt_csv_cell(t, r, c), *p = cell;
    while (*p == ' ' || *p == '\t')
        p++;
    /* strtod also reads "nan", "inf" and hexadecimal: none is a table's
     * number, so only decimal characters get that far. */
    const size_t n = strspn(p, "0123456789+-.eE");
    char *end = NULL;
    if (n)
        *v = strtod(p, &end);
    const char *rest = p + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    if (!n || end != p + n || *rest || !isfinite(*v))
        return mlpt_csv_fail(t, r, c, err, *cell ? "'%.40s' is not a number" : "empty cell%s",
                             *cell ? cell : " (a number is needed)");
    return 0;
}

void mlpt_csv_free(mlpt_csv *t)
{
    free(t->text);
    free(t->cells);
    free(t->lines);
    memset(t, 0, sizeof *t);
}
