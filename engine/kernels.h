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

/* dW[k x n] = X[m x k]^T D[m x n] and db[n] = column sums of D, each
 * element summed over the samples in row order. Only the rows p that some
 * non-zero X[i, p] reaches are written; touched[p] says which (touched[k]
 * is the bias, written unless m is 0). rows is scratch for k indices. */
void mlpt_gemm_tn(size_t m, size_t k, size_t n, const float *restrict X,
                  const mlpt_nonzeros *nz, const float *restrict D, float *restrict dW,
                  float *restrict db, uint8_t *restrict touched, uint32_t *restrict rows);

/* dX[m x k] = D[m x n] W[k x n]^T */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX);

#endif
