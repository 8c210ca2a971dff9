/* binary_accuracy: the fraction of outputs on the right side of one half,
 * over every output of every row (Keras's BinaryAccuracy). */
#include "metric.h"

/* state: right outputs, outputs */
static void add(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t r = 0; r < m->rows; r++)
        for (size_t c = 0; c < m->width; c++)
            state[0] += (m->out[r * m->width + c] > 0.5f) == mlpt_truth(m, r, c);
    state[1] += (double)(m->rows * m->width);
}

const mlpt_metric_ops mlpt_metric_binary_accuracy = {
    "binary_accuracy", NULL, 0, 0, MLPT_TASK_BINARY | MLPT_TASK_MULTILABEL, true,
    2, 0, add, mlpt_ratio_value};
