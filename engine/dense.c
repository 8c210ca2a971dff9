/* The dense layer, `dense UNITS ACTIVATION [INITIALIZER]`: out = act(x W +
 * b), its kernel W [in x out] (Keras's layout) then its bias b [out]. The
 * weight gradient is the trainer's: it forms it kernel row by kernel row
 * from the input's non-zeros and dL/dZ (mlpt_gemm_tn_row). */
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "kernels.h"
#include "layers.h"
#include "rng.h"

static const mlpt_initializer_ops *initializer(const mlpt_layer_spec *l)
{
    return l->init ? l->init : mlpt_initializers[0];
}

static int parse(const mlpt_words *a, mlpt_layer_spec *l, mlpt_why *why)
{
    long long units;
    const void *act, *init = mlpt_initializers[0];
    if (mlpt_word_count("units", a->w[0], 1, MLPT_MAX_UNITS, &units, why) ||
        mlpt_word_entry("activation", a->w[1], MLPT_TABLE(mlpt_activations), &act, why) ||
        (a->n == 3 &&
         mlpt_word_entry("initializer", a->w[2], MLPT_TABLE(mlpt_initializers), &init, why)))
        return -1;
    l->units = (int)units;
    l->activation = act;
    l->init = init;
    return 0;
}

static void format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    snprintf(buf, cap, "dense %d %s %s", l->units, l->activation->name, initializer(l)->name);
}

static int plan(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why)
{
    if (l->units < 1)
        return mlpt_why_fail(why, "a dense layer needs at least 1 unit");
    if (!l->activation)
        return mlpt_why_fail(why, "a dense layer needs an activation");
    size_t weights;
    g->out = (size_t)l->units;
    if (__builtin_mul_overflow(in, g->out, &weights) ||
        __builtin_add_overflow(weights, g->out, &g->n_params) ||
        __builtin_add_overflow(offset, g->n_params, &offset))
        return mlpt_why_fail(why, "parameter count overflows");
    g->w_offset = offset - g->n_params;
    g->b_offset = g->w_offset + weights;
    return 0;
}

/* Kernel uniform in (-limit, limit) from keyed draws, bias zero. */
static void init(const mlpt_layer_spec *l, const mlpt_layer_geom *g, uint32_t layer,
                 uint64_t seed, float *params)
{
    const double limit = initializer(l)->limit(g->in, g->out);
    float *w = params + g->w_offset;
    const size_t n = g->in * g->out;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t r[4];
        mlpt_random4(seed, MLPT_STREAM_INIT, layer, (uint32_t)(i / 4),
                     (uint32_t)((uint64_t)(i / 4) >> 32), 0, r);
        for (size_t j = 0; j < 4 && i + j < n; j++)
            w[i + j] = (float)((2.0 * mlpt_unit_float(r[j]) - 1.0) * limit);
    }
    memset(params + g->b_offset, 0, g->out * sizeof(float));
}

/* out = act(X W + b), from the non-zeros of X (listed here from io->in,
 * or by the gather for the first layer); the last layer leaves X W + b. */
static void forward(const mlpt_layer_io *io)
{
    const mlpt_layer_geom *g = io->g;
    if (io->in)
        mlpt_find_nonzeros(io->rows, g->in, io->in, io->nz);
    mlpt_gemm_bias(io->rows, g->in, g->out, io->nz, io->params + g->w_offset,
                   io->params + g->b_offset, io->out);
    const mlpt_activation_ops *act = io->spec->activation;
    if (!io->logits && act->forward)
        act->forward(io->rows * g->out, io->out);
}

/* d_out becomes dL/dZ (the last layer's already is, from the loss), and
 * d_in = dZ W^T when wanted. */
static void backward(const mlpt_layer_io *io)
{
    const mlpt_layer_geom *g = io->g;
    const mlpt_activation_ops *act = io->spec->activation;
    if (!io->logits && act->backward)
        act->backward(io->rows * g->out, io->out, io->d_out);
    if (io->d_in)
        mlpt_gemm_nt(io->rows, g->in, g->out, io->d_out, io->params + g->w_offset, io->d_in);
}

const mlpt_layer_ops mlpt_dense = {
    .name = "dense",
    .usage = "dense UNITS ACTIVATION [INITIALIZER]",
    .keras_type = "Dense",
    .min_args = 2,
    .max_args = 3,
    .kernel = true,
    .parse = parse,
    .format = format,
    .plan = plan,
    .init = init,
    .forward = forward,
    .backward = backward,
};
