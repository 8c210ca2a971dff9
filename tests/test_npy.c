/* test_npy.c - the .npy reader against headers built here, good and
 * damaged, and against files NumPy itself writes in every dtype, byte order,
 * memory order and format version; then .npy files as a data set. */
#define _POSIX_C_SOURCE 200809L /* popen; test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "mlpt/dataset.h"
#include "mlpt/npy.h"

static void make_scratch(void)
{
    scratch_make("test_npy");
}

TestSuite(npy, .init = make_scratch, .fini = scratch_remove);

/* Writes a .npy file: magic, version, header text padded as numpy pads it,
 * then len payload bytes. Returns its path. */
static const char *write_npy(const char *name, int major, const char *dict, const void *payload,
                             size_t len)
{
    const char *path = scratch_path(name);
    const size_t pre = 6 + 2 + (major == 1 ? 2 : 4);
    size_t hlen = strlen(dict) + 1; /* the final newline */
    hlen += (64 - (pre + hlen) % 64) % 64;
    char header[1024];
    cr_assert(hlen < sizeof header);
    memset(header, ' ', hlen);
    memcpy(header, dict, strlen(dict));
    header[hlen - 1] = '\n';
    unsigned char lenb[4] = {(unsigned char)hlen, (unsigned char)(hlen >> 8),
                             (unsigned char)(hlen >> 16), (unsigned char)(hlen >> 24)};
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite("\x93NUMPY", 1, 6, f);
    fputc(major, f);
    fputc(0, f);
    fwrite(lenb, 1, major == 1 ? 2 : 4, f);
    fwrite(header, 1, hlen, f);
    if (len)
        fwrite(payload, 1, len, f);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static void expect_failure(const char *path, const char *words)
{
    mlpt_array a;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_npy_load(path, &a, &err), -1, "%s loaded", path);
    cr_assert(is_zeroed(&a, sizeof a), "a failed load must leave the array zeroed");
    cr_assert(strncmp(err.msg, path, strlen(path)) == 0, "the error names the file: %s",
              err.msg);
    cr_assert(strstr(err.msg, words), "expected '%s' in: %s", words, err.msg);
}

static mlpt_array load_ok(const char *path)
{
    mlpt_array a;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_npy_load(path, &a, &err), 0, "%s", err.msg);
    return a;
}

Test(npy, float32_c_order)
{
    const float v[6] = {0.5f, -1, 2, 3.25f, 1e30f, -0.0f};
    mlpt_array a = load_ok(write_npy("f4.npy", 1, "{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (2, 3), }", v, sizeof v));
    cr_assert_eq(a.kind, MLPT_ARRAY_FLOAT);
    cr_assert_eq(a.itemsize, 4);
    cr_assert_eq(a.rank, 2);
    cr_assert(a.dims[0] == 2 && a.dims[1] == 3 && a.count == 6);
    cr_assert_str_eq(mlpt_array_dtype_name(&a), "float32");
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(mlpt_array_get(&a, i), v[i]);
    mlpt_array_free(&a);
    cr_assert(is_zeroed(&a, sizeof a));
}

Test(npy, big_endian_is_swapped)
{
    const unsigned char be[] = {0x01, 0x02, 0xff, 0xfe}; /* 258, -2 */
    mlpt_array a = load_ok(write_npy("i2.npy", 1, "{'descr': '>i2', 'fortran_order': False, "
                                   "'shape': (2,), }", be, sizeof be));
    cr_assert_eq(mlpt_array_get(&a, 0), 258);
    cr_assert_eq(mlpt_array_get(&a, 1), -2);
    mlpt_array_free(&a);
}

Test(npy, fortran_order_becomes_c_order)
{
    /* the 2x3 array [[0 1 2] [3 4 5]] stored column by column */
    const uint16_t f[6] = {0, 3, 1, 4, 2, 5};
    mlpt_array a = load_ok(write_npy("fortran.npy", 1, "{'descr': '<u2', 'fortran_order': True, "
                                   "'shape': (2, 3), }", f, sizeof f));
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(mlpt_array_get(&a, i), (double)i);
    mlpt_array_free(&a);
}

Test(npy, versions_two_and_three_and_key_order)
{
    const uint8_t v[3] = {7, 8, 9};
    for (int major = 2; major <= 3; major++) {
        mlpt_array a = load_ok(write_npy(major == 2 ? "v2.npy" : "v3.npy", major,
                                       "{\"shape\": (3,), \"fortran_order\": False, "
                                       "\"descr\": \"|u1\"}", v, sizeof v));
        cr_assert(a.rank == 1 && a.count == 3 && mlpt_array_get(&a, 2) == 9);
        mlpt_array_free(&a);
    }
}

Test(npy, scalar_bool_and_half)
{
    const uint8_t b = 1;
    mlpt_array a = load_ok(write_npy("scalar.npy", 1, "{'descr': '|b1', 'fortran_order': False, "
                                   "'shape': (), }", &b, 1));
    cr_assert(a.rank == 0 && a.count == 1 && a.kind == MLPT_ARRAY_BOOL);
    cr_assert_str_eq(mlpt_array_dtype_name(&a), "bool");
    mlpt_array_free(&a);
    /* 1, -2, 0.5, the smallest subnormal, infinity */
    const uint16_t h[5] = {0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00};
    a = load_ok(write_npy("f2.npy", 1, "{'descr': '<f2', 'fortran_order': False, "
                          "'shape': (5,), }", h, sizeof h));
    cr_assert_eq(mlpt_array_get(&a, 0), 1.0);
    cr_assert_eq(mlpt_array_get(&a, 1), -2.0);
    cr_assert_eq(mlpt_array_get(&a, 2), 0.5);
    cr_assert_eq(mlpt_array_get(&a, 3), ldexp(1, -24));
    cr_assert(isinf(mlpt_array_get(&a, 4)));
    mlpt_array_free(&a);
}

Test(npy, damaged_headers_name_the_field)
{
    const float v[2] = {1, 2};
    static const struct {
        const char *dict, *words;
    } cases[] = {
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "descr: dtype '<c8'"},
        {"{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", "descr: dtype '|f4'"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "descr: dtype '|O'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
         "descr: expected a quoted string"},
        {"{'descr': '<f4', 'fortran_order': False, }", "shape: missing"},
        {"{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,), }",
         "fortran_order: expected True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", "unknown key 'x'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
         "descr: appears twice"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "shape: expected a "
                                                                         "dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "text after the dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
         "overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
         "overflow"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
         "more than 8 dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "truncated"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "trailing bytes"},
        {"__import__('os')", "header: expected a dict"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.npy", i);
        expect_failure(write_npy(name, 1, cases[i].dict, v, sizeof v), cases[i].words);
    }
}

Test(npy, damaged_preambles)
{
    const char *path = scratch_path("short.npy");
    FILE *f = fopen(path, "wb");
    fwrite("\x93NUM", 1, 4, f);
    fclose(f);
    expect_failure(path, "truncated preamble");
    path = write_npy("not.npy", 1, "{}", NULL, 0);
    FILE *g = fopen(path, "r+b");
    fputc('X', g);
    fclose(g);
    expect_failure(path, "not a .npy file");
    path = write_npy("v4.npy", 4, "{}", NULL, 0);
    expect_failure(path, "version: 4.0");
    /* a header length far beyond what numpy writes is refused unread */
    path = scratch_path("long.npy");
    f = fopen(path, "wb");
    fwrite("\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 1, 13, f);
    fclose(f);
    expect_failure(path, "header: 2147483647 bytes long");
    expect_failure(scratch_path("missing.npy"), "No such file");
}

/* Every dtype, both byte orders, C and Fortran order, versions 1-3, written
 * by NumPy: each element must read back as NumPy sees it. */
Test(npy, files_numpy_writes)
{
    char cmd[PATH_MAX + 2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - '%s' <<'EOF'\n"
             "import sys, numpy as np\n"
             "d = sys.argv[1]\n"
             "base = np.arange(-11, 13).reshape(2, 3, 4) * 3\n"
             "i = 0\n"
             "for t in ['?','u1','i1','<u2','>u2','<i2','>i2','<u4','>i4','<u8','>i8',\n"
             "          '<f2','>f2','<f4','>f4','<f8','>f8']:\n"
             "    for order in 'CF':\n"
             "        k = t.lstrip('<>')[0]\n"
             "        v = np.abs(base) if k == 'u' else base / 4 if k == 'f' else base\n"
             "        a = np.asarray(v, dtype=t, order=order)\n"
             "        with open('%%s/np%%d.npy' %% (d, i), 'wb') as f:\n"
             "            np.lib.format.write_array(f, a, version=(1 + i %% 3, 0))\n"
             "        with open('%%s/np%%d.txt' %% (d, i), 'w') as f:\n"
             "            f.write(' '.join(repr(float(x)) for x in a.ravel(order='C')))\n"
             "        i += 1\n"
             "EOF",
             scratch_dir());
    cr_assert_eq(system(cmd), 0, "python3 with numpy is needed (scripts/setup installs it)");
    for (int i = 0; i < 34; i++) {
        char npy[32], txt[32];
        snprintf(npy, sizeof npy, "np%d.npy", i);
        snprintf(txt, sizeof txt, "np%d.txt", i);
        mlpt_array a = load_ok(scratch_path(npy));
        cr_assert(a.rank == 3 && a.dims[0] == 2 && a.dims[1] == 3 && a.dims[2] == 4);
        FILE *f = fopen(scratch_path(txt), "r");
        cr_assert(f);
        for (size_t k = 0; k < a.count; k++) {
            double want;
            cr_assert_eq(fscanf(f, "%lf", &want), 1);
            cr_assert_eq(mlpt_array_get(&a, k), want, "%s (%s) element %zu: %g, NumPy %g", npy,
                         mlpt_array_dtype_name(&a), k, mlpt_array_get(&a, k), want);
        }
        fclose(f);
        mlpt_array_free(&a);
    }
}

Test(npy, as_a_data_set)
{
    uint8_t pixels[3 * 2 * 2];
    for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)(i * 20);
    const int64_t labels[3] = {2, 0, 1};
    const char *x = write_npy("x.npy", 1, "{'descr': '|u1', 'fortran_order': False, "
                              "'shape': (3, 2, 2), }", pixels, sizeof pixels);
    const char *y = write_npy("y.npy", 1, "{'descr': '<i8', 'fortran_order': False, "
                              "'shape': (3, 1), }", labels, sizeof labels);
    mlpt_dataset d;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_dataset_load(x, y, 3, &d, &err), 0, "%s", err.msg);
    cr_assert(d.s.n == 3 && d.s.features == 4 && d.s.rank == 2);
    cr_assert_eq(memcmp(d.s.bytes, pixels, sizeof pixels), 0);
    cr_assert(d.s.labels[0] == 2 && d.s.labels[1] == 0 && d.s.labels[2] == 1);
    /* a resume compares these: one changed pixel is other data */
    const mlpt_idx_digest before = d.images_digest;
    cr_assert(before.bytes == 3 * 8 + sizeof pixels && d.labels_digest.bytes == 2 * 8 + 3 * 8);
    mlpt_dataset_free(&d);
    pixels[5] ^= 1;
    write_npy("x.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2, 2), }",
              pixels, sizeof pixels);
    cr_assert_eq(mlpt_dataset_load(x, y, 3, &d, &err), 0, "%s", err.msg);
    cr_assert(d.images_digest.bytes == before.bytes && d.images_digest.hash != before.hash);
    mlpt_dataset_free(&d);

    cr_assert_eq(mlpt_dataset_load(x, y, 2, &d, &err), -1);
    cr_assert(strstr(err.msg, "label at index 0 is 2"), "%s", err.msg);

    /* inputs of any other type are float32, as they are or converted */
    const float fx[3] = {0.5f, -1, 2};
    const char *floats = write_npy("fx.npy", 1, "{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (3, 1), }", fx, sizeof fx);
    cr_assert_eq(mlpt_dataset_load(floats, y, 3, &d, &err), 0, "%s", err.msg);
    cr_assert(!d.s.bytes && d.s.floats && d.s.features == 1 && d.s.floats[1] == -1.0f);
    mlpt_dataset_free(&d);
    const int16_t ix[3] = {-300, 0, 7};
    const char *ints = write_npy("ix.npy", 1, "{'descr': '>i2', 'fortran_order': False, "
                                 "'shape': (3, 1), }", (const unsigned char[]){0xfe, 0xd4, 0, 0,
                                                                               0, 7}, 6);
    cr_assert_eq(mlpt_dataset_load(ints, y, 3, &d, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(d.s.floats[i], (float)ix[i]);
    mlpt_dataset_free(&d);
    cr_assert_eq(mlpt_dataset_load(x, floats, 3, &d, &err), -1);
    cr_assert(strstr(err.msg, "fx.npy: target at index 0 is 0.5: class labels are whole "
                              "numbers"), "%s", err.msg);
    /* whole floats are labels (Keras code often holds 0/1 as float32); as
     * values (n_classes 0) any floats are targets, (n, 1) one per sample */
    const float whole[3] = {1, 0, 2};
    const char *wf = write_npy("wf.npy", 1, "{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (3,), }", whole, sizeof whole);
    cr_assert_eq(mlpt_dataset_load(x, wf, 3, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d.s.labels[2], 2);
    mlpt_dataset_free(&d);
    cr_assert_eq(mlpt_dataset_load(x, floats, 0, &d, &err), 0, "%s", err.msg);
    cr_assert(!d.s.labels && d.s.target_width == 1 && d.s.targets[0] == 0.5f);
    mlpt_dataset_free(&d);

    const int16_t big[3] = {1, 300, 0};
    const char *wide = write_npy("wide.npy", 1, "{'descr': '<i2', 'fortran_order': False, "
                                 "'shape': (3,), }", big, sizeof big);
    cr_assert_eq(mlpt_dataset_load(x, wide, 3, &d, &err), -1);
    cr_assert(strstr(err.msg, "wide.npy: label at index 1 is 300"), "%s", err.msg);
}
