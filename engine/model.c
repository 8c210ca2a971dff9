#include "mlpt/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kernels.h"
#include "rng.h"

const char *const mlpt_activation_names[] = {
    [MLPT_ACT_LINEAR] = "linear", [MLPT_ACT_RELU] = "relu", [MLPT_ACT_SIGMOID] = "sigmoid",
    [MLPT_ACT_TANH] = "tanh", [MLPT_ACT_SOFTMAX] = "softmax", NULL};
const char *const mlpt_initializer_names[] = {
    [MLPT_INIT_GLOROT_UNIFORM] = "glorot_uniform", [MLPT_INIT_HE_UNIFORM] = "he_uniform", NULL};

/* a * b into *out, failing on size_t overflow. */
static int mul_size(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

static int compute_geometry(mlpt_model *m, mlpt_error *err)
{
    const mlpt_model_spec *s = &m->spec;
    if (s->input_rank < 1 || s->input_rank > MLPT_MAX_INPUT_RANK)
        return mlpt_fail(err, "model input rank %d is outside 1..%d", s->input_rank,
                         MLPT_MAX_INPUT_RANK);
    size_t width = 1;
    for (int d = 0; d < s->input_rank; d++)
        if (s->input_dims[d] == 0 || mul_size(width, s->input_dims[d], &width))
            return mlpt_fail(err, "model input dimension %d is zero or overflows", d + 1);
    if (s->n_layers < 1 || s->n_layers > MLPT_MAX_LAYERS)
        return mlpt_fail(err, "a model needs 1 to %d layers, not %d", MLPT_MAX_LAYERS,
                         s->n_layers);
    m->input_width = width;
    size_t offset = 0;
    for (int l = 0; l < s->n_layers; l++) {
        const mlpt_layer_spec *ls = &s->layers[l];
        mlpt_layer_geom *g = &m->geom[l];
        g->in = width;
        if (ls->kind == MLPT_LAYER_DROPOUT) {
            if (!(ls->rate >= 0.0f && ls->rate < 1.0f))
                return mlpt_fail(err, "layer %d: dropout rate %g is outside [0, 1)", l + 1,
                                 (double)ls->rate);
            g->out = width;
            continue;
        }
        if (ls->units < 1)
            return mlpt_fail(err, "layer %d: a dense layer needs at least 1 unit", l + 1);
        if (ls->activation == MLPT_ACT_SOFTMAX && l != s->n_layers - 1)
            return mlpt_fail(err, "layer %d: softmax is allowed only on the last layer", l + 1);
        g->out = (size_t)ls->units;
        size_t weights;
        if (mul_size(g->in, g->out, &weights) ||
            __builtin_add_overflow(weights, g->out, &g->n_params) ||
            __builtin_add_overflow(offset, g->n_params, &offset))
            return mlpt_fail(err, "layer %d: parameter count overflows", l + 1);
        g->w_offset = offset - g->n_params;
        g->b_offset = g->w_offset + weights;
        width = g->out;
    }
    const mlpt_layer_spec *last = &s->layers[s->n_layers - 1];
    if (last->kind != MLPT_LAYER_DENSE || last->activation != MLPT_ACT_SOFTMAX)
        return mlpt_fail(err, "the last layer must be dense with softmax activation");
    /* The parameters' bytes, with the kernels' slack and alignment, must be
     * countable too (mlpt_model_create). */
    if (offset > SIZE_MAX / sizeof(float) - MLPT_SLACK - 64)
        return mlpt_fail(err, "the parameter count %zu overflows size_t in bytes", offset);
    m->output_width = width;
    m->n_params = offset;
    return 0;
}

int mlpt_model_plan(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err)
{
    memset(m, 0, sizeof *m);
    m->spec = *spec;
    return compute_geometry(m, err);
}

int mlpt_model_create(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err)
{
    if (mlpt_model_plan(spec, m, err) < 0)
        return -1;
    /* With the kernels' slack after the end (see kernels.h). */
    size_t bytes = ((m->n_params + MLPT_SLACK) * sizeof(float) + 63) / 64 * 64;
    if (!(m->params = aligned_alloc(64, bytes)))
        return mlpt_fail(err, "out of memory for %zu parameters", m->n_params);
    memset(m->params, 0, bytes);
    return 0;
}

void mlpt_model_init_params(mlpt_model *m, uint64_t seed)
{
    for (int l = 0; l < m->spec.n_layers; l++) {
        const mlpt_layer_spec *ls = &m->spec.layers[l];
        const mlpt_layer_geom *g = &m->geom[l];
        if (ls->kind != MLPT_LAYER_DENSE)
            continue;
        /* Keras: glorot_uniform limit sqrt(6 / (fan_in + fan_out)),
         * he_uniform limit sqrt(6 / fan_in); weights uniform in (-limit, limit). */
        double fans = ls->init == MLPT_INIT_HE_UNIFORM ? (double)g->in
                                                       : (double)(g->in + g->out);
        double limit = sqrt(6.0 / fans);
        float *w = m->params + g->w_offset;
        size_t n = g->in * g->out;
        for (size_t i = 0; i < n; i += 4) {
            uint32_t r[4];
            mlpt_random4(seed, MLPT_STREAM_INIT, (uint32_t)l, (uint32_t)(i / 4),
                         (uint32_t)((uint64_t)(i / 4) >> 32), 0, r);
            for (size_t j = 0; j < 4 && i + j < n; j++)
                w[i + j] = (float)((2.0 * mlpt_unit_float(r[j]) - 1.0) * limit);
        }
        memset(m->params + g->b_offset, 0, g->out * sizeof(float));
    }
}

void mlpt_model_free(mlpt_model *m)
{
    free(m->params);
    m->params = NULL;
}

uint64_t mlpt_model_fingerprint(const mlpt_model *m)
{
    uint64_t h = mlpt_fnv_start;
    for (size_t i = 0; i < m->n_params; i++) {
        unsigned char bytes[4]; /* little-endian on any host */
        uint32_t bits;
        memcpy(&bits, &m->params[i], sizeof bits);
        for (int b = 0; b < 4; b++)
            bytes[b] = (unsigned char)(bits >> (8 * b));
        h = mlpt_fnv1a(h, bytes, sizeof bytes);
    }
    return h;
}
