/* adam (Keras): m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
 * w -= alpha_t m / (sqrt(v) + eps), with alpha_t = lr sqrt(1 - beta2^t) /
 * (1 - beta1^t) and epsilon added to sqrt(v) un-corrected ("epsilon hat" of
 * the Adam paper). With weight_decay, first w -= lr wd w: decoupled, as
 * Keras's AdamW. */
#include <math.h>

#include "mlpt/train.h"

static mlpt_opt_step prepare(const mlpt_optimizer_spec *o, uint64_t t)
{
    const double b1t = pow(o->beta1, (double)t), b2t = pow(o->beta2, (double)t);
    return (mlpt_opt_step){.lr = (float)(o->learning_rate * sqrt(1.0 - b2t) / (1.0 - b1t)),
                           .c1 = 1.0f - o->beta1, .c2 = 1.0f - o->beta2, .eps = o->epsilon,
                           .g_scale = 1.0f, .decay = o->learning_rate * o->weight_decay};
}

static void apply(const mlpt_opt_step *st, size_t n, float *restrict w, const float *restrict g,
                  float *restrict s1, float *restrict s2)
{
    const float scale = st->g_scale;
    if (st->decay != 0.0f) /* apart: without decay, not one operation more */
        for (size_t i = 0; i < n; i++)
            w[i] -= w[i] * st->decay;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] * scale;
        s1[i] += (gi - s1[i]) * st->c1;
        s2[i] += (gi * gi - s2[i]) * st->c2;
        w[i] -= st->lr * s1[i] / (sqrtf(s2[i]) + st->eps);
    }
}

static const char *const keys[] = {"beta1", "beta2", "epsilon", NULL};
const mlpt_optimizer_ops mlpt_adam = {"adam", "0.001", keys, 2, prepare, apply};
