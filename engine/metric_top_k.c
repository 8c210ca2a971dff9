/* top_k_accuracy K: the fraction of rows whose label is among the K most
 * probable classes (fewer than K classes score higher than it), as Keras's
 * SparseTopKCategoricalAccuracy (K 5 by default). */
#include "metric.h"

/* state: hits, rows */
static void add(const mlpt_metric_rows *m, int k, double *state)
{
    for (size_t r = 0; r < m->rows; r++) {
        const float *p = m->out + r * m->width, mine = p[m->y.labels[r]];
        size_t above = 0;
        for (size_t c = 0; c < m->width; c++)
            above += p[c] > mine;
        state[0] += above < (size_t)k;
    }
    state[1] += (double)m->rows;
}

const mlpt_metric_ops mlpt_metric_top_k_accuracy = {
    "top_k_accuracy", "K", 5, 1000, MLPT_TASK_MULTICLASS, true, 2, 0, add,
    mlpt_ratio_value};
