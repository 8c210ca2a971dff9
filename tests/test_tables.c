/* test_tables.c - the data a config's [data] describes (mlpt/data.h): CSV
 * tables with word and number classes, one-hot columns, classes = auto,
 * the stratified test split, the validation split, normalization fitted on
 * the training part only, arrays with classes = auto; and each error with
 * the file and line, column or config line it names. */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "mlpt/data.h"

static mlpt_config cfg;
static mlpt_data d;
static mlpt_error err;

static void make_scratch(void)
{
    scratch_make("test_tables");
}

static void clean_up(void)
{
    mlpt_data_free(&d);
    scratch_remove();
}

TestSuite(tables, .init = make_scratch, .fini = clean_up);

static const char *write_text(const char *name, const char *text)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* The config "[data]\n" DATA "[model]\ninput = WIDTH\nlayer = dense UNITS
 * softmax\n", with every %s in data_fmt the scratch folder. */
static void configure(const char *data_fmt, int width, int units)
{
    char data[2048], text[4096];
    const char *dir = scratch_dir();
    snprintf(data, sizeof data, data_fmt, dir, dir, dir);
    snprintf(text, sizeof text, "[data]\n%s[model]\ninput = %d\nlayer = dense %d softmax\n",
             data, width, units);
    cr_assert_eq(mlpt_config_parse("t.ini", text, NULL, 0, &cfg, &err), 0, "%s", err.msg);
}

static void loads(void)
{
    memset(&err, 0, sizeof err);
    cr_assert_eq(mlpt_data_load(&cfg, true, &d, &err), 0, "%s", err.msg);
}

static void fails(const char *words)
{
    memset(&err, 0, sizeof err);
    cr_assert_eq(mlpt_data_load(&cfg, true, &d, &err), -1, "should fail with %s", words);
    cr_assert(is_zeroed(&d, sizeof d), "a failed load leaves the data zeroed");
    cr_assert(strstr(err.msg, words), "expected '%s' in: %s", words, err.msg);
}

static const char weather[] = "date,rain,colour,kind\n"   /* line 1 */
                              "1,0.5,red,sun\n"
                              "2,1.5,blue,rain\n"
                              "3,2.5,red,sun\n"
                              "4,3.5,green,fog\n"          /* line 5 */
                              "5,4.5,red,rain\n";

Test(tables, word_classes_one_hot_and_columns_by_name)
{
    write_text("w.csv", weather);
    write_text("test.csv", "kind,colour,rain,date\nfog,green,9,7\n");
    configure("train = %s/w.csv\ntest = %s/test.csv\ntarget = kind\ninputs = rain colour\n"
              "one_hot = colour\nclasses = auto\n", 4, 3);
    loads();
    cr_assert_eq(d.n_classes, 3);
    cr_assert_str_eq(d.classes[0], "fog");  /* sorted by bytes */
    cr_assert_str_eq(d.classes[1], "rain");
    cr_assert_str_eq(d.classes[2], "sun");
    cr_assert_eq(d.train.s.n, 5);
    cr_assert_eq(d.train.s.features, 4);    /* rain, then blue green red */
    const float row1[] = {1.5f, 1, 0, 0}, row3[] = {3.5f, 0, 1, 0};
    for (int f = 0; f < 4; f++) {
        cr_assert_eq(mlpt_samples_value(&d.train.s, 1, (size_t)f), row1[f]);
        cr_assert_eq(mlpt_samples_value(&d.train.s, 3, (size_t)f), row3[f]);
    }
    const uint8_t labels[] = {2, 1, 2, 0, 1};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(d.train.s.labels[i], labels[i]);
    /* the test file's columns in another order */
    cr_assert_eq(d.test.s.n, 1);
    cr_assert_eq(mlpt_samples_value(&d.test.s, 0, 0), 9.0f);
    cr_assert_eq(mlpt_samples_value(&d.test.s, 0, 2), 1.0f);
    cr_assert_eq(d.test.s.labels[0], 0);
    cr_assert_str_eq(d.table.columns[1].name, "colour");
    cr_assert_eq(d.table.columns[1].n_levels, 3);
    cr_assert_str_eq(d.table.columns[1].levels[0], "blue");
    cr_assert_eq(d.train.images_digest.bytes, sizeof weather - 1, "the file's bytes as read");
}

Test(tables, number_classes_sort_by_value)
{
    write_text("n.csv", "x,y\n1,10\n2,9\n3,10\n4,-2\n");
    configure("train = %s/n.csv\ntest = %s/n.csv\ntarget = y\nclasses = auto\n", 1, 3);
    loads();
    cr_assert_eq(d.n_classes, 3);
    cr_assert_str_eq(d.classes[0], "-2");
    cr_assert_str_eq(d.classes[1], "9");
    cr_assert_str_eq(d.classes[2], "10");
    cr_assert_eq(d.train.s.labels[0], 2);
    cr_assert_eq(d.train.s.labels[3], 0);
    /* listed names: integer targets index them */
    write_text("i.csv", "x,y\n1,0\n2,1\n");
    configure("train = %s/i.csv\ntest = %s/i.csv\ntarget = y\nclasses = no yes\n", 1, 2);
    mlpt_data_free(&d);
    loads();
    cr_assert_eq(d.train.s.labels[1], 1);
}

Test(tables, stratified_test_split_keeps_file_order)
{
    char text[4096] = "x,kind\n";
    for (int i = 0; i < 50; i++) /* 10 of a, 40 of b */
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%s\n", i,
                 i % 5 == 0 ? "a" : "b");
    write_text("s.csv", text);
    configure("train = %s/s.csv\ntarget = kind\ntest_split = 0.25\nclasses = auto\n", 1, 2);
    loads();
    size_t per_class[2] = {0};
    for (size_t i = 0; i < d.test.s.n; i++)
        per_class[d.test.s.labels[i]]++;
    cr_assert_eq(per_class[0], 3, "round(0.25 * 10) of a");
    cr_assert_eq(per_class[1], 10, "round(0.25 * 40) of b");
    cr_assert_eq(d.train.s.n, 37);
    for (size_t i = 1; i < d.train.s.n; i++)
        cr_assert_lt(mlpt_samples_value(&d.train.s, i - 1, 0),
                     mlpt_samples_value(&d.train.s, i, 0), "file order");
    size_t tests = 0;
    for (size_t i = 0; i < d.n_rows; i++)
        tests += d.split[i] == MLPT_ROW_TEST;
    cr_assert_eq(tests, 13);
    cr_assert_eq(d.lines[0], 2);
    /* the same seed holds out the same rows; another seed others */
    float first = mlpt_samples_value(&d.test.s, 0, 0);
    mlpt_data_free(&d);
    loads();
    cr_assert_eq(mlpt_samples_value(&d.test.s, 0, 0), first);
    bool differs = false;
    uint8_t split[50];
    memcpy(split, d.split, sizeof split);
    for (uint64_t seed = 1; seed < 4 && !differs; seed++) {
        cfg.train.seed = seed;
        mlpt_data_free(&d);
        loads();
        differs = memcmp(split, d.split, sizeof split) != 0;
    }
    cr_assert(differs, "the seed decides which rows are held out");
}

Test(tables, normalization_is_fitted_on_the_training_part_only)
{
    write_text("z.csv", "a,b,c,k\n1,5,10,p\n3,5,20,q\n5,5,30,p\n100,5,-100,q\n");
    configure("train = %s/z.csv\ntest = %s/z.csv\ntarget = k\nnormalize = standard\n"
              "validation = 0.25\nclasses = auto\n", 3, 2);
    loads();
    cr_assert_eq(d.fit.n, 3);
    cr_assert_eq(d.val.n, 1);
    /* a: mean 3, population std sqrt(8/3); b constant: factor 1 */
    cr_assert_float_eq(d.shift[0], 3.0f, 1e-6);
    cr_assert_float_eq(d.factor[0], (float)(1 / sqrt(8.0 / 3)), 1e-6);
    cr_assert_eq(d.shift[1], 5.0f);
    cr_assert_eq(d.factor[1], 1.0f);
    cr_assert_float_eq(mlpt_samples_value(&d.fit, 0, 2), (float)(-10 / sqrt(200.0 / 3)), 1e-5);
    cr_assert_eq(d.test.s.shift, d.shift, "the test set is normalized alike");
    configure("train = %s/z.csv\ntest = %s/z.csv\ntarget = k\nnormalize = minmax\n"
              "validation = 0.25\nclasses = auto\n", 3, 2);
    mlpt_data_free(&d);
    loads();
    cr_assert_eq(d.shift[2], 10.0f);
    cr_assert_eq(d.factor[2], 0.05f);
    cr_assert_eq(mlpt_samples_value(&d.val, 0, 0), 99.0f * 0.25f);
}

Test(tables, one_hot_inputs_are_not_normalized)
{
    write_text("w.csv", weather);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = colour rain\n"
              "one_hot = colour\nnormalize = standard\nclasses = auto\n", 4, 3);
    loads();
    for (int f = 0; f < 3; f++) {
        cr_assert_eq(d.shift[f], 0.0f);
        cr_assert_eq(d.factor[f], 1.0f);
    }
    cr_assert_eq(d.shift[3], 2.5f);
}

Test(tables, arrays_with_classes_auto)
{
    /* IDX: 3 samples of 1x2 bytes, labels 7 3 7 */
    static const unsigned char x[] = {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6};
    static const unsigned char y[] = {0, 0, 8, 1, 0, 0, 0, 3, 7, 3, 7};
    FILE *f = fopen(scratch_path("x.idx"), "wb");
    fwrite(x, 1, sizeof x, f);
    fclose(f);
    f = fopen(scratch_path("y.idx"), "wb");
    fwrite(y, 1, sizeof y, f);
    fclose(f);
    configure("train_inputs = %s/x.idx\ntrain_targets = %s/y.idx\ntest_split = 0.5\n"
              "classes = auto\n", 2, 2);
    loads();
    cr_assert_eq(d.n_classes, 2);
    cr_assert_str_eq(d.classes[0], "3");
    cr_assert_str_eq(d.classes[1], "7");
    cr_assert_eq(d.train.s.n + d.test.s.n, 3);
    cr_assert_eq(d.test.s.n, 2, "round(0.5 * 1) + round(0.5 * 2)");
}

/* ---- errors: each names its file and line and column, or its config line ---- */

Test(tables, error_column_not_in_header)
{
    write_text("w.csv", weather);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = weather\nclasses = auto\n", 4, 3);
    fails("t.ini:4: [data] target = weather: ");
    cr_assert(strstr(err.msg, "w.csv has no column 'weather' (its columns: date rain colour "
                              "kind)"), "%s", err.msg);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = rain wind\n"
              "classes = auto\n", 4, 3);
    fails("t.ini:5: [data] inputs = rain wind: ");
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = rain\n"
              "one_hot = colour\nclasses = auto\n", 4, 3);
    fails("t.ini:6: [data] one_hot = colour: 'colour' is not an input column");
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = rain kind\n"
              "classes = auto\n", 4, 3);
    fails("'kind' is a target column");
}

Test(tables, error_cells_name_file_line_and_column)
{
    write_text("w.csv", weather);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\nclasses = auto\n", 4, 3);
    fails("w.csv:2: column 3 (colour): 'red' is not a number");
    write_text("e.csv", "a,k\n1,x\n,y\n");
    configure("train = %s/e.csv\ntest = %s/e.csv\ntarget = k\nclasses = auto\n", 1, 2);
    fails("e.csv:3: column 1 (a): empty cell");
    write_text("e.csv", "a,k\n1,x\nNA,y\n");
    fails("e.csv:3: column 1 (a): 'NA' is not a number");
}

Test(tables, error_targets_not_among_the_classes)
{
    write_text("w.csv", weather);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = rain\n"
              "classes = sun rain\n", 1, 2);
    fails("w.csv:5: column 4 (kind): 'fog' is not among the classes (sun rain)");
    write_text("i.csv", "x,y\n1,0\n2,2\n");
    configure("train = %s/i.csv\ntest = %s/i.csv\ntarget = y\nclasses = no yes\n", 1, 2);
    fails("i.csv:3: column 2 (y): 2 is not a class index from 0 to 1");
    /* a test file's class the training file does not have */
    write_text("t.csv", "rain,kind\n1,snow\n");
    configure("train = %s/w.csv\ntest = %s/t.csv\ntarget = kind\ninputs = rain\n"
              "classes = auto\n", 1, 3);
    fails("t.csv:2: column 2 (kind): 'snow' is not among the classes (fog rain sun)");
}

Test(tables, error_one_hot_word_not_in_training_split)
{
    write_text("w.csv", weather);
    write_text("t.csv", "rain,colour,kind\n1,teal,sun\n");
    configure("train = %s/w.csv\ntest = %s/t.csv\ntarget = kind\ninputs = rain colour\n"
              "one_hot = colour\nclasses = auto\n", 4, 3);
    fails("t.csv:2: column 2 (colour): 'teal' is not among the training split's values "
          "(blue green red)");
}

Test(tables, error_auto_class_count_against_the_last_layer)
{
    write_text("w.csv", weather);
    configure("train = %s/w.csv\ntest = %s/w.csv\ntarget = kind\ninputs = rain\n"
              "classes = auto\n", 1, 5);
    fails("t.ini:9: [model] layer = dense 5 softmax: the last layer tells 5 classes apart "
          "(multiclass), but classes = auto found 3 classes in ");
}

Test(tables, error_splits_that_leave_nothing)
{
    write_text("one.csv", "x,k\n1,a\n2,b\n");
    configure("train = %s/one.csv\ntarget = k\ntest_split = 0.2\nclasses = auto\n", 1, 2);
    fails("t.ini:4: [data] test_split = 0.2: test_split = 0.2 of 2 rows holds out 0");
    configure("train = %s/one.csv\ntest = %s/one.csv\ntarget = k\nvalidation = 0.9\n"
              "classes = auto\n", 1, 2);
    fails("t.ini:5: [data] validation = 0.9: validation = 0.9 of 2 samples leaves 2 for "
          "validation and 0 for training");
}
