/* engine/optimizer.h - Keras's update rules, applied to a block of
 * parameters at a time so that the trainer can fuse them with the gradient
 * reduction and split them across threads by parameter range. Every update
 * is element-wise, so any split gives the same bits. */
#ifndef MLPT_ENGINE_OPTIMIZER_H
#define MLPT_ENGINE_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/train.h"

/* Per-step constants, computed once per step by mlpt_optimizer_prepare. */
typedef struct mlpt_opt_step {
    float lr;     /* learning rate; for adam the bias-corrected alpha_t */
    float c1, c2; /* adam: 1 - beta1, 1 - beta2; rmsprop: rho, 1 - rho; sgd: momentum */
    float eps;
    float g_scale; /* g is multiplied by this first (1 from prepare; the trainer
                      sets 1/B to turn gradient sums into means) */
} mlpt_opt_step;

/* t is the 1-based number of the step about to be taken. */
mlpt_opt_step mlpt_optimizer_prepare(const mlpt_optimizer_spec *o, uint64_t t);

/* Updates w[n] from the gradient g[n] * st->g_scale, with optimizer state s1[n]
 * (adam: m; sgd: velocity; rmsprop: mean square) and s2[n] (adam: v). */
void mlpt_optimizer_apply(mlpt_optimizer_kind kind, const mlpt_opt_step *st, size_t n,
                          float *restrict w, const float *restrict g, float *restrict s1,
                          float *restrict s2);

#endif
