/* idx.c - IDX reader for raw and gzip-compressed files (see mlpt/idx.h).
 *
 * Every length in the header is untrusted. The payload is allocated only
 * after its declared size has been matched against what the file really
 * holds: the file size for raw files, a bounded decompression pass (count + 1
 * bytes at most) for gzip files, since a gzip file has no reliable size. */
#include "mlpt/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "le_bytes.h"
#include "mlpt/fileio.h"

#define IDX_MAGIC_LEN 4
#define CHUNK 16384

/* Largest single read: zlib counts output space in uInt. */
#define MAX_READ ((size_t)1 << 30)

/* The payload stream of an open file: plain bytes, or bytes inflated from
 * one or more concatenated gzip members. */
typedef struct source {
    const char *path;
    FILE *fp;
    uint64_t file_size;
    int gzip;
    int inflating;              /* inflateInit2 succeeded: inflateEnd owed */
    int at_end;                 /* gzip: the last member has ended */
    z_stream zs;
    unsigned char in[CHUNK];    /* compressed input not yet inflated */
} source;

/* The element types IDX defines, all stored big-endian. */
static const struct {
    unsigned code;
    const char *name;
    mlpt_array_kind kind;
    int itemsize;
} idx_types[] = {
    {0x08, "unsigned byte", MLPT_ARRAY_UINT, 1}, {0x09, "signed byte", MLPT_ARRAY_INT, 1},
    {0x0B, "short", MLPT_ARRAY_INT, 2},          {0x0C, "int", MLPT_ARRAY_INT, 4},
    {0x0D, "float", MLPT_ARRAY_FLOAT, 4},        {0x0E, "double", MLPT_ARRAY_FLOAT, 8},
};

static int fail_read(const source *src, mlpt_error *err)
{
    return mlpt_fail_at(err, src->path, NULL, "read error: %s", strerror(errno));
}

/* Sets src->gzip from the first two bytes and rewinds to the start. */
static int sniff_gzip(source *src, mlpt_error *err)
{
    unsigned char magic[2];
    size_t n = fread(magic, 1, sizeof magic, src->fp);
    if (n < sizeof magic && ferror(src->fp))
        return fail_read(src, err);
    src->gzip = mlpt_file_sniff(magic, n, NULL) == MLPT_FILE_GZIP;
    if (fseek(src->fp, 0, SEEK_SET) != 0)
        return fail_read(src, err);
    return 0;
}

static int source_open(source *src, const char *path, mlpt_error *err)
{
    memset(src, 0, sizeof *src);
    src->path = path;
    if (mlpt_open_regular(path, &src->fp, &src->file_size, err) != 0)
        return -1;
    if (sniff_gzip(src, err) != 0)
        return -1;
    if (src->gzip) {
        int rc = inflateInit2(&src->zs, 16 + MAX_WBITS); /* gzip wrapper only */
        if (rc != Z_OK)
            return mlpt_fail_at(err, path, NULL, "cannot start gzip decoder: %s", zError(rc));
        src->inflating = 1;
    }
    return 0;
}

static void source_close(source *src)
{
    if (src->inflating)
        inflateEnd(&src->zs);
    if (src->fp)
        fclose(src->fp);
}

/* Back to the first byte of the decompressed stream. */
static int source_rewind(source *src, mlpt_error *err)
{
    if (fseek(src->fp, 0, SEEK_SET) != 0)
        return fail_read(src, err);
    inflateReset(&src->zs);
    src->zs.avail_in = 0;
    src->at_end = 0;
    return 0;
}

/* Tops up the compressed input; *got_input is 0 at the end of the file. */
static int refill(source *src, int *got_input, mlpt_error *err)
{
    size_t n = fread(src->in, 1, sizeof src->in, src->fp);
    if (n == 0 && ferror(src->fp))
        return fail_read(src, err);
    src->zs.next_in = src->in;
    src->zs.avail_in = (uInt)n;
    *got_input = n > 0;
    return 0;
}

/* At the end of a gzip member: another may follow (cat a.gz b.gz), but
 * anything else (zero padding, junk) is named as what it is, not left for
 * inflate to call a bad header. */
static int check_next_member(source *src, mlpt_error *err)
{
    z_stream *zs = &src->zs;
    if (zs->avail_in < 2) { /* the next magic may straddle a refill */
        memmove(src->in, zs->next_in, zs->avail_in);
        size_t n = fread(src->in + zs->avail_in, 1, sizeof src->in - zs->avail_in, src->fp);
        if (n == 0 && ferror(src->fp))
            return fail_read(src, err);
        zs->next_in = src->in;
        zs->avail_in += (uInt)n;
    }
    if (mlpt_file_sniff(zs->next_in, zs->avail_in, NULL) == MLPT_FILE_GZIP)
        return 0;
    const long pos = ftell(src->fp);
    if (pos < 0)
        return fail_read(src, err);
    const uintmax_t after = src->file_size - ((uintmax_t)pos - zs->avail_in);
    return mlpt_fail_at(err, src->path, NULL,
                        "%ju byte%s after the end of the gzip stream, not another gzip member",
                        after, after == 1 ? "" : "s");
}

/* Inflates up to len (<= MAX_READ) bytes into dst. Stops short only at the
 * end of the last gzip member, whose CRC and length inflate has then
 * checked. */
static int inflate_some(source *src, unsigned char *dst, size_t len, size_t *got,
                        mlpt_error *err)
{
    z_stream *zs = &src->zs;
    zs->next_out = dst;
    zs->avail_out = (uInt)len;
    while (zs->avail_out > 0 && !src->at_end) {
        int got_input = 1;
        if (zs->avail_in == 0 && refill(src, &got_input, err) != 0)
            return -1;
        if (!got_input)
            return mlpt_fail_at(err, src->path, NULL,
                                "truncated gzip stream: unexpected end of file");
        int rc = inflate(zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            if (zs->avail_in == 0 && refill(src, &got_input, err) != 0)
                return -1;
            if (!got_input)
                src->at_end = 1;
            else if (check_next_member(src, err) != 0)
                return -1;
            else
                inflateReset(zs);
        } else if (rc != Z_OK) {
            return mlpt_fail_at(err, src->path, NULL, "corrupt gzip stream: %s",
                                zs->msg ? zs->msg : zError(rc));
        }
    }
    *got = len - zs->avail_out;
    return 0;
}

/* Reads up to len bytes into dst (or discards them if dst is NULL); *got is
 * short of len only at the end of the data. */
static int source_read(source *src, unsigned char *dst, size_t len, size_t *got,
                       mlpt_error *err)
{
    unsigned char scratch[CHUNK];
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        size_t cap = dst ? MAX_READ : sizeof scratch;
        if (want > cap)
            want = cap;
        unsigned char *to = dst ? dst + *got : scratch;
        size_t n = 0;
        if (src->gzip) {
            if (inflate_some(src, to, want, &n, err) != 0)
                return -1;
        } else {
            n = fread(to, 1, want, src->fp);
            if (n < want && ferror(src->fp))
                return fail_read(src, err);
        }
        *got += n;
        if (n < want)
            break;
    }
    return 0;
}

mlpt_file_kind mlpt_file_sniff(const unsigned char *head, size_t n, const char **name)
{
    static const struct {
        const char *magic;
        size_t len, at;
        const char *name;
        mlpt_file_kind kind;
    } known[] = {
        {"\xff\xd8\xff", 3, 0, "a JPEG picture", MLPT_FILE_OTHER},
        {"GIF8", 4, 0, "a GIF picture", MLPT_FILE_OTHER},
        {"BM", 2, 0, "a BMP picture", MLPT_FILE_OTHER},
        {"II*\0", 4, 0, "a TIFF picture", MLPT_FILE_OTHER},
        {"MM\0*", 4, 0, "a TIFF picture", MLPT_FILE_OTHER},
        {"WEBP", 4, 8, "a WebP picture", MLPT_FILE_OTHER}, /* after "RIFF" and a length */
        {"PK\3\4", 4, 0, "a zip archive (a NumPy .npz too)", MLPT_FILE_ZIP},
        {"\x93NUMPY", 6, 0, "a NumPy .npy array", MLPT_FILE_NPY},
        {"%PDF", 4, 0, "a PDF document", MLPT_FILE_OTHER},
        {"\xef\xbb\xbf", 3, 0, "text (CSV or similar)", MLPT_FILE_OTHER}, /* a UTF-8 BOM */
    };
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const char *unused;
    if (!name)
        name = &unused;
    *name = NULL;
    if (n >= 2 && head[0] == 0 && head[1] == 0) {
        *name = "an IDX file";
        return MLPT_FILE_IDX;
    }
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        *name = "gzip data";
        return MLPT_FILE_GZIP;
    }
    if (n >= sizeof png && memcmp(head, png, sizeof png) == 0) {
        *name = "a PNG picture";
        return MLPT_FILE_PNG;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (n >= known[i].at + known[i].len &&
            memcmp(head + known[i].at, known[i].magic, known[i].len) == 0) {
            *name = known[i].name;
            return known[i].kind;
        }
    size_t printable = 0;
    while (printable < n && ((head[printable] >= 0x20 && head[printable] < 0x7f) ||
                             head[printable] == '\t' || head[printable] == '\n' ||
                             head[printable] == '\r'))
        printable++;
    if (n > 0 && printable == n)
        *name = "text (CSV or similar)";
    return MLPT_FILE_OTHER;
}

mlpt_file_kind mlpt_file_sniff_path(const char *path, const char **name, size_t *got)
{
    unsigned char head[MLPT_SNIFF_LEN];
    FILE *f = fopen(path, "rb");
    const size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    if (got)
        *got = n;
    return mlpt_file_sniff(head, n, name);
}

/* A file whose magic is not IDX's: says what it looks like, from its first
 * bytes (magic, then what follows it). */
static int fail_foreign(source *src, const unsigned char magic[IDX_MAGIC_LEN], mlpt_error *err)
{
    unsigned char head[MLPT_SNIFF_LEN];
    size_t got = 0;
    const char *name;
    memcpy(head, magic, IDX_MAGIC_LEN);
    if (source_read(src, head + IDX_MAGIC_LEN, sizeof head - IDX_MAGIC_LEN, &got, err) != 0)
        return -1;
    mlpt_file_sniff(head, IDX_MAGIC_LEN + got, &name);
    if (name)
        return mlpt_fail_at(err, src->path, NULL,
                            "not an IDX file: it looks like %s%s (an IDX file, raw or gzip, "
                            "starts 0x00 0x00)", name, src->gzip ? " inside gzip" : "");
    return mlpt_fail_at(err, src->path, NULL,
                        "not an IDX file: magic bytes 0x%02x 0x%02x (expected 0x00 0x00)",
                        magic[0], magic[1]);
}

/* Reads and checks the magic and the dimensions into t (rank, dims, count). */
static int read_header(source *src, mlpt_idx *t, mlpt_error *err)
{
    const char *path = src->path;
    unsigned char magic[IDX_MAGIC_LEN];
    size_t got;
    if (source_read(src, magic, sizeof magic, &got, err) != 0)
        return -1;
    if (got < sizeof magic)
        return mlpt_fail_at(err, path, NULL,
                            "not an IDX file: %zu bytes, shorter than the %d-byte magic", got,
                            IDX_MAGIC_LEN);
    if (magic[0] != 0 || magic[1] != 0)
        return fail_foreign(src, magic, err);
    size_t type = 0;
    while (type < sizeof idx_types / sizeof *idx_types && idx_types[type].code != magic[2])
        type++;
    if (type == sizeof idx_types / sizeof *idx_types)
        return mlpt_fail_at(err, path, NULL, "not an IDX file: unknown type code 0x%02x (IDX "
                            "defines 0x08, 0x09 and 0x0B to 0x0E)", magic[2]);
    t->kind = idx_types[type].kind;
    t->itemsize = idx_types[type].itemsize;
    if (magic[3] < 1 || magic[3] > MLPT_IDX_MAX_RANK)
        return mlpt_fail_at(err, path, NULL, "IDX rank %d is out of range 1..%d", magic[3],
                            MLPT_IDX_MAX_RANK);
    t->rank = magic[3];

    unsigned char be_dims[4 * MLPT_IDX_MAX_RANK];
    size_t dims_len = 4 * (size_t)t->rank;
    if (source_read(src, be_dims, dims_len, &got, err) != 0)
        return -1;
    if (got < dims_len)
        return mlpt_fail_at(err, path, NULL,
                            "truncated header: rank %d needs %zu bytes of dimensions but only "
                            "%zu follow", t->rank, dims_len, got);

    t->count = 1;
    for (int i = 0; i < t->rank; i++) {
        t->dims[i] = get_be32(be_dims + 4 * i);
        /* Empty tensors are useless to a trainer and would make malloc(0)
         * ambiguous, so any zero dimension is rejected. */
        if (t->dims[i] == 0)
            return i == 0 ? mlpt_fail_at(err, path, NULL, "holds no items (the item count is 0)")
                          : mlpt_fail_at(err, path, NULL,
                                         "dimension %d of %d is 0, so every item is empty", i + 1,
                                         t->rank);
        if (__builtin_mul_overflow(t->count, t->dims[i], &t->count))
            return mlpt_fail_at(err, path, NULL,
                                "the product of the %d dimensions overflows size_t", t->rank);
    }
    if (__builtin_mul_overflow(t->count, (size_t)t->itemsize, &t->bytes))
        return mlpt_fail_at(err, path, NULL, "%zu elements of %d bytes overflow size_t",
                            t->count, t->itemsize);
    t->digest = (mlpt_idx_digest){IDX_MAGIC_LEN + dims_len + t->bytes,
                                  mlpt_fnv1a(mlpt_fnv1a(mlpt_fnv_start, magic, sizeof magic),
                                             be_dims, dims_len)};
    return 0;
}

/* available: payload bytes found after the header (bytes + 1 means "more"). */
static int check_payload_length(const char *path, const mlpt_idx *t, uintmax_t available,
                                mlpt_error *err)
{
    if (available < t->bytes)
        return mlpt_fail_at(err, path, NULL,
                            "truncated: header declares %zu items (%zu bytes) but only %ju follow",
                            t->dims[0], t->bytes, available);
    if (available > t->bytes)
        return mlpt_fail_at(err, path, NULL,
                            "trailing bytes: header declares %zu items (%zu bytes) but more follow",
                            t->dims[0], t->bytes);
    return 0;
}

/* Reads the payload's bytes into buf (or discards them if buf is NULL),
 * then probes for one more byte to prove the data ends there; for gzip the
 * probe drives inflate to the end of the stream, which checks its CRC. */
static int read_payload(source *src, const mlpt_idx *t, uint8_t *buf, mlpt_error *err)
{
    unsigned char probe;
    size_t got, extra = 0;
    if (source_read(src, buf, t->bytes, &got, err) != 0)
        return -1;
    if (got == t->bytes && source_read(src, &probe, 1, &extra, err) != 0)
        return -1;
    return check_payload_length(src->path, t, (uintmax_t)got + extra, err);
}

/* Matches the declared payload size against the file before anything is
 * allocated, and leaves src positioned at the start of the payload. */
static int check_declared_size(source *src, const mlpt_idx *t, mlpt_error *err)
{
    size_t header_len = IDX_MAGIC_LEN + 4 * (size_t)t->rank;
    if (!src->gzip) {
        uintmax_t size = src->file_size;
        return check_payload_length(src->path, t, size > header_len ? size - header_len : 0, err);
    }

    size_t got;
    if (read_payload(src, t, NULL, err) != 0 || source_rewind(src, err) != 0
        || source_read(src, NULL, header_len, &got, err) != 0)
        return -1;
    if (got < header_len)
        return mlpt_fail_at(err, src->path, NULL, "file changed while being read");
    return 0;
}

/* IDX stores big-endian; the array is read in the host's order. */
static void to_host_order(mlpt_idx *t)
{
    const unsigned one = 1;
    if (t->itemsize == 1 || *(const unsigned char *)&one == 0)
        return;
    for (unsigned char *p = t->data, *end = p + t->bytes; p < end; p += t->itemsize)
        for (int b = 0; b < t->itemsize / 2; b++) {
            const unsigned char x = p[b];
            p[b] = p[t->itemsize - 1 - b];
            p[t->itemsize - 1 - b] = x;
        }
}

int mlpt_idx_load(const char *path, mlpt_idx *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    mlpt_idx t = {0};
    source src;
    int rc = source_open(&src, path, err);
    if (rc == 0)
        rc = read_header(&src, &t, err);
    if (rc == 0)
        rc = check_declared_size(&src, &t, err);
    if (rc == 0) {
        t.data = malloc(t.bytes);
        if (!t.data)
            rc = mlpt_fail_at(err, path, NULL, "out of memory for a %zu-byte payload", t.bytes);
    }
    if (rc == 0)
        rc = read_payload(&src, &t, t.data, err);
    if (rc == 0) { /* the header's hash, continued over the payload as stored */
        t.digest.hash = mlpt_fnv1a(t.digest.hash, t.data, t.bytes);
        to_host_order(&t);
    }
    source_close(&src);
    if (rc != 0) {
        mlpt_idx_free(&t);
        return -1;
    }
    *out = t;
    return 0;
}

void mlpt_idx_free(mlpt_idx *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}
