/* engine/layers.h - forward and backward of each layer kind over a block of
 * `rows` samples, and the softmax cross-entropy loss. Shapes are row-major,
 * one row per sample. */
#ifndef MLPT_ENGINE_LAYERS_H
#define MLPT_ENGINE_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "mlpt/model.h"

/* out[rows x g->out] = act(X W + b), where nz lists the non-zeros of the
 * input X[rows x g->in]. Softmax is left as logits here: mlpt_softmax_xent
 * finishes it together with the loss. */
void mlpt_dense_forward(const mlpt_layer_geom *g, mlpt_activation act, const float *params,
                        size_t rows, const mlpt_nonzeros *nz, float *out);

/* Given out (the forward output) and d_out (dL/d out, overwritten with
 * dL/dZ): when d_in is not NULL, writes d_in[rows x g->in] = dZ W^T. The
 * weight gradient X^T dZ is left to the optimizer's pass, which forms it
 * kernel row by kernel row (mlpt_gemm_tn_row). For softmax, d_out must
 * already be dL/dZ (from mlpt_softmax_xent). */
void mlpt_dense_backward(const mlpt_layer_geom *g, mlpt_activation act, const float *params,
                         size_t rows, const float *out, float *d_out, float *d_in);

/* Which random draws a dropout layer uses in training. */
typedef struct mlpt_dropout_keys {
    uint64_t seed;
    uint32_t epoch;
    const uint32_t *sample_ids; /* one per row */
} mlpt_dropout_keys;

/* Inverted dropout: unit u of sample s is kept, scaled by 1 / (1 - rate),
 * when the uniform draw keyed by (seed, epoch, s, layer, u) is >= rate.
 * mask[rows x width] receives the factor applied (0 or the scale). */
void mlpt_dropout_forward(float rate, uint32_t layer, const mlpt_dropout_keys *keys,
                          size_t rows, size_t width, const float *in, float *out, float *mask);

/* d_in = d_out * mask, element-wise over rows x width. */
void mlpt_dropout_backward(size_t rows, size_t width, const float *mask, const float *d_out,
                           float *d_in);

/* Softmax over each row of z[rows x classes], computed stably from the
 * logits: z is overwritten with the probabilities. When labels is not NULL,
 * writes each row's cross-entropy (log-sum-exp minus the true logit) to
 * row_loss[r], adds the number of rows whose first arg-max is the label to
 * *correct, and, when dz is not NULL, writes dz = p - onehot(label) (the
 * gradient of the summed loss). */
void mlpt_softmax_xent(size_t rows, size_t classes, float *z, const uint8_t *labels,
                       float *dz, float *row_loss, size_t *correct);

#endif
