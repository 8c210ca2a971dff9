/* huber [DELTA]: squared within DELTA of the target, linear beyond it
 * (Keras's Huber, delta 1 by default): 0.5 e^2 for |e| <= delta, else
 * delta (|e| - 0.5 delta). */
#include <math.h>

#include "loss_regression.h"
#include "mlpt/metrics.h"

static float huber(float e, float delta, float *d)
{
    if (fabsf(e) <= delta) {
        *d = e;
        return 0.5f * e * e;
    }
    *d = e > 0.0f ? delta : -delta;
    return delta * (fabsf(e) - 0.5f * delta);
}

static void forward(size_t rows, size_t width, float delta, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss)
{
    mlpt_error_loss(huber, rows, width, delta, z, y, dz, row_loss);
}

const mlpt_loss_ops mlpt_huber = {"huber", "linear", &mlpt_task_regression,
                                  &mlpt_task_regression, "delta", 1.0f, 1e30f, forward};
