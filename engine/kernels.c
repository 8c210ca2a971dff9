#include "kernels.h"

#include <math.h>
#include <string.h>

/* Z: each row starts from the bias and takes x[p] * W[p, :] for every
 * non-zero x[p], in p order; the inner loop runs over n and vectorises. */
void mlpt_gemm_bias(size_t m, size_t k, size_t n, const float *restrict X,
                    const float *restrict W, const float *restrict b, float *restrict Z)
{
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * k;
        float *z = Z + i * n;
        memcpy(z, b, n * sizeof *z);
        for (size_t p = 0; p < k; p++) {
            const float xp = x[p];
            if (xp == 0.0f)
                continue;
            const float *w = W + p * n;
            for (size_t j = 0; j < n; j++)
                z[j] = fmaf(xp, w[j], z[j]);
        }
    }
}

void mlpt_gemm_tn_acc(size_t m, size_t k, size_t n, const float *restrict X,
                      const float *restrict D, float *restrict dW, float *restrict db)
{
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * k;
        const float *d = D + i * n;
        for (size_t j = 0; j < n; j++)
            db[j] += d[j];
        for (size_t p = 0; p < k; p++) {
            const float xp = x[p];
            if (xp == 0.0f)
                continue;
            float *g = dW + p * n;
            for (size_t j = 0; j < n; j++)
                g[j] = fmaf(xp, d[j], g[j]);
        }
    }
}

/* dX[i, p] is the dot product of D's row i with W's row p. Eight partial
 * sums (j mod 8) let it vectorise; they are combined in a fixed order. */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX)
{
    enum { LANES = 8 };
    const size_t n8 = n - n % LANES;
    for (size_t i = 0; i < m; i++) {
        const float *d = D + i * n;
        for (size_t p = 0; p < k; p++) {
            const float *w = W + p * n;
            float acc[LANES] = {0};
            for (size_t j = 0; j < n8; j += LANES)
                for (size_t l = 0; l < LANES; l++)
                    acc[l] = fmaf(d[j + l], w[j + l], acc[l]);
            float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                      ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            for (size_t j = n8; j < n; j++)
                s = fmaf(d[j], w[j], s);
            dX[i * k + p] = s;
        }
    }
}
