/* mlpt/model.h - a multilayer perceptron: its description (spec), its
 * parameters, and inference.
 *
 * Parameters live in one contiguous float array so that the optimizer,
 * the gradient reduction and the fingerprint each make one pass over it.
 * A dense layer with `in` inputs and `out` units stores its kernel W as
 * in x out row-major (Keras's layout), followed by its bias b (out). */
#ifndef MLPT_MODEL_H
#define MLPT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_MAX_LAYERS 32
#define MLPT_MAX_INPUT_RANK 7

typedef enum { MLPT_LAYER_DENSE, MLPT_LAYER_DROPOUT } mlpt_layer_kind;

typedef enum {
    MLPT_ACT_LINEAR,
    MLPT_ACT_RELU,
    MLPT_ACT_SIGMOID,
    MLPT_ACT_TANH,
    MLPT_ACT_SOFTMAX /* only as the last layer, paired with the loss */
} mlpt_activation;

typedef enum { MLPT_INIT_GLOROT_UNIFORM, MLPT_INIT_HE_UNIFORM } mlpt_initializer;

typedef struct mlpt_layer_spec {
    mlpt_layer_kind kind;
    int units;                   /* dense: output width, >= 1 */
    mlpt_activation activation;  /* dense */
    mlpt_initializer init;       /* dense kernel; biases start at zero */
    float rate;                  /* dropout: fraction dropped, in [0, 1) */
} mlpt_layer_spec;

typedef struct mlpt_model_spec {
    int input_rank;                          /* 1..MLPT_MAX_INPUT_RANK */
    size_t input_dims[MLPT_MAX_INPUT_RANK];  /* flattened in row-major order */
    int n_layers;
    mlpt_layer_spec layers[MLPT_MAX_LAYERS];
} mlpt_model_spec;

/* Where one layer lives in the parameter array and what it maps. */
typedef struct mlpt_layer_geom {
    size_t in, out;          /* widths; equal for dropout */
    size_t w_offset;         /* dense: kernel offset in params */
    size_t b_offset;         /* dense: bias offset in params */
    size_t n_params;         /* in * out + out for dense, 0 for dropout */
} mlpt_layer_geom;

typedef struct mlpt_model {
    mlpt_model_spec spec;
    size_t input_width;                   /* product of input_dims */
    size_t output_width;                  /* last layer's width */
    mlpt_layer_geom geom[MLPT_MAX_LAYERS];
    size_t n_params;
    float *params;                        /* n_params floats, 64-byte aligned */
} mlpt_model;

/* Checks spec (at least one layer, the last one dense, softmax only last,
 * widths, parameter count and its bytes without overflow) and computes the
 * geometry,
 * leaving params NULL: enough to describe a model without its memory. */
int mlpt_model_plan(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err);

/* mlpt_model_plan, then allocates zeroed parameters. */
int mlpt_model_create(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err);

/* Keras's defaults: kernels from their initializer, biases zero. The values
 * come from a counter-based generator keyed by (seed, layer, index), so
 * they do not depend on threads or on the order of initialisation. */
void mlpt_model_init_params(mlpt_model *m, uint64_t seed);

void mlpt_model_free(mlpt_model *m);

/* 64-bit FNV-1a hash of the parameters' bytes: equal fingerprints mean
 * (with overwhelming probability) bit-identical weights. */
uint64_t mlpt_model_fingerprint(const mlpt_model *m);

/* Names as written in configs ("relu", "glorot_uniform"), indexed by the
 * enums above and NULL-terminated. */
extern const char *const mlpt_activation_names[];
extern const char *const mlpt_initializer_names[];

#ifdef __cplusplus
}
#endif
#endif
