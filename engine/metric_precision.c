/* precision and recall at a threshold of one half, counted over every
 * output of every row (micro-averaged for multi-label, as Keras's). */
#include <math.h>

#include "metric.h"

/* state: true positives, false positives, false negatives */
static void add(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t r = 0; r < m->rows; r++)
        for (size_t c = 0; c < m->width; c++) {
            const int said = m->out[r * m->width + c] > 0.5f, truth = mlpt_truth(m, r, c);
            state[0] += said && truth;
            state[1] += said && !truth;
            state[2] += !said && truth;
        }
}

static double share(double tp, double other)
{
    return tp + other > 0.0 ? tp / (tp + other) : (double)NAN;
}

static double precision(const double *state, size_t width, int arg)
{
    (void)width, (void)arg;
    return share(state[0], state[1]);
}

static double recall(const double *state, size_t width, int arg)
{
    (void)width, (void)arg;
    return share(state[0], state[2]);
}

const mlpt_metric_ops mlpt_metric_precision = {
    "precision", NULL, 0, 0, MLPT_TASK_BINARY | MLPT_TASK_MULTILABEL, true,
    3, 0, add, precision};
const mlpt_metric_ops mlpt_metric_recall = {
    "recall", NULL, 0, 0, MLPT_TASK_BINARY | MLPT_TASK_MULTILABEL, true, 3, 0, add, recall};
