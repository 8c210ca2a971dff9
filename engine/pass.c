#include "pass.h"

#include <stdlib.h>
#include <string.h>

static float *alloc_floats(size_t n)
{
    /* 64-byte aligned for vector loads; aligned_alloc wants a multiple. */
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

int mlpt_workspace_init(mlpt_workspace *ws, const mlpt_model *m, size_t capacity,
                        bool training, mlpt_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->capacity = capacity;
    bool ok = (ws->input = alloc_floats(capacity * m->input_width)) != NULL;
    ok = ok && (ws->ids = calloc(capacity, sizeof *ws->ids)) != NULL;
    ok = ok && (ws->labels = calloc(capacity, 1)) != NULL;
    for (int l = 0; ok && l < m->spec.n_layers; l++) {
        ok = (ws->act[l] = alloc_floats(capacity * m->geom[l].out)) != NULL;
        if (ok && training && m->spec.layers[l].kind == MLPT_LAYER_DROPOUT)
            ok = (ws->mask[l] = alloc_floats(capacity * m->geom[l].out)) != NULL;
    }
    if (ok && training) {
        ok = (ws->delta[0] = alloc_floats(capacity * m->max_width)) != NULL &&
             (ws->delta[1] = alloc_floats(capacity * m->max_width)) != NULL &&
             (ws->grad = alloc_floats(m->n_params)) != NULL;
    }
    if (!ok) {
        mlpt_workspace_free(ws);
        return mlpt_fail(err, "out of memory for a workspace of %zu rows", capacity);
    }
    return 0;
}

void mlpt_workspace_free(mlpt_workspace *ws)
{
    free(ws->input);
    free(ws->ids);
    free(ws->labels);
    for (int l = 0; l < MLPT_MAX_LAYERS; l++) {
        free(ws->act[l]);
        free(ws->mask[l]);
    }
    free(ws->delta[0]);
    free(ws->delta[1]);
    free(ws->grad);
    memset(ws, 0, sizeof *ws);
}

void mlpt_gather(mlpt_workspace *ws, const mlpt_dataset *d, const uint32_t *ids,
                 size_t rows, const float lut[256])
{
    const size_t width = d->features;
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = d->pixels + (size_t)ids[r] * width;
        float *dst = ws->input + r * width;
        for (size_t f = 0; f < width; f++)
            dst[f] = lut[src[f]];
        ws->ids[r] = ids[r];
        ws->labels[r] = d->labels[ids[r]];
    }
}

static const float *layer_input(const mlpt_workspace *ws, int l)
{
    return l == 0 ? ws->input : ws->act[l - 1];
}

void mlpt_forward(const mlpt_model *m, mlpt_workspace *ws, size_t rows,
                  const mlpt_dropout_keys *drop)
{
    const int last = m->spec.n_layers - 1;
    for (int l = 0; l <= last; l++) {
        const mlpt_layer_spec *s = &m->spec.layers[l];
        const mlpt_layer_geom *g = &m->geom[l];
        const float *in = layer_input(ws, l);
        if (s->kind == MLPT_LAYER_DENSE)
            mlpt_dense_forward(g, s->activation, m->params, rows, in, ws->act[l]);
        else if (drop)
            mlpt_dropout_forward(s->rate, (uint32_t)l, drop, rows, g->out, in, ws->act[l],
                                 ws->mask[l]);
        else
            memcpy(ws->act[l], in, rows * g->out * sizeof(float));
    }
    ws->loss_sum = 0.0;
    ws->correct = 0;
    mlpt_softmax_xent(rows, m->output_width, ws->act[last], ws->labels,
                      drop ? ws->delta[0] : NULL, &ws->loss_sum, &ws->correct);
}

void mlpt_backward(const mlpt_model *m, mlpt_workspace *ws, size_t rows)
{
    /* Layers at or below the first dense layer need no input gradient. */
    int first_dense = 0;
    while (m->spec.layers[first_dense].kind != MLPT_LAYER_DENSE)
        first_dense++;
    int cur = 0;
    for (int l = m->spec.n_layers - 1; l >= first_dense; l--) {
        const mlpt_layer_spec *s = &m->spec.layers[l];
        const mlpt_layer_geom *g = &m->geom[l];
        float *d_in = l > first_dense ? ws->delta[1 - cur] : NULL;
        if (s->kind == MLPT_LAYER_DENSE)
            mlpt_dense_backward(g, s->activation, m->params, rows, layer_input(ws, l),
                                ws->act[l], ws->delta[cur], ws->grad, d_in);
        else
            mlpt_dropout_backward(rows, g->out, ws->mask[l], ws->delta[cur], d_in);
        cur = 1 - cur;
    }
}
