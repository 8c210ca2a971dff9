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

/* One parameter's update from its gradient gi. */
static inline void update(const mlpt_opt_step *st, float gi, float *w, float *s1)
{
    *s1 = st->c1 * *s1 + st->c2 * gi * gi;
    *w -= st->lr * gi / sqrtf(*s1 + st->eps);
}

static void apply(const mlpt_opt_step *st, size_t n, float *restrict w, const float *restrict g,
                  float *restrict s1, float *restrict s2)
{
    (void)s2;
    const float scale = st->g_scale;
    if (st->decay != 0.0f) /* apart: without decay, not one operation more */
        for (size_t i = 0; i < n; i++)
            update(st, g[i] * scale + st->decay * w[i], &w[i], &s1[i]);
    else
        for (size_t i = 0; i < n; i++)
            update(st, g[i] * scale, &w[i], &s1[i]);
}

static const char *const keys[] = {"rho", "epsilon", NULL};
const mlpt_optimizer_ops mlpt_rmsprop = {"rmsprop", "0.001", keys, 1, prepare, apply};
