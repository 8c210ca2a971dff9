/* Inference over a data set in fixed blocks of samples: EVAL_ROWS, or fewer
 * for a model whose workspace rows are wide (the block size follows from
 * the model alone). Threads take whole blocks; each block's loss is summed
 * in row order and the block sums in block order, and the metrics are added
 * up over the outputs in sample order afterwards, so the figures do not
 * depend on the thread count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fpmode.h"
#include "mlpt/train.h"
#include "pass.h"

enum { EVAL_ROWS = 256, EVAL_BYTES = 3 << 20 };

/* EVAL_ROWS, halved while a workspace would take more than EVAL_BYTES. */
static size_t block_rows(const mlpt_model *m)
{
    size_t rows = EVAL_ROWS;
    while (rows > 16 && mlpt_workspace_bytes(m, rows, false) > EVAL_BYTES)
        rows /= 2;
    return rows;
}

int mlpt_evaluate(const mlpt_model *m, const mlpt_samples *d, const mlpt_metric_list *metrics,
                  int threads, float *probs, mlpt_eval_result *out, mlpt_error *err)
{
    float lut[256];
    if (mlpt_check_data(m, d, err) < 0 || mlpt_scale_table(lut, d->scale, err) < 0)
        return -1;
    if (threads < 1)
        return mlpt_fail(err, "evaluate needs at least one thread, not %d", threads);
    memset(out, 0, sizeof *out);
    out->n = d->n;
    if (d->n == 0)
        return 0;

    const size_t width = m->output_width;
    const size_t block = block_rows(m), n_blocks = (d->n + block - 1) / block;
    mlpt_workspace *ws = calloc((size_t)threads, sizeof *ws);
    double *block_loss = calloc(n_blocks, sizeof *block_loss);
    float *outputs = probs ? probs : malloc(d->n * width * sizeof *outputs);
    double *state = calloc(mlpt_metrics_state_len(metrics, width) + 1, sizeof *state);
    int failed = !ws || !block_loss || !outputs || !state;
    if (failed)
        mlpt_fail(err, "out of memory for evaluation");
    for (int i = 0; !failed && i < threads; i++)
        failed = mlpt_workspace_init(&ws[i], m, block, false, err) < 0;
    if (!failed) {
        const int last = m->spec.n_layers - 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (long b = 0; b < (long)n_blocks; b++) {
            mlpt_flush_denormals();
            mlpt_workspace *w = &ws[omp_get_thread_num()];
            const size_t lo = (size_t)b * block;
            const size_t rows = d->n - lo < block ? d->n - lo : block;
            uint32_t ids[EVAL_ROWS];
            for (size_t r = 0; r < rows; r++)
                ids[r] = (uint32_t)(lo + r);
            mlpt_gather(w, d, ids, rows, lut);
            mlpt_forward(m, w, rows, NULL);
            block_loss[b] = w->loss_sum;
            memcpy(outputs + lo * width, w->act[last], rows * width * sizeof *outputs);
        }
        double loss = 0.0;
        for (size_t b = 0; b < n_blocks; b++)
            loss += block_loss[b];
        out->loss = loss / (double)d->n;
        const mlpt_metric_rows all = {d->n, width, outputs,
                                      {.labels = d->labels, .values = d->targets},
                                      mlpt_task_of(m->spec.loss, width)};
        mlpt_metrics_add(metrics, &all, state);
        mlpt_metrics_values(metrics, width, state, out->metrics);
    }
    if (ws)
        for (int i = 0; i < threads; i++)
            mlpt_workspace_free(&ws[i]);
    free(ws);
    free(block_loss);
    if (outputs != probs)
        free(outputs);
    free(state);
    return failed ? -1 : 0;
}
