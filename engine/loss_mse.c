/* mean_squared_error: linear outputs against numeric targets. */
#include "loss_regression.h"
#include "mlpt/metrics.h"

static float squared(float e, float param, float *d)
{
    (void)param;
    *d = 2.0f * e;
    return e * e;
}

static void forward(size_t rows, size_t width, float param, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss)
{
    mlpt_error_loss(squared, rows, width, param, z, y, dz, row_loss);
}

const mlpt_loss_ops mlpt_mean_squared_error = {"mean_squared_error", "linear",
                                               &mlpt_task_regression, &mlpt_task_regression,
                                               .forward = forward};
