/* npz.c - arrays in .npz archives (see mlpt/npz.h).
 *
 * The zip's central directory, at the end of the file, is trusted for
 * nothing: every offset and size in it is checked against the file before
 * it is used, the member's local header must agree with it, and the
 * member's bytes are checked against its recorded size and CRC-32 as they
 * are inflated into the array. */
#define _POSIX_C_SOURCE 200809L /* fseeko */

#include "mlpt/npz.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mlpt/fileio.h"
#include "mlpt/idx.h"
#include "npy_source.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_END64_LOCATOR 0x07064b50u
#define END_LEN 22
#define END64_LEN 56
#define LOCATOR_LEN 20
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define MAX_COMMENT 65535
/* A directory larger than this is not one numpy wrote for a few arrays. */
#define MAX_DIRECTORY ((uint64_t)64 << 20)
#define METHOD_STORED 0
#define METHOD_DEFLATED 8
#define CHUNK 65536

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int b = bytes - 1; b >= 0; b--)
        v = v << 8 | p[b];
    return v;
}

/* One member of the archive, as its directory entry describes it. */
typedef struct entry {
    char name[256];
    unsigned method, flags;
    uint32_t crc;
    uint64_t csize, usize, offset;
} entry;

typedef struct archive {
    const char *path;
    FILE *f;
    uint64_t size;          /* of the file */
    unsigned char *dir;     /* the central directory */
    uint64_t dir_len, n_entries;
} archive;

static int read_at(archive *z, uint64_t offset, void *buf, size_t len, const char *what,
                   mlpt_error *err)
{
    if (offset > z->size || len > z->size - offset)
        return mlpt_fail_at(err, z->path, what, "lies beyond the end of the file");
    if (fseeko(z->f, (off_t)offset, SEEK_SET) != 0 || fread(buf, 1, len, z->f) != len)
        return mlpt_fail_at(err, z->path, what, "read error: %s",
                            ferror(z->f) ? strerror(errno) : "the file changed size");
    return 0;
}

/* Finds the end record (within the last 64 KiB: it may be followed by a
 * comment) and, for zip64, the record it points to; reads the directory. */
static int read_directory(archive *z, mlpt_error *err)
{
    const size_t tail_len = z->size < END_LEN + MAX_COMMENT ? (size_t)z->size
                                                            : END_LEN + MAX_COMMENT;
    unsigned char *tail = malloc(tail_len ? tail_len : 1);
    if (!tail)
        return mlpt_fail_at(err, z->path, NULL, "out of memory");
    int rc = read_at(z, z->size - tail_len, tail, tail_len, "end of central directory", err);
    size_t at = tail_len;
    while (rc == 0 && at >= END_LEN && le(tail + at - END_LEN, 4) != SIG_END)
        at--;
    if (rc == 0 && at < END_LEN)
        rc = mlpt_fail_at(err, z->path, NULL, "not a .npz (zip) archive: no end of central "
                          "directory record");
    if (rc == 0) {
        const unsigned char *end = tail + at - END_LEN;
        const uint64_t end_offset = z->size - tail_len + at - END_LEN;
        z->n_entries = le(end + 10, 2);
        z->dir_len = le(end + 12, 4);
        uint64_t dir_offset = le(end + 16, 4);
        if (le(end + 4, 2) != 0 || le(end + 6, 2) != 0)
            rc = mlpt_fail_at(err, z->path, NULL, "a multi-disk zip archive is not supported");
        else if (z->n_entries == 0xffff || z->dir_len == 0xffffffff || dir_offset == 0xffffffff) {
            unsigned char loc[LOCATOR_LEN], e64[END64_LEN];
            rc = end_offset < LOCATOR_LEN
                     ? mlpt_fail_at(err, z->path, "zip64 locator", "missing")
                     : read_at(z, end_offset - LOCATOR_LEN, loc, sizeof loc, "zip64 locator",
                               err);
            if (rc == 0 && le(loc, 4) != SIG_END64_LOCATOR)
                rc = mlpt_fail_at(err, z->path, "zip64 locator", "missing");
            if (rc == 0)
                rc = read_at(z, le(loc + 8, 8), e64, sizeof e64, "zip64 end record", err);
            if (rc == 0 && le(e64, 4) != SIG_END64)
                rc = mlpt_fail_at(err, z->path, "zip64 end record", "bad signature");
            if (rc == 0) {
                z->n_entries = le(e64 + 32, 8);
                z->dir_len = le(e64 + 40, 8);
                dir_offset = le(e64 + 48, 8);
            }
        }
        if (rc == 0 && z->dir_len > MAX_DIRECTORY)
            rc = mlpt_fail_at(err, z->path, "central directory", "%llu bytes long (at most %llu "
                              "read)", (unsigned long long)z->dir_len,
                              (unsigned long long)MAX_DIRECTORY);
        if (rc == 0 && !(z->dir = malloc(z->dir_len ? z->dir_len : 1)))
            rc = mlpt_fail_at(err, z->path, NULL, "out of memory for the central directory");
        if (rc == 0)
            rc = read_at(z, dir_offset, z->dir, z->dir_len, "central directory", err);
    }
    free(tail);
    return rc;
}

/* The directory entry at *pos, which moves past it. */
static int next_entry(archive *z, uint64_t *pos, entry *e, mlpt_error *err)
{
    const unsigned char *p = z->dir + *pos;
    if (z->dir_len - *pos < CENTRAL_LEN || le(p, 4) != SIG_CENTRAL)
        return mlpt_fail_at(err, z->path, "central directory", "damaged entry at byte %llu",
                            (unsigned long long)*pos);
    const size_t name_len = le(p + 28, 2), extra_len = le(p + 30, 2), comment_len = le(p + 32, 2);
    if (z->dir_len - *pos - CENTRAL_LEN < name_len + extra_len + comment_len)
        return mlpt_fail_at(err, z->path, "central directory", "entry at byte %llu runs past "
                            "its end", (unsigned long long)*pos);
    *e = (entry){.flags = (unsigned)le(p + 8, 2), .method = (unsigned)le(p + 10, 2),
                 .crc = (uint32_t)le(p + 16, 4), .csize = le(p + 20, 4), .usize = le(p + 24, 4),
                 .offset = le(p + 42, 4)};
    snprintf(e->name, sizeof e->name, "%.*s", (int)name_len, (const char *)p + CENTRAL_LEN);
    /* zip64: the 64-bit values of the fields that hold 0xffffffff follow
     * in this order in the extra field 0x0001 */
    uint64_t *wide[] = {&e->usize, &e->csize, &e->offset};
    for (const unsigned char *x = p + CENTRAL_LEN + name_len,
                             *xend = x + extra_len; xend - x >= 4;) {
        const size_t id = le(x, 2), len = le(x + 2, 2);
        if ((size_t)(xend - x - 4) < len)
            break;
        for (size_t k = 0, used = 0; id == 1 && k < 3; k++)
            if (*wide[k] == 0xffffffff && used + 8 <= len) {
                *wide[k] = le(x + 4 + used, 8);
                used += 8;
            }
        x += 4 + len;
    }
    *pos += CENTRAL_LEN + name_len + extra_len + comment_len;
    return 0;
}

/* The entry named member or member.npy; or an error listing the arrays. */
static int find(archive *z, const char *member, entry *e, mlpt_error *err)
{
    char names[400] = "";
    uint64_t pos = 0;
    for (uint64_t i = 0; i < z->n_entries; i++) {
        if (next_entry(z, &pos, e, err) < 0)
            return -1;
        const size_t n = strlen(e->name);
        const bool npy = n > 4 && !strcmp(e->name + n - 4, ".npy");
        if (member && (!strcmp(e->name, member) ||
                       (npy && strlen(member) == n - 4 && !strncmp(e->name, member, n - 4))))
            return 0;
        const size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%.*s", used ? ", " : "",
                 (int)(npy ? n - 4 : n), e->name);
    }
    if (!member)
        return mlpt_fail_at(err, z->path, NULL, "a .npz archive: name the array after a colon, "
                            "%s:NAME (it holds %s)", z->path, names[0] ? names : "none");
    return mlpt_fail_at(err, z->path, NULL, "no array '%s' in the archive (it holds %s)", member,
                        names[0] ? names : "none");
}

/* ---- one member, inflated as it is read ---- */

typedef struct member_source {
    npy_source base;
    archive *z;
    const entry *e;
    uint64_t consumed;   /* compressed bytes taken from the file */
    uint32_t crc;        /* of the bytes handed out */
    bool inflating, ended;
    z_stream zs;
    unsigned char in[CHUNK];
} member_source;

static int member_read(npy_source *s, void *dst, size_t len, size_t *got, mlpt_error *err)
{
    member_source *m = (member_source *)s;
    FILE *f = m->z->f;
    *got = 0;
    if (m->e->method == METHOD_STORED) {
        const uint64_t left = m->e->csize - m->consumed;
        const size_t want = len < left ? len : (size_t)left;
        *got = fread(dst, 1, want, f);
        m->consumed += *got;
        if (*got < want && ferror(f))
            return mlpt_fail_at(err, s->name, NULL, "read error: %s", strerror(errno));
    } else {
        z_stream *zs = &m->zs;
        zs->next_out = dst;
        while (*got < len && !m->ended) {
            if (zs->avail_in == 0 && m->consumed < m->e->csize) {
                const uint64_t left = m->e->csize - m->consumed;
                const size_t n = fread(m->in, 1, left < CHUNK ? (size_t)left : CHUNK, f);
                if (n == 0)
                    return mlpt_fail_at(err, s->name, NULL, "read error: %s",
                                        ferror(f) ? strerror(errno) : "the file changed size");
                m->consumed += n;
                zs->next_in = m->in;
                zs->avail_in = (uInt)n;
            }
            const size_t want = len - *got < CHUNK ? len - *got : CHUNK;
            zs->avail_out = (uInt)want;
            const int rc = inflate(zs, Z_NO_FLUSH);
            *got += want - zs->avail_out;
            if (rc == Z_STREAM_END)
                m->ended = true;
            else if (rc != Z_OK) /* Z_BUF_ERROR: no input left, no progress */
                return mlpt_fail_at(err, s->name, NULL, "corrupt deflate stream: %s",
                                    rc == Z_BUF_ERROR ? "it ends early"
                                    : zs->msg        ? zs->msg
                                                     : zError(rc));
        }
    }
    m->crc = (uint32_t)crc32(m->crc, dst, (uInt)*got);
    return 0;
}

/* After the array is read: the member holds nothing more, and its CRC-32
 * is the one recorded. */
static int member_finish(member_source *m, mlpt_error *err)
{
    unsigned char probe;
    size_t extra = 0;
    if (m->base.read(&m->base, &probe, 1, &extra, err) < 0)
        return -1;
    if (extra)
        return mlpt_fail_at(err, m->base.name, NULL, "holds more bytes than its directory "
                            "entry says (%llu)", (unsigned long long)m->e->usize);
    if (m->crc != m->e->crc)
        return mlpt_fail_at(err, m->base.name, NULL, "CRC-32 mismatch (%08x, the directory "
                            "says %08x): the archive is damaged", m->crc, m->e->crc);
    return 0;
}

/* Checks the member's local header against its entry and positions the
 * file at its data. */
static int open_member(archive *z, const entry *e, const char *name, mlpt_error *err)
{
    unsigned char h[LOCAL_LEN];
    if (e->flags & 1)
        return mlpt_fail_at(err, name, NULL, "encrypted members are not supported");
    if (e->method != METHOD_STORED && e->method != METHOD_DEFLATED)
        return mlpt_fail_at(err, name, NULL, "compression method %u is not supported (stored "
                            "or deflated)", e->method);
    if (e->method == METHOD_STORED && e->csize != e->usize)
        return mlpt_fail_at(err, name, NULL, "stored member of %llu bytes says it holds %llu",
                            (unsigned long long)e->csize, (unsigned long long)e->usize);
    if (read_at(z, e->offset, h, sizeof h, "local header", err) < 0)
        return -1;
    if (le(h, 4) != SIG_LOCAL || le(h + 8, 2) != e->method)
        return mlpt_fail_at(err, name, "local header", "does not match the directory entry");
    const uint64_t data = e->offset + LOCAL_LEN + le(h + 26, 2) + le(h + 28, 2);
    if (data > z->size || e->csize > z->size - data)
        return mlpt_fail_at(err, name, NULL, "its %llu compressed bytes lie beyond the end of "
                            "the file", (unsigned long long)e->csize);
    if (fseeko(z->f, (off_t)data, SEEK_SET) != 0)
        return mlpt_fail_at(err, name, NULL, "read error: %s", strerror(errno));
    return 0;
}

int mlpt_npz_load(const char *path, const char *member, mlpt_array *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    archive z = {.path = path};
    entry e;
    char name[MLPT_ERROR_LEN / 2];
    snprintf(name, sizeof name, "%s:%s", path, member ? member : "");
    member_source m = {.base = {.name = name, .read = member_read}, .z = &z, .e = &e};
    int rc = mlpt_open_regular(path, &z.f, &z.size, err);
    if (rc == 0)
        rc = read_directory(&z, err);
    if (rc == 0)
        rc = find(&z, member, &e, err);
    if (rc == 0)
        rc = open_member(&z, &e, name, err);
    if (rc == 0 && e.method == METHOD_DEFLATED) {
        if (inflateInit2(&m.zs, -MAX_WBITS) != Z_OK) /* raw deflate, as zip stores it */
            rc = mlpt_fail_at(err, name, NULL, "cannot start the deflate decoder");
        m.inflating = rc == 0;
    }
    if (rc == 0) {
        m.base.size = e.usize;
        rc = npy_read(&m.base, out, err);
    }
    if (rc == 0 && (rc = member_finish(&m, err)) < 0)
        mlpt_array_free(out);
    if (m.inflating)
        inflateEnd(&m.zs);
    if (z.f)
        fclose(z.f);
    free(z.dir);
    return rc;
}

const char *mlpt_npz_member(const char *path, char *file, size_t cap)
{
    const char *colon = strrchr(path, ':');
    if (!colon || (size_t)(colon - path) >= cap)
        return NULL;
    memcpy(file, path, (size_t)(colon - path));
    file[colon - path] = '\0';
    return mlpt_file_sniff_path(file, NULL, NULL) == MLPT_FILE_ZIP ? colon + 1 : NULL;
}
