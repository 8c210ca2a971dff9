/* mlptrain: train, evaluate and report one experiment described by an INI
 * config. The only place in the project that prints to the user or exits. */
#include <hwloc.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "args.h"
#include "console.h"
#include "mlpt/config.h"
#include "mlpt/dataset.h"
#include "mlpt/fileio.h"
#include "mlpt/model.h"
#include "mlpt/topology.h"
#include "mlpt/train.h"
#include "progress.h"

/* Everything one run holds, released by run_free whatever happened. */
typedef struct run {
    const mlpt_config *cfg;
    bool quiet;
    int threads;
    mlpt_dataset train_file, test; /* as loaded */
    mlpt_dataset train, val;       /* train_file split by data.validation */
    mlpt_model model;
    mlpt_trainer *trainer;
    mlpt_history_row *history;
    char history_path[MLPT_PATH_LEN];
} run;

static void run_free(run *r)
{
    mlpt_trainer_free(r->trainer);
    mlpt_model_free(&r->model);
    mlpt_dataset_free(&r->train_file);
    mlpt_dataset_free(&r->test);
    free(r->history);
}

static int print_version(void)
{
    printf("mlptrain %s\n", MLPT_VERSION);
    printf("built with OpenMP %d, hwloc %s, zlib %s; MPI: no\n", _OPENMP, HWLOC_VERSION,
           zlibVersion());
    return 0;
}

static int check_config(const mlpt_config *cfg, mlpt_error *err)
{
    mlpt_model m; /* planned only: --check allocates no parameters */
    if (mlpt_model_plan(&cfg->model, &m, err) < 0)
        return -1;
    console_settings(stdout, cfg);
    putchar('\n');
    console_model_summary(stdout, &m);
    printf("%s: OK (data files are not opened by --check)\n", cfg->path);
    return 0;
}

/* Loads both sets, splits off the validation set, and checks the samples
 * against the model's input. */
static int load_data(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    if (mlpt_dataset_load(cfg->data.train_images, cfg->data.train_labels, cfg->data.n_classes,
                          &r->train_file, err) < 0 ||
        mlpt_dataset_load(cfg->data.test_images, cfg->data.test_labels, cfg->data.n_classes,
                          &r->test, err) < 0)
        return -1;
    const mlpt_dataset *sets[] = {&r->train_file, &r->test};
    const char *files[] = {cfg->data.train_images, cfg->data.test_images};
    for (int i = 0; i < 2; i++)
        if (sets[i]->features != r->model.input_width)
            return mlpt_fail(err, "%s: samples have %zu values but [model] input in %s has %zu",
                             files[i], sets[i]->features, cfg->path, r->model.input_width);
    /* As Keras's validation_split: train on the first floor(n * (1 - v))
     * samples, validate on the rest, before any shuffling. */
    const size_t n = r->train_file.n;
    const size_t split = (size_t)floor((double)n * (1.0 - cfg->data.validation));
    if (cfg->data.validation > 0 && (split == 0 || split == n))
        return mlpt_fail(err, "%s: [data] validation = %g of %zu samples leaves %zu for "
                              "validation and %zu for training; both need at least one",
                         cfg->path, cfg->data.validation, n, n - split, split);
    r->train = mlpt_dataset_slice(&r->train_file, 0, split);
    r->val = mlpt_dataset_slice(&r->train_file, split, n - split);
    return 0;
}

static int train_epochs(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    const bool live = !r->quiet && isatty(fileno(stdout));
    for (int e = 0; e < cfg->train.epochs; e++) {
        progress p;
        mlpt_epoch_stats st;
        progress_begin(&p, stdout, live, cfg->metric_accuracy, e + 1, cfg->train.epochs);
        if (mlpt_trainer_epoch(r->trainer, &r->train, e, progress_step, &p, &st, err) < 0)
            return -1;
        const double seconds = progress_now() - p.start;
        mlpt_history_row *h = &r->history[e];
        *h = (mlpt_history_row){e + 1, st.loss, st.accuracy, NAN, NAN, seconds,
                                (double)st.samples / seconds};
        if (r->val.n) {
            mlpt_eval_result v;
            if (mlpt_evaluate(&r->model, &r->val, cfg->data.scale, r->threads, NULL, &v, err))
                return -1;
            h->val_loss = v.loss;
            h->val_accuracy = v.accuracy;
        }
        progress_end(&p, &st, r->val.n ? &h->val_loss : NULL,
                     r->val.n ? &h->val_accuracy : NULL);
        /* Rewritten every epoch so an interrupted run keeps its history. */
        if (mlpt_history_write(r->history_path, r->history, (size_t)e + 1, err) < 0)
            return -1;
    }
    return 0;
}

static int train_run(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    mlpt_topology topo;
    if (mlpt_topology_probe(&topo, err) < 0)
        return -1;
    r->threads = cfg->run.threads ? cfg->run.threads : topo.allowed_cores;
    bool bound = false;
    if (cfg->run.bind && mlpt_bind_threads(&topo, r->threads, &bound, err) < 0)
        return -1;
    console_header(stdout, &topo, r->threads, bound, cfg);
    console_defaults(stdout, cfg);

    /* Plan first (load_data checks the data against the geometry), allocate
     * once the data is known to fit. */
    if (mlpt_model_plan(&cfg->model, &r->model, err) < 0 || load_data(r, err) < 0 ||
        mlpt_model_create(&cfg->model, &r->model, err) < 0)
        return -1;
    console_data_summary(stdout, "train", &r->train, cfg->data.n_classes);
    if (r->val.n)
        console_data_summary(stdout, "validation", &r->val, cfg->data.n_classes);
    console_data_summary(stdout, "test", &r->test, cfg->data.n_classes);
    putchar('\n');
    console_model_summary(stdout, &r->model);

    if (mlpt_make_dirs(cfg->run.out, err) < 0 ||
        mlpt_path_join(r->history_path, sizeof r->history_path, cfg->run.out, "history.csv",
                       err) < 0)
        return -1;
    mlpt_model_init_params(&r->model, cfg->train.seed);
    r->history = calloc((size_t)cfg->train.epochs, sizeof *r->history);
    r->trainer = mlpt_trainer_create(&r->model, &cfg->train, r->train.n, r->threads, err);
    if (!r->history || !r->trainer)
        return r->history ? -1 : mlpt_fail(err, "out of memory for the history");
    if (train_epochs(r, err) < 0)
        return -1;

    mlpt_eval_result t;
    if (mlpt_evaluate(&r->model, &r->test, cfg->data.scale, r->threads, NULL, &t, err) < 0)
        return -1;
    char correct[32], total[32];
    printf("\ntest loss: %.4f - test accuracy: %.4f (%s of %s correct)\n", t.loss, t.accuracy,
           console_thousands(t.correct, correct), console_thousands(t.n, total));
    printf("wrote %s\n", r->history_path);
    printf("weights fingerprint: %016llx\n",
           (unsigned long long)mlpt_model_fingerprint(&r->model));
    return 0;
}

int main(int argc, char **argv)
{
    cli_args args;
    char msg[512];
    if (cli_parse_args(argc, argv, &args, msg, sizeof msg) < 0) {
        fprintf(stderr, "mlptrain: %s\nTry 'mlptrain --help'.\n", msg);
        return 2;
    }
    if (args.command == CLI_HELP) {
        fputs(cli_usage, stdout);
        return 0;
    }
    if (args.command == CLI_VERSION)
        return print_version();

    static mlpt_config cfg; /* large (paths, class names): not on the stack */
    mlpt_error err;
    int rc = mlpt_config_load(args.config, args.overrides, args.n_overrides, &cfg, &err);
    if (rc == 0 && args.command == CLI_CHECK)
        rc = check_config(&cfg, &err);
    else if (rc == 0) {
        run r = {.cfg = &cfg, .quiet = args.quiet};
        rc = train_run(&r, &err);
        run_free(&r);
    }
    if (rc < 0) {
        fflush(stdout);
        fprintf(stderr, "mlptrain: error: %s\n", err.msg);
        return 1;
    }
    return 0;
}
