#include "mlpt/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kernels.h"

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
    if (!s->loss)
        return mlpt_fail(err, "a model needs a loss");
    m->input_width = width;
    size_t offset = 0;
    for (int l = 0; l < s->n_layers; l++) {
        const mlpt_layer_spec *ls = &s->layers[l];
        mlpt_layer_geom *g = &m->geom[l];
        mlpt_why why;
        memset(g, 0, sizeof *g);
        g->in = width;
        if (!ls->kind)
            return mlpt_fail(err, "layer %d has no kind", l + 1);
        if (ls->kind->plan(ls, width, offset, g, &why) < 0)
            return mlpt_fail(err, "layer %d: %s", l + 1, why.msg);
        if (ls->activation && ls->activation->last_only && l != s->n_layers - 1)
            return mlpt_fail(err, "layer %d: %s is allowed only on the last layer", l + 1,
                             ls->activation->name);
        offset += g->n_params; /* the kind's plan checked it does not overflow */
        width = g->out;
    }
    const mlpt_layer_spec *last = &s->layers[s->n_layers - 1];
    if (!last->activation || strcmp(last->activation->name, s->loss->activation))
        return mlpt_fail(err, "the last layer must have %s activation: the loss is %s",
                         s->loss->activation, s->loss->name);
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
        if (ls->kind->init)
            ls->kind->init(ls, &m->geom[l], (uint32_t)l, seed, m->params);
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

