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
#include "mlpt/tables.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_MAX_LAYERS 32
#define MLPT_MAX_INPUT_RANK 7
#define MLPT_MAX_UNITS (1 << 20) /* a dense layer's widest output */

/* One layer: its kind (an entry of mlpt_layer_kinds, mlpt/tables.h) and the
 * parameters kinds take. A kind whose parameters are new adds its field
 * here. */
struct mlpt_layer_spec {
    const mlpt_layer_ops *kind;
    int units;                               /* dense: output width, >= 1 */
    const mlpt_activation_ops *activation;   /* dense */
    float alpha;                             /* dense: its activation's parameter,
                                                when it takes one (0 otherwise) */
    const mlpt_initializer_ops *init;        /* dense kernel (NULL: glorot_uniform);
                                                biases start at zero */
    float rate;                              /* dropout: fraction dropped, in [0, 1) */
    float momentum;                          /* batchnorm: of its moving averages */
    float epsilon;                           /* batchnorm, layernorm: added to the
                                                variance */
};

typedef struct mlpt_model_spec {
    int input_rank;                          /* 1..MLPT_MAX_INPUT_RANK */
    size_t input_dims[MLPT_MAX_INPUT_RANK];  /* flattened in row-major order */
    int n_layers;
    mlpt_layer_spec layers[MLPT_MAX_LAYERS];
    const mlpt_loss_ops *loss;               /* its activation is the last layer's */
    float loss_param;                        /* the loss's parameter (huber's delta),
                                                when it takes one (0 otherwise) */
} mlpt_model_spec;

/* Parses one layer line, "dense 128 relu glorot_uniform", "dense 64
 * leaky_relu 0.1", "dropout 0.2" or "batchnorm momentum 0.9":
 * the one grammar of the config's `layer` lines and the model file's
 * "layers" metadata. Words are separated by blanks; the first names the
 * kind, whose entry parses the rest. On failure why says what is wrong
 * (the words it quotes are clipped and have control characters as '?'). */
int mlpt_layer_parse(const char *text, mlpt_layer_spec *l, mlpt_why *why);

/* The line mlpt_layer_parse reads back as l, exactly. */
void mlpt_layer_format(const mlpt_layer_spec *l, char *buf, size_t cap);

/* Where one layer lives in the parameter array and what it maps. */
struct mlpt_layer_geom {
    size_t in, out;          /* widths; equal for dropout */
    size_t w_offset;         /* dense: kernel offset in params; the first
                                parameter of other kinds */
    size_t b_offset;         /* dense: bias offset in params */
    size_t n_params;         /* in * out + out for dense, 0 for dropout,
                                4 * out for batchnorm */
    size_t n_trainable;      /* the first n_trainable of them are trained (all
                                but batchnorm's moving averages) */
};

typedef struct mlpt_model {
    mlpt_model_spec spec;
    size_t input_width;                   /* product of input_dims */
    size_t output_width;                  /* last layer's width */
    mlpt_layer_geom geom[MLPT_MAX_LAYERS];
    size_t n_params;
    float *params;                        /* n_params floats, 64-byte aligned */
} mlpt_model;

/* Checks spec (at least one layer, each as its kind plans it, a
 * last-layer-only activation only last, the last layer's activation the
 * loss's, widths, parameter count and its bytes without overflow) and
 * computes the geometry, leaving params NULL: enough to describe a model
 * without its memory. */
int mlpt_model_plan(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err);

/* mlpt_model_plan, then allocates zeroed parameters. */
int mlpt_model_create(const mlpt_model_spec *spec, mlpt_model *m, mlpt_error *err);

/* Keras's defaults: kernels from their initializer, biases zero; gamma one,
 * beta zero, moving means zero and moving variances one. The values
 * come from a counter-based generator keyed by (seed, layer, index), so
 * they do not depend on threads or on the order of initialisation. */
void mlpt_model_init_params(mlpt_model *m, uint64_t seed);

void mlpt_model_free(mlpt_model *m);

/* 64-bit FNV-1a hash of the parameters' bytes: equal fingerprints mean
 * (with overwhelming probability) bit-identical weights. */
uint64_t mlpt_model_fingerprint(const mlpt_model *m);

#ifdef __cplusplus
}
#endif
#endif
