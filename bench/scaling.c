/* bench/scaling: training throughput against the thread count, and
 * against processes x threads when started by mpirun.
 *
 *   bench_scaling [CONFIG] [--max-threads N] [--steps S] [--repeats R] [--out DIR]
 *   mpirun -np P bench_scaling [same options]
 *
 * For batch sizes 32 and 128 and thread counts 1..N (N defaults to the cores
 * this process may use, per hwloc; larger N shows oversubscription), trains
 * the config's model for a warm-up of 50 steps, then times S steps (default
 * 400), R times (default 15: timings on a shared machine vary), and reports
 * the median samples/s, the speedup over one thread and the parallel
 * efficiency. Writes DIR/scaling.csv and DIR/scaling.png
 * (speedup against threads, with the ideal line).
 *
 * Under mpirun the P processes train one model together (each with 1..N
 * threads), and the table adds the time each step spends exchanging shard
 * results between processes (rank 0's, in MPI calls) and its share of the
 * step; DIR/scaling-ranks.csv gets the rows. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlpt/config.h"
#include "mlpt/dataset.h"
#include "mlpt/figures.h"
#include "mlpt/fileio.h"
#include "mlpt/topology.h"
#include "mlpt/train.h"
#include "ranks.h"

enum { WARMUP = 50, MAX_POINTS = 64, MAX_REPEATS = 51 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Stops the epoch after `stop_after` steps, timing from the end of the first. */
typedef struct timer {
    size_t stop_after;
    double start, end;
} timer;

static int on_step(const mlpt_epoch_stats *s, void *user)
{
    timer *t = user;
    if (s->step == 1)
        t->start = now();
    if (s->step == t->stop_after) {
        t->end = now();
        return 1;
    }
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *msg)
{
    fprintf(stderr, "bench_scaling: %s\n", msg);
    exit(1);
}

/* Median samples/s of `repeats` timed runs of `steps` steps, in all the
 * processes together; *comm gets the seconds per step spent exchanging
 * between processes (0 in one process). */
static double measure(const mlpt_config *cfg, const mlpt_samples *train, int batch, int threads,
                      int steps, int repeats, double *comm)
{
    mlpt_error err;
    mlpt_model m;
    if (mlpt_model_create(&cfg->model, &m, &err) < 0)
        die(err.msg);
    mlpt_model_init_params(&m, cfg->train.seed);
    mlpt_train_spec spec = cfg->train;
    spec.batch = batch;
    mlpt_trainer *t = mlpt_trainer_create(&m, &spec, train, threads, &err);
    if (!t || (ranks_size() > 1 && mlpt_trainer_distribute(t, ranks_comm(), &err) < 0))
        die(err.msg);
    double rates[MAX_REPEATS];
    int epoch = 0;
    timer warm = {.stop_after = WARMUP};
    if (mlpt_trainer_epoch(t, train, epoch++, NULL, on_step, &warm, NULL, &err) < 0)
        die(err.msg);
    const double comm_before = mlpt_trainer_comm_seconds(t);
    for (int r = 0; r < repeats; r++) {
        timer tm = {.stop_after = (size_t)steps + 1};
        if (mlpt_trainer_epoch(t, train, epoch++, NULL, on_step, &tm, NULL, &err) < 0)
            die(err.msg);
        rates[r] = (double)steps * batch / (tm.end - tm.start);
    }
    /* each repeat runs steps + 1 steps */
    *comm = (mlpt_trainer_comm_seconds(t) - comm_before) / ((double)repeats * (steps + 1));
    mlpt_trainer_free(t);
    mlpt_model_free(&m);
    qsort(rates, (size_t)repeats, sizeof *rates, compare_doubles);
    return rates[repeats / 2];
}

int main(int argc, char **argv)
{
    const char *config = "configs/mnist.ini", *out = "runs/bench";
    int max_threads = 0, steps = 400, repeats = 15;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--max-threads") && v)
            max_threads = atoi(argv[++i]);
        else if (!strcmp(a, "--steps") && v)
            steps = atoi(argv[++i]);
        else if (!strcmp(a, "--repeats") && v)
            repeats = atoi(argv[++i]);
        else if (!strcmp(a, "--out") && v)
            out = argv[++i];
        else if (a[0] != '-')
            config = a;
        else
            die("usage: bench_scaling [CONFIG] [--max-threads N] [--steps S] [--repeats R] "
                "[--out DIR]");
    }
    mlpt_error err;
    if (ranks_init(&argc, &argv, &err) < 0)
        die(err.msg);
    /* Under mpirun, rank 0 speaks and writes for all. */
    const bool multi = ranks_size() > 1, writer = ranks_rank() == 0;
    if (!writer && !freopen("/dev/null", "w", stdout))
        die("cannot silence the other processes");
    static mlpt_config cfg;
    mlpt_topology topo;
    mlpt_dataset train;
    if (mlpt_config_load(config, NULL, 0, &cfg, &err) < 0 || mlpt_topology_probe(&topo, &err) < 0 ||
        mlpt_dataset_load(cfg.data.train_images, cfg.data.train_labels, cfg.data.n_classes,
                          &train, &err) < 0 ||
        (writer && mlpt_make_dirs(out, &err) < 0))
        die(err.msg);
    mlpt_dataset_scale(&train, cfg.data.scale);
    if (max_threads < 1)
        max_threads = topo.allowed_cores;
    if (max_threads > MAX_POINTS || steps < 1 || repeats < 1 || repeats > MAX_REPEATS)
        die("--max-threads must be 1..64, --steps >= 1, --repeats 1..51");
    if ((size_t)(steps + 1) * 128 > train.s.n)
        die("--steps too large for one epoch of the training set at batch 128");

    printf("bench_scaling: %s, shards %d, %d steps after %d warm-up, median of %d\n", config,
           cfg.train.shards, steps, WARMUP, repeats);
    if (multi)
        printf("%d processes (MPI), each with the threads below; rank 0's view:\n",
               ranks_size());
    printf("hwloc: %d package(s), %d cores, %d PUs; allowed PUs %s (%d cores)\n", topo.packages,
           topo.cores, topo.pus, topo.allowed_list, topo.allowed_cores);
    char path[MLPT_PATH_LEN] = "";
    mlpt_atomic_file csv;
    if (writer) {
        if (mlpt_path_join(path, sizeof path, out, multi ? "scaling-ranks.csv" : "scaling.csv",
                           &err) < 0 ||
            mlpt_atomic_open(&csv, path, &err) < 0)
            die(err.msg);
        fprintf(csv.f,
                "ranks,batch,threads,bound,samples_per_s,speedup,efficiency,comm_us_per_step\n");
    }
    printf("\n%6s %8s %-8s %14s %8s %11s %12s\n", "batch", "threads", "bound", "samples/s",
           "speedup", "efficiency", multi ? "comm/step" : "");

    const int batches[] = {32, 128};
    double xs[2][MAX_POINTS], ys[2][MAX_POINTS], ideal[MAX_POINTS];
    for (int b = 0; b < 2; b++) {
        double base = 0.0;
        for (int th = 1; th <= max_threads; th++) {
            bool bound = false;
            if (mlpt_bind_threads(&topo, th, &bound, &err) < 0)
                die(err.msg);
            double comm;
            double rate = measure(&cfg, &train.s, batches[b], th, steps, repeats, &comm);
            base = th == 1 ? rate : base;
            xs[b][th - 1] = th;
            ys[b][th - 1] = rate / base;
            ideal[th - 1] = th;
            printf("%6d %8d %-8s %14.0f %8.2f %10.0f%%", batches[b], th, bound ? "cores" : "no",
                   rate, rate / base, 100.0 * rate / base / th);
            if (multi) /* the share of the step: batch / rate seconds per step */
                printf(" %7.1f us (%2.0f%%)", comm * 1e6, 100.0 * comm * rate / batches[b]);
            putchar('\n');
            if (writer)
                fprintf(csv.f, "%d,%d,%d,%d,%.1f,%.4f,%.4f,%.2f\n", ranks_size(), batches[b], th,
                        bound, rate, rate / base, rate / base / th, comm * 1e6);
            fflush(stdout);
        }
    }
    if (writer && mlpt_atomic_commit(&csv, &err) < 0)
        die(err.msg);
    if (multi) { /* the speedup plot is the single-process one */
        printf("\nwrote %s (speedups are over %d processes x 1 thread)\n", path, ranks_size());
        mlpt_dataset_free(&train);
        ranks_finalize();
        return 0;
    }
    char png[MLPT_PATH_LEN];
    mlpt_series series[] = {
        {"ideal", ideal, ideal, (size_t)max_threads, {0.6, 0.6, 0.6}, 1},
        {"batch 32", xs[0], ys[0], (size_t)max_threads, {0.12, 0.47, 0.71}, 0},
        {"batch 128", xs[1], ys[1], (size_t)max_threads, {0.85, 0.37, 0.0}, 0},
    };
    if (mlpt_path_join(png, sizeof png, out, "scaling.png", &err) < 0)
        die(err.msg);
    if (mlpt_figure_lines(png, "mlptrain: training speedup over 1 thread", "threads", "speedup",
                          series, 3, 1, &err) < 0)
        die(err.msg);
    printf("\nwrote %s and %s\n", path, png);
    mlpt_dataset_free(&train);
    ranks_finalize();
    return 0;
}
