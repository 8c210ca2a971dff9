/* test_idx.c - IDX reader and dataset loader against synthetic files, good
 * and damaged, raw and gzip; then the real MNIST files. */
#define _POSIX_C_SOURCE 200809L /* truncate; test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "test_util.h"
#include "hash.h"
#include "mlpt/dataset.h"
#include "mlpt/idx.h"

static void make_scratch(void)
{
    scratch_make("test_idx");
}

TestSuite(idx, .init = make_scratch, .fini = scratch_remove);
TestSuite(dataset, .init = make_scratch, .fini = scratch_remove);

/* ---- building IDX bytes ---- */

static size_t put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

/* An IDX image in memory: header with the given type, rank and dims, then
 * payload_len bytes of a recognisable pattern (payload_len may disagree
 * with the dims, to make damaged files). */
typedef struct blob {
    unsigned char bytes[4096];
    size_t len;
} blob;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + 3);
}

static blob make_idx(uint8_t type, int rank, const uint32_t *dims, size_t payload_len)
{
    blob b = {.bytes = {0, 0, type, (unsigned char)rank}, .len = 4};
    for (int i = 0; i < rank; i++)
        b.len += put_be32(b.bytes + b.len, dims[i]);
    cr_assert(b.len + payload_len <= sizeof b.bytes);
    for (size_t i = 0; i < payload_len; i++)
        b.bytes[b.len++] = pattern(i);
    return b;
}

static const char *write_raw(const char *name, const void *bytes, size_t len)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* mode "wb" starts a file; "ab" appends another gzip member to it. */
static void gzip_into(const char *path, const char *mode, const void *bytes, size_t len)
{
    gzFile g = gzopen(path, mode);
    cr_assert(g, "gzopen %s failed", path);
    cr_assert_eq(gzwrite(g, bytes, (unsigned)len), (int)len);
    cr_assert_eq(gzclose(g), Z_OK);
}

static const char *write_gz(const char *name, const void *bytes, size_t len)
{
    const char *path = scratch_path(name);
    gzip_into(path, "wb", bytes, len);
    return path;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    return size;
}

static uint8_t byte_at(const char *path, long offset)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    cr_assert_eq(fseek(f, offset, SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    fclose(f);
    return (uint8_t)c;
}

static void set_byte_at(const char *path, long offset, uint8_t value)
{
    FILE *f = fopen(path, "r+b");
    cr_assert(f);
    cr_assert_eq(fseek(f, offset, SEEK_SET), 0);
    cr_assert_neq(fputc(value, f), EOF);
    cr_assert_eq(fclose(f), 0);
}

static void append_raw(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    cr_assert(f);
    cr_assert_neq(fputs(text, f), EOF);
    cr_assert_eq(fclose(f), 0);
}

/* ---- checking results ---- */

/* The load must fail, leave the tensor zeroed, and explain itself in a
 * message that starts with the path and contains phrase. */
static void expect_idx_failure(const char *path, const char *phrase)
{
    mlpt_idx t;
    mlpt_error err = {0};
    int rc = mlpt_idx_load(path, &t, &err);
    cr_assert_eq(rc, -1, "loading %s should fail", path);
    cr_assert(is_zeroed(&t, sizeof t), "failed load must leave the tensor zeroed");
    cr_assert_eq(strncmp(err.msg, path, strlen(path)), 0,
                 "message should start with the path: %s", err.msg);
    cr_assert(strstr(err.msg, phrase), "message should mention \"%s\": %s", phrase, err.msg);
}

static mlpt_idx load_ok(const char *path)
{
    mlpt_idx t;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_idx_load(path, &t, &err), 0, "%s", err.msg);
    return t;
}

static const uint32_t dims_5x4x3[] = {5, 4, 3};

/* ---- good files ---- */

Test(idx, loads_raw_3d)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    mlpt_idx t = load_ok(write_raw("x", b.bytes, b.len));
    cr_assert_eq(t.rank, 3);
    cr_assert_eq(t.dims[0], 5);
    cr_assert_eq(t.dims[1], 4);
    cr_assert_eq(t.dims[2], 3);
    cr_assert_eq(t.count, 60);
    for (size_t i = 0; i < t.count; i++)
        cr_assert_eq(t.data[i], pattern(i), "byte %zu", i);
    mlpt_idx_free(&t);
    cr_assert(is_zeroed(&t, sizeof t));
}

Test(idx, loads_gzip_equal_to_raw)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    mlpt_idx raw = load_ok(write_raw("x", b.bytes, b.len));
    /* The name says nothing: gzip is recognised by its magic bytes. */
    mlpt_idx gz = load_ok(write_gz("x-gzip-without-suffix", b.bytes, b.len));
    cr_assert_eq(gz.rank, raw.rank);
    cr_assert_arr_eq(gz.dims, raw.dims, sizeof raw.dims);
    cr_assert_eq(gz.count, raw.count);
    cr_assert_arr_eq(gz.data, raw.data, raw.count);
    mlpt_idx_free(&raw);
    mlpt_idx_free(&gz);
}

/* The digest is FNV-1a 64 of the IDX bytes, header and payload, whether
 * they were stored raw or gzipped; one changed byte changes it. */
Test(idx, digest_is_of_the_idx_bytes)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    mlpt_idx raw = load_ok(write_raw("x", b.bytes, b.len));
    cr_assert_eq(raw.digest.bytes, b.len);
    cr_assert_eq(raw.digest.hash, mlpt_fnv1a(mlpt_fnv_start, b.bytes, b.len));
    mlpt_idx gz = load_ok(write_gz("x.gz", b.bytes, b.len));
    cr_assert_eq(gz.digest.bytes, raw.digest.bytes);
    cr_assert_eq(gz.digest.hash, raw.digest.hash);
    b.bytes[b.len - 1] ^= 1;
    mlpt_idx other = load_ok(write_raw("y", b.bytes, b.len));
    cr_assert_neq(other.digest.hash, raw.digest.hash);
    mlpt_idx_free(&raw);
    mlpt_idx_free(&gz);
    mlpt_idx_free(&other);
}

Test(idx, loads_concatenated_gzip_members)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, 30);
    gzip_into(path, "ab", b.bytes + 30, b.len - 30);
    mlpt_idx t = load_ok(path);
    cr_assert_eq(t.count, 60);
    cr_assert_arr_eq(t.data, b.bytes + b.len - 60, 60);
    mlpt_idx_free(&t);
}

Test(idx, loads_rank1_labels)
{
    const uint32_t dims[] = {10};
    blob b = make_idx(0x08, 1, dims, 10);
    mlpt_idx t = load_ok(write_raw("labels", b.bytes, b.len));
    cr_assert_eq(t.rank, 1);
    cr_assert_eq(t.dims[0], 10);
    cr_assert_eq(t.count, 10);
    cr_assert_eq(t.data[9], pattern(9));
    mlpt_idx_free(&t);
}

Test(idx, free_is_safe_on_zeroed_tensor)
{
    mlpt_idx t = {0};
    mlpt_idx_free(&t);
    cr_assert(is_zeroed(&t, sizeof t));
}

/* ---- damage: the file itself ---- */

Test(idx, rejects_missing_file)
{
    expect_idx_failure(scratch_path("does-not-exist"), "No such file or directory");
}

Test(idx, rejects_directory)
{
    expect_idx_failure(scratch_dir(), "not a regular file");
}

Test(idx, rejects_empty_file)
{
    expect_idx_failure(write_raw("empty", "", 0), "0 bytes, shorter than the 4-byte magic");
}

Test(idx, rejects_file_shorter_than_magic)
{
    expect_idx_failure(write_raw("short", "\0\0\x08", 3), "3 bytes, shorter than the 4-byte magic");
}

/* ---- damage: the header ---- */

Test(idx, rejects_nonzero_magic_bytes)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    b.bytes[0] = 0x1f; /* half a gzip magic: must not pass for gzip */
    expect_idx_failure(write_raw("x", b.bytes, b.len),
                       "not an IDX file: magic bytes 0x1f 0x00 (expected 0x00 0x00)");
}

/* Element i of the typed test files: negative and positive, with a
 * fraction for the floating types. */
static double typed_value(uint8_t code, size_t i)
{
    const double k = (double)i - 30;
    return code == 0x09 ? k : code == 0x0B ? k * 300 : code == 0x0C ? k * 100000
                                           : code == 0x0D ? k * 0.5 : k * 0.25;
}

/* Every type IDX defines is read, big-endian into the host's order. */
Test(idx, reads_every_type)
{
    static const struct { uint8_t code; mlpt_array_kind kind; int size; } types[] = {
        {0x09, MLPT_ARRAY_INT, 1}, {0x0B, MLPT_ARRAY_INT, 2}, {0x0C, MLPT_ARRAY_INT, 4},
        {0x0D, MLPT_ARRAY_FLOAT, 4}, {0x0E, MLPT_ARRAY_FLOAT, 8},
    };
    for (size_t i = 0; i < ARRAY_LEN(types); i++) {
        const uint8_t code = types[i].code;
        const int size = types[i].size;
        blob b = make_idx(code, 3, dims_5x4x3, 0);
        for (size_t e = 0; e < 60; e++) {
            const double v = typed_value(code, e);
            uint64_t bits = 0;
            if (code == 0x0D) {
                const float f = (float)v;
                uint32_t u;
                memcpy(&u, &f, 4);
                bits = u;
            } else if (code == 0x0E) {
                memcpy(&bits, &v, 8);
            } else {
                bits = (uint64_t)(int64_t)v;
            }
            for (int k = size - 1; k >= 0; k--) /* big-endian */
                b.bytes[b.len++] = (uint8_t)(bits >> (8 * k));
        }
        char name[16];
        snprintf(name, sizeof name, "type-%02x", code);
        mlpt_idx t;
        mlpt_error err = {0};
        cr_assert_eq(mlpt_idx_load(write_raw(name, b.bytes, b.len), &t, &err), 0, "%s", err.msg);
        cr_assert(t.kind == types[i].kind && t.itemsize == size && t.count == 60 &&
                  t.bytes == 60 * (size_t)size, "type 0x%02x", code);
        const mlpt_array a = {.kind = t.kind, .itemsize = t.itemsize, .rank = t.rank,
                              .count = t.count, .data = t.data};
        for (size_t e = 0; e < 60; e++)
            cr_assert_eq(mlpt_array_get(&a, e), typed_value(code, e), "type 0x%02x element %zu",
                         code, e);
        mlpt_idx_free(&t);
    }
}

Test(idx, rejects_unknown_type)
{
    blob b = make_idx(0x07, 3, dims_5x4x3, 60);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "unknown type code 0x07 (IDX defines");
}

Test(idx, rejects_rank_0)
{
    blob b = make_idx(0x08, 0, NULL, 0);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "rank 0 is out of range 1..8");
}

Test(idx, rejects_rank_above_max)
{
    const uint32_t dims[MLPT_IDX_MAX_RANK + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    blob b = make_idx(0x08, MLPT_IDX_MAX_RANK + 1, dims, 1);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "rank 9 is out of range 1..8");
}

Test(idx, rejects_header_shorter_than_its_dims)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 0);
    expect_idx_failure(write_raw("x", b.bytes, 4 + 4 + 3),
                       "truncated header: rank 3 needs 12 bytes of dimensions but only 7 follow");
}

Test(idx, rejects_zero_item_count)
{
    const uint32_t dims[] = {0, 28, 28};
    blob b = make_idx(0x08, 3, dims, 0);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "holds no items");
}

Test(idx, rejects_zero_inner_dimension)
{
    const uint32_t dims[] = {5, 0, 3};
    blob b = make_idx(0x08, 3, dims, 0);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "dimension 2 of 3 is 0");
}

Test(idx, rejects_dims_overflowing_size_t)
{
    const uint32_t dims[] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
    blob b = make_idx(0x08, 3, dims, 16);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "overflows size_t");
}

/* ---- damage: the payload ---- */

Test(idx, rejects_truncated_payload)
{
    const uint32_t dims[] = {100};
    blob b = make_idx(0x08, 1, dims, 90);
    expect_idx_failure(write_raw("x", b.bytes, b.len),
                       "truncated: header declares 100 items (100 bytes) but only 90 follow");
}

Test(idx, rejects_trailing_bytes)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 61);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "trailing bytes");
}

/* 4e12 bytes declared, 16 present: must fail on the size check, not on
 * malloc (ASan aborts on such a request). */
Test(idx, rejects_lying_header_before_allocating)
{
    const uint32_t dims[] = {4000000000u, 1000};
    blob b = make_idx(0x08, 2, dims, 16);
    expect_idx_failure(write_raw("x", b.bytes, b.len), "but only 16 follow");
    expect_idx_failure(write_gz("x.gz", b.bytes, b.len), "but only 16 follow");
}

/* ---- damage: gzip ---- */

Test(idx, rejects_truncated_gzip_payload)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 59);
    expect_idx_failure(write_gz("x.gz", b.bytes, b.len), "(60 bytes) but only 59 follow");
}

Test(idx, rejects_trailing_gzip_payload)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 61);
    expect_idx_failure(write_gz("x.gz", b.bytes, b.len), "trailing bytes");
}

/* 60 bytes declared, 8 MiB inside: the reader stops after 61. */
Test(idx, rejects_gzip_bomb)
{
    const size_t bomb = 8u << 20;
    blob b = make_idx(0x08, 3, dims_5x4x3, 0);
    unsigned char *bytes = calloc(1, b.len + bomb);
    cr_assert(bytes);
    memcpy(bytes, b.bytes, b.len);
    const char *path = write_gz("bomb.gz", bytes, b.len + bomb);
    free(bytes);
    expect_idx_failure(path, "trailing bytes");
}

Test(idx, rejects_corrupt_gzip_stream)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, b.len);
    /* The deflate data starts after gzopen's 10-byte header; block type 3
     * (bits 1-2 of its first byte) is reserved. */
    set_byte_at(path, 10, byte_at(path, 10) | 0x06);
    expect_idx_failure(path, "corrupt gzip stream: invalid block type");
}

Test(idx, rejects_bad_gzip_crc)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, b.len);
    long crc_at = file_size(path) - 8; /* trailer: CRC-32, then length */
    set_byte_at(path, crc_at, byte_at(path, crc_at) ^ 0xff);
    expect_idx_failure(path, "corrupt gzip stream: incorrect data check");
}

Test(idx, rejects_cut_gzip_stream)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, b.len);
    cr_assert_eq(truncate(path, file_size(path) - 4), 0);
    expect_idx_failure(path, "truncated gzip stream");
}

Test(idx, rejects_garbage_after_gzip_stream)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, b.len);
    append_raw(path, "junk");
    expect_idx_failure(path, "4 bytes after the end of the gzip stream, not another gzip member");
}

/* Zero padding (tar, dd, a block device) after the stream is not a damaged
 * header either. */
Test(idx, rejects_zeros_after_gzip_stream)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    const char *path = write_gz("x.gz", b.bytes, b.len);
    static const char zeros[512];
    FILE *f = fopen(path, "ab");
    cr_assert(f && fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros && fclose(f) == 0);
    expect_idx_failure(path, "512 bytes after the end of the gzip stream");
}

/* A file in another format is named as what it looks like. */
Test(idx, names_other_formats)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *name;
    } files[] = {
        {"\xff\xd8\xff\xe0\0\x10JFIF\0\1\1\0", 14, "a JPEG picture"},
        {"GIF89a\1\0\1\0\0\0", 12, "a GIF picture"},
        {"RIFF\x24\0\0\0WEBPVP8 ", 16, "a WebP picture"},
        {"PK\3\4\x14\0\0\0\x08\0\0\0", 12, "a zip archive"},
        {"\x93NUMPY\1\0v\0{'descr'", 16, "a NumPy .npy array"},
        {"%PDF-1.7\n%\xe2\xe3\xcf\xd3", 14, "a PDF document"},
        {"label,pixel0,pixel1\n", 20, "text (CSV or similar)"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char phrase[128];
        snprintf(phrase, sizeof phrase, "not an IDX file: it looks like %s", files[i].name);
        expect_idx_failure(write_raw("other", files[i].bytes, files[i].len), phrase);
    }
    expect_idx_failure(write_gz("other.gz", "%PDF-1.7\n", 9), "a PDF document inside gzip");
}

/* ---- datasets ---- */

static const char *write_labels(const char *name, const uint8_t *labels, uint32_t n)
{
    blob b = make_idx(0x08, 1, &n, 0);
    memcpy(b.bytes + b.len, labels, n);
    return write_raw(name, b.bytes, b.len + n);
}

static const char *write_images_5x4x3(void)
{
    blob b = make_idx(0x08, 3, dims_5x4x3, 60);
    return write_raw("images", b.bytes, b.len);
}

static const uint8_t labels_5[] = {3, 0, 4, 1, 2};

static void expect_dataset_failure(const char *images, const char *labels, int n_classes,
                                   const char *const *phrases, size_t n_phrases)
{
    mlpt_dataset d;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_dataset_load(images, labels, n_classes, &d, &err), -1);
    cr_assert(is_zeroed(&d, sizeof d), "failed load must leave the dataset zeroed");
    for (size_t i = 0; i < n_phrases; i++)
        cr_assert(strstr(err.msg, phrases[i]), "message should mention \"%s\": %s",
                  phrases[i], err.msg);
}

Test(dataset, loads_images_and_labels)
{
    mlpt_dataset d;
    mlpt_error err = {0};
    const char *images = write_images_5x4x3();
    const char *labels = write_labels("labels", labels_5, 5);
    cr_assert_eq(mlpt_dataset_load(images, labels, 5, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d.s.n, 5);
    cr_assert_eq(d.s.rank, 2);
    cr_assert_eq(d.s.dims[0], 4);
    cr_assert_eq(d.s.dims[1], 3);
    cr_assert_eq(d.s.features, 12);
    cr_assert_eq(d.s.bytes[59], pattern(59));
    cr_assert_arr_eq(d.s.labels, labels_5, 5);
    mlpt_idx images_idx = load_ok(images), labels_idx = load_ok(labels);
    cr_assert_eq(d.images_digest.hash, images_idx.digest.hash);
    cr_assert_eq(d.labels_digest.hash, labels_idx.digest.hash);
    cr_assert_eq(d.labels_digest.bytes, 8 + 5);
    mlpt_idx_free(&images_idx);
    mlpt_idx_free(&labels_idx);
    mlpt_dataset_free(&d);
    cr_assert(is_zeroed(&d, sizeof d));
}

Test(dataset, rejects_count_mismatch)
{
    const char *images = write_images_5x4x3();
    const char *labels = write_labels("labels", labels_5, 4);
    const char *phrases[] = {images, labels, "5 images", "4 labels"};
    expect_dataset_failure(images, labels, 5, phrases, 4);
}

Test(dataset, rejects_label_out_of_range)
{
    const uint8_t bad[] = {3, 0, 9, 1, 2};
    const char *images = write_images_5x4x3();
    const char *labels = write_labels("labels", bad, 5);
    const char *phrases[] = {labels, "index 2", "is 9", "class count 5"};
    expect_dataset_failure(images, labels, 5, phrases, 4);
}

Test(dataset, rejects_rank_1_images)
{
    const char *images = write_labels("images", labels_5, 5);
    const char *labels = write_labels("labels", labels_5, 5);
    const char *phrases[] = {images, "rank >= 2"};
    expect_dataset_failure(images, labels, 5, phrases, 2);
}

Test(dataset, rejects_rank_2_labels)
{
    /* (5, 1) is a column of 5 labels, as NumPy code often holds them;
     * (5, 2) is not labels */
    const uint32_t dims[] = {5, 2};
    blob b = make_idx(0x08, 2, dims, 10);
    const char *images = write_images_5x4x3();
    const char *labels = write_raw("labels", b.bytes, b.len);
    const char *phrases[] = {labels, "rank 1"};
    expect_dataset_failure(images, labels, 5, phrases, 2);
}

Test(dataset, reports_idx_errors)
{
    const char *images = write_images_5x4x3();
    const char *labels = scratch_path("missing-labels");
    const char *phrases[] = {labels, "No such file"};
    expect_dataset_failure(images, labels, 5, phrases, 2);
}

Test(dataset, a_samples_slice_shares_storage_and_is_clamped)
{
    mlpt_dataset d;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_dataset_load(write_images_5x4x3(), write_labels("labels", labels_5, 5),
                                   5, &d, &err), 0, "%s", err.msg);
    mlpt_samples s = mlpt_samples_slice(&d.s, 1, 3);
    cr_assert(s.n == 3 && s.rank == 2 && s.features == 12);
    cr_assert_eq(s.bytes, d.s.bytes + 12);
    cr_assert_eq(s.labels, d.s.labels + 1);
    s = mlpt_samples_slice(&d.s, 3, 10);
    cr_assert_eq(s.n, 2, "a range beyond the samples is clamped to them");
    cr_assert_eq(s.bytes, d.s.bytes + 36);
    cr_assert_eq(mlpt_samples_slice(&d.s, 7, 1).n, 0);
    mlpt_dataset_free(&d);
}

/* ---- the real data (CI runs scripts/fetch-mnist first) ---- */

#define MNIST MLPT_SOURCE_DIR "/data/mnist/"

static mlpt_dataset load_mnist(const char *images, const char *labels)
{
    mlpt_dataset d;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_dataset_load(images, labels, 10, &d, &err), 0,
                 "%s (run scripts/fetch-mnist to download MNIST)", err.msg);
    cr_assert_eq(d.s.rank, 2);
    cr_assert_eq(d.s.dims[0], 28);
    cr_assert_eq(d.s.dims[1], 28);
    cr_assert_eq(d.s.features, 784);
    return d;
}

Test(mnist, loads_train_and_t10k)
{
    mlpt_dataset train = load_mnist(MNIST "train-images-idx3-ubyte", MNIST "train-labels-idx1-ubyte");
    mlpt_dataset test = load_mnist(MNIST "t10k-images-idx3-ubyte", MNIST "t10k-labels-idx1-ubyte");
    cr_assert_eq(train.s.n, 60000);
    cr_assert_eq(test.s.n, 10000);
    cr_assert_eq(train.s.labels[0], 5);
    mlpt_dataset_free(&train);
    mlpt_dataset_free(&test);
}
