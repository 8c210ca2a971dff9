#include <math.h>

#include "kernels.h"
#include "layers.h"

static void activate(mlpt_activation act, size_t n, float *a)
{
    switch (act) {
    case MLPT_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            a[i] = a[i] < 0.0f ? 0.0f : a[i]; /* NaN passes: divergence must show */
        break;
    case MLPT_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            a[i] = 1.0f / (1.0f + expf(-a[i]));
        break;
    case MLPT_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            a[i] = tanhf(a[i]);
        break;
    case MLPT_ACT_LINEAR:
    case MLPT_ACT_SOFTMAX:
        break;
    }
}

/* d[i] *= act'(z[i]), with the derivative written in terms of the output a. */
static void activation_backward(mlpt_activation act, size_t n, const float *a, float *d)
{
    switch (act) {
    case MLPT_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            d[i] = a[i] > 0.0f ? d[i] : 0.0f;
        break;
    case MLPT_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            d[i] *= a[i] * (1.0f - a[i]);
        break;
    case MLPT_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            d[i] *= 1.0f - a[i] * a[i];
        break;
    case MLPT_ACT_LINEAR:
    case MLPT_ACT_SOFTMAX:
        break;
    }
}

void mlpt_dense_forward(const mlpt_layer_geom *g, mlpt_activation act, const float *params,
                        size_t rows, const mlpt_nonzeros *nz, float *out)
{
    mlpt_gemm_bias(rows, g->in, g->out, nz, params + g->w_offset, params + g->b_offset, out);
    activate(act, rows * g->out, out);
}

void mlpt_dense_backward(const mlpt_layer_geom *g, mlpt_activation act, const float *params,
                         size_t rows, const float *out, float *d_out, float *d_in)
{
    activation_backward(act, rows * g->out, out, d_out);
    if (d_in)
        mlpt_gemm_nt(rows, g->in, g->out, d_out, params + g->w_offset, d_in);
}
