/* rmsprop (Keras 3): ms = rho ms + (1 - rho) g^2; w -= lr g / sqrt(ms + eps).
 * With weight_decay, g + wd w (L2) in both. */
#include <math.h>

#include "mlpt/train.h"

static mlpt_opt_step prepare(const mlpt_optimizer_spec *o, uint64_t t)
{
    (void)t;
    return (mlpt_opt_step){.lr = o->learning_rate, .c1 = o->rho, .c2 = 1.0f - o->rho,
                           .eps = o->epsilon, .g_scale = 1.0f,
                           .decay = o->weight_decay};
}

static void apply(const mlpt_opt_step *st, size_t n, float *restrict w, const float *restrict g,
                  float *restrict s1, float *restrict s2)
{
    (void)s2;
    const float scale = st->g_scale;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] * scale + (st->decay != 0.0f ? st->decay * w[i] : 0.0f);
        s1[i] = st->c1 * s1[i] + st->c2 * gi * gi;
        w[i] -= st->lr * gi / sqrtf(s1[i] + st->eps);
    }
}

static const char *const keys[] = {"rho", "epsilon", NULL};
const mlpt_optimizer_ops mlpt_rmsprop = {"rmsprop", "0.001", keys, 1, prepare, apply};
