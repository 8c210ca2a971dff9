/* accuracy: the fraction of rows whose predicted class (the task's:
 * argmax of a softmax, a sigmoid above one half) is their label. */
#include "metric.h"

/* state: correct, rows */
static void add(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t r = 0; r < m->rows; r++)
        state[0] += m->task->predict(m->out + r * m->width, m->width) == m->y.labels[r];
    state[1] += (double)m->rows;
}

const mlpt_metric_ops mlpt_metric_accuracy = {
    "accuracy", NULL, 0, 0, MLPT_TASK_MULTICLASS | MLPT_TASK_BINARY, true, 2, 0, add,
    mlpt_ratio_value};
