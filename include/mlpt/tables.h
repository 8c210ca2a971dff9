/* mlpt/tables.h - what the engine can be extended with, one table per
 * concern: layer kinds, activations, initializers, losses (here) and
 * optimizers (mlpt/train.h).
 *
 * Each entry is a constant struct of its own ("ops") whose first member is
 * its name as configs write it; each lives in its own file under engine/
 * and is listed once in engine/tables.c. The config parser, the model file,
 * the console and the trainer loop over these tables and ask an entry what
 * they need of it; none of them names a kind. Adding one is a new entry
 * (a file) and its line in engine/tables.c (README: "How to add..."). */
#ifndef MLPT_TABLES_H
#define MLPT_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- looking entries up by name: one helper for every table ---- */

/* A table: NULL-terminated pointers to structs whose first member is
 * `const char *name`. */
#define MLPT_TABLE(t) ((const void *const *)(t))

/* The entry of table whose name is the len bytes at name; NULL if none. */
const void *mlpt_table_find(const void *const *table, const char *name, size_t len);

/* The index of the len bytes at name in a NULL-terminated list of words
 * (the choices of a setting); -1 if none. */
int mlpt_name_index(const char *const *names, const char *name, size_t len);

/* The entry's position in table; -1 when it is not there. */
int mlpt_table_index(const void *const *table, const void *entry);

/* The table's names joined by sep into buf (clipped to cap); returns buf. */
const char *mlpt_table_names(const void *const *table, const char *sep, char *buf, size_t cap);

/* ---- the entries' types ---- */

typedef struct mlpt_layer_spec mlpt_layer_spec;
typedef struct mlpt_layer_geom mlpt_layer_geom;
typedef struct mlpt_layer_io mlpt_layer_io; /* engine/layers.h: a block of rows */

/* The words of a layer line after its kind's word (`128 relu` of `dense
 * 128 relu`), for a kind's parse function. */
typedef struct mlpt_words {
    int n;
    const char *w[8];
} mlpt_words;

/* What a failed parse or plan writes: why, for the caller to place. */
typedef struct mlpt_why {
    char msg[192];
} mlpt_why;

/* A layer kind (engine/dense.c, engine/dropout.c, engine/batchnorm.c,
 * engine/layernorm.c). */
typedef struct mlpt_layer_ops {
    const char *name;       /* the config word: "dense" */
    const char *usage;      /* its grammar for messages: "dense UNITS ACTIVATION [ALPHA] [INITIALIZER]" */
    const char *keras_type; /* its type in the model summary: "Dense" */
    int min_args, max_args; /* words after the name */
    /* Its parameters are a kernel [in x out] and a bias [out], in that
     * order at geom.w_offset: the trainer forms their gradient row by row
     * from the layer input's non-zeros and dL/dZ (so the pass lists those
     * non-zeros and keeps dL/dZ), the model file stores them as tensors
     * "<name>_<k>.kernel" and ".bias", and the layer has an activation. */
    bool kernel;
    /* Whether layer l keeps one float per output value from forward to
     * backward in training, in io->kept (dropout's mask; dense's Z when its
     * activation's derivative is one of Z); NULL: never. */
    bool (*keeps)(const mlpt_layer_spec *l);
    /* Fills l (its kind already set) from the min_args to max_args words
     * after the name; on failure says why, naming the word and what was
     * expected. */
    int (*parse)(const mlpt_words *args, mlpt_layer_spec *l, mlpt_why *why);
    /* The layer's line as parse reads it back, name first, exactly. */
    void (*format)(const mlpt_layer_spec *l, char *buf, size_t cap);
    /* Its geometry for an input `in` wide whose parameters start at
     * `offset`: out, n_params (without overflow), the offsets. */
    int (*plan)(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why);
    /* Its initial parameters, keyed by (seed, layer, index); NULL: none. */
    void (*init)(const mlpt_layer_spec *l, const mlpt_layer_geom *g, uint32_t layer,
                 uint64_t seed, float *params);
    /* Forward and backward over a block of rows (engine/layers.h). */
    void (*forward)(const mlpt_layer_io *io);
    void (*backward)(const mlpt_layer_io *io);
    /* A kind without a kernel whose parameters are saved as these tensors,
     * NULL-terminated, each [out], one after the other from geom.w_offset
     * (the model file names them "<keras name>_<k>.<tensor>", the Keras
     * name being keras_type in snake case: batch_normalization_0.gamma);
     * the first geom.n_trainable parameters are trained, through gradient. */
    const char *const *tensors;
    /* g[0, len) = the gradient of the loss summed over a batch of parameters
     * [index, index + len) of the layer (index 0 at geom.w_offset), from
     * the batch's blocks (one per shard, in sample order, after backward):
     * each element one sum over the samples in sample order. */
    void (*gradient)(const mlpt_layer_io *blocks, size_t n_blocks, size_t index, size_t len,
                     float *g);
    /* Batch-coupled kinds (batchnorm): in training, forward and backward
     * need values over the whole batch, `coupled` floats per output (0:
     * each sample is computed on its own), in io->batch. The pass stops
     * before the layer for reduce_forward and at it going backward (after
     * the layers above have written d_out) for reduce_backward, which fill
     * them for outputs [f0, f1) (at most MLPT_REDUCE_FEATURES) from every
     * block of the batch: sums over samples in sample order, whatever the
     * threads, shards and processes. */
    int coupled;
    void (*reduce_forward)(const mlpt_layer_io *blocks, size_t n_blocks, size_t f0, size_t f1);
    void (*reduce_backward)(const mlpt_layer_io *blocks, size_t n_blocks, size_t f0, size_t f1);
    /* After a training step whose loss was finite, from the batch's values
     * (batchnorm's moving averages); NULL: nothing. */
    void (*after_step)(const mlpt_layer_spec *l, const mlpt_layer_geom *g, const float *batch,
                       float *params);
} mlpt_layer_ops;

/* The most outputs one call of reduce_forward or reduce_backward takes. */
#define MLPT_REDUCE_FEATURES 64

/* Keras's name of the kind's layers: keras_type in snake case ("Dense":
 * "dense", "BatchNormalization": "batch_normalization") into buf; returns
 * buf. */
const char *mlpt_keras_name(const mlpt_layer_ops *kind, char *buf, size_t cap);

/* An activation (engine/activations.c): element-wise, in place, over n
 * values, with its derivative written in terms of its output a = f(z)
 * where it can be (the output is kept anyway), else of z. */
typedef struct mlpt_activation_ops {
    const char *name;
    /* Row-wise and only on the last layer (softmax): it exists as the
     * outputs of the loss it pairs with, which computes it from the
     * logits; forward and backward are then NULL. */
    bool last_only;
    /* backward reads z, not a (f' is no function of f: gelu, silu); the
     * layer then keeps z from forward for it, in training only. */
    bool from_z;
    /* Its parameter, the word after its name in a layer line (leaky_relu's
     * slope "alpha"), in [0, alpha_max) and alpha_default when the line has
     * none; NULL: it takes none, and forward and backward get 0. */
    const char *alpha;
    float alpha_default, alpha_max;
    void (*forward)(size_t n, float *a, float alpha); /* a = f(a); NULL: identity */
    /* d *= f'(z), v being a = f(z), or z when from_z */
    void (*backward)(size_t n, const float *v, float alpha, float *d);
} mlpt_activation_ops;

/* A kernel initializer (engine/initializers.c): weights are uniform in
 * (-limit, limit); biases start at zero. */
typedef struct mlpt_initializer_ops {
    const char *name;
    double (*limit)(size_t fan_in, size_t fan_out);
} mlpt_initializer_ops;

/* What a loss or a metric compares the outputs with, per row. */
typedef struct mlpt_targets {
    const uint8_t *labels; /* label tasks: one class index per row */
    const float *values;   /* value tasks: `width` floats per row */
} mlpt_targets;

typedef struct mlpt_task mlpt_task; /* mlpt/metrics.h */

/* A loss (engine/loss_*.c). */
typedef struct mlpt_loss_ops {
    const char *name;       /* "sparse_categorical_crossentropy" */
    const char *activation; /* the last layer's activation it pairs with: "softmax" */
    /* The task it trains outputs 1 wide and wider for (mlpt/metrics.h). */
    const mlpt_task *task_one, *task_many;
    /* Its parameter, the word after its name (huber's "delta"), in (0,
     * param_max] and param_default when the line has none; NULL: none. */
    const char *param;
    float param_default, param_max;
    /* z[rows x width] holds the last layer's logits and gets its outputs
     * (the paired activation, computed stably from the logits). When y is
     * not NULL, row_loss[r] gets row r's loss (the mean over its width, as
     * Keras's) and, when dz is not NULL, dz the gradient of the rows'
     * summed loss w.r.t. the logits. */
    void (*forward)(size_t rows, size_t width, float param, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss);
} mlpt_loss_ops;

/* The tables (engine/tables.c), NULL-terminated. */
extern const mlpt_layer_ops *const mlpt_layer_kinds[];
extern const mlpt_activation_ops *const mlpt_activations[];
extern const mlpt_initializer_ops *const mlpt_initializers[];
extern const mlpt_loss_ops *const mlpt_losses[];

/* Typed lookups by a NUL-terminated name: NULL when there is none. */
const mlpt_layer_ops *mlpt_layer_kind_named(const char *name);
const mlpt_activation_ops *mlpt_activation_named(const char *name);
const mlpt_initializer_ops *mlpt_initializer_named(const char *name);
const mlpt_loss_ops *mlpt_loss_named(const char *name);

#ifdef __cplusplus
}
#endif
#endif
