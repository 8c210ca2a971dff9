/* engine/kernels.h - the dense layer's matrix products, row-major.
 *
 * Inputs are sparse: MNIST pixels are 81% zero, and relu and dropout zero
 * about half the hidden units. Each input row's non-zero columns are listed
 * once (branch-free) and both products walk that list, so no kernel
 * branches on the data. Every output element is computed by one fixed
 * sequence of fused multiply-adds that depends on the shapes and the data,
 * never on threads.
 *
 * Every buffer a kernel reads must have MLPT_SLACK floats of readable
 * memory after its end: narrow rows are read a whole vector at a time, and
 * the lanes past the row are never stored. */
#ifndef MLPT_ENGINE_KERNELS_H
#define MLPT_ENGINE_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MLPT_SLACK = 16 };

/* The non-zero columns of each row of X[m x k]: row i has count[i] of them,
 * in increasing order, at idx[i*k .. i*k + count[i]). */
typedef struct mlpt_nonzeros {
    uint32_t *idx;   /* m * k */
    uint32_t *count; /* m */
} mlpt_nonzeros;

void mlpt_find_nonzeros(size_t m, size_t k, const float *restrict X, mlpt_nonzeros *nz);

/* Z[m x n] = X[m x k] W[k x n] + b[n], over X's non-zeros in column order. */
void mlpt_gemm_bias(size_t m, size_t k, size_t n, const float *restrict X,
                    const mlpt_nonzeros *nz, const float *restrict W,
                    const float *restrict b, float *restrict Z);

/* touched[p] = 1 when some row of X[m x k] has a non-zero in column p,
 * else 0, for p < k. */
void mlpt_mark_columns(size_t m, size_t k, const mlpt_nonzeros *nz, uint8_t *restrict touched);

/* Row p of dW[k x n] = X[m x k]^T D[m x n], columns [c0, c0 + len): each
 * element summed over the samples in row order, in registers, then stored
 * to g[0, len) (add false) or added to it (add true). */
void mlpt_gemm_tn_row(size_t m, size_t k, size_t n, const float *restrict X,
                      const float *restrict D, size_t p, size_t c0, size_t len, bool add,
                      float *restrict g);

/* Column sums of D[m x n] for columns [c0, c0 + len), each summed in row
 * order, stored to g[0, len) or added to it, as mlpt_gemm_tn_row. */
void mlpt_column_sums(size_t m, size_t n, const float *restrict D, size_t c0, size_t len,
                      bool add, float *restrict g);

/* dX[m x k] = D[m x n] W[k x n]^T */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX);

#endif
