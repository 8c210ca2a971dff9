/* engine/loss_regression.h - the regression losses' shared shape: each is
 * the mean over a row's outputs of a function of the error e = z - y
 * (linear outputs: z is the output), with its derivative. */
#ifndef MLPT_ENGINE_LOSS_REGRESSION_H
#define MLPT_ENGINE_LOSS_REGRESSION_H

#include <stddef.h>

#include "mlpt/tables.h"

/* f(e) and f'(e) for one error, with the loss's parameter. */
typedef float (*mlpt_error_fn)(float e, float param, float *derivative);

/* z, dz: rows x width; y->values: rows x width. The outputs stay z. */
static inline void mlpt_error_loss(mlpt_error_fn f, size_t rows, size_t width, float param,
                                   const float *z, const mlpt_targets *y, float *dz,
                                   float *row_loss)
{
    if (!y)
        return;
    const float per = 1.0f / (float)width;
    for (size_t r = 0; r < rows; r++) {
        float sum = 0.0f;
        for (size_t c = 0; c < width; c++) {
            float d;
            sum += f(z[r * width + c] - y->values[r * width + c], param, &d);
            if (dz)
                dz[r * width + c] = d * per;
        }
        row_loss[r] = sum * per;
    }
}

#endif
