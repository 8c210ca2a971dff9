#include <math.h>

#include "layers.h"

void mlpt_softmax_xent(size_t rows, size_t classes, float *z, const uint8_t *labels,
                       float *dz, float *row_loss, size_t *correct)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * classes;
        size_t argmax = 0;
        for (size_t c = 1; c < classes; c++)
            if (zr[c] > zr[argmax])
                argmax = c;
        const float zmax = zr[argmax];
        float sum = 0.0f;
        for (size_t c = 0; c < classes; c++)
            sum += expf(zr[c] - zmax);
        const float log_sum = logf(sum);
        if (labels) {
            const size_t y = labels[r];
            row_loss[r] = log_sum - (zr[y] - zmax);
            *correct += argmax == y;
        }
        for (size_t c = 0; c < classes; c++)
            zr[c] = expf(zr[c] - zmax - log_sum);
        if (labels && dz) {
            float *dr = dz + r * classes;
            for (size_t c = 0; c < classes; c++)
                dr[c] = zr[c] - (c == labels[r] ? 1.0f : 0.0f);
        }
    }
}
