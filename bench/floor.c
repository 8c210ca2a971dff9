/* bench_floor (run as bench/floor CONFIG): the floor of a config's training
 * on this machine, measured. Per step (a batch of the config's size), its
 * matrix products on exactly its shapes, dense,
 *
 *     forward        Z[B x n] = X[B x k] W[k x n]      every kernel layer
 *     weight grad    G[k x n] = X^T D                 every kernel layer
 *     input grad     dX[B x k] = D W^T                all but the first
 *
 * at OpenBLAS's single-threaded speed, plus one streaming Adam pass over the
 * parameters (read w, m, v and the gradient, write w, m, v), times the
 * steps of an epoch. For T threads, T processes run both at once, each on
 * its own copy (1/T of the steps each), so the floor includes what the
 * cores share (L3, memory bandwidth). Processes, not threads: OpenBLAS's
 * OpenMP build may serialize calls made from several threads.
 *
 *   bench_floor CONFIG [--repeats R] [--threads MAX] [--batch B]
 *
 * OpenBLAS is opened at run time (libopenblas.so.0): no build dependency.
 * Its kernel is OPENBLAS_CORETYPE's, which must be set; bench/floor runs
 * this once per kernel family the CPU can run and keeps the fastest
 * (Debian's 0.3.21 misdetects newer CPUs and falls back to generic
 * kernels, and the family named after the CPU is not always the fastest).
 * The kernel used is printed (openblas_get_corename). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mlpt/config.h"
#include "mlpt/data.h"
#include "mlpt/model.h"

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);
static sgemm_fn sgemm;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *msg)
{
    fprintf(stderr, "bench_floor: %s\n", msg);
    exit(1);
}

static float *floats(size_t n)
{
    float *p = aligned_alloc(64, (n * sizeof *p + 63) / 64 * 64);
    if (!p)
        die("out of memory");
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(i % 251) / 251.0f - 0.5f;
    return p;
}

/* One thread's buffers: every layer's X, W, D, dX and G, and Adam's. */
typedef struct buffers {
    float *x[MLPT_MAX_LAYERS], *w[MLPT_MAX_LAYERS], *d[MLPT_MAX_LAYERS];
    float *dx[MLPT_MAX_LAYERS], *g[MLPT_MAX_LAYERS];
    float *pw, *pm, *pv, *pg;
} buffers;

static void alloc_buffers(const mlpt_model *m, size_t B, buffers *b)
{
    for (int l = 0; l < m->spec.n_layers; l++) {
        if (!m->spec.layers[l].kind->kernel)
            continue;
        const size_t k = m->geom[l].in, n = m->geom[l].out;
        b->x[l] = floats(B * k);
        b->dx[l] = floats(B * k);
        b->w[l] = floats(k * n);
        b->g[l] = floats(k * n);
        b->d[l] = floats(B * n);
    }
    b->pw = floats(m->n_params);
    b->pm = floats(m->n_params);
    b->pv = floats(m->n_params);
    b->pg = floats(m->n_params);
    for (size_t i = 0; i < m->n_params; i++)
        b->pv[i] = fabsf(b->pv[i]);
}

/* One step's products; returns their floating-point operations. */
static double products(const mlpt_model *m, int B, const buffers *b)
{
    double flops = 0.0;
    int first = -1;
    for (int l = 0; l < m->spec.n_layers; l++) {
        if (!m->spec.layers[l].kind->kernel)
            continue;
        const int k = (int)m->geom[l].in, n = (int)m->geom[l].out;
        sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, B, n, k, 1.0f, b->x[l], k, b->w[l], n, 0.0f,
              b->d[l], n);
        sgemm(ROW_MAJOR, TRANS, NO_TRANS, k, n, B, 1.0f, b->x[l], k, b->d[l], n, 0.0f, b->g[l],
              n);
        flops += 4.0 * B * k * n;
        if (first >= 0) {
            sgemm(ROW_MAJOR, NO_TRANS, TRANS, B, k, n, 1.0f, b->d[l], n, b->w[l], n, 0.0f,
                  b->dx[l], k);
            flops += 2.0 * B * k * n;
        } else {
            first = l;
        }
    }
    return flops;
}

/* Keras's Adam over n parameters, as engine/adam.c forms it: one pass. */
static void adam_pass(size_t n, float *restrict w, float *restrict s1, float *restrict s2,
                      const float *restrict g)
{
    const float c1 = 0.1f, c2 = 0.001f, lr = 1e-3f, eps = 1e-7f, scale = 1.0f / 128;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] * scale;
        s1[i] += (gi - s1[i]) * c1;
        s2[i] += (gi * gi - s2[i]) * c2;
        w[i] -= lr * s1[i] / (sqrtf(s2[i]) + eps);
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of one step's products and of one Adam pass, and the
 * products' operations, in this process. */
static void measure(const mlpt_model *m, int B, int repeats, double out[3])
{
    buffers b = {0};
    alloc_buffers(m, (size_t)B, &b);
    products(m, B, &b); /* warm: first touch, the library's buffers */
    adam_pass(m->n_params, b.pw, b.pm, b.pv, b.pg);
    double tg[64], ta[64];
    for (int r = 0; r < repeats; r++) {
        const double t0 = now();
        out[2] = products(m, B, &b);
        const double t1 = now();
        adam_pass(m->n_params, b.pw, b.pm, b.pv, b.pg);
        tg[r] = t1 - t0;
        ta[r] = now() - t1;
    }
    qsort(tg, (size_t)repeats, sizeof *tg, compare_doubles);
    qsort(ta, (size_t)repeats, sizeof *ta, compare_doubles);
    out[0] = tg[repeats / 2];
    out[1] = ta[repeats / 2];
}

/* measure in `procs` processes at once, released together; the slowest's
 * figures into out. */
static void measure_in(int procs, const mlpt_model *m, int B, int repeats, double out[3])
{
    int go[2], results[2];
    if (pipe(go) < 0 || pipe(results) < 0)
        die("pipe failed");
    for (int p = 0; p < procs; p++) {
        const pid_t pid = fork();
        if (pid < 0)
            die("fork failed");
        if (pid == 0) {
            double mine[3];
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) < 0) /* 0 bytes: released */
                _exit(1);
            measure(m, B, repeats, mine);
            _exit(write(results[1], mine, sizeof mine) == sizeof mine ? 0 : 1);
        }
    }
    close(go[0]);
    close(results[1]);
    close(go[1]); /* release them together */
    memset(out, 0, 3 * sizeof *out);
    for (int p = 0; p < procs; p++) {
        double theirs[3];
        if (read(results[0], theirs, sizeof theirs) != sizeof theirs)
            die("a measuring process failed");
        for (int i = 0; i < 3; i++)
            out[i] = theirs[i] > out[i] ? theirs[i] : out[i];
    }
    close(results[0]);
    while (wait(NULL) > 0)
        ;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int repeats = 11, max_threads = 2, batch = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            max_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !config)
            config = argv[i];
        else
            die("usage: bench_floor CONFIG [--repeats R] [--threads MAX] [--batch B]");
    }
    if (!config || repeats < 1 || repeats > 64 || max_threads < 1 || max_threads > 64 ||
        batch < 0)
        die("usage: bench_floor CONFIG [--repeats 1..64] [--threads 1..64] [--batch B]");
    const char *core = getenv("OPENBLAS_CORETYPE");
    if (!core)
        die("set OPENBLAS_CORETYPE (bench/floor tries each this CPU runs)");
    void *blas = dlopen("libopenblas.so.0", RTLD_NOW);
    if (!blas)
        die("cannot open libopenblas.so.0 (apt-get install libopenblas0-openmp)");
    sgemm = (sgemm_fn)dlsym(blas, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(blas, "openblas_set_num_threads");
    char *(*corename)(void) = (char *(*)(void))dlsym(blas, "openblas_get_corename");
    char *(*blas_config)(void) = (char *(*)(void))dlsym(blas, "openblas_get_config");
    if (!sgemm || !set_threads || !corename || !blas_config)
        die("libopenblas.so.0 lacks cblas_sgemm or openblas_* functions");
    set_threads(1); /* each process runs its own single-threaded products */

    mlpt_error err;
    mlpt_config cfg;
    mlpt_data data;
    mlpt_model m;
    if (mlpt_config_load(config, NULL, 0, &cfg, &err) < 0 ||
        mlpt_data_load(&cfg, false, &data, &err) < 0 ||
        mlpt_model_plan(&cfg.model, &m, &err) < 0)
        die(err.msg);
    const size_t samples = data.fit.n, B = (size_t)(batch ? batch : cfg.train.batch);
    const size_t steps = (samples + B - 1) / B;
    mlpt_data_free(&data);

    printf("%s: %zu samples, batch %zu, %zu steps per epoch, %zu parameters\n", config, samples,
           B, steps, m.n_params);
    printf("OpenBLAS %s, kernel %s (OPENBLAS_CORETYPE=%s), single-threaded in each process\n\n",
           blas_config(), corename(), core);
    printf("threads  GEMM ms/step  GFLOP/s  Adam ms/step  floor s/epoch\n");
    fflush(stdout);
    for (int t = 1; t <= max_threads; t++) {
        double r[3]; /* each of t processes ran a whole step: per step, / t */
        measure_in(t, &m, (int)B, repeats, r);
        const double gemm = r[0] / t, adam = r[1] / t;
        printf("%7d  %12.3f  %7.1f  %12.3f  %13.3f\n", t, 1e3 * gemm, r[2] / gemm / 1e9,
               1e3 * adam, (double)steps * (gemm + adam));
    }
    return 0;
}
