/* test_figures.c - every figure drawn from a small synthetic dataset: the
 * PNG loads back at the expected size, is not blank, shows the right
 * colours; bad arguments fail naming the path and leave no file. */
#define _POSIX_C_SOURCE 200809L /* setrlimit; test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <cairo.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test_util.h"
#include "mlpt/figures.h"

static void make_scratch(void)
{
    scratch_make("test_figures");
}

static void remove_scratch(void)
{
    scratch_remove();
    cairo_debug_reset_static_data(); /* cairo's font caches, so LSan sees only real leaks */
}

TestSuite(figures, .init = make_scratch, .fini = remove_scratch);

/* ---- a synthetic dataset: 12 images 28x28, a stroke per label ---- */

enum { N = 12, SIDE = 28, FEATURES = SIDE * SIDE, CLASSES = 10 };

static uint8_t pixels[N * FEATURES], labels[N];
static float probs[N * CLASSES];

static const char *const NAMES[CLASSES] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const LONG_NAMES[CLASSES] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                                "Ankle boot"};

/* Image i: a ring for 0, else a thick slanted stroke whose slant depends on
 * the label, on black (0). */
static mlpt_samples make_dataset(void)
{
    memset(pixels, 0, sizeof pixels);
    for (int i = 0; i < N; i++) {
        labels[i] = (uint8_t)(i % CLASSES);
        uint8_t *img = pixels + (size_t)i * FEATURES;
        for (int r = 4; r < 24; r++)
            for (int c = 0; c < SIDE; c++) {
                double centre = 14 + (labels[i] - 4.5) * (r - 14) / 12.0;
                double dist = fabs(c - centre);
                if (labels[i] == 0)
                    dist = fabs(hypot(r - 14, c - 14) - 8);
                if (dist < 2.5)
                    img[r * SIDE + c] = (uint8_t)(255 - 60 * dist);
            }
    }
    mlpt_samples d = {.n = N, .rank = 2, .dims = {SIDE, SIDE},
                      .features = FEATURES, .bytes = pixels, .scale = 255.0f, .labels = labels,
                      .n_classes = CLASSES};
    return d;
}

/* Confident, correct probabilities; sample `wrong` (if >= 0) predicted as
 * its label + 1 with 0.7, its true class 0.25. */
static void make_probs(int wrong)
{
    for (int i = 0; i < N; i++) {
        float *p = probs + i * CLASSES;
        for (int c = 0; c < CLASSES; c++)
            p[c] = 0.05f / (CLASSES - 1);
        p[labels[i]] = 0.95f;
        if (i == wrong) {
            for (int c = 0; c < CLASSES; c++)
                p[c] = 0.005f;
            p[(labels[i] + 1) % CLASSES] = 0.7f;
            p[labels[i]] = 0.25f;
        }
    }
}

static const uint32_t IDS[N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

/* ---- reading a PNG back ---- */

typedef struct png_info {
    int w, h;
    size_t non_white, red, blue;
    int last_red_row, last_blue_row; /* -1 when none */
} png_info;

static png_info load_png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS, "%s: %s", path,
                 cairo_status_to_string(cairo_surface_status(s)));
    png_info in = {cairo_image_surface_get_width(s), cairo_image_surface_get_height(s), 0, 0, 0,
                   -1, -1};
    cairo_format_t fmt = cairo_image_surface_get_format(s);
    cr_assert(fmt == CAIRO_FORMAT_RGB24 || fmt == CAIRO_FORMAT_ARGB32);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < in.h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
        for (int x = 0; x < in.w; x++) {
            int r = row[x] >> 16 & 255, g = row[x] >> 8 & 255, b = row[x] & 255;
            in.non_white += r < 250 || g < 250 || b < 250;
            if (r >= 180 && g <= 80 && b <= 80) {
                in.red++;
                in.last_red_row = y;
            }
            if (b >= 180 && r <= 80 && g <= 120) {
                in.blue++;
                in.last_blue_row = y;
            }
        }
    }
    cairo_surface_destroy(s);
    return in;
}

/* The figure is there, w x h (0: not checked), and not blank. */
static png_info check_png(const char *path, int w, int h)
{
    cr_assert_eq(access(path, F_OK), 0, "%s was not written", path);
    png_info in = load_png(path);
    if (w)
        cr_expect_eq(in.w, w, "%s: width %d, expected %d", path, in.w, w);
    if (h)
        cr_expect_eq(in.h, h, "%s: height %d, expected %d", path, in.h, h);
    cr_expect_gt(in.non_white, (size_t)in.w * (size_t)in.h / 50,
                 "%s: only %zu of %d x %d pixels are not white", path, in.non_white, in.w, in.h);
    return in;
}

/* A call that must fail: the message names the path and no file is left. */
#define EXPECT_FAILS(call, path)                                                             \
    do {                                                                                     \
        mlpt_error err_ = {0};                                                             \
        int files_ = scratch_count(NULL, 0);                                                 \
        cr_expect_eq((call), -1, "%s succeeded", #call);                                     \
        cr_expect(strstr(err_.msg, (path)), "message does not name %s: %s", (path),          \
                  err_.msg);                                                                 \
        cr_expect_eq(scratch_count(NULL, 0), files_, "%s left a file behind", #call);        \
    } while (0)

/* ---- samples ---- */

Test(figures, samples_grid)
{
    mlpt_samples d = make_dataset();
    mlpt_error err;
    const char *p9 = scratch_path("samples9.png");
    cr_assert_eq(mlpt_figure_samples(p9, &d, IDS, 9, NAMES, &err), 0, "%s", err.msg);
    /* 3 x 3 tiles of 112 px: width fixed by the tiles, height by tiles and captions */
    png_info in = check_png(p9, 2 * 16 + 3 * 112 + 2 * 14, 0);
    cr_expect(in.h > 2 * 16 + 3 * 112 + 2 * 14 && in.h < 2 * 16 + 3 * (112 + 40) + 2 * 14,
              "height %d", in.h);
    cr_expect_eq(in.red, 0);

    const char *p12 = scratch_path("samples12.png");
    cr_assert_eq(mlpt_figure_samples(p12, &d, IDS, 12, LONG_NAMES, &err), 0, "%s", err.msg);
    check_png(p12, 2 * 16 + 4 * 112 + 3 * 14, in.h); /* 4 x 3 */
}

/* C x H x W samples with 3 channels are drawn in colour: the strokes in the
 * red plane alone come out red, on black; with 1 channel, as H x W. */
Test(figures, samples_in_colour_and_grey_planes)
{
    static uint8_t planes[N * 3 * FEATURES];
    mlpt_samples grey = make_dataset(), colour = grey;
    memset(planes, 0, sizeof planes);
    for (int i = 0; i < N; i++)
        memcpy(planes + (size_t)i * 3 * FEATURES, pixels + (size_t)i * FEATURES, FEATURES);
    colour.rank = 3;
    colour.dims[0] = 3;
    colour.dims[1] = colour.dims[2] = SIDE;
    colour.features = 3 * FEATURES;
    colour.bytes = planes;
    mlpt_error err;
    const char *path = scratch_path("colour.png");
    cr_assert_eq(mlpt_figure_samples(path, &colour, IDS, 4, NAMES, &err), 0, "%s", err.msg);
    png_info in = check_png(path, 2 * 16 + 2 * 112 + 14, 0);
    cr_expect_gt(in.red, 4 * 100u, "only %zu red pixels", in.red);

    grey.rank = 3;
    grey.dims[0] = 1;
    grey.dims[1] = grey.dims[2] = SIDE;
    path = scratch_path("grey.png");
    cr_assert_eq(mlpt_figure_samples(path, &grey, IDS, 4, NAMES, &err), 0, "%s", err.msg);
    cr_expect_eq(check_png(path, 2 * 16 + 2 * 112 + 14, in.h).red, 0);
}

/* What is a picture, and why the rest are not (for the caller's message). */
Test(figures, pictures_are_hxw_or_1_or_3_planes)
{
    mlpt_samples d = make_dataset();
    mlpt_error why;
    cr_expect_eq(mlpt_figure_pictures(&d, &why), 0, "%s", why.msg);
    static const struct {
        int rank;
        size_t dims[3];
        int pictures;
        const char *shape;
    } cases[] = {
        {3, {1, 28, 28}, 1, ""},   {3, {3, 28, 28}, 1, ""},
        {1, {784}, 0, "shape 784 "}, {3, {7, 7, 16}, 0, "shape 7x7x16 "},
        {3, {4, 14, 14}, 0, "shape 4x14x14 "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mlpt_samples s = d;
        s.rank = cases[i].rank;
        s.features = 1;
        for (int k = 0; k < cases[i].rank; k++)
            s.features *= s.dims[k] = cases[i].dims[k];
        if (cases[i].pictures) {
            cr_expect_eq(mlpt_figure_pictures(&s, &why), 0, "case %zu: %s", i, why.msg);
            continue;
        }
        cr_expect_eq(mlpt_figure_pictures(&s, &why), -1, "case %zu", i);
        cr_expect(strstr(why.msg, cases[i].shape) && strstr(why.msg, "not pictures"),
                  "case %zu: %s", i, why.msg);
    }
}

Test(figures, samples_bad_arguments)
{
    mlpt_samples d = make_dataset();
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_samples(path, &d, IDS, 0, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_samples(path, NULL, IDS, 4, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_samples(path, &d, NULL, 4, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_samples(path, &d, IDS, 4, NULL, &err_), path);
    const char *const holes[CLASSES] = {"0", "1", NULL};
    EXPECT_FAILS(mlpt_figure_samples(path, &d, IDS, 4, holes, &err_), path);
    const uint32_t beyond[] = {0, N};
    EXPECT_FAILS(mlpt_figure_samples(path, &d, beyond, 2, NAMES, &err_), path);

    mlpt_samples few = d; /* labels 0..9 but only 5 classes */
    few.n_classes = 5;
    EXPECT_FAILS(mlpt_figure_samples(path, &few, IDS, 9, NAMES, &err_), path);
    mlpt_samples no_class = d;
    no_class.n_classes = 0;
    EXPECT_FAILS(mlpt_figure_samples(path, &no_class, IDS, 1, NAMES, &err_), path);

    mlpt_samples cube = d; /* 7 x 7 x 16: not an image */
    cube.rank = 3;
    cube.dims[0] = 7;
    cube.dims[1] = 7;
    cube.dims[2] = 16;
    EXPECT_FAILS(mlpt_figure_samples(path, &cube, IDS, 1, NAMES, &err_), path);
    mlpt_samples flat = d; /* 784 = 28 x 28 but 780 is no square */
    flat.rank = 1;
    flat.dims[0] = flat.features = 780;
    EXPECT_FAILS(mlpt_figure_samples(path, &flat, IDS, 1, NAMES, &err_), path);
    mlpt_samples mismatch = d; /* dims that disagree with features */
    mismatch.dims[1] = 27;
    EXPECT_FAILS(mlpt_figure_samples(path, &mismatch, IDS, 1, NAMES, &err_), path);
    cr_expect_eq(access(path, F_OK), -1);
}

/* ---- predictions ---- */

/* Draws the predictions of samples ids[0..n) of d (with the probabilities
 * of make_probs) into path, which must succeed, and reads it back. */
static png_info draw_predictions(const char *path, const char *title, const mlpt_samples *d,
                                 const uint32_t *ids, size_t n, const char *const *names)
{
    mlpt_error err;
    cr_assert_eq(mlpt_figure_predictions(path, title, d, probs, CLASSES, ids, n, names, &err), 0,
                 "%s", err.msg);
    return check_png(path, 0, 0);
}

Test(figures, predictions_all_correct_have_no_red)
{
    mlpt_samples d = make_dataset();
    make_probs(-1);
    png_info in =
        draw_predictions(scratch_path("right.png"), "12 of 12 correct", &d, IDS, 12, NAMES);
    cr_expect_gt(in.w, 3 * (112 + 140)); /* 3 pairs of image and bars per row */
    cr_expect(in.h > 4 * 112 && in.h < 4 * 112 + 4 * 60 + 80, "height %d for 4 rows", in.h);
    cr_expect_eq(in.red, 0, "%zu red pixels in an all-correct figure", in.red);
    cr_expect_gt(in.blue, 12 * 100, "true bars and captions should be blue: %zu px", in.blue);
}

Test(figures, predictions_wrong_one_is_red)
{
    mlpt_samples d = make_dataset();
    make_probs(3);
    png_info in =
        draw_predictions(scratch_path("wrong.png"), "11 of 12 correct", &d, IDS, 12, LONG_NAMES);
    cr_expect_gt(in.red, 100, "the wrong prediction's bar and caption should be red: %zu px",
                 in.red);

    /* one wrong prediction alone: its caption, below the bars, is red */
    const uint32_t one[] = {3};
    const char *single = scratch_path("single.png");
    png_info s = draw_predictions(single, "Misclassified", &d, one, 1, LONG_NAMES);
    cr_expect_gt(s.last_red_row, s.last_blue_row + 4,
                 "no red caption under the bars (red to row %d, blue to %d)", s.last_red_row,
                 s.last_blue_row);

    /* and a right one alone: blue caption below the bars, no red */
    const uint32_t right[] = {4};
    png_info r = draw_predictions(single, "Correct", &d, right, 1, LONG_NAMES);
    cr_expect_eq(r.red, 0);
    cr_expect_gt(r.last_blue_row, 112 + 20, "no blue caption under the image");
}

Test(figures, predictions_bad_arguments)
{
    mlpt_samples d = make_dataset();
    make_probs(-1);
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, CLASSES, IDS, 0, NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, NULL, CLASSES, IDS, 4, NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_predictions(path, NULL, &d, probs, CLASSES, IDS, 4, NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, 0, IDS, 4, NAMES, &err_), path);
    /* label 7 of sample 7 is not below 5 classes */
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, 5, IDS, 9, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, CLASSES, IDS, 4, NULL, &err_),
                 path);
    const float bad[] = {NAN, -0.1f, 1.5f};
    for (int k = 0; k < 3; k++) {
        make_probs(-1);
        probs[2 * CLASSES + 4] = bad[k];
        EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, CLASSES, IDS, 4, NAMES, &err_),
                     path);
    }
    cr_expect_eq(access(path, F_OK), -1);
}

/* ---- curves ---- */

static mlpt_history_row history[8];

static void make_history(int with_validation)
{
    for (int e = 0; e < 8; e++) {
        history[e] = (mlpt_history_row){
            .epoch = e + 1,
            .loss = 0.6 / (e + 1),
            .metrics = {0.85 + 0.1 * (1 - exp(-e / 2.0)), 0.9 + 0.05 * (1 - exp(-e))},
            .val_loss = with_validation ? 0.5 / (e + 1) + 0.02 * e : NAN,
            .val_metrics = {with_validation ? 0.86 + 0.08 * (1 - exp(-e / 2.0)) : NAN,
                            with_validation ? 0.91 + 0.04 * (1 - exp(-e)) : NAN},
            .seconds = 2,
            .samples_per_s = 30000,
        };
    }
}

/* accuracy and auc: three panels with the loss */
static mlpt_metric_list two_metrics(void)
{
    return (mlpt_metric_list){2, {{mlpt_metric_named("accuracy"), 0},
                                  {mlpt_metric_named("auc"), 0}}};
}

Test(figures, curves)
{
    mlpt_error err;
    const mlpt_metric_list metrics = two_metrics(), none = {0};
    make_history(1);
    const char *path = scratch_path("curves.png");
    cr_assert_eq(mlpt_figure_curves(path, &metrics, history, 8, &err), 0, "%s", err.msg);
    check_png(path, 1740, 440);
    cr_assert_eq(mlpt_figure_curves(path, &none, history, 8, &err), 0, "%s", err.msg);
    check_png(path, 580, 440); /* the loss alone */

    make_history(0); /* no validation split: NaN, training only */
    cr_assert_eq(mlpt_figure_curves(path, &metrics, history, 8, &err), 0, "%s", err.msg);
    check_png(path, 1740, 440);

    cr_assert_eq(mlpt_figure_curves(path, &metrics, history, 1, &err), 0, "%s", err.msg); /* one epoch */
    check_png(path, 1740, 440);

    history[3].loss = INFINITY; /* a diverged epoch leaves a gap, not an error */
    cr_assert_eq(mlpt_figure_curves(path, &metrics, history, 8, &err), 0, "%s", err.msg);
    check_png(path, 1740, 440);
}

Test(figures, curves_bad_arguments)
{
    make_history(1);
    const mlpt_metric_list metrics = two_metrics();
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_curves(path, &metrics, history, 0, &err_), path);
    EXPECT_FAILS(mlpt_figure_curves(path, &metrics, NULL, 3, &err_), path);
}

/* ---- confusion ---- */

static size_t counts[CLASSES * CLASSES];

static void make_counts(void)
{
    for (int t = 0; t < CLASSES; t++)
        for (int p = 0; p < CLASSES; p++)
            counts[t * CLASSES + p] = t == p ? 950 + (size_t)t * 20 : (size_t)((t * 7 + p) % 5);
}

Test(figures, confusion)
{
    mlpt_error err;
    make_counts();
    const char *path = scratch_path("confusion.png");
    cr_assert_eq(mlpt_figure_confusion(path, counts, CLASSES, NAMES, &err), 0, "%s", err.msg);
    png_info in = check_png(path, 0, 0);
    cr_expect(in.w >= 10 * 44 && in.w < 10 * 44 + 150, "width %d", in.w);
    cr_expect(in.h >= 10 * 44 && in.h < 10 * 44 + 150, "height %d", in.h);
    cr_expect_gt(in.non_white, 10 * 40 * 40, "the diagonal should be dark");

    const char *names = scratch_path("confusion_names.png"); /* long names: turned labels */
    cr_assert_eq(mlpt_figure_confusion(names, counts, CLASSES, LONG_NAMES, &err), 0, "%s",
                 err.msg);
    png_info ln = check_png(names, 0, 0);
    cr_expect_gt(ln.w, in.w);
    cr_expect_gt(ln.h, in.h);

    size_t one = 0; /* a single class with no samples at all */
    cr_assert_eq(mlpt_figure_confusion(path, &one, 1, NAMES, &err), 0, "%s", err.msg);
    load_png(path);
}

Test(figures, confusion_bad_arguments)
{
    make_counts();
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_confusion(path, counts, 0, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_confusion(path, NULL, CLASSES, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_confusion(path, counts, CLASSES, NULL, &err_), path);
    const char *const holes[CLASSES] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", NULL};
    EXPECT_FAILS(mlpt_figure_confusion(path, counts, CLASSES, holes, &err_), path);
}

/* ---- lines ---- */

Test(figures, lines)
{
    const double x[4] = {1, 2, 3, 4}, y[4] = {1, 1.9, 2.7, 3.2}, y2[4] = {1, 1.7, NAN, 2.9};
    const mlpt_series s[3] = {
        {"ideal", x, x, 4, {0.6, 0.6, 0.6}, 1},
        {"batch 32", x, y, 4, {0.12, 0.47, 0.71}, 0},
        {"batch 128", x, y2, 4, {0.85, 0.37, 0.0}, 0},
    };
    mlpt_error err;
    const char *path = scratch_path("lines.png");
    cr_assert_eq(mlpt_figure_lines(path, "speedup", "threads", "speedup", s, 3, 1, &err), 0, "%s",
                 err.msg);
    check_png(path, 720, 480);
    const double huge[4] = {1, 1e300, -INFINITY, 2}; /* left out, not an error */
    const mlpt_series odd = {"odd", x, huge, 4, {0, 0, 0}, 0};
    cr_assert_eq(mlpt_figure_lines(path, "odd", "x", "y", &odd, 1, 0, &err), 0, "%s", err.msg);
    check_png(path, 720, 480);
    const char *bad = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_lines(bad, "t", "x", "y", s, 0, 1, &err_), bad);
    EXPECT_FAILS(mlpt_figure_lines(bad, NULL, "x", "y", s, 3, 1, &err_), bad);
    mlpt_series unnamed = s[1];
    unnamed.label = NULL;
    EXPECT_FAILS(mlpt_figure_lines(bad, "t", "x", "y", &unnamed, 1, 1, &err_), bad);
}

/* ---- task figures: generated data ---- */

enum { ROWS = 600, OUTPUTS = 3, MANY = 64 };

/* A reproducible uniform in (0, 1) and a standard normal from it. */
static double uniform(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return ((*state >> 8 & 0xFFFFFFu) + 0.5) / 16777216.0;
}

static double normal(unsigned *state)
{
    return sqrt(-2 * log(uniform(state))) * cos(2 * 3.14159265358979 * uniform(state));
}

static float scores[ROWS];
static uint8_t truths[ROWS];

/* A logistic model's probabilities of the positive class: 40% positives,
 * whose logits are centred 3 above the negatives'. */
static void make_scores(void)
{
    unsigned st = 11;
    for (int i = 0; i < ROWS; i++) {
        truths[i] = uniform(&st) < 0.4;
        scores[i] = (float)(1 / (1 + exp(-((truths[i] ? 1.5 : -1.5) + normal(&st)))));
    }
}

static float predicted[ROWS * OUTPUTS], targets[ROWS * OUTPUTS];
static const char *const OUTPUT_NAMES[OUTPUTS] = {"length", "width", "height"};

/* A noisy linear fit of `width` outputs, each about its own mean. */
static void make_regression(size_t width)
{
    unsigned st = 5;
    for (size_t i = 0; i < ROWS * width; i++) {
        targets[i] = (float)(2 * normal(&st) + 5.0 * (double)(i % width));
        predicted[i] = (float)(0.9 * targets[i] + 0.5 + normal(&st));
    }
}

static float label_probs[ROWS * MANY], label_truths[ROWS * MANY];
static const char *const LABEL_NAMES[OUTPUTS] = {"cat", "dog", "bird"};

/* `width` labels, label k true in (k + 1) / (width + 1) of the rows, its
 * probability sharper the higher k; `useless`: the opposite of the truth. */
static void make_labels(size_t width, int useless)
{
    unsigned st = 3;
    for (size_t i = 0; i < ROWS; i++)
        for (size_t k = 0; k < width; k++) {
            const int pos = uniform(&st) < (double)(k + 1) / (double)(width + 1);
            const double z = (pos != useless ? 1 : -1) * (0.5 + (double)(k % 4)) + normal(&st);
            label_truths[i * width + k] = (float)pos;
            label_probs[i * width + k] = (float)(1 / (1 + exp(-z)));
        }
}

/* The two figures are the same, byte for byte. */
static void expect_same_png(const char *a, const char *b)
{
    file_bytes fa = read_all(a), fb = read_all(b);
    cr_expect(fa.len == fb.len && memcmp(fa.p, fb.p, fa.len) == 0, "%s and %s differ", a, b);
    free(fa.p);
    free(fb.p);
}

/* ---- roc ---- */

Test(figures, roc)
{
    make_scores();
    mlpt_error err;
    const char *path = scratch_path("roc.png");
    cr_assert_eq(mlpt_figure_roc(path, ROWS, scores, truths, "malignant", &err), 0, "%s",
                 err.msg);
    check_png(path, 1080, 520); /* two panels of 540 x 520 */

    /* a NaN score counts as 0, as `test auc` counts it */
    const char *as_zero = scratch_path("roc_zero.png"), *as_nan = scratch_path("roc_nan.png");
    scores[7] = 0;
    cr_assert_eq(mlpt_figure_roc(as_zero, ROWS, scores, truths, "malignant", &err), 0, "%s",
                 err.msg);
    scores[7] = NAN;
    cr_assert_eq(mlpt_figure_roc(as_nan, ROWS, scores, truths, "malignant", &err), 0, "%s",
                 err.msg);
    expect_same_png(as_zero, as_nan);

    /* one class only: no ROC area, still a figure (the run's report goes on) */
    memset(truths, 1, sizeof truths);
    cr_assert_eq(mlpt_figure_roc(path, ROWS, scores, truths, "malignant", &err), 0, "%s",
                 err.msg);
    check_png(path, 1080, 520);
    cr_assert_eq(mlpt_figure_roc(path, 1, scores, truths, "malignant", &err), 0, "%s", err.msg);
    check_png(path, 1080, 520);
}

Test(figures, roc_bad_arguments)
{
    make_scores();
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_roc(path, 0, scores, truths, "m", &err_), path);
    EXPECT_FAILS(mlpt_figure_roc(path, ROWS, NULL, truths, "m", &err_), path);
    EXPECT_FAILS(mlpt_figure_roc(path, ROWS, scores, NULL, "m", &err_), path);
    EXPECT_FAILS(mlpt_figure_roc(path, ROWS, scores, truths, NULL, &err_), path);
    cr_expect_eq(access(path, F_OK), -1);
}

/* ---- regression ---- */

Test(figures, regression)
{
    mlpt_error err;
    const char *path = scratch_path("regression.png");
    for (size_t width = 1; width <= OUTPUTS; width += OUTPUTS - 1) {
        make_regression(width);
        cr_assert_eq(mlpt_figure_regression(path, ROWS, width, predicted, targets,
                                            OUTPUT_NAMES, &err), 0, "%zu outputs: %s", width,
                     err.msg);
        check_png(path, 1080, 520);
    }
    cr_assert_eq(mlpt_figure_regression(path, 1, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err), 0, "one row: %s", err.msg);
    check_png(path, 1080, 520);

    /* a row with a value that is not finite is left out: the figure is the
     * one of the other rows */
    const char *without = scratch_path("without.png"), *with = scratch_path("with.png");
    make_regression(OUTPUTS);
    cr_assert_eq(mlpt_figure_regression(without, ROWS - 1, OUTPUTS, predicted, targets,
                                        OUTPUT_NAMES, &err), 0, "%s", err.msg);
    predicted[(ROWS - 1) * OUTPUTS + 1] = NAN;
    cr_assert_eq(mlpt_figure_regression(with, ROWS, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err), 0, "%s", err.msg);
    expect_same_png(without, with);
    predicted[(ROWS - 1) * OUTPUTS + 1] = 0;
    targets[(ROWS - 1) * OUTPUTS] = -INFINITY;
    cr_assert_eq(mlpt_figure_regression(with, ROWS, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err), 0, "%s", err.msg);
    expect_same_png(without, with);

    /* all of them diverged: empty charts, still a figure */
    for (size_t i = 0; i < ROWS * OUTPUTS; i++)
        predicted[i] = NAN;
    cr_assert_eq(mlpt_figure_regression(path, ROWS, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err), 0, "%s", err.msg);
    check_png(path, 1080, 520);
}

Test(figures, regression_bad_arguments)
{
    make_regression(OUTPUTS);
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_regression(path, 0, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err_), path);
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, 0, predicted, targets, OUTPUT_NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, OUTPUTS, NULL, targets, OUTPUT_NAMES,
                                        &err_), path);
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, OUTPUTS, predicted, NULL, OUTPUT_NAMES,
                                        &err_), path);
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, OUTPUTS, predicted, targets, NULL, &err_),
                 path);
    const char *const holes[OUTPUTS] = {"a", NULL, "c"};
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, OUTPUTS, predicted, targets, holes, &err_),
                 path);
    cr_expect_eq(access(path, F_OK), -1);
}

/* ---- labels ---- */

Test(figures, labels)
{
    mlpt_error err;
    const char *path = scratch_path("labels.png");
    make_labels(OUTPUTS, 0);
    cr_assert_eq(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, label_truths, LABEL_NAMES,
                                    &err), 0, "%s", err.msg);
    const png_info good = check_png(path, 480 + 230, 520); /* the narrowest plot */

    /* predictions against the truth: no bar (precision and recall 0) */
    make_labels(OUTPUTS, 1);
    cr_assert_eq(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, label_truths, LABEL_NAMES,
                                    &err), 0, "%s", err.msg);
    const png_info useless = check_png(path, 480 + 230, 520);
    cr_expect_gt(good.non_white, useless.non_white + 3 * 2 * 50 * 100,
                 "6 bars of 50 x 100 px or more should show: %zu against %zu px",
                 good.non_white, useless.non_white);

    /* a NaN probability is below one half, as `test precision` counts it */
    const char *as_zero = scratch_path("zero.png"), *as_nan = scratch_path("nan.png");
    make_labels(OUTPUTS, 0);
    label_probs[4] = 0;
    cr_assert_eq(mlpt_figure_labels(as_zero, ROWS, OUTPUTS, label_probs, label_truths,
                                    LABEL_NAMES, &err), 0, "%s", err.msg);
    label_probs[4] = NAN;
    cr_assert_eq(mlpt_figure_labels(as_nan, ROWS, OUTPUTS, label_probs, label_truths,
                                    LABEL_NAMES, &err), 0, "%s", err.msg);
    expect_same_png(as_zero, as_nan);

    /* 64 labels with long names: 30 px each, the names turned below */
    static char text[MANY][48];
    const char *names[MANY];
    for (int k = 0; k < MANY; k++) {
        snprintf(text[k], sizeof text[k], k % 2 ? "a label with a long name %d" : "L%d", k);
        names[k] = text[k];
    }
    make_labels(MANY, 0);
    cr_assert_eq(mlpt_figure_labels(path, ROWS, MANY, label_probs, label_truths, names, &err), 0,
                 "%s", err.msg);
    check_png(path, MANY * 30 + 230, 520);
}

Test(figures, labels_bad_arguments)
{
    make_labels(OUTPUTS, 0);
    const char *path = scratch_path("bad.png");
    EXPECT_FAILS(mlpt_figure_labels(path, 0, OUTPUTS, label_probs, label_truths, LABEL_NAMES,
                                    &err_), path);
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, 0, label_probs, label_truths, LABEL_NAMES,
                                    &err_), path);
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, OUTPUTS, NULL, label_truths, LABEL_NAMES,
                                    &err_), path);
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, NULL, LABEL_NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, label_truths, NULL, &err_),
                 path);
    const char *const holes[OUTPUTS] = {"a", "b", NULL};
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, label_truths, holes,
                                    &err_), path);
    cr_expect_eq(access(path, F_OK), -1);
}

/* ---- files ---- */

Test(figures, missing_folder_fails_and_writes_nothing)
{
    mlpt_samples d = make_dataset();
    make_probs(-1);
    make_history(1);
    make_counts();
    const mlpt_metric_list metrics = two_metrics();
    const char *path = scratch_path("no/such/folder/fig.png");
    EXPECT_FAILS(mlpt_figure_samples(path, &d, IDS, 9, NAMES, &err_), path);
    EXPECT_FAILS(mlpt_figure_predictions(path, "t", &d, probs, CLASSES, IDS, 3, NAMES, &err_),
                 path);
    EXPECT_FAILS(mlpt_figure_curves(path, &metrics, history, 8, &err_), path);
    EXPECT_FAILS(mlpt_figure_confusion(path, counts, CLASSES, NAMES, &err_), path);
    make_scores();
    make_regression(OUTPUTS);
    make_labels(OUTPUTS, 0);
    EXPECT_FAILS(mlpt_figure_roc(path, ROWS, scores, truths, "m", &err_), path);
    EXPECT_FAILS(mlpt_figure_regression(path, ROWS, OUTPUTS, predicted, targets, OUTPUT_NAMES,
                                        &err_), path);
    EXPECT_FAILS(mlpt_figure_labels(path, ROWS, OUTPUTS, label_probs, label_truths, LABEL_NAMES,
                                    &err_), path);
    cr_expect_eq(scratch_count(NULL, 0), 0);
}

/* Arguments refused before any file is opened leave the previous figure. */
Test(figures, bad_arguments_keep_previous_file)
{
    make_counts();
    mlpt_error err;
    const char *path = scratch_path("keep.png");
    cr_assert_eq(mlpt_figure_confusion(path, counts, CLASSES, NAMES, &err), 0, "%s", err.msg);
    file_bytes before = read_all(path);
    EXPECT_FAILS(mlpt_figure_confusion(path, counts, 0, NAMES, &err_), path);
    file_bytes after = read_all(path);
    cr_assert_eq(after.len, before.len);
    cr_assert_arr_eq(after.p, before.p, before.len, "the earlier figure must be unchanged");
    cr_expect_eq(scratch_count(NULL, 0), 1);
    free(before.p);
    free(after.p);
}

/* A write that fails part-way (at a file-size limit, as on a full disk)
 * names the file and the system's reason, and leaves the previous figure
 * byte for byte as it was, with no temporary file beside it. */
Test(figures, failed_write_keeps_previous_file)
{
    make_counts();
    mlpt_error err = {0};
    const char *path = scratch_path("keep.png");
    cr_assert_eq(mlpt_figure_confusion(path, counts, CLASSES, NAMES, &err), 0, "%s", err.msg);
    file_bytes before = read_all(path);
    enum { LIMIT = 4096 };
    cr_assert_gt(before.len, (size_t)LIMIT, "the figure must not fit under the limit");

    /* This test's own process (Criterion forks one per test): past the
     * limit write() fails with EFBIG, instead of SIGXFSZ killing it. */
    struct rlimit saved, small;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = saved.rlim_max < LIMIT ? saved.rlim_max : LIMIT;
    cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    const int rc = mlpt_figure_confusion(path, counts, CLASSES, NAMES, &err);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);

    cr_assert_eq(rc, -1, "writing past the file-size limit succeeded");
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "File too large"), "%s", err.msg);
    file_bytes after = read_all(path);
    cr_assert_eq(after.len, before.len);
    cr_assert_arr_eq(after.p, before.p, before.len, "the earlier figure must be unchanged");
    cr_expect_eq(scratch_count(NULL, 0), 1, "a temporary file was left");
    free(before.p);
    free(after.p);
}
