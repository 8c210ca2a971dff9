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
#include "mlpt/dataset.h"
#include "mlpt/error.h"
#include "mlpt/model.h"

typedef struct mlpt_workspace {
    size_t capacity;                 /* rows it can hold */
    float *input;                    /* capacity x input_width */
    float *act[MLPT_MAX_LAYERS];     /* capacity x geom[l].out: layer outputs */
    float *mask[MLPT_MAX_LAYERS];    /* dropout keep factors; training only */
    float *delta[MLPT_MAX_LAYERS];   /* capacity x geom[l].out, training only: dL/d
                                        act[l], for dense layers dL/dZ after backward */
    mlpt_nonzeros input_nz;          /* non-zeros of the gathered input rows */
    mlpt_nonzeros nz[MLPT_MAX_LAYERS];/* dense l > 0: non-zeros of its input rows */
    uint8_t *touched[MLPT_MAX_LAYERS];/* dense, training: kernel rows (and, last,
                                        the bias) the rows' non-zero inputs reach */
    size_t rows;                     /* rows of the last pass */
    uint32_t *ids;                   /* capacity sample ids */
    uint8_t *labels;                 /* capacity labels */
    double loss_sum;                 /* of the last pass */
    size_t correct;                  /* of the last pass */
} mlpt_workspace;

int mlpt_workspace_init(mlpt_workspace *ws, const mlpt_model *m, size_t capacity,
                        bool training, mlpt_error *err);
void mlpt_workspace_free(mlpt_workspace *ws);

/* lut[v] = v / scale for every byte v, as Keras's x / 255.0 (computed in
 * double, rounded once to float). Fails unless every entry is finite. */
int mlpt_scale_table(float lut[256], float scale, mlpt_error *err);

/* Checks that d's samples and labels fit model m. */
int mlpt_check_data(const mlpt_model *m, const mlpt_dataset *d, mlpt_error *err);

/* Gathers rows samples ids[0..rows) of d into ws: inputs scaled through
 * lut (a 256-entry byte-to-float table) with their non-zeros listed for the
 * first dense layer, and labels. */
void mlpt_gather(mlpt_workspace *ws, const mlpt_dataset *d, const uint32_t *ids,
                 size_t rows, const float lut[256]);

/* Forward over the gathered rows, then the softmax and the loss: the
 * probabilities end in ws->act[last], the loss sum and correct count in ws.
 * drop is NULL for inference (dropout is the identity); in training the
 * gradient of the summed loss w.r.t. the logits goes to ws->delta[last]. */
void mlpt_forward(const mlpt_model *m, mlpt_workspace *ws, size_t rows,
                  const mlpt_dropout_keys *drop);

/* Backward from the logits' gradient: leaves dL/dZ of every dense layer in
 * ws->delta and flags in ws->touched the kernel rows the rows' inputs
 * reach. The weight gradient is then read with mlpt_gradient. */
void mlpt_backward(const mlpt_model *m, mlpt_workspace *ws, size_t rows);

/* g[0, len) = the gradient of the loss summed over the rows of the
 * workspaces ws[0, n_ws), each after mlpt_backward, for dense layer l's
 * kernel row `row` (its bias when row is geom[l].in), columns
 * [col, col + len): each workspace's sum over its rows in row order, the
 * workspaces' sums added in workspace order, those whose inputs never
 * reach the row skipped. The order is fixed by the workspaces alone, so
 * the trainer's logical shards give the same bits on any thread. */
void mlpt_gradient(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                   size_t row, size_t col, size_t len, float *g);

#endif
