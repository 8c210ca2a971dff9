#include "optimizer.h"

#include <math.h>

mlpt_opt_step mlpt_optimizer_prepare(const mlpt_optimizer_spec *o, uint64_t t)
{
    mlpt_opt_step st = {.lr = o->learning_rate, .eps = o->epsilon, .g_scale = 1.0f};
    switch (o->kind) {
    case MLPT_OPT_ADAM: {
        /* Keras: alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), with epsilon
         * added to sqrt(v) un-corrected ("epsilon hat" of the Adam paper). */
        double b1t = pow(o->beta1, (double)t), b2t = pow(o->beta2, (double)t);
        st.lr = (float)(o->learning_rate * sqrt(1.0 - b2t) / (1.0 - b1t));
        st.c1 = 1.0f - o->beta1;
        st.c2 = 1.0f - o->beta2;
        break;
    }
    case MLPT_OPT_SGD:
        st.c1 = o->momentum;
        break;
    case MLPT_OPT_RMSPROP:
        st.c1 = o->rho;
        st.c2 = 1.0f - o->rho;
        break;
    }
    return st;
}

void mlpt_optimizer_apply(mlpt_optimizer_kind kind, const mlpt_opt_step *st, size_t n,
                          float *restrict w, const float *restrict g, float *restrict s1,
                          float *restrict s2)
{
    const float scale = st->g_scale;
    switch (kind) {
    case MLPT_OPT_ADAM:
        /* m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
         * w -= alpha_t m / (sqrt(v) + eps) */
        for (size_t i = 0; i < n; i++) {
            const float gi = g[i] * scale;
            s1[i] += (gi - s1[i]) * st->c1;
            s2[i] += (gi * gi - s2[i]) * st->c2;
            w[i] -= st->lr * s1[i] / (sqrtf(s2[i]) + st->eps);
        }
        break;
    case MLPT_OPT_SGD:
        /* velocity = momentum velocity - lr g; w += velocity */
        for (size_t i = 0; i < n; i++) {
            s1[i] = st->c1 * s1[i] - st->lr * (g[i] * scale);
            w[i] += s1[i];
        }
        break;
    case MLPT_OPT_RMSPROP:
        /* ms = rho ms + (1 - rho) g^2; w -= lr g / sqrt(ms + eps) (Keras 3) */
        for (size_t i = 0; i < n; i++) {
            const float gi = g[i] * scale;
            s1[i] = st->c1 * s1[i] + st->c2 * gi * gi;
            w[i] -= st->lr * gi / sqrtf(s1[i] + st->eps);
        }
        break;
    }
}
