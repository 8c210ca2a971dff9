/* Compiled with -ffp-contract=fast: `acc + x * w` on vectors becomes one
 * fused multiply-add, like fmaf in the scalar loops. The choice is the
 * compiler's, made once per build, so it never varies with threads. */
#include "kernels.h"

#include <math.h>
#include <stdbool.h>
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

/* The dense tiles: MLPT_PANEL rows by TV vectors, TV * MLPT_PANEL
 * accumulators (24 of AVX-512's 32 registers). */
#ifdef __AVX512F__
enum { TV = 3 };
#else
enum { TV = 1 };
#endif

/* Distance, in rows of B, at which a tile over a strided B prefetches it:
 * the tile walks a strip of W down its rows, a page apart for wide layers,
 * which the hardware prefetchers do not follow. */
enum { PFW = 48 };

/* And the strip after it, from memory into L2: NEXT columns on. */
enum { NEXT = TV * VW };

/* Rows of X packed at a time by the forward product: a panel of KC x
 * MLPT_PANEL floats (16 KiB) stays in L1 while a strip of W streams by. */
enum { KC = 512 };

/* C[r, 0 .. width) for r < rows <= mr, nv vectors of columns from c:
 *     acc = init (0 when NULL; row r's at init + r * init_ld), then
 *     acc += A[i, r] * B_i[c ..] for i = 0 .. depth-1 in order,
 * in registers; A is a panel [depth x MLPT_PANEL] of which columns [0, mr)
 * are computed (those past `rows` dropped), B_i is b_rows[i] when rowptr,
 * else b + i * ldb. mr, nv and rowptr are constants at each call site. */
BLOCK_KERNEL panel_tile(int mr, int nv, bool rowptr, size_t depth, size_t rows, const float *A,
                        const float *const *b_rows, const float *b, size_t ldb,
                        const float *init, size_t init_ld, size_t c, size_t width, float *C,
                        size_t ldc)
{
    vf acc[MLPT_PANEL][TV];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
            acc[r][v] = init && (size_t)r < rows ? *(const vf *)(init + r * init_ld + v * VW)
                                                 : (vf){0};
    for (size_t i = 0; i < depth; i++) {
        const float *bi = (rowptr ? b_rows[i] : b + i * ldb) + c, *a = A + i * MLPT_PANEL;
        if (!rowptr) {
            if (i + PFW < depth)
                for (int v = 0; v < nv; v++)
                    __builtin_prefetch(bi + PFW * ldb + v * VW);
            for (int v = 0; v < nv; v++)
                __builtin_prefetch(bi + NEXT + v * VW, 0, 2);
        }
        vf bv[TV];
        for (int v = 0; v < nv; v++)
            bv[v] = *(const vf *)(bi + v * VW);
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < nv; v++)
                acc[r][v] += a[r] * bv[v];
    }
    for (size_t r = 0; r < rows; r++)
        store_block(nv, width, acc[r], C + r * ldc);
}

/* Z's rows [i, i + rows) (rows <= MLPT_PANEL) over X's columns [p0, p0 +
 * kc), the panel A holding them: the first block starts from b, later ones
 * from the partial sums Z holds (stored floats: the sums' bits do not
 * depend on where they are cut). */
BLOCK_KERNEL dense_rows(int mr, size_t n, size_t p0, size_t kc, const float *A,
                        const float *W, const float *b, float *Z)
{
    const float *init = p0 == 0 ? b : Z;
    const size_t init_ld = p0 == 0 ? 0 : n;
    size_t j = 0;
    for (; j + TV * VW <= n; j += TV * VW)
        panel_tile(mr, TV, false, kc, (size_t)mr, A, NULL, W + p0 * n, n, init + j, init_ld, j,
                   TV * VW, Z + j, n);
    for (; j < n; j += VW) /* one vector at a time; the last may be partial */
        panel_tile(mr, 1, false, kc, (size_t)mr, A, NULL, W + p0 * n, n, init + j, init_ld, j,
                   n - j < VW ? n - j : VW, Z + j, n);
}

/* A block of fewer than MLPT_PANEL rows goes in tiles of 4, 2 and 1 rows
 * (the panel's columns from r on): a shard of 4 rows (batch 32 in 8
 * shards) computes no padding. */
static void dense_block(size_t n, size_t p0, size_t kc, size_t rows, const float *A,
                        const float *W, const float *b, float *Z)
{
    if (rows == MLPT_PANEL) {
        dense_rows(MLPT_PANEL, n, p0, kc, A, W, b, Z);
        return;
    }
    size_t r = 0;
    for (int mr = MLPT_PANEL / 2; mr >= 1; mr /= 2)
        if (rows - r >= (size_t)mr) {
            dense_rows(mr, n, p0, kc, A + r, W, b, Z + r * n);
            r += (size_t)mr;
        }
}

void mlpt_gemm_bias_dense(size_t m, size_t k, size_t n, const float *restrict X,
                          const float *restrict W, const float *restrict b, float *restrict Z)
{
    float A[KC * MLPT_PANEL] __attribute__((aligned(64)));
    for (size_t p0 = 0; p0 < k; p0 += KC) {
        const size_t kc = k - p0 < KC ? k - p0 : KC;
        for (size_t i = 0; i < m; i += MLPT_PANEL) {
            const size_t rows = m - i < MLPT_PANEL ? m - i : MLPT_PANEL;
            for (size_t p = 0; p < kc; p++)
                for (size_t r = 0; r < MLPT_PANEL; r++)
                    A[p * MLPT_PANEL + r] = r < rows ? X[(i + r) * k + p0 + p] : 0.0f;
            dense_block(n, p0, kc, rows, A, W, b, Z + i * n);
        }
    }
}

void mlpt_gemm_tn_panel(size_t batch, size_t rows, const float *restrict A,
                        const float *const *d, size_t c0, size_t len, float *restrict G,
                        size_t ldg)
{
    size_t j = 0;
    for (; j + TV * VW <= len; j += TV * VW)
        panel_tile(MLPT_PANEL, TV, true, batch, rows, A, d, NULL, 0, NULL, 0, c0 + j, TV * VW,
                   G + j, ldg);
    for (; j < len; j += VW)
        panel_tile(MLPT_PANEL, 1, true, batch, rows, A, d, NULL, 0, NULL, 0, c0 + j,
                   len - j < VW ? len - j : VW, G + j, ldg);
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

/* Lane q of the result = sum_lanes(acc[q]) for q < 16, bit for bit: the
 * same additions in the same tree, four levels of two vectors each instead
 * of sixteen scalar trees. */
static inline vf sum_lanes16(const vf acc[VW])
{
    vf s1[8], s2[4], s3[2];
    for (int q = 0; q < 8; q++) /* t[l] + t[l + 8], two accumulators a vector */
        s1[q] = __builtin_shufflevector(acc[2 * q], acc[2 * q + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16,
                                        17, 18, 19, 20, 21, 22, 23) +
                __builtin_shufflevector(acc[2 * q], acc[2 * q + 1], 8, 9, 10, 11, 12, 13, 14, 15,
                                        24, 25, 26, 27, 28, 29, 30, 31);
    for (int q = 0; q < 4; q++) /* t[l] + t[l + 4], four a vector */
        s2[q] = __builtin_shufflevector(s1[2 * q], s1[2 * q + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16,
                                        17, 18, 19, 24, 25, 26, 27) +
                __builtin_shufflevector(s1[2 * q], s1[2 * q + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20,
                                        21, 22, 23, 28, 29, 30, 31);
    for (int q = 0; q < 2; q++) /* t[l] + t[l + 2], eight a vector */
        s3[q] = __builtin_shufflevector(s2[2 * q], s2[2 * q + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16,
                                        17, 20, 21, 24, 25, 28, 29) +
                __builtin_shufflevector(s2[2 * q], s2[2 * q + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18,
                                        19, 22, 23, 26, 27, 30, 31);
    return __builtin_shufflevector(s3[0], s3[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                   26, 28, 30) +
           __builtin_shufflevector(s3[0], s3[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25,
                                   27, 29, 31);
}

/* dX[i0 + r, p0 + q] for r < rows, q < ps (D at row i0, W at row p0, dX at
 * (i0, p0)): each dot product in 16 partial sums (j mod 16), then the rest
 * of the row one by one. W's rows are loaded once for `rows` samples, D's
 * once for `ps` kernel rows; rows and ps are constants at each call. */
BLOCK_KERNEL nt_tile(int rows, int ps, size_t k, size_t n, const float *D, const float *W,
                     float *dX)
{
    enum { RB = 4 };
    vf acc[RB * RB];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < ps; q++)
            acc[r * RB + q] = (vf){0};
    size_t j = 0;
    for (; j + VW <= n; j += VW) {
        vf wv[RB];
        for (int q = 0; q < ps; q++)
            wv[q] = *(const vf *)(W + (size_t)q * n + j);
        for (int r = 0; r < rows; r++) {
            const vf dv = *(const vf *)(D + (size_t)r * n + j);
            for (int q = 0; q < ps; q++)
                acc[r * RB + q] += dv * wv[q];
        }
    }
    float sums[RB * RB];
    if (rows == RB && ps == RB) {
        const vf all = sum_lanes16(acc);
        memcpy(sums, &all, sizeof sums);
    } else {
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < ps; q++)
                sums[r * RB + q] = sum_lanes(acc[r * RB + q]);
    }
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < ps; q++) {
            const float *d = D + (size_t)r * n, *w = W + (size_t)q * n;
            float sum = sums[r * RB + q];
            for (size_t jj = j; jj < n; jj++)
                sum = fmaf(d[jj], w[jj], sum);
            dX[(size_t)r * k + (size_t)q] = sum;
        }
}

/* All m rows of dX for kernel rows [p0, p0 + ps): four samples at a time. */
BLOCK_KERNEL nt_rows(int ps, size_t m, size_t k, size_t n, size_t p0, const float *D,
                     const float *W, float *dX)
{
    size_t i0 = 0;
    for (; i0 + 4 <= m; i0 += 4)
        nt_tile(4, ps, k, n, D + i0 * n, W + p0 * n, dX + i0 * k + p0);
    for (; i0 < m; i0++)
        nt_tile(1, ps, k, n, D + i0 * n, W + p0 * n, dX + i0 * k + p0);
}

/* dX[i, p] is the dot product of D's row i with W's row p. Rows of at least
 * 16 go through nt_tile, four kernel rows (W's, read once from memory for
 * the whole block) by four samples; narrower ones take eight partial sums
 * (j mod 8) combined in a fixed order. */
void mlpt_gemm_nt(size_t m, size_t k, size_t n, const float *restrict D,
                  const float *restrict W, float *restrict dX)
{
    if (n >= VW) {
        size_t p0 = 0;
        for (; p0 + 4 <= k; p0 += 4)
            nt_rows(4, m, k, n, p0, D, W, dX);
        for (; p0 < k; p0++)
            nt_rows(1, m, k, n, p0, D, W, dX);
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
