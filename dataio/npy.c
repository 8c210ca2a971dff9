/* npy.c - NumPy .npy reader (see mlpt/npy.h).
 *
 * The header is untrusted text: it is parsed as the small subset of Python
 * literal syntax numpy.save writes (a dict of three keys, strings, True and
 * False, a tuple of non-negative integers) and nothing else, so that a
 * pickle or any other expression is refused rather than half-understood. */
#include "mlpt/npy.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/fileio.h"
#include "npy_source.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy.save pads the header to 64 bytes and keeps it far below this; a
 * larger one is not a header numpy wrote, and is not read into memory. */
#define NPY_MAX_HEADER 65536

/* What the header says, before the payload is read. */
typedef struct header {
    mlpt_array a;         /* kind, itemsize, rank, dims, count */
    bool swap;          /* stored in the other byte order than the host's */
    bool fortran;
} header;

/* ---- the header's Python literal ---- */

typedef struct cursor {
    const char *p, *end;
    const char *path;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool take(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A quoted string without escapes (numpy never writes one) into buf. */
static int take_string(cursor *c, const char *field, char *buf, size_t cap, mlpt_error *err)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return mlpt_fail_at(err, c->path, field, "expected a quoted string in the header");
    const char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || n + 1 >= cap)
            return mlpt_fail_at(err, c->path, field, "not a string numpy writes in a header");
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return mlpt_fail_at(err, c->path, field, "unterminated string in the header");
    c->p++;
    buf[n] = '\0';
    return 0;
}

/* The words True and False. */
static int take_bool(cursor *c, bool *v, mlpt_error *err)
{
    skip_space(c);
    const size_t left = (size_t)(c->end - c->p);
    if (left >= 4 && !memcmp(c->p, "True", 4)) {
        c->p += 4;
        *v = true;
    } else if (left >= 5 && !memcmp(c->p, "False", 5)) {
        c->p += 5;
        *v = false;
    } else {
        return mlpt_fail_at(err, c->path, "fortran_order", "expected True or False");
    }
    return 0;
}

/* A tuple of non-negative integers: (), (5,), (60000, 28, 28). */
static int take_shape(cursor *c, header *h, mlpt_error *err)
{
    if (!take(c, '('))
        return mlpt_fail_at(err, c->path, "shape", "expected a tuple such as (60000, 784)");
    h->a.rank = 0;
    h->a.count = 1;
    while (!take(c, ')')) {
        skip_space(c);
        if (c->p >= c->end || !isdigit((unsigned char)*c->p))
            return mlpt_fail_at(err, c->path, "shape", "expected a dimension (a whole number "
                                "of zero or more) or ')'");
        if (h->a.rank == MLPT_ARRAY_MAX_RANK)
            return mlpt_fail_at(err, c->path, "shape", "more than %d dimensions",
                                MLPT_ARRAY_MAX_RANK);
        size_t d = 0;
        while (c->p < c->end && isdigit((unsigned char)*c->p))
            if (__builtin_mul_overflow(d, 10, &d) ||
                __builtin_add_overflow(d, (size_t)(*c->p++ - '0'), &d))
                return mlpt_fail_at(err, c->path, "shape", "dimension %d overflows size_t",
                                    h->a.rank + 1);
        h->a.dims[h->a.rank++] = d;
        if (__builtin_mul_overflow(h->a.count, d, &h->a.count))
            return mlpt_fail_at(err, c->path, "shape",
                                "the product of the dimensions overflows size_t");
        if (!take(c, ',')) {
            if (!take(c, ')'))
                return mlpt_fail_at(err, c->path, "shape", "expected ',' or ')'");
            break;
        }
    }
    return 0;
}

/* '<f4', '|u1', '>i8', '|b1'. */
static int parse_descr(const char *path, const char *d, header *h, mlpt_error *err)
{
    static const struct {
        char kind;
        mlpt_array_kind value;
        unsigned sizes; /* bit n: itemsize n allowed */
    } kinds[] = {{'b', MLPT_ARRAY_BOOL, 1u << 1},
                 {'u', MLPT_ARRAY_UINT, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8},
                 {'i', MLPT_ARRAY_INT, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8},
                 {'f', MLPT_ARRAY_FLOAT, 1u << 2 | 1u << 4 | 1u << 8}};
    const unsigned one = 1;
    const bool host_little = *(const unsigned char *)&one == 1;
    const char order = d[0];
    if (!order || !strchr("<>|=", order) || !d[1] || !d[2] || d[3])
        goto unsupported;
    const int size = d[2] - '0';
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        if (kinds[k].kind != d[1] || size < 1 || size > 8 || !(kinds[k].sizes >> size & 1))
            continue;
        if (order == '|' && size != 1)
            goto unsupported;
        h->a.kind = kinds[k].value;
        h->a.itemsize = size;
        h->swap = size > 1 && ((order == '<' && !host_little) || (order == '>' && host_little));
        return 0;
    }
unsupported:
    return mlpt_fail_at(err, path, "descr",
                        "dtype '%s' is not supported (expected bool, u1-u8, i1-i8, f2, f4 or "
                        "f8, in either byte order)", d);
}

/* The header dict; every key once, no other key. */
static int parse_header(const char *path, const char *text, size_t len, header *h,
                        mlpt_error *err)
{
    cursor c = {text, text + len, path};
    bool seen[3] = {false, false, false};
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    if (!take(&c, '{'))
        return mlpt_fail_at(err, path, "header", "expected a dict such as {'descr': '<f4', "
                            "'fortran_order': False, 'shape': (10,)}");
    while (!take(&c, '}')) {
        char key[32];
        if (take_string(&c, "header", key, sizeof key, err) < 0)
            return -1;
        int k = 0;
        while (k < 3 && strcmp(key, keys[k]))
            k++;
        if (k == 3)
            return mlpt_fail_at(err, path, "header", "unknown key '%s' (expected descr, "
                                "fortran_order and shape)", key);
        if (seen[k])
            return mlpt_fail_at(err, path, keys[k], "appears twice in the header");
        seen[k] = true;
        if (!take(&c, ':'))
            return mlpt_fail_at(err, path, keys[k], "expected ':' after the key");
        char descr[32];
        const int rc = k == 0   ? take_string(&c, keys[k], descr, sizeof descr, err)
                       : k == 1 ? take_bool(&c, &h->fortran, err)
                                : take_shape(&c, h, err);
        if (rc < 0 || (k == 0 && parse_descr(path, descr, h, err) < 0))
            return -1;
        if (!take(&c, ',')) {
            if (!take(&c, '}'))
                return mlpt_fail_at(err, path, "header", "expected ',' or '}' after '%s'",
                                    keys[k]);
            break;
        }
    }
    skip_space(&c);
    if (c.p != c.end)
        return mlpt_fail_at(err, path, "header", "text after the dict");
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return mlpt_fail_at(err, path, keys[k], "missing from the header");
    return 0;
}

/* ---- the array, from a file or a .npz member ---- */

static int read_exactly(npy_source *src, void *buf, size_t len, const char *what,
                        mlpt_error *err)
{
    size_t got = 0;
    if (src->read(src, buf, len, &got, err) < 0)
        return -1;
    if (got < len)
        return mlpt_fail_at(err, src->name, NULL, "truncated %s: %zu of %zu bytes", what, got,
                            len);
    return 0;
}

/* Reads the magic, version and header; leaves src at the payload and sets
 * *header_end to its offset. */
static int read_header(npy_source *src, header *h, uint64_t *header_end, mlpt_error *err)
{
    const char *path = src->name;
    unsigned char pre[NPY_MAGIC_LEN + 2 + 4];
    if (read_exactly(src, pre, NPY_MAGIC_LEN + 2, "preamble", err) < 0)
        return -1;
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN))
        return mlpt_fail_at(err, path, NULL, "not a .npy file: it does not start with "
                            "\\x93NUMPY");
    const int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return mlpt_fail_at(err, path, "version", "%d.%d is not a .npy format version "
                            "(1.0, 2.0 or 3.0)", major, minor);
    const size_t len_bytes = major == 1 ? 2 : 4;
    if (read_exactly(src, pre + 8, len_bytes, "header length", err) < 0)
        return -1;
    uint32_t len = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    if (len_bytes == 4)
        len |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    if (len > NPY_MAX_HEADER)
        return mlpt_fail_at(err, path, "header", "%u bytes long; numpy writes far shorter "
                            "headers (at most %d read)", len, NPY_MAX_HEADER);
    char *text = malloc(len + 1);
    if (!text)
        return mlpt_fail_at(err, path, "header", "out of memory");
    int rc = read_exactly(src, text, len, "header", err);
    if (rc == 0 && memchr(text, '\0', len))
        rc = mlpt_fail_at(err, path, "header", "holds a NUL byte");
    if (rc == 0)
        rc = parse_header(path, text, len, h, err);
    free(text);
    *header_end = NPY_MAGIC_LEN + 2 + len_bytes + len;
    return rc;
}

static void swap_bytes(unsigned char *p, size_t count, int itemsize)
{
    for (size_t i = 0; i < count; i++, p += itemsize)
        for (int b = 0; b < itemsize / 2; b++) {
            const unsigned char t = p[b];
            p[b] = p[itemsize - 1 - b];
            p[itemsize - 1 - b] = t;
        }
}

/* Fortran order is C order of the reversed shape: element (i0, ..., ik) of
 * the array is at the column-major offset. Rewritten into C order. */
static int to_c_order(const char *path, mlpt_array *a, mlpt_error *err)
{
    if (a->rank < 2 || a->count == 0)
        return 0;
    unsigned char *c = malloc(a->count * (size_t)a->itemsize);
    if (!c)
        return mlpt_fail_at(err, path, "fortran_order", "out of memory to reorder %zu elements",
                            a->count);
    const unsigned char *f = a->data;
    size_t idx[MLPT_ARRAY_MAX_RANK] = {0}; /* C-order index of element i */
    for (size_t i = 0; i < a->count; i++) {
        size_t off = 0;
        for (int d = a->rank - 1; d >= 0; d--)
            off = off * a->dims[d] + idx[d];
        memcpy(c + i * (size_t)a->itemsize, f + off * (size_t)a->itemsize, (size_t)a->itemsize);
        for (int d = a->rank - 1; d >= 0 && ++idx[d] == a->dims[d]; d--)
            idx[d] = 0;
    }
    free(a->data);
    a->data = c;
    return 0;
}

int npy_read(npy_source *src, mlpt_array *out, mlpt_error *err)
{
    const char *path = src->name;
    memset(out, 0, sizeof *out);
    uint64_t header_end = 0;
    header h = {0};
    int rc = read_header(src, &h, &header_end, err);
    size_t bytes = 0;
    if (rc == 0 && __builtin_mul_overflow(h.a.count, (size_t)h.a.itemsize, &bytes))
        rc = mlpt_fail_at(err, path, "shape", "%zu elements of %d bytes overflow size_t",
                          h.a.count, h.a.itemsize);
    /* A file holds the header_end bytes read_header read; an archive member
     * may hold more than its directory entry says (npz.c checks the rest). */
    if (rc == 0 && header_end > src->size)
        rc = mlpt_fail_at(err, path, NULL, "its header ends at byte %llu, past the %llu bytes "
                          "its container says it holds", (unsigned long long)header_end,
                          (unsigned long long)src->size);
    const uint64_t available = rc == 0 ? src->size - header_end : 0;
    if (rc == 0 && available != bytes)
        rc = mlpt_fail_at(err, path, NULL, "%s: the shape needs %zu bytes of data but %llu "
                          "follow the header", available < bytes ? "truncated" : "trailing bytes",
                          bytes, (unsigned long long)available);
    /* One byte for an empty array, so that data is never an ambiguous NULL. */
    if (rc == 0 && !(h.a.data = malloc(bytes ? bytes : 1)))
        rc = mlpt_fail_at(err, path, NULL, "out of memory for %zu bytes of data", bytes);
    if (rc == 0)
        rc = read_exactly(src, h.a.data, bytes, "data", err);
    if (rc == 0 && h.swap)
        swap_bytes(h.a.data, h.a.count, h.a.itemsize);
    if (rc == 0 && h.fortran)
        rc = to_c_order(path, &h.a, err);
    if (rc < 0) {
        free(h.a.data);
        return -1;
    }
    *out = h.a;
    return 0;
}

/* ---- a .npy file ---- */

typedef struct file_source {
    npy_source base;
    FILE *f;
} file_source;

static int file_read(npy_source *s, void *dst, size_t len, size_t *got, mlpt_error *err)
{
    file_source *fs = (file_source *)s;
    *got = fread(dst, 1, len, fs->f);
    if (*got < len && ferror(fs->f))
        return mlpt_fail_at(err, s->name, NULL, "read error: %s", strerror(errno));
    return 0;
}

int mlpt_npy_load(const char *path, mlpt_array *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    file_source fs = {.base = {.name = path, .read = file_read}};
    if (mlpt_open_regular(path, &fs.f, &fs.base.size, err) < 0)
        return -1;
    const int rc = npy_read(&fs.base, out, err);
    fclose(fs.f);
    return rc;
}
