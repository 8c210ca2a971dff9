/* test_csv.c - the CSV reader on tables written here: RFC 4180 quoting,
 * line ends, delimiters, gzip, and every error with its line and column. */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "test_util.h"
#include "mlpt/csv.h"

static void make_scratch(void)
{
    scratch_make("test_csv");
}

TestSuite(csv, .init = make_scratch, .fini = scratch_remove);

static const char *write_text(const char *name, const char *text, size_t len)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static mlpt_csv load_ok(const char *path, char delimiter)
{
    mlpt_csv t;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_csv_load(path, delimiter, &t, &err), 0, "%s", err.msg);
    return t;
}

/* "PATH" followed by `words` must be the error of loading text. */
static void expect_failure(const char *text, char delimiter, const char *words)
{
    const char *path = write_text("bad.csv", text, strlen(text));
    mlpt_csv t;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_csv_load(path, delimiter, &t, &err), -1, "loaded: %s", text);
    cr_assert(is_zeroed(&t, sizeof t), "a failed load must leave the table zeroed");
    cr_assert(strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, words),
              "expected '%s%s' in: %s", path, words, err.msg);
}

Test(csv, quoting_line_ends_and_line_numbers)
{
    static const char text[] = "\xef\xbb\xbfname,\"note, quoted\",value\r\n"
                               "a,plain,1.5\r\n"
                               "\r\n"
                               "\"b \"\"quoted\"\"\",\"two\nlines\",-2e3\n"
                               "c,,  7  \n"
                               "d,\"\",8";
    mlpt_csv t = load_ok(write_text("t.csv", text, sizeof text - 1), ',');
    cr_assert_eq(t.n_cols, 3);
    cr_assert_eq(t.n_rows, 4);
    cr_assert_str_eq(mlpt_csv_name(&t, 0), "name");
    cr_assert_str_eq(mlpt_csv_name(&t, 1), "note, quoted");
    cr_assert_eq(mlpt_csv_column(&t, "value"), 2);
    cr_assert_eq(mlpt_csv_column(&t, "nope"), -1);
    cr_assert_str_eq(mlpt_csv_cell(&t, 1, 0), "b \"quoted\"");
    cr_assert_str_eq(mlpt_csv_cell(&t, 1, 1), "two\nlines");
    cr_assert_str_eq(mlpt_csv_cell(&t, 2, 1), "");
    cr_assert_str_eq(mlpt_csv_cell(&t, 3, 1), "");
    /* records start on lines 2, 4 (after the empty line 3), 6, 7 */
    const uint32_t lines[] = {1, 2, 4, 6, 7};
    for (size_t r = 0; r < 5; r++)
        cr_assert_eq(t.lines[r], lines[r], "record %zu", r);
    double v;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_csv_number(&t, 0, 2, &v, &err), 0, "%s", err.msg);
    cr_assert_eq(v, 1.5);
    cr_assert_eq(mlpt_csv_number(&t, 1, 2, &v, &err), 0);
    cr_assert_eq(v, -2000);
    cr_assert_eq(mlpt_csv_number(&t, 2, 2, &v, &err), 0, "spaces around a number are fine");
    cr_assert_eq(v, 7);
    cr_assert_eq(mlpt_csv_number(&t, 2, 1, &v, &err), -1);
    cr_assert(strstr(err.msg, "t.csv:6: column 2 (note, quoted): empty cell"), "%s", err.msg);
    mlpt_csv_free(&t);
    cr_assert(is_zeroed(&t, sizeof t));
}

Test(csv, other_delimiters)
{
    static const char semi[] = "x;y\n1,5;2\n";
    mlpt_csv t = load_ok(write_text("semi.csv", semi, sizeof semi - 1), ';');
    cr_assert_str_eq(mlpt_csv_cell(&t, 0, 0), "1,5");
    double v;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_csv_number(&t, 0, 0, &v, &err), -1, "a decimal comma is not C's number");
    cr_assert(strstr(err.msg, "semi.csv:2: column 1 (x): '1,5' is not a number"), "%s",
              err.msg);
    mlpt_csv_free(&t);
    static const char tab[] = "x\ty\n3\t4\n";
    t = load_ok(write_text("tab.tsv", tab, sizeof tab - 1), '\t');
    cr_assert(t.n_cols == 2 && !strcmp(mlpt_csv_cell(&t, 0, 1), "4"));
    mlpt_csv_free(&t);
}

Test(csv, gzip_is_read_by_content)
{
    static const char text[] = "a,b\n1,2\n3,4\n";
    const char *path = scratch_path("t.csv.gz");
    gzFile f = gzopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(gzwrite(f, text, sizeof text - 1), (int)sizeof text - 1);
    cr_assert_eq(gzclose(f), Z_OK);
    mlpt_csv t = load_ok(path, ',');
    cr_assert(t.n_rows == 2 && !strcmp(mlpt_csv_cell(&t, 1, 1), "4"));
    mlpt_csv_free(&t);
}

Test(csv, numbers_that_are_not)
{
    static const char text[] = "v\nNA\nnan\ninf\n0x10\n1e999\n--1\n2.5x\n";
    mlpt_csv t = load_ok(write_text("n.csv", text, sizeof text - 1), ',');
    static const char *const cells[] = {"NA", "nan", "inf", "0x10", "1e999", "--1", "2.5x"};
    for (size_t r = 0; r < ARRAY_LEN(cells); r++) {
        double v;
        mlpt_error err = {0};
        char want[64];
        snprintf(want, sizeof want, "n.csv:%zu: column 1 (v): '%s' is not a number", r + 2,
                 cells[r]);
        cr_assert_eq(mlpt_csv_number(&t, r, 0, &v, &err), -1, "%s read", cells[r]);
        cr_assert(strstr(err.msg, want), "expected '%s' in: %s", want, err.msg);
    }
    mlpt_error err = {0};
    mlpt_csv_fail(&t, 6, 0, &err, "'%s' is not one of the classes", "2.5x");
    cr_assert(strstr(err.msg, "n.csv:8: column 1 (v): '2.5x' is not one of the classes"), "%s",
              err.msg);
    mlpt_csv_free(&t);
}

Test(csv, damaged_tables_name_the_line)
{
    expect_failure("a,b\n1,\"open\n2,3\n", ',', ":2: a quoted field is never closed");
    expect_failure("a,b\n1,\"x\"y\n", ',', ":2: text after a closing quote");
    expect_failure("a,b\n1,2\n\n3\n", ',', ":4: 1 fields, but the header has 2 columns");
    expect_failure("a,b,c\n1,2,3,4\n", ',', ":2: 4 fields");
    expect_failure("a,,c\n1,2,3\n", ',', ":1: column 2 has no name");
    expect_failure("x,y,z,y\n1,2,3,4\n", ',', ":1: columns 2 and 4 are both named 'y'");
    expect_failure("", ',', ": empty: a header row");
    expect_failure("\n\r\n", ',', ": empty");
    expect_failure("a,b\n1,2\n", '"', ": a quote, a line end or NUL cannot be the delimiter");
    const char nul[] = "a,b\n1,\0\n";
    const char *path = write_text("nul.csv", nul, sizeof nul - 1);
    mlpt_csv t;
    mlpt_error err;
    cr_assert_eq(mlpt_csv_load(path, ',', &t, &err), -1);
    cr_assert(strstr(err.msg, "nul.csv: holds a NUL byte at offset 6"), "%s", err.msg);
    cr_assert_eq(mlpt_csv_load(scratch_path("missing.csv"), ',', &t, &err), -1);
    cr_assert(strstr(err.msg, "missing.csv: cannot open"), "%s", err.msg);
}
