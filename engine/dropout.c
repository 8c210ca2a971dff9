#include "layers.h"
#include "rng.h"

void mlpt_dropout_forward(float rate, uint32_t layer, const mlpt_dropout_keys *keys,
                          size_t rows, size_t width, const float *in, float *out, float *mask)
{
    const float scale = 1.0f / (1.0f - rate);
    for (size_t r = 0; r < rows; r++) {
        float *mk = mask + r * width;
        /* unit u draws word u % 4 of counter u / 4, 64 units at a time */
        for (size_t u = 0; u < width; u += 64) {
            uint32_t w[64];
            mlpt_random4x16(keys->seed, MLPT_STREAM_DROPOUT, layer, keys->epoch,
                            keys->sample_ids[r], (uint32_t)(u / 4), w);
            for (size_t i = 0; i < 64 && u + i < width; i++)
                mk[u + i] = mlpt_unit_float(w[i]) >= rate ? scale : 0.0f;
        }
    }
    for (size_t i = 0; i < rows * width; i++)
        out[i] = in[i] * mask[i];
}

void mlpt_dropout_backward(size_t rows, size_t width, const float *mask, const float *d_out,
                           float *d_in)
{
    for (size_t i = 0; i < rows * width; i++)
        d_in[i] = d_out[i] * mask[i];
}
