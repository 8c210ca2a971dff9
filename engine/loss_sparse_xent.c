/* sparse_categorical_crossentropy: softmax outputs, one class label per
 * row. Computed from the logits: log-sum-exp after subtracting the row's
 * largest logit, so no exp overflows. */
#include <math.h>

#include "mlpt/metrics.h"
#include "mlpt/samples.h"

/* z, dz: rows x classes; y->labels: rows */
static void forward(size_t rows, size_t classes, float param, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss)
{
    (void)param;
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * classes;
        const float zmax = zr[mlpt_argmax(zr, classes)];
        float sum = 0.0f;
        for (size_t c = 0; c < classes; c++)
            sum += expf(zr[c] - zmax);
        const float log_sum = logf(sum);
        if (y)
            row_loss[r] = log_sum - (zr[y->labels[r]] - zmax);
        for (size_t c = 0; c < classes; c++)
            zr[c] = expf(zr[c] - zmax - log_sum);
        if (y && dz) { /* p - onehot(label) */
            float *dr = dz + r * classes;
            for (size_t c = 0; c < classes; c++)
                dr[c] = zr[c] - (c == y->labels[r] ? 1.0f : 0.0f);
        }
    }
}

const mlpt_loss_ops mlpt_sparse_categorical_crossentropy = {
    "sparse_categorical_crossentropy", "softmax", &mlpt_task_multiclass, &mlpt_task_multiclass,
    .forward = forward};
