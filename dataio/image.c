#include "mlpt/image.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "le_bytes.h"

/* Ink below this (of 255) is background when finding the digit's box. */
enum { INK_THRESHOLD = 32 };

/* Pictures larger than this are refused before they are decoded: a PNG of
 * a few kilobytes can claim a surface of gigabytes. */
enum { MAX_SIDE = 8192 };

/* Checks the size the PNG's header (IHDR) claims before cairo allocates. */
static int check_png_size(const char *path, mlpt_error *err)
{
    unsigned char head[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlpt_fail(err, "%s: cannot open: %s", path, strerror(errno));
    const size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got < sizeof head || memcmp(head + 12, "IHDR", 4) != 0)
        return mlpt_fail(err, "%s: not a PNG file (no image header)", path);
    const uint32_t w = get_be32(head + 16), h = get_be32(head + 20);
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE)
        return mlpt_fail(err, "%s: a %ux%u picture; at most %dx%d is read", path, w, h, MAX_SIDE,
                         MAX_SIDE);
    return 0;
}

/* Checks every chunk's length and CRC up to IEND, to say where a PNG that
 * cairo could not decode is damaged. Fails naming the first damage found;
 * returns 0 when the chunks are sound. */
static int find_png_damage(const char *path, mlpt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlpt_fail(err, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[8], buf[1 << 14];
    long at = 8; /* past the signature */
    int rc = fseek(f, at, SEEK_SET) == 0 ? 0 : mlpt_fail(err, "%s: cannot seek", path);
    while (rc == 0) {
        if (fread(head, 1, 8, f) != 8) {
            rc = mlpt_fail(err, "%s: damaged PNG: the file ends at byte %ld, before its IEND "
                           "chunk (truncated)", path, at);
            break;
        }
        uint32_t left = get_be32(head);
        char name[8] = "?";
        if (memchr(head + 4, 0, 4) == NULL)
            snprintf(name, sizeof name, "%.4s", (const char *)(head + 4));
        if (left > 0x7fffffffu) { /* the PNG specification's limit */
            rc = mlpt_fail(err, "%s: damaged PNG: chunk '%s' at byte %ld claims %u bytes", path,
                           name, at, left);
            break;
        }
        uLong crc = crc32(0L, head + 4, 4);
        while (left > 0) {
            const size_t want = left < sizeof buf ? left : sizeof buf;
            if (fread(buf, 1, want, f) != want)
                break;
            crc = crc32(crc, buf, (uInt)want);
            left -= (uint32_t)want;
        }
        if (left > 0 || fread(buf, 1, 4, f) != 4) {
            rc = mlpt_fail(err, "%s: damaged PNG: the file ends inside chunk '%s' at byte %ld "
                           "(truncated)", path, name, at);
            break;
        }
        if (get_be32(buf) != (uint32_t)crc) {
            rc = mlpt_fail(err, "%s: damaged PNG: chunk '%s' at byte %ld fails its CRC check",
                           path, name, at);
            break;
        }
        if (memcmp(head + 4, "IEND", 4) == 0)
            break;
        at += 12 + (long)get_be32(head);
    }
    fclose(f);
    return rc;
}

/* Transparent paper: most of the border has alpha below one half. */
static bool on_transparent_paper(const unsigned char *data, int stride, int h, int w)
{
    size_t clear = 0, border = 0;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++)
            if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
                clear += (row[x] >> 24) < 128;
                border++;
            }
    }
    return 2 * clear > border;
}

/* The PNG as grey levels g[h * w] (0 black .. 255 white). On transparent
 * paper the alpha alone is the ink, drawn dark on white: drawing tools
 * export strokes of any colour, white ones too, on no paper at all.
 * Otherwise alpha is composited on white. */
static int read_grey(const char *path, float **grey, int *h, int *w, mlpt_error *err)
{
    if (check_png_size(path, err) < 0)
        return -1;
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        if (find_png_damage(path, err) < 0)
            return -1;
        /* cairo reports every libpng error (bad pixel data among them) as
         * running out of memory. */
        return st == CAIRO_STATUS_NO_MEMORY
                   ? mlpt_fail(err, "%s: cannot decode the PNG: its image data is damaged or "
                               "of a form that cannot be read (or memory ran out)", path)
                   : mlpt_fail(err, "%s: cannot read as PNG: %s", path,
                               cairo_status_to_string(st));
    }
    cairo_format_t fmt = cairo_image_surface_get_format(s);
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    if ((fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24) || !data || *w < 1 || *h < 1) {
        cairo_surface_destroy(s);
        return mlpt_fail(err, "%s: unsupported PNG pixel format", path);
    }
    if (!(*grey = malloc((size_t)*w * (size_t)*h * sizeof **grey))) {
        cairo_surface_destroy(s);
        return mlpt_fail(err, "%s: out of memory for a %dx%d picture", path, *w, *h);
    }
    const bool alpha_ink = fmt == CAIRO_FORMAT_ARGB32 && on_transparent_paper(data, stride, *h, *w);
    for (int y = 0; y < *h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < *w; x++) {
            uint32_t p = row[x]; /* premultiplied ARGB, native endian */
            float a = fmt == CAIRO_FORMAT_ARGB32 ? (float)(p >> 24) / 255.0f : 1.0f;
            float luma = alpha_ink ? 0.0f
                                   : 0.299f * (float)(p >> 16 & 0xff) +
                                         0.587f * (float)(p >> 8 & 0xff) +
                                         0.114f * (float)(p & 0xff);
            (*grey)[(size_t)y * (size_t)*w + (size_t)x] = luma + 255.0f * (1.0f - a);
        }
    }
    cairo_surface_destroy(s);
    return 0;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Ink levels (0 none .. 255 full): inverted when the border, the
 * background, is brighter than the picture's average; then the paper's own
 * level (the border's median: grey paper, a shadow) is taken off and the
 * darkest stroke stretched to 255, so only the strokes count as ink.
 * *drawn is false for a picture without contrast: nothing is drawn on it.
 * Fails only when out of memory. */
static int to_ink(float *g, int h, int w, bool *drawn)
{
    /* Every pixel is on the border of a picture one pixel high or wide. */
    const size_t n = (size_t)h * (size_t)w, n_border = h > 1 && w > 1 ? 2 * (size_t)(h + w) - 4 : n;
    float *border = malloc(n_border * sizeof *border);
    if (!border)
        return -1;
    double all = 0.0, border_sum = 0.0;
    size_t b = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = g[(size_t)y * (size_t)w + (size_t)x];
            all += v;
            if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
                border_sum += v;
                border[b++] = v;
            }
        }
    const bool invert = border_sum / (double)n_border > all / (double)n; /* light paper */
    qsort(border, n_border, sizeof *border, compare_floats);
    const float paper = invert ? 255.0f - border[n_border / 2] : border[n_border / 2];
    free(border);
    float top = 0.0f;
    for (size_t i = 0; i < n; i++) {
        g[i] = fmaxf(0.0f, (invert ? 255.0f - g[i] : g[i]) - paper);
        top = fmaxf(top, g[i]);
    }
    *drawn = top > INK_THRESHOLD;
    if (*drawn)
        for (size_t i = 0; i < n; i++)
            g[i] *= 255.0f / top;
    return 0;
}

/* Area-averaged resampling of src[sh x sw] onto dst[dh x dw]: each output
 * pixel is the mean of the source area it covers. */
static void resample(const float *src, int sh, int sw, float *dst, int dh, int dw)
{
    const double fy = (double)sh / dh, fx = (double)sw / dw;
    for (int oy = 0; oy < dh; oy++)
        for (int ox = 0; ox < dw; ox++) {
            const double y0 = oy * fy, y1 = y0 + fy, x0 = ox * fx, x1 = x0 + fx;
            double sum = 0.0, area = 0.0;
            for (int y = (int)y0; y < sh && y < y1; y++) {
                double wy = fmin(y + 1, y1) - fmax(y, y0);
                for (int x = (int)x0; x < sw && x < x1; x++) {
                    double wxy = wy * (fmin(x + 1, x1) - fmax(x, x0));
                    sum += wxy * src[(size_t)y * (size_t)sw + (size_t)x];
                    area += wxy;
                }
            }
            dst[(size_t)oy * (size_t)dw + (size_t)ox] = area > 0 ? (float)(sum / area) : 0.0f;
        }
}

int mlpt_image_load_png(const char *path, size_t height, size_t width, uint8_t *out,
                        mlpt_error *err)
{
    if (height < 1 || width < 1 || height > 4096 || width > 4096)
        return mlpt_fail(err, "%s: cannot make a %zux%zu sample", path, height, width);
    float *g = NULL;
    int h = 0, w = 0;
    bool drawn;
    if (read_grey(path, &g, &h, &w, err) < 0)
        return -1;
    if (to_ink(g, h, w, &drawn) < 0) {
        free(g);
        return mlpt_fail(err, "%s: out of memory", path);
    }

    /* The ink's bounding box. */
    int top = h, bottom = -1, left = w, right = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (g[(size_t)y * (size_t)w + (size_t)x] > INK_THRESHOLD) {
                top = y < top ? y : top;
                bottom = y > bottom ? y : bottom;
                left = x < left ? x : left;
                right = x > right ? x : right;
            }
    if (!drawn || bottom < 0) {
        free(g);
        return mlpt_fail(err, "%s: the picture is blank (no strokes found)", path);
    }
    const int bh = bottom - top + 1, bw = right - left + 1;

    /* Fit the box into 20/28 of the output, keeping its aspect. */
    const double fit = fmin(height * 20.0 / 28.0 / bh, width * 20.0 / 28.0 / bw);
    const int dh = (int)fmax(1.0, round(bh * fit)), dw = (int)fmax(1.0, round(bw * fit));
    float *box = malloc((size_t)bh * (size_t)bw * sizeof *box);
    float *small = malloc((size_t)dh * (size_t)dw * sizeof *small);
    if (!box || !small) {
        free(g);
        free(box);
        free(small);
        return mlpt_fail(err, "%s: out of memory", path);
    }
    for (int y = 0; y < bh; y++)
        memcpy(box + (size_t)y * (size_t)bw, g + (size_t)(top + y) * (size_t)w + (size_t)left,
               (size_t)bw * sizeof *box);
    resample(box, bh, bw, small, dh, dw);

    /* Place it with its centre of mass at the output's centre. */
    double mass = 0.0, my = 0.0, mx = 0.0;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            double v = small[(size_t)y * (size_t)dw + (size_t)x];
            mass += v;
            my += v * (y + 0.5);
            mx += v * (x + 0.5);
        }
    const int oy = (int)lround(height / 2.0 - (mass > 0 ? my / mass : dh / 2.0));
    const int ox = (int)lround(width / 2.0 - (mass > 0 ? mx / mass : dw / 2.0));
    memset(out, 0, height * width);
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            long ty = (long)oy + y, tx = (long)ox + x;
            if (ty < 0 || tx < 0 || ty >= (long)height || tx >= (long)width)
                continue;
            float v = small[(size_t)y * (size_t)dw + (size_t)x];
            out[(size_t)ty * width + (size_t)tx] = (uint8_t)lroundf(fminf(255.0f, fmaxf(0.0f, v)));
        }
    free(g);
    free(box);
    free(small);
    return 0;
}
