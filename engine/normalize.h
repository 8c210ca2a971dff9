/* engine/normalize.h - what the normalization layers (engine/batchnorm.c,
 * engine/layernorm.c) share: the normalized input xhat, which they keep
 * from forward to backward in io->kept, made into out = gamma * xhat +
 * beta by their trained parameters gamma and beta, each [out], at
 * geom.w_offset; and their epsilon word (private). */
#ifndef MLPT_ENGINE_NORMALIZE_H
#define MLPT_ENGINE_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "grammar.h"
#include "layers.h"

/* Keras's default epsilon, added to the variance, for both, and its range. */
#define MLPT_NORM_EPSILON 1e-3f
#define MLPT_NORM_EPSILON_MIN 1e-10f
#define MLPT_NORM_EPSILON_MAX 1.0f

/* `epsilon E` of a layer line, into l->epsilon. */
mlpt_word_option mlpt_norm_epsilon(mlpt_layer_spec *l);

/* 0 when l->epsilon is in range, else -1 with why (a spec built in code:
 * parse reads only such values). */
int mlpt_norm_epsilon_check(const mlpt_layer_spec *l, mlpt_why *why);

/* mlpt_layer_ops.keeps of both: xhat, for the gradient and backward. */
bool mlpt_norm_keeps(const mlpt_layer_spec *l);

/* Both layers' plan: out = in, `tensors` vectors of `in` parameters from
 * offset, gamma and beta (the first two) trained; epsilon checked. */
int mlpt_norm_plan(const mlpt_layer_spec *l, size_t in, size_t offset, size_t tensors,
                   mlpt_layer_geom *g, mlpt_why *why);

/* gamma ones and beta zeros (Keras's), the first two vectors at g->w_offset. */
void mlpt_norm_init(const mlpt_layer_geom *g, float *params);

/* xhat, out: rows x n; gamma, beta: n.
 * out = gamma * xhat + beta, row by row. */
void mlpt_scale_shift(size_t rows, size_t n, const float *xhat, const float *gamma,
                      const float *beta, float *out);

/* mlpt_layer_ops.gradient of gamma (index < out) and beta (from out on):
 * the sums over the batch's samples, in order, of d_out * kept and of
 * d_out. */
void mlpt_scale_shift_gradient(const mlpt_layer_io *blocks, size_t n_blocks, size_t index,
                               size_t len, float *g);

#endif
