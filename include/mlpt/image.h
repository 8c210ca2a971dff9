/* mlpt/image.h - pictures as model input: a PNG of a hand-drawn digit turned
 * into one sample the way MNIST's samples were made. */
#ifndef MLPT_IMAGE_H
#define MLPT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a PNG of any size (grey or colour, alpha composited on white) into
 * out[height * width] bytes: converted to grey, inverted when the picture
 * is dark ink on a light background (its border is brighter than its
 * middle), so that strokes are bright on black as in MNIST; then, as MNIST
 * was prepared, the ink's bounding box is scaled (area-averaged, aspect
 * kept) to fit 20/28 of the output and placed so that its centre of mass is
 * at the centre. A blank picture is an error. */
int mlpt_image_load_png(const char *path, size_t height, size_t width, uint8_t *out,
                        mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
