/* engine/layers.h - what a layer kind's forward and backward get: one
 * block of `rows` samples of one layer (see mlpt_layer_ops in
 * mlpt/tables.h). Shapes are row-major, one row per sample. */
#ifndef MLPT_ENGINE_LAYERS_H
#define MLPT_ENGINE_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "mlpt/model.h"

/* What a pass in training has that inference has not: the random draws
 * of the dropout layers, and the class weights of the loss. */
typedef struct mlpt_training {
    uint64_t seed;
    uint32_t epoch;
    const uint32_t *sample_ids; /* one per row */
    const float *class_weight;  /* per class label, or NULL: none */
} mlpt_training;

struct mlpt_layer_io {
    const mlpt_layer_spec *spec;
    const mlpt_layer_geom *g;
    uint32_t layer;              /* its index in the stack */
    const float *params;         /* the model's */
    size_t rows;
    /* Forward: */
    const float *in;             /* rows x g->in (forward, and backward of
                                    kinds without a kernel); NULL for the first
                                    layer when the gather did not write its
                                    inputs densely (mostly zero: nz has them) */
    mlpt_nonzeros *nz;           /* kernel kinds: the input's non-zeros (listed
                                    from `in` by the layer unless listed) */
    bool listed;                 /* nz already holds them: the gather's, for
                                    the first layer */
    float *out;                  /* rows x g->out: the layer's output */
    float *kept;                 /* layers that keep values from forward to
                                    backward (mlpt_layer_ops.keeps), in
                                    training: rows x g->out */
    const mlpt_training *drop; /* training's random draws; NULL: inference */
    bool logits;                 /* the last layer: leave Z, which the loss turns
                                    into outputs and dL/dZ */
    float *batch;                /* batch-coupled kinds in training: the values
                                    over the whole batch (mlpt_layer_ops.coupled
                                    per output), shared by every block; NULL:
                                    inference */
    /* Backward (after forward on the same rows): */
    float *d_out;                /* dL/d out, overwritten (kernel kinds: with dL/dZ) */
    float *d_in;                 /* gets dL/d in; NULL: not needed */
};

#endif
