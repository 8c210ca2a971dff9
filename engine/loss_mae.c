/* mean_absolute_error: linear outputs against numeric targets; its
 * derivative at a zero error is taken as 0 (as TensorFlow's sign). */
#include <math.h>

#include "loss_regression.h"
#include "mlpt/metrics.h"

static float absolute(float e, float param, float *d)
{
    (void)param;
    *d = (float)(e > 0.0f) - (float)(e < 0.0f);
    return fabsf(e);
}

static void forward(size_t rows, size_t width, float param, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss)
{
    mlpt_error_loss(absolute, rows, width, param, z, y, dz, row_loss);
}

const mlpt_loss_ops mlpt_mean_absolute_error = {"mean_absolute_error", "linear",
                                                &mlpt_task_regression, &mlpt_task_regression,
                                                .forward = forward};
