/* The batch normalization layer, `batchnorm [momentum M] [epsilon E]`
 * (Keras's BatchNormalization, its defaults 0.99 and 0.001): per feature,
 * out = gamma * (x - mean) / sqrt(var + epsilon) + beta, with the batch's
 * mean and biased variance in training and the moving averages in
 * inference; after each training step, moving = moving * M + batch's *
 * (1 - M). Parameters, each [out]: gamma (ones) and beta (zeros), trained;
 * moving_mean (zeros) and moving_variance (ones), not.
 *
 * The statistics couple the batch's samples: the pass stops before the
 * layer for reduce_forward and at it going backward for reduce_backward,
 * each a sum per feature over the batch's samples in sample order, in
 * double, so that they depend neither on threads nor on shards nor on
 * processes. */
#include <math.h>
#include <stdio.h>

#include "grammar.h"
#include "layers.h"
#include "normalize.h"

static const char usage[] = "batchnorm [momentum M] [epsilon E]";

/* The batch's values per feature f of n, at [v * n + f]: its mean, 1 /
 * sqrt(var + epsilon), var (for the moving average), and from backward
 * the means of dL/d out and of dL/d out * xhat. */
enum { MEAN, INV_STD, VAR, MEAN_DY, MEAN_DY_XHAT, VALUES };

/* Parameters after w_offset, in units of out. */
enum { GAMMA, BETA, MOVING_MEAN, MOVING_VARIANCE, TENSORS };

static const char *const tensors[] = {"gamma", "beta", "moving_mean", "moving_variance", NULL};

static int parse(const mlpt_words *a, mlpt_layer_spec *l, mlpt_why *why)
{
    l->momentum = 0.99f;
    l->epsilon = MLPT_NORM_EPSILON;
    const mlpt_word_option opts[] = {{"momentum", 0.0f, 1.0f, true, &l->momentum},
                                     mlpt_norm_epsilon(l)};
    return mlpt_word_options(a, opts, 2, usage, why);
}

static void format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    char momentum[MLPT_FLOAT_WORD], epsilon[MLPT_FLOAT_WORD];
    snprintf(buf, cap, "batchnorm momentum %s epsilon %s", mlpt_float_word(l->momentum, momentum),
             mlpt_float_word(l->epsilon, epsilon));
}

static int plan(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why)
{
    if (!(l->momentum >= 0.0f && l->momentum < 1.0f))
        return mlpt_why_fail(why, "batchnorm momentum %g is outside [0, 1)", (double)l->momentum);
    return mlpt_norm_plan(l, in, offset, TENSORS, g, why);
}

static void init(const mlpt_layer_spec *l, const mlpt_layer_geom *g, uint32_t layer,
                 uint64_t seed, float *params)
{
    (void)l, (void)layer, (void)seed;
    mlpt_norm_init(g, params); /* gamma, beta */
    for (size_t f = 0; f < g->out; f++) {
        float *p = params + g->w_offset + f;
        p[MOVING_MEAN * g->out] = 0.0f;
        p[MOVING_VARIANCE * g->out] = 1.0f;
    }
}

/* The batch's rows in all blocks. */
static size_t batch_rows(const mlpt_layer_io *blocks, size_t n_blocks)
{
    size_t rows = 0;
    for (size_t b = 0; b < n_blocks; b++)
        rows += blocks[b].rows;
    return rows;
}

/* Mean, then the variance about it (two passes: no cancellation). */
static void reduce_forward(const mlpt_layer_io *blocks, size_t n_blocks, size_t f0, size_t f1)
{
    const size_t n = blocks[0].g->out, N = batch_rows(blocks, n_blocks);
    double mean[MLPT_REDUCE_FEATURES] = {0}, var[MLPT_REDUCE_FEATURES] = {0};
    for (size_t b = 0; b < n_blocks; b++)
        for (size_t r = 0; r < blocks[b].rows; r++)
            for (size_t f = f0; f < f1; f++)
                mean[f - f0] += blocks[b].in[r * n + f];
    for (size_t f = f0; f < f1; f++)
        mean[f - f0] /= (double)N;
    for (size_t b = 0; b < n_blocks; b++)
        for (size_t r = 0; r < blocks[b].rows; r++)
            for (size_t f = f0; f < f1; f++) {
                const double d = blocks[b].in[r * n + f] - mean[f - f0];
                var[f - f0] += d * d;
            }
    float *v = blocks[0].batch;
    const double eps = blocks[0].spec->epsilon;
    for (size_t f = f0; f < f1; f++) {
        const double biased = var[f - f0] / (double)N;
        v[MEAN * n + f] = (float)mean[f - f0];
        v[INV_STD * n + f] = (float)(1.0 / sqrt(biased + eps));
        v[VAR * n + f] = (float)biased;
    }
}

/* xhat = (x - mean) / sqrt(var + epsilon), kept in training; out = gamma *
 * xhat + beta. */
static void forward(const mlpt_layer_io *io)
{
    const size_t n = io->g->out, rows = io->rows;
    const float *p = io->params + io->g->w_offset;
    float *xhat = io->kept ? io->kept : io->out;
    if (io->batch) {
        const float *mean = io->batch + MEAN * n, *inv = io->batch + INV_STD * n;
        for (size_t r = 0; r < rows; r++)
            for (size_t f = 0; f < n; f++)
                xhat[r * n + f] = (io->in[r * n + f] - mean[f]) * inv[f];
    } else {
        const float *mean = p + MOVING_MEAN * n, *var = p + MOVING_VARIANCE * n;
        const float eps = io->spec->epsilon;
        for (size_t r = 0; r < rows; r++)
            for (size_t f = 0; f < n; f++)
                xhat[r * n + f] = (io->in[r * n + f] - mean[f]) / sqrtf(var[f] + eps);
    }
    mlpt_scale_shift(rows, n, xhat, p + GAMMA * n, p + BETA * n, io->out);
}

static void reduce_backward(const mlpt_layer_io *blocks, size_t n_blocks, size_t f0, size_t f1)
{
    const size_t n = blocks[0].g->out, N = batch_rows(blocks, n_blocks);
    double dy[MLPT_REDUCE_FEATURES] = {0}, dy_xhat[MLPT_REDUCE_FEATURES] = {0};
    for (size_t b = 0; b < n_blocks; b++)
        for (size_t r = 0; r < blocks[b].rows; r++) {
            const float *d = blocks[b].d_out + r * n, *xhat = blocks[b].kept + r * n;
            for (size_t f = f0; f < f1; f++) {
                dy[f - f0] += d[f];
                dy_xhat[f - f0] += (double)d[f] * xhat[f];
            }
        }
    float *v = blocks[0].batch;
    for (size_t f = f0; f < f1; f++) {
        v[MEAN_DY * n + f] = (float)(dy[f - f0] / (double)N);
        v[MEAN_DY_XHAT * n + f] = (float)(dy_xhat[f - f0] / (double)N);
    }
}

/* d_in = gamma / sqrt(var + epsilon) * (dy - mean(dy) - xhat * mean(dy *
 * xhat)), the means over the batch: the statistics' own dependence on
 * every sample included. */
static void backward(const mlpt_layer_io *io)
{
    if (!io->d_in)
        return;
    const size_t n = io->g->out;
    const float *gamma = io->params + io->g->w_offset + GAMMA * n;
    const float *inv = io->batch + INV_STD * n, *mdy = io->batch + MEAN_DY * n,
                *mdx = io->batch + MEAN_DY_XHAT * n;
    for (size_t r = 0; r < io->rows; r++) {
        const float *dy = io->d_out + r * n, *xhat = io->kept + r * n;
        float *dx = io->d_in + r * n;
        for (size_t f = 0; f < n; f++)
            dx[f] = gamma[f] * inv[f] * (dy[f] - mdy[f] - xhat[f] * mdx[f]);
    }
}

/* Keras's update of the moving averages, with the biased variance. */
static void after_step(const mlpt_layer_spec *l, const mlpt_layer_geom *g, const float *batch,
                       float *params)
{
    const size_t n = g->out;
    const float m = l->momentum;
    float *mean = params + g->w_offset + MOVING_MEAN * n,
          *var = params + g->w_offset + MOVING_VARIANCE * n;
    for (size_t f = 0; f < n; f++) {
        mean[f] = mean[f] * m + batch[MEAN * n + f] * (1.0f - m);
        var[f] = var[f] * m + batch[VAR * n + f] * (1.0f - m);
    }
}

const mlpt_layer_ops mlpt_batchnorm = {
    .name = "batchnorm",
    .usage = usage,
    .keras_type = "BatchNormalization",
    .min_args = 0,
    .max_args = 4,
    .keeps = mlpt_norm_keeps,
    .parse = parse,
    .format = format,
    .plan = plan,
    .init = init,
    .forward = forward,
    .backward = backward,
    .tensors = tensors,
    .gradient = mlpt_scale_shift_gradient,
    .coupled = VALUES,
    .reduce_forward = reduce_forward,
    .reduce_backward = reduce_backward,
    .after_step = after_step,
};
