/* mae, mse and rmse: the mean absolute and squared error over every output
 * of every row (Keras's MeanAbsoluteError, MeanSquaredError,
 * RootMeanSquaredError). */
#include <math.h>

#include "metric.h"

/* state: summed error, outputs */
static void add_absolute(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t i = 0; i < m->rows * m->width; i++)
        state[0] += fabs((double)m->out[i] - m->y.values[i]);
    state[1] += (double)(m->rows * m->width);
}

static void add_squared(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t i = 0; i < m->rows * m->width; i++) {
        const double e = (double)m->out[i] - m->y.values[i];
        state[0] += e * e;
    }
    state[1] += (double)(m->rows * m->width);
}

static double root_mean(const double *state, size_t width, int arg)
{
    return sqrt(mlpt_ratio_value(state, width, arg));
}

const mlpt_metric_ops mlpt_metric_mae = {"mae", NULL, 0, 0, MLPT_TASK_REGRESSION, false,
                                         2, 0, add_absolute, mlpt_ratio_value};
const mlpt_metric_ops mlpt_metric_mse = {"mse", NULL, 0, 0, MLPT_TASK_REGRESSION, false,
                                         2, 0, add_squared, mlpt_ratio_value};
const mlpt_metric_ops mlpt_metric_rmse = {"rmse", NULL, 0, 0, MLPT_TASK_REGRESSION, false,
                                          2, 0, add_squared, root_mean};
