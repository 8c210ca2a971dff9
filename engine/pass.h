/* engine/pass.h - one forward (and backward) pass of a whole model over a
 * block of samples, with the buffers it needs allocated once.
 *
 * The trainer owns one workspace per logical shard; evaluation owns one per
 * thread. Everything a pass computes for a row depends only on that row's
 * sample and the parameters, so results never depend on how rows are
 * grouped into blocks or blocks onto threads. */
#ifndef MLPT_ENGINE_PASS_H
#define MLPT_ENGINE_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layers.h"
#include "mlpt/error.h"
#include "mlpt/model.h"
#include "mlpt/samples.h"

typedef struct mlpt_workspace {
    size_t capacity;                 /* rows it can hold */
    float *input;                    /* capacity x input_width: the inputs, dense,
                                        when the last gather wrote them (input_dense) */
    bool input_always;               /* the first layer has no kernel: it reads input */
    bool input_dense;                /* the last gather wrote input: the first layer
                                        has no kernel, or its inputs are dense enough
                                        for the dense kernels (mlpt_dense_pays) */
    float *act[MLPT_MAX_LAYERS];     /* capacity x geom[l].out: layer outputs */
    float *kept[MLPT_MAX_LAYERS];    /* training only, for layers whose kind keeps
                                        a value per output (mlpt_layer_ops.keeps) */
    float *delta[MLPT_MAX_LAYERS];   /* capacity x geom[l].out, training only: dL/d
                                        act[l], for kernel layers dL/dZ after backward */
    mlpt_nonzeros nz[MLPT_MAX_LAYERS];/* kernel layers: non-zeros of their input rows */
    size_t rows;                     /* rows of the last pass */
    uint32_t *ids;                   /* capacity sample ids */
    uint8_t *labels;                 /* capacity labels (label tasks) */
    float *targets;                  /* capacity x output width: value tasks' targets */
    float *row_loss;                 /* capacity: each row's loss in the last pass */
    double loss_sum;                 /* of the last pass, summed in row order */
} mlpt_workspace;

/* a * b and a + b, or SIZE_MAX when they overflow: memory estimates
 * saturate, and SIZE_MAX reads "more than can be counted". */
static inline size_t mlpt_mul_sat(size_t a, size_t b)
{
    size_t r;
    return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t mlpt_add_sat(size_t a, size_t b)
{
    size_t r;
    return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

/* The bytes mlpt_workspace_init allocates for capacity rows (without the
 * kernels' slack), saturating. */
size_t mlpt_workspace_bytes(const mlpt_model *m, size_t capacity, bool training);

/* Fails, before allocating, when the buffers' sizes could overflow. */
int mlpt_workspace_init(mlpt_workspace *ws, const mlpt_model *m, size_t capacity,
                        bool training, mlpt_error *err);
void mlpt_workspace_free(mlpt_workspace *ws);

/* lut[v] = v / scale for every byte v, as Keras's x / 255.0 (computed in
 * double, rounded once to float). Fails unless every entry is finite. */
int mlpt_scale_table(float lut[256], float scale, mlpt_error *err);

/* Checks that d's samples and targets fit model m (its task's: class
 * labels, or one value per output). */
int mlpt_check_data(const mlpt_model *m, const mlpt_samples *d, mlpt_error *err);

/* Gathers rows samples ids[0..rows) of d into ws: their targets, and their
 * input values (bytes through lut, the 256-entry table of d's scale;
 * floats divided by it; then normalized when d says so), listed as the
 * first layer's non-zeros, and written densely too when that layer has no
 * kernel or they are dense enough for the dense kernels. */
void mlpt_gather(mlpt_workspace *ws, const mlpt_samples *d, const uint32_t *ids,
                 size_t rows, const float lut[256]);

/* The targets gathered into ws, as losses and metrics read them. */
mlpt_targets mlpt_workspace_targets(const mlpt_workspace *ws);

/* Forward over the gathered rows, each layer by its kind, then the model's
 * loss, which turns the last layer's logits into its outputs (e.g. the
 * softmax probabilities) in ws->act[last]; each row's loss and their sum
 * go to ws. drop is NULL for inference (dropout is the identity, batchnorm
 * uses its moving averages); in training the gradient of the summed loss
 * w.r.t. the logits goes to ws->delta[last]. Training passes run in phases
 * (below). */
void mlpt_forward(const mlpt_model *m, mlpt_workspace *ws, size_t rows,
                  const mlpt_training *drop);

/* ---- a training pass over a batch held in several workspaces ----
 *
 * A batch-coupled layer (mlpt_layer_ops.coupled: batchnorm) needs every
 * sample of the batch before it computes, so the pass runs in phases: it
 * stops before each such layer going forward, and at it going backward
 * (once the layers above have written its d_out), for a reduction over
 * the whole batch. A model with k such layers has 2k + 1 phases: each
 * workspace runs phase p (mlpt_phase_run), then, but after the last,
 * every workspace's rows are reduced (mlpt_reduce over the chunks of
 * mlpt_reduce_chunks: they are independent, and each sums the batch's
 * samples in sample order), then phase p + 1. Without such layers, one
 * phase: forward, loss and backward. The pass leaves dL/d out of every
 * trained layer in ws->delta (dL/dZ for kernel layers), which with the
 * layer inputs' non-zeros (ws->nz) and the kept values is what the
 * gradient is formed from. */

/* The batch's values of its coupled layers (their reductions' results),
 * shared by every workspace's pass. */
typedef struct mlpt_coupling {
    float *values[MLPT_MAX_LAYERS]; /* geom.out x coupled floats for coupled layers */
} mlpt_coupling;

int mlpt_coupling_init(mlpt_coupling *c, const mlpt_model *m, mlpt_error *err);
void mlpt_coupling_free(mlpt_coupling *c);

int mlpt_phases(const mlpt_model *m);

/* Phase p of ws->rows rows (gathered before phase 0; none: nothing). */
void mlpt_phase_run(const mlpt_model *m, mlpt_workspace *ws, int p,
                    const mlpt_training *drop, const mlpt_coupling *c);

/* The coupled layer the reduction after phase p is for, and whether it is
 * its backward one. */
int mlpt_phase_layer(const mlpt_model *m, int p, bool *backward);

/* What the reduction after phase p reads of ws's rows that ws's own pass
 * wrote (processes exchange them): the coupled layer's input, or its
 * d_out and kept values. Returns how many buffers, each rows x width[i]. */
int mlpt_phase_rows(const mlpt_model *m, mlpt_workspace *ws, int p, float *buf[2],
                    size_t width[2]);

size_t mlpt_reduce_chunks(const mlpt_model *m, int p);
void mlpt_reduce(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int p,
                 size_t chunk, const mlpt_coupling *c);

/* After a training step whose loss is finite: batchnorm's moving averages
 * from the batch's statistics. */
void mlpt_after_step(mlpt_model *m, const mlpt_coupling *c);

/* g[0, len) = the gradient of the loss summed over the batch held in
 * workspaces ws[0, n_ws) (in sample order, after the pass) of parameters
 * [index, index + len) of layer l, a kind without a kernel
 * (mlpt_layer_ops.gradient). */
void mlpt_layer_gradient(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                         size_t index, size_t len, float *g);

/* The non-zeros of kernel layer l's input over a whole batch, held in
 * workspaces ws[0, n_ws) in sample order (each after its pass), for
 * kernel rows [r0, r1), listed by kernel row: row p's, in sample order, at
 * entries[start[p - r0], start[p - r0 + 1]), each with its sample's row of
 * dL/dZ. Row geom[l].in is the bias, whose input is 1 in every sample (the
 * parameters lay it out as one more kernel row), so r1 may be geom[l].in +
 * 1. entries holds at most batch x (r1 - r0) entries, start r1 - r0 + 1
 * offsets. */
typedef struct mlpt_row_lists {
    mlpt_entry *entries;
    uint32_t *start;
    int layer;
    size_t r0, r1;
} mlpt_row_lists;

void mlpt_list_rows(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                    size_t r0, size_t r1, mlpt_row_lists *lists);

/* g[0, len) = the gradient of the loss summed over the batch for kernel
 * row `row` (the bias when it is geom.in), columns [col, col + len), of the
 * layer whose rows lists holds. Each element is one sum over the batch's
 * samples in sample order, so the bits depend neither on threads nor on
 * how the batch is cut into workspaces. */
void mlpt_gradient(const mlpt_row_lists *lists, size_t row, size_t col, size_t len, float *g);

/* The dense counterpart of mlpt_row_lists, for a kernel layer whose input
 * is mostly non-zero over the batch (mlpt_batch_dense): the batch's inputs
 * of MLPT_PANEL kernel rows at a time as a dense panel, and each sample's
 * row of dL/dZ, for mlpt_gemm_tn_panel. Filled from the same non-zeros as
 * the lists, so the gradient has the same bits either way. */
typedef struct mlpt_row_panel {
    float *x;           /* batch x MLPT_PANEL: sample i's inputs of kernel rows
                           [r0, r0 + MLPT_PANEL) at x[i * MLPT_PANEL ..]; the
                           bias row's are 1, rows past it 0 */
    const float **d;    /* batch: sample i's row of dL/dZ */
    uint32_t *cursor;   /* batch: sample i's first non-zero not yet in the panel */
    const mlpt_workspace *ws;
    size_t n_ws, samples;
    int layer;          /* -1 before mlpt_panel_start */
    size_t r0;
} mlpt_row_panel;

/* Whether the non-zeros of kernel layer l's input over the whole batch, in
 * ws[0, n_ws) (after mlpt_backward), pay for the dense kernels. */
bool mlpt_batch_dense(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l);

/* Points p, whose buffers hold the batch, at kernel layer l's rows from r0
 * on, and fills the panel for rows [r0, r0 + MLPT_PANEL). */
void mlpt_panel_start(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                      size_t r0, mlpt_row_panel *p);

/* Moves the panel on to rows [r0, r0 + MLPT_PANEL), r0 past its last. */
void mlpt_panel_fill(const mlpt_model *m, mlpt_row_panel *p, size_t r0);

/* g[r * ldg + c] for r < rows, c < len = the gradient of the loss summed
 * over the batch for kernel row p->r0 + r, column col + c, each element one
 * sum over the batch's samples in sample order, as mlpt_gradient's. */
void mlpt_panel_gradient(const mlpt_row_panel *p, size_t rows, size_t col, size_t len,
                         float *g, size_t ldg);

#endif
