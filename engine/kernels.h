/* engine/kernels.h - the dense layer's matrix products, row-major.
 *
 * Inputs are sparse: MNIST pixels are 81% zero, and relu and dropout zero
 * about half the hidden units. Each input row's non-zeros are listed once
 * (branch-free): the forward product walks them by row, the weight gradient
 * by kernel row (the same non-zeros regrouped), so no kernel branches on the
 * data. Every output element is computed by one fixed sequence of fused
 * multiply-adds that depends on the shapes and the data, never on threads.
 *
 * Every buffer a kernel reads must have MLPT_SLACK floats of readable
 * memory after its end: narrow rows are read a whole vector at a time, and
 * the lanes past the row are never stored. */
#ifndef MLPT_ENGINE_KERNELS_H
#define MLPT_ENGINE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

enum { MLPT_SLACK = 16 };

/* The non-zeros of X[m x k] by row: row i has count[i] of them, in
 * increasing column order, columns at idx[i*k ..] and values at
 * val[i*k ..]. */
typedef struct mlpt_nonzeros {
    uint32_t *idx;   /* m * k */
    float *val;      /* m * k */
    uint32_t *count; /* m */
} mlpt_nonzeros;

void mlpt_find_nonzeros(size_t m, size_t k, const float *restrict X, mlpt_nonzeros *nz);

/* Z[m x n] = X[m x k] W[k x n] + b[n], over X's non-zeros in column order. */
void mlpt_gemm_bias(size_t m, size_t k, size_t n, const mlpt_nonzeros *nz,
                    const float *restrict W, const float *restrict b, float *restrict Z);

/* One non-zero X[i, p] of a layer's input, with D's row i, as the weight
 * gradient X^T D reads it. */
typedef struct mlpt_entry {
    const float *d;
    float x;
} mlpt_entry;

/* g[0, len) = the sum over e[0, count), in order, of x * d[c0, c0 + len):
 * one kernel row of X^T D, accumulated in registers (0 when count is 0). */
void mlpt_gemm_tn_row(const mlpt_entry *e, size_t count, size_t c0, size_t len,
                      float *restrict g);

/* The dense path, for inputs mostly non-zero (MNIST's hidden layers, most
 * users' data): register tiles of MLPT_PANEL rows by up to 48 columns,
 * each element of which is still one chain of fused multiply-adds over the
 * reduction index in increasing order, as the sparse kernels form it. A
 * zero term leaves a finite sum's bits unchanged (x + 0 * w == x, and a sum
 * that starts at +0 never becomes -0), so with finite values the dense and
 * the sparse kernels give the same bits: which one runs is a matter of
 * speed only (mlpt_dense_pays). */
enum { MLPT_PANEL = 8 };

/* Whether the dense kernels beat the sparse ones for an input of `values`
 * values of which `nonzeros` are non-zero: measured on one core, the dense
 * forward product overtakes the sparse one at about 40% non-zero for
 * shards of 16 rows by 784 or 1024 inputs and 512 units, and at about 65%
 * for 4 rows by 784 and 128. */
static inline int mlpt_dense_pays(size_t nonzeros, size_t values)
{
    return nonzeros >= values / 2;
}

/* Z[m x n] = X[m x k] W[k x n] + b[n], X dense: per element b, then
 * X[i, p] W[p, j] for p = 0 .. k-1, as mlpt_gemm_bias. */
void mlpt_gemm_bias_dense(size_t m, size_t k, size_t n, const float *restrict X,
                          const float *restrict W, const float *restrict b, float *restrict Z);

/* G[r, c] (rows r < rows <= MLPT_PANEL, columns c < len, row stride ldg) =
 * sum over samples i = 0 .. batch-1 in order of A[i, r] * d[i][c0 + c]: A is
 * the panel [batch x MLPT_PANEL] of MLPT_PANEL kernel rows' inputs, d[i]
 * sample i's row of dL/dZ. Each element as mlpt_gemm_tn_row forms it over
 * the non-zero A[i, r]. */
void mlpt_gemm_tn_panel(size_t batch, size_t rows, const float *restrict A,
                        const float *const *d, size_t c0, size_t len, float *restrict G,
                        size_t ldg);

/* dX[m x k] = D[m x n] W[k x n]^T */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX);

#endif
