/* binary_crossentropy: sigmoid outputs, each judged against a 0/1 target:
 * one class label per row (binary: class 1 is the positive one) or one
 * value per output (multi-label). From the logit z, as Keras's
 * from_logits form: max(z, 0) - z y + log(1 + exp(-|z|)), which neither
 * overflows nor loses the loss of a confident mistake to rounding; the
 * row's loss is the mean over its outputs. */
#include <math.h>

#include "mlpt/metrics.h"

/* z, dz: rows x width; y: labels[rows] (width 1) or values[rows x width] */
static void forward(size_t rows, size_t width, float param, float *z, const mlpt_targets *y,
                    float *dz, float *row_loss)
{
    (void)param;
    const float per = 1.0f / (float)width;
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * width, sum = 0.0f;
        for (size_t c = 0; c < width; c++) {
            const float v = zr[c];
            const float p = v >= 0.0f ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v));
            if (y) {
                const float t = y->values ? y->values[r * width + c] : (float)y->labels[r];
                sum += fmaxf(v, 0.0f) - v * t + log1pf(expf(-fabsf(v)));
                if (dz)
                    dz[r * width + c] = (p - t) * per;
            }
            zr[c] = p;
        }
        if (y)
            row_loss[r] = sum * per;
    }
}

const mlpt_loss_ops mlpt_binary_crossentropy = {"binary_crossentropy", "sigmoid",
                                                &mlpt_task_binary, &mlpt_task_multilabel,
                                                .forward = forward};
