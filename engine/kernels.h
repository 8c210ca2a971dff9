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

/* dX[m x k] = D[m x n] W[k x n]^T */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX);

#endif
