/* engine/kernels.h - the dense layer's matrix products, row-major.
 *
 * Each kernel computes every output element with one fixed sequence of
 * fused multiply-adds (fmaf: correctly rounded, so the same on every
 * CPU that has it and in scalar or vector code), and never sums across
 * rows of different samples in a data-dependent order. Zero inputs are
 * skipped: MNIST pixels are 81% zero, and skipping changes no result but
 * the sign of an exact zero. */
#ifndef MLPT_ENGINE_KERNELS_H
#define MLPT_ENGINE_KERNELS_H

#include <stddef.h>

/* Z[m x n] = X[m x k] W[k x n] + b[n] */
void mlpt_gemm_bias(size_t m, size_t k, size_t n, const float *restrict X,
                    const float *restrict W, const float *restrict b, float *restrict Z);

/* dW[k x n] += X[m x k]^T D[m x n]; db[n] += column sums of D.
 * Samples are accumulated in row order. */
void mlpt_gemm_tn_acc(size_t m, size_t k, size_t n, const float *restrict X,
                      const float *restrict D, float *restrict dW, float *restrict db);

/* dX[m x k] = D[m x n] W[k x n]^T */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX);

#endif
