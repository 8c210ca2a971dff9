/* test_npz.c - the .npz reader against archives NumPy writes (stored and
 * deflated), one rewritten by hand with zip64 directory records, and
 * damaged ones; then an archive's arrays as a data set. */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "mlpt/dataset.h"
#include "mlpt/npz.h"

/* Writes, with NumPy, into the scratch folder: stored.npz (np.savez) and
 * deflated.npz (np.savez_compressed), each holding x (uint8, 5x2x3, values
 * 0..29), y (int64 labels 0..4) and w (float32 5x1, halves); zip64.npz,
 * stored.npz with its directory entries and end record in zip64 form;
 * understated.npz, deflated.npz whose first entry says it holds 10 bytes. */
static void make_archives(void)
{
    scratch_make("test_npz");
    char cmd[PATH_MAX + 2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - '%s' <<'EOF'\n"
             "import struct, sys, numpy as np\n"
             "d = sys.argv[1]\n"
             "arrays = dict(x=np.arange(30, dtype='u1').reshape(5, 2, 3),\n"
             "              y=np.array([0, 1, 2, 3, 4], dtype='<i8'),\n"
             "              w=(np.arange(5, dtype='<f4') / 2).reshape(5, 1))\n"
             "np.savez(d + '/stored.npz', **arrays)\n"
             "np.savez_compressed(d + '/deflated.npz', **arrays)\n"
             "raw = bytearray(open(d + '/stored.npz', 'rb').read())\n"
             "end = raw.rfind(b'PK\\x05\\x06')\n"
             "n, size, offset = struct.unpack('<HII', raw[end + 10:end + 20])\n"
             "cd, out, p = raw[offset:offset + size], bytearray(), 0\n"
             "for _ in range(n):\n"
             "    nl, xl, cl = struct.unpack('<HHH', cd[p + 28:p + 34])\n"
             "    csize, usize = struct.unpack('<II', cd[p + 20:p + 28])\n"
             "    local = struct.unpack('<I', cd[p + 42:p + 46])[0]\n"
             "    head = bytearray(cd[p:p + 46])\n"
             "    head[20:28] = b'\\xff' * 8\n"
             "    head[42:46] = b'\\xff' * 4\n"
             "    extra = struct.pack('<HHQQQ', 1, 24, usize, csize, local)\n"
             "    head[30:32] = struct.pack('<H', len(extra))\n"
             "    out += head + cd[p + 46:p + 46 + nl] + extra + cd[p + 46 + nl + xl:p + 46 + nl + xl + cl]\n"
             "    p += 46 + nl + xl + cl\n"
             "body = raw[:offset] + out\n"
             "end64 = struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, n, n, len(out), offset)\n"
             "loc = struct.pack('<IIQI', 0x07064b50, 0, len(body), 1)\n"
             "eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)\n"
             "open(d + '/zip64.npz', 'wb').write(body + end64 + loc + eocd)\n"
             "raw = bytearray(open(d + '/deflated.npz', 'rb').read())\n"
             "cd = raw.find(b'PK\\x01\\x02')\n"
             "raw[cd + 24:cd + 28] = struct.pack('<I', 10)\n"
             "open(d + '/understated.npz', 'wb').write(raw)\n"
             "EOF",
             scratch_dir());
    cr_assert_eq(system(cmd), 0, "python3 with numpy is needed (scripts/setup installs it)");
}

TestSuite(npz, .init = make_archives, .fini = scratch_remove);

static mlpt_array load_ok(const char *archive, const char *member)
{
    mlpt_array a;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_npz_load(scratch_path(archive), member, &a, &err), 0, "%s", err.msg);
    return a;
}

static void expect_failure(const char *path, const char *member, const char *words)
{
    mlpt_array a;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_npz_load(path, member, &a, &err), -1, "%s:%s loaded", path, member);
    cr_assert(is_zeroed(&a, sizeof a), "a failed load must leave the array zeroed");
    cr_assert(strncmp(err.msg, path, strlen(path)) == 0, "the error names the file: %s",
              err.msg);
    cr_assert(strstr(err.msg, words), "expected '%s' in: %s", words, err.msg);
}

Test(npz, every_member_of_every_form)
{
    static const char *const archives[] = {"stored.npz", "deflated.npz", "zip64.npz"};
    for (size_t k = 0; k < ARRAY_LEN(archives); k++) {
        char named[PATH_MAX + 8], archive[PATH_MAX];
        snprintf(named, sizeof named, "%s:x", scratch_path(archives[k]));
        cr_assert_str_eq(mlpt_npz_member(named, archive, sizeof archive), "x");
        cr_assert_str_eq(archive, scratch_path(archives[k]));
        mlpt_array x = load_ok(archives[k], "x"), y = load_ok(archives[k], "y.npy"),
                 w = load_ok(archives[k], "w");
        cr_assert(x.rank == 3 && x.dims[0] == 5 && x.dims[1] == 2 && x.dims[2] == 3);
        cr_assert_str_eq(mlpt_array_dtype_name(&x), "uint8");
        for (size_t i = 0; i < x.count; i++)
            cr_assert_eq(mlpt_array_get(&x, i), (double)i, "%s x[%zu]", archives[k], i);
        cr_assert(y.rank == 1 && y.count == 5 && mlpt_array_get(&y, 4) == 4);
        cr_assert(w.rank == 2 && mlpt_array_get(&w, 3) == 1.5);
        mlpt_array_free(&x);
        mlpt_array_free(&y);
        mlpt_array_free(&w);
    }
}

Test(npz, a_missing_member_lists_the_arrays)
{
    expect_failure(scratch_path("deflated.npz"), "x_train",
                   "no array 'x_train' in the archive (it holds x, y, w)");
    expect_failure(scratch_path("deflated.npz"), NULL, "name the array after a colon");
    char archive[PATH_MAX];
    cr_assert_null(mlpt_npz_member(scratch_path("nothing-here:x"), archive, sizeof archive));
    cr_assert_null(mlpt_npz_member(scratch_path("deflated.npz"), archive, sizeof archive),
                   "no colon: no member");
}

Test(npz, a_colon_after_a_file_that_is_not_an_archive_names_no_member)
{
    char named[PATH_MAX + 8], archive[PATH_MAX];
    FILE *f = fopen(scratch_path("plain.csv"), "wb");
    cr_assert(f && fputs("a,b\n1,2\n", f) >= 0 && fclose(f) == 0);
    snprintf(named, sizeof named, "%s:x", scratch_path("plain.csv"));
    cr_assert_null(mlpt_npz_member(named, archive, sizeof archive));
}

/* Copies an archive with one byte changed at offset (from the end when
 * negative), or cut to its first `keep` bytes. */
static const char *damaged(const char *from, const char *to, long offset, unsigned char xor_with,
                           size_t keep)
{
    file_bytes b = read_all(scratch_path(from));
    const size_t at = offset < 0 ? b.len - (size_t)-offset : (size_t)offset;
    b.p[at] ^= xor_with;
    const char *path = scratch_path(to);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite(b.p, 1, keep < b.len ? keep : b.len, f);
    fclose(f);
    free(b.p);
    return path;
}

Test(npz, damaged_archives_are_refused)
{
    /* the first member's payload: a byte of data changed, so the CRC fails */
    expect_failure(damaged("stored.npz", "crc.npz", 200, 0x40, (size_t)-1), "x",
                   "CRC-32 mismatch");
    /* deflated data changed: a corrupt stream or a CRC mismatch */
    mlpt_array a;
    mlpt_error err;
    cr_assert_eq(mlpt_npz_load(damaged("deflated.npz", "bits.npz", 120, 0xff, (size_t)-1), "x",
                               &a, &err), -1);
    cr_assert(strstr(err.msg, "bits.npz:x: "), "%s", err.msg);
    expect_failure(damaged("stored.npz", "cut.npz", 0, 0, 300), "x", "no end of central");
    /* the end record's directory offset points beyond the file */
    expect_failure(damaged("stored.npz", "offset.npz", -5, 0x7f, (size_t)-1), "x",
                   "central directory: lies beyond the end of the file");
    /* the first member holds more than the 10 bytes its directory entry says */
    expect_failure(scratch_path("understated.npz"), "x", "past the 10 bytes its container says");
    /* the first local header's signature broken */
    expect_failure(damaged("stored.npz", "local.npz", 0, 0x01, (size_t)-1), "x",
                   "local header: does not match");
}

Test(npz, arrays_as_a_data_set)
{
    char x[PATH_MAX], y[PATH_MAX];
    snprintf(x, sizeof x, "%s:x", scratch_path("deflated.npz"));
    snprintf(y, sizeof y, "%s:y", scratch_path("zip64.npz"));
    mlpt_dataset d;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_dataset_load(x, y, 5, &d, &err), 0, "%s", err.msg);
    cr_assert(d.s.n == 5 && d.s.features == 6 && d.s.labels[3] == 3 && d.s.bytes[29] == 29);
    mlpt_dataset_free(&d);
    cr_assert_eq(mlpt_dataset_load(scratch_path("deflated.npz"), y, 5, &d, &err), -1);
    cr_assert(strstr(err.msg, "name the array after a colon"), "%s", err.msg);
}
