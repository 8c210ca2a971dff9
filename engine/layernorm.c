/* The layer normalization layer, `layernorm [epsilon E]` (Keras's
 * LayerNormalization, its default epsilon 0.001): per sample, out = gamma
 * * (x - mean) / sqrt(var + epsilon) + beta, the mean and biased variance
 * over the sample's features. Parameters, each [out], trained: gamma
 * (ones) and beta (zeros). Each sample is computed on its own; the
 * gradient of gamma and beta sums over the batch's samples in order
 * (normalize.c). */
#include <math.h>
#include <stdio.h>

#include "grammar.h"
#include "layers.h"
#include "normalize.h"

static const char usage[] = "layernorm [epsilon E]";

static const char *const tensors[] = {"gamma", "beta", NULL};

static int parse(const mlpt_words *a, mlpt_layer_spec *l, mlpt_why *why)
{
    l->epsilon = MLPT_NORM_EPSILON;
    const mlpt_word_option opts[] = {mlpt_norm_epsilon(l)};
    return mlpt_word_options(a, opts, 1, usage, why);
}

static void format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    char epsilon[MLPT_FLOAT_WORD];
    snprintf(buf, cap, "layernorm epsilon %s", mlpt_float_word(l->epsilon, epsilon));
}

static int plan(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why)
{
    return mlpt_norm_plan(l, in, offset, 2, g, why); /* gamma, beta */
}

static void init(const mlpt_layer_spec *l, const mlpt_layer_geom *g, uint32_t layer,
                 uint64_t seed, float *params)
{
    (void)l, (void)layer, (void)seed;
    mlpt_norm_init(g, params);
}

/* 1 / sqrt(var + epsilon) of one row x[n], and its mean, summed in double:
 * forward and backward compute the same bits. */
static float inv_std(const float *x, size_t n, float epsilon, float *mean)
{
    double sum = 0.0, sq = 0.0;
    for (size_t f = 0; f < n; f++)
        sum += x[f];
    const double mu = sum / (double)n;
    for (size_t f = 0; f < n; f++)
        sq += (x[f] - mu) * (x[f] - mu);
    *mean = (float)mu;
    return (float)(1.0 / sqrt(sq / (double)n + epsilon));
}

/* xhat = (x - mean) / sqrt(var + epsilon), kept in training; out = gamma *
 * xhat + beta. */
static void forward(const mlpt_layer_io *io)
{
    const size_t n = io->g->out;
    const float *gamma = io->params + io->g->w_offset;
    float *xhat = io->kept ? io->kept : io->out;
    for (size_t r = 0; r < io->rows; r++) {
        const float *x = io->in + r * n;
        float mean;
        const float inv = inv_std(x, n, io->spec->epsilon, &mean);
        for (size_t f = 0; f < n; f++)
            xhat[r * n + f] = (x[f] - mean) * inv;
    }
    mlpt_scale_shift(io->rows, n, xhat, gamma, gamma + n, io->out);
}

/* With gdy = gamma * dy: d_in = (gdy - mean(gdy) - xhat * mean(gdy *
 * xhat)) / sqrt(var + epsilon), the means over the sample's features. */
static void backward(const mlpt_layer_io *io)
{
    if (!io->d_in)
        return;
    const size_t n = io->g->out;
    const float *gamma = io->params + io->g->w_offset;
    for (size_t r = 0; r < io->rows; r++) {
        const float *dy = io->d_out + r * n, *xhat = io->kept + r * n;
        float *dx = io->d_in + r * n, mean;
        const float inv = inv_std(io->in + r * n, n, io->spec->epsilon, &mean);
        double sum = 0.0, sum_x = 0.0;
        for (size_t f = 0; f < n; f++) {
            const double gdy = (double)gamma[f] * dy[f];
            sum += gdy;
            sum_x += gdy * xhat[f];
        }
        const float m = (float)(sum / (double)n), mx = (float)(sum_x / (double)n);
        for (size_t f = 0; f < n; f++)
            dx[f] = (gamma[f] * dy[f] - m - xhat[f] * mx) * inv;
    }
}

const mlpt_layer_ops mlpt_layernorm = {
    .name = "layernorm",
    .usage = usage,
    .keras_type = "LayerNormalization",
    .min_args = 0,
    .max_args = 2,
    .keeps = mlpt_norm_keeps,
    .parse = parse,
    .format = format,
    .plan = plan,
    .init = init,
    .forward = forward,
    .backward = backward,
    .tensors = tensors,
    .gradient = mlpt_scale_shift_gradient,
};
