/* fuzz_png.c - libFuzzer target for mlpt_image_load_png (dataio/image.c,
 * which decodes with cairo).
 *
 * Two kinds of input:
 *  - a PNG file (it starts with the PNG signature): written as is to a
 *    temporary file (one per process, reused) and loaded into a 28x28
 *    sample; then, since mutated bytes almost never keep the chunks' CRCs
 *    right and the decoder stops at the first bad one, loaded again with
 *    every chunk's CRC recomputed, if that changed anything;
 *  - anything else describes a picture that this harness draws and saves
 *    with cairo, so that the reader's own code (grey conversion, ink box,
 *    resampling, centring) sees arbitrary pixels and sizes: byte 0 picks
 *    the pixel format (bit 0: with alpha) and the sample size (bits 1-2),
 *    bytes 1 and 2 the width and height (1..64), and the rest are the
 *    pixels' bytes (missing ones are 0).
 *
 * Checked on every load: failure gives an error naming the file; success
 * writes every byte of the sample. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_tmp.h"
#include "mlpt/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* Sample sizes (height, width) that byte 0 picks from in drawn mode. */
static const size_t sample_sizes[4][2] = {{28, 28}, {1, 1}, {5, 40}, {40, 3}};

/* ---- one load ---- */

/* Loads path twice, into a buffer filled with 0x00 and one filled with
 * 0xff: both loads succeed or fail alike, and on success the samples are
 * equal, so every output byte was written (a byte left alone would keep
 * the fill, and differ). */
static void load(const char *path, size_t height, size_t width)
{
    const size_t n = height * width;
    uint8_t *out[2] = {malloc(n), malloc(n)};
    mlpt_error err = {0};
    if (!out[0] || !out[1])
        abort();
    memset(out[0], 0x00, n);
    memset(out[1], 0xff, n);
    const int rc = mlpt_image_load_png(path, height, width, out[0], &err);
    if (rc != 0)
        fuzz_check_error(err.msg, sizeof err.msg, path);
    if (mlpt_image_load_png(path, height, width, out[1], &err) != rc)
        abort(); /* the same file, another outcome */
    if (rc == 0 && memcmp(out[0], out[1], n) != 0)
        abort();
    free(out[0]);
    free(out[1]);
}

/* ---- PNG files ---- */

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Recomputes the CRC of every whole chunk in png; true if one changed. */
static bool fix_crcs(uint8_t *png, size_t size)
{
    bool changed = false;
    size_t at = sizeof png_signature;
    while (size - at >= 12) {
        uint32_t len = get_be32(png + at);
        if (len > size - at - 12)
            break;
        uint8_t *type = png + at + 4, *crc = type + 4 + len;
        uint32_t want = (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, 4 + len);
        for (int b = 0; b < 4; b++) {
            uint8_t byte = (uint8_t)(want >> (24 - 8 * b));
            changed |= crc[b] != byte;
            crc[b] = byte;
        }
        at += 12 + (size_t)len;
    }
    return changed;
}

static void load_png_file(const uint8_t *data, size_t size)
{
    load(fuzz_write_tmp("png", ".png", data, size), 28, 28);
    uint8_t *copy = malloc(size);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    if (fix_crcs(copy, size))
        load(fuzz_write_tmp("png", ".png", copy, size), 28, 28);
    free(copy);
}

/* ---- drawn pictures ---- */

static void load_drawn(const uint8_t *data, size_t size)
{
    uint8_t head[3] = {0, 0, 0};
    memcpy(head, data, size < 3 ? size : 3);
    const uint8_t *pixels = data + (size < 3 ? size : 3);
    size_t n_pixel_bytes = size < 3 ? 0 : size - 3;

    const bool alpha = head[0] & 1;
    const size_t *sample = sample_sizes[(head[0] >> 1) & 3];
    const int w = 1 + head[1] % 64, h = 1 + head[2] % 64;
    cairo_surface_t *s =
        cairo_image_surface_create(alpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        abort();
    cairo_surface_flush(s);
    unsigned char *bytes = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    size_t next = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t c[4] = {0, 0, 0, 0}; /* a, r, g, b */
            for (int k = alpha ? 0 : 1; k < 4; k++)
                c[k] = next < n_pixel_bytes ? pixels[next++] : 0;
            if (!alpha)
                c[0] = 0xff;
            for (int k = 1; k < 4; k++) /* premultiplied: no channel above alpha */
                if (c[k] > c[0])
                    c[k] = c[0];
            uint32_t p = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
            memcpy(bytes + (size_t)y * (size_t)stride + 4 * (size_t)x, &p, sizeof p);
        }
    cairo_surface_mark_dirty(s);
    const char *path = fuzz_tmp_name("png", ".png");
    if (cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "fuzz_png: cannot write %s\n", path);
        abort();
    }
    cairo_surface_destroy(s);
    load(path, sample[0], sample[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= sizeof png_signature && !memcmp(data, png_signature, sizeof png_signature))
        load_png_file(data, size);
    else
        load_drawn(data, size);
    return 0;
}
