/* The dense layer, `dense UNITS ACTIVATION [ALPHA] [INITIALIZER]`: out =
 * act(x W + b), its kernel W [in x out] (Keras's layout) then its bias b
 * [out]; ALPHA is the activation's parameter, for one that takes it. The
 * weight gradient is the trainer's: it forms it kernel row by kernel row
 * from the input's non-zeros and dL/dZ (mlpt_gemm_tn_row, or for dense
 * inputs mlpt_gemm_tn_panel). */
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

static const char usage[] = "dense UNITS ACTIVATION [ALPHA] [INITIALIZER]";

/* 0 when alpha is in act's range, else -1 with why naming both (a spec
 * built in code: parse reads only such alphas). */
static int alpha_in_range(const mlpt_activation_ops *act, float alpha, mlpt_why *why)
{
    if (alpha >= 0.0f && alpha < act->alpha_max)
        return 0;
    return mlpt_why_fail(why, "%s %s %g is outside [0, %g)", act->name, act->alpha,
                         (double)alpha, (double)act->alpha_max);
}

/* The word after an activation that takes a parameter is that parameter
 * unless it names an initializer: both are optional. */
static int parse(const mlpt_words *a, mlpt_layer_spec *l, mlpt_why *why)
{
    long long units;
    const void *entry, *init = mlpt_initializers[0];
    if (mlpt_word_count("units", a->w[0], 1, MLPT_MAX_UNITS, &units, why) ||
        mlpt_word_entry("activation", a->w[1], MLPT_TABLE(mlpt_activations), &entry, why))
        return -1;
    const mlpt_activation_ops *act = entry;
    int k = 2;
    l->alpha = act->alpha ? act->alpha_default : 0.0f;
    if (act->alpha && k < a->n && !mlpt_initializer_named(a->w[k])) {
        char what[64];
        snprintf(what, sizeof what, "%s %s", act->name, act->alpha);
        if (mlpt_word_float(what, a->w[k++], 0.0f, act->alpha_max, true, &l->alpha, why))
            return -1;
    }
    if (k < a->n &&
        mlpt_word_entry("initializer", a->w[k++], MLPT_TABLE(mlpt_initializers), &init, why))
        return -1;
    if (k < a->n) {
        char buf[48];
        return mlpt_why_fail(why, "\"%s\" after the initializer: expected `%s`",
                             mlpt_quote(a->w[k], buf, sizeof buf), usage);
    }
    l->units = (int)units;
    l->activation = act;
    l->init = init;
    return 0;
}

static void format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    char alpha[MLPT_FLOAT_WORD + 1] = "";
    if (l->activation->alpha)
        snprintf(alpha, sizeof alpha, " %s", mlpt_float_word(l->alpha, alpha + 1));
    snprintf(buf, cap, "dense %d %s%s %s", l->units, l->activation->name, alpha,
             initializer(l)->name);
}

static int plan(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why)
{
    if (l->units < 1)
        return mlpt_why_fail(why, "a dense layer needs at least 1 unit");
    if (!l->activation)
        return mlpt_why_fail(why, "a dense layer needs an activation");
    if (l->activation->alpha && alpha_in_range(l->activation, l->alpha, why))
        return -1;
    size_t weights;
    g->out = (size_t)l->units;
    if (__builtin_mul_overflow(in, g->out, &weights) ||
        __builtin_add_overflow(weights, g->out, &g->n_params) ||
        __builtin_add_overflow(offset, g->n_params, &offset))
        return mlpt_why_fail(why, "parameter count overflows");
    g->w_offset = offset - g->n_params;
    g->b_offset = g->w_offset + weights;
    g->n_trainable = g->n_params;
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

/* out = act(X W + b), the last layer's X W + b, by the dense kernel when
 * X is mostly non-zero, else from its non-zeros (both the same bits). The
 * non-zeros are listed in any case (here from io->in, or by the gather for
 * the first layer): the weight gradient and the exchange between processes
 * read them. In training, an activation whose derivative is one of Z gets
 * Z kept. */
static void forward(const mlpt_layer_io *io)
{
    const mlpt_layer_geom *g = io->g;
    if (!io->listed)
        mlpt_find_nonzeros(io->rows, g->in, io->in, io->nz);
    size_t nonzeros = 0;
    for (size_t i = 0; i < io->rows; i++)
        nonzeros += io->nz->count[i];
    if (io->in && mlpt_dense_pays(nonzeros, io->rows * g->in))
        mlpt_gemm_bias_dense(io->rows, g->in, g->out, io->in, io->params + g->w_offset,
                             io->params + g->b_offset, io->out);
    else
        mlpt_gemm_bias(io->rows, g->in, g->out, io->nz, io->params + g->w_offset,
                       io->params + g->b_offset, io->out);
    const mlpt_activation_ops *act = io->spec->activation;
    if (!io->logits && act->forward) {
        if (io->kept)
            memcpy(io->kept, io->out, io->rows * g->out * sizeof(float));
        act->forward(io->rows * g->out, io->out, io->spec->alpha);
    }
}

/* d_out becomes dL/dZ (the last layer's already is, from the loss), and
 * d_in = dZ W^T when wanted. */
static void backward(const mlpt_layer_io *io)
{
    const mlpt_layer_geom *g = io->g;
    const mlpt_activation_ops *act = io->spec->activation;
    if (!io->logits && act->backward)
        act->backward(io->rows * g->out, act->from_z ? io->kept : io->out, io->spec->alpha,
                      io->d_out);
    if (io->d_in)
        mlpt_gemm_nt(io->rows, g->in, g->out, io->d_out, io->params + g->w_offset, io->d_in);
}

/* Z, for an activation whose derivative is one of it. */
static bool keeps(const mlpt_layer_spec *l)
{
    return l->activation->from_z;
}

const mlpt_layer_ops mlpt_dense = {
    .name = "dense",
    .usage = usage,
    .keras_type = "Dense",
    .min_args = 2,
    .max_args = 4,
    .kernel = true,
    .keeps = keeps,
    .parse = parse,
    .format = format,
    .plan = plan,
    .init = init,
    .forward = forward,
    .backward = backward,
};
