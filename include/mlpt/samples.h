/* mlpt/samples.h - what the trainer and the evaluation read: n samples of
 * `features` input values each, with their class labels, as rows gathered
 * by index. The engine knows nothing of the files they came from (IDX,
 * NumPy, CSV: see mlpt/dataset.h); it only turns a row into the floats the
 * first layer takes, here:
 *
 *     value = (x / scale - shift[f]) * factor[f]
 *
 * where x is a byte (inputs kept as bytes: MNIST's 47 MB stay 47 MB) or a
 * float, and shift and factor are the per-feature normalization fitted on
 * the training data (none when NULL). Targets are class labels or, for
 * value tasks (mlpt/metrics.h), rows of floats. */
#ifndef MLPT_SAMPLES_H
#define MLPT_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_MAX_SAMPLE_RANK 7

typedef struct mlpt_samples {
    size_t n;                 /* samples */
    int rank;                 /* of one sample: 2 for 28x28 images */
    size_t dims[MLPT_MAX_SAMPLE_RANK];
    size_t features;          /* product of dims: the flattened width */
    const uint8_t *bytes;     /* n x features, sample-major; or NULL, and then */
    const float *floats;      /* n x features */
    float scale;              /* every input is divided by it (> 0) */
    const float *shift;       /* features values, or NULL (no normalization) */
    const float *factor;      /* features values when shift is set */
    const uint8_t *labels;    /* n class indices, each below n_classes; or NULL, and then */
    const float *targets;     /* n x target_width target values */
    size_t target_width;
    int n_classes;            /* label targets: classes; 0 for values */
} mlpt_samples;

/* Input value f of sample i, as the first layer sees it. */
float mlpt_samples_value(const mlpt_samples *s, size_t i, size_t f);

/* "28x28": a sample shape as configs, model files and messages write it,
 * into buf (cut short when cap is too small); returns buf. */
const char *mlpt_shape_text(const size_t *dims, int rank, char *buf, size_t cap);

/* The first index of the largest of p[0..n): the predicted class. */
size_t mlpt_argmax(const float *p, size_t n);

/* Samples [first, first + n) of s, sharing its storage (clamped to s). */
mlpt_samples mlpt_samples_slice(const mlpt_samples *s, size_t first, size_t n);

#ifdef __cplusplus
}
#endif
#endif
