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

/* The forward product asks for the weight row of the non-zero PF places
 * ahead: with two threads, half of the rows were just written by the other
 * core, and a miss there is slower than the FMAs between two rows. */
enum { PF = 4 };

/* The block kernels take their vector count as an argument so that one body
 * serves the wide and the narrow blocks; inlining at every call site makes
 * it a constant, which is what keeps the accumulators in registers (a
 * non-inlined clone zeroes and spills them on the stack). */
#define BLOCK_KERNEL static inline __attribute__((always_inline)) void

/* g[0, width) = acc, where acc holds nv vectors and width is nv*VW or,
 * for one partial vector, less. */
BLOCK_KERNEL store_block(int nv, size_t width, const vf *acc, float *g)
{
    if (width == (size_t)nv * VW) {
        for (int v = 0; v < nv; v++)
            *(vf *)(g + v * VW) = acc[v];
    } else {
        memcpy(g, acc, width * sizeof *g);
    }
}

void mlpt_find_nonzeros(size_t m, size_t k, const float *restrict X, mlpt_nonzeros *nz)
{
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * k;
        uint32_t *idx = nz->idx + i * k, c = 0;
        for (size_t p = 0; p < k; p++) {
            idx[c] = (uint32_t)p;
            c += x[p] != 0.0f;
        }
        float *val = nz->val + i * k;
        for (uint32_t q = 0; q < c; q++)
            val[q] = x[idx[q]];
        nz->count[i] = c;
    }
}

/* z[j0, j0 + nv*VW) = b + sum over the row's non-zeros of x[p] W[p, :],
 * accumulated in registers; `width` columns of it are stored. nv is a
 * constant at each call site, so the accumulators stay in registers. */
BLOCK_KERNEL bias_block(int nv, size_t n, size_t j0, size_t width, const uint32_t *idx,
                        const float *val, uint32_t count, const float *W, const float *b,
                        float *z)
{
    vf acc[NV];
    for (int v = 0; v < nv; v++)
        acc[v] = *(const vf *)(b + j0 + v * VW);
    for (uint32_t q = 0; q < count; q++) {
        const float xp = val[q];
        const float *w = W + idx[q] * n + j0;
        if (q + PF < count)
            for (int v = 0; v < nv; v++)
                __builtin_prefetch(W + idx[q + PF] * n + j0 + v * VW);
        for (int v = 0; v < nv; v++)
            acc[v] += xp * *(const vf *)(w + v * VW);
    }
    store_block(nv, width, acc, z + j0);
}

void mlpt_gemm_bias(size_t m, size_t k, size_t n, const mlpt_nonzeros *nz,
                    const float *restrict W, const float *restrict b, float *restrict Z)
{
    for (size_t i = 0; i < m; i++) {
        const uint32_t *idx = nz->idx + i * k, count = nz->count[i];
        const float *val = nz->val + i * k;
        size_t j0 = 0;
        for (; j0 + CB <= n; j0 += CB)
            bias_block(NV, n, j0, CB, idx, val, count, W, b, Z + i * n);
        for (; j0 < n; j0 += VW) /* one vector at a time; the last may be partial */
            bias_block(1, n, j0, n - j0 < VW ? n - j0 : VW, idx, val, count, W, b, Z + i * n);
    }
}

/* Columns [c, c + nv*VW) of one kernel row of X^T D: the entries' x * d
 * summed in order, in registers; `width` columns are stored. */
BLOCK_KERNEL tn_block(int nv, const mlpt_entry *e, size_t count, size_t c, size_t width,
                      float *g)
{
    vf acc[NV];
    for (int v = 0; v < nv; v++)
        acc[v] = (vf){0};
    for (size_t q = 0; q < count; q++) {
        const float *d = e[q].d + c;
        for (int v = 0; v < nv; v++)
            acc[v] += e[q].x * *(const vf *)(d + v * VW);
    }
    store_block(nv, width, acc, g);
}

void mlpt_gemm_tn_row(const mlpt_entry *e, size_t count, size_t c0, size_t len,
                      float *restrict g)
{
    size_t j0 = 0;
    for (; j0 + CB <= len; j0 += CB)
        tn_block(NV, e, count, c0 + j0, CB, g + j0);
    for (; j0 < len; j0 += VW)
        tn_block(1, e, count, c0 + j0, len - j0 < VW ? len - j0 : VW, g + j0);
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
