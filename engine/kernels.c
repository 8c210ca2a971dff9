/* Compiled with -ffp-contract=fast: `acc + x * w` on vectors becomes one
 * fused multiply-add, like fmaf in the scalar loops. The choice is the
 * compiler's, made once per build, so it never varies with threads. */
#include "kernels.h"

#include <math.h>
#include <string.h>

/* 16 floats: one AVX-512 register, two AVX2 ones. aligned(4) allows
 * unaligned rows. */
typedef float vf __attribute__((vector_size(64), aligned(4)));
enum { VW = 16 };

/* Columns kept in registers across a walk of the non-zeros: 8 vectors fill
 * a quarter of AVX-512's 32 registers; AVX2 has 16 and gets 4 (8 ymm). */
#ifdef __AVX512F__
enum { NV = 8 };
#else
enum { NV = 4 };
#endif
enum { CB = NV * VW };

/* The block kernels take their vector count as an argument so that one body
 * serves the wide and the narrow blocks; inlining at every call site makes
 * it a constant, which is what keeps the accumulators in registers (a
 * non-inlined clone zeroes and spills them on the stack). */
#define BLOCK_KERNEL static inline __attribute__((always_inline)) void

void mlpt_find_nonzeros(size_t m, size_t k, const float *restrict X, mlpt_nonzeros *nz)
{
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * k;
        uint32_t *idx = nz->idx + i * k, c = 0;
        for (size_t p = 0; p < k; p++) {
            idx[c] = (uint32_t)p;
            c += x[p] != 0.0f;
        }
        nz->count[i] = c;
    }
}

/* z[j0, j0 + nv*VW) = b + sum over non-zeros of x[p] W[p, :], accumulated in
 * registers; `width` columns of it are stored. nv is a constant at each
 * call site, so the accumulators stay in registers. */
BLOCK_KERNEL bias_block(int nv, size_t n, size_t j0, size_t width, const float *x,
                              const uint32_t *idx, uint32_t count, const float *W,
                              const float *b, float *z)
{
    vf acc[NV];
    for (int v = 0; v < nv; v++)
        acc[v] = *(const vf *)(b + j0 + v * VW);
    for (uint32_t q = 0; q < count; q++) {
        const float xp = x[idx[q]];
        const float *w = W + idx[q] * n + j0;
        for (int v = 0; v < nv; v++)
            acc[v] += xp * *(const vf *)(w + v * VW);
    }
    if (width == (size_t)nv * VW) {
        for (int v = 0; v < nv; v++)
            *(vf *)(z + j0 + v * VW) = acc[v];
    } else {
        memcpy(z + j0, acc, width * sizeof *z);
    }
}

void mlpt_gemm_bias(size_t m, size_t k, size_t n, const float *restrict X,
                    const mlpt_nonzeros *nz, const float *restrict W,
                    const float *restrict b, float *restrict Z)
{
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * k;
        const uint32_t *idx = nz->idx + i * k, count = nz->count[i];
        size_t j0 = 0;
        for (; j0 + CB <= n; j0 += CB)
            bias_block(NV, n, j0, CB, x, idx, count, W, b, Z + i * n);
        for (; j0 < n; j0 += VW) /* one vector at a time; the last may be partial */
            bias_block(1, n, j0, n - j0 < VW ? n - j0 : VW, x, idx, count, W, b, Z + i * n);
    }
}

/* dW row p, columns [j0, j0 + nv*VW) = sum over samples i of X[i, p] D[i, :],
 * accumulated in registers; `width` columns are stored. Zero X[i, p] add
 * exact zeros: cheaper than a branch the data would mispredict. */
BLOCK_KERNEL tn_block(int nv, size_t m, size_t k, size_t n, size_t p, size_t j0,
                            size_t width, const float *X, const float *D, float *g)
{
    vf acc[NV];
    for (int v = 0; v < nv; v++)
        acc[v] = (vf){0};
    for (size_t i = 0; i < m; i++) {
        const float xp = X[i * k + p];
        const float *d = D + i * n + j0;
        for (int v = 0; v < nv; v++)
            acc[v] += xp * *(const vf *)(d + v * VW);
    }
    if (width == (size_t)nv * VW) {
        for (int v = 0; v < nv; v++)
            *(vf *)(g + j0 + v * VW) = acc[v];
    } else {
        memcpy(g + j0, acc, width * sizeof *g);
    }
}

void mlpt_gemm_tn(size_t m, size_t k, size_t n, const float *restrict X,
                  const mlpt_nonzeros *nz, const float *restrict D, float *restrict dW,
                  float *restrict db, uint8_t *restrict touched, uint32_t *restrict rows)
{
    memset(touched, 0, k);
    for (size_t i = 0; i < m; i++)
        for (uint32_t q = 0; q < nz->count[i]; q++)
            touched[nz->idx[i * k + q]] = 1;
    size_t n_rows = 0;
    for (size_t p = 0; p < k; p++) {
        rows[n_rows] = (uint32_t)p;
        n_rows += touched[p];
    }
    for (size_t r = 0; r < n_rows; r++) {
        const size_t p = rows[r];
        size_t j0 = 0;
        for (; j0 + CB <= n; j0 += CB)
            tn_block(NV, m, k, n, p, j0, CB, X, D, dW + p * n);
        for (; j0 < n; j0 += VW)
            tn_block(1, m, k, n, p, j0, n - j0 < VW ? n - j0 : VW, X, D, dW + p * n);
    }
    for (size_t j = 0; j < n; j++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++)
            s += D[i * n + j];
        db[j] = s;
    }
    touched[k] = m > 0;
}

/* The sum of v's 16 lanes, in a fixed pairwise order. */
static inline float sum_lanes(vf v)
{
    float t[VW];
    memcpy(t, &v, sizeof t);
    for (int width = VW / 2; width >= 1; width /= 2)
        for (int l = 0; l < width; l++)
            t[l] += t[l + width];
    return t[0];
}

/* dX[i0 .. i0+rows, p] for one W row p: each row's dot product in 16
 * partial sums (j mod 16), then the rest of the row one by one. `rows`
 * independent chains hide the FMA latency; it is a constant at each call. */
BLOCK_KERNEL nt_rows(int rows, size_t k, size_t n, size_t i0, size_t p, const float *D,
                     const float *W, float *dX)
{
    enum { RB = 4 };
    const float *w = W + p * n;
    vf acc[RB];
    for (int r = 0; r < rows; r++)
        acc[r] = (vf){0};
    size_t j = 0;
    for (; j + VW <= n; j += VW) {
        const vf wv = *(const vf *)(w + j);
        for (int r = 0; r < rows; r++)
            acc[r] += *(const vf *)(D + (i0 + (size_t)r) * n + j) * wv;
    }
    for (int r = 0; r < rows; r++) {
        const float *d = D + (i0 + (size_t)r) * n;
        float sum = sum_lanes(acc[r]);
        for (size_t jj = j; jj < n; jj++)
            sum = fmaf(d[jj], w[jj], sum);
        dX[(i0 + (size_t)r) * k + p] = sum;
    }
}

/* dX[i, p] is the dot product of D's row i with W's row p. Rows of at least
 * 16 go through nt_rows (W's row p loaded once for four samples); narrower
 * ones take eight partial sums (j mod 8) combined in a fixed order. */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX)
{
    if (n >= VW) {
        size_t i0 = 0;
        for (; i0 + 4 <= m; i0 += 4)
            for (size_t p = 0; p < k; p++)
                nt_rows(4, k, n, i0, p, D, W, dX);
        for (; i0 < m; i0++)
            for (size_t p = 0; p < k; p++)
                nt_rows(1, k, n, i0, p, D, W, dX);
        return;
    }
    enum { LANES = 8 };
    for (size_t i = 0; i < m; i++) {
        const float *d = D + i * n;
        for (size_t p = 0; p < k; p++) {
            const float *w = W + p * n;
            float acc[LANES] = {0};
            for (size_t j = 0; j + LANES <= n; j += LANES)
                for (size_t l = 0; l < LANES; l++)
                    acc[l] = fmaf(d[j + l], w[j + l], acc[l]);
            float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                        ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            for (size_t j = n - n % LANES; j < n; j++)
                sum = fmaf(d[j], w[j], sum);
            dX[i * k + p] = sum;
        }
    }
}
