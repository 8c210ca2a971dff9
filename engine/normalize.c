/* What batchnorm and layernorm share (normalize.h). */
#include "normalize.h"

mlpt_word_option mlpt_norm_epsilon(mlpt_layer_spec *l)
{
    return (mlpt_word_option){"epsilon", MLPT_NORM_EPSILON_MIN, MLPT_NORM_EPSILON_MAX, false,
                              &l->epsilon};
}

int mlpt_norm_epsilon_check(const mlpt_layer_spec *l, mlpt_why *why)
{
    if (l->epsilon >= MLPT_NORM_EPSILON_MIN && l->epsilon <= MLPT_NORM_EPSILON_MAX)
        return 0;
    return mlpt_why_fail(why, "%s epsilon %g is outside [%g, %g]", l->kind->name,
                         (double)l->epsilon, (double)MLPT_NORM_EPSILON_MIN,
                         (double)MLPT_NORM_EPSILON_MAX);
}

void mlpt_scale_shift(size_t rows, size_t n, const float *xhat, const float *gamma,
                      const float *beta, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t f = 0; f < n; f++)
            out[r * n + f] = gamma[f] * xhat[r * n + f] + beta[f];
}

/* Sums in double, a few hundred columns at a time: each column's over the
 * samples in order, while the rows are read contiguously. */
enum { COLUMNS = 256 };

void mlpt_scale_shift_gradient(const mlpt_layer_io *blocks, size_t n_blocks, size_t index,
                               size_t len, float *g)
{
    const size_t n = blocks[0].g->out;
    for (size_t c0 = 0; c0 < len; c0 += COLUMNS) {
        const size_t cols = len - c0 < COLUMNS ? len - c0 : COLUMNS;
        double sum[COLUMNS] = {0};
        for (size_t b = 0; b < n_blocks; b++)
            for (size_t r = 0; r < blocks[b].rows; r++) {
                const float *dy = blocks[b].d_out + r * n, *xhat = blocks[b].kept + r * n;
                for (size_t c = 0; c < cols; c++) {
                    const size_t i = index + c0 + c; /* gamma's, then beta's */
                    sum[c] += i < n ? (double)dy[i] * xhat[i] : (double)dy[i - n];
                }
            }
        for (size_t c = 0; c < cols; c++)
            g[c0 + c] = (float)sum[c];
    }
}

bool mlpt_norm_keeps(const mlpt_layer_spec *l)
{
    (void)l;
    return true;
}

int mlpt_norm_plan(const mlpt_layer_spec *l, size_t in, size_t offset, size_t tensors,
                   mlpt_layer_geom *g, mlpt_why *why)
{
    if (mlpt_norm_epsilon_check(l, why))
        return -1;
    g->out = in;
    if (__builtin_mul_overflow(in, tensors, &g->n_params) ||
        __builtin_add_overflow(offset, g->n_params, &offset))
        return mlpt_why_fail(why, "parameter count overflows");
    g->w_offset = offset - g->n_params;
    g->n_trainable = 2 * in;
    return 0;
}

void mlpt_norm_init(const mlpt_layer_geom *g, float *params)
{
    for (size_t f = 0; f < g->out; f++) {
        params[g->w_offset + f] = 1.0f;
        params[g->w_offset + g->out + f] = 0.0f;
    }
}
