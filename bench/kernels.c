/* bench/kernels: the dense layer's three matrix products at the shapes
 * training uses (a batch of 32 in 8 shards of 4 rows), in GFLOP/s on one
 * thread, against the machine's measured FMA peak. The weight gradient is
 * timed as the trainer forms it: the batch's non-zeros listed by kernel
 * row, then each row summed over its non-zeros.
 *
 *   bench_kernels [MNIST_IMAGES]      (default data/mnist/train-images-idx3-ubyte)
 *
 * "dense GFLOP/s" counts 2*m*k*n as a dense product would; with MNIST
 * inputs the kernels skip the zero pixels, so the work they really do is
 * "useful GFLOP/s" (2 * non-zeros * n). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "mlpt/idx.h"

typedef float vf __attribute__((vector_size(64)));

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One core's FMA throughput: 16 independent vector accumulators. */
static double peak_gflops(void)
{
    vf acc[16], x = {0}, y = {0};
    for (int i = 0; i < 16; i++)
        acc[i] = (vf){0} + (float)i;
    x += 1.0000001f;
    y += 0.9999999f;
    const long iters = 20000000;
    double t = now();
    for (long n = 0; n < iters; n++)
        for (int i = 0; i < 16; i++)
            acc[i] = acc[i] * x + y;
    t = now() - t;
    float sink = 0;
    for (int i = 0; i < 16; i++)
        sink += acc[i][0];
    volatile float keep = sink;
    (void)keep;
    return 2.0 * 16 * 16 * (double)iters / t / 1e9;
}

static void *checked(void *p)
{
    if (!p) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(1);
    }
    return p;
}

static float *floats(size_t n)
{
    float *p = checked(n < ((size_t)1 << 28) /* the shapes here are small */
                           ? aligned_alloc(64, ((n + MLPT_SLACK) * sizeof(float) + 63) / 64 * 64)
                           : NULL);
    for (size_t i = 0; i < n + MLPT_SLACK; i++)
        p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

/* Median-free but steady: repeats until 0.2 s have passed. */
static double time_it(void (*fn)(void *), void *arg)
{
    long reps = 0;
    double t = now(), end = t + 0.2;
    do {
        fn(arg);
        reps++;
    } while (now() < end);
    return (now() - t) / (double)reps;
}

enum { SHARDS = 8, SHARD_ROWS = 4, BATCH = SHARDS * SHARD_ROWS };

typedef struct shape {
    size_t k, n;
    float *W, *b, *dW;       /* dW: k + 1 rows, the bias's last (as the parameters) */
    float *X[SHARDS], *Z[SHARDS], *D[SHARDS], *dX[SHARDS];
    mlpt_nonzeros nz[SHARDS];
    mlpt_entry *entries;    /* the batch's non-zeros by kernel row */
    uint32_t *start;        /* k + 1 */
    size_t nonzeros;
} shape;

static void run_bias(void *a)
{
    shape *s = a;
    for (int p = 0; p < SHARDS; p++)
        mlpt_gemm_bias(SHARD_ROWS, s->k, s->n, &s->nz[p], s->W, s->b, s->Z[p]);
}

/* The listing is engine/pass.c's (a counting sort); here it is done once,
 * in setup, and only the products are timed. */
static void run_tn(void *a)
{
    shape *s = a;
    for (size_t row = 0; row <= s->k; row++)
        mlpt_gemm_tn_row(s->entries + s->start[row], s->start[row + 1] - s->start[row], 0, s->n,
                         s->dW + row * s->n);
}

static void run_nt(void *a)
{
    shape *s = a;
    for (int p = 0; p < SHARDS; p++)
        mlpt_gemm_nt(SHARD_ROWS, s->k, s->n, s->D[p], s->W, s->dX[p]);
}

/* Inputs from MNIST images (BATCH of them, scaled) when images is not
 * NULL. */
static void setup(shape *s, size_t k, size_t n, const mlpt_idx *images)
{
    *s = (shape){.k = k, .n = n};
    s->W = floats(k * n), s->b = floats(n), s->dW = floats((k + 1) * n);
    for (int p = 0; p < SHARDS; p++) {
        float *X = s->X[p] = floats(SHARD_ROWS * k);
        if (images)
            for (size_t i = 0; i < SHARD_ROWS * k; i++)
                X[i] = (float)images->data[(p * SHARD_ROWS + i / k + 100) * k + i % k] / 255.0f;
        s->Z[p] = floats(SHARD_ROWS * n), s->D[p] = floats(SHARD_ROWS * n);
        s->dX[p] = floats(SHARD_ROWS * k);
        s->nz[p].idx = checked(malloc(SHARD_ROWS * k * sizeof *s->nz[p].idx));
        s->nz[p].val = checked(malloc(SHARD_ROWS * k * sizeof *s->nz[p].val));
        s->nz[p].count = checked(malloc(SHARD_ROWS * sizeof *s->nz[p].count));
        mlpt_find_nonzeros(SHARD_ROWS, k, X, &s->nz[p]);
        for (size_t i = 0; i < SHARD_ROWS; i++)
            s->nonzeros += s->nz[p].count[i];
    }
    s->entries = checked(malloc((s->nonzeros + BATCH) * sizeof *s->entries));
    s->start = checked(calloc(k + 2, sizeof *s->start));
    size_t e = 0;
    for (size_t row = 0; row <= k; row++) { /* row k: the bias, whose input is 1 */
        s->start[row] = (uint32_t)e;
        for (int p = 0; p < SHARDS; p++)
            for (size_t i = 0; i < SHARD_ROWS; i++) {
                const float x = row < k ? s->X[p][i * k + row] : 1.0f;
                if (x != 0.0f)
                    s->entries[e++] = (mlpt_entry){s->D[p] + i * n, x};
            }
    }
    s->start[k + 1] = (uint32_t)e;
}

static void report(const char *label, shape *s, double peak)
{
    const double dense = 2.0 * (double)(BATCH * s->k * s->n), useful = 2.0 * s->nonzeros * s->n;
    struct { const char *name; void (*fn)(void *); double useful; } kernels[] = {
        {"forward  Z = X W + b", run_bias, useful},
        {"weights  dW = X^T D", run_tn, useful},
        {"inputs   dX = D W^T", run_nt, dense},
    };
    for (int i = 0; i < 3; i++) {
        const double t = time_it(kernels[i].fn, s);
        printf("%-26s %-22s %9.2f us %9.1f %9.1f %7.0f%%\n", label, kernels[i].name, t * 1e6,
               dense / t / 1e9, kernels[i].useful / t / 1e9, 100.0 * kernels[i].useful / t / 1e9 / peak);
    }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "data/mnist/train-images-idx3-ubyte";
    mlpt_idx images;
    mlpt_error err;
    if (mlpt_idx_load(path, &images, &err) < 0) {
        fprintf(stderr, "bench_kernels: %s\n", err.msg);
        return 1;
    }
    const double peak = peak_gflops();
    printf("one core's measured FMA peak: %.1f GFLOP/s (fp32)\n\n", peak);
    printf("%-26s %-22s %12s %9s %9s %8s\n", "shape (m x k x n)", "kernel", "time", "dense",
           "useful", "of peak");
    printf("%-26s %-22s %12s %9s %9s %8s\n", "", "", "", "GFLOP/s", "GFLOP/s", "");
    const struct { const char *label; size_t k, n; int mnist; } shapes[] = {
        {"tutorial 32x784x128 MNIST", 784, 128, 1}, {"tutorial 32x784x128 dense", 784, 128, 0},
        {"tutorial 32x128x10", 128, 10, 0},         {"deep 32x784x512 MNIST", 784, 512, 1},
        {"deep 32x512x256", 512, 256, 0},           {"deep 32x256x10", 256, 10, 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        shape s;
        setup(&s, shapes[i].k, shapes[i].n, shapes[i].mnist ? &images : NULL);
        report(shapes[i].label, &s, peak);
    }
    mlpt_idx_free(&images);
    return 0;
}
