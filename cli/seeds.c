/* mlptrain seeds CONFIG --seeds LIST: reproducible-seed experiments. Each
 * seed is a full run into run.out/seed-N (reproducible alone by
 * `mlptrain CONFIG --seed N`); the table, run.out/seeds.csv and
 * run.out/seeds.png compare them. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mlpt/figures.h"
#include "mlpt/fileio.h"
#include "train.h"

static void stats(const double *x, int n, double *mean, double *sd, double *lo, double *hi)
{
    double s = 0.0;
    *lo = *hi = x[0];
    for (int i = 0; i < n; i++) {
        s += x[i];
        *lo = fmin(*lo, x[i]);
        *hi = fmax(*hi, x[i]);
    }
    *mean = s / n;
    double v = 0.0;
    for (int i = 0; i < n; i++)
        v += (x[i] - *mean) * (x[i] - *mean);
    *sd = n > 1 ? sqrt(v / (n - 1)) : 0.0;
}

static int write_csv(const char *dir, const mlpt_metric_list *metrics, const uint64_t *seeds,
                     const train_outcome *o, int n, mlpt_error *err)
{
    char path[MLPT_PATH_LEN];
    mlpt_atomic_file f;
    if (mlpt_path_join(path, sizeof path, dir, "seeds.csv", err) < 0 ||
        mlpt_atomic_open(&f, path, err) < 0)
        return -1;
    fprintf(f.f, "seed,test_loss");
    for (int m = 0; m < metrics->n; m++)
        fprintf(f.f, ",test_%s", metrics->m[m].ops->name);
    fprintf(f.f, ",fingerprint\n");
    for (int i = 0; i < n; i++) {
        fprintf(f.f, "%llu,%.6f", (unsigned long long)seeds[i], o[i].test_loss);
        for (int m = 0; m < metrics->n; m++)
            fprintf(f.f, ",%.6f", o[i].test_metrics[m]);
        fprintf(f.f, ",%016llx\n", (unsigned long long)o[i].fingerprint);
    }
    if (mlpt_atomic_commit(&f, err) < 0)
        return -1;
    printf("wrote %s\n", path);
    return 0;
}

/* The Keras tutorial's test accuracy on MNIST, drawn beside accuracies
 * for comparison. */
static const double keras_reference = 0.9820;

/* Whether cfg measures accuracy on a model of MNIST's shape (784 inputs,
 * 10 classes): the Keras tutorial's kind, whose figure is a fair reference. */
static bool tutorial_kind(const mlpt_config *cfg)
{
    size_t inputs = 1;
    for (int d = 0; d < cfg->model.input_rank; d++)
        inputs *= cfg->model.input_dims[d];
    const mlpt_metric_list *m = &cfg->train.metrics;
    return m->n && !strcmp(m->m[0].ops->name, "accuracy") && inputs == 784 &&
           cfg->model.layers[cfg->model.n_layers - 1].units == 10;
}

/* The summarised figure per seed (`name`, values y), with the mean, the
 * mean +- one deviation and, with `keras`, the Keras tutorial's accuracy. */
static int draw(const char *dir, const char *name, bool keras, const uint64_t *seeds,
                const double *y, int n, double mean, double sd, mlpt_error *err)
{
    double *x = malloc((size_t)n * sizeof *x), *band = malloc(4 * (size_t)n * sizeof *band);
    if (!x || !band) {
        free(x);
        free(band);
        return mlpt_fail(err, "out of memory for the seeds figure");
    }
    for (int i = 0; i < n; i++) {
        x[i] = (double)seeds[i];
        band[i] = mean;
        band[n + i] = mean - sd;
        band[2 * n + i] = mean + sd;
        band[3 * n + i] = keras_reference;
    }
    char label[64], title[96];
    snprintf(label, sizeof label, "test %s", name);
    snprintf(title, sizeof title, "Test %s per seed", name);
    const mlpt_series series[] = {
        {label, x, y, (size_t)n, {0.12, 0.47, 0.71}, 0},
        {"mean", x, band, (size_t)n, {0.2, 0.2, 0.2}, 1},
        {"mean \xc2\xb1 sd", x, band + n, (size_t)n, {0.6, 0.6, 0.6}, 1},
        {"", x, band + 2 * n, (size_t)n, {0.6, 0.6, 0.6}, 1},
        {"Keras tutorial on MNIST (0.9820)", x, band + 3 * n, (size_t)n, {0.85, 0.37, 0.0}, 1},
    };
    char path[MLPT_PATH_LEN];
    int rc = mlpt_path_join(path, sizeof path, dir, "seeds.png", err);
    if (rc == 0)
        rc = mlpt_figure_lines(path, title, "seed", label, series,
                               keras ? 5 : 4, 0, err);
    if (rc == 0)
        printf("wrote %s\n", path);
    free(x);
    free(band);
    return rc;
}

/* The config for one seed, parsed from the user's text with two more overrides, so
 * that everything (the settings a checkpoint records included) says its seed
 * and its folder, run.out/seed-N. */
static int seed_config(const cli_args *a, const mlpt_config *cfg, const char *text,
                       uint64_t seed, mlpt_config *out, mlpt_error *err)
{
    static char seed_set[64], out_set[MLPT_PATH_LEN + 32];
    mlpt_override ov[CLI_MAX_OVERRIDES + 2];
    memcpy(ov, a->overrides, a->n_overrides * sizeof *ov);
    snprintf(seed_set, sizeof seed_set, "train.seed=%llu", (unsigned long long)seed);
    int len = snprintf(out_set, sizeof out_set, "run.out=%s/seed-%llu", cfg->run.out,
                       (unsigned long long)seed);
    if (len < 0 || (size_t)len >= sizeof out_set)
        return mlpt_fail(err, "%.64s...: output path too long", cfg->run.out);
    ov[a->n_overrides] = (mlpt_override){seed_set, NULL};
    ov[a->n_overrides + 1] = (mlpt_override){out_set, NULL};
    return mlpt_config_parse(a->config, text, ov, a->n_overrides + 2, out, err);
}

int cli_seeds(const cli_args *a, const mlpt_config *cfg, const char *config_text,
              const mlpt_topology *topo, mlpt_error *err)
{
    static train_outcome outcome[CLI_MAX_SEEDS];
    static double first[CLI_MAX_SEEDS], loss[CLI_MAX_SEEDS]; /* the first metric's */
    static mlpt_config run_cfg;
    static mlpt_folder_lock out_lock; /* for seeds.csv and seeds.png, until the process ends;
                                         each run holds its own folder */
    const uint64_t *seeds = a->seeds;
    const int n = (int)a->n_seeds;
    FILE *sink = fopen("/dev/null", "w"); /* each run's own report */
    if (!sink || mlpt_folder_take(cfg->run.out, &out_lock, err) < 0) {
        if (sink)
            fclose(sink);
        return sink ? -1 : mlpt_fail(err, "/dev/null: cannot open");
    }
    /* The first metric listed is the one summarised (the loss without one). */
    const mlpt_metric_list *metrics = &cfg->train.metrics;
    const char *name = metrics->n ? metrics->m[0].ops->name : "loss";
    char head[32];
    snprintf(head, sizeof head, "test %.16s", name);
    printf("%s: %d %s, each a full run into %s/seed-N\n\n%8s %10s %10s %18s\n", cfg->path, n,
           mlpt_noun((size_t)n, "seed", "seeds"), cfg->run.out, "seed", head, "test loss",
           "fingerprint");
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = seed_config(a, cfg, config_text, seeds[i], &run_cfg, err);
        if (rc == 0)
            rc = train_run(&run_cfg, topo,
                           &(train_options){.log = sink, .overwrite = true,
                                            .config_text = config_text},
                           &outcome[i], err);
        if (rc == TRAIN_INTERRUPTED)
            printf("interrupted during seed %llu: rerun the seeds to start again\n",
                   (unsigned long long)seeds[i]);
        if (rc == 0) {
            first[i] = metrics->n ? outcome[i].test_metrics[0] : outcome[i].test_loss;
            loss[i] = outcome[i].test_loss;
            printf("%8llu %10.4f %10.4f   %016llx\n", (unsigned long long)seeds[i], first[i],
                   loss[i], (unsigned long long)outcome[i].fingerprint);
            fflush(stdout);
        }
    }
    fclose(sink);
    if (rc != 0)
        return rc;
    double mean, sd, lo, hi, lmean, lsd, llo, lhi;
    stats(first, n, &mean, &sd, &lo, &hi);
    stats(loss, n, &lmean, &lsd, &llo, &lhi);
    printf("\n%-8s %10s %10s\n%-8s %10.4f %10.4f\n%-8s %10.4f %10.4f\n%-8s %10.4f %10.4f\n"
           "%-8s %10.4f %10.4f\n\n",
           "", head, "test loss", "mean", mean, lmean, "sd", sd, lsd, "min", lo, llo, "max",
           hi, lhi);
    return write_csv(cfg->run.out, metrics, seeds, outcome, n, err) < 0 ||
                   draw(cfg->run.out, name, tutorial_kind(cfg), seeds, first, n, mean, sd,
                        err) < 0
               ? -1
               : 0;
}
