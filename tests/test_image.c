/* PNG input for predict: a digit drawn at any size, dark on light or light
 * on dark, becomes an MNIST-like sample: bright ink on black, fitted into
 * the central 20x20 and centred by its centre of mass. */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX under -std=c11 */

#include <cairo.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "mlpt/image.h"

static void make_scratch(void)
{
    scratch_make("test_image");
}

TestSuite(image, .init = make_scratch, .fini = scratch_remove);

/* A PNG of w x h with a "7" stroked in ink on a background (grey levels;
 * TRANSPARENT: none, no paper at all). */
#define TRANSPARENT (-1.0)
static const char *draw_seven(const char *name, int w, int h, double ink, double background)
{
    const char *path = scratch_path(name);
    cairo_surface_t *s = cairo_image_surface_create(
        background == TRANSPARENT ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    if (background != TRANSPARENT) { /* a new ARGB32 surface is transparent */
        cairo_set_source_rgb(cr, background, background, background);
        cairo_paint(cr);
    }
    cairo_set_source_rgb(cr, ink, ink, ink);
    cairo_set_line_width(cr, w / 12.0);
    cairo_move_to(cr, 0.25 * w, 0.25 * h); /* off-centre on purpose */
    cairo_line_to(cr, 0.55 * w, 0.25 * h);
    cairo_line_to(cr, 0.35 * w, 0.75 * h);
    cairo_stroke(cr);
    cr_assert_eq(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return path;
}

/* Checks the MNIST conventions on a 28x28 sample. */
static void check_mnist_like(const uint8_t *px)
{
    double mass = 0, my = 0, mx = 0;
    int top = 28, bottom = -1, left = 28, right = -1;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            double v = px[y * 28 + x];
            mass += v;
            my += v * (y + 0.5);
            mx += v * (x + 0.5);
            if (v > 32) {
                top = y < top ? y : top;
                bottom = y > bottom ? y : bottom;
                left = x < left ? x : left;
                right = x > right ? x : right;
            }
        }
    cr_assert_gt(mass, 255.0 * 20, "too little ink: %f", mass);
    cr_assert_eq(px[0], 0, "background must be black");
    cr_assert_eq(px[27 * 28 + 27], 0);
    cr_assert(fabs(my / mass - 14.0) < 1.0 && fabs(mx / mass - 14.0) < 1.0,
              "centre of mass (%.2f, %.2f) should be (14, 14)", my / mass, mx / mass);
    cr_assert(bottom - top + 1 <= 21 && right - left + 1 <= 21, "ink box %dx%d exceeds 20x20",
              bottom - top + 1, right - left + 1);
    cr_assert(bottom - top + 1 >= 18, "the longer side should fill about 20 pixels");
}

Test(image, dark_ink_on_white_large_picture)
{
    uint8_t px[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(draw_seven("seven-dark.png", 300, 400, 0.1, 1.0), 28, 28,
                                     px, &err), 0, "%s", err.msg);
    check_mnist_like(px);
}

Test(image, light_ink_on_black_small_picture)
{
    uint8_t px[784], dark[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(draw_seven("seven-light.png", 20, 24, 1.0, 0.0), 28, 28,
                                     px, &err), 0, "%s", err.msg);
    check_mnist_like(px);
    /* The same drawing either way round gives similar samples. */
    cr_assert_eq(mlpt_image_load_png(draw_seven("seven-dark-small.png", 20, 24, 0.0, 1.0), 28,
                                     28, dark, &err), 0, "%s", err.msg);
    int differ = 0;
    for (int i = 0; i < 784; i++)
        differ += abs(px[i] - dark[i]) > 8;
    cr_assert_lt(differ, 10, "%d pixels differ between inverted drawings", differ);
}

Test(image, blank_and_broken_files_are_errors)
{
    uint8_t px[784];
    mlpt_error err;
    const char *blank = draw_seven("blank.png", 50, 50, 1.0, 1.0);
    cr_assert_eq(mlpt_image_load_png(blank, 28, 28, px, &err), -1);
    cr_assert(strstr(err.msg, "blank.png") && strstr(err.msg, "no strokes found"), "%s", err.msg);

    const char *path = scratch_path("truncated.png");
    FILE *src = fopen(draw_seven("whole.png", 64, 64, 0.0, 1.0), "rb"), *dst = fopen(path, "wb");
    cr_assert(src && dst);
    char buf[100];
    size_t n = fread(buf, 1, sizeof buf, src);
    fwrite(buf, 1, n / 2, dst);
    fclose(src);
    fclose(dst);
    cr_assert_eq(mlpt_image_load_png(path, 28, 28, px, &err), -1);
    cr_assert(strstr(err.msg, "truncated.png"), "%s", err.msg);
    cr_assert_eq(mlpt_image_load_png("/nonexistent/x.png", 28, 28, px, &err), -1);
    cr_assert(strstr(err.msg, "/nonexistent/x.png"), "%s", err.msg);
}

/* A PNG header can claim a picture of gigabytes in a few bytes: refused
 * before anything is decoded or allocated. */
Test(image, oversized_picture_is_refused_from_its_header)
{
    static const unsigned char png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20, /* 20000 x 20000 */
        8, 0, 0, 0, 0, 0, 0, 0, 0};
    const char *path = scratch_path("huge.png");
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(png, 1, sizeof png, f) == sizeof png && fclose(f) == 0);
    uint8_t px[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(path, 28, 28, px, &err), -1);
    cr_assert(strstr(err.msg, "huge.png") && strstr(err.msg, "20000x20000"), "%s", err.msg);
}

/* Dark ink on grey paper (a photograph, a shadow): the paper's level is not
 * ink, so the digit is found and centred as on white. */
Test(image, grey_paper_is_not_ink)
{
    uint8_t on_white[784], on_grey[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(draw_seven("white.png", 120, 160, 0.1, 1.0), 28, 28,
                                     on_white, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_image_load_png(draw_seven("grey.png", 120, 160, 0.1, 0.75), 28, 28,
                                     on_grey, &err), 0, "%s", err.msg);
    check_mnist_like(on_grey);
    int differ = 0;
    for (int i = 0; i < 784; i++)
        differ += abs(on_white[i] - on_grey[i]) > 16;
    cr_assert_lt(differ, 20, "%d pixels differ between white and grey paper", differ);
}

/* White strokes on no paper, as drawing tools export them: the opaque
 * strokes are the ink, whatever their colour, so the sample is the one the
 * same strokes give in black on white. */
Test(image, opaque_strokes_on_transparent_paper_are_ink)
{
    uint8_t clear[784], on_white[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(draw_seven("white-on-clear.png", 120, 160, 1.0, TRANSPARENT),
                                     28, 28, clear, &err), 0, "%s", err.msg);
    check_mnist_like(clear);
    cr_assert_eq(mlpt_image_load_png(draw_seven("black-on-white.png", 120, 160, 0.0, 1.0), 28, 28,
                                     on_white, &err), 0, "%s", err.msg);
    int differ = 0;
    for (int i = 0; i < 784; i++)
        differ += abs(clear[i] - on_white[i]) > 8;
    cr_assert_lt(differ, 10, "%d pixels differ from the black-on-white drawing", differ);
}

/* cairo reports libpng's errors as running out of memory: a damaged chunk
 * must be named instead. */
Test(image, damaged_png_is_named_as_damaged)
{
    const char *path = draw_seven("damaged.png", 64, 64, 0.0, 1.0);
    FILE *f = fopen(path, "r+b");
    cr_assert(f);
    unsigned char bytes[4096];
    const size_t n = fread(bytes, 1, sizeof bytes, f);
    size_t idat = 0;
    while (idat + 8 < n && memcmp(bytes + idat, "IDAT", 4) != 0)
        idat++;
    cr_assert(idat + 8 < n, "no IDAT chunk in the first %zu bytes", n);
    const long at = (long)idat + 6; /* inside the chunk's data */
    cr_assert(fseek(f, at, SEEK_SET) == 0 && fputc(bytes[at] ^ 0x55, f) != EOF && fclose(f) == 0);
    uint8_t px[784];
    mlpt_error err;
    cr_assert_eq(mlpt_image_load_png(path, 28, 28, px, &err), -1);
    cr_assert(strstr(err.msg, "damaged.png: damaged PNG: chunk 'IDAT' at byte") &&
                  strstr(err.msg, "CRC") && !strstr(err.msg, "memory"), "%s", err.msg);
}
